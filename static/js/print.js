// "Print" buttons on sheet pages: data-print opens the browser's print dialog (no inline script,
// which the Content-Security-Policy forbids).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// Forms that help: after a refused submission the first problem is scrolled to and focused; a
// destructive action (a button or form with data-confirm) asks first. No inline script anywhere
// (the Content-Security-Policy forbids it): this file is loaded by base.html.
(function () {
  "use strict";

  function firstProblem() {
    const field = document.querySelector("main .is-invalid, main [aria-invalid='true']");
    if (field) return field;
    const message = document.querySelector("main .invalid-feedback, main .alert-danger, main .errorlist");
    return message;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const problem = firstProblem();
    if (!problem) return;
    problem.scrollIntoView({ block: "center" });
    const focusable = problem.matches("input, select, textarea, button")
      ? problem
      : (problem.closest("form") || problem).querySelector(".is-invalid, input:not([type=hidden]), select, textarea");
    if (focusable) focusable.focus({ preventScroll: true });
  });

  // A proposed slot fills the booking form in place (without a reload: the link is the fallback).
  document.addEventListener("click", function (event) {
    const slot = event.target.closest("[data-fill-slot]");
    const form = document.querySelector("form input[name=starts_at]") && document.querySelector("form input[name=starts_at]").form;
    if (!slot || !form) return;
    event.preventDefault();
    form.elements.starts_at.value = slot.dataset.starts;
    if (form.elements.clinician) form.elements.clinician.value = slot.dataset.clinician;
    if (form.elements.room) form.elements.room.value = slot.dataset.room;
    document.querySelectorAll("[data-fill-slot][aria-current]").forEach(function (other) {
      other.removeAttribute("aria-current");
      other.classList.remove("active");
    });
    slot.setAttribute("aria-current", "true");
    slot.classList.add("active");
    form.elements.starts_at.focus();
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();

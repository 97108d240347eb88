/* Automatic log-off in the browser (the server decides: cryocare/idle_logout.py).
 *
 * - Typing, clicking or touching the page is activity: at most once a minute it is posted to the
 *   keep-alive endpoint, so a long form being filled in keeps the session alive.
 * - A minute before the session would end, a warning with a countdown is shown; "Stay logged in"
 *   (a click like any other) keeps the session.
 * - When the time is up, the server is asked first (another tab may have kept the session alive);
 *   if it has ended, the page goes to the log-in page, which says why.
 * No inline script: the settings come from the data- attributes of #idle-logout.
 */
(function () {
  "use strict";
  var box = document.getElementById("idle-logout");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.dataset.keepaliveUrl;
  var loginUrl = box.dataset.loginUrl;
  var csrfToken = box.dataset.csrfToken;
  var idleSeconds = parseInt(box.dataset.idleSeconds, 10) || 900;
  var countdown = box.querySelector("[data-idle-countdown]");
  var WARN_SECONDS = Math.min(60, Math.floor(idleSeconds / 2));
  var PING_EVERY_MS = Math.min(60000, (idleSeconds * 1000) / 4);

  var deadline = Date.now() + idleSeconds * 1000; // when the server will log this session out
  var activeSincePing = false;
  var lastPing = Date.now(); // loading this page was activity
  var asking = false;

  function goToLogin() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function answer(response) {
    if (response.status === 401) {
      goToLogin();
      return null;
    }
    return response.ok ? response.json() : null;
  }

  function update(data) {
    asking = false;
    if (data && typeof data.seconds_left === "number") {
      deadline = Date.now() + data.seconds_left * 1000;
      tick();
    }
  }

  function failed() {
    asking = false; // a network hiccup: try again on the next tick
  }

  function ping() {
    activeSincePing = false;
    lastPing = Date.now();
    asking = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "X-Requested-With": "fetch" },
    })
      .then(answer)
      .then(update, failed);
  }

  function ask() {
    asking = true;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(answer)
      .then(update, failed);
  }

  function tick() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (activeSincePing && Date.now() - lastPing >= PING_EVERY_MS && !asking) {
      ping();
    }
    if (left <= WARN_SECONDS) {
      countdown.textContent = String(Math.max(0, left));
      if (box.hidden && !asking) {
        ask(); // another tab may have kept the session alive
      }
      box.hidden = left > WARN_SECONDS;
    } else {
      box.hidden = true;
    }
    if (left <= 0 && !asking) {
      ask();
    }
  }

  function activity() {
    activeSincePing = true;
    if (!box.hidden && !asking) {
      ping(); // the warning is showing: keep the session now
    }
  }

  ["keydown", "input", "click", "touchstart", "change"].forEach(function (name) {
    document.addEventListener(name, activity, { capture: true, passive: true });
  });
  window.setInterval(tick, 1000);
})();

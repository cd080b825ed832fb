// The login page follows its Nafath request live: a countdown, and a poll of the page's own
// status endpoint. COMPLETED: the server has signed this browser in, go on. REJECTED or
// EXPIRED: reload, and the page shows the message and "Start again".
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=login-request]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var pollMs = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
  var deadline = Date.now() + (parseInt(box.getAttribute("data-seconds-left"), 10) || 0) * 1000;
  var clock = box.querySelector("[data-testid=countdown]");
  // A polite live region says the time left once a minute and at 30 and 10 seconds (the ticking
  // clock itself is aria-live=off: a screen reader would read it every second).
  var announcer = box.querySelector("[data-testid=countdown-announce]");
  var announced = null;
  var done = false;

  function fmt(s) {
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }
  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (clock) clock.textContent = fmt(left);
    if (announcer && left !== announced && (left % 60 === 0 || left === 30 || left === 10 || announced === null)) {
      announced = left;
      announcer.textContent = (announcer.getAttribute("data-template") || "{time}").replace("{time}", fmt(left));
    }
    if (left === 0) poll();
  }
  function poll() {
    if (done) return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status === "WAITING") {
          deadline = Date.now() + body.seconds_left * 1000;
          return;
        }
        done = true;
        if (body.status === "COMPLETED" && body.redirect) {
          window.location.assign(body.redirect);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { /* a passing network error: the next poll tries again */ });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(poll, pollMs);
})();

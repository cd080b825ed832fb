// The Nafath app page refreshes itself when the set of waiting requests changes.
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=app-requests]");
  if (!box) return;
  var url = box.getAttribute("data-poll-url");
  var shown = box.getAttribute("data-txns") || "";
  var pollMs = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
  setInterval(function () {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.signed_in || body.requests.join(",") !== shown) window.location.reload();
      })
      .catch(function () {});
  }, pollMs);
})();

/* The request page: show the delivery fields of the chosen method; reload when the status
   changes. A static file, not an inline script: the Content-Security-Policy allows no inline script. */
(function () {
  /* Show only the address or the office list that applies to the chosen method (none before a choice). */
  var radios = document.querySelectorAll('input[name="method"]');
  function sync() {
    var chosen = document.querySelector('input[name="method"]:checked');
    document.querySelectorAll("[data-show-for]").forEach(function (el) {
      el.hidden = !chosen || el.dataset.showFor !== chosen.value;
    });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
(function () {
  var el = document.getElementById("live");
  if (!el || el.dataset.live !== "1") return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(el.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (d && d.status !== el.dataset.status) { window.location.reload(); return; }
        if (tries < 400) setTimeout(poll, tries < 20 ? 1000 : 3000);
      })
      .catch(function () { if (tries < 400) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 800);
})();

// keepwatch status page: fetches the live parts (sources, work in progress, recent actions) every 2 s and puts them in
// place. Without JavaScript the page is the same, only not live.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live || !window.fetch) { return; }
  var busy = false;
  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch('/live', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== live.innerHTML) { live.innerHTML = html; } })
      .catch(function () { /* the service may be restarting: try again at the next tick */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, 2000);
  document.addEventListener('visibilitychange', refresh);
}());

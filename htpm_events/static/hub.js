// Quick exit: the button, and the Esc key anywhere, replace this page with a neutral site
// (replace() keeps the hub out of the Back button's way).
(function () {
  "use strict";
  function quickExit(event) {
    var link = document.getElementById("quick-exit");
    var target = (link && link.getAttribute("data-exit-url")) || "https://www.weather.gov/";
    if (event) { event.preventDefault(); }
    try { document.body.innerHTML = ""; document.title = "Weather"; } catch (e) { /* ignore */ }
    window.location.replace(target);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      var open = document.querySelector("dialog[open]");
      if (!open) { quickExit(event); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("quick-exit");
    if (link) { link.addEventListener("click", quickExit); }
  });
})();

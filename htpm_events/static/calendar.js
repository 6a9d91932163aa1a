// Public calendar enhancements. Everything works without this file: times are printed in
// each event's own zone, the filter form is a plain GET form, today is marked by the server.
(function () {
  "use strict";

  var STORE_KEY = "htpm-times-in-my-zone";

  function visitorZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function zoneAbbreviation(date) {
    try {
      var parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(date);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") { return parts[i].value; }
      }
    } catch (e) { /* old browser: no abbreviation */ }
    return "";
  }

  // "Thu, Jan 14, 9:00 – 10:00 AM CST" (or just "9:00 AM CST" in the month grid).
  function visitorText(el) {
    var start = new Date(el.getAttribute("data-start"));
    var endValue = el.getAttribute("data-end");
    var end = endValue ? new Date(endValue) : null;
    if (isNaN(start.getTime())) { return null; }
    var timeOnly = el.getAttribute("data-format") === "time";
    var options = timeOnly
      ? { hour: "numeric", minute: "2-digit" }
      : { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
    var format = new Intl.DateTimeFormat("en-US", options);
    var text;
    if (end && !timeOnly && typeof format.formatRange === "function") {
      text = format.formatRange(start, end);
    } else {
      text = format.format(start);
    }
    return text + " " + zoneAbbreviation(start);
  }

  function showVisitorTimes(on) {
    var times = document.querySelectorAll("time.local-time[data-start]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      if (!el.hasAttribute("data-event-text")) {
        el.setAttribute("data-event-text", el.textContent);
      }
      var text = on ? visitorText(el) : null;
      el.textContent = text || el.getAttribute("data-event-text");
      el.classList.toggle("in-visitor-zone", Boolean(text));
    }
    var zone = visitorZone().replace(/_/g, " ");
    var buttons = document.querySelectorAll("[data-tz-toggle]");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-pressed", on ? "true" : "false");
      // The captions come from the page (data-text-*), in its language.
      buttons[j].textContent = on
        ? buttons[j].getAttribute("data-text-theirs")
        : buttons[j].getAttribute("data-text-mine") + (zone ? " (" + zone + ")" : "");
    }
    var notes = document.querySelectorAll(".tz-note");
    for (var k = 0; k < notes.length; k++) { notes[k].classList.toggle("is-visitor", on); }
  }

  function remember(on) {
    try { window.localStorage.setItem(STORE_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function remembered() {
    try { return window.localStorage.getItem(STORE_KEY) === "1"; } catch (e) { return false; }
  }

  function initTimezoneToggle() {
    var buttons = document.querySelectorAll("[data-tz-toggle]");
    if (!buttons.length || !window.Intl || !document.querySelector("time.local-time[data-start]")) {
      return;
    }
    var on = remembered();
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        on = !on;
        remember(on);
        showVisitorTimes(on);
      });
    }
    showVisitorTimes(on);
  }

  // The filter form starts folded on a phone, so the results come first.
  function foldFiltersOnPhone() {
    if (!window.matchMedia || !window.matchMedia("(max-width: 48rem)").matches) { return; }
    var panels = document.querySelectorAll("details[data-collapse-on-phone]");
    for (var i = 0; i < panels.length; i++) { panels[i].open = false; }
  }

  // The server marks today in the hub's zone; mark the visitor's own today instead.
  function markVisitorToday() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    var cells = document.querySelectorAll(".month-grid li.day[data-date]");
    if (!cells.length) { return; }
    for (var i = 0; i < cells.length; i++) {
      var cell = cells[i];
      var isToday = cell.getAttribute("data-date") === today;
      cell.classList.toggle("today", isToday);
      if (isToday) { cell.setAttribute("aria-current", "date"); } else { cell.removeAttribute("aria-current"); }
      var label = cell.querySelector(".today-label");
      if (label && !isToday) { label.parentNode.removeChild(label); }
      if (!label && isToday) {
        var span = document.createElement("span");
        span.className = "today-label";
        span.textContent = " " + (cell.closest("[data-today-text]") || document.body).getAttribute("data-today-text");
        cell.querySelector(".day-number").appendChild(span);
      }
    }
  }

  function selectFeedUrlOnFocus() {
    var input = document.getElementById("feed-url");
    if (input) {
      input.addEventListener("focus", function () { input.select(); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    foldFiltersOnPhone();
    initTimezoneToggle();
    markVisitorToday();
    selectFeedUrlOnFocus();
  });
})();

// The event form's conditional parts (templates/events/_event_form.html). Without
// JavaScript every part stays visible and the server applies the same rules; with it,
// only the parts that matter for the chosen format, dates and registration are shown.
(function () {
  "use strict";

  function byName(form, name) { return form.elements.namedItem(name); }

  function value(form, name) {
    var el = byName(form, name);
    return el ? el.value : "";
  }

  function checked(form, name) {
    var el = byName(form, name);
    return !!(el && el.checked);
  }

  // A part that holds an error stays visible, so that no message is ever hidden.
  function show(form, part, visible) {
    var nodes = form.querySelectorAll('[data-part="' + part + '"]');
    for (var i = 0; i < nodes.length; i++) {
      var keep = nodes[i].querySelector(".has-error") !== null;
      nodes[i].hidden = !(visible || keep);
    }
  }

  function update(form) {
    var format = value(form, "format");
    var onDemand = format === "on-demand";
    var mode = value(form, "registration_mode");
    show(form, "all-day", !onDemand);
    show(form, "times", !onDemand && !checked(form, "all_day"));
    show(form, "on-demand-note", onDemand);
    show(form, "recurrence", !onDemand);
    show(form, "repeat-details", !onDemand && value(form, "recurrence") !== "none");
    show(form, "place", format === "in-person" || format === "hybrid");
    show(form, "online", format === "virtual" || format === "hybrid");
    show(form, "registration-link", mode === "external");
    show(form, "registration", mode !== "none");
    show(form, "capacity", mode === "hub");
  }

  function zonesOf(state) {
    try { return JSON.parse(state.getAttribute("data-timezones") || "{}"); } catch (e) { return {}; }
  }

  // The time zone follows the state until the person picks one themselves.
  function guessTimezone(form) {
    var state = byName(form, "state");
    var zone = byName(form, "timezone");
    var note = document.getElementById("timezone-note");
    if (!state || !zone || zone.getAttribute("data-chosen") === "1") { return; }
    var guess = zonesOf(state)[state.value];
    if (!guess || guess === zone.value) { return; }
    zone.value = guess;
    if (note) {
      // The sentence comes from the page (data-text), in its language.
      note.textContent = (note.getAttribute("data-text") || "")
        .replace("{zone}", guess.replace(/_/g, " "))
        .replace("{state}", state.options[state.selectedIndex].text);
    }
  }

  function checkFlyer(input) {
    var error = document.getElementById("flyer-error");
    var limit = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    if (!error || !limit) { return; }
    var file = input.files && input.files[0];
    var tooBig = !!(file && file.size > limit);
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== "flyer-error";
    });
    if (tooBig) {
      error.textContent = (input.getAttribute("data-too-large") || "")
        .replace("{size}", (file.size / 1048576).toFixed(1));
      ids.push("flyer-error");
      input.setAttribute("aria-invalid", "true");
    } else if (input.getAttribute("data-server-error") !== "1") {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    }
    error.hidden = !error.textContent;
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("event-form");
    if (!form || !byName(form, "format")) { return; }
    var zone = byName(form, "timezone");
    var state = byName(form, "state");
    var flyer = byName(form, "flyer");
    // A zone that is neither the default nor the state's own was picked on purpose
    // (an edit, or a form that came back): the state no longer changes it.
    if (zone && state && zone.value !== "America/New_York" &&
        zone.value !== zonesOf(state)[state.value]) {
      zone.setAttribute("data-chosen", "1");
    }
    if (zone) {
      zone.addEventListener("change", function () { zone.setAttribute("data-chosen", "1"); });
    }
    if (state) {
      state.addEventListener("change", function () { guessTimezone(form); });
    }
    if (flyer) {
      var error = document.getElementById("flyer-error");
      if (error && error.textContent.trim()) { flyer.setAttribute("data-server-error", "1"); }
      flyer.addEventListener("change", function () { checkFlyer(flyer); });
    }
    form.addEventListener("change", function () { update(form); });
    update(form);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();

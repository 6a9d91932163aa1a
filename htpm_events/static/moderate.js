// Moderation pages: keyboard moves through the queue, "select all" for bulk decisions, and a
// reminder when a decision that needs a reason has none. Everything also works without it.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function initQueue() {
    var links = Array.prototype.slice.call(document.querySelectorAll(".queue-link"));
    var all = document.getElementById("select-all");
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".select-item"));
    if (all && boxes.length) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
    }
    if (!links.length) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
      var index = links.indexOf(document.activeElement);
      if (event.key === "j" || event.key === "k") {
        var next = event.key === "j" ? index + 1 : index - 1;
        if (index === -1) { next = 0; }
        next = Math.max(0, Math.min(links.length - 1, next));
        links[next].focus();
        links[next].closest("tr").scrollIntoView({ block: "nearest" });
        event.preventDefault();
      } else if (event.key === "x" && index !== -1) {
        var box = links[index].closest("tr").querySelector(".select-item");
        if (box) { box.checked = !box.checked; }
        event.preventDefault();
      }
    });
  }

  function initDecision() {
    var form = document.getElementById("decision-form") || document.getElementById("bulk-form");
    if (!form) { return; }
    var reason = form.querySelector("textarea[name=reason]");
    var error = reason && document.getElementById(reason.id + "-error");
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var needsReason = button && button.value && button.value !== "approve";
      if (needsReason && reason && !reason.value.trim()) {
        event.preventDefault();
        if (error) {
          error.textContent = form.getAttribute("data-reason-needed");  // in the page's language
          error.hidden = false;
        }
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initQueue();
    initDecision();
  });
})();

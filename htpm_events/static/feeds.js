// The Feeds page's builder: update the feed links as the form changes (the form also works
// without this script: submitting it shows the same links). Parameters are written in the
// order the server normalizes them to, so the links match what the page would show.
(function () {
  "use strict";

  function chosen(form) {
    var order = (form.getAttribute("data-order") || "").split(" ");
    var data = new FormData(form);
    var pairs = [];
    order.forEach(function (name) {
      var values = data.getAll(name).map(function (v) { return String(v).trim(); })
        .filter(function (v) { return v !== ""; });
      if (name === "state") { values = values.map(function (v) { return v.toUpperCase(); }); }
      if (name !== "q" && name !== "org" && name !== "from" && name !== "to") { values.sort(); }
      values.forEach(function (v) { pairs.push([name, v]); });
    });
    return pairs;
  }

  function queryString(pairs) {
    return pairs.map(function (p) {
      return encodeURIComponent(p[0]) + "=" + encodeURIComponent(p[1]).replace(/%20/g, "+");
    }).join("&");
  }

  // The calendar's name, as the server writes it: "HTPM events — federal, CA" (its words
  // come from the page, in the page's language: data-words).
  function describe(form, pairs) {
    var t = {};
    try { t = JSON.parse(form.getAttribute("data-words") || "{}"); } catch (e) { t = {}; }
    var words = pairs.filter(function (p) { return p[0] !== "hl"; }).map(function (p) {
      if (p[0] === "from" || p[0] === "to") { return t[p[0]].replace("%(date)s", p[1]); }
      if (p[0] === "q") { return "\u201c" + p[1] + "\u201d"; }
      if (p[0] === "free") { return t.free; }
      if (p[0] === "open") { return t.open; }
      return p[1];
    });
    return t.name + (words.length ? " \u2014 " + words.join(", ") : "");
  }

  function update(form, result) {
    var base = form.getAttribute("data-base") || "";
    var pairs = chosen(form);
    var query = queryString(pairs);
    var suffix = query ? "?" + query : "";
    var https = base + "/feeds/events.ics" + suffix;
    var webcal = "webcal://" + https.split("://")[1];
    var links = {
      https: https,
      webcal: webcal,
      google: "https://calendar.google.com/calendar/r?cid=" + encodeURIComponent(webcal),
      atom: base + "/feeds/events.atom" + suffix
    };
    Object.keys(links).forEach(function (kind) {
      var node = result.querySelector('[data-feed="' + kind + '"]');
      if (!node) { return; }
      if (node.tagName === "INPUT") { node.value = links[kind]; } else { node.href = links[kind]; }
    });
    var name = result.querySelector('[data-feed="name"]');
    if (name) { name.textContent = describe(form, pairs); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("feed-builder");
    var result = document.getElementById("your-feed");
    if (!form || !result) { return; }
    var refresh = function () { update(form, result); };
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    var address = result.querySelector('input[data-feed="https"]');
    if (address) {
      address.addEventListener("focus", function () { address.select(); });
    }
  });
})();

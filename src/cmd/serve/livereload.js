// Live reload for `riskguide serve`. Injected by the preview server only, never part of a build.
// Listens for finished rebuilds on /__riskguide/events; reloads when the served build differs
// from the one this page came from; otherwise shows or clears an overlay listing the problems
// of a failed rebuild, read from /__riskguide/status. The overlay is built with textContent only.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : "";
  var OVERLAY_ID = "riskguide-overlay";
  var dismissed = -1;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hide() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function show(status) {
    hide();
    if (status.generation === dismissed) return;
    var errors = status.problems.filter(function (p) { return p.severity === "error"; });
    var overlay = el("div");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-labelledby", OVERLAY_ID + "-title");
    var panel = el("div", "rg-panel");
    var title = el("h2", "rg-title", "Build failed: " + errors.length + (errors.length === 1 ? " error" : " errors"));
    title.id = OVERLAY_ID + "-title";
    panel.appendChild(title);
    panel.appendChild(el("p", "rg-note", status.serving
      ? "This page still shows the last good build. Fix the problem and save; the page reloads by itself."
      : "Nothing has built yet. Fix the problem and save; the page reloads by itself."));
    var list = el("ol", "rg-list");
    errors.forEach(function (p) {
      var item = el("li", "rg-item");
      item.appendChild(el("p", "rg-head", p.heading));
      if (p.excerpt) item.appendChild(el("pre", "rg-text", p.excerpt));
      if (p.help) item.appendChild(el("p", "rg-help", "help: " + p.help));
      list.appendChild(item);
    });
    panel.appendChild(list);
    var close = el("button", "rg-close", "Hide");
    close.type = "button";
    close.addEventListener("click", function () {
      dismissed = status.generation;
      hide();
    });
    panel.appendChild(close);
    overlay.appendChild(panel);
    document.body.appendChild(overlay);
  }

  function check() {
    fetch("/__riskguide/status", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.version !== version) {
          location.reload();
        } else if (status.ok) {
          hide();
        } else {
          show(status);
        }
      })
      .catch(function () { /* the server is restarting; the event stream reconnects */ });
  }

  if (typeof EventSource === "function") {
    var events = new EventSource("/__riskguide/events");
    events.addEventListener("build", check);
  }
})();

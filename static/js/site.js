// Site-wide behaviour: theme choice, links that work from disk, and offline search.
// Loaded in <head> without defer so the saved theme applies before the first paint.
(function () {
  "use strict";
  var root = document.documentElement;
  var THEME_KEY = "riskguide:theme";

  function storedTheme() {
    try { return localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  var saved = storedTheme();
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

  function currentTheme() {
    var set = root.getAttribute("data-theme");
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupTheme() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    var label = button.querySelector(".theme-label");
    function show() {
      var next = currentTheme() === "dark" ? "light" : "dark";
      if (label) label.textContent = next === "dark" ? "Dark" : "Light";
      button.setAttribute("aria-label", "Switch to the " + next + " theme");
      button.setAttribute("data-current", currentTheme());
    }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* the choice lasts for this page only */ }
      show();
    });
  }

  // Opened from disk, a link to "dir/" shows a directory listing; point it at dir/index.html.
  function fixFileLinks() {
    if (location.protocol !== "file:") return;
    var links = document.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === "#") continue;
      var cut = href.search(/[#?]/);
      var path = cut < 0 ? href : href.slice(0, cut);
      var rest = cut < 0 ? "" : href.slice(cut);
      if (path === "" ) continue;
      if (path.charAt(path.length - 1) === "/") links[i].setAttribute("href", path + "index.html" + rest);
    }
  }

  function setupSearch() {
    var box = document.querySelector(".search");
    if (!box) return;
    var input = box.querySelector("input");
    var results = box.querySelector(".search-results");
    var base = root.getAttribute("data-root") || "./";
    var loading = false;
    box.hidden = false;

    function load(then) {
      if (window.riskguideSearch) return then();
      if (loading) return;
      loading = true;
      var s = document.createElement("script");
      s.src = box.getAttribute("data-index");
      var integrity = box.getAttribute("data-integrity");
      if (integrity && location.protocol !== "file:") s.integrity = integrity;
      s.onload = function () { then(); };
      s.onerror = function () { results.hidden = false; results.textContent = "The search index could not be loaded."; };
      document.head.appendChild(s);
    }

    function terms(q) {
      return q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 1; });
    }

    function search(q) {
      var words = terms(q);
      var hits = [];
      if (!words.length) return hits;
      (window.riskguideSearch || []).forEach(function (page) {
        page.s.forEach(function (section) {
          var title = (page.t + " " + section[1]).toLowerCase();
          var text = section[2].toLowerCase();
          var score = 0;
          for (var i = 0; i < words.length; i++) {
            var inTitle = title.indexOf(words[i]) >= 0;
            var inText = text.indexOf(words[i]) >= 0;
            if (!inTitle && !inText) return;
            score += (inTitle ? 5 : 0) + (inText ? 1 : 0);
          }
          hits.push({ score: score, page: page, section: section });
        });
      });
      hits.sort(function (a, b) { return b.score - a.score; });
      return hits.slice(0, 8);
    }

    function snippet(text, words) {
      var lower = text.toLowerCase();
      var at = lower.indexOf(words[0]);
      var start = Math.max(0, at - 50);
      return (start > 0 ? "…" : "") + text.slice(start, start + 140) + (text.length > start + 140 ? "…" : "");
    }

    function show() {
      var q = input.value.trim();
      while (results.firstChild) results.removeChild(results.firstChild);
      if (q.length < 2) { results.hidden = true; return; }
      var hits = search(q);
      results.hidden = false;
      if (!hits.length) {
        var none = document.createElement("p");
        none.className = "search-none";
        none.textContent = "No matches for \u201c" + q + "\u201d.";
        results.appendChild(none);
        return;
      }
      var list = document.createElement("ul");
      hits.forEach(function (hit) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        var href = base + hit.page.u + (hit.section[0] ? "#" + hit.section[0] : "");
        if (location.protocol === "file:") href = base + hit.page.u + "index.html" + (hit.section[0] ? "#" + hit.section[0] : "");
        a.href = href;
        var strong = document.createElement("strong");
        strong.textContent = hit.section[1] && hit.section[1] !== hit.page.t ? hit.page.t + " \u203a " + hit.section[1] : hit.page.t;
        var span = document.createElement("span");
        span.textContent = snippet(hit.section[2], terms(q));
        a.appendChild(strong);
        a.appendChild(span);
        li.appendChild(a);
        list.appendChild(li);
      });
      results.appendChild(list);
    }

    input.addEventListener("focus", function () { load(function () {}); });
    input.addEventListener("input", function () { load(show); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { input.value = ""; show(); }
      if (e.key === "Enter") {
        var first = results.querySelector("a");
        if (first) { e.preventDefault(); location.href = first.href; }
      }
    });
    document.addEventListener("click", function (e) {
      if (!box.contains(e.target)) results.hidden = true;
    });
  }

  function setupPrintButtons() {
    var buttons = document.querySelectorAll("[data-action=print-page]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    fixFileLinks();
    setupSearch();
    setupPrintButtons();
  });
})();

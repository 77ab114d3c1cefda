// Site-wide behaviour: theme choice, links that work from disk, print buttons, and starting the
// offline search.
// Loaded in <head> without defer so the saved theme applies before the first paint.
(function () {
  "use strict";
  var root = document.documentElement;
  var THEME_KEY = "riskguide:theme";
  var fromDisk = location.protocol === "file:";
  // Lets stylesheets show the parts that only work with scripts (.needs-js).
  root.classList.add("js");

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
    function other() { return currentTheme() === "dark" ? "light" : "dark"; }
    function show() {
      if (label) label.textContent = other() === "dark" ? "Dark" : "Light";
      button.setAttribute("aria-label", "Switch to the " + other() + " theme");
      button.setAttribute("data-current", currentTheme());
    }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      var next = other();
      root.setAttribute("data-theme", next);
      try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* the choice lasts for this page only */ }
      show();
    });
  }

  // Opened from disk, a link to "dir/" shows a directory listing; point it at dir/index.html.
  function diskHref(href) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === "#") return href;
    var cut = href.search(/[#?]/);
    var path = cut < 0 ? href : href.slice(0, cut);
    return /\/$/.test(path) ? path + "index.html" + (cut < 0 ? "" : href.slice(cut)) : href;
  }

  function fixFileLinks() {
    if (!fromDisk) return;
    var links = document.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) links[i].setAttribute("href", diskHref(links[i].getAttribute("href")));
  }

  // The search box's code (search-box.js), its stylesheet and the index load when the box is
  // first focused.
  function setupSearch() {
    var box = document.querySelector(".search[data-script]");
    if (!box) return;
    var input = box.querySelector("input");
    box.hidden = false;
    input.addEventListener("focus", function () {
      var style = box.getAttribute("data-style");
      if (style) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = style;
        document.head.appendChild(link);
      }
      var s = document.createElement("script");
      s.src = box.getAttribute("data-script");
      document.head.appendChild(s);
    }, { once: true });
  }

  // Each code block gets a button that copies its text. The clipboard API needs a secure
  // context (https, localhost or file:); elsewhere the text is selected for Ctrl+C instead.
  function setupCopyButtons() {
    var blocks = document.querySelectorAll("main pre > code");
    for (var i = 0; i < blocks.length; i++) {
      var pre = blocks[i].parentNode;
      var wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = "Copy";
      wrap.appendChild(button);
      button.addEventListener("click", copyFrom(blocks[i], button));
    }
  }

  function copyFrom(code, button) {
    return function () {
      var text = code.textContent.replace(/\n$/, "");
      function said(word) {
        button.textContent = word;
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      }
      function select() {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        said("Press Ctrl+C");
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { said("Copied"); }, select);
      } else {
        select();
      }
    };
  }

  // "/" moves to the search box from anywhere but a text field, as on most documentation sites.
  function setupSearchKey() {
    var input = document.getElementById("search-input");
    if (!input) return;
    document.addEventListener("keydown", function (e) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      input.focus();
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
    setupCopyButtons();
    setupSearchKey();
  });
})();

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

  // The words the scripts show, in the site's language: the page's JSON block of them (keys
  // "<script>_<name>" from the strings file), read once. Shared with the other scripts as
  // window.riskguideWords(key, values): each {name} in the words becomes values[name].
  var WORDS = null;
  function own(map, key) { return Object.prototype.hasOwnProperty.call(map, key); }
  function words(key, values) {
    if (!WORDS) {
      try { WORDS = JSON.parse(document.getElementById("ui-strings").textContent) || {}; } catch (e) { WORDS = {}; }
    }
    var text = own(WORDS, key) ? WORDS[key] : key;
    // One pass, so a value that holds "{name}" (a file name, a host) stays as it is.
    return text.replace(/\{(\w+)\}/g, function (mark, name) { return values && own(values, name) ? values[name] : mark; });
  }
  // The words of "key_one" or "key_other", as the page's language counts values.n.
  words.counted = function (key, values) {
    return words(key + (new Intl.PluralRules(root.lang || undefined).select(values.n) === "one" ? "_one" : "_other"), values);
  };
  // The words of `key` split for el(): text, and values[name] (a node, text or a number) for
  // each {name}.
  words.parts = function (key, values) {
    return words(key).split(/\{(\w+)\}/).map(function (piece, i) { return i % 2 ? values[piece] : piece; });
  };
  window.riskguideWords = words;

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
      var dark = other() === "dark";
      if (label) label.textContent = words(dark ? "site_theme_dark" : "site_theme_light");
      button.setAttribute("aria-label", words(dark ? "site_to_dark" : "site_to_light"));
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
      button.textContent = words("site_copy");
      wrap.appendChild(button);
      button.addEventListener("click", copyFrom(blocks[i], button));
    }
    markWideCode();
    window.addEventListener("resize", markWideCode);
  }

  // A block whose lines are wider than its box scrolls, and its button would sit on top of the
  // first line's end: such a block gets a strip of its own above the code for the button.
  function markWideCode() {
    document.querySelectorAll(".code-block").forEach(function (wrap) {
      var pre = wrap.firstChild;
      wrap.classList.toggle("wide", pre.scrollWidth > pre.clientWidth);
    });
  }

  function copyFrom(code, button) {
    return function () {
      var text = code.textContent.replace(/\n$/, "");
      function said(word) {
        button.textContent = word;
        setTimeout(function () { button.textContent = words("site_copy"); }, 2000);
      }
      function select() {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        said(words("site_copy_keys"));
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { said(words("site_copied")); }, select);
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

  // A sidebar taller than the window scrolls on its own: bring the page's own link into its
  // view (the sidebar's, not the page's), a third of the way down, so the reader sees where
  // they are among the sections.
  function showCurrentInSidebar() {
    var sidebar = document.querySelector(".sidebar");
    var current = sidebar && sidebar.querySelector("a[aria-current=page]");
    if (!current || sidebar.scrollHeight <= sidebar.clientHeight) return;
    var top = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
    if (top < 0 || top + current.offsetHeight > sidebar.clientHeight) {
      sidebar.scrollTop += top - sidebar.clientHeight / 3;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    showCurrentInSidebar();
    fixFileLinks();
    setupSearch();
    setupPrintButtons();
    setupCopyButtons();
    setupSearchKey();
  });
})();

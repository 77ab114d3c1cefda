// The search box, built as the WAI-ARIA combobox pattern: the input owns a listbox of results,
// grouped by page; arrow keys move the active result, Enter opens it, Escape closes the list.
// It reads the index (window.riskguideSearch, one script fetched on first use, so it works from
// file://). Every piece of index text reaches the page through text nodes and <mark> elements,
// never as HTML. site.js loads this script when the box is first focused.
(function () {
  "use strict";
  var box = document.querySelector(".search");
  if (!box) return;
  var fromDisk = location.protocol === "file:";
  var input = box.querySelector("input");
  var results = box.querySelector(".search-results");
  var listbox = document.getElementById("search-listbox");
  var count = results.querySelector(".search-count");
  var status = document.getElementById("search-status");
  // Only the template's own elements: ids are reserved, and the kinds are checked too.
  if (!(listbox instanceof HTMLDivElement) || !(status instanceof HTMLParagraphElement)) return;
  var base = document.documentElement.getAttribute("data-root") || "./";
  // Results shown before "Show all".
  var FIRST = 8;
  // Points for a query word found in each part of a section; the whole query found together in
  // a title or heading counts extra.
  var IN_TITLE = 10, IN_HEADING = 6, IN_PROSE = 2, IN_TABLE = 1, PHRASE = 8;
  var loading = false;
  var showAll = false;
  var options = [];
  var active = -1;

  // Loads the index once, then shows the results for what is typed by then.
  function load() {
    if (Array.isArray(window.riskguideSearch)) return update();
    if (loading) return;
    loading = true;
    var s = document.createElement("script");
    s.src = box.getAttribute("data-index");
    s.onload = update;
    s.onerror = function () {
      open(true);
      count.textContent = "The search index could not be loaded.";
      status.textContent = count.textContent;
    };
    document.head.appendChild(s);
  }

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function words(q) {
    var seen = {};
    return q.toLowerCase().split(/[\s"“”'‘’,;:!?()]+/).filter(function (t) {
      if (t.length < 2 || seen[t]) return false;
      seen[t] = true;
      return true;
    });
  }

  // A query word matches at the start of a word of the text ("log" finds "logging", not "catalog").
  function matcher(t) {
    return new RegExp("(^|[^\\p{L}\\p{N}])" + escapeRegExp(t), "iu");
  }

  function search(q) {
    var terms = words(q);
    var hits = [];
    if (!terms.length) return hits;
    var res = terms.map(matcher);
    var phrase = terms.length > 1 ? q.trim().toLowerCase().replace(/\s+/g, " ") : "";
    (Array.isArray(window.riskguideSearch) ? window.riskguideSearch : []).forEach(function (page) {
      page.s.forEach(function (section) {
        var heading = section[1], prose = section[2], table = section[3] || "";
        var score = 0;
        for (var i = 0; i < res.length; i++) {
          var re = res[i];
          var part = (re.test(page.t) ? IN_TITLE : 0) + (re.test(heading) ? IN_HEADING : 0) +
            (re.test(prose) ? IN_PROSE : 0) + (re.test(table) ? IN_TABLE : 0);
          if (!part) return;
          score += part;
        }
        if (phrase && (page.t + " " + heading).toLowerCase().indexOf(phrase) >= 0) score += PHRASE;
        else if (phrase && prose.toLowerCase().indexOf(phrase) >= 0) score += PHRASE / 2;
        hits.push({ score: score, page: page, section: section });
      });
    });
    // Best first; the change log, which mentions every topic in passing, after every other page.
    hits.sort(function (a, b) {
      return (a.page.c ? 1 : 0) - (b.page.c ? 1 : 0) || b.score - a.score;
    });
    return hits;
  }

  // Groups hits by page, in the order of each page's best hit.
  function groupByPage(hits) {
    var groups = [];
    var byUrl = {};
    hits.forEach(function (hit) {
      var g = byUrl[hit.page.u];
      if (!g) {
        g = byUrl[hit.page.u] = { page: hit.page, hits: [] };
        groups.push(g);
      }
      g.hits.push(hit);
    });
    return groups;
  }

  // About 160 characters of prose around the first query word, cut at spaces; the page's
  // description when the words matched only its title, a heading or a table.
  function snippet(section, page, terms) {
    var text = section[2];
    var at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) {
      var m = matcher(terms[i]).exec(text);
      if (m) at = m.index + m[1].length;
    }
    if (at < 0) return text ? cut(text, 0) : page.d;
    return cut(text, at);
  }

  function cut(text, at) {
    var start = Math.max(0, at - 60);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      start = space >= 0 && space < at ? space + 1 : start;
    }
    var end = Math.min(text.length, start + 160);
    if (end < text.length) {
      var last = text.lastIndexOf(" ", end);
      end = last > at ? last : end;
    }
    return (start > 0 ? "\u2026" : "") + text.slice(start, end) + (end < text.length ? "\u2026" : "");
  }

  // Appends `text` to `parent` with each query word at a word start wrapped in <mark>.
  function highlighted(parent, text, terms) {
    var sorted = terms.slice().sort(function (a, b) { return b.length - a.length; });
    var re = new RegExp("(^|[^\\p{L}\\p{N}])(" + sorted.map(escapeRegExp).join("|") + ")", "giu");
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      var from = m.index + m[1].length;
      if (from > last) parent.appendChild(document.createTextNode(text.slice(last, from)));
      var mark = document.createElement("mark");
      mark.textContent = m[2];
      parent.appendChild(mark);
      last = from + m[2].length;
      re.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function el(tag, className) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  }

  function open(yes) {
    results.hidden = !yes;
    input.setAttribute("aria-expanded", yes && options.length ? "true" : "false");
    if (!yes) setActive(-1);
  }

  function setActive(n) {
    if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
    active = n;
    if (n >= 0 && options[n]) {
      options[n].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[n].id);
      options[n].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function update() {
    var q = input.value.trim();
    while (listbox.firstChild) listbox.removeChild(listbox.firstChild);
    var more = results.querySelector(".search-more");
    if (more) more.parentNode.removeChild(more);
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    var terms = words(q);
    if (!terms.length) {
      status.textContent = "";
      open(false);
      return;
    }
    var hits = search(q);
    var groups = groupByPage(hits);
    var pages = groups.length;
    count.textContent = hits.length
      ? hits.length + (hits.length === 1 ? " result" : " results") + " on " + pages + (pages === 1 ? " page" : " pages")
      : "No results for \u201c" + q + "\u201d.";
    status.textContent = count.textContent;
    var limit = showAll ? hits.length : FIRST;
    var shown = 0;
    groups.forEach(function (group, g) {
      if (shown >= limit) return;
      var wrap = el("div", "search-group");
      wrap.setAttribute("role", "group");
      var label = el("div", "search-page");
      label.id = "search-page-" + g;
      label.setAttribute("role", "presentation");
      highlighted(label, group.page.t, terms);
      wrap.setAttribute("aria-labelledby", label.id);
      wrap.appendChild(label);
      group.hits.forEach(function (hit) {
        if (shown >= limit) return;
        var a = el("a", "search-hit");
        a.id = "search-option-" + options.length;
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        a.tabIndex = -1;
        // Opened from disk, "dir/" would show a directory listing: link dir/index.html.
        a.href = base + hit.page.u + (fromDisk ? "index.html" : "") + (hit.section[0] ? "#" + hit.section[0] : "");
        var heading = el("span", "search-heading");
        highlighted(heading, hit.section[1] || group.page.t, terms);
        var text = el("span", "search-snippet");
        highlighted(text, snippet(hit.section, group.page, terms), terms);
        a.appendChild(heading);
        a.appendChild(text);
        wrap.appendChild(a);
        options.push(a);
        shown++;
      });
      listbox.appendChild(wrap);
    });
    if (shown < hits.length) {
      var button = el("button", "search-more");
      button.type = "button";
      button.textContent = "Show all " + hits.length + " results";
      button.addEventListener("click", function () {
        showAll = true;
        update();
        input.focus();
      });
      results.appendChild(button);
    }
    open(true);
  }

  function openActive() {
    var target = options[active >= 0 ? active : 0];
    if (target) location.href = target.href;
  }

  input.addEventListener("input", function () {
    showAll = false;
    load();
  });
  input.addEventListener("keydown", function (e) {
    var n = options.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      // Closed, the arrows open the list and land on its first (or last) result.
      if (results.hidden) {
        update();
        if (options.length) setActive(e.key === "ArrowDown" ? 0 : options.length - 1);
        return;
      }
      if (!n) return;
      var step = e.key === "ArrowDown" ? 1 : -1;
      setActive(active < 0 ? (step > 0 ? 0 : n - 1) : (active + step + n) % n);
    } else if (e.key === "Enter") {
      if (n && !results.hidden) {
        e.preventDefault();
        openActive();
      }
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (!results.hidden) open(false);
      else input.value = "";
    }
  });
  // A click on a result follows its link; the list stays put until the page changes.
  listbox.addEventListener("mousedown", function (e) { e.preventDefault(); });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target)) open(false);
  });
  input.addEventListener("blur", function () {
    setTimeout(function () {
      if (!box.contains(document.activeElement)) open(false);
    }, 150);
  });
  input.addEventListener("focus", function () {
    if (input.value.trim().length > 1 && Array.isArray(window.riskguideSearch)) update();
  });
  load();
})();

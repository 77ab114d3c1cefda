// The search box, built as the WAI-ARIA combobox pattern: the input owns a listbox of results,
// grouped by page; arrow keys move the active result, Enter opens it, Escape closes the list.
// The index is split (see src/search.rs): a manifest (window.riskguideSearch) loaded when the box
// is focused, term shards loaded for the words typed, and one file of text per page loaded only
// for the results shown. All are scripts, so they load from file:// too. On a small site the
// manifest holds the shards and the pages' texts itself (`x`), so a query loads one file; with
// few pages it holds no shards, and every page is ranked by its text. Every piece of index
// text reaches the page through text nodes and <mark> elements, never as HTML. site.js loads
// this script when the box is first focused.
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
  // When the candidates from the shards are on at most this many pages, all their text is
  // loaded and ranked with the phrase bonus; past it, the shards' ranking alone orders them
  // and only the pages shown are loaded.
  var RANK_WITH_TEXT = 60;
  var manifest = null;
  var showAll = false;
  var options = [];
  var active = -1;
  // Bumped by every query, so an answer that arrives after a newer query is dropped.
  var generation = 0;
  // Script path → true once loaded, or the callbacks waiting for it.
  var scripts = {};

  // The words this script shows, in the site's language (site.js, which loads this script,
  // reads them from the page).
  var W = window.riskguideWords;
  function say(key, values) { return W("search_" + key, values); }

  function failed() {
    open(true);
    count.textContent = say("unavailable");
    status.textContent = count.textContent;
  }

  // Runs `done` once the script at `path` (relative to the site's root) has run; the manifest's
  // address is the box's own, relative to this page.
  function need(path, done) {
    var state = scripts[path];
    if (state === true) return done();
    if (state) return state.push(done);
    scripts[path] = [done];
    var s = document.createElement("script");
    s.src = path === box.getAttribute("data-index") ? path : base + path;
    s.onload = function () {
      var waiting = scripts[path];
      scripts[path] = true;
      waiting.forEach(function (f) { f(); });
    };
    s.onerror = function () {
      delete scripts[path];
      failed();
    };
    document.head.appendChild(s);
  }

  function needAll(paths, done) {
    var left = paths.length;
    if (!left) return done();
    paths.forEach(function (p) { need(p, function () { if (--left === 0) done(); }); });
  }

  // The text of page `n`, once loaded.
  function pageText(n) {
    return (window.riskguideSearchPages || {})[n];
  }

  // Loads the text of every page in `pages` (numbers), through the page tables.
  function needPages(pages, done) {
    if (manifest.x) return done();
    var tables = {};
    pages.forEach(function (n) { tables[Math.floor(n / manifest.p)] = true; });
    needAll(Object.keys(tables).map(function (k) { return manifest.t[k]; }), function () {
      needAll(pages.filter(function (n) { return !pageText(n); }).map(function (n) {
        return window.riskguideSearchTables[Math.floor(n / manifest.p)][n % manifest.p];
      }), done);
    });
  }

  // Loads the manifest once, then shows the results for what is typed by then.
  function load() {
    need(box.getAttribute("data-index"), function () {
      manifest = window.riskguideSearch;
      if (manifest.x) {
        // Everything is inline: the same globals the split files fill.
        window.riskguideSearchShards = manifest.s;
        window.riskguideSearchPages = manifest.x;
      }
      update();
    });
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

  // The letters-and-digits runs of a query word: each starts a word of any text it matches.
  function tokens(term) {
    return term.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  // The shard files that hold the words starting with `token`.
  function shardsFor(token) {
    return Object.keys(manifest.s).filter(function (p) {
      return p.indexOf(token) === 0 || token.indexOf(p) === 0;
    });
  }

  // Section → parts (bits: 1 title, 2 heading, 4 prose, 8 table) holding a word that starts
  // with `token`, from the loaded shards; keys are page × 100000 + section.
  function partsOf(token) {
    var found = {};
    var shards = window.riskguideSearchShards || {};
    shardsFor(token).forEach(function (prefix) {
      var shard = shards[prefix] || {};
      Object.keys(shard).forEach(function (word) {
        if (word.indexOf(token) !== 0) return;
        var list = shard[word];
        var page = 0;
        for (var i = 0; i < list.length; i += 2 + list[i + 1]) {
          page += list[i];
          for (var j = 0; j < list[i + 1]; j++) {
            var v = list[i + 2 + j];
            var key = page * 100000 + (v >> 4);
            found[key] = (found[key] || 0) | (v & 15);
          }
        }
      });
    });
    return found;
  }

  // Every section holding every query word, scored from the shards alone: the same points as
  // `search`, without the phrase bonus, which needs the text.
  function candidates(terms) {
    var score = null;
    terms.forEach(function (term) {
      var parts = null;
      tokens(term).forEach(function (token) {
        var found = partsOf(token);
        if (!parts) { parts = found; return; }
        Object.keys(parts).forEach(function (k) {
          parts[k] &= found[k] || 0;
          if (!parts[k]) delete parts[k];
        });
      });
      parts = parts || {};
      var next = {};
      Object.keys(parts).forEach(function (k) {
        if (score && !(k in score)) return;
        var bits = parts[k];
        next[k] = (score ? score[k] : 0) + (bits & 1 ? IN_TITLE : 0) + (bits & 2 ? IN_HEADING : 0) +
          (bits & 4 ? IN_PROSE : 0) + (bits & 8 ? IN_TABLE : 0);
      });
      score = next;
    });
    return Object.keys(score || {}).map(function (k) {
      var n = Number(k);
      return { score: score[k], p: Math.floor(n / 100000), i: n % 100000 };
    });
  }

  // Ranks `pages` (numbers, loaded) by their text, as the whole index was ranked before it was
  // split: each query word counts by the part it is found in, the phrase counts extra.
  function search(q, pages) {
    var terms = words(q);
    var hits = [];
    if (!terms.length) return hits;
    var res = terms.map(matcher);
    var phrase = terms.length > 1 ? q.trim().toLowerCase().replace(/\s+/g, " ") : "";
    pages.forEach(function (n) {
      var page = pageText(n);
      page.s.forEach(function (section, index) {
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
        hits.push({ score: score, p: n, i: index });
      });
    });
    // Best first; the change log, which mentions every topic in passing, after every other page.
    return ranked(hits);
  }

  // Best first, then in page and section order; the change log, which mentions every topic in
  // passing, after every other page.
  function ranked(hits) {
    var last = function (h) { return h.p === manifest.c ? 1 : 0; };
    return hits.sort(function (a, b) {
      return last(a) - last(b) || b.score - a.score || a.p - b.p || a.i - b.i;
    });
  }

  // Groups hits by page, in the order of each page's best hit.
  function groupByPage(hits) {
    var groups = [];
    var byUrl = {};
    hits.forEach(function (hit) {
      var g = byUrl[hit.p];
      if (!g) {
        g = byUrl[hit.p] = { p: hit.p, hits: [] };
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
    var shown = text.slice(start, end);
    if (end < text.length) {
      // A cut after a full stop ends a sentence; one after an opening bracket or a comma
      // drops it, so no snippet ends "(…" or ".…".
      shown = shown.replace(/[\s([{,;:\u2013\u2014-]+$/, "");
      if (!/[.!?]$/.test(shown)) shown += "\u2026";
    }
    return (start > 0 ? "\u2026" : "") + shown;
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

  function clear() {
    while (listbox.firstChild) listbox.removeChild(listbox.firstChild);
    var more = results.querySelector(".search-more");
    if (more) more.parentNode.removeChild(more);
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
  }

  // Loads what the query needs (its words' shards, then the text of the pages it shows) and
  // shows the results; synchronously when all of it is already loaded.
  function update() {
    var q = input.value.trim();
    var terms = words(q);
    var asked = ++generation;
    if (!terms.length) {
      clear();
      status.textContent = "";
      open(false);
      return;
    }
    if (!manifest) return;
    // A small site's manifest without shards: every page is ranked by its text.
    if (manifest.x && !Object.keys(manifest.s).length) {
      show(q, terms, search(q, manifest.x.map(function (page, n) { return n; })));
      return;
    }
    var shards = {};
    terms.forEach(function (term) {
      tokens(term).forEach(function (token) {
        shardsFor(token).forEach(function (prefix) {
          // A file name, or on a small site the shard itself, already there.
          if (typeof manifest.s[prefix] === "string") shards[manifest.s[prefix]] = true;
        });
      });
    });
    needAll(Object.keys(shards), function () {
      if (asked !== generation) return;
      var found = candidates(terms);
      var pages = [];
      var seen = {};
      found.forEach(function (h) {
        if (!seen[h.p]) pages.push(h.p);
        seen[h.p] = true;
      });
      pages.sort(function (a, b) { return a - b; });
      if (pages.length <= RANK_WITH_TEXT) {
        needPages(pages, function () {
          if (asked === generation) show(q, terms, search(q, pages));
        });
        return;
      }
      var hits = ranked(found);
      needPages(shownPages(groupByPage(hits), showAll ? hits.length : FIRST), function () {
        if (asked === generation) show(q, terms, hits);
      });
    });
  }

  // The pages of the first `limit` results, as grouped.
  function shownPages(groups, limit) {
    var pages = [];
    var shown = 0;
    groups.forEach(function (group) {
      if (shown >= limit) return;
      pages.push(group.p);
      shown += group.hits.length;
    });
    return pages;
  }

  function show(q, terms, hits) {
    clear();
    var groups = groupByPage(hits);
    var pages = groups.length;
    count.textContent = hits.length
      ? say("count", { results: W.counted("search_results", { n: hits.length }), pages: W.counted("search_pages", { n: pages }) })
      : say("none", { query: q });
    status.textContent = count.textContent;
    var limit = showAll ? hits.length : FIRST;
    var shown = 0;
    groups.forEach(function (group, g) {
      if (shown >= limit) return;
      var wrap = el("div", "search-group");
      wrap.setAttribute("role", "group");
      var page = pageText(group.p);
      var label = el("div", "search-page");
      label.id = "search-page-" + g;
      label.setAttribute("role", "presentation");
      highlighted(label, page.t, terms);
      wrap.setAttribute("aria-labelledby", label.id);
      wrap.appendChild(label);
      group.hits.forEach(function (hit) {
        if (shown >= limit) return;
        var section = page.s[hit.i];
        var a = el("a", "search-hit");
        a.id = "search-option-" + options.length;
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        a.tabIndex = -1;
        // Opened from disk, "dir/" would show a directory listing: link dir/index.html.
        a.href = base + page.u + (fromDisk ? "index.html" : "") + (section[0] ? "#" + section[0] : "");
        var heading = el("span", "search-heading");
        highlighted(heading, section[1] || page.t, terms);
        var text = el("span", "search-snippet");
        highlighted(text, snippet(section, page, terms), terms);
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
      button.textContent = say("show_all", { n: hits.length });
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
    if (input.value.trim().length > 1 && manifest) update();
  });
  load();
})();

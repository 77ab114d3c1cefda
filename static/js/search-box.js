// The search box: finds words of the guide in its index (window.riskguideSearch, one script
// fetched on first use) and lists the best sections as links. site.js loads this script when
// the box is first focused. Results are built with textContent, never as HTML.
(function () {
  "use strict";
  var box = document.querySelector(".search");
  if (!box) return;
  var fromDisk = location.protocol === "file:";
  var input = box.querySelector("input");
  var results = box.querySelector(".search-results");
  var base = document.documentElement.getAttribute("data-root") || "./";
  var loading = false;

  // Loads the index once, then shows the results for what is typed by then.
  function load() {
    if (Array.isArray(window.riskguideSearch)) return show();
    if (loading) return;
    loading = true;
    var s = document.createElement("script");
    s.src = box.getAttribute("data-index");
    var integrity = box.getAttribute("data-integrity");
    if (integrity && !fromDisk) s.integrity = integrity;
    s.onload = show;
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
    (Array.isArray(window.riskguideSearch) ? window.riskguideSearch : []).forEach(function (page) {
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
      // Opened from disk, "dir/" would show a directory listing: link dir/index.html.
      a.href = base + hit.page.u + (fromDisk ? "index.html" : "") + (hit.section[0] ? "#" + hit.section[0] : "");
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

  input.addEventListener("input", load);
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
  load();
})();

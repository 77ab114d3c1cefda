// Checklists: ticks and "not applicable" marks kept in this browser, live progress, reset,
// export to and import from a JSON file, and import of the file a checklist's audit script
// writes (passed checks ticked, failed ones unticked, each marked with the audit's date and
// host). Runs on every .checklist section of a page.
// Nothing read from storage or from a file is ever inserted as HTML.
(function () {
  "use strict";
  var FORMAT = "riskguide-checklist", VERSION = 1, MAX_IMPORT = 100 * 1024;
  var memory = Object.create(null);
  var storageOk = true;
  var lists = [];

  // The words this script shows, in the site's language (site.js reads them from the page).
  // Without site.js the checklists stay as they are without JavaScript.
  var W = window.riskguideWords;
  if (!W) return;
  function words(key, values) { return W("checklist_" + key, values); }

  function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function blank() { return { items: Object.create(null), steps: Object.create(null), audits: Object.create(null) }; }
  // One audit result as kept: passed or failed, what the check saw, when and where.
  function auditRecord(v) {
    return isObj(v) && /^(passed|failed)$/.test(v.status) && typeof v.seen === "string" && v.seen.length < 1001 &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v.date) && typeof v.host === "string" && v.host.length < 256;
  }
  function size(o) { return Object.keys(o).length; }
  function clip(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // The guide's own address (from the canonical link and the page's depth) names its keys, so
  // two guides opened from disk, which share one file:// storage, never mix their ticks.
  function pageBase() {
    var c = document.querySelector("link[rel=canonical]");
    try { return new URL(c && c.getAttribute("href") ? c.href : location.href); } catch (e) { return new URL(location.href); }
  }
  var BASE = pageBase();
  var SITE = (function () {
    var u = new URL(document.documentElement.getAttribute("data-root") || "./", BASE);
    return u.host + u.pathname.replace(/\/+$/, "");
  })();

  function storageFailed() {
    if (!storageOk) return;
    storageOk = false;
    lists.forEach(function (l) { l.say("", ""); });
  }
  function readRaw(key) {
    if (storageOk) {
      try { return localStorage.getItem(key); } catch (e) { storageFailed(); }
    }
    return own(memory, key) ? memory[key] : null;
  }
  function writeRaw(key, value) {
    if (value === null) delete memory[key]; else memory[key] = value;
    if (!storageOk) return;
    try {
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value);
    } catch (e) { storageFailed(); }
  }

  // "Import failed: <why>. Nothing was changed.", why being the words of key "import_<why>".
  function importFailed(why, file, values) {
    var v = { file: file };
    for (var k in values || {}) v[k] = values[k];
    return words("import_failed", { why: words("import_" + why, v) });
  }

  function Checklist(section) {
    var self = this;
    var id = section.getAttribute("data-checklist") || "";
    var key = "riskguide:" + SITE + ":checklist:" + id;
    var items = [], byItem = Object.create(null), bySteps = Object.create(null), byBox = Object.create(null);
    var state = blank();
    var status = section.querySelector(".checklist-status");
    var text = section.querySelector("[data-progress]");
    var bar = section.querySelector("progress");
    var pending = null, returnTo = null;
    self.key = key;

    Array.prototype.forEach.call(section.querySelectorAll("li.item"), function (li) {
      var box = li.querySelector(".item-label input[type=checkbox]");
      var full = box && box.getAttribute("data-item-id");
      if (!full || full.indexOf(id + "/") !== 0) return;
      var it = { id: full.slice(id.length + 1), li: li, box: box, steps: [] };
      Array.prototype.forEach.call(li.querySelectorAll(".steps input[type=checkbox]"), function (s) {
        var sfull = s.getAttribute("data-item-id") || "";
        if (sfull.indexOf(full + "/") !== 0) return;
        var step = { id: sfull.slice(id.length + 1), box: s, item: it, li: s.closest("li") };
        it.steps.push(step);
        bySteps[step.id] = step;
        byBox[sfull] = step;
      });
      var label = li.querySelector(".item-label");
      it.na = el("button", "na-toggle", words("not_applicable"));
      it.na.type = "button";
      it.na.setAttribute("aria-pressed", "false");
      it.na.setAttribute("aria-label", words("not_applicable_item", { item: clip(label.textContent.trim(), 120) }));
      label.parentNode.insertBefore(it.na, label.nextSibling);
      items.push(it);
      byItem[it.id] = it;
      byBox[full] = it;
    });

    // Keeps only ids on this page and makes an item with steps done exactly when all its steps are.
    function tidy(s) {
      var out = blank(), dropped = 0;
      Object.keys(s.items).forEach(function (k) {
        var v = s.items[k];
        if (!own(byItem, k) || !isObj(v)) { dropped++; return; }
        if (v.na === true) out.items[k] = { na: true };
        else if (v.done === true) out.items[k] = { done: true };
      });
      Object.keys(s.steps).forEach(function (k) {
        if (!own(bySteps, k)) dropped++;
        else if (s.steps[k] === true) out.steps[k] = true;
      });
      Object.keys(s.audits || {}).forEach(function (k) {
        if ((own(byItem, k) || own(bySteps, k)) && auditRecord(s.audits[k])) out.audits[k] = s.audits[k];
        else dropped++;
      });
      items.forEach(function (it) {
        if (!it.steps.length) return;
        var recorded = it.steps.some(function (st) { return own(s.steps, st.id); });
        // Done before it had steps (or before its steps were renamed): count every step as done.
        if (!recorded && out.items[it.id] && out.items[it.id].done) it.steps.forEach(function (st) { out.steps[st.id] = true; });
        rollup(out, it);
      });
      return { state: out, dropped: dropped };
    }
    function rollup(s, it) {
      if (!it.steps.length || (s.items[it.id] && s.items[it.id].na)) return;
      var all = it.steps.every(function (st) { return s.steps[st.id] === true; });
      if (all) s.items[it.id] = { done: true }; else delete s.items[it.id];
    }

    function load() {
      var raw = readRaw(key), data = null;
      if (raw === null) return blank();
      try { data = JSON.parse(raw); } catch (e) { data = null; }
      if (!isObj(data) || data.version !== VERSION || !isObj(data.items) || (data.steps !== undefined && !isObj(data.steps))) {
        self.say(words("unreadable"), "warn");
        return blank();
      }
      var t = tidy({ items: data.items, steps: data.steps || {}, audits: data.audits });
      if (t.dropped) write(t.state);
      return t.state;
    }
    function write(s) {
      var empty = !size(s.items) && !size(s.steps) && !size(s.audits);
      writeRaw(key, empty ? null : JSON.stringify({ version: VERSION, items: s.items, steps: s.steps, audits: s.audits, updated: new Date().toISOString() }));
    }
    function save() {
      write(state);
      lists.forEach(function (l) { if (l !== self && l.key === key) l.refresh(); });
    }

    function counts() {
      var done = 0, applicable = 0;
      items.forEach(function (it) {
        var rec = state.items[it.id];
        if (rec && rec.na) return;
        applicable++;
        if (rec && rec.done) done++;
      });
      return { done: done, applicable: applicable };
    }
    function summary() {
      var c = counts();
      return words("progress", { done: c.done, total: c.applicable });
    }
    function render() {
      items.forEach(function (it) {
        var rec = state.items[it.id] || {}, na = !!rec.na, done = !!rec.done, some = 0;
        it.steps.forEach(function (st) {
          var on = state.steps[st.id] === true;
          st.box.checked = on;
          st.box.disabled = na;
          if (on) some++;
        });
        it.box.checked = done;
        it.box.indeterminate = !done && some > 0;
        it.box.disabled = na;
        it.li.classList.toggle("is-done", done && !na);
        it.li.classList.toggle("is-na", na);
        it.na.setAttribute("aria-pressed", na ? "true" : "false");
        [it].concat(it.steps).forEach(showAudit);
      });
      var c = counts();
      if (text) {
        text.setAttribute("data-progress", c.done + "/" + c.applicable);
        text.textContent = summary();
      }
      if (bar) {
        bar.max = Math.max(c.applicable, 1);
        bar.value = c.applicable ? c.done : 1;
      }
      section.classList.toggle("is-complete", c.applicable > 0 && c.done === c.applicable);
    }

    // "Checked by audit on <date> UTC on <host>: …" beside an item or step, as text only.
    function showAudit(target) {
      var rec = state.audits[target.id], note = target.note || (target.note = target.li.appendChild(el("span", "audit-mark")));
      note.hidden = !rec;
      if (rec) note.textContent = words(rec.status === "failed" ? "audit_failed" : "audit_passed", { date: rec.date.slice(0, 16).replace("T", " "), host: rec.host, seen: clip(rec.seen, 300) });
    }

    self.say = function (message, kind) {
      if (!status) return;
      if (!storageOk && !message) { message = words("no_storage"); kind = "warn"; }
      else if (!storageOk && kind !== "warn") message = words("not_saving", { message: message });
      status.textContent = message;
      status.hidden = !message;
      status.className = "checklist-status" + (kind ? " is-" + kind : "");
    };
    self.refresh = function () {
      state = load();
      render();
    };

    section.addEventListener("change", function (e) {
      var t = e.target, hit = t && t.getAttribute && own(byBox, t.getAttribute("data-item-id") || "") ? byBox[t.getAttribute("data-item-id")] : null;
      if (!hit) return;
      // A tick set by hand is the user's own: the audit's mark on it goes.
      if (hit.item) {
        if (t.checked) state.steps[hit.id] = true; else delete state.steps[hit.id];
        delete state.audits[hit.id];
        rollup(state, hit.item);
      } else {
        hit.steps.forEach(function (st) { if (t.checked) state.steps[st.id] = true; else delete state.steps[st.id]; delete state.audits[st.id]; });
        if (t.checked) state.items[hit.id] = { done: true }; else delete state.items[hit.id];
        delete state.audits[hit.id];
      }
      save();
      render();
    });

    // Confirmation shown in place (no modal dialog), used by reset and by partial imports.
    var tools = section.querySelector(".checklist-tools");
    var ask = el("div", "checklist-confirm no-print");
    var yes = el("button", "button-danger");
    var no = el("button", "", words("cancel"));
    yes.type = no.type = "button";
    yes.setAttribute("data-action", "confirm");
    no.setAttribute("data-action", "cancel");
    ask.appendChild(yes);
    ask.appendChild(no);
    ask.hidden = true;
    if (status) status.parentNode.insertBefore(ask, status.nextSibling);
    function confirmFirst(message, label, action) {
      self.say(message, "ask");
      yes.textContent = label;
      pending = action;
      returnTo = document.activeElement;
      ask.hidden = false;
      yes.focus();
    }
    function settle(run) {
      var action = pending;
      pending = null;
      ask.hidden = true;
      if (run && action) action(); else self.say("", "");
      if (returnTo && returnTo.focus) returnTo.focus();
    }
    ask.addEventListener("keydown", function (e) { if (e.key === "Escape") settle(false); });

    function exportFile() {
      var data = { format: FORMAT, version: VERSION, checklist: id, title: section.getAttribute("aria-label") || "", site: SITE, exported: new Date().toISOString(), progress: counts(), items: state.items, steps: state.steps };
      var name = "riskguide-" + id + "-progress.json";
      var url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" }));
      var a = el("a", "", "");
      a.href = url;
      a.download = name;
      a.hidden = true;
      section.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 30000);
      self.say(words("exported", { progress: summary(), file: name }), "ok");
    }

    function importText(raw, name) {
      var fail = function (why, values) { self.say(importFailed(why, name, values), "error"); };
      var data;
      try { data = JSON.parse(raw); } catch (e) { return fail("not_json"); }
      if (!isObj(data) || data.format !== FORMAT) return fail("not_export");
      if (data.version !== VERSION) return fail("other_version");
      if (data.checklist !== id) return typeof data.checklist === "string" ? fail("other_checklist_named", { id: clip(data.checklist, 60) }) : fail("other_checklist");
      if (data.audit !== undefined) return importAudit(data.audit, fail);
      var its = data.items === undefined ? {} : data.items, sts = data.steps === undefined ? {} : data.steps;
      if (!isObj(its) || !isObj(sts)) return fail("entries_shape");
      var next = blank(), unknown = [], bad = false;
      Object.keys(its).forEach(function (k) {
        var v = its[k];
        if (!isObj(v) || (v.done !== true && v.na !== true) || Object.keys(v).some(function (f) { return f !== "done" && f !== "na"; })) bad = true;
        else if (!own(byItem, k)) unknown.push(k);
        else next.items[k] = v.na === true ? { na: true } : { done: true };
      });
      Object.keys(sts).forEach(function (k) {
        if (typeof sts[k] !== "boolean") bad = true;
        else if (!own(bySteps, k)) unknown.push(k);
        else if (sts[k]) next.steps[k] = true;
      });
      if (bad) return fail("bad_entries");
      var apply = function () {
        state = tidy(next).state;
        save();
        render();
        self.say(words("imported", { file: name, progress: summary() }), "ok");
      };
      if (!unknown.length) return apply();
      var list = unknown.slice(0, 5).map(function (k) { return clip(k, 40); }).join(", ");
      if (unknown.length > 5) list = words("and_more", { list: list, n: unknown.length - 5 });
      var known = size(next.items) + size(next.steps);
      if (!known) return fail("none_known", { ids: list });
      confirmFirst(W.counted("checklist_unknown_entries", { file: name, n: unknown.length, ids: list, known: known }), words("import_rest"), apply);
    }
    // An audit file: its results are merged into the ticks. Passed checks are ticked, failed
    // ones unticked (the message names each tick that goes); every other item keeps its manual
    // tick or mark.
    function importAudit(a, fail) {
      var res = isObj(a) && a.results, gone = [], n = [0, 0, 0], next = tidy(state).state;
      if (!isObj(res) || !auditRecord({ status: "passed", seen: "", date: a.date, host: a.host })) return fail("bad_entries");
      Object.keys(res).forEach(function (k) {
        var r = isObj(res[k]) ? res[k] : {}, st = bySteps[k], it = st ? st.item : byItem[k], ok = r.status === "passed";
        var rec = { status: r.status, seen: r.seen, date: a.date, host: a.host };
        if (!it) return;
        if (!auditRecord(rec)) return n[2]++;
        n[ok ? 0 : 1]++;
        if (st) {
          if (!ok && next.steps[k]) gone.push(k);
          if (ok) next.steps[k] = true; else delete next.steps[k];
          rollup(next, it);
        } else if (!(next.items[k] && next.items[k].na)) {
          if (!ok && next.items[k]) gone.push(k);
          if (ok) next.items[k] = { done: true }; else delete next.items[k];
          it.steps.forEach(function (s) { if (ok) next.steps[s.id] = true; else delete next.steps[s.id]; });
        }
        next.audits[k] = rec;
      });
      state = next;
      save();
      render();
      var said = words("audit_imported", { date: a.date.slice(0, 10), host: a.host, passed: n[0], failed: n[1], unchecked: n[2], progress: summary() });
      if (gone.length) said = words("audit_unticked", { message: said, n: gone.length, ids: gone.join(", ") });
      self.say(said, gone.length ? "warn" : "ok");
    }

    function importFile(file) {
      var name = words("file", { name: clip(file.name || words("unnamed_file"), 80) });
      if (file.size > MAX_IMPORT) return self.say(importFailed("too_big", name, { size: Math.ceil(file.size / 1024), limit: MAX_IMPORT / 1024 }), "error");
      var reader = new FileReader();
      reader.onload = function () { importText(String(reader.result), name); };
      reader.onerror = function () { self.say(importFailed("not_read", name), "error"); };
      reader.readAsText(file);
    }

    section.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest("button");
      if (!b || !section.contains(b)) return;
      var action = b.getAttribute("data-action");
      var it = b.classList.contains("na-toggle") ? items.filter(function (x) { return x.na === b; })[0] : null;
      if (it) {
        if (state.items[it.id] && state.items[it.id].na) delete state.items[it.id];
        else state.items[it.id] = { na: true };
        rollup(state, it);
        save();
        render();
      } else if (action === "print") window.print();
      else if (action === "export") exportFile();
      else if (action === "reset") confirmFirst(words("reset_question"), words("reset_confirm"), function () {
        state = blank();
        save();
        render();
        self.say(words("reset_done", { progress: summary() }), "ok");
      });
      else if (action === "confirm") settle(true);
      else if (action === "cancel") settle(false);
    });
    var input = section.querySelector("input[data-action=import]");
    if (input) input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (file) importFile(file);
      input.value = "";
    });

    // Print shows where each link leads, as a full address.
    Array.prototype.forEach.call(section.querySelectorAll("a[href]"), function (a) {
      var h = a.getAttribute("href");
      if (!h || h.charAt(0) === "#") return;
      try { a.setAttribute("data-print-href", new URL(h, BASE).href.replace(/\/index\.html(?=$|[#?])/, "/")); } catch (e) { /* left without */ }
    });
    if (tools) tools.hidden = false;
    section.classList.add("is-live");
  }

  function start() {
    try {
      var probe = "riskguide:" + SITE + ":probe";
      localStorage.setItem(probe, "1");
      localStorage.removeItem(probe);
    } catch (e) { storageOk = false; }
    Array.prototype.forEach.call(document.querySelectorAll("section.checklist[data-checklist]"), function (s) { lists.push(new Checklist(s)); });
    lists.forEach(function (l) { l.refresh(); });
    if (!storageOk) { storageOk = true; storageFailed(); }
    window.addEventListener("storage", function (e) {
      lists.forEach(function (l) { if (e.key === null || e.key === l.key) l.refresh(); });
    });
    // Coming back through the history cache, or after the browser restored old form state.
    window.addEventListener("pageshow", function () { lists.forEach(function (l) { l.refresh(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// The questionnaire's evaluator (a mirror of the Rust one in src/compile.rs) and the helpers that
// the questionnaire page (questionnaire.js) and the plan page (plan.js) build with, shared through
// window.riskguideQuestionnaire. Answers live only in the page address (#data=private&…);
// nothing is stored or sent anywhere.
(function () {
  "use strict";

  // ------------------------------------------------------------------ evaluator

  function findOption(question, id) {
    for (var i = 0; i < question.options.length; i++) {
      if (question.options[i].id === id) return question.options[i];
    }
    return null;
  }

  function own(map, key) {
    return map != null && Object.prototype.hasOwnProperty.call(map, key);
  }

  // The effect of an option on a platform: a whole number, "exclude", or 0 when absent.
  function effectOf(option, platform) {
    var e = own(option.effects, platform) ? option.effects[platform] : 0;
    return e === "exclude" || typeof e === "number" ? e : 0;
  }

  // The chosen option of a question, or null when unanswered or answered with an unknown id.
  function chosen(question, answers) {
    return own(answers, question.id) ? findOption(question, answers[question.id]) : null;
  }

  // Scores start at 0, integer effects add up, "exclude" removes a platform whatever its score.
  // Ranking: the platforms still in the running by score (highest first), then tie-break order.
  function evaluate(rules, answers) {
    var platforms = rules.tie_break;
    var scores = {};
    var excluded = {};
    platforms.forEach(function (p) { scores[p] = 0; });
    rules.questions.forEach(function (question) {
      var option = chosen(question, answers);
      if (!option) return;
      platforms.forEach(function (p) {
        var e = effectOf(option, p);
        if (e === "exclude") {
          if (!own(excluded, p)) excluded[p] = [];
          excluded[p].push({ question: question.id, option: option.id });
        } else {
          scores[p] += e;
        }
      });
    });
    var ranking = platforms.filter(function (p) { return !own(excluded, p); });
    ranking.sort(function (a, b) {
      return scores[b] - scores[a] || platforms.indexOf(a) - platforms.indexOf(b);
    });
    var winner = ranking.length ? ranking[0] : null;
    var runnerUp = ranking.length > 1 ? ranking[1] : null;
    return {
      scores: scores,
      excluded: excluded,
      ranking: ranking,
      winner: winner,
      runner_up: runnerUp,
      close_call: runnerUp !== null && scores[winner] - scores[runnerUp] <= rules.close_call_gap
    };
  }

  // "data=private&purpose=personal&…" in question order; unanswered questions are left out.
  function fragment(rules, answers) {
    var parts = [];
    rules.questions.forEach(function (question) {
      var option = chosen(question, answers);
      if (option) parts.push(encodeURIComponent(question.id) + "=" + encodeURIComponent(option.id));
    });
    return parts.join("&");
  }

  function decode(text) {
    try { return decodeURIComponent(text.replace(/\+/g, " ")); } catch (e) { return null; }
  }

  // Reads answers from a fragment; unknown questions and options are ignored.
  function parseFragment(rules, hash) {
    var answers = {};
    String(hash || "").replace(/^#/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 1) return;
      var qid = decode(pair.slice(0, at));
      var oid = decode(pair.slice(at + 1));
      rules.questions.forEach(function (question) {
        if (question.id === qid && findOption(question, oid)) answers[qid] = oid;
      });
    });
    return answers;
  }

  function answeredCount(rules, answers) {
    return rules.questions.filter(function (q) { return chosen(q, answers) !== null; }).length;
  }

  function followUps(rules, answers, winner) {
    var out = [];
    var seen = {};
    rules.questions.forEach(function (question, n) {
      var option = chosen(question, answers);
      if (!option) return;
      var e = effectOf(option, winner);
      (option.follow_up || []).forEach(function (f) {
        if (f.platform && f.platform !== winner) return;
        var key = f.text + "\n" + (f.href || "");
        if (own(seen, key)) return;
        seen[key] = true;
        out.push({ text: f.text, href: f.href, warning: typeof e === "number" && e < 0, number: n + 1, option: option });
      });
    });
    return out.filter(function (f) { return f.warning; }).concat(out.filter(function (f) { return !f.warning; }));
  }

  // The highest score each platform could reach, so every bar shares one scale.

  function answerNote(number, option) {
    return "Your answer to question " + number + ": " + option.label;
  }

  // One reason: its effect, its text, a link to the guide section behind it, and the answer that fired it.

  // ------------------------------------------------------------------ page helpers

  var root = document.documentElement;

  function el(tag, props, children) {
    var node = document.createElement(tag);
    var p = props || {};
    if (p.className) node.className = p.className;
    if (p.id) node.id = p.id;
    if (p.href) node.setAttribute("href", p.href);
    if (p.type) node.type = p.type;
    if (p.text != null) node.textContent = p.text;
    if (p.data) Object.keys(p.data).forEach(function (k) { node.setAttribute("data-" + k, p.data[k]); });
    if (p.attrs) Object.keys(p.attrs).forEach(function (k) { node.setAttribute(k, p.attrs[k]); });
    (children || []).forEach(function (c) {
      if (c == null) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // Opened from disk, "dir/" would show a directory listing: point links at dir/index.html.
  function pageHref(href) {
    if (!href || location.protocol !== "file:" || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === "#") return href;
    var cut = href.search(/[#?]/);
    var path = cut < 0 ? href : href.slice(0, cut);
    var rest = cut < 0 ? "" : href.slice(cut);
    return path && path.charAt(path.length - 1) === "/" ? path + "index.html" + rest : href;
  }

  function link(href, text, className) {
    return href ? el("a", { href: pageHref(href), text: text, className: className }) : el("span", { text: text, className: className });
  }

  function siteHref(path) {
    return pageHref((root.getAttribute("data-root") || "./") + path);
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function nameOf(rules, p) {
    return own(rules.platforms, p) ? rules.platforms[p].name : p;
  }

  // The follow-up actions as a list; a warning ("fix first") names the answer behind it.
  function followUpList(actions) {
    var list = el("ul", { className: "follow-ups" });
    actions.forEach(function (f) {
      var li = el("li", { className: f.warning ? "follow-up follow-up-warning" : "follow-up" });
      if (f.warning) li.appendChild(el("strong", { className: "warning-tag", text: "Fix first: " }));
      li.appendChild(link(f.href, f.text));
      if (f.warning) li.appendChild(el("span", { className: "reason-answer", text: answerNote(f.number, f.option) }));
      list.appendChild(li);
    });
    return list;
  }

  // Calls setup(rules) once the page is parsed, if it carries readable rules.
  function withRules(setup) {
    function go() {
      // Only the JSON script element holds rules: an element of another kind with this id is
      // never read.
      var data = document.getElementById("questionnaire-rules");
      if (!(data instanceof HTMLScriptElement) || data.type !== "application/json") return;
      var rules;
      try { rules = JSON.parse(data.textContent); } catch (e) { return; }
      if (rules && rules.questions && rules.questions.length && rules.tie_break) setup(rules);
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
    else go();
  }

  window.riskguideQuestionnaire = {
    evaluate: evaluate,
    fragment: fragment,
    parseFragment: parseFragment,
    answeredCount: answeredCount,
    findOption: findOption,
    own: own,
    effectOf: effectOf,
    chosen: chosen,
    followUps: followUps,
    followUpList: followUpList,
    answerNote: answerNote,
    el: el,
    link: link,
    siteHref: siteHref,
    clear: clear,
    nameOf: nameOf,
    withRules: withRules
  };
})();

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

  // Scores start at 0, integer effects add up, "exclude" removes a platform whatever its score;
  // unanswered questions count as neutral. Ranking: the platforms still in the running by score
  // (highest first), then tie-break order. The first of them is recommended unless it scores
  // below min_score: then no platform fits yet (winner null).
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
    var first = ranking.length ? ranking[0] : null;
    var fits = first !== null && (typeof rules.min_score !== "number" || scores[first] >= rules.min_score);
    var winner = fits ? first : null;
    var runnerUp = winner !== null && ranking.length > 1 ? ranking[1] : null;
    return {
      scores: scores,
      excluded: excluded,
      ranking: ranking,
      winner: winner,
      runner_up: runnerUp,
      close_call: runnerUp !== null && scores[winner] - scores[runnerUp] <= rules.close_call_gap
    };
  }

  // Every single-answer change of an answered question that changes the outcome (platform null:
  // no platform would fit), in question order, then option order.
  function flips(rules, answers) {
    var base = evaluate(rules, answers).winner;
    var trial = {};
    rules.questions.forEach(function (question) {
      var option = chosen(question, answers);
      if (option) trial[question.id] = option.id;
    });
    var out = [];
    rules.questions.forEach(function (question) {
      var current = own(trial, question.id) ? trial[question.id] : null;
      if (current === null) return;
      question.options.forEach(function (option) {
        if (option.id === current) return;
        trial[question.id] = option.id;
        var winner = evaluate(rules, trial).winner;
        if (winner !== base) out.push({ question: question.id, option: option.id, platform: winner });
      });
      trial[question.id] = current;
    });
    return out;
  }

  // The whole result, field for field the Outcome of src/compile/questionnaire.rs: the test
  // vectors compare the two.
  function outcome(rules, answers) {
    var e = evaluate(rules, answers);
    var winner = e.winner;
    var reasons = [];
    var fixFirst = [];
    var others = [];
    var unanswered = [];
    rules.questions.forEach(function (question) {
      var option = chosen(question, answers);
      if (!option) {
        unanswered.push(question.id);
        return;
      }
      (option.reasons || []).forEach(function (r) {
        if (!own(option.effects, r.platform)) return;
        reasons.push({ question: question.id, option: option.id, platform: r.platform, effect: option.effects[r.platform], text: r.text });
      });
      (option.follow_up || []).forEach(function (f) {
        var p = f.platform || null;
        if (p !== null && p !== winner) return;
        var key = f.text + "\n" + (f.href == null ? "\u0000" : f.href);
        var action = { question: question.id, option: option.id, text: f.text, platform: p, fix_first: !!f.fix_first };
        (f.fix_first ? fixFirst : others).push({ key: key, action: action });
      });
    });
    // Fix-first actions lead; one asked for twice (same text and link) is listed once, in its
    // first place in that order.
    var seen = {};
    var followUp = [];
    fixFirst.concat(others).forEach(function (entry) {
      if (own(seen, entry.key)) return;
      seen[entry.key] = true;
      followUp.push(entry.action);
    });
    var scores = {};
    var excluded = {};
    rules.tie_break.forEach(function (p) {
      scores[p] = own(e.excluded, p) ? null : e.scores[p];
      if (own(e.excluded, p)) {
        excluded[p] = reasons.filter(function (r) { return r.platform === p && r.effect === "exclude"; });
      }
    });
    var blockers = {};
    if (winner === null) {
      rules.tie_break.forEach(function (p) {
        blockers[p] = own(excluded, p) ? excluded[p] : reasons.filter(function (r) {
          return r.platform === p && typeof r.effect === "number" && r.effect < 0;
        });
      });
    }
    return {
      platform: winner,
      runner_up: e.runner_up,
      scores: scores,
      close_call: e.close_call,
      excluded: excluded,
      blockers: blockers,
      reasons: reasons,
      flips: flips(rules, answers),
      follow_up: followUp,
      unanswered: unanswered
    };
  }

  // True once every question that is not optional has an answer: the result can be shown.
  function complete(rules, answers) {
    return rules.questions.every(function (q) { return q.optional || chosen(q, answers) !== null; });
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

  // The link and the answer behind a follow-up action of an outcome.
  function actionDetails(rules, action) {
    var out = { href: null, number: 0, option: null };
    rules.questions.forEach(function (question, n) {
      if (question.id !== action.question) return;
      var option = findOption(question, action.option);
      if (!option) return;
      out.number = n + 1;
      out.option = option;
      (option.follow_up || []).forEach(function (f) {
        // On the plan page a checklist item is on the page itself: "#checklist--item".
        var href = f.href || (f.item ? "#" + f.item.replace("/", "--") : null);
        if (f.text === action.text && (f.platform || null) === action.platform && out.href === null) out.href = href;
      });
    });
    return out;
  }

  // The words shown, in the site's language (site.js reads them from the page). Without
  // site.js the page stays as it is without JavaScript.
  var words = window.riskguideWords;
  if (!words) return;

  // A platform's monthly cost as shown beside its score, or "" when the guide gives none.
  function costText(rules, p) {
    var info = own(rules.platforms, p) ? rules.platforms[p] : null;
    if (!info || !info.cost) return "";
    return words(info.cost.min === info.cost.max ? "evaluator_cost" : "evaluator_cost_range", info.cost);
  }

  function answerNote(number, option) {
    return words("evaluator_your_answer", { number: number, answer: option.label });
  }

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
      node.appendChild(typeof c === "object" ? c : document.createTextNode(c));
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

  // The follow-up actions of an outcome as a list; a "fix first" one names the answer behind it.
  function followUpList(rules, actions) {
    var list = el("ul", { className: "follow-ups" });
    actions.forEach(function (a) {
      var d = actionDetails(rules, a);
      var li = el("li", { className: a.fix_first ? "follow-up follow-up-warning" : "follow-up" });
      if (a.fix_first) li.appendChild(el("strong", { className: "warning-tag", text: words("evaluator_fix_first") }));
      li.appendChild(link(d.href, a.text));
      if (a.fix_first && d.option) li.appendChild(el("span", { className: "reason-answer", text: answerNote(d.number, d.option) }));
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
    flips: flips,
    outcome: outcome,
    complete: complete,
    costText: costText,
    fragment: fragment,
    parseFragment: parseFragment,
    answeredCount: answeredCount,
    findOption: findOption,
    own: own,
    effectOf: effectOf,
    chosen: chosen,
    followUpList: followUpList,
    answerNote: answerNote,
    el: el,
    link: link,
    siteHref: siteHref,
    clear: clear,
    nameOf: nameOf,
    words: words,
    withRules: withRules
  };
})();

// The questionnaire page (/questionnaire/): the form, the result with its reasons, what would
// change it, sharing and the printed answers. Built on evaluator.js, loaded before it.
(function () {
  "use strict";
  var Q = window.riskguideQuestionnaire;
  if (!Q) return;
  var chosen = Q.chosen, el = Q.el, link = Q.link, nameOf = Q.nameOf;
  var root = document.documentElement;

  var flips = Q.flips;

  function signed(n) {
    if (n > 0) return "+" + n;
    if (n < 0) return "\u2212" + Math.abs(n);
    return "0";
  }

  function points(n) {
    return (n < 0 ? "\u2212" + Math.abs(n) : String(n)) + (Math.abs(n) === 1 ? " point" : " points");
  }

  function quoted(text) {
    return "\u201c" + text + "\u201d";
  }

  function isAnswerHash(hash) {
    return hash.indexOf("=") >= 0;
  }

  // Changes the address without a new history entry and without scrolling.
  function setFragment(frag, push) {
    var url = location.pathname + location.search + (frag ? "#" + frag : "");
    try {
      if (push) history.pushState(null, "", url);
      else history.replaceState(null, "", url);
    } catch (e) {
      // Some file:// setups refuse history changes; the fragment still works through location.
      if (frag || location.hash) location.replace("#" + frag);
    }
  }

  // Reasons that fired for one platform, in question order, with the answer behind each.

  function firedReasons(rules, answers, platform) {
    var out = [];
    rules.questions.forEach(function (question, n) {
      var option = chosen(question, answers);
      if (!option) return;
      (option.reasons || []).forEach(function (reason) {
        if (reason.platform === platform) out.push({ number: n + 1, option: option, reason: reason, effect: Q.effectOf(option, platform) });
      });
    });
    return out;
  }

  // Follow-up actions for the winner: those for every platform and those for the winner.
  // One is a warning when the answer behind it lowered the winner's score.

  function scale(rules) {
    var best = 1;
    rules.tie_break.forEach(function (p) {
      var total = 0;
      rules.questions.forEach(function (question) {
        var top = 0;
        question.options.forEach(function (o) {
          var e = Q.effectOf(o, p);
          if (typeof e === "number" && e > top) top = e;
        });
        total += top;
      });
      if (total > best) best = total;
    });
    return best;
  }

  function reasonItem(item) {
    var out = item.effect === "exclude";
    var li = el("li", { className: "reason" + (out ? " reason-exclude" : item.effect < 0 ? " reason-minus" : " reason-plus") });
    li.appendChild(el("span", { className: "effect-badge", text: out ? "\u2715" : signed(item.effect), attrs: out ? { "aria-hidden": "true" } : null }));
    li.appendChild(el("span", { className: "reason-body" }, [
      link(item.reason.href, item.reason.text, "reason-text"),
      el("span", { className: "reason-answer", text: Q.answerNote(item.number, item.option) })
    ]));
    return li;
  }

  // Score bars for every platform, in tie-break order; excluded platforms say so and why.
  function scoreList(rules, answers, result, final) {
    var max = scale(rules);
    var list = el("ul", { className: "scores" });
    rules.tie_break.forEach(function (p) {
      var isOut = Q.own(result.excluded, p);
      var row = el("li", { className: "score" + (isOut ? " score-excluded" : "") + (final && p === result.winner ? " score-winner" : ""), data: { platform: p } });
      var head = el("div", { className: "score-head" }, [el("span", { className: "score-name", text: nameOf(rules, p) })]);
      if (final && p === result.winner) head.appendChild(el("span", { className: "score-tag", text: "Recommended" }));
      head.appendChild(el("span", { className: "score-value", text: isOut ? "Excluded" : points(result.scores[p]) }));
      var cost = Q.costText(rules, p);
      if (cost) head.appendChild(link(rules.costs_href, cost, "score-cost"));
      row.appendChild(head);
      if (isOut) {
        var why = el("ul", { className: "reasons exclusions" });
        firedReasons(rules, answers, p).forEach(function (item) {
          if (item.effect === "exclude") why.appendChild(reasonItem(item));
        });
        row.appendChild(el("p", { className: "score-note", text: "Ruled out, whatever its score, because:" }));
        row.appendChild(why);
      } else {
        var fill = el("span", { className: "score-fill" + (result.scores[p] < 0 ? " score-negative" : "") });
        var share = Math.max(0, Math.min(result.scores[p], max)) / max;
        fill.style.width = (share * 100).toFixed(1) + "%";
        row.appendChild(el("span", { className: "score-track", attrs: { "aria-hidden": "true" } }, [fill]));
      }
      list.appendChild(row);
    });
    return list;
  }

  function setupQuestionnaire(rules, form) {
    var body = document.querySelector("#result .result-body");
    var resultSection = document.getElementById("result");
    if (!(resultSection instanceof HTMLElement) || resultSection.tagName !== "SECTION") return;
    var progressText = document.querySelector(".quiz-progress-text");
    var progressBar = document.querySelector(".quiz-progress-bar");
    var clearButton = form.querySelector("[data-action=clear]");
    var radios = form.querySelectorAll("input[type=radio]");
    var total = rules.questions.length;
    var answers = {};

    function readForm() {
      var out = {};
      for (var i = 0; i < radios.length; i++) {
        if (radios[i].checked) out[radios[i].name] = radios[i].value;
      }
      return Q.parseFragment(rules, fragmentOf(out));
    }

    function fragmentOf(map) {
      return Q.fragment(rules, map);
    }

    function writeForm() {
      for (var i = 0; i < radios.length; i++) {
        radios[i].checked = Q.own(answers, radios[i].name) && answers[radios[i].name] === radios[i].value;
      }
    }

    function focusQuestion(qid) {
      var set = document.getElementById("q-" + qid);
      if (!(set instanceof HTMLFieldSetElement)) return;
      var target = set.querySelector("input:checked") || set.querySelector("input");
      if (target) target.focus();
    }

    function render() {
      var done = Q.answeredCount(rules, answers);
      var result = Q.evaluate(rules, answers);
      var complete = Q.complete(rules, answers);
      progressBar.value = done;
      progressText.textContent = !complete
        ? done + " of " + total + " answered"
        : done + " of " + total + " answered \u2014 " + (result.winner ? "recommendation: " + nameOf(rules, result.winner) : "no platform fits yet");
      clearButton.hidden = done === 0;
      root.classList.toggle("quiz-complete", complete);
      Q.clear(body);
      if (complete) renderResult(result, Q.outcome(rules, answers));
      else renderPartial(result, done);
      markPersona();
    }

    // Optional questions left unanswered: they counted as neutral.
    function unansweredNote(outcome) {
      if (!outcome.unanswered.length) return null;
      var box = el("div", { className: "unanswered" });
      box.appendChild(el("p", { className: "result-note", text: "Not answered yet, so counted as neutral: answering " + (outcome.unanswered.length === 1 ? "it" : "them") + " sharpens the result." }));
      var list = el("ul", { className: "todo-list" });
      rules.questions.forEach(function (question, n) {
        if (outcome.unanswered.indexOf(question.id) < 0) return;
        var a = el("a", { href: "#q-" + question.id, text: (n + 1) + ". " + question.prompt });
        a.addEventListener("click", function (e) {
          e.preventDefault();
          focusQuestion(question.id);
        });
        list.appendChild(el("li", null, [a]));
      });
      box.appendChild(list);
      return box;
    }

    function markPersona() {
      var current = fragmentOf(answers);
      var cards = document.querySelectorAll("a.persona");
      for (var i = 0; i < cards.length; i++) {
        var hash = cards[i].getAttribute("href").replace(/^#/, "");
        if (current && hash === current) cards[i].setAttribute("aria-current", "true");
        else cards[i].removeAttribute("aria-current");
      }
    }

    function renderPartial(result, done) {
      var left = total - done;
      if (done === 0) {
        body.appendChild(el("p", { className: "result-waiting", text: "Answer the " + total + " questions above, or start from one of the examples. The recommendation appears here once every question not marked optional has an answer." }));
        return;
      }
      var needed = rules.questions.filter(function (q) { return !q.optional && !chosen(q, answers); }).length;
      body.appendChild(el("p", { className: "result-waiting", text: "Answer " + needed + " more " + (needed === 1 ? "question" : "questions") + " to see the recommendation" + (needed < left ? " (the optional ones can wait)." : ".") }));
      var todo = el("ul", { className: "todo-list" });
      rules.questions.forEach(function (question, n) {
        if (chosen(question, answers) || question.optional) return;
        var a = el("a", { href: "#q-" + question.id, text: (n + 1) + ". " + question.prompt });
        a.addEventListener("click", function (e) {
          e.preventDefault();
          focusQuestion(question.id);
        });
        todo.appendChild(el("li", null, [a]));
      });
      body.appendChild(el("h3", { className: "small-heading", text: "Still to answer" }));
      body.appendChild(todo);
      body.appendChild(el("h3", { className: "small-heading", text: "Scores so far" }));
      body.appendChild(el("p", { className: "result-note", text: result.ranking.length === 1
        ? "Only " + nameOf(rules, result.ranking[0]) + " is still in the running: the other platforms are ruled out, whatever the remaining answers."
        : "These change as you answer; a platform ruled out now stays ruled out." }));
      body.appendChild(scoreList(rules, answers, result, false));
    }

    // No platform fits yet: what stands in the way of each, and the smallest changes that would
    // let one fit.
    function renderNone(result, outcome) {
      var frag = fragmentOf(answers);
      var card = el("div", { id: "recommendation", className: "recommendation recommendation-none", data: { platform: "none" } });
      card.appendChild(el("p", { className: "recommendation-label", text: "Recommendation" }));
      card.appendChild(el("p", { className: "recommendation-name", text: "None of the platforms fits yet" }));
      card.appendChild(el("p", { className: "runner-up", text: typeof rules.min_score === "number"
        ? "Every platform is ruled out by your answers or scores below " + rules.min_score + ". Change one of the answers below first, or read the blockers of each platform."
        : "Every platform is ruled out by your answers. Change one of the answers below first, or read the blockers of each platform." }));
      body.appendChild(card);
      var note = unansweredNote(outcome);
      if (note) body.appendChild(note);

      body.appendChild(el("h3", { text: "What would let a platform fit" }));
      if (!outcome.flips.length) {
        body.appendChild(el("p", { text: "No single change of answer is enough. Start with the blockers below: each links to what the guide says about it." }));
      } else {
        body.appendChild(el("p", { className: "result-note", text: "Each of these changes, on its own, would let a platform fit:" }));
        body.appendChild(flipList(outcome.flips));
      }

      body.appendChild(el("h3", { text: "What stands in the way" }));
      var blockers = el("ul", { className: "scores" });
      rules.tie_break.forEach(function (p) {
        var isOut = Q.own(result.excluded, p);
        var row = el("li", { className: "score" + (isOut ? " score-excluded" : ""), data: { platform: p } });
        var head = el("div", { className: "score-head" }, [el("span", { className: "score-name", text: nameOf(rules, p) })]);
        head.appendChild(el("span", { className: "score-value", text: isOut ? "Excluded" : points(result.scores[p]) }));
        var cost = Q.costText(rules, p);
        if (cost) head.appendChild(link(rules.costs_href, cost, "score-cost"));
        row.appendChild(head);
        row.appendChild(el("p", { className: "score-note", text: isOut ? "Ruled out, whatever its score, because:" : "Scores too low, because:" }));
        var why = el("ul", { className: "reasons exclusions" });
        firedReasons(rules, answers, p).forEach(function (item) {
          if (isOut ? item.effect === "exclude" : typeof item.effect === "number" && item.effect < 0) why.appendChild(reasonItem(item));
        });
        row.appendChild(why);
        blockers.appendChild(row);
      });
      body.appendChild(blockers);

      body.appendChild(el("h3", { text: "Checklists and your plan" }));
      body.appendChild(el("ul", { className: "next-steps" }, [el("li", null, [
        link(Q.siteHref("plan/") + "#" + frag, "Your plan"), ": every checklist, with these answers and what stands in the way."
      ])]));
      body.appendChild(shareBlock());
      body.appendChild(answerSummary());
    }

    // Flips grouped into sentences: "If you answered … to …, the recommendation would be …".
    function flipList(changes) {
      var list = el("ul", { className: "flips" });
      groupFlips(changes).forEach(function (g) {
        var item = el("li", null, ["If you answered "]);
        g.options.forEach(function (option, i) {
          if (i > 0) item.appendChild(document.createTextNode(i === g.options.length - 1 ? " or " : ", "));
          item.appendChild(el("strong", { text: quoted(option.label) }));
        });
        item.appendChild(document.createTextNode(" to "));
        item.appendChild(el("em", { text: quoted(g.question.prompt) }));
        item.appendChild(document.createTextNode(g.platform ? ", the recommendation would be " + nameOf(rules, g.platform) + "." : ", no platform would fit."));
        list.appendChild(item);
      });
      return list;
    }

    function renderResult(result, outcome) {
      if (!result.winner) {
        renderNone(result, outcome);
        return;
      }
      var w = result.winner;
      var r = result.runner_up;
      var info = rules.platforms[w] || { name: w, href: "", checklists: [] };
      var frag = fragmentOf(answers);

      var card = el("div", { id: "recommendation", className: "recommendation", data: { platform: w } });
      card.appendChild(el("p", { className: "recommendation-label", text: "Recommended platform" }));
      card.appendChild(el("p", { className: "recommendation-name" }, [link(info.href, info.name)]));
      var gap = r ? result.scores[w] - result.scores[r] : 0;
      if (r && result.close_call && gap === 0) {
        card.appendChild(el("p", { className: "close-call" }, [
          el("strong", { text: "Tie. " }),
          nameOf(rules, w) + " and " + nameOf(rules, r) + " both scored " + result.scores[w] + ". A tie goes to the platform listed first in this order: " +
            rules.tie_break.map(function (p) { return nameOf(rules, p); }).join(", then ") + ". Read both before you decide: ",
          link(info.href, info.name), ", ", link(rules.platforms[r] && rules.platforms[r].href, nameOf(rules, r)), "."
        ]));
      } else if (r && result.close_call) {
        card.appendChild(el("p", { className: "close-call" }, [
          el("strong", { text: "Close call. " }),
          "The runner-up, " + nameOf(rules, r) + ", scored " + result.scores[r] + ", only " + points(gap) + " behind. Read both before you decide: ",
          link(info.href, info.name), ", ", link(rules.platforms[r] && rules.platforms[r].href, nameOf(rules, r)), "."
        ]));
      } else if (r) {
        card.appendChild(el("p", { className: "runner-up", text: "Runner-up: " + nameOf(rules, r) + ", " + points(gap) + " behind." }));
      } else {
        card.appendChild(el("p", { className: "runner-up", text: "Your answers rule out the other platforms, so this is the only one left." }));
      }
      body.appendChild(card);
      var note = unansweredNote(outcome);
      if (note) body.appendChild(note);

      body.appendChild(el("h3", { text: "Scores" }));
      body.appendChild(el("p", { className: "result-note", text: "Each answer adds or takes away points; the reasons are listed below. Some answers rule a platform out completely." }));
      body.appendChild(scoreList(rules, answers, result, true));

      [w, r].forEach(function (p) {
        if (!p) return;
        var items = firedReasons(rules, answers, p);
        var title = p === w ? "Why " + nameOf(rules, p) + " scored " + result.scores[p] : "Why " + nameOf(rules, p) + ", the runner-up, scored " + result.scores[p];
        body.appendChild(el("h3", { text: title }));
        if (!items.length) {
          body.appendChild(el("p", { text: "None of your answers moved its score." }));
          return;
        }
        var list = el("ul", { className: "reasons" });
        items.forEach(function (item) { list.appendChild(reasonItem(item)); });
        body.appendChild(list);
      });

      body.appendChild(el("h3", { text: "What would change the recommendation" }));
      var changes = outcome.flips;
      if (!changes.length) {
        body.appendChild(el("p", { text: "No single change of answer would change it: the recommendation is " + nameOf(rules, w) + " whichever one answer you change." }));
      } else {
        body.appendChild(el("p", { className: "result-note", text: "Each of these changes, on its own, would give a different result:" }));
        body.appendChild(flipList(changes));
      }

      var actions = outcome.follow_up;
      if (actions.length) {
        body.appendChild(el("h3", { text: "Follow-up actions" }));
        body.appendChild(el("p", { className: "result-note", text: actions.some(function (a) { return a.fix_first; })
          ? "Things to do because of your answers. Those marked \u201cfix first\u201d are problems to solve before " + info.name + " goes live."
          : "Things to do because of your answers." }));
        body.appendChild(Q.followUpList(rules, actions));
      }

      body.appendChild(el("h3", { text: "Checklists and your plan" }));
      var next = el("ul", { className: "next-steps" });
      next.appendChild(el("li", null, [
        link(Q.siteHref("plan/") + "#" + frag, "Your plan"), ": the follow-up actions and the " + info.name + " checklists on one page, kept with these answers."
      ]));
      (info.checklists || []).forEach(function (c) { next.appendChild(el("li", null, [link(c.href, c.title)])); });
      next.appendChild(el("li", null, [link(info.href, "The " + info.name + " section of the guide")]));
      body.appendChild(next);

      body.appendChild(shareBlock());
      body.appendChild(answerSummary());
    }

    // Flips of one question that lead to the same platform read as one sentence.
    function groupFlips(list) {
      var groups = [];
      list.forEach(function (f) {
        var last = groups[groups.length - 1];
        var question = null;
        rules.questions.forEach(function (q) { if (q.id === f.question) question = q; });
        // platform null: no platform would fit.
        var option = question && Q.findOption(question, f.option);
        if (!option) return;
        if (last && last.question === question && last.platform === f.platform) last.options.push(option);
        else groups.push({ question: question, platform: f.platform, options: [option] });
      });
      return groups;
    }

    function shareBlock() {
      var box = el("div", { className: "share no-print" });
      box.appendChild(el("h3", { text: "Keep or share these answers" }));
      box.appendChild(el("p", { className: "result-note", text: "This link holds every answer. Bookmark it, or send it to a colleague to show them the same result." }));
      var input = el("input", { id: "share-url", className: "share-url", type: "text", attrs: { readonly: "", "aria-label": "Link to these answers" } });
      input.value = location.href;
      var status = el("span", { className: "share-status", attrs: { role: "status" } });
      var button = el("button", { type: "button", className: "button", text: "Copy link to these answers" });
      function fallback() {
        input.focus();
        input.select();
        status.textContent = "The link is selected: press Ctrl+C (\u2318C on a Mac) to copy it.";
      }
      button.addEventListener("click", function () {
        input.value = location.href;
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(location.href).then(function () {
            status.textContent = "Link copied.";
          }, fallback);
        } else {
          fallback();
        }
      });
      input.addEventListener("focus", function () { input.select(); });
      box.appendChild(el("div", { className: "share-row" }, [input, button]));
      box.appendChild(status);
      return box;
    }

    // Shown on paper in place of the form.
    function answerSummary() {
      var box = el("div", { className: "answer-summary print-only" });
      box.appendChild(el("h3", { text: "Your answers" }));
      var list = el("ol");
      rules.questions.forEach(function (question) {
        var option = chosen(question, answers);
        list.appendChild(el("li", null, [question.prompt + " ", el("strong", { text: option ? option.label : "not answered" })]));
      });
      box.appendChild(list);
      box.appendChild(el("p", { className: "share-url-print", text: "Link to these answers: " + location.href }));
      return box;
    }

    // Moves focus to the result and brings its top into view.
    function showResult() {
      resultSection.focus({ preventScroll: true });
      resultSection.scrollIntoView({ block: "start" });
    }

    function applyHash(hash) {
      answers = Q.parseFragment(rules, hash);
      writeForm();
      render();
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", function () {
      answers = readForm();
      setFragment(fragmentOf(answers), false);
      render();
    });
    clearButton.addEventListener("click", function () {
      answers = {};
      writeForm();
      setFragment("", false);
      render();
      focusQuestion(rules.questions[0].id);
    });
    window.addEventListener("hashchange", function () {
      var hash = location.hash.replace(/^#/, "");
      if (!hash || isAnswerHash(hash)) {
        applyHash(hash);
      } else if (Q.answeredCount(rules, answers) > 0) {
        // An in-page jump (#main, #matrix, …): keep the answers in the address.
        setFragment(fragmentOf(answers), false);
      }
    });
    var personas = document.querySelectorAll("a.persona");
    for (var i = 0; i < personas.length; i++) {
      personas[i].addEventListener("click", function (e) {
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        var hash = this.getAttribute("href").replace(/^#/, "");
        if (location.hash.replace(/^#/, "") !== hash) setFragment(hash, true);
        applyHash(hash);
        showResult();
      });
    }

    clearButton.hidden = false;
    var matrix = document.querySelector(".matrix-details");
    if (matrix) matrix.open = false;
    var start = location.hash.replace(/^#/, "");
    applyHash(isAnswerHash(start) ? start : "");
    // An opened shared link shows its result first.
    if (Q.answeredCount(rules, answers) > 0 && Q.complete(rules, answers)) showResult();
  }

  Q.withRules(function (rules) {
    var form = document.getElementById("questionnaire");
    if (form instanceof HTMLFormElement) setupQuestionnaire(rules, form);
  });
})();

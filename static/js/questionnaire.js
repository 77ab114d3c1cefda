// The questionnaire page (/questionnaire/): the form, the result with its reasons, what would
// change it, sharing and the printed answers. Built on evaluator.js, loaded before it.
(function () {
  "use strict";
  var Q = window.riskguideQuestionnaire;
  if (!Q) return;
  var chosen = Q.chosen, el = Q.el, link = Q.link, nameOf = Q.nameOf;
  var root = document.documentElement;

  // The words of this page, keys "questionnaire_…" of the page's JSON block.
  function words(key, values) { return Q.words("questionnaire_" + key, values); }
  function parts(key, values) { return Q.words.parts("questionnaire_" + key, values); }
  function counted(key, values) { return Q.words.counted("questionnaire_" + key, values); }

  function signed(n) {
    if (n > 0) return "+" + n;
    if (n < 0) return "\u2212" + Math.abs(n);
    return "0";
  }

  function points(n) {
    return counted("points", { n: n, score: n < 0 ? "\u2212" + Math.abs(n) : n });
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

  // The most points any platform can get: a score bar's full width.
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

  // A platform's name, its tag when it is recommended, its score or "Excluded", and its cost.
  function scoreHead(rules, result, p, recommended) {
    var head = el("div", { className: "score-head" }, [el("span", { className: "score-name", text: nameOf(rules, p) })]);
    if (recommended) head.appendChild(el("span", { className: "score-tag", text: words("recommended") }));
    head.appendChild(el("span", { className: "score-value", text: Q.own(result.excluded, p) ? words("excluded") : points(result.scores[p]) }));
    var cost = Q.costText(rules, p);
    if (cost) head.appendChild(link(rules.costs_href, cost, "score-cost"));
    return head;
  }

  // Every platform in tie-break order: a score bar, or for an excluded platform why it is out.
  // With `blockers` (no platform fits) each one says what stands in its way, without a bar.
  function scoreList(rules, answers, result, winner, blockers) {
    var max = scale(rules);
    var list = el("ul", { className: "scores" });
    rules.tie_break.forEach(function (p) {
      var isOut = Q.own(result.excluded, p);
      var row = el("li", { className: "score" + (isOut ? " score-excluded" : "") + (p === winner ? " score-winner" : ""), data: { platform: p } });
      row.appendChild(scoreHead(rules, result, p, p === winner));
      if (isOut || blockers) {
        row.appendChild(el("p", { className: "score-note", text: words(isOut ? "ruled_out_because" : "too_low_because") }));
        var why = el("ul", { className: "reasons exclusions" });
        firedReasons(rules, answers, p).forEach(function (item) {
          // An exclusion, or (for a blocker still in the running) points taken away.
          if (isOut ? item.effect === "exclude" : item.effect < 0) why.appendChild(reasonItem(item));
        });
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

    // Appends a node (none: nothing) to the result.
    function add(node) {
      if (node) body.appendChild(node);
    }

    function readForm() {
      var out = {};
      for (var i = 0; i < radios.length; i++) {
        if (radios[i].checked) out[radios[i].name] = radios[i].value;
      }
      return Q.parseFragment(rules, Q.fragment(rules, out));
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
      var counts = { done: done, total: total, platform: result.winner ? nameOf(rules, result.winner) : "" };
      progressText.textContent = words(!complete ? "progress" : result.winner ? "progress_recommended" : "progress_none", counts);
      clearButton.hidden = done === 0;
      root.classList.toggle("quiz-complete", complete);
      Q.clear(body);
      if (complete) {
        (result.winner ? renderResult : renderNone)(result, Q.outcome(rules, answers));
        nextSteps(result.winner && (rules.platforms[result.winner] || { name: result.winner, href: "" }));
        add(shareBlock());
        add(answerSummary());
      } else {
        renderPartial(result, done);
      }
      markPersona();
    }

    // Optional questions left unanswered: they counted as neutral.
    function unansweredNote(outcome) {
      if (!outcome.unanswered.length) return null;
      var box = el("div", { className: "unanswered" });
      box.appendChild(el("p", { className: "result-note", text: counted("unanswered", { n: outcome.unanswered.length }) }));
      box.appendChild(questionLinks(function (question) { return outcome.unanswered.indexOf(question.id) >= 0; }));
      return box;
    }

    // Links to the questions that `wanted` picks; each moves focus to its question.
    function questionLinks(wanted) {
      var list = el("ul", { className: "todo-list" });
      rules.questions.forEach(function (question, n) {
        if (!wanted(question)) return;
        var a = el("a", { href: "#q-" + question.id, text: (n + 1) + ". " + question.prompt });
        a.addEventListener("click", function (e) {
          e.preventDefault();
          focusQuestion(question.id);
        });
        list.appendChild(el("li", null, [a]));
      });
      return list;
    }

    function markPersona() {
      var current = Q.fragment(rules, answers);
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
        add(el("p", { className: "result-waiting", text: words("waiting", { total: total }) }));
        return;
      }
      var needed = rules.questions.filter(function (q) { return !q.optional && !chosen(q, answers); }).length;
      add(el("p", { className: "result-waiting", text: counted("needed", { n: needed, wait: needed < left ? words("can_wait") : "" }) }));
      add(el("h3", { className: "small-heading", text: words("still_to_answer") }));
      add(questionLinks(function (question) { return !chosen(question, answers) && !question.optional; }));
      add(el("h3", { className: "small-heading", text: words("scores_so_far") }));
      add(el("p", { className: "result-note", text: result.ranking.length === 1
        ? words("only_one_left", { platform: nameOf(rules, result.ranking[0]) })
        : words("scores_change") }));
      add(scoreList(rules, answers, result, null));
    }

    // No platform fits yet: what stands in the way of each, and the smallest changes that would
    // let one fit.
    function renderNone(result, outcome) {
      var card = el("div", { id: "recommendation", className: "recommendation recommendation-none", data: { platform: "none" } });
      card.appendChild(el("p", { className: "recommendation-label", text: words("recommendation") }));
      card.appendChild(el("p", { className: "recommendation-name", text: words("none_fits") }));
      card.appendChild(el("p", { className: "runner-up", text: typeof rules.min_score === "number"
        ? words("none_fits_min_score", { min: rules.min_score })
        : words("none_fits_why") }));
      add(card);
      add(unansweredNote(outcome));

      changes(outcome, "fit");

      add(el("h3", { text: words("in_the_way") }));
      add(scoreList(rules, answers, result, null, true));
    }

    // The answer changes that would change the result (`what`: "fit" when no platform fits yet,
    // "change" otherwise).
    function changes(outcome, what, platform) {
      add(el("h3", { text: words("what_would_" + what) }));
      if (!outcome.flips.length) {
        add(el("p", { text: words("no_single_" + what, { platform: platform }) }));
      } else {
        add(el("p", { className: "result-note", text: words("each_would_" + what) }));
        add(flipList(outcome.flips));
      }
    }

    // Flips grouped into sentences: "If you answered … to …, the recommendation would be …".
    function flipList(changes) {
      var list = el("ul", { className: "flips" });
      groupFlips(changes).forEach(function (g) {
        var options = document.createDocumentFragment();
        g.options.forEach(function (option, i) {
          if (i > 0) options.appendChild(document.createTextNode(words(i === g.options.length - 1 ? "last_or" : "list_comma")));
          options.appendChild(el("strong", { text: words("quoted", { text: option.label }) }));
        });
        list.appendChild(el("li", null, parts(g.platform ? "flip" : "flip_none", {
          answers: options,
          question: el("em", { text: words("quoted", { text: g.question.prompt }) }),
          platform: g.platform ? nameOf(rules, g.platform) : ""
        })));
      });
      return list;
    }

    function renderResult(result, outcome) {
      var w = result.winner;
      var r = result.runner_up;
      var info = rules.platforms[w] || { name: w, href: "", checklists: [] };

      var card = el("div", { id: "recommendation", className: "recommendation", data: { platform: w } });
      card.appendChild(el("p", { className: "recommendation-label", text: words("recommended_platform") }));
      card.appendChild(el("p", { className: "recommendation-name" }, [link(info.href, info.name)]));
      var gap = r ? result.scores[w] - result.scores[r] : 0;
      if (r && result.close_call) {
        // A tie (both score the same) or a close call; either way the runner-up's score.
        var kind = gap === 0 ? "tie" : "close_call";
        card.appendChild(el("p", { className: "close-call" }, parts(kind, {
          label: el("strong", { text: words(kind + "_label") }),
          winner: nameOf(rules, w),
          runner_up: nameOf(rules, r),
          score: result.scores[r],
          gap: points(gap),
          order: rules.tie_break.map(function (p) { return nameOf(rules, p); }).join(words("then")),
          winner_link: link(info.href, info.name),
          runner_up_link: link(rules.platforms[r] && rules.platforms[r].href, nameOf(rules, r))
        })));
      } else if (r) {
        card.appendChild(el("p", { className: "runner-up", text: words("runner_up", { runner_up: nameOf(rules, r), gap: points(gap) }) }));
      } else {
        card.appendChild(el("p", { className: "runner-up", text: words("only_left") }));
      }
      add(card);
      add(unansweredNote(outcome));

      add(el("h3", { text: words("scores") }));
      add(el("p", { className: "result-note", text: words("scores_note") }));
      add(scoreList(rules, answers, result, result.winner));

      [w, r].forEach(function (p) {
        if (!p) return;
        var items = firedReasons(rules, answers, p);
        var title = words(p === w ? "why_winner" : "why_runner_up", { platform: nameOf(rules, p), score: result.scores[p] });
        add(el("h3", { text: title }));
        if (!items.length) {
          add(el("p", { text: words("no_reasons") }));
          return;
        }
        var list = el("ul", { className: "reasons" });
        items.forEach(function (item) { list.appendChild(reasonItem(item)); });
        add(list);
      });

      changes(outcome, "change", nameOf(rules, w));

      var actions = outcome.follow_up;
      if (actions.length) {
        add(el("h3", { text: words("follow_up") }));
        add(el("p", { className: "result-note", text: words(actions.some(function (a) { return a.fix_first; }) ? "follow_up_fix_first" : "follow_up_note", { platform: info.name }) }));
        add(Q.followUpList(rules, actions));
      }
    }

    // The plan, and the recommended platform's checklists and section (`info`, when one fits).
    function nextSteps(info) {
      add(el("h3", { text: words("checklists_and_plan") }));
      var next = el("ul", { className: "next-steps" }, [el("li", null, parts(info ? "plan_winner" : "plan_none", {
        plan: link(Q.siteHref("plan/") + "#" + Q.fragment(rules, answers), words("your_plan")),
        platform: info && info.name
      }))]);
      if (info) {
        (info.checklists || []).forEach(function (c) { next.appendChild(el("li", null, [link(c.href, c.title)])); });
        next.appendChild(el("li", null, [link(info.href, words("platform_section", { platform: info.name }))]));
      }
      add(next);
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
      box.appendChild(el("h3", { text: words("share") }));
      box.appendChild(el("p", { className: "result-note", text: words("share_note") }));
      var input = el("input", { id: "share-url", className: "share-url", type: "text", attrs: { readonly: "", "aria-label": words("share_link") } });
      input.value = location.href;
      var status = el("span", { className: "share-status", attrs: { role: "status" } });
      var button = el("button", { type: "button", className: "button", text: words("share_copy") });
      function fallback() {
        input.focus();
        input.select();
        status.textContent = words("share_selected");
      }
      button.addEventListener("click", function () {
        input.value = location.href;
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(location.href).then(function () {
            status.textContent = words("share_copied");
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
      box.appendChild(el("h3", { text: words("your_answers") }));
      var list = el("ol");
      rules.questions.forEach(function (question) {
        var option = chosen(question, answers);
        list.appendChild(el("li", null, [question.prompt + " ", el("strong", { text: option ? option.label : words("not_answered") })]));
      });
      box.appendChild(list);
      box.appendChild(el("p", { className: "share-url-print", text: words("share_link_print", { url: location.href }) }));
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
      setFragment(Q.fragment(rules, answers), false);
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
      if (!hash || hash.indexOf("=") >= 0) {
        applyHash(hash);
      } else if (Q.answeredCount(rules, answers) > 0) {
        // An in-page jump (#main, #matrix, …): keep the answers in the address.
        setFragment(Q.fragment(rules, answers), false);
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
    applyHash(start.indexOf("=") >= 0 ? start : "");
    // An opened shared link shows its result first.
    if (Q.answeredCount(rules, answers) > 0 && Q.complete(rules, answers)) showResult();
  }

  Q.withRules(function (rules) {
    var form = document.getElementById("questionnaire");
    if (!(form instanceof HTMLFormElement)) return;
    // The page's rules leave out the prompts and labels its form shows: they are read there.
    function textOf(css) {
      var node = form.querySelector(css);
      return node ? node.textContent : "";
    }
    rules.questions.forEach(function (q) {
      q.prompt = textOf("#q-" + q.id + " .question-prompt");
      q.options.forEach(function (o) { o.label = textOf('[name="' + q.id + '"][value="' + o.id + '"]+span'); });
    });
    setupQuestionnaire(rules, form);
  });
})();

// "Your plan" (/plan/): narrows the page to the checklists of the platform that the answers in
// its address point to, with the follow-up actions. Built on evaluator.js, loaded before it.
(function () {
  "use strict";
  var Q = window.riskguideQuestionnaire;
  if (!Q) return;
  var el = Q.el, link = Q.link;

  // The words of this page, keys "plan_…" of the page's JSON block.
  function words(key, values) { return Q.words("plan_" + key, values); }
  function parts(key, values) { return Q.words.parts("plan_" + key, values); }

  function setupPlan(rules, page) {
    var summary = document.getElementById("plan-summary");
    if (!(summary instanceof HTMLElement) || summary.tagName !== "SECTION") return;
    var sections = document.querySelectorAll("section.plan-checklist");
    var back = page.querySelector("a.plan-back");
    var showAll = false;

    function platformsOf(section) {
      return (section.getAttribute("data-platforms") || "").split(/\s+/).filter(Boolean);
    }

    function render() {
      var hash = location.hash.replace(/^#/, "");
      var answers = Q.parseFragment(rules, hash);
      var done = Q.answeredCount(rules, answers);
      var total = rules.questions.length;
      var frag = Q.fragment(rules, answers);
      var qhref = Q.siteHref("questionnaire/") + (frag ? "#" + frag : "");
      if (back) back.setAttribute("href", qhref);
      Q.clear(summary);
      var result = Q.evaluate(rules, answers);
      var complete = done > 0 && Q.complete(rules, answers);
      var w = complete ? result.winner : null;
      for (var i = 0; i < sections.length; i++) {
        sections[i].hidden = !!w && !showAll && platformsOf(sections[i]).indexOf(w) < 0;
      }
      if (complete && !w) {
        renderNone(qhref);
        return;
      }
      if (!w) {
        summary.appendChild(el("p", { className: "plan-waiting" }, done === 0
          ? parts("no_answers", { questionnaire: link(qhref, words("no_answers_link")) })
          : parts("some_answers", { done: done, total: total, finish: link(qhref, words("some_answers_link")) })));
        return;
      }
      var info = rules.platforms[w] || { name: w, href: "" };
      var box = el("div", { className: "plan-recommendation", data: { platform: w } });
      box.appendChild(el("p", { className: "recommendation-label", text: words("point_to") }));
      box.appendChild(el("p", { className: "recommendation-name" }, [link(info.href, info.name)]));
      if (result.close_call && result.runner_up) {
        box.appendChild(el("p", { className: "close-call" }, parts("close_call", {
          label: el("strong", { text: words("close_call_label") }),
          runner_up: Q.nameOf(rules, result.runner_up),
          runner_up_score: result.scores[result.runner_up],
          score: result.scores[w]
        })));
      }
      box.appendChild(el("p", null, parts("review", { review: link(qhref, words("review_link")) })));
      summary.appendChild(box);
      var actions = Q.outcome(rules, answers).follow_up;
      if (actions.length) {
        summary.appendChild(el("h2", { text: words("follow_up") }));
        summary.appendChild(Q.followUpList(rules, actions));
      }
      var shown = 0;
      for (var j = 0; j < sections.length; j++) if (!sections[j].hidden) shown++;
      var toggle = el("button", { type: "button", className: "button plan-toggle no-print", text: showAll ? words("show_platform", { platform: info.name }) : words("show_every") });
      toggle.addEventListener("click", function () {
        showAll = !showAll;
        render();
        var again = summary.querySelector(".plan-toggle");
        if (again) again.focus();
      });
      summary.appendChild(el("p", { className: "plan-note" }, showAll
        ? parts("showing_every", { toggle: toggle })
        : [Q.words.counted("plan_showing", { n: shown, platform: info.name }), " ", toggle]));
    }

    // The same outcome as the questionnaire's; every checklist stays shown.
    function renderNone(qhref) {
      var box = el("div", { className: "plan-recommendation", data: { platform: "none" } });
      box.appendChild(el("p", { className: "recommendation-label", text: words("point_to") }));
      box.appendChild(el("p", { className: "recommendation-name", text: words("no_platform") }));
      box.appendChild(el("p", null, parts("none_fits", { questionnaire: link(qhref, words("none_fits_link")) })));
      summary.appendChild(box);
      summary.appendChild(el("p", { className: "plan-note", text: words("every_until_fit") }));
    }

    window.addEventListener("hashchange", render);
    render();
  }

  Q.withRules(function (rules) {
    var page = document.querySelector(".plan-page");
    if (page) setupPlan(rules, page);
  });
})();

// "Your plan" (/plan/): narrows the page to the checklists of the platform that the answers in
// its address point to, with the follow-up actions. Built on evaluator.js, loaded before it.
(function () {
  "use strict";
  var Q = window.riskguideQuestionnaire;
  if (!Q) return;
  var el = Q.el, link = Q.link;

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
          ? ["Your plan is built from the answers in this page's address, and there are none yet. Answer the ", link(qhref, "questionnaire"), " and follow its link to your plan; until then every checklist is shown below."]
          : ["The address answers " + done + " of " + total + " questions. ", link(qhref, "Finish the questionnaire"), " to narrow this page to one platform; until then every checklist is shown below."]));
        return;
      }
      var info = rules.platforms[w] || { name: w, href: "" };
      var box = el("div", { className: "plan-recommendation", data: { platform: w } });
      box.appendChild(el("p", { className: "recommendation-label", text: "Your answers point to" }));
      box.appendChild(el("p", { className: "recommendation-name" }, [link(info.href, info.name)]));
      if (result.close_call && result.runner_up) {
        box.appendChild(el("p", { className: "close-call" }, [
          el("strong", { text: "Close call: " }),
          Q.nameOf(rules, result.runner_up) + " scored " + result.scores[result.runner_up] + " against " + result.scores[w] + ". The questionnaire shows what would tip it."
        ]));
      }
      box.appendChild(el("p", null, [link(qhref, "Review or change your answers"), " (the questionnaire opens with them filled in)."]));
      summary.appendChild(box);
      var actions = Q.outcome(rules, answers).follow_up;
      if (actions.length) {
        summary.appendChild(el("h2", { text: "Follow-up actions" }));
        summary.appendChild(Q.followUpList(rules, actions));
      }
      var shown = 0;
      for (var j = 0; j < sections.length; j++) if (!sections[j].hidden) shown++;
      var toggle = el("button", { type: "button", className: "button plan-toggle no-print", text: showAll ? "Show only the " + info.name + " checklists" : "Show every checklist" });
      toggle.addEventListener("click", function () {
        showAll = !showAll;
        render();
        var again = summary.querySelector(".plan-toggle");
        if (again) again.focus();
      });
      summary.appendChild(el("p", { className: "plan-note" }, [
        showAll ? "Showing every checklist. " : "Showing the " + shown + " " + (shown === 1 ? "checklist" : "checklists") + " for " + info.name + ". ", toggle
      ]));
    }

    // The same outcome as the questionnaire's; every checklist stays shown.
    function renderNone(qhref) {
      var box = el("div", { className: "plan-recommendation", data: { platform: "none" } });
      box.appendChild(el("p", { className: "recommendation-label", text: "Your answers point to" }));
      box.appendChild(el("p", { className: "recommendation-name", text: "No platform yet" }));
      box.appendChild(el("p", null, ["Your answers rule every platform out or leave each below the score it needs. ", link(qhref, "The questionnaire"), " shows what blocks each one and which single answers would let one fit."]));
      summary.appendChild(box);
      summary.appendChild(el("p", { className: "plan-note", text: "Every checklist is shown below until a platform fits." }));
    }

    window.addEventListener("hashchange", render);
    render();
  }

  Q.withRules(function (rules) {
    var page = document.querySelector(".plan-page");
    if (page) setupPlan(rules, page);
  });
})();

//! The questionnaire's one evaluator and the typed data around it: the rules the browser's
//! evaluator reads ([`Rules`]), the whole result of a set of answers ([`Outcome`], which the
//! browser's evaluator reproduces field for field) and `riskguide recommend`'s report
//! ([`Report`]). Shared by the build, `recommend`, `check`'s audit and the tests.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::Context;
use crate::model::{ChecklistId, Cost, Effect, LinkRef, Platform, Questionnaire, Resolved, Route, Site, routes};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

// ------------------------------------------------------------------ scoring

/// The questionnaire's scoring for a set of answers (one option index per question, or none yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub scores: BTreeMap<Platform, i64>,
    /// Excluded platforms with the (question, option) indexes that excluded them.
    pub excluded: BTreeMap<Platform, Vec<(usize, usize)>>,
    /// Platforms still in the running, best first (score, then tie-break order).
    pub ranking: Vec<Platform>,
    /// The first of the ranking, unless it scores below `min_score`: then no platform fits yet.
    pub recommended: Option<Platform>,
    pub close_call: bool,
}

impl Evaluation {
    pub fn winner(&self) -> Option<Platform> {
        self.recommended
    }
    /// The second of the ranking, when a platform is recommended.
    pub fn runner_up(&self) -> Option<Platform> {
        self.recommended.and_then(|_| self.ranking.get(1).copied())
    }
    /// True when the recommendation rests on the tie-break order alone.
    pub fn decided_by_tie_break(&self) -> bool {
        match (self.winner(), self.runner_up()) {
            (Some(w), Some(r)) => self.scores.get(&w) == self.scores.get(&r),
            _ => false,
        }
    }
}

/// Ranks the platforms left in the running and applies `min_score` and `close_call_gap`.
fn rank(
    q: &Questionnaire,
    scores: &BTreeMap<Platform, i64>,
    is_excluded: impl Fn(Platform) -> bool,
) -> (Vec<Platform>, Option<Platform>, bool) {
    let order = |p: &Platform| q.tie_break.iter().position(|t| t == p).unwrap_or(usize::MAX);
    let score = |p: &Platform| scores.get(p).copied().unwrap_or(0);
    let mut ranking: Vec<Platform> = q.all().into_iter().filter(|p| !is_excluded(*p)).collect();
    ranking.sort_by_key(|p| (std::cmp::Reverse(score(p)), order(p)));
    let recommended = ranking
        .first()
        .copied()
        .filter(|p| q.min_score.is_none_or(|min| score(p) >= min));
    let close_call = match (recommended, ranking.get(1)) {
        (Some(a), Some(b)) => score(&a).saturating_sub(score(b)) <= q.close_call_gap,
        _ => false,
    };
    (ranking, recommended, close_call)
}

/// Scores every platform: integer effects add up, an exclusion removes the platform whatever its
/// score; unanswered questions count as neutral.
pub fn evaluate(q: &Questionnaire, answers: &[Option<usize>]) -> Evaluation {
    let mut scores: BTreeMap<Platform, i64> = q.all().into_iter().map(|p| (p, 0)).collect();
    let mut excluded: BTreeMap<Platform, Vec<(usize, usize)>> = BTreeMap::new();
    for (qi, question) in q.questions.iter().enumerate() {
        let Some(oi) = answers.get(qi).copied().flatten() else {
            continue;
        };
        let Some(option) = question.options.get(oi) else {
            continue;
        };
        for (platform, effect) in &option.effects {
            match effect {
                Effect::Delta(n) => {
                    let score = scores.entry(*platform).or_insert(0);
                    *score = score.saturating_add(*n);
                }
                Effect::Exclude(_) => excluded.entry(*platform).or_default().push((qi, oi)),
            }
        }
    }
    let (ranking, recommended, close_call) = rank(q, &scores, |p| excluded.contains_key(&p));
    Evaluation {
        scores,
        excluded,
        ranking,
        recommended,
        close_call,
    }
}

/// One answer that, changed on its own, would give a different outcome (`None`: no platform fits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flip {
    pub question: usize,
    pub option: usize,
    pub platform: Option<Platform>,
}

/// Every single-answer change of an answered question that changes the outcome, in question then
/// option order. When no platform fits, these are the smallest changes that would let one fit.
pub fn flips(q: &Questionnaire, answers: &[Option<usize>]) -> Vec<Flip> {
    let base = evaluate(q, answers).winner();
    let mut out = Vec::new();
    let mut trial = answers.to_vec();
    trial.resize(q.questions.len(), None);
    for (qi, question) in q.questions.iter().enumerate() {
        let Some(current) = answers.get(qi).copied().flatten() else {
            continue;
        };
        for oi in (0..question.options.len()).filter(|oi| *oi != current) {
            trial[qi] = Some(oi);
            let winner = evaluate(q, &trial).winner();
            if winner != base {
                out.push(Flip {
                    question: qi,
                    option: oi,
                    platform: winner,
                });
            }
        }
        trial[qi] = Some(current);
    }
    out
}

/// Visits every combination of full answers (the cartesian product), in a fixed order.
pub fn for_each_combination(q: &Questionnaire, mut visit: impl FnMut(&[Option<usize>])) {
    let sizes: Vec<usize> = q.questions.iter().map(|qq| qq.options.len()).collect();
    if sizes.contains(&0) {
        return;
    }
    let mut current: Vec<usize> = vec![0; sizes.len()];
    let mut answers: Vec<Option<usize>> = current.iter().map(|i| Some(*i)).collect();
    loop {
        visit(&answers);
        let mut i = sizes.len();
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            current[i] += 1;
            if current[i] < sizes[i] {
                answers[i] = Some(current[i]);
                break;
            }
            current[i] = 0;
            answers[i] = Some(0);
        }
    }
}

// ------------------------------------------------------------------ the whole result

/// One effect that fired: the answer, the platform, the points (or `"exclude"`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    pub question: String,
    pub option: String,
    pub platform: Platform,
    pub effect: Effect,
    pub text: String,
}

/// An answer change and what it would lead to (`null`: no platform would fit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlipOutcome {
    pub question: String,
    pub option: String,
    pub platform: Option<Platform>,
}

/// A follow-up action of the recommended platform (or of every platform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub question: String,
    pub option: String,
    pub text: String,
    pub platform: Option<Platform>,
    pub fix_first: bool,
}

/// Everything a set of answers leads to. The browser's evaluator (`evaluator.js`, `outcome`)
/// builds the same object from the rules; the test vectors hold it whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The recommended platform, or `null` when none fits yet.
    pub platform: Option<Platform>,
    pub runner_up: Option<Platform>,
    /// Every platform's score; `null` for an excluded one.
    pub scores: BTreeMap<Platform, Option<i64>>,
    pub close_call: bool,
    /// Excluded platforms and the reasons that excluded them.
    pub excluded: BTreeMap<Platform, Vec<Fired>>,
    /// When no platform fits: per platform, what stands in the way (its exclusions, or the
    /// effects that took points from it).
    pub blockers: BTreeMap<Platform, Vec<Fired>>,
    /// Every effect that fired, in question order.
    pub reasons: Vec<Fired>,
    pub flips: Vec<FlipOutcome>,
    /// Actions for the recommended platform and for every platform: the `fix_first` ones first,
    /// each group in question order, every text and link once.
    pub follow_up: Vec<Action>,
    /// Questions without an answer; they counted as neutral.
    pub unanswered: Vec<String>,
}

/// The whole result of a set of answers.
pub fn outcome(q: &Questionnaire, answers: &[Option<usize>]) -> Outcome {
    let e = evaluate(q, answers);
    let winner = e.winner();
    let chosen = |qi: usize| {
        let question = q.questions.get(qi)?;
        let option = question.options.get(answers.get(qi).copied().flatten()?)?;
        Some((question, option))
    };
    let mut reasons = Vec::new();
    let mut fix_first = Vec::new();
    let mut others = Vec::new();
    let mut unanswered = Vec::new();
    for qi in 0..q.questions.len() {
        let Some((question, option)) = chosen(qi) else {
            unanswered.extend(q.questions.get(qi).map(|qq| qq.id.to_string()));
            continue;
        };
        for r in &option.reasons {
            if let Some(effect) = option.effects.get(&r.platform) {
                reasons.push(Fired {
                    question: question.id.to_string(),
                    option: option.id.to_string(),
                    platform: r.platform,
                    effect: *effect,
                    text: r.text.clone(),
                });
            }
        }
        for f in option
            .follow_up
            .iter()
            .filter(|f| f.platform.is_none() || f.platform == winner)
        {
            let key = (f.text.clone(), f.link.as_ref().map(|l| l.target.clone()));
            let action = Action {
                question: question.id.to_string(),
                option: option.id.to_string(),
                text: f.text.clone(),
                platform: f.platform,
                fix_first: f.fix_first,
            };
            if f.fix_first {
                fix_first.push((key, action));
            } else {
                others.push((key, action));
            }
        }
    }
    // Fix-first actions lead; an action asked for twice (same text and link) is listed once, in
    // its first place in that order.
    let mut seen = BTreeSet::new();
    let follow_up: Vec<Action> = fix_first
        .into_iter()
        .chain(others)
        .filter(|(key, _)| seen.insert(key.clone()))
        .map(|(_, action)| action)
        .collect();
    let excluded: BTreeMap<Platform, Vec<Fired>> = e
        .excluded
        .keys()
        .map(|p| {
            let list = reasons
                .iter()
                .filter(|r| r.platform == *p && r.effect.is_exclude())
                .cloned()
                .collect();
            (*p, list)
        })
        .collect();
    let blockers = if winner.is_some() {
        BTreeMap::new()
    } else {
        q.all()
            .iter()
            .map(|p| {
                let list: Vec<Fired> = match excluded.get(p) {
                    Some(list) => list.clone(),
                    None => reasons
                        .iter()
                        .filter(|r| r.platform == *p && matches!(r.effect, Effect::Delta(n) if n < 0))
                        .cloned()
                        .collect(),
                };
                (*p, list)
            })
            .collect()
    };
    let flips = flips(q, answers)
        .into_iter()
        .filter_map(|f| {
            let question = q.questions.get(f.question)?;
            Some(FlipOutcome {
                question: question.id.to_string(),
                option: question.options.get(f.option)?.id.to_string(),
                platform: f.platform,
            })
        })
        .collect();
    Outcome {
        platform: winner,
        runner_up: e.runner_up(),
        scores: q
            .all()
            .iter()
            .map(|p| {
                (
                    *p,
                    (!e.excluded.contains_key(p)).then(|| e.scores.get(p).copied().unwrap_or(0)),
                )
            })
            .collect(),
        close_call: e.close_call,
        excluded,
        blockers,
        reasons,
        flips,
        follow_up,
        unanswered,
    }
}

// ------------------------------------------------------------------ `recommend`'s report

/// A fired effect with the guide section behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportReason {
    #[serde(flatten)]
    pub fired: Fired,
    /// The site route, as written in `questionnaire.toml`.
    pub link: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportAction {
    #[serde(flatten)]
    pub action: Action,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportChecklist {
    pub id: ChecklistId,
    pub url: String,
}

/// `riskguide recommend --json`: the [`Outcome`] with names, links and costs (DESIGN §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub platform: Option<Platform>,
    pub name: Option<String>,
    pub runner_up: Option<Platform>,
    pub scores: BTreeMap<Platform, Option<i64>>,
    /// Monthly hosting cost ranges, in US dollars, where the guide gives them.
    pub costs: BTreeMap<Platform, Cost>,
    pub close_call: bool,
    pub excluded: BTreeMap<Platform, Vec<ReportReason>>,
    pub blockers: BTreeMap<Platform, Vec<ReportReason>>,
    pub reasons: Vec<ReportReason>,
    pub flips: Vec<FlipOutcome>,
    pub follow_up: Vec<ReportAction>,
    pub checklists: Vec<ReportChecklist>,
    pub unanswered: Vec<String>,
    pub share: String,
}

/// The report of a set of answers, with absolute URLs under `base_url`.
pub fn report(q: &Questionnaire, answers: &[Option<usize>], base_url: &str) -> Report {
    let o = outcome(q, answers);
    let url = |link: &str| format!("{}{}", base_url, link.trim_start_matches('/'));
    // The link behind a fired effect, found again by its answer and platform.
    let reason_link = |fired: &Fired| {
        q.questions
            .iter()
            .find(|qq| qq.id.as_str() == fired.question)
            .and_then(|qq| qq.options.iter().find(|op| op.id.as_str() == fired.option))
            .and_then(|op| op.reasons.iter().find(|r| r.platform == fired.platform))
            .map_or(String::new(), |r| r.link.target.clone())
    };
    let with_link = |fired: &Fired| {
        let link = reason_link(fired);
        ReportReason {
            url: url(&link),
            link,
            fired: fired.clone(),
        }
    };
    let list = |map: &BTreeMap<Platform, Vec<Fired>>| -> BTreeMap<Platform, Vec<ReportReason>> {
        map.iter()
            .map(|(p, l)| (*p, l.iter().map(with_link).collect()))
            .collect()
    };
    let follow_up = o
        .follow_up
        .iter()
        .map(|action| {
            let link = q
                .questions
                .iter()
                .find(|qq| qq.id.as_str() == action.question)
                .and_then(|qq| qq.options.iter().find(|op| op.id.as_str() == action.option))
                .and_then(|op| {
                    op.follow_up
                        .iter()
                        .find(|f| f.text == action.text && f.platform == action.platform)
                })
                .and_then(|f| f.link.as_ref().map(|l| l.target.clone()));
            ReportAction {
                action: action.clone(),
                link,
            }
        })
        .collect();
    let checklists = o
        .platform
        .and_then(|w| q.platform(w))
        .map(|info| {
            info.checklists
                .iter()
                .map(|c| ReportChecklist {
                    id: c.clone(),
                    url: url(&format!("{}{c}/", routes::CHECKLISTS)),
                })
                .collect()
        })
        .unwrap_or_default();
    Report {
        platform: o.platform,
        name: o.platform.map(|w| q.platform_name(w).to_string()),
        runner_up: o.runner_up,
        scores: o.scores.clone(),
        costs: q
            .platforms
            .iter()
            .filter_map(|p| p.cost.map(|c| (p.platform, c)))
            .collect(),
        close_call: o.close_call,
        excluded: list(&o.excluded),
        blockers: list(&o.blockers),
        reasons: o.reasons.iter().map(with_link).collect(),
        flips: o.flips.clone(),
        follow_up,
        checklists,
        unanswered: o.unanswered.clone(),
        share: format!("{}questionnaire/#{}", base_url, fragment(q, answers)),
    }
}

// ------------------------------------------------------------------ the audit

/// `riskguide check`'s audit: every platform can be recommended, so can "none fits yet" when a
/// `min_score` asks for it ([`reachable_outcomes`]), every persona gets its expected outcome,
/// and a persona whose result only the tie-break decides is a warning.
pub fn audit(q: &Questionnaire) -> Diagnostics {
    let mut problems = Diagnostics::new();
    let at = Location::at(&q.path, 1, 1);
    let reached = match reachable_outcomes(q) {
        Some(reached) => reached,
        None => {
            problems.push(
                Diagnostic::warning(
                    "W040",
                    at.clone(),
                    format!(
                        "the answers lead to more than {MAX_AUDIT_STATES} distinct score states; which outcomes can be reached was not audited"
                    ),
                )
                .with_help("fewer distinct effect values keep the audit exact"),
            );
            // Every outcome counts as reached, so no unfounded E060 follows.
            q.all().into_iter().map(Some).chain([None]).collect()
        }
    };
    for p in q.all() {
        if !reached.contains(&Some(p)) {
            problems.push(Diagnostic::error(
                "E060",
                at.clone(),
                format!("no set of answers recommends `{}`", p.id()),
            ));
        }
    }
    if q.min_score.is_some() && !reached.contains(&None) {
        problems.push(
            Diagnostic::error("E060", at.clone(), "no set of answers leads to \"none fits yet\"")
                .with_help("min_score is set, so some answers should leave no platform fitting"),
        );
    }
    let outcome_name = |p: Option<Platform>| p.map_or("none", Platform::id);
    for persona in &q.personas {
        let answers: Vec<Option<usize>> = persona.answers.iter().map(|a| Some(*a)).collect();
        let e = evaluate(q, &answers);
        if e.winner() != persona.expect {
            problems.push(Diagnostic::error(
                "E062",
                persona.location.clone(),
                format!(
                    "persona `{}` expects `{}` but the answers give `{}`",
                    persona.id,
                    outcome_name(persona.expect),
                    outcome_name(e.winner())
                ),
            ));
        } else if let (true, Some(w), Some(r)) = (e.decided_by_tie_break(), e.winner(), e.runner_up()) {
            problems.push(
                Diagnostic::warning(
                    "W041",
                    persona.location.clone(),
                    format!(
                        "persona `{}`: `{}` and `{}` both score {}; only the tie-break order picks `{}`",
                        persona.id,
                        w.id(),
                        r.id(),
                        e.scores.get(&w).copied().unwrap_or(0),
                        w.id()
                    ),
                )
                .with_help("an answer with a reason should decide it: adjust an effect or the persona's answers"),
            );
        }
    }
    problems
}

/// Every outcome some set of answers leads to (`None`: no platform fits). Exact without listing
/// every combination: answers are folded in one question at a time into the set of distinct
/// (scores, exclusions) states they can lead to, and each final state is ranked. Optional
/// questions may also stay unanswered.
/// `None` when the answers lead to more than [`MAX_AUDIT_STATES`] distinct states: a
/// questionnaire built to explode would otherwise hold them all in memory.
pub fn reachable_outcomes(q: &Questionnaire) -> Option<BTreeSet<Option<Platform>>> {
    let all = q.all();
    // Score vectors and exclusion masks are indexed by the declared order (at most six).
    let index = Platform::index;
    let mut states: HashSet<(Vec<i64>, u32)> = HashSet::from([(vec![0; all.len()], 0)]);
    for question in &q.questions {
        let mut next = HashSet::with_capacity(states.len() * 2);
        for (scores, mask) in &states {
            if question.optional {
                next.insert((scores.clone(), *mask));
            }
            for option in &question.options {
                let (mut s, mut m) = (scores.clone(), *mask);
                for (p, effect) in &option.effects {
                    match effect {
                        Effect::Delta(n) => s[index(*p)] = s[index(*p)].saturating_add(*n),
                        Effect::Exclude(_) => m |= 1 << index(*p),
                    }
                }
                next.insert((s, m));
                if next.len() > MAX_AUDIT_STATES {
                    return None;
                }
            }
        }
        states = next;
    }
    Some(
        states
            .iter()
            .map(|(scores, mask)| {
                let map: BTreeMap<Platform, i64> = all.iter().map(|p| (*p, scores[index(*p)])).collect();
                rank(q, &map, |p| mask & (1 << index(p)) != 0).1
            })
            .collect(),
    )
}

/// The most distinct (scores, exclusions) states the audit holds: the shipped questionnaire
/// needs a few thousand, and this many stay well inside the memory a build may use.
pub const MAX_AUDIT_STATES: usize = 200_000;

/// The URL fragment for a set of answers: `data=private&purpose=personal&…`.
pub fn fragment(q: &Questionnaire, answers: &[Option<usize>]) -> String {
    q.questions
        .iter()
        .zip(answers)
        .filter_map(|(question, a)| {
            a.and_then(|oi| question.options.get(oi))
                .map(|o| format!("{}={}", question.id, o.id))
        })
        .collect::<Vec<_>>()
        .join("&")
}

// ------------------------------------------------------------------ the browser's rules

/// The rules the browser's evaluator reads. Each page gets a trimmed copy ([`Rules::for_plan`],
/// [`Rules::for_questionnaire`]): fields left empty there are left out of its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub tie_break: Vec<Platform>,
    pub close_call_gap: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs_href: Option<String>,
    pub platforms: BTreeMap<Platform, PlatformRules>,
    pub questions: Vec<QuestionRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformRules {
    pub name: String,
    pub href: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklists: Vec<ChecklistRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistRules {
    pub id: ChecklistId,
    pub title: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionRules {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prompt: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    pub options: Vec<OptionRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionRules {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub effects: BTreeMap<Platform, Effect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<ReasonRules>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_up: Vec<FollowUpRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonRules {
    pub platform: Platform,
    pub text: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpRules {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// The checklist item, `checklist-id/item-id`: the plan page, which holds every checklist,
    /// links to the item on the page itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fix_first: bool,
}

impl Rules {
    /// What the plan page's script reads, kept small because the page also holds every
    /// checklist: scoring, platform names and links, follow-up actions (a checklist item's by
    /// its id alone: the item is on the page), and the labels only of answers it names (those
    /// behind a fix-first action). No prompts, reasons, costs or checklists.
    pub fn for_plan(&self) -> Rules {
        let mut plan = self.clone();
        plan.costs_href = None;
        for info in plan.platforms.values_mut() {
            info.checklists.clear();
            info.cost = None;
        }
        for question in &mut plan.questions {
            question.prompt.clear();
            for option in &mut question.options {
                option.reasons.clear();
                if !option.follow_up.iter().any(|f| f.fix_first) {
                    option.label.clear();
                }
                for f in &mut option.follow_up {
                    if f.item.is_some() {
                        f.href = None;
                    }
                }
            }
        }
        plan
    }

    /// What the questionnaire page's script reads: its form already shows every prompt and
    /// label (the script reads them there, by id), and a checklist item's link is its `href`,
    /// so neither is repeated in the page's JSON.
    pub fn for_questionnaire(&self) -> Rules {
        let mut page = self.clone();
        for question in &mut page.questions {
            question.prompt.clear();
            for option in &mut question.options {
                option.label.clear();
                for f in option.follow_up.iter_mut().filter(|f| f.href.is_some()) {
                    f.item = None;
                }
            }
        }
        page
    }
}

/// Each declared platform's `page` must be a page of the site, whether or not a questionnaire
/// links to it yet.
pub fn check_platform_pages(site: &Site, ctx: &Context) -> Diagnostics {
    let mut problems = Diagnostics::new();
    let root = Route::new("/");
    for page in site.platforms.iter().filter_map(|d| d.page.as_ref()) {
        match ctx.resolver.resolve(&root, &page.target) {
            Ok(Resolved::Internal { .. }) => {}
            Ok(_) => problems.push(
                Diagnostic::error(
                    "E042",
                    page.location.clone(),
                    "a platform's page must be a page of the site",
                )
                .with_help("write the route of the guide's section about it, e.g. /vps/"),
            ),
            Err(e) => problems.push(Diagnostic::error("E042", page.location.clone(), e.to_string())),
        }
    }
    problems
}

/// The rules for the browser, with every link made relative to `from`.
pub fn rules(
    q: &Questionnaire,
    from: &Route,
    ctx: &Context,
    checklist_titles: &BTreeMap<ChecklistId, (String, Route)>,
    diagnostics: &mut Diagnostics,
) -> Rules {
    let mut href = |link: &LinkRef| match ctx.resolver.href(from, &link.target) {
        Ok(h) => h,
        Err(e) => {
            diagnostics.push(Diagnostic::error("E042", link.location.clone(), e.to_string()));
            String::new()
        }
    };
    let platforms = q
        .platforms
        .iter()
        .map(|p| {
            let checklists = p
                .checklists
                .iter()
                .filter_map(|id| {
                    checklist_titles.get(id).map(|(title, route)| ChecklistRules {
                        id: id.clone(),
                        title: title.clone(),
                        href: from.relative_to(route.as_str().trim_start_matches('/')),
                    })
                })
                .collect();
            let info = PlatformRules {
                name: p.name.clone(),
                // Every platform of a questionnaire has a page; a broken one is reported by
                // [`check_platform_pages`].
                href: p
                    .page
                    .as_ref()
                    .and_then(|page| ctx.resolver.href(from, &page.target).ok())
                    .unwrap_or_default(),
                checklists,
                cost: p.cost,
            };
            (p.platform, info)
        })
        .collect();
    let questions = q
        .questions
        .iter()
        .map(|question| QuestionRules {
            id: question.id.to_string(),
            prompt: question.prompt.clone(),
            optional: question.optional,
            options: question
                .options
                .iter()
                .map(|o| OptionRules {
                    id: o.id.to_string(),
                    label: o.label.clone(),
                    effects: o.effects.clone(),
                    reasons: o
                        .reasons
                        .iter()
                        .map(|r| ReasonRules {
                            platform: r.platform,
                            text: r.text.clone(),
                            href: href(&r.link),
                        })
                        .collect(),
                    follow_up: o
                        .follow_up
                        .iter()
                        .map(|f| FollowUpRules {
                            text: f.text.clone(),
                            href: f.link.as_ref().map(&mut href),
                            item: f.item.clone(),
                            platform: f.platform,
                            fix_first: f.fix_first,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Rules {
        tie_break: q.tie_break.clone(),
        close_call_gap: q.close_call_gap,
        min_score: q.min_score,
        costs_href: q.costs_link.as_ref().map(&mut href),
        platforms,
        questions,
    }
}

//! Compile: checklists, the questionnaire and the sources of ratings → render-ready HTML
//! fragments and data; the checks of ratings that need the pages' headings.
//!
//! Holds the one questionnaire evaluator, shared by the build (its rules go to the browser as
//! JSON), `riskguide recommend` and `riskguide check`'s audit. Emits no page HTML around the
//! fragments (templates do that) and does no I/O.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, Context, escape_attr, escape_text};
use crate::model::{
    Basis, Checklist, ChecklistId, Effect, Level, LinkRef, Page, Platform, Questionnaire, Resolved, Risk, Route, Site,
    Source, SourceId, SourceKind, Table, merge_basis, routes,
};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The HTML of one checklist, ready for the interactive script and for print.
/// `own_page` gives items their bare ids as anchors; elsewhere they are prefixed by the checklist id.
pub fn checklist_html(
    list: &Checklist,
    from: &Route,
    ctx: &Context,
    own_page: bool,
    diagnostics: &mut Diagnostics,
) -> String {
    let cid = list.id.as_str();
    let anchor = |item: &str| {
        if own_page {
            item.to_string()
        } else {
            format!("{cid}--{item}")
        }
    };
    let total = list.items().count();
    let mut html = String::new();
    let _ = write!(
        html,
        "<section class=\"checklist\" data-checklist=\"{cid}\" aria-label=\"{title}\">\
<div class=\"checklist-bar\"><p class=\"progress-line\"><span class=\"progress-text\" data-progress=\"0/{total}\" role=\"status\" aria-live=\"polite\">0 of {total} done</span>\
<progress value=\"0\" max=\"{total}\" aria-hidden=\"true\"></progress></p>\
<div class=\"checklist-tools no-print\" hidden><button type=\"button\" data-action=\"print\">Print</button>\
<button type=\"button\" data-action=\"export\">Export progress</button>\
<label class=\"button\">Import progress<input type=\"file\" accept=\"application/json,.json\" data-action=\"import\" class=\"visually-hidden\"></label>\
<button type=\"button\" data-action=\"reset\">Reset</button></div>\
<p class=\"checklist-status\" role=\"alert\" hidden></p></div>",
        title = escape_attr(&list.title)
    );
    let intro = markdown::render_block(&list.intro, from, ctx, diagnostics);
    if !intro.is_empty() {
        let _ = write!(html, "<div class=\"checklist-intro\">{intro}</div>");
    }
    let list_tag = if list.ordered { "ol" } else { "ul" };
    let mut number = 0;
    for group in &list.groups {
        if list.groups.len() > 1 || !group.title.is_empty() {
            let _ = write!(html, "<h2 class=\"group-title\">{}</h2>", escape_text(&group.title));
        }
        let start = if list.ordered && number > 0 {
            format!(" start=\"{}\"", number + 1)
        } else {
            String::new()
        };
        let _ = write!(html, "<{list_tag} class=\"items\"{start}>");
        for item in &group.items {
            number += 1;
            let iid = item.id.as_str();
            let key = format!("{cid}/{iid}");
            let text = markdown::render_inline(&item.text, from, ctx, diagnostics);
            // The "not applicable" control is added by the script: without it, it could not work.
            let _ = write!(
                html,
                "<li class=\"item\" id=\"{a}\"><label class=\"item-label\"><input type=\"checkbox\" data-item-id=\"{key}\"><span>{text}</span></label>",
                a = anchor(iid)
            );
            if !item.platforms.is_empty() {
                let names: Vec<&str> = item.platforms.iter().map(|p| p.default_name()).collect();
                let _ = write!(html, "<p class=\"item-platforms\">Applies to: {}</p>", names.join(", "));
            }
            let detail = markdown::render_block(&item.detail, from, ctx, diagnostics);
            if !detail.is_empty() {
                let _ = write!(html, "<div class=\"item-detail\">{detail}</div>");
            }
            if !item.code.is_empty() {
                let code = ctx
                    .highlighter
                    .highlight("bash", &item.code)
                    .unwrap_or_else(|| escape_text(&item.code));
                let _ = write!(
                    html,
                    "<pre class=\"code\" data-lang=\"bash\" tabindex=\"0\"><code>{code}</code></pre>"
                );
            }
            if !item.steps.is_empty() {
                html.push_str("<ul class=\"steps\">");
                for step in &item.steps {
                    let stext = markdown::render_inline(&step.text, from, ctx, diagnostics);
                    let _ = write!(
                        html,
                        "<li><label><input type=\"checkbox\" data-item-id=\"{key}/{}\"><span>{stext}</span></label></li>",
                        step.id
                    );
                }
                html.push_str("</ul>");
            }
            html.push_str("</li>");
        }
        let _ = write!(html, "</{list_tag}>");
    }
    html.push_str("</section>\n");
    html
}

/// The anchors a checklist's own page offers: one per item.
pub fn checklist_anchors(list: &Checklist) -> impl Iterator<Item = String> + '_ {
    list.items().map(|i| i.id.as_str().to_string())
}

/// The questionnaire's outcome for a set of answers (one option index per question, or none yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub scores: BTreeMap<Platform, i64>,
    /// Excluded platforms with the (question, option) indexes that excluded them.
    pub excluded: BTreeMap<Platform, Vec<(usize, usize)>>,
    /// Platforms still in the running, best first (score, then tie-break order).
    pub ranking: Vec<Platform>,
    pub close_call: bool,
}

impl Evaluation {
    pub fn winner(&self) -> Option<Platform> {
        self.ranking.first().copied()
    }
    pub fn runner_up(&self) -> Option<Platform> {
        self.ranking.get(1).copied()
    }
}

/// Scores every platform: integer effects add up, an exclusion removes the platform whatever its score.
pub fn evaluate(q: &Questionnaire, answers: &[Option<usize>]) -> Evaluation {
    let mut scores: BTreeMap<Platform, i64> = Platform::ALL.iter().map(|p| (*p, 0)).collect();
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
                Effect::Delta(n) => *scores.entry(*platform).or_insert(0) += n,
                Effect::Exclude => excluded.entry(*platform).or_default().push((qi, oi)),
            }
        }
    }
    let order = |p: &Platform| q.tie_break.iter().position(|t| t == p).unwrap_or(usize::MAX);
    let mut ranking: Vec<Platform> = Platform::ALL
        .into_iter()
        .filter(|p| !excluded.contains_key(p))
        .collect();
    ranking.sort_by_key(|p| (-scores.get(p).copied().unwrap_or(0), order(p)));
    let close_call = match (ranking.first(), ranking.get(1)) {
        (Some(a), Some(b)) => scores[a] - scores[b] <= q.close_call_gap,
        _ => false,
    };
    Evaluation {
        scores,
        excluded,
        ranking,
        close_call,
    }
}

/// One answer that, changed on its own, would give a different recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    pub question: usize,
    pub option: usize,
    pub platform: Platform,
}

/// Every single-answer change that changes the winner, in question then option order.
pub fn flips(q: &Questionnaire, answers: &[Option<usize>]) -> Vec<Flip> {
    let base = evaluate(q, answers).winner();
    let mut out = Vec::new();
    let mut trial = answers.to_vec();
    trial.resize(q.questions.len(), None);
    for (qi, question) in q.questions.iter().enumerate() {
        let current = answers.get(qi).copied().flatten();
        for oi in 0..question.options.len() {
            if Some(oi) == current || current.is_none() {
                continue;
            }
            trial[qi] = Some(oi);
            let winner = evaluate(q, &trial).winner();
            if let Some(platform) = winner.filter(|w| Some(*w) != base) {
                out.push(Flip {
                    question: qi,
                    option: oi,
                    platform,
                });
            }
        }
        trial[qi] = current;
    }
    out
}

/// Visits every combination of answers (the full cartesian product), in a fixed order.
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

/// More combinations than this are not audited exhaustively.
pub const MAX_AUDITED_COMBINATIONS: u128 = 5_000_000;

/// `riskguide check`'s audit: every platform can win, no answer set excludes all three,
/// every option can matter, every persona gets its expected platform.
pub fn audit(q: &Questionnaire) -> Diagnostics {
    let mut problems = Diagnostics::new();
    let at = crate::diagnostics::Location::at(&q.path, 1, 1);
    let combinations: u128 = q.questions.iter().map(|qq| qq.options.len() as u128).product();
    if combinations > MAX_AUDITED_COMBINATIONS {
        problems.push(Diagnostic::warning(
            "W040",
            at.clone(),
            format!("{combinations} answer combinations: too many to audit them all"),
        ));
    } else {
        let mut wins: BTreeMap<Platform, u64> = BTreeMap::new();
        let mut none_left = 0u64;
        let mut example: Option<Vec<Option<usize>>> = None;
        for_each_combination(q, |answers| {
            let e = evaluate(q, answers);
            match e.winner() {
                Some(w) => *wins.entry(w).or_default() += 1,
                None => {
                    none_left += 1;
                    example.get_or_insert_with(|| answers.to_vec());
                }
            }
        });
        for p in Platform::ALL {
            if !wins.contains_key(&p) {
                problems.push(Diagnostic::error(
                    "E060",
                    at.clone(),
                    format!("no set of answers recommends `{}`", p.id()),
                ));
            }
        }
        if none_left > 0 {
            let shown = example.map(|a| fragment(q, &a)).unwrap_or_default();
            problems.push(
                Diagnostic::error(
                    "E061",
                    at.clone(),
                    format!("{none_left} answer combinations exclude every platform"),
                )
                .with_help(format!("for example #{shown}")),
            );
        }
    }
    for persona in &q.personas {
        let answers: Vec<Option<usize>> = persona.answers.iter().map(|a| Some(*a)).collect();
        let got = evaluate(q, &answers).winner();
        if got != Some(persona.expect) {
            problems.push(Diagnostic::error(
                "E062",
                persona.location.clone(),
                format!(
                    "persona `{}` expects `{}` but the answers recommend `{}`",
                    persona.id,
                    persona.expect.id(),
                    got.map_or("nothing", Platform::id)
                ),
            ));
        }
    }
    problems
}

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

/// The rules the browser's evaluator reads, with every link made relative to `from`.
pub fn questionnaire_json(
    q: &Questionnaire,
    from: &Route,
    ctx: &Context,
    checklist_titles: &BTreeMap<ChecklistId, (String, Route)>,
    diagnostics: &mut Diagnostics,
) -> Value {
    let mut href = |link: &LinkRef| match ctx.resolver.href(from, &link.target) {
        Ok(h) => h,
        Err(e) => {
            diagnostics.push(Diagnostic::error("E042", link.location.clone(), e.to_string()));
            String::new()
        }
    };
    let platforms: serde_json::Map<String, Value> = q
        .platforms
        .iter()
        .map(|p| {
            let lists: Vec<Value> = p
                .checklists
                .iter()
                .filter_map(|id| checklist_titles.get(id).map(|(title, route)| json!({"id": id, "title": title, "href": from.relative_to(route.as_str().trim_start_matches('/'))})))
                .collect();
            (p.platform.id().to_string(), json!({"name": p.name, "href": href(&p.page), "checklists": lists}))
        })
        .collect();
    let questions: Vec<Value> = q
        .questions
        .iter()
        .map(|question| {
            let options: Vec<Value> = question
                .options
                .iter()
                .map(|o| {
                    let effects: serde_json::Map<String, Value> = o
                        .effects
                        .iter()
                        .map(|(p, e)| (p.id().to_string(), match e { Effect::Delta(n) => json!(n), Effect::Exclude => json!("exclude") }))
                        .collect();
                    let reasons: Vec<Value> =
                        o.reasons.iter().map(|r| json!({"platform": r.platform, "text": r.text, "href": href(&r.link)})).collect();
                    let follow_up: Vec<Value> = o
                        .follow_up
                        .iter()
                        .map(|f| json!({"text": f.text, "href": f.link.as_ref().map(&mut href), "platform": f.platform}))
                        .collect();
                    json!({"id": o.id, "label": o.label, "effects": effects, "reasons": reasons, "follow_up": follow_up})
                })
                .collect();
            json!({"id": question.id, "prompt": question.prompt, "options": options})
        })
        .collect();
    let personas: Vec<Value> = q
        .personas
        .iter()
        .map(|p| {
            let answers: serde_json::Map<String, Value> = q
                .questions
                .iter()
                .zip(&p.answers)
                .filter_map(|(question, &a)| question.options.get(a).map(|o| (question.id.to_string(), json!(o.id))))
                .collect();
            json!({"id": p.id, "name": p.name, "summary": p.summary, "answers": answers, "expect": p.expect})
        })
        .collect();
    json!({
        "tie_break": q.tie_break,
        "close_call_gap": q.close_call_gap,
        "platforms": platforms,
        "questions": questions,
        "personas": personas,
    })
}

/// JSON made safe to sit inside `<script type="application/json">`: no `<`, `>` or `&` survive.
pub fn json_for_html(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The level a severity lead-in such as `**High.**` or `**Severity: critical.**` states, if
/// the bold words are one (`Some(Level::None)` for "Not rated …").
pub fn lead_in_level(words: &str) -> Option<Level> {
    let words = words.trim();
    let lower = words.to_ascii_lowercase();
    let rest = lower.strip_prefix("severity:").unwrap_or(&lower).trim();
    if rest.starts_with("not rated") {
        return Some(Level::None);
    }
    Level::parse(rest.trim_end_matches('.').trim()).filter(|l| *l != Level::None)
}

/// A heading's id and the bold words opening its first paragraph, with their offset.
type HeadingLead = (String, Option<(String, usize)>);

/// Whether some line of `markdown` opens with bold words that could be a level: a quick test
/// that spares the pages without one a second parse.
fn may_hold_lead_in(markdown: &str) -> bool {
    markdown.lines().any(|line| {
        line.trim_start().strip_prefix("**").is_some_and(|rest| {
            let start: String = rest.chars().take(9).collect::<String>().to_ascii_lowercase();
            ["severity", "critical", "high", "medium", "low", "not rated"]
                .iter()
                .any(|word| start.starts_with(word))
        })
    })
}

/// Checks what the model cannot see alone: each risk's page and anchor exist, and the severity
/// lead-ins under the headings it points to state its level. A lead-in under a heading no risk
/// points to is a rating without a basis.
pub fn check_ratings(site: &Site, ctx: &Context) -> Diagnostics {
    let mut problems = Diagnostics::new();
    let root = Route::new("/");
    // Route → (page, its headings with their lead-ins). Only a page with a bold paragraph
    // start can hold a lead-in, so the others (most pages of a big site) are not parsed again.
    let outlines: BTreeMap<&Route, (&Page, Vec<HeadingLead>)> = site
        .pages
        .par_iter()
        .filter(|page| may_hold_lead_in(page.body()))
        .map(|page| {
            let ids = markdown::outline(page.body()).into_iter().map(|h| h.id);
            let leads = markdown::heading_lead_ins(page.body());
            (&page.route, (page, ids.zip(leads).collect()))
        })
        .collect();
    let mut explained: BTreeSet<(Route, String)> = BTreeSet::new();
    for risk in &site.risks {
        for link in std::iter::once(&risk.page).chain(&risk.also) {
            let (route, anchor) = match ctx.resolver.resolve(&root, &link.target) {
                Ok(Resolved::Internal { route, anchor }) => (route, anchor),
                Ok(_) => {
                    problems.push(
                        Diagnostic::error(
                            "E042",
                            link.location.clone(),
                            "a risk's page must be a page of the site",
                        )
                        .with_help("write the route and anchor, e.g. /vps/risks/#public-gateway"),
                    );
                    continue;
                }
                Err(e) => {
                    problems.push(Diagnostic::error("E042", link.location.clone(), e.to_string()));
                    continue;
                }
            };
            let Some(anchor) = anchor else { continue };
            explained.insert((route.clone(), anchor.clone()));
            let Some((page, headings)) = outlines.get(&route) else {
                continue;
            };
            let Some((words, at)) = headings
                .iter()
                .find(|(id, _)| *id == anchor)
                .and_then(|(_, l)| l.as_ref())
            else {
                continue;
            };
            let Some(stated) = lead_in_level(words) else {
                continue;
            };
            let expected = match page.platforms[..] {
                [only] => risk.ratings.get(&only).map(|r| r.level),
                _ => None,
            }
            .unwrap_or_else(|| risk.worst());
            if stated != expected {
                problems.push(
                    Diagnostic::error(
                        "E047",
                        Location::of_offset(&page.source.path, &page.source.text, page.body_offset + at),
                        format!(
                            "lead-in `{}` differs from `{}`, the rating of risk `{}`",
                            words.escape_debug(),
                            expected.label(),
                            risk.id
                        ),
                    )
                    .with_help("write the level content/risks.toml gives, or change it there"),
                );
            }
        }
    }
    for (route, (page, headings)) in &outlines {
        for (id, lead) in headings {
            let Some((words, at)) = lead else { continue };
            if lead_in_level(words).is_some() && !explained.contains(&((*route).clone(), id.clone())) {
                problems.push(
                    Diagnostic::error(
                        "E045",
                        Location::of_offset(&page.source.path, &page.source.text, page.body_offset + at),
                        format!("the severity lead-in `{}` has no basis", words.escape_debug()),
                    )
                    .with_help(format!(
                        "add a risk to content/risks.toml with page = \"{}#{id}\", or drop the lead-in",
                        route
                    )),
                );
            }
        }
    }
    problems
}

/// What a page's ratings rest on: its severity's basis and that of every cell of the tables it
/// embeds.
pub fn page_basis<'a>(page: &Page, tables: impl IntoIterator<Item = &'a Table>) -> Vec<Basis> {
    let mut basis = page.basis.clone();
    for table in tables {
        for cell in table.rows.iter().flatten() {
            merge_basis(&mut basis, cell.basis());
        }
    }
    basis
}

/// One source as a list item: kind, title and what makes it checkable.
fn source_item(html: &mut String, source: &Source, id_prefix: &str) {
    let _ = write!(
        html,
        "<li id=\"{id_prefix}source-{id}\" value=\"{n}\"><span class=\"source-kind\">{kind}</span> ",
        id = escape_attr(source.id.as_str()),
        n = source.number,
        kind = source.kind.label()
    );
    let title = escape_text(&source.title);
    match source.kind {
        SourceKind::SourceSection => {
            let _ = write!(html, "<cite>{title}</cite>, section {}.", escape_text(&source.section));
        }
        SourceKind::Upstream => {
            let _ = write!(
                html,
                "<a href=\"{url}\"><cite>{title}</cite></a>",
                url = escape_attr(&source.url)
            );
            if let Some(date) = &source.checked {
                let _ = write!(html, ", checked <time datetime=\"{date}\">{date}</time>");
            }
            html.push('.');
        }
        SourceKind::Assessment => {
            let _ = write!(html, "<cite>{title}</cite>.");
        }
    }
    if !source.rationale.is_empty() {
        let _ = write!(html, " {}", escape_text(&source.rationale));
    }
}

/// The "Sources" list at the end of a page: every source its ratings rest on, numbered as
/// everywhere on the site, so the markers in its cells lead here.
pub fn sources_html(basis: &[Basis], site: &Site, from: &Route) -> String {
    if basis.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<section class=\"sources\" id=\"sources\" aria-labelledby=\"sources-title\"><h2 id=\"sources-title\">Sources</h2><ol class=\"source-list\">",
    );
    for b in basis {
        if let Some(source) = site.sources.get(b.number - 1) {
            source_item(&mut html, source, "");
            html.push_str("</li>");
        }
    }
    let _ = writeln!(
        html,
        "</ol><p class=\"sources-all\"><a href=\"{}\">Every source of the guide</a></p></section>",
        escape_attr(&from.relative_to(routes::SOURCES.trim_start_matches('/')))
    );
    html
}

/// A link from `from` to where `risk` is explained (its `page`, checked by [`check_ratings`]).
pub fn risk_href(risk: &Risk, from: &Route) -> String {
    let (path, anchor) = risk.page.target.split_once('#').unwrap_or((&risk.page.target, ""));
    let href = from.relative_to(Route::new(path).as_str().trim_start_matches('/'));
    if anchor.is_empty() {
        href
    } else {
        format!("{href}#{anchor}")
    }
}

/// The page of all sources: each with where it is used (pages, by title) and the risks it rates.
pub fn sources_page_html(site: &Site, from: &Route, used_on: &BTreeMap<SourceId, Vec<&Page>>) -> String {
    let mut html = String::from(
        "<p>Every level in this guide rests on one of these: a section of the source document, an upstream document with the date it was last read, or the guide's own assessment with its reason. A number in brackets beside a level leads to its source.</p><ol class=\"source-list source-index\">",
    );
    for source in &site.sources {
        source_item(&mut html, source, "");
        let pages = used_on.get(&source.id).map_or(&[][..], |p| &p[..]);
        let risks: Vec<&Risk> = site
            .risks
            .iter()
            .filter(|r| r.ratings.values().any(|rt| rt.basis.iter().any(|b| b.id == source.id)))
            .collect();
        if !pages.is_empty() {
            html.push_str("<br><span class=\"source-used\">Used on: ");
            for (i, page) in pages.iter().enumerate() {
                let _ = write!(
                    html,
                    "{sep}<a href=\"{href}#sources\">{title}</a>",
                    sep = if i == 0 { "" } else { ", " },
                    href = escape_attr(&from.relative_to(page.route.as_str().trim_start_matches('/'))),
                    title = escape_text(&page.title)
                );
            }
            html.push_str("</span>");
        }
        if !risks.is_empty() {
            html.push_str("<br><span class=\"source-used\">Rates: ");
            for (i, risk) in risks.iter().enumerate() {
                let _ = write!(
                    html,
                    "{sep}<a href=\"{href}\">{title}</a>",
                    sep = if i == 0 { "" } else { ", " },
                    href = escape_attr(&risk_href(risk, from)),
                    title = escape_text(&risk.title)
                );
            }
            html.push_str("</span>");
        }
        html.push_str("</li>");
    }
    html.push_str("</ol>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_html_cannot_close_the_script() {
        let v = json!({"t": "</script><script>alert(1)</script>&"});
        let s = json_for_html(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    }

    #[test]
    fn reads_the_level_a_lead_in_states() {
        assert_eq!(lead_in_level("Severity: critical."), Some(Level::Critical));
        assert_eq!(lead_in_level("High."), Some(Level::High));
        assert_eq!(lead_in_level("Medium"), Some(Level::Medium));
        assert_eq!(lead_in_level("Not rated by the source."), Some(Level::None));
        assert_eq!(lead_in_level("Not rated."), Some(Level::None));
        // Bold words that are not a level are not a lead-in.
        assert_eq!(lead_in_level("Analogy."), None);
        assert_eq!(lead_in_level("Low-medium."), None);
        assert_eq!(lead_in_level("none"), None);
    }

    #[test]
    fn only_pages_with_a_level_in_bold_are_parsed_for_lead_ins() {
        assert!(may_hold_lead_in("## A\n\n**High.** Words."));
        assert!(may_hold_lead_in("  **Severity: low.**"));
        assert!(may_hold_lead_in("**Not rated by the source.**"));
        assert!(!may_hold_lead_in("## A\n\n**Analogy.** Words, **high** later."));
    }
}

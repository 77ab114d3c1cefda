//! Compile: checklists, the questionnaire and the sources of ratings → render-ready HTML
//! fragments and data; the checks of ratings that need the pages' headings.
//!
//! Holds the one questionnaire evaluator, shared by the build (its rules go to the browser as
//! JSON), `riskguide recommend` and `riskguide check`'s audit. Emits no page HTML around the
//! fragments (templates do that) and does no I/O.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, Context, escape_text};
use crate::model::{
    Basis, Checklist, Level, Page, Platform, Resolved, Risk, Route, Site, Source, SourceId, SourceKind, Table,
    merge_basis, routes,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

mod questionnaire;
pub use questionnaire::*;

/// Where a checklist is shown, which decides its anchors and how much of each item it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistPlace {
    /// The checklist's own page: items take their bare ids as anchors.
    OwnPage,
    /// Inside another page (a guide page, the printable checklists): anchors are prefixed by
    /// the checklist id.
    Embedded,
    /// The plan, which holds every checklist at once: items without their details and commands,
    /// which stay on the checklist's own page, so the page stays light.
    Plan,
}

/// One checklist as data for `partials/checklist.html`; Markdown parts are HTML already.
#[derive(Debug, Serialize)]
pub struct ChecklistView {
    pub id: String,
    pub title: String,
    pub total: usize,
    /// The printable checklists, relative to the page.
    pub print_href: String,
    pub intro: String,
    pub ordered: bool,
    pub groups: Vec<ChecklistGroupView>,
}

#[derive(Debug, Serialize)]
pub struct ChecklistGroupView {
    /// Shown when the list has more than one group or this one has a title.
    pub title: Option<String>,
    /// The number of the group's first item, when an ordered list goes on from the last group.
    pub start: Option<usize>,
    pub items: Vec<ChecklistItemView>,
}

#[derive(Debug, Serialize)]
pub struct ChecklistItemView {
    pub anchor: String,
    /// `checklist/item`: where the script keeps the tick.
    pub key: String,
    pub text: String,
    /// The names of the platforms the item applies to, if not all.
    pub platforms: Vec<String>,
    pub detail: String,
    /// The command, highlighted.
    pub code: String,
    pub steps: Vec<ChecklistStepView>,
}

#[derive(Debug, Serialize)]
pub struct ChecklistStepView {
    pub key: String,
    pub text: String,
}

/// One checklist as data, its Markdown rendered, ready for the checklist partial.
pub fn checklist_view(
    list: &Checklist,
    from: &Route,
    ctx: &Context,
    place: ChecklistPlace,
    short_names: &dyn Fn(Platform) -> String,
    diagnostics: &mut Diagnostics,
) -> ChecklistView {
    let cid = list.id.as_str();
    let anchor = |item: &str| {
        if place == ChecklistPlace::OwnPage {
            item.to_string()
        } else {
            format!("{cid}--{item}")
        }
    };
    let mut number = 0;
    let groups = list
        .groups
        .iter()
        .map(|group| {
            let title = (list.groups.len() > 1 || !group.title.is_empty()).then(|| group.title.clone());
            let start = (list.ordered && number > 0).then_some(number + 1);
            let items = group
                .items
                .iter()
                .map(|item| {
                    number += 1;
                    let key = format!("{cid}/{}", item.id);
                    let brief = place == ChecklistPlace::Plan;
                    ChecklistItemView {
                        anchor: anchor(item.id.as_str()),
                        text: markdown::render_inline(&item.text, from, ctx, diagnostics),
                        platforms: item.platforms.iter().map(|p| short_names(*p)).collect(),
                        detail: if brief {
                            String::new()
                        } else {
                            markdown::render_block(&item.detail, from, ctx, diagnostics)
                        },
                        code: if brief || item.code.is_empty() {
                            String::new()
                        } else {
                            ctx.highlighter
                                .highlight("bash", &item.code)
                                .unwrap_or_else(|| escape_text(&item.code))
                        },
                        steps: item
                            .steps
                            .iter()
                            .map(|step| ChecklistStepView {
                                key: format!("{key}/{}", step.id),
                                text: markdown::render_inline(&step.text, from, ctx, diagnostics),
                            })
                            .collect(),
                        key,
                    }
                })
                .collect();
            ChecklistGroupView { title, start, items }
        })
        .collect();
    ChecklistView {
        id: cid.to_string(),
        title: list.title.clone(),
        total: list.items().count(),
        print_href: from.relative_to(crate::model::routes::PRINT_CHECKLISTS.trim_start_matches('/')),
        intro: markdown::render_block(&list.intro, from, ctx, diagnostics),
        ordered: list.ordered,
        groups,
    }
}

/// The anchors a checklist's own page offers: one per item.
pub fn checklist_anchors(list: &Checklist) -> impl Iterator<Item = String> + '_ {
    list.items().map(|i| i.id.as_str().to_string())
}

/// JSON made safe to sit inside `<script type="application/json">`: no `<`, `>` or `&` survive.
pub fn json_for_html<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
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
            let ids = markdown::outline(page.body(), ctx.reserved_ids)
                .into_iter()
                .map(|h| h.id);
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
                        .with_help("write the route and anchor, e.g. /risks/exposure/#what-happens"),
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

/// One source as data for `partials/source-item.html`: kind, title and what makes it
/// checkable.
#[derive(Debug, Serialize)]
pub struct SourceView {
    pub anchor: String,
    pub number: usize,
    /// `source_section`, `upstream` or `assessment`.
    pub kind: &'static str,
    pub title: String,
    pub section: String,
    pub url: String,
    pub checked: Option<String>,
    pub rationale: String,
    /// On the page of all sources: the pages it is used on and the risks it rates.
    pub used_on: Vec<LinkView>,
    pub rates: Vec<LinkView>,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub href: String,
    pub title: String,
}

fn source_view(source: &Source) -> SourceView {
    SourceView {
        anchor: format!("source-{}", source.id),
        number: source.number,
        kind: match source.kind {
            SourceKind::SourceSection => "source_section",
            SourceKind::Upstream => "upstream",
            SourceKind::Assessment => "assessment",
        },
        title: source.title.clone(),
        section: source.section.clone(),
        url: source.url.clone(),
        checked: source.checked.clone(),
        rationale: source.rationale.clone(),
        used_on: Vec::new(),
        rates: Vec::new(),
    }
}

/// The "Sources" list at the end of a page, for `partials/sources.html`: every source its
/// ratings rest on, numbered as everywhere on the site, so the markers in its cells lead here.
#[derive(Debug, Serialize)]
pub struct SourcesView {
    pub list: Vec<SourceView>,
    pub all_href: String,
}

/// The sources `basis` names, or `None` when there are none.
pub fn sources_view(basis: &[Basis], site: &Site, from: &Route) -> Option<SourcesView> {
    if basis.is_empty() {
        return None;
    }
    Some(SourcesView {
        list: basis
            .iter()
            .filter_map(|b| site.sources.get(b.number - 1))
            .map(source_view)
            .collect(),
        all_href: from.relative_to(routes::SOURCES.trim_start_matches('/')),
    })
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

/// The page of all sources, for `partials/source-index.html`: each with where it is used
/// (pages, by title) and the risks it rates.
pub fn source_index_view(site: &Site, from: &Route, used_on: &BTreeMap<SourceId, Vec<&Page>>) -> Vec<SourceView> {
    site.sources
        .iter()
        .map(|source| {
            let pages = used_on.get(&source.id).map_or(&[][..], |p| &p[..]);
            SourceView {
                used_on: pages
                    .iter()
                    .map(|page| LinkView {
                        href: from.relative_to(page.route.as_str().trim_start_matches('/')),
                        title: page.title.clone(),
                    })
                    .collect(),
                rates: site
                    .risks
                    .iter()
                    .filter(|r| r.ratings.values().any(|rt| rt.basis.iter().any(|b| b.id == source.id)))
                    .map(|risk| LinkView {
                        href: risk_href(risk, from),
                        title: risk.title.clone(),
                    })
                    .collect(),
                ..source_view(source)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_read_and_write_as_in_questionnaire_toml() {
        use crate::model::Effect;
        let effects: Vec<Effect> = serde_json::from_str(r#"[2, -1, "exclude"]"#).unwrap();
        assert_eq!(effects, [Effect::Delta(2), Effect::Delta(-1), Effect::EXCLUDE]);
        assert_eq!(serde_json::to_string(&effects).unwrap(), r#"[2,-1,"exclude"]"#);
        assert!(serde_json::from_str::<Effect>(r#""excluded""#).is_err());
    }

    #[test]
    fn json_for_html_cannot_close_the_script() {
        use serde_json::{Value, json};
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

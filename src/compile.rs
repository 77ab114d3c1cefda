//! Compile: checklists, the questionnaire and the sources of ratings → render-ready HTML
//! fragments and data; the checks of ratings that need the pages' headings.
//!
//! Holds the one questionnaire evaluator, shared by the build (its rules go to the browser as
//! JSON), `riskguide recommend` and `riskguide check`'s audit. Emits no page HTML around the
//! fragments (templates do that) and does no I/O.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, Context, escape_attr, escape_text};
use crate::model::{
    Basis, Checklist, Level, Page, Platform, Resolved, Risk, Route, Site, Source, SourceId, SourceKind, Table,
    merge_basis, routes,
};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

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

/// The HTML of one checklist, ready for the interactive script and for print.
pub fn checklist_html(
    list: &Checklist,
    from: &Route,
    ctx: &Context,
    place: ChecklistPlace,
    short_names: &dyn Fn(Platform) -> String,
    diagnostics: &mut Diagnostics,
) -> String {
    let cid = list.id.as_str();
    let anchor = |item: &str| {
        if place == ChecklistPlace::OwnPage {
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
<p class=\"checklist-status\" role=\"alert\" hidden></p>\
<p class=\"nojs-only nojs-note no-print\">JavaScript is off, so ticks here are not saved. \
Print this page or the <a href=\"{print}\">printable checklists</a> to work on paper.</p></div>",
        title = escape_attr(&list.title),
        print = from.relative_to(crate::model::routes::PRINT_CHECKLISTS.trim_start_matches('/'))
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
                let names: Vec<String> = item.platforms.iter().map(|p| escape_text(&short_names(*p))).collect();
                let _ = write!(html, "<p class=\"item-platforms\">Applies to: {}</p>", names.join(", "));
            }
            let detail = match place {
                ChecklistPlace::Plan => String::new(),
                _ => markdown::render_block(&item.detail, from, ctx, diagnostics),
            };
            if !detail.is_empty() {
                let _ = write!(html, "<div class=\"item-detail\">{detail}</div>");
            }
            if !item.code.is_empty() && place != ChecklistPlace::Plan {
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

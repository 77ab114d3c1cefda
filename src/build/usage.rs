//! What the pages use: the pages each source backs, the links leading out of the guide, and
//! the warnings for tables and checklists no page places or links.

use crate::build::pages::embedded_tables;
use crate::compile::{self};
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, Context, EmbedKind, Rendered};
use crate::model::{self, Page, Platform, Route, Site};
use std::collections::{BTreeMap, BTreeSet};

/// What the rendered pages use.
pub(crate) struct Usage<'a> {
    /// The pages each source backs.
    pub(crate) used_on: BTreeMap<model::SourceId, Vec<&'a Page>>,
    pub(crate) external_links: BTreeSet<String>,
}

/// What the pages use, with their problems and warnings for tables not embedded (W050) and
/// checklists not linked (W052).
pub(crate) fn check<'a>(
    site: &'a Site,
    rendered: &[Rendered],
    inner: &Context,
    problems: &mut Diagnostics,
) -> Usage<'a> {
    let names = |p: Platform| site.platform_name(p).to_string();
    let mut used_on: BTreeMap<model::SourceId, Vec<&Page>> = BTreeMap::new();
    for (page, r) in site.pages.iter().zip(rendered) {
        for b in compile::page_basis(page, embedded_tables(site, r)) {
            used_on.entry(b.id).or_default().push(page);
        }
    }
    let mut external_links = BTreeSet::new();
    let mut used_tables = BTreeSet::new();
    let mut linked: BTreeSet<&Route> = BTreeSet::new();
    for r in rendered {
        linked.extend(r.internal_links.iter());
        for (kind, id) in &r.embeds {
            if let Some(c) = site
                .checklists
                .values()
                .find(|c| *kind == EmbedKind::Checklist && c.id.as_str() == id)
            {
                linked.insert(&c.route);
            }
        }
        problems.extend(r.diagnostics.clone());
        external_links.extend(r.external_links.iter().cloned());
        used_tables.extend(
            r.embeds
                .iter()
                .filter(|(k, _)| *k == EmbedKind::Table)
                .map(|(_, id)| id.clone()),
        );
    }
    // A page that failed to load may be the one embedding a table: no "unused" guesses then.
    let all_pages_loaded = site.unchecked_routes.is_empty();
    for table in site.tables.values() {
        markdown::table_view(table, &Route::new("/"), inner, &names, problems);
        if all_pages_loaded && !used_tables.contains(table.id.as_str()) {
            problems.push(
                Diagnostic::warning(
                    "W050",
                    Location::file(&table.path),
                    format!("table `{}` is not embedded in any page", table.id),
                )
                .with_help(format!("place it with a fenced block: ```table\\n{}\\n```", table.id)),
            );
        }
    }
    for checklist in site.checklists.values() {
        let offered = site
            .questionnaire
            .as_ref()
            .is_some_and(|q| q.platforms.iter().any(|p| p.checklists.contains(&checklist.id)));
        if all_pages_loaded && !offered && !linked.contains(&checklist.route) {
            problems.push(
                Diagnostic::warning(
                    "W052",
                    Location::file(&checklist.path),
                    format!("checklist `{}` is not linked from any page", checklist.id),
                )
                .with_help(format!(
                    "link to /checklists/{}/ or embed it with a ```checklist block",
                    checklist.id
                )),
            );
        }
    }
    Usage {
        used_on,
        external_links,
    }
}

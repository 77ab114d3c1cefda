//! The content pages: their Markdown rendered batch by batch, their HTML kept until the
//! templates run, and the parts of their views (sources, embedded checklists, risk overview).

use crate::compile::{self};
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, EmbedKind, Rendered};
use crate::model::{self, Page, Platform, Route, Site};
use crate::output::Sink;
use crate::render::{self, Templates};
use crate::view::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Pages whose Markdown is rendered side by side before their search entries join the index.
pub(crate) const RENDER_BATCH: usize = 256;

/// Every page's own HTML, from its rendering until its template is applied. The search index,
/// which every page links by its fingerprint, needs every page rendered first, so the HTML
/// waits in an unnamed temporary file (the system's file cache, not this process's memory);
/// in memory only when no temporary file can be made.
pub(crate) struct PageHtml {
    file: Option<Mutex<std::fs::File>>,
    /// False once a write failed (a full disk): later pages stay in memory.
    writable: bool,
    written: u64,
    /// Each page's place in the file, or its HTML itself.
    pages: Vec<Kept>,
}

pub(crate) enum Kept {
    InFile { at: u64, len: usize },
    InMemory(String),
}

impl PageHtml {
    pub(crate) fn new(pages: usize) -> Self {
        PageHtml {
            file: tempfile::tempfile().ok().map(Mutex::new),
            writable: true,
            written: 0,
            pages: Vec::with_capacity(pages),
        }
    }

    /// Keeps the next page's HTML.
    pub(crate) fn keep(&mut self, html: String) {
        use std::io::Write as _;
        if let Some(file) = self.file.as_ref().filter(|_| self.writable) {
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            if file.write_all(html.as_bytes()).is_ok() {
                self.pages.push(Kept::InFile {
                    at: self.written,
                    len: html.len(),
                });
                self.written += html.len() as u64;
                return;
            }
        }
        // A full disk: this page and the rest stay in memory; the file's tail is never read.
        self.writable = false;
        self.pages.push(Kept::InMemory(html));
    }

    /// The HTML of page `i`, or E090 at the page's output when the file cannot be read back.
    pub(crate) fn get(&self, i: usize, output: &str) -> Result<String, Diagnostic> {
        use std::io::{Read as _, Seek as _, SeekFrom};
        match &self.pages[i] {
            Kept::InMemory(html) => Ok(html.clone()),
            Kept::InFile { at, len } => {
                let mut bytes = vec![0; *len];
                let read = self.file.as_ref().is_some_and(|file| {
                    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                    file.seek(SeekFrom::Start(*at)).is_ok() && file.read_exact(&mut bytes).is_ok()
                });
                let unreadable = || {
                    Diagnostic::error(
                        "E090",
                        Location::file(output),
                        "the page's rendered HTML could not be read back from its temporary file",
                    )
                };
                if !read {
                    return Err(unreadable());
                }
                String::from_utf8(bytes).map_err(|_| unreadable())
            }
        }
    }
}

/// The ids of the checklists embedded in rendered documents, sorted, each once.
pub(crate) fn embedded_checklists<'a>(rendered: impl IntoIterator<Item = &'a Rendered>) -> Vec<String> {
    let ids: BTreeSet<&String> = rendered
        .into_iter()
        .flat_map(|r| &r.embeds)
        .filter(|(kind, _)| *kind == EmbedKind::Checklist)
        .map(|(_, id)| id)
        .collect();
    ids.into_iter().cloned().collect()
}

/// A checklist's markup: its data from `compile`, written by the site's checklist partial.
pub(crate) fn checklist_markup(
    templates: Option<&Templates>,
    list: &compile::ChecklistView,
    problems: &mut Diagnostics,
) -> String {
    partial_markup(templates, "partials/checklist.html", "checklist", list, problems)
}

/// The markup the partial `name` writes for `data`, seen as `var` (nothing without templates).
pub(crate) fn partial_markup<S: serde::Serialize>(
    templates: Option<&Templates>,
    name: &str,
    var: &str,
    data: &S,
    problems: &mut Diagnostics,
) -> String {
    match templates.map(|t| t.partial(name, var, data)) {
        Some(Ok(html)) => html,
        Some(Err(problem)) => {
            problems.push(problem);
            String::new()
        }
        None => String::new(),
    }
}

/// The page's "Sources" list: what its severity and the cells of its tables rest on.
pub(crate) fn page_sources(site: &Site, page: &Page, rendered: &Rendered, templates: Option<&Templates>) -> String {
    let basis = compile::page_basis(page, embedded_tables(site, rendered));
    match (compile::sources_view(&basis, site, &page.route), templates) {
        (Some(sources), Some(t)) => t
            .partial("partials/sources.html", "sources", &sources)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The tables a rendered page embeds.
pub(crate) fn embedded_tables<'a>(
    site: &'a Site,
    rendered: &'a Rendered,
) -> impl Iterator<Item = &'a model::Table> + 'a {
    rendered
        .embeds
        .iter()
        .filter(|(kind, _)| *kind == EmbedKind::Table)
        .filter_map(|(_, id)| site.tables.values().find(|t| t.id.as_str() == id))
}

/// The registry's risks for the home page, worst first and then in guide order (the order of
/// their pages, then of their headings), and how many there are at each worst level.
pub(crate) fn risk_overview(
    site: &Site,
    from: &Route,
    names: &dyn Fn(Platform) -> String,
    reserved_ids: &BTreeSet<String>,
) -> (Vec<RiskCardView>, Vec<RiskCountView>) {
    // Each page's heading ids, parsed once however many risks point into it.
    let mut outlines: HashMap<usize, Vec<String>> = HashMap::new();
    let mut position = |risk: &model::Risk| -> (usize, usize) {
        let (path, anchor) = risk.page.target.split_once('#').unwrap_or((&risk.page.target, ""));
        let route = Route::new(path);
        site.pages
            .iter()
            .position(|p| p.route == route)
            .map_or((usize::MAX, 0), |i| {
                let ids = outlines.entry(i).or_insert_with(|| {
                    markdown::outline(site.pages[i].body(), reserved_ids)
                        .into_iter()
                        .map(|h| h.id)
                        .collect()
                });
                let heading = ids.iter().position(|id| id == anchor).map_or(0, |h| h + 1);
                (i, heading)
            })
    };
    let mut risks: Vec<(model::Level, (usize, usize), usize, &model::Risk)> = site
        .risks
        .iter()
        .enumerate()
        .map(|(n, r)| (r.worst(), position(r), n, r))
        .collect();
    risks.sort_by_key(|(level, at, n, _)| (*level, *at, *n));
    let cards = risks
        .iter()
        .map(|(level, _, _, risk)| RiskCardView {
            title: risk.title.clone(),
            href: compile::risk_href(risk, from),
            summary: risk.summary.clone(),
            severity: LevelView::from(*level),
            platforms: risk
                .ratings
                .iter()
                .map(|(p, r)| PlatformRatingView {
                    id: p.id(),
                    name: names(*p),
                    level: LevelView::from(r.level),
                })
                .collect(),
        })
        .collect();
    let mut counts: Vec<RiskCountView> = Vec::new();
    for (level, ..) in &risks {
        match counts.last_mut() {
            Some(last) if last.level.id == level.id() => last.count += 1,
            _ => counts.push(RiskCountView {
                level: LevelView::from(*level),
                count: 1,
            }),
        }
    }
    (cards, counts)
}

/// The page's HTML, or E091 when it would hold an id twice (content standing in for an element
/// of the templates or scripts, or two elements of the templates). Placed in the page's
/// source file where the id first appears there, else at the page itself.
pub(crate) fn unique_ids(html: Vec<u8>, page: &str, source: Option<(&str, &str)>) -> Result<Vec<u8>, Diagnostic> {
    let Some(id) = std::str::from_utf8(&html).ok().and_then(render::duplicate_id) else {
        return Ok(html);
    };
    let location = match source {
        Some((path, text)) => text
            .find(id)
            .map_or_else(|| Location::file(path), |at| Location::of_offset(path, text, at)),
        None => Location::file(page),
    };
    Err(Diagnostic::error(
        "E091",
        location,
        format!("`{page}` would hold the id `{}` twice", id.escape_debug()),
    )
    .with_help("every id of a page must be unique; rename the heading, footnote or template element"))
}

pub(crate) fn put_file(sink: &dyn Sink, path: String, bytes: Vec<u8>) -> Option<Diagnostic> {
    let location = Location::file(&path);
    sink.put(path, bytes)
        .err()
        .map(|message| Diagnostic::error("E090", location, message))
}

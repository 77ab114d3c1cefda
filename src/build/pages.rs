//! The content pages: their Markdown rendered batch by batch, their HTML kept until the
//! templates run, and the parts of their views (sources, embedded checklists, risk overview).

use crate::build::chrome::Chrome;
use crate::compile::{self, ChecklistPlace};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::markdown::{self, Context, EmbedKind, Rendered, Source};
use crate::model::{self, Page, Platform, Route, Site};
use crate::output::Sink;
use crate::render::{self, Prepared, Templates};
use crate::search::{self, SearchPage};
use crate::view::*;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
                    let page = &site.pages[i];
                    let text = file_text(site, page);
                    markdown::outline(text.get(page.body_offset..).unwrap_or(""), reserved_ids)
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
/// source file where the id first appears there, else at the page itself; `source` (its path
/// and text) is asked for only then, since a page's text may have to be read again.
pub(crate) fn unique_ids<'s>(
    html: Vec<u8>,
    page: &str,
    source: impl FnOnce() -> Option<(&'s str, Cow<'s, str>)>,
) -> Result<Vec<u8>, Diagnostic> {
    let Some(id) = std::str::from_utf8(&html).ok().and_then(render::duplicate_id) else {
        return Ok(html);
    };
    let source = source();
    Err(duplicate_id_error(
        page,
        id,
        source.as_ref().map(|(path, text)| (*path, text.as_ref())),
    ))
}

/// E091: `page` would hold the id `id` twice; located in the page's source when it has one.
fn duplicate_id_error(page: &str, id: &str, source: Option<(&str, &str)>) -> Diagnostic {
    let location = match source {
        Some((path, text)) => text
            .find(id)
            .map_or_else(|| Location::file(path), |at| Location::of_offset(path, text, at)),
        None => Location::file(page),
    };
    Diagnostic::error(
        "E091",
        location,
        format!("`{page}` would hold the id `{}` twice", id.escape_debug()),
    )
    .with_help("every id of a page must be unique; rename the heading, footnote or template element")
}

/// Writes a page given in pieces (see [`Sink::put_pieces`]).
pub(crate) fn put_file_pieces(
    sink: &dyn Sink,
    path: String,
    pieces: &mut dyn Iterator<Item = Vec<u8>>,
) -> Option<Diagnostic> {
    let location = Location::file(&path);
    sink.put_pieces(path, pieces)
        .err()
        .map(|message| Diagnostic::error("E090", location, message))
}

/// The ids of a page written in pieces, each piece ending between tags: E091 at the first id
/// given twice, as [`unique_ids`] reports it for a page written whole.
#[derive(Default)]
pub(crate) struct IdCheck {
    seen: std::collections::HashSet<String>,
}

impl IdCheck {
    /// The next piece of the page, or E091 when it gives an id the page already has.
    pub(crate) fn check(&mut self, piece: Vec<u8>, page: &str) -> Result<Vec<u8>, Diagnostic> {
        let text = String::from_utf8_lossy(&piece);
        let seen = &mut self.seen;
        let repeated = render::repeated_id(&text, |id| !seen.contains(id) && seen.insert(id.to_string()));
        match repeated {
            None => Ok(piece),
            Some(id) => Err(duplicate_id_error(page, id, None)),
        }
    }
}

pub(crate) fn put_file(sink: &dyn Sink, path: String, bytes: Vec<u8>) -> Option<Diagnostic> {
    let location = Location::file(&path);
    sink.put(path, bytes)
        .err()
        .map(|message| Diagnostic::error("E090", location, message))
}

/// An embedded table or checklist written for the page at `from`; empty for an id whose
/// file failed to load (reported there).
pub(crate) fn embed_html(
    site: &Site,
    templates: Option<&Templates>,
    inner: &Context,
    kind: EmbedKind,
    id: &str,
    from: &Route,
) -> Option<String> {
    let names = |p: Platform| site.platform_name(p).to_string();
    let short_names = |p: Platform| site.platform_short(p).to_string();
    let mut ignored = Diagnostics::new();
    if site.broken_ids.contains(id) {
        return Some(String::new());
    }
    match kind {
        EmbedKind::Table => site.tables.iter().find(|(k, _)| k.as_str() == id).map(|(_, t)| {
            let table = markdown::table_view(t, from, inner, &names, &mut ignored);
            partial_markup(templates, "partials/table.html", "table", &table, &mut ignored)
        }),
        EmbedKind::Checklist => site.checklists.iter().find(|(k, _)| k.as_str() == id).map(|(_, c)| {
            let list = compile::checklist_view(c, from, inner, ChecklistPlace::Embedded, &short_names, &mut ignored);
            checklist_markup(templates, &list, &mut ignored)
        }),
    }
}

/// Every page's file text taken out of the site, in page order, so that rendering can let
/// each go as soon as its page is rendered: a big site's sources are never all held while
/// the results of rendering grow. Later readers of a page's text read its file again
/// ([`file_text`]).
pub(crate) fn take_texts(pages: &mut [Page]) -> Vec<String> {
    pages
        .iter_mut()
        .map(|page| std::mem::take(&mut page.source.text))
        .collect()
}

/// A page's file text: as loaded, or read from its file again once rendering let it go (a
/// page's file is never empty: it starts with its front matter). Empty when the file can no
/// longer be read; the text only places diagnostics and orders the home page's risks.
pub(crate) fn file_text<'a>(site: &Site, page: &'a Page) -> Cow<'a, str> {
    if !page.source.text.is_empty() {
        return Cow::Borrowed(&page.source.text);
    }
    let root = &site.config.root;
    Cow::Owned(crate::discover::read_text(root, &root.join(&page.source.path)).unwrap_or_default())
}

/// Every page's Markdown rendered: its details, its HTML kept aside, and the search index
/// when the site has search. A big site's search page texts go to `sink` as they are made (a
/// failed build's output is discarded whole, so writing before the checks is safe).
///
/// `texts` are the pages' file texts taken out of the site ([`take_texts`]), each dropped
/// once its page is rendered; without them the texts held by the site are read.
pub(crate) fn render(
    config: &Config,
    site: &Site,
    mut texts: Option<Vec<String>>,
    ctx: &Context,
    sink: &dyn Sink,
    problems: &mut Diagnostics,
) -> (Vec<Rendered>, PageHtml, Option<search::IndexBuilder>) {
    // Pages are rendered a batch at a time, and each batch's results (its HTML, what later
    // steps need, its search words) are folded in, in page order, while the next batch renders:
    // folding is serial and would otherwise leave a core idle between batches. Batch b is folded
    // in before batch b + 2 starts, so at most two batches' results are held.
    let mut kept = RenderedSoFar {
        rendered: Vec::with_capacity(site.pages.len()),
        page_html: PageHtml::new(site.pages.len()),
        index: config.search.then(search::IndexBuilder::default),
    };
    let mut done = Vec::new();
    for (b, batch) in site.pages.chunks(RENDER_BATCH).enumerate() {
        let start = b * RENDER_BATCH;
        // This batch's texts, dropped with it.
        let taken: Vec<String> = texts
            .as_mut()
            .and_then(|t| t.get_mut(start..start + batch.len()))
            .map(|t| t.iter_mut().map(std::mem::take).collect())
            .unwrap_or_default();
        let previous = std::mem::take(&mut done);
        (done, ()) = rayon::join(
            || render_batch(config, batch, &taken, ctx),
            || kept.fold(previous, sink, problems),
        );
    }
    kept.fold(done, sink, problems);
    let RenderedSoFar {
        rendered,
        page_html,
        index,
    } = kept;
    (rendered, page_html, index)
}

/// A batch of pages rendered, each with its search entry when the site has search; a page
/// whose text was not taken out of the site reads the site's.
fn render_batch(
    config: &Config,
    batch: &[Page],
    taken: &[String],
    ctx: &Context,
) -> Vec<(Rendered, Option<SearchPage>)> {
    batch
        .par_iter()
        .enumerate()
        .map(|(k, page)| {
            let text = taken.get(k).unwrap_or(&page.source.text);
            let source = Source {
                path: &page.source.path,
                file_text: text,
                offset: page.body_offset,
                markdown: text.get(page.body_offset..).unwrap_or(""),
            };
            let mut own = markdown::render(&source, &page.route, ctx);
            let entry = config
                .search
                .then(|| SearchPage::new(page, &std::mem::take(&mut own.search)));
            (own, entry)
        })
        .collect()
}

/// What rendering keeps of the pages rendered so far, in page order.
struct RenderedSoFar {
    rendered: Vec<Rendered>,
    page_html: PageHtml,
    index: Option<search::IndexBuilder>,
}

impl RenderedSoFar {
    /// Takes in the next rendered batch: its HTML to wait for the templates, what else the
    /// later steps need, its search words into the index and its page texts out to `sink`.
    fn fold(&mut self, done: Vec<(Rendered, Option<SearchPage>)>, sink: &dyn Sink, problems: &mut Diagnostics) {
        for (mut own, entry) in done {
            self.page_html.keep(std::mem::take(&mut own.html));
            self.rendered.push(compact(own));
            if let (Some(index), Some(entry)) = (&mut self.index, entry) {
                index.add(entry);
            }
        }
        for (path, bytes) in self.index.iter_mut().flat_map(search::IndexBuilder::take_files) {
            problems.extend(put_file(sink, path, bytes));
        }
    }
}

/// What rendering a page leaves for the later steps, copied into allocations of their exact
/// size once the batch's scratch memory is freed: what every page keeps until its template
/// runs then sits packed together instead of scattered among the holes its rendering left.
fn compact(own: Rendered) -> Rendered {
    let Rendered {
        html,
        toc,
        search,
        external_links,
        internal_links,
        embeds,
        diagnostics,
    } = own;
    Rendered {
        html,
        toc: toc
            .iter()
            .map(|h| markdown::Heading {
                level: h.level,
                id: h.id.as_str().into(),
                text: h.text.as_str().into(),
            })
            .collect(),
        search,
        external_links: external_links.iter().map(|l| l.as_str().into()).collect(),
        internal_links: internal_links.iter().cloned().collect(),
        embeds: embeds.iter().cloned().collect(),
        diagnostics,
    }
}

/// Lets go of what the pages' rendering kept for the checks across pages (their links and
/// problems), once those checks ran: only what their templates need stays until they are
/// written.
pub(crate) fn after_checks(rendered: &mut [Rendered]) {
    for r in rendered {
        r.external_links = Vec::new();
        r.internal_links = BTreeSet::new();
        r.diagnostics = Diagnostics::new();
    }
}

/// Each checklist's own page's markup, by checklist id.
pub(crate) fn checklist_pages(
    site: &Site,
    templates: Option<&Templates>,
    inner: &Context,
    problems: &mut Diagnostics,
) -> BTreeMap<model::ChecklistId, String> {
    let short_names = |p: Platform| site.platform_short(p).to_string();
    site.checklists
        .values()
        .map(|c| {
            (c.id.clone(), {
                let list = compile::checklist_view(c, &c.route, inner, ChecklistPlace::OwnPage, &short_names, problems);
                checklist_markup(templates, &list, problems)
            })
        })
        .collect()
}

/// A content page's view, complete but for its own HTML and sidebar, which are moved in as
/// prepared parts when its template runs.
fn content_page(site: &Site, i: usize, r: &Rendered, chrome: &Chrome, templates: &Templates) -> ContentPage {
    let page = &site.pages[i];
    let short_names = |p: Platform| site.platform_short(p).to_string();
    let embedded = embedded_checklists([r]);
    let kind = if page.route.as_str() == "/" { "home" } else { "page" };
    ContentPage {
        core: chrome.bare_core(kind, &page.route, &page.title, &page.description, !embedded.is_empty()),
        sources_html: page_sources(site, page, r, Some(templates)),
        toc: r.toc.clone(),
        severity: page.severity.map(LevelView::from),
        severity_basis: match page.severity {
            Some(_) => partial_markup(
                Some(templates),
                "partials/basis.html",
                "basis",
                &markdown::basis_view(&page.basis),
                &mut Diagnostics::new(),
            ),
            None => String::new(),
        },
        reviewed: page.reviewed.clone(),
        platforms: page
            .platforms
            .iter()
            .map(|p| PlatformView::new(*p, &short_names(*p)))
            .collect(),
        section: page
            .section
            .as_ref()
            .and_then(|s| chrome.page_at(&Route::new(s)))
            .filter(|p| p.route != page.route)
            .map(|p| chrome.link(p, &page.route)),
        prev: i
            .checked_sub(1)
            .and_then(|j| site.pages.get(j))
            .map(|p| chrome.link(p, &page.route)),
        next: site.pages.get(i + 1).map(|p| chrome.link(p, &page.route)),
        embedded_checklists: embedded,
    }
}

/// Writes every content page, its view built and rendered on a worker thread and dropped
/// right away, so the views of a big site never sit in memory all at once.
pub(crate) fn write(
    site: &Site,
    rendered: &[Rendered],
    page_html: &PageHtml,
    chrome: &Chrome,
    templates: &Templates,
    reserved_ids: &BTreeSet<String>,
    sink: &dyn Sink,
) -> Vec<Option<Diagnostic>> {
    site.pages
        .par_iter()
        .zip(rendered)
        .enumerate()
        .map(|(i, (page, r))| {
            let path = page.route.output_path();
            let html = match page_html.get(i, &path) {
                Ok(html) => html,
                Err(d) => return Some(d),
            };
            // `page_file` has checked the page's ids.
            put_checked(sink, path, page_file(site, i, r, html, chrome, templates, reserved_ids))
        })
        .collect()
}

/// The `i`th content page written with its template, from its rendered Markdown `r` and its
/// own HTML.
pub(crate) fn page_file(
    site: &Site,
    i: usize,
    r: &Rendered,
    html: String,
    chrome: &Chrome,
    templates: &Templates,
    reserved_ids: &BTreeSet<String>,
) -> Result<Vec<u8>, Diagnostic> {
    let short_names = |p: Platform| site.platform_short(p).to_string();
    let page = &site.pages[i];
    let content = content_page(site, i, r, chrome, templates);
    let view = if content.core.kind == "home" {
        let (risks, risk_counts) = risk_overview(site, &page.route, &short_names, reserved_ids);
        PageView::Home(Home {
            page: content,
            risks,
            risk_counts,
            checklists: chrome.checklist_views(&page.route, None),
        })
    } else {
        PageView::Content(content)
    };
    let (nav_html, nav) = chrome.page_nav(&page.route);
    let path = page.route.output_path();
    // The chrome around a page's own HTML and its sidebar is some kilobytes.
    let expected_len = html.len() + nav_html.len() + 8 * 1024;
    let parts = vec![
        ("html", Prepared::html(html)),
        ("nav_html", Prepared::html(nav_html)),
        ("nav", nav),
    ];
    let html = templates.render_with(&view, &chrome.shared(&page.route), parts, expected_len)?;
    unique_ids(html, &path, || Some((page.source.path.as_str(), file_text(site, page))))
}

/// Puts a page's HTML into the sink after checking its ids, or the problem that kept it from
/// being written.
pub(crate) fn put_page(sink: &dyn Sink, path: String, result: Result<Vec<u8>, Diagnostic>) -> Option<Diagnostic> {
    let checked = result.and_then(|html| unique_ids(html, &path, || None));
    put_checked(sink, path, checked)
}

/// Puts a page whose ids are checked into the sink, or the problem that kept it from being
/// written.
pub(crate) fn put_checked(sink: &dyn Sink, path: String, result: Result<Vec<u8>, Diagnostic>) -> Option<Diagnostic> {
    match result {
        Ok(html) => put_file(sink, path, html),
        Err(d) => Some(d),
    }
}

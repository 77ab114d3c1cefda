//! Markdown: page bodies and short Markdown fields → HTML, with the event adapters that make
//! the output safe and connected.
//!
//! pulldown-cmark's options live in [`options`]. The adapters: heading ids and the table of
//! contents, links checked and rewritten through the [`LinkResolver`], fenced `table` and
//! `checklist` blocks swapped for embedded HTML, code through [`Highlighter`], GFM alerts as
//! callouts, and raw HTML shown as text with a warning. This module reads no files and calls
//! no templates.

use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Location};
use crate::highlight::{self, Highlighter};
use crate::model::{Cell, ColumnKind, LinkError, LinkResolver, Resolved, Route, Table, Text};
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Markdown nested deeper than this (quotes, lists, footnotes) is refused: it is never a real
/// guide.
pub const MAX_NESTING: usize = 64;

/// A document with more non-blank lines and markup characters than this is refused before it
/// is parsed: pulldown-cmark holds a node for each block, table cell and inline element, so
/// this bounds its memory (a few tens of MiB) whatever a 4 MiB page packs in. The whole
/// shipped guide counts about a tenth of it per page at most.
pub const MAX_ELEMENTS: usize = 200_000;

/// Headings a page may have (lines that may be one: `#…`, or a `===` or `---` underline). Each
/// is written several times over: a page of 50,000 headings in 3.8 MB wrote 51 MB and went
/// past 512 MiB.
pub const MAX_HEADINGS: usize = 20_000;

/// Code a page may have highlighted; later blocks are plain text. With the limits per block
/// (see [`highlight::over_budget`]) this keeps the worst page to about a second.
pub const MAX_HIGHLIGHTED_PER_PAGE: usize = 256 * 1024;

/// The one place the Markdown dialect is chosen.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A block of a page's text for the search index: the words under one heading.
#[derive(Debug, Clone, Serialize)]
pub struct SearchSection {
    pub anchor: String,
    pub heading: String,
    /// Prose: the words a result's snippet is cut from.
    pub text: String,
    /// The words of tables: found by a search, never shown flattened as a snippet.
    pub table_text: String,
}

/// What an embedded block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EmbedKind {
    Table,
    Checklist,
}

/// Supplies the HTML for ```table and ```checklist blocks, rendered for the page at the route.
pub type EmbedFn<'a> = dyn Fn(EmbedKind, &str, &Route) -> Option<String> + Sync + 'a;

/// A piece of markup a page's Markdown holds that riskguide frames (a heading with its anchor
/// link, a callout, a task marker, a table's scrolling wrapper), as data. This module builds no
/// tags for them: the caller's [`MarkupFn`] has the site's partial write them.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Markup<'a> {
    Heading {
        level: u8,
        id: &'a str,
        /// The heading's classes, space-separated.
        class: String,
        /// The heading's text links to it, unless it holds a link of its own.
        self_link: bool,
        html: &'a str,
    },
    Callout {
        /// note, tip, important, warning or caution.
        kind: &'static str,
        html: &'a str,
    },
    Task {
        done: bool,
    },
    Table {
        /// 1 for the page's first table.
        number: usize,
        html: &'a str,
    },
    Image {
        /// Relative to the page.
        src: &'a str,
        alt: &'a str,
    },
    Code {
        /// The block's language as written after the fence, if any.
        lang: &'a str,
        /// The code, highlighted.
        html: &'a str,
    },
}

/// Where a piece's content goes in what its partial writes: the `html` a partial sees. The
/// caller splits the partial's output there, so the content between is still written as the
/// Markdown is read.
pub const CONTENT: &str = "\u{1}content\u{1}";

impl Markup<'_> {
    /// The partial that writes this piece, and the name it sees it by.
    pub fn partial(&self) -> (&'static str, &'static str) {
        match self {
            Markup::Heading { .. } => ("partials/heading.html", "heading"),
            Markup::Callout { .. } => ("partials/callout.html", "callout"),
            Markup::Task { .. } => ("partials/task.html", "task"),
            Markup::Table { .. } => ("partials/markdown-table.html", "table"),
            Markup::Image { .. } => ("partials/image.html", "image"),
            Markup::Code { .. } => ("partials/code.html", "code"),
        }
    }
}

/// Writes a [`Markup`] piece: the HTML before its content and the HTML after it.
pub type MarkupFn<'a> = dyn Fn(&Markup) -> (String, String) + Sync + 'a;

pub struct Context<'a> {
    pub resolver: &'a LinkResolver<'a>,
    pub highlighter: &'a Highlighter,
    pub embed: &'a EmbedFn<'a>,
    pub markup: &'a MarkupFn<'a>,
    /// Ids the templates and scripts use (`main`, `questionnaire-rules`…): no heading takes
    /// one, so content cannot stand in for the element a script looks up.
    pub reserved_ids: &'a BTreeSet<String>,
}

/// A Markdown document to render: its text and where it sits in its file.
pub struct Source<'a> {
    pub path: &'a str,
    pub file_text: &'a str,
    pub offset: usize,
    pub markdown: &'a str,
}

impl Source<'_> {
    fn locate(&self, range: &Range<usize>) -> Location {
        Location::of_offset(self.path, self.file_text, self.offset + range.start)
    }
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    pub search: Vec<SearchSection>,
    pub external_links: Vec<String>,
    /// Site routes this document links to.
    pub internal_links: BTreeSet<Route>,
    pub embeds: BTreeSet<(EmbedKind, String)>,
    pub diagnostics: Diagnostics,
}

/// Adds the first fenced code block of each language in `markdown` to `samples` (language →
/// code), leaving out embeds: what [`Highlighter::warm_up`] needs to compile those grammars
/// before the pages are rendered.
pub fn code_samples(markdown: &str, samples: &mut BTreeMap<String, String>) {
    if refuse(markdown).is_some() {
        return;
    }
    let mut lang: Option<String> = None;
    let mut code = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                lang = Some(info.split([' ', ',', '{']).next().unwrap_or("").to_ascii_lowercase());
                code.clear();
            }
            Event::Text(text) if lang.is_some() => code.push_str(&text),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(lang) = lang.take()
                    && !matches!(lang.as_str(), "" | "table" | "checklist")
                    && !samples.contains_key(&lang)
                {
                    samples.insert(lang, std::mem::take(&mut code));
                }
            }
            _ => {}
        }
    }
}

/// The headings of a document with the ids `render` will give them, seeing one top-level
/// block at a time as `render` does.
pub fn outline(markdown: &str, reserved: &BTreeSet<String>) -> Vec<Heading> {
    if refuse(markdown).is_some() {
        return Vec::new();
    }
    let mut parser = Parser::new_ext(markdown, options()).into_offset_iter();
    let mut used = Ids::reserving(reserved);
    let mut headings = Vec::new();
    let mut depth = 0;
    while let Some(events) = next_block(&mut parser) {
        if too_deep(&events, &mut depth).is_some() {
            return Vec::new();
        }
        let mut i = 0;
        while i < events.len() {
            if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
                let end = find_end(&events, i);
                let text = plain_text(&events[i + 1..end]);
                let id = unique_id(
                    id.as_deref()
                        .filter(|id| is_safe_anchor(id) && !reserved.contains(*id))
                        .map_or_else(|| slug(&text), str::to_string),
                    &mut used,
                );
                headings.push(Heading {
                    level: level_number(*level),
                    id,
                    text,
                });
                i = end;
            }
            i += 1;
        }
    }
    headings
}

/// Renders a whole page body.
pub fn render(source: &Source, from: &Route, ctx: &Context) -> Rendered {
    let mut out = Rendered::default();
    if let Some(refusal) = refuse(source.markdown) {
        out.diagnostics.push(refusal.diagnostic(source));
        return out;
    }
    let mut parser = Parser::new_ext(source.markdown, options()).into_offset_iter();
    let mut adapter = Adapter {
        source,
        from,
        ctx,
        out: &mut out,
        used_ids: Ids::reserving(ctx.reserved_ids),
        footnotes: BTreeMap::new(),
        footnote_ids: Ids::default(),
        defined_footnotes: BTreeSet::new(),
        highlighted: 0,
        lines: OnceCell::new(),
        search_text: String::new(),
        search_table_text: String::new(),
        search_anchor: String::new(),
        search_heading: String::new(),
        tables: 0,
        closings: Vec::new(),
        table_align: Vec::new(),
        table_head: false,
        table_column: 0,
    };
    // The adapters see one top-level block at a time (everything they rewrite lies inside one),
    // and one HTML writer sees all of them, so footnotes are numbered across the page. Memory
    // stays at the size of the largest block, not of the whole page's events.
    let mut html = String::with_capacity(source.markdown.len() * 3 / 2);
    let mut pending = Vec::new().into_iter();
    let mut nested_at = None;
    let mut depth = 0;
    let events = std::iter::from_fn(|| {
        loop {
            if let Some(event) = pending.next() {
                return Some(event);
            }
            let block = next_block(&mut parser)?;
            // The text scan cannot see nesting built by indentation alone; the events can.
            if let Some(at) = too_deep(&block, &mut depth) {
                nested_at = Some(at);
                return None;
            }
            pending = adapter.process(&block, true).into_iter();
        }
    });
    pulldown_cmark::html::push_html(&mut html, events);
    adapter.flush_search();
    if let Some(at) = nested_at {
        out.diagnostics.push(Refusal::Nesting(at).diagnostic(source));
    }
    out.html = html;
    out
}

/// A block longer than this many events is handed on in parts (see [`next_block`]).
const BLOCK_EVENTS: usize = 4096;

/// The events of the next top-level block (a paragraph, a list, a table, a heading…). A long
/// block (a list of a hundred thousand items) comes in parts of about [`BLOCK_EVENTS`] events,
/// each cut where no heading, link, image or code block is open, since the adapters rewrite
/// those whole: memory stays at a part's size, not at the largest block's.
fn next_block<'e>(
    parser: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
) -> Option<Vec<(Event<'e>, Range<usize>)>> {
    let mut block = Vec::new();
    let mut depth = 0usize;
    let mut whole = 0usize;
    for (event, range) in parser.by_ref() {
        let rewritten_whole = |tag: &Tag| {
            matches!(
                tag,
                Tag::Heading { .. } | Tag::Link { .. } | Tag::Image { .. } | Tag::CodeBlock(_)
            )
        };
        match &event {
            Event::Start(tag) => {
                depth += 1;
                whole += usize::from(rewritten_whole(tag));
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if matches!(
                    end,
                    TagEnd::Heading(_) | TagEnd::Link | TagEnd::Image | TagEnd::CodeBlock
                ) {
                    whole = whole.saturating_sub(1);
                }
            }
            _ => {}
        }
        block.push((event, range));
        if depth == 0 || (whole == 0 && block.len() >= BLOCK_EVENTS) {
            return Some(block);
        }
    }
    (!block.is_empty()).then_some(block)
}

/// Where quotes, lists and footnote definitions nest deeper than [`MAX_NESTING`], given the
/// events of a block (or a part of one) and how deep they were nested before it.
fn too_deep(events: &[(Event, Range<usize>)], depth: &mut usize) -> Option<usize> {
    for (event, range) in events {
        match event {
            Event::Start(Tag::BlockQuote(_) | Tag::List(_) | Tag::FootnoteDefinition(_)) => {
                *depth += 1;
                if *depth > MAX_NESTING {
                    return Some(range.start);
                }
            }
            Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::FootnoteDefinition) => {
                *depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    None
}

/// The words of a short Markdown field without its markup, on one line (for plain-text output
/// such as the audit script's report).
pub fn plain_inline(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders a short Markdown field (a table cell, an item text) without its surrounding paragraph.
pub fn render_inline(text: &Text, from: &Route, ctx: &Context, diagnostics: &mut Diagnostics) -> String {
    let html = render_block(text, from, ctx, diagnostics);
    let trimmed = html.trim_end();
    match trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// Renders a Markdown field that may hold paragraphs and lists.
pub fn render_block(text: &Text, from: &Route, ctx: &Context, diagnostics: &mut Diagnostics) -> String {
    if text.markdown.trim().is_empty() {
        return String::new();
    }
    // Fields are located at their key; the renderer reports at that place.
    let source = Source {
        path: &text.location.path,
        file_text: "",
        offset: 0,
        markdown: &text.markdown,
    };
    let mut rendered = render(&source, from, ctx);
    for mut d in rendered.diagnostics.into_sorted() {
        d.location = text.location.clone();
        diagnostics.push(d);
    }
    std::mem::take(&mut rendered.html)
}

struct Adapter<'a, 'b> {
    source: &'b Source<'b>,
    from: &'b Route,
    ctx: &'b Context<'a>,
    out: &'b mut Rendered,
    used_ids: Ids,
    /// Footnote labels (lowercased) → their ids, which live apart from heading ids (`fn:…`).
    footnotes: BTreeMap<String, String>,
    footnote_ids: Ids,
    /// Ids of the footnote definitions written so far.
    defined_footnotes: BTreeSet<String>,
    /// Bytes of code highlighted so far.
    highlighted: usize,
    /// Built on the first located problem: a page with thousands of them stays linear.
    lines: OnceCell<LineIndex>,
    search_text: String,
    search_table_text: String,
    search_anchor: String,
    search_heading: String,
    /// Markdown tables so far, so each scrollable table region gets its own name.
    tables: usize,
    /// What the open callouts and tables close with, innermost last.
    closings: Vec<String>,
    /// The current table's column alignments, whether its cells are header cells, and the column.
    table_align: Vec<Alignment>,
    table_head: bool,
    table_column: usize,
}

impl<'b> Adapter<'_, 'b> {
    fn locate(&self, range: &Range<usize>) -> Location {
        if self.source.file_text.is_empty() {
            Location::file(self.source.path)
        } else {
            let text = self.source.file_text;
            let (line, col) = self
                .lines
                .get_or_init(|| LineIndex::new(text))
                .line_col(text, self.source.offset + range.start);
            Location::at(self.source.path, line, col)
        }
    }

    fn warn(&mut self, code: &'static str, range: &Range<usize>, message: String) {
        let location = self.locate(range);
        self.out.diagnostics.push(Diagnostic::warning(code, location, message));
    }

    fn error(&mut self, code: &'static str, range: &Range<usize>, message: String, help: Option<&str>) {
        let mut d = Diagnostic::error(code, self.locate(range), message);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.out.diagnostics.push(d);
    }

    fn flush_search(&mut self) {
        let text = self.search_text.split_whitespace().collect::<Vec<_>>().join(" ");
        let table_text = self.search_table_text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() || !table_text.is_empty() || !self.search_heading.is_empty() {
            self.out.search.push(SearchSection {
                anchor: self.search_anchor.clone(),
                heading: self.search_heading.clone(),
                text,
                table_text,
            });
        }
        self.search_text.clear();
        self.search_table_text.clear();
    }

    /// Rewrites one run of events. `top` is true for the page body (headings count for the TOC).
    fn process<'e>(&mut self, events: &[(Event<'e>, Range<usize>)], top: bool) -> Vec<Event<'e>> {
        let mut out = Vec::with_capacity(events.len());
        let mut dropped_links = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let end = find_end(events, i);
                    let text = plain_text(&events[i + 1..end]);
                    let explicit = id.as_deref().filter(|id| {
                        if !is_safe_anchor(id) {
                            self.error(
                                "E051",
                                range,
                                format!("heading id `{}` is not allowed", id.escape_debug()),
                                Some("ids use letters, digits, `-` and `_`"),
                            );
                            false
                        } else if self.ctx.reserved_ids.contains(*id) {
                            self.error(
                                "E051",
                                range,
                                format!("heading id `{id}` is used by the site's templates or scripts"),
                                Some("choose another id; a page may hold each id once"),
                            );
                            false
                        } else {
                            true
                        }
                    });
                    let anchor = unique_id(explicit.map_or_else(|| slug(&text), str::to_string), &mut self.used_ids);
                    for (key, _) in attrs {
                        self.warn(
                            "W021",
                            range,
                            format!("heading attribute `{}` is ignored", key.escape_debug()),
                        );
                    }
                    let classes: Vec<&str> = classes
                        .iter()
                        .map(|c| c.as_ref())
                        .filter(|c| is_safe_anchor(c))
                        .collect();
                    let n = level_number(*level);
                    if top {
                        self.flush_search();
                        self.search_anchor = anchor.clone();
                        self.search_heading = text.clone();
                        if (2..=3).contains(&n) {
                            self.out.toc.push(Heading {
                                level: n,
                                id: anchor.clone(),
                                text: text.clone(),
                            });
                        }
                    }
                    // The heading's own text links to it (as on MDN), so a screen reader reads
                    // it once; a heading that holds a link of its own gets no self-link.
                    let self_link = !events[i + 1..end]
                        .iter()
                        .any(|(e, _)| matches!(e, Event::Start(Tag::Link { .. }) | Event::FootnoteReference(_)));
                    let (open, close) = (self.ctx.markup)(&Markup::Heading {
                        level: n,
                        id: &anchor,
                        class: classes.join(" "),
                        self_link,
                        html: CONTENT,
                    });
                    out.push(Event::Html(open.into()));
                    out.extend(self.process(&events[i + 1..end], false));
                    out.push(Event::Html(close.into()));
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let url = if matches!(link_type, LinkType::Email) {
                        format!("mailto:{dest_url}")
                    } else {
                        dest_url.to_string()
                    };
                    match self.ctx.resolver.href(self.from, &url) {
                        Ok(href) => {
                            match self.ctx.resolver.resolve(self.from, &url) {
                                Ok(Resolved::External(_)) => self.out.external_links.push(url.clone()),
                                Ok(Resolved::Internal { route, .. }) => {
                                    self.out.internal_links.insert(route);
                                }
                                _ => {}
                            }
                            dropped_links.push(false);
                            out.push(Event::Start(Tag::Link {
                                link_type: LinkType::Inline,
                                dest_url: href.into(),
                                title: title.clone(),
                                id: id.clone(),
                            }));
                        }
                        Err(e) => {
                            self.link_error(range, &e);
                            dropped_links.push(true);
                        }
                    }
                }
                Event::End(TagEnd::Link) => {
                    if !dropped_links.pop().unwrap_or(false) {
                        out.push(event.clone());
                    }
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let end = find_end(events, i);
                    let alt = plain_text(&events[i + 1..end]);
                    if alt.trim().is_empty() {
                        self.warn("W030", range, "image has no alt text".into());
                    }
                    match self.ctx.resolver.resolve(self.from, dest_url) {
                        Ok(Resolved::Static(file)) => {
                            let src = self.from.relative_to(&file);
                            let (image, _) = (self.ctx.markup)(&Markup::Image { src: &src, alt: &alt });
                            out.push(Event::Html(image.into()));
                        }
                        Ok(_) => self.error(
                            "E043",
                            range,
                            "images must be files of the site's static/ directory".into(),
                            Some("nothing is loaded from another origin"),
                        ),
                        Err(e) => self.link_error(range, &e),
                    }
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let end = find_end(events, i);
                    let code: String = events[i + 1..end]
                        .iter()
                        .filter_map(|(e, _)| if let Event::Text(t) = e { Some(t.as_ref()) } else { None })
                        .collect();
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => {
                            info.split([' ', ',', '{']).next().unwrap_or("").to_ascii_lowercase()
                        }
                        CodeBlockKind::Indented => String::new(),
                    };
                    out.push(Event::Html(self.code_block(&lang, &code, range).into()));
                    i = end + 1;
                    continue;
                }
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    let (open, close) = (self.ctx.markup)(&Markup::Callout {
                        kind: alert(*kind),
                        html: CONTENT,
                    });
                    out.push(Event::Html(open.into()));
                    self.closings.push(close);
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => {
                    out.push(Event::Html(self.closings.pop().unwrap_or_default().into()));
                }
                Event::Start(Tag::Table(align)) => {
                    self.table_align = align.clone();
                    self.tables += 1;
                    let (open, close) = (self.ctx.markup)(&Markup::Table {
                        number: self.tables,
                        html: CONTENT,
                    });
                    out.push(Event::Html(open.into()));
                    self.closings.push(close);
                    out.push(event.clone());
                }
                // Cells are written here, with a class for their alignment: pulldown-cmark would
                // write a style attribute, which the content security policy refuses.
                Event::Start(Tag::TableHead) | Event::End(TagEnd::TableHead) => {
                    self.table_head = matches!(event, Event::Start(_));
                    self.table_column = 0;
                    out.push(event.clone());
                }
                Event::Start(Tag::TableRow) => {
                    self.table_column = 0;
                    out.push(event.clone());
                }
                Event::Start(Tag::TableCell) => {
                    let tag = if self.table_head { "th" } else { "td" };
                    let class = match self.table_align.get(self.table_column) {
                        Some(Alignment::Left) => " class=\"align-left\"",
                        Some(Alignment::Center) => " class=\"align-center\"",
                        Some(Alignment::Right) => " class=\"align-right\"",
                        Some(Alignment::None) | None => "",
                    };
                    self.table_column += 1;
                    out.push(Event::Html(format!("<{tag}{class}>").into()));
                }
                Event::End(TagEnd::TableCell) => {
                    out.push(Event::Html(if self.table_head { "</th>" } else { "</td>" }.into()));
                }
                Event::End(TagEnd::Table) => {
                    self.table_align.clear();
                    out.push(event.clone());
                    out.push(Event::Html(self.closings.pop().unwrap_or_default().into()));
                }
                Event::Html(raw) | Event::InlineHtml(raw) => {
                    if !raw.trim().is_empty() && !is_comment(raw) {
                        self.warn("W020", range, "raw HTML is not allowed and is shown as text".into());
                        out.push(Event::Text(raw.clone()));
                    }
                }
                // Footnote labels are any text: their ids get a namespace of their own, so a
                // footnote named `main` cannot take the id of the page's main element.
                Event::FootnoteReference(label) => {
                    out.push(Event::FootnoteReference(self.footnote_id(label).into()));
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    let mut id = self.footnote_id(label);
                    // A label defined twice: the second definition gets an id of its own.
                    if !self.defined_footnotes.insert(id.clone()) {
                        id = unique_id(id, &mut self.footnote_ids);
                    }
                    out.push(Event::Start(Tag::FootnoteDefinition(id.into())));
                }
                Event::TaskListMarker(done) => {
                    let (marker, _) = (self.ctx.markup)(&Markup::Task { done: *done });
                    out.push(Event::Html(marker.into()));
                }
                Event::Text(t) | Event::Code(t) => {
                    if top {
                        // A table's cells are set apart: a snippet cut from them reads as noise.
                        let words = if self.table_align.is_empty() {
                            &mut self.search_text
                        } else {
                            &mut self.search_table_text
                        };
                        words.push(' ');
                        words.push_str(t);
                    }
                    out.push(event.clone());
                }
                _ => out.push(event.clone()),
            }
            i += 1;
        }
        out
    }

    /// The id of a footnote: `fn:` and its label's slug, numbered when two labels share one.
    fn footnote_id(&mut self, label: &str) -> String {
        let key = label.to_lowercase();
        if let Some(id) = self.footnotes.get(&key) {
            return id.clone();
        }
        let id = unique_id(format!("fn:{}", slug(label)), &mut self.footnote_ids);
        self.footnotes.insert(key, id.clone());
        id
    }

    fn link_error(&mut self, range: &Range<usize>, error: &LinkError) {
        let help = match error {
            LinkError::Scheme(_) => Some("links may use http, https, mailto, or point inside the site"),
            LinkError::MissingRoute(_) => Some("internal links are site routes such as /risks/exposure/"),
            LinkError::MissingAnchor { .. } => Some("give the target heading an id: ## Title {#anchor}"),
            LinkError::Malformed(_) => None,
        };
        self.error("E042", range, error.to_string(), help);
    }

    fn code_block(&mut self, lang: &str, code: &str, range: &Range<usize>) -> String {
        let kind = match lang {
            "table" => Some(EmbedKind::Table),
            "checklist" => Some(EmbedKind::Checklist),
            _ => None,
        };
        if let Some(kind) = kind {
            let id = code.trim();
            let what = if kind == EmbedKind::Table { "table" } else { "checklist" };
            if self.out.embeds.contains(&(kind, id.to_string())) {
                // Twice on one page would repeat its ids, and a page that repeats a large table
                // thousands of times would grow without bound.
                self.error(
                    "E053",
                    range,
                    format!("{what} `{}` is already embedded on this page", id.escape_debug()),
                    Some("embed each table and checklist at most once per page, and link to it elsewhere"),
                );
                return String::new();
            }
            return match (self.ctx.embed)(kind, id, self.from) {
                Some(html) => {
                    self.out.embeds.insert((kind, id.to_string()));
                    html
                }
                None => {
                    let help = if kind == EmbedKind::Table {
                        "tables are content/tables/<id>.toml"
                    } else {
                        "checklists are content/checklists/<id>.toml"
                    };
                    self.error(
                        "E050",
                        range,
                        format!("embedded {what} `{}` does not exist", id.escape_debug()),
                        Some(help),
                    );
                    String::new()
                }
            };
        }
        let known = self.ctx.highlighter.knows(lang);
        if !known {
            self.warn(
                "W022",
                range,
                format!("unknown code language `{}`; shown as plain text", lang.escape_debug()),
            );
        }
        // Highlighting has a budget per block and per page; past it, code is plain text.
        let coloured = known && !highlight::is_plain(lang);
        let mut budget = highlight::over_budget(code).map(|reason| format!("{reason}; shown as plain text"));
        let mut past_page_budget = false;
        if budget.is_none() && coloured {
            let before = self.highlighted;
            self.highlighted = before.saturating_add(code.len());
            if self.highlighted > MAX_HIGHLIGHTED_PER_PAGE {
                past_page_budget = true;
                // Said once, at the block that crosses it.
                if before <= MAX_HIGHLIGHTED_PER_PAGE {
                    budget = Some(format!(
                        "the page has more than {MAX_HIGHLIGHTED_PER_PAGE} bytes of code to highlight; \
                         this block and the later ones are shown as plain text"
                    ));
                }
            }
        }
        let body = match budget {
            Some(reason) if coloured => {
                self.warn("W023", range, reason);
                None
            }
            None if past_page_budget => None,
            Some(_) => None,
            None => self.ctx.highlighter.highlight(lang, code),
        }
        .unwrap_or_else(|| escape_text(code));
        (self.ctx.markup)(&Markup::Code { lang, html: &body }).0
    }
}

fn alert(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    }
}

fn is_comment(raw: &str) -> bool {
    let t = raw.trim();
    t.starts_with("<!--") && t.ends_with("-->")
}

/// Index of the `End` matching the `Start` at `start` (or the last event when unbalanced).
fn find_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, (event, _)) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1)
}

fn plain_text(events: &[(Event, Range<usize>)]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_string()
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// A heading's id from its text: lowercase ASCII letters and digits joined by `-`.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(64).collect::<String>();
    if slug.is_empty() { "section".into() } else { slug }
}

/// The ids given out on one page, with the next number to try for each base, so that thousands
/// of headings with the same text get their ids in linear time.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
    next: BTreeMap<String, usize>,
}

impl Ids {
    /// No id of `reserved` will be given out: a heading whose text slugs to one gets `-1`.
    fn reserving(reserved: &BTreeSet<String>) -> Self {
        Ids {
            used: reserved.clone(),
            next: BTreeMap::new(),
        }
    }
}

fn unique_id(base: String, ids: &mut Ids) -> String {
    let Ids { used, next } = ids;
    if used.insert(base.clone()) {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// True for anchors and class names that need no escaping anywhere.
pub fn is_safe_anchor(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Why a document is refused before it is parsed, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Quotes, lists or footnote definitions nested deeper than [`MAX_NESTING`].
    Nesting(usize),
    /// More than [`MAX_ELEMENTS`] lines and markup characters.
    Elements(usize),
    /// More than [`MAX_HEADINGS`] headings.
    Headings(usize),
}

impl Refusal {
    fn diagnostic(self, source: &Source) -> Diagnostic {
        match self {
            Refusal::Nesting(at) => Diagnostic::error(
                "E052",
                source.locate(&(at..at)),
                format!("Markdown nested more than {MAX_NESTING} levels deep"),
            )
            .with_help("flatten the quotes, lists or footnotes"),
            Refusal::Elements(at) => Diagnostic::error(
                "E054",
                source.locate(&(at..at)),
                format!("Markdown with more than {MAX_ELEMENTS} lines and markup characters"),
            )
            .with_help("split the page; a table or list this large belongs in several pages"),
            Refusal::Headings(at) => Diagnostic::error(
                "E054",
                source.locate(&(at..at)),
                format!("Markdown with more than {MAX_HEADINGS} headings"),
            )
            .with_help("split the page into several pages"),
        }
    }
}

/// A cheap pass over the text, before pulldown-cmark builds its tree (which holds every block
/// of a document at once): refuses nesting deeper than [`MAX_NESTING`] and documents past
/// [`MAX_ELEMENTS`], so memory stays proportional to a small budget, not to what a hostile
/// page can pack into 4 MiB. It counts what nests, not characters: a `-` opens a list only
/// when a space or the line's end follows, a line of dashes is a rule, and indentation alone
/// (a code line, a YAML example) opens nothing. Nesting that indentation builds is measured on
/// the parser's events instead (see [`Depth`]).
fn refuse(markdown: &str) -> Option<Refusal> {
    let mut offset = 0;
    let mut elements = 0usize;
    let mut headings = 0usize;
    let mut fence: Option<(char, usize, usize)> = None;
    for line in markdown.split_inclusive('\n') {
        let body = line.trim();
        if !body.is_empty() {
            elements += 1;
        }
        // A heading is written several times over (its tag, its anchor's label, the table of
        // contents, the search index, the printable guide): headings have a budget of their own.
        let underline = !body.is_empty() && (body.bytes().all(|b| b == b'=') || body.bytes().all(|b| b == b'-'));
        if body.starts_with('#') || underline {
            headings += 1;
            if headings > MAX_HEADINGS {
                return Some(Refusal::Headings(offset));
            }
        }
        let (markers, after) = container_markers(line);
        // Every marker may be a node of pulldown-cmark's tree, so it counts as an element too.
        elements += markers + line.bytes().filter(|b| MARKUP.contains(b)).count();
        if elements > MAX_ELEMENTS {
            return Some(Refusal::Elements(offset));
        }
        // In a fenced code block, what looks like markers past the fence's own containers is
        // code (a quoted mail, a YAML list): only the containers the fence sits in count.
        let text = line[after..].trim_start();
        let depth = match fence {
            Some((ch, len, containers)) => {
                let closing = text.trim_end();
                if closing.len() >= len && closing.chars().all(|c| c == ch) {
                    fence = None;
                }
                markers.min(containers)
            }
            None => {
                fence = opens_fence(text).map(|(ch, len)| (ch, len, markers));
                markers
            }
        };
        if depth > MAX_NESTING {
            return Some(Refusal::Nesting(offset));
        }
        offset += line.len();
    }
    None
}

/// Characters that can each start an inline element or a table cell.
const MARKUP: &[u8] = b"*_~`[]!<&\\|";

/// How many block containers (quotes, list items, footnote definitions) one line opens, and
/// where the text after them starts.
fn container_markers(line: &str) -> (usize, usize) {
    let bytes = line.as_bytes();
    let body = line.trim();
    // A thematic break (`---`, `* * *`) looks like list markers and is none.
    if let Some(first) = body.chars().next()
        && matches!(first, '-' | '*' | '_')
        && body.chars().all(|c| c == first || c == ' ' || c == '\t')
        && body.chars().filter(|c| *c == first).count() >= 3
    {
        return (0, 0);
    }
    let ends_marker = |at: usize| bytes.get(at).is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    let mut depth = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' => i += 1,
            b'>' => {
                depth += 1;
                i += 1;
            }
            b'-' | b'*' | b'+' if ends_marker(i + 1) => {
                depth += 1;
                i += 1;
            }
            b'0'..=b'9' => {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                let after = i + digits;
                if digits <= 9 && matches!(bytes.get(after), Some(b'.' | b')')) && ends_marker(after + 1) {
                    depth += 1;
                    i = after + 1;
                } else {
                    break;
                }
            }
            // A footnote definition `[^label]:` holds blocks too.
            b'[' if bytes.get(i + 1) == Some(&b'^') => match line[i..].find(']') {
                Some(close) if bytes.get(i + close + 1) == Some(&b':') => {
                    depth += 1;
                    i += close + 2;
                }
                _ => break,
            },
            _ => break,
        }
    }
    (depth, i)
}

/// The fence a line opens (its character and length) when its text, after the container
/// markers, starts a fenced code block.
fn opens_fence(text: &str) -> Option<(char, usize)> {
    let first = text.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = text.chars().take_while(|c| *c == first).count();
    (len >= 3).then_some((first, len))
}

/// A page's HTML, rendered for `from`, as it reads on the page at `to` with every id (and each
/// reference to one) prefixed by `id_prefix`: how a page becomes a section of the printable
/// guide without being rendered twice. lol_html parses the HTML (so text and code that merely
/// look like attributes are left alone) and rewrites only the attributes that change.
pub fn relocate(html: &str, from: &Route, to: &Route, id_prefix: &str) -> String {
    let from_root = from.to_root();
    let rewrite = lol_html::element!("[id], [aria-labelledby], [href], [src]", |element| {
        for name in ["id", "aria-labelledby", "href", "src"] {
            let Some(value) = element.get_attribute(name) else {
                continue;
            };
            let mut moved = String::with_capacity(value.len() + id_prefix.len());
            relocate_value(&mut moved, name, &value, &from_root, to, id_prefix);
            if moved != value {
                element.set_attribute(name, &moved)?;
            }
        }
        Ok(())
    });
    let settings = lol_html::RewriteStrSettings::new().append_element_content_handler(rewrite);
    // The handler sets only these four well-formed attribute names and no memory limit is set,
    // so rewriting cannot fail; should it ever, the page keeps its links as rendered.
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

fn relocate_value(out: &mut String, name: &str, value: &str, from_root: &str, to: &Route, id_prefix: &str) {
    match name {
        "id" => {
            out.push_str(id_prefix);
            out.push_str(value);
        }
        "aria-labelledby" => {
            for (i, id) in value.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(id_prefix);
                out.push_str(id);
            }
        }
        "href" | "src" => {
            if let Some(fragment) = value.strip_prefix('#') {
                out.push('#');
                out.push_str(id_prefix);
                out.push_str(fragment);
            } else if let Some(target) = site_path(value, from_root) {
                out.push_str(&to.relative_to(target));
            } else {
                out.push_str(value);
            }
        }
        _ => out.push_str(value),
    }
}

/// The site path (no leading `/`) a relative URL written from a page `from_root` away from the
/// root points to; `None` for URLs with a scheme.
fn site_path<'v>(url: &'v str, from_root: &str) -> Option<&'v str> {
    let before_path = url.split(['/', '?', '#']).next().unwrap_or("");
    if before_path.contains(':') {
        return None;
    }
    if from_root == "./" {
        Some(if url == "./" { "" } else { url })
    } else {
        url.strip_prefix(from_root)
    }
}

// All HTML escaping goes through pulldown-cmark's escaper, the one that already escapes the
// Markdown body: text escapes `&`, `<` and `>`; attributes the quotes too.

/// `s` escaped for an HTML text node.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, s);
    out
}

/// `s` escaped for a quoted attribute (and for text).
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

/// Writes `s` escaped for text and quoted attributes, like [`escape_attr`], without building a
/// string first (the template formatter writes every value through it).
pub fn write_escaped_attr<W: std::fmt::Write>(out: &mut W, s: &str) -> std::fmt::Result {
    pulldown_cmark_escape::escape_html(pulldown_cmark_escape::FmtWriter(out), s)
}

/// One source a rating rests on, as `partials/basis.html` links to it.
#[derive(Debug, serde::Serialize)]
pub struct BasisView {
    pub id: String,
    pub number: usize,
    pub title: String,
}

/// The sources of a rating, for `partials/basis.html`.
pub fn basis_view(basis: &[crate::model::Basis]) -> Vec<BasisView> {
    basis
        .iter()
        .map(|b| BasisView {
            id: b.id.to_string(),
            number: b.number,
            title: b.title.clone(),
        })
        .collect()
}

/// The bold words that open the first paragraph under each heading (a lead-in such as
/// `**High.**`) and their byte offset: one entry per heading, in the order of [`outline`].
pub fn heading_lead_ins(markdown: &str) -> Vec<Option<(String, usize)>> {
    if refuse(markdown).is_some() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut in_heading = false;
    // 0: not after a heading; 1: a heading just ended; 2: its first paragraph began; 3: in the bold.
    let mut state = 0;
    let mut words = String::new();
    let mut at = 0;
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match (&event, state) {
            (Event::Start(Tag::Heading { .. }), _) => {
                in_heading = true;
                found.push(None);
            }
            (Event::End(TagEnd::Heading(_)), _) => {
                in_heading = false;
                state = 1;
            }
            _ if in_heading => {}
            (Event::Start(Tag::Paragraph), 1) => state = 2,
            (Event::Start(Tag::Strong), 2) => {
                state = 3;
                words.clear();
                at = range.start;
            }
            (Event::Text(t) | Event::Code(t), 3) => words.push_str(t),
            (Event::End(TagEnd::Strong), 3) => {
                if let Some(last) = found.last_mut() {
                    *last = Some((std::mem::take(&mut words), at));
                }
                state = 0;
            }
            (_, 3) => {}
            _ => state = 0,
        }
    }
    found
}

/// A data table as data for `partials/table.html`; Markdown parts are HTML already.
#[derive(Debug, serde::Serialize)]
pub struct TableView {
    pub id: String,
    /// More than one rating column: the table is read as a heat map.
    pub heat: bool,
    pub caption: String,
    /// The column labels.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
    pub description: String,
}

#[derive(Debug, serde::Serialize)]
pub struct CellView {
    /// The cell's words as HTML (beside the level badge, for a rating).
    pub html: String,
    /// A rating's level id.
    pub level: Option<&'static str>,
    pub basis: Vec<BasisView>,
}

/// A data table as data, its Markdown rendered, ready for the table partial.
pub fn table_view(
    table: &Table,
    from: &Route,
    ctx: &Context,
    names: &dyn Fn(crate::model::Platform) -> String,
    diagnostics: &mut Diagnostics,
) -> TableView {
    let rows = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text { text, basis } => CellView {
                        html: render_inline(text, from, ctx, diagnostics),
                        level: None,
                        basis: basis_view(basis),
                    },
                    Cell::Platform(p) => CellView {
                        html: escape_text(&names(*p)),
                        level: None,
                        basis: Vec::new(),
                    },
                    Cell::Rating { level, text, basis, .. } => {
                        // Words that only repeat the level ("High", "Not rated") are left out.
                        let plain = text.markdown.trim().trim_end_matches('.');
                        CellView {
                            html: if plain.eq_ignore_ascii_case(level.label()) {
                                String::new()
                            } else {
                                render_inline(text, from, ctx, diagnostics)
                            },
                            level: Some(level.id()),
                            basis: basis_view(basis),
                        }
                    }
                })
                .collect()
        })
        .collect();
    TableView {
        id: table.id.to_string(),
        heat: table.columns.iter().filter(|c| c.kind == ColumnKind::Rating).count() > 1,
        caption: render_inline(&table.caption, from, ctx, diagnostics),
        columns: table.columns.iter().map(|c| c.label.clone()).collect(),
        rows,
        description: if table.description.markdown.trim().is_empty() {
            String::new()
        } else {
            render_inline(&table.description, from, ctx, diagnostics)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AnchorIndex;

    fn with_ctx<T>(f: impl FnOnce(&Context) -> T) -> T {
        let routes = [Route::new("/"), Route::new("/a/")].into_iter().collect();
        let mut anchors = AnchorIndex::new();
        anchors.insert(Route::new("/a/"), ["x".to_string()].into_iter().collect());
        let statics = ["images/d.svg".to_string()].into_iter().collect();
        let unchecked = BTreeSet::new();
        let resolver = LinkResolver {
            routes: &routes,
            unchecked: &unchecked,
            anchors: &anchors,
            static_files: &statics,
        };
        let highlighter = Highlighter::new();
        let embed = |kind: EmbedKind, id: &str, _: &Route| {
            (kind == EmbedKind::Table && id == "t").then(|| "<table-here>".to_string())
        };
        let reserved = ["main".to_string(), "questionnaire-rules".to_string()]
            .into_iter()
            .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
        let (templates, _) = crate::render::load(&root.join("templates"), &root, "en").unwrap();
        let markup = |piece: &Markup| templates.markup(piece);
        f(&Context {
            resolver: &resolver,
            highlighter: &highlighter,
            embed: &embed,
            markup: &markup,
            reserved_ids: &reserved,
        })
    }

    fn page(md: &str) -> Rendered {
        with_ctx(|ctx| {
            render(
                &Source {
                    path: "content/p.md",
                    file_text: md,
                    offset: 0,
                    markdown: md,
                },
                &Route::new("/"),
                ctx,
            )
        })
    }

    #[test]
    fn finds_the_bold_words_opening_each_headings_first_paragraph() {
        let md = "## A {#a}\n\n**High.** Words.\n\n## B\n\nPlain **not a lead-in**.\n\n## C\n\n- **List.**\n\n## `D`\n\n**Not `rated`.**\n";
        let found = heading_lead_ins(md);
        let words: Vec<Option<&str>> = found.iter().map(|f| f.as_ref().map(|(w, _)| w.as_str())).collect();
        assert_eq!(words, [Some("High."), None, None, Some("Not rated.")]);
        let (_, at) = found[0].as_ref().unwrap();
        assert!(md[*at..].starts_with("**High.**"));
        assert_eq!(found.len(), outline(md, &BTreeSet::new()).len());
    }

    #[test]
    fn relocated_html_keeps_its_links_and_prefixes_its_ids() {
        let md = "## Keys\n\nSee [home](/), [x](/a/#x), [out](https://example.org/a/b) and \
                  [mail](mailto:a@example.org).\n\n![d](/images/d.svg)\n\n\
                  ```toml\nhref = \"#x\" # id=\"y\"\n```\n";
        let from = Route::new("/a/");
        let html = with_ctx(|ctx| {
            let source = Source {
                path: "content/a.md",
                file_text: md,
                offset: 0,
                markdown: md,
            };
            render(&source, &from, ctx).html
        });
        assert!(html.contains("href=\"../\""), "{html}");
        let moved = relocate(&html, &from, &Route::new("/x/y/"), "p-");
        for expected in [
            "<h2 id=\"p-keys\">",
            "href=\"#p-keys\"",
            "href=\"../../\"",
            "href=\"#p-x\"",
            "href=\"https://example.org/a/b\"",
            "href=\"mailto:a@example.org\"",
            "src=\"../../images/d.svg\"",
        ] {
            assert!(moved.contains(expected), "{expected} missing from {moved}");
        }
        // Code is text: what looks like an attribute there stays as it was.
        let code = |h: &str| h[h.find("<pre").unwrap()..].to_string();
        assert_eq!(code(&moved), code(&html));
        assert!(code(&html).contains("id=\"y\""), "{html}");
        // From the root page, where links carry no way back up.
        let root_html = page("[x](/a/#x) [here](/)").html;
        let moved = relocate(&root_html, &Route::new("/"), &Route::new("/print/"), "p-");
        assert!(
            moved.contains("href=\"../a/#x\"") && moved.contains("href=\"../\""),
            "{moved}"
        );
    }

    #[test]
    fn headings_get_ids_anchor_links_and_a_toc() {
        let r = page("## Bad fits\n\n## Bad fits\n\n### Why {#why}\n");
        // The heading's text is its own link: read once, not "Bad fits, link to Bad fits".
        assert!(
            r.html
                .contains("<h2 id=\"bad-fits\"><a class=\"heading-link\" href=\"#bad-fits\">Bad fits</a></h2>"),
            "{}",
            r.html
        );
        // A heading holding a link (or a footnote mark, also a link) gets no self-link: links
        // do not nest.
        let noted = page("## Noted[^n]\n\n[^n]: A note.\n");
        assert!(!noted.html.contains("heading-link"), "{}", noted.html);
        let linked = page("## See [x](/a/#x)\n");
        assert!(
            linked.html.contains("<h2 id=\"see-x\">See <a href=") && !linked.html.contains("heading-link"),
            "{}",
            linked.html
        );
        assert!(r.html.contains("id=\"bad-fits-1\""));
        assert_eq!(
            r.toc.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["bad-fits", "bad-fits-1", "why"]
        );
        assert_eq!(
            outline("## Bad fits\n\n## Bad fits\n\n### Why {#why}\n", &BTreeSet::new()),
            r.toc
        );
    }

    #[test]
    fn content_never_takes_an_id_of_the_templates_or_scripts() {
        let md = "## Main\n\n## Rules {#questionnaire-rules}\n\nSee[^main] and[^Main].\n\n[^main]: A note.\n";
        let r = page(md);
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.code == "E051").collect();
        assert_eq!(errors.len(), 1, "{:?}", r.diagnostics);
        assert_eq!(errors[0].location.line, 3);
        assert!(r.html.contains("<h2 id=\"main-1\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"rules\">"), "{}", r.html);
        assert!(
            !r.html.contains("id=\"main\"") && !r.html.contains("id=\"questionnaire-rules\""),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("id=\"fn:main\"") && r.html.contains("href=\"#fn:main\""),
            "{}",
            r.html
        );
        let reserved: BTreeSet<String> = ["main".to_string(), "questionnaire-rules".to_string()]
            .into_iter()
            .collect();
        let ids: Vec<String> = outline(md, &reserved).into_iter().map(|h| h.id).collect();
        assert_eq!(ids, ["main-1", "rules"]);
        // A footnote defined twice still gives the page each id once.
        let twice = page("x[^a] y[^A]\n\n[^a]: one\n\n[^a]: two\n\n[^A]: three\n");
        assert_eq!(crate::render::duplicate_id(&twice.html), None, "{}", twice.html);
    }

    #[test]
    fn raw_html_becomes_text_with_a_warning() {
        let r = page("Hi <img src=x onerror=alert(1)>\n\n<script>alert(1)</script>\n");
        assert!(!r.html.contains("<img"), "{}", r.html);
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(r.diagnostics.iter().any(|d| d.code == "W020" && d.location.line == 1));
    }

    #[test]
    fn links_are_checked_and_made_relative() {
        let r = page("[ok](/a/#x) [bad](/a/#y)\n\n[js](JavaScript:alert(1))\n");
        assert!(r.html.contains("href=\"a/#x\""), "{}", r.html);
        let errors: Vec<_> = r
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| (d.location.line, d.message.clone()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(!r.html.to_ascii_lowercase().contains("javascript"), "{}", r.html);
    }

    #[test]
    fn heading_attributes_other_than_id_and_class_are_dropped() {
        let r = page("## Hi {#hi .big onmouseover=alert(1)}\n");
        assert!(!r.html.contains("onmouseover"), "{}", r.html);
        assert!(r.diagnostics.iter().any(|d| d.code == "W021"));
    }

    #[test]
    fn embeds_swap_fenced_blocks() {
        let r = page("```table\nt\n```\n\n```checklist\nnope\n```\n");
        assert!(r.html.contains("<table-here>"));
        assert!(r.diagnostics.iter().any(|d| d.code == "E050" && d.location.line == 5));
    }

    #[test]
    fn the_streaming_escaper_matches_escape_attr() {
        for text in ["", "plain", "a<b>&\"c'd", "<<&&>>", "\u{e9}t\u{e9} <\u{1f600}>", "'\""] {
            let mut written = String::new();
            write_escaped_attr(&mut written, text).unwrap();
            assert_eq!(written, escape_attr(text));
        }
        assert_eq!(escape_text("a<'\">&"), "a&lt;'\"&gt;&amp;");
    }

    #[test]
    fn code_samples_keep_the_first_block_of_each_language() {
        let mut samples = BTreeMap::new();
        code_samples(
            "```bash\none\n```\n\n```table\nt\n```\n\n```toml\na = 1\n```\n\n```bash\ntwo\n```\n\n```\nplain\n```\n",
            &mut samples,
        );
        let found: Vec<(&str, &str)> = samples.iter().map(|(l, c)| (l.as_str(), c.as_str())).collect();
        assert_eq!(found, [("bash", "one\n"), ("toml", "a = 1\n")]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let r = page(&">".repeat(10_000));
        assert!(r.diagnostics.iter().any(|d| d.code == "E052"));
        for deep in [
            "1. ".repeat(100),
            format!("{}x", "- ".repeat(100)),
            "1) > ".repeat(50),
            format!("[^a]: {}x", "> ".repeat(100)),
            // Past a fence's end, markers count again.
            format!("```\ncode\n```\n{}x\n", "> ".repeat(100)),
        ] {
            assert!(matches!(refuse(&deep), Some(Refusal::Nesting(_))), "{deep}");
        }
        // Nesting that indentation alone builds is measured on the parser's events.
        let indented: String = (0..100).map(|n| format!("{}- x\n", "  ".repeat(n))).collect();
        assert!(refuse(&indented).is_none());
        let r = page(&indented);
        assert!(
            r.diagnostics.iter().any(|d| d.code == "E052" && d.location.line == 65),
            "{:?}",
            r.diagnostics
        );
        // What only looks deep: a year, a rule of dashes, a deeply indented code line.
        for fine in [
            "2024 was a year\n1. one\n   2. two\n".to_string(),
            format!("Text\n\n{}\n", "-".repeat(70)),
            format!("```yaml\n{}a: 1\n```\n", " ".repeat(140)),
            format!("- a\n\n  ```yaml\n  {}a: 1\n  ```\n", " ".repeat(140)),
            format!("~~~~text\n{}quoted mail\n```\n~~~\n~~~~\n", "> ".repeat(100)),
            format!("> ```\n> {}x\n> ```\n", "- ".repeat(100)),
        ] {
            assert!(refuse(&fine).is_none(), "{fine}");
            assert!(!page(&fine).diagnostics.has_errors(), "{fine}");
        }
    }

    #[test]
    fn pages_past_the_element_budget_are_refused_before_parsing() {
        let list = format!("Intro\n\n{}", "- a\n".repeat(MAX_ELEMENTS + 10));
        let r = page(&list);
        let e: Vec<_> = r.diagnostics.iter().filter(|d| d.code == "E054").collect();
        assert_eq!(e.len(), 1, "{:?}", r.diagnostics);
        // One element for "Intro", two per item (its line and its marker): the item past the
        // budget is on this line.
        assert_eq!(e[0].location.line, MAX_ELEMENTS / 2 + 2);
        assert!(r.html.is_empty());
        let cells = format!("|{}\n", "a|".repeat(MAX_ELEMENTS));
        assert!(matches!(refuse(&cells), Some(Refusal::Elements(0))));
        let prose = "Plain words of a long page, with a [link](/a/) or two.\n\n".repeat(20_000);
        assert!(refuse(&prose).is_none());
        let headings = "## A heading\n\n".repeat(MAX_HEADINGS + 1);
        assert!(matches!(refuse(&headings), Some(Refusal::Headings(_))));
        let setext = "A heading\n---\n\n".repeat(MAX_HEADINGS + 1);
        assert!(matches!(refuse(&setext), Some(Refusal::Headings(_))));
        assert!(refuse(&"## A heading\n\n".repeat(MAX_HEADINGS)).is_none());
    }

    #[test]
    fn unique_ids_match_a_plain_search_in_linear_time() {
        let search = |base: String, used: &mut BTreeSet<String>| {
            let mut id = base.clone();
            let mut n = 1;
            while used.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            used.insert(id.clone());
            id
        };
        let bases = ["a", "a", "a-1", "a", "b", "a-2", "a", "a-1", "a-1-1", "a"];
        let mut ids = Ids::default();
        let mut used = BTreeSet::new();
        for base in bases {
            assert_eq!(unique_id(base.into(), &mut ids), search(base.into(), &mut used));
        }
        let many = page(&"## Same\n\n".repeat(20_000));
        assert_eq!(many.toc.last().map(|h| h.id.as_str()), Some("same-19999"));
    }

    #[test]
    fn aligned_table_cells_get_classes_not_style_attributes() {
        let r = page("| l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n");
        assert!(!r.html.contains("style="), "{}", r.html);
        assert!(
            r.html
                .contains("<th class=\"align-left\">l</th><th class=\"align-center\">c</th>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<td class=\"align-right\">3</td><td>4</td>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_table_or_checklist_is_embedded_once_per_page() {
        let r = page(&"```table\nt\n```\n\n".repeat(3));
        assert_eq!(r.html.matches("<table-here>").count(), 1, "{}", r.html);
        let errors: Vec<_> = r
            .diagnostics
            .iter()
            .filter(|d| d.code == "E053")
            .map(|d| d.location.line)
            .collect();
        assert_eq!(errors, [5, 9]);
    }
}

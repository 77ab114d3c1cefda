//! Markdown: page bodies and short Markdown fields → HTML, with the event adapters that make
//! the output safe and connected.
//!
//! pulldown-cmark's options live in [`options`]. The adapters: heading ids and the table of
//! contents, links checked and rewritten through the [`LinkResolver`], fenced `table` and
//! `checklist` blocks swapped for embedded HTML, code through [`Highlighter`], GFM alerts as
//! callouts, and raw HTML shown as text with a warning. This module reads no files and calls
//! no templates.

use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Location};
use crate::highlight::Highlighter;
use crate::model::{Cell, ColumnKind, LinkError, LinkResolver, Resolved, Route, Table, Text};
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::ops::Range;

/// Markdown nested deeper than this (quotes, lists) is refused: it is never a real guide.
pub const MAX_NESTING: usize = 64;

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
    pub text: String,
}

/// What an embedded block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EmbedKind {
    Table,
    Checklist,
}

/// Supplies the HTML for ```table and ```checklist blocks, rendered for the page at the route.
pub type EmbedFn<'a> = dyn Fn(EmbedKind, &str, &Route) -> Option<String> + Sync + 'a;

pub struct Context<'a> {
    pub resolver: &'a LinkResolver<'a>,
    pub highlighter: &'a Highlighter,
    pub embed: &'a EmbedFn<'a>,
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
    if nesting_too_deep(markdown).is_some() {
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

/// The headings of a document with the ids `render` will give them.
pub fn outline(markdown: &str) -> Vec<Heading> {
    if nesting_too_deep(markdown).is_some() {
        return Vec::new();
    }
    let events: Vec<(Event, Range<usize>)> = Parser::new_ext(markdown, options()).into_offset_iter().collect();
    let mut used = Ids::default();
    let mut headings = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i].0 {
            let end = find_end(&events, i);
            let text = plain_text(&events[i + 1..end]);
            let id = unique_id(
                id.as_deref()
                    .filter(|id| is_safe_anchor(id))
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
    headings
}

/// Renders a whole page body.
pub fn render(source: &Source, from: &Route, ctx: &Context) -> Rendered {
    let mut out = Rendered::default();
    if let Some(at) = nesting_too_deep(source.markdown) {
        out.diagnostics.push(
            Diagnostic::error(
                "E052",
                source.locate(&(at..at)),
                format!("Markdown nested more than {MAX_NESTING} levels deep"),
            )
            .with_help("flatten the quotes or lists"),
        );
        return out;
    }
    let mut parser = Parser::new_ext(source.markdown, options()).into_offset_iter();
    let mut adapter = Adapter {
        source,
        from,
        ctx,
        out: &mut out,
        used_ids: Ids::default(),
        lines: OnceCell::new(),
        search_text: String::new(),
        search_anchor: String::new(),
        search_heading: String::new(),
        tables: 0,
        table_align: Vec::new(),
        table_head: false,
        table_column: 0,
    };
    // The adapters see one top-level block at a time (everything they rewrite lies inside one),
    // and one HTML writer sees all of them, so footnotes are numbered across the page. Memory
    // stays at the size of the largest block, not of the whole page's events.
    let mut html = String::with_capacity(source.markdown.len() * 3 / 2);
    let mut pending = Vec::new().into_iter();
    let events = std::iter::from_fn(|| {
        loop {
            if let Some(event) = pending.next() {
                return Some(event);
            }
            let block = next_block(&mut parser)?;
            pending = adapter.process(&block, true).into_iter();
        }
    });
    pulldown_cmark::html::push_html(&mut html, events);
    adapter.flush_search();
    out.html = html;
    out
}

/// The events of the next top-level block (a paragraph, a list, a table, a heading…).
fn next_block<'e>(
    parser: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
) -> Option<Vec<(Event<'e>, Range<usize>)>> {
    let mut block = Vec::new();
    let mut depth = 0usize;
    for (event, range) in parser.by_ref() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        block.push((event, range));
        if depth == 0 {
            return Some(block);
        }
    }
    (!block.is_empty()).then_some(block)
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
    /// Built on the first located problem: a page with thousands of them stays linear.
    lines: OnceCell<LineIndex>,
    search_text: String,
    search_anchor: String,
    search_heading: String,
    /// Markdown tables so far, so each scrollable table region gets its own name.
    tables: usize,
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
        if !text.is_empty() || !self.search_heading.is_empty() {
            self.out.search.push(SearchSection {
                anchor: self.search_anchor.clone(),
                heading: self.search_heading.clone(),
                text,
            });
        }
        self.search_text.clear();
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
                        let ok = is_safe_anchor(id);
                        if !ok {
                            self.error(
                                "E051",
                                range,
                                format!("heading id `{}` is not allowed", id.escape_debug()),
                                Some("ids use letters, digits, `-` and `_`"),
                            );
                        }
                        ok
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
                    let class_attr = if classes.is_empty() {
                        String::new()
                    } else {
                        format!(" class=\"{}\"", classes.join(" "))
                    };
                    out.push(Event::Html(format!("<h{n} id=\"{anchor}\"{class_attr}>").into()));
                    out.extend(self.process(&events[i + 1..end], false));
                    out.push(Event::Html(
                        format!("<a class=\"anchor\" href=\"#{anchor}\" aria-label=\"Link to this section: {}\"></a></h{n}>\n", escape_attr(&text)).into(),
                    ));
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
                            out.push(Event::Html(
                                format!(
                                    "<img src=\"{}\" alt=\"{}\" loading=\"lazy\">",
                                    escape_attr(&src),
                                    escape_attr(&alt)
                                )
                                .into(),
                            ));
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
                    let (class, title) = alert(*kind);
                    out.push(Event::Html(format!("<aside class=\"callout callout-{class}\" aria-label=\"{title}\"><p class=\"callout-title\">{title}</p>\n").into()));
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => out.push(Event::Html("</aside>\n".into())),
                Event::Start(Tag::Table(align)) => {
                    self.table_align = align.clone();
                    out.push(Event::Html(
                        format!(
                            "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"Table {}\">",
                            {
                                self.tables += 1;
                                self.tables
                            }
                        )
                        .into(),
                    ));
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
                    out.push(event.clone());
                    out.push(Event::Html("</div>\n".into()));
                }
                Event::Html(raw) | Event::InlineHtml(raw) => {
                    if !raw.trim().is_empty() && !is_comment(raw) {
                        self.warn("W020", range, "raw HTML is not allowed and is shown as text".into());
                        out.push(Event::Text(raw.clone()));
                    }
                }
                Event::TaskListMarker(done) => {
                    let (class, label) = if *done {
                        ("task task-done", "Done")
                    } else {
                        ("task", "To do")
                    };
                    out.push(Event::Html(
                        format!("<span class=\"{class}\" role=\"img\" aria-label=\"{label}\"></span>").into(),
                    ));
                }
                Event::Text(t) | Event::Code(t) => {
                    if top {
                        self.search_text.push(' ');
                        self.search_text.push_str(t);
                    }
                    out.push(event.clone());
                }
                _ => out.push(event.clone()),
            }
            i += 1;
        }
        out
    }

    fn link_error(&mut self, range: &Range<usize>, error: &LinkError) {
        let help = match error {
            LinkError::Scheme(_) => Some("links may use http, https, mailto, or point inside the site"),
            LinkError::MissingRoute(_) => Some("internal links are site routes such as /vps/risks/"),
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
        if !self.ctx.highlighter.knows(lang) {
            self.warn(
                "W022",
                range,
                format!("unknown code language `{}`; shown as plain text", lang.escape_debug()),
            );
        }
        let body = self
            .ctx
            .highlighter
            .highlight(lang, code)
            .unwrap_or_else(|| escape_text(code));
        let label = if lang.is_empty() {
            String::new()
        } else {
            format!(" data-lang=\"{}\"", escape_attr(lang))
        };
        format!("<pre class=\"code\"{label} tabindex=\"0\"><code>{body}</code></pre>\n")
    }
}

fn alert(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
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

/// Where Markdown nests blocks deeper than [`MAX_NESTING`], if it does.
fn nesting_too_deep(markdown: &str) -> Option<usize> {
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        let mut depth = 0;
        let mut indent = 0;
        let mut digits = false;
        for c in line.chars() {
            // An ordered list marker (`1.` or `1)`) counts once.
            if digits {
                if c.is_ascii_digit() {
                    continue;
                }
                digits = false;
                if c == '.' || c == ')' {
                    continue;
                }
                break;
            }
            match c {
                '>' => depth += 1,
                ' ' => indent += 1,
                '\t' => indent += 4,
                '-' | '*' | '+' => depth += 1,
                '0'..='9' => {
                    depth += 1;
                    digits = true;
                }
                _ => break,
            }
        }
        if depth + indent / 2 > MAX_NESTING {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// A page's HTML, rendered for `from`, as it reads on the page at `to` with every id (and each
/// reference to one) prefixed by `id_prefix`: how a page becomes a section of the printable
/// guide without being rendered twice.
///
/// It relies on what [`render`] writes: `<` in text is escaped, so every `<` opens a tag; in a
/// tag, attribute values are quoted and escaped; a relative URL starts with `from`'s way back
/// to the site root.
pub fn relocate(html: &str, from: &Route, to: &Route, id_prefix: &str) -> String {
    let from_root = from.to_root();
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let (text, tag) = rest.split_at(open);
        out.push_str(text);
        rest = tag;
        // Attributes up to the end of this tag.
        loop {
            let close = rest.find('>').unwrap_or(rest.len());
            let Some(at) = rest[..close].find("=\"") else {
                out.push_str(&rest[..close]);
                rest = &rest[close..];
                break;
            };
            let (head, tail) = rest.split_at(at + 2);
            out.push_str(head);
            let name = head[..at]
                .rsplit(|c: char| c.is_ascii_whitespace())
                .next()
                .unwrap_or("");
            let end = tail.find('"').unwrap_or(tail.len());
            relocate_value(&mut out, name, &tail[..end], &from_root, to, id_prefix);
            rest = &tail[end..];
        }
    }
    out.push_str(rest);
    out
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

pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, false);
    out
}

pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, true);
    out
}

/// Writes `s` escaped for text and quoted attributes, like [`escape_attr`], without building a
/// string first (the template formatter writes every value through it).
pub fn write_escaped_attr<W: std::fmt::Write>(out: &mut W, s: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, byte) in s.bytes().enumerate() {
        if let Some(entity) = entity(byte, true) {
            out.write_str(&s[last..i])?;
            out.write_str(entity)?;
            last = i + 1;
        }
    }
    out.write_str(&s[last..])
}

/// Appends `s` with `&`, `<` and `>` escaped, and the quotes too when `quotes`.
fn push_escaped(out: &mut String, s: &str, quotes: bool) {
    let mut last = 0;
    for (i, byte) in s.bytes().enumerate() {
        if let Some(entity) = entity(byte, quotes) {
            out.push_str(&s[last..i]);
            out.push_str(entity);
            last = i + 1;
        }
    }
    out.push_str(&s[last..]);
}

fn entity(byte: u8, quotes: bool) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' if quotes => Some("&quot;"),
        b'\'' if quotes => Some("&#39;"),
        _ => None,
    }
}

/// The level of a rating as an icon and a word (never colour alone).
pub fn level_badge(level: crate::model::Level) -> String {
    format!(
        "<span class=\"sev sev-{id}\"><span class=\"sev-icon\" aria-hidden=\"true\"></span>{label}</span>",
        id = level.id(),
        label = level.label()
    )
}

/// Footnote-style links from a cell to the page's list of sources, one per source.
pub fn basis_markers(basis: &[crate::model::Basis]) -> String {
    if basis.is_empty() {
        return String::new();
    }
    let mut html = String::from("<sup class=\"basis\">");
    for b in basis {
        let _ = write!(
            html,
            "<a href=\"#source-{id}\" aria-label=\"Source {n}: {title}\">[{n}]</a>",
            id = escape_attr(b.id.as_str()),
            n = b.number,
            title = escape_attr(&b.title)
        );
    }
    html.push_str("</sup>");
    html
}

/// The bold words that open the first paragraph under each heading (a lead-in such as
/// `**High.**`) and their byte offset: one entry per heading, in the order of [`outline`].
pub fn heading_lead_ins(markdown: &str) -> Vec<Option<(String, usize)>> {
    if nesting_too_deep(markdown).is_some() {
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

/// A data table as accessible HTML: caption, column headers, the first cell of a row as its header.
pub fn table_html(
    table: &Table,
    from: &Route,
    ctx: &Context,
    names: &dyn Fn(crate::model::Platform) -> String,
    diagnostics: &mut Diagnostics,
) -> String {
    let mut html = String::new();
    let id = table.id.as_str();
    let caption = render_inline(&table.caption, from, ctx, diagnostics);
    let heat = table.columns.iter().filter(|c| c.kind == ColumnKind::Rating).count() > 1;
    let _ = write!(
        html,
        "<figure class=\"data-table{}\" id=\"table-{id}\"><div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-labelledby=\"cap-{id}\"><table><caption id=\"cap-{id}\">{caption}</caption><thead><tr>",
        if heat { " heat" } else { "" }
    );
    for column in &table.columns {
        let _ = write!(html, "<th scope=\"col\">{}</th>", escape_text(&column.label));
    }
    html.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        html.push_str("<tr>");
        for (n, cell) in row.iter().enumerate() {
            let (tag, scope) = if n == 0 { ("th", " scope=\"row\"") } else { ("td", "") };
            let (class, body) = match cell {
                Cell::Text { text, basis } => (
                    String::new(),
                    render_inline(text, from, ctx, diagnostics) + &basis_markers(basis),
                ),
                Cell::Platform(p) => (String::new(), escape_text(&names(*p))),
                Cell::Rating { level, text, basis, .. } => {
                    // Words that only repeat the level ("High", "Not rated") are left out.
                    let plain = text.markdown.trim().trim_end_matches('.');
                    let words = if plain.eq_ignore_ascii_case(level.label()) {
                        String::new()
                    } else {
                        render_inline(text, from, ctx, diagnostics)
                    };
                    let mut body = level_badge(*level);
                    if !words.is_empty() {
                        let _ = write!(body, " <span class=\"rating-text\">{words}</span>");
                    }
                    body.push_str(&basis_markers(basis));
                    (format!(" class=\"rating rating-{}\"", level.id()), body)
                }
            };
            let _ = write!(html, "<{tag}{scope}{class}>{body}</{tag}>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    if !table.description.markdown.trim().is_empty() {
        let _ = write!(
            html,
            "<figcaption>{}</figcaption>",
            render_inline(&table.description, from, ctx, diagnostics)
        );
    }
    html.push_str("</figure>\n");
    html
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
        f(&Context {
            resolver: &resolver,
            highlighter: &highlighter,
            embed: &embed,
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
        assert_eq!(found.len(), outline(md).len());
    }

    #[test]
    fn basis_markers_link_each_source_once_with_a_label() {
        let basis = [crate::model::Basis {
            number: 3,
            id: crate::model::SourceId::from_test("guide-c"),
            title: "Egress \"C\"".into(),
        }];
        assert_eq!(
            basis_markers(&basis),
            "<sup class=\"basis\"><a href=\"#source-guide-c\" aria-label=\"Source 3: Egress &quot;C&quot;\">[3]</a></sup>"
        );
        assert_eq!(basis_markers(&[]), "");
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
        assert!(
            r.html
                .contains("<h2 id=\"bad-fits\">Bad fits<a class=\"anchor\" href=\"#bad-fits\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("id=\"bad-fits-1\""));
        assert_eq!(
            r.toc.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["bad-fits", "bad-fits-1", "why"]
        );
        assert_eq!(outline("## Bad fits\n\n## Bad fits\n\n### Why {#why}\n"), r.toc);
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
        assert!(r.diagnostics.has_errors());
        for deep in ["1. ".repeat(100), "- ".repeat(100), "1) > ".repeat(50)] {
            assert!(nesting_too_deep(&deep).is_some(), "{deep}");
        }
        assert!(nesting_too_deep("2024 was a year\n1. one\n   2. two\n").is_none());
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

//! Markdown: page bodies and short Markdown fields → HTML, with the event adapters that make
//! the output safe and connected.
//!
//! pulldown-cmark's options live in [`options`]. A document is first measured against the
//! limits ([`limits`]), then parsed and handed to the [`adapter`] one top-level block at a time
//! ([`events`]). The adapters: heading ids and the table of contents ([`headings`], [`ids`]),
//! links checked and rewritten through the [`LinkResolver`] ([`links`]), fenced `table` and
//! `checklist` blocks swapped for embedded HTML and code through [`Highlighter`] ([`code`]),
//! Markdown tables ([`tables`]), GFM alerts as callouts, and raw HTML shown as text with a
//! warning. This module reads no files and calls no templates.
//!
//! [`LinkResolver`]: crate::model::LinkResolver
//! [`Highlighter`]: crate::highlight::Highlighter

mod adapter;
mod code;
mod escape;
mod events;
mod headings;
mod ids;
mod limits;
mod links;
mod relocate;
mod tables;
#[cfg(test)]
mod tests;

pub use code::code_samples;
pub use escape::{escape_attr, escape_text, write_escaped_attr};
pub use headings::{heading_lead_ins, outline};
pub use ids::{is_safe_anchor, slug};
pub use limits::{MAX_ELEMENTS, MAX_HEADINGS, MAX_HIGHLIGHTED_PER_PAGE, MAX_NESTING};
pub use relocate::relocate;
pub use tables::{BasisView, CellView, TableView, basis_view, table_view};

use crate::diagnostics::{Diagnostics, Location};
use crate::highlight::Highlighter;
use crate::model::{LinkResolver, Route, Text};
use adapter::Adapter;
use events::next_block;
use limits::{Refusal, refuse, too_deep};
use pulldown_cmark::{Event, Options, Parser};
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::Range;

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
    /// A cell of a Markdown table.
    TableCell {
        /// `th` or `td`.
        tag: &'static str,
        /// left, center or right; empty when the column sets none.
        align: &'static str,
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
            Markup::TableCell { .. } => ("partials/markdown-table-cell.html", "cell"),
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

/// Renders a whole page body.
pub fn render(source: &Source, from: &Route, ctx: &Context) -> Rendered {
    let mut out = Rendered::default();
    if let Some(refusal) = refuse(source.markdown) {
        out.diagnostics.push(refusal.diagnostic(source));
        return out;
    }
    let mut parser = Parser::new_ext(source.markdown, options()).into_offset_iter();
    let mut adapter = Adapter::new(source, from, ctx, &mut out);
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

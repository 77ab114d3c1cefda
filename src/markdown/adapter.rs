//! The event adapter: one page's rewriting state, and the dispatch that hands each event to
//! the part that rewrites it (headings, links, code, tables) or rewrites it here (callouts,
//! raw HTML, footnotes, task markers, the search index's words).

use super::events::find_end;
use super::ids::{Ids, slug, unique_id};
use super::{CONTENT, Context, Markup, Rendered, SearchSection, Source};
use crate::diagnostics::{Diagnostic, LineIndex, Location};
use crate::model::Route;
use pulldown_cmark::{Alignment, BlockQuoteKind, Event, Tag, TagEnd};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

pub(super) struct Adapter<'a, 'b> {
    pub(super) source: &'b Source<'b>,
    pub(super) from: &'b Route,
    pub(super) ctx: &'b Context<'a>,
    pub(super) out: &'b mut Rendered,
    pub(super) used_ids: Ids,
    /// Footnote labels (lowercased) → their ids, which live apart from heading ids (`fn:…`).
    pub(super) footnotes: BTreeMap<String, String>,
    pub(super) footnote_ids: Ids,
    /// Ids of the footnote definitions written so far.
    pub(super) defined_footnotes: BTreeSet<String>,
    /// Bytes of code highlighted so far.
    pub(super) highlighted: usize,
    /// Built on the first located problem: a page with thousands of them stays linear.
    pub(super) lines: OnceCell<LineIndex>,
    pub(super) search_text: String,
    pub(super) search_table_text: String,
    pub(super) search_anchor: String,
    pub(super) search_heading: String,
    /// Markdown tables so far, so each scrollable table region gets its own name.
    pub(super) tables: usize,
    /// What the open callouts and tables close with, innermost last.
    pub(super) closings: Vec<String>,
    /// The current table's column alignments, whether its cells are header cells, and the column.
    pub(super) table_align: Vec<Alignment>,
    pub(super) table_head: bool,
    pub(super) table_column: usize,
    /// What each kind of table cell opens and closes with (see `cell_markup`), written once.
    pub(super) cell_markups: [Option<(String, String)>; 8],
}

impl<'a, 'b> Adapter<'a, 'b> {
    pub(super) fn new(source: &'b Source<'b>, from: &'b Route, ctx: &'b Context<'a>, out: &'b mut Rendered) -> Self {
        Adapter {
            source,
            from,
            ctx,
            out,
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
            cell_markups: Default::default(),
        }
    }
}

impl<'b> Adapter<'_, 'b> {
    pub(super) fn locate(&self, range: &Range<usize>) -> Location {
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

    pub(super) fn warn(&mut self, code: &'static str, range: &Range<usize>, message: String) {
        let location = self.locate(range);
        self.out.diagnostics.push(Diagnostic::warning(code, location, message));
    }

    pub(super) fn error(&mut self, code: &'static str, range: &Range<usize>, message: String, help: Option<&str>) {
        let mut d = Diagnostic::error(code, self.locate(range), message);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.out.diagnostics.push(d);
    }

    pub(super) fn flush_search(&mut self) {
        let text = single_spaced(&self.search_text);
        let table_text = single_spaced(&self.search_table_text);
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
    pub(super) fn process<'e>(&mut self, events: &[(Event<'e>, Range<usize>)], top: bool) -> Vec<Event<'e>> {
        let mut out = Vec::with_capacity(events.len());
        let mut dropped_links = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let (event, range) = &events[i];
            match event {
                // Headings, images and code blocks are rewritten whole: on from their end.
                Event::Start(tag @ (Tag::Heading { .. } | Tag::Image { .. } | Tag::CodeBlock(_))) => {
                    let end = find_end(events, i);
                    let inner = &events[i + 1..end];
                    match tag {
                        Tag::Image { dest_url, .. } => self.image(dest_url, inner, range, &mut out),
                        Tag::CodeBlock(kind) => self.code(kind, inner, range, &mut out),
                        _ => self.heading(tag, inner, range, top, &mut out),
                    }
                    i = end + 1;
                    continue;
                }
                Event::Start(link @ Tag::Link { .. }) => match self.link(link, range) {
                    Some(rewritten) => {
                        dropped_links.push(false);
                        out.push(rewritten);
                    }
                    None => dropped_links.push(true),
                },
                Event::End(TagEnd::Link) => {
                    if !dropped_links.pop().unwrap_or(false) {
                        out.push(event.clone());
                    }
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
                Event::Start(Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::TableCell)
                | Event::End(TagEnd::Table | TagEnd::TableHead | TagEnd::TableCell) => self.table(event, &mut out),
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

/// Bytes that may start whitespace: ASCII whitespace, and the first bytes of whitespace outside
/// ASCII (U+0085, U+00A0, U+1680, U+2000 to U+3000). Any other byte is part of a word.
const MAY_BE_SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let mut k = 0;
    let starts = [b'\t', b'\n', 0x0b, 0x0c, b'\r', b' ', 0xc2, 0xe1, 0xe2, 0xe3];
    while k < starts.len() {
        table[starts[k] as usize] = true;
        k += 1;
    }
    table
};

/// The words of `text` (as [`str::split_whitespace`] splits them) joined by single spaces, in
/// one pass over its bytes: every page's search text goes through here.
pub(super) fn single_spaced(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut space = false;
    let mut i = 0;
    while i < bytes.len() {
        // The run of word bytes from here, copied whole; then the byte that may be a space.
        let run_end = bytes[i..]
            .iter()
            .position(|&b| MAY_BE_SPACE[usize::from(b)])
            .map_or(bytes.len(), |n| i + n);
        let (is_space, len) = if run_end > i {
            (false, run_end - i)
        } else if bytes[i].is_ascii() {
            (true, 1)
        } else {
            let c = text[i..].chars().next().unwrap_or('x');
            (c.is_whitespace(), c.len_utf8())
        };
        if is_space {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            out.extend_from_slice(&bytes[i..i + len]);
        }
        i += len;
    }
    // Whole characters were copied or dropped and only ASCII spaces added.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::single_spaced;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The one-pass joining gives what splitting at whitespace and joining gives.
        #[test]
        fn single_spacing_joins_the_words_split_whitespace_finds(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "word", "é", "日本", " ", "  ", "\t", "\n", "\r\n", "\u{0b}", "\u{0c}", "\u{85}", "\u{a0}",
                    "\u{2003}", "\u{3000}", "\u{200b}", "\u{feff}", "-", "\u{1f600}", "\u{1680}", "\u{2014}", "\u{a9}",
                    "\u{3001}", "\u{2029}",
                ][..]),
                0..20,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(single_spaced(&text), text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
}

//! What a document may hold before it is refused: nesting, elements and headings, measured by
//! a cheap pass over the text before pulldown-cmark builds its tree, and nesting measured again
//! on the parser's events.

use super::Source;
use crate::diagnostics::Diagnostic;
use pulldown_cmark::{Event, Tag, TagEnd};
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
/// (see [`crate::highlight::over_budget`]) this keeps the worst page to about a second.
pub const MAX_HIGHLIGHTED_PER_PAGE: usize = 256 * 1024;

/// Where quotes, lists and footnote definitions nest deeper than [`MAX_NESTING`], given the
/// events of a block (or a part of one) and how deep they were nested before it.
pub(super) fn too_deep(events: &[(Event, Range<usize>)], depth: &mut usize) -> Option<usize> {
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

/// Why a document is refused before it is parsed, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Quotes, lists or footnote definitions nested deeper than [`MAX_NESTING`].
    Nesting(usize),
    /// More than [`MAX_ELEMENTS`] lines and markup characters.
    Elements(usize),
    /// More than [`MAX_HEADINGS`] headings.
    Headings(usize),
}

impl Refusal {
    pub(super) fn diagnostic(self, source: &Source) -> Diagnostic {
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
/// the parser's events instead (see [`too_deep`]).
pub(super) fn refuse(markdown: &str) -> Option<Refusal> {
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
        elements += markers + line.bytes().filter(|b| IS_MARKUP[usize::from(*b)]).count();
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

/// [`MARKUP`] as a table by byte: every byte of every page is looked up here.
const IS_MARKUP: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < MARKUP.len() {
        table[MARKUP[i] as usize] = true;
        i += 1;
    }
    table
};

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

//! pulldown-cmark's events as the adapters read them: cut into top-level blocks, a tag's
//! matching end, the plain text between.

use pulldown_cmark::{Event, Tag, TagEnd};
use std::ops::Range;

/// A block longer than this many events is handed on in parts (see [`next_block`]).
const BLOCK_EVENTS: usize = 4096;

/// The events of the next top-level block (a paragraph, a list, a table, a heading…). A long
/// block (a list of a hundred thousand items) comes in parts of about [`BLOCK_EVENTS`] events,
/// each cut where no heading, link, image or code block is open, since the adapters rewrite
/// those whole: memory stays at a part's size, not at the largest block's.
pub(super) fn next_block<'e>(
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

/// Index of the `End` matching the `Start` at `start` (or the last event when unbalanced).
pub(super) fn find_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
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

pub(super) fn plain_text(events: &[(Event, Range<usize>)]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_string()
}

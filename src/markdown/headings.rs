//! Headings: their ids as `render` gives them ([`outline`]), the bold lead-in that opens the
//! paragraph under each, and the heading adapter that writes them through `partials/heading.html`.

use super::adapter::Adapter;
use super::events::{find_end, next_block, plain_text};
use super::ids::{Ids, is_safe_anchor, slug, unique_id};
use super::limits::{refuse, too_deep};
use super::{CONTENT, Heading, Markup, options};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::BTreeSet;
use std::ops::Range;

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

pub(super) fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

impl Adapter<'_, '_> {
    /// Writes a heading (`inner` is what it holds) through `partials/heading.html`, with its
    /// id, and records it for the table of contents and the search index when `top`.
    pub(super) fn heading<'e>(
        &mut self,
        heading: &Tag<'e>,
        inner: &[(Event<'e>, Range<usize>)],
        range: &Range<usize>,
        top: bool,
        out: &mut Vec<Event<'e>>,
    ) {
        let Tag::Heading {
            level,
            id,
            classes,
            attrs,
        } = heading
        else {
            return;
        };
        let text = plain_text(inner);
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
        let self_link = !inner
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
        out.extend(self.process(inner, false));
        out.push(Event::Html(close.into()));
    }
}

//! Fenced code: `table` and `checklist` blocks swapped for the embedded HTML, other code
//! highlighted within its budgets, and the code samples the highlighter warms up with.

use super::adapter::Adapter;
use super::limits::{MAX_HIGHLIGHTED_PER_PAGE, refuse};
use super::{EmbedKind, Markup, escape_text, options};
use crate::highlight;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::collections::BTreeMap;
use std::ops::Range;

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

impl Adapter<'_, '_> {
    /// Writes a code block (`inner` holds its text): an embed, highlighted code or plain text.
    pub(super) fn code(
        &mut self,
        kind: &CodeBlockKind,
        inner: &[(Event, Range<usize>)],
        range: &Range<usize>,
        out: &mut Vec<Event>,
    ) {
        let code: String = inner
            .iter()
            .filter_map(|(e, _)| if let Event::Text(t) = e { Some(t.as_ref()) } else { None })
            .collect();
        let lang = match kind {
            CodeBlockKind::Fenced(info) => info.split([' ', ',', '{']).next().unwrap_or("").to_ascii_lowercase(),
            CodeBlockKind::Indented => String::new(),
        };
        out.push(Event::Html(self.code_block(&lang, &code, range).into()));
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

//! Tables: the cells of a Markdown table, written with a class for their alignment, and data
//! tables (`content/tables/*.toml`) as data for `partials/table.html`.

use super::adapter::Adapter;
use super::{CONTENT, Markup};
use super::{Context, escape_text, render_inline};
use crate::diagnostics::Diagnostics;
use crate::model::{Cell, ColumnKind, Route, Table};
use pulldown_cmark::{Alignment, CowStr, Event, InlineStr, Tag, TagEnd};

impl Adapter<'_, '_> {
    /// Rewrites an event of a Markdown table: the table framed by `partials/markdown-table.html`,
    /// its cells written by `partials/markdown-table-cell.html` with a class for their alignment
    /// (pulldown-cmark would write a style attribute, which the content security policy refuses).
    pub(super) fn table<'e>(&mut self, event: &Event<'e>, out: &mut Vec<Event<'e>>) {
        match event {
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
                let open = html(&self.cell_markup(self.table_column).0);
                self.table_column += 1;
                out.push(open);
            }
            Event::End(TagEnd::TableCell) => {
                let close = html(&self.cell_markup(self.table_column.saturating_sub(1)).1);
                out.push(close);
            }
            Event::End(TagEnd::Table) => {
                self.table_align.clear();
                out.push(event.clone());
                out.push(Event::Html(self.closings.pop().unwrap_or_default().into()));
            }
            _ => out.push(event.clone()),
        }
    }

    /// What a cell of the current table's `column` opens and closes with. Its partial writes
    /// each kind of cell (header or body, and alignment) once per page: a partial per cell
    /// would cost a template render for each of a wide table's hundred thousand cells.
    fn cell_markup(&mut self, column: usize) -> &(String, String) {
        let (align, slot) = match self.table_align.get(column) {
            Some(Alignment::Left) => ("left", 1),
            Some(Alignment::Center) => ("center", 2),
            Some(Alignment::Right) => ("right", 3),
            Some(Alignment::None) | None => ("", 0),
        };
        let tag = if self.table_head { "th" } else { "td" };
        let markup = self.ctx.markup;
        self.cell_markups[usize::from(self.table_head) * 4 + slot].get_or_insert_with(|| {
            markup(&Markup::TableCell {
                tag,
                align,
                html: CONTENT,
            })
        })
    }
}

/// An HTML event for a short piece of markup, held inline when it fits (a cell's tags without
/// a class do), so the cells of a wide table cost no allocation each.
fn html<'e>(markup: &str) -> Event<'e> {
    match InlineStr::try_from(markup) {
        Ok(inline) => Event::Html(CowStr::Inlined(inline)),
        Err(_) => Event::Html(markup.to_string().into()),
    }
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

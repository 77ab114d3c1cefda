//! Comparison tables and their rating cells.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Text,
    Rating,
    Platform,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone)]
pub enum Cell {
    /// Text, with the sources of the fact it states (often none).
    Text {
        text: Text,
        basis: Vec<Basis>,
    },
    Rating {
        level: Level,
        text: Text,
        basis: Vec<Basis>,
        /// The registry risk the level comes from, if any.
        risk: Option<RiskId>,
    },
    Platform(Platform),
}

impl Cell {
    pub fn basis(&self) -> &[Basis] {
        match self {
            Cell::Text { basis, .. } | Cell::Rating { basis, .. } => basis,
            Cell::Platform(_) => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: TableId,
    pub path: String,
    pub caption: Text,
    pub description: Text,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

pub(super) fn build_tables(
    b: &mut Builder,
    loaded: Vec<Loaded<load::RawTable>>,
    refs: &Registry,
) -> BTreeMap<TableId, Table> {
    let mut tables = BTreeMap::new();
    for file in loaded {
        let stem = file
            .source
            .rel
            .trim_start_matches("tables/")
            .trim_end_matches(".toml")
            .to_string();
        if !b.check_id(&stem, Location::file(&file.source.path), "table file name") {
            continue;
        }
        let raw = &file.raw;
        let (columns, keys) = build_columns(b, &file);
        let mut rows = Vec::new();
        for row in &raw.row {
            rows.push(build_row(b, refs, &file, row, (&columns, &keys)));
        }
        let id = TableId(stem);
        let caption = Builder::text(&file, raw.caption.get_ref(), raw.caption.span());
        let description = Builder::text(&file, raw.description.get_ref(), raw.description.span());
        tables.insert(
            id.clone(),
            Table {
                id,
                path: file.source.path.clone(),
                caption,
                description,
                columns,
                rows,
            },
        );
    }
    tables
}

type TableFile = Loaded<load::RawTable>;
type RawRow = Spanned<BTreeMap<String, Spanned<RawCell>>>;

/// The table's columns and their keys; a table needs at least one column.
fn build_columns(b: &mut Builder, file: &TableFile) -> (Vec<Column>, BTreeSet<String>) {
    let raw = &file.raw;
    let mut columns = Vec::new();
    let mut keys = BTreeSet::new();
    for c in &raw.column {
        let kind = match c.kind.get_ref().as_str() {
            "text" => ColumnKind::Text,
            "rating" => ColumnKind::Rating,
            "platform" => ColumnKind::Platform,
            other => {
                b.unknown(
                    file.at(c.kind.span()),
                    "column kind",
                    other,
                    "a column kind is text, rating or platform",
                );
                ColumnKind::Text
            }
        };
        if !keys.insert(c.key.get_ref().clone()) {
            b.error(
                "E035",
                file.at(c.key.span()),
                format!("duplicate column key `{}`", c.key.get_ref().escape_debug()),
            );
        }
        columns.push(Column {
            key: c.key.get_ref().clone(),
            label: c.label.clone(),
            kind,
        });
    }
    if columns.is_empty() {
        b.error("E036", Location::at(&file.source.path, 1, 1), "table has no columns")
            .help = Some("add [[column]] entries with key, label and kind".into());
    }
    (columns, keys)
}

/// One row's cells in column order; a missing, extra or mistyped cell is reported.
fn build_row(
    b: &mut Builder,
    refs: &Registry,
    file: &TableFile,
    row: &RawRow,
    (columns, keys): (&[Column], &BTreeSet<String>),
) -> Vec<Cell> {
    for key in row.get_ref().keys() {
        if !keys.contains(key) {
            b.error(
                "E037",
                file.at(row.span()),
                format!("row has a cell `{}` that is not a column", key.escape_debug()),
            );
        }
    }
    let mut cells = Vec::new();
    for column in columns {
        let Some(cell) = row.get_ref().get(&column.key) else {
            b.error(
                "E037",
                file.at(row.span()),
                format!("row has no cell for column `{}`", column.key.escape_debug()),
            );
            continue;
        };
        if let Some(cell) = build_cell(b, refs, file, column, cell) {
            cells.push(cell);
        }
    }
    cells
}

/// One cell, checked against its column's kind.
fn build_cell(
    b: &mut Builder,
    refs: &Registry,
    file: &TableFile,
    column: &Column,
    cell: &Spanned<RawCell>,
) -> Option<Cell> {
    let location = file.at(cell.span());
    let cell = match (column.kind, cell.get_ref()) {
        (ColumnKind::Text, RawCell::Text(text)) => Cell::Text {
            text: Text {
                markdown: text.clone(),
                location,
            },
            basis: Vec::new(),
        },
        (ColumnKind::Text, RawCell::Rating(r)) if r.level.is_none() && r.risk.is_none() => Cell::Text {
            basis: refs.basis_at(b, r.basis.iter().map(|id| (id.as_str(), location.clone())).collect()),
            text: Text {
                markdown: r.text.clone(),
                location,
            },
        },
        (ColumnKind::Rating, RawCell::Rating(r)) => rating_cell(b, refs, r, location.clone(), &column.key)?,
        (ColumnKind::Platform, RawCell::Text(text)) => {
            Cell::Platform(b.platform(location, text, "unknown platform")?)
        }
        (ColumnKind::Rating, RawCell::Text(_)) => {
            b.error(
                "E037",
                location,
                format!(
                    "column `{}` holds ratings: write {{ level = \"…\", text = \"…\", basis = [\"…\"] }} or {{ risk = \"…\" }}",
                    column.key
                ),
            );
            return None;
        }
        (_, RawCell::Rating(_)) => {
            b.error(
                "E037",
                location,
                format!("column `{}` holds text, not a rating", column.key),
            );
            return None;
        }
    };
    Some(cell)
}

/// A rating cell: its own level and basis, or those of a registry risk on one platform.
pub(super) fn rating_cell(
    b: &mut Builder,
    refs: &Registry,
    r: &load::RawRating,
    location: Location,
    column: &str,
) -> Option<Cell> {
    let stated = match r.level.as_deref().map(|l| (l, Level::parse(l))) {
        Some((_, Some(level))) => Some(level),
        Some((word, None)) => {
            b.unknown(
                location,
                "rating level",
                word,
                "a level is critical, high, medium, low or none",
            );
            return None;
        }
        None => None,
    };
    let mut basis = refs.basis_at(b, r.basis.iter().map(|id| (id.as_str(), location.clone())).collect());
    let text = |markdown: &str| Text {
        markdown: markdown.to_string(),
        location: location.clone(),
    };
    let Some(risk_id) = &r.risk else {
        let Some(level) = stated else {
            b.error(
                "E037",
                location.clone(),
                format!("the rating in column `{column}` has no level"),
            )
            .help =
                Some("write level = \"…\" with its basis, or risk = \"…\" to take both from content/risks.toml".into());
            return None;
        };
        if r.basis.is_empty() {
            no_basis(b, location.clone(), format!("the rating in column `{column}`"));
        }
        return Some(Cell::Rating {
            level,
            text: text(&r.text),
            basis,
            risk: None,
        });
    };
    let risk = refs.risk(b, location.clone(), risk_id)?;
    let platform = match &r.platform {
        Some(p) => b.platform(location.clone(), p, "unknown platform")?,
        None => match risk.ratings.keys().collect::<Vec<_>>()[..] {
            [only] => *only,
            _ => {
                b.error(
                    "E037",
                    location,
                    format!("risk `{}` is rated on several platforms: say which one", risk.id),
                )
                .help = Some("add platform = \"…\" to the cell".into());
                return None;
            }
        },
    };
    let Some(rating) = risk.ratings.get(&platform) else {
        b.error(
            "E046",
            location,
            format!("risk `{}` has no rating for platform `{}`", risk.id, platform.id()),
        )
        .help = Some("rate it under [risk.rating] in content/risks.toml".into());
        return None;
    };
    if let Some(level) = stated
        && level != rating.level
    {
        b.error(
            "E047",
            location.clone(),
            format!(
                "level `{}` differs from `{}`, the rating of risk `{}` on `{}`",
                level.id(),
                rating.level.id(),
                risk.id,
                platform.id()
            ),
        )
        .help = Some("drop level = …: the cell takes it from content/risks.toml".into());
    }
    merge_basis(&mut basis, &rating.basis);
    let words = if r.text.trim().is_empty() {
        &rating.note
    } else {
        &r.text
    };
    Some(Cell::Rating {
        level: rating.level,
        text: text(words),
        basis,
        risk: Some(risk.id.clone()),
    })
}

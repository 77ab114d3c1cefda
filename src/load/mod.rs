//! Load: each source file on its own → a `Raw*` value that keeps byte spans.
//!
//! Pages are split into TOML front matter and a Markdown body; data files are decoded from
//! TOML. `Raw*` types (in `raw`) are exactly what serde reads (`deny_unknown_fields`). Problems inside one
//! file become located diagnostics; nothing here looks across files or renders anything.

use crate::config::first_line;
use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Location};
use crate::discover::{FileKind, SourceFile};
use rayon::prelude::*;
use serde::Deserialize;
use std::ops::Range;
use std::sync::OnceLock;

mod raw;
pub use raw::*;

/// TOML nested deeper than this is refused before parsing, so no parser recursion can overflow.
pub const MAX_TOML_DEPTH: usize = 32;

/// One loaded file: its source plus the decoded value.
#[derive(Debug)]
pub struct Loaded<T> {
    pub source: SourceFile,
    pub raw: T,
    /// Built on the first located problem, so a file with thousands of them stays fast.
    lines: OnceLock<LineIndex>,
}

impl<T> Loaded<T> {
    pub fn new(source: SourceFile, raw: T) -> Self {
        Loaded {
            source,
            raw,
            lines: OnceLock::new(),
        }
    }

    /// The location of a byte span inside this file.
    pub fn at(&self, span: Range<usize>) -> Location {
        self.at_offset(span.start)
    }

    /// The location of a byte offset inside this file.
    pub fn at_offset(&self, offset: usize) -> Location {
        let (line, col) = self
            .lines
            .get_or_init(|| LineIndex::new(&self.source.text))
            .line_col(&self.source.text, offset);
        Location::at(&self.source.path, line, col)
    }
}

#[derive(Debug, Default)]
pub struct LoadedSite {
    pub pages: Vec<Loaded<RawPage>>,
    pub tables: Vec<Loaded<RawTable>>,
    pub checklists: Vec<Loaded<RawChecklist>>,
    pub questionnaire: Option<Loaded<RawQuestionnaire>>,
    pub sources: Option<Loaded<RawSources>>,
    pub risks: Option<Loaded<RawRisks>>,
    pub platforms: Option<Loaded<RawPlatforms>>,
    /// Files that failed to load: later steps treat their routes and ids as existing, so one
    /// broken file does not also make every link to it an error.
    pub failed: Vec<SourceFile>,
}

/// Decodes every discovered file; files with problems are left out and reported.
pub fn parse(files: Vec<SourceFile>) -> (LoadedSite, Diagnostics) {
    let mut site = LoadedSite::default();
    let mut problems = Diagnostics::new();
    // Files are decoded on every thread; the results are gathered in file order.
    let decoded: Vec<(SourceFile, Result<Decoded, Diagnostic>)> = files
        .into_par_iter()
        .map(|source| {
            let result = match source.kind {
                FileKind::Page => parse_page(&source).map(Decoded::Page),
                FileKind::Table => parse_toml(&source, 0, &source.text).map(Decoded::Table),
                FileKind::Checklist => parse_toml(&source, 0, &source.text).map(Decoded::Checklist),
                FileKind::Questionnaire => parse_toml(&source, 0, &source.text).map(Decoded::Questionnaire),
                FileKind::Sources => parse_toml(&source, 0, &source.text).map(Decoded::Sources),
                FileKind::Risks => parse_toml(&source, 0, &source.text).map(Decoded::Risks),
                FileKind::Platforms => parse_toml(&source, 0, &source.text).map(Decoded::Platforms),
            };
            (source, result)
        })
        .collect();
    for (source, result) in decoded {
        match result {
            Ok(Decoded::Page(raw)) => site.pages.push(Loaded::new(source, raw)),
            Ok(Decoded::Table(raw)) => site.tables.push(Loaded::new(source, raw)),
            Ok(Decoded::Checklist(raw)) => site.checklists.push(Loaded::new(source, raw)),
            Ok(Decoded::Questionnaire(raw)) => site.questionnaire = Some(Loaded::new(source, raw)),
            Ok(Decoded::Sources(raw)) => site.sources = Some(Loaded::new(source, raw)),
            Ok(Decoded::Risks(raw)) => site.risks = Some(Loaded::new(source, raw)),
            Ok(Decoded::Platforms(raw)) => site.platforms = Some(Loaded::new(source, raw)),
            Err(d) => {
                problems.push(d);
                site.failed.push(SourceFile {
                    text: String::new(),
                    ..source
                });
            }
        }
    }
    (site, problems)
}

/// One file decoded, before it is sorted into its kind.
enum Decoded {
    Page(RawPage),
    Table(RawTable),
    Checklist(RawChecklist),
    Questionnaire(RawQuestionnaire),
    Sources(RawSources),
    Risks(RawRisks),
    Platforms(RawPlatforms),
}

/// Splits `+++` front matter from the body and decodes it.
pub fn parse_page(source: &SourceFile) -> Result<RawPage, Diagnostic> {
    let text = source.text.as_str();
    let Some(after_open) = text.strip_prefix("+++\n").or_else(|| text.strip_prefix("+++ \n")) else {
        return Err(
            Diagnostic::error("E020", Location::at(&source.path, 1, 1), "page has no front matter")
                .with_help("start the file with a +++ line, a line `title = \"…\"`, and a closing +++ line"),
        );
    };
    let front_offset = text.len() - after_open.len();
    let (front_len, body_offset) = match after_open.find("\n+++") {
        Some(i) => {
            let close_end = front_offset + i + 4;
            let rest = &text[close_end..];
            let line_end = rest.find('\n').map_or(text.len(), |j| close_end + j + 1);
            if !text[close_end..line_end].trim().is_empty() {
                return Err(Diagnostic::error(
                    "E021",
                    Location::of_offset(&source.path, text, close_end),
                    "text after the closing +++ of the front matter",
                ));
            }
            (i + 1, line_end)
        }
        None if after_open.starts_with("+++") => (
            0,
            front_offset + after_open.find('\n').map_or(after_open.len(), |j| j + 1),
        ),
        None => {
            return Err(
                Diagnostic::error("E021", Location::at(&source.path, 1, 1), "front matter is never closed")
                    .with_help("end the front matter with a line holding only +++"),
            );
        }
    };
    let front_text = &text[front_offset..front_offset + front_len];
    let front: RawFrontMatter = parse_toml(source, front_offset, front_text)?;
    Ok(RawPage {
        front,
        front_offset,
        body_offset,
    })
}

/// Decodes a TOML document that starts at byte `offset` of the file.
fn parse_toml<T: for<'de> Deserialize<'de>>(source: &SourceFile, offset: usize, text: &str) -> Result<T, Diagnostic> {
    match too_deep(text, MAX_TOML_DEPTH) {
        Some(TomlRefusal::TooDeep(at)) => {
            return Err(Diagnostic::error(
                "E022",
                Location::of_offset(&source.path, &source.text, offset + at),
                format!("TOML nested more than {MAX_TOML_DEPTH} levels deep"),
            ));
        }
        Some(TomlRefusal::TooBig(at)) => {
            return Err(Diagnostic::error(
                "E023",
                Location::of_offset(&source.path, &source.text, offset + at),
                format!("TOML with more than {MAX_TOML_VALUES} keys and values"),
            )
            .with_help("split it into several tables or checklists"));
        }
        None => {}
    }
    toml::from_str(text).map_err(|e| {
        let at = offset + e.span().map_or(0, |s| s.start);
        let message = first_line(e.message());
        let message = if message.contains("did not match any variant of untagged enum RawCell") {
            "a cell must be text, { level = \"…\", text = \"…\", basis = [\"…\"] } or { risk = \"…\" }".to_string()
        } else if message.contains("did not match any variant of untagged enum RawEffect") {
            "an effect must be a whole number or \"exclude\"".to_string()
        } else {
            message
        };
        Diagnostic::error("E022", Location::of_offset(&source.path, &source.text, at), message)
    })
}

/// A TOML file with more keys, values and tables than this (counted as `=`, `,`, `[` and `{`
/// outside strings and comments) is refused before it is decoded: decoding holds about sixty
/// bytes per byte of such a file, so a 3.5 MB checklist of tiny items needed over 512 MiB. The
/// shipped guide's largest file, the questionnaire, counts about 1,200.
pub const MAX_TOML_VALUES: usize = 20_000;

/// Why a TOML text is refused before it is decoded, and at which byte.
#[derive(Debug, PartialEq, Eq)]
enum TomlRefusal {
    TooDeep(usize),
    TooBig(usize),
}

/// The byte offset where brackets or braces first nest deeper than `limit`, or where the text
/// holds more than [`MAX_TOML_VALUES`] values, skipping strings and comments.
fn too_deep(text: &str, limit: usize) -> Option<TomlRefusal> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut values = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let triple = bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if quote == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple {
                        if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                            i += 2;
                            break;
                        }
                    } else if bytes[i] == quote || bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'[' | b'{' => {
                depth += 1;
                values += 1;
                if depth > limit {
                    return Some(TomlRefusal::TooDeep(i));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' | b',' => values += 1,
            _ => {}
        }
        if values > MAX_TOML_VALUES {
            return Some(TomlRefusal::TooBig(i));
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: FileKind, text: &str) -> SourceFile {
        SourceFile {
            kind,
            path: "content/a.md".into(),
            rel: "a.md".into(),
            text: text.into(),
        }
    }

    #[test]
    fn splits_front_matter_and_body() {
        let s = source(FileKind::Page, "+++\ntitle = \"A\"\nweight = 2\n+++\nBody\n");
        let page = parse_page(&s).unwrap();
        assert_eq!(page.front.title.get_ref(), "A");
        assert_eq!(&s.text[page.body_offset..], "Body\n");
    }

    #[test]
    fn locates_front_matter_errors_in_the_file() {
        let s = source(FileKind::Page, "+++\ntitle = \"A\"\nwieght = 2\n+++\n");
        let d = parse_page(&s).unwrap_err();
        assert_eq!((d.location.line, d.location.col), (3, 1), "{d}");
        assert!(d.message.contains("wieght"), "{d}");
    }

    #[test]
    fn refuses_deep_nesting_before_parsing() {
        let deep = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(too_deep(&deep, MAX_TOML_DEPTH).is_some());
        assert!(too_deep("a = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"", 4).is_none());
        // Four per item: the two `[` of its header and its two `=`; nothing in strings or comments.
        let items = "[[group.item]]\nid=\"i\"\ntext=\"a, b = c\" # x = y, z\n".repeat(MAX_TOML_VALUES / 4 + 1);
        assert!(matches!(too_deep(&items, MAX_TOML_DEPTH), Some(TomlRefusal::TooBig(_))));
        let fewer = "[[group.item]]\nid=\"i\"\ntext=\"a, b = c\" # x = y, z\n".repeat(MAX_TOML_VALUES / 4 - 1);
        assert!(too_deep(&fewer, MAX_TOML_DEPTH).is_none());
    }
}

//! Load: each source file on its own → a `Raw*` value that keeps byte spans.
//!
//! Pages are split into TOML front matter and a Markdown body; data files are decoded from
//! TOML. `Raw*` types are exactly what serde reads (`deny_unknown_fields`). Problems inside one
//! file become located diagnostics; nothing here looks across files or renders anything.

use crate::config::first_line;
use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex, Location};
use crate::discover::{FileKind, SourceFile};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;
use toml::Spanned;

/// TOML nested deeper than this is refused before parsing, so no parser recursion can overflow.
pub const MAX_TOML_DEPTH: usize = 32;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontMatter {
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub weight: i64,
    pub severity: Option<Spanned<String>>,
    /// Source ids the page's `severity` rests on.
    #[serde(default)]
    pub basis: Vec<Spanned<String>>,
    /// Risk ids of the registry the page explains; its severity is the worst of their levels.
    #[serde(default)]
    pub risks: Vec<Spanned<String>>,
    pub reviewed: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub struct RawPage {
    pub front: RawFrontMatter,
    /// Byte offset of the front matter's TOML inside the file (spans are relative to it).
    pub front_offset: usize,
    /// Byte offset of the Markdown body inside the file.
    pub body_offset: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub caption: Spanned<String>,
    #[serde(default = "empty_spanned")]
    pub description: Spanned<String>,
    #[serde(default)]
    pub column: Vec<RawColumn>,
    #[serde(default)]
    pub row: Vec<Spanned<BTreeMap<String, Spanned<RawCell>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    pub key: Spanned<String>,
    pub label: String,
    #[serde(default = "text_kind")]
    pub kind: Spanned<String>,
}

fn text_kind() -> Spanned<String> {
    Spanned::new(0..0, "text".to_string())
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawCell {
    Text(String),
    Rating(RawRating),
}

/// A cell written as a table: a rating (`level` or `risk`), or text with its `basis`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRating {
    pub level: Option<String>,
    #[serde(default)]
    pub text: String,
    // Plain strings: inside an untagged enum, spans cannot be kept; the cell's own is used.
    #[serde(default)]
    pub basis: Vec<String>,
    /// A risk of the registry: its level and basis for `platform` are the cell's.
    pub risk: Option<String>,
    pub platform: Option<String>,
}

/// `content/sources.toml`: everything a rating may rest on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSources {
    #[serde(default)]
    pub source: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: Spanned<String>,
    /// source-section | upstream | assessment
    pub kind: Spanned<String>,
    pub title: Spanned<String>,
    /// The section of the source document (source-section).
    pub section: Option<String>,
    /// Where the upstream document is (upstream).
    pub url: Option<Spanned<String>>,
    /// When the upstream document was last read (upstream).
    pub checked: Option<Spanned<toml::value::Datetime>>,
    /// Why the guide rates it so (assessment).
    pub rationale: Option<String>,
}

/// `content/risks.toml`: each risk, rated once per platform.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisks {
    #[serde(default)]
    pub risk: Vec<RawRisk>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisk {
    pub id: Spanned<String>,
    pub title: String,
    /// Where the risk is explained: a route with an anchor.
    pub page: Spanned<String>,
    /// Other places that explain it for one platform; their severity lead-ins are checked too.
    #[serde(default)]
    pub also: Vec<Spanned<String>>,
    #[serde(default)]
    pub summary: String,
    /// Platform id → its rating.
    pub rating: Spanned<BTreeMap<String, Spanned<RawRiskRating>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRiskRating {
    pub level: Spanned<String>,
    #[serde(default)]
    pub basis: Vec<Spanned<String>>,
    /// A few words that say more than the level ("Controllable, with effort").
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
    #[serde(default = "empty_spanned")]
    pub intro: Spanned<String>,
    #[serde(default)]
    pub ordered: bool,
    #[serde(default)]
    pub group: Vec<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub title: Spanned<String>,
    #[serde(default)]
    pub item: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: Spanned<String>,
    pub text: Spanned<String>,
    #[serde(default = "empty_spanned")]
    pub detail: Spanned<String>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
    #[serde(default)]
    pub step: Vec<RawStep>,
    #[serde(default)]
    pub audit: Vec<RawAudit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: Spanned<String>,
    pub text: Spanned<String>,
    #[serde(default)]
    pub audit: Vec<RawAudit>,
}

/// A read-only check of an item or step: `crate::audit` vets it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    pub system: Spanned<String>,
    pub command: Spanned<String>,
    pub exit: Option<Spanned<i64>>,
    pub output: Option<Spanned<String>>,
    pub not_output: Option<Spanned<String>>,
    #[serde(default)]
    pub root: bool,
    pub timeout: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestionnaire {
    pub title: String,
    #[serde(default = "empty_spanned")]
    pub intro: Spanned<String>,
    pub tie_break: Spanned<Vec<Spanned<String>>>,
    pub close_call_gap: Spanned<i64>,
    /// Below this score no platform is recommended ("none fits yet").
    pub min_score: Option<Spanned<i64>>,
    /// Where the guide explains the monthly costs.
    pub costs_link: Option<Spanned<String>>,
    #[serde(default = "empty_spanned")]
    pub platform: Spanned<BTreeMap<String, RawPlatform>>,
    #[serde(default)]
    pub question: Vec<RawQuestion>,
    #[serde(default)]
    pub persona: Vec<RawPersona>,
}

fn empty_spanned<T: Default>() -> Spanned<T> {
    Spanned::new(0..0, T::default())
}

/// `content/platforms.toml`: the platforms the guide compares, in the order pages show them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatforms {
    #[serde(default = "empty_spanned")]
    pub platform: Spanned<Vec<RawPlatformDecl>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatformDecl {
    pub id: Spanned<String>,
    /// On pages, links, the questionnaire and `recommend`.
    pub name: String,
    /// On chips, where space is short.
    pub short: String,
}

/// What the questionnaire says about one declared platform.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    pub page: Spanned<String>,
    #[serde(default)]
    pub checklists: Vec<Spanned<String>>,
    pub cost: Option<Spanned<RawCost>>,
}

/// A monthly cost range in whole US dollars.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCost {
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    pub prompt: String,
    #[serde(default)]
    pub help: String,
    /// Unanswered, an optional question counts as neutral and the result is still shown.
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub option: Vec<RawOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub id: Spanned<String>,
    pub label: String,
    /// For a budget answer: the monthly spend it allows, checked against the platforms' costs.
    pub max_monthly_usd: Option<Spanned<i64>>,
    #[serde(default = "empty_spanned")]
    pub effects: Spanned<BTreeMap<String, Spanned<RawEffect>>>,
    #[serde(default)]
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    pub follow_up: Vec<RawFollowUp>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawEffect {
    Delta(i64),
    Word(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub platform: Spanned<String>,
    pub text: String,
    pub link: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFollowUp {
    pub text: Spanned<String>,
    pub link: Option<Spanned<String>>,
    /// A checklist item, `checklist-id/item-id`, instead of a link.
    pub item: Option<Spanned<String>>,
    pub platform: Option<Spanned<String>>,
    #[serde(default)]
    pub fix_first: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPersona {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub summary: String,
    pub answers: Spanned<BTreeMap<String, Spanned<String>>>,
    pub expect: Spanned<String>,
}

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

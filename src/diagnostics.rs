//! Diagnostics: the one error type of riskguide and the one formatter for it.
//!
//! Every step reports problems in user content as [`Diagnostic`]s that carry a [`Location`]
//! (a path relative to the site root, a 1-based line and column). Steps collect them and keep
//! going, so an author sees every problem of a phase in one run. This module depends on no
//! other module and never prints; `main` and `cmd` decide where the text goes.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a source file. `line` and `col` are 1-based; 0 means "the whole file" (no source
/// line is shown, and it prints as line 1, column 1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub col: usize,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: 0,
            col: 0,
        }
    }

    pub fn at(path: impl Into<String>, line: usize, col: usize) -> Self {
        Location {
            path: path.into(),
            line,
            col,
        }
    }

    /// The location of byte `offset` in `text`.
    pub fn of_offset(path: impl Into<String>, text: &str, offset: usize) -> Self {
        let (line, col) = line_col(text, offset);
        Location {
            path: path.into(),
            line,
            col,
        }
    }
}

/// Always `path:line:col`, so editors and CI can jump to every problem; a whole-file location
/// points at the file's start (`path:1:1`).
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line.max(1), self.col.max(1))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
/// Offsets past the end or inside a character are clamped, never a panic.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Where the lines of one text start, so that many offsets in a large file are located in
/// about constant time each instead of rescanning the text for every diagnostic.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
    /// For every block of [`LineIndex::BLOCK`] bytes: the characters that start before it.
    chars_before_block: Vec<usize>,
}

impl LineIndex {
    const BLOCK: usize = 1024;

    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut chars_before_block = Vec::with_capacity(text.len() / Self::BLOCK + 1);
        let mut count = 0;
        for block in text.as_bytes().chunks(Self::BLOCK) {
            chars_before_block.push(count);
            count += block.iter().filter(|b| !is_continuation(**b)).count();
        }
        LineIndex {
            starts,
            chars_before_block,
        }
    }

    /// The same answer as [`line_col`] for the text the index was built from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        (line, col)
    }

    /// How many characters start before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / Self::BLOCK;
        let base = self.chars_before_block.get(block).copied().unwrap_or(0);
        let from = (block * Self::BLOCK).min(offset);
        base + text.as_bytes()[from..offset]
            .iter()
            .filter(|b| !is_continuation(**b))
            .count()
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// At most this many diagnostics of one code are listed for one file; the rest are counted.
pub const MAX_PER_FILE_AND_CODE: usize = 50;

/// One problem found in the site, with a stable code such as `E012`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub location: Location,
}

impl Diagnostic {
    pub fn error(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            location,
        }
    }

    pub fn warning(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            help: None,
            location,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {}[{}]: {}", self.location, kind, self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A sorted collection of diagnostics, the result every phase hands back.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds a diagnostic and hands it back for a `help` to be attached.
    pub fn push_and_edit(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        self.0.push(diagnostic);
        let last = self.0.len() - 1;
        &mut self.0[last]
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Sorted by file, line, column, then message, without duplicates: deterministic reports.
    /// A file with more than [`MAX_PER_FILE_AND_CODE`] diagnostics of one code lists the first
    /// ones and then one more that counts the rest, so a pathological file cannot flood a report.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| {
            (&a.location, a.severity, a.code, &a.message).cmp(&(&b.location, b.severity, b.code, &b.message))
        });
        self.0.dedup();
        let mut shown: std::collections::HashMap<(String, Severity, &'static str), usize> =
            std::collections::HashMap::new();
        let mut hidden: Vec<((String, Severity, &'static str), Location, usize)> = Vec::new();
        let mut kept = Vec::with_capacity(self.0.len());
        for d in self.0 {
            let key = (d.location.path.clone(), d.severity, d.code);
            let count = shown.entry(key.clone()).or_insert(0);
            let more = hidden_count(&d);
            if *count < MAX_PER_FILE_AND_CODE && more == 0 {
                *count += 1;
                kept.push(d);
            } else {
                let n = more.max(1);
                match hidden.iter_mut().find(|(k, _, _)| *k == key) {
                    Some(entry) => entry.2 += n,
                    None => hidden.push((key, d.location, n)),
                }
            }
        }
        for ((_, severity, code), location, n) in hidden {
            kept.push(Diagnostic {
                severity,
                code,
                message: format!("{n} more {code} in this file{HIDDEN_SUFFIX}"),
                help: None,
                location,
            });
        }
        if kept.len() > 1 {
            kept.sort_by(|a, b| {
                (&a.location, a.severity, a.code, &a.message).cmp(&(&b.location, b.severity, b.code, &b.message))
            });
        }
        kept
    }
}

const HIDDEN_SUFFIX: &str = " are not listed";

/// How many diagnostics a "… more … are not listed" summary stands for (0 for any other).
fn hidden_count(d: &Diagnostic) -> usize {
    d.message
        .strip_suffix(HIDDEN_SUFFIX)
        .and_then(|m| m.strip_suffix(" in this file"))
        .and_then(|m| m.strip_suffix(d.code))
        .and_then(|m| m.strip_suffix(" more "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Failures that are not about content: the environment (I/O, a refused output directory).
/// Every I/O error names its path.
#[derive(Debug)]
pub enum Error {
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    Refused {
        path: PathBuf,
        reason: String,
    },
    Content(Vec<Diagnostic>),
}

impl Error {
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, action, source } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::Refused { path, reason } => {
                write!(f, "refusing to use {}: {reason}", path.display())
            }
            Error::Content(list) => {
                let errors = list.iter().filter(|d| d.is_error()).count();
                write!(f, "{errors} error(s) in the site's content")
            }
        }
    }
}

impl std::error::Error for Error {}

/// Renders a diagnostic: the `path:line:col: severity[CODE]: message` line that editors and CI
/// parse, then the offending source line with a caret under the column (drawn by
/// annotate-snippets, rustc's renderer), then the `help:` line. `source` is the file's text when
/// it is available; colour is the caller's choice. Everything shown passes through
/// [`printable`] first.
pub fn render_with_source(diagnostic: &Diagnostic, source: Option<&str>, color: bool) -> String {
    let (bold, red, yellow, reset) = if color {
        ("\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let kind = match diagnostic.severity {
        Severity::Error => format!("{red}error{reset}"),
        Severity::Warning => format!("{yellow}warning{reset}"),
    };
    let mut out = format!(
        "{bold}{}{reset}: {kind}[{}]: {bold}{}{reset}",
        printable(&diagnostic.location.to_string()),
        diagnostic.code,
        printable(&diagnostic.message)
    );
    let line_text = source
        .filter(|_| diagnostic.location.line > 0)
        .and_then(|text| text.lines().nth(diagnostic.location.line - 1));
    if let Some(line_text) = line_text {
        out.push('\n');
        out.push_str(&excerpt(diagnostic, line_text, color));
    }
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("\n  {bold}help{reset}: {}", printable(help)));
    }
    out
}

/// The source line of a diagnostic, escaped, with a caret under its column. The caret is placed
/// in the escaped line, so it stays under the character it points at when an earlier character
/// was shown as an escape.
fn excerpt(diagnostic: &Diagnostic, line_text: &str, color: bool) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let col = diagnostic.location.col.saturating_sub(1);
    let before: String = line_text.chars().take(col).collect();
    let pointed: String = line_text.chars().skip(col).take(1).collect();
    let shown = printable(line_text);
    let start = printable(&before).len();
    let end = start + printable(&pointed).chars().next().map_or(0, char::len_utf8);
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let report = [Group::with_level(level).element(
        Snippet::source(shown.as_str())
            .line_start(diagnostic.location.line)
            .annotation(AnnotationKind::Primary.span(start..end)),
    )];
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    renderer.render(&report)
}

/// Text safe to print on a terminal: control characters (escape sequences among them) and the
/// marks that reorder bidirectional text are shown as `\u{…}` escapes, tabs as spaces, so file
/// names, keys and source lines of a hostile site cannot drive or disguise the terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if drives_terminal(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// A control character, or a mark that reorders bidirectional text: what must never reach a
/// terminal (or a line a script prints) as it is.
pub fn drives_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 999), (3, 2));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = format!("ab\ncdé\n{}\nf€g\n\n", "xé".repeat(3000));
        let index = LineIndex::new(&text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_col(&text, offset),
                line_col(&text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(LineIndex::new("").line_col("", 5), (1, 1));
    }

    #[test]
    fn many_diagnostics_of_one_code_in_one_file_are_counted_not_listed() {
        let mut list = Diagnostics::new();
        for line in 1..=120 {
            list.push(Diagnostic::warning("W020", Location::at("a.md", line, 1), "raw HTML"));
        }
        list.push(Diagnostic::error("E042", Location::at("a.md", 200, 1), "bad link"));
        let sorted = list.into_sorted();
        assert_eq!(sorted.len(), MAX_PER_FILE_AND_CODE + 2, "{sorted:#?}");
        let summary = sorted.iter().find(|d| hidden_count(d) > 0).expect("a summary");
        assert_eq!(hidden_count(summary), 120 - MAX_PER_FILE_AND_CODE);
        assert_eq!(summary.location.line, MAX_PER_FILE_AND_CODE + 1);
        // Sorting again keeps the count.
        let again: Diagnostics = sorted.into_iter().collect();
        let again = again.into_sorted();
        let total: usize = again
            .iter()
            .filter(|d| d.code == "W020")
            .map(|d| hidden_count(d).max(1))
            .sum();
        assert_eq!(total, 120);
    }

    #[test]
    fn whole_file_locations_print_as_the_first_column() {
        assert_eq!(Location::file("content/a.md").to_string(), "content/a.md:1:1");
    }

    #[test]
    fn line_col_clamps_inside_a_character() {
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn formats_as_path_line_col_code() {
        let d = Diagnostic::error("E001", Location::at("content/a.md", 3, 5), "bad").with_help("fix it");
        assert_eq!(d.to_string(), "content/a.md:3:5: error[E001]: bad\n  help: fix it");
    }

    #[test]
    fn escape_sequences_and_bidi_marks_never_reach_the_terminal() {
        let d = Diagnostic::error(
            "E022",
            Location::at("a\u{1b}[31m.md", 1, 11),
            "unknown field `\u{1b}]0;x\u{7}`",
        )
        .with_help("\u{202e}reversed");
        let text = render_with_source(&d, Some("\u{1b}[2Jab\u{202e}cd <b>\n"), false);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains("a\\u{1b}[31m.md:1:11"), "{text}");
        // The caret still sits under column 11 (`<`) of the escaped line.
        let lines: Vec<&str> = text.lines().collect();
        let code = lines[2].chars().position(|c| c == '<').expect("shown");
        assert_eq!(lines[3].chars().position(|c| c == '^'), Some(code), "{text}");
    }

    #[test]
    fn long_lines_show_the_part_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::error("E042", Location::at("a.md", 1, 5001), "bad");
        let text = render_with_source(&d, Some(&line), false);
        let lines: Vec<&str> = text.lines().collect();
        let x = lines[2].chars().position(|c| c == 'X').expect("the column is shown");
        assert_eq!(lines[3].chars().position(|c| c == '^'), Some(x), "{text}");
    }

    #[test]
    fn renders_caret_under_column() {
        let d = Diagnostic::error("E001", Location::at("a.md", 2, 3), "bad");
        let text = render_with_source(&d, Some("first\nsecond\n"), false);
        assert!(text.contains("2 | second\n  |   ^"), "{text}");
    }
}

//! Discover: walk `content/` (walkdir), classify each file, read its text.
//!
//! Output is a sorted list of [`SourceFile`]s, so everything downstream is deterministic.
//! Nothing is read from outside the site root: a symlink that leads out is an error.
//! This module does not parse.

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use rayon::prelude::*;
use std::path::Path;

/// Files larger than this are refused: a guide page is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Page,
    Table,
    Checklist,
    Questionnaire,
    /// `content/sources.toml`: what ratings rest on.
    Sources,
    /// `content/risks.toml`: each risk rated once per platform.
    Risks,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub kind: FileKind,
    /// Path relative to the site root with `/` separators (`content/vps/risks.md`).
    pub path: String,
    /// Path relative to `content/` (`vps/risks.md`).
    pub rel: String,
    pub text: String,
}

/// Lists and reads every content file of the site.
pub fn scan(config: &Config) -> (Vec<SourceFile>, Diagnostics) {
    let content = config.content_dir();
    let mut files = Vec::new();
    let mut problems = Diagnostics::new();
    if !content.is_dir() {
        problems.push(Diagnostic::error(
            "E010",
            Location::file("content"),
            "the site has no content/ directory",
        ));
        return (files, problems);
    }
    if !resolves_inside(&config.root, &content) {
        problems.push(
            Diagnostic::error(
                "E012",
                Location::file("content"),
                "content/ leads outside the site root",
            )
            .with_help("make content/ a directory of the site, not a link to somewhere else"),
        );
        return (files, problems);
    }
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(&content)
        .follow_links(false)
        .sort_by_file_name()
        .max_depth(16);
    for entry in walker
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(&config.root, p))
                    .unwrap_or_else(|| "content".into());
                problems.push(Diagnostic::error(
                    "E011",
                    Location::file(path),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let path = relative(&config.root, entry.path());
        match readable_file(&config.root, &entry, Location::file(&path)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(refused) => {
                problems.push(refused);
                continue;
            }
        }
        let rel = relative(&content, entry.path());
        let Some(kind) = classify(&rel) else {
            if !rel.ends_with(".md") && !rel.ends_with(".toml") {
                problems.push(
                    Diagnostic::warning("W010", Location::file(&path), "file is not content and is ignored")
                        .with_help("pages are .md files; data is content/tables/*.toml and content/checklists/*.toml"),
                );
            } else {
                problems.push(
                    Diagnostic::error("E013", Location::file(&path), "TOML file in a place that holds no data")
                        .with_help("data tables go in content/tables/, checklists in content/checklists/"),
                );
            }
            continue;
        };
        found.push((kind, path, rel, entry.into_path()));
    }
    // Walking is cheap; reading thousands of files is not, so it is shared between threads.
    let read: Vec<_> = found
        .into_par_iter()
        .map(|(kind, path, rel, full)| (read_text(&full), kind, path, rel))
        .collect();
    for (text, kind, path, rel) in read {
        match text {
            Ok(text) => files.push(SourceFile { kind, path, rel, text }),
            Err(message) => problems.push(Diagnostic::error("E011", Location::file(&path), message)),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

/// True when `path`, with every symbolic link resolved, is inside the (canonical) site root.
pub fn resolves_inside(root: &Path, path: &Path) -> bool {
    path.canonicalize().is_ok_and(|target| target.starts_with(root))
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn classify(rel: &str) -> Option<FileKind> {
    let in_dir = |dir: &str| {
        rel.strip_prefix(dir)
            .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".toml"))
    };
    if rel == "questionnaire.toml" {
        Some(FileKind::Questionnaire)
    } else if rel == "sources.toml" {
        Some(FileKind::Sources)
    } else if rel == "risks.toml" {
        Some(FileKind::Risks)
    } else if in_dir("tables/") {
        Some(FileKind::Table)
    } else if in_dir("checklists/") {
        Some(FileKind::Checklist)
    } else if rel.ends_with(".md") {
        Some(FileKind::Page)
    } else {
        None
    }
}

/// Reads a file as UTF-8 text, refusing huge files and dropping a byte-order mark.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_limited(path)?;
    let text =
        String::from_utf8(bytes).map_err(|e| format!("file is not UTF-8 (byte {})", e.utf8_error().valid_up_to()))?;
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Whether a walked entry may be read: a regular file, or a symbolic link to a file inside
/// `root`. `Ok(false)` means "not a file, skip it"; a link leading out is a located error.
pub fn readable_file(root: &Path, entry: &walkdir::DirEntry, location: Location) -> Result<bool, Diagnostic> {
    if !entry.path_is_symlink() {
        return Ok(entry.file_type().is_file());
    }
    if resolves_inside(root, entry.path()) && entry.path().is_file() {
        Ok(true)
    } else {
        Err(
            Diagnostic::error("E012", location, "symbolic link leads outside the site root or nowhere")
                .with_help("copy the file into the site instead of linking to it"),
        )
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`].
pub fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?.len();
    if size > MAX_FILE_BYTES {
        return Err(format!("file is {size} bytes; the limit is {MAX_FILE_BYTES}"));
    }
    std::fs::read(path).map_err(|e| format!("cannot read: {e}"))
}

/// `path` relative to `base`, with `/` separators.
pub fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_place() {
        assert_eq!(classify("questionnaire.toml"), Some(FileKind::Questionnaire));
        assert_eq!(classify("tables/a.toml"), Some(FileKind::Table));
        assert_eq!(classify("checklists/a.toml"), Some(FileKind::Checklist));
        assert_eq!(classify("tables/x/a.toml"), None);
        assert_eq!(classify("vps/risks.md"), Some(FileKind::Page));
        assert_eq!(classify("sources.toml"), Some(FileKind::Sources));
        assert_eq!(classify("risks.toml"), Some(FileKind::Risks));
        assert_eq!(classify("notes.toml"), None);
    }
}

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

/// How many directories deep content may lie: a route per level, and far more than any guide
/// needs. Anything deeper is a located error, never silently left out.
pub const MAX_DEPTH: usize = 16;

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
    /// `content/platforms.toml`: the platforms the guide compares, in display order.
    Platforms,
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
    if let Some(outside) = outside_root(&config.root, &content, "content") {
        problems.push(outside.with_help("make content/ a directory of the site, not a link to somewhere else"));
        return (files, problems);
    }
    let mut found = Vec::new();
    // One level past the limit is walked so that what lies there is reported, not dropped.
    let walker = walk(&content, MAX_DEPTH + 1);
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
        if entry.depth() > MAX_DEPTH {
            problems.push(
                Diagnostic::error(
                    "E014",
                    Location::file(&path),
                    format!("nested more than {MAX_DEPTH} levels deep inside content/; not read"),
                )
                .with_help("move it up: a guide's sections are a few directories deep"),
            );
            continue;
        }
        if !readable_file(&config.root, &entry, Location::file(&path), &mut problems) {
            continue;
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
        .map(|(kind, path, rel, full)| (read_text(&config.root, &full), kind, path, rel))
        .collect();
    for (text, kind, path, rel) in read {
        match text {
            Ok(text) => files.push(SourceFile { kind, path, rel, text }),
            Err(refused) => problems.push(refused.diagnostic(Location::file(&path))),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

/// How a directory of the site is walked: in name order, `max_depth` levels deep, links seen as
/// links (each is checked where it leads, see [`readable_file`]).
pub fn walk(dir: &Path, max_depth: usize) -> walkdir::WalkDir {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .max_depth(max_depth)
}

/// The error for a directory of the site (`content`, `templates`, `static`) that, its links
/// resolved, lies outside the root; `None` when it is inside.
pub fn outside_root(root: &Path, dir: &Path, name: &str) -> Option<Diagnostic> {
    (!resolves_inside(root, dir)).then(|| {
        Diagnostic::error(
            "E012",
            Location::file(name),
            format!("{name}/ leads outside the site root"),
        )
    })
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
    } else if rel == "platforms.toml" {
        Some(FileKind::Platforms)
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
pub(crate) fn read_text(root: &Path, path: &Path) -> Result<String, Refusal> {
    let bytes = read_inside(root, path, MAX_FILE_BYTES)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Refusal::Unreadable(format!("file is not UTF-8 (byte {})", e.utf8_error().valid_up_to())))?;
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

/// Whether a walked entry is read: a regular file, or a symbolic link to a file inside `root`.
/// A directory is skipped quietly; a link leading out, and a special file, are reported in
/// `problems` at `location` (see [`refused_file`]).
pub fn readable_file(root: &Path, entry: &walkdir::DirEntry, location: Location, problems: &mut Diagnostics) -> bool {
    match refused_file(root, entry, location) {
        Ok(readable) => readable,
        Err(refused) => {
            problems.push(refused);
            false
        }
    }
}

/// Whether a walked entry may be read: a regular file, or a symbolic link to a file inside
/// `root`. `Ok(false)` means "not a file, skip it" (a directory); a link leading out, and a
/// special file (a named pipe, a socket, a device), are located errors. The read itself checks
/// again on the open file ([`read_inside`]), since the tree may change after this look.
fn refused_file(root: &Path, entry: &walkdir::DirEntry, location: Location) -> Result<bool, Diagnostic> {
    if !entry.path_is_symlink() {
        let kind = entry.file_type();
        if kind.is_file() {
            return Ok(true);
        }
        if kind.is_dir() {
            return Ok(false);
        }
        return Err(Diagnostic::error(
            "E011",
            location,
            format!("{} is not a regular file and is not read", special_kind(kind)),
        )
        .with_help("content, templates and static files must be regular files"));
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

/// What a file that is neither a regular file, a directory nor a link is, for messages.
fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file, as opened, is not inside the site root (a link, or a directory swapped for
    /// a link while the build ran).
    Outside,
    /// Not a regular file, too big, or an I/O error; the message says which.
    Unreadable(String),
}

impl Refusal {
    /// The located error for this refusal.
    pub fn diagnostic(self, location: Location) -> Diagnostic {
        match self {
            Refusal::Outside => Diagnostic::error("E012", location, "file resolves outside the site root")
                .with_help("copy the file into the site instead of linking to it"),
            Refusal::Unreadable(message) => Diagnostic::error("E011", location, message),
        }
    }
}

impl From<Refusal> for String {
    fn from(refusal: Refusal) -> String {
        match refusal {
            Refusal::Outside => "file resolves outside the site root".into(),
            Refusal::Unreadable(message) => message,
        }
    }
}

/// Reads the regular file at `path`, of at most `cap` bytes, if it is inside the canonical
/// `root`.
///
/// Checking a path and then reading it is racy: a directory swapped for a symbolic link in
/// between sends the read elsewhere. So the checks are made on the open file itself. The path
/// is opened without following a final link (a link inside the root is resolved and its
/// target opened the same way) and without blocking (a named pipe would block an ordinary
/// open forever); the open file must be a regular file, and the file that was opened, not the
/// path, must lie inside the root. The read stops after `cap + 1` bytes whatever the file
/// claims its size is (`/dev/zero` claims 0).
pub fn read_inside(root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Refusal::Unreadable(format!("cannot read: {e}"));
    let file = match open_no_follow(path) {
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            let target = path.canonicalize().map_err(cannot)?;
            if !target.starts_with(root) {
                return Err(Refusal::Outside);
            }
            open_no_follow(&target).map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    Refusal::Outside
                } else {
                    cannot(e)
                }
            })?
        }
        opened => opened.map_err(cannot)?,
    };
    let opened = file.metadata().map_err(cannot)?;
    if !opened.file_type().is_file() {
        return Err(Refusal::Unreadable(format!(
            "{} is not a regular file and is not read",
            special_kind(opened.file_type())
        )));
    }
    if opened.len() > cap {
        return Err(Refusal::Unreadable(format!(
            "file is {} bytes; the limit is {cap}",
            opened.len()
        )));
    }
    if !opened_inside(&file, &opened, path, root) {
        return Err(Refusal::Outside);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(Refusal::Unreadable(format!("file grew past the limit of {cap} bytes")));
    }
    Ok(bytes)
}

/// Opens for reading without following a final symbolic link and without blocking.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

/// Whether the open file lies inside `root`. Linux names the file a descriptor refers to in
/// /proc/self/fd (one call, whatever happened to the path since). Elsewhere, the path must
/// now resolve inside the root to that very file (same device and inode).
fn opened_inside(file: &std::fs::File, opened: &std::fs::Metadata, path: &Path, root: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(real) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return real.starts_with(root);
        }
    }
    let _ = file;
    path.canonicalize().is_ok_and(|now| {
        now.starts_with(root)
            && std::fs::metadata(&now).is_ok_and(|m| m.dev() == opened.dev() && m.ino() == opened.ino())
    })
}

/// Reads a file of the site at `root` of at most [`MAX_FILE_BYTES`], under the rules of
/// [`read_inside`].
pub fn read_limited(root: &Path, path: &Path) -> Result<Vec<u8>, String> {
    read_inside(root, path, MAX_FILE_BYTES).map_err(String::from)
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
        assert_eq!(classify("platforms.toml"), Some(FileKind::Platforms));
        assert_eq!(classify("notes.toml"), None);
    }

    #[test]
    fn reads_only_regular_files_inside_the_root_and_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("site");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.md"), "inside").unwrap();
        std::fs::write(base.join("secret.md"), "outside").unwrap();
        std::os::unix::fs::symlink(root.join("a.md"), root.join("sub/link.md")).unwrap();
        std::os::unix::fs::symlink(base.join("secret.md"), root.join("out.md")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.md")).unwrap();
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("pipe.md"))
            .status()
            .unwrap();
        assert!(made.success());
        let read = |name: &str, cap| read_inside(&root, &root.join(name), cap);
        assert_eq!(read("a.md", 6).unwrap(), b"inside");
        assert_eq!(read("sub/link.md", 6).unwrap(), b"inside");
        assert!(matches!(read("a.md", 5), Err(Refusal::Unreadable(m)) if m.contains("limit")));
        assert_eq!(read("out.md", 100), Err(Refusal::Outside));
        assert_eq!(read("zero.md", 100), Err(Refusal::Outside));
        assert_eq!(read("up/secret.md", 100), Err(Refusal::Outside));
        assert!(matches!(read("pipe.md", 100), Err(Refusal::Unreadable(m)) if m.contains("named pipe")));
        assert!(matches!(read("missing.md", 100), Err(Refusal::Unreadable(_))));
    }
}

//! Assets: the inventory of `static/`, the stylesheet bundles (lightningcss: `@import`s inlined,
//! minified) and content-hashed names.
//!
//! Produces an [`AssetManifest`] (logical name → fingerprinted path) and the
//! bytes to emit. Every `static/css/*.css` whose name does not start with `_` is a stylesheet
//! entry, bundled with its `@import`s; `_name.css` files (and any under a subfolder of `css/`)
//! are partials, reached only through `@import`. The base stylesheet, `main.css`, which every
//! page links, also gets the code highlighting colours. `static/js/*.js` are scripts; every
//! other file is copied under its own path. Reads `static/` only; renders and writes nothing.

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{read_limited, readable_file, relative, resolves_inside};
use crate::highlight;
use lightningcss::bundler::{Bundler, ResolveResult, SourceProvider};
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stylesheet every page links; the highlighting colours are appended to it.
pub const BASE_STYLESHEET: &str = "main.css";

/// One fingerprinted asset: where it is written, under a name that changes with its bytes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Fingerprinted {
    pub path: String,
}

#[derive(Debug, Clone, Default)]
pub struct AssetManifest {
    /// Bundled stylesheets by entry file name (`main.css`, `checklist.css`).
    pub styles: BTreeMap<String, Fingerprinted>,
    /// Scripts by file name (`checklist.js`).
    pub scripts: BTreeMap<String, Fingerprinted>,
    /// Files copied as they are (`images/trust-boundary.svg`), for link and image checks.
    pub files: BTreeSet<String>,
    /// Every output path with its bytes.
    pub outputs: BTreeMap<String, Vec<u8>>,
}

impl AssetManifest {
    /// Adds a generated asset (like the search index) under a content-hashed name.
    pub fn add_generated(&mut self, name: &str, bytes: Vec<u8>) -> Fingerprinted {
        let f = fingerprint(name, &bytes);
        self.outputs.insert(f.path.clone(), bytes);
        f
    }
}

/// `assets/<stem>.<hash>.<ext>` for a file's bytes.
pub fn fingerprint(name: &str, bytes: &[u8]) -> Fingerprinted {
    let hash = Sha256::digest(bytes);
    let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "bin"));
    Fingerprinted {
        path: format!("assets/{stem}.{short}.{ext}"),
    }
}

/// Reads `static/` and builds every asset.
pub fn bundle(config: &Config) -> (AssetManifest, Diagnostics) {
    let mut manifest = AssetManifest::default();
    let mut problems = Diagnostics::new();
    let dir = config.static_dir();
    let files = read_static(config, &dir, &mut problems);
    let mut css_sources: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (rel, bytes) in files {
        let location = Location::file(format!("static/{rel}"));
        if rel.starts_with("css/") {
            if rel.ends_with(".css") {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        css_sources.insert(dir.join(&rel), text);
                    }
                    Err(_) => problems.push(Diagnostic::error("E070", location, "stylesheet is not UTF-8")),
                }
            }
        } else if let Some(name) = rel.strip_prefix("js/") {
            if name.ends_with(".js") && !name.contains('/') {
                let bytes = compact_script(bytes);
                let f = fingerprint(name, &bytes);
                manifest.outputs.insert(f.path.clone(), bytes);
                manifest.scripts.insert(name.to_string(), f);
            }
        } else if !is_safe_output_path(&rel) {
            problems.push(Diagnostic::error(
                "E071",
                location,
                "static file name must use letters, digits, `-`, `_` and `.`",
            ));
        } else {
            manifest.files.insert(rel.clone());
            manifest.outputs.insert(rel, bytes);
        }
    }
    let entries: Vec<String> = css_sources
        .keys()
        .filter_map(|path| path.strip_prefix(dir.join("css")).ok())
        .filter_map(|rel| rel.to_str())
        .filter(|name| is_stylesheet_entry(name))
        .map(str::to_string)
        .collect();
    for name in entries.iter().filter(|name| !is_safe_output_path(name)) {
        problems.push(Diagnostic::error(
            "E071",
            Location::file(format!("static/css/{name}")),
            "stylesheet name must use letters, digits, `-`, `_` and `.`",
        ));
    }
    let entries = entries.into_iter().filter(|name| is_safe_output_path(name));
    let provider = StaticCss {
        root: dir.clone(),
        sources: css_sources,
    };
    for name in entries {
        let extra = if name == BASE_STYLESHEET {
            highlight::THEME_CSS
        } else {
            ""
        };
        match bundle_css(&provider, &name, extra) {
            Ok(css) => {
                let f = fingerprint(&name, css.as_bytes());
                manifest.outputs.insert(f.path.clone(), css.into_bytes());
                manifest.styles.insert(name, f);
            }
            Err(d) => problems.push(d),
        }
    }
    (manifest, problems)
}

fn read_static(config: &Config, dir: &Path, problems: &mut Diagnostics) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    if !resolves_inside(&config.root, dir) {
        problems.push(Diagnostic::error(
            "E012",
            Location::file("static"),
            "static/ leads outside the site root",
        ));
        return out;
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .max_depth(8)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Diagnostic::error(
                    "E011",
                    Location::file("static"),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let rel = relative(dir, entry.path());
        let location = Location::file(format!("static/{rel}"));
        if rel.split('/').any(|s| s.starts_with('.')) {
            continue;
        }
        match readable_file(&config.root, &entry, location.clone()) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(refused) => {
                problems.push(refused);
                continue;
            }
        }
        let read = read_limited(entry.path());
        match read {
            Ok(bytes) => out.push((rel, bytes)),
            Err(e) => problems.push(Diagnostic::error("E011", location, e)),
        }
    }
    out
}

/// A script without its indentation, blank lines and whole-line `//` comments. Its tokens and
/// line breaks stay as they are, so automatic semicolon insertion and its meaning do too. A
/// script where a line break can sit inside a string (a template literal, a line ending in a
/// backslash) or that is not UTF-8 is left whole.
fn compact_script(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bytes;
    };
    if text.contains('`') || text.lines().any(|line| line.trim_end().ends_with('\\')) {
        return bytes;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim) {
        // A line that starts with `//` is a comment unless a block comment ends on it.
        if line.is_empty() || (line.starts_with("//") && !line.contains("*/")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

/// True for a file directly under `static/css/` that is bundled on its own: `name.css` not
/// starting with `_` (those, and files in subfolders, are partials for `@import`).
fn is_stylesheet_entry(name: &str) -> bool {
    name.ends_with(".css") && !name.contains('/') && !name.starts_with('_')
}

/// True for relative paths made of plain names: nothing can climb out of the output directory.
pub fn is_safe_output_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment.len() <= 128
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// Serves stylesheets from memory, and only those under `static/`.
struct StaticCss {
    root: PathBuf,
    sources: BTreeMap<PathBuf, String>,
}

#[derive(Debug)]
struct CssFileError(String);

impl std::fmt::Display for CssFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CssFileError {}

impl SourceProvider for StaticCss {
    type Error = CssFileError;

    fn read<'a>(&'a self, file: &Path) -> Result<&'a str, Self::Error> {
        self.sources
            .get(file)
            .map(String::as_str)
            .ok_or_else(|| CssFileError(format!("no stylesheet {}", file.display())))
    }

    fn resolve(&self, specifier: &str, originating_file: &Path) -> Result<ResolveResult, Self::Error> {
        let base = originating_file.parent().unwrap_or(&self.root);
        let mut path = base.to_path_buf();
        for part in specifier.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    path.pop();
                }
                p => path.push(p),
            }
        }
        if !path.starts_with(&self.root) || !self.sources.contains_key(&path) {
            return Err(CssFileError(format!(
                "@import \"{specifier}\" is not a stylesheet under static/"
            )));
        }
        Ok(ResolveResult::File(path))
    }
}

/// Bundles `static/css/<name>` with its `@import`s, minified, with `extra` CSS appended.
fn bundle_css(provider: &StaticCss, name: &str, extra: &str) -> Result<String, Diagnostic> {
    let root = &provider.root;
    let entry = root.join("css").join(name);
    let printer = || PrinterOptions {
        minify: true,
        ..PrinterOptions::default()
    };
    let css_error = |message: String, loc: Option<(String, u32, u32)>| {
        let location = match loc {
            Some((file, line, col)) => {
                let rel = relative(root, Path::new(&file));
                Location::at(format!("static/{rel}"), line as usize + 1, col as usize)
            }
            None => Location::file(format!("static/css/{name}")),
        };
        Diagnostic::error("E072", location, message)
    };
    let mut bundler = Bundler::new(provider, None, ParserOptions::default());
    let mut sheet = bundler
        .bundle(&entry)
        .map_err(|e| css_error(e.kind.to_string(), e.loc.map(|l| (l.filename, l.line, l.column))))?;
    sheet
        .minify(MinifyOptions::default())
        .map_err(|e| css_error(e.kind.to_string(), None))?;
    let mut css = sheet
        .to_css(printer())
        .map_err(|e| css_error(e.kind.to_string(), None))?
        .code;
    if !extra.is_empty() {
        let appended = lightningcss::stylesheet::StyleSheet::parse(extra, ParserOptions::default())
            .map_err(|e| css_error(e.kind.to_string(), None))?
            .to_css(printer())
            .map_err(|e| css_error(e.kind.to_string(), None))?;
        css.push_str(&appended.code);
    }
    Ok(css)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_cannot_climb() {
        assert!(is_safe_output_path("images/a.svg"));
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            ".hidden",
            "a\\b",
            "%2e%2e/x",
            "",
        ] {
            assert!(!is_safe_output_path(bad), "{bad}");
        }
    }

    #[test]
    fn scripts_lose_indentation_and_comment_lines_only() {
        let compact = |s: &str| String::from_utf8(compact_script(s.as_bytes().to_vec())).unwrap();
        assert_eq!(
            compact("// head\r\n  var a = 1; // keeps\r\n\r\n  /* x\r\n  // y */\r\n  a++;\r\n"),
            "var a = 1; // keeps\n/* x\n// y */\na++;\n"
        );
        // Where a line break can sit inside a string, the script stays exactly as written.
        for whole in ["var s = \"a\\\n    b\";\n", "var t = `a\n    b`;\n"] {
            assert_eq!(compact(whole), whole);
        }
        assert_eq!(compact_script(vec![0xff, b' ', b'a']), vec![0xff, b' ', b'a']);
    }

    #[test]
    fn stylesheet_entries_are_top_level_files_without_a_leading_underscore() {
        assert!(is_stylesheet_entry("main.css") && is_stylesheet_entry("checklist.css"));
        for partial in ["_shared.css", "parts/links.css", "main.scss", "notes.txt"] {
            assert!(!is_stylesheet_entry(partial), "{partial}");
        }
    }

    #[test]
    fn fingerprints_are_stable_and_content_based() {
        let a = fingerprint("main.css", b"a{}");
        assert_eq!(a.path, fingerprint("main.css", b"a{}").path);
        assert_ne!(a.path, fingerprint("main.css", b"b{}").path);
        assert!(a.path.starts_with("assets/main.") && a.path.ends_with(".css"));
    }
}

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
use crate::discover::{outside_root, read_limited, readable_file, relative, walk};
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
    /// Ids the scripts look up (`getElementById("…")`) and globals they share (`window.…`): an
    /// element of content with such an id would stand in for them.
    pub script_names: BTreeSet<String>,
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
                manifest
                    .script_names
                    .extend(script_names(&String::from_utf8_lossy(&bytes)));
                let bytes = minify_script(bytes);
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
    let provider = StaticCss {
        root: dir.clone(),
        sources: css_sources,
    };
    // lightningcss parses nested blocks and imports recursively: a stylesheet nested past the
    // limit would overflow the stack, so it is refused before anything is parsed (and nothing
    // is bundled, which would only add errors about it).
    let too_deep = css_nesting_problems(&provider);
    let refused = !too_deep.is_empty();
    problems.extend(too_deep);
    let entries = entries.into_iter().filter(|name| is_safe_output_path(name) && !refused);
    let bundled = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("stylesheets".into())
            .stack_size(CSS_STACK_BYTES)
            .spawn_scoped(scope, || {
                entries
                    .map(|name| {
                        let extra = if name == BASE_STYLESHEET {
                            highlight::THEME_CSS
                        } else {
                            ""
                        };
                        let css = bundle_css(&provider, &name, extra);
                        (name, css)
                    })
                    .collect::<Vec<_>>()
            })
            .map(|thread| thread.join())
    });
    let bundled = match bundled {
        Ok(Ok(list)) => list,
        _ => {
            problems.push(Diagnostic::error(
                "E072",
                Location::file("static/css"),
                "the stylesheets could not be bundled",
            ));
            Vec::new()
        }
    };
    for (name, css) in bundled {
        match css {
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
    if let Some(outside) = outside_root(&config.root, dir, "static") {
        problems.push(outside);
        return out;
    }
    for entry in walk(dir, 8) {
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
        if !readable_file(&config.root, &entry, location.clone(), problems) {
            continue;
        }
        let read = read_limited(&config.root, entry.path());
        match read {
            Ok(bytes) => out.push((rel, bytes)),
            Err(e) => problems.push(Diagnostic::error("E011", location, e)),
        }
    }
    out
}

/// A script minified by the `minifier` crate (the token-level minifier rustdoc used for its
/// own scripts): comments and the white space no token needs are dropped, template literals,
/// strings and regular expressions are kept as written. A script it cannot tokenize, or that is
/// not UTF-8, is served as written.
fn minify_script(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bytes;
    };
    match minifier::js::minify(text) {
        Ok(minified) => minified.to_string().into_bytes(),
        Err(_) => bytes,
    }
}

/// The ids a script looks up by a literal name and the `window` globals it uses. Methods the
/// browser provides (`window.print(`) are left out: an element never shadows those.
fn script_names(script: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, found) in script.match_indices("getElementById(\"") {
        let rest = &script[at + found.len()..];
        if let Some(end) = rest.find('"') {
            names.push(rest[..end].to_string());
        }
    }
    for (at, found) in script.match_indices("window.") {
        let name: String = script[at + found.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        if !name.is_empty() && !script.contains(&format!("window.{name}(")) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
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

/// Blocks, brackets and parentheses nested deeper than this in a stylesheet are refused. Real
/// stylesheets nest a handful of levels; lightningcss, which parses them recursively, handles
/// many times this on the stack it gets (see [`CSS_STACK_BYTES`]).
pub const MAX_CSS_NESTING: usize = 32;

/// The stack the stylesheets are parsed on: far more than the nesting limit needs.
const CSS_STACK_BYTES: usize = 16 * 1024 * 1024;

/// How one stylesheet nests: its deepest `{`, `(` or `[` nesting and where it first goes past
/// [`MAX_CSS_NESTING`] (line, column), and its `@import`s with where each is.
#[derive(Debug, Default, PartialEq, Eq)]
struct CssShape {
    depth: usize,
    too_deep_at: (usize, usize),
    imports: Vec<(String, (usize, usize))>,
}

const IMPORT_HELP: &str = "this `@import` chain nests too deep; import the files side by side";

/// A small tokenizer: comments and strings hold no nesting, a backslash escapes the next
/// character; `@import` is read at the top level.
fn css_shape(css: &str) -> CssShape {
    let mut shape = CssShape::default();
    let mut depth = 0usize;
    let (mut line, mut col) = (1, 0);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut iter = css.char_indices().peekable();
    while let Some((at, c)) = iter.next() {
        if c == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        let next = iter.peek().map(|(_, n)| *n);
        if comment {
            if c == '*' && next == Some('/') {
                iter.next();
                col += 1;
                comment = false;
            }
            continue;
        }
        match (quote, c) {
            (_, '\\') => {
                if iter.next().is_some_and(|(_, n)| n == '\n') {
                    line += 1;
                    col = 0;
                } else {
                    col += 1;
                }
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '/') if next == Some('*') => {
                iter.next();
                col += 1;
                comment = true;
            }
            (None, '{' | '(' | '[') => {
                depth += 1;
                if depth == MAX_CSS_NESTING + 1 && shape.depth <= MAX_CSS_NESTING {
                    shape.too_deep_at = (line, col);
                }
                shape.depth = shape.depth.max(depth);
            }
            (None, '}' | ')' | ']') => depth = depth.saturating_sub(1),
            (None, '@') if depth == 0 && css[at..].starts_with("@import") => {
                if let Some(specifier) = import_specifier(&css[at + "@import".len()..]) {
                    shape.imports.push((specifier.to_string(), (line, col)));
                }
            }
            _ => {}
        }
    }
    shape
}

/// The file an `@import` names: `"x.css"`, `'x.css'`, `url(x.css)` or `url("x.css")`.
fn import_specifier(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("url(").map_or(rest, str::trim_start);
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let body = &rest[1..];
        return body.find(quote).map(|end| &body[..end]);
    }
    rest.find(')').map(|end| rest[..end].trim())
}

/// E073 for every place where stylesheets, with the files they import, nest deeper than
/// [`MAX_CSS_NESTING`]: an imported file counts one level more than where it is imported
/// (the bundler wraps it in its `@media` or `@layer`). Reported once, where the limit is
/// crossed.
fn css_nesting_problems(provider: &StaticCss) -> Vec<Diagnostic> {
    let shapes: BTreeMap<&PathBuf, CssShape> = provider
        .sources
        .iter()
        .map(|(path, text)| (path, css_shape(text)))
        .collect();
    // Each file's depth with what it imports, found by relaxing the imports until nothing
    // changes; past the limit, depths stop growing (a cycle ends there too).
    let cap = MAX_CSS_NESTING + 1;
    let edges: Vec<(&PathBuf, PathBuf, (usize, usize))> = shapes
        .iter()
        .flat_map(|(path, shape)| {
            shape
                .imports
                .iter()
                .filter_map(move |(specifier, at)| match provider.resolve(specifier, path) {
                    Ok(ResolveResult::File(file)) => Some((*path, file, *at)),
                    _ => None,
                })
        })
        .collect();
    let mut depth: BTreeMap<&Path, usize> = shapes
        .iter()
        .map(|(path, shape)| (path.as_path(), shape.depth.min(cap)))
        .collect();
    for _ in 0..=cap {
        let mut changed = false;
        for (from, to, _) in &edges {
            let below = depth.get(to.as_path()).copied().unwrap_or(0);
            let total = (below + 1).min(cap);
            if depth.get(from.as_path()).is_some_and(|d| *d < total) {
                depth.insert(from.as_path(), total);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut problems = Vec::new();
    for (path, shape) in &shapes {
        let located =
            |(line, col): (usize, usize)| Location::at(format!("static/{}", relative(&provider.root, path)), line, col);
        let too_deep = |at| {
            Diagnostic::error(
                "E073",
                located(at),
                format!("CSS nested more than {MAX_CSS_NESTING} levels deep"),
            )
        };
        if shape.depth > MAX_CSS_NESTING {
            problems
                .push(too_deep(shape.too_deep_at).with_help("flatten the rules, `@media` blocks or `:is(` selectors"));
            continue;
        }
        // Where an import chain crosses the limit.
        for (_, to, at) in edges.iter().filter(|(from, _, _)| from == path) {
            if depth.get(to.as_path()) == Some(&MAX_CSS_NESTING) {
                problems.push(too_deep(*at).with_help(IMPORT_HELP));
            }
        }
    }
    // A chain that never crosses it but goes past it runs in a circle.
    if problems.is_empty()
        && let Some((from, _, at)) = edges.iter().find(|(_, to, _)| depth.get(to.as_path()) == Some(&cap))
    {
        let location = Location::at(format!("static/{}", relative(&provider.root, from)), at.0, at.1);
        problems.push(
            Diagnostic::error("E073", location, "stylesheets import each other in a circle").with_help(IMPORT_HELP),
        );
    }
    problems
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
    fn scripts_are_minified_with_their_literals_kept() {
        let minify = |s: &str| String::from_utf8(minify_script(s.as_bytes().to_vec())).unwrap();
        let script = "// head\n  var a = 1; // note\n  /* block */\n  var t = `x\n   ${a}  y`;\n  var s = \"  two  \";\n  a++;\n";
        assert_eq!(minify(script), "var a=1;var t=`x\n   ${a}  y`;var s=\"  two  \";a++;");
        assert_eq!(minify_script(vec![0xff, b' ', b'a']), vec![0xff, b' ', b'a']);
    }

    #[test]
    fn deep_css_is_found_before_it_is_parsed() {
        let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
        let shape = css_shape(&deep("a{", "}", 800));
        assert_eq!((shape.depth, shape.too_deep_at), (800, (1, 2 * MAX_CSS_NESTING + 2)));
        assert_eq!(css_shape(&deep("@media screen{", "}", 100)).depth, 100);
        let shape = css_shape(&format!("a{{}}\n{}", deep(":is(", ")", 40)));
        assert_eq!((shape.depth, shape.too_deep_at), (40, (2, 4 * MAX_CSS_NESTING + 4)));
        // Brackets in strings, comments and escapes nest nothing; closing brackets close.
        let fine = format!(
            "a::before{{content:\"{}\"}}/* {} */ b\\{{ {{}}\n{}",
            "{".repeat(100),
            "(".repeat(100),
            "a{b{}}".repeat(100)
        );
        assert_eq!(css_shape(&fine).depth, 2);
        let imports = css_shape("@import \"a.css\" screen;\n@import url(b.css);\n@import url('c.css');\na{}");
        let names: Vec<&str> = imports.imports.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["a.css", "b.css", "c.css"]);
    }

    #[test]
    fn import_chains_count_toward_the_nesting_limit() {
        let root = PathBuf::from("/s");
        let chain = |n: usize| -> StaticCss {
            let mut sources = BTreeMap::new();
            for i in 0..n {
                sources.insert(
                    root.join(format!("css/_{i}.css")),
                    format!("@import \"_{}.css\" screen;\n", i + 1),
                );
            }
            sources.insert(root.join(format!("css/_{n}.css")), "a{color:red}".to_string());
            StaticCss {
                root: root.clone(),
                sources,
            }
        };
        assert!(css_nesting_problems(&chain(MAX_CSS_NESTING - 1)).is_empty());
        let problems = css_nesting_problems(&chain(300));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, "E073");
    }

    #[test]
    fn scripts_name_the_ids_and_globals_they_use() {
        let names = script_names(
            "var d = document.getElementById(\"questionnaire-rules\");\nwindow.riskguideSearch = [];\nwindow.print();",
        );
        assert_eq!(names, ["questionnaire-rules", "riskguideSearch"]);
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

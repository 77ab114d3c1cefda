//! Config: `site.toml` → [`RawConfig`] (exactly what serde reads, unknown keys rejected)
//! → validated [`Config`] with absolute directories and a normalised base URL.
//!
//! This module reads `site.toml` and nothing else.

use crate::diagnostics::{Diagnostic, Diagnostics, Error, Location};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub const CONFIG_FILE: &str = "site.toml";

/// The keys `site.toml` takes, in the order the help lists them.
const KEYS: [&str; 7] = [
    "title",
    "description",
    "base_url",
    "language",
    "output_dir",
    "version",
    "search",
];

const KEYS_HELP: &str = "site.toml takes: title, description, base_url, language, output_dir, version, search";

/// What `site.toml` says, each key read on its own so that one bad key is reported and replaced
/// by its default while the rest of the file is still used.
struct RawConfig {
    title: String,
    description: String,
    base_url: String,
    language: String,
    output_dir: String,
    version: String,
    search: bool,
}

fn default_language() -> String {
    "en".into()
}
fn default_output_dir() -> String {
    "public".into()
}
fn default_version() -> String {
    "1.0".into()
}
fn default_true() -> bool {
    true
}

/// The validated site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site root: every input path is inside it.
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    /// Absolute base URL, always ending in `/`.
    pub base_url: String,
    /// The path part of the base URL, always starting and ending in `/` (`/guide/`).
    pub base_path: String,
    pub language: String,
    /// Where `build` writes, absolute.
    pub output_dir: PathBuf,
    pub version: String,
    pub search: bool,
}

impl Config {
    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }
    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }
    pub fn static_dir(&self) -> PathBuf {
        self.root.join("static")
    }
    /// The origin of the base URL (`https://example.org`), for the canonical links.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        let end = self.base_url[after_scheme..]
            .find('/')
            .map_or(self.base_url.len(), |i| after_scheme + i);
        &self.base_url[..end]
    }
}

/// `site.toml` larger than this is refused before it is read.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads and validates `<root>/site.toml`: a configuration that can be used, with the problems
/// found in it (a bad optional key is reported and replaced by its default, an unknown key is
/// reported and ignored), so that content is checked in the same run. `Err` when the file
/// cannot be used at all: unreadable, not TOML, or without a usable title or base URL. A
/// `site.toml` that is a symbolic link out of the site root is refused, not read.
pub fn load_usable(root: &Path) -> Result<(Config, Diagnostics), Error> {
    let path = root.join(CONFIG_FILE);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io("read", &path, e))?;
    let canonical_root = root.canonicalize().map_err(|e| Error::io("resolve", root, e))?;
    let refuse =
        |code, message: String| Error::Content(vec![Diagnostic::error(code, Location::file(CONFIG_FILE), message)]);
    if meta.file_type().is_symlink() {
        let inside = path
            .canonicalize()
            .is_ok_and(|t| t.starts_with(&canonical_root) && t.is_file());
        if !inside {
            return Err(refuse(
                "E012",
                "symbolic link leads outside the site root or nowhere".into(),
            ));
        }
    }
    // Read under the same rules as every source file: the open file must be a regular file
    // inside the root (a FIFO or a swapped link is refused, never waited on), and bounded.
    let bytes = crate::discover::read_inside(&canonical_root, &path, MAX_CONFIG_BYTES)
        .map_err(|refused| Error::Content(vec![refused.diagnostic(Location::file(CONFIG_FILE))]))?;
    let text = String::from_utf8(bytes).map_err(|_| refuse("E011", "site.toml is not UTF-8".into()))?;
    parse_usable(&canonical_root, &text).map_err(|d| Error::Content(d.into_sorted()))
}

/// Reads and validates `<root>/site.toml`, refusing it on any error.
pub fn load(root: &Path) -> Result<Config, Error> {
    let (config, problems) = load_usable(root)?;
    if problems.has_errors() {
        return Err(Error::Content(problems.into_sorted()));
    }
    Ok(config)
}

/// Parses the text of `site.toml` for the site at `root`, refusing it on any error.
pub fn parse(root: &Path, text: &str) -> Result<Config, Diagnostics> {
    let (config, problems) = parse_usable(root, text)?;
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(config)
}

/// Parses the text of `site.toml` like [`load_usable`]: a usable configuration and its problems.
pub fn parse_usable(root: &Path, text: &str) -> Result<(Config, Diagnostics), Diagnostics> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Diagnostics::new();
    let raw = read_keys(text, &mut problems).ok_or_else(|| problems.clone())?;
    let RawConfig {
        title,
        description,
        base_url,
        language,
        output_dir,
        version,
        search,
    } = raw;
    let locate = |key: &str| {
        let offset = text
            .find(&format!("{key} "))
            .or_else(|| text.find(&format!("{key}=")))
            .unwrap_or(0);
        Location::of_offset(CONFIG_FILE, text, offset)
    };
    let base_url = if base_url.ends_with('/') {
        base_url
    } else {
        format!("{base_url}/")
    };
    let base_path = match base_path_of(&base_url) {
        Ok(path) => path,
        Err(why) => {
            problems.push(
                Diagnostic::error(
                    "E002",
                    locate("base_url"),
                    format!("base_url `{}` {why}", base_url.escape_debug()),
                )
                .with_help("write it like base_url = \"https://example.org/guide/\""),
            );
            "/".to_string()
        }
    };
    if title.trim().is_empty() {
        problems.push(Diagnostic::error("E003", locate("title"), "title must not be empty"));
    }
    let output_dir_path = match output_place(root, &output_dir) {
        Ok(path) => path,
        Err(why) => {
            problems.push(
                Diagnostic::error(
                    "E004",
                    locate("output_dir"),
                    format!("output_dir `{}`: {why}", output_dir.escape_debug()),
                )
                .with_help("write it like output_dir = \"public\": a directory of its own beside content/"),
            );
            root.join("public")
        }
    };
    let config = Config {
        root: root.to_path_buf(),
        title,
        description,
        base_url,
        base_path,
        language,
        output_dir: output_dir_path,
        version,
        search,
    };
    Ok((config, problems))
}

/// Reads every key of `site.toml` on its own. An unknown key or a bad value of an optional key
/// is reported and left out (its default is used); `None` when the text is not TOML or a
/// required key (title, base_url) is missing or unusable.
fn read_keys(text: &str, problems: &mut Diagnostics) -> Option<RawConfig> {
    let report = |problems: &mut Diagnostics, offset: usize, message: String| {
        problems.push(
            Diagnostic::error("E001", Location::of_offset(CONFIG_FILE, text, offset), message).with_help(KEYS_HELP),
        );
    };
    // The whole file through the TOML reader first: syntax, duplicate keys, redefined tables.
    if let Err(e) = toml::from_str::<toml::Table>(text) {
        report(problems, e.span().map_or(0, |s| s.start), first_line(e.message()));
        return None;
    }
    let table = match DeTable::parse(text) {
        Ok(table) => table.into_inner(),
        Err(e) => {
            report(problems, e.span().map_or(0, |s| s.start), first_line(e.message()));
            return None;
        }
    };
    let mut values: Vec<(&str, Spanned<DeValue<'_>>)> = Vec::new();
    for (key, value) in table {
        let name = key.get_ref();
        match KEYS.iter().find(|k| **k == name.as_ref()) {
            Some(known) => values.push((known, value)),
            None => {
                let message = <serde::de::value::Error as serde::de::Error>::unknown_field(name, &KEYS);
                report(problems, key.span().start, message.to_string());
            }
        }
    }
    let mut read_text = |problems: &mut Diagnostics, key: &str| -> Option<String> {
        let at = values.iter().position(|(k, _)| *k == key)?;
        read_value(text, key, values.swap_remove(at).1, problems)
    };
    let title = read_text(problems, "title");
    let base_url = read_text(problems, "base_url");
    let description = read_text(problems, "description").unwrap_or_default();
    let language = read_text(problems, "language").unwrap_or_else(default_language);
    let output_dir = read_text(problems, "output_dir").unwrap_or_else(default_output_dir);
    let version = read_text(problems, "version").unwrap_or_else(default_version);
    let search = values
        .pop()
        .and_then(|(key, value)| read_value(text, key, value, problems))
        .unwrap_or_else(default_true);
    for (key, present) in [("title", title.is_some()), ("base_url", base_url.is_some())] {
        if !present && !problems.iter().any(|d| d.message.starts_with(&format!("`{key}`"))) {
            report(problems, 0, format!("missing field `{key}`"));
        }
    }
    Some(RawConfig {
        title: title?,
        description,
        base_url: base_url?,
        language,
        output_dir,
        version,
        search,
    })
}

/// The value of one key, or `None` (reported) when it has the wrong type.
fn read_value<'de, T: Deserialize<'de>>(
    text: &str,
    key: &str,
    value: Spanned<DeValue<'de>>,
    problems: &mut Diagnostics,
) -> Option<T> {
    let offset = value.span().start;
    T::deserialize(value.into_deserializer())
        .map_err(|e| {
            problems.push(
                Diagnostic::error(
                    "E001",
                    Location::of_offset(CONFIG_FILE, text, offset),
                    format!("`{key}`: {}", first_line(e.message())),
                )
                .with_help(KEYS_HELP),
            );
        })
        .ok()
}

/// Where `output_dir` really leads (links resolved), if a build may write there.
fn output_place(root: &Path, output_dir: &str) -> Result<PathBuf, String> {
    if output_dir.trim().is_empty() {
        return Err("it is empty".into());
    }
    let output = Path::new(output_dir);
    let path = if output.is_absolute() {
        output.to_path_buf()
    } else {
        root.join(output)
    };
    let resolved = crate::output::resolve(&path)?;
    crate::output::check_place(root, &resolved)?;
    Ok(resolved)
}

/// The path of an http(s) base URL (`/guide/`), or why the URL cannot be used. The host and
/// path are kept to plain characters: the base URL ends up in attributes, `_headers`,
/// `robots.txt` and the sitemap, where a quote, space or line break would change their meaning.
fn base_path_of(base_url: &str) -> Result<String, &'static str> {
    let (scheme, rest) = base_url.split_once("://").ok_or("is not an http(s) URL")?;
    // The characters are checked below; the structure is the URL parser's job: a host it
    // cannot read (`]evil[`, an empty one, `..`) or a port out of range is refused.
    let parsed = url::Url::parse(base_url).map_err(|_| "is not a valid URL")?;
    let host_is_real = match parsed.host() {
        Some(url::Host::Domain(name)) => name.split('.').all(|label| !label.is_empty()),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        None => false,
    };
    if !host_is_real || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must name a real host: a domain name or an IP address");
    }
    if scheme != "http" && scheme != "https" {
        return Err("is not an http(s) URL");
    }
    let (host, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err("must name a plain host: letters, digits, `.`, `-` and an optional port");
    }
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_' | '~' | '%'))
        && !path.split('/').any(|segment| segment == "." || segment == "..");
    if !path_ok {
        return Err("must have a plain path: no query, fragment, quotes, spaces, line breaks or `..`");
    }
    Ok(path.to_string())
}

/// serde's TOML messages can span several lines; the first says what went wrong.
pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` read as the `site.toml` of a guide at `/site`.
    fn site(text: &str) -> Result<Config, Diagnostics> {
        parse(Path::new("/site"), text)
    }

    fn usable_site(text: &str) -> Result<(Config, Diagnostics), Diagnostics> {
        parse_usable(Path::new("/site"), text)
    }

    #[test]
    fn rejects_unknown_key_with_its_line() {
        let err = site("title = \"x\"\nbase_url = \"https://e.org/\"\ncolour = 1\n").unwrap_err();
        let d = err.into_sorted();
        assert_eq!(d[0].location.line, 3, "{d:?}");
        assert!(d[0].message.contains("colour"), "{d:?}");
    }

    #[test]
    fn a_bad_optional_key_is_reported_and_its_default_used() {
        let (config, problems) = usable_site(
            "title = \"x\"\ncolour = 1\nsearch = \"yes\"\nlanguage = \"fr\"\nbase_url = \"https://e.org/\"\n",
        )
        .expect("usable");
        let problems = problems.into_sorted();
        let found: Vec<(usize, usize, bool)> = problems
            .iter()
            .map(|d| (d.location.line, d.location.col, d.is_error()))
            .collect();
        assert_eq!(found, [(2, 1, true), (3, 10, true)], "{problems:#?}");
        assert!(
            problems[0].message.starts_with("unknown field `colour`"),
            "{problems:#?}"
        );
        assert!(
            problems[1].message.starts_with("`search`: invalid type"),
            "{problems:#?}"
        );
        assert!(config.search, "the default is used");
        assert_eq!((config.title.as_str(), config.language.as_str()), ("x", "fr"));
        assert!(site("title = \"x\"\nbase_url = \"https://e.org/\"\nsearch = 1\n").is_err());
    }

    #[test]
    fn a_missing_or_bad_required_key_makes_the_config_unusable() {
        let missing = usable_site("base_url = \"https://e.org/\"\n").unwrap_err();
        let messages: Vec<String> = missing.into_sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(messages, ["missing field `title`"]);
        let bad = usable_site("title = 3\nbase_url = \"https://e.org/\"\n").unwrap_err();
        let bad = bad.into_sorted();
        assert_eq!(bad.len(), 1, "{bad:#?}");
        assert!(bad[0].message.starts_with("`title`: invalid type"), "{bad:#?}");
        assert_eq!((bad[0].location.line, bad[0].location.col), (1, 9));
    }

    #[test]
    fn derives_base_path_and_origin() {
        let c = site("title = \"x\"\nbase_url = \"https://example.org/guide\"\n").unwrap();
        assert_eq!(c.base_url, "https://example.org/guide/");
        assert_eq!(c.base_path, "/guide/");
        assert_eq!(c.origin(), "https://example.org");
    }

    #[test]
    fn base_urls_are_plain() {
        for ok in [
            "https://example.org/",
            "http://localhost:8080/guide/",
            "https://[::1]/a_b/~c/%20/",
        ] {
            assert!(base_path_of(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)//x/",
            "https://evil\"onmouseover=\"x/",
            "https://example.org/\nX-Injected:evil/",
            "https://example.org/a b/",
            "https://example.org/a?b/",
            "https://example.org/../x/",
            "https:///",
            "ftp://example.org/",
            "https://exa\u{1b}mple.org/",
            "https://../",
            "https://]evil[/",
            "https://:/",
            "https://example..org/",
            "https://example.org:99999/",
            "https://[::1/",
        ] {
            assert!(base_path_of(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rejects_output_dir_that_is_the_root() {
        assert!(site("title = \"x\"\nbase_url = \"https://e.org/\"\noutput_dir = \".\"\n").is_err());
    }

    #[test]
    fn output_dir_is_resolved_where_it_really_leads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("site");
        for sub in ["content", "templates", "static", "gen"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::os::unix::fs::symlink(root.join("content"), root.join("docs")).unwrap();
        let with = |out: &str| {
            parse(
                &root,
                &format!("title = \"x\"\nbase_url = \"https://e.org/\"\noutput_dir = \"{out}\"\n"),
            )
        };
        let outside = dir.path().canonicalize().unwrap().join("elsewhere/public");
        for bad in [
            "gen/../content".to_string(),
            "missing/../content".to_string(),
            "static/gen".to_string(),
            "docs/public".to_string(),
            "templates".to_string(),
            ".".to_string(),
            "..".to_string(),
            "gen/..".to_string(),
            "/".to_string(),
            "".to_string(),
        ] {
            let problems = with(&bad).expect_err(&bad).into_sorted();
            assert_eq!(
                (problems[0].code, problems[0].location.line),
                ("E004", 3),
                "{bad}: {problems:?}"
            );
        }
        assert_eq!(with("public").unwrap().output_dir, root.join("public"));
        assert_eq!(with("gen/../public").unwrap().output_dir, root.join("public"));
        assert_eq!(with(outside.to_str().unwrap()).unwrap().output_dir, outside);
    }
}

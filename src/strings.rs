//! Strings: the words a reader sees around the content (buttons, labels, notes), one TOML file
//! per language, chosen by `language` in `site.toml`.
//!
//! riskguide ships `strings/en.toml` (the default and the list of keys) and
//! `strings/fr.toml`. A guide translates or rewords them with `strings/<language>.toml` in its
//! root, which wins over the built-in file of that language; a key it leaves out falls back
//! to English with a warning. Templates see them as `strings.<key>`; Rust-written views take
//! them from [`Strings::get`]. Diagnostics stay English: they are for authors.

use crate::config::CONFIG_FILE;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use std::collections::BTreeMap;
use std::path::Path;

/// The folder of a guide's strings files, beside `content/` and `templates/`.
pub const DIR: &str = "strings";

const ENGLISH: &str = include_str!("../strings/en.toml");

/// The languages riskguide has words for without a file in the guide.
const BUILT_IN: [(&str, &str); 2] = [("en", ENGLISH), ("fr", include_str!("../strings/fr.toml"))];

/// A strings file bigger than this is refused before it is read.
const MAX_BYTES: u64 = 1024 * 1024;

/// Every UI string of one language, each key present (missing ones are English).
#[derive(Debug, Clone)]
pub struct Strings {
    words: BTreeMap<String, String>,
}

impl Strings {
    /// The built-in English words.
    pub fn english() -> Self {
        let words = parse(ENGLISH).unwrap_or_default();
        Strings { words }
    }

    /// The words for `key`; a key no file gives reads as itself, so a typo shows on the page
    /// rather than breaking the build.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.words.get(key).map_or(key, String::as_str)
    }

    /// `key`'s words with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.get(key), values)
    }

    pub fn words(&self) -> &BTreeMap<String, String> {
        &self.words
    }
}

/// `text` with each `{name}` replaced by its value, the rest as it is. One pass over `text`:
/// a value that holds `{name}` itself (a title such as "The {last} mark") is not filled again.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn parse(text: &str) -> Result<BTreeMap<String, String>, toml::de::Error> {
    toml::from_str(text)
}

/// The words for `language`: the guide's `strings/<language>.toml` if it has one, else the
/// built-in file of that language (or of its primary subtag, the letters it starts with:
/// `fr-CA` → `fr`). A language with
/// neither is an error located on `language` in `site.toml`.
pub fn load(root: &Path, language: &str) -> (Option<Strings>, Diagnostics) {
    let mut problems = Diagnostics::new();
    let english = Strings::english();
    let safe_name = !language.is_empty() && language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    // The primary subtag: the letters `language` starts with (`fr` of `fr-CA`).
    let primary: String = language
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut candidates = vec![language.to_string()];
    if !primary.is_empty() && primary != language {
        candidates.push(primary.clone());
    }
    if safe_name {
        for name in &candidates {
            let rel = format!("{DIR}/{name}.toml");
            let path = root.join(&rel);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let text = crate::discover::read_inside(root, &path, MAX_BYTES)
                .map_err(|refused| refused.diagnostic(Location::file(&rel)))
                .and_then(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|_| Diagnostic::error("E011", Location::file(&rel), "strings file is not UTF-8"))
                });
            let text = match text {
                Ok(text) => text,
                Err(refused) => {
                    problems.push(refused);
                    return (None, problems);
                }
            };
            return match parse(&text) {
                Ok(words) => {
                    let missing: Vec<&str> = english
                        .words
                        .keys()
                        .filter(|k| !words.contains_key(*k))
                        .map(String::as_str)
                        .collect();
                    if !missing.is_empty() {
                        problems.push(
                            Diagnostic::warning(
                                "W054",
                                Location::file(&rel),
                                format!(
                                    "{} key(s) missing, shown in English: {}",
                                    missing.len(),
                                    missing.join(", ")
                                ),
                            )
                            .with_help(format!("copy them from riskguide's {DIR}/en.toml and translate them")),
                        );
                    }
                    let mut all = english.words;
                    all.extend(words);
                    (Some(Strings { words: all }), problems)
                }
                Err(e) => {
                    let offset = e.span().map_or(0, |s| s.start);
                    problems.push(
                        Diagnostic::error(
                            "E085",
                            Location::of_offset(&rel, &text, offset),
                            e.message().lines().next().unwrap_or("bad TOML").to_string(),
                        )
                        .with_help("a strings file holds `key = \"words\"` lines only"),
                    );
                    (None, problems)
                }
            };
        }
    }
    for name in &candidates {
        if let Some((_, text)) = BUILT_IN.iter().find(|(lang, _)| lang == name) {
            let mut all = english.words;
            all.extend(parse(text).unwrap_or_default());
            return (Some(Strings { words: all }), problems);
        }
    }
    let site = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
    let at = site
        .lines()
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line))
        })
        .find(|(_, line)| line.trim_start().starts_with("language"))
        .map_or(0, |(start, line)| start + line.find('"').unwrap_or(0));
    let known: Vec<&str> = BUILT_IN.iter().map(|(lang, _)| *lang).collect();
    problems.push(
        Diagnostic::error(
            "E084",
            Location::of_offset(CONFIG_FILE, &site, at),
            format!("no words for language `{}`", language.escape_debug()),
        )
        .with_help(format!(
            "riskguide has {}; for another, add {DIR}/<language>.toml to the guide (copy {DIR}/en.toml and translate it)",
            known.join(" and ")
        )),
    );
    (None, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_each_named_mark_once_and_leaves_the_rest() {
        let values = [("first", "The {last} mark"), ("last", "Z")];
        assert_eq!(fill("{first} – {last}", &values), "The {last} mark – Z");
        assert_eq!(fill("{last}{last}", &values), "ZZ");
        // Unknown names, a lone brace and an unclosed mark stay as they are.
        assert_eq!(fill("{other} { {first", &values), "{other} { {first");
        assert_eq!(fill("{{last}}", &values), "{Z}");
        assert_eq!(fill("", &values), "");
    }

    /// [`load`] in a guide whose one file is `path` (under its root) holding `text`.
    fn load_in_guide(path: &str, text: &str, language: &str) -> (Option<Strings>, Diagnostics) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        load(&root, language)
    }

    #[test]
    fn every_built_in_language_gives_every_english_key() {
        let english = parse(ENGLISH).unwrap();
        for (lang, text) in BUILT_IN {
            let words = parse(text).unwrap_or_else(|e| panic!("strings/{lang}.toml: {e}"));
            let missing: Vec<&String> = english.keys().filter(|k| !words.contains_key(*k)).collect();
            assert!(missing.is_empty(), "strings/{lang}.toml lacks {missing:?}");
            let extra: Vec<&String> = words.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(
                extra.is_empty(),
                "strings/{lang}.toml has keys English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn a_guide_file_wins_and_missing_keys_fall_back_to_english_with_a_warning() {
        let (strings, problems) = load_in_guide("strings/fr.toml", "nav_overview = \"Accueil\"\n", "fr-CA");
        let strings = strings.unwrap();
        assert_eq!(strings.get("nav_overview"), "Accueil");
        assert_eq!(strings.get("nav_compare"), "Compare");
        assert_eq!(problems.warning_count(), 1);
        assert!(!problems.has_errors());
    }

    #[test]
    fn an_unknown_language_is_an_error_on_its_line_of_site_toml() {
        let (strings, problems) = load_in_guide(CONFIG_FILE, "title = \"T\"\nlanguage = \"xx\"\n", "xx");
        assert!(strings.is_none());
        let text = format!("{:?}", problems.into_sorted());
        assert!(text.contains("E084") && text.contains("line: 2, col: 12"), "{text}");
    }

    #[test]
    fn bad_toml_in_a_guide_file_is_located() {
        let (strings, problems) = load_in_guide("strings/en.toml", "a = \"b\"\nc = 3\n", "en");
        assert!(strings.is_none());
        let text = format!("{:?}", problems.into_sorted());
        assert!(text.contains("E085") && text.contains("line: 2"), "{text}");
    }
}

//! The words around the content come from one strings file per language: a French guide
//! (`tests/fixtures/lang/french`, built with the shipped templates) shows no English UI text.
mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Keys whose words are the same in English and French: they cannot tell the languages apart.
const SAME_IN_BOTH: [&str; 9] = [
    "footer_sources",
    "nav_questionnaire",
    "plan_back",
    "print_version",
    "quiz_question",
    "sign_off_date",
    "sign_off_version",
    "sources_page_title",
    "sources_title",
];

fn strings(lang: &str) -> BTreeMap<String, String> {
    let path = common::repo_root().join(format!("strings/{lang}.toml"));
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The French fixture with the shipped templates and static files, built in `language`.
fn build_fixture(language: &str) -> (tempfile::TempDir, std::process::Output) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let repo = common::repo_root();
    common::copy_tree(&repo.join("tests/fixtures/lang/french"), &site);
    for dir in ["templates", "static/css", "static/js"] {
        common::copy_tree(&repo.join(dir), &site.join(dir));
    }
    let config = site.join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("language = \"fr\"", &format!("language = \"{language}\"")),
    )
    .unwrap();
    let out = tmp.path().join("public");
    let result = common::build(&site, &out);
    (tmp, result)
}

/// What a reader sees of a page: its text outside tags, scripts and styles, and the attributes
/// that are read out or shown (labels, placeholders, titles, alt text, the description).
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        text.push('\n');
        rest = &rest[lt..];
        let head = rest.get(..7).unwrap_or(rest).to_ascii_lowercase();
        let end = if head.starts_with("<script") {
            "</script>"
        } else if head.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        rest = rest.find(end).map_or("", |i| &rest[i + end.len()..]);
    }
    text.push_str(rest);
    let (tags, _) = common::html::tags(html);
    for tag in tags {
        for (name, value) in tag.attrs {
            let described = name == "content" && tag.name == "meta";
            if matches!(name.as_str(), "aria-label" | "placeholder" | "title" | "alt") || described {
                text.push('\n');
                text.push_str(&value);
            }
        }
    }
    common::html::decode_entities(&text)
}

/// The English words of each key (its text between tags and `{placeholders}`) that its French
/// words do not also hold, with the key.
fn english_fragments() -> Vec<(String, String)> {
    let (en, fr) = (strings("en"), strings("fr"));
    let mut fragments = Vec::new();
    for (key, words) in &en {
        let french = &fr[key];
        if words == french {
            continue;
        }
        let mut plain = String::new();
        let mut depth = 0;
        for c in words.chars() {
            match c {
                '<' | '{' => depth += 1,
                '>' | '}' => {
                    depth -= 1;
                    plain.push('\n');
                }
                _ if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        for part in plain.split('\n') {
            let part = part.trim_matches(|c: char| c.is_whitespace() || ".,:;()".contains(c));
            if part.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !french.contains(part) {
                fragments.push((key.clone(), part.to_string()));
            }
        }
    }
    fragments
}

/// `needle` in `haystack` as whole words.
fn has_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The English fragments a built site shows, with the key and page of each.
fn english_left(out: &Path) -> Vec<String> {
    let fragments = english_fragments();
    let mut found = Vec::new();
    for (page, html) in common::html_files(out) {
        let text = visible_text(&html);
        for (key, part) in &fragments {
            if has_words(&text, part) {
                found.push(format!("{page}: {key}: {part:?}"));
            }
        }
    }
    found
}

#[test]
fn french_and_english_share_only_the_listed_words() {
    let (en, fr) = (strings("en"), strings("fr"));
    let same: Vec<&str> = en
        .iter()
        .filter(|(key, words)| fr.get(*key) == Some(*words))
        .map(|(key, _)| key.as_str())
        .collect();
    assert_eq!(same, SAME_IN_BOTH);
}

#[test]
fn a_french_guide_shows_no_english_ui_text() {
    let (tmp, result) = build_fixture("fr");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!stderr.contains("W054"), "{stderr}");
    let out = tmp.path().join("public");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("<html lang=\"fr\""));
    // The fixture has a page, a table, a checklist and a questionnaire: each shows French words.
    for (page, words) in [
        ("index.html", "Les plateformes en bref"),
        ("index.html", "Risques de ce guide"),
        ("checklists/predeploy/index.html", "Exporter l’avancement"),
        ("questionnaire/index.html", "Matrice de décision"),
        ("risks/exposure/index.html", "Précédente"),
    ] {
        let text = visible_text(&std::fs::read_to_string(out.join(page)).unwrap());
        assert!(text.contains(words), "{page} lacks {words:?}");
    }
    // The checklist script gets its words through the page, in French.
    let checklist = std::fs::read_to_string(out.join("checklists/predeploy/index.html")).unwrap();
    let block = checklist
        .split("<script type=\"application/json\" id=\"ui-strings\">")
        .nth(1)
        .unwrap();
    let for_scripts: BTreeMap<String, String> =
        serde_json::from_str(&block[..block.find("</script>").unwrap()]).unwrap();
    let french = strings("fr");
    assert!(!for_scripts.is_empty());
    for (key, words) in &for_scripts {
        assert_eq!(Some(words), french.get(&format!("js_{key}")), "{key}");
    }
    let left = english_left(&out);
    assert!(
        left.is_empty(),
        "English left in the French guide:\n{}",
        left.join("\n")
    );
}

#[test]
fn the_same_guide_in_english_shows_the_english_words_the_check_looks_for() {
    let (tmp, _) = build_fixture("en");
    let left = english_left(&tmp.path().join("public"));
    // The check above finds English words where there are some.
    for expected in [
        "Export progress",
        "Decision matrix",
        "Skip to content",
        "Every source of the guide",
    ] {
        assert!(
            left.iter().any(|l| l.contains(expected)),
            "{expected} not found: {left:?}"
        );
    }
}

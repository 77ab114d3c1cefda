//! The words around the content come from one strings file per language: a French guide
//! (`tests/fixtures/lang/french`, built with the shipped templates) shows no English UI text.
mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Keys whose words are the same in English and French: they cannot tell the languages apart.
const SAME_IN_BOTH: [&str; 16] = [
    "footer_sources",
    "js_plan_no_answers_link",
    "js_questionnaire_list_comma",
    "js_questionnaire_points_one",
    "js_questionnaire_points_other",
    "js_questionnaire_scores",
    "js_search_pages_one",
    "js_search_pages_other",
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

/// The text of some words outside tags and `{placeholders}`, one line per stretch.
fn plain_text(words: &str) -> String {
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
    plain
}

/// The English words of each key (its text between tags and `{placeholders}`) that its French
/// words do not also hold, with the key.
fn english_fragments() -> Vec<(String, String)> {
    let (en, fr) = (strings("en"), strings("fr"));
    let mut fragments = Vec::new();
    for (key, words) in &en {
        if words == &fr[key] {
            continue;
        }
        let french = plain_text(&fr[key]);
        for part in plain_text(words).split('\n') {
            let part = part.trim_matches(|c: char| c.is_whitespace() || ".,:;()“”«»".contains(c));
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

/// What a reader sees of the page open in `browser` once its scripts ran: its rendered text,
/// what status regions read out, the labels, placeholders and titles read out or shown, and the
/// words stylesheets add before or after elements.
fn text_in_browser(browser: &common::Browser) -> String {
    browser
        .exec(
            "var out = [document.body.innerText]; \
             document.querySelectorAll('[role=status]').forEach(function (e) { out.push(e.textContent); }); \
             document.querySelectorAll('[aria-label], [placeholder], [title], [alt]').forEach(function (e) { \
               ['aria-label', 'placeholder', 'title', 'alt'].forEach(function (a) { if (e.hasAttribute(a)) out.push(e.getAttribute(a)); }); }); \
             document.querySelectorAll('body *').forEach(function (e) { \
               ['::before', '::after'].forEach(function (p) { var c = getComputedStyle(e, p).content; \
                 if (c && c !== 'none' && c !== 'normal') out.push(c); }); }); \
             return out.join('\\n');",
            serde_json::json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The English fragments of `strings/en.toml` in `text`, with their keys.
fn english_in(text: &str) -> Vec<String> {
    english_fragments()
        .into_iter()
        .filter(|(_, part)| has_words(text, part))
        .map(|(key, part)| format!("{key}: {part:?}"))
        .collect()
}

/// Opens each page of the guide built in `language` in Chromium, works its scripts (the theme
/// button, a tick and a reset on the checklist, the copy button, a search with no hit, the
/// questionnaire before and after an example's answers, the plan without answers) and returns, per step, what the reader sees then.
fn what_the_scripts_show(language: &str) -> Vec<(String, String)> {
    let (tmp, _) = build_fixture(language);
    let server = common::StaticServer::start(&tmp.path().join("public"));
    let browser = common::Browser::start();
    let mut seen = Vec::new();
    let mut look = |step: &str| seen.push((step.to_string(), text_in_browser(&browser)));

    browser.goto(&server.url("/checklists/predeploy/"));
    browser.wait_for(
        "return document.querySelector('section.checklist.is-live') && !document.querySelector('.theme-toggle').hidden;",
        "the checklist and theme scripts",
    );
    look("checklist opened");
    browser.click(".item-label input[type=checkbox]");
    browser.wait_for(
        "return document.querySelector('[data-progress]').getAttribute('data-progress').indexOf('1/') === 0;",
        "a tick counted",
    );
    look("checklist after a tick");
    browser.click("[data-action=reset]");
    browser.wait_for(
        "return !document.querySelector('.checklist-confirm').hidden;",
        "the reset question",
    );
    look("checklist asking before a reset");
    browser.click("[data-action=confirm]");
    browser.wait_for(
        "return document.querySelector('.checklist-status.is-ok');",
        "the reset done",
    );
    look("checklist after a reset");
    browser.click(".theme-toggle");
    look("after the theme button");

    browser.goto(&server.url("/risks/exposure/"));
    browser.wait_for("return document.querySelector('.copy-code');", "the copy button");
    look("page with a code block");
    browser.exec(
        "var i = document.getElementById('search-input'); i.focus(); i.value = 'zzqxj'; i.dispatchEvent(new Event('input'));",
        serde_json::json!([]),
    );
    browser.wait_for(
        "var c = document.querySelector('.search-count'); return c && c.textContent;",
        "the search answer",
    );
    look("search without a hit");

    browser.goto(&server.url("/questionnaire/"));
    browser.wait_for(
        "return document.querySelector('#result .result-waiting');",
        "the questionnaire script",
    );
    look("questionnaire without answers");
    browser.click("a.persona");
    browser.wait_for("return document.getElementById('recommendation');", "a recommendation");
    look("questionnaire result");

    browser.goto(&server.url("/plan/"));
    browser.wait_for(
        "return document.readyState === 'complete' && window.riskguideQuestionnaire;",
        "the plan script",
    );
    look("plan without answers");
    seen
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn in_the_browser_the_scripts_of_a_french_guide_show_no_english_words() {
    let mut left = Vec::new();
    for (step, text) in what_the_scripts_show("fr") {
        left.extend(english_in(&text).into_iter().map(|l| format!("{step}: {l}")));
    }
    assert!(
        left.is_empty(),
        "English the scripts show in the French guide:\n{}",
        left.join("\n")
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn in_the_browser_the_same_guide_in_english_shows_the_scripts_english_words() {
    let found: Vec<String> = what_the_scripts_show("en")
        .into_iter()
        .flat_map(|(step, text)| english_in(&text).into_iter().map(move |l| format!("{step}: {l}")))
        .collect();
    // The French check above looks at every step where the scripts write words.
    for (step, key) in [
        ("checklist opened", "js_checklist_not_applicable"),
        ("checklist opened", "js_site_theme_dark"),
        ("checklist opened", "js_site_to_dark"),
        ("checklist after a tick", "js_checklist_progress"),
        ("checklist asking before a reset", "js_checklist_reset_question"),
        ("checklist asking before a reset", "js_checklist_cancel"),
        ("checklist after a reset", "js_checklist_reset_done"),
        ("after the theme button", "js_site_theme_light"),
        ("page with a code block", "js_site_copy"),
        ("search without a hit", "js_search_none"),
        ("questionnaire without answers", "js_questionnaire_waiting"),
        ("questionnaire without answers", "js_questionnaire_progress"),
        ("questionnaire result", "js_questionnaire_scores_note"),
        ("questionnaire result", "js_questionnaire_share_copy"),
        ("questionnaire result", "js_evaluator_your_answer"),
        ("plan without answers", "js_plan_no_answers"),
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(&format!("{step}: {key}:"))),
            "{step}: {key} not seen: {found:#?}"
        );
    }
}

/// The class names the stylesheets style: a script's string made only of them is markup.
fn stylesheet_classes() -> std::collections::BTreeSet<String> {
    let mut classes = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(common::repo_root().join("static/css")).expect("static/css") {
        let css = std::fs::read_to_string(entry.expect("entry").path()).expect("a stylesheet");
        for piece in css.split('.').skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !name.is_empty() {
                classes.insert(name);
            }
        }
    }
    classes
}

/// The string literals of a script that read as words for people: one holding a capitalised
/// word ("Excluded"), or several words that are not a class list ("not answered").
fn words_in_script(source: &str, classes: &std::collections::BTreeSet<String>) -> Vec<String> {
    let tokens = minifier::js::tokenize(source).expect("the script tokenizes");
    tokens
        .iter()
        .filter_map(|t| t.get_string())
        .map(|quoted| quoted[1..quoted.len() - 1].to_string())
        .filter(|text| {
            let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
            let capitalised = text.split(|c: char| !c.is_ascii_alphabetic()).any(|w| {
                w.len() > 1
                    && w[..1].chars().all(|c| c.is_ascii_uppercase())
                    && w[1..].chars().all(|c| c.is_ascii_lowercase())
            });
            // A class list or a selector: lowercase names, at least one of them a styled class.
            let class_list = words.iter().all(|w| {
                w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.#".contains(c))
            }) && words.iter().any(|w| classes.contains(w.trim_start_matches(['.', '#'])));
            let prose = words.len() > 1 && text != "use strict" && !class_list;
            capitalised || prose
        })
        .collect()
}

#[test]
fn the_questionnaire_and_plan_scripts_write_no_words_of_their_own() {
    let classes = stylesheet_classes();
    // The check finds words where there are some.
    let sample =
        r#"el("p", { className: "result-note", text: "Not answered" }); x("score  score-winner"); y("not answered");"#;
    assert_eq!(words_in_script(sample, &classes), ["Not answered", "not answered"]);
    for script in ["questionnaire", "evaluator", "plan"] {
        let path = common::repo_root().join(format!("static/js/{script}.js"));
        let source = std::fs::read_to_string(&path).expect("a script");
        assert_eq!(
            words_in_script(&source, &classes),
            Vec::<String>::new(),
            "{script}.js: words belong in strings/<lang>.toml (keys js_{script}_…)"
        );
    }
}

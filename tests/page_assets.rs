//! What each page loads: every page links the base stylesheet and site.js, and only the pages
//! that use them link the checklist, questionnaire, plan and home stylesheets and scripts. Each
//! page of the shipped guide but the printable one stays under 30,000 bytes gzipped, with them.
mod common;

use common::html::{Tag, tags};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};

/// Each `<link rel="stylesheet">` and `<script src>` of a page, with its URL.
fn asset_tags(html: &str) -> Vec<(Tag, String)> {
    tags(html)
        .0
        .into_iter()
        .filter_map(|tag| {
            let get = |n: &str| tag.attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let url = match tag.name.as_str() {
                "link" if get("rel").as_deref() == Some("stylesheet") => get("href"),
                "script" => get("src"),
                _ => None,
            }?;
            Some((tag, url))
        })
        .collect()
}

/// The assets a page links, by logical name (`main.css`, `checklist.js`); none carries an
/// integrity hash (Chromium refuses those on `file://`, and the one build must open from disk),
/// and every script but site.js (which sets the theme before the first paint) must be deferred.
fn linked(html: &str, page: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (tag, url) in asset_tags(html) {
        // `assets/<stem>.<hash>.<ext>` → `<stem>.<ext>`
        let mut parts: Vec<&str> = url.rsplit('/').next().expect("a file name").split('.').collect();
        assert_eq!(parts.len(), 3, "{page}: {url} is not a fingerprinted asset");
        parts.remove(1);
        let has = |n: &str| tag.attrs.iter().any(|(k, _)| k == n);
        assert!(
            !has("integrity"),
            "{page}: {url} has an integrity hash, which blocks it on file://"
        );
        if tag.name == "script" && parts[0] != "site" {
            assert!(has("defer"), "{page}: {url} blocks rendering");
        }
        names.insert(parts.join("."));
    }
    names
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_page_of_the_guide_links_only_the_stylesheets_and_scripts_it_uses() {
    let (_tmp, out) = common::shipped_site(&[]);
    let base = ["main.css", "site.js"];
    let pages = common::html_files(&out);
    assert!(pages.len() > 30, "only {} pages", pages.len());
    for (page, html) in &pages {
        let extra: &[&str] = match page.as_str() {
            "index.html" | "checklists/index.html" => &["home.css"],
            "print/index.html" => &["book.css"],
            "questionnaire/index.html" => &["questionnaire.css", "evaluator.js", "questionnaire.js"],
            "plan/index.html" => &["checklist.css", "plan.css", "evaluator.js", "plan.js", "checklist.js"],
            p if p.starts_with("checklists/") => &["checklist.css", "checklist.js"],
            _ => &[],
        };
        let expected: BTreeSet<String> = base.iter().chain(extra).map(|s| s.to_string()).collect();
        assert_eq!(linked(html, page), expected, "{page}");
    }
    // The search code and its index load on first use, from the box's data attributes.
    let home = &pages.iter().find(|(p, _)| p == "index.html").expect("home").1;
    assert!(home.contains("data-script=\"assets/search-box.") && home.contains("data-index=\"assets/search."));
}

#[test]
fn a_page_that_embeds_a_checklist_links_the_checklist_stylesheet_and_script() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    let created = common::riskguide(&["new", site.to_str().expect("utf-8")]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    std::fs::write(
        site.join("content/embedded.md"),
        "+++\ntitle = \"Embedded\"\n+++\n\nThe list, here:\n\n```checklist\npredeploy\n```\n",
    )
    .expect("write");
    let out = tmp.path().join("out");
    common::build(&site, &out);
    let read = |page: &str| std::fs::read_to_string(out.join(page)).expect(page);
    let with_list = set(&["main.css", "site.js", "checklist.css", "checklist.js"]);
    assert_eq!(linked(&read("embedded/index.html"), "embedded"), with_list);
    // The printable guide shows the embedded checklist too, without its script.
    assert_eq!(
        linked(&read("print/index.html"), "print"),
        set(&["main.css", "site.js", "checklist.css", "book.css"])
    );
    for page in ["index.html", "risks/exposure/index.html"] {
        let names = linked(&read(page), page);
        assert!(
            !names.contains("checklist.css") && !names.contains("checklist.js"),
            "{page}: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n.starts_with("questionnaire")),
            "{page}: {names:?}"
        );
    }
}

#[test]
fn a_broken_second_stylesheet_entry_is_reported_at_its_own_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site");
    assert!(common::riskguide(&["new", site.to_str().unwrap()]).status.success());
    std::fs::write(
        site.join("static/css/extra.css"),
        "@import \"_missing.css\";\na { color: red }\n",
    )
    .expect("write");
    let check = common::riskguide(&["check", "--root", site.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("static/css/extra.css:1:") && stderr.contains("error[E072]"),
        "{stderr}"
    );
}

fn gzip9(bytes: &[u8]) -> usize {
    let mut child = Command::new("gzip")
        .args(["-9", "-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input).expect("write"));
    let output = child.wait_with_output().expect("gzip output");
    writer.join().expect("writer");
    output.stdout.len()
}

/// The same measure as `bench/run weight`: gzip -9 of the HTML plus gzip -9 of each stylesheet
/// and script it links. The printable guide holds the whole guide's text and is left out.
#[test]
fn every_page_but_the_printable_guide_weighs_under_30_kb() {
    let (_tmp, out) = common::shipped_site(&[]);
    let mut over = Vec::new();
    let mut cache = std::collections::BTreeMap::new();
    for (page, html) in common::html_files(&out) {
        if page == "print/index.html" {
            continue;
        }
        let mut total = gzip9(html.as_bytes());
        for (_, url) in asset_tags(&html) {
            let name = url.rsplit('/').next().expect("file").to_string();
            total += *cache
                .entry(name)
                .or_insert_with_key(|name| gzip9(&std::fs::read(out.join("assets").join(name)).expect("asset")));
        }
        if total >= 30_000 {
            over.push(format!("{page}: {total} bytes"));
        }
    }
    assert!(
        over.is_empty(),
        "over 30,000 bytes with CSS and scripts:\n{}",
        over.join("\n")
    );
}

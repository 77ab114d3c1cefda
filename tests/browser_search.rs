//! Search on a site too large to rank from page text, in real headless Chromium: the starter
//! guide of `riskguide new` with eighty more pages that share a word, opened from disk.
mod common;

use common::Browser;
use serde_json::json;
use std::fs;

/// Builds the starter guide plus `notes` pages, each with one section holding "zephyr"; the
/// first `in_heading` of them also have it in the section's heading.
fn site_with_notes(notes: usize, in_heading: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let made = common::riskguide(&["new", site.to_str().expect("utf-8")]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let content = site.join("content/notes");
    fs::create_dir_all(&content).expect("notes dir");
    let page = |title: &str, weight: usize, body: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndescription = \"About {title}.\"\nweight = {weight}\nreviewed = 2026-01-01\n+++\n\n{body}\n"
        )
    };
    fs::write(content.join("index.md"), page("Notes", 90, "The notes.")).expect("write");
    for n in 1..=notes {
        let heading = if n <= in_heading { "Part one zephyr" } else { "Part one" };
        // Words of its own on every note make the index too large to go into the manifest.
        let filler: Vec<String> = (0..300).map(|i| format!("filler{n}x{i}")).collect();
        let body = format!(
            "## {heading} {{#part}}\n\nThe zephyr note number {n}.\n\n{}",
            filler.join(" ")
        );
        fs::write(content.join(format!("n{n}.md")), page(&format!("Note {n}"), n, &body)).expect("write");
    }
    let out = dir.path().join("public");
    let built = common::riskguide(&[
        "build",
        "--root",
        site.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    (dir, out)
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn on_a_large_site_a_query_loads_only_the_pages_it_shows_and_ranks_from_the_shards() {
    let (_dir, out) = site_with_notes(80, 10);
    let browser = Browser::start();
    browser.goto(&format!("file://{}", out.join("index.html").display()));
    browser.wait_for("return document.readyState === 'complete';", "the home page");
    browser.exec(
        "var i = document.getElementById('search-input'); i.focus(); i.value = 'zephyr'; i.dispatchEvent(new Event('input'));",
        json!([]),
    );
    browser.wait_for(
        "return document.querySelectorAll('#search-listbox [role=option]').length > 0;",
        "results for zephyr",
    );
    assert_eq!(browser.text(".search-count"), "80 results on 80 pages");
    // Eight results shown, from the notes with the word in a heading, and only their text loaded.
    let shown = browser.exec(
        "return Array.from(document.querySelectorAll('#search-listbox .search-page')).map(function (l) { return l.textContent; });",
        json!([]),
    );
    let shown: Vec<String> = serde_json::from_value(shown).expect("labels");
    assert_eq!(shown.len(), 8, "{shown:?}");
    let headed: Vec<String> = (1..=10).map(|n| format!("Note {n}")).collect();
    assert!(shown.iter().all(|t| headed.contains(t)), "{shown:?}");
    let loaded = browser.exec("return Object.keys(window.riskguideSearchPages).length;", json!([]));
    assert_eq!(loaded, json!(8));
    // "Show all" loads the rest and lists every result.
    browser.click(".search-more");
    browser.wait_for(
        "return document.querySelectorAll('#search-listbox [role=option]').length === 80;",
        "all 80 results",
    );
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

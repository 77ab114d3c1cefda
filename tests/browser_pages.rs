//! Every page of the shipped guide in real headless Chromium, served with the site's security
//! headers (the strict CSP included): no console error and no CSP violation anywhere. The same
//! build also works from `file://`, with its stylesheets and scripts.
mod common;

use common::{Browser, StaticServer};
use serde_json::json;
use std::path::Path;

/// Every HTML file of a build, as paths relative to its root with `/` separators.
fn html_pages(out: &Path) -> Vec<String> {
    let mut pages: Vec<String> = walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            e.path()
                .strip_prefix(out)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    pages.sort();
    pages
}

/// The URL path a page is served at: `vps/risks/index.html` → `vps/risks/`.
fn url_path(file: &str) -> String {
    file.strip_suffix("index.html").unwrap_or(file).to_string()
}

fn wait_until_loaded(browser: &Browser, what: &str) {
    browser.wait_for("return document.readyState === 'complete';", what);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn every_page_loads_without_console_errors_or_csp_violations() {
    let (_dir, out) = common::shipped_site(&[]);
    let pages = html_pages(&out);
    assert!(pages.len() > 20, "only {} pages built", pages.len());
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    let _ = browser.severe_logs();
    let mut problems = Vec::new();
    for page in &pages {
        let url = server.url(&url_path(page));
        browser.goto(&url);
        wait_until_loaded(&browser, &url);
        // Scripts set themselves up on load; give late errors a moment to reach the log.
        std::thread::sleep(std::time::Duration::from_millis(100));
        let title = browser.exec("return document.title;", json!([]));
        if title.as_str().is_none_or(str::is_empty) {
            problems.push(format!("{page}: no title"));
        }
        let stylesheets = browser.exec(
            "return Array.from(document.styleSheets).filter(function (s) { return s.href && s.cssRules.length > 0; }).length;",
            json!([]),
        );
        if stylesheets.as_u64().unwrap_or(0) == 0 {
            problems.push(format!("{page}: its stylesheet did not load"));
        }
        for entry in browser.severe_logs() {
            problems.push(format!("{page}: {entry}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) on {} pages:\n{}",
        problems.len(),
        pages.len(),
        problems.join("\n")
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_default_build_works_from_disk() {
    let (_dir, out) = common::shipped_site(&[]);
    let browser = Browser::start();
    let _ = browser.severe_logs();
    for page in [
        "index.html",
        "vps/index.html",
        "checklists/index.html",
        "checklists/vps-recovery/index.html",
        "questionnaire/index.html",
        "print/index.html",
    ] {
        let url = format!("file://{}", out.join(page).display());
        browser.goto(&url);
        wait_until_loaded(&browser, &url);
        // The stylesheet applies: the page is a flex column with the site's font, not the default.
        let display = browser.exec("return getComputedStyle(document.body).display;", json!([]));
        assert_eq!(display, json!("flex"), "{page}: main.css did not apply from file://");
        // site.js ran: it reveals the theme switch, which the HTML ships hidden.
        browser.wait_for(
            "var b = document.querySelector('.theme-toggle'); return b && !b.hidden && b.offsetWidth > 0;",
            &format!("{page}: site.js to reveal the theme switch"),
        );
        let logs = browser.severe_logs();
        assert!(logs.is_empty(), "{page} from file://: {logs:#?}");
    }
}

/// The check above is only as good as the log it reads: a page with an inline style attribute
/// and an inline script must show up there as CSP violations.
#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_console_check_sees_csp_violations() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("probe.html"),
        "<!doctype html><title>probe</title><p style=\"color:red\">x</p><script>document.title='ran'</script>",
    )
    .expect("write");
    let server = StaticServer::start(dir.path());
    let browser = Browser::start();
    let _ = browser.severe_logs();
    browser.goto(&server.url("probe.html"));
    wait_until_loaded(&browser, "the probe page");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = browser.severe_logs();
    assert_eq!(
        browser.exec("return document.title;", json!([])),
        json!("probe"),
        "the inline script ran"
    );
    assert!(
        logs.iter().any(|l| l.contains("Content Security Policy")),
        "no CSP report in the console log: {logs:#?}"
    );
}

/// Opens `url`, types a word into the search box and returns the first result's link.
fn first_search_result(browser: &Browser, url: &str, word: &str) -> String {
    browser.goto(url);
    wait_until_loaded(browser, url);
    browser.click("#search-input");
    browser.send_keys("#search-input", word);
    let first = browser.wait_for(
        "var a = document.querySelector('#search-listbox [role=option]'); return a && !a.closest('[hidden]') && a.getAttribute('href');",
        &format!("search results on {url}"),
    );
    first.as_str().unwrap_or_default().to_string()
}

/// The search box's code and the index are fetched only when the box is first used, the index
/// in parts as the query needs them; typing then lists matching sections as links, also from
/// disk.
#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_search_box_loads_its_code_on_first_use_and_finds_sections() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    let _ = browser.severe_logs();
    let loaded = "return Array.from(document.scripts).filter(function (s) { return /search/.test(s.src); }).map(function (s) { return s.src.split('/').pop().split('.')[0]; }).join(' ');";
    let url = server.url("vps/");
    browser.goto(&url);
    wait_until_loaded(&browser, &url);
    assert_eq!(
        browser.exec(loaded, json!([])),
        json!(""),
        "search code loaded before use"
    );
    let first = first_search_result(&browser, &url, "egress");
    assert!(first.starts_with("../"), "{first}");
    // The code, then the index's manifest, which on a site this small holds the shards and the
    // pages' texts itself: no other index file is loaded.
    let kinds = browser.exec(loaded, json!([]));
    let mut seen: Vec<&str> = Vec::new();
    for kind in kinds.as_str().unwrap_or_default().split(' ') {
        if !seen.contains(&kind) {
            seen.push(kind);
        }
    }
    assert_eq!(seen, ["search-box", "search"], "{kinds}");
    assert!(browser.text("#search-results").to_lowercase().contains("egress"));
    // Escape hides the results.
    browser.keys("\u{E00C}");
    browser.wait_for(
        "return document.getElementById('search-results').hidden;",
        "results hidden",
    );
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");

    let url = format!("file://{}", out.join("vps/index.html").display());
    let first = first_search_result(&browser, &url, "egress");
    assert!(first.contains("index.html"), "{first}");
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "from file://: {logs:#?}");
}

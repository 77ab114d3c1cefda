//! Reading, searching and printing the shipped guide in real headless Chromium: numbered
//! recovery steps, heading links read once, the printed book, the search combobox, the notes
//! for readers without JavaScript, tables on a phone, the sticky checklist bar, copy buttons,
//! the size of the header on a phone, and a sidebar taller than the window scrolled to the page
//! being read.
mod common;

use common::{Browser, StaticServer};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn wait_until_loaded(browser: &Browser, what: &str) {
    browser.wait_for("return document.readyState === 'complete';", what);
}

fn open(browser: &Browser, url: &str) {
    browser.goto(url);
    wait_until_loaded(browser, url);
}

/// A Chrome DevTools command through chromedriver.
fn cdp(browser: &Browser, cmd: &str, params: Value) -> Value {
    browser.cmd("POST", "/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
}

/// Lays pages out as a phone of this size would (Chromium's window cannot be made that narrow).
fn phone(browser: &Browser, width: u32, height: u32) {
    cdp(
        browser,
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true}),
    );
}

fn media(browser: &Browser, kind: &str) {
    cdp(browser, "Emulation.setEmulatedMedia", json!({"media": kind}));
}

/// The text of each page of a PDF.
fn pdf_pages(pdf: &[u8], dir: &Path) -> Vec<String> {
    let path = dir.join("book.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let info = Command::new("pdfinfo").arg(&path).output().expect("pdfinfo runs");
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    (1..=pages)
        .map(|n| {
            let out = Command::new("pdftotext")
                .args(["-layout", "-f", &n.to_string(), "-l", &n.to_string()])
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext (poppler-utils) runs");
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The number a recovery step shows, read from its ::before box, and whether it is drawn.
const STEP_NUMBERS: &str = "return Array.from(document.querySelectorAll('.checklist ol.items > .item')).map(function (li) { var s = getComputedStyle(li, '::before'); return s.display !== 'none' && s.visibility !== 'hidden' ? s.content : 'hidden'; });";

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn recovery_steps_are_numbered_on_screen_and_on_paper() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    open(&browser, &server.url("checklists/vps-recovery/"));
    for kind in ["screen", "print"] {
        media(&browser, kind);
        let numbers = browser.exec(STEP_NUMBERS, json!([]));
        let numbers: Vec<String> = numbers
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        assert!(numbers.len() > 5, "{numbers:?}");
        // One number per step; the number is drawn for sight (the list itself tells a screen
        // reader the position).
        for (i, content) in numbers.iter().enumerate() {
            assert!(
                content.starts_with("counter(step)"),
                "{kind}: step {}: {content}",
                i + 1
            );
        }
        let drawn = browser.exec(
            "return Array.from(document.querySelectorAll('.checklist ol.items > .item')).map(function (li) { var r = li.getBoundingClientRect(); var b = getComputedStyle(li, '::before'); return b.position === 'absolute' && r.height > 0; }).every(Boolean);",
            json!([]),
        );
        assert_eq!(drawn, json!(true), "{kind}");
    }
    media(&browser, "screen");
    // The numbers themselves, as paper shows them: 1. to N. in order.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = pdf_pages(&browser.print_pdf(21.0, 29.7), dir.path()).join(" ");
    let count = numbers_len(&browser);
    let mut at = 0;
    for n in 1..=count {
        let found = text[at..].find(&format!("{n}. ")).map(|i| i + at);
        assert!(found.is_some(), "step {n} is not numbered on paper: {text}");
        at = found.unwrap_or(at);
    }
}

fn numbers_len(browser: &Browser) -> usize {
    browser
        .exec(
            "return document.querySelectorAll('.checklist ol.items > .item').length;",
            json!([]),
        )
        .as_u64()
        .unwrap_or(0) as usize
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_heading_and_its_link_are_read_once() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    open(&browser, &server.url("vps/risks/"));
    let heading = browser.find("h2#public-gateway");
    let text = browser.text("h2#public-gateway").trim().to_string();
    assert_eq!(text, "Gateway open to the internet");
    // The accessible names Chromium computes: the heading's is its text, once; its only link
    // is the heading text itself, so nothing is announced twice.
    let label = browser.cmd("GET", &format!("/element/{heading}/computedlabel"), Value::Null);
    assert_eq!(label, json!(text));
    let links = browser.find_all("h2#public-gateway a");
    assert_eq!(links.len(), 1);
    let link_label = browser.cmd("GET", &format!("/element/{}/computedlabel", links[0]), Value::Null);
    assert_eq!(link_label, json!(text));
    assert_eq!(
        browser.exec(
            "return document.querySelector('h2#public-gateway a').getAttribute('href');",
            json!([])
        ),
        json!("#public-gateway")
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_printed_guide_is_a_book_with_cover_contents_numbers_and_references() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    open(&browser, &server.url("print/"));
    let _ = browser.severe_logs();
    let dir = tempfile::tempdir().expect("tempdir");
    let pages = pdf_pages(&browser.print_pdf(21.0, 29.7), dir.path());
    // The cover: title, version, the newest review date, the address; nothing else.
    let cover = &pages[0];
    for fact in [
        "OpenClaw deployment risks",
        "VERSION",
        "1.1",
        "LAST REVIEWED",
        "2026-",
        "https://example.org/",
    ] {
        assert!(cover.contains(fact), "cover lacks {fact:?}: {cover}");
    }
    assert!(!cover.contains("CONTENTS"), "{cover}");
    // Then the contents, numbered, on a page of their own.
    let contents = &pages[1];
    assert!(contents.starts_with("CONTENTS"), "{contents}");
    for entry in [
        "1 Where should your OpenClaw agent run?",
        "2 Moltworker: what could go wrong",
        "2.3 C. No egress filtering",
        "4.1 VPS risks",
    ] {
        assert!(contents.contains(entry), "contents lack {entry:?}: {contents}");
    }
    assert!(
        pages[2].starts_with("1 Where should your OpenClaw agent run?"),
        "{}",
        pages[2]
    );
    let all = pages.join("\n");
    // Numbered sections; a short section follows the one before on the same page.
    assert!(all.contains("2.3 C. No egress filtering"));
    let flowing = pages
        .iter()
        .filter(|p| p.contains("3.2 Mac Mini: worst case and recovery"))
        .count();
    assert!(flowing >= 1);
    let shared = pages
        .iter()
        .any(|p| p.contains("3.2 Mac Mini: worst case and recovery") && !p.starts_with("3.2 Mac Mini"));
    assert!(shared, "section 3.2 starts its own page");
    // Internal links name the section they lead to; external links print their address.
    assert!(
        all.contains("(see 2.4)") || all.contains("(see 2.3)"),
        "no section references"
    );
    assert!(
        all.contains("(https://example.org/questionnaire/)"),
        "a link to the questionnaire prints no address"
    );
    assert!(all.contains("(https://"), "no external address printed");
    // The links of the book lead into the book.
    let outside = browser.exec(
        "return Array.from(document.querySelectorAll('.print-section a[data-ref]')).filter(function (a) { return !document.getElementById(a.getAttribute('href').slice(1)); }).map(function (a) { return a.getAttribute('href'); });",
        json!([]),
    );
    assert_eq!(outside, json!([]), "references to missing anchors");
    // No page is left mostly blank by a forced break, except the cover and the contents.
    let sparse: Vec<usize> = pages
        .iter()
        .enumerate()
        .skip(2)
        .filter(|(i, p)| p.len() < 400 && *i + 1 < pages.len())
        .map(|(i, _)| i + 1)
        .collect();
    assert!(sparse.len() <= 3, "nearly empty pages: {sparse:?}");
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

/// Types into the search box (focused with "/") and waits for the listbox.
fn search(browser: &Browser, query: &str) {
    browser.exec("document.activeElement && document.activeElement.blur();", json!([]));
    browser.keys("/");
    browser.wait_for(
        "return document.activeElement && document.activeElement.id === 'search-input';",
        "/ to focus the search box",
    );
    browser.exec("document.getElementById('search-input').value = '';", json!([]));
    browser.keys(query);
    browser.wait_for(
        "var i = document.getElementById('search-input'); return i.getAttribute('aria-expanded') === 'true' && document.querySelector('#search-listbox [role=option]');",
        &format!("results for {query}"),
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn search_is_a_combobox_with_grouped_highlighted_ranked_results() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    let url = server.url("vps/");
    open(&browser, &url);
    let _ = browser.severe_logs();
    search(&browser, "prompt injection");
    let input = "document.getElementById('search-input')";
    assert_eq!(
        browser.exec(&format!("return {input}.getAttribute('role');"), json!([])),
        json!("combobox")
    );
    // Results grouped by page, each group labelled with the page's title.
    let groups = browser.exec(
        "return Array.from(document.querySelectorAll('#search-listbox > [role=group]')).map(function (g) { return document.getElementById(g.getAttribute('aria-labelledby')).textContent; });",
        json!([]),
    );
    let groups: Vec<String> = groups
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g.as_str().unwrap_or_default().to_string())
        .collect();
    assert!(groups.len() > 2, "{groups:?}");
    // The change log mentions every topic once: it comes after every other page.
    if let Some(at) = groups.iter().position(|g| g == "What changed") {
        assert_eq!(at, groups.len() - 1, "{groups:?}");
    }
    assert_ne!(groups[0], "What changed");
    // A count, and "Show all" when there are more results than shown.
    let count = browser.text(".search-count");
    assert!(count.contains("results on") && count.contains("pages"), "{count}");
    // Every query word shown is marked, in text nodes (no markup from the index).
    let marks = browser.exec(
        "return Array.from(document.querySelectorAll('#search-results mark')).map(function (m) { return m.textContent.toLowerCase(); });",
        json!([]),
    );
    let marks = marks.as_array().expect("marks");
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|m| m == "prompt" || m == "injection"), "{marks:?}");
    // Snippets come from prose only: each is a piece of its section's prose (or the page's
    // description), never the flattened words of a table.
    let foreign = browser.exec(
        "var out = []; var byUrl = {}; Object.values(window.riskguideSearchPages).forEach(function (p) { byUrl[p.t] = p; });\
         document.querySelectorAll('#search-listbox [role=group]').forEach(function (g) {\
           var page = byUrl[document.getElementById(g.getAttribute('aria-labelledby')).textContent];\
           g.querySelectorAll('.search-snippet').forEach(function (s) {\
             var text = s.textContent.replace(/^\\u2026|\\u2026$/g, '');\
             var ok = page.d.indexOf(text) >= 0 || page.s.some(function (sec) { return sec[2].indexOf(text) >= 0; });\
             if (!ok) out.push(text); }); }); return out;",
        json!([]),
    );
    assert_eq!(foreign, json!([]));

    // Arrow keys move the active option; Escape closes; Enter opens the active result.
    browser.keys("\u{E015}\u{E015}");
    let active = browser.exec(
        &format!("var id = {input}.getAttribute('aria-activedescendant'); var o = document.getElementById(id); return o && o.getAttribute('aria-selected') === 'true' && o.getAttribute('role') === 'option' && Array.from(document.querySelectorAll('[role=option]')).indexOf(o);"),
        json!([]),
    );
    assert_eq!(active, json!(1));
    browser.keys("\u{E013}");
    let active = browser.exec(
        &format!("return Array.from(document.querySelectorAll('[role=option]')).indexOf(document.getElementById({input}.getAttribute('aria-activedescendant')));"),
        json!([]),
    );
    assert_eq!(active, json!(0));
    browser.keys("\u{E00C}");
    assert_eq!(
        browser.exec(
            &format!(
                "return [document.getElementById('search-results').hidden, {input}.getAttribute('aria-expanded')];"
            ),
            json!([])
        ),
        json!([true, "false"])
    );
    browser.keys("\u{E015}");
    browser.wait_for(
        "return !document.getElementById('search-results').hidden;",
        "results again",
    );
    let target = browser.exec(
        &format!("return document.getElementById({input}.getAttribute('aria-activedescendant')).href;"),
        json!([]),
    );
    browser.keys("\u{E007}");
    browser.wait_for(
        &format!("return location.href === {target};"),
        "Enter to open the active result",
    );

    // "Show all" lists every result.
    open(&browser, &url);
    search(&browser, "key");
    let count = browser.text(".search-count");
    let total: usize = count.split(' ').next().and_then(|n| n.parse().ok()).expect("a count");
    let shown = || browser.find_all("#search-listbox [role=option]").len();
    assert!(
        total > shown(),
        "{count}: the test needs more results than fit at first"
    );
    browser.click(".search-more");
    browser.wait_for(
        &format!("return document.querySelectorAll('#search-listbox [role=option]').length === {total};"),
        "Show all",
    );
    // Titles and headings rank above body text: the first result names the word in its title
    // or heading.
    let first = browser.exec(
        "var o = document.querySelector('#search-listbox [role=option]'); return o.closest('[role=group]').querySelector('.search-page').textContent + ' ' + o.querySelector('.search-heading').textContent;",
        json!([]),
    );
    assert!(
        first.as_str().unwrap_or_default().to_lowercase().contains("key"),
        "{first}"
    );
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn search_works_from_disk_and_finds_nothing_politely() {
    let (_dir, out) = common::shipped_site(&[]);
    let browser = Browser::start();
    let url = format!("file://{}", out.join("vps/index.html").display());
    open(&browser, &url);
    let _ = browser.severe_logs();
    search(&browser, "egress");
    let href = browser.exec(
        "return document.querySelector('#search-listbox [role=option]').getAttribute('href');",
        json!([]),
    );
    assert!(href.as_str().unwrap_or_default().contains("index.html"), "{href}");
    // The guide is small: its index is one file, the manifest holding every shard and page text,
    // and the query loaded no other index file.
    let index_files = "return Array.from(document.scripts).map(function (s) { return s.src.split('/').pop(); })\
                         .filter(function (n) { return /^search[.-]/.test(n) && !/^search-box\\./.test(n); });";
    let loaded = browser.exec(index_files, json!([]));
    assert_eq!(loaded.as_array().map(Vec::len), Some(1), "{loaded}");
    assert!(
        loaded[0].as_str().unwrap_or_default().starts_with("search."),
        "{loaded}"
    );
    let pages = browser.exec("return Object.keys(window.riskguideSearchPages).length;", json!([]));
    let total = browser.exec("return window.riskguideSearch.n;", json!([]));
    assert_eq!(pages, total, "every page's text is in the manifest");

    // Two words in two shards, both in the manifest already: still one index file, and every
    // section shown holds both words.
    search(&browser, "prompt injection");
    let loaded = browser.exec(index_files, json!([]));
    assert_eq!(loaded.as_array().map(Vec::len), Some(1), "{loaded}");
    let missing = browser.exec(
        "return Array.from(document.querySelectorAll('#search-listbox [role=option]')).filter(function (o) {\
           var g = o.closest('[role=group]').querySelector('.search-page').textContent;\
           var p = Object.values(window.riskguideSearchPages).filter(function (p) { return p.t === g; })[0];\
           var frag = o.getAttribute('href').split('#')[1] || '';\
           var s = p.s.filter(function (s) { return s[0] === frag; })[0];\
           var all = (p.t + ' ' + s.join(' ')).toLowerCase();\
           return all.indexOf('prompt') < 0 || all.indexOf('injection') < 0; }).length;",
        json!([]),
    );
    assert_eq!(missing, json!(0));
    browser.exec(
        "var i = document.getElementById('search-input'); i.value = ''; i.focus();",
        json!([]),
    );
    browser.keys("zqxwv");
    browser.wait_for(
        "return document.querySelector('.search-count').textContent.indexOf('No results') === 0;",
        "the no-result message",
    );
    assert_eq!(browser.find_all("#search-listbox [role=option]").len(), 0);
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_printed_guide_opens_from_disk() {
    let (_dir, out) = common::shipped_site(&[]);
    let browser = Browser::start();
    open(&browser, &format!("file://{}", out.join("print/index.html").display()));
    let sections = browser.exec(
        "return document.querySelectorAll('main .print-section').length;",
        json!([]),
    );
    assert!(sections.as_u64().unwrap_or(0) > 10, "{sections}");
    let styled = browser.exec(
        "var links = document.querySelectorAll('link[rel=stylesheet]'); return links.length && Array.from(links).every(function (l) { return l.sheet; }) ? links.length : 0;",
        json!([]),
    );
    assert!(styled.as_u64().unwrap_or(0) >= 2, "{styled}");
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

/// Loads `url` with scripts off, then turns them back on so the test can look at the page
/// as it was left (site.js never ran, so the root has no `js` class).
fn open_without_scripts(browser: &Browser, url: &str) {
    cdp(browser, "Emulation.setScriptExecutionDisabled", json!({"value": true}));
    browser.goto(url);
    std::thread::sleep(std::time::Duration::from_millis(300));
    cdp(browser, "Emulation.setScriptExecutionDisabled", json!({"value": false}));
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn without_javascript_the_pages_say_what_does_not_work_and_what_to_do() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    open_without_scripts(&browser, &server.url("questionnaire/"));
    assert_eq!(
        browser.exec("return document.documentElement.classList.contains('js');", json!([])),
        json!(false),
        "scripts ran"
    );
    // The notice and the link to the decision matrix come before question 1.
    let order = browser.exec(
        "var note = document.querySelector('.nojs-note'); var q1 = document.querySelector('fieldset.question');\
         var link = note && note.querySelector('a[href=\"#matrix\"]');\
         return [!!link, note.offsetHeight > 0, !!(note.compareDocumentPosition(q1) & Node.DOCUMENT_POSITION_FOLLOWING), note.getBoundingClientRect().top < q1.getBoundingClientRect().top];",
        json!([]),
    );
    assert_eq!(order, json!([true, true, true, true]));
    // A checklist says ticks are not saved and offers the printable view; the note that ticks
    // are saved is not shown.
    open_without_scripts(&browser, &server.url("checklists/vps-predeploy/"));
    let note = browser.exec(
        "var n = document.querySelector('.checklist .nojs-note'); var a = n && n.querySelector('a');\
         return [n && n.offsetHeight > 0, n && n.textContent.indexOf('not saved') >= 0, a && a.getAttribute('href'), document.querySelector('.storage-note').offsetHeight];",
        json!([]),
    );
    assert_eq!(note, json!([true, true, "../../checklists/print/", 0]));
    // With scripts, the notes are gone.
    open(&browser, &server.url("checklists/vps-predeploy/"));
    assert_eq!(
        browser.exec(
            "return Array.from(document.querySelectorAll('.nojs-note')).map(function (n) { return n.offsetHeight; });",
            json!([])
        ),
        json!([0])
    );
    open(&browser, &server.url("questionnaire/"));
    assert_eq!(
        browser.exec("return document.querySelector('.nojs-note').offsetHeight;", json!([])),
        json!(0)
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn on_a_phone_tables_stack_as_cards_and_the_header_stays_small() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    phone(&browser, 390, 844);
    open(&browser, &server.url("compare/"));
    let cards = browser.exec(
        "var t = document.querySelector('#table-comparison'); var cells = Array.from(t.querySelectorAll('tbody td'));\
         var labels = Array.from(t.querySelectorAll('thead th')).map(function (th) { return th.textContent; });\
         return { wide: cells.filter(function (c) { var r = c.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth; }).length,\
                  scroll: document.documentElement.scrollWidth - innerWidth,\
                  labelled: cells.every(function (c) { return labels.indexOf(getComputedStyle(c, '::before').content.replace(/^\"|\"$/g, '')) > 0; }),\
                  rowsApart: (function () { var rows = t.querySelectorAll('tbody tr'); return rows[1].getBoundingClientRect().top >= rows[0].getBoundingClientRect().bottom; })(),\
                  cellsStacked: (function () { var c = t.querySelectorAll('tbody tr')[0].querySelectorAll('td'); return c[1].getBoundingClientRect().top >= c[0].getBoundingClientRect().bottom - 1; })() };",
        json!([]),
    );
    assert_eq!(
        cards,
        json!({"wide": 0, "scroll": 0, "labelled": true, "rowsApart": true, "cellsStacked": true})
    );
    // A cell whose sentence holds a link or code stays one sentence beside its label: no piece
    // of it falls into the label's column.
    for page in ["compare/", "vps/risks/", "mac-mini/risks/", "moltworker/r2-storage/"] {
        open(&browser, &server.url(page));
        let strays = browser.exec(
            "var out = []; document.querySelectorAll('.data-table td').forEach(function (td) {\
               var r = td.getBoundingClientRect(), cs = getComputedStyle(td);\
               var left = r.left + parseFloat(cs.paddingLeft), width = r.right - parseFloat(cs.paddingRight) - left;\
               var range = document.createRange(); range.selectNodeContents(td);\
               Array.from(range.getClientRects()).forEach(function (f) {\
                 if (f.width > 0 && f.left < left + width * 0.3) { out.push(td.textContent.trim().slice(0, 60)); }\
               });\
             }); return out;",
            json!([]),
        );
        assert_eq!(strays, json!([]), "/{page}: cell text under the labels");
    }
    // Header, search and the section menu take less than a third of a 390 × 844 screen.
    for page in ["", "vps/risks/", "checklists/vps-recovery/", "questionnaire/"] {
        open(&browser, &server.url(page));
        let bottom = browser.exec(
            "var s = document.querySelector('.sidebar'); return (s || document.querySelector('.topbar')).getBoundingClientRect().bottom;",
            json!([]),
        );
        let bottom = bottom.as_f64().expect("a number");
        assert!(bottom < 844.0 / 3.0, "/{page}: chrome ends at {bottom}px");
    }
    // At desktop width the table is a table again.
    phone(&browser, 1280, 900);
    open(&browser, &server.url("compare/"));
    assert_eq!(
        browser.exec(
            "return getComputedStyle(document.querySelector('#table-comparison td')).display;",
            json!([])
        ),
        json!("table-cell")
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_checklist_bar_stays_in_view_and_code_blocks_copy() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    let _ = browser.severe_logs();
    for (width, height) in [(1280, 900), (390, 844)] {
        phone(&browser, width, height);
        open(&browser, &server.url("checklists/moltworker-recovery/"));
        let bar = browser.exec(
            "window.scrollTo(0, document.body.scrollHeight / 2); var b = document.querySelector('.checklist-bar').getBoundingClientRect();\
             var top = document.querySelector('.topbar').getBoundingClientRect(); return [Math.round(b.top), b.bottom < innerHeight / 3, Math.round(Math.max(0, top.bottom))];",
            json!([]),
        );
        let top = bar[0].as_i64().expect("top");
        let below = bar[2].as_i64().expect("top bar");
        assert!(
            bar[1] == json!(true) && (top - below).abs() <= 1,
            "{width}px: the bar scrolled away: {bar}"
        );
    }
    phone(&browser, 1280, 900);
    // A code block's button copies exactly its text.
    cdp(
        &browser,
        "Browser.grantPermissions",
        json!({"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"], "origin": server.url("").trim_end_matches('/')}),
    );
    open(&browser, &server.url("checklists/moltworker-recovery/"));
    let code = browser.exec(
        "return document.querySelector('main pre > code').textContent.replace(/\\n$/, '');",
        json!([]),
    );
    browser.exec(
        "document.querySelector('.copy-code').scrollIntoView({block: 'center'});",
        json!([]),
    );
    browser.click(".copy-code");
    browser.wait_for(
        "return document.querySelector('.copy-code').textContent === 'Copied';",
        "the copy to finish",
    );
    let copied = browser.cmd(
        "POST",
        "/execute/async",
        json!({"script": "var done = arguments[0]; navigator.clipboard.readText().then(done, function (e) { done('error: ' + e); });", "args": []}),
    );
    assert_eq!(copied, code);
    assert_eq!(
        browser.exec("return document.querySelectorAll('main pre > code').length === document.querySelectorAll('.code-block > .copy-code').length;", json!([])),
        json!(true)
    );
    // No copy button hides code: a block with lines wider than its box gets a strip for it.
    let mut wide = 0;
    for (width, height) in [(1280, 900), (390, 844)] {
        phone(&browser, width, height);
        for page in [
            "checklists/vps-predeploy/",
            "checklists/mac-predeploy/",
            "vps/prevention/",
        ] {
            open(&browser, &server.url(page));
            let seen = browser.exec(
                "var hidden = [], wide = 0; document.querySelectorAll('.code-block').forEach(function (b) {\
                   if (b.classList.contains('wide')) wide++;\
                   var button = b.querySelector('.copy-code').getBoundingClientRect();\
                   var range = document.createRange(); range.selectNodeContents(b.querySelector('code'));\
                   Array.from(range.getClientRects()).forEach(function (f) {\
                     if (f.width > 0 && f.left < button.right && f.right > button.left && f.top < button.bottom && f.bottom > button.top) {\
                       hidden.push(b.textContent.slice(0, 60));\
                     }\
                   });\
                 }); return [hidden, wide];",
                json!([]),
            );
            assert_eq!(seen[0], json!([]), "{width}px /{page}: code under a copy button");
            wide += seen[1].as_u64().expect("a count");
        }
    }
    assert!(wide > 0, "no block was wide enough to need the strip");
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_sidebar_taller_than_the_window_shows_the_page_being_read() {
    let (_dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    let browser = Browser::start_sized(1280, 420);
    // The last page of the last section with pages: the link furthest down any sidebar.
    open(&browser, &server.url("/"));
    let sections = browser.exec(
        "return Array.from(document.querySelectorAll('.nav-sections > li > a'), a => a.href);",
        json!([]),
    );
    let last = sections
        .as_array()
        .expect("the sections' addresses")
        .iter()
        .rev()
        .find_map(|section| {
            open(&browser, section.as_str().expect("an address"));
            let pages = browser.exec(
                "return Array.from(document.querySelectorAll('.nav-sections li.open ul a'), a => a.href);",
                json!([]),
            );
            pages
                .as_array()
                .and_then(|p| p.last())
                .and_then(|p| p.as_str())
                .map(str::to_string)
        })
        .expect("a section with pages");
    open(&browser, &last);
    let seen = browser.exec(
        "var s = document.querySelector('.sidebar'); \
         var a = s.querySelector('a[aria-current=page]'); \
         var box = s.getBoundingClientRect(), link = a.getBoundingClientRect(); \
         return {scrolls: s.scrollHeight > s.clientHeight, scrolled: s.scrollTop > 0, \
                 page_top: window.scrollY, inside: link.top >= box.top && link.bottom <= box.bottom};",
        json!([]),
    );
    assert_eq!(seen["scrolls"], json!(true), "the sidebar fits the window: {seen}");
    assert_eq!(
        seen["inside"],
        json!(true),
        "the page's own link is out of the sidebar's view: {seen}"
    );
    // The sidebar scrolled, not the page.
    assert_eq!(seen["page_top"], json!(0), "{seen}");
}

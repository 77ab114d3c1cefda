//! Checklists in real headless Chromium: ticks kept across reloads and tabs, sub-step roll-up,
//! "not applicable", export → reset → import, hostile imports, storage that is unavailable,
//! pages opened from disk, and printing to PDF (A4 and US Letter).
mod common;

use common::{Browser, StaticServer};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The shipped guide built once per test, served over HTTP with the site's headers.
struct Site {
    _dir: tempfile::TempDir,
    out: PathBuf,
    server: StaticServer,
}

fn site() -> Site {
    let (dir, out) = common::shipped_site(&[]);
    let server = StaticServer::start(&out);
    Site { _dir: dir, out, server }
}

/// Opens a page and waits until the checklist script has set every checklist up.
fn open(browser: &Browser, url: &str) {
    browser.goto(url);
    browser.wait_for(
        "var s = document.querySelectorAll('section.checklist'); if (!s.length) return false; \
         for (var i = 0; i < s.length; i++) { if (!s[i].classList.contains('is-live')) return false; } return true;",
        "the checklist script",
    );
}

/// The shipped guide served, a browser, and `path` opened in it with its checklists set up.
fn opened(path: &str) -> (Site, Browser, String) {
    opened_with(path, |_| {})
}

/// Like [`opened`], with `prepare` run on the browser before the page loads.
fn opened_with(path: &str, prepare: impl FnOnce(&Browser)) -> (Site, Browser, String) {
    let site = site();
    let browser = Browser::start();
    prepare(&browser);
    let url = site.server.url(path);
    open(&browser, &url);
    (site, browser, url)
}

fn progress(browser: &Browser) -> String {
    browser
        .exec(
            "return document.querySelector('[data-progress]').getAttribute('data-progress');",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn progress_text(browser: &Browser) -> String {
    browser.text("[data-progress]")
}

fn item_count(browser: &Browser) -> usize {
    browser
        .exec(
            "return document.querySelectorAll('section.checklist li.item').length;",
            json!([]),
        )
        .as_u64()
        .unwrap_or(0) as usize
}

fn checked(browser: &Browser, id: &str) -> bool {
    browser.exec(
        "return document.querySelector('input[data-item-id=\"' + arguments[0] + '\"]').checked;",
        json!([id]),
    ) == json!(true)
}

fn indeterminate(browser: &Browser, id: &str) -> bool {
    browser.exec(
        "return document.querySelector('input[data-item-id=\"' + arguments[0] + '\"]').indeterminate;",
        json!([id]),
    ) == json!(true)
}

/// The WebDriver reference of the first element matching `css` (whichever element key the driver uses).
fn element(browser: &Browser, css: &str) -> String {
    let v = browser.cmd("POST", "/element", json!({"using": "css selector", "value": css}));
    let found = v.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.starts_with("element-6066-"))
            .and_then(|(_, id)| id.as_str().map(str::to_string))
    });
    found.unwrap_or_else(|| panic!("no element {css}: {v}"))
}

/// A real click (the driver scrolls the element into view and checks it can be clicked).
fn click(browser: &Browser, css: &str) {
    let id = element(browser, css);
    // Centred first, so the sticky top bar never covers it.
    browser.exec(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
        json!([css]),
    );
    browser.cmd("POST", &format!("/element/{id}/click"), json!({}));
}

fn send_keys(browser: &Browser, css: &str, text: &str) {
    let id = element(browser, css);
    browser.cmd("POST", &format!("/element/{id}/value"), json!({"text": text}));
}

fn count(browser: &Browser, css: &str) -> usize {
    browser
        .exec("return document.querySelectorAll(arguments[0]).length;", json!([css]))
        .as_u64()
        .unwrap_or(0) as usize
}

fn tick(browser: &Browser, id: &str) {
    click(browser, &format!("input[data-item-id=\"{id}\"]"));
}

/// Every checkbox's state and every N/A mark on the page, to compare before and after.
fn snapshot(browser: &Browser) -> Value {
    browser.exec(
        "var out = {}; document.querySelectorAll('section.checklist input[data-item-id]').forEach(function (b) { \
           out[b.getAttribute('data-item-id')] = [b.checked, b.indeterminate]; }); \
         document.querySelectorAll('section.checklist li.item').forEach(function (li) { \
           out['na:' + li.id] = li.classList.contains('is-na'); }); \
         out.progress = document.querySelector('[data-progress]').getAttribute('data-progress'); return out;",
        json!([]),
    )
}

/// The visible status line of the first checklist (empty when hidden).
fn status(browser: &Browser) -> String {
    browser
        .exec(
            "var s = document.querySelector('section.checklist .checklist-status'); \
             return s && !s.hidden && s.getClientRects().length ? s.textContent : '';",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn no_severe_logs(browser: &Browser, page: &str) {
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "console errors on {page}: {logs:#?}");
}

fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn ticks_survive_a_reload_and_keys_name_the_site() {
    let (site, browser, url) = opened("/checklists/vps-predeploy/");
    let total = item_count(&browser);
    assert!(total > 20, "vps-predeploy has {total} items");
    assert_eq!(progress(&browser), format!("0/{total}"));
    assert!(
        browser.exec("return !document.querySelector('.checklist-tools').hidden;", json!([])) == json!(true),
        "tools are revealed"
    );

    tick(&browser, "vps-predeploy/separate-provider");
    tick(&browser, "vps-predeploy/firewall-first");
    // Keyboard: Space on a focused checkbox ticks it too.
    browser.exec(
        "document.querySelector('input[data-item-id=\"vps-predeploy/provider-2fa\"]').focus();",
        json!([]),
    );
    browser.keys("\u{E00D}");
    assert_eq!(progress(&browser), format!("3/{total}"));
    assert_eq!(progress_text(&browser), format!("3 of {total} done"));

    browser.goto(&url);
    open(&browser, &url);
    for id in ["separate-provider", "firewall-first", "provider-2fa"] {
        assert!(
            checked(&browser, &format!("vps-predeploy/{id}")),
            "{id} is still ticked after reload"
        );
    }
    assert!(!checked(&browser, "vps-predeploy/reputable-provider"));
    assert_eq!(progress(&browser), format!("3/{total}"));
    assert_eq!(progress_text(&browser), format!("3 of {total} done"));

    let stored = browser.exec(
        "var out = {}; for (var i = 0; i < localStorage.length; i++) { var k = localStorage.key(i); out[k] = JSON.parse(localStorage.getItem(k)); } return out;",
        json!([]),
    );
    let saved = &stored["riskguide:example.org:checklist:vps-predeploy"];
    assert_eq!(
        saved["version"],
        json!(1),
        "stored under the site's canonical name: {stored}"
    );
    assert_eq!(saved["items"]["firewall-first"], json!({"done": true}));
    assert!(saved["updated"].as_str().is_some_and(|s| s.ends_with('Z')));
    // The same checklist elsewhere (the print-all page) shows the same ticks.
    let print = site.server.url("/checklists/print/");
    open(&browser, &print);
    assert!(checked(&browser, "vps-predeploy/firewall-first"));
    assert_eq!(
        browser.exec("return document.querySelector('[data-checklist=vps-predeploy] [data-progress]').getAttribute('data-progress');", json!([])),
        json!(format!("3/{total}"))
    );
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn sub_steps_roll_up_into_their_item() {
    let (_site, browser, url) = opened("/checklists/moltworker-predeploy/");
    let total = item_count(&browser);
    let item = "moltworker-predeploy/billing-alerts";
    let steps: Vec<String> = browser
        .exec("return Array.from(document.querySelectorAll('#billing-alerts .steps input')).map(function (b) { return b.getAttribute('data-item-id'); });", json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(steps.len() >= 2, "billing-alerts has steps: {steps:?}");
    assert!(steps.iter().all(|s| s.starts_with(&format!("{item}/"))));

    tick(&browser, &steps[0]);
    assert!(
        indeterminate(&browser, item),
        "one step done: the item shows as partly done"
    );
    assert!(!checked(&browser, item));
    assert_eq!(progress(&browser), format!("0/{total}"));

    for s in &steps[1..] {
        tick(&browser, s);
    }
    assert!(checked(&browser, item), "every step done: the item is done");
    assert!(!indeterminate(&browser, item));
    assert_eq!(progress(&browser), format!("1/{total}"));

    tick(&browser, item);
    assert!(
        steps.iter().all(|s| !checked(&browser, s)),
        "unticking the item unticks its steps"
    );
    assert_eq!(progress(&browser), format!("0/{total}"));

    tick(&browser, item);
    assert!(
        steps.iter().all(|s| checked(&browser, s)),
        "ticking the item ticks its steps"
    );
    assert_eq!(progress(&browser), format!("1/{total}"));

    tick(&browser, &steps[1]);
    assert!(indeterminate(&browser, item) && !checked(&browser, item));
    browser.goto(&url);
    open(&browser, &url);
    assert!(indeterminate(&browser, item), "partial state survives a reload");
    assert!(checked(&browser, &steps[0]) && !checked(&browser, &steps[1]));
    assert_eq!(progress(&browser), format!("0/{total}"));
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn not_applicable_items_leave_the_total() {
    let (_site, browser, url) = opened("/checklists/vps-predeploy/");
    let total = item_count(&browser);
    assert_eq!(count(&browser, ".na-toggle"), total, "one N/A control per item");

    tick(&browser, "vps-predeploy/tailscale");
    tick(&browser, "vps-predeploy/swap-time");
    assert_eq!(progress(&browser), format!("2/{total}"));
    click(&browser, "#tailscale .na-toggle");
    assert_eq!(
        progress(&browser),
        format!("1/{}", total - 1),
        "a done item marked N/A leaves both counts"
    );
    assert_eq!(
        browser.exec(
            "return document.querySelector('#tailscale .na-toggle').getAttribute('aria-pressed');",
            json!([])
        ),
        json!("true")
    );
    assert!(
        browser.exec(
            "return document.getElementById('tailscale').classList.contains('is-na');",
            json!([])
        ) == json!(true)
    );
    assert!(
        browser.exec(
            "return document.querySelector('input[data-item-id=\"vps-predeploy/tailscale\"]').disabled;",
            json!([])
        ) == json!(true)
    );
    click(&browser, "#node-version .na-toggle");
    assert_eq!(progress(&browser), format!("1/{}", total - 2));
    assert_eq!(progress_text(&browser), format!("1 of {} done", total - 2));

    browser.goto(&url);
    open(&browser, &url);
    assert_eq!(
        progress(&browser),
        format!("1/{}", total - 2),
        "N/A marks survive a reload"
    );
    click(&browser, "#node-version .na-toggle");
    assert_eq!(
        progress(&browser),
        format!("1/{}", total - 1),
        "clearing N/A brings the item back"
    );
    assert_eq!(
        browser.exec(
            "return document.querySelector('#node-version .na-toggle').getAttribute('aria-pressed');",
            json!([])
        ),
        json!("false")
    );
    no_severe_logs(&browser, &url);
}

/// Lets Chromium save downloads into `dir` (through chromedriver's DevTools bridge).
fn allow_downloads(browser: &Browser, dir: &Path) {
    browser.cmd(
        "POST",
        "/goog/cdp/execute",
        json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": dir.to_str().unwrap()}}),
    );
}

fn wait_for_file(path: &Path) -> String {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} was not downloaded",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn export_reset_import_restores_the_same_state() {
    let downloads = tempfile::tempdir().unwrap();
    let (_site, browser, url) = opened_with("/checklists/moltworker-predeploy/", |b| {
        allow_downloads(b, downloads.path())
    });
    tick(&browser, "moltworker-predeploy/billing-alerts/anthropic");
    tick(&browser, "moltworker-predeploy/separate-api-keys");
    tick(&browser, "moltworker-predeploy/gateway-token-strong");
    click(&browser, "#api-key-rate-limits .na-toggle");
    let before = snapshot(&browser);
    assert_ne!(before["progress"], json!(format!("0/{}", item_count(&browser))));

    click(&browser, "[data-action=export]");
    let file = downloads.path().join("riskguide-moltworker-predeploy-progress.json");
    let exported: Value = serde_json::from_str(&wait_for_file(&file)).expect("the export is JSON");
    assert_eq!(exported["format"], json!("riskguide-checklist"));
    assert_eq!(exported["version"], json!(1));
    assert_eq!(exported["checklist"], json!("moltworker-predeploy"));
    assert_eq!(exported["items"]["separate-api-keys"], json!({"done": true}));
    assert_eq!(exported["items"]["api-key-rate-limits"], json!({"na": true}));
    assert_eq!(exported["steps"]["billing-alerts/anthropic"], json!(true));
    assert!(
        status(&browser).contains("riskguide-moltworker-predeploy-progress.json"),
        "export is confirmed: {}",
        status(&browser)
    );

    // Reset asks first; cancelling keeps everything.
    click(&browser, "[data-action=reset]");
    assert!(
        status(&browser).contains("Clear every tick"),
        "reset asks: {}",
        status(&browser)
    );
    click(&browser, "[data-action=cancel]");
    assert_eq!(snapshot(&browser), before);
    click(&browser, "[data-action=reset]");
    click(&browser, "[data-action=confirm]");
    let total = item_count(&browser);
    assert_eq!(progress(&browser), format!("0/{total}"));
    assert!(!checked(&browser, "moltworker-predeploy/separate-api-keys"));
    assert!(
        browser
            .exec(
                "return localStorage.getItem('riskguide:example.org:checklist:moltworker-predeploy');",
                json!([])
            )
            .is_null()
    );

    send_keys(&browser, "input[data-action=import]", file.to_str().unwrap());
    browser.wait_for(
        "return document.querySelector('.checklist-status').textContent.indexOf('Imported') === 0;",
        "the import",
    );
    assert_eq!(snapshot(&browser), before, "import restores exactly what was exported");
    browser.goto(&url);
    open(&browser, &url);
    assert_eq!(snapshot(&browser), before, "and the imported state is saved");
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn bad_imports_say_why_and_change_nothing() {
    let files = tempfile::tempdir().unwrap();
    let (_site, browser, url) = opened("/checklists/vps-predeploy/");
    tick(&browser, "vps-predeploy/firewall-first");
    click(&browser, "#tailscale .na-toggle");
    let before = snapshot(&browser);

    let padding = "x".repeat(120 * 1024);
    let hostile = "<img src=x id=pwned onerror=\"document.title='pwned'\">";
    let cases: Vec<(&str, String, &str)> = vec![
        ("broken.json", "{\"format\": \"riskguide-checklist\", ".to_string(), "not valid JSON"),
        ("huge.json", json!({"format": "riskguide-checklist", "version": 1, "checklist": "vps-predeploy", "items": {}, "pad": padding}).to_string(), "100 KB"),
        ("other.json", json!({"format": "something-else", "version": 1}).to_string(), "not a riskguide checklist export"),
        ("array.json", "[1, 2, 3]".to_string(), "not a riskguide checklist export"),
        ("version.json", json!({"format": "riskguide-checklist", "version": 2, "checklist": "vps-predeploy", "items": {}}).to_string(), "version"),
        ("mac.json", json!({"format": "riskguide-checklist", "version": 1, "checklist": "mac-predeploy", "items": {"firewall": {"done": true}}}).to_string(), "another checklist"),
        ("shape.json", json!({"format": "riskguide-checklist", "version": 1, "checklist": "vps-predeploy", "items": {"reputable-provider": "yes"}}).to_string(), "unexpected shape"),
        ("steps.json", json!({"format": "riskguide-checklist", "version": 1, "checklist": "vps-predeploy", "items": {}, "steps": []}).to_string(), "unexpected shape"),
        (
            "unknown.json",
            json!({"format": "riskguide-checklist", "version": 1, "checklist": "vps-predeploy", "items": {"no-such-item": {"done": true}, hostile: {"done": true}, "__proto__": {"done": true}}}).to_string(),
            "no-such-item",
        ),
    ];
    for (name, text, expect) in &cases {
        let path = write_file(files.path(), name, text);
        send_keys(&browser, "input[data-action=import]", &path);
        browser.wait_for(
            &format!(
                "return document.querySelector('.checklist-status').textContent.indexOf({}) >= 0;",
                json!(name)
            ),
            name,
        );
        let message = status(&browser);
        assert!(
            message.contains(expect),
            "{name}: message {message:?} should mention {expect:?}"
        );
        assert!(message.contains("Nothing was changed"), "{name}: {message:?}");
        assert_eq!(
            browser.exec(
                "return document.querySelector('.checklist-status').getAttribute('role');",
                json!([])
            ),
            json!("alert")
        );
        assert_eq!(snapshot(&browser), before, "{name} changed the checklist");
    }
    // The hostile id was shown as text, never as markup.
    let unknown = status(&browser);
    assert!(unknown.contains("<img src=x"), "ids are shown literally: {unknown:?}");
    assert!(
        browser.exec(
            "return document.getElementById('pwned') === null && document.title !== 'pwned';",
            json!([])
        ) == json!(true)
    );

    // A file that mixes known and unknown ids asks before importing the known ones.
    let mixed = json!({"format": "riskguide-checklist", "version": 1, "checklist": "vps-predeploy",
        "items": {"gone-item": {"done": true}, "reputable-provider": {"done": true}}, "steps": {"gone-item/step": true}});
    let path = write_file(files.path(), "mixed.json", &mixed.to_string());
    send_keys(&browser, "input[data-action=import]", &path);
    browser.wait_for(
        "return document.querySelector('.checklist-status').textContent.indexOf('mixed.json') >= 0;",
        "the mixed import",
    );
    let message = status(&browser);
    assert!(
        message.contains("gone-item") && message.contains("gone-item/step") && message.contains("Import the other 1"),
        "{message:?}"
    );
    assert_eq!(snapshot(&browser), before, "nothing changes before the answer");
    click(&browser, "[data-action=cancel]");
    assert_eq!(snapshot(&browser), before, "cancel changes nothing");
    send_keys(&browser, "input[data-action=import]", &path);
    browser.wait_for(
        "return !document.querySelector('.checklist-confirm').hidden;",
        "the question",
    );
    click(&browser, "[data-action=confirm]");
    assert!(checked(&browser, "vps-predeploy/reputable-provider"));
    assert!(
        !checked(&browser, "vps-predeploy/firewall-first"),
        "an import replaces the saved state"
    );
    assert!(status(&browser).starts_with("Imported"), "{}", status(&browser));
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn two_tabs_stay_in_step() {
    let (_site, browser, url) = opened("/checklists/vps-recovery/");
    let first = browser.window();
    let second = browser.new_tab();
    browser.switch_to(&second);
    open(&browser, &url);
    let item = browser
        .exec(
            "return document.querySelector('.item-label input').getAttribute('data-item-id');",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    tick(&browser, &item);
    let na_item = browser
        .exec("return document.querySelectorAll('li.item')[1].id;", json!([]))
        .as_str()
        .unwrap()
        .to_string();
    click(&browser, &format!("#{na_item} .na-toggle"));
    let there = snapshot(&browser);

    browser.switch_to(&first);
    browser.wait_for(
        &format!("return document.querySelector('input[data-item-id=\"{item}\"]').checked;"),
        "the other tab's tick",
    );
    browser.wait_for(
        &format!("return document.getElementById('{na_item}').classList.contains('is-na');"),
        "the other tab's N/A",
    );
    assert_eq!(snapshot(&browser), there);

    // And back: a reset in the first tab clears the second.
    click(&browser, "[data-action=reset]");
    click(&browser, "[data-action=confirm]");
    browser.switch_to(&second);
    browser.wait_for(
        &format!("return !document.querySelector('input[data-item-id=\"{item}\"]').checked;"),
        "the reset in the other tab",
    );
    assert!(progress(&browser).starts_with("0/"));
    no_severe_logs(&browser, &url);
}

/// Makes every page of this browser session see a `localStorage` that throws, as it does
/// when a browser blocks site data.
fn block_storage(browser: &Browser) {
    browser.cmd(
        "POST",
        "/goog/cdp/execute",
        json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source":
            "Object.defineProperty(window, 'localStorage', { configurable: true, get: function () { throw new DOMException('The operation is insecure.', 'SecurityError'); } });"}}),
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn unavailable_storage_is_announced_and_the_page_still_works() {
    let (_site, browser, url) = opened_with("/checklists/vps-predeploy/", block_storage);
    assert!(
        browser.exec(
            "try { localStorage; return false; } catch (e) { return true; }",
            json!([])
        ) == json!(true),
        "storage is blocked"
    );
    let total = item_count(&browser);
    let message = status(&browser);
    assert!(
        message.contains("not letting the page save"),
        "the page says so: {message:?}"
    );
    tick(&browser, "vps-predeploy/firewall-first");
    click(&browser, "#tailscale .na-toggle");
    assert_eq!(
        progress(&browser),
        format!("1/{}", total - 1),
        "ticks work for the visit"
    );
    assert!(
        status(&browser).contains("not letting the page save"),
        "the message stays"
    );
    browser.goto(&url);
    open(&browser, &url);
    assert_eq!(
        progress(&browser),
        format!("0/{total}"),
        "nothing was kept, as the message said"
    );
    let logs: Vec<String> = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:#?}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn checklist_pages_log_no_errors() {
    let site = site();
    let browser = Browser::start();
    // Every page that carries a checklist: its own pages, the print-all page, the plan.
    let mut pages: Vec<String> = walkdir::WalkDir::new(&site.out)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() == "index.html")
        .filter(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .contains("<section class=\"checklist\"")
        })
        .map(|e| {
            let rel = e
                .path()
                .parent()
                .unwrap()
                .strip_prefix(&site.out)
                .unwrap()
                .to_string_lossy()
                .to_string();
            format!("/{rel}/")
        })
        .collect();
    pages.sort();
    assert!(pages.len() >= 7, "{pages:?}");
    for page in &pages {
        let url = site.server.url(page);
        open(&browser, &url);
        let first = browser.exec(
            "var li = Array.from(document.querySelectorAll('section.checklist li.item')).filter(function (l) { return l.getClientRects().length; })[0]; \
             return li ? [li.id, li.querySelector('.item-label input').getAttribute('data-item-id')] : null;",
            json!([]),
        );
        let (Some(li), Some(item)) = (first[0].as_str(), first[1].as_str()) else {
            continue;
        };
        tick(&browser, item);
        assert!(checked(&browser, item), "{page}: {item} ticks");
        click(&browser, &format!("li[id=\"{li}\"] .na-toggle"));
        no_severe_logs(&browser, page);
        // Pages share progress (same checklist ids), so each starts clean.
        browser.exec("localStorage.clear();", json!([]));
    }
    // The print-all page runs one controller per checklist, all on one page.
    let url = site.server.url("/checklists/print/");
    open(&browser, &url);
    let sections = count(&browser, "section.checklist");
    assert!(sections >= 6, "{sections} checklists on the print page");
    let live = browser.exec(
        "return document.querySelectorAll('section.checklist.is-live .checklist-tools:not([hidden])').length;",
        json!([]),
    );
    assert_eq!(live, json!(sections));
    no_severe_logs(&browser, "/checklists/print/");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn works_from_disk() {
    let (_dir, out) = common::shipped_site(&[]);
    let browser = Browser::start();
    let page = out.join("checklists/vps-predeploy/index.html");
    let url = format!("file://{}", page.display());
    open(&browser, &url);
    let total = item_count(&browser);
    tick(&browser, "vps-predeploy/firewall-first");
    click(&browser, "#tailscale .na-toggle");
    browser.goto(&url);
    open(&browser, &url);
    assert!(checked(&browser, "vps-predeploy/firewall-first"));
    assert_eq!(progress(&browser), format!("1/{}", total - 1));
    assert_eq!(status(&browser), "", "storage works from disk: no warning");
    // Printed link targets name the published address, not the file on disk.
    let target = browser.exec(
        "return document.querySelector('.item-detail a').getAttribute('data-print-href');",
        json!([]),
    );
    assert!(
        target.as_str().is_some_and(|t| t.starts_with("https://example.org/")),
        "{target}"
    );
    no_severe_logs(&browser, &url);
}

fn pdf_text(pdf: &[u8], dir: &Path, name: &str) -> (String, usize) {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let text = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(text.status.success());
    let info = Command::new("pdfinfo").arg(&path).output().expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    (String::from_utf8_lossy(&text.stdout).to_string(), pages)
}

/// Whitespace collapsed, and none before punctuation (pdftotext adds a space after inline code).
fn squash(s: &str) -> String {
    let mut out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in [",", ".", ";", ":", ")"] {
        out = out.replace(&format!(" {p}"), p);
    }
    out
}

/// Where PDFs and page images are kept for a person to look at (`CHECKLIST_PRINT_DIR`), or a temp dir.
fn print_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("CHECKLIST_PRINT_DIR") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            (None, PathBuf::from(dir))
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn printed_checklist_has_every_item_boxes_and_sign_off() {
    let (_keep, dir) = print_dir();
    let (_site, browser, url) = opened("/checklists/vps-predeploy/");
    tick(&browser, "vps-predeploy/separate-provider");
    tick(&browser, "vps-predeploy/firewall-first");
    click(&browser, "#tailscale .na-toggle");
    let texts: Vec<String> = browser
        .exec("return Array.from(document.querySelectorAll('section.checklist .item-label > span')).map(function (s) { return s.textContent; });", json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| squash(v.as_str().unwrap()))
        .collect();
    let total = texts.len();
    for (name, w, h) in [("vps-predeploy-a4", 21.0, 29.7), ("vps-predeploy-letter", 21.59, 27.94)] {
        let (text, pages) = pdf_text(&browser.print_pdf(w, h), &dir, name);
        let flat = squash(&text);
        for t in &texts {
            assert!(flat.contains(t.as_str()), "{name}: item {t:?} is missing from the PDF");
        }
        for line in [
            "OpenClaw deployment risks",
            "Before you deploy on a VPS",
            "Date",
            "Checked by",
            "Signed off by",
        ] {
            assert!(flat.contains(line), "{name}: sign-off {line:?} missing");
        }
        assert!(flat.contains("N/A"), "{name}: the N/A item is marked");
        assert!(
            flat.matches('\u{2713}').count() >= 2,
            "{name}: ticked items print ticked"
        );
        assert!(
            flat.contains(&format!("2 of {} done", total - 1)),
            "{name}: progress printed"
        );
        assert!(
            flat.contains("(https://example.org/vps/risks/#"),
            "{name}: link targets are printed"
        );
        for hidden in [
            "Export progress",
            "Import progress",
            "Not applicable",
            "Skip to content",
            "Search the guide",
        ] {
            assert!(!flat.contains(hidden), "{name}: {hidden:?} should not print");
        }
        assert!((2..=8).contains(&pages), "{name}: {pages} pages for {total} items");
        // The sign-off header is on the first page, above the first item.
        let first = squash(text.split('\u{c}').next().unwrap());
        assert!(first.find("Signed off by").unwrap() < first.find(texts[0].as_str()).unwrap());
    }
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn print_all_starts_each_checklist_on_a_new_page() {
    let (_keep, dir) = print_dir();
    let (_site, browser, url) = opened("/checklists/print/");
    let titles: Vec<String> = browser
        .exec("return Array.from(document.querySelectorAll('.print-checklist > h2')).map(function (h) { return h.textContent; });", json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| squash(v.as_str().unwrap()))
        .collect();
    assert!(titles.len() >= 6);
    let items: Vec<String> = browser
        .exec("return Array.from(document.querySelectorAll('section.checklist .item-label > span')).map(function (s) { return s.textContent; });", json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|v| squash(v.as_str().unwrap()))
        .collect();
    for (name, w, h) in [("print-all-a4", 21.0, 29.7), ("print-all-letter", 21.59, 27.94)] {
        let (text, pages) = pdf_text(&browser.print_pdf(w, h), &dir, name);
        let page_texts: Vec<String> = text.split('\u{c}').map(squash).collect();
        for title in &titles {
            let starts = page_texts
                .iter()
                .filter(|p| p.starts_with(&format!("OpenClaw deployment risks · version 1.1 {title} Date")))
                .count();
            assert_eq!(starts, 1, "{name}: {title:?} should open exactly one page");
        }
        let flat = squash(&text);
        for t in &items {
            assert!(flat.contains(t.as_str()), "{name}: item {t:?} missing");
        }
        assert!(
            pages >= titles.len() && pages <= titles.len() * 5,
            "{name}: {pages} pages"
        );
    }
    no_severe_logs(&browser, &url);
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn fits_phone_and_desktop_widths() {
    let site = site();
    let keep = std::env::var_os("CHECKLIST_PRINT_DIR").map(PathBuf::from);
    for width in [1280, 375] {
        let browser = Browser::start_sized(width.max(600), 1000);
        // A headless window has a minimum width; a phone is emulated instead.
        browser.cmd(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": width < 600}}),
        );
        let url = site.server.url("/checklists/vps-predeploy/");
        open(&browser, &url);
        assert_eq!(browser.exec("return window.innerWidth;", json!([])), json!(width));
        tick(&browser, "vps-predeploy/separate-provider");
        tick(&browser, "vps-predeploy/reputable-provider");
        click(&browser, "#image-checked .na-toggle");
        browser.exec("window.scrollTo(0, 0);", json!([]));
        let (inner, scroll) = {
            let v = browser.exec(
                "return [window.innerWidth, document.documentElement.scrollWidth];",
                json!([]),
            );
            (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
        };
        assert!(
            scroll <= inner,
            "{width}px: the page scrolls sideways ({scroll} > {inner})"
        );
        // Every N/A control sits inside its item, none off-screen.
        let outside = browser.exec(
            "return Array.from(document.querySelectorAll('.na-toggle')).filter(function (b) { var r = b.getBoundingClientRect(); return r.right > window.innerWidth || r.left < 0; }).length;",
            json!([]),
        );
        assert_eq!(outside, json!(0), "{width}px");
        if let Some(dir) = &keep {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("vps-predeploy-{width}.png")), browser.screenshot_png()).unwrap();
        }
        no_severe_logs(&browser, &url);
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn ids_gone_from_the_page_are_dropped_and_nothing_else_is_touched() {
    let (_site, browser, url) = opened("/checklists/vps-predeploy/");
    // Progress saved by an older version of the checklist, next to other checklists' and another guide's.
    browser.exec(
        "localStorage.setItem('riskguide:example.org:checklist:vps-predeploy', JSON.stringify({version: 1, \
           items: {'firewall-first': {done: true}, 'retired-item': {done: true}, tailscale: {na: true}}, \
           steps: {'retired-item/a': true}, updated: '2025-01-01T00:00:00.000Z'})); \
         localStorage.setItem('riskguide:example.org:checklist:mac-predeploy', '{\"version\":1,\"items\":{\"x\":{\"done\":true}},\"steps\":{}}'); \
         localStorage.setItem('riskguide:other.example:checklist:vps-predeploy', 'kept as it is');",
        json!([]),
    );
    open(&browser, &url);
    let total = item_count(&browser);
    assert!(
        checked(&browser, "vps-predeploy/firewall-first"),
        "known ids keep their ticks"
    );
    assert_eq!(progress(&browser), format!("1/{}", total - 1));
    let stored = browser.exec(
        "return [localStorage.getItem('riskguide:example.org:checklist:vps-predeploy'), \
                 localStorage.getItem('riskguide:example.org:checklist:mac-predeploy'), \
                 localStorage.getItem('riskguide:other.example:checklist:vps-predeploy')];",
        json!([]),
    );
    let own: Value = serde_json::from_str(stored[0].as_str().unwrap()).unwrap();
    assert_eq!(
        own["items"],
        json!({"firewall-first": {"done": true}, "tailscale": {"na": true}}),
        "the retired item is gone"
    );
    assert_eq!(own["steps"], json!({}));
    assert_eq!(
        stored[1],
        json!("{\"version\":1,\"items\":{\"x\":{\"done\":true}},\"steps\":{}}"),
        "another checklist is untouched"
    );
    assert_eq!(stored[2], json!("kept as it is"), "another guide is untouched");
    no_severe_logs(&browser, &url);
}

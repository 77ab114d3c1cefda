//! The questionnaire and "your plan" in real headless Chromium: clicking, shared links, persona
//! shortcuts, keyboard use, the browser evaluator against the Rust one on every answer
//! combination, no console errors or CSP violations, and the plan's checklists.
mod common;

use common::{Browser, StaticServer, fragment_of, persona, shipped_personas, shipped_questionnaire};
use riskguide::compile::{evaluate, flips, for_each_combination, fragment};
use riskguide::model::Platform;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

struct Site {
    _dir: tempfile::TempDir,
    _out: PathBuf,
    server: StaticServer,
}

/// The shipped guide, built once and served with the site's security headers.
fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let (dir, out) = common::shipped_site(&[]);
        let server = StaticServer::start(&out);
        Site {
            _dir: dir,
            _out: out,
            server,
        }
    })
}

/// One browser at a time: the machine is small and every test starts its own Chromium.
fn browser() -> (std::sync::MutexGuard<'static, ()>, Browser) {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    (guard, Browser::start())
}

fn url(path: &str) -> String {
    site().server.url(path)
}

/// The WebDriver id of the element matching `css` (whatever the driver names the key).
fn element(b: &Browser, css: &str) -> String {
    let v = b.cmd("POST", "/element", json!({"using": "css selector", "value": css}));
    v.as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.starts_with("element-")))
        .and_then(|(_, id)| id.as_str())
        .unwrap_or_else(|| panic!("no element {css}: {v}"))
        .to_string()
}

/// A real click (the driver scrolls the element into view and clicks its centre).
fn click(b: &Browser, css: &str) {
    let id = element(b, css);
    // Centred, so the sticky top bar cannot be in the way.
    b.exec(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
        json!([css]),
    );
    b.cmd("POST", &format!("/element/{id}/click"), json!({}));
}

/// Waits for `#recommendation` and returns its data-platform.
fn wait_recommendation(b: &Browser) -> String {
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform');",
        "#recommendation[data-platform]",
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

fn has_recommendation(b: &Browser) -> bool {
    b.exec("return document.getElementById('recommendation') !== null;", json!([])) == json!(true)
}

fn current_fragment(b: &Browser) -> String {
    b.exec("return location.hash.replace(/^#/, '');", json!([]))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn wait_ready(b: &Browser) {
    b.wait_for(
        "return !!window.riskguideQuestionnaire && document.readyState === 'complete';",
        "the questionnaire script",
    );
}

fn checked_answers(b: &Browser) -> Vec<String> {
    let v = b.exec(
        "return Array.prototype.map.call(document.querySelectorAll('#questionnaire input[type=radio]:checked'), function (r) { return r.name + '=' + r.value; });",
        json!([]),
    );
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn personas_by_clicking_each_answer() {
    let (_lock, b) = browser();
    for persona in shipped_personas() {
        let (id, expected) = (&persona.id, persona.expect);
        b.goto(&url("/questionnaire/"));
        wait_ready(&b);
        assert_eq!(b.text(".quiz-progress-text"), "0 of 11 answered");
        for (i, (q, o)) in persona.answers.iter().enumerate() {
            assert!(
                !has_recommendation(&b),
                "{id}: #recommendation exists after only {i} answers"
            );
            click(&b, &format!("label[for=\"{q}--{o}\"]"));
        }
        assert_eq!(wait_recommendation(&b), expected, "{id}");
        assert!(
            b.text(".quiz-progress-text").starts_with("11 of 11 answered"),
            "{id}: {}",
            b.text(".quiz-progress-text")
        );
        assert_eq!(
            current_fragment(&b),
            fragment_of(&persona.answers),
            "{id}: the address holds the answers in question order"
        );
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn personas_from_a_shared_link_and_after_reload() {
    let (_lock, b) = browser();
    for persona in shipped_personas() {
        let (id, expected) = (&persona.id, persona.expect);
        let frag = fragment_of(&persona.answers);
        b.goto(&url(&format!("/questionnaire/#{frag}")));
        wait_ready(&b);
        assert_eq!(wait_recommendation(&b), expected, "{id}: shared link");
        assert_eq!(checked_answers(&b).len(), 11, "{id}: the form shows every answer");
        b.exec("location.reload();", json!([]));
        wait_ready(&b);
        assert_eq!(wait_recommendation(&b), expected, "{id}: after reload");
        assert_eq!(current_fragment(&b), frag);
    }
    // A link with unknown ids and one answer missing: the unknown parts are ignored, no result yet.
    let clinic = persona("small-clinic");
    let partial = format!("{}&colour=blue&data=secret", fragment_of(&clinic.answers[..10]));
    b.goto(&url(&format!("/questionnaire/#{partial}")));
    wait_ready(&b);
    b.wait_for(
        "return document.querySelector('.quiz-progress-text').textContent === '10 of 11 answered';",
        "10 of 11",
    );
    assert!(!has_recommendation(&b));
    assert!(
        b.text("#result .result-body").contains("Answer 1 more question"),
        "{}",
        b.text("#result .result-body")
    );
    click(&b, "label[for=\"account--separate_provider\"]");
    assert_eq!(wait_recommendation(&b), "mac");
    assert_eq!(
        current_fragment(&b),
        fragment_of(&clinic.answers),
        "unknown ids are dropped from the address"
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_persona_link_fills_the_form_and_answers_stay_changeable() {
    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    click(&b, "a.persona[data-persona=\"small-clinic\"]");
    assert_eq!(wait_recommendation(&b), "mac");
    let clinic = persona("small-clinic");
    assert_eq!(current_fragment(&b), fragment_of(&clinic.answers));
    assert_eq!(checked_answers(&b).len(), 11);
    let body = b.text("#result .result-body");
    assert!(body.contains("Close call"), "the clinic is a close call: {body}");
    assert!(body.contains("If you answered"), "flips are explained: {body}");

    // One answer changed: the result and the address follow.
    click(&b, "label[for=\"place--none\"]");
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform') === 'vps';",
        "VPS after place=none",
    );
    let answers = clinic.with("place", "none");
    assert_eq!(current_fragment(&b), fragment_of(&answers));
    assert!(b.text("#result .result-body").contains("Excluded"));

    // Another persona replaces every answer; the browser's back button returns to the clinic.
    click(&b, "a.persona[data-persona=\"weekend-experiment\"]");
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform') === 'mw';",
        "Moltworker",
    );
    b.exec("history.back();", json!([]));
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform') === 'vps';",
        "back to the changed clinic",
    );

    // The link to the plan carries the answers; the copy button works or selects the link.
    let plan = b.exec(
        "var a = document.querySelector('.next-steps a'); return a && a.getAttribute('href');",
        json!([]),
    );
    assert_eq!(plan, json!(format!("../plan/#{}", fragment_of(&answers))));
    click(&b, ".share button");
    let status = b.wait_for(
        "return document.querySelector('.share-status').textContent;",
        "the copy status",
    );
    assert!(
        status
            .as_str()
            .is_some_and(|s| s.contains("copied") || s.contains("selected")),
        "{status}"
    );

    // Clearing empties the form, the address and the result.
    click(&b, "[data-action=clear]");
    b.wait_for(
        "return document.querySelector('.quiz-progress-text').textContent === '0 of 11 answered';",
        "cleared",
    );
    assert!(!has_recommendation(&b));
    assert_eq!(current_fragment(&b), "");
    assert!(checked_answers(&b).is_empty());
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn keyboard_only() {
    const TAB: &str = "\u{E004}";
    const SPACE: &str = "\u{E00D}";
    const DOWN: &str = "\u{E015}";
    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    let focused = || {
        b.exec("return document.activeElement && document.activeElement.id;", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let mut tabs = 0;
    while focused() != "data--public" {
        b.keys(TAB);
        tabs += 1;
        assert!(
            tabs < 80,
            "Tab never reached the first answer (stuck on `{}`)",
            focused()
        );
    }
    b.keys(SPACE);
    assert_eq!(b.text(".quiz-progress-text"), "1 of 11 answered");
    assert_eq!(current_fragment(&b), "data=public");
    b.keys(DOWN);
    assert_eq!(focused(), "data--private");
    assert_eq!(b.text(".quiz-progress-text"), "1 of 11 answered");
    assert_eq!(current_fragment(&b), "data=private");
    // Tab leaves the group for the next question; Space answers it, arrows change the answer.
    b.keys(TAB);
    assert_eq!(focused(), "purpose--try");
    b.keys(SPACE);
    b.keys(DOWN);
    assert_eq!(b.text(".quiz-progress-text"), "2 of 11 answered");
    assert_eq!(current_fragment(&b), "data=private&purpose=personal");
    for _ in 2..11 {
        b.keys(TAB);
        b.keys(SPACE);
    }
    assert!(b.text(".quiz-progress-text").starts_with("11 of 11 answered"));
    // The first option everywhere else: audit=required rules Moltworker out, place=private and
    // reach=local favour the Mac.
    assert_eq!(wait_recommendation(&b), "mac");
    assert_eq!(
        current_fragment(&b),
        "data=private&purpose=personal&cf_trust=yes&audit=required&egress=required&incident=contain_self&place=private&reach=local&ops=none&keys=dedicated&account=same"
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn browser_and_rust_evaluators_agree_on_every_combination() {
    let q = shipped_questionnaire();
    let order: Vec<&str> = Platform::ALL.iter().map(|p| p.id()).collect();
    assert_eq!(order, ["mac", "vps", "mw"]);
    let mut rust = Vec::new();
    let mut rust_flips = Vec::new();
    let mut fragments = Vec::new();
    let mut n = 0usize;
    for_each_combination(&q, |answers| {
        let e = evaluate(&q, answers);
        let scores: Vec<String> = Platform::ALL
            .iter()
            .map(|p| {
                if e.excluded.contains_key(p) {
                    "x".to_string()
                } else {
                    e.scores[p].to_string()
                }
            })
            .collect();
        rust.push(format!(
            "{}:{}:{}",
            e.winner().map_or("none", Platform::id),
            scores.join(","),
            u8::from(e.close_call)
        ));
        if n.is_multiple_of(97) {
            let list: Vec<String> = flips(&q, answers)
                .iter()
                .map(|f| {
                    format!(
                        "{}={}>{}",
                        q.questions[f.question].id,
                        q.questions[f.question].options[f.option].id,
                        f.platform.id()
                    )
                })
                .collect();
            rust_flips.push(list.join(";"));
        }
        fragments.push(fragment(&q, answers));
        n += 1;
    });
    assert_eq!(rust.len(), 69_984);

    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    let script = r#"
        var R = window.riskguideQuestionnaire;
        var rules = JSON.parse(document.getElementById('questionnaire-rules').textContent);
        var qs = rules.questions, order = ['mac', 'vps', 'mw'];
        var idx = qs.map(function () { return 0; });
        var out = [], flipsOut = [], n = 0;
        for (;;) {
            var answers = {};
            qs.forEach(function (q, i) { answers[q.id] = q.options[idx[i]].id; });
            var e = R.evaluate(rules, answers);
            var scores = order.map(function (p) { return Object.prototype.hasOwnProperty.call(e.excluded, p) ? 'x' : String(e.scores[p]); });
            out.push((e.winner || 'none') + ':' + scores.join(',') + ':' + (e.close_call ? 1 : 0));
            if (n % 97 === 0) {
                flipsOut.push(R.flips(rules, answers).map(function (f) { return f.question + '=' + f.option + '>' + f.platform; }).join(';'));
            }
            n++;
            var i = qs.length - 1;
            while (i >= 0) { idx[i]++; if (idx[i] < qs[i].options.length) break; idx[i] = 0; i--; }
            if (i < 0) break;
        }
        return [out.join('\n'), flipsOut.join('\n')];
    "#;
    let v = b.exec(script, json!([]));
    let js: Vec<&str> = v[0].as_str().expect("results").split('\n').collect();
    let js_flips: Vec<&str> = v[1].as_str().expect("flips").split('\n').collect();
    assert_eq!(
        js.len(),
        rust.len(),
        "the browser enumerated a different number of combinations"
    );
    if let Some(i) = (0..rust.len()).find(|i| rust[*i] != js[*i]) {
        panic!(
            "combination #{i} (#{}) differs: Rust {} vs browser {}",
            fragments[i], rust[i], js[i]
        );
    }
    assert_eq!(js_flips.len(), rust_flips.len());
    if let Some(i) = (0..rust_flips.len()).find(|i| rust_flips[*i] != js_flips[*i]) {
        panic!(
            "flips of combination #{} (#{}) differ:\n Rust    {}\n browser {}",
            i * 97,
            fragments[i * 97],
            rust_flips[i],
            js_flips[i]
        );
    }
    eprintln!(
        "compared {} combinations and the flips of {}",
        rust.len(),
        rust_flips.len()
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn no_console_errors_or_csp_violations() {
    let (_lock, b) = browser();
    let clinic = fragment_of(&persona("small-clinic").answers);
    for path in [
        "/questionnaire/".to_string(),
        format!("/questionnaire/#{clinic}"),
        "/plan/".to_string(),
        format!("/plan/#{clinic}"),
    ] {
        b.goto(&url(&path));
        wait_ready(&b);
        if path.contains('#') && path.starts_with("/questionnaire/") {
            wait_recommendation(&b);
            click(&b, "label[for=\"place--none\"]");
            click(&b, "a.persona[data-persona=\"startup-support\"]");
            wait_recommendation(&b);
        }
        let logs = b.severe_logs();
        assert!(logs.is_empty(), "{path}: {logs:#?}");
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_plan_shows_the_checklists_of_the_recommended_platform() {
    let (_lock, b) = browser();
    let sections = |b: &Browser| -> Vec<(String, bool)> {
        let v: Value = b.exec(
            "return Array.prototype.map.call(document.querySelectorAll('section.plan-checklist'), function (s) { return [s.getAttribute('data-platforms'), !s.hidden && s.offsetParent !== null]; });",
            json!([]),
        );
        v.as_array()
            .into_iter()
            .flatten()
            .map(|x| (x[0].as_str().unwrap_or_default().to_string(), x[1] == json!(true)))
            .collect()
    };
    let startup = fragment_of(&persona("startup-support").answers);
    b.goto(&url(&format!("/plan/#{startup}")));
    wait_ready(&b);
    b.wait_for(
        "return document.querySelector('.plan-recommendation[data-platform=vps]');",
        "the plan's recommendation",
    );
    let shown = sections(&b);
    assert_eq!(shown.len(), 6, "{shown:?}");
    for (platforms, visible) in &shown {
        let is_vps = platforms.split_whitespace().any(|p| p == "vps");
        assert_eq!(*visible, is_vps, "section for `{platforms}`");
    }
    let summary = b.text("#plan-summary");
    assert!(
        summary.contains("Fix first"),
        "the start-up's warnings are shown: {summary}"
    );
    assert!(summary.contains("separate provider"), "{summary}");
    let back = b.exec(
        "return document.querySelector('.plan-back').getAttribute('href');",
        json!([]),
    );
    assert_eq!(back, json!(format!("../questionnaire/#{startup}")));

    // Without answers every checklist is shown with the explaining note.
    b.goto(&url("/plan/"));
    wait_ready(&b);
    b.wait_for(
        "return document.querySelector('#plan-summary .plan-waiting');",
        "the note",
    );
    assert!(sections(&b).iter().all(|(_, visible)| *visible));

    // Another set of answers in the same tab narrows to another platform.
    b.goto(&url(&format!(
        "/plan/#{}",
        fragment_of(&persona("weekend-experiment").answers)
    )));
    b.wait_for(
        "return document.querySelector('.plan-recommendation[data-platform=mw]');",
        "Moltworker plan",
    );
    for (platforms, visible) in sections(&b) {
        assert_eq!(
            visible,
            platforms.split_whitespace().any(|p| p == "mw"),
            "section for `{platforms}`"
        );
    }
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn the_result_prints_without_the_form() {
    let (_lock, b) = browser();
    b.goto(&url(&format!(
        "/questionnaire/#{}",
        fragment_of(&persona("small-clinic").answers)
    )));
    wait_ready(&b);
    wait_recommendation(&b);
    let pdf = b.print_pdf(21.0, 29.7);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("result.pdf");
    std::fs::write(&file, &pdf).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Mac Mini at home"), "{text}");
    assert!(text.contains("Your answers"), "the answers are printed: {text}");
    assert!(text.contains("Close call"), "{text}");
    assert!(
        !text.contains("Start from an example"),
        "personas are not printed: {text}"
    );
    assert!(!text.contains("Copy link"), "buttons are not printed: {text}");
    assert!(
        !text.contains("Decision matrix"),
        "the matrix is not printed with a result: {text}"
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn rules_are_read_only_from_their_json_script() {
    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    // An element that took the rules' id ahead of the real script (the build refuses such a
    // page; here one is forced into the document) is never read as rules.
    let read = |clobber: bool| -> Value {
        b.exec(
            "var clobber = arguments[0];\
             if (clobber) {\
               var h = document.createElement('h2');\
               h.id = 'questionnaire-rules';\
               h.setAttribute('data-test', 'clobbering-heading');\
               h.textContent = JSON.stringify({questions: [{id: 'injected', options: []}], tie_break: ['mac']});\
               document.body.insertBefore(h, document.body.firstChild);\
             } else {\
               var injected = document.querySelector('[data-test=clobbering-heading]');\
               if (injected) injected.remove();\
             }\
             var got = null;\
             window.riskguideQuestionnaire.withRules(function (rules) { got = rules; });\
             return got && got.questions.map(function (q) { return q.id; });",
            json!([clobber]),
        )
    };
    assert_eq!(read(true), Value::Null, "a heading was read as the questionnaire rules");
    let real = read(false);
    let ids: Vec<&str> = real
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let expected: Vec<String> = shipped_questionnaire()
        .questions
        .iter()
        .map(|q| q.id.to_string())
        .collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
}

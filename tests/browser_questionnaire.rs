//! The questionnaire and "your plan" in real headless Chromium: clicking, shared links (also
//! those made before the optional questions existed), persona shortcuts, "none fits yet",
//! keyboard use, the browser evaluator against the Rust one on the shared test vectors and a
//! large random sample, no console errors or CSP violations, and the plan's checklists.
mod common;

use common::{Browser, StaticServer, fragment_of, persona, shipped_personas, shipped_questionnaire};
use riskguide::compile::{fragment, outcome};
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

/// The label of one answer: clicking it anywhere picks its radio button.
fn option(question: &str, answer: &str) -> String {
    format!("label.option:has(> input[name=\"{question}\"][value=\"{answer}\"])")
}

/// The example card of a persona: the page lists them in the order of `questionnaire.toml`.
fn persona_card(id: &str) -> String {
    let n = shipped_personas()
        .iter()
        .position(|p| p.id == id)
        .unwrap_or_else(|| panic!("no persona `{id}`"));
    format!(".persona-list > li:nth-child({}) > a.persona", n + 1)
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
        assert_eq!(b.text(".quiz-progress-text"), "0 of 15 answered");
        for (i, (q, o)) in persona.answers.iter().enumerate() {
            // The eleven required questions come first; the result waits for all of them.
            if i < 11 {
                assert!(
                    !has_recommendation(&b),
                    "{id}: #recommendation exists after only {i} answers"
                );
            }
            click(&b, &option(q, o));
        }
        b.wait_for(
            "return document.querySelector('.quiz-progress-text').textContent.indexOf('15 of 15') === 0;",
            "15 answers",
        );
        assert_eq!(wait_recommendation(&b), expected, "{id}");
        assert!(
            b.text(".quiz-progress-text").starts_with("15 of 15 answered"),
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
        assert_eq!(checked_answers(&b).len(), 15, "{id}: the form shows every answer");
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
        "return document.querySelector('.quiz-progress-text').textContent === '10 of 15 answered';",
        "10 of 15",
    );
    assert!(!has_recommendation(&b));
    assert!(
        b.text("#result .result-body").contains("Answer 1 more question"),
        "{}",
        b.text("#result .result-body")
    );
    click(&b, &option("account", "separate_provider"));
    assert_eq!(wait_recommendation(&b), "mac");
    assert_eq!(
        current_fragment(&b),
        fragment_of(&clinic.answers[..11]),
        "unknown ids are dropped from the address"
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_link_from_before_the_optional_questions_opens_with_a_result_and_names_what_is_unanswered() {
    let (_lock, b) = browser();
    let old = "data=regulated&purpose=business&cf_trust=no&audit=required&egress=required&incident=contain_self&place=shared&reach=private_remote&ops=checklist&keys=dedicated&account=separate_provider";
    b.goto(&url(&format!("/questionnaire/#{old}")));
    wait_ready(&b);
    assert_eq!(wait_recommendation(&b), "mac");
    assert_eq!(checked_answers(&b).len(), 11);
    assert_eq!(current_fragment(&b), old, "the address is kept as it was");
    let body = b.text("#result .result-body");
    // The list of unanswered questions (the printed answer summary names every question, so
    // only this list counts).
    let unanswered = b.text("#result .unanswered");
    assert!(unanswered.contains("counted as neutral"), "{unanswered}");
    for prompt in [
        "Who can send messages to the agent?",
        "What is the most powerful tool the agent may use?",
        "What can you spend on hosting each month",
        "Who will keep it patched",
    ] {
        assert!(
            unanswered.contains(prompt),
            "`{prompt}` is not listed as unanswered: {unanswered}"
        );
    }
    assert!(!unanswered.contains("most sensitive data"), "{unanswered}");
    // The cost range sits next to each score.
    assert!(body.contains("$11\u{2013}19 a month"), "{body}");
    // Answering one of them changes the list and keeps the result.
    click(&b, &option("audience", "only_me"));
    b.wait_for(
        "return document.querySelector('.quiz-progress-text').textContent.indexOf('12 of 15') === 0;",
        "12 of 15",
    );
    assert_eq!(wait_recommendation(&b), "mac");
    let unanswered = b.text("#result .unanswered");
    assert!(
        !unanswered.contains("Who can send messages to the agent?"),
        "{unanswered}"
    );
    assert!(unanswered.contains("Who will keep it patched"), "{unanswered}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn when_no_platform_fits_the_page_says_so_with_the_blockers_and_what_to_change() {
    let (_lock, b) = browser();
    let health = persona("health-at-home");
    b.goto(&url(&format!("/questionnaire/#{}", fragment_of(&health.answers))));
    wait_ready(&b);
    assert_eq!(wait_recommendation(&b), "none");
    let body = b.text("#result .result-body");
    assert!(body.contains("None of the platforms fits yet"), "{body}");
    assert!(body.contains("What stands in the way"), "{body}");
    assert!(body.contains("Unpatched public server"), "the VPS blocker: {body}");
    assert!(
        body.contains("the recommendation would be VPS"),
        "a change that lets one fit: {body}"
    );
    assert!(b.text(".quiz-progress-text").ends_with("no platform fits yet"));
    // Someone to look after the server is one of the smallest changes.
    click(&b, &option("upkeep", "monthly"));
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform') === 'vps';",
        "VPS once someone looks after it",
    );
    // The plan page shows the same outcome, with every checklist.
    b.goto(&url(&format!("/plan/#{}", fragment_of(&health.answers))));
    b.wait_for(
        "return document.querySelector('.plan-recommendation[data-platform=none]');",
        "the plan's none outcome",
    );
    let summary = b.text("#plan-summary");
    assert!(summary.contains("No platform yet"), "{summary}");
    assert!(summary.contains("rule every platform out"), "{summary}");
    let hidden = b.exec(
        "return Array.prototype.filter.call(document.querySelectorAll('section.plan-checklist'), function (s) { return s.hidden; }).length;",
        json!([]),
    );
    assert_eq!(hidden, json!(0), "every checklist stays shown");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_persona_link_fills_the_form_and_answers_stay_changeable() {
    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    click(&b, &persona_card("small-clinic"));
    assert_eq!(wait_recommendation(&b), "mac");
    let clinic = persona("small-clinic");
    assert_eq!(current_fragment(&b), fragment_of(&clinic.answers));
    assert_eq!(checked_answers(&b).len(), 15);
    let body = b.text("#result .result-body");
    assert!(body.contains("Close call"), "the clinic is a close call: {body}");
    assert!(body.contains("If you answered"), "flips are explained: {body}");

    // One answer changed: the result and the address follow.
    click(&b, &option("place", "none"));
    b.wait_for(
        "var r = document.getElementById('recommendation'); return r && r.getAttribute('data-platform') === 'vps';",
        "VPS after place=none",
    );
    let answers = clinic.with("place", "none");
    assert_eq!(current_fragment(&b), fragment_of(&answers));
    assert!(b.text("#result .result-body").contains("Excluded"));

    // Another persona replaces every answer; the browser's back button returns to the clinic.
    click(&b, &persona_card("weekend-experiment"));
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
        "return document.querySelector('.quiz-progress-text').textContent === '0 of 15 answered';",
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
        // An answer as `question=answer`, anything else by its id.
        b.exec(
            "var a = document.activeElement; return a && (a.name ? a.name + '=' + a.value : a.id);",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    };
    let mut tabs = 0;
    while focused() != "data=public" {
        b.keys(TAB);
        tabs += 1;
        assert!(
            tabs < 80,
            "Tab never reached the first answer (stuck on `{}`)",
            focused()
        );
    }
    b.keys(SPACE);
    assert_eq!(b.text(".quiz-progress-text"), "1 of 15 answered");
    assert_eq!(current_fragment(&b), "data=public");
    b.keys(DOWN);
    assert_eq!(focused(), "data=private");
    assert_eq!(b.text(".quiz-progress-text"), "1 of 15 answered");
    assert_eq!(current_fragment(&b), "data=private");
    // Tab leaves the group for the next question; Space answers it, arrows change the answer.
    b.keys(TAB);
    assert_eq!(focused(), "purpose=try");
    b.keys(SPACE);
    b.keys(DOWN);
    assert_eq!(b.text(".quiz-progress-text"), "2 of 15 answered");
    assert_eq!(current_fragment(&b), "data=private&purpose=personal");
    for _ in 2..11 {
        b.keys(TAB);
        b.keys(SPACE);
    }
    assert!(b.text(".quiz-progress-text").starts_with("11 of 15 answered"));
    // The first option everywhere else: audit=required rules Moltworker out, place=private and
    // reach=local favour the Mac.
    assert_eq!(wait_recommendation(&b), "mac");
    assert_eq!(
        current_fragment(&b),
        "data=private&purpose=personal&cf_trust=yes&audit=required&egress=required&incident=contain_self&place=private&reach=local&ops=none&keys=dedicated&account=same"
    );
    // The optional questions, first option each: a $10 budget rules the Mac out and nobody
    // looking after it rules the VPS out, so no platform fits.
    for _ in 11..15 {
        b.keys(TAB);
        b.keys(SPACE);
    }
    assert!(b.text(".quiz-progress-text").starts_with("15 of 15 answered"));
    assert_eq!(wait_recommendation(&b), "none");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn browser_and_rust_evaluators_agree_on_the_vectors_and_a_large_random_sample() {
    let q = shipped_questionnaire();
    // The shared vectors, each with its whole expected outcome.
    let text = std::fs::read_to_string(common::repo_root().join("tests/vectors/questionnaire.json"))
        .expect("tests/vectors/questionnaire.json");
    let vectors: Vec<Value> = serde_json::from_str(&text).expect("the vectors parse");
    // A random sample (fixed seed): every question answered, or an optional one left out.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut sample: Vec<(Value, Value, String)> = Vec::new();
    for _ in 0..4000 {
        let answers: Vec<Option<usize>> = q
            .questions
            .iter()
            .map(|question| {
                let extra = usize::from(question.optional);
                let pick = next(question.options.len() + extra);
                (pick < question.options.len()).then_some(pick)
            })
            .collect();
        let map: serde_json::Map<String, Value> = q
            .questions
            .iter()
            .zip(&answers)
            .filter_map(|(question, a)| a.map(|oi| (question.id.to_string(), json!(question.options[oi].id))))
            .collect();
        let expected = serde_json::to_value(outcome(&q, &answers)).expect("an outcome serializes");
        sample.push((Value::Object(map), expected, fragment(&q, &answers)));
    }
    let mut cases: Vec<(Value, Value, String)> = vectors
        .iter()
        .map(|v| {
            (
                v["answers"].clone(),
                v["expect"].clone(),
                format!("vector `{}`", v["name"]),
            )
        })
        .collect();
    let vector_count = cases.len();
    cases.extend(sample.into_iter().map(|(a, e, f)| (a, e, format!("#{f}"))));

    let (_lock, b) = browser();
    b.goto(&url("/questionnaire/"));
    wait_ready(&b);
    let script = r#"
        var R = window.riskguideQuestionnaire;
        var rules = JSON.parse(document.getElementById('questionnaire-rules').textContent);
        return JSON.stringify(arguments[0].map(function (answers) { return R.outcome(rules, answers); }));
    "#;
    for chunk in cases.chunks(500) {
        let answers: Vec<&Value> = chunk.iter().map(|c| &c.0).collect();
        let got = b.exec(script, json!([answers]));
        let got: Vec<Value> = serde_json::from_str(got.as_str().expect("a JSON string")).expect("outcomes");
        assert_eq!(got.len(), chunk.len());
        for ((_, expected, name), got) in chunk.iter().zip(&got) {
            assert_eq!(got, expected, "{name}: the browser's outcome differs from Rust's");
        }
    }
    eprintln!(
        "the browser and Rust agree on {vector_count} vectors and {} random answer sets",
        cases.len() - vector_count
    );
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn no_console_errors_or_csp_violations() {
    let (_lock, b) = browser();
    let clinic = fragment_of(&persona("small-clinic").answers);
    let health = fragment_of(&persona("health-at-home").answers);
    for path in [
        "/questionnaire/".to_string(),
        format!("/questionnaire/#{clinic}"),
        format!("/questionnaire/#{health}"),
        "/plan/".to_string(),
        format!("/plan/#{clinic}"),
        format!("/plan/#{health}"),
    ] {
        b.goto(&url(&path));
        wait_ready(&b);
        if path.contains('#') && path.starts_with("/questionnaire/") {
            wait_recommendation(&b);
            click(&b, &option("place", "none"));
            click(&b, &persona_card("startup-support"));
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
    // A follow-up that names a checklist item links to that item on this page.
    let links = b.exec(
        "return Array.prototype.map.call(document.querySelectorAll('#plan-summary .follow-ups a'), function (a) { var h = a.getAttribute('href'); return [h, h.charAt(0) !== '#' || !!document.getElementById(h.slice(1))]; });",
        json!([]),
    );
    let links = links.as_array().expect("a list").clone();
    assert!(
        links.iter().any(|l| l[0] == json!("#vps-predeploy--separate-provider")),
        "{links:?}"
    );
    for l in &links {
        assert_eq!(l[1], json!(true), "an in-page follow-up link leads nowhere: {l}");
    }
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

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_guide_with_four_declared_platforms_recommends_each_in_the_browser() {
    // A new guide with the shipped templates and scripts and four platforms of its own.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("guide");
    let made = common::riskguide(&["new", root.to_str().unwrap(), "--platforms", "mac,vps,mw,pi"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let out = tmp.path().join("out");
    common::build(&root, &out);
    let server = StaticServer::start(&out);
    let (_lock, b) = browser();
    b.goto(&server.url("/questionnaire/"));
    wait_ready(&b);
    let columns = b.exec(
        "return Array.prototype.map.call(document.querySelectorAll('th.matrix-platform'), function (t) { return t.textContent; });",
        json!([]),
    );
    assert_eq!(
        columns,
        json!(["Mac", "Vps", "Mw", "Pi"]),
        "the matrix has a column per declared platform"
    );
    for id in ["mac", "vps", "mw", "pi"] {
        b.goto(&server.url(&format!("/questionnaire/#hosting={id}&data=public")));
        wait_ready(&b);
        assert_eq!(wait_recommendation(&b), id, "answers for {id}");
        // The plan narrows itself to the same platform's checklists.
        b.goto(&server.url(&format!("/plan/#hosting={id}&data=public")));
        let shown = b.wait_for(
            "var r = document.querySelector('.plan-recommendation[data-platform]'); return r && r.getAttribute('data-platform');",
            "the plan's outcome",
        );
        assert_eq!(shown, json!(id), "plan for {id}");
    }
    assert!(b.severe_logs().is_empty(), "{:?}", b.severe_logs());
}

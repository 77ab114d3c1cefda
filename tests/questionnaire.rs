//! The questionnaire without a browser: `riskguide recommend` on the personas of the
//! specification, the tie-break, an exhaustive audit of every answer combination, usage errors,
//! and `riskguide check` on broken questionnaires.
mod common;

use common::{answer_args, persona, shipped_personas, shipped_questionnaire};
use riskguide::compile::{self, evaluate, flips, for_each_combination};
use riskguide::model::Platform;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// What the specification (shared/reference/questionnaire.md) says each persona of
/// `content/questionnaire.toml` gets: scores (mac, vps, mw; `None` = excluded) and whether it is
/// a close call.
const EXPECTED: [(&str, [Option<i64>; 3], bool); 5] = [
    ("small-clinic", [Some(8), Some(7), None], true),
    ("weekend-experiment", [Some(3), Some(-1), Some(8)], false),
    ("solo-developer", [Some(9), Some(2), None], false),
    ("startup-support", [Some(1), Some(3), None], false),
    ("financial-adviser", [Some(10), Some(11), None], true),
];

const QUESTIONS: [&str; 11] = [
    "data", "purpose", "cf_trust", "audit", "egress", "incident", "place", "reach", "ops", "keys", "account",
];

fn repo() -> String {
    common::repo_root().to_str().expect("utf-8 path").to_string()
}

/// Answers in question order as (question id, option id) pairs.
fn answers(options: &[&str]) -> Vec<(String, String)> {
    QUESTIONS
        .iter()
        .zip(options)
        .map(|(q, o)| (q.to_string(), o.to_string()))
        .collect()
}

/// Runs `riskguide recommend --root REPO ARGS…` and returns (exit code, stdout, stderr).
fn recommend(args: &[String]) -> (i32, String, String) {
    let root = repo();
    let mut all: Vec<&str> = vec!["recommend", "--root", &root];
    all.extend(args.iter().map(String::as_str));
    let out = common::riskguide(&all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn recommend_json(answers: &[(String, String)]) -> Value {
    let mut args = answer_args(answers);
    args.push("--json".into());
    let (code, stdout, stderr) = recommend(&args);
    assert_eq!(code, 0, "recommend failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn the_five_personas_get_their_expected_platform() {
    let personas = shipped_personas();
    let ids: Vec<&str> = personas.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, EXPECTED.map(|e| e.0), "the personas of the specification");
    for (persona, (_, [mac, vps, mw], close_call)) in personas.iter().zip(EXPECTED) {
        let (name, platform) = (&persona.name, persona.expect);
        let r = recommend_json(&persona.answers);
        assert_eq!(r["platform"], json!(platform), "{name}: {r:#}");
        assert_eq!(r["scores"], json!({"mac": mac, "vps": vps, "mw": mw}), "{name}: scores");
        assert_eq!(r["close_call"], json!(close_call), "{name}: close_call");
        // Every excluded platform has a null score and at least one reason, and vice versa.
        let excluded = r["excluded"].as_object().expect("excluded is an object");
        for p in ["mac", "vps", "mw"] {
            let is_null = r["scores"][p].is_null();
            assert_eq!(
                excluded.contains_key(p),
                is_null,
                "{name}: `{p}` excluded iff its score is null"
            );
            if is_null {
                let reasons = excluded[p].as_array().expect("a list of reasons");
                assert!(!reasons.is_empty(), "{name}: `{p}` is excluded without a reason");
                for reason in reasons {
                    assert_eq!(reason["effect"], json!("exclude"));
                    assert!(reason["text"].as_str().is_some_and(|t| !t.is_empty()));
                    assert!(reason["link"].as_str().is_some_and(|l| l.starts_with('/')));
                }
            }
        }
        let reasons = r["reasons"].as_array().expect("reasons is a list");
        assert!(
            reasons.iter().any(|x| x["platform"] == json!(platform)),
            "{name}: no reason for the winner"
        );
        // The reasons for a platform add up to its score.
        for p in ["mac", "vps", "mw"] {
            if let Some(score) = r["scores"][p].as_i64() {
                let sum: i64 = reasons
                    .iter()
                    .filter(|x| x["platform"] == json!(p))
                    .filter_map(|x| x["effect"].as_i64())
                    .sum();
                assert_eq!(sum, score, "{name}: the reasons for `{p}` do not add up to its score");
            }
        }
    }
}

#[test]
fn the_small_clinic_is_a_close_call_with_three_ways_to_tip_it() {
    let r = recommend_json(&persona("small-clinic").answers);
    assert_eq!(r["runner_up"], json!("vps"));
    let flips: Vec<String> = r["flips"]
        .as_array()
        .expect("flips")
        .iter()
        .map(|f| {
            format!(
                "{}={}>{}",
                f["question"].as_str().unwrap_or(""),
                f["option"].as_str().unwrap_or(""),
                f["platform"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(flips, ["place=none>vps", "reach=anywhere>vps", "ops=linux>vps"]);
    let share = r["share"].as_str().expect("share link");
    assert!(share.ends_with("/questionnaire/#data=regulated&purpose=business&cf_trust=no&audit=required&egress=required&incident=contain_self&place=shared&reach=private_remote&ops=checklist&keys=dedicated&account=separate_provider"), "{share}");
    let lists: Vec<&str> = r["checklists"]
        .as_array()
        .expect("checklists")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(lists, ["mac-predeploy", "mac-recovery"]);
    // Follow-ups are those for every platform or for the winner, never for another platform.
    for f in r["follow_up"].as_array().expect("follow_up") {
        assert!(f["platform"].is_null() || f["platform"] == json!("mac"), "{f}");
    }
}

#[test]
fn an_exact_tie_goes_to_the_mac_then_the_vps() {
    // The financial adviser with a separate account at the same provider: the VPS loses its
    // separate-provider point and ties the Mac at 10.
    let r = recommend_json(&persona("financial-adviser").with("account", "separate_account"));
    assert_eq!(r["scores"], json!({"mac": 10, "vps": 10, "mw": null}));
    assert_eq!(r["platform"], json!("mac"), "a Mac/VPS tie goes to the Mac");
    assert_eq!(r["runner_up"], json!("vps"));
    assert_eq!(r["close_call"], json!(true), "a tie is a close call");

    // A VPS/Moltworker tie with the Mac ruled out goes to the VPS: no place for a machine,
    // public data, an experiment reachable from anywhere, run by someone at ease with Linux.
    let tie = [
        "public",
        "try",
        "test_only",
        "preferred",
        "monitor",
        "rotate_ok",
        "none",
        "anywhere",
        "linux",
        "dedicated",
        "separate_provider",
    ];
    let r = recommend_json(&answers(&tie));
    assert_eq!(r["scores"], json!({"mac": null, "vps": 5, "mw": 5}), "{r:#}");
    assert_eq!(r["platform"], json!("vps"), "a VPS/Moltworker tie goes to the VPS");
    assert_eq!(r["runner_up"], json!("mw"));

    // Exhaustively: whenever the top two tie, the winner is the one first in tie_break order.
    let q = shipped_questionnaire();
    assert_eq!(q.tie_break, [Platform::Mac, Platform::Vps, Platform::Mw]);
    let mut ties: BTreeMap<(Platform, Platform), u64> = BTreeMap::new();
    for_each_combination(&q, |answers| {
        let e = evaluate(&q, answers);
        if let (Some(w), Some(r)) = (e.winner(), e.runner_up()) {
            assert!(e.scores[&w] >= e.scores[&r]);
            if e.scores[&w] == e.scores[&r] {
                let pos = |p: Platform| q.tie_break.iter().position(|t| *t == p);
                assert!(
                    pos(w) < pos(r),
                    "tie {w:?}/{r:?} went the wrong way at #{}",
                    compile::fragment(&q, answers)
                );
                assert!(e.close_call);
                *ties.entry((w, r)).or_default() += 1;
            }
        }
    });
    assert!(
        ties.get(&(Platform::Mac, Platform::Vps)).is_some_and(|n| *n > 0),
        "no Mac/VPS tie in any combination: {ties:?}"
    );
    assert!(
        ties.get(&(Platform::Vps, Platform::Mw)).is_some_and(|n| *n > 0),
        "no VPS/Moltworker tie in any combination: {ties:?}"
    );
}

#[test]
fn every_combination_recommends_something_and_every_platform_can_win() {
    let q = shipped_questionnaire();
    let mut count = 0u64;
    let mut wins: BTreeMap<Platform, u64> = BTreeMap::new();
    let mut close = 0u64;
    for_each_combination(&q, |answers| {
        count += 1;
        assert!(answers.iter().all(Option::is_some));
        let e = evaluate(&q, answers);
        let winner = e
            .winner()
            .unwrap_or_else(|| panic!("every platform excluded at #{}", compile::fragment(&q, answers)));
        assert!(!e.excluded.contains_key(&winner));
        assert!(
            !e.excluded.contains_key(&Platform::Vps),
            "the VPS is never excluded by this question set"
        );
        *wins.entry(winner).or_default() += 1;
        close += u64::from(e.close_call);
    });
    assert_eq!(count, 69_984, "4 × 3 × 3 × 3 × 2 × 2 × 3 × 3 × 3 × 2 × 3 combinations");
    for p in Platform::ALL {
        assert!(
            wins.get(&p).is_some_and(|n| *n > 0),
            "`{}` never wins: {wins:?}",
            p.id()
        );
    }
    assert!(close > 0 && close < count);
    assert!(
        compile::audit(&q).is_empty(),
        "the audit of the shipped questionnaire is clean"
    );
}

#[test]
fn flips_change_the_winner_and_nothing_else_does() {
    let q = shipped_questionnaire();
    let mut n = 0u64;
    for_each_combination(&q, |answers| {
        n += 1;
        if !n.is_multiple_of(211) {
            return;
        }
        let base = evaluate(&q, answers).winner();
        let found = flips(&q, answers);
        let mut expected = Vec::new();
        for (qi, question) in q.questions.iter().enumerate() {
            for oi in 0..question.options.len() {
                if Some(oi) == answers[qi] {
                    continue;
                }
                let mut trial = answers.to_vec();
                trial[qi] = Some(oi);
                let w = evaluate(&q, &trial).winner();
                if w != base {
                    expected.push((qi, oi, w));
                }
            }
        }
        let got: Vec<_> = found.iter().map(|f| (f.question, f.option, Some(f.platform))).collect();
        assert_eq!(got, expected, "at #{}", compile::fragment(&q, answers));
    });
}

#[test]
fn missing_answers_are_listed_with_their_options() {
    let (code, stdout, stderr) = recommend(&[
        "--answer".into(),
        "data=private".into(),
        "--answer".into(),
        "keys=dedicated".into(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("9 of 11 questions still need an answer"), "{stderr}");
    for q in QUESTIONS.iter().filter(|q| !["data", "keys"].contains(q)) {
        assert!(
            stderr.contains(&format!("--answer {q}=")),
            "`{q}` is not listed: {stderr}"
        );
    }
    assert!(
        !stderr.contains("--answer data="),
        "an answered question is listed: {stderr}"
    );
    // Each missing question comes with its options, id and label.
    assert!(
        stderr.contains("contain_self") && stderr.contains("Cut it off myself immediately"),
        "{stderr}"
    );
    assert!(stderr.contains("separate_provider"), "{stderr}");

    let (code, _, stderr) = recommend(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("11 of 11 questions still need an answer"), "{stderr}");
}

#[test]
fn unknown_questions_and_options_name_the_valid_choices() {
    let (code, stdout, stderr) = recommend(&["--answer".into(), "colour=blue".into()]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unknown question `colour`"), "{stderr}");
    assert!(
        stderr.contains(&QUESTIONS.join(", ")),
        "the valid questions are not named: {stderr}"
    );

    let (code, _, stderr) = recommend(&["--answer".into(), "data=secret".into()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("question `data` has no option `secret`"), "{stderr}");
    assert!(
        stderr.contains("public, private, sensitive, regulated"),
        "the valid options are not named: {stderr}"
    );

    let (code, _, stderr) = recommend(&["--answer".into(), "data".into()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("QUESTION=OPTION"), "{stderr}");

    let (code, _, stderr) = recommend(&[
        "--answer".into(),
        "data=private".into(),
        "--answer".into(),
        "data=public".into(),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("answered twice"), "{stderr}");
}

#[test]
fn the_human_report_explains_the_result() {
    let (code, stdout, stderr) = recommend(&answer_args(&persona("startup-support").answers));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Recommendation: VPS\n"), "{stdout}");
    assert!(stdout.contains("Moltworker excluded"), "{stdout}");
    assert!(stdout.contains("Why VPS scored 3:"), "{stdout}");
    assert!(stdout.contains("the runner-up, scored 1"), "{stdout}");
    assert!(stdout.contains("What would change it:"), "{stdout}");
    assert!(stdout.contains("Share: "), "{stdout}");
}

// ---------------------------------------------------------------- `check` on broken questionnaires

/// A copy of the shipped guide in a temp dir, with `content/questionnaire.toml` edited.
fn broken_site(edit: impl Fn(String) -> String) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = common::repo_root();
    for sub in ["content", "templates", "static"] {
        common::copy_tree(&root.join(sub), &dir.path().join(sub));
    }
    std::fs::copy(root.join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
    let path = dir.path().join("content/questionnaire.toml");
    let text = edit(std::fs::read_to_string(&path).expect("read questionnaire"));
    std::fs::write(&path, &text).expect("write questionnaire");
    (dir, text)
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in the questionnaire"
    );
    text.replacen(from, to, 1)
}

/// `path:line:col` of the first occurrence of `needle`, 1-based, as diagnostics print it.
fn location_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the file"));
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, col)
}

fn check(dir: &Path) -> (i32, String) {
    let out = common::riskguide(&["check", "--root", dir.to_str().expect("utf-8")]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Asserts an error line `content/questionnaire.toml:LINE:COL: error[CODE]: …message…` whose
/// line is the one holding `needle`.
fn assert_located(stderr: &str, text: &str, needle: &str, code: &str, message: &str) {
    let (line, _) = location_of(text, needle);
    let prefix = format!("content/questionnaire.toml:{line}:");
    let found = stderr
        .lines()
        .any(|l| l.starts_with(&prefix) && l.contains(&format!("error[{code}]")) && l.contains(message));
    assert!(found, "expected `{prefix}…: error[{code}]: …{message}…` in:\n{stderr}");
}

#[test]
fn check_reports_answers_and_effects_naming_what_does_not_exist() {
    let (dir, text) = broken_site(|t| {
        let t = replace_once(
            &t,
            "cf_trust = \"no\", audit = \"required\", egress = \"required\", incident = \"contain_self\", place = \"shared\"",
            "cf_trust = \"never\", audit = \"required\", egress = \"required\", incident = \"contain_self\", place = \"shared\"",
        );
        let t = replace_once(
            &t,
            "answers = { data = \"public\",",
            "answers = { colour = \"blue\", data = \"public\",",
        );
        let t = replace_once(
            &t,
            "effects = { mw = 2 }\nreasons = [\n  { platform = \"mw\", text = \"A public bot",
            "effects = { mw = 2, pi = 1 }\nreasons = [\n  { platform = \"mw\", text = \"A public bot",
        );
        replace_once(
            &t,
            "checklists = [\"vps-predeploy\", \"vps-recovery\"]",
            "checklists = [\"vps-predeploy\", \"vps-recover\"]",
        )
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    // Every problem is reported in the same run, each at its own line.
    assert_located(
        &stderr,
        &text,
        "cf_trust = \"never\"",
        "E040",
        "question `cf_trust` has no option `never`",
    );
    assert!(stderr.contains("help: options: yes, test_only, no"), "{stderr}");
    assert_located(
        &stderr,
        &text,
        "colour = \"blue\"",
        "E040",
        "answers a missing question `colour`",
    );
    assert_located(
        &stderr,
        &text,
        "effects = { mw = 2, pi = 1 }",
        "E031",
        "unknown platform `pi`",
    );
    assert_located(
        &stderr,
        &text,
        "\"vps-recover\"",
        "E040",
        "missing checklist `vps-recover`",
    );
    assert!(stderr.contains("4 error(s)"), "{stderr}");
}

#[test]
fn check_reports_dangling_reason_follow_up_and_platform_links() {
    let (dir, text) = broken_site(|t| {
        let t = replace_once(
            &t,
            "works well.\", link = \"/moltworker/when-it-fits/#good-fits\"",
            "works well.\", link = \"/moltworker/when-it-fits/#no-such-section\"",
        );
        let t = replace_once(
            &t,
            "link = \"/moltworker/ai-gateway-logging/\"",
            "link = \"/moltworker/no-such-page/\"",
        );
        replace_once(&t, "page = \"/vps/\"", "page = \"/vps-guide/\"")
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_located(
        &stderr,
        &text,
        "#no-such-section",
        "E042",
        "missing anchor `#no-such-section`",
    );
    assert_located(
        &stderr,
        &text,
        "/moltworker/no-such-page/",
        "E042",
        "missing page `/moltworker/no-such-page/`",
    );
    assert_located(
        &stderr,
        &text,
        "page = \"/vps-guide/\"",
        "E042",
        "missing page `/vps-guide/`",
    );
    // The build refuses too, and writes nothing.
    let out = dir.path().join("public");
    let built = common::riskguide(&[
        "build",
        "--root",
        dir.path().to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(built.status.code(), Some(1));
    assert!(!out.exists());
}

//! The questionnaire without a browser: `riskguide recommend` on the personas (the
//! specification), links made before the optional questions existed, the "none fits yet"
//! outcome, the tie-break, the audit, the shared test vectors, usage errors, and
//! `riskguide check` on broken questionnaires.
mod common;

use common::{answer_args, persona, shipped_personas, shipped_questionnaire};
use riskguide::compile::{self, evaluate, flips, for_each_combination, outcome, reachable_outcomes};
use riskguide::model::Platform;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The eleven questions every link made before the optional ones existed answers.
const OLD_QUESTIONS: [&str; 11] = [
    "data", "purpose", "cf_trust", "audit", "egress", "incident", "place", "reach", "ops", "keys", "account",
];
const NEW_QUESTIONS: [&str; 4] = ["audience", "tools", "budget", "upkeep"];

fn repo() -> String {
    common::repo_root().to_str().expect("utf-8 path").to_string()
}

/// Answers in question order as (question id, option id) pairs.
fn answers(questions: &[&str], options: &str) -> Vec<(String, String)> {
    let options: Vec<&str> = options.split_whitespace().collect();
    assert_eq!(options.len(), questions.len());
    questions
        .iter()
        .zip(options)
        .map(|(q, o)| (q.to_string(), o.to_string()))
        .collect()
}

fn all_questions() -> Vec<&'static str> {
    OLD_QUESTIONS.iter().chain(&NEW_QUESTIONS).copied().collect()
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

/// The page's name for an outcome: a platform id, or `none`.
fn outcome_id(platform: &Value) -> &str {
    platform.as_str().unwrap_or("none")
}

fn flip_list(r: &Value) -> Vec<String> {
    r["flips"]
        .as_array()
        .expect("flips")
        .iter()
        .map(|f| {
            format!(
                "{}={}>{}",
                f["question"].as_str().unwrap_or(""),
                f["option"].as_str().unwrap_or(""),
                f["platform"].as_str().unwrap_or("none")
            )
        })
        .collect()
}

#[test]
fn every_persona_gets_its_expected_outcome_for_reasons_that_add_up() {
    let personas = shipped_personas();
    assert!(personas.len() >= 12, "at least twelve personas: {}", personas.len());
    let expected: BTreeSet<&str> = personas.iter().map(|p| p.expect).collect();
    assert_eq!(
        expected,
        BTreeSet::from(["mac", "mw", "none", "vps"]),
        "every outcome has a persona"
    );
    assert!(personas.iter().filter(|p| p.expect == "none").count() >= 2);
    for persona in &personas {
        let name = &persona.name;
        assert_eq!(persona.answers.len(), 15, "{name} answers every question");
        let r = recommend_json(&persona.answers);
        assert_eq!(outcome_id(&r["platform"]), persona.expect, "{name}: {r:#}");
        assert_eq!(r["unanswered"], json!([]), "{name}");
        let excluded = r["excluded"].as_object().expect("excluded is an object");
        let reasons = r["reasons"].as_array().expect("reasons is a list");
        for p in ["mac", "vps", "mw"] {
            let score = &r["scores"][p];
            assert_eq!(
                excluded.contains_key(p),
                score.is_null(),
                "{name}: `{p}` excluded iff null"
            );
            for reason in excluded.get(p).and_then(Value::as_array).into_iter().flatten() {
                assert_eq!(reason["effect"], json!("exclude"));
                assert!(reason["text"].as_str().is_some_and(|t| !t.is_empty()));
                assert!(reason["link"].as_str().is_some_and(|l| l.starts_with('/')));
            }
            // The reasons for a platform add up to its score.
            if let Some(score) = score.as_i64() {
                let sum: i64 = reasons
                    .iter()
                    .filter(|x| x["platform"] == json!(p))
                    .filter_map(|x| x["effect"].as_i64())
                    .sum();
                assert_eq!(sum, score, "{name}: the reasons for `{p}` do not add up to its score");
            }
            // The cost range is shown with every score.
            let cost = &r["costs"][p];
            assert!(
                cost["min"].as_i64() <= cost["max"].as_i64() && cost["min"].is_i64(),
                "{name}: {cost}"
            );
        }
        if persona.expect == "none" {
            // Every platform has something in its way, and no checklist is handed out.
            for p in ["mac", "vps", "mw"] {
                let list = r["blockers"][p].as_array().expect("blockers per platform");
                assert!(!list.is_empty(), "{name}: nothing blocks `{p}`");
            }
            assert_eq!(r["checklists"], json!([]));
            assert_eq!(r["runner_up"], Value::Null);
            assert_eq!(r["close_call"], json!(false));
        } else {
            assert_eq!(r["blockers"], json!({}), "{name}");
            assert!(
                reasons.iter().any(|x| x["platform"] == r["platform"]),
                "{name}: no reason for the winner"
            );
            // Follow-ups are those for every platform or for the winner, never another's.
            for f in r["follow_up"].as_array().expect("follow_up") {
                assert!(f["platform"].is_null() || f["platform"] == r["platform"], "{name}: {f}");
            }
        }
    }
}

#[test]
fn the_freelancer_gets_a_vps_and_the_non_technical_health_user_gets_none_with_what_to_change() {
    let r = recommend_json(&persona("linux-freelancer").answers);
    assert_eq!(r["platform"], json!("vps"));
    // Always on while the home machine sleeps contradicts a machine at home.
    let mac = r["excluded"]["mac"].as_array().expect("the Mac is ruled out");
    assert!(mac.iter().any(|x| x["question"] == json!("reach")), "{mac:?}");

    let r = recommend_json(&persona("health-at-home").answers);
    assert_eq!(r["platform"], Value::Null);
    assert_eq!(r["name"], Value::Null);
    let blocker = |p: &str| -> Vec<String> {
        r["blockers"][p]
            .as_array()
            .expect("a list")
            .iter()
            .map(|x| {
                format!(
                    "{}={}",
                    x["question"].as_str().unwrap_or(""),
                    x["option"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(blocker("mac"), ["reach=anywhere"]);
    assert_eq!(blocker("vps"), ["upkeep=nobody"]);
    assert_eq!(blocker("mw"), ["data=sensitive"]);
    // The smallest changes: less sensitive data, or someone to look after a server.
    assert_eq!(
        flip_list(&r),
        [
            "data=public>mw",
            "data=private>mw",
            "upkeep=monthly>vps",
            "upkeep=dedicated>vps"
        ]
    );
    let (code, stdout, _) = recommend(&answer_args(&persona("health-at-home").answers));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Recommendation: none of the platforms fits yet\n"),
        "{stdout}"
    );
    assert!(stdout.contains("What stands in the way:"), "{stdout}");
    assert!(stdout.contains("--answer upkeep=monthly → VPS"), "{stdout}");
}

#[test]
fn links_with_only_the_eleven_original_answers_still_give_a_result() {
    // The five personas of the original specification, as links shared before the optional
    // questions existed carry them: (answers, outcome, scores mac/vps/mw).
    let old = [
        (
            "regulated business no required required contain_self shared private_remote checklist dedicated separate_provider",
            "mac",
            json!({"mac": 4, "vps": 2, "mw": null}),
        ),
        (
            "public try yes no monitor rotate_ok private local none dedicated separate_provider",
            "mw",
            json!({"mac": 3, "vps": -1, "mw": 7}),
        ),
        (
            "private personal no preferred monitor contain_self private local checklist dedicated separate_provider",
            "mac",
            json!({"mac": 8, "vps": 1, "mw": null}),
        ),
        (
            "private business yes preferred monitor rotate_ok shared anywhere linux shared_prod same",
            "vps",
            json!({"mac": null, "vps": 1, "mw": null}),
        ),
        (
            "sensitive business no required required contain_self private anywhere linux dedicated separate_provider",
            "vps",
            json!({"mac": null, "vps": 6, "mw": null}),
        ),
    ];
    for (options, platform, scores) in old {
        let r = recommend_json(&answers(&OLD_QUESTIONS, options));
        assert_eq!(r["platform"], json!(platform), "{options}: {r:#}");
        assert_eq!(r["scores"], scores, "{options}");
        assert_eq!(r["unanswered"], json!(NEW_QUESTIONS), "{options}");
        let (code, stdout, stderr) = recommend(&answer_args(&answers(&OLD_QUESTIONS, options)));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("Not answered (counted as neutral"), "{stdout}");
    }
}

#[test]
fn ties_go_by_the_tie_break_order_and_personas_are_never_decided_by_it() {
    let all = all_questions();
    let cases = [
        (
            "private try test_only no required rotate_ok shared local checklist dedicated separate_account anyone files any dedicated",
            "mac",
            "vps",
            0,
        ),
        (
            "public try test_only no monitor rotate_ok none local linux dedicated separate_provider my_team browser under_10 monthly",
            "vps",
            "mw",
            2,
        ),
        (
            "public try test_only no monitor rotate_ok private private_remote checklist dedicated separate_provider only_me shell any dedicated",
            "mac",
            "mw",
            2,
        ),
    ];
    for (options, winner, second, score) in cases {
        let r = recommend_json(&answers(&all, options));
        assert_eq!(r["platform"], json!(winner), "{options}");
        assert_eq!(r["scores"][winner], json!(score));
        assert_eq!(r["scores"][second], json!(score), "{options}: {r:#}");
        assert_eq!(r["close_call"], json!(true), "a tie is a close call");
    }
    // Over a sample of every combination: a tie at the top goes to the first in tie_break order.
    let q = shipped_questionnaire();
    assert_eq!(q.tie_break, q.all());
    assert_eq!(q.all().iter().map(|p| p.id()).collect::<Vec<_>>(), ["mac", "vps", "mw"]);
    let mut n = 0u64;
    let mut ties = 0u64;
    for_each_combination(&q, |answers| {
        n += 1;
        if !n.is_multiple_of(101) {
            return;
        }
        let e = evaluate(&q, answers);
        if let (Some(w), Some(r)) = (e.winner(), e.runner_up()) {
            assert!(e.scores[&w] >= e.scores[&r]);
            if e.scores[&w] == e.scores[&r] {
                let pos = |p: Platform| q.tie_break.iter().position(|t| *t == p);
                assert!(pos(w) < pos(r), "at #{}", compile::fragment(&q, answers));
                assert!(e.close_call && e.decided_by_tie_break());
                ties += 1;
            }
        }
    });
    assert!(ties > 0);
    // No persona rests on the tie-break alone (`check` would warn).
    for p in &q.personas {
        let answers: Vec<Option<usize>> = p.answers.iter().map(|a| Some(*a)).collect();
        assert!(!evaluate(&q, &answers).decided_by_tie_break(), "persona `{}`", p.id);
    }
}

#[test]
fn the_audit_reaches_exactly_the_outcomes_that_brute_force_finds() {
    let q = shipped_questionnaire();
    assert!(
        compile::audit(&q).is_empty(),
        "the audit of the shipped questionnaire is clean"
    );
    let reached = reachable_outcomes(&q).unwrap();
    assert_eq!(
        reached,
        std::iter::once(None)
            .chain(q.all().into_iter().map(Some))
            .collect::<BTreeSet<_>>()
    );
    // On the eleven required questions alone (69,984 combinations), the folded audit and a
    // plain enumeration agree.
    let mut small = q.clone();
    small.questions.truncate(11);
    small.personas.clear();
    let mut brute: BTreeMap<Option<Platform>, u64> = BTreeMap::new();
    for_each_combination(&small, |answers| {
        *brute.entry(evaluate(&small, answers).winner()).or_default() += 1;
    });
    assert_eq!(brute.values().sum::<u64>(), 69_984);
    assert_eq!(
        reachable_outcomes(&small).unwrap(),
        brute.keys().copied().collect::<BTreeSet<_>>()
    );
    // Without any exclusion and with a min_score nothing falls below, "none fits yet" cannot
    // happen any more, and the audit says so.
    let mut no_none = q.clone();
    no_none.min_score = Some(-1000);
    for question in &mut no_none.questions {
        for option in &mut question.options {
            option.effects.retain(|_, e| !e.is_exclude());
        }
    }
    let problems = compile::audit(&no_none);
    let messages: Vec<String> = problems.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("E060") && m.contains("none fits yet")),
        "{messages:?}"
    );
    // A persona that expects the wrong outcome, and one that only the tie-break decides.
    let mut wrong = q.clone();
    wrong.personas[0].expect = Some(platform(&wrong, "mw"));
    let problems = compile::audit(&wrong);
    assert!(
        problems
            .iter()
            .any(|d| d.code == "E062" && d.message.contains("expects `mw` but the answers give `mac`")),
        "{:?}",
        problems.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

#[test]
fn a_persona_decided_only_by_the_tie_break_is_a_warning_that_names_it() {
    let mut q = shipped_questionnaire();
    let index = |question: &str, option: &str| {
        let qi = q
            .questions
            .iter()
            .position(|x| x.id.as_str() == question)
            .expect("question");
        q.questions[qi]
            .options
            .iter()
            .position(|o| o.id.as_str() == option)
            .expect("option")
    };
    let options = "private try test_only no required rotate_ok shared local checklist dedicated separate_account anyone files any dedicated";
    let tie: Vec<usize> = all_questions()
        .iter()
        .zip(options.split_whitespace())
        .map(|(question, option)| index(question, option))
        .collect();
    q.personas[0].answers = tie;
    q.personas[0].expect = Some(platform(&q, "mac"));
    let problems = compile::audit(&q);
    let warning = problems
        .iter()
        .find(|d| d.code == "W041")
        .unwrap_or_else(|| panic!("{:?}", problems.iter().map(|d| &d.message).collect::<Vec<_>>()));
    assert!(!warning.is_error());
    assert_eq!(warning.location, q.personas[0].location);
    assert!(
        warning.message.contains("persona `small-clinic`"),
        "{}",
        warning.message
    );
    assert!(
        warning.message.contains("`mac` and `vps` both score 0"),
        "{}",
        warning.message
    );
}

#[test]
fn flips_change_the_outcome_and_nothing_else_does() {
    let q = shipped_questionnaire();
    let mut n = 0u64;
    for_each_combination(&q, |answers| {
        n += 1;
        if !n.is_multiple_of(7919) {
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
        let got: Vec<_> = found.iter().map(|f| (f.question, f.option, f.platform)).collect();
        assert_eq!(got, expected, "at #{}", compile::fragment(&q, answers));
    });
}

/// One answer set of `tests/vectors/questionnaire.json` with its whole expected outcome.
#[derive(serde::Serialize, serde::Deserialize)]
struct Vector {
    name: String,
    answers: BTreeMap<String, String>,
    /// Written by `VECTORS_UPDATE=1` for a new vector; read and reviewed before committing.
    /// Kept as JSON: platforms are ids that only the guide's declaration gives meaning to.
    expect: Option<Value>,
}

fn vectors_path() -> std::path::PathBuf {
    common::repo_root().join("tests/vectors/questionnaire.json")
}

/// The answer indexes of a vector, in question order (`None` where it leaves one unanswered).
fn vector_answers(q: &riskguide::model::Questionnaire, answers: &BTreeMap<String, String>) -> Vec<Option<usize>> {
    for (question, option) in answers {
        let found = q
            .questions
            .iter()
            .find(|x| x.id.as_str() == question)
            .is_some_and(|x| x.options.iter().any(|o| o.id.as_str() == option));
        assert!(found, "the vector answers {question}={option}, which does not exist");
    }
    q.questions
        .iter()
        .map(|question| {
            let chosen = answers.get(question.id.as_str())?;
            question.options.iter().position(|o| o.id.as_str() == chosen)
        })
        .collect()
}

#[test]
fn the_rust_evaluator_gives_every_vector_its_whole_expected_outcome() {
    let q = shipped_questionnaire();
    let text = std::fs::read_to_string(vectors_path()).expect("tests/vectors/questionnaire.json");
    let vectors: Vec<Vector> = serde_json::from_str(&text).expect("the vectors parse");
    if std::env::var_os("VECTORS_UPDATE").is_some() {
        // Re-bless after an intended change of the rules; read the diff before committing.
        let blessed: Vec<Vector> = vectors
            .into_iter()
            .map(|v| Vector {
                expect: Some(serde_json::to_value(outcome(&q, &vector_answers(&q, &v.answers))).expect("serialize")),
                ..v
            })
            .collect();
        let json = serde_json::to_string_pretty(&blessed).expect("serialize");
        std::fs::write(vectors_path(), json + "\n").expect("write the vectors");
        return;
    }
    assert!(vectors.len() >= 20, "{} vectors", vectors.len());
    for v in &vectors {
        let got = serde_json::to_value(outcome(&q, &vector_answers(&q, &v.answers))).expect("serialize");
        assert_eq!(Some(got), v.expect, "vector `{}`", v.name);
    }
    // Every persona is among them, with its expected outcome.
    for p in shipped_personas() {
        let v = vectors
            .iter()
            .find(|v| v.name == format!("persona {}", p.id))
            .unwrap_or_else(|| panic!("no vector for persona `{}`", p.id));
        let platform = v.expect.as_ref().and_then(|e| e["platform"].as_str());
        assert_eq!(platform.unwrap_or("none"), p.expect);
    }
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
    assert!(
        stderr.contains("9 of 11 required questions still need an answer"),
        "{stderr}"
    );
    for q in OLD_QUESTIONS.iter().filter(|q| !["data", "keys"].contains(q)) {
        assert!(
            stderr.contains(&format!("--answer {q}=")),
            "`{q}` is not listed: {stderr}"
        );
    }
    for q in ["data", "keys"].iter().chain(&NEW_QUESTIONS) {
        assert!(
            !stderr.contains(&format!("--answer {q}=")),
            "an answered or optional question is listed: {stderr}"
        );
    }
    // Each missing question comes with its options, id and label.
    assert!(
        stderr.contains("contain_self") && stderr.contains("Cut it off myself immediately"),
        "{stderr}"
    );
    assert!(stderr.contains("separate_provider"), "{stderr}");

    let (code, _, stderr) = recommend(&[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("11 of 11 required questions still need an answer"),
        "{stderr}"
    );
}

#[test]
fn unknown_questions_and_options_name_the_valid_choices() {
    let (code, stdout, stderr) = recommend(&["--answer".into(), "colour=blue".into()]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unknown question `colour`"), "{stderr}");
    assert!(
        stderr.contains(&all_questions().join(", ")),
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
    assert!(
        stdout.contains("VPS 1, $5-24 a month"),
        "the cost sits next to the score: {stdout}"
    );
    assert!(stdout.contains("Why VPS scored 1:"), "{stdout}");
    assert!(stdout.contains("What would change it:"), "{stdout}");
    assert!(
        stdout.contains("fix first: Move the agent to a separate provider"),
        "{stdout}"
    );
    assert!(stdout.contains("Share: "), "{stdout}");
}

// ---------------------------------------------------------------- `check` on broken questionnaires

/// A copy of the shipped guide in a temp dir, with `content/questionnaire.toml` edited.
const QUESTIONNAIRE: &str = "content/questionnaire.toml";
const PLATFORMS: &str = "content/platforms.toml";

/// A copy of the shipped guide with its questionnaire edited; returns the edited text.
fn broken_site(edit: impl Fn(String) -> String) -> (tempfile::TempDir, String) {
    let dir = shipped_copy();
    let text = edit_file(dir.path(), QUESTIONNAIRE, edit);
    (dir, text)
}

fn shipped_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = common::repo_root();
    for sub in ["content", "templates", "static"] {
        common::copy_tree(&root.join(sub), &dir.path().join(sub));
    }
    std::fs::copy(root.join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
    dir
}

/// Edits one file of a site copy and returns its new text.
fn edit_file(root: &Path, file: &str, edit: impl Fn(String) -> String) -> String {
    let path = root.join(file);
    let text = edit(std::fs::read_to_string(&path).expect("read"));
    std::fs::write(&path, &text).expect("write");
    text
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once in the file");
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
    assert_located_in(QUESTIONNAIRE, stderr, text, needle, code, message);
}

/// Asserts an error line `FILE:LINE:COL: error[CODE]: …message…` whose line is the one holding
/// `needle` in `text`, the file's content.
fn assert_located_in(file: &str, stderr: &str, text: &str, needle: &str, code: &str, message: &str) {
    let (line, _) = location_of(text, needle);
    let prefix = format!("{file}:{line}:");
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
            "answers = { data = \"public\", purpose = \"try\", cf_trust = \"yes\", audit = \"no\", egress = \"monitor\", incident = \"rotate_ok\", place = \"private\"",
            "answers = { colour = \"blue\", data = \"public\", purpose = \"try\", cf_trust = \"yes\", audit = \"no\", egress = \"monitor\", incident = \"rotate_ok\", place = \"private\"",
        );
        replace_once(
            &t,
            "effects = { mw = 2 }\nreasons = [\n  { platform = \"mw\", text = \"Trust boundary: with only public data",
            "effects = { mw = 2, pi = 1 }\nreasons = [\n  { platform = \"mw\", text = \"Trust boundary: with only public data",
        )
    });
    let declared = edit_file(dir.path(), PLATFORMS, |t| {
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
    assert_located_in(
        PLATFORMS,
        &stderr,
        &declared,
        "\"vps-recover\"",
        "E040",
        "platform `vps` names a missing checklist `vps-recover`",
    );
    assert!(stderr.contains("4 error(s)"), "{stderr}");
}

#[test]
fn check_reports_dangling_reason_follow_up_and_platform_links() {
    let (dir, text) = broken_site(|t| {
        let t = replace_once(
            &t,
            "works well here.\", link = \"/moltworker/when-it-fits/#good-fits\"",
            "works well here.\", link = \"/moltworker/when-it-fits/#no-such-section\"",
        );
        replace_once(
            &t,
            "link = \"/moltworker/ai-gateway-logging/\"",
            "link = \"/moltworker/no-such-page/\"",
        )
    });
    let declared = edit_file(dir.path(), PLATFORMS, |t| {
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
    assert_located_in(
        PLATFORMS,
        &stderr,
        &declared,
        "page = \"/vps-guide/\"",
        "E042",
        "missing page `/vps-guide/`",
    );
    // Reported once: the questionnaire's rules leave a platform's page to the platform check.
    assert_eq!(stderr.matches("missing page `/vps-guide/`").count(), 1, "{stderr}");
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

#[test]
fn check_reports_reasons_and_follow_ups_that_lead_to_another_platform_or_nowhere() {
    let (dir, text) = broken_site(|t| {
        // A Mac reason that links to the VPS pages, a follow-up for the VPS that links to a
        // Moltworker page, a follow-up naming a checklist item that does not exist, one naming
        // a checklist of another platform, and a budget whose effects do not follow from the costs.
        let t = replace_once(
            &t,
            "or pf, and any allowed host can still carry data out.\", link = \"/mac-mini/prevention/#egress\"",
            "or pf, and any allowed host can still carry data out.\", link = \"/vps/prevention/#egress\"",
        );
        let t = replace_once(
            &t,
            "{ text = \"Use a dedicated instance rather than shared hardware.\", link = \"/vps/risks/#shared-hardware\", platform = \"vps\" }",
            "{ text = \"Use a dedicated instance rather than shared hardware.\", link = \"/moltworker/egress/#mitigation\", platform = \"vps\" }",
        );
        let t = replace_once(
            &t,
            "item = \"mac-predeploy/filevault-on\"",
            "item = \"mac-predeploy/filevault-enabled\"",
        );
        let t = replace_once(
            &t,
            "item = \"vps-predeploy/metadata-blocked\"",
            "item = \"mac-predeploy/bind-loopback\"",
        );
        replace_once(
            &t,
            "max_monthly_usd = 25\neffects = { mw = -1 }",
            "max_monthly_usd = 25\neffects = { mac = -1, mw = -1 }",
        )
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_located(
        &stderr,
        &text,
        "link = \"/vps/prevention/#egress\"",
        "E063",
        "a reason for `mac` links to `/vps/prevention/#egress`, a page about vps",
    );
    assert_located(
        &stderr,
        &text,
        "link = \"/moltworker/egress/#mitigation\", platform = \"vps\"",
        "E063",
        "a follow-up for `vps` links to `/moltworker/egress/#mitigation`, a page about mw",
    );
    assert_located(
        &stderr,
        &text,
        "mac-predeploy/filevault-enabled",
        "E040",
        "checklist `mac-predeploy` has no item `filevault-enabled`",
    );
    assert_located(
        &stderr,
        &text,
        "item = \"mac-predeploy/bind-loopback\", platform = \"vps\"",
        "E063",
        "follow-up for `vps` names checklist `mac-predeploy`, which does not cover `vps`",
    );
    assert_located(
        &stderr,
        &text,
        "max_monthly_usd = 25",
        "E065",
        "allows $25 a month and `mac` costs $11-$19: it needs no effect on `mac`",
    );
    // Plus the missing reason for the new budget effect on the Mac.
    assert!(stderr.contains("option `under_25` changes `mac` but gives no reason for it"));
    assert!(stderr.contains("6 error(s)"), "{stderr}");
}

/// The declared platform with this id.
fn platform(q: &riskguide::model::Questionnaire, id: &str) -> Platform {
    q.all().into_iter().find(|p| p.id() == id).expect("a declared platform")
}

/// A fixture guide that declares platforms of its own, loaded through the library.
fn fixture_questionnaire(name: &str) -> (riskguide::model::Site, riskguide::model::Questionnaire) {
    let root = common::repo_root().join("tests/fixtures/ok").join(name);
    let config = riskguide::config::load(&root).expect("site.toml loads");
    let (mut site, _) = riskguide::pipeline::load_site(&config).unwrap_or_else(|e| panic!("{name} loads: {e:?}"));
    let q = site.questionnaire.take().expect("the fixture has a questionnaire");
    (site, q)
}

#[test]
fn a_guide_with_four_platforms_recommends_each_of_them_for_some_answers() {
    let (site, q) = fixture_questionnaire("four-platforms");
    let ids: Vec<&str> = site.platforms.iter().map(|d| d.platform.id()).collect();
    assert_eq!(ids, ["mac", "vps", "mw", "pi"]);
    let reached = reachable_outcomes(&q).expect("audited");
    for p in q.all() {
        assert!(reached.contains(&Some(p)), "`{}` is never recommended", p.id());
        // Choosing the platform in the first question, with public data, recommends it.
        let hosting = q.questions[0]
            .options
            .iter()
            .position(|o| o.id.as_str() == p.id())
            .expect("an option per platform");
        let public = q.questions[1]
            .options
            .iter()
            .position(|o| o.id.as_str() == "public")
            .expect("public");
        let e = evaluate(&q, &[Some(hosting), Some(public)]);
        assert_eq!(e.winner(), Some(p), "answers for `{}`", p.id());
        assert_eq!(e.scores.len(), 4, "a score for every declared platform");
    }
    // The names come from the declaration, in declared order.
    let names: Vec<&str> = q.all().into_iter().map(|p| q.platform_name(p)).collect();
    assert_eq!(names, ["Mac Mini at home", "VPS", "Moltworker", "Raspberry Pi at home"]);
}

#[test]
fn a_guide_with_two_platforms_scores_only_those_two() {
    let (_, q) = fixture_questionnaire("two-platforms");
    let ids: Vec<&str> = q.all().into_iter().map(|p| p.id()).collect();
    assert_eq!(ids, ["home", "cloud"]);
    let reached = reachable_outcomes(&q).expect("audited");
    assert_eq!(reached.len(), 2, "{reached:?}");
    let o = serde_json::to_value(outcome(&q, &[Some(1), Some(0)])).expect("serialize");
    assert_eq!(o["platform"], json!("cloud"));
    assert_eq!(o["scores"], json!({"home": 0, "cloud": 3}));
}

#[test]
fn a_platform_table_left_in_the_questionnaire_is_told_where_its_keys_went() {
    let (dir, text) = broken_site(|t| {
        replace_once(
            &t,
            "costs_link = \"/compare/#monthly-cost\"\n",
            "costs_link = \"/compare/#monthly-cost\"\n\n[platform.vps]\npage = \"/vps/\"\ncost = { min = 5, max = 24 }\n",
        )
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_located(
        &stderr,
        &text,
        "[platform.vps]",
        "E022",
        "[platform.vps] no longer belongs in the questionnaire",
    );
    assert!(
        stderr.contains(
            "help: move `cost` and `page` into the [[platform]] table with id = \"vps\" in content/platforms.toml"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("1 error(s)"), "{stderr}");
}

#[test]
fn every_platform_of_a_guide_with_a_questionnaire_needs_a_page() {
    let dir = shipped_copy();
    let declared = edit_file(dir.path(), PLATFORMS, |t| {
        replace_once(&t, "page = \"/moltworker/\"\n", "")
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_located_in(
        PLATFORMS,
        &stderr,
        &declared,
        "id = \"mw\"",
        "E039",
        "platform `mw` has no `page`",
    );
    assert!(stderr.contains("1 error(s)"), "{stderr}");
}

#[test]
fn a_guide_without_a_questionnaire_still_checks_its_platforms_pages_checklists_and_costs() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&common::repo_root().join("tests/fixtures/ok/minimal"), dir.path());
    let declared = edit_file(dir.path(), PLATFORMS, |t| {
        let t = replace_once(&t, "page = \"/guide/\"", "page = \"/no-guide/\"");
        let t = replace_once(&t, "checklists = [\"before\"]", "checklists = [\"after\"]");
        replace_once(&t, "cost = { min = 11, max = 19 }", "cost = { min = 19, max = 11 }")
    });
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    for (needle, code, message) in [
        ("page = \"/no-guide/\"", "E042", "missing page `/no-guide/`"),
        (
            "checklists = [\"after\"]",
            "E040",
            "platform `mac` names a missing checklist `after`",
        ),
        (
            "cost = { min = 19",
            "E039",
            "platform `mac`: a cost needs 0 <= min <= max <= 100000",
        ),
    ] {
        assert_located_in(PLATFORMS, &stderr, &declared, needle, code, message);
    }
    assert!(stderr.contains("3 error(s)"), "{stderr}");
}

#[test]
fn a_checklist_file_that_does_not_parse_is_reported_once_not_where_it_is_named() {
    let dir = shipped_copy();
    let file = "content/checklists/mac-predeploy.toml";
    let text = edit_file(dir.path(), file, |t| format!("{t}\n[[group]\ntitle = \"x\"\n"));
    let (code, stderr) = check(dir.path());
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(errors.len(), 1, "one broken file, one error:\n{stderr}");
    assert_located_in(file, &stderr, &text, "[[group]\n", "E022", "");
    // The platform and the follow-ups that name it are not reported as naming a missing one.
    assert!(!stderr.contains("missing checklist"), "{stderr}");
}

//! The generated audit scripts: every one passes shellcheck; run on Linux against stub commands
//! on `PATH` that pass and that fail (with `timeout` and with the script's own fallback when
//! `timeout` is missing), and for real on this machine; and the files they write, imported on
//! the checklist page in Chromium (browser tests, `#[ignore]`d like the others).
mod common;

use common::{Browser, StaticServer};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The audit test guide (`tests/audits/site`) with the shipped templates and static files, built.
fn audited_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    common::copy_tree(&common::repo_root().join("tests/audits/site"), &root);
    common::copy_tree(&common::repo_root().join("templates"), &root.join("templates"));
    common::copy_tree(&common::repo_root().join("static"), &root.join("static"));
    let out = dir.path().join("public");
    common::build(&root, &out);
    (dir, out)
}

fn scripts(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "audit.sh")
        .map(|e| e.path().to_path_buf())
        .collect();
    found.sort();
    found
}

fn write_exec(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A directory holding only the tools the script itself uses (and `timeout` when asked), so
/// the commands under audit come from the stubs or are missing.
fn tools(dir: &Path, with_timeout: bool) -> PathBuf {
    let bin = dir.join(if with_timeout { "tools" } else { "tools-no-timeout" });
    std::fs::create_dir_all(&bin).unwrap();
    let mut names = vec![
        "sh", "uname", "mktemp", "rm", "tr", "cut", "sed", "head", "grep", "date", "sleep", "pkill", "cat",
    ];
    if with_timeout {
        names.push("timeout");
    }
    for name in names {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
            .unwrap();
        let path = String::from_utf8(found.stdout).unwrap().trim().to_string();
        assert!(!path.is_empty(), "{name} is on this machine");
        std::os::unix::fs::symlink(path, bin.join(name)).unwrap();
    }
    bin
}

/// Stub commands that make every stubbed check pass (`pass`) or fail.
fn stubs(dir: &Path, pass: bool) -> PathBuf {
    let bin = dir.join(if pass { "stubs-pass" } else { "stubs-fail" });
    std::fs::create_dir_all(&bin).unwrap();
    // Not root, whatever user runs the tests, so `root = true` checks are reported, not run.
    write_exec(
        &bin.join("id"),
        r#"case "${1:-}" in -u) echo 1000 ;; -un) echo tester ;; *) echo 'uid=1000(tester)' ;; esac"#,
    );
    write_exec(&bin.join("whoami"), "echo tester");
    write_exec(
        &bin.join("csrutil"),
        "echo 'System Integrity Protection status: enabled.'",
    );
    write_exec(&bin.join("sshd"), "echo 'passwordauthentication no'");
    if pass {
        write_exec(&bin.join("fdesetup"), "echo 'FileVault is On.'");
        write_exec(&bin.join("openclaw"), "echo loopback");
        write_exec(&bin.join("systemctl"), "echo active");
        write_exec(
            &bin.join("lsof"),
            "echo 'COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME'\necho 'node 42 tester 20u IPv4 0x1 0t0 TCP 127.0.0.1:18789 (LISTEN)'",
        );
        write_exec(&bin.join("node"), "echo v22.12.0");
        write_exec(&bin.join("softwareupdate"), "echo 'No new software available.' >&2");
        write_exec(&bin.join("groups"), "echo 'tester staff'");
    } else {
        write_exec(&bin.join("fdesetup"), "echo 'FileVault is Off.'");
        write_exec(&bin.join("openclaw"), "echo lan");
        write_exec(&bin.join("systemctl"), "echo inactive\nexit 3");
        write_exec(
            &bin.join("lsof"),
            "echo 'node 42 tester 20u IPv4 0x1 0t0 TCP 127.0.0.1:18789 (LISTEN)'\necho 'node 42 tester 21u IPv6 0x2 0t0 TCP *:18789 (LISTEN)'",
        );
        write_exec(&bin.join("node"), "echo v20.1.0");
        write_exec(&bin.join("softwareupdate"), "sleep 30");
        write_exec(&bin.join("groups"), "echo tester");
    }
    bin
}

/// Runs a script with `PATH` set to `path` in `cwd`; returns its output, the JSON it wrote and
/// how long it took.
fn run(script: &Path, path: Option<&str>, cwd: &Path) -> (Output, Value, Duration) {
    let result = cwd.join("result.json");
    let _ = std::fs::remove_file(&result);
    let mut command = Command::new("/bin/sh");
    command.arg(script).arg(&result).current_dir(cwd);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let started = Instant::now();
    let output = command.output().unwrap();
    let took = started.elapsed();
    let text = std::fs::read_to_string(&result).unwrap_or_else(|e| {
        panic!(
            "{} wrote no file ({e}): {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    (output, json, took)
}

fn statuses(json: &Value) -> Vec<(String, String)> {
    json["audit"]["results"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["status"].as_str().unwrap().to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}

#[test]
fn every_generated_script_passes_shellcheck() {
    let (_shipped_dir, shipped) = common::shipped_site(&[]);
    let (_dir, audited) = audited_site();
    let all: Vec<PathBuf> = scripts(&shipped).into_iter().chain(scripts(&audited)).collect();
    assert_eq!(
        all.len(),
        6,
        "four shipped checklists and two test ones have audits: {all:?}"
    );
    let result = Command::new("shellcheck")
        .arg("--shell=sh")
        .args(&all)
        .output()
        .expect("shellcheck is installed (tests/run installs it)");
    assert!(
        result.status.success(),
        "shellcheck: {}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn scripts_are_linked_from_their_checklist_and_the_plan_and_served_as_text() {
    let (_dir, out) = common::shipped_site(&[]);
    let headers = std::fs::read_to_string(out.join("_headers")).unwrap();
    for id in ["mac-predeploy", "mac-recovery", "vps-predeploy", "vps-recovery"] {
        assert!(out.join(format!("checklists/{id}/audit.sh")).is_file(), "{id}");
        assert!(
            headers.contains(&format!(
                "/checklists/{id}/audit.sh\n  Content-Type: text/plain; charset=utf-8\n"
            )),
            "{headers}"
        );
        let page = std::fs::read_to_string(out.join(format!("checklists/{id}/index.html"))).unwrap();
        assert!(
            page.contains(&format!(
                "href=\"../../checklists/{id}/audit.sh\" download=\"audit.sh\""
            )),
            "{id}"
        );
    }
    // Checklists without audits get no script and no link.
    for id in ["moltworker-predeploy", "moltworker-recovery"] {
        assert!(!out.join(format!("checklists/{id}/audit.sh")).exists(), "{id}");
        assert!(!headers.contains(&format!("/checklists/{id}/audit.sh")), "{id}");
    }
    let plan = std::fs::read_to_string(out.join("plan/index.html")).unwrap();
    assert_eq!(
        plan.matches("audit.sh\" download=\"audit.sh\">Audit script</a>")
            .count(),
        4
    );
}

#[test]
fn stubs_that_pass_tick_and_stubs_that_fail_do_not() {
    let (dir, out) = audited_site();
    let script = out.join("checklists/stubbed/audit.sh");
    let with_timeout = tools(dir.path(), true);
    let without_timeout = tools(dir.path(), false);
    let pass = stubs(dir.path(), true);
    let fail = stubs(dir.path(), false);

    let (output, json, _) = run(
        &script,
        Some(&format!("{}:{}", pass.display(), with_timeout.display())),
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "no check failed, so exit 0: {stdout}");
    assert_eq!(json["format"], json!("riskguide-checklist"));
    assert_eq!(json["version"], json!(1));
    assert_eq!(json["checklist"], json!("stubbed"));
    assert_eq!(json["site"], json!("example.org"));
    assert_eq!(json["audit"]["host"].as_str().map(|h| !h.is_empty()), Some(true));
    assert_eq!(json["audit"]["system"], json!("linux"));
    assert_eq!(json["audit"]["user"], json!("tester"));
    assert_eq!(json["audit"]["date"], json["exported"]);
    let expected_pass = pairs(&[
        ("filevault", "passed"),
        ("gateway-bind", "passed"),
        ("service", "passed"),
        ("listening", "passed"),
        ("pipeline", "passed"),
        ("slow", "passed"),
        ("with-steps/first", "passed"),
        ("with-steps/second", "passed"),
        ("mac-only", "not-checkable"),
        ("root-only", "needs-root"),
        ("missing-tool", "not-checkable"),
    ]);
    assert_eq!(statuses(&json), expected_pass);
    let done = json!({"done": true});
    assert_eq!(
        json["items"],
        json!({"filevault": done, "gateway-bind": done, "service": done, "listening": done, "pipeline": done, "slow": done})
    );
    assert_eq!(
        json["steps"],
        json!({"with-steps/first": true, "with-steps/second": true})
    );
    assert_eq!(json["progress"], json!({"done": 6, "applicable": 11}));
    // One line per item and step, saying what happened.
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains(": ") && l.contains(" -- "))
            .count(),
        13,
        "{stdout}"
    );
    assert!(stdout.contains("filevault: FileVault is on -- passed"), "{stdout}");
    assert!(
        stdout.contains("root-only: SSH refuses passwords -- needs root"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mac-only: System Integrity Protection is on -- not checkable here: no check for linux"),
        "{stdout}"
    );
    assert!(
        stdout.contains("by-hand: The hardware sits behind a locked door -- not checkable here: check it by hand"),
        "{stdout}"
    );
    assert!(
        stdout.contains("with-steps: Both steps pass -- done when each of its steps is"),
        "{stdout}"
    );

    // The same checks against failing stubs, once with `timeout` and once without.
    for tools in [&with_timeout, &without_timeout] {
        let (output, json, took) = run(
            &script,
            Some(&format!("{}:{}", fail.display(), tools.display())),
            dir.path(),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "a failed check exits 1: {stdout}");
        assert!(
            took < Duration::from_secs(15),
            "the slow check was cut off after 2 s ({took:?})"
        );
        assert_eq!(
            statuses(&json),
            pairs(&[
                ("filevault", "failed"),
                ("gateway-bind", "failed"),
                ("service", "failed"),
                ("listening", "failed"),
                ("pipeline", "failed"),
                ("slow", "failed"),
                ("with-steps/first", "passed"),
                ("with-steps/second", "failed"),
                ("mac-only", "not-checkable"),
                ("root-only", "needs-root"),
                ("missing-tool", "not-checkable"),
            ]),
            "with {}: {}",
            tools.display(),
            json["audit"]["results"]
        );
        assert_eq!(json["items"], json!({}));
        assert_eq!(json["steps"], json!({"with-steps/first": true}));
        assert_eq!(json["progress"], json!({"done": 0, "applicable": 11}));
        let seen = |key: &str| json["audit"]["results"][key]["seen"].as_str().unwrap().to_string();
        assert_eq!(seen("filevault"), "`fdesetup status` printed FileVault is Off.");
        assert_eq!(
            seen("service"),
            "`systemctl is-active fail2ban` exited with 3: inactive",
            "{}: {}",
            tools.display(),
            json["audit"]["results"]
        );
        assert!(
            seen("listening").ends_with("TCP *:18789 (LISTEN)"),
            "{}",
            seen("listening")
        );
        assert_eq!(seen("slow"), "`softwareupdate -l` did not finish in 2 s");
        assert!(
            stdout.contains("filevault: FileVault is on -- FAILED, saw: `fdesetup status` printed FileVault is Off."),
            "{stdout}"
        );
    }
}

#[test]
fn what_a_check_saw_is_escaped_for_json_and_kept_on_one_printable_line() {
    let (dir, out) = audited_site();
    let script = out.join("checklists/stubbed/audit.sh");
    let tools = tools(dir.path(), true);
    let fail = stubs(dir.path(), false);
    // Quotes, backslashes, control characters, non-ASCII bytes and many lines.
    write_exec(
        &fail.join("fdesetup"),
        r#"printf 'a "quoted" \\ back\tslash \033[31mred\033[0m caf\303\251\n'; i=0; while [ $i -lt 50 ]; do echo "line $i"; i=$((i+1)); done"#,
    );
    let (_, json, _) = run(
        &script,
        Some(&format!("{}:{}", fail.display(), tools.display())),
        dir.path(),
    );
    let seen = json["audit"]["results"]["filevault"]["seen"].as_str().unwrap();
    assert!(
        seen.starts_with(
            r#"`fdesetup status` printed a "quoted" \ back slash [31mred [0m caf line 0 line 1 line 2 line 3"#
        ),
        "{seen}"
    );
    assert!(seen.chars().all(|c| (' '..='~').contains(&c)), "{seen:?}");
    assert!(seen.len() < 300, "{}", seen.len());
}

#[test]
fn scripts_run_for_real_on_this_machine() {
    let (dir, out) = audited_site();
    let (output, json, _) = run(&out.join("checklists/real/audit.sh"), None, dir.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        statuses(&json),
        pairs(&[
            ("kernel", "passed"),
            ("root-dir", "passed"),
            ("etc-listed", "passed"),
            ("no-such-file", "failed"),
            ("no-zero-users", "passed"),
        ])
    );
    let done = json!({"done": true});
    assert_eq!(
        json["items"],
        json!({"kernel": done, "root-dir": done, "etc-listed": done, "no-zero-users": done})
    );

    // The shipped guide's scripts: whatever this machine is, each writes a file whose ticks
    // are exactly its passed results, for items of its own checklist.
    let (_shipped_dir, shipped) = common::shipped_site(&[]);
    for script in scripts(&shipped) {
        let (output, json, took) = run(&script, None, dir.path());
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(took < Duration::from_secs(300));
        let id = script.parent().unwrap().file_name().unwrap().to_str().unwrap();
        assert_eq!(json["checklist"], json!(id));
        let results = json["audit"]["results"].as_object().unwrap();
        for (key, result) in results {
            let status = result["status"].as_str().unwrap();
            assert!(
                ["passed", "failed", "needs-root", "not-checkable"].contains(&status),
                "{key}: {status}"
            );
            let ticked = if key.contains('/') {
                json["steps"][key] == json!(true)
            } else {
                json["items"][key] == json!({"done": true})
            };
            assert_eq!(ticked, status == "passed", "{id}: {key}");
        }
        let html = std::fs::read_to_string(script.with_file_name("index.html")).unwrap();
        for key in json["items"].as_object().unwrap().keys() {
            assert!(
                html.contains(&format!("data-item-id=\"{id}/{key}\"")),
                "{key} is an item of {id}"
            );
        }
    }
}

// ---- In Chromium ---------------------------------------------------------------------------

fn open(browser: &Browser, url: &str) {
    browser.goto(url);
    browser.wait_for(
        "var s = document.querySelector('section.checklist'); return !!s && s.classList.contains('is-live');",
        "the checklist script",
    );
}

fn import(browser: &Browser, file: &Path) {
    let id = browser.find("input[data-action=import]");
    browser.cmd(
        "POST",
        &format!("/element/{id}/value"),
        json!({"text": file.to_str().unwrap()}),
    );
    browser.wait_for(
        "return document.querySelector('.checklist-status').textContent.indexOf('Imported') === 0;",
        "the import",
    );
}

fn ticked(browser: &Browser) -> Vec<String> {
    let v = browser.exec(
        "return Array.prototype.filter.call(document.querySelectorAll('section.checklist input[data-item-id]'), \
           function (b) { return b.checked; }).map(function (b) { return b.getAttribute('data-item-id'); });",
        json!([]),
    );
    let mut out: Vec<String> = serde_json::from_value(v).unwrap();
    out.sort();
    out
}

fn note(browser: &Browser, key: &str) -> String {
    browser
        .exec(
            "var b = document.querySelector('input[data-item-id=\"' + arguments[0] + '\"]'); \
             var n = b && b.closest('li').querySelector('.audit-mark'); \
             return n && !n.hidden ? n.textContent : '';",
            json!([key]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn status(browser: &Browser) -> String {
    browser.text(".checklist-status")
}

fn keep(dir: &Path, name: &str, json: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(json).unwrap()).unwrap();
    path
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn audit_files_import_as_ticks_and_a_later_audit_unticks_what_now_fails() {
    let (dir, out) = audited_site();
    let script = out.join("checklists/stubbed/audit.sh");
    let tools = tools(dir.path(), true);
    let (_, passing, _) = run(
        &script,
        Some(&format!("{}:{}", stubs(dir.path(), true).display(), tools.display())),
        dir.path(),
    );
    let passing = keep(dir.path(), "passing.json", &passing);
    let (_, failing, _) = run(
        &script,
        Some(&format!("{}:{}", stubs(dir.path(), false).display(), tools.display())),
        dir.path(),
    );
    let failing_date = failing["audit"]["date"].as_str().unwrap().to_string();
    let failing = keep(dir.path(), "failing.json", &failing);

    let server = StaticServer::start(&out);
    let browser = Browser::start();
    let url = server.url("/checklists/stubbed/");
    open(&browser, &url);
    // A manual tick on an item no audit can check, before any import.
    browser.click("input[data-item-id=\"stubbed/by-hand\"]");

    import(&browser, &passing);
    let expected: Vec<String> = [
        "by-hand",
        "filevault",
        "gateway-bind",
        "listening",
        "pipeline",
        "service",
        "slow",
        "with-steps",
        "with-steps/first",
        "with-steps/second",
    ]
    .iter()
    .map(|k| format!("stubbed/{k}"))
    .collect();
    assert_eq!(
        ticked(&browser),
        expected,
        "passed items and steps ticked, the steps' item rolled up, the manual tick kept"
    );
    let progress = browser.exec(
        "return document.querySelector('[data-progress]').getAttribute('data-progress');",
        json!([]),
    );
    assert_eq!(progress, json!("8/11"));
    assert!(
        note(&browser, "stubbed/filevault").starts_with("Checked by audit on ")
            && note(&browser, "stubbed/filevault").ends_with(": passed."),
        "{}",
        note(&browser, "stubbed/filevault")
    );
    assert!(note(&browser, "stubbed/with-steps/first").contains(": passed."));
    assert_eq!(
        note(&browser, "stubbed/by-hand"),
        "",
        "a manual tick carries no audit mark"
    );
    assert_eq!(
        note(&browser, "stubbed/root-only"),
        "",
        "an unchecked item carries no audit mark"
    );
    assert!(
        status(&browser).contains("8 passed, 0 failed, 3 not checked there"),
        "{}",
        status(&browser)
    );

    // The marks survive a reload.
    open(&browser, &url);
    assert_eq!(ticked(&browser), expected);
    assert!(note(&browser, "stubbed/filevault").contains(": passed."));

    // A later audit that fails unticks, says so, and keeps the manual tick.
    import(&browser, &failing);
    assert_eq!(
        ticked(&browser),
        vec!["stubbed/by-hand".to_string(), "stubbed/with-steps/first".to_string()]
    );
    let said = status(&browser);
    assert!(said.contains("Unticked 7 that now fail"), "{said}");
    assert!(said.contains("filevault"), "{said}");
    let failed = note(&browser, "stubbed/filevault");
    let when = format!("{} {} UTC", &failing_date[..10], &failing_date[11..16]);
    assert!(
        failed.starts_with(&format!("Checked by audit on {when} on ")),
        "{failed}"
    );
    assert!(
        failed.ends_with(": failed; saw \u{201c}`fdesetup status` printed FileVault is Off.\u{201d}."),
        "{failed}"
    );

    // Ticking a failed item by hand makes it manual again: the audit's mark goes.
    browser.click("input[data-item-id=\"stubbed/filevault\"]");
    assert_eq!(note(&browser, "stubbed/filevault"), "");
    let logs = browser.severe_logs();
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn a_real_run_on_this_machine_imports_with_the_ticks_it_reports() {
    let (dir, out) = audited_site();
    let (_, real, _) = run(&out.join("checklists/real/audit.sh"), None, dir.path());
    let file = keep(dir.path(), "real.json", &real);
    let server = StaticServer::start(&out);
    let browser = Browser::start();
    open(&browser, &server.url("/checklists/real/"));
    import(&browser, &file);
    let expected: Vec<String> = ["etc-listed", "kernel", "no-zero-users", "root-dir"]
        .iter()
        .map(|k| format!("real/{k}"))
        .collect();
    assert_eq!(ticked(&browser), expected);
    assert!(
        note(&browser, "real/no-such-file").contains(": failed; saw"),
        "{}",
        note(&browser, "real/no-such-file")
    );

    // And the shipped guide's own script, run here, imports with exactly the ticks it wrote.
    let (_shipped_dir, shipped) = common::shipped_site(&[]);
    let (_, vps, _) = run(&shipped.join("checklists/vps-predeploy/audit.sh"), None, dir.path());
    let file = keep(dir.path(), "vps.json", &vps);
    let server = StaticServer::start(&shipped);
    open(&browser, &server.url("/checklists/vps-predeploy/"));
    import(&browser, &file);
    let mut expected: Vec<String> = vps["items"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("vps-predeploy/{k}"))
        .collect();
    expected.sort();
    assert_eq!(ticked(&browser), expected);
    for (key, result) in vps["audit"]["results"].as_object().unwrap() {
        if result["status"] == json!("failed") {
            assert!(
                note(&browser, &format!("vps-predeploy/{key}")).contains(": failed; saw"),
                "{key}"
            );
        }
    }
}

//! The command line as an author uses it: `new`, `--help`, exit codes.
mod common;

use common::riskguide;

#[test]
fn new_creates_a_guide_that_builds_and_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("guide");
    let created = riskguide(&["new", dir.to_str().unwrap()]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    for file in [
        "site.toml",
        "content/index.md",
        "content/tables/platforms.toml",
        "content/checklists/predeploy.toml",
        "content/questionnaire.toml",
        "templates/page.html",
        "static/css/main.css",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let check = riskguide(&["check", "--root", dir.to_str().unwrap(), "--deny-warnings"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let out = tmp.path().join("out");
    let build = riskguide(&["build", "--root", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    for page in [
        "index.html",
        "risks/exposure/index.html",
        "questionnaire/index.html",
        "checklists/predeploy/index.html",
        "_headers",
    ] {
        assert!(out.join(page).is_file(), "{page} missing");
    }
    let questionnaire = std::fs::read_to_string(dir.join("content/questionnaire.toml")).unwrap();
    assert_eq!(questionnaire.matches("[[question]]").count(), 2);
    // Each platform's page and checklists are declared with it, not in the questionnaire.
    assert!(!questionnaire.contains("[platform."), "{questionnaire}");
    let declared = std::fs::read_to_string(dir.join("content/platforms.toml")).unwrap();
    assert_eq!(declared.matches("page = \"/\"").count(), 2, "{declared}");
    assert_eq!(
        declared.matches("checklists = [\"predeploy\"]").count(),
        2,
        "{declared}"
    );
}

#[test]
fn new_writes_the_platforms_it_is_given_and_the_guide_recommends_each() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("guide");
    let root = dir.to_str().unwrap();
    let created = riskguide(&["new", root, "--platforms", "mac,vps,mw,pi"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let declared = std::fs::read_to_string(dir.join("content/platforms.toml")).unwrap();
    assert_eq!(declared.matches("[[platform]]").count(), 4);
    for id in ["mac", "vps", "mw", "pi"] {
        assert!(
            declared.contains(&format!("id = \"{id}\"")),
            "{id} missing:\n{declared}"
        );
    }
    let check = riskguide(&["check", "--root", root, "--deny-warnings"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    for id in ["mac", "vps", "mw", "pi"] {
        let hosting = format!("hosting={id}");
        let result = riskguide(&[
            "recommend",
            "--root",
            root,
            "--json",
            "--answer",
            &hosting,
            "--answer",
            "data=public",
        ]);
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        let report: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
        assert_eq!(report["platform"], serde_json::json!(id), "{report}");
    }
}

#[test]
fn new_without_platforms_writes_two_generic_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("guide");
    assert!(riskguide(&["new", dir.to_str().unwrap()]).status.success());
    let declared = std::fs::read_to_string(dir.join("content/platforms.toml")).unwrap();
    assert_eq!(declared.matches("[[platform]]").count(), 2, "{declared}");
}

#[test]
fn new_refuses_a_platform_list_it_cannot_build() {
    for (list, says) in [
        ("solo", "1 given; a guide compares 2 to 6 platforms"),
        ("a,b,c,d,e,f,g", "7 given"),
        ("a,a", "named twice"),
        ("Mac,vps", "not a valid platform id"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("guide");
        let result = riskguide(&["new", dir.to_str().unwrap(), "--platforms", list]);
        assert_eq!(result.status.code(), Some(2), "{list}");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(stderr.contains(says), "{list}: {stderr}");
        assert!(!dir.exists(), "{list}: nothing is written");
    }
}

#[test]
fn new_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keep.txt"), "x").unwrap();
    let result = riskguide(&["new", tmp.path().to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn every_command_explains_itself() {
    let top = String::from_utf8(riskguide(&["--help"]).stdout).unwrap();
    for command in ["build", "check", "serve", "recommend", "new"] {
        assert!(top.contains(command), "top-level help lacks {command}");
        let help = riskguide(&[command, "--help"]);
        assert!(help.status.success());
        let text = String::from_utf8(help.stdout).unwrap();
        assert!(
            text.contains("Usage: riskguide") && text.len() > 200,
            "{command} --help is too thin:\n{text}"
        );
    }
    assert!(top.contains("Exit codes"));
}

#[test]
fn usage_errors_exit_2_and_content_errors_exit_1() {
    assert_eq!(
        riskguide(&["build", "--root", "/nonexistent/site"]).status.code(),
        Some(2)
    );
    assert_eq!(riskguide(&["frobnicate"]).status.code(), Some(2));
    let err = common::repo_root().join("tests/fixtures/err/content-errors");
    let check = riskguide(&["check", "--root", err.to_str().unwrap(), "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let errors: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.len() >= 6, "{report}");
    assert!(
        errors
            .iter()
            .all(|d| d["line"].as_u64().unwrap() > 0 && d["path"].as_str().unwrap().starts_with("content/"))
    );
}

#[test]
fn check_deny_warnings_fails_on_warnings() {
    let ok = common::repo_root().join("tests/fixtures/ok/minimal");
    assert!(riskguide(&["check", "--root", ok.to_str().unwrap()]).status.success());
    assert_eq!(
        riskguide(&["check", "--root", ok.to_str().unwrap(), "--deny-warnings"])
            .status
            .code(),
        Some(1)
    );
}

/// The first character of `text` that would drive or disguise a terminal: a control character
/// other than a line break, or a mark that reorders bidirectional text.
fn raw_terminal_character(text: &str) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn content_file_names_and_paths_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let root = common::repo_root();
    for part in ["content", "templates", "static"] {
        common::copy_tree(&root.join(part), &site.join(part));
    }
    std::fs::copy(root.join("site.toml"), site.join("site.toml")).expect("copy");
    // An escape sequence, a terminal title change (OSC) and a right-to-left override, as TOML
    // escapes, in the questionnaire's platform names, option labels and reason texts.
    let hostile = r"\u001b[31m\u001b]0;pwned\u0007\u202e";
    let declared = site.join("content/platforms.toml");
    let platforms = std::fs::read_to_string(&declared)
        .expect("read")
        .replace("name = \"VPS\"", &format!("name = \"VPS{hostile}\""));
    std::fs::write(&declared, platforms).expect("write");
    let path = site.join("content/questionnaire.toml");
    let questionnaire = std::fs::read_to_string(&path)
        .expect("read")
        .replace("label = \"", &format!("label = \"{hostile}"))
        .replace("text = \"", &format!("text = \"{hostile}"));
    std::fs::write(&path, questionnaire).expect("write");
    // An external link whose address holds a right-to-left override, which `check` lists.
    let index = site.join("content/index.md");
    let mut home = std::fs::read_to_string(&index).expect("read");
    home.push_str("\n[A file](https://example.org/\u{202e}gpj.exe)\n");
    std::fs::write(&index, home).expect("write");
    let site_arg = site.to_str().expect("utf-8");

    let out = dir.path().join("out\u{1b}[31m\u{202e}");
    let build = riskguide(&["build", "--root", site_arg, "--out", out.to_str().expect("utf-8")]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(build.status.success(), "{stderr}");
    assert!(
        stderr.contains("built ") && stderr.contains("out\\u{1b}[31m\\u{202e}"),
        "{stderr}"
    );
    assert_eq!(raw_terminal_character(&stderr), None, "build: {stderr}");

    let check = riskguide(&["check", "--root", site_arg]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{stderr}");
    assert!(stderr.contains("https://example.org/\\u{202e}gpj.exe"), "{stderr}");
    assert_eq!(raw_terminal_character(&stderr), None, "check: {stderr}");

    let persona = common::persona("small-clinic");
    let mut args = vec!["recommend".to_string(), "--root".into(), site_arg.into()];
    args.extend(common::answer_args(&persona.answers));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let recommend = riskguide(&args);
    let stdout = String::from_utf8_lossy(&recommend.stdout);
    assert!(
        recommend.status.success(),
        "{}",
        String::from_utf8_lossy(&recommend.stderr)
    );
    assert!(stdout.contains("\\u{1b}]0;pwned\\u{7}"), "{stdout}");
    assert_eq!(raw_terminal_character(&stdout), None, "recommend: {stdout}");
    // A required question left out (the first one) lists the questions and their options,
    // escaped the same way.
    let without_first: Vec<&str> = args[..3].iter().chain(&args[5..]).copied().collect();
    let missing = riskguide(&without_first);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert_eq!(raw_terminal_character(&stderr), None, "recommend: {stderr}");
}

// The memory columns come from /proc.
#[cfg(target_os = "linux")]
#[test]
fn build_timings_list_every_step_in_order_with_its_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let root = common::repo_root();
    let build = common::build_with(&root, &out, &["--timings"]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    let steps = [
        "files listed and read",
        "content loaded, checks before rendering",
        "Markdown rendered, search words indexed",
        "checks across pages",
        "assets and search index written",
        "pages and printable guide written",
        "special files written, output swapped in",
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("step "))
        .expect("a table header");
    let mut total_before = 0u64;
    let mut cpu_sum = 0u64;
    for (line, step) in lines[header + 1..].iter().zip(steps) {
        let numbers = line
            .strip_prefix(step)
            .unwrap_or_else(|| panic!("expected {step}, got {line}"));
        let numbers: Vec<u64> = numbers.split_whitespace().map(|n| n.parse().unwrap()).collect();
        let [_own, cpu, total, resident, peak] = numbers[..] else {
            panic!("five numbers after {step}: {line}")
        };
        cpu_sum += cpu;
        assert!(resident > 0 && peak >= resident, "{line}");
        total_before = total;
    }
    assert_eq!(lines.len(), header + 1 + steps.len(), "{stderr}");
    // The last step ends just before the build's own report of its time, measured apart.
    let built_ms: u64 = lines[..header]
        .iter()
        .find_map(|l| {
            l.strip_prefix("built ")?
                .rsplit_once(" in ")?
                .1
                .strip_suffix(" ms")?
                .parse()
                .ok()
        })
        .expect("the build's time");
    assert!(total_before <= built_ms && built_ms - total_before < 1000, "{stderr}");
    // The CPU time of the steps is in milliseconds too: at most every core busy all along.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    assert!(cpu_sum > 0 && cpu_sum <= total_before * cores + 20, "{stderr}");
    // Without the flag, no table.
    let quiet = common::build(&root, &out);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("total ms"));
}

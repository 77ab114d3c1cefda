//! Every shell command the shipped guide publishes passes shellcheck, and `check` reports a
//! finding at its place in the source. shellcheck is required (tests/run installs it).
mod common;

use common::{copy_tree, repo_root, riskguide};
use riskguide::shell_lint;

fn shellcheck() -> std::path::PathBuf {
    shell_lint::find_shellcheck().expect("shellcheck is required for this test: tests/run installs it")
}

#[test]
fn every_shell_snippet_of_the_shipped_guide_is_clean() {
    let root = repo_root();
    let mut snippets = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("content")).sort_by_file_name() {
        let entry = entry.expect("content is readable");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(&root).expect("inside the root");
        let path = rel.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(entry.path()).expect("utf-8 content");
        snippets.extend(shell_lint::extract(&path, &text));
    }
    // The guide is full of commands; finding few would mean the extraction broke.
    assert!(snippets.len() >= 60, "only {} shell snippets found", snippets.len());
    for path in [
        "content/vps/prevention.md",
        "content/checklists/moltworker-recovery.toml",
    ] {
        assert!(snippets.iter().any(|s| s.path == path), "no snippet found in {path}");
    }
    let findings = shell_lint::lint(&snippets, &shellcheck()).expect("shellcheck runs");
    let listed: Vec<String> = findings
        .iter()
        .map(|d| format!("{}: {}", d.location, d.message))
        .collect();
    assert!(listed.is_empty(), "shellcheck findings:\n{}", listed.join("\n"));
}

#[test]
fn check_reports_a_finding_at_its_line_in_a_page_and_a_checklist() {
    shellcheck();
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_tree(&repo_root().join("tests/fixtures/ok/minimal"), &site);
    let page = "+++\ntitle = \"Bad command\"\n+++\n\nRun this:\n\n```bash\nrm -rf $DIR/cache\n```\n";
    std::fs::write(site.join("content/bad.md"), page).unwrap();
    let checklist = site.join("content/checklists/before.toml");
    let toml = std::fs::read_to_string(&checklist).unwrap();
    // The last item's command gains an unquoted variable; the item's text a command span.
    let toml = toml.replace(
        "code = \"echo two\"",
        "code = \"echo $TWO\"\ndetail = \"Then `cat $FILE`.\"",
    );
    std::fs::write(&checklist, toml).unwrap();
    let result = riskguide(&["check", "--root", site.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("content/bad.md:8:8: error[E110]: shellcheck SC2086"),
        "no located finding:\n{stderr}"
    );
    for located in [
        "content/checklists/before.toml:20:14: error[E110]: shellcheck SC2086",
        "content/checklists/before.toml:21:21: error[E110]: shellcheck SC2086",
    ] {
        assert!(stderr.contains(located), "missing `{located}`:\n{stderr}");
    }
}

#[test]
fn check_warns_once_when_shellcheck_is_missing() {
    let empty = tempfile::tempdir().unwrap();
    let root = repo_root();
    let result = std::process::Command::new(common::bin())
        .args(["check", "--root", root.to_str().unwrap()])
        .env("PATH", empty.path())
        .output()
        .expect("riskguide runs");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("warning[W110]").count(), 1, "{stderr}");
    assert!(stderr.contains("shell snippet(s) were not linted"), "{stderr}");
}

//! Each kind of page has its own view: a template sees the fields every page has and those of
//! its kind, nothing else; templates written when every page had every field keep working.
mod common;

use std::path::{Path, PathBuf};

/// The shipped guide copied into a temp dir, so its templates can be changed.
fn shipped_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let repo = common::repo_root();
    for part in ["content", "static", "strings", "templates"] {
        common::copy_tree(&repo.join(part), &site.join(part));
    }
    std::fs::copy(repo.join("site.toml"), site.join("site.toml")).expect("copy site.toml");
    (dir, site)
}

fn build(site: &Path, out: &Path) -> std::process::Output {
    common::riskguide(&[
        "build",
        "--root",
        site.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ])
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read template");
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write template");
}

#[test]
fn a_template_reading_a_field_of_another_kind_is_an_error_at_its_line() {
    let (dir, site) = shipped_copy();
    // `toc` belongs to content pages; a checklist's page has none.
    edit(
        &site.join("templates/checklist.html"),
        "{% block main %}",
        "{% block main %}{{ toc|length }}",
    );
    let result = build(&site, &dir.path().join("public"));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "the build passed: {stderr}");
    assert!(
        stderr.contains("error[E082]") && stderr.contains("`toc` is undefined") && stderr.contains("checklist.html"),
        "{stderr}"
    );
}

#[test]
fn a_base_template_written_when_every_page_had_every_field_builds_the_same_site() {
    let (dir, site) = shipped_copy();
    let now = build(&site, &dir.path().join("now"));
    assert!(now.status.success(), "{}", String::from_utf8_lossy(&now.stderr));
    // The test base.html made before each kind had its own view: it read the checklist fields
    // of every kind on every page.
    let base = site.join("templates/base.html");
    let text = std::fs::read_to_string(&base).expect("read base.html");
    let at = text.find("{{ style(\"main\") }}").expect("base.html links main.css");
    let earlier = format!(
        "{}{}{}",
        &text[..at],
        "{% set shows_checklists = checklist or embedded_checklists or checklists|selectattr(\"html\")|list %}\n",
        &text[at..]
    );
    std::fs::write(&base, earlier).expect("write base.html");
    let then = build(&site, &dir.path().join("then"));
    assert!(then.status.success(), "{}", String::from_utf8_lossy(&then.stderr));
    let pages_now = common::html_files(&dir.path().join("now"));
    let pages_then = common::html_files(&dir.path().join("then"));
    assert_eq!(pages_now.len(), pages_then.len());
    let shows_checklists = pages_now
        .iter()
        .filter(|(_, html)| html.contains("/checklist."))
        .count();
    assert!(shows_checklists > 0, "no page links the checklist files");
    for ((path, a), (_, b)) in pages_now.iter().zip(&pages_then) {
        assert!(a == b, "{path} differs");
    }
}

//! Fixture sites: `tests/fixtures/ok/*` build, and their whole output is snapshotted;
//! `tests/fixtures/err/*` fail, and their diagnostics are snapshotted.
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = common::repo_root().join("tests/fixtures").join(kind);
    let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    list.sort();
    list
}

/// Every file of an output tree: path → text (binary files by size).
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(entry.path()).unwrap();
            let shown = String::from_utf8(bytes.clone()).unwrap_or_else(|_| format!("<{} bytes>", bytes.len()));
            files.insert(rel, shown);
        }
    }
    files
}

fn build(root: &Path, out: &Path) -> std::process::Output {
    common::riskguide(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn ok_fixtures_build_and_match_their_snapshots() {
    for site in fixtures("ok") {
        let name = site.file_name().unwrap().to_string_lossy().to_string();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let result = build(&site, &out);
        assert!(
            result.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let mut snapshot = String::new();
        for (path, text) in tree(&out) {
            // The search index repeats the pages' text; its presence is enough here.
            let index = ["assets/search.", "assets/search-shard.", "assets/search-page"];
            if index[1..].iter().any(|p| path.starts_with(p)) {
                continue;
            }
            let shown = if path.starts_with(index[0]) {
                "<search index>".to_string()
            } else {
                text
            };
            snapshot.push_str(&format!("=== {path}\n{shown}\n"));
        }
        insta::assert_snapshot!(format!("ok_{name}"), snapshot);
    }
}

#[test]
fn err_fixtures_report_every_problem_at_once() {
    for site in fixtures("err") {
        let name = site.file_name().unwrap().to_string_lossy().to_string();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let result = build(&site, &out);
        assert_eq!(result.status.code(), Some(1), "{name} must fail with exit 1");
        assert!(!out.exists(), "{name}: a failed build wrote output");
        let stderr = String::from_utf8_lossy(&result.stderr).replace(out.to_str().unwrap(), "[OUT]");
        insta::assert_snapshot!(format!("err_{name}"), stderr);
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let site = common::repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(build(&site, &a).status.success());
    assert!(build(&site, &b).status.success());
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, text) in &ta {
        assert!(text == &tb[path], "{path} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir(&site).unwrap();
    common::copy_tree(&common::repo_root().join("tests/fixtures/ok/minimal"), &site);
    let out = tmp.path().join("public");
    assert!(build(&site, &out).status.success());
    let before = tree(&out);
    // Break the page that comes last in reading order.
    std::fs::write(
        site.join("content/guide/risky.md"),
        "+++\ntitle = \"Risky\"\nweight = 2\n+++\n\n[gone](/gone/)\n",
    )
    .unwrap();
    let result = build(&site, &out);
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("content/guide/risky.md:6:1: error[E042]"));
    assert_eq!(before, tree(&out), "the previous output changed");
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "site" && n != "public")
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn refuses_to_replace_a_directory_it_did_not_create() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let result = build(&common::repo_root().join("tests/fixtures/ok/minimal"), &out);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("did not create"));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "keep me");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
}

#[test]
fn links_are_relative_so_the_site_works_under_a_path_prefix_and_from_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    assert!(
        build(&common::repo_root().join("tests/fixtures/ok/path-prefix"), &out)
            .status
            .success()
    );
    let page = std::fs::read_to_string(out.join("guide/risky/index.html")).unwrap();
    assert!(page.contains("href=\"../../\""), "{page}");
    assert!(page.contains("href=\"../../assets/main."), "{page}");
    let headers = std::fs::read_to_string(out.join("_headers")).unwrap();
    assert!(headers.contains("/guide/assets/*"), "{headers}");
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://example.org/guide/guide/risky/</loc>"),
        "{sitemap}"
    );
    // No page links with a leading slash: every internal link is relative.
    for (path, text) in tree(&out) {
        if path.ends_with(".html") && path != "404.html" {
            assert!(
                !text.contains("href=\"/") && !text.contains("src=\"/"),
                "{path} has a root-relative link"
            );
        }
    }
}

#[test]
fn the_one_build_opens_from_disk_and_the_old_offline_flag_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = common::repo_root().join("tests/fixtures/ok/minimal");
    let build = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let mut args = vec![
            "build",
            "--root",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let result = common::riskguide(&args);
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        common::html_files(&out)
    };
    let plain = build("plain", &[]);
    let page = &plain
        .iter()
        .find(|(path, _)| path == "index.html")
        .expect("a home page")
        .1;
    // No integrity attributes: Chromium refuses integrity-checked files from file:// URLs.
    assert!(page.contains("stylesheet") && !page.contains("integrity"), "{page}");
    assert_eq!(plain, build("offline", &["--offline"]));
}

//! The shipped guide builds with no errors and no warnings.
mod common;

#[test]
fn shipped_guide_checks_clean() {
    let root = common::repo_root();
    let out = common::riskguide(&["check", "--root", root.to_str().unwrap(), "--deny-warnings"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

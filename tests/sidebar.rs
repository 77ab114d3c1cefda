//! The sidebar marks the page being read, and only it: a section is written once per depth
//! and each page swaps in its own link, which must give exactly what writing the whole
//! section for that page gives.
mod common;

use common::html::tags;
use std::path::{Path, PathBuf};

/// The sidebar's markup, if the page has one.
fn sidebar(html: &str) -> Option<&str> {
    let start = html.find("<nav class=\"sidebar\"")?;
    let end = start + html[start..].find("</nav>")?;
    Some(&html[start..end])
}

/// The shipped site copied to a temp dir, so its templates can be changed.
fn site_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = common::repo_root();
    for part in ["content", "templates", "static"] {
        common::copy_tree(&root.join(part), &dir.path().join(part));
    }
    std::fs::copy(root.join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn build(root: &Path) -> PathBuf {
    let out = root.join("public");
    let result = common::riskguide(&[
        "build",
        "--root",
        root.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    out
}

/// Where a relative link on the page at `page` (a path like `vps/risks/index.html`) leads.
fn resolve(page: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for segment in href.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn each_page_marks_its_own_link_and_no_other() {
    let (_tmp, out) = common::shipped_site(&[]);
    let mut in_sections = 0;
    for (path, html) in common::html_files(&out) {
        let Some(nav) = sidebar(&html) else { continue };
        let current: Vec<String> = tags(nav)
            .0
            .into_iter()
            .filter(|t| t.name == "a" && t.attrs.iter().any(|(k, v)| k == "aria-current" && v == "page"))
            .filter_map(|t| t.attrs.into_iter().find(|(k, _)| k == "href").map(|(_, v)| v))
            .collect();
        assert!(current.len() <= 1, "{path}: more than one current link: {current:?}");
        let own = path.trim_end_matches("index.html").trim_end_matches('/');
        for href in &current {
            assert_eq!(resolve(&path, href), own, "{path}: {href} is marked current");
        }
        // Every page of the platform sections is in the sidebar, so it finds itself there.
        if ["mac-mini/", "vps/", "moltworker/"].iter().any(|s| path.starts_with(s)) {
            assert_eq!(current.len(), 1, "{path}: its own link is not marked");
            in_sections += 1;
        }
    }
    assert!(
        in_sections >= 15,
        "only {in_sections} pages of the platform sections were found"
    );
}

#[test]
fn a_section_template_that_writes_links_itself_gives_the_same_pages() {
    let (_tmp, root) = site_copy();
    let swapped = build(&root);
    let swapped_pages = common::html_files(&swapped);
    std::fs::rename(&swapped, root.join("swapped")).expect("move the first build");
    // The same markup, with each child's link written inline and no nav-link.html: there is no
    // `child.html` to swap, so each page writes its open section whole.
    let templates = root.join("templates");
    let link = std::fs::read_to_string(templates.join("nav-link.html")).expect("nav-link.html");
    let link_markup = link.lines().filter(|l| !l.starts_with("{#")).collect::<String>();
    let section = std::fs::read_to_string(templates.join("nav-section.html")).expect("nav-section.html");
    assert!(section.contains("{{ child.html|safe }}"), "{section}");
    let inline = section.replace("{{ child.html|safe }}", &link_markup.replace("link.", "child."));
    std::fs::write(templates.join("nav-section.html"), inline).expect("write");
    std::fs::remove_file(templates.join("nav-link.html")).expect("remove nav-link.html");
    let whole = common::html_files(&build(&root));
    assert_eq!(swapped_pages.len(), whole.len());
    let mut differing = Vec::new();
    for ((path, a), (_, b)) in swapped_pages.iter().zip(&whole) {
        if a != b {
            differing.push(path.clone());
        }
    }
    assert!(differing.is_empty(), "pages differ: {differing:?}");
    assert!(
        swapped_pages
            .iter()
            .any(|(_, html)| html.contains("aria-current=\"page\""))
    );
}

#[test]
fn a_sidebar_written_from_the_nav_data_gives_the_same_pages() {
    let (_tmp, root) = site_copy();
    let written = common::html_files(&build(&root));
    std::fs::rename(root.join("public"), root.join("written")).expect("move the first build");
    // The sidebar as a template would write it from `nav`, the sections as data, instead of
    // printing `nav_html`: each section through a copy of nav-section.html with the links
    // written inline. (The empty string keeps the line break after the loop, which the
    // environment's `trim_blocks` would take.)
    let templates = root.join("templates");
    let link = std::fs::read_to_string(templates.join("nav-link.html")).expect("nav-link.html");
    let link_markup = link.lines().filter(|l| !l.starts_with("{#")).collect::<String>();
    let section = std::fs::read_to_string(templates.join("nav-section.html")).expect("nav-section.html");
    let inline = section.replace("{{ child.html|safe }}", &link_markup.replace("link.", "child."));
    std::fs::write(templates.join("nav-section-data.html"), inline).expect("write");
    let base = std::fs::read_to_string(templates.join("base.html")).expect("base.html");
    assert!(base.contains("{{ nav_html|safe }}"), "{base}");
    let from_data = base.replace(
        "{{ nav_html|safe }}",
        "{% for section in nav %}{% if not loop.first %}{{ \"\\n\" }}{% endif %}\
         {% include \"nav-section-data.html\" %}{% endfor %}{{ \"\" }}",
    );
    std::fs::write(templates.join("base.html"), from_data).expect("write base.html");
    let from_data = common::html_files(&build(&root));
    assert_eq!(written.len(), from_data.len());
    let differing: Vec<&String> = written
        .iter()
        .zip(&from_data)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((path, _), _)| path)
        .collect();
    assert!(differing.is_empty(), "pages differ: {differing:?}");
    // Open sections and current links are in the data too, not only closed sections.
    let page = &from_data
        .iter()
        .find(|(path, _)| path.ends_with("moltworker/egress/index.html"))
        .expect("the egress page")
        .1;
    let nav = sidebar(page).expect("a sidebar");
    assert!(
        nav.contains("class=\"open\"") && nav.contains("aria-current=\"page\""),
        "{nav}"
    );
}

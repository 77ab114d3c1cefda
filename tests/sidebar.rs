//! The sidebar marks the page being read, and only it: a section is written once per depth
//! and each page swaps in its own link, which must give exactly what writing the whole
//! section for that page gives. A guide with more than 100 sections lists them a group at a
//! time.
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

/// Builds the guide at `root`, then again with `base.html` writing the sidebar from `nav`, the
/// sections as data, instead of printing `nav_html`; asserts both builds give the same pages
/// and returns them.
fn assert_nav_data_gives_the_same_pages(root: &Path) -> Vec<(String, String)> {
    let written = common::html_files(&build(root));
    std::fs::rename(root.join("public"), root.join("written")).expect("move the first build");
    // Each section goes through a copy of nav-section.html with the links written inline.
    // (The empty string keeps the line break after the loop, which the environment's
    // `trim_blocks` would take.)
    let templates = root.join("templates");
    let read = |name: &str| std::fs::read_to_string(templates.join(name)).expect(name);
    let link = read("nav-link.html");
    let link_markup = link.lines().filter(|l| !l.starts_with("{#")).collect::<String>();
    let section = read("nav-section.html");
    let inline = section.replace("{{ child.html|safe }}", &link_markup.replace("link.", "child."));
    std::fs::write(templates.join("nav-section-data.html"), inline).expect("write");
    let base = read("base.html");
    assert!(base.contains("{{ nav_html|safe }}"), "{base}");
    let from_data = base.replace(
        "{{ nav_html|safe }}",
        "{% for section in nav %}{% if not loop.first %}{{ \"\\n\" }}{% endif %}\
         {% include \"nav-section-data.html\" %}{% endfor %}{{ \"\" }}",
    );
    std::fs::write(templates.join("base.html"), from_data).expect("write base.html");
    let from_data = common::html_files(&build(root));
    assert_eq!(written.len(), from_data.len());
    let differing: Vec<&String> = written
        .iter()
        .zip(&from_data)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((path, _), _)| path)
        .collect();
    assert!(
        differing.is_empty(),
        "{} pages differ, among them {:?}",
        differing.len(),
        &differing[..differing.len().min(5)]
    );
    from_data
}

#[test]
fn a_sidebar_written_from_the_nav_data_gives_the_same_pages() {
    let (_tmp, root) = site_copy();
    let from_data = assert_nav_data_gives_the_same_pages(&root);
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

/// The hrefs and texts of the sidebar's top-level entries (sections and groups), in order,
/// and whether each is open.
fn sidebar_entries(nav: &str) -> Vec<(String, String, bool)> {
    let list = &nav[nav.find("<ul class=\"nav-sections\">").expect("the section list")..];
    let mut entries = Vec::new();
    let mut depth = 0;
    let mut rest = list;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if rest.starts_with("<ul") {
            depth += 1;
        } else if rest.starts_with("</ul") {
            depth -= 1;
        } else if depth == 1 && rest.starts_with("<li") {
            let open = rest.starts_with("<li class=\"open\"");
            let a = rest.find("<a href=\"").expect("an entry's link") + 9;
            let href = &rest[a..a + rest[a..].find('"').expect("end of href")];
            let text_at = a + rest[a..].find('>').expect("end of <a>") + 1;
            let text = &rest[text_at..text_at + rest[text_at..].find("</a>").expect("</a>")];
            entries.push((href.to_string(), common::html::decode_entities(text), open));
        }
        rest = &rest[1..];
    }
    entries
}

#[test]
fn a_guide_with_more_sections_than_a_sidebar_lists_shows_its_own_group_and_one_link_per_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    common::copy_tree(&common::repo_root().join("tests/fixtures/ok/minimal"), &root);
    // The shipped templates and assets, which have the sidebar, instead of the fixture's bare ones.
    for part in ["templates", "static"] {
        std::fs::remove_dir_all(root.join(part)).expect("remove the fixture's");
        common::copy_tree(&common::repo_root().join(part), &root.join(part));
    }
    // 250 sections after the fixture's own: 251 in all, so three groups of 84, 84 and 83. The
    // titles hold markup, to be escaped once, and a `{last}`, to be left as it is.
    let title = |n: usize| format!("Part {n} & <more> {{last}}");
    for n in 1..=250 {
        let section = root.join(format!("content/part-{n:03}"));
        std::fs::create_dir_all(&section).expect("mkdir");
        let landing = format!("+++\ntitle = \"{}\"\nweight = {}\n+++\n\nPart {n}.\n", title(n), 10 + n);
        std::fs::write(section.join("index.md"), landing).expect("write");
        std::fs::write(
            section.join("page.md"),
            format!("+++\ntitle = \"Page of part {n}\"\n+++\n\nText.\n"),
        )
        .expect("write");
    }
    let pages = assert_nav_data_gives_the_same_pages(&root);
    let nav_of = |path: &str| {
        let html = &pages
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path}"))
            .1;
        sidebar(html).expect("a sidebar").to_string()
    };

    // A page of part 150, in the second group (parts 84 to 167): the overview, the first
    // group as one link, the second group's 84 sections with its own open, the third group.
    let page = "part-150/page/index.html";
    let nav = nav_of(page);
    let entries = sidebar_entries(&nav);
    let texts: Vec<&str> = entries.iter().map(|(_, text, _)| text.as_str()).collect();
    assert_eq!(entries.len(), 1 + 1 + 84 + 1, "{:?}", &texts[..texts.len().min(8)]);
    assert_eq!(texts[1], format!("The guide – {}", title(83)));
    assert_eq!(texts[2], title(84));
    assert_eq!(texts[85], title(167));
    assert_eq!(texts[86], format!("{} – {}", title(168), title(250)));
    assert_eq!(resolve(page, &entries[1].0), "guide");
    assert_eq!(resolve(page, &entries[86].0), "part-168");
    let open: Vec<&str> = entries.iter().filter(|e| e.2).map(|e| e.1.as_str()).collect();
    assert_eq!(open, [title(150)]);
    assert!(nav.contains("aria-current=\"page\""), "the page's own link is marked");
    assert_eq!(
        nav.matches("<li class=\"group\">").count(),
        2,
        "group entries are marked as such"
    );
    // Escaped once, in group links as in section links.
    assert!(nav.contains("Part 168 &amp; &lt;more&gt; {last} – Part 250 &amp; &lt;more&gt; {last}"));
    assert!(!nav.contains("<more>") && !nav.contains("&amp;amp;"), "{nav}");

    // Every page lists its own group: the home page and the pages outside any section the
    // first; the pages of a section that section's group, with that section open.
    let home = sidebar_entries(&nav_of("index.html"));
    assert_eq!(home[1].1, "The guide");
    assert_eq!(home.len(), 1 + 84 + 2);
    let mut listed = std::collections::BTreeSet::new();
    for (path, html) in &pages {
        let Some(nav) = sidebar(html) else { continue };
        let entries = sidebar_entries(nav);
        let expected = match path.strip_prefix("part-").and_then(|p| p.get(..3)) {
            Some(n) if n.parse::<usize>().expect("a part number") >= 168 => 1 + 2 + 83,
            _ => 1 + 84 + 2,
        };
        assert_eq!(entries.len(), expected, "{path}");
        if let Some(n) = path.strip_prefix("part-").and_then(|p| p.get(..3)) {
            let open: Vec<String> = entries.iter().filter(|e| e.2).map(|e| resolve(path, &e.0)).collect();
            assert_eq!(open, [format!("part-{n}")], "{path}");
        }
        for (href, text, _) in entries {
            if !text.contains(" – ") {
                listed.insert(resolve(path, &href));
            }
        }
    }
    // Every section is listed in some sidebar.
    assert_eq!(
        listed.iter().filter(|s| s.starts_with("part-")).count(),
        250,
        "{listed:?}"
    );
    assert!(listed.contains("guide"));

    // A generated page (its sidebar written whole) lists what a content page at its depth in
    // the same group lists (its sidebar cut from the shared one).
    let strip = |entries: Vec<(String, String, bool)>| -> Vec<(String, String)> {
        entries.into_iter().map(|(href, text, _)| (href, text)).collect()
    };
    assert_eq!(
        strip(sidebar_entries(&nav_of("checklists/index.html"))),
        strip(sidebar_entries(&nav_of("part-001/index.html")))
    );
}

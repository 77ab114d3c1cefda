//! The renderer's units: ids, links, embeds, limits, tables, relocation and escaping.

use super::ids::{Ids, unique_id};
use super::*;
use crate::model::AnchorIndex;
use std::collections::BTreeMap;

/// Fails with the whole HTML when `wanted` is not in it.
fn assert_has(html: &str, wanted: &str) {
    assert!(html.contains(wanted), "{wanted} missing from {html}");
}

fn with_ctx<T>(f: impl FnOnce(&Context) -> T) -> T {
    let routes = [Route::new("/"), Route::new("/a/")].into_iter().collect();
    let mut anchors = AnchorIndex::new();
    anchors.insert(Route::new("/a/"), ["x".to_string()].into_iter().collect());
    let statics = ["images/d.svg".to_string()].into_iter().collect();
    let unchecked = BTreeSet::new();
    let resolver = LinkResolver {
        routes: &routes,
        unchecked: &unchecked,
        anchors: &anchors,
        static_files: &statics,
    };
    let highlighter = Highlighter::new();
    let embed = |kind: EmbedKind, id: &str, _: &Route| {
        (kind == EmbedKind::Table && id == "t").then(|| "<table-here>".to_string())
    };
    let reserved = ["main".to_string(), "questionnaire-rules".to_string()]
        .into_iter()
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
    let (templates, _) = crate::render::load(&root.join("templates"), &root, "en").unwrap();
    let markup = |piece: &Markup| templates.markup(piece);
    f(&Context {
        resolver: &resolver,
        highlighter: &highlighter,
        embed: &embed,
        markup: &markup,
        reserved_ids: &reserved,
    })
}

fn page(md: &str) -> Rendered {
    with_ctx(|ctx| {
        render(
            &Source {
                path: "content/p.md",
                file_text: md,
                offset: 0,
                markdown: md,
            },
            &Route::new("/"),
            ctx,
        )
    })
}

#[test]
fn finds_the_bold_words_opening_each_headings_first_paragraph() {
    let md = "## A {#a}\n\n**High.** Words.\n\n## B\n\nPlain **not a lead-in**.\n\n## C\n\n- **List.**\n\n## `D`\n\n**Not `rated`.**\n";
    let found = heading_lead_ins(md);
    let words: Vec<Option<&str>> = found.iter().map(|f| f.as_ref().map(|(w, _)| w.as_str())).collect();
    assert_eq!(words, [Some("High."), None, None, Some("Not rated.")]);
    let (_, at) = found[0].as_ref().unwrap();
    assert!(md[*at..].starts_with("**High.**"));
    assert_eq!(found.len(), outline(md, &BTreeSet::new()).len());
}

#[test]
fn relocated_html_keeps_its_links_and_prefixes_its_ids() {
    let md = "## Keys\n\nSee [home](/), [x](/a/#x), [out](https://example.org/a/b) and \
              [mail](mailto:a@example.org).\n\n![d](/images/d.svg)\n\n\
              ```toml\nhref = \"#x\" # id=\"y\"\n```\n";
    let from = Route::new("/a/");
    let html = with_ctx(|ctx| {
        let source = Source {
            path: "content/a.md",
            file_text: md,
            offset: 0,
            markdown: md,
        };
        render(&source, &from, ctx).html
    });
    assert!(html.contains("href=\"../\""), "{html}");
    let moved = relocate(&html, &from, &Route::new("/x/y/"), "p-");
    for expected in [
        "<h2 id=\"p-keys\">",
        "href=\"#p-keys\"",
        "href=\"../../\"",
        "href=\"#p-x\"",
        "href=\"https://example.org/a/b\"",
        "href=\"mailto:a@example.org\"",
        "src=\"../../images/d.svg\"",
    ] {
        assert!(moved.contains(expected), "{expected} missing from {moved}");
    }
    // Code is text: what looks like an attribute there stays as it was.
    let code = |h: &str| h[h.find("<pre").unwrap()..].to_string();
    assert_eq!(code(&moved), code(&html));
    assert!(code(&html).contains("id=\"y\""), "{html}");
    // From the root page, where links carry no way back up.
    let root_html = page("[x](/a/#x) [here](/)").html;
    let moved = relocate(&root_html, &Route::new("/"), &Route::new("/print/"), "p-");
    assert!(
        moved.contains("href=\"../a/#x\"") && moved.contains("href=\"../\""),
        "{moved}"
    );
}

#[test]
fn headings_get_ids_anchor_links_and_a_toc() {
    let r = page("## Bad fits\n\n## Bad fits\n\n### Why {#why}\n");
    // The heading's text is its own link: read once, not "Bad fits, link to Bad fits".
    assert_has(
        &r.html,
        "<h2 id=\"bad-fits\"><a class=\"heading-link\" href=\"#bad-fits\">Bad fits</a></h2>",
    );
    // A heading holding a link (or a footnote mark, also a link) gets no self-link: links
    // do not nest.
    let noted = page("## Noted[^n]\n\n[^n]: A note.\n");
    assert!(!noted.html.contains("heading-link"), "{}", noted.html);
    let linked = page("## See [x](/a/#x)\n");
    assert!(
        linked.html.contains("<h2 id=\"see-x\">See <a href=") && !linked.html.contains("heading-link"),
        "{}",
        linked.html
    );
    assert!(r.html.contains("id=\"bad-fits-1\""));
    assert_eq!(
        r.toc.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["bad-fits", "bad-fits-1", "why"]
    );
    assert_eq!(
        outline("## Bad fits\n\n## Bad fits\n\n### Why {#why}\n", &BTreeSet::new()),
        r.toc
    );
}

#[test]
fn content_never_takes_an_id_of_the_templates_or_scripts() {
    let md = "## Main\n\n## Rules {#questionnaire-rules}\n\nSee[^main] and[^Main].\n\n[^main]: A note.\n";
    let r = page(md);
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.code == "E051").collect();
    assert_eq!(errors.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(errors[0].location.line, 3);
    assert_has(&r.html, "<h2 id=\"main-1\">");
    assert_has(&r.html, "<h2 id=\"rules\">");
    assert!(
        !r.html.contains("id=\"main\"") && !r.html.contains("id=\"questionnaire-rules\""),
        "{}",
        r.html
    );
    assert!(
        r.html.contains("id=\"fn:main\"") && r.html.contains("href=\"#fn:main\""),
        "{}",
        r.html
    );
    let reserved: BTreeSet<String> = ["main".to_string(), "questionnaire-rules".to_string()]
        .into_iter()
        .collect();
    let ids: Vec<String> = outline(md, &reserved).into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["main-1", "rules"]);
    // A footnote defined twice still gives the page each id once.
    let twice = page("x[^a] y[^A]\n\n[^a]: one\n\n[^a]: two\n\n[^A]: three\n");
    assert_eq!(crate::render::duplicate_id(&twice.html), None, "{}", twice.html);
}

#[test]
fn raw_html_becomes_text_with_a_warning() {
    let r = page("Hi <img src=x onerror=alert(1)>\n\n<script>alert(1)</script>\n");
    assert!(!r.html.contains("<img"), "{}", r.html);
    assert!(!r.html.contains("<script"), "{}", r.html);
    assert!(r.diagnostics.iter().any(|d| d.code == "W020" && d.location.line == 1));
}

#[test]
fn links_are_checked_and_made_relative() {
    let r = page("[ok](/a/#x) [bad](/a/#y)\n\n[js](JavaScript:alert(1))\n");
    assert_has(&r.html, "href=\"a/#x\"");
    let errors: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.location.line, d.message.clone()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(!r.html.to_ascii_lowercase().contains("javascript"), "{}", r.html);
}

#[test]
fn heading_attributes_other_than_id_and_class_are_dropped() {
    let r = page("## Hi {#hi .big onmouseover=alert(1)}\n");
    assert!(!r.html.contains("onmouseover"), "{}", r.html);
    assert!(r.diagnostics.iter().any(|d| d.code == "W021"));
}

#[test]
fn embeds_swap_fenced_blocks() {
    let r = page("```table\nt\n```\n\n```checklist\nnope\n```\n");
    assert!(r.html.contains("<table-here>"));
    assert!(r.diagnostics.iter().any(|d| d.code == "E050" && d.location.line == 5));
}

#[test]
fn the_streaming_escaper_matches_escape_attr() {
    for text in ["", "plain", "a<b>&\"c'd", "<<&&>>", "\u{e9}t\u{e9} <\u{1f600}>", "'\""] {
        let mut written = String::new();
        write_escaped_attr(&mut written, text).unwrap();
        assert_eq!(written, escape_attr(text));
    }
    assert_eq!(escape_text("a<'\">&"), "a&lt;'\"&gt;&amp;");
}

#[test]
fn code_samples_keep_the_first_block_of_each_language() {
    let mut samples = BTreeMap::new();
    code_samples(
        "```bash\none\n```\n\n```table\nt\n```\n\n```toml\na = 1\n```\n\n```bash\ntwo\n```\n\n```\nplain\n```\n",
        &mut samples,
    );
    let found: Vec<(&str, &str)> = samples.iter().map(|(l, c)| (l.as_str(), c.as_str())).collect();
    assert_eq!(found, [("bash", "one\n"), ("toml", "a = 1\n")]);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let r = page(&">".repeat(10_000));
    assert!(r.diagnostics.iter().any(|d| d.code == "E052"));
    for deep in [
        "1. ".repeat(100),
        format!("{}x", "- ".repeat(100)),
        "1) > ".repeat(50),
        format!("[^a]: {}x", "> ".repeat(100)),
        // Past a fence's end, markers count again.
        format!("```\ncode\n```\n{}x\n", "> ".repeat(100)),
    ] {
        assert!(matches!(refuse(&deep), Some(Refusal::Nesting(_))), "{deep}");
    }
    // Nesting that indentation alone builds is measured on the parser's events.
    let indented: String = (0..100).map(|n| format!("{}- x\n", "  ".repeat(n))).collect();
    assert!(refuse(&indented).is_none());
    let r = page(&indented);
    assert!(
        r.diagnostics.iter().any(|d| d.code == "E052" && d.location.line == 65),
        "{:?}",
        r.diagnostics
    );
    // What only looks deep: a year, a rule of dashes, a deeply indented code line.
    for fine in [
        "2024 was a year\n1. one\n   2. two\n".to_string(),
        format!("Text\n\n{}\n", "-".repeat(70)),
        format!("```yaml\n{}a: 1\n```\n", " ".repeat(140)),
        format!("- a\n\n  ```yaml\n  {}a: 1\n  ```\n", " ".repeat(140)),
        format!("~~~~text\n{}quoted mail\n```\n~~~\n~~~~\n", "> ".repeat(100)),
        format!("> ```\n> {}x\n> ```\n", "- ".repeat(100)),
    ] {
        assert!(refuse(&fine).is_none(), "{fine}");
        assert!(!page(&fine).diagnostics.has_errors(), "{fine}");
    }
}

#[test]
fn pages_past_the_element_budget_are_refused_before_parsing() {
    let list = format!("Intro\n\n{}", "- a\n".repeat(MAX_ELEMENTS + 10));
    let r = page(&list);
    let e: Vec<_> = r.diagnostics.iter().filter(|d| d.code == "E054").collect();
    assert_eq!(e.len(), 1, "{:?}", r.diagnostics);
    // One element for "Intro", two per item (its line and its marker): the item past the
    // budget is on this line.
    assert_eq!(e[0].location.line, MAX_ELEMENTS / 2 + 2);
    assert!(r.html.is_empty());
    let cells = format!("|{}\n", "a|".repeat(MAX_ELEMENTS));
    assert!(matches!(refuse(&cells), Some(Refusal::Elements(0))));
    let prose = "Plain words of a long page, with a [link](/a/) or two.\n\n".repeat(20_000);
    assert!(refuse(&prose).is_none());
    let headings = "## A heading\n\n".repeat(MAX_HEADINGS + 1);
    assert!(matches!(refuse(&headings), Some(Refusal::Headings(_))));
    let setext = "A heading\n---\n\n".repeat(MAX_HEADINGS + 1);
    assert!(matches!(refuse(&setext), Some(Refusal::Headings(_))));
    assert!(refuse(&"## A heading\n\n".repeat(MAX_HEADINGS)).is_none());
}

#[test]
fn unique_ids_match_a_plain_search_in_linear_time() {
    let search = |base: String, used: &mut BTreeSet<String>| {
        let mut id = base.clone();
        let mut n = 1;
        while used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        used.insert(id.clone());
        id
    };
    let bases = ["a", "a", "a-1", "a", "b", "a-2", "a", "a-1", "a-1-1", "a"];
    let mut ids = Ids::default();
    let mut used = BTreeSet::new();
    for base in bases {
        assert_eq!(unique_id(base.into(), &mut ids), search(base.into(), &mut used));
    }
    let many = page(&"## Same\n\n".repeat(20_000));
    assert_eq!(many.toc.last().map(|h| h.id.as_str()), Some("same-19999"));
}

#[test]
fn aligned_table_cells_get_classes_not_style_attributes() {
    let r = page("| l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n");
    assert!(!r.html.contains("style="), "{}", r.html);
    assert_has(
        &r.html,
        "<th class=\"align-left\">l</th><th class=\"align-center\">c</th>",
    );
    assert_has(&r.html, "<td class=\"align-right\">3</td><td>4</td>");
}

#[test]
fn a_table_or_checklist_is_embedded_once_per_page() {
    let r = page(&"```table\nt\n```\n\n".repeat(3));
    assert_eq!(r.html.matches("<table-here>").count(), 1, "{}", r.html);
    let errors: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "E053")
        .map(|d| d.location.line)
        .collect();
    assert_eq!(errors, [5, 9]);
}

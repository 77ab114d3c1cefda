//! Property tests: loaders never panic, Markdown never passes hostile HTML through, escaping
//! holds in every context, links never get a dangerous scheme, and ids and output paths never
//! leave the output directory.
mod common;

use common::html::{Tag, decode_entities, tags, url_scheme};
use proptest::prelude::*;
use riskguide::compile::json_for_html;
use riskguide::config;
use riskguide::discover::{FileKind, SourceFile};
use riskguide::highlight::Highlighter;
use riskguide::load;
use riskguide::markdown::{self, Context, EmbedKind, Source, escape_attr, escape_text};
use riskguide::model::{self, AnchorIndex, LinkResolver, Route};
use riskguide::output::OutputSet;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

static HIGHLIGHTER: LazyLock<Highlighter> = LazyLock::new(Highlighter::new);
/// The shipped templates, whose partials write headings, callouts and tables' frames.
static TEMPLATES: LazyLock<riskguide::render::Templates> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
    riskguide::render::load(&root.join("templates"), &root, "en").unwrap().0
});

fn config() -> riskguide::config::Config {
    config::parse(
        Path::new("/site"),
        "title = \"t\"\nbase_url = \"https://example.org/\"\n",
    )
    .expect("config")
}

fn source(kind: FileKind, path: &str, text: String) -> SourceFile {
    SourceFile {
        kind,
        path: format!("content/{path}"),
        rel: path.to_string(),
        text,
    }
}

/// Pieces that attack HTML, URLs and the Markdown parser, to be strung together.
fn hostile_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<svg onload=alert(1)>".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("<iframe src=//evil.example>".to_string()),
        Just("<style>*{}</style>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x](JaVaScRiPt:alert(1))".to_string()),
        Just("[x](java&#x09;script:alert(1))".to_string()),
        Just("[x](&#106;avascript:alert(1))".to_string()),
        Just("[x](data:text/html,x)".to_string()),
        Just("[x](vbscript:x)".to_string()),
        Just("[x](file:///etc/passwd)".to_string()),
        Just("[x](/a/ \"t\\\" onmouseover=\\\"x\")".to_string()),
        Just("<javascript:alert(1)>".to_string()),
        Just("![x](javascript:alert(1))".to_string()),
        Just("![x\" onerror=\"alert(1)](/images/a.svg)".to_string()),
        Just("[ref]: javascript:alert(1)\n".to_string()),
        Just("[ref]".to_string()),
        Just("## h {#id .c onmouseover=alert(1) style=x}\n".to_string()),
        Just("## h {#a\"b}\n".to_string()),
        Just("```\"><script>\ncode</script>\n```\n".to_string()),
        Just("```table\nt\n```\n".to_string()),
        Just("```checklist\nc\n```\n".to_string()),
        Just("| a | b |\n|:--|--:|\n| <b> | `x` |\n".to_string()),
        Just("[^a\" onclick=\"x]\n\n[^a\" onclick=\"x]: note\n".to_string()),
        Just("## Main\n".to_string()),
        Just("## Main {#main}\n".to_string()),
        Just("## Rules {#questionnaire-rules}\n".to_string()),
        Just("## Fn main\n".to_string()),
        Just("[^main]".to_string()),
        Just("\n\n[^main]: note\n\n".to_string()),
        Just("\n\n[^Main]: other note\n\n".to_string()),
        Just("&lt;script&gt;".to_string()),
        Just("&#60;script&#62;".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("> ".to_string()),
        Just("- ".to_string()),
        Just("1. ".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("`".to_string()),
        Just("*".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("(".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\u{202e}".to_string()),
        Just("\0".to_string()),
        "[a-z ]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn hostile_markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_fragment(), 0..40).prop_map(|parts| parts.concat())
}

/// The tags Markdown rendering may produce, and nothing else.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "aside",
    "div",
    "img",
    "sup",
    "hr",
    "br",
    "section",
    "figure",
];

const ALLOWED_ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "href",
    "title",
    "src",
    "alt",
    "loading",
    "role",
    "aria-label",
    "aria-labelledby",
    "tabindex",
    "data-lang",
    "start",
    "data-footnote-backref",
];

fn check_rendered_html(html: &str) -> Result<(), String> {
    let (tags, problems) = tags(html);
    if let Some(problem) = problems.first() {
        return Err(format!("{problem} in {html:?}"));
    }
    for Tag { name, attrs, loose } in tags {
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            return Err(format!("tag <{name}> in {html:?}"));
        }
        if let Some(attr) = loose.first() {
            return Err(format!("attribute value not in double quotes in <{name} {attr}=…>"));
        }
        for (attr, url) in attrs {
            if !ALLOWED_ATTRIBUTES.contains(&attr.as_str()) {
                return Err(format!("attribute {attr} on <{name}> in {html:?}"));
            }
            if matches!(attr.as_str(), "href" | "src")
                && let Some(scheme) = url_scheme(&url)
                && !matches!(scheme.as_str(), "http" | "https" | "mailto")
            {
                return Err(format!("{attr}={url:?} on <{name}>"));
            }
        }
    }
    Ok(())
}

fn routes() -> BTreeSet<Route> {
    ["/", "/a/", "/a/b/", "/vps/risks/"]
        .into_iter()
        .map(Route::new)
        .collect()
}

fn anchors() -> AnchorIndex {
    let mut anchors = AnchorIndex::new();
    anchors.insert(
        Route::new("/a/"),
        ["x".to_string(), "y-1".to_string()].into_iter().collect(),
    );
    anchors
}

fn render(markdown: &str) -> markdown::Rendered {
    let routes = routes();
    let anchors = anchors();
    let unchecked = BTreeSet::new();
    let statics: BTreeSet<String> = ["images/a.svg".to_string()].into_iter().collect();
    let resolver = LinkResolver {
        routes: &routes,
        unchecked: &unchecked,
        anchors: &anchors,
        static_files: &statics,
    };
    let embed = |kind: EmbedKind, id: &str, _: &Route| {
        (kind == EmbedKind::Table && id == "t").then(|| "<figure class=\"embedded\"></figure>".to_string())
    };
    let reserved: BTreeSet<String> = ["main".to_string(), "questionnaire-rules".to_string()]
        .into_iter()
        .collect();
    let markup = |piece: &riskguide::markdown::Markup| TEMPLATES.markup(piece);
    let ctx = Context {
        resolver: &resolver,
        highlighter: &HIGHLIGHTER,
        embed: &embed,
        markup: &markup,
        reserved_ids: &reserved,
    };
    let source = Source {
        path: "content/p.md",
        file_text: markdown,
        offset: 0,
        markdown,
    };
    markdown::render(&source, &Route::new("/a/"), &ctx)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn page_loader_never_panics(text in any::<String>()) {
        let _ = load::parse_page(&source(FileKind::Page, "a.md", text.clone()));
        let _ = load::parse_page(&source(FileKind::Page, "a.md", format!("+++\n{text}\n+++\n{text}")));
    }

    #[test]
    fn page_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).to_string();
        let _ = load::parse_page(&source(FileKind::Page, "a.md", text.clone()));
        let _ = load::parse_page(&source(FileKind::Page, "a.md", format!("+++\ntitle = \"x\"\n{text}\n+++\n")));
    }

    #[test]
    fn data_loaders_never_panic(
        text in prop_oneof![
            any::<String>(),
            "[\\[\\]{}=\"'#\\n.,a-z0-9 +\\-]{0,300}",
            prop::collection::vec(any::<u8>(), 0..300).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
    ) {
        for (kind, path) in [
            (FileKind::Table, "tables/t.toml"),
            (FileKind::Checklist, "checklists/c.toml"),
            (FileKind::Questionnaire, "questionnaire.toml"),
            (FileKind::Page, "p.md"),
        ] {
            let (_, problems) = load::parse(vec![source(kind, path, text.clone())]);
            for d in problems.iter() {
                prop_assert!(d.location.line >= 1 && d.location.col >= 1, "{d}");
            }
        }
    }

    #[test]
    fn config_parser_never_panics(
        text in prop_oneof![any::<String>(), "[\\[\\]{}=\"'#\\n.a-z_/:]{0,200}"],
        bytes in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = config::parse(Path::new("/site"), &text);
        let _ = config::parse(Path::new("/site"), &String::from_utf8_lossy(&bytes));
        let _ = config::parse(Path::new("/site"), &format!("title = \"t\"\nbase_url = {}\n", toml_string(&text)));
    }

    /// A checklist whose every field is arbitrary text loads and validates without a panic,
    /// and whatever survives validation has plain ids.
    #[test]
    fn model_never_panics_and_keeps_ids_plain(
        id in any::<String>(),
        item_ids in prop::collection::vec(prop_oneof![any::<String>(), "[a-z0-9-]{1,8}", Just("../x".to_string())], 1..6),
        texts in prop::collection::vec(any::<String>(), 1..6),
        platform in prop_oneof![any::<String>(), Just("mac".to_string())],
    ) {
        let mut toml = format!("id = {}\ntitle = {}\nplatforms = [{}]\n\n[[group]]\ntitle = \"g\"\n", toml_string(&id), toml_string(&id), toml_string(&platform));
        for (n, item) in item_ids.iter().enumerate() {
            let text = texts.get(n % texts.len()).cloned().unwrap_or_default();
            toml.push_str(&format!("\n[[group.item]]\nid = {}\ntext = {}\ndetail = {}\n", toml_string(item), toml_string(&text), toml_string(&text)));
        }
        let stem = if model::is_valid_id(&id) { id.clone() } else { "c".to_string() };
        let files = vec![
            source(FileKind::Page, "index.md", "+++\ntitle = \"Home\"\n+++\n".into()),
            source(FileKind::Checklist, &format!("checklists/{stem}.toml"), toml),
        ];
        let (loaded, _) = load::parse(files);
        let (site, problems) = model::build(&config(), loaded);
        for d in problems.iter() {
            prop_assert!(d.location.line >= 1, "{d}");
        }
        for list in site.checklists.values() {
            prop_assert!(model::is_valid_id(list.id.as_str()));
            prop_assert!(riskguide::assets::is_safe_output_path(&list.route.output_path()));
            for item in list.items() {
                prop_assert!(model::is_valid_id(item.id.as_str()));
            }
        }
    }

    #[test]
    fn markdown_never_panics_nor_passes_hostile_html(md in hostile_markdown()) {
        let rendered = render(&md);
        if let Err(problem) = check_rendered_html(&rendered.html) {
            prop_assert!(false, "{problem}\ninput: {md:?}");
        }
        // Event handlers and schemes are checked per attribute above; these never appear at all.
        let lower = rendered.html.to_ascii_lowercase();
        for needle in ["<script", "<img src=x", "<svg", "<iframe", "<style"] {
            prop_assert!(!lower.contains(needle), "{needle} in {}\ninput: {md:?}", rendered.html);
        }
        for h in &rendered.toc {
            prop_assert!(markdown::is_safe_anchor(&h.id), "{:?}", h.id);
        }
        // No id twice, and none the templates or scripts use.
        prop_assert_eq!(riskguide::render::duplicate_id(&rendered.html), None, "{}\ninput: {:?}", rendered.html, md);
        for reserved in ["id=\"main\"", "id=\"questionnaire-rules\""] {
            prop_assert!(!rendered.html.contains(reserved), "{reserved} in {}\ninput: {md:?}", rendered.html);
        }
        for d in rendered.diagnostics.iter() {
            prop_assert!(d.location.line >= 1 && d.location.col >= 1, "{d}");
        }
    }

    #[test]
    fn markdown_never_panics_on_any_text(md in any::<String>()) {
        let rendered = render(&md);
        prop_assert!(check_rendered_html(&rendered.html).is_ok(), "{}", rendered.html);
        let _ = markdown::outline(&md, &BTreeSet::new());
    }

    #[test]
    fn text_escaping_leaves_no_markup(s in any::<String>()) {
        let text = escape_text(&s);
        prop_assert!(!text.contains('<') && !text.contains('>'));
        prop_assert_eq!(decode_entities(&text), s.clone());
        let attr = escape_attr(&s);
        prop_assert!(!attr.contains('<') && !attr.contains('>') && !attr.contains('"') && !attr.contains('\''));
        prop_assert_eq!(decode_entities(&attr), s);
    }

    #[test]
    fn json_for_html_round_trips_and_cannot_close_a_script(
        keys in prop::collection::vec(any::<String>(), 0..4),
        values in prop::collection::vec(prop_oneof![any::<String>(), Just("</script><script>alert(1)</script>".to_string()), Just("<!--".to_string()), Just("\u{2028}".to_string())], 0..4),
    ) {
        let mut map = serde_json::Map::new();
        for (k, v) in keys.iter().zip(values.iter().cycle()) {
            map.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        map.insert("list".into(), serde_json::Value::Array(values.iter().cloned().map(serde_json::Value::String).collect()));
        let value = serde_json::Value::Object(map);
        let json = json_for_html(&value);
        prop_assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        prop_assert!(!json.contains(['\u{2028}', '\u{2029}']), "line separators left in {}", json);
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        prop_assert_eq!(back, value);
    }

    #[test]
    fn links_never_get_a_dangerous_scheme(
        url in prop_oneof![
            any::<String>(),
            hostile_fragment(),
            "[ \\t]{0,2}(javascript|JaVaScript|data|vbscript|file|http|https|mailto)[\\t\\n]?:[a-z/().]{0,10}",
            "(/|\\./|\\.\\./)?[a-z/.#:%]{0,16}",
        ],
        from in prop_oneof![Just("/"), Just("/a/"), Just("/a/b/")],
    ) {
        let routes = routes();
        let anchors = anchors();
        let unchecked = BTreeSet::new();
        let statics: BTreeSet<String> = ["images/a.svg".to_string()].into_iter().collect();
        let resolver = LinkResolver { routes: &routes, unchecked: &unchecked, anchors: &anchors, static_files: &statics };
        if let Ok(href) = resolver.href(&Route::new(from), &url) {
            if let Some(scheme) = url_scheme(&href) {
                prop_assert!(matches!(scheme.as_str(), "http" | "https" | "mailto"), "{url:?} → {href:?}");
            }
            prop_assert!(!href.chars().any(|c| c.is_control()), "{url:?} → {href:?}");
        }
    }

    #[test]
    fn ids_and_slugs_never_climb(s in any::<String>()) {
        if model::is_valid_id(&s) {
            prop_assert!(!s.contains('/') && !s.contains('\\') && !s.contains("..") && !s.is_empty());
            prop_assert!(riskguide::assets::is_safe_output_path(&model::Route::new(&s).output_path()));
        }
        let slug = markdown::slug(&s);
        prop_assert!(!slug.is_empty() && !slug.contains('/') && !slug.contains('\\') && !slug.contains(".."));
        prop_assert!(markdown::is_safe_anchor(&slug), "{slug:?}");
    }

    #[test]
    fn unsafe_output_paths_are_refused(
        s in prop_oneof![
            any::<String>(),
            "(\\.\\./|/|\\\\|[a-z_]{1,3}/|\\.\\.|%2e%2e/|_)*[a-z._\\\\]{0,6}",
        ],
    ) {
        let climbs = s.split(['/', '\\']).any(|seg| seg == ".." || seg == ".")
            || s.starts_with('/')
            || s.contains('\\')
            || s.is_empty()
            || s.contains("//");
        let mut set = OutputSet::new();
        let inserted = set.insert(s.clone(), Vec::new()).is_ok();
        prop_assert_eq!(inserted, riskguide::assets::is_safe_output_path(&s));
        if climbs {
            prop_assert!(!riskguide::assets::is_safe_output_path(&s), "{s:?}");
            prop_assert!(!inserted, "{s:?}");
        }
        if inserted {
            let lower = s.to_ascii_lowercase();
            let upper = s.to_ascii_uppercase();
            let other = if upper != s { upper } else { lower };
            if other != s {
                prop_assert!(set.insert(other, Vec::new()).is_err(), "case-only twin of {s:?} accepted");
            }
        }
    }
}

#[test]
fn the_html_checker_sees_what_it_must() {
    for bad in [
        "<script>x</script>",
        "<p onclick=\"x\">",
        "<a href=\"JaVa&#x09;script:x\">",
        "<a href=\"&#106;avascript:x\">",
        "<p style=\"x\">",
        "a < b",
        "<img src=x>",
    ] {
        assert!(check_rendered_html(bad).is_err(), "{bad}");
    }
    assert!(check_rendered_html("<p>&lt;script&gt; <a href=\"https://e.org/\" title=\"t\">x</a></p>").is_ok());
}

//! Moving a page's HTML to another address: how a page becomes a section of the printable guide.

use crate::model::Route;

/// A page's HTML, rendered for `from`, as it reads on the page at `to` with every id (and each
/// reference to one) prefixed by `id_prefix`: how a page becomes a section of the printable
/// guide without being rendered twice. Only the attributes that change are rewritten; text and
/// code that merely look like attributes are left alone.
///
/// The markup our renderer and templates write is read by a byte scanner that follows HTML's
/// tokenizer on the forms it accepts (see [`relocate_scanned`]); anything else (scripts,
/// styles, unusual comments or attributes) goes through lol_html's full parser, which the
/// scanner matches byte for byte where it answers.
pub fn relocate(html: &str, from: &Route, to: &Route, id_prefix: &str) -> String {
    let from_root = from.to_root();
    #[cfg(test)]
    if let Some(seen) = tests::SEEN.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        seen.push((html.to_string(), from_root.clone(), to.clone(), id_prefix.to_string()));
    }
    relocate_scanned(html, &from_root, to, id_prefix)
        .unwrap_or_else(|| relocate_reparsed(html, &from_root, to, id_prefix))
}

/// [`relocate`] through lol_html, which parses the whole page as a browser would.
fn relocate_reparsed(html: &str, from_root: &str, to: &Route, id_prefix: &str) -> String {
    let rewrite = lol_html::element!("[id], [aria-labelledby], [href], [src]", |element| {
        for name in MOVED {
            let Some(value) = element.get_attribute(name) else {
                continue;
            };
            let mut moved = String::with_capacity(value.len() + id_prefix.len());
            relocate_value(&mut moved, name, &value, from_root, to, id_prefix);
            if moved != value {
                element.set_attribute(name, &moved)?;
            }
        }
        Ok(())
    });
    let settings = lol_html::RewriteStrSettings::new().append_element_content_handler(rewrite);
    // The handler sets only these four well-formed attribute names and no memory limit is set,
    // so rewriting cannot fail; should it ever, the page keeps its links as rendered.
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// The attributes that change when a page moves.
const MOVED: [&str; 4] = ["id", "aria-labelledby", "href", "src"];

/// Elements whose content HTML's tokenizer reads as text (or that may hide markup in other
/// ways): a page holding one is left to lol_html.
const RAW_TEXT: [&[u8]; 10] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"plaintext",
];

/// One attribute of a start tag: its name, its value as written (entities left as they are)
/// and the bytes of the whole attribute.
struct Attribute<'h> {
    name: &'h str,
    value: &'h str,
    raw: &'h str,
}

/// [`relocate`] without a parser, or None when the HTML holds anything outside the forms read
/// here, which are a subset of HTML's tokenizer where its reading is plain: start tags with a
/// name of letters, digits, `-` and `:`, attributes separated by spaces, tabs or newlines with
/// a value in double or single quotes or unquoted without quotes, `<`, `=` or backticks, an
/// optional `/` before `>`; end tags holding only their name; comments ending at the first
/// `-->`; and a `<` that opens no tag (text). A changed start tag is written as lol_html
/// writes it: its name, each attribute after one space (unchanged ones as written, changed
/// ones in double quotes with `"` escaped), then ` />` or `>`.
fn relocate_scanned(html: &str, from_root: &str, to: &Route, id_prefix: &str) -> Option<String> {
    let bytes = html.as_bytes();
    if html.starts_with('\u{feff}') || memchr::memchr3(0, b'\r', 0x0c, bytes).is_some() {
        return None;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut copied = 0;
    let mut at = 0;
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut moved = String::new();
    while let Some(found) = memchr::memchr(b'<', &bytes[at..]) {
        let open = at + found;
        match bytes.get(open + 1)? {
            b'!' => {
                let body = html.get(open + 4..)?;
                if !html[open..].starts_with("<!--") || body.starts_with('>') || body.starts_with("->") {
                    return None;
                }
                let end = memchr::memmem::find(body.as_bytes(), b"-->")?;
                if memchr::memmem::find(&body.as_bytes()[..end], b"--!>").is_some() {
                    return None;
                }
                at = open + 4 + end + 3;
            }
            b'/' => {
                let name = tag_name(&bytes[open + 2..]);
                if name == 0 {
                    return None;
                }
                let rest = &bytes[open + 2 + name..];
                let spaces = rest.iter().take_while(|b| is_space(**b)).count();
                if rest.get(spaces) != Some(&b'>') {
                    return None;
                }
                at = open + 2 + name + spaces + 1;
            }
            b if b.is_ascii_alphabetic() => {
                let name_end = open + 1 + tag_name(&bytes[open + 1..]);
                let name = &html[open + 1..name_end];
                if RAW_TEXT.iter().any(|raw| name.as_bytes().eq_ignore_ascii_case(raw)) {
                    return None;
                }
                attributes.clear();
                let (end, self_closing) = read_attributes(html, name_end, &mut attributes)?;
                at = end;
                let mut changed = false;
                for attribute in &attributes {
                    if let Some(kind) = MOVED.iter().find(|m| attribute.name.eq_ignore_ascii_case(m)) {
                        moved.clear();
                        relocate_value(&mut moved, kind, attribute.value, from_root, to, id_prefix);
                        changed |= moved != attribute.value;
                    }
                }
                if !changed {
                    continue;
                }
                // lol_html changes the first attribute of a name; with two, leave it to lol_html.
                for (i, a) in attributes.iter().enumerate() {
                    if attributes[..i].iter().any(|b| b.name.eq_ignore_ascii_case(a.name)) {
                        return None;
                    }
                }
                out.push_str(&html[copied..open]);
                out.push('<');
                out.push_str(name);
                for attribute in &attributes {
                    out.push(' ');
                    let kind = MOVED.iter().find(|m| attribute.name.eq_ignore_ascii_case(m));
                    let Some(kind) = kind else {
                        out.push_str(attribute.raw);
                        continue;
                    };
                    moved.clear();
                    relocate_value(&mut moved, kind, attribute.value, from_root, to, id_prefix);
                    if moved == attribute.value {
                        out.push_str(attribute.raw);
                        continue;
                    }
                    out.push_str(attribute.name);
                    out.push_str("=\"");
                    out.push_str(&moved.replace('"', "&quot;"));
                    out.push('"');
                }
                out.push_str(if self_closing { " />" } else { ">" });
                copied = end;
            }
            // A `<` that opens no tag is text.
            b if !matches!(b, b'?') => at = open + 1,
            _ => return None,
        }
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// Spaces between a tag's name and attributes (the others, `\r` and form feeds, are refused
/// up front).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

/// The length of the tag name at the start of `bytes`: letters, digits, `-` and `:`.
fn tag_name(bytes: &[u8]) -> usize {
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':'))
        .count()
}

/// Reads the attributes of the start tag whose name ends at `at` into `attributes`: where the
/// tag ends (after its `>`) and whether it ends with `/>`, or None for a form not read here.
fn read_attributes<'h>(html: &'h str, mut at: usize, attributes: &mut Vec<Attribute<'h>>) -> Option<(usize, bool)> {
    let bytes = html.as_bytes();
    let ends_name = |b: u8| is_space(b) || matches!(b, b'/' | b'>');
    if !ends_name(*bytes.get(at)?) {
        return None;
    }
    loop {
        while is_space(*bytes.get(at)?) {
            at += 1;
        }
        match bytes[at] {
            b'>' => return Some((at + 1, false)),
            b'/' => return (bytes.get(at + 1)? == &b'>').then_some((at + 2, true)),
            _ => {}
        }
        let start = at;
        while bytes
            .get(at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b'@'))
        {
            at += 1;
        }
        if at == start {
            return None;
        }
        let name = &html[start..at];
        let value = match bytes.get(at)? {
            b'=' => {
                at += 1;
                let quote = *bytes.get(at)?;
                let value = if quote == b'"' || quote == b'\'' {
                    let len = memchr::memchr(quote, &bytes[at + 1..])?;
                    let value = &html[at + 1..at + 1 + len];
                    at += len + 2;
                    value
                } else {
                    let len = bytes[at..].iter().take_while(|b| !is_space(**b) && **b != b'>').count();
                    let value = &html[at..at + len];
                    if len == 0 || value.bytes().any(|b| matches!(b, b'"' | b'\'' | b'<' | b'=' | b'`')) {
                        return None;
                    }
                    at += len;
                    value
                };
                if !ends_name(*bytes.get(at)?) {
                    return None;
                }
                value
            }
            b if ends_name(*b) => "",
            _ => return None,
        };
        attributes.push(Attribute {
            name,
            value,
            raw: &html[start..at],
        });
    }
}

fn relocate_value(out: &mut String, name: &str, value: &str, from_root: &str, to: &Route, id_prefix: &str) {
    match name {
        "id" => {
            out.push_str(id_prefix);
            out.push_str(value);
        }
        "aria-labelledby" => {
            for (i, id) in value.split(' ').enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(id_prefix);
                out.push_str(id);
            }
        }
        "href" | "src" => {
            if let Some(fragment) = value.strip_prefix('#') {
                out.push('#');
                out.push_str(id_prefix);
                out.push_str(fragment);
            } else if let Some(target) = site_path(value, from_root) {
                out.push_str(&to.relative_to(target));
            } else {
                out.push_str(value);
            }
        }
        _ => out.push_str(value),
    }
}

/// The site path (no leading `/`) a relative URL written from a page `from_root` away from the
/// root points to; `None` for URLs with a scheme.
fn site_path<'v>(url: &'v str, from_root: &str) -> Option<&'v str> {
    let before_path = url.split(['/', '?', '#']).next().unwrap_or("");
    if before_path.contains(':') {
        return None;
    }
    if from_root == "./" {
        Some(if url == "./" { "" } else { url })
    } else {
        url.strip_prefix(from_root)
    }
}

// All HTML escaping goes through pulldown-cmark's escaper, the one that already escapes the
// Markdown body: text escapes `&`, `<` and `>`; attributes the quotes too.

#[cfg(test)]
pub(super) mod tests {
    use super::{relocate_reparsed, relocate_scanned};
    use crate::model::Route;
    use std::sync::Mutex;

    /// What [`super::relocate`] was given: HTML, the way from its page to the root, the new
    /// address and the id prefix.
    type Relocation = (String, String, Route, String);

    /// What [`super::relocate`] was given while a test records it.
    pub(crate) static SEEN: Mutex<Option<Vec<Relocation>>> = Mutex::new(None);

    /// The scanner's answer, which must be lol_html's wherever the scanner gives one.
    fn scanned_as_reparsed(html: &str, from_root: &str, to: &Route, prefix: &str) -> Option<String> {
        let reparsed = relocate_reparsed(html, from_root, to, prefix);
        let scanned = relocate_scanned(html, from_root, to, prefix);
        if let Some(scanned) = &scanned {
            assert_eq!(scanned, &reparsed, "relocating {html:?} from {from_root} to {to}");
        }
        scanned
    }

    #[test]
    fn the_scanner_reads_tags_as_lol_html_does() {
        let to = Route::new("/print/");
        for html in [
            "<h2 id=\"a\"><a class=\"heading-link\" href=\"#a\">A</a></h2>",
            "<P ID='x' Class=y>t</P><img src=\"../img/a.png\" alt=\"\"/><br/><hr />",
            "<a href=../a/ title=\"x\">x</a><div id>x</div><span id=\"q&quot;\" data-x='\"'>",
            "<p aria-labelledby=\"a b\">x</p>< p>1 <3</p><!-- <a href=\"#x\"> --><!---->",
            "<a href=\"https://example.org/#x\">o</a><a href=\"mailto:a@b\">m</a><a\nhref=\"#y\"\n>y</a>",
            "<p id=\"a\" id=\"b\">two ids</p>",
            "<p>text<script>var a = '<a href=\"#x\">';</script>",
            "<p/id=\"a\">",
            "<!--> <a href=\"#x\"> -->",
            "<a href=\"#x\" href=\"#y\">",
            "<p id=a\rclass=b>",
        ] {
            for from_root in ["./", "../", "../../"] {
                scanned_as_reparsed(html, from_root, &to, "p-");
            }
        }
        // The forms our renderer writes are read by the scanner, not left to lol_html.
        let ours = "<h2 id=\"a\"><a class=\"heading-link\" href=\"#a\">A</a></h2>\
            <p><a href=\"../b/#c\">b</a><sup class=\"footnote-reference\"><a href=\"#fn-1\" id=\"fr-1\">1</a></sup></p>\
            <img src=\"../i.svg\" alt=\"i\"><pre><code>id=&quot;y&quot; &lt;a href=&quot;#x&quot;&gt;</code></pre>";
        assert!(scanned_as_reparsed(ours, "../", &to, "p-").is_some());
        assert!(scanned_as_reparsed("<p id=\"a\" id=\"b\">", "../", &to, "p-").is_none());
        assert!(scanned_as_reparsed("<script>'<a id=x>'</script>", "../", &to, "p-").is_none());
    }

    /// A start tag from its name, attributes (name, value as written, the spaces before it)
    /// and ending.
    fn start_tag(name: &str, attributes: &[(&str, &str, &str)], end: &str) -> String {
        let mut tag = format!("<{name}");
        for (attribute, value, space) in attributes {
            tag.push_str(space);
            tag.push_str(attribute);
            tag.push_str(value);
        }
        tag.push_str(end);
        tag
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Wherever the scanner answers, its answer is lol_html's, byte for byte: on pages of
        /// well-formed tags (the scanner's ground) with text, comments and stray markup
        /// between them.
        #[test]
        fn the_scanner_agrees_with_lol_html(
            parts in proptest::collection::vec(
                (
                    proptest::sample::select(&["p", "A", "img", "h2", "sup", "svg", "br", "script", "Style", "a:b"][..]),
                    proptest::collection::vec(
                        (
                            proptest::sample::select(&[
                                "id", "ID", "href", "Href", "src", "aria-labelledby", "class", "data-id", "title",
                            ][..]),
                            proptest::sample::select(&[
                                "", "=\"#x\"", "=\"x y\"", "='#a'", "='a\"b'", "=../b/", "=\"../\"", "=\"./c\"",
                                "=\"https://e.org/#x\"", "=\"\"", "=#z", "=\"../a?b=1&amp;c#d\"", "=\"é\"", "=a/",
                                "=\"x\"\"", "= \"x\"",
                            ][..]),
                            proptest::sample::select(&[" ", " ", "  ", "\n", "\t", "", "/", "\r"][..]),
                        ),
                        0..4,
                    ),
                    proptest::sample::select(&[">", ">", "/>", " />", " >", "\n>", "/ >", ""][..]),
                    proptest::sample::select(&[
                        "", "text", "</p>", "</a >", "</A\n>", "<!-- <a href=\"#x\"> -->", "<!---->", "<!-->",
                        "< p", "<3", "<![CDATA[<a id=x>]]>", "<!doctype html>", "<?x>", "--!>", "&lt;a id=x&gt;",
                        "</ p>", "<", "</script>", "'\"",
                    ][..]),
                ),
                0..8,
            ),
            depth in 0usize..3,
        ) {
            let html: String = parts
                .iter()
                .map(|(name, attributes, end, between)| format!("{}{between}", start_tag(name, attributes, end)))
                .collect();
            let from_root = if depth == 0 { "./".to_string() } else { "../".repeat(depth) };
            let to = Route::new("/print/");
            let reparsed = relocate_reparsed(&html, &from_root, &to, "p-");
            if let Some(scanned) = relocate_scanned(&html, &from_root, &to, "p-") {
                proptest::prop_assert_eq!(scanned, reparsed);
            }
        }
    }

    /// Every section of the printable guide of the shipped site, and of the sites named in
    /// `RISKGUIDE_RELOCATE_SITES` (site roots separated by `:`), is moved by the scanner
    /// exactly as lol_html moves it, and the scanner reads every one of them itself.
    #[test]
    fn the_scanner_moves_every_section_of_real_sites_as_lol_html_does() {
        let shipped = env!("CARGO_MANIFEST_DIR").to_string();
        let more = std::env::var("RISKGUIDE_RELOCATE_SITES").unwrap_or_default();
        let highlighter = crate::highlight::Highlighter::new();
        for root in std::iter::once(shipped.as_str()).chain(more.split(':').filter(|r| !r.is_empty())) {
            let config = crate::config::load(std::path::Path::new(root)).unwrap();
            *SEEN.lock().unwrap() = Some(Vec::new());
            let built = crate::pipeline::build_into(&config, &highlighter, &|_| {}, &crate::output::Discard::default());
            let seen = SEEN.lock().unwrap().take().unwrap();
            let summary = built.unwrap_or_else(|e| panic!("{root}: {e:?}"));
            // Other tests may relocate HTML at the same time: only the guide's sections count.
            let sections: Vec<_> = seen
                .into_iter()
                .filter(|(.., prefix)| prefix.starts_with("page-"))
                .collect();
            assert!(
                !sections.is_empty() && sections.len() < summary.pages,
                "{root}: {} sections",
                sections.len()
            );
            for (html, from_root, to, prefix) in &sections {
                let scanned = scanned_as_reparsed(html, from_root, to, prefix);
                assert!(scanned.is_some(), "{root}: left to lol_html: {prefix}");
            }
        }
    }
}

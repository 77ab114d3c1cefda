//! Moving a page's HTML to another address: how a page becomes a section of the printable guide.

use crate::model::Route;

/// A page's HTML, rendered for `from`, as it reads on the page at `to` with every id (and each
/// reference to one) prefixed by `id_prefix`: how a page becomes a section of the printable
/// guide without being rendered twice. lol_html parses the HTML (so text and code that merely
/// look like attributes are left alone) and rewrites only the attributes that change.
pub fn relocate(html: &str, from: &Route, to: &Route, id_prefix: &str) -> String {
    let from_root = from.to_root();
    let rewrite = lol_html::element!("[id], [aria-labelledby], [href], [src]", |element| {
        for name in ["id", "aria-labelledby", "href", "src"] {
            let Some(value) = element.get_attribute(name) else {
                continue;
            };
            let mut moved = String::with_capacity(value.len() + id_prefix.len());
            relocate_value(&mut moved, name, &value, &from_root, to, id_prefix);
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

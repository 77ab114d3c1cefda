/// `s` escaped for an HTML text node.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, s);
    out
}

/// `s` escaped for a quoted attribute (and for text).
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

/// Writes `s` escaped for text and quoted attributes, like [`escape_attr`], without building a
/// string first (the template formatter writes every value through it).
pub fn write_escaped_attr<W: std::fmt::Write>(out: &mut W, s: &str) -> std::fmt::Result {
    pulldown_cmark_escape::escape_html(pulldown_cmark_escape::FmtWriter(out), s)
}

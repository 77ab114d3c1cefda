//! A small HTML tokenizer for checking built pages: tags with their attributes (entities
//! decoded), stray `<`s, and URL schemes as a browser reads them.

/// One HTML tag: its name and attributes (names lowercased, values with entities decoded).
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Attributes whose value is not in double quotes (single-quoted or bare).
    pub loose: Vec<String>,
}

/// Decodes the character references a browser would decode in an attribute value.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let body: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
            .collect();
        let after = &rest[1 + body.len()..];
        let consumed = 1 + body.len() + usize::from(after.starts_with(';'));
        let decoded = if let Some(num) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = body.strip_prefix('#') {
            num.parse::<u32>().ok().and_then(char::from_u32)
        } else {
            match body.to_ascii_lowercase().as_str() {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                "sol" => Some('/'),
                _ => None,
            }
        };
        match decoded {
            Some(c) if !body.is_empty() => {
                out.push(c);
                rest = &rest[consumed..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The scheme of a URL as a browser reads it: tabs, newlines and surrounding controls ignored.
pub fn url_scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = cleaned.find(':')?;
    let scheme = &cleaned[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Splits HTML into tags the way a browser's tokenizer would, well enough to check it.
/// Returns the tags and every problem found on the way (a stray `<` in text is one). The body of
/// a `<script>` or `<style>` is kept as a `#body` attribute.
pub fn tags(html: &str) -> (Vec<Tag>, Vec<String>) {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i + 1..];
        if rest.starts_with("!--") {
            i = rest.find("-->").map_or(bytes.len(), |j| i + 1 + j + 3);
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('/') {
            i = rest.find('>').map_or(bytes.len(), |j| i + 1 + j + 1);
            continue;
        }
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let shown: String = rest.chars().take(40).collect();
            problems.push(format!("unescaped `<` in text: <{shown}"));
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        let name = html[i + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut loose = Vec::new();
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                j += 1;
                break;
            }
            let start = j;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !matches!(bytes[j], b'=' | b'>' | b'/') {
                j += 1;
            }
            let attr = html[start..j].to_ascii_lowercase();
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                    let quote = bytes[j];
                    if quote == b'\'' {
                        loose.push(attr.clone());
                    }
                    let vstart = j + 1;
                    j = vstart;
                    while j < bytes.len() && bytes[j] != quote {
                        j += 1;
                    }
                    value = html[vstart..j.min(bytes.len())].to_string();
                    j += 1;
                } else {
                    loose.push(attr.clone());
                    let vstart = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = html[vstart..j].to_string();
                }
            }
            attrs.push((attr, decode_entities(&value)));
        }
        i = j.min(bytes.len());
        if name == "script" || name == "style" || name == "textarea" || name == "title" {
            let close = format!("</{name}");
            let body_end = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(bytes.len(), |k| i + k);
            let body = &html[i..body_end];
            if name != "title" && name != "textarea" {
                attrs.push(("#body".into(), body.to_string()));
            } else if body.contains('<') {
                problems.push(format!("unescaped `<` inside <{name}>"));
            }
            i = body_end;
        }
        out.push(Tag { name, attrs, loose });
    }
    (out, problems)
}

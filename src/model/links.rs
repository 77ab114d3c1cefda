//! The link resolver: does this route and anchor exist?

use super::*;

/// Anchors each route offers, collected after Markdown headings are known.
pub type AnchorIndex = BTreeMap<Route, BTreeSet<String>>;

/// Resolves site-absolute links (`/risks/exposure/#anchor`) against the built site's routes and anchors.
pub struct LinkResolver<'a> {
    pub routes: &'a BTreeSet<Route>,
    /// Routes whose anchors cannot be checked (their file failed to load).
    pub unchecked: &'a BTreeSet<Route>,
    pub anchors: &'a AnchorIndex,
    pub static_files: &'a BTreeSet<String>,
}

/// What a link turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A page of the site: route and optional anchor.
    Internal { route: Route, anchor: Option<String> },
    /// A file copied from `static/` (path without leading `/`).
    Static(String),
    /// An http, https or mailto URL.
    External(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    Scheme(String),
    MissingRoute(String),
    MissingAnchor { route: String, anchor: String },
    Malformed(&'static str),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Scheme(s) => write!(f, "link scheme `{}:` is not allowed", s.escape_debug()),
            LinkError::MissingRoute(r) => {
                write!(f, "link to a missing page `{}`", r.escape_debug())
            }
            LinkError::MissingAnchor { route, anchor } => {
                write!(
                    f,
                    "link to a missing anchor `#{}` on {}",
                    anchor.escape_debug(),
                    route.escape_debug()
                )
            }
            LinkError::Malformed(why) => write!(f, "malformed link: {why}"),
        }
    }
}

/// The URL scheme of `url` as a browser would read it (case, whitespace and control characters ignored).
pub fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    if cleaned[end..].starts_with(':') && end > 0 {
        Some(cleaned[..end].to_ascii_lowercase())
    } else {
        None
    }
}

impl LinkResolver<'_> {
    /// Resolves `url` written on the page at `from`.
    pub fn resolve(&self, from: &Route, url: &str) -> Result<Resolved, LinkError> {
        if url.chars().any(|c| c.is_control()) {
            return Err(LinkError::Malformed("control characters"));
        }
        if let Some(scheme) = scheme_of(url) {
            return match scheme.as_str() {
                "http" | "https"
                    if url.starts_with(&format!("{scheme}://"))
                        || url.to_ascii_lowercase().starts_with(&format!("{scheme}://")) =>
                {
                    Ok(Resolved::External(url.to_string()))
                }
                "mailto" if url.to_ascii_lowercase().starts_with("mailto:") => Ok(Resolved::External(url.to_string())),
                _ => Err(LinkError::Scheme(scheme)),
            };
        }
        if url.starts_with("//") || url.starts_with("\\\\") || url.starts_with("/\\") {
            return Err(LinkError::Malformed("links to another host need http:// or https://"));
        }
        if url.contains('\\') {
            return Err(LinkError::Malformed("backslashes"));
        }
        let (path, anchor) = match url.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (url, None),
        };
        if path.contains('?') {
            return Err(LinkError::Malformed(
                "query strings are not supported on internal links",
            ));
        }
        let absolute = if path.is_empty() {
            from.as_str().to_string()
        } else if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}{}", from.as_str(), path)
        };
        let normalized = normalize(&absolute).ok_or(LinkError::Malformed("the path climbs above the site root"))?;
        let last = normalized.rsplit('/').next().unwrap_or("");
        if last.contains('.') {
            let file = normalized.trim_start_matches('/').to_string();
            return if self.static_files.contains(&file) {
                Ok(Resolved::Static(file))
            } else {
                Err(LinkError::MissingRoute(normalized))
            };
        }
        let route = Route::new(&normalized);
        if !self.routes.contains(&route) {
            return Err(LinkError::MissingRoute(route.to_string()));
        }
        if let Some(anchor) = &anchor {
            let known =
                self.unchecked.contains(&route) || self.anchors.get(&route).is_some_and(|set| set.contains(anchor));
            if !known && !anchor.is_empty() {
                return Err(LinkError::MissingAnchor {
                    route: route.to_string(),
                    anchor: anchor.clone(),
                });
            }
        }
        Ok(Resolved::Internal {
            route,
            anchor: anchor.filter(|a| !a.is_empty()),
        })
    }

    /// Resolves and turns the link into a URL relative to `from`, ready for an `href`.
    pub fn href(&self, from: &Route, url: &str) -> Result<String, LinkError> {
        Ok(match self.resolve(from, url)? {
            Resolved::External(url) => url,
            Resolved::Static(file) => from.relative_to(&file),
            Resolved::Internal { route, anchor } => {
                let mut href = if &route == from && anchor.is_some() {
                    String::new()
                } else {
                    from.relative_to(route.as_str().trim_start_matches('/'))
                };
                if let Some(anchor) = anchor {
                    href.push('#');
                    href.push_str(&anchor);
                }
                href
            }
        })
    }
}

/// Resolves `.` and `..` segments; `None` when the path would leave the root.
pub(super) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let trailing = path.ends_with('/') && !parts.is_empty();
    let mut out = format!("/{}", parts.join("/"));
    if trailing {
        out.push('/');
    }
    Some(out)
}

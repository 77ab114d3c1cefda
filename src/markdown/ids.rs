//! Ids on a page: a heading's slug, the ids already given out, and the safe-anchor rule.

use std::collections::{BTreeMap, BTreeSet};

/// A heading's id from its text: lowercase ASCII letters and digits joined by `-`.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(64).collect::<String>();
    if slug.is_empty() { "section".into() } else { slug }
}

/// The ids given out on one page, with the next number to try for each base, so that thousands
/// of headings with the same text get their ids in linear time.
#[derive(Default)]
pub(super) struct Ids {
    used: BTreeSet<String>,
    next: BTreeMap<String, usize>,
}

impl Ids {
    /// No id of `reserved` will be given out: a heading whose text slugs to one gets `-1`.
    pub(super) fn reserving(reserved: &BTreeSet<String>) -> Self {
        Ids {
            used: reserved.clone(),
            next: BTreeMap::new(),
        }
    }
}

pub(super) fn unique_id(base: String, ids: &mut Ids) -> String {
    let Ids { used, next } = ids;
    if used.insert(base.clone()) {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let id = format!("{base}-{n}");
        *n += 1;
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// True for anchors and class names that need no escaping anywhere.
pub fn is_safe_anchor(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

//! Highlight: one syntax set (syntect with bat's extra grammars from two-face, so TOML and
//! TypeScript are covered), loaded once per process; code → class-based HTML; the theme CSS.
//!
//! Classes instead of inline colours keep the CSP free of `unsafe-inline` and let the light
//! and dark themes share one markup. This module knows nothing of pages or files.

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Code longer than this is shown plain: highlighting it would cost more than it helps.
const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

pub struct Highlighter {
    syntaxes: SyntaxSet,
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl Highlighter {
    /// Loads the syntax set; call once and share.
    pub fn new() -> Self {
        Highlighter { syntaxes: two_face::syntax::extra_newlines() }
    }

    /// True when `lang` names a language this highlighter knows (or plain text).
    pub fn knows(&self, lang: &str) -> bool {
        is_plain(lang) || self.syntaxes.find_syntax_by_token(canonical(lang)).is_some()
    }

    /// The code as escaped HTML spans, or `None` for plain text and unknown languages.
    pub fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        if is_plain(lang) || code.len() > MAX_HIGHLIGHT_BYTES {
            return None;
        }
        let syntax = self.syntaxes.find_syntax_by_token(canonical(lang))?;
        let mut generator =
            ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, ClassStyle::SpacedPrefixed { prefix: "hl-" });
        for line in LinesWithEndings::from(code) {
            generator.parse_html_for_line_which_includes_newline(line).ok()?;
        }
        Some(generator.finalize())
    }
}

fn is_plain(lang: &str) -> bool {
    matches!(lang, "" | "text" | "txt" | "plain" | "console-output")
}

fn canonical(lang: &str) -> &str {
    match lang {
        "shell" | "sh" | "console" | "zsh" => "bash",
        "typescript" => "ts",
        "javascript" => "js",
        "yml" => "yaml",
        other => other,
    }
}

/// The colours of highlighted code, for light and dark themes. Kept small on purpose.
pub const THEME_CSS: &str = "
.hl-comment{color:var(--hl-comment);font-style:italic}
.hl-string{color:var(--hl-string)}
.hl-constant{color:var(--hl-constant)}
.hl-keyword,.hl-storage{color:var(--hl-keyword)}
.hl-entity,.hl-support.hl-function{color:var(--hl-entity)}
.hl-variable{color:var(--hl-variable)}
.hl-punctuation.hl-definition.hl-comment{color:var(--hl-comment)}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_the_languages_the_guide_shows() {
        let h = Highlighter::new();
        for (lang, code) in [("bash", "wrangler delete\n"), ("toml", "a = 1\n"), ("typescript", "export const A = 8;\n"), ("json", "{\"a\": 1}\n")] {
            let html = h.highlight(lang, code).unwrap_or_else(|| panic!("no highlighting for {lang}"));
            assert!(html.contains("class=\"hl-"), "{lang}: {html}");
        }
        assert!(h.highlight("text", "x").is_none());
    }

    #[test]
    fn escapes_code() {
        let html = Highlighter::new().highlight("bash", "echo '<script>'\n").unwrap();
        assert!(!html.contains("<script>"), "{html}");
    }
}

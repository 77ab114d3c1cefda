//! Highlight: one syntax set (syntect with bat's extra grammars from two-face, so TOML and
//! TypeScript are covered), loaded once per process; code → class-based HTML; the theme CSS.
//!
//! Classes instead of inline colours keep the CSP free of `unsafe-inline` and let the light
//! and dark themes share one markup. This module knows nothing of pages or files.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use syntect::easy::ScopeRangeIterator;
use syntect::parsing::{ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Code longer than this is shown plain: highlighting it would cost more than it helps.
pub const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

/// Code with a line longer than this is shown plain. syntect tries its patterns at every
/// position of a line and some look ahead to the line's end, so a line's cost can grow with
/// the square of its length: one 63 KB line of JavaScript took minutes. At this length the
/// worst line found costs about a millisecond; real code lines are far shorter.
pub const MAX_HIGHLIGHT_LINE: usize = 512;

/// Why a block of code is shown plain although its language may be known, if it is.
pub fn over_budget(code: &str) -> Option<String> {
    if code.len() > MAX_HIGHLIGHT_BYTES {
        return Some(format!(
            "code block of {} bytes is over the {MAX_HIGHLIGHT_BYTES}-byte highlighting limit",
            code.len()
        ));
    }
    let longest = code.lines().map(str::len).max().unwrap_or(0);
    (longest > MAX_HIGHLIGHT_LINE)
        .then(|| format!("code line of {longest} bytes is over the {MAX_HIGHLIGHT_LINE}-byte highlighting limit"))
}

/// How many recent blocks each thread remembers, so a block rendered twice in a row (a page,
/// then the same page on the printable guide) is highlighted once.
const RECENT_BLOCKS: usize = 32;

/// How many parsed lines each thread remembers before it starts over.
const REMEMBERED_LINES: usize = 20_000;

/// (language, code) pairs to compile grammars for ahead of time.
type Samples = Vec<(String, String)>;

/// The syntax set loads on a thread of its own while the site is read. A grammar's regexes
/// compile the first time they are used, which costs far more than loading (tens of
/// milliseconds for Bash); [`Highlighter::warm_up`] lets that same thread do it early.
pub struct Highlighter {
    /// Tells the line memory of one highlighter from another's.
    id: usize,
    syntaxes: Arc<OnceLock<SyntaxSet>>,
    warm: Mutex<Option<Sender<Samples>>>,
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

fn load_syntaxes() -> SyntaxSet {
    two_face::syntax::extra_newlines()
}

thread_local! {
    /// (language, code, HTML) of the last blocks this thread highlighted.
    static RECENT: RefCell<VecDeque<(String, String, Option<String>)>> = const { RefCell::new(VecDeque::new()) };
}

impl Highlighter {
    /// Starts loading the syntax set; call once and share.
    pub fn new() -> Self {
        let syntaxes = Arc::new(OnceLock::new());
        let (sender, samples) = mpsc::channel::<Samples>();
        let shared = Arc::clone(&syntaxes);
        let spawned = std::thread::Builder::new().name("syntaxes".into()).spawn(move || {
            let syntaxes = shared.get_or_init(load_syntaxes);
            for batch in samples {
                for (lang, code) in batch {
                    let _ = highlight_with(syntaxes, usize::MAX, &lang, &code);
                }
            }
        });
        static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
        Highlighter {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            syntaxes,
            warm: Mutex::new(spawned.ok().map(|_| sender)),
        }
    }

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(load_syntaxes)
    }

    /// Highlights these (language, code) samples on the loading thread and throws the result
    /// away, so the grammars they use are compiled by the time pages need them. Only the
    /// first call does anything; it never changes what [`Highlighter::highlight`] returns.
    pub fn warm_up(&self, samples: Samples) {
        if let Some(sender) = self.warm.lock().ok().and_then(|mut s| s.take()) {
            let _ = sender.send(samples);
        }
    }

    /// True when `lang` names a language this highlighter knows (or plain text).
    pub fn knows(&self, lang: &str) -> bool {
        is_plain(lang) || self.syntaxes().find_syntax_by_token(canonical(lang)).is_some()
    }

    /// The code as escaped HTML spans, or `None` for plain text and unknown languages.
    ///
    /// Each run of text gets at most one short class (`c` comment, `s` string, `n` constant,
    /// `k` keyword, `f` function or name, `v` variable): a few bytes per token instead of
    /// syntect's full scope list, which keeps code-heavy pages small.
    pub fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        if is_plain(lang) || over_budget(code).is_some() {
            return None;
        }
        let recent = RECENT.with(|r| {
            r.borrow()
                .iter()
                .find(|(l, c, _)| l == lang && c == code)
                .map(|(_, _, html)| html.clone())
        });
        if let Some(html) = recent {
            return html;
        }
        let html = highlight_with(self.syntaxes(), self.id, lang, code);
        RECENT.with(|r| {
            let mut r = r.borrow_mut();
            if r.len() >= RECENT_BLOCKS {
                r.pop_front();
            }
            r.push_back((lang.to_string(), code.to_string(), html.clone()));
        });
        html
    }
}

impl Drop for Highlighter {
    /// Freeing the compiled grammars takes milliseconds; it happens on a thread of its own so
    /// a finished build does not wait for it.
    fn drop(&mut self) {
        let syntaxes = std::mem::take(&mut self.syntaxes);
        let _ = std::thread::Builder::new()
            .name("syntaxes-drop".into())
            .spawn(move || drop(syntaxes));
    }
}

/// A line syntect parsed: the state it started from, what it found, and the state after.
struct ParsedLine {
    before: ParseState,
    ops: Vec<(usize, ScopeStackOp)>,
    after: ParseState,
}

/// Lines each thread has parsed, by syntax and text, for one highlighter.
#[derive(Default)]
struct LineMemory {
    highlighter: usize,
    lines: HashMap<String, HashMap<String, Vec<ParsedLine>>>,
    count: usize,
}

thread_local! {
    /// Guides repeat lines (shebangs, `set -euo pipefail`, the same command on many pages), and
    /// a line parsed from an equal state always parses the same way: those are parsed once.
    static LINES: RefCell<LineMemory> = RefCell::new(LineMemory::default());
}

/// Parses one line from `state`, reusing an earlier parse of the same line from an equal state.
fn parse_line(
    syntaxes: &SyntaxSet,
    highlighter: usize,
    syntax: &SyntaxReference,
    state: &mut ParseState,
    line: &str,
) -> Option<Vec<(usize, ScopeStackOp)>> {
    LINES.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.highlighter != highlighter || memory.count >= REMEMBERED_LINES {
            *memory = LineMemory {
                highlighter,
                ..LineMemory::default()
            };
        }
        let seen = memory
            .lines
            .get(&syntax.name)
            .and_then(|by_line| by_line.get(line))
            .and_then(|parses| parses.iter().find(|p| p.before == *state));
        if let Some(parsed) = seen {
            *state = parsed.after.clone();
            return Some(parsed.ops.clone());
        }
        let before = state.clone();
        let ops = state.parse_line(line, syntaxes).ok()?;
        memory.count += 1;
        memory
            .lines
            .entry(syntax.name.clone())
            .or_default()
            .entry(line.to_string())
            .or_default()
            .push(ParsedLine {
                before,
                ops: ops.clone(),
                after: state.clone(),
            });
        Some(ops)
    })
}

fn highlight_with(syntaxes: &SyntaxSet, highlighter: usize, lang: &str, code: &str) -> Option<String> {
    if is_plain(lang) || over_budget(code).is_some() {
        return None;
    }
    let syntax = syntaxes.find_syntax_by_token(canonical(lang))?;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut html = String::with_capacity(code.len() * 2);
    let mut open: Option<&'static str> = None;
    for line in LinesWithEndings::from(code) {
        let ops = parse_line(syntaxes, highlighter, syntax, &mut state, line)?;
        for (range, op) in ScopeRangeIterator::new(&ops, line) {
            stack.apply(op).ok()?;
            let text = line.get(range)?;
            if text.is_empty() {
                continue;
            }
            let class = if text.trim().is_empty() { open } else { category(&stack) };
            if class != open {
                if open.is_some() {
                    html.push_str("</span>");
                }
                if let Some(c) = class {
                    html.push_str("<span class=\"");
                    html.push_str(c);
                    html.push_str("\">");
                }
                open = class;
            }
            // Writing to a String cannot fail.
            let _ = pulldown_cmark_escape::escape_html_body_text(&mut html, text);
        }
    }
    if open.is_some() {
        html.push_str("</span>");
    }
    Some(html)
}

/// The colour class of the innermost scope that has one.
fn category(stack: &ScopeStack) -> Option<&'static str> {
    stack.as_slice().iter().rev().find_map(|scope| class_of(*scope))
}

thread_local! {
    /// Classes of the scopes seen so far: a scope's name is built once per thread, not per token.
    static CLASSES: RefCell<HashMap<Scope, Option<&'static str>>> = RefCell::new(HashMap::new());
}

fn class_of(scope: Scope) -> Option<&'static str> {
    CLASSES.with(|cache| {
        *cache
            .borrow_mut()
            .entry(scope)
            .or_insert_with(|| class_of_name(&scope.build_string()))
    })
}

/// The colour class of one scope name.
fn class_of_name(name: &str) -> Option<&'static str> {
    if name.starts_with("comment") || name.starts_with("punctuation.definition.comment") {
        Some("c")
    } else if name.starts_with("string") || name.starts_with("punctuation.definition.string") {
        Some("s")
    } else if name.starts_with("constant") {
        Some("n")
    } else if name.starts_with("keyword") || name.starts_with("storage") {
        Some("k")
    } else if name.starts_with("entity.name")
        || name.starts_with("support.function")
        || name.starts_with("variable.function")
    {
        Some("f")
    } else if name.starts_with("variable") {
        Some("v")
    } else {
        None
    }
}

/// True for the languages shown as plain text on purpose.
pub fn is_plain(lang: &str) -> bool {
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

/// The colours of highlighted code; the variables are set per theme in the stylesheet.
pub const THEME_CSS: &str = "
.code .c{color:var(--hl-comment);font-style:italic}
.code .s{color:var(--hl-string)}
.code .n{color:var(--hl-constant)}
.code .k{color:var(--hl-keyword)}
.code .f{color:var(--hl-entity)}
.code .v{color:var(--hl-variable)}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_the_languages_the_guide_shows() {
        let h = Highlighter::new();
        for (lang, code) in [
            ("bash", "wrangler delete\n"),
            ("toml", "a = 1\n"),
            ("typescript", "export const A = 8;\n"),
            ("json", "{\"a\": 1}\n"),
        ] {
            let html = h
                .highlight(lang, code)
                .unwrap_or_else(|| panic!("no highlighting for {lang}"));
            assert!(html.contains("<span class=\""), "{lang}: {html}");
        }
        assert!(h.highlight("text", "x").is_none());
    }

    #[test]
    fn repeated_lines_highlight_as_when_first_seen() {
        let h = Highlighter::new();
        let first = "#!/usr/bin/env bash\nset -euo pipefail\ncat <<EOF\nset -euo pipefail\nEOF\n";
        let second = "set -euo pipefail\necho \"\nset -euo pipefail\n\"\nset -euo pipefail\n";
        let a = h.highlight("bash", first).unwrap();
        let b = h.highlight("bash", second).unwrap();
        // A fresh highlighter has no memory of either block.
        assert_eq!(Highlighter::new().highlight("bash", second).unwrap(), b);
        assert_eq!(Highlighter::new().highlight("bash", first).unwrap(), a);
        // The same line is a command at the top level and text inside the heredoc and string.
        let command = "<span class=\"f\">set</span> -euo pipefail\n";
        assert_eq!(
            (a.matches(command).count(), b.matches(command).count()),
            (1, 2),
            "{a}\n{b}"
        );
        assert!(a.contains("<span class=\"s\">set -euo pipefail\n"), "{a}");
        assert!(b.contains("\"\nset -euo pipefail\n\"\n</span>"), "{b}");
    }

    #[test]
    fn long_lines_and_big_blocks_stay_plain_and_quick() {
        let h = Highlighter::new();
        let started = std::time::Instant::now();
        for unit in ["<a>", "a(", "a,"] {
            let line = unit.repeat(63_000 / unit.len());
            assert!(over_budget(&line).is_some());
            assert!(h.highlight("js", &line).is_none());
            // Just under the line limit, the worst unit found still highlights.
            let short = format!("{}\n", unit.repeat(MAX_HIGHLIGHT_LINE / unit.len()));
            assert!(over_budget(&short).is_none());
            assert!(h.highlight("js", &short).is_some());
        }
        assert!(over_budget(&"a\n".repeat(MAX_HIGHLIGHT_BYTES)).is_some());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn escapes_code() {
        let html = Highlighter::new().highlight("bash", "echo '<script>'\n").unwrap();
        assert!(!html.contains("<script>"), "{html}");
    }
}

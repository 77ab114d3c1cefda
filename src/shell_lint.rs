//! Shell lint: every shell command the guide publishes goes through `shellcheck`.
//!
//! What counts as a shell snippet:
//! - in a page (`content/**/*.md`): the body of a fenced block whose language is `bash`, `sh`,
//!   `shell`, `zsh` or `console`. In a `console` block only the lines that start with a prompt
//!   (`$ ` or `# `) are commands, plus the continuation lines of a command that ends in `\`;
//!   the other lines are output and are skipped;
//! - in a checklist (`content/checklists/*.toml`): the `code` field of an item, and every code
//!   span in an item's or step's `text` and `detail` whose first word looks like a program
//!   name (lowercase ASCII letters, digits, `-` and `_`) followed by a space, such as
//!   `` `sudo ufw allow ssh` `` or `` `openclaw security audit --deep` ``. Spans such as
//!   `` `PermitRootLogin no` ``, `` `~/.openclaw` `` or `` `gateway.bind` `` are not commands.
//!
//! Each snippet is written to its own file and the whole set is checked by one `shellcheck`
//! run, so the cost is one process however many snippets there are. A finding becomes a
//! located diagnostic on the snippet's line in the `.md` or `.toml` file. An exception is an
//! inline directive in the snippet itself: `# shellcheck disable=SC2086 # why`.

use crate::diagnostics::{Diagnostic, Location, line_col};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use toml::Spanned;

/// A shellcheck finding.
pub const FINDING: &str = "E110";
/// shellcheck is not installed, so nothing was linted.
pub const NOT_LINTED: &str = "W110";

/// One shell snippet, line by line, with where each line sits in its source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Path of the source file relative to the site root.
    pub path: String,
    /// The dialect shellcheck checks it as: `bash` or `sh`.
    pub shell: &'static str,
    pub lines: Vec<SnippetLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetLine {
    pub text: String,
    /// 1-based line and column of the first character of `text` in the source file.
    pub line: usize,
    pub col: usize,
}

impl Snippet {
    /// The script handed to shellcheck: a directive naming the dialect (unless the snippet
    /// starts with its own `#!` line, which names it), then the lines.
    fn script(&self) -> String {
        let mut out = String::new();
        if self.header_lines() == 1 {
            out = format!("# shellcheck shell={}\n", self.shell);
        }
        for line in &self.lines {
            out.push_str(&line.text);
            out.push('\n');
        }
        out
    }

    /// How many lines the script has before the snippet's first line.
    fn header_lines(&self) -> usize {
        match self.lines.first() {
            Some(line) if line.text.starts_with("#!") => 0,
            _ => 1,
        }
    }
}

/// The shell snippets of one content file; `path` decides how the text is read
/// (`.md` pages, `.toml` files under `content/checklists/`). Other files have none.
pub fn extract(path: &str, text: &str) -> Vec<Snippet> {
    if path.ends_with(".md") {
        from_page(path, text)
    } else if path.ends_with(".toml") && path.contains("checklists/") {
        from_checklist(path, text)
    } else {
        Vec::new()
    }
}

/// The dialect of a fenced block's language, or `None` when it is not shell.
fn dialect(info: &str) -> Option<(&'static str, bool)> {
    let lang = info.split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or("");
    match lang.to_ascii_lowercase().as_str() {
        "bash" | "shell" | "zsh" => Some(("bash", false)),
        "sh" => Some(("sh", false)),
        "console" => Some(("bash", true)),
        _ => None,
    }
}

fn from_page(path: &str, text: &str) -> Vec<Snippet> {
    let mut snippets = Vec::new();
    // (dialect, console?, lines so far)
    let mut open: Option<(&'static str, bool, Vec<SnippetLine>)> = None;
    for (event, range) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = dialect(&info).map(|(shell, console)| (shell, console, Vec::new()));
            }
            Event::Text(chunk) => {
                if let Some((_, _, lines)) = open.as_mut() {
                    // A code block's text is a verbatim slice of the source, line by line;
                    // when it is not (tabs expanded), every line points at the chunk's start.
                    let verbatim = text.get(range.clone()) == Some(chunk.as_ref());
                    let mut offset = 0;
                    for piece in chunk.split_inclusive('\n') {
                        let at = if verbatim { range.start + offset } else { range.start };
                        let (line, col) = line_col(text, at);
                        lines.push(SnippetLine {
                            text: piece.trim_end_matches(['\n', '\r']).to_string(),
                            line,
                            col,
                        });
                        offset += piece.len();
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((shell, console, lines)) = open.take() {
                    let lines = if console { console_commands(lines) } else { lines };
                    if lines.iter().any(|l| !l.text.trim().is_empty()) {
                        snippets.push(Snippet {
                            path: path.to_string(),
                            shell,
                            lines,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    snippets
}

/// Keeps the commands of a console transcript: prompt lines without their prompt, and the
/// continuation lines of a command ending in `\`.
fn console_commands(lines: Vec<SnippetLine>) -> Vec<SnippetLine> {
    let mut out = Vec::new();
    let mut continues = false;
    for mut line in lines {
        if continues {
            continues = line.text.ends_with('\\');
            out.push(line);
        } else if let Some(command) = line.text.strip_prefix("$ ").or_else(|| line.text.strip_prefix("# ")) {
            line.text = command.to_string();
            line.col += 2;
            continues = line.text.ends_with('\\');
            out.push(line);
        }
    }
    out
}

#[derive(Deserialize)]
struct ChecklistFile {
    #[serde(default)]
    group: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    item: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    text: Option<Spanned<String>>,
    detail: Option<Spanned<String>>,
    code: Option<Spanned<String>>,
    #[serde(default)]
    step: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    text: Option<Spanned<String>>,
}

fn from_checklist(path: &str, text: &str) -> Vec<Snippet> {
    // A file that does not parse is reported by the loader; there is nothing to lint here.
    let Ok(file) = toml::from_str::<ChecklistFile>(text) else {
        return Vec::new();
    };
    let mut snippets = Vec::new();
    for item in file.group.iter().flat_map(|g| &g.item) {
        if let Some(code) = &item.code {
            let string = TomlString::new(text, code);
            let mut lines = Vec::new();
            let mut offset = 0;
            for piece in code.get_ref().split_inclusive('\n') {
                let (line, col) = line_col(text, string.source_offset(offset));
                lines.push(SnippetLine {
                    text: piece.trim_end_matches(['\n', '\r']).to_string(),
                    line,
                    col,
                });
                offset += piece.len();
            }
            snippets.push(Snippet {
                path: path.to_string(),
                shell: "bash",
                lines,
            });
        }
        let prose = [&item.text, &item.detail]
            .into_iter()
            .chain(item.step.iter().map(|s| &s.text))
            .flatten();
        for value in prose {
            let string = TomlString::new(text, value);
            for (start, command) in command_spans(value.get_ref()) {
                let (line, col) = line_col(text, string.source_offset(start));
                snippets.push(Snippet {
                    path: path.to_string(),
                    shell: "bash",
                    lines: vec![SnippetLine {
                        text: command,
                        line,
                        col,
                    }],
                });
            }
        }
    }
    snippets
}

/// Code spans of an inline Markdown text that are commands, with their byte offsets.
fn command_spans(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (event, range) in Parser::new_ext(markdown, crate::markdown::options()).into_offset_iter() {
        if let Event::Code(code) = event
            && looks_like_command(&code)
        {
            let raw = markdown.get(range.clone()).unwrap_or("");
            let start = range.start + raw.find(code.as_ref()).unwrap_or(0);
            out.push((start, code.to_string()));
        }
    }
    out
}

/// The documented rule: a program-like first word followed by a space.
fn looks_like_command(code: &str) -> bool {
    let Some((first, _)) = code.split_once(' ') else {
        return false;
    };
    let mut chars = first.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

/// Where the bytes of a decoded TOML string sit in the file, so a finding inside an escaped
/// string still points at the right column.
struct TomlString {
    /// For every byte of the decoded value, its offset in the file; one extra entry for the end.
    offsets: Vec<usize>,
    fallback: usize,
}

impl TomlString {
    fn new(file: &str, value: &Spanned<String>) -> Self {
        let span = value.span();
        let raw = file.get(span.clone()).unwrap_or("");
        let offsets = decode_offsets(raw, span.start)
            .filter(|(decoded, _)| decoded == value.get_ref())
            .map(|(_, offsets)| offsets)
            .unwrap_or_default();
        TomlString {
            offsets,
            fallback: span.start + 1,
        }
    }

    fn source_offset(&self, decoded: usize) -> usize {
        self.offsets.get(decoded).copied().unwrap_or(self.fallback)
    }
}

/// Decodes one TOML string token (`"…"`, `'…'`, `"""…"""` or `'''…'''`) and records, for every
/// decoded byte, the offset in the file of the character it came from.
fn decode_offsets(raw: &str, base: usize) -> Option<(String, Vec<usize>)> {
    let (quote, literal) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", false)
    } else if raw.starts_with("'''") {
        ("'''", true)
    } else if raw.starts_with('"') {
        ("\"", false)
    } else if raw.starts_with('\'') {
        ("'", true)
    } else {
        return None;
    };
    let body_end = raw.len().checked_sub(quote.len())?;
    let mut start = quote.len();
    let multiline = quote.len() == 3;
    if multiline {
        // A newline right after the opening quotes is not part of the value.
        if raw[start..].starts_with("\r\n") {
            start += 2;
        } else if raw[start..].starts_with('\n') {
            start += 1;
        }
    }
    let body = raw.get(start..body_end)?;
    let mut decoded = String::new();
    let mut offsets = Vec::new();
    let mut chars = body.char_indices().peekable();
    let push = |decoded: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
        decoded.push(c);
        offsets.extend(std::iter::repeat_n(base + start + at, c.len_utf8()));
    };
    while let Some((at, c)) = chars.next() {
        if literal || c != '\\' {
            push(&mut decoded, &mut offsets, c, at);
            continue;
        }
        let (_, escape) = chars.next()?;
        let simple = match escape {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            push(&mut decoded, &mut offsets, c, at);
            continue;
        }
        let digits = match escape {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            // A line-ending backslash in a multi-line string swallows the following whitespace.
            c if multiline && c.is_whitespace() => {
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
                continue;
            }
            _ => return None,
        };
        let mut hex = String::new();
        for _ in 0..digits {
            hex.push(chars.next()?.1);
        }
        let c = char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?;
        push(&mut decoded, &mut offsets, c, at);
    }
    offsets.push(base + body_end);
    Some((decoded, offsets))
}

/// `shellcheck` on `PATH`, if it is installed.
pub fn find_shellcheck() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("shellcheck"))
        .find(|candidate| candidate.is_file())
}

/// The warning given once when shellcheck is missing.
pub fn not_linted(snippets: usize) -> Diagnostic {
    Diagnostic::warning(
        NOT_LINTED,
        Location::file("content"),
        format!("shellcheck is not installed, so {snippets} shell snippet(s) were not linted"),
    )
    .with_help("install it (Debian/Ubuntu: `apt-get install shellcheck`) and run check again")
}

#[derive(Deserialize)]
struct Report {
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Comment {
    file: String,
    line: usize,
    column: usize,
    level: String,
    code: u32,
    message: String,
}

/// Runs `shellcheck` once over every snippet and turns each finding into a located error.
/// `Err` means shellcheck itself could not run or answered something unreadable.
pub fn lint(snippets: &[Snippet], shellcheck: &Path) -> Result<Vec<Diagnostic>, String> {
    if snippets.is_empty() {
        return Ok(Vec::new());
    }
    let dir = ScratchDir::new()?;
    let mut files = Vec::with_capacity(snippets.len());
    for (index, snippet) in snippets.iter().enumerate() {
        let file = dir.path.join(format!("{index:05}.sh"));
        std::fs::write(&file, snippet.script()).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        files.push(file);
    }
    let output = Command::new(shellcheck)
        .arg("--format=json1")
        .args(&files)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", shellcheck.display()))?;
    // 0: clean, 1: findings; anything else is shellcheck failing.
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "shellcheck failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let report: Report =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("unreadable shellcheck output: {e}"))?;
    let mut diagnostics = Vec::new();
    for comment in report.comments {
        let index = Path::new(&comment.file)
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<usize>().ok());
        let Some(snippet) = index.and_then(|i| snippets.get(i)) else {
            continue;
        };
        let location = match comment
            .line
            .checked_sub(1 + snippet.header_lines())
            .and_then(|i| snippet.lines.get(i))
        {
            Some(line) => Location::at(&snippet.path, line.line, line.col + comment.column.saturating_sub(1)),
            None => snippet.lines.first().map_or_else(
                || Location::file(&snippet.path),
                |l| Location::at(&snippet.path, l.line, l.col),
            ),
        };
        diagnostics.push(
            Diagnostic::error(
                FINDING,
                location,
                format!("shellcheck SC{} ({}): {}", comment.code, comment.level, comment.message),
            )
            .with_help(format!(
                "see https://www.shellcheck.net/wiki/SC{0}; fix the command, or put `# shellcheck disable=SC{0} # reason` on the line above it",
                comment.code
            )),
        );
    }
    Ok(diagnostics)
}

/// A private directory for the snippet files, removed when dropped.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn new() -> Result<Self, String> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let path = base.join(format!("riskguide-shell-lint-{}-{attempt}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
            }
        }
        Err(format!("cannot create a scratch directory in {}", base.display()))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_shell_blocks_keep_their_lines_and_indentation() {
        let page =
            "+++\ntitle = \"t\"\n+++\n\n1. Step:\n\n   ```bash\n   echo one\n   echo two\n   ```\n\n```json\n{}\n```\n";
        let snippets = extract("content/p.md", page);
        assert_eq!(snippets.len(), 1);
        let lines = &snippets[0].lines;
        assert_eq!(
            lines[0],
            SnippetLine {
                text: "echo one".into(),
                line: 8,
                col: 4
            }
        );
        assert_eq!(lines[1].line, 9);
    }

    #[test]
    fn console_blocks_lint_only_the_prompted_commands() {
        let page = "```console\n$ ls -la \\\n  /tmp\ntotal 0\n# whoami\nroot\n```\n";
        let snippets = extract("content/p.md", page);
        let texts: Vec<&str> = snippets[0].lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["ls -la \\", "  /tmp", "whoami"]);
        assert_eq!((snippets[0].lines[0].line, snippets[0].lines[0].col), (2, 3));
    }

    #[test]
    fn checklists_give_code_fields_and_command_spans() {
        let toml = "id = \"c\"\n[[group]]\ntitle = \"g\"\n[[group.item]]\nid = \"a\"\ntext = \"Run `sudo ufw allow ssh`, not `PermitRootLogin no` or `~/.openclaw`\"\ncode = \"X=\\\"$(date)\\\"; echo \\\"$X\\\"\"\n[[group.item.step]]\nid = \"s\"\ntext = \"`gateway.bind` then `openclaw gateway run`\"\n";
        let snippets = extract("content/checklists/c.toml", toml);
        let texts: Vec<&str> = snippets.iter().map(|s| s.lines[0].text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "X=\"$(date)\"; echo \"$X\"",
                "sudo ufw allow ssh",
                "openclaw gateway run"
            ]
        );
        // The code field starts right after its opening quote on line 7.
        assert_eq!((snippets[0].lines[0].line, snippets[0].lines[0].col), (7, 9));
        // `sudo` sits at column 14 of line 6, after `text = "Run ``.
        assert_eq!((snippets[1].lines[0].line, snippets[1].lines[0].col), (6, 14));
    }

    #[test]
    fn escaped_toml_strings_map_back_to_their_columns() {
        let raw = r#""a\"b""#;
        let (decoded, offsets) = decode_offsets(raw, 10).unwrap();
        assert_eq!(decoded, "a\"b");
        assert_eq!(offsets, [11, 12, 14, 15]);
        assert!(decode_offsets("bare", 0).is_none());
    }

    #[test]
    fn command_rule_rejects_settings_and_paths() {
        for yes in [
            "sudo ufw enable",
            "openclaw config set a b",
            "ssh-keygen -t ed25519",
            "npm run deploy",
        ] {
            assert!(looks_like_command(yes), "{yes}");
        }
        for no in [
            "PermitRootLogin no",
            "~/.openclaw",
            "gateway.bind = \"lan\"",
            "HISTCONTROL=ignoreboth",
            "fetch",
        ] {
            assert!(!looks_like_command(no), "{no}");
        }
    }

    #[test]
    fn findings_point_at_the_snippet_line_in_the_source() {
        let Some(shellcheck) = find_shellcheck() else {
            panic!("shellcheck is required for this test (tests/run installs it)");
        };
        let page = "Intro.\n\n```bash\necho ok\n  echo $UNQUOTED\n```\n";
        let snippets = extract("content/p.md", page);
        let found = lint(&snippets, &shellcheck).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, FINDING);
        assert!(found[0].message.contains("SC2086"), "{}", found[0].message);
        assert_eq!(found[0].location, Location::at("content/p.md", 5, 8));
        let clean = extract(
            "content/q.md",
            "```sh\n# shellcheck disable=SC2086 # demo\necho $X\n```\n",
        );
        assert!(lint(&clean, &shellcheck).unwrap().is_empty());
    }
}

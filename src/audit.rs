//! Audits: read-only shell checks attached to checklist items and steps.
//!
//! An audit's command is parsed as POSIX shell (brush-parser) and accepted only when every
//! command in it is on the read-only allow-list below, with no redirection, no expansion other
//! than the home directory, no background job and no compound command. The allow-list is code,
//! not content, so widening it is a reviewed code change and a content contribution cannot
//! slip a writer in. A vetted command is written back out with every word single-quoted by
//! riskguide, so the generated script runs exactly the words that were vetted.

use crate::diagnostics::{Diagnostic, Location};
use crate::load::RawAudit;
use brush_parser::ast;
use brush_parser::word::{Parameter, ParameterExpr, TildeExpr, WordPiece, WordPieceWithSource};
use serde::Serialize;
use std::ops::Range;

/// The longest audit command accepted, in bytes: an audit is one short check.
const MAX_COMMAND_LEN: usize = 1000;
/// Seconds an audit may run when its checklist entry names no timeout.
pub const DEFAULT_TIMEOUT: u32 = 10;
const MAX_TIMEOUT: i64 = 300;

/// Which systems an audit runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Macos,
    Linux,
    Any,
}

/// A vetted audit, ready for the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub system: System,
    /// The command as the author wrote it (shown in the script's comments and output).
    pub command: String,
    /// The same command with every word quoted by riskguide: what the script runs.
    pub script: String,
    /// The exit status that passes; `None` when only the output decides.
    pub exit: Option<u8>,
    /// An extended regular expression (as `grep -E` reads it) some output line must match.
    pub output: Option<String>,
    /// An extended regular expression no output line may match.
    pub not_output: Option<String>,
    pub root: bool,
    pub timeout: u32,
}

/// What the commands on the allow-list may be given.
struct Tool {
    name: &'static str,
    /// When not empty, the arguments must start with one of these word sequences.
    leading: &'static [&'static [&'static str]],
    /// Flags that make the tool write or run something, refused wherever they appear.
    writer_flags: &'static [Flag],
    /// The most operands (arguments not starting with `-`) after the leading words.
    max_operands: Option<usize>,
    /// Refuse operands holding `=` (`sysctl name=value` sets a value).
    no_assignments: bool,
    /// Characters no argument may hold, for a tool that joins its arguments into one line of
    /// its own language, where these start another command or a block (`nft list x ';' flush
    /// ruleset` flushes though the shell sees no `;`). Such a tool is also given no word that
    /// expands `~` or `$HOME`, whose value it would read as part of that line.
    command_chars: &'static [char],
    /// When set, the whole argument list must fit this exact shape: an allow-list of arguments
    /// for a tool with too many writers to refuse one by one.
    shape: Option<Shape>,
}

/// An exact allow-list of argument lists, every word a plain literal.
#[derive(Clone, Copy)]
struct Shape {
    fits: fn(&[&str]) -> bool,
    /// The accepted forms, for the message of a refusal.
    usage: &'static str,
}

#[derive(Clone, Copy)]
enum Flag {
    /// A whole word, such as `-delete`; a long option also matches as `--name=value` and
    /// abbreviated (`--out` for `--output`), as `getopt_long` reads it.
    Word(&'static str),
    /// A single-letter option, also inside a cluster such as `-ni`.
    Letter(char),
}

const fn tool(name: &'static str) -> Tool {
    Tool {
        name,
        leading: &[],
        writer_flags: &[],
        max_operands: None,
        no_assignments: false,
        command_chars: &[],
        shape: None,
    }
}

const fn only(name: &'static str, leading: &'static [&'static [&'static str]]) -> Tool {
    Tool { leading, ..tool(name) }
}

const fn without(name: &'static str, writer_flags: &'static [Flag]) -> Tool {
    Tool {
        writer_flags,
        ..tool(name)
    }
}

/// Commands that only read. `awk` and `sed` are not here: their scripts can write files
/// (`print > f`, `w f`) and run commands (`system()`, `e`), which no flag check can rule out.
/// Shells, `env`, `xargs`, `nice`, `timeout` and the like are not here either: they run other commands.
const ALLOWED: &[Tool] = &[
    // Files and text.
    tool("cat"),
    tool("head"),
    tool("tail"),
    tool("wc"),
    tool("cut"),
    tool("tr"),
    tool("grep"),
    tool("egrep"),
    tool("ls"),
    tool("stat"),
    tool("readlink"),
    tool("test"),
    tool("du"),
    tool("df"),
    without("sort", &[Flag::Letter('o'), Flag::Word("--output")]),
    Tool {
        max_operands: Some(1),
        ..tool("uniq")
    },
    without(
        "find",
        &[
            Flag::Word("-delete"),
            Flag::Word("-exec"),
            Flag::Word("-execdir"),
            Flag::Word("-ok"),
            Flag::Word("-okdir"),
            Flag::Word("-fprint"),
            Flag::Word("-fprint0"),
            Flag::Word("-fprintf"),
            Flag::Word("-fls"),
        ],
    ),
    // Users and processes.
    tool("id"),
    tool("whoami"),
    tool("groups"),
    tool("ps"),
    tool("pgrep"),
    tool("uname"),
    tool("sw_vers"),
    tool("getent"),
    Tool {
        max_operands: Some(0),
        ..without("hostname", &[Flag::Letter('F'), Flag::Word("--file")])
    },
    only("crontab", &[&["-l"]]),
    only("passwd", &[&["-S"]]),
    // Network.
    tool("lsof"),
    tool("netstat"),
    without("ss", &[Flag::Letter('K'), Flag::Word("--kill")]),
    only("ufw", &[&["status"]]),
    without(
        "iptables",
        &[
            Flag::Letter('A'),
            Flag::Letter('C'),
            Flag::Letter('D'),
            Flag::Letter('I'),
            Flag::Letter('R'),
            Flag::Letter('F'),
            Flag::Letter('Z'),
            Flag::Letter('N'),
            Flag::Letter('X'),
            Flag::Letter('P'),
            Flag::Letter('E'),
            Flag::Word("--append"),
            Flag::Word("--check"),
            Flag::Word("--delete"),
            Flag::Word("--insert"),
            Flag::Word("--replace"),
            Flag::Word("--flush"),
            Flag::Word("--zero"),
            Flag::Word("--new-chain"),
            Flag::Word("--delete-chain"),
            Flag::Word("--policy"),
            Flag::Word("--rename-chain"),
        ],
    ),
    only("tailscale", &[&["status"], &["serve", "status"], &["funnel", "status"]]),
    // nftables: only `nft list …`. nft joins its arguments into one command line and reads `;`
    // and newlines there as command separators and `{ }` as blocks, so `nft list ruleset ';'
    // flush ruleset` would flush: no argument may hold them. Refused options: `-f`/`--file`
    // and `-i`/`--interactive` read commands from a file or stdin, `-I`/`--includepath` adds
    // where `include` reads files from, `-o`/`--optimize` rewrites the ruleset it is given,
    // `-D`/`--define` defines variables for such input, and `-j`/`--json` makes nft try its
    // command line as JSON commands first.
    Tool {
        command_chars: &[';', '\n', '\r', '{', '}'],
        writer_flags: &[
            Flag::Letter('f'),
            Flag::Word("--file"),
            Flag::Letter('i'),
            Flag::Word("--interactive"),
            Flag::Letter('I'),
            Flag::Word("--includepath"),
            Flag::Letter('o'),
            Flag::Word("--optimize"),
            Flag::Letter('D'),
            Flag::Word("--define"),
            Flag::Letter('j'),
            Flag::Word("--json"),
        ],
        ..only("nft", &[&["list"]])
    },
    // pf on macOS: only showing rules and state, as an exact allow-list of shapes, because pfctl
    // has too many writers to refuse one by one (`-f` loads, `-e`/`-E`/`-d`/`-X` enable and
    // disable, `-F` flushes, `-k`/`-K` kill states, `-T` edits tables, `-z` zeroes counters,
    // `-x` sets the debug level, `-A`/`-N`/`-O`/`-R` load parts of a file, `-D` defines macros
    // for one) and `-s` only reads whatever it is given.
    Tool {
        shape: Some(Shape {
            fits: pfctl_shows,
            usage: "`pfctl [-v|-vv] [-a ANCHOR] -s MODIFIER` (or `-sMODIFIER`), MODIFIER one of rules, nat, Anchors, info, all or their first letter",
        }),
        ..tool("pfctl")
    },
    // Services and system settings.
    only(
        "systemctl",
        &[
            &["is-active"],
            &["is-enabled"],
            &["is-failed"],
            &["status"],
            &["show"],
            &["cat"],
            &["list-units"],
            &["list-timers"],
        ],
    ),
    Tool {
        no_assignments: true,
        ..without(
            "sysctl",
            &[
                Flag::Letter('w'),
                Flag::Word("--write"),
                Flag::Letter('p'),
                Flag::Word("--load"),
            ],
        )
    },
    only("sshd", &[&["-T"]]),
    // Only `apt-config dump`; `-o`/`--option` and `-c`/`--config-file` (anywhere: apt reads
    // options after the command too) are refused, so it shows the machine's own settings.
    Tool {
        writer_flags: &[
            Flag::Letter('o'),
            Flag::Word("--option"),
            Flag::Letter('c'),
            Flag::Word("--config-file"),
        ],
        ..only("apt-config", &[&["dump"]])
    },
    only("swapon", &[&["--show"], &["-s"]]),
    only("fdesetup", &[&["status"], &["isactive"]]),
    only("tmutil", &[&["isexcluded"]]),
    only("csrutil", &[&["status"]]),
    only("spctl", &[&["--status"]]),
    only("defaults", &[&["read"], &["read-type"]]),
    only("launchctl", &[&["print"], &["list"]]),
    only(
        "/usr/libexec/ApplicationFirewall/socketfilterfw",
        &[
            &["--getglobalstate"],
            &["--getstealthmode"],
            &["--getblockall"],
            &["--getallowsigned"],
        ],
    ),
    only("softwareupdate", &[&["-l"], &["--list"]]),
    only("docker", &[&["ps"], &["inspect"], &["info"], &["version"]]),
    // The agent and its tools.
    only("node", &[&["--version"], &["-v"]]),
    only("npm", &[&["--version"], &["ls"], &["list"]]),
    Tool {
        writer_flags: &[Flag::Word("--fix")],
        ..only(
            "openclaw",
            &[
                &["--version"],
                &["config", "get"],
                &["config", "file"],
                &["config", "validate"],
                &["security", "audit"],
            ],
        )
    },
    only(
        "wrangler",
        &[
            &["whoami"],
            &["secret", "list"],
            &["deployments", "list"],
            &["--version"],
        ],
    ),
];

/// Commands that raise privileges: an audit that needs root says so with `root = true`.
const ESCALATORS: &[&str] = &["sudo", "su", "doas", "pkexec", "run0"];

/// Maps a byte offset inside the audit command to a location in its file.
pub struct CommandSite<'a> {
    /// The location of the command value itself (its opening quote).
    pub whole: Location,
    /// Turns a byte offset of the command's text into a location, when the command appears in
    /// its file exactly as written (no escapes), so a problem can point at the word itself.
    pub at: Option<&'a dyn Fn(usize) -> Location>,
}

impl CommandSite<'_> {
    fn locate(&self, offset: Option<usize>) -> Location {
        match (self.at, offset) {
            (Some(at), Some(offset)) => at(offset),
            _ => self.whole.clone(),
        }
    }
}

/// Checks one audit entry. `locate` turns a byte span of the file into a location, and `source`
/// is the file's text, so a problem inside a command written without escapes points at its word.
pub fn vet(raw: &RawAudit, locate: &dyn Fn(Range<usize>) -> Location, source: &str) -> Result<Audit, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let system = match raw.system.get_ref().as_str() {
        "macos" => System::Macos,
        "linux" => System::Linux,
        "any" => System::Any,
        other => {
            problems.push(
                Diagnostic::error(
                    "E100",
                    locate(raw.system.span()),
                    format!("unknown audit system `{}`", other.escape_debug()),
                )
                .with_help("an audit's system is macos, linux or any"),
            );
            System::Any
        }
    };
    let exit = match &raw.exit {
        None => None,
        Some(e) => match u8::try_from(*e.get_ref()) {
            Ok(code) => Some(code),
            Err(_) => {
                problems.push(Diagnostic::error(
                    "E100",
                    locate(e.span()),
                    format!("exit status {} is not between 0 and 255", e.get_ref()),
                ));
                None
            }
        },
    };
    let mut pattern = |p: &Option<toml::Spanned<String>>| {
        let p = p.as_ref()?;
        match pattern_problem(p.get_ref()) {
            None => Some(p.get_ref().clone()),
            Some(why) => {
                problems.push(
                    Diagnostic::error("E100", locate(p.span()), format!("audit pattern {why}")).with_help(
                        "patterns are POSIX extended regular expressions, as `grep -E` reads them on macOS and Linux",
                    ),
                );
                None
            }
        }
    };
    let output = pattern(&raw.output);
    let not_output = pattern(&raw.not_output);
    let timeout = match &raw.timeout {
        None => DEFAULT_TIMEOUT,
        Some(t) if (1..=MAX_TIMEOUT).contains(t.get_ref()) => *t.get_ref() as u32,
        Some(t) => {
            problems.push(Diagnostic::error(
                "E100",
                locate(t.span()),
                format!(
                    "audit timeout {} is not between 1 and {MAX_TIMEOUT} seconds",
                    t.get_ref()
                ),
            ));
            DEFAULT_TIMEOUT
        }
    };
    // With no condition at all, success means exit status 0.
    let exit = if exit.is_none() && raw.output.is_none() && raw.not_output.is_none() {
        Some(0)
    } else {
        exit
    };

    let span = raw.command.span();
    let command = raw.command.get_ref();
    // The command's text starts one byte after its opening quote when the file holds it verbatim.
    let verbatim = source
        .get(span.start + 1..span.end.saturating_sub(1))
        .is_some_and(|inner| inner == command)
        .then_some(span.start + 1);
    let at_offset =
        |offset: usize| locate(verbatim.unwrap_or(span.start) + offset..verbatim.unwrap_or(span.start) + offset);
    let site = CommandSite {
        whole: locate(span.clone()),
        at: verbatim.map(|_| &at_offset as &dyn Fn(usize) -> Location),
    };
    match vet_command(command, &site) {
        Ok(script) if problems.is_empty() => Ok(Audit {
            system,
            command: command.clone(),
            script,
            exit,
            output,
            not_output,
            root: raw.root,
            timeout,
        }),
        Ok(_) => Err(problems),
        Err(mut found) => {
            problems.append(&mut found);
            Err(problems)
        }
    }
}

/// Why a pattern cannot be used, if it cannot.
fn pattern_problem(p: &str) -> Option<String> {
    if p.is_empty() {
        return Some("is empty".into());
    }
    if p.chars().any(char::is_control) {
        return Some("holds a control character".into());
    }
    // `\d`, `\s`, `\w`, `\b` and friends are extensions that not every grep reads.
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
            && next.is_ascii_alphanumeric()
        {
            return Some(format!(
                "uses `\\{next}`, which is not portable; use a bracket expression instead"
            ));
        }
    }
    None
}

/// Parses and vets a command; on success returns it rewritten with riskguide's own quoting.
pub fn vet_command(command: &str, site: &CommandSite) -> Result<String, Vec<Diagnostic>> {
    let problem = |code: &'static str, offset: Option<usize>, message: String| {
        Diagnostic::error(code, site.locate(offset), message)
    };
    if command.trim().is_empty() {
        return Err(vec![problem("E100", None, "audit command is empty".into())]);
    }
    if command.len() > MAX_COMMAND_LEN {
        return Err(vec![problem(
            "E100",
            None,
            format!(
                "audit command is {} bytes long; the most is {MAX_COMMAND_LEN}",
                command.len()
            ),
        )]);
    }
    if let Some((at, c)) = command.char_indices().find(|(_, c)| c.is_control()) {
        return Err(vec![problem(
            "E100",
            Some(at),
            format!(
                "audit command holds the control character {:?}; write it on one line",
                c
            ),
        )]);
    }
    let options = parser_options();
    let program = match brush_parser::Parser::new(std::io::Cursor::new(command.as_bytes()), &options).parse_program() {
        Ok(p) => p,
        Err(e) => {
            let offset = match &e {
                brush_parser::ParseError::ParsingNear(p) => Some(byte_offset(command, p.index)),
                brush_parser::ParseError::Tokenizing { position: Some(p), .. } => Some(byte_offset(command, p.index)),
                _ => None,
            };
            return Err(vec![
                problem(
                    "E101",
                    offset,
                    format!("audit command does not parse as a shell command: {e}"),
                )
                .with_help("an audit is one command, or commands joined by `|`, `&&`, `||` or `;`"),
            ]);
        }
    };
    let mut vetter = Vetter {
        command,
        site,
        options,
        problems: Vec::new(),
    };
    let script = vetter.program(&program);
    if vetter.problems.is_empty() {
        Ok(script)
    } else {
        Err(vetter.problems)
    }
}

fn parser_options() -> brush_parser::ParserOptions {
    brush_parser::ParserOptions {
        enable_extended_globbing: false,
        posix_mode: true,
        sh_mode: true,
        tilde_expansion_at_word_start: true,
        tilde_expansion_after_colon: false,
        ..Default::default()
    }
}

/// The byte offset of the `index`th character (brush-parser counts characters).
fn byte_offset(text: &str, index: usize) -> usize {
    text.char_indices().nth(index).map_or(text.len(), |(at, _)| at)
}

/// How a command is joined to the one before it, for messages.
#[derive(Clone, Copy)]
enum Joined {
    First,
    Pipe,
    And,
    Or,
    Sequence,
}

impl Joined {
    fn phrase(self) -> &'static str {
        match self {
            Joined::First => "",
            Joined::Pipe => " (piped into with `|`)",
            Joined::And => " (chained with `&&`)",
            Joined::Or => " (chained with `||`)",
            Joined::Sequence => " (chained with `;`)",
        }
    }
}

/// A piece of a vetted word.
enum Part {
    Literal(String),
    Home,
}

struct Vetter<'a> {
    command: &'a str,
    site: &'a CommandSite<'a>,
    options: brush_parser::ParserOptions,
    problems: Vec<Diagnostic>,
}

impl Vetter<'_> {
    fn error(&mut self, code: &'static str, offset: Option<usize>, message: String) -> &mut Diagnostic {
        self.problems
            .push(Diagnostic::error(code, self.site.locate(offset), message));
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    fn word_offset(&self, word: &ast::Word) -> Option<usize> {
        word.loc.as_ref().map(|l| byte_offset(self.command, l.start.index))
    }

    fn program(&mut self, program: &ast::Program) -> String {
        let mut lists = Vec::new();
        let mut joined = Joined::First;
        for complete in &program.complete_commands {
            for ast::CompoundListItem(and_or, separator) in &complete.0 {
                let mut text = self.pipeline(&and_or.first, joined);
                for next in &and_or.additional {
                    let (op, pipeline, how) = match next {
                        ast::AndOr::And(p) => ("&&", p, Joined::And),
                        ast::AndOr::Or(p) => ("||", p, Joined::Or),
                    };
                    text.push_str(&format!(" {op} {}", self.pipeline(pipeline, how)));
                }
                if matches!(separator, ast::SeparatorOperator::Async) {
                    let at = self.pipeline_offset(&and_or.first);
                    self.error(
                        "E107",
                        at,
                        "audit command runs something in the background with `&`".into(),
                    );
                }
                lists.push(text);
                joined = Joined::Sequence;
            }
        }
        lists.join("; ")
    }

    fn pipeline_offset(&self, pipeline: &ast::Pipeline) -> Option<usize> {
        match pipeline.seq.first() {
            Some(ast::Command::Simple(s)) => self.simple_offset(s),
            _ => None,
        }
    }

    fn simple_offset(&self, simple: &ast::SimpleCommand) -> Option<usize> {
        let first_prefix_word = simple.prefix.as_ref().and_then(|p| {
            p.0.iter().find_map(|item| match item {
                ast::CommandPrefixOrSuffixItem::Word(w) | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    self.word_offset(w)
                }
                _ => None,
            })
        });
        first_prefix_word.or_else(|| simple.word_or_name.as_ref().and_then(|w| self.word_offset(w)))
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, joined: Joined) -> String {
        if pipeline.timed.is_some() {
            let at = self.pipeline_offset(pipeline);
            self.error("E107", at, "audit command uses `time`".into());
        }
        let mut parts = Vec::new();
        for (i, command) in pipeline.seq.iter().enumerate() {
            let how = if i == 0 { joined } else { Joined::Pipe };
            match command {
                ast::Command::Simple(simple) => parts.push(self.simple(simple, how)),
                _ => {
                    self.error(
                        "E107",
                        None,
                        "audit command holds a compound command (a subshell, `{ … }`, `if`, a loop or a function)"
                            .into(),
                    )
                    .help = Some("an audit is simple commands joined by `|`, `&&`, `||` or `;`".into());
                }
            }
        }
        let bang = if pipeline.bang { "! " } else { "" };
        format!("{bang}{}", parts.join(" | "))
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, joined: Joined) -> String {
        let at = self.simple_offset(simple);
        let prefix = simple.prefix.iter().flat_map(|p| p.0.iter()).map(|i| (i, true));
        let suffix = simple.suffix.iter().flat_map(|s| s.0.iter()).map(|i| (i, false));
        let mut redirected = false;
        for (item, before_name) in prefix.chain(suffix) {
            match item {
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => {
                    if !redirected {
                        redirected = true;
                        let offset = redirect_word(r).and_then(|w| self.word_offset(w)).or(at);
                        self.error(
                            "E102",
                            offset,
                            format!("audit command redirects input or output: `{r}`"),
                        )
                        .help = Some(
                            "the audit script captures each command's output itself; redirection could write a file"
                                .into(),
                        );
                    }
                }
                ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) if before_name => {
                    let offset = self.word_offset(w);
                    self.error("E107", offset, format!("audit command sets a variable: `{}`", w.value));
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {
                    self.error("E104", at, "audit command uses process substitution `<(…)`".into());
                }
                ast::CommandPrefixOrSuffixItem::Word(_) | ast::CommandPrefixOrSuffixItem::AssignmentWord(..) => {}
            }
        }
        let Some(name_word) = &simple.word_or_name else {
            return String::new();
        };
        let name_at = self.word_offset(name_word);
        let Some(name) = self.word(name_word).and_then(|parts| match parts.as_slice() {
            [Part::Literal(s)] => Some(s.clone()),
            _ => None,
        }) else {
            if self.problems.is_empty() {
                self.error(
                    "E105",
                    name_at,
                    format!("audit command name `{}` is not a plain word", name_word.value),
                );
            }
            return String::new();
        };
        let args: Vec<(&ast::Word, Option<Vec<Part>>)> = simple
            .suffix
            .iter()
            .flat_map(|s| s.0.iter())
            .filter_map(|item| match item {
                // After the command name, `name=value` is an ordinary word.
                ast::CommandPrefixOrSuffixItem::Word(w) | ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    Some(w)
                }
                _ => None,
            })
            .map(|w| (w, self.word(w)))
            .collect();
        if ESCALATORS.contains(&name.as_str()) {
            self.error(
                "E103",
                name_at,
                format!("audit command raises privileges with `{name}`"),
            )
            .help = Some("audits run as the user; mark an audit that needs root with `root = true` and the script reports it instead of running it".into());
            return String::new();
        }
        let Some(tool) = ALLOWED.iter().find(|t| t.name == name) else {
            self.error(
                "E105",
                name_at,
                format!("`{}` is not on the read-only allow-list{}", name.escape_debug(), joined.phrase()),
            )
            .help = Some("audit commands may only read; the allow-list is part of riskguide (src/audit.rs), so adding a tool is a reviewed code change".into());
            return String::new();
        };
        // Each argument's text, with `~` and `$HOME` as HOME_MARK, so a flag, an operand or a
        // character is found in a word that also expands the home directory.
        let texts: Vec<Option<String>> = args
            .iter()
            .map(|(_, parts)| {
                parts.as_ref().map(|parts| {
                    parts
                        .iter()
                        .map(|part| match part {
                            Part::Literal(s) => s.clone(),
                            Part::Home => HOME_MARK.to_string(),
                        })
                        .collect()
                })
            })
            .collect();
        if let Some((why, index)) = tool_problem(tool, &texts) {
            let offset = index
                .and_then(|i| args.get(i))
                .and_then(|(w, _)| self.word_offset(w))
                .or(name_at);
            self.error("E106", offset, format!("`{name}` {why}")).help =
                Some("only the read-only uses of an allowed tool are accepted".into());
        }
        let mut text = quote(&name);
        for (_, parts) in &args {
            text.push(' ');
            for part in parts.iter().flatten() {
                match part {
                    Part::Literal(s) => text.push_str(&quote(s)),
                    Part::Home => text.push_str("\"$HOME\""),
                }
            }
        }
        text
    }

    /// The pieces of one word, or `None` (with a problem recorded) when it expands something
    /// that cannot be vetted.
    fn word(&mut self, word: &ast::Word) -> Option<Vec<Part>> {
        let at = self.word_offset(word);
        let pieces = match brush_parser::word::parse(&word.value, &self.options) {
            Ok(p) => p,
            Err(e) => {
                self.error(
                    "E101",
                    at,
                    format!("audit command word `{}` does not parse: {e}", word.value),
                );
                return None;
            }
        };
        let mut parts = Vec::new();
        let ok = self.pieces(&pieces, false, at, &word.value, &mut parts);
        ok.then_some(parts)
    }

    fn pieces(
        &mut self,
        pieces: &[WordPieceWithSource],
        quoted: bool,
        at: Option<usize>,
        word: &str,
        parts: &mut Vec<Part>,
    ) -> bool {
        let mut ok = true;
        let push = |parts: &mut Vec<Part>, s: &str| match parts.last_mut() {
            Some(Part::Literal(last)) => last.push_str(s),
            _ => parts.push(Part::Literal(s.to_string())),
        };
        for piece in pieces {
            match &piece.piece {
                WordPiece::Text(s) => {
                    if !quoted && s.contains(['*', '?', '[']) {
                        self.error(
                            "E107",
                            at,
                            format!("audit command word `{word}` holds an unquoted glob"),
                        )
                        .help = Some(
                            "the script does not expand file name patterns; quote the word or name the file".into(),
                        );
                        ok = false;
                    }
                    push(parts, s);
                }
                WordPiece::SingleQuotedText(s) => push(parts, s),
                WordPiece::EscapeSequence(s) => {
                    let escaped = s.strip_prefix('\\').unwrap_or(s);
                    // Inside double quotes a backslash only escapes $ ` " \ and newline.
                    if quoted && !escaped.starts_with(['$', '`', '"', '\\']) {
                        push(parts, s);
                    } else {
                        push(parts, escaped);
                    }
                }
                WordPiece::DoubleQuotedSequence(inner) => {
                    ok &= self.pieces(inner, true, at, word, parts);
                    if inner.is_empty() {
                        push(parts, "");
                    }
                }
                WordPiece::TildeExpansion(TildeExpr::Home) if parts.is_empty() => parts.push(Part::Home),
                WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                    parameter: Parameter::Named(name),
                    indirect: false,
                }) if name == "HOME" => parts.push(Part::Home),
                WordPiece::ParameterExpansion(_) | WordPiece::TildeExpansion(_) => {
                    self.error("E104", at, format!("audit command word `{word}` expands a variable"))
                        .help = Some("only `~` and `$HOME` are expanded in an audit".into());
                    ok = false;
                }
                WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_) => {
                    let message = if matches!(piece.piece, WordPiece::CommandSubstitution(_)) {
                        format!("audit command uses command substitution `$(…)` in `{word}`")
                    } else {
                        format!("audit command uses backtick command substitution: {word}")
                    };
                    self.error("E104", at, message).help =
                        Some("the script cannot vet a command that another command's output builds".into());
                    ok = false;
                }
                WordPiece::ArithmeticExpression(_) => {
                    self.error(
                        "E104",
                        at,
                        format!("audit command uses arithmetic expansion `$((…))` in `{word}`"),
                    );
                    ok = false;
                }
                WordPiece::AnsiCQuotedText(_) | WordPiece::GettextDoubleQuotedSequence(_) => {
                    self.error(
                        "E107",
                        at,
                        format!("audit command word `{word}` uses bash-only quoting"),
                    )
                    .help = Some("the audit script is POSIX sh; use single or double quotes".into());
                    ok = false;
                }
            }
        }
        ok
    }
}

fn redirect_word(r: &ast::IoRedirect) -> Option<&ast::Word> {
    match r {
        ast::IoRedirect::File(_, _, ast::IoFileRedirectTarget::Filename(w))
        | ast::IoRedirect::File(_, _, ast::IoFileRedirectTarget::Duplicate(w))
        | ast::IoRedirect::HereString(_, w)
        | ast::IoRedirect::OutputAndError(w, _) => Some(w),
        _ => None,
    }
}

/// Stands for `~` or `$HOME` in an argument's text while it is vetted: a control character,
/// which no audit command holds, so it never equals or completes a word an author wrote.
const HOME_MARK: char = '\u{0}';

/// An argument's text for a message, with the home directory written as `$HOME`.
fn shown(arg: &str) -> String {
    arg.replace(HOME_MARK, "$HOME")
}

/// `pfctl [-v|-vv] [-a ANCHOR] -s MODIFIER` (or `-sMODIFIER`), the words in any order, each
/// at most once. `-s` only shows and `-a` only names the anchor it shows, and with no other
/// flag pfctl changes nothing.
fn pfctl_shows(args: &[&str]) -> bool {
    const MODIFIERS: &[&str] = &["rules", "r", "nat", "n", "Anchors", "A", "info", "i", "all", "a"];
    let (mut verbose, mut anchor, mut show) = (false, false, false);
    let mut words = args.iter().copied();
    while let Some(word) = words.next() {
        let again = match word {
            "-v" | "-vv" => std::mem::replace(&mut verbose, true),
            "-a" => match words.next() {
                Some(name) if !name.is_empty() && !name.starts_with('-') => std::mem::replace(&mut anchor, true),
                _ => return false,
            },
            "-s" => match words.next() {
                Some(modifier) if MODIFIERS.contains(&modifier) => std::mem::replace(&mut show, true),
                _ => return false,
            },
            _ => match word.strip_prefix("-s") {
                Some(modifier) if MODIFIERS.contains(&modifier) => std::mem::replace(&mut show, true),
                _ => return false,
            },
        };
        if again {
            return false;
        }
    }
    show
}

/// Why these arguments are not a read-only use of `tool`, and which argument says so. An
/// argument is `None` when it could not be read (a problem already reported).
fn tool_problem(tool: &Tool, args: &[Option<String>]) -> Option<(String, Option<usize>)> {
    if let Some(shape) = tool.shape {
        let words: Option<Vec<&str>> = args
            .iter()
            .map(|a| a.as_deref().filter(|a| !a.contains(HOME_MARK)))
            .collect();
        if !words.is_some_and(|words| (shape.fits)(&words)) {
            return Some((format!("is allowed only as {}", shape.usage), args.first().map(|_| 0)));
        }
    }
    for (i, arg) in args.iter().enumerate() {
        let Some(arg) = arg else { continue };
        if !tool.command_chars.is_empty() {
            if arg.contains(HOME_MARK) {
                return Some((
                    format!(
                        "with `{}` expands the home directory, which `{}` would read as part of its command",
                        shown(arg),
                        tool.name
                    ),
                    Some(i),
                ));
            }
            if let Some(c) = arg.chars().find(|c| tool.command_chars.contains(c)) {
                return Some((
                    format!(
                        "with `{}` can run more commands: `{}` reads {c:?} inside an argument as its own syntax",
                        shown(arg),
                        tool.name
                    ),
                    Some(i),
                ));
            }
        }
        for flag in tool.writer_flags {
            let hit = match *flag {
                Flag::Word(w) => {
                    // `getopt_long` takes any unambiguous start of a long option's name.
                    let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
                    arg == w || (w.starts_with("--") && name.starts_with("--") && name.len() > 2 && w.starts_with(name))
                }
                Flag::Letter(c) => {
                    arg.starts_with('-') && !arg.starts_with("--") && arg.len() > 1 && arg[1..].contains(c)
                }
            };
            if hit {
                return Some((format!("with `{}` can write or run something", shown(arg)), Some(i)));
            }
        }
    }
    let mut rest = 0;
    if !tool.leading.is_empty() {
        let fits = tool.leading.iter().find(|lead| {
            lead.len() <= args.len() && lead.iter().zip(args).all(|(want, got)| got.as_deref() == Some(*want))
        });
        match fits {
            Some(lead) => rest = lead.len(),
            None => {
                let uses: Vec<String> = tool
                    .leading
                    .iter()
                    .map(|l| format!("`{} {}`", tool.name, l.join(" ")))
                    .collect();
                return Some((
                    format!("is allowed only as {}", uses.join(", ")),
                    args.first().map(|_| 0),
                ));
            }
        }
    }
    let operands: Vec<(usize, &str)> = args
        .iter()
        .enumerate()
        .skip(rest)
        .filter_map(|(i, a)| a.as_deref().map(|a| (i, a)))
        .filter(|(_, a)| !a.starts_with('-'))
        .collect();
    if let Some(max) = tool.max_operands
        && let Some((i, a)) = operands.get(max)
    {
        return Some((format!("with the operand `{}` can write", shown(a)), Some(*i)));
    }
    if tool.no_assignments
        && let Some((i, a)) = operands.iter().find(|(_, a)| a.contains('='))
    {
        return Some((format!("with `{}` sets a value", shown(a)), Some(*i)));
    }
    None
}

/// Quotes a word for POSIX sh: single quotes, with each `'` written as `'\''`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The names of the commands on the allow-list, for documentation and tests.
pub fn allowed_commands() -> impl Iterator<Item = &'static str> {
    ALLOWED.iter().map(|t| t.name)
}

/// The script template shipped with riskguide; a site's own `templates/audit.sh` replaces it.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/audit.sh");

/// What `audit.sh` sees. Every field ending in `_sh` is already one shell word, quoted by
/// riskguide, and every `_json` inside it is a JSON value, so the template never quotes
/// author text itself.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptView {
    pub checklist_sh: String,
    pub checklist_json_sh: String,
    pub title_sh: String,
    pub title_json_sh: String,
    pub site_json_sh: String,
    pub default_output_sh: String,
    pub default_timeout: u32,
    /// Checklist items (not steps), the denominator of the progress the script reports.
    pub items: usize,
    pub checks: Vec<CheckView>,
}

/// An item or a step, with its audits (none when a command cannot tell).
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    /// `item` or `step`.
    pub kind: &'static str,
    pub key_sh: String,
    pub key_json_sh: String,
    pub label_sh: String,
    /// `yes` for an item without audits of its own whose steps have some.
    pub by_steps: &'static str,
    pub audits: Vec<AuditView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub system: System,
    /// `yes` or `no`.
    pub root: &'static str,
    pub timeout: u32,
    /// The vetted command, as one word for `sh -c`.
    pub command_sh: String,
    /// The command as its author wrote it, for the report.
    pub shown_sh: String,
    /// The exit status that passes, or `''` when only the output decides.
    pub exit_sh: String,
    pub output_sh: String,
    pub not_output_sh: String,
}

/// One item or step of a checklist, for `script_view`.
pub struct ScriptCheck<'a> {
    /// `item-id` for an item, `item-id/step-id` for a step (the keys of saved progress).
    pub key: String,
    pub is_step: bool,
    /// The item's text without Markdown.
    pub label: String,
    pub audits: &'a [Audit],
    /// An item whose steps have audits.
    pub steps_audited: bool,
}

/// The script's data, or `None` when no item of the checklist has an audit.
pub fn script_view(id: &str, title: &str, base_url: &str, checks: Vec<ScriptCheck>) -> Option<ScriptView> {
    if checks.iter().all(|c| c.audits.is_empty()) {
        return None;
    }
    let json = |s: &str| quote(&serde_json::Value::from(s).to_string());
    // The checklist page names its site by host and path, without the scheme or a final slash.
    let site = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .trim_end_matches('/');
    let items = checks.iter().filter(|c| !c.is_step).count();
    let checks = checks
        .into_iter()
        .map(|c| CheckView {
            kind: if c.is_step { "step" } else { "item" },
            key_sh: quote(&c.key),
            key_json_sh: json(&c.key),
            label_sh: quote(&printable(&c.label)),
            by_steps: if c.audits.is_empty() && c.steps_audited {
                "yes"
            } else {
                "no"
            },
            audits: c
                .audits
                .iter()
                .map(|a| AuditView {
                    system: a.system,
                    root: if a.root { "yes" } else { "no" },
                    timeout: a.timeout,
                    command_sh: quote(&a.script),
                    shown_sh: quote(&printable(&a.command)),
                    exit_sh: quote(&a.exit.map(|e| e.to_string()).unwrap_or_default()),
                    output_sh: quote(a.output.as_deref().unwrap_or_default()),
                    not_output_sh: quote(a.not_output.as_deref().unwrap_or_default()),
                })
                .collect(),
        })
        .collect();
    Some(ScriptView {
        checklist_sh: quote(id),
        checklist_json_sh: json(id),
        title_sh: quote(&printable(title)),
        title_json_sh: json(title),
        site_json_sh: json(site),
        default_output_sh: quote(&format!("riskguide-{id}-audit.json")),
        default_timeout: DEFAULT_TIMEOUT,
        items,
        checks,
    })
}

/// Text safe to print on a terminal: control characters and bidi marks become spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if crate::diagnostics::drives_terminal(c) { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(command: &str) -> Result<String, Vec<Diagnostic>> {
        let site = CommandSite {
            whole: Location::at("c.toml", 1, 1),
            at: None,
        };
        vet_command(command, &site)
    }

    fn code_of(command: &str) -> &'static str {
        match check(command) {
            Ok(script) => panic!("`{command}` was accepted as {script}"),
            Err(problems) => problems[0].code,
        }
    }

    #[test]
    fn read_only_commands_are_rewritten_with_every_word_quoted() {
        for (command, script) in [
            ("fdesetup status", "'fdesetup' 'status'"),
            (
                "lsof -nP -iTCP:18789 -sTCP:LISTEN | grep -v 'x y'",
                "'lsof' '-nP' '-iTCP:18789' '-sTCP:LISTEN' | 'grep' '-v' 'x y'",
            ),
            ("readlink ~/.openclaw", "'readlink' \"$HOME\"'/.openclaw'"),
            ("stat \"$HOME/.openclaw\"", "'stat' \"$HOME\"'/.openclaw'"),
            ("grep -q \"it's\" /etc/hosts", "'grep' '-q' 'it'\\''s' '/etc/hosts'"),
            (
                "id -u openclaw && ! id -u nobody; ls",
                "'id' '-u' 'openclaw' && ! 'id' '-u' 'nobody'; 'ls'",
            ),
            (
                "find ~/.openclaw '(' -perm -g=r -o -perm -o=r ')'",
                "'find' \"$HOME\"'/.openclaw' '(' '-perm' '-g=r' '-o' '-perm' '-o=r' ')'",
            ),
            (
                "openclaw config get gateway.bind",
                "'openclaw' 'config' 'get' 'gateway.bind'",
            ),
        ] {
            assert_eq!(check(command).unwrap(), script, "{command}");
        }
    }

    #[test]
    fn every_writing_or_unvettable_form_is_refused_with_its_own_code() {
        for (command, code) in [
            ("fdesetup status > /tmp/x", "E102"),
            ("cat < /etc/passwd", "E102"),
            ("ls 2>/dev/null", "E102"),
            ("cat <<EOF\nx\nEOF", "E100"),
            ("sudo fdesetup status", "E103"),
            ("ls | sudo tee /etc/x", "E103"),
            ("echo $(whoami)", "E104"),
            ("ls $(rm -rf ~)", "E104"),
            ("ls `rm -rf ~`", "E104"),
            ("ls $PATH", "E104"),
            ("ls ${HOME:-/}", "E104"),
            ("ls $((1+1))", "E104"),
            ("rm -rf ~/.openclaw", "E105"),
            ("ls | tee out.txt", "E105"),
            ("ls; rm x", "E105"),
            ("ls && rm x", "E105"),
            ("ls || chmod 777 x", "E105"),
            ("find . -delete", "E106"),
            ("find . -exec rm {} ;", "E106"),
            ("sort -o out in", "E106"),
            ("sort -fo out in", "E106"),
            ("uniq in out", "E106"),
            ("sysctl -w a=b", "E106"),
            ("sysctl a=b", "E106"),
            ("fdesetup enable", "E106"),
            ("openclaw config set gateway.bind lan", "E106"),
            ("openclaw security audit --fix", "E106"),
            ("openclaw", "E106"),
            ("sed -i s/a/b/ f", "E105"),
            ("awk '{print > \"f\"}' x", "E105"),
            ("ls &", "E107"),
            ("(ls)", "E107"),
            ("{ ls; }", "E107"),
            ("X=1 ls", "E107"),
            ("ls *.json", "E107"),
            ("ls $'a'", "E107"),
            ("ls 'unclosed", "E101"),
            ("", "E100"),
        ] {
            assert_eq!(code_of(command), code, "{command}");
        }
    }

    #[test]
    fn apt_config_nft_and_pfctl_only_show_settings() {
        for command in [
            "apt-config dump",
            "apt-config dump APT::Periodic::Unattended-Upgrade",
            "apt-config dump --empty APT::Periodic",
            "nft list ruleset",
            "nft list table inet openclaw_egress",
            "nft list chain inet openclaw_egress output",
            "pfctl -sr",
            "pfctl -s rules",
            "pfctl -a openclaw -sr",
            "pfctl -a openclaw -s rules",
            "pfctl -sr -a openclaw",
            "pfctl -v -a openclaw -sr",
            "pfctl -vv -sn",
            "pfctl -s nat",
            "pfctl -sa",
            "pfctl -si",
            "pfctl -s info",
            "pfctl -sA",
            "pfctl -s Anchors",
        ] {
            let script = check(command).unwrap_or_else(|p| panic!("`{command}` was refused: {}", p[0].message));
            assert!(script.starts_with('\''), "{command} → {script}");
        }
        for command in [
            // apt-config: only `dump`, never with settings or a config file of the command's own.
            "apt-config shell X APT::X",
            "apt-config",
            "apt-config -o Dir::Bin::methods=/tmp dump",
            "apt-config dump -o APT::Periodic::Unattended-Upgrade=1",
            "apt-config dump -oAPT::Periodic::Unattended-Upgrade=1",
            "apt-config dump -qo APT::X=1",
            "apt-config dump --option APT::X=1",
            "apt-config dump --option=APT::X=1",
            "apt-config dump -c /tmp/apt.conf",
            "apt-config dump -c/tmp/apt.conf",
            "apt-config dump --config-file /tmp/apt.conf",
            "apt-config dump --config-file=/tmp/apt.conf",
            // nft: `;`, newlines and braces inside a quoted word still reach nft's own parser.
            "nft list ruleset ';' flush ruleset",
            "nft list ruleset ';flush' ruleset",
            "nft 'list ruleset; flush ruleset'",
            "nft list ruleset 'x;'",
            "nft list table inet x '{' chain y '}'",
            "nft list table \"$HOME\"",
            "nft flush ruleset",
            "nft add rule inet t c drop",
            "nft -f /tmp/rules.nft",
            "nft list ruleset -f /tmp/rules.nft",
            "nft list ruleset -af /tmp/rules.nft",
            "nft list ruleset --file /tmp/rules.nft",
            "nft list ruleset --file=/tmp/rules.nft",
            "nft list ruleset --fil=/tmp/rules.nft",
            "nft list ruleset -i",
            "nft list ruleset --interactive",
            "nft list ruleset -I /tmp",
            "nft list ruleset --includepath /tmp",
            "nft list ruleset -o",
            "nft list ruleset --optimize",
            "nft list ruleset -D x=1",
            "nft list ruleset -j",
            "nft -f /tmp/x list ruleset",
            // pfctl: exactly the show shapes, nothing else.
            "pfctl -f /etc/pf.conf",
            "pfctl -a openclaw -f /tmp/rules",
            "pfctl -sr -f /etc/pf.conf",
            "pfctl -F all",
            "pfctl -Fa",
            "pfctl -a openclaw -F rules",
            "pfctl -t bad -T add 1.2.3.4",
            "pfctl -a openclaw -t bad -T flush",
            "pfctl -e",
            "pfctl -E",
            "pfctl -d",
            "pfctl -X 123",
            "pfctl -k 1.2.3.4",
            "pfctl -K 1.2.3.4",
            "pfctl -z",
            "pfctl -x loud",
            "pfctl -sr -z",
            "pfctl -vsr",
            "pfctl -s rules -s nat",
            "pfctl -a x -a y -sr",
            "pfctl -a -f -sr",
            "pfctl -a",
            "pfctl -s",
            "pfctl -s flush",
            "pfctl -a openclaw",
            "pfctl",
            "pfctl -sr extra",
            "pfctl -a \"$HOME\" -sr",
        ] {
            assert_eq!(code_of(command), "E106", "{command}");
        }
    }

    #[test]
    fn a_flag_or_operand_is_found_in_a_word_that_expands_home() {
        for command in [
            "sort -o\"$HOME/.profile\" /etc/passwd",
            "sort -o~/.profile /etc/passwd",
            "uniq /etc/passwd \"$HOME/.profile\"",
            "uniq /etc/passwd ~/.profile",
            "hostname ~",
            "sysctl -p\"$HOME/x\"",
        ] {
            assert_eq!(code_of(command), "E106", "{command}");
        }
        assert_eq!(check("uniq ~/x").unwrap(), "'uniq' \"$HOME\"'/x'");
        let problems = check("uniq a \"$HOME/b\"").unwrap_err();
        assert!(problems[0].message.contains("`$HOME/b`"), "{}", problems[0].message);
    }

    #[test]
    fn an_abbreviated_long_option_is_the_option() {
        for command in [
            "sort --out=x in",
            "sort --o x in",
            "iptables --app OUTPUT -j DROP",
            "iptables --flu",
            "ss --ki",
            "hostname --fi /x",
        ] {
            assert_eq!(code_of(command), "E106", "{command}");
        }
        // `--` alone ends the options and `--debug` is not `--define`.
        assert!(check("sort -- a").is_ok());
        assert!(check("nft --debug=eval list ruleset").is_err_and(|p| p[0].message.contains("allowed only as")));
    }

    #[test]
    fn every_problem_of_a_command_is_reported() {
        let problems = check("rm a; tee b; ls > c").unwrap_err();
        let codes: Vec<&str> = problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["E105", "E105", "E102"]);
        assert!(
            problems[1].message.contains("chained with `;`"),
            "{}",
            problems[1].message
        );
    }

    #[test]
    fn portable_patterns_only() {
        assert_eq!(pattern_problem("^FileVault is On"), None);
        assert_eq!(pattern_problem("127\\.0\\.0\\.1:18789"), None);
        assert!(pattern_problem("\\d+").is_some());
        assert!(pattern_problem("").is_some());
    }

    #[test]
    fn quoting_survives_every_byte_a_shell_treats_specially() {
        let nasty = "a'b\"c$d`e\\f;g|h&i>j<k(l)m*n?o[p]q{r}s~t#u\tv";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote(nasty)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), nasty);
    }

    /// The first word of every command in a vetted line, reading its single quotes as `sh` does,
    /// so an operator character inside a quoted argument does not start a command.
    fn command_names(script: &str) -> Vec<String> {
        let (mut names, mut word, mut quoted, mut at_start) = (Vec::new(), String::new(), false, true);
        let end_word = |word: &mut String, at_start: &mut bool, names: &mut Vec<String>| {
            if !word.is_empty() && word != "!" && *at_start {
                names.push(std::mem::take(word));
                *at_start = false;
            }
            word.clear();
        };
        for c in script.chars() {
            match c {
                '\'' => quoted = !quoted,
                '|' | ';' | '&' if !quoted => {
                    end_word(&mut word, &mut at_start, &mut names);
                    at_start = true;
                }
                c if c.is_whitespace() && !quoted => end_word(&mut word, &mut at_start, &mut names),
                c => word.push(c),
            }
        }
        end_word(&mut word, &mut at_start, &mut names);
        names
    }

    #[test]
    fn command_names_reads_quotes_as_sh_does() {
        assert_eq!(command_names("'grep' ' ;'"), ["grep"]);
        assert_eq!(
            command_names("'ls' '-a' | 'grep' 'x' && ! 'cat' 'y'"),
            ["ls", "grep", "cat"]
        );
    }

    proptest::proptest! {
        #[test]
        fn vetting_never_panics(command in "[ -~]{0,60}") {
            let _ = check(&command);
        }

        #[test]
        fn an_accepted_command_names_only_allowed_tools(command in "(ls|rm|tee|cat|sudo|grep)( [-a-z;|&>$`()']{1,4}){0,4}") {
            if let Ok(script) = check(&command) {
                for name in command_names(&script) {
                    proptest::prop_assert!(allowed_commands().any(|a| a == name), "{} → {}", command, script);
                }
            }
        }
    }
}

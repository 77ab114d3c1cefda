//! Commands: `build`, `check`, `serve`, `recommend`, `new`. Each is a thin layer over the
//! library's pipeline; none has a pipeline of its own. Printing for humans happens here and
//! in `main`.

/// `println!` for text that may hold a site's content, file names or paths: each line goes
/// through [`printable`], so escape sequences and bidi marks never reach the terminal raw.
macro_rules! say {
    ($($arg:tt)*) => { $crate::cmd::print_lines(false, &format!($($arg)*)) };
}

/// `eprintln!` made safe the same way as [`say!`].
macro_rules! tell {
    ($($arg:tt)*) => { $crate::cmd::print_lines(true, &format!($($arg)*)) };
}

pub mod build;
pub mod check;
pub mod new;
pub mod recommend;
pub mod serve;

use riskguide::config::{self, Config};
use riskguide::diagnostics::{Diagnostic, Error, printable, render_with_source};
use std::io::IsTerminal;
use std::path::Path;

/// The process exit code of a finished command.
pub type Code = u8;
pub const OK: Code = 0;
pub const CONTENT_ERRORS: Code = 1;
pub const USAGE: Code = 2;

/// Loads `site.toml`, printing what went wrong when it cannot.
pub fn load_config(root: &Path) -> Result<Config, Code> {
    config::load(root).map_err(|e| config_failure(root, e))
}

/// Loads `site.toml` for a command that checks content too: a usable configuration with the
/// problems found in it, which the command reports together with the content's. Prints what
/// went wrong when the file cannot be used at all.
pub fn load_usable_config(root: &Path) -> Result<(Config, Vec<Diagnostic>), Code> {
    config::load_usable(root)
        .map(|(c, problems)| (c, problems.into_sorted()))
        .map_err(|e| config_failure(root, e))
}

/// Prints why `site.toml` could not be used and gives the exit code that says so.
fn config_failure(root: &Path, e: Error) -> Code {
    match e {
        Error::Content(list) => {
            print_diagnostics(root, &list);
            CONTENT_ERRORS
        }
        e => {
            tell!("error: {e}");
            USAGE
        }
    }
}

/// Prints `text` line by line, each through [`printable`], to stdout or stderr.
pub fn print_lines(to_stderr: bool, text: &str) {
    for line in text.split('\n') {
        let line = printable(line);
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// The text of the file a diagnostic points into, for its excerpt. Only a located problem
/// shows its line, and the file is read under the build's own rules (a regular file inside
/// the root, of bounded size): a whole-file problem may be a link to a FIFO or to /dev/zero.
pub fn source_for(root: &Path, d: &Diagnostic) -> Option<String> {
    if d.location.line == 0 {
        return None;
    }
    let root = root.canonicalize().ok()?;
    let bytes =
        riskguide::discover::read_inside(&root, &root.join(&d.location.path), riskguide::discover::MAX_FILE_BYTES)
            .ok()?;
    String::from_utf8(bytes).ok()
}

/// Prints diagnostics to stderr with the source line and a caret; colour only on a terminal.
pub fn print_diagnostics(root: &Path, list: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in list {
        let source = source_for(root, d);
        eprintln!("{}", render_with_source(d, source.as_deref(), color));
    }
    let errors = list.iter().filter(|d| d.is_error()).count();
    let warnings = list.len() - errors;
    if !list.is_empty() {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    }
}

//! The `riskguide` command line: parse arguments, run a command, set the exit code.

mod cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

// Building a page makes many short-lived strings and template values; jemalloc serves them with
// far less work than the system allocator (a quarter less CPU on a 10,000-page site), and it
// reserves address space as it goes, so builds still fit tight memory limits.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// Memory a build frees goes back to the system within a tenth of a second (jemalloc's default
// keeps it for ten seconds): a big site frees its pages' values as it writes them, and would
// otherwise hold on to their peak all through the build. One arena for all threads (the default
// is four per core): what the workers leave for later steps then shares pages with the rest
// instead of holding part-filled pages in arenas of their own, a few MiB less at 10,000 pages
// for no measurable CPU.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_CONF: &[u8; 69] = b"narenas:1,background_thread:true,dirty_decay_ms:100,muzzy_decay_ms:0\0";

/// Gives what the process has freed back to the system now rather than within the decay time:
/// a build's step may drop much that the next step's allocations cannot reuse, and the next
/// step's peak would otherwise sit on top of it.
pub(crate) fn release_freed_memory() {
    #[cfg(not(target_env = "msvc"))]
    // SAFETY: `arena.4096.purge` (4096 is `MALLCTL_ARENAS_ALL`) is a control that reads and
    // writes no value; the name is NUL-terminated and outlives the call.
    unsafe {
        let none = std::ptr::null_mut();
        tikv_jemalloc_sys::mallctl(c"arena.4096.purge".as_ptr(), none, none.cast(), none, 0);
    }
}

/// riskguide turns a security risk guide kept as Markdown and TOML into a fast, hardened
/// static website with a threat-model questionnaire and printable checklists.
///
/// Exit codes: 0 success, 1 content errors, 2 usage or environment errors.
#[derive(Parser)]
#[command(name = "riskguide", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output directory (default: output_dir of site.toml, "public").
    ///
    /// The new output is staged beside the old one and swapped in only when the whole build
    /// succeeded; a failed build leaves the previous output untouched. A non-empty directory
    /// that riskguide did not create is never replaced.
    Build {
        /// The site root, holding site.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Write here instead of the configured output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// After the build, print how long each step took and the memory held after it (the
        /// memory on Linux only).
        #[arg(long)]
        timings: bool,
        /// Accepted for older scripts and ignored: every build opens from disk (file://).
        #[arg(long, hide = true)]
        offline: bool,
    },
    /// Validate everything and write nothing: broken links and anchors, missing embeds,
    /// dangling questionnaire references, duplicate ids, the questionnaire audit.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Report format: text for people, json for editors and CI.
        #[arg(long, value_enum, default_value = "text")]
        format: cmd::check::Format,
    },
    /// Preview the site on 127.0.0.1 with live reload; rebuilds in memory on every change.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Run the questionnaire on the terminal: one --answer QUESTION=OPTION per question.
    ///
    /// Missing answers are listed with their options (exit 2); an unknown question or option
    /// exits 2 naming the valid choices.
    Recommend {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// An answer, as question=option (e.g. data=regulated). Repeat for each question.
        #[arg(long = "answer", value_name = "QUESTION=OPTION")]
        answers: Vec<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a new guide in DIR from a minimal skeleton that builds and checks clean.
    New {
        /// The directory to create (must not exist or be empty).
        dir: PathBuf,
        /// The platforms the guide compares, in display order: 2 to 6 comma-separated ids of
        /// lowercase letters, digits, `-` and `_`.
        #[arg(long, default_value = cmd::new::DEFAULT_PLATFORMS)]
        platforms: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build {
            root,
            out,
            timings,
            offline: _,
        } => cmd::build::run(&root, out.as_deref(), timings),
        Command::Check {
            root,
            deny_warnings,
            format,
        } => cmd::check::run(&root, deny_warnings, format),
        Command::Serve { root, port } => cmd::serve::run(&root, port),
        Command::Recommend { root, answers, json } => cmd::recommend::run(&root, &answers, json),
        Command::New { dir, platforms } => cmd::new::run(&dir, &platforms),
    };
    ExitCode::from(code)
}

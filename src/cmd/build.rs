//! `riskguide build`: the pipeline, then the atomic write.

use super::{CONTENT_ERRORS, Code, OK, USAGE, load_usable_config, print_diagnostics};
use riskguide::diagnostics::Error;
use riskguide::highlight::Highlighter;
use riskguide::output::{Discard, Staging};
use riskguide::pipeline::{self, Progress};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sites with at least this many files show progress while they build.
const PROGRESS_FROM: usize = 500;

pub fn run(root: &Path, out: Option<&Path>, timings: bool) -> Code {
    let started = Instant::now();
    let steps = timings.then(|| Steps::new(started));
    let (config, config_problems) = match load_usable_config(root) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if config_problems.iter().any(|d| d.is_error()) {
        return report_config_problems(&config, config_problems);
    }
    let out_dir = match out {
        None => config.output_dir.clone(),
        Some(out) => match riskguide::output::resolve(out)
            .and_then(|path| riskguide::output::check_place(&config.root, &path).map(|()| path))
        {
            Ok(path) => path,
            Err(why) => {
                eprintln!("error: --out {}: {why}", out.display().to_string().escape_debug());
                return USAGE;
            }
        },
    };
    let highlighter = Highlighter::new();
    // Progress lines only help on a terminal, and only when a build takes a moment.
    let show = std::io::stderr().is_terminal();
    let report = |step: Progress| {
        // Each step's leftovers go back to the system before the next step's peak; see
        // `release_freed_memory`.
        crate::release_freed_memory();
        if let Some(steps) = &steps {
            steps.mark(step_name(step));
        }
        let line = match step {
            Progress::Discovered { files } if files >= PROGRESS_FROM => format!("found {files} content files"),
            Progress::Rendered { pages } if pages >= PROGRESS_FROM => format!("rendered {pages} pages of Markdown"),
            Progress::Templated { pages } if pages >= PROGRESS_FROM => format!("applied templates to {pages} pages"),
            _ => return,
        };
        if show {
            eprint!("\r\x1b[2K{line}…");
        }
    };
    // The output directory is checked before anything is built, and pages are written into
    // its staging directory as they are rendered.
    let staging = match Staging::begin(&out_dir) {
        Ok(s) => s,
        Err(e) => {
            tell!("error: {e}");
            return USAGE;
        }
    };
    let result = pipeline::build_into(&config, &highlighter, &report, &staging);
    if show {
        eprint!("\r\x1b[2K");
    }
    let summary = match result {
        Ok(s) => s,
        Err(list) => {
            print_diagnostics(&config.root, &list);
            tell!("build failed; {} left as it was", out_dir.display());
            return CONTENT_ERRORS;
        }
    };
    print_diagnostics(&config.root, &summary.diagnostics);
    let (files, bytes) = staging.written();
    match staging.commit() {
        Ok(()) => {
            if let Some(steps) = &steps {
                steps.mark("special files written, output swapped in");
            }
            tell!(
                "built {} pages ({files} files, {} KiB) into {} in {} ms",
                summary.pages,
                bytes / 1024,
                out_dir.display(),
                started.elapsed().as_millis()
            );
            if let Some(steps) = &steps {
                tell!("{}", steps.table());
            }
            OK
        }
        Err(e @ (Error::Io { .. } | Error::Refused { .. })) => {
            tell!("error: {e}");
            USAGE
        }
        Err(e) => {
            tell!("error: {e}");
            CONTENT_ERRORS
        }
    }
}

/// A site.toml with errors builds nothing, but the content is still checked, so that one run
/// reports the problems of both.
fn report_config_problems(
    config: &riskguide::config::Config,
    mut problems: Vec<riskguide::diagnostics::Diagnostic>,
) -> Code {
    let highlighter = Highlighter::new();
    match pipeline::build_into(config, &highlighter, &|_| {}, &Discard::default()) {
        Ok(summary) => problems.extend(summary.diagnostics),
        Err(list) => problems.extend(list),
    }
    print_diagnostics(&config.root, &problems);
    tell!("build failed; nothing written");
    CONTENT_ERRORS
}

/// What `--timings` calls each step. The first also counts reading `site.toml` and readying
/// the highlighter and the output directory; the second, warming the highlighter up.
fn step_name(step: Progress) -> &'static str {
    match step {
        Progress::Discovered { .. } => "files listed and read",
        Progress::Loaded => "content loaded, checks before rendering",
        Progress::Rendered { .. } => "Markdown rendered, search words indexed",
        Progress::Checked => "checks across pages",
        Progress::AssetsWritten => "assets and search index written",
        Progress::Templated { .. } => "pages and printable guide written",
    }
}

/// `--timings`: when each step ended, with the CPU time and memory the process had used then.
struct Steps {
    started: Instant,
    /// What the process had used at `started`.
    at_start: Usage,
    marks: Mutex<Vec<(&'static str, Duration, Usage)>>,
}

/// What the process has used so far, where the system tells.
#[derive(Clone, Copy)]
struct Usage {
    /// User and system CPU time, all threads together.
    cpu: Option<Duration>,
    /// Resident memory now and the highest it has been, in KiB.
    resident: Option<u64>,
    peak: Option<u64>,
}

impl Steps {
    fn new(started: Instant) -> Steps {
        Steps {
            started,
            at_start: usage(),
            marks: Mutex::new(Vec::new()),
        }
    }

    fn mark(&self, step: &'static str) {
        let mark = (step, self.started.elapsed(), usage());
        self.marks.lock().unwrap_or_else(|e| e.into_inner()).push(mark);
    }

    /// One line a step: its own time and CPU time, the time since the start, and the memory
    /// after it. CPU time over wall time shows how many cores a step kept busy.
    fn table(&self) -> String {
        let marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = format!(
            "{:<42}{:>9}{:>9}{:>11}{:>10}{:>10}",
            "step", "ms", "CPU ms", "total ms", "RSS MiB", "peak MiB"
        );
        let (mut wall_before, mut cpu_before) = (0, self.at_start.cpu.map(|c| c.as_millis()));
        let shown = |n: Option<u128>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        for &(step, at, usage) in marks.iter() {
            let at = at.as_millis();
            let cpu = usage.cpu.map(|c| c.as_millis());
            let cpu_own = cpu.zip(cpu_before).map(|(now, before)| now.saturating_sub(before));
            let mib = |kib: Option<u64>| shown(kib.map(|k| u128::from(k / 1024)));
            out += &format!(
                "\n{step:<42}{:>9}{:>9}{at:>11}{:>10}{:>10}",
                at - wall_before,
                shown(cpu_own),
                mib(usage.resident),
                mib(usage.peak)
            );
            (wall_before, cpu_before) = (at, cpu);
        }
        out
    }
}

/// The process's CPU time (`getrusage`) and its resident and peak memory
/// (`/proc/self/status`, Linux only).
fn usage() -> Usage {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        let line = status.lines().find_map(|l| l.strip_prefix(name))?;
        line.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
    };
    Usage {
        cpu: cpu_time(),
        resident: field("VmRSS:"),
        peak: field("VmHWM:"),
    }
}

#[cfg(unix)]
fn cpu_time() -> Option<Duration> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `getrusage` fills the struct it is given, which lives for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: the call succeeded, so the struct is filled (and zeroed memory is a valid rusage).
    let usage = unsafe { usage.assume_init() };
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<Duration> {
    None
}

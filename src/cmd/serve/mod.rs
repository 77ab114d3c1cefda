//! `riskguide serve`: local preview with live reload.
//!
//! The site is built in memory through the same pipeline as `build` and served from memory on
//! 127.0.0.1; nothing is written anywhere. A watcher on `content/`, `templates/`, `static/` and
//! `site.toml` triggers a debounced full rebuild (`site.toml` is read again each time). A failed
//! rebuild keeps the last good build online and reports its problems twice: on the terminal
//! with the source line and a caret, and on every open page in an overlay drawn by the
//! live-reload script from `/__riskguide/status`.
//!
//! All shared state lives in one [`State`] owned by this command and handed to the HTTP
//! workers and the rebuild loop by `Arc`.

mod conn;
mod http;
mod watch;

use super::{Code, USAGE, print_diagnostics};
use riskguide::config::{self, CONFIG_FILE};
use riskguide::diagnostics::{Diagnostic, Error, Severity, printable, render_with_source};
use riskguide::highlight::Highlighter;
use riskguide::output::OutputSet;
use riskguide::pipeline::{self, LastBuild};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Threads answering HTTP requests; idle connections and event streams hold none.
const WORKERS: usize = 8;

pub fn run(root: &Path, port: u16) -> Code {
    let root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot resolve {}: {e}", root.display());
            return USAGE;
        }
    };
    if !root.join(CONFIG_FILE).is_file() {
        eprintln!(
            "error: {} has no {CONFIG_FILE}; pass the site root with --root",
            root.display()
        );
        return USAGE;
    }
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return USAGE;
        }
    };
    let port = listener.local_addr().map_or(port, |a| a.port());
    // Watching starts before the first build so that no change after it goes unnoticed.
    let watch = watch::Watch::start(&root)
        .map_err(|e| {
            eprintln!(
                "warning: cannot watch {} for changes ({e}); live reload is off",
                root.display()
            )
        })
        .ok();
    let highlighter = Arc::new(Highlighter::new());
    let state = Arc::new(State::new());
    let last = Arc::new(Mutex::new(rebuild(&root, port, &highlighter, &state, &[])));
    let title = state.snapshot().title.clone();
    println!("Serving {title} at http://127.0.0.1:{port}/");
    let _ = std::io::stdout().flush();
    stop_on_interrupt();

    let (requests, incoming) = std::sync::mpsc::sync_channel(conn::QUEUE);
    let answering = Arc::clone(&state);
    conn::start_workers(WORKERS, incoming, move |request| http::answer(request, &answering));
    let streaming = Arc::clone(&state);
    std::thread::spawn(move || http::keep_streams(&streaming));
    let accepting = std::thread::spawn(move || conn::accept_loop(listener, requests));
    if let Some(watch) = watch {
        // Full rebuilds run on their own thread, so that an edit made during one is still
        // shown at once; changes that arrive meanwhile join the next rebuild.
        let (wanted, rebuilds) = std::sync::mpsc::channel::<Vec<PathBuf>>();
        let (builder_root, builder_state) = (root.clone(), Arc::clone(&state));
        let (builder_last, builder_highlighter) = (Arc::clone(&last), Arc::clone(&highlighter));
        std::thread::spawn(move || {
            while let Ok(mut changed) = rebuilds.recv() {
                while let Ok(more) = rebuilds.try_recv() {
                    changed.extend(more);
                }
                changed.sort();
                changed.dedup();
                let built = rebuild(&builder_root, port, &builder_highlighter, &builder_state, &changed);
                // A failed rebuild leaves the last good one to render pages over.
                if built.is_some() {
                    *builder_last.lock().unwrap_or_else(PoisonError::into_inner) = built;
                }
            }
        });
        watch.run(|changed| {
            if let Some(last) = last.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
                show_edited_page(&root, last, &highlighter, &state, changed);
            }
            let _ = wanted.send(changed.to_vec());
        });
    }
    match accepting.join() {
        Ok(Err(e)) => {
            eprintln!("error: the preview server stopped: {e}");
            USAGE
        }
        _ => super::OK,
    }
}

/// What the server shows: the last good build and the outcome of the latest attempt.
pub(crate) struct Snapshot {
    /// The last good build, if any build has succeeded yet.
    pub output: Option<Arc<OutputSet>>,
    /// Pages rendered again over `output` since it was built, served in its place until the
    /// next good build replaces both.
    pub overlay: Option<Arc<OutputSet>>,
    /// Counts the pages rendered again: a rebuild that started before the latest of them
    /// may not hold it, so it keeps the overlay.
    pub quick_updates: u64,
    /// Counts good builds whose output differed from the one before (0: none yet).
    pub version: u64,
    /// Counts finished rebuilds, good or failed: every change is announced to the pages.
    pub generation: u64,
    /// Whether the latest attempt succeeded.
    pub ok: bool,
    /// The latest attempt's problems: its errors when it failed, its warnings when not.
    pub problems: Vec<Problem>,
    pub title: String,
}

impl Snapshot {
    /// The served file at `path`: a page rendered again since the last build, else the build's.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.overlay
            .as_deref()
            .and_then(|o| o.get(path))
            .or_else(|| self.output.as_deref()?.get(path))
    }
}

/// One problem, ready for the status JSON and the overlay.
#[derive(Clone)]
pub(crate) struct Problem {
    pub severity: Severity,
    pub code: Option<&'static str>,
    pub location: String,
    pub message: String,
    pub help: Option<String>,
    /// The whole report as on the terminal (source line and caret), without colour.
    pub text: String,
    /// The report's first line: `path:line:col: error[CODE]: message`.
    pub heading: String,
    /// The source line with its caret, when the file and line are known.
    pub excerpt: String,
}

impl Problem {
    fn from_diagnostic(root: &Path, d: &Diagnostic) -> Problem {
        let source = super::source_for(root, d);
        let bare = Diagnostic {
            help: None,
            ..d.clone()
        };
        let bare = render_with_source(&bare, source.as_deref(), false);
        let (heading, excerpt) = bare.split_once('\n').unwrap_or((&bare, ""));
        Problem {
            heading: heading.to_string(),
            excerpt: excerpt.to_string(),
            severity: d.severity,
            code: Some(d.code),
            location: d.location.to_string(),
            message: d.message.clone(),
            help: d.help.clone(),
            text: render_with_source(d, source.as_deref(), false),
        }
    }

    fn environment(location: &str, message: String) -> Problem {
        Problem {
            severity: Severity::Error,
            code: None,
            location: location.to_string(),
            text: format!("{location}: error: {message}"),
            heading: format!("{location}: error: {message}"),
            excerpt: String::new(),
            message,
            help: None,
        }
    }
}

/// The state shared by the HTTP workers, the event streams and the rebuild loop.
pub(crate) struct State {
    current: Mutex<Arc<Snapshot>>,
    changed: Condvar,
    /// Open event streams, kept by one thread.
    pub streams: Mutex<Vec<http::EventStream>>,
    /// Tells this server's builds from another run's, so a page left open across a restart
    /// reloads once the new server is up.
    instance: String,
}

impl State {
    fn new() -> State {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let instance = format!("{:x}", (nanos as u64) ^ u64::from(std::process::id()));
        let empty = Snapshot {
            output: None,
            overlay: None,
            quick_updates: 0,
            version: 0,
            generation: 0,
            ok: false,
            problems: Vec::new(),
            title: String::new(),
        };
        State {
            current: Mutex::new(Arc::new(empty)),
            changed: Condvar::new(),
            streams: Mutex::new(Vec::new()),
            instance,
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The token a page is stamped with; a page whose token differs from the server's reloads.
    pub fn token(&self, snapshot: &Snapshot) -> String {
        format!("{}-{}", self.instance, snapshot.version)
    }

    /// Waits up to `timeout` for a generation other than `seen`, then returns the snapshot.
    pub fn wait_for_change(&self, seen: Option<u64>, timeout: Duration) -> Arc<Snapshot> {
        let guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| Some(s.generation) == seen)
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&guard)
    }

    fn publish(&self, update: impl FnOnce(&Snapshot) -> Snapshot) {
        let mut guard = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        *guard = Arc::new(update(&guard));
        self.changed.notify_all();
    }
}

/// One full build in memory; publishes the result and prints a one-line summary. Gives back
/// what rendering one page again needs when the build succeeded.
fn rebuild(root: &Path, port: u16, highlighter: &Highlighter, state: &State, changed: &[PathBuf]) -> Option<LastBuild> {
    let started = Instant::now();
    let what = describe(root, changed);
    let mut config = match config::load(root) {
        Ok(c) => c,
        Err(Error::Content(list)) => {
            print_diagnostics(root, &list);
            let problems = list.iter().map(|d| Problem::from_diagnostic(root, d)).collect();
            failed(state, problems, started, &what, None);
            return None;
        }
        Err(e) => {
            eprintln!("error: {e}");
            failed(
                state,
                vec![Problem::environment(CONFIG_FILE, e.to_string())],
                started,
                &what,
                None,
            );
            return None;
        }
    };
    // Pages link relatively; the 404 page and canonical links use the base URL, which here
    // is this server so that every link of the preview stays on it.
    config.base_url = format!("http://127.0.0.1:{port}/");
    config.base_path = "/".into();
    let title = printable(&config.title);
    let quick_before = state.snapshot().quick_updates;
    match pipeline::build_keeping(&config, highlighter) {
        Ok((built, last)) => {
            print_diagnostics(root, &built.summary.diagnostics);
            let problems = built
                .summary
                .diagnostics
                .iter()
                .map(|d| Problem::from_diagnostic(root, d))
                .collect();
            let mut same = false;
            state.publish(|old| {
                let newer_page = old.quick_updates != quick_before;
                same = old.overlay.is_none() && old.output.as_deref() == Some(&built.output);
                Snapshot {
                    output: if same {
                        old.output.clone()
                    } else {
                        Some(Arc::new(built.output))
                    },
                    overlay: if newer_page { old.overlay.clone() } else { None },
                    quick_updates: old.quick_updates,
                    version: if same { old.version } else { old.version + 1 },
                    generation: old.generation + 1,
                    ok: true,
                    problems,
                    title,
                }
            });
            let verb = if changed.is_empty() { "built" } else { "rebuilt" };
            let note = if same { ", output unchanged" } else { "" };
            eprintln!(
                "{verb} {} pages in {} ms{note}{what}",
                built.summary.pages,
                started.elapsed().as_millis()
            );
            Some(last)
        }
        Err(list) => {
            print_diagnostics(root, &list);
            let problems = list.iter().map(|d| Problem::from_diagnostic(root, d)).collect();
            failed(state, problems, started, &what, Some(title));
            None
        }
    }
}

/// Shows an edited page at once when the only change is to a content page's Markdown that
/// leaves every other page as it was: the page alone is rendered over the last good build and
/// announced to the open pages, before the full rebuild that replaces it.
fn show_edited_page(root: &Path, last: &mut LastBuild, highlighter: &Highlighter, state: &State, changed: &[PathBuf]) {
    let started = Instant::now();
    // After a failed attempt the overlay lists that attempt's problems: only a full
    // rebuild may clear them.
    let [path] = changed else { return };
    if !state.snapshot().ok {
        return;
    }
    let Some(rel) = path.strip_prefix(root).ok().and_then(Path::to_str) else {
        return;
    };
    let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
    let Some(page) = last.render_page(&rel, highlighter) else {
        return;
    };
    let route = page.route;
    state.publish(|old| {
        // Pages shown this way earlier stay, unless this page replaces one of them.
        let mut overlay = page.output.clone();
        for (path, bytes) in old.overlay.iter().flat_map(|o| o.iter()) {
            if overlay.get(path).is_none() {
                let _ = overlay.insert(path.clone(), bytes.clone());
            }
        }
        Snapshot {
            output: old.output.clone(),
            overlay: Some(Arc::new(overlay)),
            quick_updates: old.quick_updates + 1,
            version: old.version + 1,
            generation: old.generation + 1,
            ok: true,
            problems: old.problems.clone(),
            title: old.title.clone(),
        }
    });
    eprintln!(
        "updated {} in {} ms ({} changed); rebuilding the whole site",
        printable(&route),
        started.elapsed().as_millis(),
        printable(&rel)
    );
}

/// Publishes a failed attempt; `title` is the site's when `site.toml` could be read.
fn failed(state: &State, problems: Vec<Problem>, started: Instant, what: &str, title: Option<String>) {
    let mut serving_old = false;
    state.publish(|old| {
        serving_old = old.output.is_some();
        let title = match title {
            Some(t) => t,
            None if old.title.is_empty() => "the site".to_string(),
            None => old.title.clone(),
        };
        Snapshot {
            output: old.output.clone(),
            overlay: old.overlay.clone(),
            quick_updates: old.quick_updates,
            version: old.version,
            generation: old.generation + 1,
            ok: false,
            problems,
            title,
        }
    });
    let keeping = if serving_old {
        "still serving the last good build"
    } else {
        "nothing to serve until it builds"
    };
    eprintln!("build failed in {} ms{what}; {keeping}", started.elapsed().as_millis());
}

/// ` (content/a.md changed)` for the summary line; empty for the first build.
fn describe(root: &Path, changed: &[PathBuf]) -> String {
    let Some(first) = changed.first() else {
        return String::new();
    };
    let name = printable(&first.strip_prefix(root).unwrap_or(first).to_string_lossy());
    match changed.len() {
        1 => format!(" ({name} changed)"),
        n => format!(" ({name} and {} more changed)", n - 1),
    }
}

/// Ctrl-C (and SIGTERM) end the preview at once: nothing was written, so nothing needs undoing.
fn stop_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        eprintln!("\nstopped");
        std::process::exit(0);
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will stop the preview abruptly ({e})");
    }
}

//! Watching the site's sources: `content/`, `templates/` and `static/` recursively, and the
//! root itself (not recursively) for `site.toml` and for those directories appearing.
//!
//! Events are debounced by hand: after the first relevant event the loop keeps collecting until
//! nothing relevant has arrived for [`QUIET`] (or [`LONGEST`] has passed), then calls back
//! once. Reads do not count (the build itself opens every source file), nor do editor swap
//! and backup files.

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the sources must stay quiet before a rebuild starts. Editors write a file, or a
/// temporary file and its rename, within a few milliseconds, so a short pause sees a whole
/// save; a longer one would be most of the time an edited page takes to show.
const QUIET: Duration = Duration::from_millis(30);
/// A rebuild starts after this long even while changes keep coming.
const LONGEST: Duration = Duration::from_secs(2);
/// The directories of a site that hold its sources.
const SOURCE_DIRS: [&str; 3] = ["content", "templates", "static"];

/// A running watcher on a site's sources.
pub struct Watch {
    root: PathBuf,
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    watched: BTreeSet<&'static str>,
}

impl Watch {
    /// Starts watching; changes from now on are reported by [`Watch::run`].
    pub fn start(root: &Path) -> notify::Result<Watch> {
        let (tx, events) = mpsc::channel::<notify::Result<Event>>();
        let mut watcher = notify::recommended_watcher(tx)?;
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        let mut watch = Watch {
            root: root.to_path_buf(),
            watcher,
            events,
            watched: BTreeSet::new(),
        };
        watch.add_source_dirs();
        Ok(watch)
    }

    /// Calls `on_change` with the changed paths after each quiet period. Returns only when
    /// the watcher stops delivering events.
    pub fn run(mut self, mut on_change: impl FnMut(&[PathBuf])) {
        let root = self.root.clone();
        loop {
            let Ok(first) = self.events.recv() else { return };
            let mut changed = BTreeSet::new();
            collect(&root, first, &mut changed);
            if changed.is_empty() {
                continue;
            }
            let started = Instant::now();
            loop {
                match self.events.recv_timeout(QUIET) {
                    Ok(event) => collect(&root, event, &mut changed),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if started.elapsed() > LONGEST {
                    break;
                }
            }
            for dir in SOURCE_DIRS {
                let path = root.join(dir);
                if changed.contains(&path) && !path.is_dir() {
                    let _ = self.watcher.unwatch(&path);
                    self.watched.remove(dir);
                }
            }
            self.add_source_dirs();
            // Name a file that still exists first: editors' temporary files come and go.
            let (mut list, gone): (Vec<PathBuf>, Vec<PathBuf>) = changed.into_iter().partition(|p| p.exists());
            list.extend(gone);
            on_change(&list);
        }
    }

    /// Starts watching every source directory that exists and is not watched yet.
    fn add_source_dirs(&mut self) {
        for dir in SOURCE_DIRS {
            let path = self.root.join(dir);
            if !self.watched.contains(dir)
                && path.is_dir()
                && self.watcher.watch(&path, RecursiveMode::Recursive).is_ok()
            {
                self.watched.insert(dir);
            }
        }
    }
}

/// Adds the relevant paths of one watcher report to `changed`.
fn collect(root: &Path, event: notify::Result<Event>, changed: &mut BTreeSet<PathBuf>) {
    match event {
        Ok(event) if event.need_rescan() => {
            changed.insert(root.join(super::CONFIG_FILE));
        }
        Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
        Ok(event) => changed.extend(event.paths.into_iter().filter(|p| relevant(root, p))),
        Err(e) => eprintln!("warning: file watcher: {e}"),
    }
}

/// Whether a change at `path` can change the site: `site.toml`, or a file or directory under
/// a source directory that is not an editor's hidden, swap or backup file.
fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let parts: Vec<&str> = rel
        .components()
        .filter_map(|c| if let Component::Normal(s) = c { s.to_str() } else { None })
        .collect();
    match parts.as_slice() {
        [name] => *name == super::CONFIG_FILE || SOURCE_DIRS.contains(name),
        [dir, .., name] if SOURCE_DIRS.contains(dir) => !is_scratch_file(name),
        _ => false,
    }
}

fn is_scratch_file(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_and_site_toml_count() {
        let root = Path::new("/site");
        assert!(relevant(root, Path::new("/site/site.toml")));
        assert!(relevant(root, Path::new("/site/content/a/b.md")));
        assert!(relevant(root, Path::new("/site/templates/base.html")));
        assert!(relevant(root, Path::new("/site/static")));
        assert!(!relevant(root, Path::new("/site/public/index.html")));
        assert!(!relevant(root, Path::new("/site/target/debug/x")));
        assert!(!relevant(root, Path::new("/site/README.md")));
        assert!(!relevant(root, Path::new("/site/content/.b.md.swp")));
        assert!(!relevant(root, Path::new("/site/content/b.md~")));
        assert!(!relevant(root, Path::new("/elsewhere/content/b.md")));
    }
}

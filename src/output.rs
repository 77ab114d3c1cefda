//! Output: where a build puts its files, and how they reach the disk atomically.
//!
//! A build hands each file to a [`Sink`] as soon as it is rendered, so a big site never holds
//! all of its pages in memory. [`OutputSet`] keeps them (for `serve`, tests and `check`);
//! [`Staging`] writes them into a staging directory beside the output directory, which is
//! swapped in by renaming once the whole build succeeded: a failed build leaves the previous
//! output byte-for-byte untouched and no staging directory behind. A directory riskguide did
//! not create (no marker file) is never replaced. This module transforms nothing.

use crate::assets::is_safe_output_path;
use crate::diagnostics::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The file riskguide leaves in every output directory it creates.
pub const MARKER: &str = ".riskguide-output";

/// Receives the files of a build, possibly from many threads at once.
pub trait Sink: Sync {
    /// Takes one file. A path that is not plain names joined by `/`, or that another file
    /// already has (ignoring case, as some file systems do), is refused with a message.
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), String>;

    /// Takes one file given as pieces in order, for a file too big to hold whole (the printable
    /// guide of a big site). The pieces are all taken, whatever happens to the file.
    fn put_pieces(&self, path: String, pieces: &mut dyn Iterator<Item = Vec<u8>>) -> Result<(), String> {
        let bytes = pieces.fold(Vec::new(), |mut all, piece| {
            all.extend_from_slice(&piece);
            all
        });
        self.put(path, bytes)
    }
}

/// The paths a build has produced so far, folded to lowercase.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Claimed(BTreeSet<String>);

impl Claimed {
    fn claim(&mut self, path: &str) -> Result<(), String> {
        if !is_safe_output_path(path) {
            return Err(format!(
                "output path `{}` is not a plain relative path",
                path.escape_debug()
            ));
        }
        if !self.0.insert(path.to_ascii_lowercase()) {
            return Err(format!("two outputs share the path `{path}`"));
        }
        Ok(())
    }
}

/// Every file of a build in memory, sorted by path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OutputSet {
    files: BTreeMap<String, Vec<u8>>,
    claimed: Claimed,
}

impl OutputSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file, under the rules of [`Sink::put`].
    pub fn insert(&mut self, path: String, bytes: Vec<u8>) -> Result<(), String> {
        self.claimed.claim(&path)?;
        self.files.insert(path, bytes);
        Ok(())
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.files.iter()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

/// A sink's lock. A thread that panicked while holding it leaves nothing half-done behind
/// (each guarded step is one insert), so a poisoned lock is used as it is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Collects a build into an [`OutputSet`].
#[derive(Debug, Default)]
pub struct Collect(Mutex<OutputSet>);

impl Collect {
    pub fn into_set(self) -> OutputSet {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Sink for Collect {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), String> {
        lock(&self.0).insert(path, bytes)
    }
}

/// Checks the paths of a build and drops the bytes: for `check`, which writes nothing.
#[derive(Debug, Default)]
pub struct Discard(Mutex<Claimed>);

impl Discard {
    fn claim(&self, path: &str) -> Result<(), String> {
        lock(&self.0).claim(path)
    }
}

impl Sink for Discard {
    fn put(&self, path: String, _bytes: Vec<u8>) -> Result<(), String> {
        self.claim(&path)
    }

    fn put_pieces(&self, path: String, pieces: &mut dyn Iterator<Item = Vec<u8>>) -> Result<(), String> {
        pieces.for_each(drop);
        self.claim(&path)
    }
}

/// A build being written to disk: files go into a staging directory as they come, and
/// [`Staging::commit`] swaps it in. Dropped without a commit, it removes what it wrote.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    old: PathBuf,
    /// The same path checks as `check` makes.
    paths: Discard,
    files: AtomicUsize,
    bytes: AtomicUsize,
    /// The first write that failed; later files are not written.
    failure: Mutex<Option<Error>>,
    /// The directories made inside the staging directory so far.
    made: Mutex<std::collections::HashSet<PathBuf>>,
    committed: bool,
}

/// The bytes gathered before a file given in pieces is written to.
const PIECES_BUFFER: usize = 256 * 1024;

/// Where a path really is: its nearest existing ancestor with every symbolic link resolved,
/// followed by the names that do not exist yet. A `..` among those is refused, since what it
/// leads to depends on directories that are not there yet.
pub fn resolve(path: &Path) -> Result<PathBuf, String> {
    let mut existing = path;
    let mut missing = Vec::new();
    while std::fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.components().next_back()) else {
            break;
        };
        missing.push(name);
        existing = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
    }
    let mut resolved = existing
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", existing.display()))?;
    for name in missing.into_iter().rev() {
        match name {
            std::path::Component::Normal(name) => resolved.push(name),
            _ => return Err("`..` after a directory that does not exist yet".into()),
        }
    }
    Ok(resolved)
}

/// Checks that an output directory (already [`resolve`]d) may be written by a build of the
/// site at the canonical `root`: not the root or a directory holding it, and neither inside
/// nor around `content/`, `templates/` or `static/` (wherever those really are).
pub fn check_place(root: &Path, out: &Path) -> Result<(), String> {
    if root.starts_with(out) {
        return Err("the output directory must not be the site root or a directory holding it".into());
    }
    for source in ["content", "templates", "static"] {
        let dir = root.join(source);
        let dir = dir.canonicalize().unwrap_or(dir);
        if out.starts_with(&dir) {
            return Err(format!("the output directory must not be inside {source}/"));
        }
        if dir.starts_with(out) {
            return Err(format!("the output directory must not hold {source}/"));
        }
    }
    Ok(())
}

/// The name of a staging (`kind` "staging") or set-aside ("old") directory of `out`'s build
/// by process `pid`.
fn sibling_name(name: &str, kind: &str, pid: u32) -> String {
    format!(".{name}.{kind}-{pid}")
}

/// Removes a directory only if riskguide made it (it holds the marker); true when it is gone.
fn remove_if_ours(dir: &Path) -> bool {
    if std::fs::symlink_metadata(dir).is_err() {
        return true;
    }
    let ours = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file());
    ours && std::fs::remove_dir_all(dir).is_ok()
}

/// Whether a process with this id is running (or exists but belongs to someone else).
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the staging and set-aside directories that builds of `out` which died before
/// finishing left in `parent`: only marked ones, and only of processes that no longer run.
fn remove_stale_siblings(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let pid = ["staging", "old"].iter().find_map(|kind| {
            file_name
                .strip_prefix(&format!(".{name}.{kind}-"))
                .and_then(|pid| pid.parse::<u32>().ok())
        });
        if let Some(pid) = pid
            && pid != std::process::id()
            && !process_alive(pid)
        {
            remove_if_ours(&entry.path());
        }
    }
}

impl Staging {
    /// Prepares to replace `out`, refusing a directory riskguide did not create.
    pub fn begin(out: &Path) -> Result<Staging, Error> {
        let name = out.file_name().and_then(|n| n.to_str()).ok_or_else(|| Error::Refused {
            path: out.to_path_buf(),
            reason: "the output path has no directory name".into(),
        })?;
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if out.exists() {
            check_replaceable(out)?;
        }
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        remove_stale_siblings(parent, name);
        let pid = std::process::id();
        let dir = parent.join(sibling_name(name, "staging", pid));
        let old = parent.join(sibling_name(name, "old", pid));
        for leftover in [&dir, &old] {
            if !remove_if_ours(leftover) {
                return Err(Error::Refused {
                    path: leftover.clone(),
                    reason: "it is in the way of the build and riskguide did not create it".into(),
                });
            }
        }
        std::fs::create_dir(&dir).map_err(|e| Error::io("create", &dir, e))?;
        // Marked from the start, so that a build that dies leaves a directory that a later
        // build knows it may remove.
        write_marker(&dir)?;
        Ok(Staging {
            out: out.to_path_buf(),
            old,
            dir,
            paths: Discard::default(),
            files: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            failure: Mutex::new(None),
            made: Mutex::new(std::collections::HashSet::new()),
            committed: false,
        })
    }

    /// How many files and bytes were written.
    pub fn written(&self) -> (usize, usize) {
        (self.files.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }

    /// Writes the marker and swaps the staging directory in; reports the first failed write.
    pub fn commit(mut self) -> Result<(), Error> {
        if let Some(e) = lock(&self.failure).take() {
            return Err(e);
        }
        swap(&self.dir, &self.out, &self.old)?;
        self.committed = true;
        Ok(())
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        use std::io::Write as _;
        let target = self.create(path)?;
        let mut file = std::fs::File::create(&target).map_err(|e| Error::io("write", &target, e))?;
        file.write_all(bytes).map_err(|e| Error::io("write", &target, e))
    }

    /// Writes the pieces into the file at `path` one after another; the bytes written. Small
    /// pieces are gathered into larger writes.
    fn write_pieces<B: AsRef<[u8]>>(&self, path: &str, pieces: &mut dyn Iterator<Item = B>) -> Result<usize, Error> {
        use std::io::Write as _;
        let target = self.create(path)?;
        let file = std::fs::File::create(&target).map_err(|e| Error::io("write", &target, e))?;
        let mut file = std::io::BufWriter::with_capacity(PIECES_BUFFER, file);
        let mut written = 0;
        for piece in pieces {
            let piece = piece.as_ref();
            file.write_all(piece).map_err(|e| Error::io("write", &target, e))?;
            written += piece.len();
        }
        file.flush().map_err(|e| Error::io("write", &target, e))?;
        Ok(written)
    }

    /// Where the file at `path` goes in the staging directory, its directory made. Directories
    /// made by this build are remembered, so a file in one costs no look-up on the disk.
    fn create(&self, path: &str) -> Result<PathBuf, Error> {
        let target: PathBuf = path.split('/').fold(self.dir.clone(), |p, s| p.join(s));
        if let Some(dir) = target.parent().filter(|d| *d != self.dir)
            && !lock(&self.made).contains(dir)
        {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
            lock(&self.made).insert(dir.to_path_buf());
        }
        Ok(target)
    }

    fn record(&self, written: Result<usize, Error>) {
        match written {
            Ok(bytes) => {
                self.files.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(bytes, Ordering::Relaxed);
            }
            Err(e) => {
                lock(&self.failure).get_or_insert(e);
            }
        }
    }
}

impl Sink for Staging {
    fn put(&self, path: String, bytes: Vec<u8>) -> Result<(), String> {
        self.paths.claim(&path)?;
        if lock(&self.failure).is_some() {
            return Ok(());
        }
        self.record(self.write(&path, &bytes).map(|()| bytes.len()));
        Ok(())
    }

    fn put_pieces(&self, path: String, pieces: &mut dyn Iterator<Item = Vec<u8>>) -> Result<(), String> {
        if let Err(e) = self.paths.claim(&path) {
            pieces.for_each(drop);
            return Err(e);
        }
        if lock(&self.failure).is_some() {
            pieces.for_each(drop);
            return Ok(());
        }
        let written = self.write_pieces(&path, pieces);
        pieces.for_each(drop);
        self.record(written);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn write_marker(dir: &Path) -> Result<(), Error> {
    let marker = dir.join(MARKER);
    std::fs::write(
        &marker,
        b"This directory is written by riskguide build and replaced on every build.\n",
    )
    .map_err(|e| Error::io("write", &marker, e))
}

fn check_replaceable(out: &Path) -> Result<(), Error> {
    if !out.is_dir() {
        return Err(Error::Refused {
            path: out.to_path_buf(),
            reason: "it exists and is not a directory".into(),
        });
    }
    let mut entries = std::fs::read_dir(out).map_err(|e| Error::io("read", out, e))?;
    if out.join(MARKER).is_file() || entries.next().is_none() {
        Ok(())
    } else {
        Err(Error::Refused {
            path: out.to_path_buf(),
            reason: format!(
                "it is not empty and riskguide did not create it (no {MARKER} file); choose another --out or empty it"
            ),
        })
    }
}

fn swap(staging: &Path, out: &Path, old: &Path) -> Result<(), Error> {
    if out.exists() {
        // Checked again: the directory may have been replaced since the build began.
        check_replaceable(out)?;
        std::fs::rename(out, old).map_err(|e| Error::io("move aside", out, e))?;
        if let Err(e) = std::fs::rename(staging, out) {
            let _ = std::fs::rename(old, out);
            return Err(Error::io("move into place", out, e));
        }
        std::fs::remove_dir_all(old).map_err(|e| Error::io("remove", old, e))
    } else {
        std::fs::rename(staging, out).map_err(|e| Error::io("move into place", out, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_climb_or_collide() {
        let mut set = OutputSet::new();
        assert!(set.insert("../x".into(), vec![]).is_err());
        assert!(set.insert("a/index.html".into(), vec![]).is_ok());
        assert!(set.insert("A/index.html".into(), vec![]).is_err());
        assert!(set.insert("_headers".into(), vec![]).is_ok());
        for bad in ["_..\\..\\x", "_/../x", "/etc/passwd", "a//b", "", ".staging/x"] {
            assert!(set.insert(bad.into(), vec![]).is_err(), "{bad}");
        }
    }

    fn write(files: &[(&str, &[u8])], out: &Path) -> Result<(), Error> {
        let staging = Staging::begin(out)?;
        for (path, bytes) in files {
            staging.put(path.to_string(), bytes.to_vec()).expect("plain path");
        }
        staging.commit()
    }

    #[test]
    fn replaces_its_own_output_and_refuses_others() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&[("index.html", b"one")], &out).unwrap();
        write(&[("index.html", b"one"), ("b/index.html", b"two")], &out).unwrap();
        assert_eq!(std::fs::read(out.join("b/index.html")).unwrap(), b"two");
        let foreign = dir.path().join("mine");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("keep.txt"), b"keep").unwrap();
        assert!(matches!(write(&[], &foreign), Err(Error::Refused { .. })));
        assert_eq!(std::fs::read(foreign.join("keep.txt")).unwrap(), b"keep");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_abandoned_build_leaves_the_old_output_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&[("index.html", b"old")], &out).unwrap();
        let staging = Staging::begin(&out).unwrap();
        staging.put("index.html".into(), b"new".to_vec()).unwrap();
        assert!(staging.put("INDEX.html".into(), b"clash".to_vec()).is_err());
        assert_eq!(staging.written(), (1, 3));
        drop(staging);
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn removes_what_dead_builds_left_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // A process id that cannot be running: above the kernel's largest.
        let dead = 4_194_305;
        let stale = dir.path().join(sibling_name("public", "staging", dead));
        let stale_old = dir.path().join(sibling_name("public", "old", dead));
        for d in [&stale, &stale_old] {
            std::fs::create_dir_all(d.join("a")).unwrap();
            std::fs::write(d.join(MARKER), b"x").unwrap();
        }
        // Unmarked, or of a running process (this one's parent): the author's or busy; kept.
        let unmarked = dir.path().join(sibling_name("public", "staging", dead + 1));
        std::fs::create_dir_all(&unmarked).unwrap();
        let running = dir
            .path()
            .join(sibling_name("public", "staging", std::os::unix::process::parent_id()));
        std::fs::create_dir_all(&running).unwrap();
        std::fs::write(running.join(MARKER), b"x").unwrap();
        write(&[("index.html", b"one")], &out).unwrap();
        assert!(!stale.exists() && !stale_old.exists());
        assert!(unmarked.exists() && running.exists());
        assert!(process_alive(std::process::id()) && !process_alive(dead));
    }

    #[test]
    fn an_unmarked_directory_in_the_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mine = dir.path().join(sibling_name("public", "staging", std::process::id()));
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), b"keep").unwrap();
        assert!(matches!(Staging::begin(&out), Err(Error::Refused { .. })));
        assert_eq!(std::fs::read(mine.join("notes.txt")).unwrap(), b"keep");
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.'))
            .collect()
    }
}

//! Output: the [`OutputSet`] (sorted path → bytes) and its atomic write.
//!
//! The new site is written to a staging directory beside the output directory and swapped in
//! by renaming, so a failed build leaves the previous output byte-for-byte untouched and no
//! staging directory behind. A directory riskguide did not create (no marker file) is never
//! replaced. This module transforms nothing.

use crate::assets::is_safe_output_path;
use crate::diagnostics::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The file riskguide leaves in every output directory it creates.
pub const MARKER: &str = ".riskguide-output";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OutputSet {
    files: BTreeMap<String, Vec<u8>>,
    /// Every path in lowercase: two paths that differ only by case collide on some file systems.
    folded: BTreeSet<String>,
}

impl OutputSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; a second file at the same path (ignoring case), or a path that is not
    /// plain names joined by `/`, is refused.
    pub fn insert(&mut self, path: String, bytes: Vec<u8>) -> Result<(), String> {
        if !is_safe_output_path(&path) {
            return Err(format!(
                "output path `{}` is not a plain relative path",
                path.escape_debug()
            ));
        }
        if !self.folded.insert(path.to_ascii_lowercase()) {
            return Err(format!("two outputs share the path `{path}`"));
        }
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

/// Writes the set to `out` atomically (stage, then swap by rename).
pub fn write_atomic(set: &OutputSet, out: &Path) -> Result<(), Error> {
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
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.staging-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = std::fs::remove_dir_all(&staging);
    let result = write_all(set, &staging).and_then(|()| swap(&staging, out, &old));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
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

fn write_all(set: &OutputSet, staging: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(staging).map_err(|e| Error::io("create", staging, e))?;
    for (path, bytes) in set.iter() {
        let target: PathBuf = path.split('/').fold(staging.to_path_buf(), |p, s| p.join(s));
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io("write", &target, e))?;
    }
    let marker = staging.join(MARKER);
    std::fs::write(
        &marker,
        b"This directory is written by riskguide build and replaced on every build.\n",
    )
    .map_err(|e| Error::io("write", &marker, e))
}

fn swap(staging: &Path, out: &Path, old: &Path) -> Result<(), Error> {
    if out.exists() {
        let _ = std::fs::remove_dir_all(old);
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

    #[test]
    fn replaces_its_own_output_and_refuses_others() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut set = OutputSet::new();
        set.insert("index.html".into(), b"one".to_vec()).unwrap();
        write_atomic(&set, &out).unwrap();
        set.insert("b.html".into(), b"two".to_vec()).unwrap();
        write_atomic(&set, &out).unwrap();
        assert_eq!(std::fs::read(out.join("b.html")).unwrap(), b"two");
        let foreign = dir.path().join("mine");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("keep.txt"), b"keep").unwrap();
        assert!(matches!(write_atomic(&set, &foreign), Err(Error::Refused { .. })));
        assert_eq!(std::fs::read(foreign.join("keep.txt")).unwrap(), b"keep");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

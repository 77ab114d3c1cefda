//! Embeds the shipped templates and static files (images excepted) so `riskguide new` can
//! write a complete, working site skeleton.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let mut files = Vec::new();
    for dir in ["templates", "static"] {
        println!("cargo:rerun-if-changed={dir}");
        collect(root, &root.join(dir), &mut files);
    }
    files.sort();
    let mut code = String::from(
        "/// Files written by `riskguide new`: (path in the new site, contents).\npub const SKELETON_FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, abs) in files {
        writeln!(code, "    ({rel:?}, include_bytes!({abs:?})),").expect("write to string");
    }
    code.push_str("];\n");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("skeleton.rs"), code).expect("write skeleton.rs");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .expect("inside root")
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("static/images") || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            files.push((rel, path.to_string_lossy().to_string()));
        }
    }
}

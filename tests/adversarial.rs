//! Hostile sites under the adversarial harness contract (DESIGN §8).
//!
//! Every directory `tests/adversarial/<case>/` is a small site plus an `expect.toml` that states
//! its class:
//!
//! - **E**: exit 1; every problem is reported as `path:line:col: error[CODE]: …`; the previous
//!   output directory is untouched byte for byte and no staging directory is left beside it.
//! - **S**: exit 0, no warnings; in every HTML file hostile text appears only escaped: no
//!   content-derived `<script>`, no `on*=` or `style=` attribute, no URL with a scheme other than
//!   http, https or mailto in a link or source attribute (any case, entities decoded).
//! - **W**: S plus the expected located warnings.
//!
//! For every case the real `riskguide build` runs with a 10 s wall-clock limit and a 512 MiB
//! address-space limit, and must never panic (exit 101), die by a signal or run out of time;
//! every diagnostic line on stderr is located, stderr holds no raw control or bidi characters,
//! and nothing outside the output directory changes. `ADVERSARIAL_CASE=part` runs only the
//! cases whose names contain `part`.
//!
//! A case is laid over the repository's `templates/` and `static/` and over
//! `tests/adversarial/_base/` (a site.toml and a home page), so it holds only the files it
//! attacks with. `expect.toml` keys:
//!
//! ```toml
//! class = "E"                                    # E, S or W
//! about = "what the case attacks"
//! errors = ["content/index.md:3:1: error[E042]"] # each a prefix of some stderr line
//! warnings = ["content/index.md:3:1: warning[W020]"]
//! stderr = ["help: first used at content/…"]     # substrings stderr must contain
//! same_as_lf = true                              # S: also build with CRLF line ends and a BOM; same output
//! [[contains]]                                   # S/W: text an output file must contain
//! file = "index.html"
//! text = "&lt;script&gt;"
//! [[setup]]                                      # files made at test time
//! write = "content/big.md"                       # head + repeat × count + tail
//! head = "+++\ntitle = \"Big\"\n+++\n"
//! repeat = "> "
//! count = 10000
//! [[setup]]
//! symlink = "content/leak.md"                    # → a path relative to the temp dir
//! target = "outside/secret.md"
//! [[setup]]
//! bytes = "content/latin1.md"                    # raw bytes, as hex
//! hex = "2b2b2b0a"
//! [[setup]]
//! fifo = "content/pipe.md"                       # a named pipe
//! [[setup]]
//! sparse = "content/big.md"                      # a sparse file of `size` bytes
//! size = 8589934592
//! ```
//!
//! `out_from_config = true` builds without `--out`, into the `output_dir` of the case's
//! `site.toml`; for an E case the whole temporary directory must then stay unchanged.
mod common;

use common::html::{Tag, tags, url_scheme};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(10);
const MEMORY_LIMIT_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    class: Class,
    about: String,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    same_as_lf: bool,
    #[serde(default)]
    contains: Vec<Contains>,
    #[serde(default)]
    setup: Vec<Setup>,
    #[serde(default)]
    out_from_config: bool,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    E,
    S,
    W,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contains {
    file: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    write: Option<String>,
    #[serde(default)]
    head: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    count: usize,
    #[serde(default)]
    tail: String,
    symlink: Option<String>,
    target: Option<String>,
    bytes: Option<String>,
    hex: Option<String>,
    fifo: Option<String>,
    sparse: Option<String>,
    size: Option<u64>,
}

fn cases_dir() -> PathBuf {
    common::repo_root().join("tests/adversarial")
}

fn cases() -> Vec<(String, Expect)> {
    let mut list = Vec::new();
    for entry in std::fs::read_dir(cases_dir())
        .expect("tests/adversarial exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if !entry.path().is_dir() || name.starts_with(['_', '.']) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path().join("expect.toml"))
            .unwrap_or_else(|e| panic!("{name}: cannot read expect.toml: {e}"));
        let expect: Expect = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/expect.toml: {e}"));
        list.push((name, expect));
    }
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// Copies a tree, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("inside");
        if rel
            .components()
            .next()
            .is_some_and(|c| skip.iter().any(|s| c.as_os_str() == *s))
        {
            continue;
        }
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every entry under `dir`: relative path → file bytes, symlink target or a directory mark.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut map = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("inside")
            .to_string_lossy()
            .to_string();
        let value = if entry.path_is_symlink() {
            let target = std::fs::read_link(entry.path()).expect("readlink");
            format!("symlink → {}", target.display()).into_bytes()
        } else if entry.file_type().is_dir() {
            b"<dir>".to_vec()
        } else if !entry.file_type().is_file() {
            b"<special file>".to_vec()
        } else {
            // A sparse file of gigabytes is told by its size and time, not read.
            let meta = entry.metadata().expect("metadata");
            if meta.len() > 64 * 1024 * 1024 {
                format!("<{} bytes, modified {:?}>", meta.len(), meta.modified().ok()).into_bytes()
            } else {
                std::fs::read(entry.path()).expect("read")
            }
        };
        map.insert(rel, value);
    }
    map
}

fn tree_diff(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, bytes) in before {
        match after.get(path) {
            None => out.push(format!("removed {path}")),
            Some(b) if b != bytes => out.push(format!("changed {path}")),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            out.push(format!("added {path}"));
        }
    }
    out
}

fn decode_hex(hex: &str) -> Vec<u8> {
    let clean: Vec<u8> = hex.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    clean
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("hex"), 16).expect("hex"))
        .collect()
}

/// Lays the case out in `tmp/site`, with `tmp/outside` holding files that symlinks may point at.
fn prepare(name: &str, expect: &Expect, tmp: &Path) -> PathBuf {
    let site = tmp.join("site");
    let repo = common::repo_root();
    for dir in ["templates", "static"] {
        copy_tree(&repo.join(dir), &site.join(dir), &[]);
    }
    copy_tree(&cases_dir().join("_base"), &site, &[]);
    copy_tree(&cases_dir().join(name), &site, &["expect.toml"]);
    let outside = tmp.join("outside");
    std::fs::create_dir_all(outside.join("dir")).expect("mkdir");
    std::fs::write(
        outside.join("secret.md"),
        "+++\ntitle = \"Secret\"\n+++\nTOP-SECRET-OUTSIDE-THE-ROOT\n",
    )
    .expect("write");
    std::fs::write(
        outside.join("dir/page.md"),
        "+++\ntitle = \"Outside\"\n+++\nTOP-SECRET\n",
    )
    .expect("write");
    std::fs::write(outside.join("secret.css"), "body{}/* TOP-SECRET */\n").expect("write");
    std::fs::write(
        outside.join("site.toml"),
        "title = \"TOP-SECRET\"\nbase_url = \"https://example.org/\"\n",
    )
    .expect("write");
    for step in &expect.setup {
        if let Some(path) = &step.write {
            let target = site.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            let mut text = String::with_capacity(step.head.len() + step.repeat.len() * step.count + step.tail.len());
            text.push_str(&step.head);
            for _ in 0..step.count {
                text.push_str(&step.repeat);
            }
            text.push_str(&step.tail);
            std::fs::write(target, text).expect("write");
        } else if let Some(path) = &step.symlink {
            let target = site.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            let _ = std::fs::remove_file(&target);
            let _ = std::fs::remove_dir_all(&target);
            let to = tmp.join(step.target.as_deref().expect("symlink needs target"));
            std::os::unix::fs::symlink(to, target).expect("symlink");
        } else if let Some(path) = &step.bytes {
            let target = site.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(target, decode_hex(step.hex.as_deref().expect("bytes needs hex"))).expect("write");
        } else if let Some(path) = &step.fifo {
            let target = site.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            let _ = std::fs::remove_file(&target);
            let made = Command::new("mkfifo").arg(&target).status().expect("mkfifo runs");
            assert!(made.success(), "{name}: mkfifo {path}");
        } else if let Some(path) = &step.sparse {
            let target = site.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            let file = std::fs::File::create(&target).expect("create");
            file.set_len(step.size.expect("sparse needs size")).expect("set_len");
        } else {
            panic!("{name}: a [[setup]] entry needs write, symlink, bytes, fifo or sparse");
        }
    }
    site
}

/// An output directory as a previous build left it: the marker plus files that must survive.
fn previous_output(out: &Path) {
    std::fs::create_dir_all(out.join("old")).expect("mkdir");
    std::fs::write(out.join(riskguide::output::MARKER), "previous build\n").expect("write");
    std::fs::write(out.join("index.html"), "<!doctype html><title>previous</title>\n").expect("write");
    std::fs::write(out.join("old/sentinel.txt"), "from the previous good build\n").expect("write");
}

struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    elapsed: Duration,
    timed_out: bool,
    stderr: String,
}

/// Runs `riskguide build` under the time and memory limits, into `out` or, without it, into
/// the site's `output_dir`.
fn run_build(site: &Path, out: Option<&Path>) -> Run {
    let mut args = vec![std::ffi::OsString::from("build"), "--root".into(), site.into()];
    if let Some(out) = out {
        args.extend(["--out".into(), out.into()]);
    }
    run_riskguide(&args)
}

/// Runs `riskguide` with these arguments under the time and memory limits.
fn run_riskguide(args: &[std::ffi::OsString]) -> Run {
    let bin = common::bin();
    let mut command = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={MEMORY_LIMIT_BYTES}")).arg("--").arg(&bin);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", MEMORY_LIMIT_BYTES / 1024))
            .arg(&bin);
        c
    };
    command
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("riskguide starts");
    let mut pipe = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).to_string();
    use std::os::unix::process::ExitStatusExt;
    Run {
        code: status.code(),
        signal: status.signal(),
        elapsed,
        timed_out,
        stderr,
    }
}

/// True for `path:line:col: error[E123]: message` (or `warning[W123]`) with a relative path.
fn is_located(line: &str, kind: &str) -> bool {
    let marker = format!(": {kind}[");
    let Some(at) = line.find(&marker) else { return false };
    let (place, rest) = line.split_at(at);
    let code_ok = rest[marker.len()..].split_once("]: ").is_some_and(|(code, message)| {
        code.len() == 4
            && code.starts_with(['E', 'W'])
            && code[1..].chars().all(|c| c.is_ascii_digit())
            && !message.is_empty()
    });
    let mut parts = place.rsplitn(3, ':');
    let col = parts.next().and_then(|c| c.parse::<usize>().ok());
    let row = parts.next().and_then(|l| l.parse::<usize>().ok());
    let path = parts.next().unwrap_or("");
    code_ok
        && col.is_some_and(|c| c >= 1)
        && row.is_some_and(|l| l >= 1)
        && !path.is_empty()
        && !path.starts_with('/')
        && !path.split('/').any(|s| s == "..")
}

/// The heading lines of stderr: everything but source excerpts (`12 | …`, `   |`) and help lines.
fn heading_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .filter(|l| {
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            !(digits > 0 && l[digits..].starts_with(" |"))
        })
        .collect()
}

fn check_stderr(expect: &Expect, run: &Run, problems: &mut Vec<String>) {
    // Hostile text must not reach the terminal as escape sequences or reordering marks.
    if let Some(c) = run
        .stderr
        .chars()
        .find(|c| (c.is_control() && *c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    {
        problems.push(format!("stderr holds the raw control or bidi character {c:?}"));
    }
    let headings = heading_lines(&run.stderr);
    for line in &headings {
        let known = line.ends_with(" warning(s)") && line.contains(" error(s), ")
            || line.starts_with("build failed; ")
            || line.starts_with("built ");
        if known {
            continue;
        }
        if !(is_located(line, "error") || is_located(line, "warning")) {
            problems.push(format!("stderr line is not a located diagnostic: {line}"));
        }
    }
    let errors: Vec<&&str> = headings.iter().filter(|l| is_located(l, "error")).collect();
    let warnings: Vec<&&str> = headings.iter().filter(|l| is_located(l, "warning")).collect();
    for want in &expect.errors {
        if !errors.iter().any(|l| l.starts_with(want.as_str())) {
            problems.push(format!("expected error `{want}`"));
        }
    }
    for want in &expect.warnings {
        if !warnings.iter().any(|l| l.starts_with(want.as_str())) {
            problems.push(format!("expected warning `{want}`"));
        }
    }
    for want in &expect.stderr {
        if !run.stderr.contains(want.as_str()) {
            problems.push(format!("expected stderr to contain `{want}`"));
        }
    }
    match expect.class {
        Class::E if errors.is_empty() => problems.push("no error reported".into()),
        Class::S if !warnings.is_empty() || !errors.is_empty() => problems.push(format!(
            "class S expects a clean build, got {} warning(s)",
            warnings.len()
        )),
        Class::W if warnings.is_empty() => problems.push("no warning reported".into()),
        _ => {}
    }
    if expect.class != Class::E && !errors.is_empty() {
        problems.push(format!("{} error(s) reported in a successful build", errors.len()));
    }
}

const URL_ATTRIBUTES: [&str; 10] = [
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "cite",
    "background",
    "xlink:href",
    "data",
    "srcset",
];

const FORBIDDEN_TAGS: [&str; 10] = [
    "iframe", "object", "embed", "base", "frame", "frameset", "applet", "style", "svg", "math",
];

/// Is this `<script>` one the site itself ships: an asset script or the questionnaire rules?
fn is_site_script(tag: &Tag) -> Result<(), String> {
    let get = |n: &str| tag.attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let body = get("#body").unwrap_or("");
    let names: Vec<&str> = tag
        .attrs
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "#body")
        .collect();
    if let Some(src) = get("src") {
        let path = src.trim_start_matches("./");
        let mut rest = path;
        while let Some(r) = rest.strip_prefix("../") {
            rest = r;
        }
        let rest = rest.trim_start_matches('/');
        let asset = rest
            .strip_prefix("assets/")
            .is_some_and(|f| f.ends_with(".js") && f.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        let attrs_ok = names.iter().all(|n| matches!(*n, "src" | "integrity" | "defer"));
        if asset && attrs_ok && body.trim().is_empty() {
            return Ok(());
        }
        return Err(format!("script that is not a site asset: src={src:?} attrs={names:?}"));
    }
    // Data for the scripts: the questionnaire's rules and the words the scripts show.
    let data = matches!(get("id"), Some("questionnaire-rules" | "ui-strings"));
    if get("type") == Some("application/json") && data && names.len() == 2 {
        if body.contains('<') || body.contains('>') || body.contains('&') {
            return Err("a JSON block holds a raw `<`, `>` or `&`".into());
        }
        return serde_json::from_str::<serde_json::Value>(body)
            .map(|_| ())
            .map_err(|e| format!("a JSON block is not JSON: {e}"));
    }
    Err(format!(
        "inline script: attrs={names:?} body starts {:?}",
        body.chars().take(60).collect::<String>()
    ))
}

/// Checks one HTML file against the S contract.
fn check_html(rel: &str, html: &str, problems: &mut Vec<String>) {
    let (tags, found) = tags(html);
    problems.extend(found.into_iter().map(|p| format!("{rel}: {p}")));
    for tag in &tags {
        if FORBIDDEN_TAGS.contains(&tag.name.as_str()) {
            problems.push(format!("{rel}: <{}> element", tag.name));
        }
        if tag.name == "script"
            && let Err(p) = is_site_script(tag)
        {
            problems.push(format!("{rel}: {p}"));
        }
        if tag.name == "meta" && tag.attrs.iter().any(|(k, _)| k == "http-equiv") {
            problems.push(format!("{rel}: <meta http-equiv>"));
        }
        for (name, value) in &tag.attrs {
            if name.starts_with("on") {
                problems.push(format!("{rel}: <{} {name}=…> event handler attribute", tag.name));
            }
            if name == "style" {
                problems.push(format!("{rel}: <{} style=…> attribute", tag.name));
            }
            if URL_ATTRIBUTES.contains(&name.as_str())
                && let Some(scheme) = url_scheme(value)
                && !matches!(scheme.as_str(), "http" | "https" | "mailto")
            {
                problems.push(format!("{rel}: <{} {name}={value:?}> has scheme `{scheme}:`", tag.name));
            }
        }
    }
}

/// Each script of the search index must be exactly `<registration>=<JSON>;`: data, never code.
/// The manifest sets `window.riskguideSearch`; shards, page tables and pages each set one key
/// of their own global.
fn check_search_index(rel: &str, text: &str, problems: &mut Vec<String>) {
    let name = rel.trim_start_matches("assets/");
    let global = match name.split('.').next() {
        Some("search") => None,
        Some("search-shard") => Some("riskguideSearchShards"),
        Some("search-pages") => Some("riskguideSearchTables"),
        Some("search-page") => Some("riskguideSearchPages"),
        _ => return,
    };
    let json = match global {
        None => text.strip_prefix("window.riskguideSearch="),
        Some(g) => text
            .strip_prefix(&format!("(window.{g}=window.{g}||{{}})["))
            .and_then(|t| t.split_once("]="))
            .filter(|(key, _)| serde_json::from_str::<serde_json::Value>(key).is_ok())
            .map(|(_, json)| json),
    }
    .and_then(|t| t.trim_end().strip_suffix(';'));
    match json.map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(serde_json::Value::Object(_))) => {}
        Some(Ok(serde_json::Value::Array(_))) if global == Some("riskguideSearchTables") => {}
        Some(Ok(_)) => problems.push(format!("{rel}: the search index file holds the wrong kind of value")),
        Some(Err(e)) => problems.push(format!("{rel}: the search index file is not one JSON value: {e}")),
        None => problems.push(format!("{rel}: the search index file is not a registration of JSON")),
    }
}

fn check_output(expect: &Expect, out: &Path, problems: &mut Vec<String>) {
    let files = snapshot(out);
    if !files.contains_key(riskguide::output::MARKER) || !files.contains_key("index.html") {
        problems.push("the output has no marker or no index.html".into());
    }
    if files.contains_key("old/sentinel.txt") {
        problems.push("the previous output was not replaced".into());
    }
    for (rel, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        if rel.ends_with(".html") {
            check_html(rel, text, problems);
        } else if rel.starts_with("assets/search") && !rel.starts_with("assets/search-box.") && rel.ends_with(".js") {
            check_search_index(rel, text, problems);
        }
    }
    for c in &expect.contains {
        match files.get(&c.file) {
            Some(bytes) if String::from_utf8_lossy(bytes).contains(&c.text) => {}
            Some(_) => problems.push(format!("{} does not contain {:?}", c.file, c.text)),
            None => problems.push(format!("no output file {}", c.file)),
        }
    }
}

/// Rewrites every text file of the site with CRLF line ends and a byte-order mark.
fn to_crlf_with_bom(site: &Path) {
    for entry in walkdir::WalkDir::new(site.join("content")) {
        let entry = entry.expect("walk");
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("text");
        std::fs::write(entry.path(), format!("\u{feff}{}", text.replace('\n', "\r\n"))).expect("write");
    }
    let config = site.join("site.toml");
    let text = std::fs::read_to_string(&config).expect("site.toml");
    std::fs::write(&config, format!("\u{feff}{}", text.replace('\n', "\r\n"))).expect("write");
}

struct Outcome {
    name: String,
    class: Class,
    elapsed: Duration,
    problems: Vec<String>,
}

fn run_case(name: &str, expect: &Expect) -> Outcome {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = prepare(name, expect, tmp.path());
    if expect.same_as_lf {
        to_crlf_with_bom(&site);
    }
    let out = tmp.path().join("public");
    previous_output(&out);
    let before = snapshot(tmp.path());
    let run = run_build(&site, (!expect.out_from_config).then_some(out.as_path()));
    let after = snapshot(tmp.path());
    let mut problems = Vec::new();
    if run.timed_out {
        problems.push(format!("ran past {} s", TIME_LIMIT.as_secs()));
    }
    if let Some(signal) = run.signal {
        problems.push(format!("died by signal {signal}"));
    }
    if run.code == Some(101) {
        problems.push("panicked (exit 101)".into());
    }
    let wanted = if expect.class == Class::E { 1 } else { 0 };
    if !run.timed_out && run.code != Some(wanted) {
        problems.push(format!("exit code {:?}, expected {wanted}", run.code));
    }
    check_stderr(expect, &run, &mut problems);
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("read tmp")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !matches!(n.as_str(), "site" | "outside" | "public"))
        .collect();
    if !leftovers.is_empty() {
        problems.push(format!("left beside the output: {leftovers:?}"));
    }
    let outside_output = |map: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        map.iter()
            .filter(|(k, _)| *k != "public" && !k.starts_with("public/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let changed = tree_diff(&outside_output(&before), &outside_output(&after));
    if !changed.is_empty() {
        problems.push(format!("written outside the output directory: {changed:?}"));
    }
    if expect.class == Class::E {
        let changed = tree_diff(&before, &after);
        if !changed.is_empty() {
            problems.push(format!("a failed build changed the output: {changed:?}"));
        }
    } else if run.code == Some(0) {
        check_output(expect, &out, &mut problems);
        if expect.same_as_lf {
            let lf = tempfile::tempdir().expect("tempdir");
            let lf_site = prepare(name, expect, lf.path());
            let lf_out = lf.path().join("public");
            let lf_run = run_build(&lf_site, Some(&lf_out));
            if lf_run.code != Some(0) {
                problems.push(format!("the LF build failed: {}", lf_run.stderr));
            } else {
                let differ = tree_diff(&snapshot(&lf_out), &snapshot(&out));
                if !differ.is_empty() {
                    problems.push(format!("CRLF + BOM output differs from LF output: {differ:?}"));
                }
            }
        }
    }
    if !problems.is_empty() {
        let tail: String = run.stderr.lines().take(60).collect::<Vec<_>>().join("\n");
        problems.push(format!("stderr (first 60 lines):\n{tail}"));
    }
    Outcome {
        name: name.to_string(),
        class: expect.class,
        elapsed: run.elapsed,
        problems,
    }
}

#[test]
fn every_hostile_case_meets_the_harness_contract() {
    let cases = cases();
    let filter = std::env::var("ADVERSARIAL_CASE").ok();
    let mut outcomes = Vec::new();
    for (name, expect) in &cases {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        assert!(!expect.about.trim().is_empty(), "{name}: expect.toml needs `about`");
        if expect.class == Class::E {
            assert!(!expect.errors.is_empty(), "{name}: an E case names its expected errors");
        }
        if expect.class == Class::W {
            assert!(
                !expect.warnings.is_empty(),
                "{name}: a W case names its expected warnings"
            );
        }
        outcomes.push(run_case(name, expect));
    }
    let mut by_class: BTreeMap<Class, (usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let entry = by_class.entry(o.class).or_default();
        entry.0 += 1;
        if o.problems.is_empty() {
            entry.1 += 1;
        }
        println!(
            "{:>6} ms  {:?}  {}{}",
            o.elapsed.as_millis(),
            o.class,
            o.name,
            if o.problems.is_empty() { "" } else { "  FAILED" }
        );
    }
    for (class, (total, passed)) in &by_class {
        println!("class {class:?}: {passed} of {total} cases pass");
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| format!("== {} ({:?})\n  - {}", o.name, o.class, o.problems.join("\n  - ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The hostile case of that name, laid out in a fresh temporary directory.
fn prepared(name: &str) -> (tempfile::TempDir, PathBuf) {
    let (_, expect) = cases()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = prepare(name, &expect, tmp.path());
    (tmp, site)
}

#[test]
fn out_paths_into_the_sources_are_usage_errors_that_change_nothing() {
    let (tmp, site) = prepared("pages-at-depth-limit");
    std::fs::create_dir_all(site.join("gen")).expect("mkdir");
    std::fs::write(site.join("content/.riskguide-output"), "planted\n").expect("write");
    std::os::unix::fs::symlink(site.join("static"), site.join("assets-link")).expect("symlink");
    let refused = [
        "site/static/gen",
        "site/content",
        "site/gen/../content",
        "site/missing/../templates",
        "site/assets-link/out",
        "site",
        "site/content/..",
        ".",
        "/",
    ];
    for out in refused {
        let before = snapshot(tmp.path());
        let run = run_build(&site, Some(&tmp.path().join(out)));
        let changed = tree_diff(&before, &snapshot(tmp.path()));
        assert_eq!(run.code, Some(2), "--out {out}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: --out "), "--out {out}: {}", run.stderr);
        assert!(changed.is_empty(), "--out {out} changed {changed:?}");
    }
    let run = run_build(&site, Some(&tmp.path().join("site/gen/../public")));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(site.join("public/index.html").is_file());
}

#[test]
fn check_reports_special_files_without_reading_them() {
    for name in [
        "special-files-everywhere",
        "sparse-8gb-files",
        "devices-in-static-and-templates",
        "symlink-to-dev-zero",
        "site-toml-fifo",
        "site-toml-sparse",
    ] {
        let (_, expect) = cases().into_iter().find(|(n, _)| n == name).expect("case");
        let (tmp, site) = prepared(name);
        let before = snapshot(tmp.path());
        let run = run_riskguide(&["check".into(), "--root".into(), site.into()]);
        assert!(!run.timed_out && run.signal.is_none(), "{name}: {:?}", run.elapsed);
        assert_eq!(run.code, Some(1), "{name}: {}", run.stderr);
        for want in &expect.errors {
            assert!(
                run.stderr.lines().any(|l| l.starts_with(want.as_str())),
                "{name}: no `{want}` in {}",
                run.stderr
            );
        }
        assert!(
            tree_diff(&before, &snapshot(tmp.path())).is_empty(),
            "{name}: check changed files"
        );
    }
}

#[test]
fn a_crashed_build_leaves_nothing_forever_and_the_authors_files_stay() {
    let (tmp, site) = prepared("pages-at-depth-limit");
    let out = tmp.path().join("public");
    // The id of a process that has ended: what a build killed mid-way leaves behind.
    let mut child = Command::new("true").spawn().expect("true runs");
    child.wait().expect("wait");
    let dead = child.id();
    let stale = tmp.path().join(format!(".public.staging-{dead}"));
    let stale_old = tmp.path().join(format!(".public.old-{dead}"));
    for dir in [&stale, &stale_old] {
        std::fs::create_dir_all(dir.join("a")).expect("mkdir");
        std::fs::write(dir.join(riskguide::output::MARKER), "x").expect("write");
        std::fs::write(dir.join("a/index.html"), "half a build").expect("write");
    }
    // The same kind of name but no marker: not riskguide's, so never removed. (Its number is
    // past the largest process id Linux hands out, so no build can be using it.)
    let authors = tmp.path().join(".public.staging-4194305");
    std::fs::create_dir_all(&authors).expect("mkdir");
    std::fs::write(authors.join("notes.txt"), "mine").expect("write");
    let run = run_build(&site, Some(&out));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        !stale.exists() && !stale_old.exists(),
        "stale staging directories remain"
    );
    assert_eq!(
        std::fs::read_to_string(authors.join("notes.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn a_directory_swapped_for_a_link_during_builds_never_publishes_outside_files() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    const BUILDS: usize = 30;
    let (tmp, site) = prepared("pages-at-depth-limit");
    let outside = tmp.path().join("outside/dir");
    // A section of pages and a folder of static files, each also present outside the root
    // under the same names, there marked TOP-SECRET: a read sent outside by a swap succeeds.
    let swapped = [site.join("content/sub"), site.join("static/sub")];
    for dir in &swapped {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    for (dir, mark) in [(&swapped[0], "Inside"), (&outside, "TOP-SECRET")] {
        std::fs::write(dir.join("index.md"), format!("+++\ntitle = \"{mark}\"\n+++\n{mark}\n")).expect("write");
        for n in 0..40 {
            let page = format!("+++\ntitle = \"{mark} {n}\"\n+++\n{mark}\n");
            std::fs::write(dir.join(format!("p{n:02}.md")), page).expect("write");
        }
    }
    for (dir, mark) in [(&swapped[1], "Inside"), (&outside, "TOP-SECRET")] {
        for n in 0..40 {
            std::fs::write(dir.join(format!("n{n:02}.txt")), mark).expect("write");
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, outside, dirs) = (Arc::clone(&stop), outside.clone(), swapped.clone());
        std::thread::spawn(move || {
            let mut swaps = 0usize;
            while !stop.load(Ordering::Relaxed) {
                for dir in &dirs {
                    let aside = dir.with_file_name(".aside");
                    std::fs::rename(dir, &aside).expect("move aside");
                    std::os::unix::fs::symlink(&outside, dir).expect("symlink");
                    std::thread::sleep(Duration::from_millis(2));
                    std::fs::remove_file(dir).expect("unlink");
                    std::fs::rename(&aside, dir).expect("move back");
                }
                swaps += 1;
                std::thread::sleep(Duration::from_millis(3));
            }
            swaps
        })
    };
    let mut outcomes = BTreeMap::new();
    for i in 0..BUILDS {
        let out = tmp.path().join(format!("public-{i}"));
        let run = run_build(&site, Some(&out));
        assert!(
            matches!(run.code, Some(0 | 1)) && !run.timed_out,
            "build {i}: {:?} {}",
            run.code,
            run.stderr
        );
        *outcomes.entry(run.code).or_insert(0usize) += 1;
        if out.exists() {
            for (file, bytes) in snapshot(&out) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains("TOP-SECRET"),
                    "build {i} published a file from outside the root in {file}"
                );
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().expect("swapper");
    println!("{BUILDS} builds during {swaps} swaps: exit codes {outcomes:?}");
    assert!(swaps >= BUILDS, "the directories were hardly swapped ({swaps} times)");
}

#[test]
fn the_suite_covers_every_class_and_category() {
    let cases = cases();
    let mut by_class: BTreeMap<Class, usize> = BTreeMap::new();
    for (_, expect) in &cases {
        *by_class.entry(expect.class).or_default() += 1;
    }
    println!(
        "adversarial cases: {} in all; E {}, S {}, W {}",
        cases.len(),
        by_class.get(&Class::E).copied().unwrap_or(0),
        by_class.get(&Class::S).copied().unwrap_or(0),
        by_class.get(&Class::W).copied().unwrap_or(0)
    );
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for class in [Class::E, Class::S, Class::W] {
        assert!(by_class.contains_key(&class), "no case of class {class:?}");
    }
}

#[test]
fn the_html_checker_catches_what_it_must() {
    let mut problems = Vec::new();
    let bad = [
        "<p>hi</p><script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"JaVa&#x09;Script:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\" data:text/html,x\">x</a>",
        "<p style=\"color:red\">x</p>",
        "<p>1 < 2</p>",
        "<script src=\"https://evil.example/x.js\"></script>",
        "<a href='vbscript:x'>x</a>",
        "<iframe src=\"/\"></iframe>",
    ];
    for html in bad {
        let before = problems.len();
        check_html("t.html", html, &mut problems);
        assert!(problems.len() > before, "not caught: {html}");
    }
    let good = "<!doctype html><html><head><title>&lt;script&gt;</title>\
        <script src=\"../assets/site.0123456789.js\" integrity=\"sha384-x\"></script></head>\
        <body><p>a onerror=alert(1) &lt;img&gt;</p><a href=\"https://example.org/\">x</a>\
        <script type=\"application/json\" id=\"questionnaire-rules\">{\"a\":\"\\u003c/script\\u003e\"}</script></body></html>";
    let mut clean = Vec::new();
    check_html("t.html", good, &mut clean);
    assert!(clean.is_empty(), "{clean:?}");
    assert!(is_located("content/a.md:3:1: error[E042]: bad link", "error"));
    assert!(!is_located("content: error[E033]: no home page", "error"));
    assert!(!is_located("error: cannot read", "error"));
}

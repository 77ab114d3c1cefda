//! Shared helpers for the integration tests: building sites with the real binary, a small
//! static HTTP server that sends the site's security headers, and a WebDriver client for
//! real headless Chromium (Debian's `chromium` and `chromium-driver`).
#![allow(dead_code)]

pub mod html;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_riskguide"))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `riskguide ARGS…` and returns its output.
pub fn riskguide(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().expect("riskguide runs")
}

/// Every HTML file of a built site as (path inside the output with `/` separators, text),
/// sorted by path.
pub fn html_files(out: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(out)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).expect("read"))
        })
        .collect();
    pages.sort();
    pages
}

/// Copies a directory tree (used to put fixture sites in a temp dir).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("inside");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Builds the site at `root` into `out` with `riskguide build` and any `extra` arguments,
/// failing the test with riskguide's errors when the build fails.
pub fn build_with(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let result = riskguide(&args);
    assert!(
        result.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    result
}

/// Builds the site at `root` into `out` (see [`build_with`]).
pub fn build(root: &Path, out: &Path) -> Output {
    build_with(root, out, &[])
}

/// Builds the shipped guide once per test binary into a temp dir and returns the output dir.
pub fn shipped_site(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    build_with(&repo_root(), &out, extra);
    (dir, out)
}

/// A tiny HTTP server for a built site, sending the same security headers as `_headers`.
pub struct StaticServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl StaticServer {
    pub fn start(dir: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let dir = dir.to_path_buf();
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let dir = dir.clone();
                        std::thread::spawn(move || serve_one(stream, &dir));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        StaticServer { port, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{}", self.port, path.trim_start_matches('/'))
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve_one(mut stream: TcpStream, dir: &Path) {
    stream.set_nonblocking(false).ok();
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let mut file = dir.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        file = file.join("index.html");
    }
    let (status, body, file) = match (path.contains(".."), std::fs::read(&file)) {
        (false, Ok(body)) => ("200 OK", body, file),
        _ => (
            "404 Not Found",
            std::fs::read(dir.join("404.html")).unwrap_or_default(),
            dir.join("404.html"),
        ),
    };
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let kind = match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "xml" => "application/xml",
        _ => "text/plain; charset=utf-8",
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in riskguide::pipeline::security_headers() {
        if name != "Strict-Transport-Security" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// A WebDriver session on headless Chromium through chromedriver.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium window of the given size.
    pub fn start_sized(width: u32, height: u32) -> Browser {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("chromedriver is not installed: run the README's test command, which installs chromium and chromium-driver");
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let started = Instant::now();
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let mut response = agent
            .post(&format!("{base}/session"))
            .send_json(&caps)
            .expect("new session");
        let value: Value = response.body_mut().read_json().expect("json");
        let session = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {value}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
            agent,
            _profile: profile,
        }
    }

    pub fn start() -> Browser {
        Self::start_sized(1280, 900)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.session, path)
    }

    /// A WebDriver command; panics with the driver's message on an error.
    pub fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let value = self.try_cmd(method, path, body);
        if let Some(error) = value.get("error") {
            panic!("webdriver {method} {path}: {error}: {}", value["message"]);
        }
        value
    }

    pub fn try_cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = self.url(path);
        let mut response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.post(&url).send_json(&body),
        }
        .expect("webdriver request");
        let v: Value = response.body_mut().read_json().expect("webdriver json");
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url}));
    }

    pub fn current_url(&self) -> String {
        self.cmd("GET", "/url", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", json!({"using": "css selector", "value": css}));
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    pub fn find_all(&self, css: &str) -> Vec<String> {
        let v = self.cmd("POST", "/elements", json!({"using": "css selector", "value": css}));
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
            .collect()
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), json!({}));
    }

    pub fn send_keys(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/value"), json!({"text": text}));
    }

    /// Presses keys on whatever has focus (e.g. "\u{E004}" is Tab, "\u{E00D}" is Space).
    pub fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.cmd(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
        self.try_cmd("DELETE", "/actions", Value::Null);
    }

    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd("POST", "/execute/sync", json!({"script": script, "args": args}))
    }

    pub fn text(&self, css: &str) -> String {
        self.exec(
            "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            json!([css]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits until `script` (a function body returning a value) returns something truthy.
    pub fn wait_for(&self, script: &str, what: &str) -> Value {
        let started = Instant::now();
        loop {
            let v = self.exec(script, json!([]));
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Browser console entries since the last call (errors, CSP violations, …).
    pub fn logs(&self) -> Vec<Value> {
        self.try_cmd("POST", "/se/log", json!({"type": "browser"}))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Console entries at SEVERE level, which is where errors and CSP violations land.
    pub fn severe_logs(&self) -> Vec<String> {
        self.logs()
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn new_tab(&self) -> String {
        self.cmd("POST", "/window/new", json!({"type": "tab"}))["handle"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn window(&self) -> String {
        self.cmd("GET", "/window", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn switch_to(&self, handle: &str) {
        self.cmd("POST", "/window", json!({"handle": handle}));
    }

    /// Prints the current page to PDF (sizes in centimetres) and returns the bytes.
    pub fn print_pdf(&self, width_cm: f64, height_cm: f64) -> Vec<u8> {
        use base64::Engine;
        let v = self.cmd(
            "POST",
            "/print",
            json!({"page": {"width": width_cm, "height": height_cm}, "background": false}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("pdf base64")
    }

    pub fn screenshot_png(&self) -> Vec<u8> {
        use base64::Engine;
        let v = self.cmd("GET", "/screenshot", Value::Null);
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("png base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads a whole HTTP response from a raw request (for tests of `serve`).
pub fn raw_http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    stream.write_all(request.as_bytes()).expect("send");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

/// The shipped guide's questionnaire, read through the library.
pub fn shipped_questionnaire() -> riskguide::model::Questionnaire {
    let config = riskguide::config::load(&repo_root()).expect("site.toml loads");
    let (site, _) =
        riskguide::pipeline::load_site(&config).unwrap_or_else(|e| panic!("the shipped guide loads: {e:?}"));
    site.questionnaire.expect("the shipped guide has a questionnaire")
}

/// A persona of the shipped questionnaire (`content/questionnaire.toml`).
#[derive(Debug, Clone)]
pub struct Persona {
    pub id: String,
    pub name: String,
    /// (question id, option id) for every question, in question order.
    pub answers: Vec<(String, String)>,
    /// The outcome it must get: `mac`, `vps`, `mw`, or `none` (no platform fits yet), as the
    /// page's `data-platform` says it.
    pub expect: &'static str,
}

impl Persona {
    /// The same answers with the one to `question` changed to `option`.
    pub fn with(&self, question: &str, option: &str) -> Vec<(String, String)> {
        let mut answers = self.answers.clone();
        let slot = answers
            .iter_mut()
            .find(|(q, _)| q == question)
            .expect("a question of the questionnaire");
        slot.1 = option.to_string();
        answers
    }
}

/// The personas of the shipped questionnaire, in their order there.
pub fn shipped_personas() -> Vec<Persona> {
    let q = shipped_questionnaire();
    q.personas
        .iter()
        .map(|p| Persona {
            id: p.id.to_string(),
            name: p.name.clone(),
            answers: q
                .questions
                .iter()
                .zip(&p.answers)
                .map(|(question, &o)| (question.id.to_string(), question.options[o].id.to_string()))
                .collect(),
            expect: p.expect.map_or("none", |e| e.id()),
        })
        .collect()
}

/// The shipped persona with this id.
pub fn persona(id: &str) -> Persona {
    shipped_personas()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no persona `{id}` in content/questionnaire.toml"))
}

/// Answers as the page address holds them: `data=private&purpose=personal&…`.
pub fn fragment_of(answers: &[(String, String)]) -> String {
    answers
        .iter()
        .map(|(q, o)| format!("{q}={o}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Answers as `riskguide recommend` takes them: `--answer data=private …`.
pub fn answer_args(answers: &[(String, String)]) -> Vec<String> {
    answers
        .iter()
        .flat_map(|(q, o)| ["--answer".to_string(), format!("{q}={o}")])
        .collect()
}

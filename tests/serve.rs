//! `riskguide serve` over real HTTP: the request gates (host, method, path), what is served
//! from the in-memory build, live rebuilds after edits, failed rebuilds that keep the last good
//! build online with located errors, and Ctrl-C. Each test serves its own copy of the shipped
//! guide from a temp dir, so edits never touch the repository.
mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A running `riskguide serve` on a copy of the shipped guide; killed when dropped.
struct Served {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    fn start() -> Served {
        Served::start_with(|_| {})
    }

    /// Serves a copy of the shipped guide after `prepare` has changed it.
    fn start_with(prepare: impl FnOnce(&Path)) -> Served {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = common::repo_root();
        for sub in ["content", "templates", "static"] {
            common::copy_tree(&repo.join(sub), &dir.path().join(sub));
        }
        std::fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
        prepare(dir.path());
        let mut child = Command::new(common::bin())
            .args(["serve", "--root", dir.path().to_str().expect("utf-8"), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("riskguide serve starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut served = Served {
            child,
            port: 0,
            dir,
            stderr,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no URL printed; stderr: {}", served.stderr()));
        assert!(
            line.starts_with("Serving OpenClaw deployment risks at http://127.0.0.1:"),
            "{line:?}"
        );
        let port = line
            .trim()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok());
        served.port = port.unwrap_or_else(|| panic!("no port in {line:?}"));
        assert_ne!(served.port, 0);
        served
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// A GET with a loopback Host header.
    fn get(&self, path: &str) -> Reply {
        self.request(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        ))
    }

    fn request(&self, raw: &str) -> Reply {
        Reply::parse(&common::raw_http(self.port, raw))
    }

    fn status_json(&self) -> Value {
        serde_json::from_str(&self.get("/__riskguide/status").body).expect("status is JSON")
    }

    fn edit(&self, file: &str, change: impl FnOnce(String) -> String) {
        let path: PathBuf = self.root().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, change(text)).expect("write");
    }

    /// Polls until `done` holds (rebuilds take about a second; a loaded machine may need more).
    fn wait_until(&self, what: &str, mut done: impl FnMut(&Served) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn parse(raw: &str) -> Reply {
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        Reply {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

#[test]
fn traversal_attempts_never_reach_the_disk() {
    let s = Served::start();
    let attempts = [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/site.toml",
        "/%2E%2E%2Fsite.toml",
        "/%252e%252e/site.toml",
        "/..%5csite.toml",
        "/..\\site.toml",
        "/a%00b",
        "//etc/passwd",
        "/content/index.md",
        "/site.toml",
        "/templates/base.html",
        "/static/css/main.css",
        "/.riskguide-output",
        "/_headers",
        "/./index.html",
        "http://127.0.0.1/site.toml",
    ];
    for path in attempts {
        let reply = s.get(path);
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {} {}",
            reply.status,
            reply.head
        );
        for secret in [
            "[package]",
            "title =",
            "base_url",
            "root:x:0",
            "+++",
            "{% extends",
            "Content-Security-Policy:",
        ] {
            assert!(!reply.body.contains(secret), "{path} leaked {secret:?}");
        }
    }
    assert!(!s.root().join("public").exists(), "serve wrote an output directory");
}

#[test]
fn foreign_hosts_get_403_and_loopback_names_pass() {
    let s = Served::start();
    let port = s.port;
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "0.0.0.0",
    ] {
        let reply = s.request(&format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        assert_eq!(reply.status, 403, "{host}");
        assert!(!reply.body.contains("<html"), "{host}");
    }
    let missing = s.request("GET / HTTP/1.0\r\n\r\n");
    assert_eq!(missing.status, 403);
    for host in [
        format!("localhost:{port}"),
        "localhost".into(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let reply = s.request(&format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        assert_eq!(reply.status, 200, "{host}");
    }
}

#[test]
fn files_come_with_their_types_and_the_site_headers() {
    let s = Served::start();
    let home = s.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("Content-Type").as_deref(), Some("text/html; charset=utf-8"));
    let csp = home.header("Content-Security-Policy").expect("CSP");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(home.header("X-Content-Type-Options").as_deref(), Some("nosniff"));
    assert_eq!(home.header("X-Frame-Options").as_deref(), Some("DENY"));
    assert!(
        home.header("Strict-Transport-Security").is_none(),
        "no HSTS on plain http"
    );

    let asset = |ext: &str| {
        let at = home
            .body
            .find(&format!(".{ext}\""))
            .unwrap_or_else(|| panic!("no .{ext} link on the home page"));
        let start = home.body[..at].rfind('"').expect("quote") + 1;
        format!("/{}", home.body[start..at + ext.len() + 1].trim_start_matches("./"))
    };
    for (path, kind) in [
        (asset("css"), "text/css; charset=utf-8"),
        (asset("js"), "text/javascript; charset=utf-8"),
        ("/images/trust-boundary.svg".to_string(), "image/svg+xml"),
        ("/sitemap.xml".to_string(), "application/xml"),
        ("/robots.txt".to_string(), "text/plain; charset=utf-8"),
        (
            "/__riskguide/livereload.js".to_string(),
            "text/javascript; charset=utf-8",
        ),
        ("/__riskguide/overlay.css".to_string(), "text/css; charset=utf-8"),
        ("/__riskguide/status".to_string(), "application/json"),
    ] {
        let reply = s.get(&path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type").as_deref(), Some(kind), "{path}");
        assert!(reply.header("Content-Security-Policy").is_some(), "{path}");
        assert!(
            !reply.body.contains("livereload"),
            "{path}: script injected outside HTML"
        );
    }
    let head = s.request(&format!(
        "HEAD /compare/ HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        s.port
    ));
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = s.request(&format!(
        "POST / HTTP/1.1\r\nHost: localhost:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        s.port
    ));
    assert_eq!(post.status, 405);
    assert_eq!(post.header("Allow").as_deref(), Some("GET, HEAD"));
}

#[test]
fn directories_redirect_and_unknown_paths_get_the_404_page() {
    let s = Served::start();
    let redirect = s.get("/moltworker?from=test");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location").as_deref(), Some("/moltworker/?from=test"));
    assert_eq!(s.get("/moltworker/").status, 200);
    let missing = s.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("Content-Type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(missing.body.contains("class=\"kind-not-found\""), "{}", missing.body);
    assert!(
        missing.body.contains("/__riskguide/livereload.js"),
        "404 page reloads too"
    );
}

#[test]
fn html_responses_carry_the_live_reload_script_and_the_build_does_not() {
    let s = Served::start();
    let page = s.get("/compare/").body;
    let script = page
        .find("<script src=\"/__riskguide/livereload.js\" data-version=\"")
        .expect("script injected");
    assert!(script < page.rfind("</body>").expect("body end"));
    let style = page
        .find("<link rel=\"stylesheet\" href=\"/__riskguide/overlay.css\">")
        .expect("overlay css linked");
    assert!(style < page.find("</head>").expect("head end"));
    assert!(
        !page.contains(" style=") && !page.contains("<script>"),
        "no inline script or style"
    );
    let status = s.status_json();
    assert_eq!(status["ok"], true);
    let version = status["version"].as_str().expect("version");
    assert!(
        page.contains(&format!("data-version=\"{version}\"")),
        "page stamped with the served build"
    );
    let events = first_event(s.port);
    assert!(events.contains("Content-Type: text/event-stream"), "{events}");
    assert!(events.contains("event: build\ndata: {"), "{events}");
}

/// Opens the event stream and reads until the first `build` event has arrived.
fn first_event(port: u16) -> String {
    match read_first_event(port, Duration::from_secs(10)) {
        Ok((_, text)) | Err(text) => text,
    }
}

/// Opens an event stream and reads up to the end of its first event; the stream stays open.
fn read_first_event(port: u16, timeout: Duration) -> Result<(std::net::TcpStream, String), String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream
        .write_all(b"GET /__riskguide/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("}\n\n") {
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    Ok((stream, String::from_utf8_lossy(&seen).to_string()))
}

#[test]
fn edits_are_served_after_a_rebuild() {
    let s = Served::start();
    s.edit("content/index.md", |text| {
        format!("{text}\nA freshly written paragraph about mint-green tokens.\n")
    });
    s.wait_until("the edited home page", |s| {
        s.get("/").body.contains("mint-green tokens")
    });
    s.wait_until("the summary line", |s| s.stderr().contains("rebuilt 38 pages in "));
    assert!(!s.root().join("public").exists(), "serve wrote an output directory");
}

#[test]
fn a_broken_edit_keeps_the_last_good_build_and_reports_where() {
    let s = Served::start();
    let before = s.get("/compare/").body;
    assert!(before.contains("<h1>Compare platforms</h1>"), "unexpected compare page");
    s.edit("content/compare.md", |text| {
        text.replacen("title = \"Compare platforms\"", "title = \"Compare platforms", 1)
    });
    s.wait_until("the failed rebuild", |s| s.status_json()["ok"] == false);
    let status = s.status_json();
    let problems = status["problems"].as_array().expect("problems");
    let error = problems.iter().find(|p| p["severity"] == "error").expect("an error");
    assert_eq!(error["location"], "content/compare.md:2:27", "{status}");
    assert!(
        error["text"]
            .as_str()
            .expect("text")
            .contains("2 | title = \"Compare platforms\n"),
        "{status}"
    );
    assert_eq!(status["serving"], true);
    let during = s.get("/compare/");
    assert_eq!(during.status, 200);
    assert!(
        during.body.contains("<h1>Compare platforms</h1>"),
        "the last good build is still served"
    );
    s.wait_until("the failure summary", |s| {
        s.stderr().contains("still serving the last good build")
    });
    let terminal = s.stderr();
    assert!(terminal.contains("content/compare.md:2:27: error["), "{terminal}");
    assert!(
        terminal.contains("2 | title = \"Compare platforms\n  |                           ^"),
        "{terminal}"
    );

    s.edit("content/compare.md", |text| {
        text.replacen(
            "title = \"Compare platforms\n",
            "title = \"Compare the three platforms\"\n",
            1,
        )
    });
    s.wait_until("the fixed rebuild", |s| s.status_json()["ok"] == true);
    let status = s.status_json();
    assert!(
        status["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .all(|p| p["severity"] != "error"),
        "{status}"
    );
    assert!(s.get("/compare/").body.contains("<h1>Compare the three platforms</h1>"));
}

#[test]
fn a_broken_site_toml_is_reported_and_fixing_it_recovers() {
    let s = Served::start();
    s.edit("site.toml", |text| format!("{text}colour = \"red\"\n"));
    s.wait_until("the failed rebuild", |s| s.status_json()["ok"] == false);
    let status = s.status_json();
    assert!(
        status["problems"][0]["location"]
            .as_str()
            .expect("location")
            .starts_with("site.toml:"),
        "{status}"
    );
    assert_eq!(s.get("/").status, 200);
    s.edit("site.toml", |text| {
        text.replace("colour = \"red\"\n", "")
            .replace("title = \"OpenClaw deployment risks\"", "title = \"Renamed guide\"")
    });
    s.wait_until("the fixed rebuild", |s| s.status_json()["ok"] == true);
    assert!(s.get("/").body.contains("Renamed guide"));
}

#[test]
fn a_site_that_does_not_build_yet_is_served_once_fixed() {
    let s = Served::start_with(|root| {
        let page = root.join("content/compare.md");
        let text = std::fs::read_to_string(&page).expect("read");
        std::fs::write(&page, text.replacen("weight = 50", "weight = fifty", 1)).expect("write");
    });
    let status = s.status_json();
    assert_eq!(
        (status["ok"].clone(), status["serving"].clone()),
        (Value::Bool(false), Value::Bool(false)),
        "{status}"
    );
    assert!(
        status["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["location"]
                .as_str()
                .is_some_and(|l| l.starts_with("content/compare.md:4:"))),
        "{status}"
    );
    let waiting = s.get("/compare/");
    assert_eq!(waiting.status, 503);
    assert!(
        waiting.body.contains("/__riskguide/livereload.js"),
        "the waiting page reloads once fixed"
    );
    assert!(!waiting.body.contains("Compare platforms"));
    s.edit("content/compare.md", |text| {
        text.replacen("weight = fifty", "weight = 50", 1)
    });
    s.wait_until("the first good build", |s| s.status_json()["ok"] == true);
    assert!(s.get("/compare/").body.contains("<h1>Compare platforms</h1>"));
}

/// Threads and resident memory (KiB) of a running process, from /proc.
fn threads_and_memory(pid: u32) -> (usize, u64) {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    (threads, rss)
}

/// A GET that must be answered within `limit`; returns the status.
fn timed_get(port: u16, path: &str, limit: Duration) -> u16 {
    use std::io::Write;
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(limit)).ok();
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
        .expect("send");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let reply = Reply::parse(&String::from_utf8_lossy(&out));
    assert!(
        started.elapsed() < limit,
        "{path} took {:?} (status {})",
        started.elapsed(),
        reply.status
    );
    reply.status
}

#[cfg(target_os = "linux")]
#[test]
fn thousands_of_slow_connections_hold_no_threads_and_pages_still_come_fast() {
    use std::io::Write;
    let s = Served::start();
    assert_eq!(timed_get(s.port, "/", Duration::from_secs(2)), 200);
    let (threads_before, memory_before) = threads_and_memory(s.child.id());
    // 4,000 clients that connect and never finish their request: half send nothing, half
    // the first bytes of a head.
    let mut idle = Vec::new();
    for i in 0..4000 {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", s.port)) else {
            continue;
        };
        if i % 2 == 0 {
            let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: local");
        }
        idle.push(stream);
    }
    assert!(idle.len() > 3000, "only {} connections opened", idle.len());
    std::thread::sleep(Duration::from_millis(500));
    for path in ["/", "/compare/", "/__riskguide/status"] {
        assert_eq!(timed_get(s.port, path, Duration::from_secs(2)), 200, "{path}");
    }
    let (threads, memory) = threads_and_memory(s.child.id());
    println!("threads {threads_before} → {threads}, resident memory {memory_before} → {memory} KiB");
    assert!(
        threads <= threads_before + 2,
        "{threads_before} threads became {threads}"
    );
    assert!(
        memory < memory_before + 64 * 1024,
        "resident memory grew from {memory_before} to {memory} KiB"
    );
    drop(idle);
    assert_eq!(timed_get(s.port, "/", Duration::from_secs(2)), 200);
}

#[test]
fn oversized_and_malformed_heads_are_refused_and_a_slow_honest_one_is_answered() {
    use std::io::Write;
    let s = Served::start();
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    assert_eq!(s.request(&huge).status, 431);
    let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
    assert_eq!(
        s.request(&format!("GET / HTTP/1.1\r\nHost: localhost\r\n{many}\r\n"))
            .status,
        431
    );
    assert_eq!(s.request("\u{1}\u{2}garbage\r\n\r\n").status, 400);
    // A head sent a few bytes at a time, well within the time limit, is answered.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    for chunk in b"GET /compare/ HTTP/1.1\r\nHost: localhost\r\n\r\n".chunks(8) {
        stream.write_all(chunk).expect("send");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    assert_eq!(Reply::parse(&String::from_utf8_lossy(&out)).status, 200);
}

/// Opens an event stream and reads its first `build` event; the stream stays open.
fn open_event_stream(port: u16) -> Result<std::net::TcpStream, String> {
    let (stream, text) = read_first_event(port, Duration::from_secs(5))?;
    if text.starts_with("HTTP/1.1 200") && text.contains("event: build\n") {
        Ok(stream)
    } else {
        Err(text)
    }
}

#[test]
fn closed_event_streams_free_their_place_at_once() {
    let s = Served::start();
    let full: Vec<_> = (0..64)
        .map(|i| open_event_stream(s.port).unwrap_or_else(|e| panic!("stream {i}: {e}")))
        .collect();
    let refused = open_event_stream(s.port).expect_err("a 65th stream is refused");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    drop(full);
    // Every closed stream is noticed: 64 new ones open, within moments.
    let started = Instant::now();
    let mut again = Vec::new();
    while again.len() < 64 {
        match open_event_stream(s.port) {
            Ok(stream) => again.push(stream),
            Err(e) => {
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "closed streams still count after {:?}: {e}",
                    started.elapsed()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    assert!(open_event_stream(s.port).is_err(), "the cap still holds");
    // Open streams hear of a rebuild.
    s.edit("content/index.md", |text| format!("{text}\nOne more line.\n"));
    let mut buf = [0u8; 512];
    let n = again[0].read(&mut buf).expect("an event after the rebuild");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("event: build"));
    assert_eq!(timed_get(s.port, "/", Duration::from_secs(2)), 200);
}

#[cfg(target_os = "linux")]
#[test]
fn special_files_are_reported_not_read_and_never_block_a_rebuild() {
    let s = Served::start_with(|root| {
        std::os::unix::fs::symlink("/dev/zero", root.join("content/zero.md")).expect("symlink");
        let big = std::fs::File::create(root.join("content/big.md")).expect("create");
        big.set_len(8 << 30).expect("sparse file");
    });
    let started = Instant::now();
    let status = s.status_json();
    let locations: Vec<&str> = status["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["heading"].as_str())
        .collect();
    for want in ["content/zero.md:1:1: error[E012]", "content/big.md:1:1: error[E011]"] {
        assert!(locations.iter().any(|l| l.starts_with(want)), "{want}: {status}");
    }
    // A named pipe appearing while serving: the rebuild reports it instead of waiting on it.
    let made = Command::new("mkfifo")
        .arg(s.root().join("content/pipe.md"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    s.wait_until("the rebuild that sees the pipe", |s| {
        s.status_json()["problems"]
            .as_array()
            .is_some_and(|list| list.iter().any(|p| p["location"] == "content/pipe.md:1:1"))
    });
    assert_eq!(timed_get(s.port, "/__riskguide/status", Duration::from_secs(2)), 200);
    let (_, memory) = threads_and_memory(s.child.id());
    assert!(memory < 512 * 1024, "resident memory {memory} KiB");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_with_exit_code_zero() {
    let mut s = Served::start();
    assert_eq!(s.get("/").status, 200);
    let killed = Command::new("kill")
        .args(["-INT", &s.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(!s.stderr().contains("panicked"), "{}", s.stderr());
}

#[test]
#[ignore = "browser test: run with --include-ignored (tests/run does)"]
fn browser_shows_the_overlay_and_reloads_after_the_fix() {
    let s = Served::start();
    let browser = common::Browser::start();
    browser.goto(&format!("http://127.0.0.1:{}/compare/", s.port));
    browser.wait_for(
        "return document.querySelector('h1') && document.querySelector('h1').textContent === 'Compare platforms';",
        "the page",
    );
    // The event stream is open once the first status check has run.
    std::thread::sleep(Duration::from_millis(500));
    browser.exec("window.__sameDocument = true; return true;", serde_json::json!([]));

    s.edit("content/compare.md", |text| {
        text.replacen("title = \"Compare platforms\"", "title = \"Compare platforms", 1)
    });
    let text = browser.wait_for(
        "var o = document.getElementById('riskguide-overlay'); return o ? o.textContent : null;",
        "the error overlay",
    );
    let text = text.as_str().expect("overlay text");
    assert!(text.contains("Build failed: 1 error"), "{text}");
    assert!(text.contains("content/compare.md:2:27: error["), "{text}");
    assert_eq!(browser.text("h1"), "Compare platforms", "the last good page stays");
    assert_eq!(
        browser.exec("return window.__sameDocument === true;", serde_json::json!([])),
        true,
        "no reload on a failed build"
    );
    let shown = browser.exec("var o = document.getElementById('riskguide-overlay'); var r = o.getBoundingClientRect(); return getComputedStyle(o).position + ' ' + (r.width > 300);", serde_json::json!([]));
    assert_eq!(shown, "fixed true", "the overlay is styled by overlay.css");

    s.edit("content/compare.md", |text| {
        text.replacen(
            "title = \"Compare platforms\n",
            "title = \"Compare every platform\"\n",
            1,
        )
    });
    browser.wait_for(
        "var h = document.querySelector('h1'); return h && h.textContent === 'Compare every platform';",
        "the reloaded page",
    );
    assert!(
        browser.exec(
            "return document.getElementById('riskguide-overlay') === null && window.__sameDocument === undefined;",
            serde_json::json!([])
        ) == true
    );
    let severe: Vec<String> = browser
        .severe_logs()
        .into_iter()
        .filter(|l| !l.contains("favicon"))
        .collect();
    assert!(
        severe
            .iter()
            .all(|l| !l.contains("Content Security Policy") && !l.contains("Refused")),
        "{severe:?}"
    );
}

/// A served page with what differs between two servers of the same site taken out: the
/// server's own address and the live-reload stamp.
fn comparable(s: &Served, path: &str) -> String {
    let body = s
        .get(path)
        .body
        .replace(&format!("127.0.0.1:{}", s.port), "127.0.0.1:PORT");
    body.lines()
        .filter(|line| !line.contains("/__riskguide/livereload.js"))
        .collect::<Vec<_>>()
        .join("\n")
}

const BODY_EDIT: &str = "\nA freshly written paragraph about amber quick tokens.\n";

#[test]
fn an_edit_to_a_page_body_is_shown_at_once_then_the_rebuild_matches_a_clean_build() {
    let s = Served::start();
    s.edit("content/compare.md", |text| format!("{text}{BODY_EDIT}"));
    s.wait_until("the edited page", |s| {
        s.get("/compare/").body.contains("amber quick tokens")
    });
    s.wait_until("the rebuild after the quick update", |s| {
        let terminal = s.stderr();
        terminal
            .split_once("updated /compare/ in ")
            .is_some_and(|(_, after)| after.contains("rebuilt 38 pages in "))
    });
    let terminal = s.stderr();
    assert!(
        terminal.contains("ms (content/compare.md changed); rebuilding the whole site"),
        "{terminal}"
    );
    assert_eq!(s.status_json()["ok"], true);

    // A server started on the edited site builds it from scratch.
    let clean = Served::start_with(|root| {
        let path = root.join("content/compare.md");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("{text}{BODY_EDIT}")).expect("write");
    });
    for path in ["/compare/", "/", "/print/", "/self-hosting/", "/404.html"] {
        assert_eq!(comparable(&s, path), comparable(&clean, path), "{path} differs");
    }
    assert!(comparable(&clean, "/print/").contains("amber quick tokens"));
}

#[test]
fn a_new_title_goes_through_the_full_rebuild_and_reaches_other_pages_sidebars() {
    let s = Served::start();
    assert!(!s.get("/").body.contains("Platforms side by side"));
    s.edit("content/compare.md", |text| {
        text.replacen("title = \"Compare platforms\"", "title = \"Platforms side by side\"", 1)
    });
    s.wait_until("the new title in the home page's sidebar", |s| {
        s.get("/").body.contains("Platforms side by side")
    });
    s.wait_until("the summary line", |s| s.stderr().contains("rebuilt 38 pages in "));
    let terminal = s.stderr();
    assert!(!terminal.contains("updated /compare/"), "{terminal}");
    assert!(s.get("/compare/").body.contains("<h1>Platforms side by side</h1>"));
}

#[test]
fn an_edit_that_breaks_a_link_shows_the_error_overlay() {
    let s = Served::start();
    s.edit("content/compare.md", |text| {
        format!("{text}\nSee [the missing page](/no-such-page/).\n")
    });
    s.wait_until("the failed rebuild", |s| s.status_json()["ok"] == false);
    let status = s.status_json();
    let problems = status["problems"].as_array().expect("problems");
    let error = problems.iter().find(|p| p["severity"] == "error").expect("an error");
    assert!(
        error["location"]
            .as_str()
            .expect("location")
            .starts_with("content/compare.md:"),
        "{status}"
    );
    s.wait_until("the failure summary", |s| {
        s.stderr().contains("still serving the last good build")
    });
    let terminal = s.stderr();
    assert!(!terminal.contains("updated /compare/"), "{terminal}");
    assert!(!s.get("/compare/").body.contains("the missing page"));
}

/// The name of the build's search index script (`assets/search.HASH.js`).
fn search_index_name(set: &riskguide::output::OutputSet) -> String {
    set.iter()
        .map(|(path, _)| path)
        .find(|p| p.starts_with("assets/search.") && p.ends_with(".js"))
        .expect("a search index")
        .clone()
}

#[test]
fn a_page_rendered_again_over_the_last_build_is_the_clean_builds_page_but_for_the_search_index() {
    use riskguide::{config, highlight::Highlighter, pipeline};
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = common::repo_root();
    for sub in ["content", "templates", "static"] {
        common::copy_tree(&repo.join(sub), &dir.path().join(sub));
    }
    std::fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
    let highlighter = Highlighter::new();
    let config = config::load(dir.path()).expect("site.toml");
    let (before, mut last) = pipeline::build_keeping(&config, &highlighter).expect("the guide builds");

    let page = dir.path().join("content/compare.md");
    let text = std::fs::read_to_string(&page).expect("read");
    std::fs::write(&page, format!("{text}{BODY_EDIT}")).expect("write");
    let quick = last
        .render_page("content/compare.md", &highlighter)
        .expect("a body edit is rendered again");
    assert_eq!(quick.route, "/compare/");
    assert_eq!(quick.output.len(), 1);
    let (after, _) = pipeline::build_keeping(&config, &highlighter).expect("the edited guide builds");
    let (old_index, new_index) = (search_index_name(&before.output), search_index_name(&after.output));
    assert_ne!(old_index, new_index, "the new words change the search index");
    let quick_html =
        String::from_utf8(quick.output.get("compare/index.html").expect("the page").to_vec()).expect("utf-8");
    assert!(quick_html.contains("amber quick tokens"));
    assert!(quick_html.contains(&old_index));
    let clean_html =
        String::from_utf8(after.output.get("compare/index.html").expect("the page").to_vec()).expect("utf-8");
    assert_eq!(quick_html.replace(&old_index, &new_index), clean_html);

    // What other pages read is refused: a new title, a new heading, a link to a missing page.
    for edit in [
        text.replacen("title = \"Compare platforms\"", "title = \"Compared\"", 1),
        format!("{text}\n## A new heading\n"),
        format!("{text}\nSee [nothing](/no-such-page/).\n"),
    ] {
        std::fs::write(&page, &edit).expect("write");
        assert!(last.render_page("content/compare.md", &highlighter).is_none(), "{edit}");
    }
    // Not a page of the build.
    assert!(last.render_page("content/risks.toml", &highlighter).is_none());
}

//! The HTTP side of `serve`: answers from the in-memory build only.
//!
//! Every request passes three gates before anything is looked up: the `Host` header must name
//! the loopback interface (a page on another site that rebinds its DNS name to 127.0.0.1 gets
//! 403), the method must be GET or HEAD, and the path must be a plain absolute path (no dot
//! segments, backslashes, control characters, empty segments or percent signs after
//! decoding). Only keys of the [`OutputSet`] are served; no path ever reaches the file system.
//!
//! Reserved paths under `/__riskguide/` carry live reload: the script and the overlay's
//! stylesheet (both injected into HTML responses here, never into the build), the status JSON
//! the overlay is drawn from, and an event stream announcing each finished rebuild.

use super::conn::{self, Request};
use super::{Snapshot, State};
use riskguide::diagnostics::Severity;
use riskguide::pipeline;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const RESERVED: &str = "/__riskguide/";
const SCRIPT_PATH: &str = "/__riskguide/livereload.js";
const STYLE_PATH: &str = "/__riskguide/overlay.css";
const LIVERELOAD_JS: &str = include_str!("livereload.js");
const OVERLAY_CSS: &str = include_str!("overlay.css");
/// Open event streams beyond this get 503. A stream costs a socket, not a thread.
pub const MAX_STREAMS: usize = 64;
/// A comment is sent on idle event streams this often, so that proxies keep them open and a
/// peer that went away without closing is found by the failed write.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often the open streams are looked at: a closed one frees its place within this time.
const TEND_EVERY: Duration = Duration::from_millis(500);

/// Answers one request.
pub fn answer(request: Request, state: &Arc<State>) {
    if !host_is_loopback(request.header_values("Host")) {
        let body = "This preview server only answers requests for localhost, 127.0.0.1 or [::1].\n";
        return send(request, 403, "text/plain; charset=utf-8", body.into(), &[]);
    }
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return send(
            request,
            405,
            "text/plain; charset=utf-8",
            "Only GET and HEAD are allowed.\n".into(),
            &[("Allow", "GET, HEAD".into())],
        );
    }
    let target_text = request.target.clone();
    let Some(target) = parse_target(&target_text) else {
        return send(
            request,
            400,
            "text/plain; charset=utf-8",
            "Bad request path.\n".into(),
            &[],
        );
    };
    let snapshot = state.snapshot();
    if let Some(name) = target.path.strip_prefix(RESERVED) {
        return reserved(request, name, state, &snapshot);
    }
    let token = state.token(&snapshot);
    if snapshot.output.is_none() {
        return send(
            request,
            503,
            "text/html; charset=utf-8",
            inject(PLACEHOLDER.as_bytes(), &token),
            &[],
        );
    }
    let output = &*snapshot;
    match lookup(|key| output.get(key).is_some(), &target.path) {
        Found::File(key) => {
            let body = output.get(&key).unwrap_or_default();
            let kind = content_type(&key);
            let body = if kind.starts_with("text/html") {
                inject(body, &token)
            } else {
                body.to_vec()
            };
            send(request, 200, kind, body, &[])
        }
        Found::Directory => {
            let location = match target.query {
                Some(q) => format!("{}/?{q}", target.raw_path),
                None => format!("{}/", target.raw_path),
            };
            send(
                request,
                301,
                "text/plain; charset=utf-8",
                "Moved to the directory's index.\n".into(),
                &[("Location", location)],
            )
        }
        Found::Nothing => match output.get("404.html") {
            Some(page) => send(request, 404, "text/html; charset=utf-8", inject(page, &token), &[]),
            None => send(request, 404, "text/plain; charset=utf-8", "Not found.\n".into(), &[]),
        },
    }
}

fn reserved(request: Request, name: &str, state: &Arc<State>, snapshot: &Snapshot) {
    match name {
        "livereload.js" => send(
            request,
            200,
            "text/javascript; charset=utf-8",
            LIVERELOAD_JS.into(),
            &[],
        ),
        "overlay.css" => send(request, 200, "text/css; charset=utf-8", OVERLAY_CSS.into(), &[]),
        "status" => send(
            request,
            200,
            "application/json",
            status_json(state, snapshot).into_bytes(),
            &[],
        ),
        "events" if request.method == "HEAD" => send(request, 200, "text/event-stream", Vec::new(), &[]),
        "events" => open_stream(request, state, snapshot),
        _ => send(request, 404, "text/plain; charset=utf-8", "Not found.\n".into(), &[]),
    }
}

/// An open server-sent event stream: one `build` event when it opens and one after every
/// rebuild, until the page goes away.
pub(crate) struct EventStream {
    stream: TcpStream,
    /// The generation last announced on it.
    seen: u64,
    last_write: Instant,
}

impl EventStream {
    /// Announces a new generation, or keeps an idle stream alive; false once the stream is
    /// closed or its peer stopped reading (the socket is non-blocking, so a full buffer fails
    /// the write instead of waiting).
    fn tend(&mut self, state: &State, snapshot: &Snapshot) -> bool {
        if peer_closed(&self.stream) {
            return false;
        }
        let message = if self.seen != snapshot.generation {
            self.seen = snapshot.generation;
            build_event(state, snapshot)
        } else if self.last_write.elapsed() >= KEEP_ALIVE {
            ": still here\n\n".to_string()
        } else {
            return true;
        };
        self.last_write = Instant::now();
        self.stream.write_all(message.as_bytes()).is_ok()
    }
}

fn build_event(state: &State, snapshot: &Snapshot) -> String {
    let data =
        serde_json::json!({"generation": snapshot.generation, "version": state.token(snapshot), "ok": snapshot.ok});
    format!("event: build\ndata: {data}\n\n")
}

/// Whether the client has closed its side (or reset the connection). What a client sends on
/// an event stream is read and ignored, a few buffers at a time.
fn peer_closed(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    for _ in 0..8 {
        match (&*stream).read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
    // A client that keeps sending on an event stream is not a page waiting for news.
    true
}

fn streams(state: &State) -> MutexGuard<'_, Vec<EventStream>> {
    state.streams.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts an event stream and hands it to the thread that keeps them; 503 when
/// [`MAX_STREAMS`] are open (closed ones are dropped first, so they never count).
fn open_stream(request: Request, state: &State, snapshot: &Snapshot) {
    // The list stays locked from the count to the push, so two streams opening at once cannot
    // both take the last place. The head is a few hundred bytes on a fresh connection, so the
    // write does not wait on the client.
    let mut open = streams(state);
    if open.len() >= MAX_STREAMS {
        open.retain(|s| !peer_closed(&s.stream));
    }
    if open.len() >= MAX_STREAMS {
        drop(open);
        return send(
            request,
            503,
            "text/plain; charset=utf-8",
            "Too many open event streams.\n".into(),
            &[],
        );
    }
    let mut stream = request.stream;
    let mut head = conn::head(200, &[("Content-Type", "text/event-stream".to_string())], None);
    // The site's headers go after the status line, before the blank line that ends the head.
    head.truncate(head.len() - 2);
    for (name, value) in headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\nretry: 1000\n\n");
    head.push_str(&build_event(state, snapshot));
    if conn::write_all_within(&mut stream, head.as_bytes(), conn::WRITE_TIMEOUT).is_err()
        || stream.set_nonblocking(true).is_err()
    {
        return;
    }
    open.push(EventStream {
        stream,
        seen: snapshot.generation,
        last_write: Instant::now(),
    });
}

/// Keeps the event streams: announces every rebuild at once, sends keep-alive comments, and
/// drops streams whose page went away. Runs for the life of the server.
pub fn keep_streams(state: &State) {
    let mut seen = None;
    loop {
        let snapshot = state.wait_for_change(seen, TEND_EVERY);
        seen = Some(snapshot.generation);
        streams(state).retain_mut(|s| s.tend(state, &snapshot));
    }
}

fn status_json(state: &State, snapshot: &Snapshot) -> String {
    let errors = snapshot
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let problems: Vec<serde_json::Value> = snapshot
        .problems
        .iter()
        .map(|p| {
            serde_json::json!({
                "severity": p.severity, "code": p.code, "location": p.location,
                "message": p.message, "help": p.help, "text": p.text,
                "heading": p.heading, "excerpt": p.excerpt,
            })
        })
        .collect();
    serde_json::json!({
        "version": state.token(snapshot),
        "generation": snapshot.generation,
        "ok": snapshot.ok,
        "serving": snapshot.output.is_some(),
        "errors": errors,
        "warnings": snapshot.problems.len() - errors,
        "problems": problems,
    })
    .to_string()
}

/// Sends a complete response with the site's security headers.
fn send(request: Request, status: u16, content_type: &str, body: Vec<u8>, extra: &[(&str, String)]) {
    let mut list = vec![("Content-Type", content_type.to_string())];
    list.extend(headers());
    list.extend(extra.iter().map(|(n, v)| (*n, v.clone())));
    request.respond(status, &list, &body);
}

/// The headers of every response: those of the published site's `_headers` without HSTS and
/// `upgrade-insecure-requests` (this is plain HTTP on loopback), and no caching, since every
/// rebuild may change any file.
fn headers() -> Vec<(&'static str, String)> {
    let mut list = vec![
        ("Server", "riskguide".to_string()),
        ("Cache-Control", "no-cache".to_string()),
    ];
    for (name, value) in pipeline::security_headers() {
        match name {
            "Strict-Transport-Security" => {}
            "Content-Security-Policy" => {
                let kept: Vec<&str> = value
                    .split(';')
                    .map(str::trim)
                    .filter(|d| !d.is_empty() && *d != "upgrade-insecure-requests")
                    .collect();
                list.push((name, kept.join("; ")));
            }
            _ => list.push((name, value.to_string())),
        }
    }
    list
}

/// Whether the request carries exactly one `Host` header naming the loopback interface, with
/// or without a port.
fn host_is_loopback<'a>(mut hosts: impl Iterator<Item = &'a str>) -> bool {
    match (hosts.next(), hosts.next()) {
        (Some(host), None) => is_loopback_name(host),
        _ => false,
    }
}

fn is_loopback_name(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|name| match host.strip_prefix(name) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix(':')
                .is_some_and(|port| !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())),
            None => false,
        })
}

/// A request target that passed the path gate.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    /// Decoded, starting with `/`.
    path: String,
    /// As sent, without the query: safe to echo in a redirect since it decodes to `path`.
    raw_path: &'a str,
    query: Option<&'a str>,
}

/// Splits and decodes a request target; `None` for anything but a plain absolute path.
fn parse_target(target: &str) -> Option<Target<'_>> {
    let target = target.split('#').next().unwrap_or_default();
    let (raw_path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    if !raw_path.starts_with('/')
        || raw_path.contains('\\')
        || raw_path.bytes().any(|b| b.is_ascii_control() || b == b' ')
    {
        return None;
    }
    if query.is_some_and(|q| q.bytes().any(|b| b.is_ascii_control() || b == b' ')) {
        return None;
    }
    let path = percent_decode(raw_path)?;
    if path.chars().any(|c| c.is_control() || matches!(c, '\\' | '%')) {
        return None;
    }
    let rest = path.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." || (segment.is_empty() && i != last) {
            return None;
        }
    }
    Some(Target { path, raw_path, query })
}

/// Decodes `%XX` escapes once; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Debug, PartialEq, Eq)]
enum Found {
    File(String),
    /// A directory named without its trailing slash.
    Directory,
    Nothing,
}

/// Maps a decoded path onto the keys that `exists`: `dir/` is `dir/index.html`. Deployment files
/// (`_headers`) are not pages and are not served, as on the hosts that read them.
fn lookup(exists: impl Fn(&str) -> bool, path: &str) -> Found {
    let key = path.trim_start_matches('/');
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_string()
    };
    if key.starts_with('_') {
        return Found::Nothing;
    }
    if exists(&key) {
        Found::File(key)
    } else if exists(&format!("{key}/index.html")) {
        Found::Directory
    } else {
        Found::Nothing
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Adds the overlay stylesheet before `</head>` and the live-reload script, stamped with the
/// build it belongs to, before `</body>`. The build itself is never changed.
fn inject(html: &[u8], token: &str) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(html) else {
        return html.to_vec();
    };
    let style = format!("<link rel=\"stylesheet\" href=\"{STYLE_PATH}\">\n");
    let script = format!("<script src=\"{SCRIPT_PATH}\" data-version=\"{token}\"></script>\n");
    let mut out = String::with_capacity(text.len() + style.len() + script.len());
    let lower = text.to_ascii_lowercase();
    let head = lower.find("</head>");
    let body = lower.rfind("</body>").filter(|b| head.is_none_or(|h| *b > h));
    let mut rest = text;
    let mut offset = 0;
    if let Some(h) = head {
        out.push_str(&text[..h]);
        out.push_str(&style);
        rest = &text[h..];
        offset = h;
    }
    match body {
        Some(b) => {
            out.push_str(&rest[..b - offset]);
            out.push_str(&script);
            out.push_str(&rest[b - offset..]);
        }
        None => {
            out.push_str(rest);
            out.push_str(&script);
        }
    }
    out.into_bytes()
}

/// Shown while no build has succeeded yet; the overlay lists the problems.
const PLACEHOLDER: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Build failed</title>\n</head>\n<body>\n<h1>The site does not build yet</h1>\n<p>The problems are listed on the terminal. This page reloads by itself once the site builds.</p>\n</body>\n</html>\n";

#[cfg(test)]
mod tests {
    use super::*;
    use riskguide::output::OutputSet;

    #[test]
    fn loopback_hosts_pass_others_do_not() {
        for ok in [
            "localhost",
            "LOCALHOST:1111",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:65535",
        ] {
            assert!(is_loopback_name(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost:",
            "localhost:80x",
            "[::1]x",
            "",
            "127.0.0.2",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_name(bad), "{bad}");
        }
    }

    #[test]
    fn path_gate_refuses_escapes() {
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/site.toml",
            "/%2E%2E%2Fsite.toml",
            "/..%5csite.toml",
            "/a%00b",
            "//etc/passwd",
            "/%252e%252e/x",
            "/a/./b",
            "/a\\b",
            "http://evil.example/",
            "*",
            "/%zz",
            "/%c0%ae%c0%ae/x",
            "/a/%2e",
        ] {
            assert_eq!(parse_target(bad), None, "{bad}");
        }
        let t = parse_target("/moltworker?x=1").expect("plain path");
        assert_eq!(
            (t.path.as_str(), t.raw_path, t.query),
            ("/moltworker", "/moltworker", Some("x=1"))
        );
        assert_eq!(parse_target("/a%20b/").map(|t| t.path), Some("/a b/".to_string()));
    }

    #[test]
    fn lookup_serves_only_build_keys() {
        let mut set = OutputSet::new();
        set.insert("index.html".into(), b"home".to_vec()).expect("insert");
        set.insert("dir/index.html".into(), b"dir".to_vec()).expect("insert");
        set.insert("_headers".into(), b"x".to_vec()).expect("insert");
        let lookup = |path| lookup(|key| set.get(key).is_some(), path);
        assert_eq!(lookup("/"), Found::File("index.html".into()));
        assert_eq!(lookup("/dir/"), Found::File("dir/index.html".into()));
        assert_eq!(lookup("/dir"), Found::Directory);
        assert_eq!(lookup("/_headers"), Found::Nothing);
        assert_eq!(lookup("/missing"), Found::Nothing);
    }

    #[test]
    fn injects_into_head_and_body_only() {
        let html = b"<html><head><title>x</title></head><body><p>hi</p></body></html>";
        let out = String::from_utf8(inject(html, "t-1")).expect("utf-8");
        assert_eq!(
            out,
            "<html><head><title>x</title><link rel=\"stylesheet\" href=\"/__riskguide/overlay.css\">\n</head><body><p>hi</p><script src=\"/__riskguide/livereload.js\" data-version=\"t-1\"></script>\n</body></html>"
        );
        let bare = String::from_utf8(inject(b"<p>x</p>", "t")).expect("utf-8");
        assert!(bare.starts_with("<p>x</p><script"), "{bare}");
    }

    #[test]
    fn csp_drops_only_what_plain_http_needs() {
        let list = headers();
        assert!(!list.iter().any(|(n, _)| *n == "Strict-Transport-Security"));
        let csp = &list
            .iter()
            .find(|(n, _)| *n == "Content-Security-Policy")
            .expect("csp")
            .1;
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("connect-src 'self'")
                && !csp.contains("upgrade-insecure-requests"),
            "{csp}"
        );
    }
}

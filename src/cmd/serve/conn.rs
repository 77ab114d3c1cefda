//! The connections of `serve`, with bounded resources whatever clients do.
//!
//! One thread accepts connections and reads the request heads of all of them at once (mio);
//! a fixed pool of workers answers complete requests; the live-reload event streams are kept
//! by one more thread (see `http`). So an idle or slow client costs a small buffer, never a
//! thread: a head must arrive within [`HEAD_TIMEOUT`] and fit in [`MAX_HEAD_BYTES`], at most
//! [`MAX_PENDING`] connections wait for theirs (the one waiting longest makes room for a new
//! one), and every answer must be taken by the client within [`WRITE_TIMEOUT`]. Each
//! connection carries one request and is closed after the answer.

use mio::net::{TcpListener, TcpStream as MioStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a client may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to receive a whole answer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections waiting for their request head; well under the usual limit of 1,024 open files.
pub const MAX_PENDING: usize = 256;
/// A request head larger than this gets 431: browsers send a few hundred bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// Complete requests waiting for a worker; beyond this they get 503 at once.
pub const QUEUE: usize = 128;
const LISTENER: Token = Token(0);

/// A request whose head has arrived, with the connection to answer on.
pub struct Request {
    pub method: String,
    /// The request target as sent (`/path?query`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub stream: TcpStream,
}

impl Request {
    /// The values of every header called `name` (any case).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Writes a complete answer (no body for HEAD) and closes the connection.
    pub fn respond(mut self, status: u16, headers: &[(&str, String)], body: &[u8]) {
        let mut out = head(status, headers, Some(body.len())).into_bytes();
        if self.method != "HEAD" {
            out.extend_from_slice(body);
        }
        let _ = write_all_within(&mut self.stream, &out, WRITE_TIMEOUT);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The status line and headers of an answer. A header value holding a control character is
/// left out rather than allowed to split the head.
pub fn head(status: u16, headers: &[(&str, String)], content_length: Option<usize>) -> String {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        if !value.chars().any(char::is_control) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if let Some(length) = content_length {
        out.push_str(&format!("Content-Length: {length}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Writes all of `bytes` unless the whole write takes longer than `limit`.
pub fn write_all_within(stream: &mut TcpStream, mut bytes: &[u8], limit: Duration) -> io::Result<()> {
    let deadline = Instant::now() + limit;
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    stream.flush()
}

/// Runs `answer` for each request handed to the pool, on `workers` threads.
pub fn start_workers(workers: usize, requests: Receiver<Request>, answer: impl Fn(Request) + Send + Sync + 'static) {
    let requests = Arc::new(Mutex::new(requests));
    let answer = Arc::new(answer);
    for _ in 0..workers {
        let (requests, answer) = (Arc::clone(&requests), Arc::clone(&answer));
        std::thread::spawn(move || {
            loop {
                let next = requests.lock().unwrap_or_else(PoisonError::into_inner).recv();
                match next {
                    Ok(request) => answer(request),
                    Err(_) => return,
                }
            }
        });
    }
}

/// A connection still sending its request head.
struct Pending {
    stream: MioStream,
    head: Vec<u8>,
    since: Instant,
}

enum Progress {
    More(Pending),
    Closed,
    Complete(Request),
    Refuse(u16, MioStream),
}

/// Accepts connections and reads their request heads, handing complete requests to the
/// workers through `requests`. Returns only when polling fails.
pub fn accept_loop(listener: std::net::TcpListener, requests: SyncSender<Request>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(256);
    let mut pending: HashMap<Token, Pending> = HashMap::new();
    let mut next_token = 1usize;
    loop {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(500))) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in &events {
            let token = event.token();
            if token == LISTENER {
                continue;
            }
            let Some(conn) = pending.remove(&token) else { continue };
            match read_head(conn, poll.registry()) {
                Progress::More(conn) => {
                    pending.insert(token, conn);
                }
                Progress::Closed => {}
                Progress::Complete(request) => dispatch(request, &requests),
                Progress::Refuse(status, stream) => refuse(stream, status),
            }
        }
        // Accepting after every wake-up, not only on the listener's event, drains a backlog
        // that piled up while no file descriptor was free.
        accept_all(&listener, &poll, &mut pending, &mut next_token);
        pending.retain(|_, conn| conn.since.elapsed() < HEAD_TIMEOUT);
    }
}

fn accept_all(listener: &TcpListener, poll: &Poll, pending: &mut HashMap<Token, Pending>, next_token: &mut usize) {
    loop {
        match listener.accept() {
            Ok((mut stream, _)) => {
                if pending.len() >= MAX_PENDING {
                    drop_oldest(pending);
                }
                let token = Token(*next_token);
                *next_token = next_token.wrapping_add(1).max(1);
                if poll.registry().register(&mut stream, token, Interest::READABLE).is_ok() {
                    pending.insert(
                        token,
                        Pending {
                            stream,
                            head: Vec::new(),
                            since: Instant::now(),
                        },
                    );
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                // Out of file descriptors: the connection waiting longest makes room.
                if pending.is_empty() {
                    return;
                }
                drop_oldest(pending);
            }
            Err(_) => return,
        }
    }
}

fn drop_oldest(pending: &mut HashMap<Token, Pending>) {
    if let Some(token) = pending.iter().min_by_key(|(_, c)| c.since).map(|(t, _)| *t) {
        pending.remove(&token);
    }
}

/// Reads what has arrived on a pending connection. Unless more is to come, the connection
/// leaves the poll set.
fn read_head(mut conn: Pending, registry: &mio::Registry) -> Progress {
    let mut buf = [0u8; 4096];
    let status = loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => conn.head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Progress::More(conn),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break None,
        }
        if conn.head.len() > MAX_HEAD_BYTES {
            break Some(431);
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::Request::new(&mut headers).parse(&conn.head) {
            Ok(httparse::Status::Complete(_)) => break Some(200),
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => break Some(431),
            Err(_) => break Some(400),
        }
    };
    let _ = registry.deregister(&mut conn.stream);
    match status {
        None => Progress::Closed,
        Some(200) => {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Request::new(&mut headers);
            let _ = parsed.parse(&conn.head);
            let request = Request {
                method: parsed.method.unwrap_or_default().to_string(),
                target: parsed.path.unwrap_or_default().to_string(),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned()))
                    .collect(),
                stream: blocking(conn.stream),
            };
            Progress::Complete(request)
        }
        Some(status) => Progress::Refuse(status, conn.stream),
    }
}

/// A mio stream as a blocking std stream.
fn blocking(stream: MioStream) -> TcpStream {
    let stream: TcpStream = stream.into();
    let _ = stream.set_nonblocking(false);
    stream
}

fn dispatch(request: Request, requests: &SyncSender<Request>) {
    match requests.try_send(request) {
        Ok(()) => {}
        Err(TrySendError::Full(request) | TrySendError::Disconnected(request)) => {
            let Request { mut stream, .. } = request;
            let body = b"The preview server is busy; try again.\n";
            let mut out = head(
                503,
                &[("Content-Type", "text/plain; charset=utf-8".into())],
                Some(body.len()),
            )
            .into_bytes();
            out.extend_from_slice(body);
            let _ = write_all_within(&mut stream, &out, Duration::from_millis(100));
        }
    }
}

fn refuse(stream: MioStream, status: u16) {
    let mut stream = blocking(stream);
    let body = format!("{} {}\n", status, reason(status));
    let mut out = head(
        status,
        &[("Content-Type", "text/plain; charset=utf-8".into())],
        Some(body.len()),
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    let _ = write_all_within(&mut stream, &out, Duration::from_millis(100));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_value_cannot_split_the_head() {
        let text = head(
            301,
            &[
                ("Location", "/a/\r\nSet-Cookie: x=1".to_string()),
                ("X-Ok", "fine".to_string()),
            ],
            Some(3),
        );
        assert_eq!(
            text,
            "HTTP/1.1 301 Moved Permanently\r\nX-Ok: fine\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
        );
    }
}

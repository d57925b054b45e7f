//! The dev server's HTTP/1.1 transport over `std::net`: one thread per connection reads each
//! request head (parsed by `httparse`), asks the handler for the answer and writes it, with
//! keep-alive, pipelining and bounds on what a client can hold. It knows nothing of the site.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest request head (request line and headers) a client may send.
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// How long a client may take over one request head once its first byte has arrived.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// How long a kept-alive connection may stay idle between requests.
const IDLE: Duration = Duration::from_secs(60);
/// How long a write may wait on a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; a client beyond them is told 503 and closed.
const MAX_CONNECTIONS: usize = 1024;
/// A request body up to this size is read and dropped, keeping the connection usable;
/// a larger one, or one of unknown length, closes the connection after the answer.
const MAX_SKIPPED_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Other,
}

/// One request, as the handler sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: Method,
    /// The request target as sent, e.g. `/guide/steps/?q=1`.
    pub target: &'a str,
    /// The `Host` header, when there is one (and it is text).
    pub host: Option<&'a str>,
    /// The `Origin` header, which browsers send with cross-origin and event-stream requests.
    pub origin: Option<&'a str>,
    /// No request follows on this connection: the answer should say `Connection: close`.
    pub last: bool,
}

/// What the handler makes of a request.
pub enum Answer {
    /// A whole response (status line, headers and body), written in one go.
    Bytes(Vec<u8>),
    /// The handler keeps the connection (an event stream); nothing more is read from it.
    Keep(Box<dyn FnOnce(TcpStream) + Send>),
}

/// A listening socket with Nagle's algorithm off (accepted connections inherit it), so a
/// response is never held back waiting for the client's delayed acknowledgement.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(TcpListener::from(socket))
}

/// Accepts connections forever, each on a thread of its own.
///
/// One thread per connection, rather than a pool fed by a queue, is what makes the server
/// fast on loopback: a request is read, answered and written by the same thread, with no
/// hand-off between threads (tiny_http's queue cost three context switches a request and
/// held the server under 50,000 requests a second on two cores).
pub fn run<F>(listener: TcpListener, handler: F)
where
    F: Fn(&Request) -> Answer + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of file descriptors, or a connection reset before it was accepted.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let slot = Slot::take(&open);
        if slot.is_none() {
            refuse(stream);
            continue;
        }
        let handler = Arc::clone(&handler);
        // If the thread cannot start, the closure is dropped: the slot frees, the stream closes.
        let _ = std::thread::Builder::new()
            .name("rekindle-http".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                let _slot = slot;
                serve_connection(stream, &*handler);
            });
    }
}

/// One of the `MAX_CONNECTIONS` places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Option<Slot> {
        if open.fetch_add(1, Ordering::SeqCst) < MAX_CONNECTIONS {
            Some(Slot(Arc::clone(open)))
        } else {
            open.fetch_sub(1, Ordering::SeqCst);
            None
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn refuse(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = stream.write_all(&error_response(503, "Service Unavailable"));
}

/// A response of the transport's own, after which the connection closes.
fn error_response(status: u16, reason: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{reason}\n",
        reason.len() + 1
    )
    .into_bytes()
}

/// Reads, answers and writes requests until the client goes, errs, or takes too long.
fn serve_connection<F: Fn(&Request) -> Answer>(stream: TcpStream, handler: &F) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut conn = Connection {
        stream,
        buf: vec![0; MAX_HEAD].into_boxed_slice(),
        have: 0,
        head_since: None,
        timeout: None,
    };
    loop {
        let (answer, used, body, last) = match parse(&conn.buf[..conn.have]) {
            Parsed::Request(request, used, body) => (handler(&request), used, body, request.last),
            Parsed::Partial if conn.have == MAX_HEAD => {
                return conn.close_with(431, "Request Header Fields Too Large");
            }
            Parsed::Partial => match conn.fill() {
                Ok(true) => continue,
                Ok(false) => return,
                Err(Stalled) => return conn.close_with(408, "Request Timeout"),
            },
            Parsed::Invalid(status, reason) => return conn.close_with(status, reason),
        };
        conn.consume(used);
        let response = match answer {
            Answer::Bytes(response) => response,
            Answer::Keep(take) => return take(conn.stream),
        };
        if conn.stream.write_all(&response).is_err() {
            return;
        }
        if last || !conn.skip(body) {
            let _ = conn.stream.shutdown(Shutdown::Write);
            return;
        }
    }
}

/// A connection's socket and the bytes read from it but not yet used.
struct Connection {
    stream: TcpStream,
    buf: Box<[u8]>,
    have: usize,
    /// When the first byte of the request head being read arrived.
    head_since: Option<Instant>,
    /// The read timeout currently set on the socket.
    timeout: Option<Duration>,
}

/// A client that started a request head and did not finish it in time.
struct Stalled;

impl Connection {
    /// Reads more of the request head. Ok(false) when the client closed, or stayed idle too long.
    fn fill(&mut self) -> Result<bool, Stalled> {
        loop {
            let wait = match self.head_since {
                None => IDLE,
                Some(since) => HEAD_DEADLINE.saturating_sub(since.elapsed()),
            };
            if wait.is_zero() {
                return Err(Stalled);
            }
            if self.timeout != Some(wait) {
                let _ = self.stream.set_read_timeout(Some(wait));
                self.timeout = Some(wait);
            }
            return match self.stream.read(&mut self.buf[self.have..]) {
                Ok(0) => Ok(false),
                Ok(n) => {
                    self.head_since.get_or_insert_with(Instant::now);
                    self.have += n;
                    Ok(true)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) && self.head_since.is_some() => Err(Stalled),
                Err(_) => Ok(false),
            };
        }
    }

    /// Drops the first `used` bytes (a request head that has been answered).
    fn consume(&mut self, used: usize) {
        self.buf.copy_within(used..self.have, 0);
        self.have -= used;
        // What is left is the start of the next request, whose deadline starts now.
        self.head_since = (self.have > 0).then(Instant::now);
    }

    /// Reads past a request body. False when the connection cannot go on.
    fn skip(&mut self, body: Body) -> bool {
        let mut left = match body {
            Body::None => return true,
            Body::Sized(length) if length <= MAX_SKIPPED_BODY => length,
            Body::Sized(_) | Body::Unknown => return false,
        };
        loop {
            let buffered = left.min(self.have);
            self.consume(buffered);
            left -= buffered;
            if left == 0 {
                return true;
            }
            if !matches!(self.fill(), Ok(true)) {
                return false;
            }
        }
    }

    fn close_with(mut self, status: u16, reason: &str) {
        let _ = self.stream.write_all(&error_response(status, reason));
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Whether a read gave up at the socket's timeout.
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// What follows a request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    None,
    Sized(usize),
    /// Chunked, or a length that is not a number.
    Unknown,
}

#[derive(Debug, PartialEq, Eq)]
enum Parsed<'a> {
    /// A whole head: the request, its length in bytes, and the body after it.
    Request(Request<'a>, usize, Body),
    Partial,
    /// Not HTTP/1.x: answer with this status and close.
    Invalid(u16, &'static str),
}

/// Parses the request head at the start of `bytes`.
fn parse(bytes: &[u8]) -> Parsed<'_> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut headers);
    let used = match head.parse(bytes) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Invalid(431, "Request Header Fields Too Large");
        }
        Err(_) => return Parsed::Invalid(400, "Bad Request"),
    };
    let (Some(method), Some(target), Some(minor)) = (head.method, head.path, head.version) else {
        return Parsed::Invalid(400, "Bad Request");
    };
    let header = |name: &str| {
        head.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
            .reduce(|a, b| format!("{a},{b}"))
    };
    let body = match (header("transfer-encoding"), header("content-length")) {
        (Some(_), _) => Body::Unknown,
        (None, Some(length)) => length.trim().parse().map_or(Body::Unknown, |n: usize| {
            if n == 0 { Body::None } else { Body::Sized(n) }
        }),
        (None, None) => Body::None,
    };
    let last = closes(header("connection").as_deref(), minor == 0)
        || matches!(body, Body::Unknown)
        || matches!(body, Body::Sized(n) if n > MAX_SKIPPED_BODY);
    let text = |name: &str| {
        (head.headers.iter())
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    let (host, origin) = (text("host"), text("origin"));
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        _ => Method::Other,
    };
    Parsed::Request(
        Request {
            method,
            target,
            host,
            origin,
            last,
        },
        used,
        body,
    )
}

/// Whether a connection ends after this request: asked by `Connection: close`, or HTTP/1.0
/// without `Connection: keep-alive`.
fn closes(connection: Option<&str>, http10: bool) -> bool {
    let has =
        |token: &str| connection.is_some_and(|value| value.split(',').any(|t| t.trim() == token));
    has("close") || (http10 && !has("keep-alive"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a client sends, the head parser answers without panicking, and a whole
        /// request is a prefix of what was sent, with its target inside it.
        #[test]
        fn any_bytes_parse_to_a_request_a_partial_head_or_a_refusal(
            bytes in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..600),
                proptest::collection::vec(prop::sample::select(vec![
                    "\r\n", "\r\n\r\n", "Content-Length: ", "Connection: ", "close", "keep-alive",
                    ", ", "5", "-1", "99999999999999999999999", "Transfer-Encoding: chunked",
                    "Host: a", ":", " ", "\0", "\u{ff}", "GET /x HTTP/1.1",
                ]), 0..40)
                .prop_map(|tokens| tokens.concat().into_bytes()),
            ],
            prefix in prop::sample::select(vec!["", "GET / HTTP/1.1\r\n", "POST /a HTTP/1.0\r\nContent-Length: "]),
        ) {
            let mut sent = prefix.as_bytes().to_vec();
            sent.extend_from_slice(&bytes);
            match parse(&sent) {
                Parsed::Request(request, used, _) => {
                    prop_assert!(used <= sent.len());
                    let head = String::from_utf8_lossy(&sent[..used]);
                    prop_assert!(head.contains(request.target));
                }
                Parsed::Partial => {}
                Parsed::Invalid(status, _) => prop_assert!(status == 400 || status == 431),
            }
        }
    }

    fn request(raw: &str) -> (Request<'_>, usize, Body) {
        match parse(raw.as_bytes()) {
            Parsed::Request(request, used, body) => (request, used, body),
            other => panic!("{raw:?}: {other:?}"),
        }
    }

    #[test]
    fn keep_alive_follows_the_version_and_the_connection_header() {
        let last = |raw: &'static str| request(raw).0.last;
        assert!(!last("GET / HTTP/1.1\r\n\r\n"));
        assert!(last("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(last("GET / HTTP/1.1\r\nconnection: Upgrade, Close\r\n\r\n"));
        assert!(last("GET / HTTP/1.0\r\n\r\n"));
        assert!(!last("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    }

    #[test]
    fn pipelined_requests_are_read_one_at_a_time() {
        let raw = "GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\n";
        let (first, used, _) = request(raw);
        assert_eq!((first.method, first.target), (Method::Get, "/a"));
        let (second, _, _) = request(&raw[used..]);
        assert_eq!((second.method, second.target), (Method::Head, "/b"));
    }

    #[test]
    fn bodies_are_skipped_when_small_and_end_the_connection_otherwise() {
        let (post, _, body) = request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(
            (post.method, post.last, body),
            (Method::Other, false, Body::Sized(5))
        );
        let (big, _, _) = request("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n");
        assert!(big.last);
        let (chunked, _, body) = request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!((chunked.last, body), (true, Body::Unknown));
        let (odd, _, body) = request("POST / HTTP/1.1\r\nContent-Length: five\r\n\r\n");
        assert_eq!((odd.last, body), (true, Body::Unknown));
    }

    #[test]
    fn partial_and_broken_heads() {
        assert_eq!(parse(b"GET /guide/ HTT"), Parsed::Partial);
        assert_eq!(
            parse(b"GARBAGE\r\n\r\n"),
            Parsed::Invalid(400, "Bad Request")
        );
        assert_eq!(
            parse(b"GET / HTTP/9.9\r\n\r\n"),
            Parsed::Invalid(400, "Bad Request")
        );
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(
            parse(many.as_bytes()),
            Parsed::Invalid(431, "Request Header Fields Too Large")
        );
    }
}

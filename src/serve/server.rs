//! The dev server's HTTP side: answers like GitHub Pages from the in-memory site (folder ->
//! index.html, 301 to add a slash, 404.html with status 404), never from anywhere else,
//! and streams live-reload events under the reserved `/__rekindle/` prefix.

use std::io::Write;
use std::net::{IpAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::serve::http::{Answer, Method, Request};
use crate::write::Files;

/// The live-reload client injected into served HTML.
pub const LIVERELOAD_JS: &str = include_str!("livereload.js");
/// Paths below this prefix belong to the dev server, not the site.
pub const RESERVED: &str = "/__rekindle/";
const SCRIPT_TAG: &str = "<script src=\"/__rekindle/livereload.js\"></script>";
const MAX_URL: usize = 2048;

/// Where a request path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the site, relative to its root (never holds `..`).
    File(String),
    /// Answer 301 with this location.
    Redirect(String),
    NotFound,
    BadRequest,
}

/// Maps a request target to a file of the site under `base` (`/` or `/repo/`).
/// `exists` says whether the site has a file. Pure: no path ever touches the file system.
pub fn resolve(target: &str, base: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    if target.len() > MAX_URL || !target.starts_with('/') {
        return Resolved::BadRequest;
    }
    let raw = target.split(['?', '#']).next().unwrap_or(target);
    let Ok(path) = percent_decode_str(raw).decode_utf8() else {
        return Resolved::BadRequest;
    };
    if path.contains('\0') {
        return Resolved::BadRequest;
    }
    if path.contains('\\') || path.split('/').any(|s| s == ".." || s == ".") {
        return Resolved::NotFound;
    }
    if path == "/" && base != "/" {
        return Resolved::Redirect(base.to_string());
    }
    if base.len() > 1 && path == base.trim_end_matches('/') {
        return Resolved::Redirect(base.to_string());
    }
    let Some(rel) = path.strip_prefix(base) else {
        return Resolved::NotFound;
    };
    if rel.contains("//") || rel.starts_with('/') {
        return Resolved::NotFound;
    }
    if rel.is_empty() || rel.ends_with('/') {
        let index = format!("{rel}index.html");
        return if exists(&index) {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if exists(rel) {
        Resolved::File(rel.to_string())
    } else if exists(&format!("{rel}/index.html")) {
        Resolved::Redirect(format!("{raw}/"))
    } else {
        Resolved::NotFound
    }
}

/// Inserts the live-reload script before `</body>` (or at the end).
pub fn inject(html: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(html.len() + SCRIPT_TAG.len());
    push_injected(&mut out, html, script_position(html));
    out
}

/// Where the live-reload script goes in a page: before `</body>`, or at the end.
fn script_position(html: &[u8]) -> usize {
    html.windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len())
}

/// Appends `html` with the live-reload script at `at`.
fn push_injected(out: &mut Vec<u8>, html: &[u8], at: usize) {
    let (before, after) = html.split_at(at.min(html.len()));
    out.extend_from_slice(before);
    out.extend_from_slice(SCRIPT_TAG.as_bytes());
    out.extend_from_slice(after);
}

/// Fans build events out to every open event stream; a stream that stops reading is dropped
/// instead of holding the others up.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<SyncSender<Arc<str>>>>,
    /// The last build's error or warnings, shown to tabs that connect while they stand.
    status: Mutex<Option<Arc<str>>>,
    build: AtomicU64,
}

impl Hub {
    pub fn new(first_build: u64) -> Self {
        Hub {
            build: AtomicU64::new(first_build),
            ..Hub::default()
        }
    }

    fn subscribe(&self) -> (Receiver<Arc<str>>, String) {
        let (tx, rx) = sync_channel(16);
        let mut greeting = format!(
            "retry: 1000\nevent: hello\ndata: {}\n\n",
            self.build.load(Ordering::SeqCst)
        );
        if let Some(status) = self.status.lock().ok().as_ref().and_then(|s| s.as_ref()) {
            greeting.push_str(status);
        }
        if let Ok(mut clients) = self.clients.lock() {
            clients.push(tx);
        }
        (rx, greeting)
    }

    fn send(&self, event: Arc<str>) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|c| match c.try_send(event.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            });
        }
    }

    /// After a good build: `css` when only stylesheets changed, else `reload`.
    /// `warnings` (the content lint's, as `path:line:col: message` lines) go with it.
    /// When the site's files are those already served (`same_files`) and the same warnings
    /// stand, the tabs are told nothing: a save that changes nothing, or a second batch of
    /// events for one save, reloads no page. After a failed build they always hear.
    pub fn built(&self, css_only: bool, warnings: &[String], same_files: bool) {
        let json = serde_json::json!(warnings);
        let event: Arc<str> = format!("event: warnings\ndata: {json}\n\n").into();
        let standing = (!warnings.is_empty()).then(|| event.clone());
        if let Ok(mut current) = self.status.lock() {
            let unchanged = same_files && *current == standing;
            *current = standing;
            if unchanged {
                return;
            }
        }
        let build = self.build.fetch_add(1, Ordering::SeqCst) + 1;
        let kind = if css_only { "css" } else { "reload" };
        self.send(format!("event: {kind}\ndata: {build}\n\n").into());
        self.send(event);
    }

    /// After a failed build: the message and its `file:line`, as JSON.
    pub fn failed(&self, message: &str, location: &str) {
        let json = serde_json::json!({ "message": message, "location": location });
        let event: Arc<str> = format!("event: error\ndata: {json}\n\n").into();
        if let Ok(mut status) = self.status.lock() {
            *status = Some(event.clone());
        }
        self.send(event);
    }

    /// How many event streams are open.
    pub fn clients(&self) -> usize {
        self.clients.lock().map_or(0, |c| c.len())
    }
}

/// Whether `new` holds the same files as `old`, byte for byte. A partial rebuild shares the
/// bytes of the files it did not render, so most are compared by address.
pub fn same_files(old: &Files, new: &Files) -> bool {
    old.len() == new.len()
        && new.iter().all(|(rel, bytes)| {
            old.get(rel)
                .is_some_and(|was| Arc::ptr_eq(was, bytes) || was[..] == bytes[..])
        })
}

/// The names by which a browser may reach the preview: the address it listens on, and
/// loopback by address or as `localhost`, each with its port. A request naming any other
/// host is refused, which closes DNS rebinding: a web page whose own name has been pointed
/// at 127.0.0.1 cannot read the preview, its drafts or its error overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    names: Vec<String>,
    port: u16,
    /// Listening on every address (`0.0.0.0`, `::`): any address of the machine is fine, as
    /// an address, unlike a name, cannot be pointed elsewhere.
    any_address: bool,
}

impl Allowed {
    /// For a server listening on `host` (as given to `--host`) and `port`.
    pub fn new(host: &str, port: u16) -> Allowed {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let listen = match bare.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            Ok(v4) => v4.to_string(),
            Err(_) => bare.to_ascii_lowercase(),
        };
        let mut names: Vec<String> = ["127.0.0.1", "localhost", "[::1]"].map(String::from).into();
        if !names.contains(&listen) {
            names.push(listen);
        }
        Allowed {
            names,
            port,
            any_address: bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified()),
        }
    }

    /// Whether a `Host` header names this server.
    pub fn host(&self, host: Option<&str>) -> bool {
        let Some((name, port)) = host.and_then(split_host) else {
            return false;
        };
        if port != self.port {
            return false;
        }
        let name = name.to_ascii_lowercase();
        self.names.contains(&name)
            || (self.any_address
                && name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok())
    }

    /// Whether an `Origin` header is this server's own (or absent).
    pub fn origin(&self, origin: Option<&str>) -> bool {
        origin.is_none_or(|o| {
            o.strip_prefix("http://")
                .is_some_and(|h| self.host(Some(h)))
        })
    }
}

/// `name:port` (or `[v6]:port`) split in two; the port is 80 when none is written.
fn split_host(host: &str) -> Option<(&str, u16)> {
    let (name, port) = match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => (&host[..colon], Some(&host[colon + 1..])),
        _ => (host, None),
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 80,
    };
    (!name.is_empty()).then_some((name, port))
}

/// What the request handlers share.
pub struct Shared {
    pub files: RwLock<Arc<Files>>,
    pub hub: Hub,
    /// The path the site is mounted at (`/` or `/repo/`); book.toml may change it.
    pub base: RwLock<String>,
    /// The hosts a request may name.
    pub allowed: Allowed,
}

/// Answers one request. An event stream keeps its connection, and the thread that serves it.
pub fn handle(request: &Request, shared: &Arc<Shared>) -> Answer {
    if !shared.allowed.host(request.host) {
        let why = "forbidden: this preview answers only requests for its own address\n";
        return Reply::text(403, why).answer(request);
    }
    if request.method == Method::Other {
        let reply = Reply::text(405, "method not allowed\n").with("Allow", "GET, HEAD");
        return reply.answer(request);
    }
    if let Some(tool) = request.target.strip_prefix(RESERVED) {
        let tool = tool.split('?').next().unwrap_or(tool);
        return match tool {
            "livereload" if !shared.allowed.origin(request.origin) => {
                Reply::text(403, "forbidden: another site's page may not listen here\n")
                    .answer(request)
            }
            "livereload" if request.method == Method::Get => {
                let shared = Arc::clone(shared);
                Answer::Keep(Box::new(move |stream| stream_events(stream, &shared.hub)))
            }
            "livereload.js" => Reply {
                status: 200,
                content_type: "text/javascript; charset=utf-8".into(),
                headers: Vec::new(),
                body: Arc::from(LIVERELOAD_JS.as_bytes()),
                script_at: None,
            }
            .answer(request),
            _ => Reply::text(404, "not found\n").answer(request),
        };
    }
    let files = shared.files.read().map(|f| Arc::clone(&f));
    let base = shared.base.read().map(|b| b.clone());
    match (files, base) {
        (Ok(files), Ok(base)) => answer(request.target, &base, &files).answer(request),
        _ => Reply::text(500, "the server lost its site; restart it\n").answer(request),
    }
}

fn answer(url: &str, base: &str, files: &Files) -> Reply {
    match resolve(url, base, |rel| files.contains_key(rel)) {
        Resolved::File(rel) => Reply::file(200, &rel, files),
        Resolved::Redirect(location) => Reply::text(301, "moved\n").with("Location", &location),
        Resolved::BadRequest => Reply::text(400, "bad request\n"),
        Resolved::NotFound if files.contains_key("404.html") => {
            Reply::file(404, "404.html", files)
        }
        Resolved::NotFound => Reply {
            status: 404,
            content_type: "text/html; charset=utf-8".into(),
            headers: Vec::new(),
            body: Arc::from(
                format!(
                    "<!doctype html><title>Not found</title><p>Nothing here yet: the site has not been built.</p>{SCRIPT_TAG}"
                )
                .as_bytes(),
            ),
            script_at: None,
        },
    }
}

/// A whole response, sent in one write: on loopback every write wakes the client once more.
struct Reply {
    status: u16,
    content_type: String,
    /// More headers; a value that could not be a header (a control character) is left out.
    headers: Vec<(&'static str, String)>,
    /// Shared with the site in memory: copied once, into the response.
    body: Arc<[u8]>,
    /// Where the live-reload script goes in an HTML page.
    script_at: Option<usize>,
}

impl Reply {
    fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            headers: Vec::new(),
            body: Arc::from(body.as_bytes()),
            script_at: None,
        }
    }

    fn file(status: u16, rel: &str, files: &Files) -> Reply {
        let body: Arc<[u8]> = files
            .get(rel)
            .map_or_else(|| Arc::from(&[][..]), Arc::clone);
        let mime = mime_guess::from_path(rel).first_or_octet_stream();
        let script_at = (mime.essence_str() == "text/html").then(|| script_position(&body));
        let content_type = match mime.type_() {
            mime_guess::mime::TEXT => format!("{}; charset=utf-8", mime.essence_str()),
            _ if matches!(mime.essence_str(), "image/svg+xml" | "application/xml") => {
                format!("{}; charset=utf-8", mime.essence_str())
            }
            _ => mime.essence_str().to_string(),
        };
        Reply {
            status,
            content_type,
            headers: Vec::new(),
            body,
            script_at,
        }
    }

    fn with(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The response's bytes (only its head for HEAD), saying `Connection: close` when the
    /// client will not send another request on the connection.
    fn answer(self, request: &Request) -> Answer {
        let reason = match self.status {
            200 => "OK",
            301 => "Moved Permanently",
            400 => "Bad Request",
            405 => "Method Not Allowed",
            500 => "Internal Server Error",
            _ => "Not Found",
        };
        let length = self.body.len() + self.script_at.map_or(0, |_| SCRIPT_TAG.len());
        let mut out = Vec::with_capacity(length + 256);
        let _ = write!(
            out,
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nCache-Control: no-store\r\nContent-Length: {}\r\n",
            self.status, self.content_type, length
        );
        for (name, value) in &self.headers {
            if !value.bytes().any(|b| b.is_ascii_control()) {
                let _ = write!(out, "{name}: {value}\r\n");
            }
        }
        if request.last {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        match (request.method == Method::Head, self.script_at) {
            (true, _) => {}
            (false, Some(at)) => push_injected(&mut out, &self.body, at),
            (false, None) => out.extend_from_slice(&self.body),
        }
        Answer::Bytes(out)
    }
}

/// Holds one Server-Sent Events stream open until the browser goes away.
fn stream_events(mut stream: TcpStream, hub: &Hub) {
    let (events, greeting) = hub.subscribe();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    if stream
        .write_all(format!("{head}{greeting}").as_bytes())
        .is_err()
    {
        return;
    }
    loop {
        let chunk = match events.recv_timeout(Duration::from_secs(15)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => ": keep-alive\n\n".into(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if stream.write_all(chunk.as_bytes()).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_its_own_host_is_answered() {
        let loopback = Allowed::new("127.0.0.1", 3000);
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(loopback.host(Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "127.0.0.1:3001",
            "127.0.0.1",
            "localhost",
            "127.0.0.1.nip.io:3000",
            "[::1]",
            ":3000",
            "127.0.0.1:x",
            "",
        ] {
            assert!(!loopback.host(Some(bad)), "{bad}");
        }
        assert!(!loopback.host(None));
        let named = Allowed::new("mybox.local", 80);
        assert!(named.host(Some("mybox.local")) && named.host(Some("mybox.local:80")));
        let v6 = Allowed::new("::1", 8080);
        assert!(v6.host(Some("[::1]:8080")));
        let everywhere = Allowed::new("0.0.0.0", 3000);
        assert!(
            everywhere.host(Some("192.168.1.20:3000")) && everywhere.host(Some("[fe80::1]:3000"))
        );
        assert!(!everywhere.host(Some("attacker.example:3000")));
    }

    #[test]
    fn only_its_own_origin_may_listen() {
        let allowed = Allowed::new("127.0.0.1", 3000);
        assert!(allowed.origin(None));
        assert!(allowed.origin(Some("http://127.0.0.1:3000")));
        assert!(allowed.origin(Some("http://localhost:3000")));
        for bad in [
            "https://evil.example",
            "null",
            "http://127.0.0.1:3001",
            "https://127.0.0.1:3000",
        ] {
            assert!(!allowed.origin(Some(bad)), "{bad}");
        }
    }

    fn site() -> impl Fn(&str) -> bool {
        |rel: &str| ["index.html", "steps/index.html", "style.css", "404.html"].contains(&rel)
    }

    #[test]
    fn folders_files_and_redirects() {
        let r = |url| resolve(url, "/repo/", site());
        assert_eq!(r("/repo/"), Resolved::File("index.html".into()));
        assert_eq!(r("/repo/steps/"), Resolved::File("steps/index.html".into()));
        assert_eq!(r("/repo/steps"), Resolved::Redirect("/repo/steps/".into()));
        assert_eq!(r("/repo/style.css?h=1"), Resolved::File("style.css".into()));
        assert_eq!(r("/"), Resolved::Redirect("/repo/".into()));
        assert_eq!(r("/repo"), Resolved::Redirect("/repo/".into()));
        assert_eq!(r("/other/"), Resolved::NotFound);
        assert_eq!(r("/repo/nope/"), Resolved::NotFound);
    }

    #[test]
    fn traversal_never_resolves() {
        let r = |url| resolve(url, "/", |_: &str| true);
        for url in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/steps/..%2f..%2fetc/passwd",
            "/..\\etc\\passwd",
            "/%5c..%5cetc",
            "/./index.html",
            "//etc/passwd",
        ] {
            assert_eq!(r(url), Resolved::NotFound, "{url}");
        }
        assert_eq!(r("/%252e%252e/x"), Resolved::File("%2e%2e/x".into()));
        assert_eq!(r("/a%00b"), Resolved::BadRequest);
        assert_eq!(r("/%ff"), Resolved::BadRequest);
        assert_eq!(r("http://evil/"), Resolved::BadRequest);
        assert_eq!(r(&format!("/{}", "a".repeat(3000))), Resolved::BadRequest);
    }

    #[test]
    fn script_goes_before_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(html)).unwrap();
        assert_eq!(
            out,
            "<html><body><p>x</p><script src=\"/__rekindle/livereload.js\"></script></BODY></html>"
        );
    }
}

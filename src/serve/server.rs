//! The dev server's answers: like GitHub Pages from the in-memory site (folder -> index.html,
//! 301 to add a slash, 404.html with status 404), never from anywhere else, only to requests
//! for the preview's own address, and the live-reload tools under the reserved `/__rekindle/`.

use std::io::{self, Read};
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use percent_encoding::percent_decode_str;
use tiny_http::{Header, Response, StatusCode};

use crate::base::output::Fixed;
use crate::serve::events::Hub;
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

/// A request's method, as far as the preview cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Other,
}

/// What the preview reads of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: Method,
    /// The request target as sent, e.g. `/guide/steps/?q=1`.
    pub target: &'a str,
    /// The `Host` header, when there is one.
    pub host: Option<&'a str>,
    /// The `Origin` header, which browsers send with cross-origin and event-stream requests.
    pub origin: Option<&'a str>,
}

/// What the preview makes of a request.
pub enum Answer {
    Reply(Reply),
    /// The live-reload event stream, which keeps the connection and the thread that serves it.
    Events,
}

/// Answers one request.
pub fn handle(request: &Request, shared: &Shared) -> Answer {
    if !shared.allowed.host(request.host) {
        let why = "forbidden: this preview answers only requests for its own address\n";
        return Answer::Reply(Reply::text(403, why));
    }
    if request.method == Method::Other {
        let reply = Reply::text(405, "method not allowed\n").with("Allow", "GET, HEAD");
        return Answer::Reply(reply);
    }
    if let Some(tool) = request.target.strip_prefix(RESERVED) {
        return reserved(tool, request, &shared.allowed);
    }
    let files = shared.files.read().map(|f| Arc::clone(&f));
    let base = shared.base.read().map(|b| b.clone());
    Answer::Reply(match (files, base) {
        (Ok(files), Ok(base)) => answer(request.target, &base, &files),
        _ => Reply::text(500, "the server lost its site; restart it\n"),
    })
}

/// Answers a request for one of the server's own paths (`tool`, below `/__rekindle/`).
fn reserved(tool: &str, request: &Request, allowed: &Allowed) -> Answer {
    let tool = tool.split('?').next().unwrap_or(tool);
    Answer::Reply(match tool {
        "livereload" if !allowed.origin(request.origin) => {
            Reply::text(403, "forbidden: another site's page may not listen here\n")
        }
        "livereload" if request.method == Method::Get => return Answer::Events,
        "livereload.js" => Reply {
            status: 200,
            content_type: "text/javascript; charset=utf-8".into(),
            headers: Vec::new(),
            body: Arc::from(LIVERELOAD_JS.as_bytes()),
            script_at: None,
        },
        _ => Reply::text(404, "not found\n"),
    })
}

fn answer(url: &str, base: &str, files: &Files) -> Reply {
    match resolve(url, base, |rel| files.contains_key(rel)) {
        Resolved::File(rel) => Reply::file(200, &rel, files),
        Resolved::Redirect(location) => Reply::text(301, "moved\n").with("Location", &location),
        Resolved::BadRequest => Reply::text(400, "bad request\n"),
        Resolved::NotFound if files.contains_key(Fixed::NotFound.file()) => {
            Reply::file(404, Fixed::NotFound.file(), files)
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

/// A response: its status, its headers, and a body that is the site's own bytes.
pub struct Reply {
    status: u16,
    content_type: String,
    /// More headers; a value that could not be a header (a control character) is left out.
    headers: Vec<(&'static str, String)>,
    /// Shared with the site in memory, and never copied: see [`Body`].
    body: Arc<[u8]>,
    /// Where the live-reload script goes in an HTML page.
    script_at: Option<usize>,
}

impl Reply {
    pub fn text(status: u16, body: &str) -> Reply {
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

    /// The reply as tiny_http sends it: with `Content-Length` (never chunked, whatever the
    /// size) and `Cache-Control: no-store`. tiny_http leaves the body out for HEAD.
    pub fn into_response(self) -> Response<Body> {
        let named = [
            ("Content-Type", self.content_type.as_str()),
            ("Cache-Control", "no-store"),
        ];
        let more = self
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()));
        let headers = named.into_iter().chain(more).filter_map(header).collect();
        let body = Body::new(self.body, self.script_at);
        let length = body.length;
        Response::new(StatusCode(self.status), headers, body, Some(length), None)
            .with_chunked_threshold(usize::MAX)
    }
}

/// A header, unless its value holds a control character or is not ASCII.
fn header((name, value): (&str, &str)) -> Option<Header> {
    if value.bytes().any(|b| b.is_ascii_control()) {
        return None;
    }
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// A response body read straight from the site's shared bytes, with the live-reload script
/// spliced in where a page has one. Nothing is copied per client but what its socket takes, so
/// a client that does not read holds no copy of a large file.
pub struct Body {
    bytes: Arc<[u8]>,
    /// The three parts: the bytes up to the script, the script, the bytes after it.
    parts: [Part; 3],
    length: usize,
}

/// Where one part of a [`Body`] reads from, and how far it has gone.
#[derive(Clone, Copy)]
enum Part {
    Bytes { at: usize, end: usize },
    Script { at: usize },
}

impl Body {
    fn new(bytes: Arc<[u8]>, script_at: Option<usize>) -> Body {
        let end = bytes.len();
        let split = script_at.map_or(end, |at| at.min(end));
        let script = if script_at.is_some() {
            0
        } else {
            SCRIPT_TAG.len()
        };
        Body {
            parts: [
                Part::Bytes { at: 0, end: split },
                Part::Script { at: script },
                Part::Bytes { at: split, end },
            ],
            length: end + SCRIPT_TAG.len() - script,
            bytes,
        }
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        for part in &mut self.parts {
            let (from, at) = match part {
                Part::Bytes { at, end } => (self.bytes.get(*at..*end).unwrap_or_default(), at),
                Part::Script { at } => (SCRIPT_TAG.as_bytes().get(*at..).unwrap_or_default(), at),
            };
            if from.is_empty() {
                continue;
            }
            let n = from.len().min(buf.len());
            buf[..n].copy_from_slice(&from[..n]);
            *at += n;
            return Ok(n);
        }
        Ok(0)
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

    /// Reads all of `body`, `size` bytes at a time at most.
    fn read_all(mut body: Body, size: usize) -> Vec<u8> {
        let (mut out, mut buf) = (Vec::new(), vec![0; size]);
        loop {
            match body.read(&mut buf).unwrap() {
                0 => return out,
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    proptest::proptest! {
        /// Whatever the page and however it is read, a body reads as the page with the script
        /// injected, and is as long as it says.
        #[test]
        fn a_body_reads_as_the_injected_page(
            html in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            size in 1usize..64,
            page in proptest::prelude::any::<bool>(),
        ) {
            let bytes: Arc<[u8]> = Arc::from(&html[..]);
            let body = Body::new(Arc::clone(&bytes), page.then(|| script_position(&html)));
            let expected = if page { inject(&html) } else { html.clone() };
            proptest::prop_assert_eq!(body.length, expected.len());
            proptest::prop_assert_eq!(read_all(body, size), expected);
        }
    }

    #[test]
    fn a_script_position_past_the_end_puts_the_script_at_the_end() {
        let body = Body::new(Arc::from(&b"<p>x</p>"[..]), Some(10_000));
        let out = read_all(body, 3);
        assert_eq!(out, [&b"<p>x</p>"[..], SCRIPT_TAG.as_bytes()].concat());
    }

    #[test]
    fn a_reply_keeps_its_headers_unless_they_hold_control_characters() {
        let response = Reply::text(301, "moved\n")
            .with("Location", "/guide/")
            .into_response();
        let names: Vec<String> = (response.headers().iter())
            .map(|h| format!("{}: {}", h.field, h.value))
            .collect();
        assert_eq!(
            names,
            [
                "Content-Type: text/plain; charset=utf-8",
                "Cache-Control: no-store",
                "Location: /guide/"
            ]
        );
        assert_eq!(response.data_length(), Some(6));
        for bad in ["/a/\r\nSet-Cookie: x", "/a\n", "/caf\u{e9}/"] {
            let response = Reply::text(301, "").with("Location", bad).into_response();
            let location = (response.headers().iter()).find(|h| h.field.equiv("Location"));
            assert!(location.is_none(), "{bad:?}");
        }
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

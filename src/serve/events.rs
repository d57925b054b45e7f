//! Live reload's event side: the hub that fans build events out to the open tabs, and the
//! Server-Sent Events stream that holds each tab's connection, on a thread of its own, until
//! the tab goes away.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chunked_transfer::Encoder;
use tiny_http::{Header, Response, StatusCode};

/// How often an idle stream is sent a comment. A stream whose tab has gone is noticed when a
/// write fails, so this bounds how long it keeps its connection and thread: one or two periods.
const PING: Duration = Duration::from_secs(2);

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

    pub(crate) fn subscribe(&self) -> (Receiver<Arc<str>>, String) {
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

/// Holds one event stream open on the calling thread: the head, the greeting, then each event
/// as it comes and a comment every `PING`, until a write fails (the tab went away) or the hub
/// drops the stream (it stopped reading).
/// The caller has answered a request older than HTTP/1.1, which cannot hold a stream.
pub fn stream(request: tiny_http::Request, hub: &Hub) {
    let (events, greeting) = hub.subscribe();
    let Some(mut body) = start(request) else {
        return;
    };
    let ping: Arc<str> = Arc::from(": ping\n\n");
    let mut next: Arc<str> = greeting.into();
    loop {
        if send(&mut body, next.as_bytes()).is_err() {
            return;
        }
        next = match events.recv_timeout(PING) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => Arc::clone(&ping),
            Err(RecvTimeoutError::Disconnected) => return,
        };
    }
}

type Body = Encoder<Box<dyn Write + Send>>;

/// Writes the stream's head (by tiny_http, as for any response of unknown length: chunked)
/// and gives the body to write the events into, one chunk each.
fn start(request: tiny_http::Request) -> Option<Body> {
    let headers = [
        ("Content-Type", "text/event-stream"),
        ("Cache-Control", "no-store"),
    ]
    .into_iter()
    .filter_map(|(name, value)| Header::from_bytes(name, value).ok())
    .collect();
    let head = Response::new(StatusCode(200), headers, io::empty(), None, None);
    let version = request.http_version().clone();
    let mut writer = request.into_writer();
    // No request headers: a `TE` of the client's cannot turn the stream into one of fixed length.
    head.raw_print(&mut writer, version, &[], true, None).ok()?;
    Some(Encoder::new(writer))
}

/// Sends `bytes` as one chunk, now.
fn send(body: &mut Body, bytes: &[u8]) -> io::Result<()> {
    body.write_all(bytes)?;
    body.flush()?;
    body.get_mut().flush()
}

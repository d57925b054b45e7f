//! The `rekindle serve` process of `tests/serve.rs` and `tests/browser_serve.rs`: started in a
//! site's folder, its port taken from the line it prints, its output collected as it comes,
//! pages fetched over raw TCP (so paths reach the server exactly as written), its live-reload
//! event stream read, and the process killed when dropped.
//!
//! Only those two files include it (`#[path = "common/serve.rs"] mod serving;`): `common/mod.rs`
//! is compiled into every test crate.
//!
//! Every wait here is on a signal (a line printed, an output closed, a reply, an event) with a
//! deadline, and returns as soon as the signal comes.

// Each of the two test crates uses only part of this.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long `rekindle serve` may take to print where it serves (debug build, tests in
/// parallel on a loaded machine).
pub const STARTUP: Duration = Duration::from_secs(30);
/// How long a rebuild and its event may take.
pub const REBUILD: Duration = Duration::from_secs(30);
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

/// What the process printed on one of its outputs, collected line by line on a thread of its
/// own; waiters are woken at each line and when the output closes.
pub struct Output {
    printed: Mutex<Printed>,
    changed: Condvar,
}

#[derive(Default)]
struct Printed {
    text: String,
    /// The output was read to its end: the process has exited (or closed it).
    closed: bool,
}

impl Output {
    /// Starts collecting what `from` prints.
    fn collect(from: impl Read + Send + 'static) -> Arc<Output> {
        let output = Arc::new(Output {
            printed: Mutex::new(Printed::default()),
            changed: Condvar::new(),
        });
        let into = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from);
            let mut line = String::new();
            loop {
                let more = reader.read_line(&mut line).is_ok_and(|n| n > 0);
                {
                    let mut printed = into.lock();
                    if more {
                        printed.text.push_str(&line);
                    } else {
                        printed.closed = true;
                    }
                }
                into.changed.notify_all();
                if !more {
                    return;
                }
                line.clear();
            }
        });
        output
    }

    fn lock(&self) -> MutexGuard<'_, Printed> {
        self.printed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything printed so far.
    pub fn text(&self) -> String {
        self.lock().text.clone()
    }

    /// Waits until `check`, given the text printed so far and whether the output has closed,
    /// gives Some; None once `deadline` passes.
    pub fn wait_for<T>(
        &self,
        deadline: Instant,
        mut check: impl FnMut(&str, bool) -> Option<T>,
    ) -> Option<T> {
        let mut printed = self.lock();
        loop {
            if let Some(found) = check(&printed.text, printed.closed) {
                return Some(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            printed = self
                .changed
                .wait_timeout(printed, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits until the output is read to its end; false when `deadline` passed first.
    pub fn wait_closed(&self, deadline: Instant) -> bool {
        self.wait_for(deadline, |_, closed| closed.then_some(()))
            .is_some()
    }
}

/// A running `rekindle serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    stdout: Arc<Output>,
    stderr: Arc<Output>,
}

impl Server {
    /// `rekindle serve --port 0 .` in `dir`, once it says where it serves.
    #[track_caller]
    pub fn start(dir: &Path) -> Server {
        Server::spawn(dir, &["serve", "--port", "0", "."], None)
            .wait_ready()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the binary with `args` in `dir`, with REKINDLE_POLL set to `poll` (or unset),
    /// without waiting for anything.
    pub fn spawn(dir: &Path, args: &[&str], poll: Option<&str>) -> Server {
        Server::spawn_env(dir, args, poll, &[])
    }

    /// Like `spawn`, with more environment variables set.
    pub fn spawn_env(
        dir: &Path,
        args: &[&str],
        poll: Option<&str>,
        env: &[(&str, &str)],
    ) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rekindle"));
        command
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied());
        match poll {
            Some(v) => command.env("REKINDLE_POLL", v),
            None => command.env_remove("REKINDLE_POLL"),
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the rekindle binary starts");
        let stdout = Output::collect(child.stdout.take().expect("piped stdout"));
        let stderr = Output::collect(child.stderr.take().expect("piped stderr"));
        Server {
            child,
            port: 0,
            stdout,
            stderr,
        }
    }

    /// Waits for `Serving on http://127.0.0.1:PORT/guide/` and takes the port from it; Err
    /// with the output when the process exits first or the line does not come in time.
    pub fn wait_ready(mut self) -> Result<Server, String> {
        let deadline = Instant::now() + STARTUP;
        // Some(line) for the whole line (up to its newline), None when stdout closed first.
        let line = self.stdout.wait_for(deadline, |out, closed| {
            let line = out
                .split_inclusive('\n')
                .find(|l| l.starts_with("Serving on ") && l.ends_with('\n'));
            match line {
                Some(line) => Some(Some(line.trim_end().to_owned())),
                None => closed.then_some(None),
            }
        });
        match line {
            Some(Some(line)) => {
                self.port = line
                    .strip_prefix("Serving on http://127.0.0.1:")
                    .and_then(|rest| rest.strip_suffix("/guide/"))
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| format!("unexpected startup line {line:?}"))?;
                Ok(self)
            }
            Some(None) => {
                let status = self.wait_exit(STARTUP);
                Err(format!(
                    "rekindle serve exited ({status:?}) before serving\n{}",
                    self.output()
                ))
            }
            None => Err(format!(
                "no `Serving on` line within {STARTUP:?}\n{}",
                self.output()
            )),
        }
    }

    /// Waits (at most `timeout`) until the process has ended and both its outputs are read to
    /// their end, and gives its exit status; None when it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        // A process's outputs close when it exits (rekindle never closes them itself), so once
        // they have, `wait` returns at once.
        if self.stdout.wait_closed(deadline) && self.stderr.wait_closed(deadline) {
            self.child.wait().ok()
        } else {
            None
        }
    }

    /// Kills the process and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Both outputs, for a failure message.
    pub fn output(&self) -> String {
        format!("stdout:\n{}stderr:\n{}", self.stdout(), self.stderr())
    }

    /// Waits until stdout holds a line for which `pred` holds, and returns it.
    #[track_caller]
    pub fn wait_stdout_line(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let found = self.stdout.wait_for(Instant::now() + REBUILD, |out, _| {
            out.lines().find(|l| pred(l)).map(str::to_string)
        });
        found.unwrap_or_else(|| {
            panic!(
                "stdout never showed {what} within {REBUILD:?}\n{}",
                self.output()
            )
        })
    }

    /// Waits until stderr contains `needle`.
    #[track_caller]
    pub fn wait_stderr(&self, needle: &str) {
        let found = self.stderr.wait_for(Instant::now() + REBUILD, |err, _| {
            err.contains(needle).then_some(())
        });
        assert!(
            found.is_some(),
            "stderr never showed {needle:?} within {REBUILD:?}\nstderr:\n{}",
            self.stderr()
        );
    }

    /// The server's resident memory (KiB) and thread count, from /proc.
    pub fn resources(&self) -> (u64, u64) {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("Threads:"))
    }

    /// Like `resources`, with the fewest threads seen over half a second: a connection's
    /// thread ends just after its client leaves, and a finished site is freed on a thread.
    /// (A sampling window, not a wait for a signal: the measure is what that window shows.)
    pub fn settled_resources(&self) -> (u64, u64) {
        (0..10)
            .map(|_| {
                std::thread::sleep(Duration::from_millis(50));
                self.resources()
            })
            .min_by_key(|&(_, threads)| threads)
            .unwrap()
    }

    /// `GET path` (sent as is).
    pub fn get(&self, path: &str) -> Reply {
        self.send(&format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        ))
    }

    /// Sends `raw` on a fresh connection and reads until the server closes it.
    #[track_caller]
    pub fn send(&self, raw: &str) -> Reply {
        let bytes = exchange(self.port, raw.as_bytes()).unwrap_or_else(|e| {
            panic!(
                "request {:?} failed: {e}",
                raw.chars().take(120).collect::<String>()
            )
        });
        Reply::parse(&bytes)
    }

    /// Polls `GET path` until `check` accepts the reply; panics with the last reply otherwise.
    #[track_caller]
    pub fn wait_page(&self, path: &str, what: &str, check: impl Fn(&Reply) -> bool) -> Reply {
        let mut last = None;
        let ok = poll(REBUILD, || {
            let reply = self.get(path);
            let good = check(&reply);
            last = Some(reply.clone());
            good.then_some(reply)
        });
        ok.unwrap_or_else(|| {
            panic!(
                "GET {path} never showed {what} within {REBUILD:?}; last reply:\n{:?}\nstderr:\n{}",
                last,
                self.stderr()
            )
        })
    }

    /// Opens an event stream and reads its `hello`.
    #[track_caller]
    pub fn events(&self) -> Events {
        let mut events = Events::open(self.port);
        let hello = events.next(REBUILD).expect("a hello event");
        assert_eq!(hello.name, "hello", "the first event of a stream");
        assert!(
            !hello.data.is_empty() && hello.data.bytes().all(|b| b.is_ascii_digit()),
            "hello carries the build id: {hello:?}"
        );
        events
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Calls `f` every 25 ms until it gives Some or `timeout` passes (for what can only be asked,
/// such as a page: it returns as soon as the answer is the one awaited).
pub fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

pub fn connect(port: u16) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

/// Writes `raw`, then reads until the server closes the connection.
pub fn exchange(port: u16, raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = connect(port)?;
    stream.write_all(raw)?;
    let mut out = Vec::new();
    match stream.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        // A reset after a complete answer (the server closed with unread input) still counts.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(out),
        Err(e) => Err(e),
    }
}

/// One HTTP response; `status` 0 when the server closed without answering.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}\n{}", self.status, self.headers, self.text())
    }
}

impl Reply {
    pub fn parse(bytes: &[u8]) -> Reply {
        if bytes.is_empty() {
            return Reply {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
            };
        }
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: bytes[split + 4..].to_vec(),
        }
    }

    /// Several responses to GET requests, one after another on one connection.
    pub fn parse_all(mut bytes: &[u8]) -> Vec<Reply> {
        let mut replies = Vec::new();
        while !bytes.is_empty() {
            let mut reply = Reply::parse(bytes);
            let length: usize = reply.header("content-length").unwrap().parse().unwrap();
            let head = bytes.len() - reply.body.len();
            reply.body.truncate(length);
            bytes = &bytes[head + length..];
            replies.push(reply);
        }
        replies
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected reply:\n{self:?}");
        self
    }

    #[track_caller]
    pub fn assert_type(&self, content_type: &str) -> &Self {
        assert_eq!(
            self.header("content-type"),
            Some(content_type),
            "Content-Type of {self:?}"
        );
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub data: String,
}

/// A live-reload stream, read with timeouts.
pub struct Events {
    stream: TcpStream,
    /// Bytes as read from the socket: the head, then the body as framed.
    raw: Vec<u8>,
    /// The body's bytes, unframed.
    buf: Vec<u8>,
    /// The body comes in chunks (`Transfer-Encoding: chunked`) rather than until the close.
    chunked: bool,
    pub seen: Vec<Event>,
}

impl Events {
    #[track_caller]
    pub fn open(port: u16) -> Events {
        let mut stream = connect(port).expect("connect for the event stream");
        stream
            .write_all(format!("GET /__rekindle/livereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())
            .expect("send the event stream request");
        let mut events = Events {
            stream,
            raw: Vec::new(),
            buf: Vec::new(),
            chunked: false,
            seen: Vec::new(),
        };
        let deadline = Instant::now() + REBUILD;
        let end = loop {
            if let Some(at) = events.raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            assert!(
                events.read_more(deadline),
                "no event-stream head; got {:?}",
                String::from_utf8_lossy(&events.raw)
            );
        };
        let head = String::from_utf8_lossy(&events.raw[..end]).to_ascii_lowercase();
        assert!(
            head.starts_with("http/1.1 200"),
            "event stream head: {head}"
        );
        assert!(
            head.contains("content-type: text/event-stream"),
            "event stream head: {head}"
        );
        assert!(
            head.contains("cache-control: no-store"),
            "event stream head: {head}"
        );
        events.raw.drain(..end + 4);
        events.chunked = head.contains("transfer-encoding: chunked");
        events.unframe();
        events
    }

    /// Reads more of the body; false when the deadline passed or the stream ended.
    fn fill(&mut self, deadline: Instant) -> bool {
        let before = self.buf.len();
        while self.buf.len() == before {
            if !self.read_more(deadline) {
                return false;
            }
            self.unframe();
        }
        true
    }

    /// Moves the whole chunks (or, unchunked, every byte) read so far into `buf`.
    fn unframe(&mut self) {
        if !self.chunked {
            self.buf.append(&mut self.raw);
            return;
        }
        while let Some(line) = self.raw.windows(2).position(|w| w == b"\r\n") {
            let size = std::str::from_utf8(&self.raw[..line])
                .ok()
                .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
                .unwrap_or_else(|| {
                    panic!("bad chunk size in {:?}", String::from_utf8_lossy(&self.raw))
                });
            let end = line + 2 + size + 2;
            if self.raw.len() < end {
                return;
            }
            self.buf
                .extend_from_slice(&self.raw[line + 2..line + 2 + size]);
            self.raw.drain(..end);
        }
    }

    /// Reads more bytes from the socket; false when the deadline passed or the stream ended.
    fn read_more(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next event, or None after `timeout`. Comments, `retry:` and `warnings` events are
    /// skipped: the content lint's warnings follow every good build and are not what these
    /// tests are about (they stay in `seen`).
    pub fn next(&mut self, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(at) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block = String::from_utf8_lossy(&self.buf[..at]).into_owned();
                self.buf.drain(..at + 2);
                let mut name = None;
                let mut data: Vec<&str> = Vec::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = Some(v.trim_start().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if name.is_some() || !data.is_empty() {
                    let event = Event {
                        name: name.unwrap_or_else(|| "message".to_string()),
                        data: data.join("\n"),
                    };
                    self.seen.push(event.clone());
                    if event.name != "warnings" {
                        return Some(event);
                    }
                }
            }
            if !self.fill(deadline) {
                return None;
            }
        }
    }

    /// The next event, which must be called `name`.
    #[track_caller]
    pub fn expect_next(&mut self, name: &str) -> Event {
        let event = self.next(REBUILD).unwrap_or_else(|| {
            panic!(
                "no `{name}` event within {REBUILD:?}; seen so far: {:?}",
                self.seen
            )
        });
        assert_eq!(event.name, name, "next event; seen so far: {:?}", self.seen);
        event
    }

    /// Skips events until one called `name`. Edits are not atomic (a write truncates, then
    /// writes), so a rebuild may see a half-written file and fail before the good one.
    #[track_caller]
    pub fn wait_for(&mut self, name: &str) -> Event {
        self.wait_for_where(name, |_| true)
    }

    /// Skips events until one called `name` for which `pred` holds.
    #[track_caller]
    pub fn wait_for_where(&mut self, name: &str, pred: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + REBUILD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(e) if e.name == name && pred(&e) => return e,
                Some(_) => {}
                None => panic!(
                    "no `{name}` event within {REBUILD:?}; seen: {:?}",
                    self.seen
                ),
            }
        }
    }

    /// Asserts no event arrives within `quiet`.
    #[track_caller]
    pub fn assert_quiet(&mut self, quiet: Duration) {
        if let Some(e) = self.next(quiet) {
            panic!("unexpected event {e:?}; seen: {:?}", self.seen);
        }
    }
}

/// The JSON of an `error` event.
#[track_caller]
pub fn error_json(event: &Event) -> (String, String) {
    let json: serde_json::Value = serde_json::from_str(&event.data)
        .unwrap_or_else(|e| panic!("error event data is not JSON ({e}): {:?}", event.data));
    let field = |k: &str| {
        json.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("error event without a string `{k}`: {json}"))
            .to_string()
    };
    (field("location"), field("message"))
}

//! The preview's transport: `tiny_http` on a listening socket set up here, each request
//! answered on a thread of its own, so that no client, however slow, holds up another.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::Server;

use crate::serve::events;
use crate::serve::server::{self, Answer, Method, Reply, Shared};

/// How long one write may wait on a client that does not read; then its connection closes.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may be silent before TCP keep-alive probes whether its peer is there.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
#[cfg(any(target_os = "linux", target_os = "macos", windows))]
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// The open files the process asks for (each connection holds two).
const OPEN_FILES: u64 = 1 << 16;
/// How long a tiny_http server whose accept loop ended goes on answering the connections it
/// had accepted, once none of them asks anything.
const RETIRED_IDLE: Duration = Duration::from_secs(600);
const THREAD_STACK: usize = 256 * 1024;

/// The listening socket. What is set here, accepted connections inherit (on Linux and macOS):
/// Nagle's algorithm off, so an answer is never held back for the client's delayed ACK; a write
/// timeout, so a client that stops reading gives its thread back; TCP keep-alive, so a
/// connection whose peer vanished is closed. There is no read timeout: Linux applies it to
/// `accept` as well, and tiny_http's accept loop ends at its first error.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, TcpKeepalive, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let keepalive = TcpKeepalive::new().with_time(KEEPALIVE_IDLE);
    #[cfg(any(target_os = "linux", target_os = "macos", windows))]
    let keepalive = keepalive.with_interval(KEEPALIVE_INTERVAL);
    socket.set_tcp_keepalive(&keepalive)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(TcpListener::from(socket))
}

/// Serves the site until the process ends.
///
/// tiny_http's accept loop ends at the first error it meets (a connection aborted before it
/// was accepted, no file descriptor left): the server then listens again on the same socket,
/// which stays open meanwhile, so no connection is refused.
pub fn run(listener: TcpListener, shared: Arc<Shared>) {
    // Many systems start a process with 1,024 open files (macOS with 256), which a few hundred
    // connections would use up. Where the limit cannot be raised, the one there is stands.
    let _ = rlimit::increase_nofile_limit(OPEN_FILES);
    loop {
        let server = match listener.try_clone().and_then(start) {
            Ok(server) => Arc::new(server),
            Err(e) => {
                eprintln!("warning: the preview cannot accept connections ({e}); trying again");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Some(e) = dispatch(&server, &shared, None) {
            eprintln!("warning: the preview stopped accepting connections ({e}); listening again");
        }
        retire(server, &shared);
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start(listener: TcpListener) -> io::Result<Server> {
    Server::from_listener(listener, None).map_err(io::Error::other)
}

/// Hands each request of `server` to a thread of its own. Returns the error that ended the
/// server's accept loop, or None once no request came for `idle`.
fn dispatch(server: &Server, shared: &Arc<Shared>, idle: Option<Duration>) -> Option<io::Error> {
    loop {
        let next = match idle {
            Some(idle) => server.recv_timeout(idle),
            None => server.recv().map(Some),
        };
        match next {
            Ok(Some(request)) => spawn(request, shared),
            Ok(None) => return None,
            Err(e) => return Some(e),
        }
    }
}

/// Keeps a server whose accept loop ended answering the connections it holds, until they
/// have been quiet for `RETIRED_IDLE`.
fn retire(server: Arc<Server>, shared: &Arc<Shared>) {
    let shared = Arc::clone(shared);
    let _ = std::thread::Builder::new()
        .name("rekindle-retired".into())
        .stack_size(THREAD_STACK)
        .spawn(move || dispatch(&server, &shared, Some(RETIRED_IDLE)));
}

fn spawn(request: tiny_http::Request, shared: &Arc<Shared>) {
    let shared = Arc::clone(shared);
    // If no thread can start, the request is dropped here, and tiny_http answers it with 500.
    let _ = std::thread::Builder::new()
        .name("rekindle-http".into())
        .stack_size(THREAD_STACK)
        .spawn(move || respond(request, &shared));
}

/// Answers one request on the calling thread: a reply, or an event stream held open.
fn respond(request: tiny_http::Request, shared: &Shared) {
    let header = |name: &'static str| {
        (request.headers().iter())
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    };
    let view = server::Request {
        method: match request.method() {
            tiny_http::Method::Get => Method::Get,
            tiny_http::Method::Head => Method::Head,
            _ => Method::Other,
        },
        target: request.url(),
        host: header("Host"),
        origin: header("Origin"),
    };
    let answer = match server::handle(&view, shared) {
        Answer::Events if *request.http_version() < tiny_http::HTTPVersion(1, 1) => {
            Answer::Reply(Reply::text(505, "the event stream needs HTTP/1.1\n"))
        }
        answer => answer,
    };
    match answer {
        Answer::Reply(reply) => {
            // An error here is the client's going away; there is no one left to tell.
            let _ = request.respond(reply.into_response());
        }
        Answer::Events => events::stream(request, &shared.hub),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::RwLock;

    use crate::serve::events::Hub;
    use crate::serve::server::Allowed;
    use crate::write::Files;

    /// Serves an empty site from `listener` on a thread of its own; returns its port.
    fn serve_nothing(listener: TcpListener) -> u16 {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            files: RwLock::new(Arc::new(Files::new())),
            hub: Hub::new(1),
            base: RwLock::new("/".into()),
            allowed: Allowed::new("127.0.0.1", port),
        });
        std::thread::spawn(move || run(listener, shared));
        port
    }

    /// On Linux, a read timeout on the listening socket makes `accept` time out too, which
    /// ends tiny_http's accept loop: the server listens again, and every request is answered.
    #[test]
    fn the_server_listens_again_when_its_accept_loop_ends() {
        let listener = bind(([127, 0, 0, 1], 0).into()).unwrap();
        let socket = socket2::SockRef::from(&listener);
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let port = serve_nothing(listener);
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(300));
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let ask = format!(
                "GET /__rekindle/livereload.js HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(ask.as_bytes()).unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        }
    }

    /// An event stream needs HTTP/1.1 (chunked bytes): an HTTP/1.0 client is told so.
    #[test]
    fn an_http_1_0_event_stream_is_refused_with_505() {
        let listener = bind(([127, 0, 0, 1], 0).into()).unwrap();
        let port = serve_nothing(listener);
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let ask = format!("GET /__rekindle/livereload HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        stream.write_all(ask.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.0 505 "), "{answer}");
        assert!(
            answer.ends_with("the event stream needs HTTP/1.1\n"),
            "{answer}"
        );
    }
}

//! The preview's transport: `tiny_http` on a listening socket set up here, each request
//! answered on a thread of its own, so that no client, however slow, holds up another.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::Server;

use crate::serve::events;
use crate::serve::server::{self, Answer, Method, Shared};

/// How long one write may wait on a client that does not read; then its connection closes.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may be silent before TCP keep-alive probes whether its peer is there.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
#[cfg(any(target_os = "linux", target_os = "macos", windows))]
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
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
pub fn run(listener: TcpListener, shared: Arc<Shared>) {
    let server = match Server::from_listener(listener, None) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: the preview cannot accept connections ({e}); restart it");
            return;
        }
    };
    for request in server.incoming_requests() {
        spawn(request, &shared);
    }
    eprintln!("error: the preview stopped accepting connections; restart it");
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
    match server::handle(&view, shared) {
        Answer::Reply(reply) => {
            // An error here is the client's going away; there is no one left to tell.
            let _ = request.respond(reply.into_response());
        }
        Answer::Events => events::stream(request, &shared.hub),
    }
}

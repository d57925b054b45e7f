//! The dev loop of `rekindle serve`: first build, server threads, watch, rebuild what changed,
//! tell the browsers. Builds into memory, never into the build dir.

pub mod cache;
pub mod events;
pub mod listen;
pub mod rebuild;
pub mod server;
pub mod watch;

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::base::error::{Error, Result};

use crate::write::Files;
use events::Hub;
use rebuild::{Built, DevBuild};
use server::Shared;
use watch::{Change, Roots};

/// The options of `rekindle serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    pub open: bool,
    pub drafts: bool,
}

/// Builds, serves and rebuilds until the process is stopped.
pub fn serve(dir: &Path, opts: &ServeOptions) -> Result<()> {
    let listener = bind(opts)?;
    let port = listener.local_addr().map_or(opts.port, |a| a.port());
    let origin = format!("http://{}:{port}", display_host(&opts.host));
    let mut dev = DevBuild::new(dir, &origin, opts.drafts);
    let config = dev.load_config()?;
    let base = config.base.path.clone();
    let roots = Roots::of(&config);
    dev.config = Some(config);
    // Watching starts before the first build: a save made while it runs, or just after the
    // address is printed, is seen.
    let (tx, rx) = channel();
    let watcher = watch::start(&roots, tx.clone())?;
    let watching = Watching { tx, rx, watcher };
    let first = dev.build(&[], &[]);
    let shared = Arc::new(Shared {
        files: RwLock::new(Arc::new(Files::new())),
        hub: Hub::new(session_id()),
        base: RwLock::new(base.clone()),
        allowed: server::Allowed::new(&opts.host, port),
    });
    publish(&shared, first, false);
    let handlers = Arc::clone(&shared);
    std::thread::spawn(move || listen::run(listener, handlers));
    let address = format!("{origin}{base}");
    println!("Serving on {address}");
    let _ = std::io::stdout().flush();
    if opts.open {
        open_browser(&address);
    }
    watch_loop(&mut dev, &shared, roots, watching)
}

/// The file watcher, and the channel on which it sends the paths that changed.
struct Watching {
    tx: Sender<Vec<PathBuf>>,
    rx: Receiver<Vec<PathBuf>>,
    watcher: watch::Watcher,
}

fn watch_loop(
    dev: &mut DevBuild,
    shared: &Arc<Shared>,
    mut roots: Roots,
    watching: Watching,
) -> Result<()> {
    let Watching {
        tx,
        rx,
        mut watcher,
    } = watching;
    let mut missing = roots.missing();
    loop {
        let batch = next_batch(&rx, &roots)?;
        if missing.iter().any(|dir| dir.is_dir()) {
            // A folder that was missing has appeared: watch inside it from now on.
            drop(watcher);
            watcher = watch::start(&roots, tx.clone())?;
            missing = roots.missing();
        }
        let Some((changes, paths)) = batch else {
            continue;
        };
        let started = Instant::now();
        let result = dev.build(&changes, &paths);
        let css_only = changes.iter().all(|c| *c == Change::Stylesheet);
        if publish(shared, result, css_only) {
            let what = describe(&paths, dev.root());
            println!("Rebuilt in {} ms: {what}", started.elapsed().as_millis());
            let _ = std::io::stdout().flush();
        }
        if let Some(config) = dev
            .config
            .as_ref()
            .filter(|_| changes.contains(&Change::Config))
        {
            if let Ok(mut current) = shared.base.write() {
                current.clone_from(&config.base.path);
            }
            let fresh = Roots::of(config);
            if fresh != roots {
                drop(watcher);
                watcher = watch::start(&fresh, tx.clone())?;
                missing = fresh.missing();
                roots = fresh;
            }
        }
    }
}

/// Waits for the next batch of changes that matter; None when a batch held nothing relevant.
fn next_batch(
    rx: &Receiver<Vec<PathBuf>>,
    roots: &Roots,
) -> Result<Option<(Vec<Change>, Vec<PathBuf>)>> {
    let Ok(mut paths) = rx.recv() else {
        return Err(Error::Server {
            message: "the file watcher stopped".to_string(),
            hint: "restart `rekindle serve`".to_string(),
        });
    };
    while let Ok(more) = rx.try_recv() {
        paths.extend(more);
    }
    let relevant: Vec<(Change, PathBuf)> = paths
        .into_iter()
        .filter_map(|p| watch::classify(&p, roots).map(|c| (c, p)))
        .collect();
    if relevant.is_empty() {
        return Ok(None);
    }
    let (changes, paths) = relevant.into_iter().unzip();
    Ok(Some((changes, paths)))
}

/// Serves the result of a build: the new files, or the error in the terminal and every tab.
/// Returns whether the build succeeded.
fn publish(shared: &Shared, result: Result<Built>, css_only: bool) -> bool {
    match result {
        Ok(built) => {
            for warning in &built.warnings {
                eprintln!("warning: {warning}");
            }
            let mut same = false;
            if let Ok(mut current) = shared.files.write() {
                same = server::same_files(&current, &built.files);
                *current = Arc::new(built.files);
            }
            shared.hub.built(css_only, &built.warnings, same);
            true
        }
        Err(err) => {
            for e in err.all() {
                eprintln!("error: {e}");
            }
            let first = err
                .all()
                .first()
                .map(|e| (*e).to_string())
                .unwrap_or_default();
            let location = err
                .all()
                .first()
                .and_then(|e| e.diagnostic())
                .map(|d| d.location())
                .unwrap_or_default();
            shared.hub.failed(&first, &location);
            false
        }
    }
}

/// "content/steps/01-a.md changed" (and how many more).
fn describe(paths: &[PathBuf], root: &Path) -> String {
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    names.sort();
    names.dedup();
    match names.len() {
        0 => "no change".to_string(),
        1 => format!("{} changed", names[0]),
        n => format!("{} and {} more changed", names[0], n - 1),
    }
}

fn bind(opts: &ServeOptions) -> Result<std::net::TcpListener> {
    let host: IpAddr = opts.host.parse().map_err(|_| Error::Server {
        message: format!("`{}` is not an IP address to listen on", opts.host),
        hint: "use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every network)".into(),
    })?;
    if !host.is_loopback() {
        eprintln!(
            "warning: listening on {host}: other machines on your network can open this preview"
        );
    }
    listen::bind((host, opts.port).into()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            Error::Server {
                message: format!("port {} on {host} is already in use", opts.port),
                hint: "stop the other server, or choose another port with --port (--port 0 picks a free one)".into(),
            }
        } else {
            Error::Server {
                message: format!("cannot listen on {host}:{}: {e}", opts.port),
                hint: "check --host and --port".into(),
            }
        }
    })
}

fn display_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// A number that differs between runs, so open tabs notice a restarted server.
fn session_id() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos % 1_000_000_000_000) as u64 * 1000
}

/// Opens the preview in the browser (the one `$BROWSER` names, when set).
fn open_browser(url: &str) {
    if let Err(e) = opener::open_browser(url) {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}

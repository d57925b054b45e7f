//! Builds the guide with the real `rekindle` binary under a project subpath
//! (`/guide/`, like a GitHub Pages project site) and serves it on 127.0.0.1.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tempfile::TempDir;
use tiny_http::{Header, Response, Server};

/// The URL path the guide is published under.
pub const SUBPATH: &str = "/guide/";

/// A built guide, served until dropped.
pub struct Site {
    /// `<tempdir>/guide`: the build output.
    pub root: PathBuf,
    /// `http://127.0.0.1:<port>/guide/`
    pub base_url: String,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    not_found: Arc<Mutex<Vec<String>>>,
    _dir: TempDir,
}

/// One HTML file of the site and the URL it is served at.
#[derive(Debug, Clone)]
pub struct Page {
    pub file: PathBuf,
    /// The path relative to the site root, e.g. `steps/index.html`.
    pub rel: String,
    pub url: String,
}

impl Site {
    /// Starts the server on a free port, then builds the guide for that address.
    pub fn build() -> Site {
        Site::build_project(temp_dir(), Path::new(env!("CARGO_MANIFEST_DIR")))
    }

    /// The same for the fixture project `tests/fixtures/<case>/`, with the repository's
    /// default theme.
    pub fn build_fixture(case: &str) -> Site {
        let dir = temp_dir();
        let project = dir.path().join("project");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_tree(&repo.join("tests/fixtures").join(case), &project);
        copy_tree(&repo.join("themes"), &project.join("themes"));
        Site::build_project(dir, &project)
    }

    /// Serves `dir` and builds `project` into `dir/guide` for the server's address.
    fn build_project(dir: TempDir, project: &Path) -> Site {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("start the static file server"));
        let port = server
            .server_addr()
            .to_ip()
            .expect("the server listens on an IP address")
            .port();
        let base_url = format!("http://127.0.0.1:{port}{SUBPATH}");
        let root = dir.path().join("guide");

        let output = Command::new(env!("CARGO_BIN_EXE_rekindle"))
            .arg("build")
            .arg(project)
            .arg("-d")
            .arg(&root)
            .arg("--base-url")
            .arg(&base_url)
            .output()
            .expect("run the rekindle binary");
        assert!(
            output.status.success(),
            "`rekindle build` failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );

        let not_found = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let served = dir.path().to_path_buf();
            let not_found = Arc::clone(&not_found);
            std::thread::spawn(move || {
                // recv() fails once Site::drop calls unblock().
                while let Ok(request) = server.recv() {
                    respond(&served, request, &not_found);
                }
            })
        };
        Site {
            root,
            base_url,
            server,
            thread: Some(thread),
            not_found,
            _dir: dir,
        }
    }

    /// The absolute URL of `path` (relative to the site root, no leading slash).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Every HTML file of the site, sorted, with its URL (`x/index.html` -> `/guide/x/`).
    pub fn pages(&self) -> Vec<Page> {
        let mut pages: Vec<Page> = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .map(|entry| entry.expect("walk the built site"))
            .filter(|e| {
                e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html")
            })
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&self.root)
                    .expect("a file under the site root")
                    .to_str()
                    .expect("UTF-8 file name")
                    .to_owned();
                let url_path = if rel == "index.html" {
                    String::new()
                } else if let Some(dir) = rel.strip_suffix("/index.html") {
                    format!("{dir}/")
                } else {
                    rel.clone()
                };
                Page {
                    file: e.path().to_path_buf(),
                    url: self.url(&url_path),
                    rel,
                }
            })
            .collect();
        pages.sort_by(|a, b| a.rel.cmp(&b.rel));
        assert!(
            pages.len() >= 2,
            "the built site has only {} HTML file(s) in {}",
            pages.len(),
            self.root.display()
        );
        pages
    }

    /// The URL paths answered with 404 so far, emptying the list.
    pub fn take_not_found(&self) -> Vec<String> {
        std::mem::take(&mut *self.not_found.lock().expect("the 404 list lock"))
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("rekindle-browser-")
        .tempdir()
        .expect("create a temp dir for the site")
}

/// Copies the files under `from` to `to`, folders made as needed.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk the fixture");
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("a path under the fixture");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("create a folder of the project");
        } else {
            fs::copy(entry.path(), &target).expect("copy a file of the project");
        }
    }
}

/// Serves `served/<path>` for `/guide/...` URLs: a folder gets its `index.html`
/// (or a redirect adding the slash), anything else is a 404.
fn respond(served: &Path, request: tiny_http::Request, not_found: &Mutex<Vec<String>>) {
    let url = request.url().to_owned();
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let response = match resolve(served, path) {
        Resolved::File(file, content_type) => match fs::read(&file) {
            Ok(bytes) => {
                Response::from_data(bytes).with_header(header("Content-Type", content_type))
            }
            Err(_) => missing(path, not_found),
        },
        Resolved::AddSlash => Response::from_data(Vec::new())
            .with_status_code(301)
            .with_header(header("Location", &format!("{path}/"))),
        Resolved::NotFound => missing(path, not_found),
    };
    let _ = request.respond(response.with_header(header("Cache-Control", "no-store")));
}

fn missing(path: &str, not_found: &Mutex<Vec<String>>) -> Response<std::io::Cursor<Vec<u8>>> {
    if let Ok(mut list) = not_found.lock() {
        list.push(path.to_owned());
    }
    Response::from_string("404 Not Found").with_status_code(404)
}

enum Resolved {
    File(PathBuf, &'static str),
    AddSlash,
    NotFound,
}

fn resolve(served: &Path, url_path: &str) -> Resolved {
    let Some(decoded) = percent_decode(url_path) else {
        return Resolved::NotFound;
    };
    let trimmed = SUBPATH.trim_end_matches('/');
    if decoded == trimmed {
        return Resolved::AddSlash;
    }
    if !decoded.starts_with(SUBPATH) {
        return Resolved::NotFound;
    }
    let relative = Path::new(decoded.trim_start_matches('/'));
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Resolved::NotFound;
    }
    let mut file = served.join(relative);
    if file.is_dir() {
        if !decoded.ends_with('/') {
            return Resolved::AddSlash;
        }
        file.push("index.html");
    }
    if !file.is_file() {
        return Resolved::NotFound;
    }
    let content_type = content_type(&file);
    Resolved::File(file, content_type)
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid HTTP header")
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

//! serve's figures: the time from saving a file to the `reload` event on the live-reload
//! stream (debounce included), and requests a second for one page, measured with `wrk`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Median time from rewriting one page to its reload event, over `edits` edits.
pub fn page_edit(bin: &str, site: &Path, edits: usize) -> Duration {
    let page = first_page(&site.join("content"));
    measure(bin, site, &page, edits, |text, i| {
        format!("{text}\nEdit number {i}.\n")
    })
}

/// Median time from rewriting a page template to its reload event.
pub fn template_edit(bin: &str, site: &Path, edits: usize) -> Duration {
    let template = site.join("themes/bench/templates/page.html");
    measure(bin, site, &template, edits, |text, i| {
        text.replacen("<article>", &format!("<article class=\"edit-{i}\">"), 1)
    })
}

fn first_page(content: &Path) -> PathBuf {
    walkdir::WalkDir::new(content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .map(|e| e.into_path())
        .expect("a page")
}

fn measure(
    bin: &str,
    site: &Path,
    file: &Path,
    edits: usize,
    edit: impl Fn(&str, usize) -> String,
) -> Duration {
    let (_server, address) = start(bin, site);
    let host = address.split('/').next().expect("host:port").to_string();
    let mut stream = TcpStream::connect(&host).expect("connect");
    write!(
        stream,
        "GET /__rekindle/livereload HTTP/1.1\r\nHost: {host}\r\n\r\n"
    )
    .expect("request");
    let mut reader = BufReader::new(stream);
    wait_for(&mut reader, "event: hello");
    let original = std::fs::read_to_string(file).expect("read");
    let mut times = Vec::new();
    for i in 0..edits {
        std::thread::sleep(Duration::from_millis(60));
        let started = Instant::now();
        std::fs::write(file, edit(&original, i)).expect("write");
        wait_for(&mut reader, "event: reload");
        times.push(started.elapsed());
        // A save can reach the watcher as two bursts: let a second rebuild (if any) finish
        // and drop its events, so the next edit waits for its own.
        drain(&mut reader);
    }
    std::fs::write(file, original).expect("restore");
    times.sort();
    times[times.len() / 2]
}

/// Starts `rekindle serve` on a free port; returns it and its address (`host:port/path/`).
fn start(bin: &str, site: &Path) -> (Server, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0"])
        .arg(site)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("Serving on http://").map(str::to_string))
        .expect("the Serving on line");
    std::thread::spawn(move || lines.for_each(drop));
    (server, address)
}

/// Requests a second for the site's home page, `wrk -t2 -c4 -d10s`; None without `wrk`.
pub fn requests_per_second(bin: &str, site: &Path) -> Option<f64> {
    let (_server, address) = start(bin, site);
    let out = Command::new("wrk")
        .args(["-t2", "-c4", "-d10s"])
        .arg(format!("http://{address}"))
        .output()
        .ok()?;
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !report.contains("Non-2xx"),
        "the home page did not answer 200:\n{report}"
    );
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
}

fn drain(reader: &mut BufReader<TcpStream>) {
    std::thread::sleep(Duration::from_millis(150));
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        line.clear();
    }
}

fn wait_for(reader: &mut BufReader<TcpStream>, wanted: &str) {
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("read the event stream");
        assert!(n > 0, "the event stream closed");
        if line.trim_end() == wanted {
            return;
        }
        if line.starts_with("event: error") {
            let mut data = String::new();
            let _ = reader.read_line(&mut data);
            panic!("serve reported an error: {data}");
        }
    }
}

//! The default theme against the benchmark theme on the same large site (20 sections of 500
//! pages at 10,000): cold build time, peak memory, bytes written, the largest page with what
//! it loads (the one-page guide apart) and the one-page guide and search index sizes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::corpus::{self, Shape};
use crate::{BIN, median, ms, run_measured};

/// How many sections the theme comparison spreads its pages over.
const SECTIONS: usize = 20;

/// What one theme's builds of the site gave.
struct Figures {
    time: Duration,
    /// Peak resident memory, KiB.
    rss: u64,
    written: Sizes,
}

/// Sizes of one build's output, in bytes.
#[derive(Default)]
struct Sizes {
    total: u64,
    files: usize,
    /// The HTML files' bytes and count, for their mean size.
    html: (u64, usize),
    /// The largest HTML file with the stylesheets and scripts it loads, and its path.
    largest: (u64, String),
    one_page: u64,
    search_index: u64,
}

/// Builds an `n`-page site of 20 sections `runs` times with each theme, in turn, and prints
/// a table row per theme and the default theme's time over the benchmark theme's.
pub fn compare(n: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let shape = Shape {
        sections: SECTIONS,
        theme: Some(&theme),
    };
    corpus::generate_shaped(dir.path(), n, 42, shape).expect("generate the corpus");
    let (mut bench, mut default) = (Vec::new(), Vec::new());
    for run in 0..runs {
        bench.push(build(dir.path(), "bench", run));
        default.push(build(dir.path(), "default", run));
    }
    let (bench, default) = (summarize(bench), summarize(default));
    println!("\nThemes on {n} pages in {SECTIONS} sections (median of {runs} cold builds each):\n");
    println!(
        "| theme | build | peak memory | written | files | mean HTML file | largest page with what it loads | one-page guide | search index |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, f) in [("bench", &bench), ("default", &default)] {
        let w = &f.written;
        println!(
            "| {name} | {} | {:.1} MiB | {:.1} MiB | {} | {:.1} KiB | {:.1} KiB ({}) | {:.1} MiB | {:.1} MiB |",
            ms(f.time),
            f.rss as f64 / 1024.0,
            mib(w.total),
            w.files,
            w.html.0 as f64 / 1024.0 / w.html.1.max(1) as f64,
            w.largest.0 as f64 / 1024.0,
            w.largest.1,
            mib(w.one_page),
            mib(w.search_index),
        );
    }
    println!(
        "\ndefault / bench theme build time: {:.2}×",
        default.time.as_secs_f64() / bench.time.as_secs_f64()
    );
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// One cold build of the site with `theme` into a folder of its own; the first run's output
/// is measured.
fn build(site: &Path, theme: &str, run: usize) -> (Duration, u64, Option<Sizes>) {
    fs::write(site.join("book.toml"), corpus::book_toml(theme)).expect("write book.toml");
    let out = site.join(format!("out-{theme}-{run}"));
    let started = Instant::now();
    let build = run_measured(Command::new(BIN).arg("build").arg(site).arg("-d").arg(&out));
    let time = started.elapsed();
    assert!(build.ok, "rekindle build failed with the {theme} theme");
    (time, build.rss, (run == 0).then(|| sizes(&out)))
}

fn summarize(runs: Vec<(Duration, u64, Option<Sizes>)>) -> Figures {
    let rss = runs.iter().map(|r| r.1).max().unwrap_or(0);
    let times = runs.iter().map(|r| r.0).collect();
    let written = runs.into_iter().find_map(|r| r.2).unwrap_or_default();
    Figures {
        time: median(times),
        rss,
        written,
    }
}

/// Walks a build's output and sizes it.
fn sizes(out: &Path) -> Sizes {
    let mut sizes = Sizes::default();
    for entry in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let len = entry.metadata().map_or(0, |m| m.len());
        sizes.total += len;
        sizes.files += 1;
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().into_owned();
        match rel.as_str() {
            "all/index.html" => sizes.one_page = len,
            "search-index.json" => sizes.search_index = len,
            _ if rel.ends_with(".html") => {
                sizes.html = (sizes.html.0 + len, sizes.html.1 + 1);
                let weight = len + loads(out, entry.path());
                if weight > sizes.largest.0 {
                    sizes.largest = (weight, rel);
                }
            }
            _ => {}
        }
    }
    sizes
}

/// The bytes of the stylesheets and scripts an HTML file loads (`src` and stylesheet
/// `href` attributes under the site's path `/bench/`).
fn loads(out: &Path, html: &Path) -> u64 {
    let text = fs::read_to_string(html).unwrap_or_default();
    let mut total = 0;
    for attr in ["src=\"", "rel=\"stylesheet\" href=\""] {
        for piece in text.split(attr).skip(1) {
            let url = piece.split('"').next().unwrap_or_default();
            let path = url.split('?').next().unwrap_or_default();
            if let Some(rel) = path.strip_prefix("/bench/") {
                total += fs::metadata(out.join(PathBuf::from(rel))).map_or(0, |m| m.len());
            }
        }
    }
    total
}

//! `cargo bench --bench build`: cold builds of generated sites of 100, 1,000 and 10,000 pages
//! (whole process, median of several runs, peak memory, CPU time), the Markdown-only floor
//! run in turn with them (with its CPU time; the ratio is the median of each build's time
//! over the floor's beside it), serve's save-to-reload latency and requests
//! a second (with `wrk`), and Hugo or Zola when they are on the PATH. At 10,000 pages it also
//! builds a site of 20 sections of 500 with the default theme and with the benchmark theme.
//! `BENCH_SIZES=100,1000` limits the sizes; `BENCH_RUNS` sets the number of cold builds.
//!
//! Every cold build (rekindle, the floor, Hugo, Zola) writes into a folder of its own that
//! never existed, and no output is deleted until the benchmark ends. Deleting thousands of
//! files just before creating thousands more makes the creation several times slower on
//! some file systems (ext4 without a journal checks each free inode for a recent deletion),
//! which would measure the file system's bookkeeping, not the generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// wait4() is the one way to read a child's peak memory; the crate itself denies unsafe code.
#![allow(unsafe_code)]

mod corpus;
mod floor;
mod latency;
mod theme;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rekindle");

fn main() {
    // `cargo bench --bench build -- generate DIR PAGES [SEED [SECTIONS]]` only writes a corpus.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [command, dir, pages, rest @ ..] = args.as_slice()
        && command == "generate"
    {
        let pages = pages.parse().expect("PAGES is a number");
        let seed = rest
            .first()
            .map_or(42, |s| s.parse().expect("SEED is a number"));
        let sections = rest.get(1).map_or(corpus::SECTIONS, |s| {
            s.parse().expect("SECTIONS is a number")
        });
        let shape = corpus::Shape {
            sections,
            theme: None,
        };
        corpus::generate_shaped(Path::new(dir), pages, seed, shape).expect("write the corpus");
        println!("Wrote a {pages}-page site (seed {seed}) to {dir}");
        return;
    }
    // `cargo bench --bench build -- floor CONTENT OUT` only times the floor, once.
    if let [command, content, out] = args.as_slice()
        && command == "floor"
    {
        let time = floor::run(Path::new(content), Path::new(out));
        println!("floor: {}", ms(time));
        return;
    }
    // `cargo bench --bench build -- theme PAGES [RUNS]` only compares the themes.
    if let [command, pages, rest @ ..] = args.as_slice()
        && command == "theme"
    {
        let runs = rest
            .first()
            .map_or(3, |r| r.parse().expect("RUNS is a number"));
        theme::compare(pages.parse().expect("PAGES is a number"), runs);
        return;
    }
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "rekindle benchmark ({} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "| pages | rekindle | CPU | pages/s | peak memory | floor | floor CPU | ratio | rebuild | serve: page edit | serve: template edit |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    // Kept until the end: see the module's note on deleting output.
    let mut sites = Vec::new();
    for &n in &sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        corpus::generate(dir.path(), n, 42).expect("generate the corpus");
        let runs: usize = std::env::var("BENCH_RUNS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(if n >= 10_000 { 5 } else { 9 });
        let cold = cold_builds(dir.path(), runs);
        let (time, rss, cpu) = (cold.time, cold.rss, cold.cpu);
        let (floor, floor_cpu) = (cold.floor, cold.floor_cpu);
        let rebuild = rebuilds(dir.path(), runs);
        let edit = latency::page_edit(BIN, dir.path(), if n >= 10_000 { 9 } else { 15 });
        let template = latency::template_edit(BIN, dir.path(), 5);
        println!(
            "| {n} | {} | {} | {:.0} | {:.1} MiB | {} | {} | {:.2}× | {} | {} | {} |",
            ms(time),
            ms(cpu),
            n as f64 / time.as_secs_f64(),
            rss as f64 / 1024.0,
            ms(floor),
            ms(floor_cpu),
            cold.ratio,
            ms(rebuild),
            ms(edit),
            ms(template),
        );
        rows.push((n, time));
        others(dir.path(), n, runs, &mut sites);
        sites.push(dir);
    }
    if let (Some(small), Some(big)) = (
        rows.iter().find(|r| r.0 == 1000),
        rows.iter().find(|r| r.0 == 10_000),
    ) {
        println!(
            "\n10,000 / 1,000 pages build time: {:.1}× (linear would be 10×)",
            big.1.as_secs_f64() / small.1.as_secs_f64()
        );
    }
    if sizes.contains(&10_000) {
        theme::compare(10_000, 3);
    }
    let guide = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().expect("temp dir");
    copy_dir(&guide.join("content"), &copy.path().join("content"));
    copy_dir(&guide.join("themes"), &copy.path().join("themes"));
    std::fs::copy(guide.join("book.toml"), copy.path().join("book.toml")).expect("copy book.toml");
    println!(
        "\nThe guide: serve, save to reload event, median of 21: {}",
        ms(latency::page_edit(BIN, copy.path(), 21))
    );
    match latency::requests_per_second(BIN, copy.path()) {
        Some(rate) => {
            println!("The guide, serve, home page, wrk -t2 -c4 -d10s: {rate:.0} requests/s")
        }
        None => println!("(install wrk to measure serve's requests a second)"),
    }
}

/// Median wall time, the largest peak RSS (KiB) and the median CPU time (user and system,
/// all threads) of `runs` cold builds.
/// Cold builds and the floor, run in turn.
struct Colds {
    /// Medians of the builds' wall and CPU times, and their peak memory (KiB).
    time: Duration,
    cpu: Duration,
    rss: u64,
    /// Medians of the floor's wall and CPU times.
    floor: Duration,
    floor_cpu: Duration,
    /// The median of each build's time over the floor's next to it.
    ratio: f64,
}

/// `runs` cold builds of the site in `site`, each beside a run of the floor (first one, then
/// the other): a machine whose speed drifts over a minute (a shared one does) moves both
/// sides of each ratio alike.
fn cold_builds(site: &Path, runs: usize) -> Colds {
    let (mut times, mut cpus, mut floors, mut floor_cpus, mut ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut peak = 0;
    for run in 0..runs {
        let build = || {
            // Cold: a destination that does not exist yet (see the module's note).
            let out = site.join(format!("out-{run}"));
            let started = Instant::now();
            let build = run_measured(Command::new(BIN).arg("build").arg(site).arg("-d").arg(&out));
            assert!(build.ok, "rekindle build failed on the generated site");
            (started.elapsed(), build)
        };
        let floor = || {
            let out = site.join(format!("floor-out-{run}"));
            let before = own_cpu();
            let time = floor::run(&site.join("content"), &out);
            (time, own_cpu().saturating_sub(before))
        };
        let ((time, build), (floor, floor_cpu)) = match run % 2 {
            0 => (build(), floor()),
            _ => {
                let floor = floor();
                (build(), floor)
            }
        };
        peak = peak.max(build.rss);
        ratios.push(time.as_secs_f64() / floor.as_secs_f64());
        times.push(time);
        cpus.push(build.cpu);
        floors.push(floor);
        floor_cpus.push(floor_cpu);
    }
    ratios.sort_by(f64::total_cmp);
    Colds {
        time: median(times),
        cpu: median(cpus),
        rss: peak,
        floor: median(floors),
        floor_cpu: median(floor_cpus),
        ratio: ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN),
    }
}

/// Median wall time of `runs` builds into a build dir that holds the last build, once two
/// builds have left it and the output before it (`.rebuild.previous`), as a user's
/// repeated `rekindle build` does.
fn rebuilds(site: &Path, runs: usize) -> Duration {
    let out = site.join("rebuild");
    let times = (0..runs + 2).map(|_| {
        let started = Instant::now();
        let build = run_measured(Command::new(BIN).arg("build").arg(site).arg("-d").arg(&out));
        assert!(build.ok, "rekindle build failed on the generated site");
        started.elapsed()
    });
    median(times.skip(2).collect())
}

/// How a finished command went.
struct Measured {
    ok: bool,
    /// Peak resident memory, KiB.
    rss: u64,
    /// User and system time of all its threads.
    cpu: Duration,
}

/// Runs a command and measures it. The child is reaped by wait4 itself, which is what
/// reports its memory and CPU time.
#[allow(clippy::zombie_processes)]
fn run_measured(cmd: &mut Command) -> Measured {
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the command");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid pointers.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4 failed");
    Measured {
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        rss: usage.ru_maxrss as u64,
        cpu: cpu_time(&usage),
    }
}

/// The CPU time (user and system) this process has used so far: the floor runs in it, on
/// the one thread that is working meanwhile.
fn own_cpu() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    cpu_time(&usage)
}

fn cpu_time(usage: &libc::rusage) -> Duration {
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    if d.is_zero() {
        "n/a".into()
    } else if d.as_secs_f64() >= 1.0 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

/// Hugo and Zola on the same content, when installed.
/// Their outputs go into `keep`, deleted when the benchmark ends.
fn others(site: &Path, n: usize, runs: usize, keep: &mut Vec<tempfile::TempDir>) {
    for tool in ["hugo", "zola"] {
        if Command::new(tool).arg("version").output().is_err()
            && Command::new(tool).arg("--version").output().is_err()
        {
            continue;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let args: Vec<String> = match tool {
            "hugo" => {
                corpus::write_hugo(site, dir.path()).expect("hugo layout");
                vec![
                    "--quiet".into(),
                    "-s".into(),
                    dir.path().display().to_string(),
                    "-d".into(),
                ]
            }
            _ => {
                corpus::write_zola(site, dir.path()).expect("zola layout");
                vec![
                    "--root".into(),
                    dir.path().display().to_string(),
                    "build".into(),
                    "--force".into(),
                    "-o".into(),
                ]
            }
        };
        let mut times = Vec::new();
        let mut peak = 0;
        let mut failed = false;
        for run in 0..runs.min(5) {
            let out = dir.path().join(format!("public-{run}"));
            let mut args = args.clone();
            args.push(out.display().to_string());
            let started = Instant::now();
            let build = run_measured(Command::new(tool).args(&args));
            times.push(started.elapsed());
            peak = peak.max(build.rss);
            if !build.ok {
                println!("  {tool}: build failed on the {n}-page corpus");
                failed = true;
                break;
            }
        }
        if !failed {
            println!(
                "  {tool}, {n} pages: {} ({:.1} MiB)",
                ms(median(times)),
                peak as f64 / 1024.0
            );
        }
        keep.push(dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

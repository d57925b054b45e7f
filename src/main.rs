//! The command line: parses arguments, runs the command, prints the outcome once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rekindle::serve::ServeOptions;
use rekindle::{Mode, Overrides};

/// A build allocates and frees about 300 small strings and maps per page on two threads,
/// which jemalloc does in less time than glibc's allocator (a fifth less for the build).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// rekindle: publish a guide from Markdown as a fast, accessible static site.
#[derive(Debug, Parser)]
#[command(version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into the build dir (default: public/).
    Build {
        /// The folder holding book.toml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write the site here instead of the build dir of book.toml.
        #[arg(short, long, value_name = "OUT")]
        dest_dir: Option<PathBuf>,
        /// The site's base URL, overriding `[site] url` (e.g. for GitHub Pages).
        #[arg(long, value_name = "URL", value_parser = base_url)]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Treat content lint warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Also write a manifest of the output (SHA-256, size, path per line) to FILE.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
    },
    /// Preview the site: build it in memory, serve it, rebuild and reload the browser on every save.
    Serve {
        /// The folder holding book.toml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The address to listen on; anything but loopback is reachable from other machines.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on; 0 picks a free one.
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Open the preview in the default browser.
        #[arg(long)]
        open: bool,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new guide: book.toml, sample content, the default theme and a Pages workflow.
    Init {
        /// The folder to create the guide in; it must be missing or empty.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The guide's title (default: "My guide").
        #[arg(long)]
        title: Option<String>,
    },
    /// Add a page (or, as `FOLDER/_index.md`, a section) with its front matter filled in.
    New {
        /// The file to create, relative to the content folder, e.g. `steps/05-next.md`.
        path: String,
        /// The title of the page or section.
        #[arg(long)]
        title: String,
        /// The folder holding book.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Do everything build does, link checking included, and write nothing.
    Check {
        /// The folder holding book.toml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Treat content lint warnings as errors.
        #[arg(long)]
        strict: bool,
    },
}

/// A `--base-url` that cannot be a base URL is a usage error (exit status 2), like any
/// other malformed argument.
fn base_url(raw: &str) -> Result<String, String> {
    rekindle::input::config::BaseUrl::parse(raw).map(|_| raw.to_string())
}

fn main() -> ExitCode {
    report(run(Cli::parse().command))
}

/// Starts one more worker thread than there are CPUs, unless `RAYON_NUM_THREADS` says
/// otherwise; only the commands that build call it, as the threads take milliseconds to
/// start. With exactly one per CPU, a short build on a machine with other work on it often
/// ran both workers on the same CPU (the scheduler does not move a busy thread within a
/// few milliseconds): 1,000 pages took 64 ms at the median instead of 49 on two CPUs. On
/// an idle machine a spare worker changes little (10,000 pages: 332 -> 318 ms).
fn start_workers() {
    if std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Fails only when the pool already exists, and then the default pool serves.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(cpus + 1)
        .build_global();
}

/// On Ctrl-C, SIGTERM or SIGHUP during a build: removes the staging folder, then exits with
/// status 130. A swap under way ends first, so the build dir holds either the old complete
/// build or the new one.
fn remove_staging_on_interrupt(cleanup: &rekindle::write::Cleanup) {
    let cleanup = cleanup.clone();
    let installed = ctrlc::set_handler(move || {
        let _no_swap = cleanup.remove_all();
        eprintln!("interrupted: the build stopped and its staging folder was removed");
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!(
            "warning: cannot catch Ctrl-C ({e}); an interrupted build leaves its staging folder, which the next build removes"
        );
    }
}

/// `rekindle init`: a new guide in `dir`.
fn init(dir: &std::path::Path, title: Option<&str>) -> rekindle::Result<()> {
    let files = rekindle::scaffold::init(dir, title)?;
    println!(
        "Created a guide in {} ({} files)",
        dir.display(),
        files.len()
    );
    println!("Preview it with: rekindle serve {}", dir.display());
    Ok(())
}

/// `rekindle new`: a new content file at `path` in the project in `dir`.
fn new_file(dir: &std::path::Path, path: &str, title: &str) -> rekindle::Result<()> {
    let config = rekindle::load_config(dir, &Overrides::default())?;
    let file = rekindle::scaffold::new_file(&config, path, title)?;
    println!("Created {}", file.display());
    Ok(())
}

/// Runs one command; what it prints on success it prints here, errors are the caller's.
fn run(command: Command) -> rekindle::Result<()> {
    match command {
        Command::Init { dir, title } => init(&dir, title.as_deref()),
        Command::New { path, title, dir } => new_file(&dir, &path, &title),
        Command::Serve {
            dir,
            host,
            port,
            open,
            drafts,
        } => {
            let opts = ServeOptions {
                host,
                port,
                open,
                drafts,
            };
            start_workers();
            rekindle::serve::serve(&dir, &opts)
        }
        Command::Build {
            dir,
            dest_dir,
            base_url,
            drafts,
            strict,
            manifest,
        } => {
            let overrides = Overrides {
                dest_dir,
                base_url,
                drafts,
                strict,
                manifest,
            };
            build(&dir, &overrides, Mode::Build)
        }
        Command::Check {
            dir,
            drafts,
            strict,
        } => {
            let overrides = Overrides {
                drafts,
                strict,
                ..Overrides::default()
            };
            build(&dir, &overrides, Mode::Check)
        }
    }
}

/// `rekindle build` and `rekindle check`: builds the project in `dir` and prints the
/// warnings and the summary line.
fn build(dir: &std::path::Path, overrides: &Overrides, mode: Mode) -> rekindle::Result<()> {
    start_workers();
    let cleanup = rekindle::write::Cleanup::default();
    remove_staging_on_interrupt(&cleanup);
    let summary = rekindle::build_with(dir, overrides, mode, &cleanup)?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    match (mode, summary.warnings.len()) {
        (Mode::Build, _) => println!("Built {summary} -> {}", summary.dest.display()),
        (Mode::Check, 0) => println!("Checked {summary}: no problems found"),
        (Mode::Check, n) => println!("Checked {summary}: {}", count(0, n)),
    }
    Ok(())
}

/// `3 errors, 12 warnings` (a zero count is left out).
fn count(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Exit status 0, or 1 after printing the warnings found before the errors, every error
/// once, and (for more than one problem) their count.
fn report(outcome: rekindle::Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            for warning in err.warnings() {
                eprintln!("warning: {warning}");
            }
            let errors = err.all();
            for e in &errors {
                eprintln!("error: {e}");
            }
            if errors.len() + err.warnings().len() > 1 {
                eprintln!("{}", count(errors.len(), err.warnings().len()));
            }
            ExitCode::FAILURE
        }
    }
}

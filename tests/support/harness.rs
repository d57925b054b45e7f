//! A test harness for the browser tests (`harness = false`): libtest has no way for a test
//! to say at run time that it could not run, so a test without its tools (Chromium,
//! chromedriver, Java) would be reported as passed. Here a test returns `Outcome::Ignored`
//! and is reported as ignored; under `CI=true` a missing tool fails it instead (see
//! `tools::require`). Understands libtest's name filters, `--exact`, `--skip`, `--list` and
//! `--ignored`, and accepts its other options.

use std::panic;
use std::process::ExitCode;
use std::time::Instant;

/// Runs `trials` as libtest would, from the command line's filters, and prints libtest's
/// lines: `test NAME ... ok|ignored, WHY|FAILED` and the closing `test result:` line.
pub fn run(trials: &[Trial]) -> ExitCode {
    let args = Args::parse(std::env::args().skip(1));
    let chosen: Vec<_> = trials.iter().filter(|(name, _)| args.wants(name)).collect();
    let filtered = trials.len() - chosen.len();
    if args.list {
        for (name, _) in &chosen {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    println!("\nrunning {} test{}", chosen.len(), plural(chosen.len()));
    let started = Instant::now();
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for (name, run) in chosen {
        match panic::catch_unwind(*run) {
            Ok(Outcome::Passed) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Ok(Outcome::Ignored(why)) => {
                ignored += 1;
                println!("test {name} ... ignored, {why}");
            }
            Err(_) => {
                failed += 1;
                println!("test {name} ... FAILED");
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; {filtered} filtered out; finished in {:.2}s\n",
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A test: its name and its function.
pub type Trial = (&'static str, fn() -> Outcome);

/// How a test ended, short of failing (a failure panics).
pub enum Outcome {
    Passed,
    Ignored(String),
}

/// The part of libtest's command line this harness acts on.
#[derive(Default)]
struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    list: bool,
    /// `--ignored`: run only tests marked ignored, which this file has none of.
    only_ignored: bool,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Args {
        let mut parsed = Args::default();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--exact" => parsed.exact = true,
                "--list" => parsed.list = true,
                "--ignored" => parsed.only_ignored = true,
                "--skip" => parsed.skip.extend(args.next()),
                // Options that take a value, given as a separate argument.
                "--test-threads" | "--color" | "--format" | "--logfile" | "-Z" => {
                    args.next();
                }
                flag if flag.starts_with('-') => {}
                filter => parsed.filters.push(filter.to_owned()),
            }
        }
        parsed
    }

    fn wants(&self, name: &str) -> bool {
        let matches = |pattern: &String| {
            if self.exact {
                name == pattern
            } else {
                name.contains(pattern.as_str())
            }
        };
        !self.only_ignored
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(|s| name.contains(s.as_str()))
    }
}

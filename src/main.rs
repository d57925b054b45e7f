//! The command line: parses arguments, runs the command, prints the outcome once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rekindle::{Mode, Overrides};

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
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Do everything build does, link checking included, and write nothing.
    Check {
        /// The folder holding book.toml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (dir, overrides, mode) = match cli.command {
        Command::Build {
            dir,
            dest_dir,
            base_url,
            drafts,
        } => (
            dir,
            Overrides {
                dest_dir,
                base_url,
                drafts,
            },
            Mode::Build,
        ),
        Command::Check { dir, drafts } => (
            dir,
            Overrides {
                drafts,
                ..Overrides::default()
            },
            Mode::Check,
        ),
    };
    match rekindle::build(&dir, &overrides, mode) {
        Ok(report) => {
            match mode {
                Mode::Build => println!("Built {report} -> {}", report.dest.display()),
                Mode::Check => println!("Checked {report}: no problems found"),
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            for e in err.all() {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

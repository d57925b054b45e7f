//! Shared helpers of the integration tests: fixture sites in temporary folders, running the
//! `rekindle` binary in them, and byte-for-byte snapshots of output folders.

// Each test crate uses only some of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The folder of a fixture case: `tests/fixtures/<case>`.
pub fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

/// The root of the repository (holding the real guide's book.toml).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the run succeeded, showing its stderr when it did not.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert_eq!(self.stderr, "", "a successful run printed to stderr");
        self
    }
}

/// `rekindle ARGS` in `dir`.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rekindle"));
    cmd.args(args).current_dir(dir);
    cmd
}

/// Runs `cmd` to completion and collects its exit code and output.
pub fn output(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the rekindle binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `rekindle ARGS` with `dir` as the current folder.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    output(&mut command(dir, args))
}

/// Builds the repository's own guide under its published address into `<tmp>/site`;
/// returns the temporary folder, the build dir and the run.
pub fn build_the_guide() -> (TempDir, PathBuf, Run) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dest = tmp.path().join("site");
    let root = repo_root();
    let run = run_in(
        tmp.path(),
        &[
            "build",
            root.to_str().expect("UTF-8 path"),
            "-d",
            dest.to_str().expect("UTF-8 path"),
            "--base-url",
            "https://example.github.io/rekindle/",
        ],
    );
    (tmp, dest, run)
}

/// A fixture site copied into a fresh temporary folder.
pub struct Site {
    dir: TempDir,
}

impl Site {
    /// A copy of `basic`, with the files of `tests/fixtures/<case>` copied over it.
    pub fn new(case: &str) -> Site {
        let dir = tempfile::Builder::new()
            .prefix("rekindle-test-")
            .tempdir()
            .expect("a temporary folder");
        copy_tree(&fixture("basic"), dir.path());
        let site = Site { dir };
        if case != "basic" {
            site.overlay(case);
        }
        site
    }

    /// The site's folder (holding book.toml).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the site's folder.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// The default build dir.
    pub fn public(&self) -> PathBuf {
        self.join("public")
    }

    /// Copies the files of `tests/fixtures/<case>` over the site.
    pub fn overlay(&self, case: &str) {
        let from = fixture(case);
        assert!(from.is_dir(), "no fixture case {}", from.display());
        copy_tree(&from, self.path());
    }

    /// `rekindle ARGS` with the site as the current folder, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        command(self.path(), args)
    }

    /// Runs `rekindle ARGS` with the site as the current folder.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), args)
    }

    /// Writes `bytes` to `rel`, creating its folder.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create the folder");
        }
        fs::write(&path, bytes).expect("write the file");
    }

    /// The text of `rel`.
    pub fn read(&self, rel: &str) -> String {
        let path = self.join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Deletes the file `rel`.
    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.join(rel)).expect("remove the file");
    }

    /// The entries of the site's folder whose names look like a staging or old build dir.
    pub fn leftovers(&self) -> Vec<String> {
        leftovers(self.path())
    }
}

/// Names in `dir` left behind by an interrupted or failed build (`.NAME.staging-*`,
/// `.NAME.old-*`).
pub fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with('.') && (n.contains(".staging-") || n.contains(".old-")))
        .collect();
    names.sort();
    names
}

/// Copies every file under `from` into `to`, replacing files that exist.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the folder");
    for entry in fs::read_dir(from).expect("read the fixture folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// Every file under `dir`, by `/`-separated relative path, with its bytes. Empty when `dir`
/// does not exist. Symlinks are listed (as `-> TARGET`) rather than followed.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if dir.exists() {
        collect(dir, "", &mut files);
    }
    files
}

fn collect(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).expect("read the output folder") {
        let entry = entry.expect("a folder entry");
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().expect("a file type");
        if kind.is_symlink() {
            let target = fs::read_link(entry.path()).expect("read the link");
            files.insert(rel, format!("-> {}", target.display()).into_bytes());
        } else if kind.is_dir() {
            collect(&entry.path(), &format!("{rel}/"), files);
        } else {
            files.insert(rel, fs::read(entry.path()).expect("read an output file"));
        }
    }
}

/// The relative paths of a snapshot.
pub fn names(snapshot: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    snapshot.keys().map(String::as_str).collect()
}

/// Asserts `line` is `Built P pages, S sections, A assets in N ms -> DEST` with any N.
#[track_caller]
pub fn assert_summary(stdout: &str, counts: &str, dest: &str) {
    let line = stdout
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("the summary ends with a newline: {stdout:?}"));
    assert!(
        !line.contains('\n'),
        "one summary line expected: {stdout:?}"
    );
    let rest = line
        .strip_prefix(&format!("Built {counts} in "))
        .unwrap_or_else(|| panic!("unexpected summary: {line:?}"));
    let ms = rest
        .strip_suffix(&format!(" ms -> {dest}"))
        .unwrap_or_else(|| panic!("unexpected summary: {line:?}"));
    assert!(
        !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit()),
        "unexpected duration in {line:?}"
    );
}

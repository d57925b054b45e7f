//! The benchmark corpus: deterministic, and a 1,000-page site builds cleanly with a search
//! index within its budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../benches/build/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::process::Command;

#[test]
fn the_generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    corpus::generate(a.path(), 200, 7).unwrap();
    corpus::generate(b.path(), 200, 7).unwrap();
    let (left, right) = (common::snapshot(a.path()), common::snapshot(b.path()));
    assert_eq!(left.len(), 200 + corpus::SECTIONS + 1 + 8 + 1);
    assert!(left == right, "the same seed writes the same files");
    let c = tempfile::tempdir().unwrap();
    corpus::generate(c.path(), 200, 8).unwrap();
    assert!(
        common::snapshot(c.path()) != left,
        "another seed writes another site"
    );
}

#[test]
fn a_generated_thousand_page_site_builds_without_error() {
    let site = tempfile::tempdir().unwrap();
    corpus::generate(site.path(), 1000, 42).unwrap();
    let out = site.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_rekindle"))
        .arg("build")
        .arg(site.path())
        .arg("-d")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("Built 1000 pages, 11 sections"));
    let index = std::fs::metadata(out.join("search-index.json"))
        .unwrap()
        .len();
    assert!(
        index < 2 * 1024 * 1024,
        "search index of 1,000 pages: {index} bytes"
    );
    assert_eq!(
        stderr, "",
        "a clean build: no lint warning, index within budget"
    );
    eprintln!("search index of the 1,000-page site: {index} bytes");
}

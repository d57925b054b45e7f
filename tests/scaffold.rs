//! `rekindle init` and `rekindle new` from the command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;

#[test]
fn init_then_new_then_build() {
    let tmp = tempfile::tempdir().unwrap();
    let run = common::run_in(tmp.path(), &["init", "guide", "--title", "Test guide"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with("Created a guide in guide ("),
        "{}",
        run.stdout
    );
    for file in [
        "book.toml",
        "content/_index.md",
        ".github/workflows/pages.yml",
        ".gitignore",
        "themes/default/templates/page.html",
    ] {
        assert!(tmp.path().join("guide").join(file).is_file(), "{file}");
    }
    let run = common::run_in(
        tmp.path(),
        &[
            "build",
            "guide",
            "--base-url",
            "https://example.github.io/guide/",
        ],
    );
    run.assert_ok();
    assert_eq!(run.stderr, "", "a new guide builds without a warning");
    let run = common::run_in(
        tmp.path(),
        &[
            "new",
            "guide/03-third.md",
            "--title",
            "Third step",
            "--dir",
            "guide",
        ],
    );
    run.assert_ok();
    let page = fs::read_to_string(tmp.path().join("guide/content/guide/03-third.md")).unwrap();
    assert!(page.starts_with("---\ntitle: Third step\n"), "{page}");
    assert!(
        page.contains("\nweight: 3\n"),
        "the next weight in its section: {page}"
    );
    let run = common::run_in(
        tmp.path(),
        &[
            "build",
            "guide",
            "--base-url",
            "https://example.github.io/guide/",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("Built 3 pages"), "{}", run.stdout);
    // The new page opens with a paragraph, which serves as its summary: nothing to warn of.
    assert_eq!(run.stderr, "", "a new page needs no fixing");
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let run = common::run_in(tmp.path(), &["init", "."]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: .: the folder is not empty"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing was written"
    );
}

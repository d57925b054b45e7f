//! Markdown as guides written for mdBook, Hugo or GitHub use it: each case is a fixture
//! site (`tests/fixtures/<case>/` over `basic`) built by the real binary.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::Site;

/// Builds the case and returns the HTML of `file` in the build dir.
fn built(case: &str, file: &str) -> String {
    let site = Site::new(case);
    site.run(&["build"]).assert_ok();
    site.read(&format!("public/{file}"))
}

#[test]
fn heading_ids_follow_github_s_rule() {
    let page = built("heading-ids", "guide/second/index.html");
    for id in ["whats-new", "--open", "snake_case", "second-point"] {
        assert!(
            page.contains(&format!("<h2 id=\"{id}\">")),
            "no #{id} in\n{page}"
        );
    }
}

#[test]
fn a_repeated_explicit_id_is_an_error_at_its_line() {
    let site = Site::new("repeated-explicit-id");
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: content/guide/02-second.md:11:1: the id `point` is given to an earlier heading too
   |
11 | ## Another point {#point}
   | ^
  = help: give each heading its own `{#id}`: a link to it could lead to either
"
    );
    assert!(!site.public().exists());
}

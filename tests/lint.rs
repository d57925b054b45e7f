//! The content lint: warnings with `path:line:col` on build and check, errors with --strict.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Site;

const WARNINGS: &str = "warning: content/guide/02-second.md:2:1: the title `First page` is also the title of content/guide/01-first.md
  = help: give each page its own title: readers and search engines tell pages apart by it
warning: content/guide/02-second.md:4:1: figure `Couples who reunite` has no unit
  = help: add `unit: \"%\"` (or what the value counts)
warning: content/guide/02-second.md:14:1: image without alt text
  = help: describe what the image shows: ![a bar chart of ...](file.png)
warning: content/guide/02-second.md:14:22: link text `click here` does not say where it leads
  = help: name the destination: [the installation guide](...)
warning: content/guide/02-second.md:16:1: heading level skips from h2 to h4
  = help: use h3 here, or add the level in between
";

#[test]
fn build_and_check_report_lint_warnings_and_succeed() {
    let site = Site::new("lint");
    for command in ["build", "check"] {
        let run = site.run(&[command]);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        assert_eq!(run.stderr, WARNINGS, "{command}");
    }
    assert!(site.public().join("guide/second/index.html").is_file());
}

#[test]
fn strict_turns_warnings_into_errors_and_keeps_the_previous_output() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let before = common::snapshot(&site.public());
    site.overlay("lint");
    let run = site.run(&["build", "--strict"]);
    assert_eq!(run.code, 1);
    let errors = WARNINGS.replace("warning: ", "error: ");
    assert_eq!(run.stderr, format!("{errors}5 errors\n"));
    assert!(common::snapshot(&site.public()) == before);
    assert_eq!(site.run(&["check", "--strict"]).code, 1);
}

/// `check` prints the warnings even when there are errors, and ends with the count; it says
/// "no problems found" only when there are none.
#[test]
fn check_counts_errors_and_warnings() {
    let site = Site::new("lint");
    let run = site.run(&["check"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.ends_with(": 5 warnings\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("no problems found"));
    site.write(
        "content/guide/01-first.md",
        "---\ntitle: First page\nweight: 1\n---\n\n[gone](nowhere.md)\n",
    );
    let run = site.run(&["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with(WARNINGS), "{}", run.stderr);
    assert!(
        run.stderr.ends_with("1 error, 5 warnings\n"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn a_clean_site_has_no_warnings() {
    let run = Site::new("basic").run(&["build", "--strict"]);
    run.assert_ok();
    assert_eq!(run.stderr, "");
}

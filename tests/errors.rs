//! Every bad input a user can give `rekindle build` / `rekindle check`: each asserts the exact
//! message (path:line:col included), exit code 1, and that the previous output stays intact.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::fs;

use common::{Site, run_in, snapshot};

/// Builds `basic`, applies `change`, and asserts that `build` fails with exactly `expected` on
/// stderr, leaving the previous output byte for byte as it was and no staging folder behind.
#[track_caller]
fn assert_build_fails(change: impl FnOnce(&Site), expected: &str) -> Site {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let before = snapshot(&site.public());
    assert!(
        before.contains_key("index.html"),
        "the first build wrote nothing"
    );
    change(&site);

    let run = site.run(&["build"]);
    assert_eq!(run.stderr, expected, "stderr of `rekindle build`");
    assert_eq!(run.code, 1, "exit code of `rekindle build`");
    assert_eq!(run.stdout, "", "stdout of a failed build");
    assert!(
        snapshot(&site.public()) == before,
        "a failed build changed the previous output"
    );
    assert_eq!(
        site.leftovers(),
        Vec::<String>::new(),
        "leftover staging folders"
    );
    site
}

/// Asserts that `rekindle check` reports exactly `expected` and writes nothing.
#[track_caller]
fn assert_check_fails(site: &Site, expected: &str) {
    let before = snapshot(site.path());
    let run = site.run(&["check"]);
    assert_eq!(run.stderr, expected, "stderr of `rekindle check`");
    assert_eq!(run.code, 1, "exit code of `rekindle check`");
    assert_eq!(run.stdout, "", "stdout of a failed check");
    assert!(
        snapshot(site.path()) == before,
        "`rekindle check` wrote files"
    );
}

/// The fixture overlay `case` breaks the site: build and check both report `expected`.
#[track_caller]
fn assert_case_fails(case: &str, expected: &str) {
    assert_case_fails_with(|s| s.overlay(case), expected);
}

#[track_caller]
fn assert_case_fails_with(change: impl FnOnce(&Site), expected: &str) {
    let site = assert_build_fails(change, expected);
    assert_check_fails(&site, expected);
}

const FIRST: &str = "content/guide/01-first.md";

#[test]
fn malformed_yaml() {
    assert_case_fails(
        "malformed-yaml",
        "error: content/guide/01-first.md:3:7: did not find expected ',' or ']', while parsing a flow sequence
  |
3 | tags: [alpha, beta
  |       ^
  = help: this `[` list is not closed: end it with `]`, or quote the value if it is text
",
    );
}

#[test]
fn unknown_field() {
    assert_case_fails(
        "unknown-field",
        "error: content/guide/01-first.md:3:1: unknown field `wieght`
  |
3 | wieght: 1
  | ^
  = help: did you mean `weight`? Known fields: title, description, weight, date, updated, authors, tags, draft, slug, template, figures, sources, aliases, extra; free values for templates go under `extra:`
",
    );
}

/// A page brought from Hugo has several keys rekindle does not know: one run names them all.
#[test]
fn every_unknown_field_in_one_run() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    site.write(
        "content/guide/03-hugo.md",
        "---\ntitle: From Hugo\nlayout: docs\nweight: 3\ntoc: true\nmenu: main\n---\nText.\n",
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    let firsts: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        firsts,
        [
            "error: content/guide/03-hugo.md:3:1: unknown field `layout`",
            "error: content/guide/03-hugo.md:5:1: unknown field `toc`",
            "error: content/guide/03-hugo.md:6:1: unknown field `menu`",
        ]
    );
    assert_eq!(run.stderr.matches("go under `extra:`").count(), 3);
}

#[test]
fn wrong_type() {
    assert_case_fails(
        "wrong-type",
        "error: content/guide/01-first.md:3:9: `weight`: invalid type: string \"heavy\", expected a whole number
  |
3 | weight: heavy
  |         ^
",
    );
}

#[test]
fn missing_title() {
    assert_case_fails(
        "missing-title",
        "error: content/guide/01-first.md:2:1: missing field `title`
  |
2 | weight: 1
  | ^
  = help: every page and section needs `title: ...` in its front matter
",
    );
}

#[test]
fn bad_date() {
    assert_case_fails(
        "bad-date",
        "error: content/guide/01-first.md:3:7: invalid date `2025-13-45`: write a date as YYYY-MM-DD (2025-01-22) or a date-time as RFC 3339 (2025-01-22T09:30:00Z)
  |
3 | date: 2025-13-45
  |       ^
",
    );
}

#[test]
fn invalid_utf8() {
    let expected = "error: content/guide/01-first.md:5:5: the file is not valid UTF-8
  = help: save the file with UTF-8 encoding
";
    assert_case_fails_with(
        |s| s.write(FIRST, b"---\ntitle: A\n---\n\nbad \xff byte\n"),
        expected,
    );
}

#[test]
fn duplicate_url() {
    assert_case_fails(
        "duplicate-url",
        "error: content/guide/first.md: this file and content/guide/01-first.md both map to the same output `guide/first/index.html`
  = help: give one of them another file name or a `slug`
",
    );
}

#[test]
fn broken_link() {
    assert_case_fails(
        "broken-link",
        "error: content/guide/02-second.md:8:10: broken link `03-third.md`: there is no such content file
  = help: link to a page with the path of its .md file relative to this file, e.g. `../steps/01-accept.md`
",
    );
}

#[test]
fn broken_anchor() {
    assert_case_fails(
        "broken-anchor",
        "error: content/guide/02-second.md:8:9: broken link `01-first.md#no-such-heading`: `/guide/guide/first/` has no anchor `#no-such-heading`
  = help: an anchor is the id of a heading on the target page: `## What's new` has `#whats-new`
",
    );
}

#[test]
fn broken_anchor_on_the_same_page() {
    assert_case_fails_with(
        |s| {
            s.write(
                FIRST,
                "---\ntitle: First\n---\n\n## Face reality\n\n## Face reality\n\nSee [above](#face-reality) and [below](#nowhere).\n",
            )
        },
        "error: content/guide/01-first.md:9:32: broken link `#nowhere`: `/guide/guide/first/` has no anchor `#nowhere`
  = help: an anchor is the id of a heading on the target page: `## What's new` has `#whats-new`
",
    );
}

/// Regression: the link checker decoded only seven named character references, so a
/// template's `href="&#47;guide&#47;"` or `&sol;` was a false broken link. Every reference
/// is decoded now, and a broken link written with them is still reported.
#[test]
fn template_links_written_with_character_references() {
    const PAGE: &str = "themes/default/templates/page.html";
    let with = |links: &str| {
        let template = fs::read_to_string(common::fixture("basic").join(PAGE)).unwrap();
        template.replace(
            "{% endblock main %}",
            &format!("{links}{{% endblock main %}}"),
        )
    };
    let good = with(
        "<a href=\"&#47;guide&#47;\">Home</a> <a href=\"&sol;guide&sol;tags&sol;\">Tags</a>\
         <a href='&#x2F;guide&#X2f;guide/first&#47;&num;face-reality-1'>First</a>\
         <a href=&period;&period;&sol;second&sol;#second-point>Second</a>",
    );
    let site = Site::new("basic");
    site.write(PAGE, &good);
    site.run(&["build"]).assert_ok();
    assert!(
        site.read("public/guide/first/index.html")
            .contains("&sol;guide&sol;tags&sol;")
    );

    let broken = with("<a href=\"&sol;guide&sol;guide&sol;third&#47;\">Third</a>");
    assert_case_fails_with(
        |s| s.write(PAGE, &broken),
        "error: themes/default/templates/page.html: broken link `/guide/guide/third/` in `guide/first/index.html`: no page or file at `/guide/guide/third/`
  = help: while rendering content/guide/01-first.md; build links with url(path=...)
error: themes/default/templates/page.html: broken link `/guide/guide/third/` in `guide/second/index.html`: no page or file at `/guide/guide/third/`
  = help: while rendering content/guide/02-second.md; build links with url(path=...)
2 errors
",
    );
}

#[test]
fn missing_template() {
    assert_case_fails(
        "missing-template",
        "warning: content/guide/02-second.md:1:1: the page has no description and no opening paragraph
  = help: add `description: ...` or open the page with a paragraph: it is the summary shown in search results and social previews
error: content/guide/02-second.md:4:1: template `fancy.html` does not exist in the theme
  = help: name a file of the theme's templates/ folder, or remove the field to use page.html
1 error, 1 warning
",
    );
}

#[test]
fn template_syntax_error() {
    assert_case_fails(
        "template-syntax",
        "error: themes/default/templates/page.html:4:7: Found `%}` but expected one of: integer, float, string, bool, ident, `-`, `not`, `<`, `{`, `[` or `(`
  |
4 | {% if %}
  |       ^
",
    );
}

#[test]
fn template_runtime_error() {
    assert_case_fails(
        "template-runtime",
        "error: themes/default/templates/page.html:4:12: Field `missing` is not defined. Available fields: authors, breadcrumbs, content, date, description, extra, figures, kicker, next, next_in_section, path, permalink, position, prev, prev_in_section, reading_time, section, section_length, sources, summary, tags, title, title_html, toc, updated, weight, word_count
  |
4 | <p>{{ page.missing.field }}</p>
  |            ^
  = help: while rendering content/guide/01-first.md
",
    );
}

const INSIDE_CONTENT: &str =
    "error: content/out: the build dir overlaps the content folder `content`
  = help: choose another build dir with -d/--dest-dir or `build-dir` in book.toml
";

#[test]
fn build_dir_inside_content() {
    let site = assert_build_fails(|s| s.overlay("build-dir-inside-content"), INSIDE_CONTENT);
    assert!(!site.join("content/out").exists());
}

#[test]
fn check_reports_build_dir_inside_content() {
    let site = Site::new("build-dir-inside-content");
    assert_check_fails(&site, INSIDE_CONTENT);
}

#[test]
fn figures_without_sources() {
    assert_case_fails(
        "figures-without-sources",
        "error: content/guide/02-second.md:4:1: this page has `figures` but no `sources`
  = help: add `sources:` with the `publisher` and `url` the figures come from
",
    );
}

#[test]
fn unknown_book_toml_key() {
    assert_case_fails(
        "unknown-config-key",
        "error: book.toml:3:1: unknown field `author`
  |
3 | author = [\"Ada\"]
  | ^
  = help: did you mean `authors`? Known fields: title, authors, description, language
",
    );
}

#[test]
fn missing_home_page() {
    assert_case_fails_with(
        |s| s.remove("content/_index.md"),
        "error: content/_index.md: the home page is missing
  = help: create it with front matter `title: ...`; it becomes index.html
",
    );
}

const FOREIGN: &str =
    "error: public: the build dir is not empty and was not written by rekindle; nothing was deleted
  = help: move its files elsewhere, or choose another build dir with -d/--dest-dir
";

#[test]
fn non_empty_foreign_build_dir_is_refused() {
    let site = Site::new("basic");
    site.write("public/notes.txt", "my notes\n");
    let run = site.run(&["build"]);
    assert_eq!(run.stderr, FOREIGN);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    let left = snapshot(&site.public());
    assert_eq!(common::names(&left), ["notes.txt"]);
    assert_eq!(left["notes.txt"], b"my notes\n");
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn own_previous_output_is_replaced() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    assert!(site.join("public/.rekindle").is_file());
    site.write("public/stale.html", "old");
    site.run(&["build"]).assert_ok();
    assert!(!site.join("public/stale.html").exists());
    assert!(site.join("public/index.html").is_file());
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn empty_foreign_build_dir_is_used() {
    let site = Site::new("basic");
    fs::create_dir(site.public()).expect("create public/");
    site.run(&["build"]).assert_ok();
    assert!(site.join("public/index.html").is_file());
}

#[test]
fn build_dir_is_the_project_root() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let before = snapshot(site.path());
    let run = site.run(&["build", "-d", "."]);
    assert_eq!(
        run.stderr,
        "error: .: the build dir would replace the project folder
  = help: choose another build dir with -d/--dest-dir or `build-dir` in book.toml
"
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        snapshot(site.path()) == before,
        "the project folder changed"
    );
}

#[test]
fn build_dir_is_a_file() {
    let site = Site::new("basic");
    site.write("out", "a file\n");
    let run = site.run(&["build", "-d", "out"]);
    assert_eq!(
        run.stderr,
        "error: out: the build dir exists and is not a folder
  = help: choose another build dir with -d/--dest-dir or `build-dir` in book.toml
"
    );
    assert_eq!(run.code, 1);
    assert_eq!(site.read("out"), "a file\n");
}

#[test]
fn no_book_toml() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let expected = "error: book.toml: no book.toml here: this is not a rekindle project
  = help: run rekindle in the folder that holds book.toml, or name it: `rekindle build DIR`
";
    for command in ["build", "check"] {
        let run = run_in(dir.path(), &[command]);
        assert_eq!(run.stderr, expected, "{command}");
        assert_eq!(run.code, 1, "{command}");
        assert_eq!(run.stdout, "", "{command}");
    }
    assert!(snapshot(dir.path()).is_empty(), "files were written");
    assert_eq!(common::leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let site = Site::new("basic");
    let run = site.run(&["build", "--frobnicate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: unexpected argument '--frobnicate' found\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Usage: rekindle build [OPTIONS] [DIR]"),
        "{}",
        run.stderr
    );
    assert!(!site.public().exists());
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let site = Site::new("basic");
    let run = site.run(&["frobnicate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: unrecognized subcommand 'frobnicate'\n"),
        "{}",
        run.stderr
    );
    assert!(!site.public().exists());
}

#[test]
fn check_on_a_good_site_writes_nothing() {
    let site = Site::new("basic");
    let before = snapshot(site.path());
    let run = site.run(&["check"]);
    run.assert_ok();
    let line = run.stdout.strip_suffix('\n').expect("one line");
    let ms = line
        .strip_prefix("Checked 2 pages, 2 sections, 2 assets in ")
        .and_then(|rest| rest.strip_suffix(" ms: no problems found"))
        .unwrap_or_else(|| panic!("unexpected summary {line:?}"));
    assert!(ms.parse::<u64>().is_ok(), "{line:?}");
    assert!(!site.public().exists(), "check created public/");
    assert!(snapshot(site.path()) == before, "check wrote files");
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

/// Raw HTML links are rewritten and checked as Markdown links are; a broken one is located
/// at its attribute, across the lines of an HTML block, and reported once: not again from
/// the one-page guide (this case's theme has `all.html`), which holds the same content.
#[test]
fn a_broken_link_in_raw_html_is_reported_once_at_its_line() {
    assert_case_fails(
        "raw-html-broken",
        "error: content/guide/02-second.md:11:13: broken link `missing.png`: no page or file at `/guide/guide/missing.png`
  = help: a path is read from this file's folder: link to a page by its .md file, to a picture by its file in the content folder
error: content/guide/02-second.md:14:18: broken link `01-first.md#no-such`: `/guide/guide/first/` has no anchor `#no-such`
  = help: an anchor is the id of a heading on the target page: `## What's new` has `#whats-new`
error: content/guide/02-second.md:16:63: broken link `missing.png`: no page or file at `/guide/guide/missing.png`
  = help: a path is read from this file's folder: link to a page by its .md file, to a picture by its file in the content folder
error: content/guide/02-second.md:16:79: broken link `missing@2x.png`: no page or file at `/guide/guide/missing@2x.png`
  = help: a path is read from this file's folder: link to a page by its .md file, to a picture by its file in the content folder
4 errors
",
    );
}

#[test]
fn a_link_to_a_draft_says_it_is_one() {
    assert_case_fails(
        "draft-link",
        "error: content/guide/02-second.md:9:6: broken link `03-draft.md`: `guide/03-draft.md` is a draft (`draft: true`), left out of this build
  = help: build with `--drafts` to include drafts, or remove `draft: true` from it when it is ready
",
    );
    let site = Site::new("draft-link");
    site.run(&["build", "--drafts"]).assert_ok();
}

/// `[x](<no such page.md>)` is written to the HTML as `no%20such%20page.md`: it is still
/// found at its line.
#[test]
fn a_broken_link_in_angle_brackets_is_located() {
    assert_case_fails(
        "angle-link",
        "error: content/guide/02-second.md:9:6: broken link `no such page.md`: there is no such content file
  = help: link to a page with the path of its .md file relative to this file, e.g. `../steps/01-accept.md`
",
    );
}

#[test]
fn a_mistyped_anchor_gets_a_suggestion() {
    assert_case_fails(
        "anchor-typo",
        "error: content/guide/02-second.md:9:9: broken link `01-first.md#face-realty`: `/guide/guide/first/` has no anchor `#face-realty`; did you mean `#face-reality`?
  = help: an anchor is the id of a heading on the target page: `## What's new` has `#whats-new`
",
    );
}

/// A `.md` link to nothing names the content file it most likely meant: the nearest path,
/// or, for mdBook's `README.md`, the folder's `_index.md`.
#[test]
fn a_mistyped_md_link_names_the_file_it_likely_meant() {
    assert_case_fails(
        "mistyped-md-link",
        "error: content/guide/02-second.md:9:9: broken link `01-frist.md`: there is no such content file; did you mean `01-first.md`?
  = help: link to a page with the path of its .md file relative to this file, e.g. `../steps/01-accept.md`
error: content/guide/02-second.md:9:49: broken link `README.md`: there is no such content file; did you mean `_index.md`?
  = help: a section's own page is its `_index.md` (where mdBook has README.md and Hugo has _index.md or index.md)
2 errors
",
    );
}

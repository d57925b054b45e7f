//! Figures as the source states them: a figure's `qualifier` goes before its value wherever
//! the value is shown (the chart, its text alternative, the one-page guide), its `note` goes
//! into the chart's caption, both are escaped, and a misspelled or mistyped figure field is
//! an error naming the file and line.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::{Site, copy_tree, repo_root};

const PAGE: &str = "content/guide/03-numbers.md";

/// The `basic` fixture with the real theme and a page of `figures` (YAML list items).
fn site_with_figures(figures: &str) -> Site {
    let site = Site::new("basic");
    copy_tree(&repo_root().join("themes"), &site.join("themes"));
    site.write(
        PAGE,
        format!(
            "---\ntitle: Numbers\ndescription: Two numbers.\nweight: 3\nfigures:\n{figures}sources:\n  - publisher: Example Weekly\n    url: https://example.com/\n---\n\nText.\n"
        ),
    );
    site
}

#[test]
fn a_qualifier_goes_before_the_value_and_a_note_into_the_caption() {
    let site = site_with_figures(
        "  - label: Couples who reunite\n    value: 50\n    unit: \"%\"\n    qualifier: about\n  - label: Couples who last\n    value: 15\n    unit: \"%\"\n    note: The source does not say of <em>which</em> couples.\n  - label: Plain\n    value: 7\n    unit: \"%\"\n    qualifier: \"\"\n",
    );
    site.run(&["build"]).assert_ok();
    let page = site.read("public/guide/numbers/index.html");
    assert!(
        page.contains("Couples who reunite: about 50%; Couples who last: 15%; Plain: 7%."),
        "the chart's text alternative gives each value as stated:\n{page}"
    );
    assert!(
        page.contains(r#"text-anchor="end">about 50%</text>"#),
        "the bar of 50% says `about 50%`:\n{page}"
    );
    assert!(
        page.contains(r#"">15%</text>"#) && page.contains(r#"">7%</text>"#),
        "a figure without a qualifier shows its bare value:\n{page}"
    );
    assert!(
        page.contains(
            "<figcaption>The source does not say of &lt;em&gt;which&lt;/em&gt; couples. Source: "
        ),
        "the note opens the caption, escaped:\n{page}"
    );
    let all = site.read("public/all/index.html");
    assert!(
        all.contains("Couples who reunite: <strong>about 50%</strong></li>"),
        "the one-page guide gives the value as stated:\n{all}"
    );
    assert!(
        all.contains("Couples who last: <strong>15%</strong>. The source does not say of"),
        "the one-page guide gives the note:\n{all}"
    );
}

#[test]
fn long_labels_are_wrapped_into_lines_of_the_chart() {
    let site = site_with_figures(
        "  - label: Couples who get back together after a breakup\n    value: 50\n    unit: \"%\"\n",
    );
    site.run(&["build"]).assert_ok();
    let page = site.read("public/guide/numbers/index.html");
    assert!(
        page.contains(r#"<tspan x="0" y="15">Couples who get back</tspan><tspan x="0" y="34">together after a breakup</tspan>"#),
        "the label is in two lines:\n{page}"
    );
}

#[test]
fn a_misspelled_figure_field_is_an_error_naming_file_and_line() {
    let site = site_with_figures("  - label: Couples\n    value: 50\n    qualifer: about\n");
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: content/guide/03-numbers.md:8:5: `figures[0]`: unknown field `qualifer`, expected one of `label`, `value`, `unit`, `qualifier`, `note`
  |
8 |     qualifer: about
  |     ^
"
    );
}

#[test]
fn a_figure_field_of_the_wrong_type_is_an_error_naming_file_and_line() {
    let site = site_with_figures("  - label: Couples\n    value: about 50\n");
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: content/guide/03-numbers.md:7:12: `figures[0].value`: invalid type: string \"about 50\", expected a number
  |
7 |     value: about 50
  |            ^
"
    );
    let site = site_with_figures("  - label: Couples\n    value: 50\n    note: [a, b]\n");
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: content/guide/03-numbers.md:8:11: `figures[0].note`: invalid type: sequence, expected a string
  |
8 |     note: [a, b]
  |           ^
"
    );
}

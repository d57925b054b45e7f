//! The default theme, built with the real binary on fixture sites: templates that read the
//! content's own settings (the section counter, the top-level parts, whether there is a feed).

// Test code: failing loudly is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{Site, snapshot};

/// The fixture `case` (over `basic`) with the repository's default theme instead of its own.
fn themed(case: &str) -> Site {
    let site = Site::new(case);
    let theme = common::repo_root().join("themes/default");
    common::copy_tree(&theme, &site.join("themes/default"));
    site
}

/// Builds `site` with `args` after `build`, asserting a clean success.
fn build(site: &Site, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    site.run(&all).assert_ok();
    snapshot(&site.public())
}

fn text(files: &BTreeMap<String, Vec<u8>>, rel: &str) -> String {
    let bytes = (files.get(rel)).unwrap_or_else(|| panic!("{rel} was not written"));
    String::from_utf8(bytes.clone()).expect("UTF-8 output")
}

/// The HTML files of a snapshot, by name.
fn html(files: &BTreeMap<String, Vec<u8>>) -> impl Iterator<Item = (&String, String)> {
    (files.iter())
        .filter(|(name, _)| name.ends_with(".html"))
        .map(|(name, bytes)| (name, String::from_utf8_lossy(bytes).into_owned()))
}

/// The text between `start` (included) and the next `end` (included) in `html`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)?;
    let to = html[from..].find(end)? + from + end.len();
    Some(&html[from..to])
}

#[test]
fn a_site_without_dates_writes_no_feed_and_links_none() {
    let site = themed("no-date");
    let files = build(&site, &["--manifest", "manifest.txt"]);
    assert!(!files.contains_key("atom.xml"), "an empty feed was written");
    for (name, page) in html(&files) {
        assert!(!page.contains("atom.xml"), "{name} links a feed");
    }
    let manifest = site.read("manifest.txt");
    assert!(!manifest.contains("atom.xml"), "{manifest}");
    assert!(manifest.contains("  sitemap.xml\n"), "{manifest}");

    // The same site with a dated page has its feed, linked from every page's head.
    let dated = themed("basic");
    let files = build(&dated, &[]);
    assert!(text(&files, "atom.xml").contains("<updated>2025-01-22T00:00:00Z</updated>"));
    let link = r#"<link rel="alternate" type="application/atom+xml" title="Fixture Guide" href="/guide/atom.xml">"#;
    for (name, page) in html(&files) {
        assert!(page.contains(link), "{name} does not link the feed");
    }
}

#[test]
fn the_section_counter_not_the_title_makes_step_numbers() {
    let site = themed("counter");
    let files = build(&site, &[]);
    let counted = text(&files, "guide/index.html");
    assert!(
        counted.contains(r#"<span class="num">Step 1:</span> First page"#),
        "{counted}"
    );
    assert!(counted.contains(r#"<span class="num">Step 2:</span> Second page"#));
    let uncounted = text(&files, "steps-apart/index.html");
    assert!(uncounted.contains("The only page"), "{uncounted}");
    assert!(!uncounted.contains("Step 1"), "{uncounted}");
    let page = text(&files, "steps-apart/only/index.html");
    assert!(
        page.contains(r#"<p class="kicker">1 of 1 in Steps apart</p>"#),
        "{page}"
    );
    let step = text(&files, "guide/second/index.html");
    assert!(
        step.contains(r#"<p class="kicker">Step 2 of 2</p>"#),
        "{step}"
    );
}

#[test]
fn the_404_page_lists_every_top_level_part() {
    let site = themed("counter");
    let files = build(&site, &[]);
    let page = text(&files, "404.html");
    let list = between(&page, r#"<ul class="page-list">"#, "</ul>").expect("a list of parts");
    let parts: Vec<&str> = list
        .split("<li><a href=\"")
        .skip(1)
        .map(|item| item.split('"').next().unwrap_or_default())
        .collect();
    assert_eq!(
        parts,
        ["/guide/guide/", "/guide/steps-apart/", "/guide/closing/"],
        "{list}"
    );
}

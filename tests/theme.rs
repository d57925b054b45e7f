//! The default theme, built with the real binary on fixture sites, on a generated large site
//! and on the guide: a guide navigation that does not grow with the site, share links on
//! every page, templates that read the content's own settings (the section counter, the
//! top-level parts, whether there is a feed), and structured data (JSON-LD) on every page.

// Test code: failing loudly is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;
#[path = "../benches/build/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::collections::BTreeMap;
use std::fs;

use common::{Site, snapshot};
use serde_json::Value;

/// Each page, HTML plus everything it loads, must weigh at most this (uncompressed).
const PAGE_BUDGET: usize = 40 * 1024;

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
    // Section pages list their pages once, in the navigation, with no numbering of
    // their own to get wrong.
    let counted = text(&files, "guide/index.html");
    assert!(!counted.contains("Step 1:"), "{counted}");
    let uncounted = text(&files, "steps-apart/index.html");
    assert!(uncounted.contains("The only page"), "{uncounted}");
    assert!(!uncounted.contains("Step 1"), "{uncounted}");
    let first = text(&files, "guide/first/index.html");
    assert!(
        first.contains(r#"<p class="kicker">Step 1 of 2</p>"#),
        "{first}"
    );
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

#[test]
fn share_links_are_on_the_home_sections_and_pages() {
    let site = themed("basic");
    let files = build(&site, &[]);
    for (file, permalink) in [
        ("index.html", "https://example.github.io/guide/"),
        ("guide/index.html", "https://example.github.io/guide/guide/"),
        (
            "guide/first/index.html",
            "https://example.github.io/guide/guide/first/",
        ),
    ] {
        let page = text(&files, file);
        let share = between(&page, r#"<section class="share""#, "</section>")
            .unwrap_or_else(|| panic!("{file} has no share links"));
        let encoded = permalink.replace(':', "%3A").replace('/', "%2F");
        for host in ["www.facebook.com", "x.com", "www.linkedin.com"] {
            let link = format!(r#"<a href="https://{host}/"#);
            assert!(share.contains(&link), "{file}: no {host} link in {share}");
        }
        assert_eq!(share.matches(&encoded).count(), 3, "{file}: {share}");
    }
}

/// The structured data of an HTML page: the JSON of its `application/ld+json` script.
fn json_ld(page: &str) -> Option<Value> {
    let script = between(page, r#"<script type="application/ld+json">"#, "</script>")?;
    let json = &script[script.find('>')? + 1..script.len() - "</script>".len()];
    Some(serde_json::from_str(json).unwrap_or_else(|e| panic!("invalid JSON-LD ({e}): {json}")))
}

/// The item of `@type` `kind` in a JSON-LD `@graph`.
fn of_type<'a>(data: &'a Value, kind: &str) -> Option<&'a Value> {
    (data["@graph"].as_array()?)
        .iter()
        .find(|thing| thing["@type"] == kind)
}

#[test]
fn a_title_cannot_break_out_of_the_json_ld() {
    let site = themed("script-title");
    let files = build(&site, &[]);
    let page = text(&files, "guide/first/index.html");
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert_eq!(
        page.matches("</script>").count(),
        2,
        "JSON-LD and search.js"
    );
    let data = json_ld(&page).expect("JSON-LD on the page");
    let article = of_type(&data, "Article").expect("an Article");
    assert_eq!(
        article["headline"],
        "Break </script><script>alert(1)</script> out"
    );
    assert!(article.get("datePublished").is_none(), "{article}");
    let dated = json_ld(&text(&files, "guide/second/index.html")).expect("JSON-LD");
    let dated = of_type(&dated, "Article").expect("an Article");
    assert_eq!(
        dated["datePublished"], "2025-01-22",
        "the source's own date"
    );
}

/// Builds the guide itself into a temporary folder under its published address.
fn the_guide() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let (tmp, dest, run) = common::build_the_guide();
    run.assert_ok();
    let files = snapshot(&dest);
    (tmp, files)
}

/// Checks an `Article`'s required properties; returns its headline.
fn check_article(file: &str, data: &Value) -> String {
    assert_eq!(data["@context"], "https://schema.org", "{file}");
    let article = of_type(data, "Article").unwrap_or_else(|| panic!("{file}: no Article"));
    let headline = article["headline"].as_str().expect("a headline");
    assert!(!headline.is_empty(), "{file}");
    assert!(
        article["description"]
            .as_str()
            .is_some_and(|d| d.len() > 20)
    );
    assert_eq!(
        article["author"],
        serde_json::json!([{"@type": "Person", "name": "Jack Bush"}]),
        "{file}"
    );
    // The source is dated "Jan 22", with no year: no date is made up.
    assert!(article.get("datePublished").is_none(), "{file}: {article}");
    assert!(
        (article["url"].as_str()).is_some_and(|u| u.starts_with("https://example.github.io/")),
        "{file}"
    );
    headline.to_string()
}

#[test]
fn every_part_of_the_guide_carries_json_ld_and_the_steps_a_how_to() {
    let (_tmp, files) = the_guide();
    let mut checked = 0;
    for (file, page) in html(&files) {
        if file == "404.html" || file.starts_with("tags/") || file.starts_with("all/") {
            continue;
        }
        let data = json_ld(&page).unwrap_or_else(|| panic!("{file} has no JSON-LD"));
        let headline = check_article(file, &data);
        assert!(
            page.contains(&format!(">{headline}</h1>")),
            "{file}: {headline}"
        );
        let crumbs = of_type(&data, "BreadcrumbList");
        if file == "index.html" {
            assert!(crumbs.is_none(), "the home has no breadcrumbs");
        } else {
            let items =
                crumbs.unwrap_or_else(|| panic!("{file}: no BreadcrumbList"))["itemListElement"]
                    .as_array()
                    .expect("a list")
                    .clone();
            assert!(items.len() >= 2, "{file}");
            assert_eq!(items[0]["item"], "https://example.github.io/rekindle/");
            let last = &items[items.len() - 1];
            assert_eq!(last["name"], headline.as_str(), "{file}");
            for (i, item) in items.iter().enumerate() {
                assert_eq!(item["@type"], "ListItem");
                assert_eq!(item["position"], i + 1);
            }
        }
        checked += 1;
    }
    assert!(checked >= 12, "{checked} pages checked");
    let steps = json_ld(&text(&files, "steps/index.html")).expect("JSON-LD");
    let how_to = of_type(&steps, "HowTo").expect("the steps section is a HowTo");
    assert_eq!(how_to["name"], "Steps to reconnect with your ex");
    let names = [
        "Accept the breakup",
        "Focus on self-improvement",
        "Limit communication",
    ];
    let slugs = [
        "accept-the-breakup",
        "focus-on-self-improvement",
        "limit-communication",
    ];
    let steps = how_to["step"].as_array().expect("steps");
    assert_eq!(steps.len(), 4, "{how_to}");
    for (i, step) in steps.iter().enumerate() {
        assert_eq!(step["@type"], "HowToStep");
        assert_eq!(step["position"], i + 1);
        assert!(step["text"].as_str().is_some_and(|t| !t.is_empty()));
        if i < 3 {
            assert_eq!(step["name"], names[i]);
            let url = format!("https://example.github.io/rekindle/steps/{}/", slugs[i]);
            assert_eq!(step["url"], url);
        }
    }
    assert_eq!(step_url(&steps[3]), "be-social-and-active");
    for other in ["perspectives/index.html", "stats/index.html"] {
        let data = json_ld(&text(&files, other)).expect("JSON-LD");
        assert!(of_type(&data, "HowTo").is_none(), "{other} counts no steps");
    }
}

fn step_url(step: &Value) -> &str {
    let url = step["url"].as_str().unwrap_or_default();
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

#[test]
fn the_one_page_guide_over_its_budget_is_a_warning() {
    let site = themed("basic");
    let toml = site.read("book.toml");
    site.write("book.toml", format!("{toml}\n[one-page]\nbudget-kb = 1\n"));
    let run = site.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let size = fs::metadata(site.join("public/all/index.html"))
        .unwrap()
        .len();
    assert_eq!(
        run.stderr,
        format!(
            "warning: book.toml: the one-page guide (all/index.html) is {:.1} KB, over the budget of 1 KB: every reader who opens it downloads all of it; raise `budget-kb` under [one-page] if that is intended\n",
            size as f64 / 1024.0
        )
    );
}

/// The `<li>` entries of a page's guide navigation.
fn nav_entries(page: &str) -> Vec<&str> {
    let nav = between(page, r#"<nav class="guide-nav""#, "</nav>").expect("a guide nav");
    nav.split("<li class=\"nav-").skip(1).collect()
}

/// Every HTML file of a generated site of 1,200 pages in two sections of 600, built with
/// the default theme, with the bytes of what each loads.
fn large_site() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let theme = common::repo_root().join("themes/default");
    let shape = corpus::Shape {
        sections: 2,
        theme: Some(&theme),
    };
    corpus::generate_shaped(dir.path(), 1200, 42, shape).expect("generate the site");
    let out = dir.path().join("out");
    let run = common::run_in(
        dir.path(),
        &["build", ".", "-d", out.to_str().expect("UTF-8 path")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    (dir, snapshot(&out), run.stderr)
}

#[test]
fn a_large_site_keeps_its_pages_small_its_navs_bounded_and_its_tags_paged() {
    let (_dir, files, stderr) = large_site();
    pages_stay_small_and_navs_bounded(&files, &stderr);
    a_long_sections_nav_shows_a_window_around_the_page_and_links_to_the_others(&files);
    a_tag_with_many_pages_lists_them_over_several_pages(&files);
}

fn pages_stay_small_and_navs_bounded(files: &BTreeMap<String, Vec<u8>>, stderr: &str) {
    // 1,200 pages of Markdown make a one-page guide past the default budget of 2 MB.
    assert!(
        stderr.starts_with("warning: book.toml: the one-page guide"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let loads: usize = ["style.css", "search.js"]
        .map(|f| files[f].len())
        .iter()
        .sum();
    let mut failures = Vec::new();
    let mut heaviest = (0, String::new());
    for (file, page) in html(files) {
        if file == "all/index.html" {
            continue;
        }
        let entries = nav_entries(&page);
        // The home, two sections, a window of 20 pages and the links to the windows around it.
        if entries.len() > 1 + 2 + 20 + 2 {
            failures.push(format!("{file}: {} nav entries", entries.len()));
        }
        // Every page, the home and the section pages included: the nav is their one list.
        let weight = page.len() + loads;
        if weight > PAGE_BUDGET {
            failures.push(format!("{file}: {weight} B with what it loads"));
        }
        if weight > heaviest.0 {
            heaviest = (weight, file.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("heaviest page: {} at {} B", heaviest.1, heaviest.0);
}

fn a_long_sections_nav_shows_a_window_around_the_page_and_links_to_the_others(
    files: &BTreeMap<String, Vec<u8>>,
) {
    // Page 250 of section 1 (file 00249-page-499): the window of its pages 241 to 260.
    let file = "section-01/page-499/index.html";
    let page = text(files, file);
    let entries = nav_entries(&page);
    let current: Vec<&&str> = entries
        .iter()
        .filter(|e| e.contains("aria-current"))
        .collect();
    assert_eq!(current.len(), 1, "{entries:#?}");
    assert!(
        current[0].contains(r#"<span class="num">250</span>"#),
        "{current:?}"
    );
    let more: Vec<&&str> = entries.iter().filter(|e| e.starts_with("more")).collect();
    assert_eq!(more.len(), 2, "{entries:#?}");
    assert!(more[0].contains(">Pages 221–240 of 600</a>"), "{}", more[0]);
    assert!(
        more[0].contains(r#"href="/bench/section-01/page-441/""#),
        "{}",
        more[0]
    );
    assert!(more[1].contains(">Pages 261–280 of 600</a>"), "{}", more[1]);
    // Every page of a section is reached from the section through the nav's windows.
    let mut seen = std::collections::BTreeSet::new();
    let mut at = "section-01/index.html".to_string();
    for window in 1.. {
        let page = text(files, &at);
        let entries = nav_entries(&page);
        let pages = entries.iter().filter(|e| e.starts_with("page"));
        seen.extend(
            pages
                .filter_map(|e| href(e))
                .filter(|h| h.starts_with("/bench/section-01/")),
        );
        let label = format!(">Pages {}–", window * 20 + 1);
        let Some(next) = entries
            .iter()
            .find(|e| e.starts_with("more") && e.contains(&label))
        else {
            break;
        };
        let path = href(next).expect("a link");
        at = format!("{}index.html", path.trim_start_matches("/bench/"));
    }
    assert_eq!(
        seen.len(),
        600,
        "pages of section 1 reached through the nav"
    );
}

/// The first `href` of an HTML fragment.
fn href(html: &str) -> Option<String> {
    let at = html.find("href=\"")? + "href=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

fn a_tag_with_many_pages_lists_them_over_several_pages(files: &BTreeMap<String, Vec<u8>>) {
    let first = text(files, "tags/growth/index.html");
    let count = |page: &str| page.matches("<li>\n<h2>").count();
    assert_eq!(count(&first), 30, "{first}");
    let lede = between(&first, "<p class=\"lede\">", "</p>").expect("a lede");
    assert!(lede.contains("with this tag: page 1 of "), "{lede}");
    assert!(
        first.contains(r#"<a class="pager-next" rel="next" href="/bench/tags/growth/page/2/">"#)
    );
    let second = text(files, "tags/growth/page/2/index.html");
    assert!(second.contains(r#"<a class="pager-prev" rel="prev" href="/bench/tags/growth/">"#));
    assert!(second.contains(
        r#"<link rel="canonical" href="https://example.github.io/bench/tags/growth/page/2/">"#
    ));
    let pages = files
        .keys()
        .filter(|f| f.starts_with("tags/growth/") && f.ends_with("index.html"))
        .count();
    let listed: usize = (files.iter())
        .filter(|(f, _)| f.starts_with("tags/growth/"))
        .map(|(_, b)| count(&String::from_utf8_lossy(b)))
        .sum();
    assert!(pages > 2, "{pages} pages");
    let total: usize = (lede.trim_start_matches("<p class=\"lede\">"))
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the lede starts with the count");
    assert_eq!(listed, total, "every page of the tag is listed once");
    assert!(!files.contains_key("tags/growth/page/1/index.html"));
}

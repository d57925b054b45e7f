//! The built guide, checked as a browser and a validator see it: the Nu Html Checker,
//! axe-core in headless Chromium (light and dark), no requests to other hosts, a weight
//! budget, no scripts but the search (and JSON-LD data), a walk through the four steps and
//! the chart, the guide navigation folded on phones, share links on every page, and
//! screenshots at 320, 390 and 1280 px.
//!
//! Needs Chromium, chromedriver, Java and tests/browser/node_modules; install them with
//! `bash .ci/browser-deps.sh`. Without them these tests are reported as ignored (this file has
//! its own harness, `support::harness`), except under `CI=true`, where they fail. The site is built per test with the real binary under the project
//! subpath `/guide/` and served on 127.0.0.1.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use std::process::ExitCode;
use support::harness::{self, Outcome};

use support::assets::{self, Target};
use support::site::Site;
use support::tools::{self, Tool};
use support::webdriver::{Browser, Element};

/// Each page, HTML plus everything it loads, must weigh at most this (uncompressed).
const PAGE_BUDGET: u64 = 40 * 1024;

/// The four steps in reading order: URL slug and title.
const STEPS: [(&str, &str); 4] = [
    ("accept-the-breakup", "Accept the breakup"),
    ("focus-on-self-improvement", "Focus on self-improvement"),
    ("limit-communication", "Limit communication"),
    ("be-social-and-active", "Be social and active"),
];

const COLOR_SCHEMES: [&str; 2] = ["light", "dark"];

/// Runs axe and hands back a compact result (or the error) to WebDriver.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
if (typeof axe === 'undefined') { done({ error: 'axe-core is not loaded on this page' }); return; }
axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  .then(r => done({
    violations: r.violations.map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map(n => ({ target: n.target.map(String).join(' '), summary: n.failureSummary || '' })),
    })),
    passes: r.passes.length,
  }))
  .catch(e => done({ error: String(e && e.stack || e) }));
"#;

/// The text a screen reader gets for an element: aria-label, the text of the elements
/// aria-labelledby and aria-describedby point to, and an SVG's <title> and <desc>.
const ACCESSIBLE_TEXT: &str = r#"
const el = arguments[0];
const byIds = attr => (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean)
  .map(id => { const t = document.getElementById(id); return t ? t.textContent : ''; });
const title = el.querySelector(':scope > title');
const desc = el.querySelector(':scope > desc');
return [el.getAttribute('aria-label') || '', ...byIds('aria-labelledby'), ...byIds('aria-describedby'),
  title ? title.textContent : '', desc ? desc.textContent : ''].join(' ').replace(/\s+/g, ' ').trim();
"#;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `failures`, one per line, under a heading; empty when there are none.
fn report(heading: &str, failures: &[String]) -> String {
    format!(
        "{heading} ({}):\n  {}",
        failures.len(),
        failures.join("\n  ")
    )
}

fn nu_html_checker_reports_no_errors() -> Outcome {
    let Some(tools) = tools::require(
        "nu_html_checker_reports_no_errors",
        &[Tool::Java, Tool::VnuJar],
    ) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    nu_check(&tools, &Site::build());
    nu_check(&tools, &Site::build_fixture(ALL_CONSTRUCTS));
    Outcome::Passed
}

/// A fixture guide of the team's own writing that uses every construct rekindle reads:
/// raw HTML images and links in nested sections, footnotes beside same-named headings,
/// alerts, definition lists, fences with attributes, aliases, date-times.
const ALL_CONSTRUCTS: &str = "all-constructs";

/// Runs the Nu Html Checker over every HTML file of `site`; fails on any error.
fn nu_check(tools: &tools::Tools, site: &Site) {
    let pages = site.pages();
    let output = Command::new(tools.java())
        .arg("-jar")
        .arg(tools.vnu_jar())
        .args(["--errors-only", "--format", "json"])
        .args(pages.iter().map(|p| &p.file))
        .output()
        .expect("run java -jar vnu.jar");
    // vnu writes its JSON report to stderr.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json_text = [&stderr, &stdout]
        .into_iter()
        .find_map(|s| s.find("{\"").map(|at| &s[at..]))
        .unwrap_or_else(|| {
            panic!(
                "vnu.jar printed no JSON report ({}):\n{stdout}{stderr}",
                output.status
            )
        });
    let report_json: Value = serde_json::from_str(json_text.trim())
        .unwrap_or_else(|e| panic!("vnu.jar's report is not JSON ({e}):\n{json_text}"));
    let messages = report_json["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("vnu.jar's report has no messages list:\n{json_text}"));

    let root_url = format!("file:{}/", site.root.display());
    let errors: Vec<String> = messages
        .iter()
        .map(|m| {
            let file = m["url"].as_str().unwrap_or("?");
            let file = file.strip_prefix(&root_url).unwrap_or(file);
            format!(
                "{file}:{}:{}: {} {} [{}]",
                m["lastLine"],
                m["firstColumn"]
                    .as_u64()
                    .or(m["lastColumn"].as_u64())
                    .unwrap_or(0),
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or("?"),
                m["extract"].as_str().unwrap_or_default().replace('\n', "⏎"),
            )
        })
        .collect();
    assert!(
        errors.is_empty(),
        "{}",
        report("the Nu Html Checker found errors", &errors)
    );
    assert!(
        output.status.success(),
        "vnu.jar exited with {} but reported no errors:\n{stdout}{stderr}",
        output.status
    );
    eprintln!("vnu: {} HTML files, no errors", pages.len());
}

fn axe_reports_no_wcag_violations_in_light_and_dark() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver, Tool::AxeCore];
    let Some(tools) = tools::require("axe_reports_no_wcag_violations_in_light_and_dark", &needed)
    else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let axe_source = fs::read_to_string(tools.axe_js()).expect("read axe.min.js");
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    browser.set_window_rect(1280, 900);

    let mut failures = Vec::new();
    let mut runs = 0;
    let sites = [Site::build(), Site::build_fixture(ALL_CONSTRUCTS)];
    for page in sites.iter().flat_map(Site::pages) {
        browser.navigate(&page.url);
        browser.execute(&axe_source, vec![]);
        for scheme in COLOR_SCHEMES {
            browser.set_color_scheme(scheme);
            let result = browser.execute_async(AXE_RUN, vec![]);
            runs += 1;
            if let Some(error) = result["error"].as_str() {
                failures.push(format!("{} [{scheme}]: axe.run failed: {error}", page.url));
                continue;
            }
            assert!(
                result["passes"].as_u64().unwrap_or(0) > 0,
                "axe.run checked nothing on {} [{scheme}]: {result}",
                page.url
            );
            for violation in result["violations"].as_array().expect("a violations list") {
                let targets: Vec<String> = violation["nodes"]
                    .as_array()
                    .expect("a nodes list")
                    .iter()
                    .map(|n| {
                        // "Fix any of the following:\n  <first reason>\n  ...": keep the first reason.
                        let summary = n["summary"].as_str().unwrap_or_default();
                        let summary: String = summary
                            .lines()
                            .nth(1)
                            .unwrap_or(summary)
                            .trim()
                            .chars()
                            .take(240)
                            .collect();
                        format!("`{}` ({summary})", n["target"].as_str().unwrap_or("?"))
                    })
                    .collect();
                failures.push(format!(
                    "{} [{scheme}]: {} ({}) {}: {}",
                    page.url,
                    violation["id"].as_str().unwrap_or("?"),
                    violation["impact"].as_str().unwrap_or("?"),
                    violation["help"].as_str().unwrap_or_default(),
                    targets.join("; "),
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        report("axe-core found WCAG 2.1 A/AA violations", &failures)
    );
    eprintln!(
        "axe: {runs} runs (every page of the guide and of {ALL_CONSTRUCTS}, light and dark), no violations"
    );
    Outcome::Passed
}

/// True for a URL on the test server's host or an inline `data:` URL.
fn is_local(url: &str) -> bool {
    if url.starts_with("data:") || url == "about:blank" {
        return true;
    }
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    host == "127.0.0.1"
}

fn pages_request_nothing_from_other_hosts() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require("pages_request_nothing_from_other_hosts", &needed) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start_with(tools.chromedriver(), tools.chromium(), true);
    // Forget what the start page (Chromium's new tab page) requested.
    browser.navigate("about:blank");
    browser.requested_urls();
    let mut failures = Vec::new();
    let mut seen = 0;
    for page in site.pages() {
        browser.navigate(&page.url);
        let loaded = browser.execute(
            "return [document.URL, ...performance.getEntriesByType('resource').map(e => e.name)];",
            vec![],
        );
        let mut urls: BTreeSet<String> = loaded
            .as_array()
            .expect("a list of URLs")
            .iter()
            .map(|u| u.as_str().expect("a URL string").to_owned())
            .collect();
        // Requests that failed (a blocked or unreachable host) too.
        urls.extend(browser.requested_urls());
        seen += urls.len();
        for url in urls.iter().filter(|u| !is_local(u)) {
            failures.push(format!("{}: requests {url}", page.rel));
        }
        for path in site.take_not_found() {
            failures.push(format!(
                "{}: requests {path}, which is not in the build (404)",
                page.rel
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        report(
            "pages load resources from other hosts or missing files",
            &failures
        )
    );
    assert!(seen > 0, "no requests were recorded at all");
    eprintln!("requests: {seen} URLs, all on 127.0.0.1");
    Outcome::Passed
}

fn every_page_with_what_it_loads_is_at_most_40_kb() -> Outcome {
    let site = Site::build();
    let origin = site
        .base_url
        .trim_end_matches(support::site::SUBPATH)
        .to_owned();
    let serving_dir = site.root.parent().expect("the site root has a parent");
    let mut failures = Vec::new();
    let mut heaviest = (0, String::new());
    for page in site.pages() {
        let page_path = page
            .url
            .strip_prefix(&origin)
            .expect("a page URL on the origin")
            .to_owned();
        let html = fs::read_to_string(&page.file).expect("read a built page");
        let mut total = html.len() as u64;
        let mut parts = vec![format!("{} {total} B", page.rel)];
        // (reference, the URL path of the resource it appears in)
        let mut pending: Vec<(String, String)> = assets::html_references(&html)
            .into_iter()
            .map(|r| (r, page_path.clone()))
            .collect();
        let mut counted = BTreeSet::new();
        while let Some((reference, base)) = pending.pop() {
            match assets::resolve(&reference, &base, &origin) {
                None => {}
                Some(Target::External(url)) => {
                    failures.push(format!("{}: loads {url} from another host", page.rel));
                }
                Some(Target::Local(path)) => {
                    if !counted.insert(path.clone()) {
                        continue;
                    }
                    let decoded =
                        support::site::percent_decode(&path).unwrap_or_else(|| path.clone());
                    let file = serving_dir.join(decoded.trim_start_matches('/'));
                    let Ok(bytes) = fs::read(&file) else {
                        failures.push(format!(
                            "{}: loads {path} ({reference}), which is not in the build",
                            page.rel
                        ));
                        continue;
                    };
                    total += bytes.len() as u64;
                    parts.push(format!("{path} {} B", bytes.len()));
                    if path.ends_with(".css") {
                        let css = String::from_utf8_lossy(&bytes);
                        pending.extend(
                            assets::css_references(&css)
                                .into_iter()
                                .map(|r| (r, path.clone())),
                        );
                    }
                }
            }
        }
        if total > PAGE_BUDGET {
            failures.push(format!(
                "{}: {total} B > {PAGE_BUDGET} B ({})",
                page.rel,
                parts.join(" + ")
            ));
        }
        if total > heaviest.0 {
            heaviest = (total, page.rel.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        report(
            &format!("pages over the {PAGE_BUDGET}-byte budget or loading what they should not"),
            &failures
        )
    );
    eprintln!(
        "weight: heaviest page {} at {} B of {PAGE_BUDGET} B",
        heaviest.1, heaviest.0
    );
    Outcome::Passed
}

fn the_only_script_is_the_sites_own_search_and_works_without_it() -> Outcome {
    let site = Site::build();
    let mut failures = Vec::new();
    let pages = site.pages();
    let allowed = r#"<script src="/guide/search.js?h="#;
    // Structured data is a data block, never run: one line, whose JSON holds no `<`.
    let data = r#"<script type="application/ld+json">"#;
    let is_data = |line: &str| {
        line.strip_prefix(data)
            .and_then(|rest| rest.strip_suffix("</script>"))
            .is_some_and(|json| !json.contains('<'))
    };
    for page in &pages {
        let html = fs::read_to_string(&page.file).expect("read a built page");
        for (n, line) in html.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            if lower.contains("<script")
                && !(line.starts_with(allowed) && line.ends_with(" defer></script>"))
                && !is_data(line)
            {
                failures.push(format!("{}:{}: {}", page.rel, n + 1, line.trim()));
            }
        }
        // Without JavaScript the search form stays hidden and the link to /all/ shows.
        if html.contains(r#"id="rk-search""#) {
            let form = html
                .find(r#"<form id="rk-search""#)
                .expect("the search form");
            let tag = &html[form..form + html[form..].find('>').expect("end of the form tag")];
            if !tag.contains(" hidden") {
                failures.push(format!(
                    "{}: the search form is not hidden without JavaScript",
                    page.rel
                ));
            }
            if !html.contains(&format!(
                r#"id="rk-search-fallback" class="search-fallback" href="{}all/""#,
                "/guide/"
            )) {
                failures.push(format!(
                    "{}: no link to the one-page guide for readers without JavaScript",
                    page.rel
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        report(
            "only the site's own deferred search.js may be a script",
            &failures
        )
    );
    assert!(!pages.is_empty());
    Outcome::Passed
}

fn search_by_keyboard_lands_on_the_heading() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require("search_by_keyboard_lands_on_the_heading", &needed) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    browser.set_window_rect(1280, 900);
    browser.navigate(&site.base_url);
    assert!(
        browser
            .try_find("#rk-search-fallback")
            .is_some_and(|e| browser.property(&e, "hidden") == json!(true)),
        "with JavaScript on, the fallback link is hidden"
    );
    // "/" focuses the field from anywhere on the page.
    browser.press("/");
    let focused = browser.execute(
        "return document.activeElement && document.activeElement.id;",
        vec![],
    );
    assert_eq!(
        focused,
        json!("rk-search-input"),
        "pressing / focuses the search field"
    );
    let input = browser.find("#rk-search-input");
    browser.send_keys(&input, "jealousy");
    let found = browser.wait_until(Duration::from_secs(5), |b| {
        b.execute(
            "return document.querySelectorAll('#rk-search-results a').length;",
            vec![],
        ) != json!(0)
    });
    assert!(found, "typing a word shows results");
    let first = browser.execute(
        "return document.querySelector('#rk-search-results a').textContent;",
        vec![],
    );
    assert!(
        first
            .as_str()
            .is_some_and(|t| t.contains("Be social and active")),
        "the first result names the page: {first}"
    );
    // Arrow down moves to the first result, Enter opens it.
    browser.press("\u{E015}");
    let active = browser.execute(
        "return document.activeElement.getAttribute('href');",
        vec![],
    );
    assert!(
        active.as_str().is_some_and(|h| h.contains('#')),
        "arrow down focuses a result that links to a heading: {active}"
    );
    browser.press("\u{E007}");
    let expected = site.url("steps/be-social-and-active/#engage-with-friends");
    wait_for_page(
        &browser,
        &expected,
        "pressing Enter on the first search result",
    );
    // The theme scrolls smoothly: give it a moment to arrive.
    let at_top = browser.wait_until(Duration::from_secs(3), |b| {
        let top = b.execute(
            "return Math.round(document.getElementById('engage-with-friends').getBoundingClientRect().top);",
            vec![],
        );
        top.as_i64().is_some_and(|t| (-5..200).contains(&t))
    });
    let scroll = browser.execute(
        "return [window.scrollY, document.documentElement.scrollHeight];",
        vec![],
    );
    assert!(
        at_top,
        "the heading is at the top of the view (scrollY, height: {scroll})"
    );
    Outcome::Passed
}

fn the_whole_guide_on_one_page_links_inside_itself() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require("the_whole_guide_on_one_page_links_inside_itself", &needed)
    else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    browser.set_window_rect(1280, 900);
    browser.navigate(&site.url("all/"));
    let titles = browser.execute(
        "return [...document.querySelectorAll('section.part > h2')].map(h => h.textContent);",
        vec![],
    );
    let titles: Vec<String> = serde_json::from_value(titles).expect("a list of titles");
    let steps: Vec<&str> = STEPS.iter().map(|(_, t)| *t).collect();
    let positions: Vec<usize> = steps
        .iter()
        .map(|t| {
            titles
                .iter()
                .position(|x| x.ends_with(t))
                .unwrap_or_else(|| panic!("{t} is on the page: {titles:?}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the steps are in reading order: {titles:?}"
    );
    let outside = browser.execute(
        "return [...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href')).filter(h => !h.startsWith('#') && !h.startsWith('http'));",
        vec![],
    );
    assert_eq!(
        outside,
        json!([]),
        "links between pages point inside the one page"
    );
    let ids = browser.execute(
        "const ids = [...document.querySelectorAll('[id]')].map(e => e.id); return ids.length - new Set(ids).size;",
        vec![],
    );
    assert_eq!(ids, json!(0), "every id on the page is unique");
    let notes = browser.execute(
        "return document.querySelectorAll('#rk-endnotes ~ ol li').length;",
        vec![],
    );
    assert_eq!(notes, json!(2), "the two sources are collected as endnotes");
    Outcome::Passed
}

/// Waits until the browser is at `expected` with the document loaded.
fn wait_for_page(browser: &Browser, expected: &str, after: &str) {
    let arrived = browser.wait_until(Duration::from_secs(10), |b| {
        b.current_url() == expected
            && b.execute("return document.readyState;", vec![]) == json!("complete")
    });
    assert!(
        arrived,
        "{after}: expected to arrive at {expected}, but the browser is at {}",
        browser.current_url()
    );
}

fn walk_the_guide_from_home_through_the_steps_and_the_chart() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require(
        "walk_the_guide_from_home_through_the_steps_and_the_chart",
        &needed,
    ) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    browser.set_window_rect(1280, 900);

    // Home: the "Start the guide" link leads to step 1.
    browser.navigate(&site.base_url);
    let start = browser.find_link("Start the guide");
    let first_step = site.url(&format!("steps/{}/", STEPS[0].0));
    assert_eq!(
        browser.property(&start, "href"),
        json!(first_step),
        "the home page's \"Start the guide\" link should lead to step 1"
    );
    browser.click(&start);
    wait_for_page(
        &browser,
        &first_step,
        "clicking \"Start the guide\" on the home page",
    );

    let total = STEPS.len();
    for (i, (slug, title)) in STEPS.iter().enumerate() {
        let n = i + 1;
        let expected = site.url(&format!("steps/{slug}/"));
        if i > 0 {
            let next = browser.find(r#"a[rel="next"]"#);
            browser.click(&next);
            wait_for_page(
                &browser,
                &expected,
                &format!("clicking rel=next on step {}", n - 1),
            );
        }
        let main = browser.text(&browser.find("main"));
        let counter = format!("Step {n} of {total}");
        assert!(
            main.contains(&counter),
            "step {n} ({expected}) should show {counter:?}; its main text is:\n{main}"
        );
        let h1 = browser.text(&browser.find("main h1"));
        assert_eq!(h1, *title, "the h1 of step {n} ({expected})");
    }

    // The chart: an SVG image with a text alternative, its source in the caption.
    let chart_page = site.url("stats/reconciliation-rates/");
    browser.navigate(&chart_page);
    let svg = browser.find(r#"svg[role="img"]"#);
    let accessible = browser.execute(ACCESSIBLE_TEXT, vec![svg.to_json()]);
    let accessible = accessible
        .as_str()
        .expect("the accessible text is a string");
    for figure in ["50%", "15%"] {
        assert!(
            accessible.contains(figure),
            "the chart on {chart_page} should give {figure} in its text alternative; it gives {accessible:?}"
        );
    }
    let caption = browser.execute(
        "const f = arguments[0].closest('figure'); return f && f.querySelector('figcaption');",
        vec![svg.to_json()],
    );
    let caption = Element::from_json(&caption, "the chart's figcaption").unwrap_or_else(|| {
        panic!("the chart on {chart_page} is not in a <figure> with a <figcaption>")
    });
    let caption_text = browser.text(&caption);
    assert!(
        caption_text.contains("Psychology Today"),
        "the chart's caption should name Psychology Today; it reads {caption_text:?}"
    );
    let link = browser.find_in(&caption, r#"a[href^="https://www.psychologytoday.com/"]"#);
    let link_text = browser.text(&link);
    assert!(
        link_text.contains("Psychology Today"),
        "the caption's link to psychologytoday.com should read Psychology Today; it reads {link_text:?}"
    );
    Outcome::Passed
}

/// The width and height in a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    let signature = b"\x89PNG\r\n\x1a\n";
    if png.len() < 24 || &png[..8] != signature || &png[12..16] != b"IHDR" {
        return None;
    }
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((word(16), word(20)))
}

/// The screen sizes the theme is looked at in: two phones (touch) and a desktop.
const SCREENS: [(i64, i64, bool); 3] = [(320, 568, true), (390, 844, true), (1280, 900, false)];

/// Emulates a touch screen (a coarse pointer that cannot hover), as on a phone, or not.
/// Applies to pages loaded after it.
fn set_touch(browser: &Browser, on: bool) {
    browser.cdp(
        "Emulation.setTouchEmulationEnabled",
        json!({ "enabled": on, "maxTouchPoints": if on { 5 } else { 1 } }),
    );
}

/// Loads `url` on a screen of `width` x `height`, a touch screen when `touch`.
fn open_on_screen(browser: &Browser, url: &str, (width, height, touch): (i64, i64, bool)) {
    browser.set_viewport(width, height);
    set_touch(browser, touch);
    browser.navigate(url);
    let coarse = browser.execute("return matchMedia('(pointer: coarse)').matches;", vec![]);
    assert_eq!(coarse, json!(touch), "touch emulation at {width} px");
}

/// Where the guide navigation, the article and the search field are on screen.
const LAYOUT: &str = r#"
const box = el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom, r.width, r.height]; };
const link = document.querySelector('.guide-nav .nav-list a');
const summary = document.querySelector('.nav-fold > summary');
return {
  nav_shown: link.checkVisibility() && link.getBoundingClientRect().height > 0,
  fold_open: document.querySelector('.nav-fold').open,
  summary: box(summary),
  summary_clickable: getComputedStyle(summary).pointerEvents !== 'none',
  h1: box(document.querySelector('main h1')),
  height: innerHeight,
  overflow: document.documentElement.scrollWidth - innerWidth,
  placeholder: document.getElementById('rk-search-input').placeholder,
};
"#;

/// The guide's home, a section and a page, with a name for screenshots.
fn sample_pages() -> [(&'static str, String); 3] {
    [
        ("home", String::new()),
        ("section", "steps/".to_string()),
        ("step-2", format!("steps/{}/", STEPS[1].0)),
    ]
}

fn on_a_phone_the_nav_folds_behind_one_control_and_the_article_starts_on_screen() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require(
        "on_a_phone_the_nav_folds_behind_one_control_and_the_article_starts_on_screen",
        &needed,
    ) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    let mut failures = Vec::new();
    for screen in SCREENS {
        let (width, _, phone) = screen;
        for (name, path) in sample_pages() {
            open_on_screen(&browser, &site.url(&path), screen);
            let at = format!("{name} at {width} px");
            let l = browser.execute(LAYOUT, vec![]);
            let (h1_bottom, height) = (l["h1"][1].as_f64().unwrap(), l["height"].as_f64().unwrap());
            if h1_bottom > height {
                failures.push(format!(
                    "{at}: the title ends at {h1_bottom} px, below the screen"
                ));
            }
            if l["overflow"].as_f64().unwrap() > 0.0 {
                failures.push(format!("{at}: the page scrolls sideways: {l}"));
            }
            let placeholder = l["placeholder"].as_str().unwrap_or_default();
            if placeholder.contains('/') == phone {
                failures.push(format!("{at}: the search field says {placeholder:?}"));
            }
            if !phone {
                if l["nav_shown"] != json!(true) || l["summary_clickable"] != json!(false) {
                    failures.push(format!("{at}: the nav is not an open sidebar: {l}"));
                }
                continue;
            }
            if l["nav_shown"] != json!(false) || l["fold_open"] != json!(false) {
                failures.push(format!("{at}: the nav is not folded: {l}"));
            }
            if l["summary"][3].as_f64().unwrap() < 44.0 {
                failures.push(format!("{at}: the nav's control is under 44 px tall: {l}"));
            }
            browser.click(&browser.find(".nav-fold > summary"));
            let open = browser.execute(LAYOUT, vec![]);
            let current = browser.execute(
                "const a = document.querySelector('.nav-list a[aria-current=\"page\"]'); return a && a.checkVisibility();",
                vec![],
            );
            if open["nav_shown"] != json!(true) || current != json!(true) {
                failures.push(format!("{at}: one tap does not show the nav: {open}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", report("phone layout", &failures));
    Outcome::Passed
}

fn share_links_are_on_the_home_every_section_and_every_page() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require(
        "share_links_are_on_the_home_every_section_and_every_page",
        &needed,
    ) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    browser.set_window_rect(1280, 900);
    let mut failures = Vec::new();
    let mut checked = 0;
    for page in site.pages() {
        let other = ["404.html", "tags/", "all/"];
        if other.iter().any(|o| page.rel.starts_with(o)) {
            continue;
        }
        browser.navigate(&page.url);
        let links = browser.execute(
            "return [...document.querySelectorAll('main .share a')].map(a => [a.href, a.checkVisibility(), a.attributes.length]);",
            vec![],
        );
        let links = links.as_array().expect("a list of links");
        let canonical = browser.execute(
            "return encodeURIComponent(document.querySelector('link[rel=canonical]').href);",
            vec![],
        );
        let canonical = canonical.as_str().expect("the canonical URL");
        let hosts = [
            "https://www.facebook.com/",
            "https://x.com/",
            "https://www.linkedin.com/",
        ];
        let fine = links.len() == hosts.len()
            && links.iter().zip(hosts).all(|(link, host)| {
                let href = link[0].as_str().unwrap_or_default();
                // A plain link: href and rel only, no handler.
                href.starts_with(host)
                    && href.contains(canonical)
                    && link[1] == json!(true)
                    && link[2] == json!(2)
            });
        if !fine {
            failures.push(format!("{}: share links {links:?}", page.rel));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", report("share links", &failures));
    assert!(checked >= 12, "{checked} pages checked");
    Outcome::Passed
}

fn screenshots_at_three_widths_in_both_schemes() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require("screenshots_at_three_widths_in_both_schemes", &needed) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    let out = repo().join("target/screenshots");
    fs::create_dir_all(&out).expect("create target/screenshots");

    let mut written = Vec::new();
    for (name, path) in sample_pages() {
        for screen in SCREENS {
            let (width, height, phone) = screen;
            open_on_screen(&browser, &site.url(&path), screen);
            let mut shoot = |label: String| {
                let ratio = browser.execute("return window.devicePixelRatio;", vec![]);
                let ratio = ratio.as_f64().expect("devicePixelRatio");
                let mut shots = Vec::new();
                for scheme in COLOR_SCHEMES {
                    browser.set_color_scheme(scheme);
                    let png = browser.screenshot();
                    let file = out.join(format!("{label}-{scheme}.png"));
                    let size = png_size(&png).unwrap_or_else(|| {
                        panic!("the screenshot for {} is not a PNG", file.display())
                    });
                    let expected = (
                        (width as f64 * ratio).round() as u32,
                        (height as f64 * ratio).round() as u32,
                    );
                    assert_eq!(size, expected, "the size of {}", file.display());
                    fs::write(&file, &png)
                        .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
                    written.push(file);
                    shots.push(png);
                }
                assert_ne!(
                    shots[0], shots[1],
                    "{label} looks the same in light and dark color schemes"
                );
            };
            shoot(format!("{name}-{width}"));
            browser.execute(
                "document.querySelector('main .share').scrollIntoView({ block: 'center', behavior: 'instant' });",
                vec![],
            );
            shoot(format!("{name}-{width}-share"));
            if phone && name == "step-2" {
                browser.execute("window.scrollTo({ top: 0, behavior: 'instant' });", vec![]);
                browser.click(&browser.find(".nav-fold > summary"));
                shoot(format!("{name}-{width}-nav-open"));
            }
        }
    }
    assert_eq!(written.len(), 3 * 3 * 2 * 2 + 2 * 2);
    eprintln!("screenshots: {} files in {}", written.len(), out.display());
    Outcome::Passed
}

/// The reason a browser test gives when it is reported as ignored.
const MISSING: &str =
    "a browser tool is missing (see `skipping:` above; bash .ci/browser-deps.sh installs them)";

fn main() -> ExitCode {
    use support::assets::tests as unit;
    harness::run(&[
        ("assets_finds_subresources_in_html", || {
            unit::finds_subresources_in_html();
            Outcome::Passed
        }),
        ("assets_resolves_references", || {
            unit::resolves_references();
            Outcome::Passed
        }),
        ("assets_finds_css_references", || {
            unit::finds_css_references();
            Outcome::Passed
        }),
        (
            "nu_html_checker_reports_no_errors",
            nu_html_checker_reports_no_errors,
        ),
        (
            "axe_reports_no_wcag_violations_in_light_and_dark",
            axe_reports_no_wcag_violations_in_light_and_dark,
        ),
        (
            "pages_request_nothing_from_other_hosts",
            pages_request_nothing_from_other_hosts,
        ),
        (
            "every_page_with_what_it_loads_is_at_most_40_kb",
            every_page_with_what_it_loads_is_at_most_40_kb,
        ),
        (
            "the_only_script_is_the_sites_own_search_and_works_without_it",
            the_only_script_is_the_sites_own_search_and_works_without_it,
        ),
        (
            "search_by_keyboard_lands_on_the_heading",
            search_by_keyboard_lands_on_the_heading,
        ),
        (
            "the_whole_guide_on_one_page_links_inside_itself",
            the_whole_guide_on_one_page_links_inside_itself,
        ),
        (
            "walk_the_guide_from_home_through_the_steps_and_the_chart",
            walk_the_guide_from_home_through_the_steps_and_the_chart,
        ),
        (
            "on_a_phone_the_nav_folds_behind_one_control_and_the_article_starts_on_screen",
            on_a_phone_the_nav_folds_behind_one_control_and_the_article_starts_on_screen,
        ),
        (
            "share_links_are_on_the_home_every_section_and_every_page",
            share_links_are_on_the_home_every_section_and_every_page,
        ),
        (
            "screenshots_at_three_widths_in_both_schemes",
            screenshots_at_three_widths_in_both_schemes,
        ),
    ])
}

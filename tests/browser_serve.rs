#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `rekindle serve` as a reader sees it: a headless Chromium keeps a page of the preview
//! open while the test edits the site, and the page follows by itself: it reloads and keeps
//! its scroll position, shows a failed rebuild in an overlay over the last good version,
//! swaps a changed stylesheet without reloading, and reconnects after a server restart.
//!
//! Needs Chromium and chromedriver (`bash .ci/browser-deps.sh`). Without them the test
//! is reported as ignored (this file has its own harness, `support::harness`), except under
//! `CI=true`, where it fails.

// The support modules of tests/browser.rs, without the ones for a built site; this test
// uses only part of them.
#[allow(dead_code)]
#[path = "support"]
mod support {
    pub mod harness;
    pub mod tools;
    pub mod webdriver;
}

mod common;
#[path = "common/serve.rs"]
mod serving;

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::Site;
use serving::{REBUILD, Server};
use support::harness::{self, Outcome};
use support::tools::{self, Tool};
use support::webdriver::Browser;

const FIRST: &str = "content/guide/01-first.md";
const STYLE: &str = "themes/default/static/style.css";
const PAGE_PATH: &str = "/guide/guide/first/";
const SCROLL_Y: i64 = 1500;

// ---------------------------------------------------------------------------------------------
// The site
// ---------------------------------------------------------------------------------------------

/// The first page, long enough to scroll well past 1500 px; `extra` is a paragraph near
/// the top, and `title` the front matter's title line.
fn first_page(title: &str, extra: Option<&str>) -> String {
    let mut page = format!(
        "---\n{title}\nweight: 1\ntags: [alpha, Beta]\n---\n\nThe first page's opening paragraph.\n\n"
    );
    if let Some(extra) = extra {
        page.push_str(&format!("{extra}\n\n"));
    }
    page.push_str(
        "## Face reality\n\nSee [the second page](02-second.md#second-point) and the ![diagram](diagram.svg).\n\n## Face reality\n\n",
    );
    for n in 1..=80 {
        page.push_str(&format!(
            "Filler paragraph {n}. It is here so that the page is long enough to scroll, \
             and it says nothing else of note.\n\n"
        ));
    }
    page
}

const GOOD_TITLE: &str = "title: First page";
const BROKEN_TITLE: &str = "title: [unclosed";

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

fn js(browser: &Browser, script: &str) -> Value {
    browser.execute(script, vec![])
}

fn body_text(browser: &Browser) -> String {
    js(
        browser,
        "return document.body ? document.body.innerText : '';",
    )
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

fn scroll_y(browser: &Browser) -> i64 {
    js(browser, "return Math.round(window.scrollY);")
        .as_i64()
        .expect("scrollY is a number")
}

/// The overlay's text, when it is on the page.
fn overlay(browser: &Browser) -> Option<String> {
    browser
        .try_find("#rekindle-error")
        .map(|e| browser.text(&e))
}

fn loaded(browser: &Browser) -> bool {
    js(browser, "return document.readyState;") == json!("complete")
}

/// Waits for `condition`; panics with `what` and the page's state when it never holds.
fn wait_for(browser: &Browser, serve: &Server, what: &str, condition: impl Fn(&Browser) -> bool) {
    let started = Instant::now();
    if browser.wait_until(REBUILD, condition) {
        eprintln!("{what}: {} ms", started.elapsed().as_millis());
        return;
    }
    panic!(
        "{what}: did not happen within {REBUILD:?}\nat {}\noverlay: {:?}\npage text (start):\n{}\n{}",
        browser.current_url(),
        overlay(browser),
        body_text(browser).chars().take(600).collect::<String>(),
        serve.output()
    );
}

fn open_tab_follows_edits_errors_stylesheets_and_restarts() -> Outcome {
    let needed = [Tool::Chromium, Tool::Chromedriver];
    let Some(tools) = tools::require(
        "open_tab_follows_edits_errors_stylesheets_and_restarts",
        &needed,
    ) else {
        return Outcome::Ignored(MISSING.to_owned());
    };
    let started = Instant::now();
    let site = Site::new("basic");
    let dir = site.path();
    fs::write(dir.join(FIRST), first_page(GOOD_TITLE, None)).unwrap();

    let mut serve = start(dir, 0).unwrap_or_else(|e| panic!("{e}"));
    let port = serve.port;
    let page_url = serve.url(PAGE_PATH);

    // With the network log, which shows the messages the page's event stream receives.
    let browser = Browser::start_with(tools.chromedriver(), tools.chromium(), true);
    browser.set_window_rect(1280, 900);
    browser.navigate(&page_url);
    assert!(
        body_text(&browser).contains("Filler paragraph 80."),
        "{page_url} does not show the long first page:\n{}",
        body_text(&browser)
    );
    let injected = js(
        &browser,
        "return !!document.querySelector('script[src=\"/__rekindle/livereload.js\"]');",
    );
    assert_eq!(injected, json!(true), "no live-reload script on {page_url}");
    js(&browser, &format!("window.scrollTo(0, {SCROLL_Y});"));
    assert_eq!(
        scroll_y(&browser),
        SCROLL_Y,
        "the page is not long enough to scroll to {SCROLL_Y}"
    );
    // The event stream must be connected before the first edit: a tab whose stream connects
    // after it hears of the new build in its `hello`, which it takes as its first build and
    // does not reload for.
    wait_for(
        &browser,
        &serve,
        "the page's event stream says hello",
        |b| {
            b.network_events("Network.eventSourceMessageReceived")
                .iter()
                .any(|message| message["eventName"] == "hello")
        },
    );

    // 1. An edit reloads the tab, which keeps its scroll position.
    let text1 = "Freshly edited text 1";
    fs::write(dir.join(FIRST), first_page(GOOD_TITLE, Some(text1))).unwrap();
    wait_for(&browser, &serve, "the edit reaches the tab", |b| {
        body_text(b).contains(text1) && loaded(b)
    });
    // The script scrolls back at once and again on `load`: allow it a moment.
    browser.wait_until(Duration::from_secs(2), |b| {
        (scroll_y(b) - SCROLL_Y).abs() <= 50
    });
    let y = scroll_y(&browser);
    assert!(
        (y - SCROLL_Y).abs() <= 50,
        "after the reload the tab is scrolled to {y}, not back to about {SCROLL_Y}"
    );

    // 2. A broken front matter: an overlay with file:line over the last good version.
    js(&browser, "window.__marker = 41;");
    fs::write(dir.join(FIRST), first_page(BROKEN_TITLE, Some(text1))).unwrap();
    wait_for(&browser, &serve, "the build error reaches the tab", |b| {
        b.try_find("#rekindle-error").is_some()
    });
    let error = overlay(&browser).unwrap_or_default();
    eprintln!("overlay: {error:?}");
    assert!(
        error.contains(&format!("{FIRST}:")),
        "the overlay does not point at {FIRST}:<line>:\n{error}\n{}",
        serve.output()
    );
    let text = body_text(&browser);
    assert!(
        text.contains(text1) && text.contains("Filler paragraph 80."),
        "the last good version is no longer on screen:\n{text}"
    );
    assert_eq!(
        js(&browser, "return window.__marker;"),
        json!(41),
        "the tab reloaded on a failed build"
    );

    // 3. The fix removes the overlay and shows the new text.
    let text2 = "Freshly edited text 2";
    fs::write(dir.join(FIRST), first_page(GOOD_TITLE, Some(text2))).unwrap();
    wait_for(&browser, &serve, "the fix reaches the tab", |b| {
        b.try_find("#rekindle-error").is_none() && body_text(b).contains(text2) && loaded(b)
    });
    assert!(
        !body_text(&browser).contains(text1),
        "the fixed page still shows the old text"
    );

    // 4. A stylesheet edit is swapped in without a reload.
    js(&browser, "window.__marker = 42;");
    let css = fs::read_to_string(dir.join(STYLE)).unwrap();
    fs::write(
        dir.join(STYLE),
        format!("{css}body{{background:rgb(1, 2, 3)}}\n"),
    )
    .unwrap();
    wait_for(&browser, &serve, "the new stylesheet applies", |b| {
        js(b, "return getComputedStyle(document.body).backgroundColor;") == json!("rgb(1, 2, 3)")
    });
    assert_eq!(
        js(&browser, "return window.__marker;"),
        json!(42),
        "the tab reloaded for a stylesheet-only change"
    );
    wait_for(&browser, &serve, "the old stylesheet goes", |b| {
        js(
            b,
            "return document.querySelectorAll('link[rel=\"stylesheet\"]').length;",
        ) == json!(1)
    });

    // 5. A restart on the same port, with an edit made while it was down.
    serve.stop();
    let text3 = "Freshly edited text 3";
    fs::write(dir.join(FIRST), first_page(GOOD_TITLE, Some(text3))).unwrap();
    let mut attempts = 0;
    let serve = loop {
        attempts += 1;
        match start(dir, port) {
            Ok(s) => break s,
            // The old process has exited (`stop` waits for it) and serve binds with
            // SO_REUSEADDR, so the port is normally free at once; this retries only if another
            // process briefly held it. No signal says when a port is free but a bind: retry.
            Err(e) if attempts < 20 && e.contains("already in use") => {
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => panic!("restart on port {port} (attempt {attempts}): {e}"),
        }
    };
    assert_eq!(serve.port, port, "the restarted server is on another port");
    wait_for(
        &browser,
        &serve,
        "the tab reconnects and reloads after the restart",
        |b| body_text(b).contains(text3),
    );
    eprintln!("total: {} ms", started.elapsed().as_millis());
    Outcome::Passed
}

/// `rekindle serve --port <port> <dir>`, once it prints where it serves; Err with its
/// output when it exits first.
fn start(dir: &Path, port: u16) -> Result<Server, String> {
    let (port, dir_arg) = (port.to_string(), dir.to_str().expect("a UTF-8 path"));
    Server::spawn(dir, &["serve", "--port", &port, dir_arg], None).wait_ready()
}

/// The reason a browser test gives when it is reported as ignored.
const MISSING: &str =
    "a browser tool is missing (see `skipping:` above; bash .ci/browser-deps.sh installs them)";

fn main() -> ExitCode {
    harness::run(&[(
        "open_tab_follows_edits_errors_stylesheets_and_restarts",
        open_tab_follows_edits_errors_stylesheets_and_restarts,
    )])
}

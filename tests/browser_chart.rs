//! The chart of the reconciliation-rates page as a reader sees it, in headless Chromium at
//! 320, 390 and 1280 px wide, light and dark: every text of the SVG stays inside the SVG's
//! box and overlaps no other text, the labels read in full, the values read as the source
//! states them ("about 50%"), the bars' track spans the chart's box, no part of the page
//! scrolls sideways, and the caption says what the source leaves open. It writes a screenshot
//! of each case to target/screenshots/chart-<width>-<scheme>.png.
//!
//! Needs Chromium and chromedriver (`bash .ci/browser-deps.sh`). This file has a harness of
//! its own (`harness = false` in Cargo.toml), so that without them the test is reported as
//! ignored, not as passed; under `CI=true` it fails instead. It understands libtest's name
//! filters, `--exact`, `--skip`, `--list` and `--ignored`, and accepts its other options.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The support modules of tests/browser.rs that this test uses.
#[allow(dead_code)]
#[path = "support"]
mod support {
    pub mod harness;
    pub mod site;
    pub mod tools;
    pub mod webdriver;
}

use std::fs;
use std::panic;
use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;

use support::harness::{self, Outcome};
use support::site::Site;
use support::tools::{self, Tool};
use support::webdriver::Browser;

/// Viewports: the narrowest phone the theme supports, a common phone, a laptop.
const VIEWPORTS: [(i64, i64); 3] = [(320, 640), (390, 844), (1280, 900)];
const COLOR_SCHEMES: [&str; 2] = ["light", "dark"];
const CHART_PAGE: &str = "stats/reconciliation-rates/";
/// The labels and values the chart must show in full, as content/stats/reconciliation-rates.md
/// and the source give them.
const LABELS: [&str; 2] = [
    "Couples who get back together after a breakup",
    "Couples who stay together long term",
];
const VALUES: [&str; 2] = ["about 50%", "about 15%"];
/// Boxes may differ from each other by rounding: this much is not an overflow.
const SLACK: f64 = 0.5;

/// Measures the chart: the SVG's box, every text in it, the tracks and bars, the figure's
/// content box, and whether the page is wider than the viewport.
const MEASURE: &str = r#"
const svg = document.querySelector('figure.chart svg');
if (!svg) return { error: 'no figure.chart svg on ' + location.href };
const box = e => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height }; };
const figure = svg.closest('figure');
const fs = getComputedStyle(figure);
const fb = box(figure);
const content = { left: fb.left + parseFloat(fs.paddingLeft), right: fb.right - parseFloat(fs.paddingRight) };
const texts = [...svg.querySelectorAll('text')].map(t => ({
  cls: t.getAttribute('class') || '',
  text: [...t.querySelectorAll('tspan')].length
    ? [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ')
    : t.textContent,
  lines: Math.max(1, t.querySelectorAll('tspan').length),
  fontSize: getComputedStyle(t).fontSize,
  box: box(t),
}));
return {
  svg: box(svg),
  content,
  texts,
  tracks: [...svg.querySelectorAll('.chart-track')].map(box),
  bars: [...svg.querySelectorAll('.chart-bar')].map(box),
  caption: (figure.querySelector('figcaption') || {}).textContent || '',
  innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
};
"#;

fn main() -> ExitCode {
    harness::run(&[(
        "chart_text_stays_inside_its_box_at_320_390_and_1280_px_light_and_dark",
        chart_text_stays_inside_its_box,
    )])
}

fn chart_text_stays_inside_its_box() -> Outcome {
    let name = "chart_text_stays_inside_its_box_at_320_390_and_1280_px_light_and_dark";
    let Some(tools) = tools::require(name, &[Tool::Chromium, Tool::Chromedriver]) else {
        return Outcome::Ignored("Chromium or chromedriver is missing".to_owned());
    };
    let site = Site::build();
    let browser = Browser::start(tools.chromedriver(), tools.chromium());
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    fs::create_dir_all(&out).expect("create target/screenshots");

    let mut failures = Vec::new();
    let mut written = Vec::new();
    for (width, height) in VIEWPORTS {
        browser.set_viewport(width, height);
        browser.navigate(&site.url(CHART_PAGE));
        let mut shots = Vec::new();
        for scheme in COLOR_SCHEMES {
            browser.set_color_scheme(scheme);
            let case = format!("{width} px, {scheme}");
            let chart = browser.execute(MEASURE, vec![]);
            if let Some(error) = chart["error"].as_str() {
                panic!("{case}: {error}");
            }
            failures.extend(check(&chart).into_iter().map(|f| format!("{case}: {f}")));
            browser.execute(
                "document.querySelector('figure.chart').scrollIntoView({ block: 'center', behavior: 'instant' });",
                vec![],
            );
            let png = browser.screenshot();
            let file = out.join(format!("chart-{width}-{scheme}.png"));
            fs::write(&file, &png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
            written.push(file);
            shots.push(png);
        }
        assert_ne!(
            shots[0], shots[1],
            "the chart at {width} px looks the same in light and dark color schemes"
        );
    }
    assert!(
        failures.is_empty(),
        "the chart on {CHART_PAGE} does not fit its text ({}):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    eprintln!(
        "chart: fits at {VIEWPORTS:?} px, light and dark; screenshots: {} files in {}",
        written.len(),
        out.display()
    );
    Outcome::Passed
}

/// A box from the measurement script.
#[derive(Debug, Clone, Copy)]
struct Rect {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Rect {
    fn of(value: &Value) -> Rect {
        let n = |key: &str| {
            value[key]
                .as_f64()
                .unwrap_or_else(|| panic!("a box without `{key}`: {value}"))
        };
        Rect {
            left: n("left"),
            right: n("right"),
            top: n("top"),
            bottom: n("bottom"),
        }
    }

    fn width(&self) -> f64 {
        self.right - self.left
    }

    fn inside(&self, outer: &Rect) -> bool {
        self.left >= outer.left - SLACK
            && self.right <= outer.right + SLACK
            && self.top >= outer.top - SLACK
            && self.bottom <= outer.bottom + SLACK
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right - SLACK
            && other.left < self.right - SLACK
            && self.top < other.bottom - SLACK
            && other.top < self.bottom - SLACK
    }
}

/// What is wrong with one measurement of the chart.
fn check(chart: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let svg = Rect::of(&chart["svg"]);
    let texts = chart["texts"].as_array().expect("a list of texts");
    let mut boxes = Vec::new();
    for t in texts {
        let text = t["text"].as_str().unwrap_or_default();
        let b = Rect::of(&t["box"]);
        if !b.inside(&svg) {
            failures.push(format!(
                "{text:?} ({}) runs out of the SVG's box: text {b:?}, SVG {svg:?}",
                t["cls"]
            ));
        }
        if let Some((other, _)) = boxes.iter().find(|(_, o): &&(&str, Rect)| o.overlaps(&b)) {
            failures.push(format!("{text:?} overlaps {other:?}"));
        }
        boxes.push((text, b));
    }
    let of_class = |class: &str| -> Vec<String> {
        texts
            .iter()
            .filter(|t| t["cls"].as_str().is_some_and(|c| c.contains(class)))
            .map(|t| t["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let labels = of_class("chart-label");
    if labels != LABELS {
        failures.push(format!("the labels read {labels:?}, not {LABELS:?}"));
    }
    let values = of_class("chart-value");
    if values != VALUES {
        failures.push(format!("the values read {values:?}, not {VALUES:?}"));
    }
    for t in texts {
        if t["fontSize"].as_str() != Some("15px") && t["fontSize"].as_str() != Some("16px") {
            failures.push(format!(
                "{} is drawn at {}, not at the theme's 15 or 16 px",
                t["text"], t["fontSize"]
            ));
        }
    }
    let content = &chart["content"];
    let content_width =
        content["right"].as_f64().unwrap_or(0.0) - content["left"].as_f64().unwrap_or(0.0);
    if svg.width() < content_width - 1.0 {
        failures.push(format!(
            "the SVG is {:.0} px wide in a box of {content_width:.0} px",
            svg.width()
        ));
    }
    let tracks: Vec<Rect> = chart["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(Rect::of)
        .collect();
    let bars: Vec<Rect> = chart["bars"]
        .as_array()
        .expect("bars")
        .iter()
        .map(Rect::of)
        .collect();
    for (track, (bar, value)) in tracks.iter().zip(bars.iter().zip([0.5, 0.15])) {
        if track.width() < svg.width() - 1.0 {
            failures.push(format!(
                "a track is {:.0} px wide in an SVG of {:.0} px",
                track.width(),
                svg.width()
            ));
        }
        if (bar.width() - value * track.width()).abs() > 1.0 {
            failures.push(format!(
                "the bar for {value} is {:.1} px of a {:.1} px track",
                bar.width(),
                track.width()
            ));
        }
    }
    let inner = chart["innerWidth"].as_f64().unwrap_or(0.0);
    let scroll = chart["scrollWidth"].as_f64().unwrap_or(f64::INFINITY);
    if scroll > inner {
        failures.push(format!(
            "the page is {scroll} px wide in a {inner} px viewport"
        ));
    }
    let caption = chart["caption"].as_str().unwrap_or_default();
    for needed in [
        "does not say whether the 15% is a share of",
        "Psychology Today",
    ] {
        if !caption.contains(needed) {
            failures.push(format!("the caption {caption:?} does not say {needed:?}"));
        }
    }
    failures
}

//! The floor a static site generator cannot beat: read each `.md`, strip the front matter,
//! render it with pulldown-cmark, write one `.html` per page, on one thread.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use pulldown_cmark::{Options, Parser, html};

pub fn run(content: &Path, out: &Path) -> Duration {
    let started = Instant::now();
    fs::create_dir_all(out).expect("floor output folder");
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut count = 0;
    for entry in walkdir::WalkDir::new(content) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(entry.path()).expect("read");
        let body = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map_or(text.as_str(), |(_, body)| body);
        let mut page = String::with_capacity(body.len() * 3 / 2);
        html::push_html(&mut page, Parser::new_ext(body, options));
        count += 1;
        fs::write(out.join(format!("{count}.html")), page).expect("write");
    }
    started.elapsed()
}

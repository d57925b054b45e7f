//! Markdown: any text through the renderer, with links rewritten by `site::rewrite_link`
//! against a small index, then the HTML scanned like the link checker does.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use rekindle::base::markdown::{Options, render};
use rekindle::model::site::{LinkIndex, rewrite_link};

const DIRS: [&str; 3] = ["", "guide", "guide/deep"];
const BASES: [&str; 2] = ["/", "/repo/"];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    let dir = DIRS[usize::from(flags & 3) % DIRS.len()];
    let base = BASES[usize::from(flags >> 2 & 1)];
    let opts = Options {
        smart_punctuation: flags & 8 != 0,
        heading_anchors: flags & 16 != 0,
    };
    let index: LinkIndex = [
        ("_index.md", ""),
        ("guide/_index.md", "guide/"),
        ("guide/01-first.md", "guide/first/"),
        ("guide/deep/_index.md", "guide/deep/"),
        ("guide/deep/x.md", "guide/deep/x/"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), format!("{base}{v}")))
    .collect();
    let r = render(body, &opts, &|dest| {
        let out = rewrite_link(dest, dir, &index, base);
        if let Some(url) = &out {
            assert!(
                url.starts_with(base) || url.starts_with('#'),
                "{dest:?} -> {url:?}"
            );
            assert!(
                !url.split(['#', '?'])
                    .next()
                    .unwrap_or("")
                    .split('/')
                    .any(|s| s == ".."),
                "{dest:?} -> {url:?}"
            );
        }
        out
    });
    let mut seen = HashSet::new();
    for h in &r.headings {
        assert!(!h.id.is_empty(), "empty heading id");
        assert!(
            seen.insert(h.id.as_str()),
            "duplicate heading id {:?}",
            h.id
        );
    }
    let toc = r.toc();
    let in_toc: usize = toc.iter().map(|e| 1 + e.children.len()).sum();
    let wanted = r.headings.iter().filter(|h| h.level == 2 || h.level == 3);
    assert_eq!(in_toc, wanted.count(), "the table of contents lost a heading");
    let lines = body.split('\n').count();
    for link in &r.links {
        assert!(
            link.line >= 1 && link.line <= lines,
            "link line {} of {lines}",
            link.line
        );
        assert!(link.col >= 1);
    }
    let _ = rekindle::base::html::scan(&r.html);
});

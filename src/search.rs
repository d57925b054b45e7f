//! The search index: every page's title and URL, and under each heading its anchor, its title
//! and the start of its text, as compact JSON for the theme's search script. Pure.

use std::io::{self, Write};

use serde::Serialize;

use crate::site::{Node, Site};

/// One page: `[title, path, [[anchor, heading, text], ...]]`.
#[derive(Serialize)]
struct Entry<'a>(&'a str, &'a str, Vec<(&'a str, &'a str, &'a str)>);

/// Writes the index of the whole site, in reading order, entry by entry: a large site's
/// index is never held in memory whole.
pub fn write_index(site: &Site, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, node) in site.reading_order.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &entry_of(site, *node))?;
    }
    out.write_all(b"]")
}

/// The index from its entries (`entry` of each node, in reading order).
pub fn join(entries: &[String]) -> String {
    let mut out = String::with_capacity(entries.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
    out.push('[');
    out.push_str(&entries.join(","));
    out.push(']');
    out
}

/// One node's entry, as JSON.
pub fn entry(site: &Site, node: Node) -> String {
    serde_json::to_string(&entry_of(site, node)).unwrap_or_else(|_| "[]".to_string())
}

fn entry_of(site: &Site, node: Node) -> Entry<'_> {
    let (title, path, rendered) = match node {
        Node::Page(p) => {
            let page = &site.pages[p];
            (&page.doc.meta.title, &page.path, &page.rendered)
        }
        Node::Section(s) => {
            let section = &site.sections[s];
            (&section.doc.meta.title, &section.path, &section.rendered)
        }
    };
    let parts = rendered
        .sections
        .iter()
        .filter(|s| !s.text.is_empty() || !s.title.is_empty())
        .map(|s| (s.id.as_str(), s.title.as_str(), s.text.trim_end()))
        .collect();
    Entry(title, path, parts)
}

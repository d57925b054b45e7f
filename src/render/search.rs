//! The search index: every page's title and URL, and under each heading its anchor, its title
//! and the start of its text, as compact JSON for the theme's search script. Pure.

use std::io::{self, Write};

use crate::base::escape::push_json_string;
use crate::model::site::{Node, Site};

/// Writes the index of the whole site, in reading order, entry by entry: a large site's
/// index is never held in memory whole.
pub fn write_index(site: &Site, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, node) in site.reading_order.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_entry(site, *node, out)?;
    }
    out.write_all(b"]")
}

/// The index from its entries (`entry` of each node, in reading order).
pub fn join<'a>(entries: impl Iterator<Item = &'a str> + Clone) -> String {
    let mut out = String::with_capacity(entries.clone().map(|e| e.len() + 1).sum::<usize>() + 2);
    out.push('[');
    for (i, entry) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(entry);
    }
    out.push(']');
    out
}

/// One node's entry, as JSON.
pub fn entry(site: &Site, node: Node) -> String {
    let mut out = Vec::new();
    let _ = write_entry(site, node, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes `[title, path, [[anchor, heading, text], ...]]`.
fn write_entry(site: &Site, node: Node, out: &mut dyn Write) -> io::Result<()> {
    let of = site.node(node);
    let (title, path, rendered) = (of.title, of.path, of.rendered);
    let mut head = String::with_capacity(title.len() + path.len() + 8);
    head.push('[');
    push_json_string(&mut head, title);
    head.push(',');
    push_json_string(&mut head, path);
    head.push(',');
    out.write_all(head.as_bytes())?;
    out.write_all(rendered.search.as_bytes())?;
    out.write_all(b"]")
}

//! The search index: every page's title and URL, and under each heading its anchor, its title
//! and the start of its text, as compact JSON for the theme's search script. Pure.

use std::io::{self, Write};

use crate::site::{Node, Site};

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

/// Rows of strings as a JSON array of arrays: `[["a","b"],["c","d"]]`.
pub fn json_rows<'a, const N: usize>(rows: impl Iterator<Item = [&'a str; N]> + Clone) -> String {
    // Sized for the text and its quotes and commas, so that it is allocated once.
    let size = rows.clone().flatten().map(|s| s.len() + 3).sum::<usize>();
    let mut out = String::with_capacity(size + 2 + rows.clone().count() * 3);
    out.push('[');
    for (i, row) in rows.enumerate() {
        out.push_str(if i == 0 { "[" } else { ",[" });
        for (j, cell) in row.into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_string(&mut out, cell);
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// Appends `text` as a JSON string, escaped as serde_json escapes it: `"` and `\\` with a
/// backslash, control characters as `\n`, `\t`... or `\u00XX`. Text is read eight bytes at a
/// time: most words have nothing to escape.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let b = bytes[at];
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.push_str(&text[copied..at]);
            push_escape(out, b);
            copied = at + 1;
        }
        at += 1;
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

/// Whether any of the eight bytes of `word` is a control character, `"` or `\\`.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    // Exact as a yes or no for a bound up to 0x80 (the bits it sets may be off).
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Appends the JSON escape of one byte that needs it.
fn push_escape(out: &mut String, b: u8) {
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "(?s).{0,40}|[\"\\\\\\x00-\\x1f a-zé]{0,40}") {
            let mut out = String::new();
            push_json_string(&mut out, &text);
            prop_assert_eq!(out, serde_json::to_string(&text).unwrap());
        }
    }

    #[test]
    fn rows_are_an_array_of_arrays() {
        let rows = [
            ["", "", "Before \"any\" heading"],
            ["a\\b", "A\tB", "x\u{1}y"],
        ];
        let json = json_rows(rows.iter().copied());
        assert_eq!(json, serde_json::to_string(&rows).unwrap());
        assert_eq!(json_rows(std::iter::empty::<[&str; 3]>()), "[]");
    }
}

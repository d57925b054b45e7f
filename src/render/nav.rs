//! The guide navigation each page shows, bounded: a small site lists every part; past `FULL`
//! parts, the nav holds the top-level parts, the sections above the current page, and a
//! window of `WINDOW` entries of each of their lists, so that no page grows with the site.

use std::borrow::Cow;

use serde::Serialize;

use crate::model::site::{Kind, Node, Site};

/// A site of at most this many pages and sections lists every one in each page's nav.
pub const FULL: usize = 50;

/// Past `FULL`, the most entries of one list the nav holds at once.
pub const WINDOW: usize = 20;

/// One entry of the nav: a part of the guide, or a link to another window of a long list.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    title: Cow<'a, str>,
    path: &'a str,
    /// `home`, `section`, `page`, or `more` (a link to the first entry of another window).
    kind: Kind,
    /// A page's place in its section; 0 for the home, sections and top-level pages.
    number: usize,
    children: Vec<Entry<'a>>,
}

/// Which nav a node gets: the section whose list is open last, and the window of that list
/// that holds the node. Every page in the same window of a section shares one nav.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub section: usize,
    pub window: usize,
}

/// The nav of `node`, or of a file outside the reading order (tags, 404) for `None`.
pub fn key(site: &Site, node: Option<Node>) -> Key {
    if site.reading_order.len() <= FULL {
        return Key {
            section: 0,
            window: 0,
        };
    }
    match node {
        Some(Node::Page(p)) => {
            let page = &site.pages[p];
            let children = &site.sections[page.section].children;
            let at = children.iter().position(|n| *n == Node::Page(p));
            Key {
                section: page.section,
                window: at.unwrap_or(0) / WINDOW,
            }
        }
        Some(Node::Section(s)) => Key {
            section: s,
            window: 0,
        },
        None => Key {
            section: 0,
            window: 0,
        },
    }
}

/// How many windows the list of section `s` has (at least one).
pub fn windows(site: &Site, s: usize) -> usize {
    site.sections[s].children.len().div_ceil(WINDOW).max(1)
}

/// The nav for `key`: the home, then the home's list, each open section with its own.
pub fn build(site: &Site, key: Key) -> Vec<Entry<'_>> {
    let full = site.reading_order.len() <= FULL;
    let open = open_sections(site, key.section);
    let mut entries = vec![entry(site, Node::Section(0))];
    entries.extend(list(site, 0, &open, key, full));
    entries
}

/// `section` and the sections above it, the home last.
fn open_sections(site: &Site, section: usize) -> Vec<usize> {
    let mut open = vec![section];
    let mut current = section;
    while let Some(parent) = site.sections[current].parent {
        open.push(parent);
        current = parent;
    }
    open
}

/// The entries of section `s`'s list: all of them, or the window that holds the open
/// section below `s` (the window of `key` in the last open section), with links to the
/// windows before and after it.
fn list<'a>(site: &'a Site, s: usize, open: &[usize], key: Key, full: bool) -> Vec<Entry<'a>> {
    let children = &site.sections[s].children;
    let (from, to) = if full || children.len() <= WINDOW {
        (0, children.len())
    } else {
        let window = if s == key.section {
            key.window
        } else {
            let at = children
                .iter()
                .position(|n| matches!(n, Node::Section(c) if open.contains(c)));
            at.unwrap_or(0) / WINDOW
        };
        let from = (window * WINDOW).min(children.len().saturating_sub(1));
        (from, (from + WINDOW).min(children.len()))
    };
    let mut entries = Vec::with_capacity(to - from + 2);
    if from > 0 {
        entries.push(more(site, children, from - WINDOW.min(from), from));
    }
    for &child in &children[from..to] {
        let mut e = entry(site, child);
        if let Node::Section(c) = child
            && (full || open.contains(&c))
        {
            e.children = list(site, c, open, key, full);
        }
        entries.push(e);
    }
    if to < children.len() {
        let end = (to + WINDOW).min(children.len());
        entries.push(more(site, children, to, end));
    }
    entries
}

fn entry(site: &Site, node: Node) -> Entry<'_> {
    let of = site.node(node);
    let number = match node {
        Node::Page(p) if site.pages[p].section != 0 => site.pages[p].position,
        _ => 0,
    };
    Entry {
        title: Cow::Borrowed(of.title),
        path: of.path,
        kind: of.kind,
        number,
        children: Vec::new(),
    }
}

/// A link to the window `from..to` of a list: "Pages 21–40 of 500", to its first entry.
fn more<'a>(site: &'a Site, children: &[Node], from: usize, to: usize) -> Entry<'a> {
    let path = site.node(children[from]).path;
    let title = format!("Pages {}–{to} of {}", from + 1, children.len());
    Entry {
        title: Cow::Owned(title),
        path,
        kind: Kind::More,
        number: 0,
        children: Vec::new(),
    }
}

//! The whole guide on one page (`/all/`): every page in reading order, its ids made unique
//! and its links to other pages turned into links inside the page, its sources gathered
//! as numbered endnotes. Pure.

use std::collections::HashMap;

use serde::Serialize;

use crate::base::html::rewrite_attributes;
use crate::model::site::{Kind, Node, Site};

#[derive(Serialize)]
pub struct AllView<'a> {
    /// Each a `Part`, made a template value as soon as it is made: the one page of a large
    /// site holds megabytes of text, which should not be held twice.
    parts: Vec<tera::Value>,
    endnotes: Vec<Endnote<'a>>,
}

/// One page or section of the guide.
#[derive(Serialize)]
struct Part<'a> {
    title: &'a str,
    /// The id of the part on the one page.
    anchor: String,
    kind: Kind,
    depth: usize,
    /// Its place among its section's pages (0 for sections).
    number: usize,
    content: String,
    /// Its figures, shown as text (the chart belongs to the page itself).
    figures: Vec<crate::render::views::FigureView<'a>>,
    /// The numbers of its sources among the endnotes.
    notes: Vec<usize>,
}

#[derive(Serialize)]
struct Endnote<'a> {
    number: usize,
    publisher: &'a str,
    url: &'a str,
    title: Option<&'a str>,
}

/// Each node's id prefix on the one page, by its path: its flat name, with `-2`, `-3`... on
/// the later of two nodes whose names flatten alike (`/a-b/` and `/a/b/`).
fn anchors(site: &Site) -> HashMap<&str, String> {
    let mut taken = std::collections::HashSet::new();
    let mut anchors = HashMap::with_capacity(site.reading_order.len());
    for &node in &site.reading_order {
        let name = site.flat_name(node);
        let mut unique = name.clone();
        let mut n = 1;
        while !taken.insert(unique.clone()) {
            n += 1;
            unique = format!("{name}-{n}");
        }
        anchors.insert(path(site, node), unique);
    }
    anchors
}

/// The one-page view of `site`, and the links its parts hold (each as it is written on the
/// one page), which were checked on their own pages.
pub fn view(site: &Site) -> (AllView<'_>, ahash::AHashSet<String>) {
    let anchors = anchors(site);
    let mut links = ahash::AHashSet::new();
    let mut endnotes: Vec<Endnote> = Vec::new();
    let parts = site
        .reading_order
        .iter()
        .map(|&node| {
            let prefix = &anchors[path(site, node)];
            let (number, figures) = match node {
                Node::Page(p) => (site.pages[p].position, &site.pages[p].doc.meta.figures[..]),
                Node::Section(_) => (0, &[][..]),
            };
            let of = site.node(node);
            let html = &of.rendered.html;
            tera::Value::from_serializable(&Part {
                title: of.title,
                anchor: prefix.clone(),
                kind: of.kind,
                depth: site.depth(node),
                number,
                content: demote(&without_self_links(&relink(
                    html, prefix, &anchors, &mut links,
                ))),
                figures: crate::render::views::figures(figures),
                notes: notes(site, node, &mut endnotes),
            })
        })
        .collect();
    (AllView { parts, endnotes }, links)
}

fn path(site: &Site, node: Node) -> &str {
    site.node(node).path
}

/// Prefixes the part's ids and points its links to other parts at their place on the page;
/// adds each link as it ends up to `links`.
fn relink(
    html: &str,
    prefix: &str,
    anchors: &HashMap<&str, String>,
    links: &mut ahash::AHashSet<String>,
) -> String {
    rewrite_attributes(html, &mut |attr, value| {
        let new = match attr {
            "id" => return Some(format!("{prefix}--{value}")),
            "href" => inside(value, prefix, anchors),
            "srcset" => {
                let urls = crate::base::html::srcset_urls(value).into_iter();
                links.extend(urls.map(|(_, url)| url.to_string()));
                return None;
            }
            _ => None,
        };
        links.insert(new.clone().unwrap_or_else(|| value.to_string()));
        new
    })
}

/// Where a link to `value` points on the one page, when it leads to one of its parts.
fn inside(value: &str, prefix: &str, anchors: &HashMap<&str, String>) -> Option<String> {
    let (path, fragment) = value.split_once('#').unwrap_or((value, ""));
    let target = if path.is_empty() {
        prefix
    } else {
        anchors.get(path)?
    };
    Some(match fragment {
        "" => format!("#{target}"),
        f => format!("#{target}--{f}"),
    })
}

/// Drops the headings' `#` self-links: on one long page they only add weight (the contents
/// list links to every part).
fn without_self_links(html: &str) -> String {
    const START: &str = "<a class=\"anchor\" href=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(START) {
        out.push_str(&rest[..at]);
        match rest[at..].find("</a>") {
            Some(end) => rest = &rest[at + end + "</a>".len()..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Moves the part's headings one level down (h2 -> h3 ...), under the part's own h2.
fn demote(html: &str) -> String {
    let mut out = html.to_string();
    for level in (2..=5).rev() {
        out = out
            .replace(&format!("<h{level}"), &format!("<h{}", level + 1))
            .replace(&format!("</h{level}>"), &format!("</h{}>", level + 1));
    }
    out
}

/// Adds the node's sources to the endnotes (once each, by URL) and returns their numbers.
fn notes<'a>(site: &'a Site, node: Node, endnotes: &mut Vec<Endnote<'a>>) -> Vec<usize> {
    let Node::Page(p) = node else {
        return Vec::new();
    };
    site.pages[p]
        .doc
        .meta
        .sources
        .iter()
        .map(
            |source| match endnotes.iter().find(|e| e.url == source.url) {
                Some(e) => e.number,
                None => {
                    let number = endnotes.len() + 1;
                    endnotes.push(Endnote {
                        number,
                        publisher: &source.publisher,
                        url: &source.url,
                        title: source.title.as_deref(),
                    });
                    number
                }
            },
        )
        .collect()
}

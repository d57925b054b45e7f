//! Structured data for search engines (schema.org JSON-LD): an `Article` for every page and
//! section, a `BreadcrumbList` below the home, and a `HowTo` for a section that counts its
//! pages (`extra.counter`), written so that it can sit inside a `<script>` element.

use serde::Serialize;

use crate::input::config::Config;
use crate::input::content::Date;
use crate::model::site::{Node, Site};

/// A counted section with more pages than this gets no `HowTo`: its steps would outweigh
/// the page that carries them.
pub const MAX_STEPS: usize = 30;

#[derive(Serialize)]
struct Graph<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Thing<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "@type")]
enum Thing<'a> {
    Article(Article<'a>),
    BreadcrumbList(BreadcrumbList<'a>),
    HowTo(HowTo<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Article<'a> {
    headline: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<Person<'a>>,
    /// Only a full date: the source's own, never one made up.
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<Date>,
    url: String,
    main_entity_of_page: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    in_language: &'a str,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BreadcrumbList<'a> {
    item_list_element: Vec<ListItem<'a>>,
}

#[derive(Serialize)]
struct ListItem<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: usize,
    name: &'a str,
    item: String,
}

#[derive(Serialize)]
struct HowTo<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    step: Vec<HowToStep<'a>>,
}

#[derive(Serialize)]
struct HowToStep<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: usize,
    name: &'a str,
    text: &'a str,
    url: String,
}

/// The JSON-LD of a page or section: `image` is its card's URL, or "" when there is none.
pub fn of(config: &Config, site: &Site, node: Node, image: &str) -> String {
    let mut graph = vec![Thing::Article(article(config, site, node, image))];
    let crumbs = trail(config, site, node);
    if crumbs.len() > 1 {
        graph.push(Thing::BreadcrumbList(BreadcrumbList {
            item_list_element: crumbs,
        }));
    }
    if let Node::Section(s) = node
        && let Some(how_to) = how_to(config, site, s)
    {
        graph.push(Thing::HowTo(how_to));
    }
    let json = serde_json::to_string(&Graph {
        context: "https://schema.org",
        graph,
    });
    // Serializing these structs cannot fail: they hold only strings, numbers and lists.
    script_safe(&json.unwrap_or_default())
}

fn article<'a>(config: &'a Config, site: &'a Site, node: Node, image: &str) -> Article<'a> {
    let (title, description, path, authors, date, updated) = match node {
        Node::Page(p) => {
            let page = &site.pages[p];
            let meta = &page.doc.meta;
            let authors = meta.authors.as_deref().unwrap_or(&config.authors);
            let description = page.summary();
            (
                &meta.title,
                description,
                &page.path,
                authors,
                meta.date,
                meta.updated,
            )
        }
        Node::Section(s) => {
            let section = &site.sections[s];
            let meta = &section.doc.meta;
            let description = match section.description() {
                "" => &config.description,
                own => own,
            };
            (
                &meta.title,
                description,
                &section.path,
                &config.authors[..],
                None,
                None,
            )
        }
    };
    let url = config.base.permalink(path);
    Article {
        headline: title,
        description,
        author: (authors.iter())
            .map(|name| Person {
                kind: "Person",
                name,
            })
            .collect(),
        date_published: date,
        date_modified: updated.filter(|_| date.is_some()),
        main_entity_of_page: url.clone(),
        url,
        image: Some(image.to_string()).filter(|i| !i.is_empty()),
        in_language: &config.language,
    }
}

/// The home, the sections above `node` and `node` itself, as breadcrumbs.
fn trail<'a>(config: &Config, site: &'a Site, node: Node) -> Vec<ListItem<'a>> {
    let (mut chain, mut section) = match node {
        Node::Page(p) => (vec![node], Some(site.pages[p].section)),
        Node::Section(s) => (Vec::new(), Some(s)),
    };
    while let Some(s) = section {
        chain.push(Node::Section(s));
        section = site.sections[s].parent;
    }
    (chain.iter().rev().enumerate())
        .map(|(i, &n)| {
            let (name, path) = title_and_path(site, n);
            ListItem {
                kind: "ListItem",
                position: i + 1,
                name,
                item: config.base.permalink(path),
            }
        })
        .collect()
}

fn title_and_path(site: &Site, node: Node) -> (&str, &str) {
    let of = site.node(node);
    (of.title, of.path)
}

/// A counted section's pages as the steps of a `HowTo`, in order.
fn how_to<'a>(config: &Config, site: &'a Site, s: usize) -> Option<HowTo<'a>> {
    let section = &site.sections[s];
    let meta = &section.doc.meta;
    if section.counter.is_none() || section.pages.is_empty() || section.pages.len() > MAX_STEPS {
        return None;
    }
    let step = (section.pages.iter())
        .map(|&p| {
            let page = &site.pages[p];
            HowToStep {
                kind: "HowToStep",
                position: page.position,
                name: &page.doc.meta.title,
                text: page.summary(),
                url: config.base.permalink(&page.path),
            }
        })
        .collect();
    Some(HowTo {
        name: &meta.title,
        description: section.description(),
        step,
    })
}

/// JSON that cannot end the `<script>` element it sits in, nor open a comment there: `<`,
/// `>` and `&` only ever occur inside its strings, where `\u003c` means the same.
pub fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_escapes_what_could_close_the_script_and_means_the_same() {
        let json = serde_json::to_string("a </script><!-- & b").unwrap_or_default();
        let safe = script_safe(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: String = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, "a </script><!-- & b");
    }
}

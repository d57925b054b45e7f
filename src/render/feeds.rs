//! The machine-readable files of the site: sitemap.xml, robots.txt and the Atom feed (when a
//! page has a date), written to any `io::Write` (a large site's feeds are streamed to disk).

use std::io::{self, Write};

use crate::base::escape;
use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::model::site::{Node, Site};

/// True when some page has a date: only then is there an Atom feed. A feed of no entries
/// would have no date to give as its own `<updated>`.
pub fn has_dated_pages(site: &Site) -> bool {
    site.pages.iter().any(|p| p.doc.meta.date.is_some())
}

/// Every page and section, in reading order, with the last date the content gives.
pub fn sitemap(config: &Config, site: &Site, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    )?;
    for node in &site.reading_order {
        let date = match *node {
            Node::Section(_) => None,
            Node::Page(p) => {
                let meta = &site.pages[p].doc.meta;
                meta.updated.or(meta.date)
            }
        };
        let loc = escape::html(&config.base.permalink(site.node(*node).path));
        match date {
            Some(d) => writeln!(
                out,
                "  <url><loc>{loc}</loc><lastmod>{}</lastmod></url>",
                d.0
            ),
            None => writeln!(out, "  <url><loc>{loc}</loc></url>"),
        }?;
    }
    out.write_all(b"</urlset>\n")
}

/// Allows everything and points to the sitemap (whose address must be absolute, so the line
/// is left out while the site's URL has no host).
pub fn robots(config: &Config) -> String {
    let sitemap = config
        .base
        .permalink(&Fixed::Sitemap.path(&config.base.path));
    if sitemap.contains("://") {
        format!("User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n")
    } else {
        "User-agent: *\nAllow: /\n".to_string()
    }
}

/// An Atom feed of the dated pages, newest first. Writes nothing when no page has a date (see
/// `has_dated_pages`): such a site has no feed.
pub fn atom(config: &Config, site: &Site, out: &mut dyn Write) -> io::Result<()> {
    let mut dated: Vec<usize> = (0..site.pages.len())
        .filter(|&p| site.pages[p].doc.meta.date.is_some())
        .collect();
    dated.sort_by(|&a, &b| {
        let (a, b) = (&site.pages[a], &site.pages[b]);
        (b.doc.meta.date, a.order).cmp(&(a.doc.meta.date, b.order))
    });
    let updated = dated
        .iter()
        .filter_map(|&p| {
            site.pages[p]
                .doc
                .meta
                .updated
                .or(site.pages[p].doc.meta.date)
        })
        .max();
    let Some(updated) = updated else {
        return Ok(());
    };
    let home = config.base.permalink(&config.base.path);
    let feed = config.base.permalink(&Fixed::Atom.path(&config.base.path));
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"",
    )?;
    write!(
        out,
        "{}\">\n  <title>{}</title>\n  <id>{}</id>\n  <link rel=\"alternate\" href=\"{}\"/>\n  <link rel=\"self\" href=\"{}\"/>\n  <updated>{}T00:00:00Z</updated>\n",
        escape::html(&config.language),
        escape::html(&config.title),
        escape::html(&home),
        escape::html(&home),
        escape::html(&feed),
        updated.0,
    )?;
    for author in &config.authors {
        writeln!(
            out,
            "  <author><name>{}</name></author>",
            escape::html(author)
        )?;
    }
    for p in dated {
        entry(out, config, site, p)?;
    }
    out.write_all(b"</feed>\n")
}

fn entry(out: &mut dyn Write, config: &Config, site: &Site, p: usize) -> io::Result<()> {
    let page = &site.pages[p];
    let meta = &page.doc.meta;
    let link = escape::html(&config.base.permalink(&page.path));
    let published = meta.date.map(|d| d.0.to_string()).unwrap_or_default();
    let updated = meta
        .updated
        .or(meta.date)
        .map(|d| d.0.to_string())
        .unwrap_or_default();
    write!(
        out,
        "  <entry>\n    <title>{}</title>\n    <id>{link}</id>\n    <link rel=\"alternate\" href=\"{link}\"/>\n    <published>{published}T00:00:00Z</published>\n    <updated>{updated}T00:00:00Z</updated>\n    <summary>{}</summary>\n  </entry>\n",
        escape::html(&meta.title),
        escape::html(page.summary()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::config::Overrides;
    use crate::input::content::{Content, parse_document};
    use std::path::Path;
    use std::sync::Arc;

    /// The Atom feed of a site whose one dated page has the front matter `front`.
    fn atom_of(front: &str) -> String {
        let toml = "[book]\ntitle = \"T\"\n[site]\nurl = \"https://x.github.io/g/\"\n";
        let config = Config::parse(Path::new("."), toml, &Overrides::default()).unwrap();
        let mut content = Content::default();
        let home = "---\ntitle: Home\n---\n";
        let path = Path::new("content/_index.md");
        content.sections.push(Arc::new(
            parse_document(path, "_index.md".into(), home).unwrap(),
        ));
        let page = format!("---\ntitle: A\ndate: 2025-01-02\n{front}---\n\nThe opening.\n");
        let path = Path::new("content/a.md");
        content.pages.push(Arc::new(
            parse_document(path, "a.md".into(), &page).unwrap(),
        ));
        let site = crate::model::site::assemble(&config, content, &[], None).unwrap();
        let mut out = Vec::new();
        atom(&config, &site, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_entry_s_summary_is_its_description_else_its_opening_paragraph() {
        let described = atom_of("description: Its own words.\n");
        assert!(
            described.contains("<summary>Its own words.</summary>"),
            "{described}"
        );
        // A blank description is none, as everywhere else: the opening paragraph stands.
        for blank in ["", "description: \"\"\n", "description: \"   \"\n"] {
            let feed = atom_of(blank);
            assert!(feed.contains("<summary>The opening.</summary>"), "{feed}");
        }
    }
}

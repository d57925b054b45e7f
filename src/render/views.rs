//! The typed views templates see: `config`, `site`, `page`, `section`, `tag` and `meta`,
//! borrowed from the site model, never hand-assembled maps.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Value;

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::markdown::TocEntry;
use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::input::content::{Date, Extra, Figure, Source};
use crate::model::site::{Kind, Node, Page, Section, Site, Tag};

#[derive(Serialize)]
pub struct ConfigView<'a> {
    title: &'a str,
    authors: &'a [String],
    description: &'a str,
    language: &'a str,
    base_url: &'a str,
    base_path: &'a str,
    extra: &'a toml::Table,
}

pub fn config(config: &Config) -> ConfigView<'_> {
    ConfigView {
        title: &config.title,
        authors: &config.authors,
        description: &config.description,
        language: &config.language,
        base_url: &config.base.url,
        base_path: &config.base.path,
        extra: &config.extra,
    }
}

#[derive(Serialize)]
pub struct SiteView<'a> {
    tags_path: &'a str,
    /// The Atom feed's path, or "" when no page has a date and there is no feed.
    feed: String,
    sections: Vec<SectionSummary<'a>>,
    /// The top-level parts, in reading order: the home's sections and pages.
    parts: Vec<PartLink<'a>>,
    tags: Vec<TagCount<'a>>,
    reading_order: Vec<NavItem<'a>>,
}

/// A top-level part of the site in `site.parts`.
#[derive(Serialize)]
struct PartLink<'a> {
    title: &'a str,
    description: &'a str,
    path: &'a str,
    /// `Section` or `Page`.
    kind: Kind,
}

/// A tag in `site.tags`: how many pages it has, not which (those are in `tags`, given to
/// tags.html, and in `tag`): `site` is in the context of every render.
#[derive(Serialize)]
struct TagCount<'a> {
    name: &'a str,
    slug: &'a str,
    path: &'a str,
    permalink: String,
    count: usize,
}

#[derive(Serialize)]
struct NavItem<'a> {
    title: &'a str,
    path: &'a str,
    kind: Kind,
    depth: usize,
    number: usize,
}

/// A section in `site.sections`. Its pages are short `PageLink`s: this is in the context of
/// every render, so it stays small (the full summaries are in `section.pages`).
#[derive(Serialize)]
struct SectionSummary<'a> {
    title: &'a str,
    description: &'a str,
    path: &'a str,
    permalink: String,
    weight: i64,
    pages: Vec<PageLink<'a>>,
}

#[derive(Serialize)]
struct PageLink<'a> {
    title: &'a str,
    description: &'a str,
    path: &'a str,
}

#[derive(Serialize)]
pub struct PageSummary<'a> {
    title: &'a str,
    description: &'a str,
    summary: &'a str,
    path: &'a str,
    permalink: String,
    date: Option<Date>,
    tags: Vec<Value>,
    position: usize,
    reading_time: usize,
}

#[derive(Serialize)]
struct TagRef<'a> {
    name: &'a str,
    slug: &'a str,
    path: &'a str,
}

/// A tag and its pages: as `{title, path}` links in `tags` (tags.html), as page summaries
/// in `tag` (tag.html).
#[derive(Serialize)]
pub struct TagView<'a, P> {
    name: &'a str,
    slug: &'a str,
    path: &'a str,
    permalink: String,
    pages: Vec<P>,
    /// For tag.html: which page of the tag's listing this is (`pages` holds its part).
    pager: Option<Pager>,
}

/// Where one page of a listing stands among the listing's pages.
#[derive(Serialize)]
pub struct Pager {
    /// 1-based.
    number: usize,
    /// How many pages the listing takes.
    count: usize,
    /// How many items the whole listing holds.
    total: usize,
    prev: Option<PagerLink>,
    next: Option<PagerLink>,
}

/// Another page of a listing: "Page 2" and its path.
#[derive(Serialize)]
struct PagerLink {
    title: String,
    path: String,
}

fn tag_view<'a, P>(config: &Config, tag: &'a Tag, page: impl Fn(usize) -> P) -> TagView<'a, P> {
    TagView {
        name: &tag.name,
        slug: &tag.slug,
        path: &tag.path,
        permalink: config.base.permalink(&tag.path),
        pages: tag.pages.iter().map(|&p| page(p)).collect(),
        pager: None,
    }
}

/// Every tag with its pages as `{title, path}` links, for tags.html.
pub fn tags<'a>(config: &Config, site: &'a Site, shared: &Shared) -> Vec<TagView<'a, Value>> {
    site.tags
        .iter()
        .map(|tag| tag_view(config, tag, |p| shared.link(site, Node::Page(p))))
        .collect()
}

/// Title and path of a neighbour or an ancestor.
#[derive(Serialize)]
pub struct LinkView<'a> {
    title: &'a str,
    path: &'a str,
}

/// What many contexts show, converted to template values once and shared (a tera value is
/// reference-counted): every node's `{title, path}` link, as a neighbour, an ancestor or in
/// a tag's list, and every tag's `{name, slug, path}`. Each is made on first use, so a render
/// of a few pages (a rebuild in `serve`) makes only the few it needs.
pub struct Shared {
    pages: Vec<OnceLock<Value>>,
    sections: Vec<OnceLock<Value>>,
    tags: Vec<OnceLock<Value>>,
    /// Each section as its pages' `page.section`.
    section_refs: Vec<OnceLock<Value>>,
    /// The site's authors, for the pages that name none.
    authors: OnceLock<Value>,
    /// The guide navigation, by section and window (see `nav::Key`).
    navs: Vec<Vec<OnceLock<Value>>>,
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
        let cells = |n: usize| (0..n).map(|_| OnceLock::new()).collect();
        Shared {
            pages: cells(site.pages.len()),
            sections: cells(site.sections.len()),
            tags: cells(site.tags.len()),
            section_refs: cells(site.sections.len()),
            authors: OnceLock::new(),
            navs: (0..site.sections.len())
                .map(|s| cells(crate::render::nav::windows(site, s)))
                .collect(),
        }
    }

    /// The guide navigation of `node` (`None` for a file outside the reading order), made
    /// once for all the nodes that show the same.
    pub fn nav(&self, site: &Site, node: Option<Node>) -> Value {
        let key = crate::render::nav::key(site, node);
        let cell = self.navs.get(key.section).and_then(|w| w.get(key.window));
        cached(cell, || {
            Value::from_serializable(&crate::render::nav::build(site, key))
        })
    }

    /// `page.section` of the pages of section `s`.
    fn section_ref(&self, site: &Site, s: usize) -> Value {
        let section = &site.sections[s];
        cached(self.section_refs.get(s), || {
            Value::from_serializable(&SectionRef {
                title: &section.doc.meta.title,
                path: &section.path,
                is_home: s == 0,
            })
        })
    }

    /// `page.authors`: the page's own, else the site's.
    fn authors(&self, config: &Config, page: &Page) -> Value {
        match page.doc.meta.authors.as_deref() {
            Some(own) => Value::from_serializable(own),
            None => cached(Some(&self.authors), || {
                Value::from_serializable(&config.authors)
            }),
        }
    }

    fn link(&self, site: &Site, node: Node) -> Value {
        let cell = match node {
            Node::Page(p) => self.pages.get(p),
            Node::Section(s) => self.sections.get(s),
        };
        let of = site.node(node);
        let (title, path) = (of.title, of.path);
        cached(cell, || Value::from_serializable(&LinkView { title, path }))
    }

    fn tags_of(&self, site: &Site, page: &Page) -> Vec<Value> {
        (page.tags.iter())
            .map(|&t| {
                let tag = &site.tags[t];
                cached(self.tags.get(t), || {
                    Value::from_serializable(&TagRef {
                        name: &tag.name,
                        slug: &tag.slug,
                        path: &tag.path,
                    })
                })
            })
            .collect()
    }
}

/// The value in `cell`, made by `make` the first time.
fn cached(cell: Option<&OnceLock<Value>>, make: impl FnOnce() -> Value) -> Value {
    match cell {
        Some(cell) => cell.get_or_init(make).clone(),
        None => make(),
    }
}

#[derive(Serialize)]
struct SectionRef<'a> {
    title: &'a str,
    path: &'a str,
    is_home: bool,
}

#[derive(Serialize)]
pub struct FigureView<'a> {
    label: &'a str,
    value: f64,
    unit: &'a str,
    /// How the source states the number (`about`), or empty.
    qualifier: &'a str,
    /// The value with its unit (`50%`).
    number: String,
    /// The value as the source states it, as a reader sees it (`about 50%`).
    text: String,
    /// What a reader needs to read the number right, or empty.
    note: &'a str,
    fraction: f64,
}

#[derive(Serialize)]
pub struct PageView<'a> {
    title: &'a str,
    /// The title as HTML, inline Markdown rendered (`Running <code>mdbook</code>`).
    title_html: Cow<'a, str>,
    description: &'a str,
    summary: &'a str,
    content: &'a str,
    toc: Vec<TocEntry<'a>>,
    path: &'a str,
    permalink: String,
    date: Option<Date>,
    updated: Option<Date>,
    authors: Value,
    tags: Vec<Value>,
    weight: i64,
    word_count: usize,
    reading_time: usize,
    extra: &'a Extra,
    figures: Vec<FigureView<'a>>,
    sources: &'a [Source],
    section: Value,
    position: usize,
    section_length: usize,
    /// "Step 2 of 4" (see `kicker`).
    kicker: String,
    prev: Option<Value>,
    next: Option<Value>,
    prev_in_section: Option<Value>,
    next_in_section: Option<Value>,
    breadcrumbs: Vec<Value>,
}

#[derive(Serialize)]
pub struct SectionView<'a> {
    title: &'a str,
    title_html: Cow<'a, str>,
    description: &'a str,
    content: &'a str,
    toc: Vec<TocEntry<'a>>,
    path: &'a str,
    permalink: String,
    pages: Vec<PageSummary<'a>>,
    subsections: Vec<Value>,
    extra: &'a Extra,
    /// The word that counts its pages (`extra.counter`, "Step"), or "".
    counter: &'a str,
    breadcrumbs: Vec<Value>,
    prev: Option<Value>,
    next: Option<Value>,
    is_home: bool,
}

/// What `<head>` needs, for every template.
#[derive(Serialize)]
pub struct Meta<'a> {
    title: &'a str,
    description: &'a str,
    /// The absolute URL of the social preview card, or "" when cards are off.
    image: String,
    path: String,
    permalink: String,
    kind: Kind,
    /// Structured data for search engines (JSON-LD, safe inside `<script>`), or "".
    json_ld: String,
}

pub fn site<'a>(config: &'a Config, site: &'a Site) -> SiteView<'a> {
    let sections = site
        .reading_order
        .iter()
        .filter_map(|n| match *n {
            Node::Section(s) if s > 0 => Some(section_summary(config, site, &site.sections[s])),
            _ => None,
        })
        .collect();
    let tags = site
        .tags
        .iter()
        .map(|tag| TagCount {
            name: &tag.name,
            slug: &tag.slug,
            path: &tag.path,
            permalink: config.base.permalink(&tag.path),
            count: tag.pages.len(),
        })
        .collect();
    let reading_order = site
        .reading_order
        .iter()
        .map(|n| nav_item(site, *n))
        .collect();
    let feed = match crate::render::feeds::has_dated_pages(site) {
        true => Fixed::Atom.path(&config.base.path),
        false => String::new(),
    };
    SiteView {
        tags_path: &site.tags_path,
        feed,
        sections,
        parts: site.sections[0]
            .children
            .iter()
            .map(|n| part_link(site, *n))
            .collect(),
        tags,
        reading_order,
    }
}

fn part_link(site: &Site, node: Node) -> PartLink<'_> {
    let of = site.node(node);
    PartLink {
        title: of.title,
        description: of.description,
        path: of.path,
        kind: of.kind,
    }
}

fn nav_item(site: &Site, node: Node) -> NavItem<'_> {
    let of = site.node(node);
    NavItem {
        title: of.title,
        path: of.path,
        kind: of.kind,
        depth: site.depth(node),
        number: match node {
            Node::Page(p) => site.pages[p].position,
            Node::Section(_) => 0,
        },
    }
}

fn section_summary<'a>(
    config: &Config,
    site: &'a Site,
    section: &'a Section,
) -> SectionSummary<'a> {
    let page_link = |p: usize| {
        let page = &site.pages[p];
        PageLink {
            title: &page.doc.meta.title,
            description: page.description(),
            path: &page.path,
        }
    };
    SectionSummary {
        title: &section.doc.meta.title,
        description: section.description(),
        path: &section.path,
        permalink: config.base.permalink(&section.path),
        weight: section.doc.meta.weight,
        pages: section.pages.iter().map(|&p| page_link(p)).collect(),
    }
}

fn page_summary<'a>(
    config: &'a Config,
    site: &'a Site,
    shared: &Shared,
    p: usize,
) -> PageSummary<'a> {
    let page = &site.pages[p];
    PageSummary {
        title: &page.doc.meta.title,
        description: page.description(),
        summary: page.summary(),
        path: &page.path,
        permalink: config.base.permalink(&page.path),
        date: page.doc.meta.date,
        tags: shared.tags_of(site, page),
        position: page.position,
        reading_time: reading_time(page.rendered.word_count),
    }
}

/// A title's HTML: its inline Markdown rendered, else its text escaped.
fn title_html<'a>(title: &'a str, html: &'a Option<String>) -> Cow<'a, str> {
    match html {
        Some(html) => Cow::Borrowed(html),
        None => Cow::Owned(crate::base::escape::html(title)),
    }
}

/// Minutes at 200 words a minute, at least one.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(200).max(1)
}

fn neighbours(site: &Site, shared: &Shared, order: usize) -> (Option<Value>, Option<Value>) {
    let prev = order.checked_sub(1).and_then(|i| site.reading_order.get(i));
    let next = site.reading_order.get(order + 1);
    (
        prev.map(|n| shared.link(site, *n)),
        next.map(|n| shared.link(site, *n)),
    )
}

/// The sections above `section` and `section` itself, home first.
fn trail(site: &Site, shared: &Shared, section: usize) -> Vec<Value> {
    let mut chain = vec![section];
    let mut current = section;
    while let Some(parent) = site.sections[current].parent {
        chain.push(parent);
        current = parent;
    }
    if current != 0 {
        chain.push(0);
    }
    chain
        .iter()
        .rev()
        .map(|&s| shared.link(site, Node::Section(s)))
        .collect()
}

pub fn page<'a>(config: &'a Config, site: &'a Site, shared: &Shared, p: usize) -> PageView<'a> {
    let page = &site.pages[p];
    let meta = &page.doc.meta;
    let section = &site.sections[page.section];
    let (prev, next) = neighbours(site, shared, page.order);
    let in_section = |i: Option<usize>| {
        i.and_then(|i| section.pages.get(i))
            .map(|&q| shared.link(site, Node::Page(q)))
    };
    PageView {
        title: &meta.title,
        title_html: title_html(&meta.title, &meta.title_html),
        description: page.description(),
        summary: page.summary(),
        content: &page.rendered.html,
        toc: page.rendered.toc(),
        path: &page.path,
        permalink: config.base.permalink(&page.path),
        date: meta.date,
        updated: meta.updated,
        authors: shared.authors(config, page),
        tags: shared.tags_of(site, page),
        weight: meta.weight,
        word_count: page.rendered.word_count,
        reading_time: reading_time(page.rendered.word_count),
        extra: &meta.extra,
        figures: figures(&meta.figures),
        sources: &meta.sources,
        section: shared.section_ref(site, page.section),
        position: page.position,
        section_length: section.pages.len(),
        kicker: kicker(site, p),
        prev,
        next,
        prev_in_section: in_section(page.position.checked_sub(2)),
        next_in_section: in_section(Some(page.position)),
        breadcrumbs: trail(site, shared, page.section),
    }
}

/// Where a page stands in its section, as readers see it: "Step 2 of 4" when the section's
/// `extra.counter` is "Step", else "2 of 4 in Section title"; "" for pages of the home.
pub fn kicker(site: &Site, p: usize) -> String {
    let page = &site.pages[p];
    if page.section == 0 {
        return String::new();
    }
    let section = &site.sections[page.section];
    let (n, of) = (page.position.to_string(), section.pages.len().to_string());
    let counter = section.counter.as_deref();
    // Joined, not formatted: every page has one.
    match counter {
        Some(counter) => [counter, " ", &n, " of ", &of].concat(),
        None => [&n, " of ", &of, " in ", &section.doc.meta.title].concat(),
    }
}

pub fn figures(list: &[Figure]) -> Vec<FigureView<'_>> {
    let max = list.iter().map(|f| f.value).fold(0.0_f64, f64::max);
    list.iter()
        .map(|f| {
            let fraction = if f.unit == "%" {
                f.value / 100.0
            } else if max > 0.0 {
                f.value / max
            } else {
                0.0
            };
            FigureView {
                label: &f.label,
                value: f.value,
                unit: &f.unit,
                qualifier: f.qualifier.as_deref().map_or("", str::trim),
                number: f.number(),
                text: f.display(),
                note: f.note.as_deref().map_or("", str::trim),
                fraction: fraction.clamp(0.0, 1.0),
            }
        })
        .collect()
}

pub fn section<'a>(
    config: &'a Config,
    site: &'a Site,
    shared: &Shared,
    s: usize,
) -> SectionView<'a> {
    let section = &site.sections[s];
    let (prev, next) = neighbours(site, shared, section.order);
    let mut breadcrumbs = section
        .parent
        .map_or_else(Vec::new, |p| trail(site, shared, p));
    if s != 0 && breadcrumbs.is_empty() {
        breadcrumbs.push(shared.link(site, Node::Section(0)));
    }
    SectionView {
        title: &section.doc.meta.title,
        title_html: title_html(&section.doc.meta.title, &section.doc.meta.title_html),
        description: section.description(),
        content: &section.rendered.html,
        toc: section.rendered.toc(),
        path: &section.path,
        permalink: config.base.permalink(&section.path),
        pages: section
            .pages
            .iter()
            .map(|&p| page_summary(config, site, shared, p))
            .collect(),
        subsections: section
            .children
            .iter()
            .filter(|n| matches!(n, Node::Section(_)))
            .map(|n| shared.link(site, *n))
            .collect(),
        extra: &section.doc.meta.extra,
        counter: section.counter.as_deref().unwrap_or(""),
        breadcrumbs,
        prev,
        next,
        is_home: s == 0,
    }
}

/// Page `k` (0-based) of tag `t`'s listing, for tag.html.
pub fn tag<'a>(
    config: &'a Config,
    site: &'a Site,
    shared: &Shared,
    t: usize,
    k: usize,
) -> TagView<'a, PageSummary<'a>> {
    let tag = &site.tags[t];
    let link = |k: usize| PagerLink {
        title: format!("Page {}", k + 1),
        path: tag.listing_path(k),
    };
    let count = tag.listing_pages();
    TagView {
        name: &tag.name,
        slug: &tag.slug,
        path: &tag.path,
        permalink: config.base.permalink(&tag.path),
        pages: (tag.listing(k).iter())
            .map(|&p| page_summary(config, site, shared, p))
            .collect(),
        pager: Some(Pager {
            number: k + 1,
            count,
            total: tag.pages.len(),
            prev: k.checked_sub(1).map(link),
            next: (k + 1 < count).then(|| link(k + 1)),
        }),
    }
}

pub fn page_meta<'a>(config: &'a Config, page: &'a Page) -> Meta<'a> {
    let meta = &page.doc.meta;
    Meta {
        title: &meta.title,
        description: page.summary(),
        path: page.path.clone(),
        permalink: config.base.permalink(&page.path),
        kind: Kind::Page,
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

pub fn section_meta<'a>(config: &'a Config, section: &'a Section) -> Meta<'a> {
    Meta {
        title: &section.doc.meta.title,
        description: section.description(),
        path: section.path.clone(),
        permalink: config.base.permalink(&section.path),
        kind: match section.parent {
            None => Kind::Home,
            Some(_) => Kind::Section,
        },
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

/// The `meta` of page `k` (0-based) of a tag's listing.
pub fn tag_meta<'a>(config: &'a Config, tag: &'a Tag, k: usize) -> Meta<'a> {
    let path = tag.listing_path(k);
    Meta {
        title: &tag.name,
        description: "",
        permalink: config.base.permalink(&path),
        path,
        kind: Kind::Tag,
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

pub fn tags_meta<'a>(config: &'a Config, site: &'a Site) -> Meta<'a> {
    Meta {
        title: "Tags",
        description: "",
        path: site.tags_path.clone(),
        permalink: config.base.permalink(&site.tags_path),
        kind: Kind::Tags,
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

pub fn all_meta(config: &Config) -> Meta<'_> {
    let path = Fixed::OnePage.path(&config.base.path);
    Meta {
        title: "The whole guide on one page",
        description: "",
        permalink: config.base.permalink(&path),
        path,
        kind: Kind::All,
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

pub fn not_found_meta(config: &Config) -> Meta<'_> {
    let path = Fixed::NotFound.path(&config.base.path);
    Meta {
        title: "Page not found",
        description: "",
        permalink: config.base.permalink(&path),
        path,
        kind: Kind::NotFound,
        image: String::new(),
        json_ld: String::new(),
    }
    .or_site_description(config)
}

impl<'a> Meta<'a> {
    /// Points the page's social preview at the card of `node`.
    pub fn with_card(mut self, config: &Config, site: &Site, node: Node) -> Self {
        if config.cards {
            self.image =
                config
                    .base
                    .permalink(&format!("{}{}", config.base.path, site.card_file(node)));
        }
        self
    }

    /// Adds the structured data of `node` (after `with_card`, whose image it names).
    pub fn with_json_ld(mut self, config: &Config, site: &Site, node: Node) -> Self {
        self.json_ld = crate::render::jsonld::of(config, site, node, &self.image);
        self
    }

    fn or_site_description(mut self, config: &'a Config) -> Self {
        if self.description.trim().is_empty() {
            self.description = &config.description;
        }
        self
    }
}

/// The template a page is rendered with: its `template`, else its section's
/// `page_template`, else `page.html`. A missing one is an error at the line that names it.
pub fn page_template(site: &Site, p: usize, exists: impl Fn(&str) -> bool) -> Result<String> {
    let page = &site.pages[p];
    let section = &site.sections[page.section];
    let (name, doc_path, line) = match (&page.doc.meta.template, &section.doc.meta.page_template) {
        (Some(t), _) => (t, &page.doc.path, page.doc.line_of("template")),
        (None, Some(t)) => (t, &section.doc.path, section.doc.line_of("page_template")),
        (None, None) => return Ok("page.html".to_string()),
    };
    if exists(name) {
        return Ok(name.clone());
    }
    let msg = format!("template `{name}` does not exist in the theme");
    let hint = "name a file of the theme's templates/ folder, or remove the field to use page.html";
    Err(Error::Content(
        Diagnostic::at(doc_path, line, 1, msg).with_hint(hint),
    ))
}

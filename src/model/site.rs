//! Pure assembly of the site model: URLs, ordering, reading order, prev/next, tags,
//! rendered Markdown with links between content files rewritten to URLs.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::markdown::{self, Rendered};
use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::input::content::{Asset, Content, Document, PageMeta, SectionMeta, SortBy};

/// Content file -> URL path. Looked up for every Markdown link, so hashed with ahash: the
/// keys are the author's own file names, with no one to mount a collision attack.
pub type LinkIndex = HashMap<String, String, ahash::RandomState>;

/// A place in the reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Section(usize),
    Page(usize),
}

/// What a rendered file is, as templates see it (`meta.kind`, `item.kind`, `part.kind`):
/// serialized as `home`, `section`, `page`, `tag`, `tags`, `all` and `404`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Home,
    Section,
    Page,
    /// A page of a tag's listing.
    Tag,
    /// The list of every tag.
    Tags,
    /// The whole guide on one page.
    All,
    #[serde(rename = "404")]
    NotFound,
    /// In the guide navigation, a link to another window of a long list.
    More,
}

#[derive(Debug)]
pub struct Section {
    pub doc: Arc<Document<SectionMeta>>,
    /// The folder under content/, `""` for the home.
    pub dir: String,
    /// URL path, base path included: `/guide/steps/`.
    pub path: String,
    /// Output file: `steps/index.html`.
    pub file: String,
    pub rendered: Arc<Rendered>,
    pub parent: Option<usize>,
    /// Its pages, in the section's order.
    pub pages: Vec<usize>,
    /// Its pages and subsections merged, in reading order.
    pub children: Vec<Node>,
    /// Index in `Site::reading_order`.
    pub order: usize,
    /// The word that counts its pages (`extra.counter`, "Step" makes "Step 2 of 4"), if any.
    pub counter: Option<String>,
    /// The files of its aliases' redirect pages (`old/path/index.html`).
    pub aliases: Vec<String>,
}

#[derive(Debug)]
pub struct Page {
    pub doc: Arc<Document<PageMeta>>,
    pub path: String,
    pub file: String,
    pub rendered: Arc<Rendered>,
    pub section: usize,
    /// 1-based place among its section's pages.
    pub position: usize,
    pub order: usize,
    pub tags: Vec<usize>,
    /// The files of its aliases' redirect pages (`old/path/index.html`).
    pub aliases: Vec<String>,
}

/// A front matter `description`, or "" when it is missing or only whitespace.
fn described(description: &Option<String>) -> &str {
    match description {
        Some(d) if !d.trim().is_empty() => d,
        _ => "",
    }
}

impl Page {
    /// Its `description`, or "" when it has none (a whitespace-only one is none).
    pub fn description(&self) -> &str {
        described(&self.doc.meta.description)
    }

    /// What the site shows of it elsewhere (listings, feeds, search results, social
    /// previews): its description, else its first paragraph's text.
    pub fn summary(&self) -> &str {
        match self.description() {
            "" => &self.rendered.summary,
            d => d,
        }
    }
}

impl Section {
    /// Its `description`, or "" when it has none (a whitespace-only one is none).
    pub fn description(&self) -> &str {
        described(&self.doc.meta.description)
    }
}

/// What pages and sections have alike, as `Site::node` gives it for either.
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a> {
    /// The source file, as found under the content dir.
    pub source: &'a std::path::Path,
    /// The source's path relative to the content dir, `/`-separated.
    pub rel: &'a str,
    pub title: &'a str,
    /// Its `description`, "" when blank.
    pub description: &'a str,
    /// URL path, base path included.
    pub path: &'a str,
    /// Output file, relative to the site root.
    pub file: &'a str,
    pub rendered: &'a Rendered,
    /// The file line where the Markdown body starts.
    pub body_line: usize,
    /// Index in `Site::reading_order`.
    pub order: usize,
    /// `Home`, `Section` or `Page`.
    pub kind: Kind,
    /// The files of its aliases' redirect pages.
    pub aliases: &'a [String],
}

#[derive(Debug)]
pub struct Tag {
    pub name: String,
    pub slug: String,
    pub path: String,
    pub file: String,
    pub pages: Vec<usize>,
}

/// The most pages one page of a tag's listing holds; a tag with more continues on
/// `tags/<slug>/page/2/` and so on, so that no listing grows with the site.
pub const TAG_PAGE_SIZE: usize = 30;

impl Tag {
    /// How many pages its listing takes (at least one).
    pub fn listing_pages(&self) -> usize {
        self.pages.len().div_ceil(TAG_PAGE_SIZE).max(1)
    }

    /// The pages listed on page `k` (0-based) of its listing.
    pub fn listing(&self, k: usize) -> &[usize] {
        let from = (k * TAG_PAGE_SIZE).min(self.pages.len());
        &self.pages[from..(from + TAG_PAGE_SIZE).min(self.pages.len())]
    }

    /// The URL path of page `k` (0-based) of its listing.
    pub fn listing_path(&self, k: usize) -> String {
        match k {
            0 => self.path.clone(),
            _ => format!("{}page/{}/", self.path, k + 1),
        }
    }

    /// The output file of page `k` (0-based) of its listing.
    pub fn listing_file(&self, k: usize) -> String {
        match k {
            0 => self.file.clone(),
            _ => {
                let dir = self.file.strip_suffix("index.html").unwrap_or(&self.file);
                format!("{dir}page/{}/index.html", k + 1)
            }
        }
    }
}

/// The whole site, ready for the templates. Section 0 is the home.
#[derive(Debug)]
pub struct Site {
    pub sections: Vec<Section>,
    pub pages: Vec<Page>,
    pub reading_order: Vec<Node>,
    pub tags: Vec<Tag>,
    /// Content files that are not Markdown, copied as they are.
    pub assets: Vec<Asset>,
    /// `/guide/tags/`
    pub tags_path: String,
    /// The drafts left out, by content-relative path, sorted.
    pub drafts: Vec<String>,
}

impl Site {
    /// Frees the search text of every page and section (once the search index is written);
    /// a rendering shared with a cache keeps it.
    pub fn release_search_text(&mut self) {
        let pages = self.pages.iter_mut().map(|p| &mut p.rendered);
        let sections = self.sections.iter_mut().map(|s| &mut s.rendered);
        for rendered in pages.chain(sections).filter_map(Arc::get_mut) {
            rendered.search = Box::default();
        }
    }

    /// A page's or a section's common fields, whichever `node` is.
    pub fn node(&self, node: Node) -> NodeRef<'_> {
        match node {
            Node::Page(p) => {
                let page = &self.pages[p];
                NodeRef {
                    source: &page.doc.path,
                    rel: &page.doc.rel,
                    title: &page.doc.meta.title,
                    description: page.description(),
                    path: &page.path,
                    file: &page.file,
                    rendered: &page.rendered,
                    body_line: page.doc.body_line,
                    order: page.order,
                    kind: Kind::Page,
                    aliases: &page.aliases,
                }
            }
            Node::Section(s) => {
                let section = &self.sections[s];
                NodeRef {
                    source: &section.doc.path,
                    rel: &section.doc.rel,
                    title: &section.doc.meta.title,
                    description: section.description(),
                    path: &section.path,
                    file: &section.file,
                    rendered: &section.rendered,
                    body_line: section.doc.body_line,
                    order: section.order,
                    kind: Site::section_kind(s),
                    aliases: &section.aliases,
                }
            }
        }
    }

    /// `Home` for section 0, `Section` for any other.
    pub fn section_kind(s: usize) -> Kind {
        if s == 0 { Kind::Home } else { Kind::Section }
    }

    /// 0 for the home, 1 for a top-level section or a page of the home, and so on.
    pub fn depth(&self, node: Node) -> usize {
        let (mut section, mut depth) = match node {
            Node::Page(p) => (self.pages[p].section, 1),
            Node::Section(s) => (s, 0),
        };
        while let Some(parent) = self.sections[section].parent {
            depth += 1;
            section = parent;
        }
        depth
    }

    /// A name for a node that is unique in the site and fits in a file name or an id:
    /// `steps-accept-the-breakup` for `/base/steps/accept-the-breakup/`, `home` for the home.
    pub fn flat_name(&self, node: Node) -> String {
        let file = self.node(node).file;
        let dir = file.trim_end_matches("index.html").trim_end_matches('/');
        if dir.is_empty() {
            "home".to_string()
        } else {
            dir.replace('/', "-")
        }
    }

    /// The social preview card of a node, in a tree that mirrors the site's:
    /// `cards/index.png` for the home, `cards/steps/accept/index.png` for
    /// `steps/accept/index.html`. Two nodes never share an HTML file, so never a card.
    pub fn card_file(&self, node: Node) -> String {
        let file = self.node(node).file;
        let dir = file.strip_suffix("index.html").unwrap_or(file);
        ["cards/", dir, "index.png"].concat()
    }
}

/// Builds the site model from the parsed content; `statics` are the theme's static files.
pub fn assemble(
    config: &Config,
    mut content: Content,
    statics: &[String],
    cache: Option<&mut dyn RenderStore>,
) -> Result<Site> {
    let base = &config.base.path;
    let assets = std::mem::take(&mut content.assets);
    let drafts = std::mem::take(&mut content.drafts);
    let (mut sections, pages) = place(config, content, cache)?;
    let mut pages = pages;
    let mut files = FileMap::with_capacity(sections.len() + pages.len() + assets.len());
    for s in &sections {
        files.claim(&s.file, &s.doc.path)?;
    }
    for p in &pages {
        files.claim(&p.file, &p.doc.path)?;
    }
    order_sections(&mut sections, &mut pages);
    let reading_order = reading_order(&sections);
    for (i, node) in reading_order.iter().enumerate() {
        match *node {
            Node::Section(s) => sections[s].order = i,
            Node::Page(p) => pages[p].order = i,
        }
    }
    let tags = collect_tags(&mut pages, base);
    let site = Site {
        assets,
        sections,
        pages,
        reading_order,
        tags,
        tags_path: Fixed::Tags.path(base),
        drafts,
    };
    claim_generated(config, &site, statics, &mut files)?;
    Ok(site)
}

/// Claims every file rekindle makes besides the pages and sections: tag pages, the content's
/// assets, the theme's static files, its own files and the social cards. Any two claims of one
/// file are an error naming both sources.
fn claim_generated(
    config: &Config,
    site: &Site,
    statics: &[String],
    files: &mut FileMap,
) -> Result<()> {
    let Site { tags, assets, .. } = site;
    // Before the assets, so that a clash is reported at the asset's file.
    if config.cards {
        for &node in &site.reading_order {
            let source = site.node(node).source;
            let card = PathBuf::from(format!("the social card of {}", source.display()));
            files.claim(&site.card_file(node), &card)?;
        }
    }
    for t in tags {
        for k in 0..t.listing_pages() {
            let file = t.listing_file(k);
            files.claim(&file, &PathBuf::from(format!("tag `{}`", t.name)))?;
        }
    }
    for &node in &site.reading_order {
        // The `aliases:` line, looked up only for a clash.
        let line = || match node {
            Node::Page(p) => site.pages[p].doc.line_of("aliases"),
            Node::Section(s) => site.sections[s].doc.line_of("aliases"),
        };
        let node = site.node(node);
        for alias in node.aliases {
            files.claim_alias(alias, (node.source, &line))?;
        }
    }
    for asset in assets {
        files.claim(&asset.rel, &asset.source)?;
    }
    for rel in statics {
        files.claim(rel, &config.theme_dir.join("static").join(rel))?;
    }
    for reserved in Fixed::ALL {
        if reserved != Fixed::Cname || config.cname.is_some() {
            let file = reserved.file();
            files.claim(file, &PathBuf::from(format!("rekindle's own `{file}`")))?;
        }
    }
    Ok(())
}

/// Every output file has one source; a second claim is an error naming both.
#[derive(Default)]
pub struct FileMap(HashMap<String, PathBuf, ahash::RandomState>);

impl FileMap {
    pub fn with_capacity(files: usize) -> Self {
        FileMap(HashMap::with_capacity_and_hasher(files, Default::default()))
    }

    pub fn claim(&mut self, file: &str, source: &std::path::Path) -> Result<()> {
        if let Some(first) = self.0.get(file) {
            let msg = format!(
                "this file and {} both map to the same output `{file}`",
                first.display()
            );
            let hint = "give one of them another file name or a `slug`";
            return Err(Error::Content(
                Diagnostic::file(source, msg).with_hint(hint),
            ));
        }
        self.0.insert(file.to_string(), source.to_path_buf());
        Ok(())
    }

    /// Claims the redirect page of an alias of `source`, with advice of its own on a clash;
    /// `line` gives the line of the source's `aliases:`.
    pub fn claim_alias(
        &mut self,
        file: &str,
        (source, line): (&std::path::Path, &dyn Fn() -> usize),
    ) -> Result<()> {
        if let Some(first) = self.0.get(file) {
            let msg = format!(
                "an alias of this file leads to `{file}`, which {} writes too",
                first.display()
            );
            let hint = "remove that alias: an old URL can lead to one page only";
            return Err(Error::Content(
                Diagnostic::at(source, line(), 1, msg).with_hint(hint),
            ));
        }
        self.claim(file, source)
    }
}

/// Rendered Markdown kept from one build to the next: the assembly asks it before it renders
/// a document and tells it what it rendered. `serve` keeps one (`serve::cache`); a one-off
/// build has none.
pub trait RenderStore: Send + Sync {
    /// Starts an assembly whose rewritten links depend on `fingerprint` (see `fingerprint`):
    /// a store whose renderings were made under another one drops them.
    fn start(&mut self, fingerprint: u64);
    /// The rendering of the document at `rel` whose body is `body`, when the store holds
    /// one: kept from the same shared document `doc`, or from one with the same body.
    fn get(&self, rel: &str, doc: *const (), body: &str) -> Option<Arc<Rendered>>;
    /// Keeps the rendering of the shared document `doc` at `rel`.
    fn keep(
        &mut self,
        rel: &str,
        doc: Arc<dyn std::any::Any + Send + Sync>,
        body: &str,
        rendered: &Arc<Rendered>,
    );
}

/// Everything a rewritten link depends on, hashed.
pub fn fingerprint(index: &LinkIndex, base: &str, opts: &markdown::Options) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut pairs: Vec<(&String, &String)> = index.iter().collect();
    pairs.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (pairs, base, opts.smart_punctuation, opts.heading_anchors).hash(&mut hasher);
    hasher.finish()
}

/// Renders the Markdown of every document, reusing what `cache` holds.
fn render_all<M: Sync + Send + 'static>(
    docs: &[Arc<Document<M>>],
    index: &LinkIndex,
    base: &str,
    opts: &markdown::Options,
    cache: &Option<&mut dyn RenderStore>,
) -> Vec<Arc<Rendered>> {
    docs.par_iter()
        .with_max_len(crate::base::parallel::PARALLEL_CHUNK)
        .map(|d| {
            let doc = Arc::as_ptr(d).cast::<()>();
            let cached = cache.as_ref().and_then(|c| c.get(&d.rel, doc, &d.body));
            cached.unwrap_or_else(|| Arc::new(render_doc(&d.body, &d.rel, index, base, opts)))
        })
        .collect()
}

/// An error for each explicit heading id (`{#id}`) that an earlier heading of the same
/// document already has: a link to it could lead to either.
fn repeated_ids<M>(docs: &[Arc<Document<M>>], rendered: &[Arc<Rendered>]) -> Vec<Error> {
    let mut errors = Vec::new();
    for (doc, r) in docs.iter().zip(rendered) {
        for (id, line) in &r.repeated_ids {
            let msg = format!("the id `{id}` is given to an earlier heading too");
            let hint = "give each heading its own `{#id}`: a link to it could lead to either";
            let mut d = Diagnostic::at(&doc.path, doc.body_line + line.saturating_sub(1), 1, msg);
            d.excerpt = doc
                .body
                .lines()
                .nth(line.saturating_sub(1))
                .map(str::to_string);
            errors.push(Error::Content(d.with_hint(hint)));
        }
    }
    errors
}

fn remember<M: Send + Sync + 'static>(
    cache: &mut Option<&mut dyn RenderStore>,
    docs: &[Arc<Document<M>>],
    rendered: &[Arc<Rendered>],
) {
    if let Some(cache) = cache {
        for (d, r) in docs.iter().zip(rendered) {
            let doc = Arc::clone(d) as Arc<dyn std::any::Any + Send + Sync>;
            cache.keep(&d.rel, doc, &d.body, r);
        }
    }
}

/// Makes the sections and pages of `content`: checks that it can be published, finds each
/// page's section and renders the Markdown of every document.
fn place(
    config: &Config,
    mut content: Content,
    mut cache: Option<&mut dyn RenderStore>,
) -> Result<(Vec<Section>, Vec<Page>)> {
    let base = &config.base.path;
    let mut docs = std::mem::take(&mut content.sections);
    home_first(config, &mut docs)?;
    let dirs: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (parent_dir(&d.rel).to_string(), i))
        .collect();
    if let Some(e) = Error::from_list(crate::model::publishable::problems(&docs, &content.pages)) {
        return Err(e);
    }
    let page_sections = sections_of_pages(&content.pages, &dirs)?;
    let (rendered_sections, rendered_pages) =
        render_docs(config, &docs, &content.pages, &mut cache)?;
    if cache.is_none() {
        // Nothing reads the Markdown again in a one-off build: free it before templates run.
        free_bodies(&mut docs);
        free_bodies(&mut content.pages);
    }
    let sections = docs
        .into_iter()
        .zip(rendered_sections)
        .map(|(doc, rendered)| new_section(base, doc, rendered, &dirs))
        .collect();
    let pages = (content.pages.into_par_iter())
        .zip(rendered_pages)
        .zip(page_sections)
        .with_max_len(crate::base::parallel::PARALLEL_CHUNK)
        .map(|((doc, rendered), section)| new_page(base, doc, rendered, section))
        .collect();
    Ok((sections, pages))
}

/// Puts the home first (section 0), then the other sections by path: a folder named
/// `Guide` or `01-intro` sorts before `_index.md` byte by byte. A missing home is an error.
fn home_first(config: &Config, docs: &mut [Arc<Document<SectionMeta>>]) -> Result<()> {
    docs.sort_by(|a, b| (a.rel != "_index.md", &a.rel).cmp(&(b.rel != "_index.md", &b.rel)));
    if docs.first().is_some_and(|d| d.rel == "_index.md") {
        return Ok(());
    }
    let path = crate::input::config::join(&config.content_dir, std::path::Path::new("_index.md"));
    let msg = "the home page is missing";
    let hint = "create it with front matter `title: ...`; it becomes index.html";
    Err(Error::Content(Diagnostic::file(path, msg).with_hint(hint)))
}

/// The rendered Markdown of a list of documents, in their order.
type Renderings = Vec<Arc<Rendered>>;

/// Renders the Markdown of the sections and the pages, links rewritten to URLs, through
/// `cache` when there is one. A heading id given twice in one document is an error.
fn render_docs(
    config: &Config,
    sections: &[Arc<Document<SectionMeta>>],
    pages: &[Arc<Document<PageMeta>>],
    cache: &mut Option<&mut dyn RenderStore>,
) -> Result<(Renderings, Renderings)> {
    let base = &config.base.path;
    let index = link_index(sections, pages, base);
    let opts = &config.markdown;
    if let Some(cache) = cache.as_deref_mut() {
        cache.start(fingerprint(&index, base, opts));
    }
    let rendered_sections = render_all(sections, &index, base, opts, cache);
    let rendered_pages = render_all(pages, &index, base, opts, cache);
    remember(cache, sections, &rendered_sections);
    remember(cache, pages, &rendered_pages);
    let repeated = (repeated_ids(sections, &rendered_sections).into_iter())
        .chain(repeated_ids(pages, &rendered_pages));
    match Error::from_list(repeated.collect()) {
        Some(e) => Err(e),
        None => Ok((rendered_sections, rendered_pages)),
    }
}

/// Drops the Markdown of documents no one else holds (a document shared with a cache keeps
/// its body).
fn free_bodies<M>(docs: &mut [Arc<Document<M>>]) {
    for d in docs.iter_mut().filter_map(Arc::get_mut) {
        d.body = String::new();
    }
}

/// What to do about a page in a folder without `_index.md`. Hugo's page bundles put a
/// page in `name/index.md` beside its pictures: here that is a section's `_index.md`.
fn not_a_section_hint(rel: &str, dir: &str) -> String {
    if rel.ends_with("/index.md") {
        return format!(
            "rekindle has no page bundles: rename it `{dir}/_index.md` to make the folder a section (its pictures stay beside it)"
        );
    }
    format!("add `{dir}/_index.md` with a `title` to make it one")
}

/// The section of each page (the `_index.md` of its folder), and each statistic's source:
/// every problem at once.
fn sections_of_pages(
    pages: &[Arc<Document<PageMeta>>],
    dirs: &HashMap<String, usize>,
) -> Result<Vec<usize>> {
    let mut sections = Vec::with_capacity(pages.len());
    let mut errors = Vec::new();
    for p in pages {
        let dir = parent_dir(&p.rel);
        match dirs.get(dir) {
            Some(&s) => sections.push(s),
            None => errors.push(Error::Content(
                Diagnostic::file(&p.path, format!("the folder `{dir}` is not a section"))
                    .with_hint(not_a_section_hint(&p.rel, dir)),
            )),
        }
    }
    errors.extend(pages.iter().filter_map(|d| check_sources(d)));
    match Error::from_list(errors) {
        Some(e) => Err(e),
        None => Ok(sections),
    }
}

fn new_section(
    base: &str,
    doc: Arc<Document<SectionMeta>>,
    rendered: Arc<Rendered>,
    dirs: &HashMap<String, usize>,
) -> Section {
    let dir = parent_dir(&doc.rel).to_string();
    Section {
        counter: doc.meta.counter().map(str::to_string),
        aliases: alias_files(&doc.meta.aliases),
        path: dir_path(base, &dir),
        file: dir_file(&dir),
        parent: ancestor_section(&dir, dirs),
        dir,
        doc,
        rendered,
        pages: Vec::new(),
        children: Vec::new(),
        order: 0,
    }
}

/// The files of the redirect pages of `aliases`.
fn alias_files(aliases: &[String]) -> Vec<String> {
    (aliases.iter())
        .map(|a| crate::model::publishable::alias_file(a))
        .collect()
}

fn new_page(
    base: &str,
    doc: Arc<Document<PageMeta>>,
    rendered: Arc<Rendered>,
    section: usize,
) -> Page {
    let url_dir = page_dir(&doc);
    Page {
        aliases: alias_files(&doc.meta.aliases),
        path: dir_path(base, &url_dir),
        file: dir_file(&url_dir),
        doc,
        rendered,
        section,
        position: 0,
        order: 0,
        tags: Vec::new(),
    }
}

/// A statistic is never published without its source, and a source needs a web address.
fn check_sources(doc: &Document<PageMeta>) -> Option<Error> {
    let meta = &doc.meta;
    if !meta.figures.is_empty() && meta.sources.is_empty() {
        let line = doc.line_of("figures");
        let msg = "this page has `figures` but no `sources`";
        let hint = "add `sources:` with the `publisher` and `url` the figures come from";
        return Some(Error::Content(
            Diagnostic::at(&doc.path, line, 1, msg).with_hint(hint),
        ));
    }
    let bad = meta
        .sources
        .iter()
        .find(|s| !s.url.starts_with("https://") && !s.url.starts_with("http://"))?;
    let msg = format!(
        "source `{}` has no web address: `{}`",
        bad.publisher, bad.url
    );
    let hint = "write the source's `url` in full, starting with https://";
    Some(Error::Content(
        Diagnostic::at(&doc.path, doc.line_of("sources"), 1, msg).with_hint(hint),
    ))
}

pub fn render_doc(
    body: &str,
    rel: &str,
    index: &LinkIndex,
    base: &str,
    opts: &markdown::Options,
) -> Rendered {
    let dir = parent_dir(rel);
    markdown::render(body, opts, &|dest| rewrite_link(dest, dir, index, base))
}

/// Content file (`steps/01-accept.md`) -> URL path (`/guide/steps/accept/`).
fn link_index(
    sections: &[Arc<Document<SectionMeta>>],
    pages: &[Arc<Document<PageMeta>>],
    base: &str,
) -> LinkIndex {
    let sections = sections
        .iter()
        .map(|s| (s.rel.clone(), dir_path(base, parent_dir(&s.rel))));
    let pages = (pages
        .par_iter()
        .with_max_len(crate::base::parallel::PARALLEL_CHUNK))
    .map(|p| (p.rel.clone(), dir_path(base, &page_dir(p))))
    .collect::<Vec<_>>();
    sections.chain(pages).collect()
}

/// Rewrites a relative link written in the file at `dir` to a URL path under `base`:
/// `.md` files become their page's URL, anything else the copied asset's path.
/// External links, fragments and absolute paths stay as written.
pub fn rewrite_link(dest: &str, dir: &str, index: &LinkIndex, base: &str) -> Option<String> {
    if dest.is_empty() || dest.starts_with(['#', '/', '?']) || is_external(dest) {
        return None;
    }
    let split = dest.find(['#', '?']).unwrap_or(dest.len());
    let (path, suffix) = dest.split_at(split);
    let joined = if dir.is_empty() {
        path.to_string()
    } else {
        [dir, "/", path].concat()
    };
    let normal = normalize(&joined)?;
    if normal.ends_with(".md") {
        // `my%20page.md` names `my page.md`, as a browser would read it.
        let decoded = percent_encoding::percent_decode_str(&normal)
            .decode_utf8()
            .ok()?;
        return index
            .get(decoded.as_ref())
            .map(|url| [url, suffix].concat());
    }
    let slash = if path.ends_with('/') && !normal.is_empty() {
        "/"
    } else {
        ""
    };
    Some([base, &normal, slash, suffix].concat())
}

/// True for `https:`, `mailto:`, `//host` and other links that leave the site: those that
/// start with a scheme (a letter, then letters, digits, `+`, `-` or `.`) and a colon.
pub fn is_external(dest: &str) -> bool {
    let bytes = dest.as_bytes();
    if bytes.starts_with(b"//") {
        return true;
    }
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let scheme = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')));
    scheme.is_some_and(|end| bytes[end] == b':')
}

/// Resolves `.` and `..` in a `/`-separated relative path; None when it climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn ancestor_section(dir: &str, dirs: &HashMap<String, usize>) -> Option<usize> {
    if dir.is_empty() {
        return None;
    }
    let mut current = dir;
    loop {
        current = parent_dir(current);
        if let Some(&i) = dirs.get(current) {
            return Some(i);
        }
        if current.is_empty() {
            return None;
        }
    }
}

/// The URL folder of a page: its section's folder plus its slug.
fn page_dir(doc: &Document<PageMeta>) -> String {
    let dir = parent_dir(&doc.rel);
    let slug = match &doc.meta.slug {
        Some(slug) => markdown::slugify(slug),
        None => {
            let name = doc.rel.rsplit('/').next().unwrap_or(&doc.rel);
            let stem = name.strip_suffix(".md").unwrap_or(name);
            markdown::slugify(strip_number(stem))
        }
    };
    if dir.is_empty() {
        slug
    } else {
        [dir, "/", &slug].concat()
    }
}

/// `01-accept` -> `accept`; a name that is only a number stays as is.
fn strip_number(stem: &str) -> &str {
    let digits = stem.len() - stem.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match stem[digits..].strip_prefix(['-', '_']) {
        Some(rest) if digits > 0 && !rest.is_empty() => rest,
        _ => stem,
    }
}

fn dir_path(base: &str, dir: &str) -> String {
    if dir.is_empty() {
        base.to_string()
    } else {
        [base, dir, "/"].concat()
    }
}

fn dir_file(dir: &str) -> String {
    if dir.is_empty() {
        "index.html".to_string()
    } else {
        [dir, "/index.html"].concat()
    }
}

/// Orders each section's pages and its children (pages and subsections) and sets positions.
fn order_sections(sections: &mut [Section], pages: &mut [Page]) {
    let mut by_section: Vec<Vec<usize>> = vec![Vec::new(); sections.len()];
    for (i, p) in pages.iter().enumerate() {
        by_section[p.section].push(i);
    }
    let mut subsections: Vec<Vec<usize>> = vec![Vec::new(); sections.len()];
    for (i, s) in sections.iter().enumerate() {
        if let Some(parent) = s.parent {
            subsections[parent].push(i);
        }
    }
    let keys: Vec<(i64, String)> = sections
        .iter()
        .map(|s| (s.doc.meta.weight, s.doc.rel.clone()))
        .collect();
    for (i, section) in sections.iter_mut().enumerate() {
        let sort_by = section.doc.meta.sort_by;
        let mut list = std::mem::take(&mut by_section[i]);
        list.sort_by(|&a, &b| page_order(sort_by, &pages[a].doc, &pages[b].doc));
        for (rank, &p) in list.iter().enumerate() {
            pages[p].position = rank + 1;
        }
        let mut subs = std::mem::take(&mut subsections[i]);
        subs.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        let mut children: Vec<((i64, String), Node)> = list
            .iter()
            .map(|&p| {
                (
                    (pages[p].doc.meta.weight, pages[p].doc.rel.clone()),
                    Node::Page(p),
                )
            })
            .chain(subs.iter().map(|&s| (keys[s].clone(), Node::Section(s))))
            .collect();
        if sort_by == SortBy::Weight {
            children.sort_by(|a, b| a.0.cmp(&b.0));
        }
        section.children = children.into_iter().map(|(_, n)| n).collect();
        section.pages = list;
    }
}

/// A section's page order: by its `sort_by`, ties broken by file name. Newest date first.
fn page_order(
    sort_by: SortBy,
    a: &Document<PageMeta>,
    b: &Document<PageMeta>,
) -> std::cmp::Ordering {
    let key = match sort_by {
        SortBy::Weight => a.meta.weight.cmp(&b.meta.weight),
        SortBy::Title => a.meta.title.cmp(&b.meta.title),
        SortBy::Date => b.meta.date.cmp(&a.meta.date),
    };
    key.then_with(|| a.rel.cmp(&b.rel))
}

/// Home, then depth-first: each section followed by its children.
fn reading_order(sections: &[Section]) -> Vec<Node> {
    let mut order = Vec::new();
    let mut stack = vec![Node::Section(0)];
    while let Some(node) = stack.pop() {
        order.push(node);
        if let Node::Section(s) = node {
            stack.extend(sections[s].children.iter().rev().copied());
        }
    }
    order
}

fn collect_tags(pages: &mut [Page], base: &str) -> Vec<Tag> {
    // Each distinct name is slugified once (a large site repeats a few tags many times), and
    // names with the same slug share the list of the first one met.
    let mut by_name: HashMap<&str, usize, ahash::RandomState> = HashMap::default();
    let mut by_slug: BTreeMap<String, usize> = BTreeMap::new();
    let mut lists: Vec<(String, Vec<usize>)> = Vec::new();
    let mut order: Vec<usize> = (0..pages.len()).collect();
    order.sort_by_key(|&p| pages[p].order);
    for p in order {
        for name in &pages[p].doc.meta.tags {
            let t = *by_name.entry(name).or_insert_with(|| {
                *(by_slug.entry(markdown::slugify(name))).or_insert_with(|| {
                    lists.push((name.clone(), Vec::new()));
                    lists.len() - 1
                })
            });
            let list = &mut lists[t].1;
            if list.last() != Some(&p) {
                list.push(p);
            }
        }
    }
    // `tags/`, the folder of the list of every tag.
    let folder = &Fixed::Tags.path("");
    let tags: Vec<Tag> = (by_slug.into_iter())
        .map(|(slug, t)| {
            let (name, list) = std::mem::take(&mut lists[t]);
            Tag {
                path: [base, folder, &slug, "/"].concat(),
                file: [folder, &slug, "/index.html"].concat(),
                name,
                slug,
                pages: list,
            }
        })
        .collect();
    for (t, tag) in tags.iter().enumerate() {
        for &p in &tag.pages {
            pages[p].tags.push(t);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::config::Overrides;
    use crate::input::content::parse_document;
    use std::path::Path;

    /// A site assembled from `(rel, front matter and body)` pairs, all in memory.
    fn site_of(files: &[(&str, &str)]) -> Result<Site> {
        let toml =
            "[book]\ntitle = \"T\"\n[site]\nurl = \"https://x.github.io/g/\"\ncards = false\n";
        let config = Config::parse(Path::new("."), toml, &Overrides::default())?;
        let mut content = Content::default();
        for (rel, text) in files {
            let path = Path::new("content").join(rel);
            if rel.ends_with("_index.md") {
                content
                    .sections
                    .push(Arc::new(parse_document(&path, rel.to_string(), text)?));
            } else {
                content
                    .pages
                    .push(Arc::new(parse_document(&path, rel.to_string(), text)?));
            }
        }
        assemble(&config, content, &[], None)
    }

    fn doc(title: &str, extra: &str) -> String {
        format!("---\ntitle: {title}\n{extra}---\n\nText of {title}.\n")
    }

    /// The reading order as the titles of its nodes.
    fn titles(site: &Site) -> Vec<&str> {
        site.reading_order
            .iter()
            .map(|&n| site.node(n).title)
            .collect()
    }

    #[test]
    fn pages_follow_weight_then_file_name_and_sections_their_weight() {
        let site = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("b/_index.md", &doc("B", "weight: 1\n")),
            ("a/_index.md", &doc("A", "weight: 2\n")),
            ("b/02-y.md", &doc("Y", "weight: 1\n")),
            ("b/01-x.md", &doc("X", "weight: 1\n")),
            ("b/03-w.md", &doc("W", "")),
            ("a/01-z.md", &doc("Z", "")),
            ("closing.md", &doc("Closing", "weight: 9\n")),
        ])
        .unwrap();
        // W (weight 0) leads its section; X and Y tie on weight and go by file name; the
        // closing page takes its place among the sections by its weight.
        assert_eq!(
            titles(&site),
            ["Home", "B", "W", "X", "Y", "A", "Z", "Closing"]
        );
        let x = site.pages.iter().find(|p| p.doc.meta.title == "X").unwrap();
        assert_eq!(
            (x.path.as_str(), x.file.as_str()),
            ("/g/b/x/", "b/x/index.html")
        );
    }

    #[test]
    fn nested_sections_sit_inside_their_parent() {
        let site = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("a/_index.md", &doc("A", "")),
            ("a/b/_index.md", &doc("B", "weight: 1\n")),
            ("a/b/01-p.md", &doc("P", "")),
            ("a/02-q.md", &doc("Q", "weight: 2\n")),
        ])
        .unwrap();
        assert_eq!(titles(&site), ["Home", "A", "B", "P", "Q"]);
        let b = site
            .sections
            .iter()
            .position(|s| s.doc.meta.title == "B")
            .unwrap();
        let a = site
            .sections
            .iter()
            .position(|s| s.doc.meta.title == "A")
            .unwrap();
        assert_eq!(site.sections[b].parent, Some(a));
        assert_eq!(site.sections[b].path, "/g/a/b/");
    }

    #[test]
    fn tags_collect_their_pages_under_one_slug() {
        let site = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("s/_index.md", &doc("S", "")),
            ("s/01-a.md", &doc("A", "tags: [Big Idea, x]\n")),
            ("s/02-b.md", &doc("B", "tags: [big idea]\n")),
        ])
        .unwrap();
        let tag = site.tags.iter().find(|t| t.slug == "big-idea").unwrap();
        assert_eq!(tag.pages.len(), 2);
        assert_eq!(tag.file, "tags/big-idea/index.html");
    }

    #[test]
    fn two_sources_of_one_url_are_an_error_naming_both() {
        let err = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("s/_index.md", &doc("S", "")),
            ("s/01-a.md", &doc("A", "")),
            ("s/02-b.md", &doc("B", "slug: a\n")),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("content/s/02-b.md") && err.contains("content/s/01-a.md"),
            "{err}"
        );
        assert!(
            err.contains("both map to the same output `s/a/index.html`"),
            "{err}"
        );
    }

    #[test]
    fn a_summary_is_the_description_unless_it_is_blank() {
        let site = site_of(&[
            ("_index.md", &doc("Home", "description: \"  \"\n")),
            ("a.md", &doc("A", "description: Own words.\n")),
            ("b.md", &doc("B", "description: \" \"\n")),
            ("c.md", &doc("C", "")),
        ])
        .unwrap();
        let summaries: Vec<&str> = site.pages.iter().map(Page::summary).collect();
        assert_eq!(summaries, ["Own words.", "Text of B.", "Text of C."]);
        assert_eq!(site.pages[1].description(), "");
        assert_eq!(site.sections[0].description(), "");
    }

    #[test]
    fn a_counter_that_is_no_word_is_an_error_at_its_line() {
        let home = "---\ntitle: Home\nextra:\n  note: x\n  counter: 3\n---\n";
        let err = site_of(&[("_index.md", home)]).unwrap_err().to_string();
        assert!(
            err.contains("_index.md:5:1: `extra.counter` is 3, not a word"),
            "{err}"
        );
        let worded = "---\ntitle: Home\nextra:\n  counter: Step\n---\n";
        let site = site_of(&[("_index.md", worded)]).unwrap();
        assert_eq!(site.sections[0].counter.as_deref(), Some("Step"));
    }

    #[test]
    fn a_page_in_a_folder_that_is_no_section_is_an_error() {
        let err = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("loose/01-a.md", &doc("A", "")),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("the folder `loose` is not a section"), "{err}");
        assert!(
            err.contains("add `loose/_index.md` with a `title`"),
            "{err}"
        );
    }

    /// A Hugo page bundle (`name/index.md`) is told how to become a section.
    #[test]
    fn a_page_bundle_is_told_to_become_a_section() {
        let err = site_of(&[
            ("_index.md", &doc("Home", "")),
            ("bundle/index.md", &doc("B", "")),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("rekindle has no page bundles: rename it `bundle/_index.md`"),
            "{err}"
        );
    }
}

//! Tera: loads the theme once, turns the site model into typed template views, and renders
//! every page, section, tag and the 404 page into `Output` values.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tera::{Context, Kwargs, State, Tera};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::output::Fixed;
use crate::input::config::{Config, join};
use crate::input::content::Theme;
use crate::model::site::{Node, Site};
use crate::render::views;

/// The templates every theme must have.
pub const REQUIRED: [&str; 6] = [
    "index.html",
    "section.html",
    "page.html",
    "tags.html",
    "tag.html",
    "404.html",
];

/// The optional template of the whole guide on one page, and where it is written.
pub const ONE_PAGE: &str = "all.html";
pub const ONE_PAGE_FILE: &str = Fixed::OnePage.file();

/// Characters kept as they are by the `urlencode` filter (RFC 3986 unreserved).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One rendered file of the site.
#[derive(Debug)]
pub struct Output {
    /// Path relative to the site root (`steps/accept/index.html`).
    pub file: String,
    pub html: String,
    /// The page or section it was rendered from, if any.
    pub node: Option<Node>,
    /// The template it was rendered with.
    pub template: String,
    /// Links of the file that were judged where they were written, on their own page: the
    /// content the one-page guide gathers. A fault in one is reported once, at its source.
    pub judged: ahash::AHashSet<String>,
}

/// The parsed theme, ready to render.
pub struct Renderer {
    tera: Tera,
    /// The social preview cards, drawn once per title.
    cards: crate::render::cards::Cards,
    templates_dir: PathBuf,
    /// Each template's text, to quote the offending line in errors.
    texts: HashMap<String, String>,
}

impl Renderer {
    /// Parses every template of the theme and registers rekindle's functions.
    /// `hashes` maps each static file to its content hash, for `asset()`.
    pub fn new(config: &Config, theme: &Theme, hashes: HashMap<String, String>) -> Result<Self> {
        let templates_dir = join(&config.theme_dir, Path::new("templates"));
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".htm", ".xml"]);
        register_functions(&mut tera, &config.base.path, Arc::new(hashes));
        let texts: HashMap<String, String> = theme
            .templates
            .iter()
            .map(|(name, _, text)| (name.clone(), text.clone()))
            .collect();
        let sources = theme
            .templates
            .iter()
            .map(|(name, _, text)| (name.as_str(), text.as_str()));
        tera.add_raw_templates(sources)
            .map_err(|e| template_error(&e, &templates_dir, &texts, None))?;
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| !tera.contains_template(name))
            .collect();
        if let Some(first) = missing.first() {
            let msg = format!("the theme has no `{first}` template");
            let hint = format!("a theme needs all of: {}", REQUIRED.join(", "));
            let path = templates_dir.join(first);
            return Err(Error::Template(Diagnostic::file(path, msg).with_hint(hint)));
        }
        Ok(Renderer {
            tera,
            cards: crate::render::cards::Cards::default(),
            templates_dir,
            texts,
        })
    }

    /// Converts the site-wide values once; every render shares them.
    pub fn set_site(&mut self, config: &Config, site: &Site) {
        let global = self.tera.global_context();
        global.insert("config", &views::config(config));
        global.insert("site", &views::site(config, site));
    }

    /// The social preview card of a node (the site's title, the node's title and its
    /// kicker), drawn unless `keep` finds an earlier build's card with the same key; None
    /// when kept.
    pub fn card(
        &self,
        config: &Config,
        site: &Site,
        node: Node,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Option<std::sync::Arc<[u8]>>> {
        let kicker = match node {
            Node::Page(p) => views::kicker(site, p),
            Node::Section(_) => String::new(),
        };
        let of = site.node(node);
        let card = crate::render::cards::Card {
            site_title: &config.title,
            page_title: of.title,
            kicker: &kicker,
        };
        if keep(&card.key()) {
            return Ok(None);
        }
        let png = self.cards.png(&card).map_err(|e| {
            let why = format!("cannot draw its social preview card: {e}");
            Error::Output(Diagnostic::file(of.source, why))
        })?;
        Ok(Some(png))
    }

    /// True when the theme has a template of that name.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Every file of the site. The files whose context lists many pages come first, while
    /// little else is held in memory (a build keeps each rendered file's links until the end).
    pub fn all_jobs(&self, site: &Site) -> Vec<Job> {
        let (sections, pages): (Vec<usize>, Vec<usize>) = (0..site.reading_order.len())
            .partition(|&i| matches!(site.reading_order[i], Node::Section(_)));
        [Job::Tags]
            .into_iter()
            .chain(self.has(ONE_PAGE).then_some(Job::All))
            .chain(sections.into_iter().map(Job::Node))
            .chain(
                (site.tags.iter().enumerate())
                    .flat_map(|(t, tag)| (0..tag.listing_pages()).map(move |k| Job::Tag(t, k))),
            )
            .chain(pages.into_iter().map(Job::Node))
            .chain([Job::NotFound])
            .collect()
    }

    /// Renders `jobs` in parallel, handing each file to `emit` as soon as it is done.
    pub fn render(
        &self,
        config: &Config,
        site: &Site,
        jobs: &[Job],
        emit: &(dyn Fn(Output) -> Result<()> + Sync),
    ) -> Result<()> {
        // Freed when the jobs are done: it lives only while pages render.
        let shared = views::Shared::new(site);
        crate::base::parallel::try_each(jobs, |job| {
            emit(self.render_job(config, site, &shared, *job)?)
        })
    }

    fn render_job(
        &self,
        config: &Config,
        site: &Site,
        shared: &views::Shared,
        job: Job,
    ) -> Result<Output> {
        let mut ctx = Context::new();
        let node = match job {
            Job::Node(i) => Some(site.reading_order[i]),
            _ => None,
        };
        ctx.insert_value("nav", shared.nav(site, node));
        let mut judged = ahash::AHashSet::new();
        let (file, template, source) = match node {
            Some(node) => self.node_context(config, site, shared, node, &mut ctx)?,
            None => {
                let (file, template) =
                    other_context(config, site, shared, job, (&mut ctx, &mut judged));
                (file, template.to_string(), None)
            }
        };
        let mut html = Vec::with_capacity(size_hint(site, job));
        self.tera
            .render_to(&template, &ctx, &mut html)
            .map_err(|e| template_error(&e, &self.templates_dir, &self.texts, source.as_deref()))?;
        // Every piece of a render is a `str`: the bytes are always UTF-8.
        let html = String::from_utf8(html)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Output {
            file,
            html,
            node,
            template,
            judged,
        })
    }

    /// Fills `ctx` for a page or a section; returns its file, its template and its source.
    fn node_context(
        &self,
        config: &Config,
        site: &Site,
        shared: &views::Shared,
        node: Node,
        ctx: &mut Context,
    ) -> Result<(String, String, Option<PathBuf>)> {
        match node {
            Node::Page(p) => {
                let page = &site.pages[p];
                ctx.insert("page", &views::page(config, site, shared, p));
                let meta = views::page_meta(config, page).with_card(config, site, node);
                ctx.insert("meta", &meta.with_json_ld(config, site, node));
                let template = views::page_template(site, p, |n| self.has(n))?;
                Ok((page.file.clone(), template, Some(page.doc.path.clone())))
            }
            Node::Section(s) => {
                let section = &site.sections[s];
                ctx.insert("section", &views::section(config, site, shared, s));
                let meta = views::section_meta(config, section).with_card(config, site, node);
                ctx.insert("meta", &meta.with_json_ld(config, site, node));
                let template = if s == 0 { "index.html" } else { "section.html" };
                let source = Some(section.doc.path.clone());
                Ok((section.file.clone(), template.to_string(), source))
            }
        }
    }
}

/// Fills `ctx` for a file outside the reading order (a tag's listing, the tags, the 404
/// page, the one-page guide); returns its file and its template.
fn other_context(
    config: &Config,
    site: &Site,
    shared: &views::Shared,
    job: Job,
    (ctx, judged): (&mut Context, &mut ahash::AHashSet<String>),
) -> (String, &'static str) {
    let home = Node::Section(0);
    let (meta, file, template) = match job {
        Job::Tag(t, k) => {
            let tag = &site.tags[t];
            ctx.insert("tag", &views::tag(config, site, shared, t, k));
            (
                views::tag_meta(config, tag, k),
                tag.listing_file(k),
                "tag.html",
            )
        }
        Job::Tags => {
            ctx.insert("tags", &views::tags(config, site, shared));
            let file = Fixed::Tags.file().to_string();
            (views::tags_meta(config, site), file, "tags.html")
        }
        Job::All => {
            let (all, links) = crate::render::onepage::view(site);
            ctx.insert("all", &all);
            *judged = links;
            (views::all_meta(config), ONE_PAGE_FILE.to_string(), ONE_PAGE)
        }
        // A node's job never comes here (`render_job` gives it to `node_context`).
        Job::NotFound | Job::Node(_) => {
            let file = Fixed::NotFound.file().to_string();
            (views::not_found_meta(config), file, "404.html")
        }
    };
    ctx.insert("meta", &meta.with_card(config, site, home));
    (file, template)
}

/// Room for a file's HTML, so that it is allocated once: a page or section's body and 12 KiB
/// for the layout; the one-page guide, every body; a listing can be large, so it starts at
/// 20 KiB and grows.
fn size_hint(site: &Site, job: Job) -> usize {
    let body = match job {
        Job::Node(i) => site.node(site.reading_order[i]).rendered.html.len(),
        Job::All => {
            let pages = site.pages.iter().map(|p| p.rendered.html.len());
            let sections = site.sections.iter().map(|s| s.rendered.html.len());
            pages.chain(sections).sum()
        }
        _ => 8 << 10,
    };
    body + (12 << 10)
}

/// One file to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The page or section at this index of the reading order.
    Node(usize),
    /// Page `.1` (0-based) of the listing of tag `.0`.
    Tag(usize, usize),
    Tags,
    NotFound,
    All,
}

fn register_functions(tera: &mut Tera, base: &str, hashes: Arc<HashMap<String, String>>) {
    let base_url = base.to_string();
    tera.register_function("url", move |kwargs: Kwargs, _: &State| {
        // A string argument is borrowed, anything else written out as text.
        let path: std::borrow::Cow<str> = kwargs.must_get("path")?;
        Ok::<String, tera::Error>([&base_url, path.trim_start_matches('/')].concat())
    });
    let base_asset = base.to_string();
    tera.register_function("asset", move |kwargs: Kwargs, _: &State| {
        let path: std::borrow::Cow<str> = kwargs.must_get("path")?;
        let path = path.trim_start_matches('/');
        match hashes.get(path) {
            Some(hash) => Ok([&base_asset, path, "?h=", hash].concat()),
            None => Err(tera::Error::message(format!(
                "asset(path=\"{path}\"): no such file in the theme's static/ folder"
            ))),
        }
    });
    tera.register_filter("urlencode", |value: &str, _: Kwargs, _: &State| {
        utf8_percent_encode(value, QUERY_VALUE).to_string()
    });
    tera.register_filter("wrap", |value: &str, kwargs: Kwargs, _: &State| {
        let width: usize = kwargs.must_get("width")?;
        Ok::<Vec<String>, tera::Error>(wrap(value, width))
    });
}

/// `text` in lines of at most `width` characters, broken between words (for SVG text, which
/// does not wrap by itself). A word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if chars > 0 && chars + 1 + len > width {
            lines.push(std::mem::take(&mut line));
            chars = 0;
        }
        if chars > 0 {
            line.push(' ');
            chars += 1;
        }
        line.push_str(word);
        chars += len;
    }
    if chars > 0 {
        lines.push(line);
    }
    lines
}

/// A Tera error as a diagnostic naming the template file, its line, and the page being rendered.
fn template_error(
    err: &tera::Error,
    templates_dir: &Path,
    texts: &HashMap<String, String>,
    page: Option<&Path>,
) -> Error {
    let mut d = match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            let path = templates_dir.join(report.filename());
            let d = Diagnostic::at(path, span.start_line, span.start_col + 1, report.message());
            match texts.get(report.filename()) {
                Some(text) => d.with_source(text),
                None => d,
            }
        }
        other => Diagnostic::file(templates_dir, other.to_string()),
    };
    if let Some(page) = page {
        d.hint = Some(format!("while rendering {}", page.display()));
    }
    Error::Template(d)
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_between_words_within_the_width() {
        let lines = wrap("Couples who get back together after a breakup", 26);
        assert_eq!(lines, ["Couples who get back", "together after a breakup"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 26));
    }

    #[test]
    fn wrap_keeps_a_long_word_whole_and_drops_extra_spaces() {
        assert_eq!(
            wrap("  a  Überlänge-ohne-Pause b ", 5),
            ["a", "Überlänge-ohne-Pause", "b"]
        );
        assert_eq!(wrap("short", 26), ["short"]);
        assert!(wrap(" ", 26).is_empty());
    }
}

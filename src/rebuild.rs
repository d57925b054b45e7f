//! What `serve` keeps from one build to the next (the configuration, the parsed templates,
//! the parsed content, the rendered Markdown, the output and its links) and how little it
//! redoes after an edit: an edit that changes no title, order or summary re-renders only
//! the pages it touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{BaseUrl, Config, Overrides};
use crate::content::{self, Content, Theme};
use crate::error::{Diagnostic, Error, Result};
use crate::links::{Checker, Scan};
use crate::lint;
use crate::output::{Files, Memory};
use crate::site::{self, Node, RenderCache, Site};
use crate::templates::{Job, ONE_PAGE, Renderer};
use crate::watch::Change;

/// A good build: the site in memory and what the lint found.
pub struct Built {
    pub files: Files,
    pub warnings: Vec<String>,
}

/// The last good build, for the next one to start from.
struct Last {
    /// The site as last built; a partial rebuild updates it in place.
    site: Site,
    content: Content,
    theme: Theme,
    files: Files,
    scans: Vec<Scan>,
    checker: Checker,
    /// What other pages show of each page, by `rel`: its summary (description, or first
    /// paragraph) and reading time.
    shapes: HashMap<String, Shape>,
    /// Each node's search index entry, in reading order.
    search: Vec<String>,
    /// The lint's warnings about each node on its own, by `rel`.
    lints: HashMap<String, Vec<Diagnostic>>,
    /// The lint's warnings about titles that pages share (front matter: a partial rebuild
    /// keeps them).
    titles: Vec<Diagnostic>,
}

impl Last {
    /// The content and theme, to build from again; the rest is freed in the background.
    fn inputs(self) -> (Content, Theme) {
        let Last {
            site,
            content,
            theme,
            files,
            scans,
            checker,
            shapes,
            search,
            lints,
            titles,
        } = self;
        defer_drop((site, files, scans, checker, shapes, search, lints, titles));
        (content, theme)
    }
}

/// A dev server's builder.
pub struct DevBuild {
    dir: PathBuf,
    origin: String,
    drafts: bool,
    pub config: Option<Config>,
    renderer: Option<Renderer>,
    cache: RenderCache,
    last: Option<Last>,
}

impl DevBuild {
    pub fn new(dir: &Path, origin: &str, drafts: bool) -> Self {
        DevBuild {
            dir: dir.to_path_buf(),
            origin: origin.to_string(),
            drafts,
            config: None,
            renderer: None,
            cache: RenderCache::default(),
            last: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.dir
    }

    /// Reads book.toml, mounting the site at its `[site] url` path on the local origin.
    pub fn load_config(&self) -> Result<Config> {
        let mut overrides = Overrides {
            drafts: self.drafts,
            ..Overrides::default()
        };
        let published = crate::load_config(&self.dir, &overrides)?;
        let local = BaseUrl::parse(&format!("{}{}", self.origin, published.base.path));
        overrides.base_url = local.ok().map(|b| b.url);
        crate::load_config(&self.dir, &overrides)
    }

    /// Builds after `changes` to `paths` (absolute), redoing as little as it can.
    pub fn build(&mut self, changes: &[Change], paths: &[PathBuf]) -> Result<Built> {
        if self.config.is_none() || changes.contains(&Change::Config) {
            self.config = None;
            self.renderer = None;
            defer_drop(self.last.take());
            self.config = Some(self.load_config()?);
        }
        if changes.iter().any(|c| *c != Change::Content) {
            defer_drop(self.last.take());
        }
        if changes
            .iter()
            .any(|c| matches!(c, Change::Template | Change::Stylesheet | Change::Static))
        {
            self.renderer = None;
        }
        let last = self.last.take();
        let refreshed = match last {
            Some(mut last) if !paths.is_empty() => {
                let refreshed = last.content.refresh(paths, self.drafts)?;
                refreshed.map(|(rels, meta_changed)| (last, rels, meta_changed))
            }
            _ => None,
        };
        match refreshed {
            Some((last, rels, false)) => self.partial(last, &rels),
            Some((last, _, true)) => {
                let config = self.config()?.clone();
                let (content, theme) = last.inputs();
                self.render_everything(&config, content, theme)
            }
            None => self.full(),
        }
    }

    fn config(&self) -> Result<&Config> {
        self.config.as_ref().ok_or_else(|| Error::Server {
            message: "no configuration".into(),
            hint: "fix book.toml".into(),
        })
    }

    /// Loads, renders and checks everything (reusing the templates and rendered Markdown).
    fn full(&mut self) -> Result<Built> {
        let config = self.config()?.clone();
        let content = content::load(&config)?;
        let theme = content::load_theme(&config)?;
        self.render_everything(&config, content, theme)
    }

    fn render_everything(
        &mut self,
        config: &Config,
        content: Content,
        theme: Theme,
    ) -> Result<Built> {
        let renderer = match self.renderer.take() {
            Some(r) => r,
            None => Renderer::new(config, &theme, crate::static_hashes(&theme))?,
        };
        let renderer = self.renderer.insert(renderer);
        let statics: Vec<String> = theme.statics.iter().map(|(a, _)| a.rel.clone()).collect();
        let site = site::assemble(config, content.clone(), &statics, Some(&mut self.cache))?;
        let lints: HashMap<String, Vec<Diagnostic>> = site
            .reading_order
            .iter()
            .map(|n| {
                (
                    rel_of(&site, *n).to_string(),
                    lint::node_warnings(&site, *n),
                )
            })
            .collect();
        let titles = lint::duplicate_titles(&site);
        let mut warnings = crate::judge_lints(config, all_lints(&lints, &titles))?;
        renderer.set_site(config, &site);
        let memory = Memory::default();
        // The search index is joined from the entries kept for partial rebuilds.
        let search: Vec<String> = (site.reading_order.iter())
            .map(|n| crate::search::entry(&site, *n))
            .collect();
        let index = crate::search::join(search.iter().map(String::as_str));
        warnings.extend(crate::write_search_index(config, &memory, &index)?);
        drop(index);
        let files = crate::output_files(config, &site, &theme);
        let mut extras = crate::extra_files(config, &site);
        extras.retain(|f| *f != crate::SEARCH_INDEX);
        let checker = crate::links::Checker::new(&files, &config.base.path, &config.base.url);
        drop(files);
        let written =
            crate::write_site(config, &site, renderer, &theme, &memory, checker, &extras)?;
        warnings.extend(written.warnings);
        let files = memory.into_files();
        self.last = Some(Last {
            shapes: site
                .pages
                .iter()
                .map(|p| (p.doc.rel.clone(), shape(p)))
                .collect(),
            search,
            site,
            content,
            theme,
            files: files.clone(),
            scans: written.scans,
            checker: written.checker,
            lints,
            titles,
        });
        Ok(Built { files, warnings })
    }

    /// After edits to known Markdown files that changed no front matter: when no summary
    /// or reading time changed either, only the edited pages (and the one-page guide and the
    /// search index) are rendered again, into the last site, updated in place.
    fn partial(&mut self, mut last: Last, rels: &[String]) -> Result<Built> {
        let config = self.config()?.clone();
        site::refresh(&config, &mut last.site, &last.content, rels);
        let site = &last.site;
        let same_shape = site
            .pages
            .iter()
            .filter(|p| rels.contains(&p.doc.rel))
            .all(|p| last.shapes.get(&p.doc.rel) == Some(&shape(p)));
        let renderer = match self.renderer.as_ref() {
            Some(renderer) if same_shape => renderer,
            _ => {
                let (content, theme) = last.inputs();
                return self.render_everything(&config, content, theme);
            }
        };
        let changed: Vec<usize> = (0..site.reading_order.len())
            .filter(|&i| {
                rels.iter()
                    .any(|r| r == rel_of(site, site.reading_order[i]))
            })
            .collect();
        let mut jobs: Vec<Job> = changed.iter().map(|&i| Job::Node(i)).collect();
        if renderer.has(ONE_PAGE) {
            jobs.push(Job::All);
        }
        for &i in &changed {
            let node = site.reading_order[i];
            last.lints.insert(
                rel_of(site, node).to_string(),
                lint::node_warnings(site, node),
            );
            last.search[i] = crate::search::entry(site, node);
        }
        let mut warnings = crate::judge_lints(&config, all_lints(&last.lints, &last.titles))?;
        let index = crate::search::join(last.search.iter().map(String::as_str));
        let previous = crate::Previous {
            files: &mut last.files,
            scans: &mut last.scans,
            checker: &last.checker,
        };
        warnings.extend(crate::rewrite_site(
            &config, site, renderer, previous, &jobs, &index,
        )?);
        let files = last.files.clone();
        self.last = Some(last);
        Ok(Built { files, warnings })
    }
}

/// Every warning of the lint, sorted.
fn all_lints(lints: &HashMap<String, Vec<Diagnostic>>, titles: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = titles
        .iter()
        .chain(lints.values().flatten())
        .cloned()
        .collect();
    lint::sort(&mut all);
    all
}

/// Frees what a large site leaves behind on a thread of its own, so that the reload need
/// not wait for it.
fn defer_drop<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

fn rel_of(site: &Site, node: Node) -> &str {
    match node {
        Node::Page(p) => &site.pages[p].doc.rel,
        Node::Section(s) => &site.sections[s].doc.rel,
    }
}

/// What other pages show of a page: its summary and reading time.
#[derive(PartialEq)]
struct Shape {
    summary: String,
    reading_time: usize,
}

fn shape(page: &site::Page) -> Shape {
    let summary = match &page.doc.meta.description {
        Some(d) if !d.trim().is_empty() => d.clone(),
        _ => page.rendered.summary.clone(),
    };
    Shape {
        summary,
        reading_time: crate::views::reading_time(page.rendered.word_count),
    }
}

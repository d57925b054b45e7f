//! What `serve` keeps from one build to the next (the configuration, the parsed templates,
//! the parsed content, the rendered Markdown, the output and its links) and how little it
//! redoes after an edit: an edit that changes no title, order or summary re-renders only
//! the pages it touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{BaseUrl, Config, Overrides};
use crate::content::{self, Content, Theme};
use crate::error::{Error, Result};
use crate::links::{Checker, Scan};
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
    content: Content,
    theme: Theme,
    files: Files,
    scans: Vec<Scan>,
    checker: Checker,
    /// Each page's summary as templates see it (description, or first paragraph).
    summaries: HashMap<String, String>,
    /// Each node's search index entry, by `rel`.
    search: HashMap<String, String>,
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
            self.last = None;
            self.config = Some(self.load_config()?);
        }
        if changes.iter().any(|c| *c != Change::Content) {
            self.last = None;
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
                self.render_everything(&config, last.content, last.theme)
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
        let mut warnings = crate::lint_or_fail(config, &site)?;
        renderer.set_site(config, &site);
        let memory = Memory::default();
        let files = crate::output_files(config, &site, &theme);
        let written = crate::write_site(config, &site, renderer, &theme, &memory, files)?;
        warnings.extend(written.warnings);
        let files = memory.into_files();
        self.last = Some(Last {
            summaries: summaries(&site),
            search: search_entries(&site, None),
            content,
            theme,
            files: files.clone(),
            scans: written.scans,
            checker: written.checker,
        });
        Ok(Built { files, warnings })
    }

    /// After edits to known Markdown files: when no title, order or summary changed, only
    /// the edited pages (and the one-page guide and the search index) are rendered again.
    fn partial(&mut self, last: Last, rels: &[String]) -> Result<Built> {
        let config = self.config()?.clone();
        let statics: Vec<String> = last
            .theme
            .statics
            .iter()
            .map(|(a, _)| a.rel.clone())
            .collect();
        let site = site::assemble(
            &config,
            last.content.clone(),
            &statics,
            Some(&mut self.cache),
        )?;
        let summaries = summaries(&site);
        let same_shape = self.renderer.is_some()
            && rels
                .iter()
                .all(|rel| last.summaries.get(rel) == summaries.get(rel));
        if !same_shape {
            return self.render_everything(&config, last.content, last.theme);
        }
        let Some(renderer) = self.renderer.as_ref() else {
            return self.render_everything(&config, last.content, last.theme);
        };
        let mut jobs: Vec<Job> = site
            .reading_order
            .iter()
            .enumerate()
            .filter(|(_, n)| rels.contains(&rel_of(&site, **n).to_string()))
            .map(|(i, _)| Job::Node(i))
            .collect();
        if renderer.has(ONE_PAGE) {
            jobs.push(Job::All);
        }
        let mut warnings = crate::lint_or_fail(&config, &site)?;
        let Last {
            content,
            theme,
            mut files,
            mut scans,
            checker,
            mut search,
            ..
        } = last;
        search.extend(search_entries(&site, Some(rels)));
        let entries: Vec<String> = site
            .reading_order
            .iter()
            .map(|n| search.get(rel_of(&site, *n)).cloned().unwrap_or_default())
            .collect();
        let previous = crate::Previous {
            files: &mut files,
            scans: &mut scans,
            checker: &checker,
        };
        let index = crate::search::join(&entries);
        warnings.extend(crate::rewrite_site(
            &config, &site, renderer, previous, &jobs, &index,
        )?);
        self.last = Some(Last {
            content,
            theme,
            files: files.clone(),
            scans,
            checker,
            summaries,
            search,
        });
        Ok(Built { files, warnings })
    }
}

/// The search index entry of every node (or of those whose `rel` is in `only`), by `rel`.
fn search_entries(site: &Site, only: Option<&[String]>) -> HashMap<String, String> {
    site.reading_order
        .iter()
        .filter(|n| only.is_none_or(|rels| rels.iter().any(|r| r == rel_of(site, **n))))
        .map(|n| (rel_of(site, *n).to_string(), crate::search::entry(site, *n)))
        .collect()
}

fn rel_of(site: &Site, node: Node) -> &str {
    match node {
        Node::Page(p) => &site.pages[p].doc.rel,
        Node::Section(s) => &site.sections[s].doc.rel,
    }
}

/// Each page's summary as templates see it.
fn summaries(site: &Site) -> HashMap<String, String> {
    site.pages
        .iter()
        .map(|p| {
            let summary = match &p.doc.meta.description {
                Some(d) if !d.trim().is_empty() => d.clone(),
                _ => p.rendered.summary.clone(),
            };
            (p.doc.rel.clone(), summary)
        })
        .collect()
}

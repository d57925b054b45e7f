//! What `serve` keeps from one build to the next (the configuration, the parsed templates,
//! the parsed content, the rendered Markdown, the output and its links) and how little it
//! redoes after an edit: an edit that changes no title, order or summary re-renders only
//! the pages it touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::base::error::{Error, Result};
use crate::check::links::{Checker, Scan};
use crate::input::config::{BaseUrl, Config, Overrides};
use crate::input::content::{Content, Theme};
use crate::model::site::{self, Node, Site};
use crate::pipeline;
use crate::pipeline::nodes::{Lints, SearchEntries};
use crate::render::generated::Generated;
use crate::render::templates::{Job, ONE_PAGE, Renderer};
use crate::serve::cache::{self, RenderCache};
use crate::serve::watch::Change;
use crate::write::{Files, Memory};

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
    /// Each node's search index entry.
    search: SearchEntries,
    /// The lint's findings, each node's own redone by a partial rebuild.
    lints: Lints,
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
        } = self;
        defer_drop((site, files, scans, checker, shapes, search, lints));
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
        let published = pipeline::load_config(&self.dir, &overrides)?;
        let local = BaseUrl::parse(&format!("{}{}", self.origin, published.base.path));
        overrides.base_url = local.ok().map(|b| b.url);
        pipeline::load_config(&self.dir, &overrides)
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
                let refreshed = cache::reread(&mut last.content, paths, self.drafts, &self.dir)?;
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
        let (content, theme) = pipeline::load(&config)?;
        self.render_everything(&config, content, theme)
    }

    /// Assembles, lints, renders and checks the whole site, keeping what a partial rebuild
    /// needs.
    fn render_everything(
        &mut self,
        config: &Config,
        content: Content,
        theme: Theme,
    ) -> Result<Built> {
        let renderer = parsed(&mut self.renderer, config, &theme)?;
        let site = pipeline::assemble(
            config,
            content.clone(),
            &theme,
            Some(&mut self.cache as &mut dyn site::RenderStore),
        )?;
        let lints = Lints::of(&site);
        let mut warnings = pipeline::judge_lints(config, lints.all())?;
        renderer.set_site(config, &site);
        let memory = Memory::default();
        // The search index is joined from the entries kept for partial rebuilds.
        let search = SearchEntries::of(&site);
        warnings.extend(search.write(config, &memory)?);
        let written = write_the_rest(stage(config, &site, renderer, &memory), &theme)?;
        warnings.extend(written.warnings);
        let files = memory.into_files();
        self.last = Some(Last {
            shapes: shapes_of(&site),
            search,
            site,
            content,
            theme,
            files: files.clone(),
            scans: written.scans,
            checker: written.checker,
            lints,
        });
        Ok(Built { files, warnings })
    }

    /// After edits to known Markdown files that changed no front matter: when no summary
    /// or reading time changed either, only the edited pages (and the one-page guide and the
    /// search index) are rendered again, into the last site, updated in place.
    fn partial(&mut self, mut last: Last, rels: &[String]) -> Result<Built> {
        let config = self.config()?.clone();
        cache::rerender(&config, &mut last.site, &last.content, rels);
        let site = &last.site;
        let renderer = match self.renderer.as_ref() {
            Some(renderer) if pages_alone(&last.shapes, site, rels) => renderer,
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
            last.lints.redo(site, i);
            last.search.redo(site, i);
        }
        let mut warnings = pipeline::judge_lints(&config, last.lints.all())?;
        let previous = Previous {
            files: &mut last.files,
            scans: &mut last.scans,
            checker: &last.checker,
            jobs: &jobs,
            search: &last.search,
        };
        warnings.extend(rewrite_site(&config, site, renderer, previous)?);
        let files = last.files.clone();
        self.last = Some(last);
        Ok(Built { files, warnings })
    }
}

/// The parsed templates in `slot`, parsed again when a change emptied it.
fn parsed<'a>(
    slot: &'a mut Option<Renderer>,
    config: &Config,
    theme: &Theme,
) -> Result<&'a mut Renderer> {
    let renderer = match slot.take() {
        Some(r) => r,
        None => Renderer::new(config, theme, pipeline::static_hashes(theme))?,
    };
    Ok(slot.insert(renderer))
}

/// Plans the site's files, then renders, copies and writes every one but the search index
/// (written already) into the stage's sink, and checks every link.
fn write_the_rest(stage: pipeline::Stage, theme: &Theme) -> Result<pipeline::Written> {
    let pipeline::Stage { config, site, .. } = stage;
    let files = pipeline::plan::output_files(config, site, theme);
    let checker = Checker::new(&files, &config.base.path, &config.base.url);
    drop(files);
    let mut extras = Generated::of(config, site);
    extras.retain(|g| *g != Generated::SearchIndex);
    pipeline::write_site(stage, theme, checker, &extras)
}

/// Frees what a large site leaves behind on a thread of its own, so that the reload need
/// not wait for it.
fn defer_drop<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

fn rel_of(site: &Site, node: Node) -> &str {
    site.node(node).rel
}

/// What other pages show of a page: its summary and reading time.
#[derive(PartialEq)]
struct Shape {
    summary: String,
    reading_time: usize,
}

/// The partial-rebuild rule: after edits to `rels` that changed no front matter, only the
/// edited pages need rendering again when each still shows other pages what it showed
/// before (`shapes`, from the last full build): the same summary and reading time, which
/// the section pages, the pager and the one-page guide show of it.
fn pages_alone(shapes: &HashMap<String, Shape>, site: &Site, rels: &[String]) -> bool {
    (site.pages.iter())
        .filter(|p| rels.contains(&p.doc.rel))
        .all(|p| shapes.get(&p.doc.rel) == Some(&shape(p)))
}

/// The shape of every page, by `rel`.
fn shapes_of(site: &Site) -> HashMap<String, Shape> {
    (site.pages.iter())
        .map(|p| (p.doc.rel.clone(), shape(p)))
        .collect()
}

fn shape(page: &site::Page) -> Shape {
    Shape {
        summary: page.summary().to_string(),
        reading_time: crate::render::views::reading_time(page.rendered.word_count),
    }
}

/// The render-and-check stage's context for a build into `memory`.
fn stage<'a>(
    config: &'a Config,
    site: &'a Site,
    renderer: &'a Renderer,
    memory: &'a Memory,
) -> pipeline::Stage<'a> {
    pipeline::Stage {
        config,
        site,
        renderer,
        sink: memory,
    }
}

/// What a partial rebuild needs from the last full one, and what it redoes.
pub struct Previous<'a> {
    pub files: &'a mut Files,
    pub scans: &'a mut Vec<Scan>,
    pub checker: &'a Checker,
    /// What to render again.
    pub jobs: &'a [Job],
    /// The search index's entries.
    pub search: &'a SearchEntries,
}

/// Renders again only `jobs` of a site whose shape did not change (same pages, titles,
/// order and summaries): their files replace those in `files`, their scans those in
/// `scans`, and the index joined from `search` becomes the search index. Every link is
/// checked again.
pub fn rewrite_site(
    config: &Config,
    site: &Site,
    renderer: &Renderer,
    previous: Previous,
) -> Result<Vec<String>> {
    let Previous {
        files,
        scans,
        checker,
        jobs,
        search,
    } = previous;
    let memory = Memory::default();
    let (fresh, one_page) =
        pipeline::render_into(stage(config, site, renderer, &memory), checker, jobs)?;
    let budget = search.write(config, &memory)?;
    files.extend(memory.into_files());
    // When no re-rendered file gained or lost an id, the other files' links still hold:
    // only the re-rendered files' own links need checking.
    let mut same_ids = true;
    let mut fresh_files = Vec::with_capacity(fresh.len());
    for scan in fresh {
        fresh_files.push(scan.file.clone());
        match scans.binary_search_by(|s| s.file.cmp(&scan.file)) {
            Ok(i) => {
                same_ids &= scans[i].ids == scan.ids;
                scans[i] = scan;
            }
            Err(i) => {
                same_ids = false;
                scans.insert(i, scan);
            }
        }
    }
    let templates_dir = crate::input::config::join(&config.theme_dir, Path::new("templates"));
    let origin = |scan| pipeline::origin(site, scan, &templates_dir);
    if same_ids {
        let mut which = fresh_files
            .iter()
            .filter_map(|f| scans.binary_search_by(|s| s.file.cmp(f)).ok());
        checker.check_some(scans, &mut which, &origin)?;
    } else {
        checker.check(scans, &origin)?;
    }
    Ok(budget.into_iter().chain(one_page).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::content::parse_document;
    use std::sync::Arc;

    /// A two-page site with the second page's text as given.
    fn site_with(second: &str) -> Site {
        let toml = "[book]\ntitle = \"T\"\n";
        let config = Config::parse(Path::new("."), toml, &Overrides::default()).unwrap();
        let doc = |rel: &str, text: &str| {
            (
                Path::new("content").join(rel),
                rel.to_string(),
                text.to_string(),
            )
        };
        let mut content = Content::default();
        for (path, rel, text) in [
            doc("_index.md", "---\ntitle: Home\n---\n"),
            doc("s/_index.md", "---\ntitle: S\n---\n"),
        ] {
            content
                .sections
                .push(Arc::new(parse_document(&path, rel, &text).unwrap()));
        }
        for (path, rel, text) in [
            doc("s/01-a.md", "---\ntitle: A\n---\n\nFirst.\n"),
            doc("s/02-b.md", second),
        ] {
            content
                .pages
                .push(Arc::new(parse_document(&path, rel, &text).unwrap()));
        }
        site::assemble(&config, content, &[], None).unwrap()
    }

    const EDITED: &str = "s/02-b.md";

    #[test]
    fn an_edit_after_the_opening_paragraph_renders_that_page_alone() {
        let before = site_with("---\ntitle: B\n---\n\nOpening.\n\nMore.\n");
        let after = site_with("---\ntitle: B\n---\n\nOpening.\n\nMore, reworded.\n");
        assert!(pages_alone(&shapes_of(&before), &after, &[EDITED.into()]));
    }

    #[test]
    fn a_new_opening_paragraph_is_a_new_summary_unless_a_description_stands() {
        let before = site_with("---\ntitle: B\n---\n\nOpening.\n");
        let after = site_with("---\ntitle: B\n---\n\nAnother opening.\n");
        assert!(!pages_alone(&shapes_of(&before), &after, &[EDITED.into()]));
        let described = "---\ntitle: B\ndescription: Fixed.\n---\n\n";
        let before = site_with(&format!("{described}Opening.\n"));
        let after = site_with(&format!("{described}Another opening.\n"));
        assert!(pages_alone(&shapes_of(&before), &after, &[EDITED.into()]));
    }

    #[test]
    fn a_longer_reading_time_is_seen_by_other_pages() {
        let before = site_with("---\ntitle: B\ndescription: D.\n---\n\nShort.\n");
        let long = "word ".repeat(600);
        let after = site_with(&format!(
            "---\ntitle: B\ndescription: D.\n---\n\nShort.\n\n{long}\n"
        ));
        assert!(!pages_alone(&shapes_of(&before), &after, &[EDITED.into()]));
    }

    #[test]
    fn a_page_the_last_build_did_not_have_needs_everything() {
        let site = site_with("---\ntitle: B\n---\n\nOpening.\n");
        let mut shapes = shapes_of(&site);
        shapes.remove(EDITED);
        assert!(!pages_alone(&shapes, &site, &[EDITED.into()]));
        assert!(pages_alone(&shapes, &site, &["s/01-a.md".into()]));
    }
}

//! The stages every command runs, in the order data flows: load the input, assemble the
//! site, plan the output files, render and check into a sink, commit. `build` and `check`
//! run them here with a staging folder or nothing as the sink; `serve` runs the same stages
//! with memory as the sink and its own cache (see `serve::rebuild`).

pub mod nodes;
pub mod plan;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::html;
use crate::base::output::Fixed;
use crate::base::parallel::try_each;
use crate::check::links::{self, Origin, Scan};
use crate::input::config::{self, Config, Overrides};
use crate::input::content::{self, Content, Theme};
use crate::model::site::{self, RenderStore, Site};
use crate::render::generated::Generated;
use crate::render::search;
use crate::render::templates::{self, Output, Renderer};
use crate::render::{cards, redirect};
use crate::write::{self as output, Sink};

/// What to do with the built site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write it into the build dir.
    Build,
    /// Check everything, write nothing.
    Check,
}

/// The numbers of the summary line.
#[derive(Debug, Clone)]
pub struct Report {
    pub pages: usize,
    pub sections: usize,
    pub assets: usize,
    pub elapsed: Duration,
    pub dest: PathBuf,
    /// Things that did not stop the build but deserve a look.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        write!(
            f,
            "{}, {}, {} in {} ms",
            plural(self.pages, "page"),
            plural(self.sections, "section"),
            plural(self.assets, "asset"),
            self.elapsed.as_millis(),
        )
    }
}

/// Reads `dir/book.toml` and applies the command line's overrides.
pub fn load_config(dir: &Path, overrides: &Overrides) -> Result<Config> {
    let file = Config::file(dir);
    if !file.is_file() {
        let msg = "no book.toml here: this is not a rekindle project";
        let hint =
            "run rekindle in the folder that holds book.toml, or name it: `rekindle build DIR`";
        return Err(Error::Config(Diagnostic::file(file, msg).with_hint(hint)));
    }
    let text = content::read_text(&file)?;
    let config = Config::parse(dir, &text, overrides)?;
    content::check_fence(&config)?;
    Ok(config)
}

/// Reads the content and the theme, side by side.
pub fn load(config: &Config) -> Result<(Content, Theme)> {
    let (content, theme) = rayon::join(|| content::load(config), || content::load_theme(config));
    Ok((content?, theme?))
}

/// Assembles the site from the content and the theme's static files; `cache` is serve's.
pub fn assemble(
    config: &Config,
    content: Content,
    theme: &Theme,
    cache: Option<&mut dyn RenderStore>,
) -> Result<Site> {
    let statics: Vec<String> = theme.statics.iter().map(|(a, _)| a.rel.clone()).collect();
    site::assemble(config, content, &statics, cache)
}

/// Runs every stage for `build` or `check`: load, assemble, plan the output files, render
/// and check into the target, commit. `cleanup` lists the staging folder for an interrupt
/// handler to remove.
pub fn run(
    config: &Config,
    overrides: &Overrides,
    mode: Mode,
    cleanup: &output::Cleanup,
) -> Result<Report> {
    let started = Instant::now();
    if let (Mode::Build, Some(file)) = (mode, &overrides.manifest) {
        output::check_manifest(config, file)?;
    }
    let (content, theme) = load(config)?;
    let mut site = assemble(config, content, &theme, None)?;
    let files = plan::output_files(config, &site, &theme);
    let (target, renderer, checker, lints) =
        prepare(config, &site, &theme, (mode, cleanup), &files)?;
    drop(files);
    // The search text is written: the pages need not hold it while they render.
    site.release_search_text();
    // The search index is written while the folders are made (see `prepare`).
    let extras: Vec<Generated> = (Generated::of(config, &site).into_iter())
        .filter(|g| *g != Generated::SearchIndex)
        .collect();
    let sink = target.sink();
    let stage = Stage {
        config,
        site: &site,
        renderer: &renderer,
        sink,
    };
    let found: Vec<String> = (warnings(config).into_iter()).chain(lints).collect();
    let warned = |e: Error| e.with_warnings(found.clone());
    let written = write_site(stage, &theme, checker, &extras).map_err(warned)?;
    target.commit(config)?;
    if let (Mode::Build, Some(file)) = (mode, &overrides.manifest) {
        output::write_manifest(&config.build_dir, file)?;
    }
    let report = Report {
        pages: site.pages.len(),
        sections: site.sections.len(),
        assets: site.assets.len() + theme.statics.len(),
        elapsed: started.elapsed(),
        dest: config.build_dir.clone(),
        warnings: found.into_iter().chain(written.warnings).collect(),
    };
    // Freeing a large site takes milliseconds nobody needs to wait for.
    std::thread::spawn(move || drop((site, renderer, written.scans, written.checker)));
    Ok(report)
}

/// Gets a build ready to render: opens its target, then makes the output's folders, writes
/// the search index, lints, parses the templates and lists the site's files for the link
/// checker side by side, as all of these take a while. Returns the target, the renderer,
/// the link checker and the warnings so far.
fn prepare(
    config: &Config,
    site: &Site,
    theme: &content::Theme,
    (mode, cleanup): (Mode, &output::Cleanup),
    files: &[String],
) -> Result<(Target, Renderer, links::Checker, Vec<String>)> {
    let target = Target::open(config, mode, cleanup)?;
    let (written, prepared) = rayon::join(
        || -> Result<_> {
            let write = |out: &mut dyn std::io::Write| search::write_index(site, out);
            let (folders, size) = rayon::join(
                || target.make_folders(files),
                || {
                    target
                        .sink()
                        .write_from(Generated::SearchIndex.file(), &write)
                },
            );
            folders?;
            Ok(search_budget(config, size? as usize))
        },
        || -> Result<_> {
            let (checker, lints) = rayon::join(
                || links::Checker::new(files, &config.base.path, &config.base.url),
                || lint_or_fail(config, site),
            );
            let mut renderer = Renderer::new(config, theme, static_hashes(theme))?;
            renderer.set_site(config, site);
            Ok((lints?, renderer, checker))
        },
    );
    let (lints, renderer, checker) = prepared?;
    let over_budget = written?;
    Ok((
        target,
        renderer,
        checker,
        lints.into_iter().chain(over_budget).collect(),
    ))
}

/// Where a build's files go: a staging folder, or nowhere for `check`.
enum Target {
    Staging(output::Staging),
    Discard,
}

impl Target {
    /// Checks that the build dir may be replaced; for a build, also creates the staging
    /// folder.
    fn open(config: &Config, mode: Mode, cleanup: &output::Cleanup) -> Result<Target> {
        match mode {
            Mode::Check => output::check_placement(config).map(|_| Target::Discard),
            Mode::Build => output::Staging::create(config, cleanup).map(Target::Staging),
        }
    }

    /// Makes the folders of `files` in the staging folder.
    fn make_folders(&self, files: &[String]) -> Result<()> {
        match self {
            Target::Staging(staging) => staging.make_folders(files),
            Target::Discard => Ok(()),
        }
    }

    fn sink(&self) -> &dyn Sink {
        match self {
            Target::Staging(staging) => staging,
            Target::Discard => &output::Discard,
        }
    }

    /// Swaps a build in for the previous one.
    fn commit(self, config: &Config) -> Result<()> {
        match self {
            Target::Staging(staging) => staging.commit(config),
            Target::Discard => Ok(()),
        }
    }
}

/// What the render-and-check stage works with, the same for `build`, `check` and `serve`:
/// they differ by the sink (a staging folder, nothing, memory).
#[derive(Clone, Copy)]
pub struct Stage<'a> {
    pub config: &'a Config,
    pub site: &'a Site,
    pub renderer: &'a Renderer,
    pub sink: &'a dyn Sink,
}

/// What writing a site leaves behind: warnings, and each HTML file's links and ids.
pub struct Written {
    pub warnings: Vec<String>,
    pub scans: Vec<Scan>,
    /// The link checker, which knows every file of the site.
    pub checker: links::Checker,
}

/// Renders, copies and writes every file of the site into `sink`, then checks every link.
/// `checker` knows all the site's files (`output_files`), `extras` are those of
/// `extra_files` still to write. Returns warnings about the output (a search index over
/// its budget) and the scans.
pub fn write_site(
    stage: Stage,
    theme: &content::Theme,
    checker: links::Checker,
    extras: &[Generated],
) -> Result<Written> {
    let Stage { config, site, .. } = stage;
    let jobs = stage.renderer.all_jobs(site);
    let (rendered, warnings) = rayon::join(
        || render_into(stage, &checker, &jobs),
        || write_the_rest(stage, theme, extras),
    );
    let ((mut scans, over_budget), mut warnings) = (rendered?, warnings?);
    warnings.extend(over_budget);
    // Cards are images nobody reads in `check`: drawing them is most of a small build.
    if config.cards && !stage.sink.discards() {
        write_cards(stage)?;
    }
    // Each file is written once: an unstable sort orders them the same, on every thread.
    rayon::slice::ParallelSliceMut::par_sort_unstable_by(&mut scans[..], |a, b| {
        a.file.cmp(&b.file)
    });
    let templates_dir = config::join(&config.theme_dir, Path::new("templates"));
    checker.check(&scans, &|scan| origin(site, scan, &templates_dir))?;
    Ok(Written {
        warnings,
        scans,
        checker,
    })
}

/// Writes the files that are not rendered: assets, the theme's static files, the feeds and
/// the search index. Returns a warning when the index is over its budget.
fn write_the_rest(
    stage: Stage,
    theme: &content::Theme,
    extras: &[Generated],
) -> Result<Vec<String>> {
    let Stage {
        config, site, sink, ..
    } = stage;
    for asset in &site.assets {
        sink.copy(&asset.rel, &asset.source)?;
    }
    for (asset, bytes) in &theme.statics {
        sink.write(&asset.rel, bytes)?;
    }
    for &node in &site.reading_order {
        let node = site.node(node);
        if node.aliases.is_empty() {
            continue;
        }
        let html = redirect::page(config, node.path, node.title);
        for alias in node.aliases {
            sink.write(alias, html.as_bytes())?;
        }
    }
    let mut warnings = Vec::new();
    for &generated in extras {
        let size = sink.write_from(generated.file(), &|out| generated.write(config, site, out))?;
        if generated == Generated::SearchIndex {
            warnings.extend(search_budget(config, size as usize));
        }
    }
    Ok(warnings)
}

/// Draws the social preview card of every page and section, in parallel.
fn write_cards(stage: Stage) -> Result<()> {
    let Stage {
        config,
        site,
        renderer,
        sink,
    } = stage;
    try_each(&site.reading_order, |&node| {
        let file = site.card_file(node);
        // An earlier build's card is kept when it carries the key this one would.
        let keep = |key: &str| sink.keep(&file, &|head| cards::key_of(head) == Some(key));
        match renderer.card(config, site, node, &keep)? {
            Some(png) => sink.write(&file, &png),
            None => Ok(()),
        }
    })
}

/// Renders `jobs` into `sink`, scanning each file's links and ids as it is written. Returns
/// the scans, and a warning when the one-page guide is over its budget.
pub fn render_into(
    stage: Stage,
    checker: &links::Checker,
    jobs: &[templates::Job],
) -> Result<(Vec<Scan>, Option<String>)> {
    let Stage {
        config,
        site,
        renderer,
        sink,
    } = stage;
    let scans = Mutex::new(Vec::new());
    let one_page = std::sync::atomic::AtomicUsize::new(0);
    renderer.render(config, site, jobs, &|out: Output| {
        if out.file == templates::ONE_PAGE_FILE {
            one_page.store(out.html.len(), std::sync::atomic::Ordering::Relaxed);
        }
        let (mut links, ids) = html::scan(&out.html);
        if !out.judged.is_empty() {
            links.retain(|link| !out.judged.contains(link.as_ref()));
        }
        sink.write(&out.file, out.html.as_bytes())?;
        let scan = Scan {
            links: checker.triage(&out.file, links, &ids),
            node: out.node,
            template: out.template,
            file: out.file,
            ids,
        };
        scans.lock().map_err(|_| poisoned(config))?.push(scan);
        Ok(())
    })?;
    let warning = one_page_budget(config, one_page.into_inner());
    Ok((scans.into_inner().map_err(|_| poisoned(config))?, warning))
}

/// A warning when the one-page guide (`size` bytes, 0 when not rendered) passes
/// `[one-page] budget-kb`.
fn one_page_budget(config: &Config, size: usize) -> Option<String> {
    let what = format!("the one-page guide ({})", templates::ONE_PAGE_FILE);
    let why = "every reader who opens it downloads all of it";
    over_budget(
        config,
        (&what, why, "[one-page]"),
        size,
        config.one_page_budget,
    )
}

/// `book.toml: WHAT is N KB, over the budget of M KB: WHY; raise budget-kb under TABLE ...`
/// when `size` passes `budget` (bytes).
fn over_budget(
    config: &Config,
    (what, why, table): (&str, &str, &str),
    size: usize,
    budget: u64,
) -> Option<String> {
    let size = size as u64;
    (size > budget).then(|| {
        format!(
            "{}: {what} is {:.1} KB, over the budget of {} KB: {why}; raise `budget-kb` under {table} if that is intended",
            Config::file(&config.root).display(),
            size as f64 / 1024.0,
            budget / 1024
        )
    })
}

/// Writes a search index joined from its entries (see `search::join`); returns a warning
/// when it is over its budget.
pub fn write_search_index(config: &Config, sink: &dyn Sink, index: &str) -> Result<Option<String>> {
    sink.write(Generated::SearchIndex.file(), index.as_bytes())?;
    Ok(search_budget(config, index.len()))
}

fn poisoned(config: &Config) -> Error {
    Error::Output(Diagnostic::file(
        &config.build_dir,
        "a render thread failed",
    ))
}

pub fn origin<'a>(site: &'a Site, scan: &Scan, templates_dir: &Path) -> Origin<'a> {
    let template = templates_dir.join(&scan.template);
    let Some(node) = scan.node.map(|n| site.node(n)) else {
        return Origin {
            template,
            ..Origin::default()
        };
    };
    Origin {
        source: Some(node.source),
        template,
        markdown: &node.rendered.links,
        body_line: node.body_line,
        rel: node.rel,
        drafts: &site.drafts,
        site: Some(site),
    }
}

/// The content lint's findings as warnings, or as errors under `--strict`.
pub fn lint_or_fail(config: &Config, site: &Site) -> Result<Vec<String>> {
    judge_lints(config, nodes::Lints::of(site).all())
}

/// The lint's findings (`found`) as warnings, or as errors under `--strict`.
pub fn judge_lints(config: &Config, found: Vec<Diagnostic>) -> Result<Vec<String>> {
    if config.strict && !found.is_empty() {
        let errors = found.into_iter().map(Error::Content).collect();
        return Err(Error::from_list(errors).unwrap_or(Error::Many(Vec::new())));
    }
    Ok(found.iter().map(ToString::to_string).collect())
}

/// A warning when the search index passes `[search] budget-kb`.
fn search_budget(config: &Config, size: usize) -> Option<String> {
    let what = (
        "the search index",
        "every reader who searches downloads it",
        "[search]",
    );
    over_budget(config, what, size, config.search_budget)
}

fn warnings(config: &Config) -> Vec<String> {
    if config.base.url.contains("://") {
        return Vec::new();
    }
    vec![format!(
        "{}: [site] url has no host, so {}, {}, canonical and share links hold paths, not absolute URLs; set `url = \"https://USER.github.io/REPO/\"` or pass --base-url",
        Config::file(&config.root).display(),
        Fixed::Sitemap.file(),
        Fixed::Atom.file(),
    )]
}

/// The first 8 hex digits of the SHA-256 of `bytes`, for cache busting.
fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// The content hash of each of the theme's static files, for `asset()`.
pub fn static_hashes(theme: &content::Theme) -> HashMap<String, String> {
    theme
        .statics
        .iter()
        .map(|(asset, bytes)| (asset.rel.clone(), short_hash(bytes)))
        .collect()
}

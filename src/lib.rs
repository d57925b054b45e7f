//! rekindle: a static site generator for guides. `build()` is the whole pipeline as a handful
//! of named steps: configure, load, assemble, render, check links, write.

pub mod cards;
pub mod config;
pub mod content;
pub mod error;
pub mod feeds;
pub mod http;
pub mod jsonld;
pub mod links;
pub mod lint;
pub mod markdown;
pub mod nav;
pub mod onepage;
pub mod output;
pub mod plain_yaml;
pub mod rebuild;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod server;
pub mod site;
pub mod templates;
pub mod views;
pub mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The most files one parallel task takes on at a time. Rayon otherwise cuts a list into
/// a few long runs that cannot be split once started, and near the end of each stage one
/// thread would work through the last run alone while the other waited.
pub(crate) const PARALLEL_CHUNK: usize = 64;

/// Runs `each` on every item in parallel. When some fail, returns the error of the first
/// failing item in the list's order, not of whichever thread failed first, so that a build
/// that fails reports the same error every time.
pub(crate) fn try_each<T: Sync>(items: &[T], each: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    use rayon::prelude::*;
    let failed = (items.par_iter().with_max_len(PARALLEL_CHUNK)).find_map_first(|i| each(i).err());
    failed.map_or(Ok(()), Err)
}

pub use config::{Config, Overrides};
pub use error::{Diagnostic, Error, Result};

use links::{Origin, Scan};
use output::Sink;
use site::{Node, Site};
use templates::{Output, Renderer};

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
    Config::parse(dir, &text, overrides)
}

/// Builds (or checks) the site of the project in `dir`.
pub fn build(dir: &Path, overrides: &Overrides, mode: Mode) -> Result<Report> {
    let started = Instant::now();
    let config = load_config(dir, overrides)?;
    let (content, theme) = rayon::join(|| content::load(&config), || content::load_theme(&config));
    let (content, theme) = (content?, theme?);
    let statics: Vec<String> = theme.statics.iter().map(|(a, _)| a.rel.clone()).collect();
    let mut site = site::assemble(&config, content, &statics, None)?;
    let files = output_files(&config, &site, &theme);
    let (target, renderer, checker, lints) = prepare(&config, &site, &theme, mode, &files)?;
    drop(files);
    // The search text is written: the pages need not hold it while they render.
    site.release_search_text();
    let extras: Vec<&str> = (extra_files(&config, &site).into_iter())
        .filter(|name| *name != SEARCH_INDEX)
        .collect();
    let sink = target.sink();
    let written = write_site(&config, &site, &renderer, &theme, sink, checker, &extras)?;
    target.commit(&config.build_dir)?;
    if let (Mode::Build, Some(file)) = (mode, &overrides.manifest) {
        output::write_manifest(&config.build_dir, file)?;
    }
    let report = Report {
        pages: site.pages.len(),
        sections: site.sections.len(),
        assets: site.assets.len() + theme.statics.len(),
        elapsed: started.elapsed(),
        dest: config.build_dir.clone(),
        warnings: (warnings(&config).into_iter())
            .chain(lints)
            .chain(written.warnings)
            .collect(),
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
    mode: Mode,
    files: &[String],
) -> Result<(Target, Renderer, links::Checker, Vec<String>)> {
    let target = Target::open(config, mode)?;
    let (written, prepared) = rayon::join(
        || -> Result<_> {
            let write = |out: &mut dyn std::io::Write| search::write_index(site, out);
            let (folders, size) = rayon::join(
                || target.make_folders(files),
                || target.sink().write_from(SEARCH_INDEX, &write),
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
    fn open(config: &Config, mode: Mode) -> Result<Target> {
        match mode {
            Mode::Check => output::check_placement(config).map(|()| Target::Discard),
            Mode::Build => output::Staging::create(config).map(Target::Staging),
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
    fn commit(self, build_dir: &Path) -> Result<()> {
        match self {
            Target::Staging(staging) => staging.commit(build_dir),
            Target::Discard => Ok(()),
        }
    }
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
    config: &Config,
    site: &Site,
    renderer: &Renderer,
    theme: &content::Theme,
    sink: &dyn Sink,
    checker: links::Checker,
    extras: &[&str],
) -> Result<Written> {
    let jobs = renderer.all_jobs(site);
    let (rendered, warnings) = rayon::join(
        || render_into(config, site, renderer, sink, &checker, &jobs),
        || write_the_rest(config, site, theme, sink, extras),
    );
    let ((mut scans, over_budget), mut warnings) = (rendered?, warnings?);
    warnings.extend(over_budget);
    if config.cards {
        write_cards(config, site, renderer, sink)?;
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
    config: &Config,
    site: &Site,
    theme: &content::Theme,
    sink: &dyn Sink,
    extras: &[&str],
) -> Result<Vec<String>> {
    for asset in &site.assets {
        sink.copy(&asset.rel, &asset.source)?;
    }
    for (asset, bytes) in &theme.statics {
        sink.write(&asset.rel, bytes)?;
    }
    let mut warnings = Vec::new();
    for &name in extras {
        let size = sink.write_from(name, &|out| write_extra_file(name, config, site, out))?;
        if name == SEARCH_INDEX {
            warnings.extend(search_budget(config, size as usize));
        }
    }
    Ok(warnings)
}

/// Draws the social preview card of every page and section, in parallel.
fn write_cards(config: &Config, site: &Site, renderer: &Renderer, sink: &dyn Sink) -> Result<()> {
    try_each(&site.reading_order, |&node| {
        let png = renderer.card(config, site, node)?;
        sink.write(&site.card_file(node), &png)
    })
}

/// Every file a build writes, relative to the site root.
pub fn output_files(config: &Config, site: &Site, theme: &content::Theme) -> Vec<String> {
    let mut files = site_files(site, theme, &extra_files(config, site));
    if theme.has_template(templates::ONE_PAGE) {
        files.push(templates::ONE_PAGE_FILE.to_string());
    }
    files.extend(card_files(config, site));
    files
}

/// The cards a build writes, when `[site] cards` is on.
fn card_files(config: &Config, site: &Site) -> Vec<String> {
    match config.cards {
        true => site
            .reading_order
            .iter()
            .map(|n| site.card_file(*n))
            .collect(),
        false => Vec::new(),
    }
}

/// Renders `jobs` into `sink`, scanning each file's links and ids as it is written. Returns
/// the scans, and a warning when the one-page guide is over its budget.
fn render_into(
    config: &Config,
    site: &Site,
    renderer: &Renderer,
    sink: &dyn Sink,
    checker: &links::Checker,
    jobs: &[templates::Job],
) -> Result<(Vec<Scan>, Option<String>)> {
    let scans = Mutex::new(Vec::new());
    let one_page = std::sync::atomic::AtomicUsize::new(0);
    renderer.render(config, site, jobs, &|out: Output| {
        if out.file == templates::ONE_PAGE_FILE {
            one_page.store(out.html.len(), std::sync::atomic::Ordering::Relaxed);
        }
        let (links, ids) = links::scan(&out.html);
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

/// What a partial rebuild needs from the last full one.
pub struct Previous<'a> {
    pub files: &'a mut output::Files,
    pub scans: &'a mut Vec<Scan>,
    pub checker: &'a links::Checker,
}

/// Renders again only `jobs` of a site whose shape did not change (same pages, titles,
/// order and summaries): their files replace those in `files`, their scans those in
/// `scans`, and `index` becomes the search index. Every link is checked again.
pub fn rewrite_site(
    config: &Config,
    site: &Site,
    renderer: &Renderer,
    previous: Previous,
    jobs: &[templates::Job],
    index: &str,
) -> Result<Vec<String>> {
    let Previous {
        files,
        scans,
        checker,
    } = previous;
    let memory = output::Memory::default();
    let (fresh, one_page) = render_into(config, site, renderer, &memory, checker, jobs)?;
    let budget = write_search_index(config, &memory, index)?;
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
    let templates_dir = config::join(&config.theme_dir, Path::new("templates"));
    let origin = |scan| origin(site, scan, &templates_dir);
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

/// Writes a search index joined from its entries (see `search::join`); returns a warning
/// when it is over its budget.
pub(crate) fn write_search_index(
    config: &Config,
    sink: &dyn Sink,
    index: &str,
) -> Result<Option<String>> {
    sink.write(SEARCH_INDEX, index.as_bytes())?;
    Ok(search_budget(config, index.len()))
}

fn poisoned(config: &Config) -> Error {
    Error::Output(Diagnostic::file(
        &config.build_dir,
        "a render thread failed",
    ))
}

/// Every file the build writes, relative to the site root.
fn site_files(site: &Site, theme: &content::Theme, extras: &[&str]) -> Vec<String> {
    let nodes = site.reading_order.iter().map(|node| match *node {
        Node::Page(p) => site.pages[p].file.clone(),
        Node::Section(s) => site.sections[s].file.clone(),
    });
    nodes
        .chain((site.tags.iter()).flat_map(|t| (0..t.listing_pages()).map(|k| t.listing_file(k))))
        .chain(["tags/index.html".to_string(), "404.html".to_string()])
        .chain(site.assets.iter().map(|a| a.rel.clone()))
        .chain(theme.statics.iter().map(|(a, _)| a.rel.clone()))
        .chain(extras.iter().map(|name| name.to_string()))
        .collect()
}

fn origin<'a>(site: &'a Site, scan: &Scan, templates_dir: &Path) -> Origin<'a> {
    let template = templates_dir.join(&scan.template);
    let (source, markdown, body_line) = match scan.node {
        Some(Node::Page(p)) => {
            let page = &site.pages[p];
            (&page.doc.path, &page.rendered.links, page.doc.body_line)
        }
        Some(Node::Section(s)) => {
            let section = &site.sections[s];
            (
                &section.doc.path,
                &section.rendered.links,
                section.doc.body_line,
            )
        }
        None => {
            return Origin {
                template,
                ..Origin::default()
            };
        }
    };
    Origin {
        source: Some(source),
        template,
        markdown,
        body_line,
    }
}

/// The content lint's findings as warnings, or as errors under `--strict`.
pub fn lint_or_fail(config: &Config, site: &Site) -> Result<Vec<String>> {
    judge_lints(config, lint::lint(site))
}

/// The lint's findings (`found`) as warnings, or as errors under `--strict`.
pub fn judge_lints(config: &Config, found: Vec<Diagnostic>) -> Result<Vec<String>> {
    if config.strict && !found.is_empty() {
        let errors = found.into_iter().map(Error::Content).collect();
        return Err(Error::from_list(errors).unwrap_or(Error::Many(Vec::new())));
    }
    Ok(found.iter().map(ToString::to_string).collect())
}

/// The search index's file, relative to the site root.
pub(crate) const SEARCH_INDEX: &str = "search-index.json";

/// A warning when the search index passes `[search] budget-kb`.
fn search_budget(config: &Config, size: usize) -> Option<String> {
    let size = size as u64;
    (size > config.search_budget).then(|| {
        format!(
            "{}: the search index is {:.1} KB, over the budget of {} KB: every reader who searches downloads it; raise `budget-kb` under [search] if that is intended",
            Config::file(&config.root).display(),
            size as f64 / 1024.0,
            config.search_budget / 1024
        )
    })
}

/// A warning when the one-page guide (`size` bytes, 0 when not rendered) passes
/// `[one-page] budget-kb`.
fn one_page_budget(config: &Config, size: usize) -> Option<String> {
    let size = size as u64;
    (size > config.one_page_budget).then(|| {
        format!(
            "{}: the one-page guide ({}) is {:.1} KB, over the budget of {} KB: every reader who opens it downloads all of it; raise `budget-kb` under [one-page] if that is intended",
            Config::file(&config.root).display(),
            templates::ONE_PAGE_FILE,
            size as f64 / 1024.0,
            config.one_page_budget / 1024
        )
    })
}

fn warnings(config: &Config) -> Vec<String> {
    if config.base.url.contains("://") {
        return Vec::new();
    }
    vec![format!(
        "{}: [site] url has no host, so sitemap.xml, atom.xml, canonical and share links hold paths, not absolute URLs; set `url = \"https://USER.github.io/REPO/\"` or pass --base-url",
        Config::file(&config.root).display()
    )]
}

/// sitemap.xml, robots.txt, .nojekyll, the search index, atom.xml when a page has a date,
/// and CNAME when one is set.
pub fn extra_files(config: &Config, site: &Site) -> Vec<&'static str> {
    let mut files = vec!["sitemap.xml", "robots.txt", ".nojekyll", SEARCH_INDEX];
    if feeds::has_dated_pages(site) {
        files.push(feeds::ATOM);
    }
    if config.cname.is_some() {
        files.push("CNAME");
    }
    files
}

/// Writes one of the `extra_files` to `out`.
fn write_extra_file(
    name: &str,
    config: &Config,
    site: &Site,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match name {
        "sitemap.xml" => feeds::sitemap(config, site, out),
        "robots.txt" => out.write_all(feeds::robots(config).as_bytes()),
        feeds::ATOM => feeds::atom(config, site, out),
        SEARCH_INDEX => search::write_index(site, out),
        "CNAME" => match &config.cname {
            Some(cname) => writeln!(out, "{cname}"),
            None => Ok(()),
        },
        _ => Ok(()),
    }
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

//! Reading the inputs: walks content/ and the theme, splits and parses YAML front matter with
//! file-accurate line numbers. The only module that reads files and the only user of serde_yaml.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::base::error::{Diagnostic, Error, Result, explain_unknown_field};
use crate::input::config::{Config, join};
use crate::input::fence;

/// A date written `YYYY-MM-DD`, or the date of an RFC 3339 date-time
/// (`2025-01-22T09:30:00+01:00`) as written there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub jiff::civil::Date);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        // A date-time is taken whole (offset included), then its date as written.
        let date_time = text.len() > 10 && text.parse::<jiff::Timestamp>().is_ok();
        let day = if date_time {
            text.get(..10)
        } else {
            Some(text.as_str())
        };
        let valid = day.is_some_and(|d| d.len() == 10 && d.as_bytes().get(4) == Some(&b'-'));
        match day.map(str::parse::<jiff::civil::Date>) {
            Some(Ok(date)) if valid => Ok(Date(date)),
            _ => Err(serde::de::Error::custom(format!(
                "invalid date `{text}`: write a date as YYYY-MM-DD (2025-01-22) or a date-time as RFC 3339 (2025-01-22T09:30:00Z)"
            ))),
        }
    }
}

impl Serialize for Date {
    /// As `YYYY-MM-DD`, the only form a date is read in, written digit by digit: a build
    /// writes every page's date several times (its page, its section's list, its tags').
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        let Ok(year @ 0..=9999) = u16::try_from(year) else {
            return s.collect_str(&self.0);
        };
        let digit = |n: u16| b'0' + (n % 10) as u8;
        let (month, day) = (
            u16::try_from(month).unwrap_or(0),
            u16::try_from(day).unwrap_or(0),
        );
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        match std::str::from_utf8(&text) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_str(&self.0),
        }
    }
}

/// A number the theme draws as a chart.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub label: String,
    pub value: f64,
    #[serde(default)]
    pub unit: String,
    /// How the source states the number, written before it: `about` makes `about 50%`.
    #[serde(default)]
    pub qualifier: Option<String>,
    /// What a reader needs to read the number right, shown with the chart.
    #[serde(default)]
    pub note: Option<String>,
}

impl Figure {
    /// The value as the source states it: the qualifier, if any, then the value with its
    /// unit (`about 50%`, `3.5 km`).
    pub fn display(&self) -> String {
        let number = self.number();
        match self.qualifier.as_deref().map(str::trim) {
            Some(qualifier) if !qualifier.is_empty() => format!("{qualifier} {number}"),
            _ => number,
        }
    }

    /// The value with its unit alone: `50%`, `3.5 km`.
    pub fn number(&self) -> String {
        let value = if self.value.fract() == 0.0 && self.value.abs() < 1e15 {
            format!("{}", self.value as i64)
        } else {
            format!("{}", self.value)
        };
        match self.unit.as_str() {
            "" => value,
            "%" => format!("{value}%"),
            unit => format!("{value} {unit}"),
        }
    }
}

/// A citation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub publisher: String,
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// Free values for templates (`extra:` in front matter).
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A page's front matter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    /// The title as plain text (inline Markdown taken out, see `title_html`).
    pub title: String,
    /// The title's HTML when it is written with inline Markdown (`` Running `mdbook` ``).
    #[serde(skip)]
    pub title_html: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub date: Option<Date>,
    #[serde(default)]
    pub updated: Option<Date>,
    #[serde(default)]
    pub authors: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub figures: Vec<Figure>,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Old URLs (`/old/path/`) that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub extra: Extra,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Weight,
    Title,
    Date,
}

/// A section's front matter (`_index.md`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionMeta {
    /// The title as plain text (inline Markdown taken out, see `title_html`).
    pub title: String,
    /// The title's HTML when it is written with inline Markdown (`` Running `mdbook` ``).
    #[serde(skip)]
    pub title_html: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub sort_by: SortBy,
    #[serde(default)]
    pub page_template: Option<String>,
    /// Old URLs (`/old/path/`) that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub extra: Extra,
}

impl SectionMeta {
    /// `extra.counter`: the word that counts the section's pages ("Step" makes "Step 2 of 4"),
    /// if the section has one.
    pub fn counter(&self) -> Option<&str> {
        (self.extra.get("counter"))
            .and_then(|c| c.as_str())
            .filter(|c| !c.trim().is_empty())
    }
}

/// One Markdown file: where it is, its front matter and its body.
#[derive(Debug, Clone)]
pub struct Document<M> {
    /// The path to show in messages (`content/steps/01-accept.md`).
    pub path: PathBuf,
    /// Relative to the content dir, `/`-separated (`steps/01-accept.md`).
    pub rel: String,
    pub meta: M,
    pub body: String,
    /// The 1-based line of the file on which the body starts.
    pub body_line: usize,
    /// The front matter as written (it starts on line 2), to locate a key in errors found
    /// after parsing: one string where a list of keys would cost an allocation each.
    pub front_matter: String,
}

impl<M> Document<M> {
    /// The file line of a top-level front matter key, or 1.
    pub fn line_of(&self, key: &str) -> usize {
        (self.front_matter.split('\n').enumerate())
            .find(|(_, line)| top_level_key(line) == Some(key))
            .map_or(1, |(i, _)| i + FRONT_MATTER_LINE)
    }

    /// The file line of `field` in the `n`-th item (0-based) of the block list under the
    /// top-level `key`; the key's own line when it cannot be found (a flow list, say).
    pub fn line_of_item(&self, key: &str, n: usize, field: &str) -> usize {
        let lines: Vec<&str> = self.front_matter.split('\n').collect();
        let Some(start) = lines.iter().position(|l| top_level_key(l) == Some(key)) else {
            return 1;
        };
        let mut item: Option<usize> = None;
        for (i, line) in lines.iter().enumerate().skip(start + 1) {
            if top_level_key(line).is_some() {
                break;
            }
            let mut text = line.trim_start();
            if let Some(rest) = text
                .strip_prefix('-')
                .filter(|r| r.is_empty() || r.starts_with(' '))
            {
                item = Some(item.map_or(0, |k| k + 1));
                text = rest.trim_start();
            }
            let names_field =
                (text.strip_prefix(field)).is_some_and(|r| r.trim_start().starts_with(':'));
            if item == Some(n) && names_field {
                return i + FRONT_MATTER_LINE;
            }
        }
        start + FRONT_MATTER_LINE
    }

    /// The text of file line `line` when it is in the front matter.
    pub fn front_matter_line(&self, line: usize) -> Option<&str> {
        let index = line.checked_sub(FRONT_MATTER_LINE)?;
        let text = self.front_matter.split('\n').nth(index)?;
        Some(text.trim_end_matches('\r'))
    }
}

/// A non-Markdown file of the content dir or the theme's static dir, copied as is.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    /// Output path relative to the site root, `/`-separated.
    pub rel: String,
}

/// Everything in the content dir.
#[derive(Debug, Default, Clone)]
pub struct Content {
    /// Shared, so that `serve` copies the content cheaply from one build to the next.
    pub sections: Vec<Arc<Document<SectionMeta>>>,
    pub pages: Vec<Arc<Document<PageMeta>>>,
    pub assets: Vec<Asset>,
    /// The pages left out as drafts (`draft: true`, no `--drafts`), by content-relative
    /// path: a link to one is told apart from a link to nothing.
    pub drafts: Vec<String>,
}

/// A theme: its templates' text and its static files.
#[derive(Debug, Default)]
pub struct Theme {
    /// (name relative to templates/, display path, text)
    pub templates: Vec<(String, PathBuf, String)>,
    pub statics: Vec<(Asset, Vec<u8>)>,
}

impl Theme {
    /// True when the theme has a template of that name.
    pub fn has_template(&self, name: &str) -> bool {
        self.templates.iter().any(|(n, _, _)| n == name)
    }
}

/// Reads a whole UTF-8 text file; invalid UTF-8 is reported with its line and column.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| Error::read(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
        let (line, col) = crate::input::config::line_col(&text, good);
        Error::Content(
            Diagnostic::at(path, line, col, "the file is not valid UTF-8")
                .with_hint("save the file with UTF-8 encoding"),
        )
    })
}

/// Refuses a content folder or theme that leads outside the project (`content-dir = "/"`,
/// `../..`, a symlink out), before anything is read or watched there.
pub fn check_fence(config: &Config) -> Result<()> {
    let root = fence::resolve(&config.root).map_err(|e| Error::read(&config.root, e))?;
    for dir in [&config.content_dir, &config.theme_dir] {
        let real = fence::resolve(dir).map_err(|e| Error::read(dir, e))?;
        if !fence::is_inside(&real, &root) || real == root {
            let msg = if real == root {
                "this folder is the project folder itself, not a folder inside it".to_string()
            } else {
                format!(
                    "this folder leads outside the project, to {}",
                    real.display()
                )
            };
            let hint = "keep the content and the theme inside the folder that holds book.toml \
                        (`content-dir` in book.toml names a folder under it)";
            return Err(Error::Config(Diagnostic::file(dir, msg).with_hint(hint)));
        }
    }
    Ok(())
}

/// Reads a text file found earlier under the project, refusing it if it has become a link
/// that leads outside `fence` (the project folder) since.
pub fn read_fenced(path: &Path, fence: &Path) -> Result<String> {
    let real = fence::resolve(path).map_err(|e| Error::read(path, e))?;
    let root = fence::resolve(fence).map_err(|e| Error::read(fence, e))?;
    if !fence::is_inside(&real, &root) {
        let msg = format!("symlink leads outside the project, to {}", real.display());
        let hint = "replace the link with a copy of the file inside the project";
        return Err(Error::Content(Diagnostic::file(path, msg).with_hint(hint)));
    }
    read_text(&real)
}

/// Lists the files under `dir` in sorted order, skipping hidden and editor temporary files,
/// refusing symlink loops and links that lead outside `fence`.
pub fn walk(dir: &Path, fence: &Path) -> Result<Vec<(PathBuf, String)>> {
    let fence = fs::canonicalize(fence).map_err(|e| Error::read(fence, e))?;
    // The folder itself may be reached through a link (a linked themes/, say).
    let real = fs::canonicalize(dir).map_err(|e| Error::read(dir, e))?;
    if !real.starts_with(&fence) {
        let msg = format!(
            "this folder leads outside the project, to {}",
            real.display()
        );
        let hint = "replace the link with a copy of the folder inside the project";
        return Err(Error::Content(Diagnostic::file(dir, msg).with_hint(hint)));
    }
    let mut files = Vec::new();
    let walker = WalkDir::new(dir).follow_links(true).sort_by_file_name();
    for entry in walker
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()))
    {
        let entry = entry.map_err(|e| walk_error(dir, e))?;
        if entry.path_is_symlink() {
            let target =
                fs::canonicalize(entry.path()).map_err(|e| Error::read(entry.path(), e))?;
            if !target.starts_with(&fence) {
                let msg = format!("symlink leads outside the project, to {}", target.display());
                let hint = "replace the link with a copy of the file inside the project";
                return Err(Error::Content(
                    Diagnostic::file(entry.path(), msg).with_hint(hint),
                ));
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = relative(entry.path(), dir);
        files.push((entry.into_path(), rel));
    }
    Ok(files)
}

/// `path` (found under `dir`) relative to `dir`, `/`-separated. Cut as text when both are
/// UTF-8, as they nearly always are: taking paths apart component by component was a
/// fifth of a large site's walk, which is one thread's work.
fn relative(path: &Path, dir: &Path) -> String {
    let cut = match (path.to_str(), dir.to_str()) {
        (Some(path), Some(dir)) => {
            (path.strip_prefix(dir)).map(|rel| rel.trim_start_matches(std::path::MAIN_SEPARATOR))
        }
        _ => None,
    };
    let rel = match cut {
        Some(rel) => std::borrow::Cow::Borrowed(rel),
        None => path.strip_prefix(dir).unwrap_or(path).to_string_lossy(),
    };
    match std::path::MAIN_SEPARATOR {
        '/' => rel.into_owned(),
        other => rel.replace(other, "/"),
    }
}

fn walk_error(dir: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(dir).to_path_buf();
    if let Some(ancestor) = e.loop_ancestor() {
        let msg = format!(
            "symlink loop: this link leads back to {}",
            ancestor.display()
        );
        return Error::Content(Diagnostic::file(path, msg).with_hint("remove the link"));
    }
    match e.into_io_error() {
        Some(io) => Error::read(&path, io),
        None => Error::Content(Diagnostic::file(path, "cannot walk this folder")),
    }
}

/// Hidden files and editor leftovers are never content.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
}

/// Reads and parses every file of the content dir.
pub fn load(config: &Config) -> Result<Content> {
    if !config.content_dir.is_dir() {
        let msg = "the content folder does not exist";
        let hint = "create it with a `_index.md` home page, or set `content-dir` in book.toml";
        return Err(Error::Config(
            Diagnostic::file(&config.content_dir, msg).with_hint(hint),
        ));
    }
    let files = walk(&config.content_dir, &config.root)?;
    let (markdown, assets): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(path, _)| path.extension().is_some_and(|e| e == "md"));
    let parsed: Vec<Result<Parsed>> = markdown
        .into_par_iter()
        .with_max_len(crate::base::parallel::PARALLEL_CHUNK)
        .map(|(path, rel)| parse_file(&path, rel))
        .collect();
    let mut content = Content {
        assets: assets
            .into_iter()
            .map(|(source, rel)| Asset { source, rel })
            .collect(),
        ..Content::default()
    };
    let mut errors = Vec::new();
    for item in parsed {
        match item {
            Ok(Parsed::Section(s)) => content.sections.push(Arc::new(s)),
            Ok(Parsed::Page(p)) if p.meta.draft && !config.drafts => content.drafts.push(p.rel),
            Ok(Parsed::Page(p)) => content.pages.push(Arc::new(p)),
            Err(e) => errors.push(e),
        }
    }
    content.drafts.sort_unstable();
    match Error::from_list(errors) {
        Some(e) => Err(e),
        None => Ok(content),
    }
}

/// Reads the theme's templates and static files.
pub fn load_theme(config: &Config) -> Result<Theme> {
    if !config.theme_dir.is_dir() {
        let msg = "the theme folder does not exist";
        let hint = "set `theme` in [build] of book.toml to a folder of themes/";
        return Err(Error::Config(
            Diagnostic::file(&config.theme_dir, msg).with_hint(hint),
        ));
    }
    let templates_dir = join(&config.theme_dir, Path::new("templates"));
    let static_dir = join(&config.theme_dir, Path::new("static"));
    let mut theme = Theme::default();
    if templates_dir.is_dir() {
        for (path, rel) in walk(&templates_dir, &config.root)? {
            let text = read_text(&path)?;
            theme.templates.push((rel, path, text));
        }
    }
    if static_dir.is_dir() {
        for (source, rel) in walk(&static_dir, &config.root)? {
            let bytes = fs::read(&source).map_err(|e| Error::read(&source, e))?;
            theme.statics.push((Asset { source, rel }, bytes));
        }
    }
    Ok(theme)
}

enum Parsed {
    Section(Document<SectionMeta>),
    Page(Document<PageMeta>),
}

fn parse_file(path: &Path, rel: String) -> Result<Parsed> {
    let text = read_text(path)?;
    if rel == "_index.md" || rel.ends_with("/_index.md") {
        parse_document(path, rel, &text).map(Parsed::Section)
    } else {
        parse_document(path, rel, &text).map(Parsed::Page)
    }
}

/// Front matter with a title, which may be written with inline Markdown.
pub trait Titled {
    /// The title, and where its HTML goes when it has markup.
    fn title_parts(&mut self) -> (&mut String, &mut Option<String>);
}

impl Titled for PageMeta {
    fn title_parts(&mut self) -> (&mut String, &mut Option<String>) {
        (&mut self.title, &mut self.title_html)
    }
}

impl Titled for SectionMeta {
    fn title_parts(&mut self) -> (&mut String, &mut Option<String>) {
        (&mut self.title, &mut self.title_html)
    }
}

/// Splits a title written with inline Markdown into its plain text and its HTML.
fn read_title(meta: &mut impl Titled) {
    let (title, html) = meta.title_parts();
    if let Some((plain, markup)) = crate::base::markdown::inline_title(title) {
        *title = plain;
        *html = Some(markup);
    }
}

/// Splits the front matter off `text` and parses it into `M`.
pub fn parse_document<M: for<'de> Deserialize<'de> + Titled>(
    path: &Path,
    rel: String,
    text: &str,
) -> Result<Document<M>> {
    let split = split_front_matter(text).map_err(|(line, msg, hint)| {
        Error::Content(
            Diagnostic::at(path, line, 1, msg)
                .with_hint(hint)
                .with_source(text),
        )
    })?;
    let meta = parse_yaml::<M>(split.yaml).map_err(|(line, col, msg, hint)| {
        if let Some(all) = every_unknown_key(path, text, split.yaml, &msg, hint.as_deref()) {
            return all;
        }
        let mut d = Diagnostic::at(path, line + FRONT_MATTER_LINE - 1, col, msg);
        d.hint = hint;
        Error::Content(d.with_source(text))
    })?;
    let mut meta = meta;
    read_title(&mut meta);
    Ok(Document {
        path: path.to_path_buf(),
        rel,
        meta,
        body: split.body.to_string(),
        body_line: split.body_line,
        front_matter: split.yaml.to_string(),
    })
}

/// Every unknown top-level key of a front matter at once, when serde stopped at the first
/// (`message` and `hint` are its error, explained): a page brought from Hugo or mdBook
/// often has several, and one run should name them all. None when the error is another.
fn every_unknown_key(
    path: &Path,
    text: &str,
    yaml: &str,
    message: &str,
    hint: Option<&str>,
) -> Option<Error> {
    message.strip_prefix("unknown field `")?;
    let (_, list) = hint?.split_once("nown fields: ")?;
    let known: Vec<&str> = list.split(", ").collect();
    let expected = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let extra = known.contains(&"extra");
    let errors: Vec<Error> = (yaml.split('\n').enumerate())
        .filter_map(|(i, line)| Some((i, top_level_key(line)?)))
        .filter(|(_, key)| !known.contains(key))
        .filter_map(|(i, key)| {
            let serde = format!("unknown field `{key}`, expected one of {expected}");
            let (msg, mut hint) = explain_unknown_field(&serde)?;
            if extra {
                hint.push_str("; free values for templates go under `extra:`");
            }
            let d = Diagnostic::at(path, i + FRONT_MATTER_LINE, 1, msg).with_hint(hint);
            Some(Error::Content(d.with_source(text)))
        })
        .collect();
    Error::from_list(errors)
}

/// The file line on which the front matter starts, after the opening `---`.
const FRONT_MATTER_LINE: usize = 2;

struct Split<'a> {
    yaml: &'a str,
    body: &'a str,
    body_line: usize,
}

type SplitError = (usize, &'static str, &'static str);

fn split_front_matter(text: &str) -> std::result::Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_fence = |line: &str| line.trim_end() == "---";
    let first = text.split('\n').next().unwrap_or("");
    if !is_fence(first) {
        return Err((
            1,
            "missing front matter: the file must start with a `---` line",
            "begin the file with `---`, a line `title: ...`, and another `---`",
        ));
    }
    let yaml_start = first.len() + 1;
    let mut offset = yaml_start;
    for (i, line) in text.get(yaml_start..).unwrap_or("").split('\n').enumerate() {
        if is_fence(line) {
            let body_start = (offset + line.len() + 1).min(text.len());
            return Ok(Split {
                yaml: text.get(yaml_start..offset).unwrap_or(""),
                body: text.get(body_start..).unwrap_or(""),
                body_line: i + 3,
            });
        }
        offset += line.len() + 1;
    }
    Err((
        1,
        "the front matter is never closed",
        "end the front matter with a line holding only `---`",
    ))
}

type YamlError = (usize, usize, String, Option<String>);

/// Reads front matter into `M` with serde_yaml, placing its errors in the front matter.
fn parse_yaml<M: for<'de> Deserialize<'de>>(yaml: &str) -> std::result::Result<M, YamlError> {
    let source = if yaml.trim().is_empty() { "{}" } else { yaml };
    serde_yaml::from_str(source).map_err(|e| {
        let full = e.to_string();
        let message = strip_yaml_positions(&full);
        let (line, col) = match (e.location(), opened_at(&full)) {
            (_, Some((line, col))) => at_char(yaml, libyaml_index(yaml, line, col)),
            (Some(l), _) if !message.starts_with("invalid date") => at_char(yaml, l.index()),
            _ => locate_value(yaml, &message),
        };
        let (message, hint) = explain_yaml(message);
        (line, col, message, hint)
    })
}

/// The 1-based line and column, counting lines by `\n` as the rest of rekindle does, of the
/// `index`-th character (libyaml counts a lone CR, NEL, LS and PS as line breaks too).
fn at_char(yaml: &str, index: usize) -> (usize, usize) {
    let byte = yaml
        .char_indices()
        .nth(index)
        .map_or(yaml.len(), |(b, _)| b);
    crate::input::config::line_col(yaml, byte)
}

/// The character index of libyaml's 1-based `line` and `col`: libyaml counts `\r\n`, a lone
/// `\r`, `\n`, NEL, LS and PS each as one line break.
fn libyaml_index(yaml: &str, line: usize, col: usize) -> usize {
    let mut current = 1;
    let mut chars = yaml.chars().enumerate().peekable();
    while current < line {
        let Some((_, c)) = chars.next() else {
            return yaml.chars().count();
        };
        let is_break = match c {
            '\r' => {
                chars.next_if(|(_, n)| *n == '\n');
                true
            }
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => true,
            _ => false,
        };
        current += usize::from(is_break);
    }
    chars
        .peek()
        .map_or(yaml.chars().count(), |(i, _)| i + col.saturating_sub(1))
}

/// libyaml ends "… while parsing a flow sequence at line 2 column 7" with where the
/// unclosed list or mapping was opened: that is the line the author has to fix.
fn opened_at(message: &str) -> Option<(usize, usize)> {
    let (_, context) = message.split_once(", while parsing a flow ")?;
    let (_, at) = context.split_once(" at line ")?;
    let (line, rest) = at.split_once(" column ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// Drops libyaml's own ` at line N column M` (relative to the front matter, not the file).
fn strip_yaml_positions(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(start) = out.find(" at line ") {
        let rest = &out[start + " at line ".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ' ' || c.is_ascii_alphabetic()))
            .map_or(out.len(), |i| start + " at line ".len() + i);
        out.replace_range(start..end, "");
    }
    out
}

/// For errors serde_yaml cannot place (a bad date, say): the line holding the quoted value.
fn locate_value(yaml: &str, message: &str) -> (usize, usize) {
    let value = message.split('`').nth(1).filter(|v| !v.is_empty());
    value
        .and_then(|v| {
            yaml.split('\n').enumerate().find_map(|(i, line)| {
                let col = line.find(v)?;
                Some((i + 1, line[..col].chars().count() + 1))
            })
        })
        .unwrap_or((1, 1))
}

fn explain_yaml(message: String) -> (String, Option<String>) {
    if let Some((msg, hint)) = explain_unknown_field(&message) {
        return (msg, Some(hint));
    }
    let message = name_the_field(message)
        .replace("expected i64", "expected a whole number")
        .replace("expected f64", "expected a number");
    let hint = if message.contains("while parsing a flow sequence") {
        Some("this `[` list is not closed: end it with `]`, or quote the value if it is text")
    } else if message.contains("while parsing a flow mapping") {
        Some("this `{` mapping is not closed: end it with `}`, or quote the value if it is text")
    } else if message.starts_with("missing field `title`") {
        Some("every page and section needs `title: ...` in its front matter")
    } else if message.contains("expected a boolean") {
        Some("write `true` or `false`")
    } else if message.contains("repetition limit") || message.contains("recursion limit") {
        Some("front matter this large or deep is refused; simplify it")
    } else if message.contains("expected struct") || message.starts_with("invalid type: sequence") {
        Some("front matter is a mapping of `key: value` lines")
    } else {
        None
    };
    (message, hint.map(str::to_string))
}

/// serde_yaml says `weight: invalid type: ...`; make the field stand out: `weight`: invalid type.
fn name_the_field(message: String) -> String {
    match message.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')) =>
        {
            format!("`{path}`: {rest}")
        }
        _ => message,
    }
}

/// The key a top-level front matter line sets (`title` of `title: A`), if any.
fn top_level_key(line: &str) -> Option<&str> {
    line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        .then(|| line.split_once(':'))
        .flatten()
        .map(|(key, _)| key.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_jiff_writes_them() {
        for (y, m, d) in [
            (0, 1, 1),
            (999, 12, 31),
            (2025, 8, 28),
            (9999, 12, 31),
            (-5, 3, 4),
        ] {
            let date = jiff::civil::date(y, m, d);
            let json = serde_json::to_string(&Date(date)).unwrap();
            assert_eq!(json, format!("\"{date}\""));
        }
    }
}

//! Scaffolding: `rekindle init` writes a new working guide; `rekindle new` adds a content file.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::base::error::{Diagnostic, Error, Result};
use crate::input::config::{Config, join};
use crate::input::content::{self, PageMeta, SectionMeta};

/// Embeds files of the repository's themes/default at compile time, as (path, bytes).
macro_rules! embed_theme {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../themes/default/", $path)))),*]
    };
}

/// The default theme, written by `init` under themes/default/.
/// A unit test fails when a file of themes/default is missing here.
const THEME: &[(&str, &[u8])] = embed_theme![
    "static/search.js",
    "static/style.css",
    "templates/404.html",
    "templates/all.html",
    "templates/base.html",
    "templates/index.html",
    "templates/page.html",
    "templates/partials/breadcrumbs.html",
    "templates/partials/chart.html",
    "templates/partials/nav.html",
    "templates/partials/page_list.html",
    "templates/partials/pager.html",
    "templates/partials/share.html",
    "templates/section.html",
    "templates/tag.html",
    "templates/tags.html",
];

const WORKFLOW: &str = include_str!("../assets/init/pages.yml");

const GITIGNORE: &str = "public/\n.public.*/\ntarget/\n";

const SECTION: &str = "---
title: The guide
description: What this part of the guide covers, in one sentence.
weight: 1
---

This is a section: the folder `content/guide/` with this `_index.md`. Introduce the section here;
its pages are listed below this text, in the order of their `weight`.

Add a page with `rekindle new guide/03-next-step.md --title \"Next step\"`.
";

const FIRST: &str = "---
title: First step
description: One sentence that sums up this step.
weight: 1
tags: []
---

Replace this text with the first step of your guide: what to do, and why it helps.

## What to do

Keep each step short and practical. When you are done, go on to
[the second step](02-second-step.md).
";

const SECOND: &str = "---
title: Second step
description: One sentence that sums up this step.
weight: 2
tags: []
---

Replace this text with the second step. To link to another page, write the relative path
to its `.md` file, like this link back to [the first step](01-first-step.md).

## What to do

Describe the step here. Headings become entries of the page's table of contents.
";

/// Writes a new guide into `dir`: book.toml, content/_index.md, one section (content/guide/_index.md)
/// with two pages (01-first-step.md, 02-second-step.md) that link to each other, the default
/// theme (themes/default/**, embedded in the binary with include_str!/include_bytes! from
/// the repository's themes/default at compile time), .github/workflows/pages.yml (from
/// assets/init/pages.yml: it installs rekindle, then builds) and .gitignore (public/, target/).
/// Refuses (Error, nothing written) when `dir` exists and is not empty. Creates `dir` if missing.
/// Returns the list of files written (relative paths, sorted).
pub fn init(dir: &Path, title: Option<&str>) -> Result<Vec<String>> {
    let title = match title {
        Some(title) => check_title(title)?,
        None => "My guide",
    };
    check_empty(dir)?;
    let files = guide_files(title);
    write_files(dir, &files)?;
    let mut names: Vec<String> = files.into_iter().map(|(name, _)| name).collect();
    names.sort();
    Ok(names)
}

/// Adds a content file at `path` (relative to the project's content dir, e.g. "steps/05-next.md",
/// or "steps/_index.md" for a section) with front matter filled in: `title`, the next `weight`
/// among its siblings, a commented `# description:` hint and, for a page, `tags: []`.
/// Refuses when the file exists, when the path is not a .md file, when it escapes the content dir
/// (`..`, absolute), or when its folder is not a section (no _index.md). Returns the path written.
pub fn new_file(config: &Config, path: &str, title: &str) -> Result<PathBuf> {
    let title = check_title(title)?;
    let rel = content_rel(config, path)?;
    let file = join(&config.content_dir, Path::new(&rel));
    if fs::symlink_metadata(&file).is_ok() {
        let msg = "this file already exists";
        let hint = "choose another file name, or edit the existing file";
        return Err(Error::Content(Diagnostic::file(&file, msg).with_hint(hint)));
    }
    let folder = parent_dir(&rel);
    let text = if file_name(&rel) == "_index.md" {
        if !folder.is_empty() {
            require_section(config, &file, parent_dir(folder))?;
        }
        section_text(config, folder, title)?
    } else {
        require_section(config, &file, folder)?;
        page_text(config, folder, title)?
    };
    write_files(&config.content_dir, &[(rel, text.into_bytes())])?;
    Ok(file)
}

/// A title must say something; surrounding spaces are dropped.
fn check_title(title: &str) -> Result<&str> {
    let title = title.trim();
    if title.is_empty() {
        let hint = "give it a title, e.g. --title \"Next step\"";
        return Err(Error::Content(
            Diagnostic::file("--title", "the title is empty").with_hint(hint),
        ));
    }
    Ok(title)
}

/// `init` only writes into a folder that is missing or empty (a lone `.git` is allowed, so a
/// freshly cloned empty repository can be initialised in place).
fn check_empty(dir: &Path) -> Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    if !dir.is_dir() {
        let msg = "this is a file, not a folder";
        let hint = "name a new folder for the guide, e.g. `rekindle init my-guide`";
        return Err(Error::Output(Diagnostic::file(dir, msg).with_hint(hint)));
    }
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::read(dir, e))? {
        let name = entry.map_err(|e| Error::read(dir, e))?.file_name();
        if name != ".git" {
            found.push(name.to_string_lossy().into_owned());
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    let shown: Vec<String> = found.iter().take(3).map(|n| format!("`{n}`")).collect();
    let more = if found.len() > 3 { ", ..." } else { "" };
    let msg = format!(
        "the folder is not empty (it holds {}{more}); nothing was written",
        shown.join(", ")
    );
    let hint = "name a new folder for the guide, e.g. `rekindle init my-guide`";
    Err(Error::Output(Diagnostic::file(dir, msg).with_hint(hint)))
}

/// Every file of a new guide, relative to its folder.
fn guide_files(title: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("book.toml".to_string(), book_toml(title)),
        ("content/_index.md".to_string(), home(title)),
        ("content/guide/_index.md".to_string(), SECTION.to_string()),
        (
            "content/guide/01-first-step.md".to_string(),
            FIRST.to_string(),
        ),
        (
            "content/guide/02-second-step.md".to_string(),
            SECOND.to_string(),
        ),
        (
            ".github/workflows/pages.yml".to_string(),
            WORKFLOW.to_string(),
        ),
        (".gitignore".to_string(), GITIGNORE.to_string()),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.into_bytes()))
    .collect::<Vec<_>>();
    for (name, bytes) in THEME {
        files.push((format!("themes/default/{name}"), bytes.to_vec()));
    }
    files
}

fn book_toml(title: &str) -> String {
    let title = toml::Value::String(title.to_string());
    format!(
        "[book]
title = {title}
authors = []
description = \"\"
language = \"en\"

[build]
content-dir = \"content\"
build-dir = \"public\"
theme = \"default\"

[site]
# The address the site is published at, e.g. \"https://USER.github.io/REPO/\".
# The GitHub Pages workflow passes the real address with --base-url.
url = \"/\"

[markdown]
smart-punctuation = true
heading-anchors = true
"
    )
}

fn home(title: &str) -> String {
    format!(
        "---
title: {}
description: What the guide is about, in one sentence.
---

This is the home page, `content/_index.md`. Say here who the guide is for and what the
reader will get out of it.

Start with [the guide](guide/_index.md), or go straight to
[the first step](guide/01-first-step.md).
",
        yaml_string(title)
    )
}

/// Front matter and placeholder text of a new page in `folder` (relative to the content dir).
fn page_text(config: &Config, folder: &str, title: &str) -> Result<String> {
    let dir = join(&config.content_dir, Path::new(folder));
    let mut weights = Vec::new();
    for (path, rel) in content::walk(&dir, &config.root)? {
        if rel.ends_with(".md") && rel != "_index.md" && !rel.contains('/') {
            let text = content::read_text(&path)?;
            weights.push(
                content::parse_document::<PageMeta>(&path, rel, &text)?
                    .meta
                    .weight,
            );
        }
    }
    Ok(format!(
        "---
title: {}
# description: One sentence that sums up the page, shown in lists and link previews.
weight: {}
tags: []
---

Write the page here, in Markdown. To link to another page, use the relative path to its
`.md` file, for example [the section](_index.md).
",
        yaml_string(title),
        next_weight(&weights)
    ))
}

/// Front matter and placeholder text of a new section in `folder` (the home page when empty).
fn section_text(config: &Config, folder: &str, title: &str) -> Result<String> {
    let mut weight = String::new();
    if !folder.is_empty() {
        let parent = parent_dir(folder);
        let dir = join(&config.content_dir, Path::new(parent));
        let mut weights = Vec::new();
        for (path, rel) in content::walk(&dir, &config.root)? {
            if rel.matches('/').count() == 1 && rel.ends_with("/_index.md") {
                let text = content::read_text(&path)?;
                let doc = content::parse_document::<SectionMeta>(&path, rel, &text)?;
                weights.push(doc.meta.weight);
            }
        }
        weight = format!("weight: {}\n", next_weight(&weights));
    }
    Ok(format!(
        "---
title: {}
# description: One sentence that sums up the section, shown in lists and link previews.
{weight}---

Introduce the section here. Its pages are listed below this text.
",
        yaml_string(title)
    ))
}

/// One more than the largest weight, or 1 when there is none.
fn next_weight(weights: &[i64]) -> i64 {
    weights.iter().max().map_or(1, |w| w.saturating_add(1))
}

/// Validates `path` as a new content file and normalizes it to `folder/name.md`.
fn content_rel(config: &Config, path: &str) -> Result<String> {
    let shown = join(&config.content_dir, Path::new(path));
    let refuse = |msg: String, hint: &str| {
        Error::Content(Diagnostic::file(&shown, msg).with_hint(hint.to_string()))
    };
    let example = "write it relative to the content folder, e.g. `steps/05-next.md`";
    let rooted = Path::new(path)
        .components()
        .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if rooted || path.starts_with('/') {
        return Err(refuse(
            "the path must be relative to the content folder".into(),
            example,
        ));
    }
    if path.contains('\\') {
        let hint = "separate folders with `/`, e.g. `steps/05-next.md`";
        return Err(refuse("the path holds a backslash".into(), hint));
    }
    let mut parts = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            let msg = "the path leads out of the content folder (`..`)".into();
            return Err(refuse(msg, example));
        }
        if content::is_ignored(part) {
            let msg = format!("`{part}` is a hidden or temporary name, which the build skips");
            return Err(refuse(
                msg,
                "choose a name that starts with a letter or a digit",
            ));
        }
        parts.push(part);
    }
    let rel = parts.join("/");
    if !rel.ends_with(".md") {
        let msg = "not a Markdown file: content files end in `.md`".into();
        return Err(refuse(msg, example));
    }
    Ok(rel)
}

/// Fails unless `folder` (relative to the content dir) holds an `_index.md`.
fn require_section(config: &Config, file: &Path, folder: &str) -> Result<()> {
    let index = join(&config.content_dir, &Path::new(folder).join("_index.md"));
    if index.is_file() {
        return Ok(());
    }
    let (msg, hint) = if folder.is_empty() {
        (
            "the content folder has no home page (`_index.md`)".to_string(),
            "create it first: `rekindle new _index.md --title \"...\"`".to_string(),
        )
    } else {
        (
            format!("`{folder}` is not a section: it has no `_index.md`"),
            format!("create the section first: `rekindle new {folder}/_index.md --title \"...\"`"),
        )
    };
    Err(Error::Content(Diagnostic::file(file, msg).with_hint(hint)))
}

fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// `text` as a YAML scalar: plain when that is unambiguous, double-quoted otherwise.
fn yaml_string(text: &str) -> String {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let plain = text.chars().next().is_some_and(char::is_alphabetic)
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || " -',.!?()".contains(c))
        && !text.ends_with(' ')
        && !reserved.contains(&text.to_lowercase().as_str());
    if plain {
        return text.to_string();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The only place scaffolding touches the disk: creates `root` when missing and writes each
/// file below it, never replacing an existing one. When `root` was created here and a write
/// fails, `root` is removed again, so a failed `init` leaves nothing behind.
fn write_files(root: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let created = fs::symlink_metadata(root).is_err();
    let result = files.iter().try_for_each(|(rel, bytes)| {
        let path = join(root, Path::new(rel));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::write(&path, e))?;
        file.write_all(bytes).map_err(|e| Error::write(&path, e))
    });
    if result.is_err() && created {
        let _ = fs::remove_dir_all(root);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, Overrides};
    use tempfile::TempDir;

    fn project() -> (TempDir, PathBuf, Config) {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path().join("guide");
        init(&dir, Some("Test guide")).unwrap();
        let config = crate::load_config(&dir, &Overrides::default()).unwrap();
        (tmp, dir, config)
    }

    fn weight_of(file: &Path) -> i64 {
        let text = fs::read_to_string(file).unwrap();
        content::parse_document::<PageMeta>(file, String::new(), &text)
            .unwrap()
            .meta
            .weight
    }

    fn refusal(config: &Config, path: &str) -> String {
        new_file(config, path, "T").unwrap_err().to_string()
    }

    #[test]
    fn embedded_theme_lists_every_file_of_themes_default() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let on_disk: Vec<String> = content::walk(&root, &root)
            .unwrap()
            .into_iter()
            .map(|(_, rel)| rel)
            .collect();
        let mut listed: Vec<String> = THEME.iter().map(|(name, _)| name.to_string()).collect();
        listed.sort();
        assert_eq!(listed, on_disk, "update THEME in src/scaffold.rs");
    }

    #[test]
    fn init_writes_a_guide_that_builds() {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path().join("new-guide");
        let files = init(&dir, Some("Test guide")).unwrap();
        let config = crate::load_config(&dir, &Overrides::default()).unwrap();
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
        for name in [
            ".github/workflows/pages.yml",
            ".gitignore",
            "book.toml",
            "content/_index.md",
            "content/guide/01-first-step.md",
            "content/guide/02-second-step.md",
            "content/guide/_index.md",
            "themes/default/templates/base.html",
        ] {
            assert!(files.iter().any(|f| f == name), "{name} missing");
            assert!(dir.join(name).is_file(), "{name} not written");
        }
        assert_eq!(files.len(), 7 + THEME.len());
        assert_eq!(config.title, "Test guide");
        assert_eq!(config.base.path, "/");
        let gitignore = fs::read_to_string(dir.join(".gitignore")).unwrap();
        assert_eq!(gitignore, "public/\n.public.*/\ntarget/\n");
        let report = crate::build(&dir, &Overrides::default(), Mode::Build).unwrap();
        assert_eq!((report.pages, report.sections), (2, 2));
        let unexpected: Vec<&String> = (report.warnings.iter())
            .filter(|w| !w.contains("[site] url has no host"))
            .collect();
        assert!(unexpected.is_empty(), "{unexpected:?}");
        let first = fs::read_to_string(dir.join("public/guide/first-step/index.html")).unwrap();
        assert!(first.contains("href=\"/guide/second-step/\""), "{first}");
        let second = fs::read_to_string(dir.join("public/guide/second-step/index.html")).unwrap();
        assert!(second.contains("href=\"/guide/first-step/\""), "{second}");
    }

    #[test]
    fn init_defaults_the_title_and_quotes_odd_ones() {
        let tmp = TempDir::new().unwrap();
        init(tmp.path(), None).unwrap();
        let config = crate::load_config(tmp.path(), &Overrides::default()).unwrap();
        assert_eq!(config.title, "My guide");
        let odd = tmp.path().join("odd");
        let title = "Ex: \"back\" #1 \\ yes";
        init(&odd, Some(title)).unwrap();
        let config = crate::load_config(&odd, &Overrides::default()).unwrap();
        assert_eq!(config.title, title);
        crate::build(&odd, &Overrides::default(), Mode::Build).unwrap();
        let home = fs::read_to_string(odd.join("public/index.html")).unwrap();
        assert!(home.contains("Ex: &quot;back&quot; #1"), "{home}");
    }

    #[test]
    fn init_allows_an_empty_repository() {
        let tmp = TempDir::new().unwrap();
        fs::create_dir(tmp.path().join(".git")).unwrap();
        init(tmp.path(), None).unwrap();
        assert!(tmp.path().join("book.toml").is_file());
    }

    #[test]
    fn init_refuses_a_non_empty_folder_and_writes_nothing() {
        let tmp = TempDir::new().unwrap();
        fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        let err = init(tmp.path(), None).unwrap_err().to_string();
        assert!(
            err.contains("the folder is not empty (it holds `notes.txt`)"),
            "{err}"
        );
        assert!(err.contains("help: name a new folder"), "{err}");
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
        let file = tmp.path().join("notes.txt");
        assert!(
            init(&file, None)
                .unwrap_err()
                .to_string()
                .contains("not a folder")
        );
        let err = init(&tmp.path().join("x"), Some("  ")).unwrap_err();
        assert!(err.to_string().contains("the title is empty"));
        assert!(!tmp.path().join("x").exists());
    }

    #[test]
    fn new_page_gets_the_next_weight() {
        let (_tmp, dir, config) = project();
        let steps = dir.join("content/steps");
        fs::create_dir_all(steps.join("sub")).unwrap();
        fs::write(steps.join("_index.md"), "---\ntitle: S\nweight: 9\n---\n").unwrap();
        fs::write(steps.join("a.md"), "---\ntitle: A\nweight: 1\n---\n").unwrap();
        fs::write(steps.join("b.md"), "---\ntitle: B\nweight: 3\n---\n").unwrap();
        fs::write(
            steps.join("sub/_index.md"),
            "---\ntitle: Sub\nweight: 7\n---\n",
        )
        .unwrap();
        fs::write(steps.join("sub/c.md"), "---\ntitle: C\nweight: 8\n---\n").unwrap();
        let written = new_file(&config, "steps/05-next.md", "Next").unwrap();
        assert_eq!(written, config.content_dir.join("steps/05-next.md"));
        assert_eq!(weight_of(&written), 4);
        let text = fs::read_to_string(&written).unwrap();
        assert!(
            text.starts_with("---\ntitle: Next\n# description: "),
            "{text}"
        );
        assert!(text.contains("\ntags: []\n---\n"), "{text}");
        let first = new_file(&config, "./steps/sub/01-x.md", "X").unwrap();
        assert_eq!(weight_of(&first), 9);
        let inside = new_file(&config, "guide/../steps/06-b.md", "B");
        assert!(inside.is_err(), "`..` is refused even when it stays inside");
    }

    #[test]
    fn new_file_refuses_bad_paths() {
        let (_tmp, dir, config) = project();
        fs::create_dir(dir.join("content/plain")).unwrap();
        let cases = [
            ("guide/01-first-step.md", "this file already exists"),
            ("../outside.md", "leads out of the content folder"),
            ("guide/../../outside.md", "leads out of the content folder"),
            ("/tmp/abs.md", "must be relative to the content folder"),
            ("guide/notes.txt", "not a Markdown file"),
            ("guide/", "not a Markdown file"),
            ("guide/.hidden.md", "hidden or temporary name"),
            (
                "plain/01-x.md",
                "`plain` is not a section: it has no `_index.md`",
            ),
            ("missing/01-x.md", "`missing` is not a section"),
            ("a/b/_index.md", "`a` is not a section"),
            ("guide\\01-x.md", "backslash"),
        ];
        for (path, expected) in cases {
            let err = refusal(&config, path);
            assert!(err.contains(expected), "{path}: {err}");
            assert!(err.contains("help: "), "{path}: {err}");
        }
        let err = refusal(&config, "plain/01-x.md");
        assert!(err.starts_with(&format!(
            "{}: ",
            dir.join("content/plain/01-x.md").display()
        )));
        assert!(err.contains("rekindle new plain/_index.md"), "{err}");
        assert!(!dir.join("content/plain/01-x.md").exists());
        let err = new_file(&config, "guide/03-x.md", " ")
            .unwrap_err()
            .to_string();
        assert!(err.contains("the title is empty"), "{err}");
    }

    #[test]
    fn new_page_and_section_build() {
        let (_tmp, dir, config) = project();
        let page = new_file(&config, "guide/03-third.md", "Third: the \"last\" step").unwrap();
        assert_eq!(weight_of(&page), 3);
        let section = new_file(&config, "extras/_index.md", "Extras").unwrap();
        let text = fs::read_to_string(&section).unwrap();
        assert!(text.contains("\nweight: 2\n"), "{text}");
        let tip = new_file(&config, "extras/01-tip.md", "Tip").unwrap();
        assert_eq!(weight_of(&tip), 1);
        let report = crate::build(&dir, &Overrides::default(), Mode::Build).unwrap();
        assert_eq!((report.pages, report.sections), (4, 3));
        let third = fs::read_to_string(dir.join("public/guide/third/index.html")).unwrap();
        assert!(
            third.contains("Third: the &quot;last&quot; step"),
            "{third}"
        );
        assert!(dir.join("public/extras/tip/index.html").is_file());
    }

    #[test]
    fn new_home_page_in_an_empty_content_folder() {
        let tmp = TempDir::new().unwrap();
        fs::write(tmp.path().join("book.toml"), "[book]\ntitle = \"T\"\n").unwrap();
        let config = crate::load_config(tmp.path(), &Overrides::default()).unwrap();
        let err = refusal(&config, "01-x.md");
        assert!(err.contains("no home page"), "{err}");
        let home = new_file(&config, "_index.md", "Home").unwrap();
        let text = fs::read_to_string(home).unwrap();
        assert!(!text.contains("weight"), "{text}");
    }

    #[test]
    fn yaml_strings_round_trip() {
        for title in [
            "Plain words, here",
            "yes",
            "1984",
            "a: b",
            "#x",
            "'q'",
            "tab\there",
            "é",
        ] {
            let text = format!("---\ntitle: {}\n---\n", yaml_string(title));
            let doc = content::parse_document::<PageMeta>(Path::new("x.md"), String::new(), &text);
            assert_eq!(doc.unwrap().meta.title, title, "{text}");
        }
        assert_eq!(yaml_string("Plain words, here"), "Plain words, here");
    }
}

//! What parsed content must be before it can be published: folder names a URL can carry as
//! written, a title on every page and section, chart values a chart can draw. Pure: every
//! problem is located at its file and line.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::base::error::{Diagnostic, Error};
use crate::input::content::{Document, PageMeta, SectionMeta};

/// Every problem of `sections` and `pages`, in file order.
pub fn problems(
    sections: &[Arc<Document<SectionMeta>>],
    pages: &[Arc<Document<PageMeta>>],
) -> Vec<Error> {
    let mut errors = folder_names(sections, pages);
    for doc in sections {
        errors.extend(empty_title(doc, &doc.meta.title));
        errors.extend(counter(doc));
        errors.extend(aliases(doc, &doc.meta.aliases));
    }
    for doc in pages {
        errors.extend(empty_title(doc, &doc.meta.title));
        errors.extend(figure_values(doc));
        errors.extend(aliases(doc, &doc.meta.aliases));
    }
    errors
}

/// The folders (relative to the content dir) that hold a page or a section and whose name a
/// URL cannot carry as written: each is reported once, at its first document.
fn folder_names(
    sections: &[Arc<Document<SectionMeta>>],
    pages: &[Arc<Document<PageMeta>>],
) -> Vec<Error> {
    let docs =
        (sections.iter().map(|d| (&d.rel, &d.path))).chain(pages.iter().map(|d| (&d.rel, &d.path)));
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for (rel, path) in docs {
        let Some((dir, _)) = rel.rsplit_once('/') else {
            continue;
        };
        for (end, _) in dir.match_indices('/').chain([(dir.len(), "")]) {
            let folder = &dir[..end];
            let name = folder.rsplit('/').next().unwrap_or(folder);
            let Some(bad) = name.chars().find(|c| !url_safe(*c)) else {
                continue;
            };
            if seen.insert(folder.to_string()) {
                let shown = path.ancestors().nth(rel[end..].matches('/').count());
                let folder_path = shown.unwrap_or(path);
                let msg = format!(
                    "the folder name `{}` holds {}, which a URL cannot carry as written",
                    name.escape_debug(),
                    describe(bad)
                );
                let hint = "rename the folder with letters, digits, `-`, `_`, `.` or `~`: \
                            its name becomes part of the URL of every page in it";
                errors.push(Error::Content(
                    Diagnostic::file(folder_path, msg).with_hint(hint),
                ));
            }
        }
    }
    errors
}

/// Whether a character of a folder name stands in a URL path as it is: letters and digits
/// of any script (browsers encode them the same way everywhere), `-`, `_`, `.` and `~`.
fn url_safe(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a line break".into(),
        '\t' => "a tab".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// An empty `title` (`title:` with nothing after it is refused by the parser already).
fn empty_title<M>(doc: &Document<M>, title: &str) -> Option<Error> {
    if !title.trim().is_empty() {
        return None;
    }
    let hint = "write the title after `title:`; it is the page's heading and its name in the nav";
    Some(located(
        doc,
        doc.line_of("title"),
        "the title is empty".into(),
        hint,
    ))
}

/// An `extra.counter` that is no word (a number, a list, a map): the counter is the word
/// that counts a section's pages ("Step" makes "Step 2 of 4"), and any other value would
/// be dropped without a word.
fn counter(doc: &Document<SectionMeta>) -> Option<Error> {
    let value = doc.meta.extra.get("counter")?;
    if value.is_string() || value.is_null() {
        return None;
    }
    let extra = doc.line_of("extra");
    // The `counter:` line under `extra:`, else `extra:` itself.
    let line = (extra + 1..)
        .map_while(|l| doc.front_matter_line(l).map(|text| (l, text)))
        .take_while(|(_, text)| text.starts_with([' ', '\t']) || text.is_empty())
        .find(|(_, text)| text.trim_start().starts_with("counter:"))
        .map_or(extra, |(l, _)| l);
    let msg = format!("`extra.counter` is {value}, not a word");
    let hint = "write the word that counts the section's pages, e.g. `counter: Step`, or remove it";
    Some(located(doc, line, msg, hint))
}

/// An error at `line` of a document's front matter, quoting that line.
fn located<M>(doc: &Document<M>, line: usize, msg: String, hint: &str) -> Error {
    let mut d = Diagnostic::at(&doc.path, line, 1, msg).with_hint(hint);
    d.excerpt = doc.front_matter_line(line).map(str::to_string);
    Error::Content(d)
}

/// Figure values that a bar chart cannot draw: not a number, infinite, negative, or a
/// percentage above 100.
fn figure_values(doc: &Document<PageMeta>) -> Vec<Error> {
    let mut errors = Vec::new();
    for (n, figure) in doc.meta.figures.iter().enumerate() {
        let value = figure.value;
        let why = if !value.is_finite() {
            "is not a finite number"
        } else if value < 0.0 {
            "is negative, and a bar cannot be shorter than nothing"
        } else if figure.unit == "%" && value > 100.0 {
            "is a percentage above 100, which a bar drawn against 100% cannot show"
        } else {
            continue;
        };
        let line = doc.line_of_item("figures", n, "value");
        let msg = format!("the value of figure {} ({value}) {why}", n + 1);
        let hint = "write a number from 0 up (at most 100 for `unit: \"%\"`)";
        errors.push(located(doc, line, msg, hint));
    }
    errors
}

/// Aliases that cannot be an old URL of this site: each must be a path from the site's
/// root (`/old/path/`), without `.` or `..` parts, in characters a URL carries as written.
fn aliases<M>(doc: &Document<M>, aliases: &[String]) -> Vec<Error> {
    let mut errors = Vec::new();
    for alias in aliases {
        let parts = alias.trim_start_matches('/').split('/');
        let why = if !alias.starts_with('/') {
            Some("does not start with `/`")
        } else if alias == "/" {
            Some("is the home page's own URL")
        } else if parts.clone().any(|p| p == "." || p == "..") {
            Some("has a `.` or `..` part")
        } else if alias.chars().any(|c| c != '/' && !url_safe(c)) {
            Some("holds a character a URL cannot carry as written")
        } else {
            None
        };
        if let Some(why) = why {
            let msg = format!("the alias `{}` {why}", alias.escape_debug());
            let hint = "write an old URL of the page as a path from the site's root: `/old/path/`";
            errors.push(located(doc, doc.line_of("aliases"), msg, hint));
        }
    }
    errors
}

/// The output file an alias (checked by `aliases`) is written to: `/old/path/` and
/// `/old/path` become `old/path/index.html`; `/old.html` stays `old.html`.
pub fn alias_file(alias: &str) -> String {
    let path = alias.trim_matches('/');
    if path.ends_with(".html") {
        path.to_string()
    } else {
        format!("{path}/index.html")
    }
}

//! The content lint: things that do not break a build but hurt readers (missing alt text,
//! skipped heading levels, vague link text, unlabelled figures, missing descriptions,
//! duplicate titles). Pure: works on the site model, returns located warnings.

use std::collections::HashMap;

use crate::base::error::Diagnostic;
use crate::model::site::{Node, Page, Site};

/// Link texts that say nothing about where a link leads. (Not "go": `[Go](https://go.dev/)`
/// names a language.)
const VAGUE: [&str; 8] = [
    "click here",
    "here",
    "click",
    "read more",
    "more",
    "link",
    "this link",
    "this",
];

/// Sorts warnings by file, line and column.
pub fn sort(warnings: &mut [Diagnostic]) {
    warnings.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
}

/// The warnings about one page or section on its own (its body and front matter), which
/// `serve` works out again for an edited file; with `duplicate_titles`, every warning
/// (see `pipeline::nodes::Lints`).
pub fn node_warnings(site: &Site, node: Node) -> Vec<Diagnostic> {
    let of = site.node(node);
    let at = |line, col, msg: String| Diagnostic::at(of.source, of.body_line + line - 1, col, msg);
    let mut warnings = links_and_headings(of.rendered, &at);
    if let Node::Page(p) = node {
        warnings.extend(front_matter(&site.pages[p]));
    }
    warnings
}

/// A page whose title an earlier page in reading order already has.
pub fn duplicate_titles(site: &Site) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let mut titles: HashMap<String, &Page> = HashMap::new();
    for page in site.reading_order.iter().filter_map(|n| match *n {
        Node::Page(p) => Some(&site.pages[p]),
        Node::Section(_) => None,
    }) {
        let key = page.doc.meta.title.trim().to_lowercase();
        match titles.get(&key) {
            Some(first) => warnings.push(
                Diagnostic::at(&page.doc.path, page.doc.line_of("title"), 1, format!(
                    "the title `{}` is also the title of {}",
                    page.doc.meta.title,
                    first.doc.path.display()
                ))
                .with_hint("give each page its own title: readers and search engines tell pages apart by it"),
            ),
            None => {
                titles.insert(key, page);
            }
        }
    }
    warnings
}

fn links_and_headings(
    rendered: &crate::base::markdown::Rendered,
    at: &dyn Fn(usize, usize, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    // Raw HTML is the author's own markup: its text is not read here.
    for link in rendered.links.iter().filter(|link| !link.raw) {
        let text = link.text.trim();
        if link.image && text.is_empty() {
            warnings.push(
                at(link.line, link.col, "image without alt text".into())
                    .with_hint("describe what the image shows: ![a bar chart of ...](file.png)"),
            );
        } else if !link.image && text.is_empty() {
            warnings.push(
                at(
                    link.line,
                    link.col,
                    format!("link to `{}` has no text", link.written),
                )
                .with_hint("write the words the link stands on: [where it leads](...)"),
            );
        } else if !link.image && VAGUE.contains(&text.to_lowercase().as_str()) {
            warnings.push(
                at(
                    link.line,
                    link.col,
                    format!("link text `{text}` does not say where it leads"),
                )
                .with_hint("name the destination: [the installation guide](...)"),
            );
        }
    }
    let mut previous = 1;
    for heading in &rendered.headings {
        if heading.level == 1 {
            warnings.push(
                at(
                    heading.line,
                    1,
                    "a `#` heading in the body: the page title is already the h1".into(),
                )
                .with_hint("start the body's headings at `##`"),
            );
        } else if heading.level > previous + 1 {
            let msg = format!("heading level skips from h{previous} to h{}", heading.level);
            let hint = format!("use h{} here, or add the level in between", previous + 1);
            warnings.push(at(heading.line, 1, msg).with_hint(hint));
        }
        previous = heading.level;
    }
    warnings
}

fn front_matter(page: &Page) -> Vec<Diagnostic> {
    let doc = &page.doc;
    let mut warnings = Vec::new();
    // Without a description, the first paragraph is the summary (as the README says).
    if page.summary().is_empty() {
        warnings.push(
            Diagnostic::at(&doc.path, 1, 1, "the page has no description and no opening paragraph")
                .with_hint("add `description: ...` or open the page with a paragraph: it is the summary shown in search results and social previews"),
        );
    }
    for figure in &doc.meta.figures {
        let line = doc.line_of("figures");
        if figure.label.trim().is_empty() {
            warnings.push(
                Diagnostic::at(
                    &doc.path,
                    line,
                    1,
                    format!("a figure ({}) has no label", figure.value),
                )
                .with_hint("say what the number counts: `label: Readers who finished the course`"),
            );
        }
        if figure.unit.trim().is_empty() {
            warnings.push(
                Diagnostic::at(
                    &doc.path,
                    line,
                    1,
                    format!("figure `{}` has no unit", figure.label),
                )
                .with_hint("add `unit: \"%\"` (or what the value counts)"),
            );
        }
    }
    warnings
}

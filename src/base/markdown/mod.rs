//! Markdown rendering: owns pulldown-cmark options, heading ids, table of contents, link rewriting, summary and word count.
//! Here: the public types, `render` and `inline_title`; beside it, `events` (the event filter
//! that collects as it goes), `blocks` (alerts and code blocks), `raw` (raw HTML), `ids`
//! (heading ids) and `text` (text helpers).

mod blocks;
mod events;
mod ids;
mod raw;
mod text;

use std::collections::VecDeque;
use std::sync::Arc;

use pulldown_cmark::{Event, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::base::highlight::Highlighter;
use blocks::Code;
pub use blocks::fence_language;
use events::{Events, Summary};
pub use ids::{heading_id, slugify};
use text::{LineIndex, TextSection, search_parts};

/// Markdown settings from book.toml's [markdown] table, and the build's highlighter.
#[derive(Debug, Clone)]
pub struct Options {
    pub smart_punctuation: bool,
    pub heading_anchors: bool,
    /// Colours fenced code with a language; None prints all code plainly.
    pub highlighter: Option<Arc<Highlighter>>,
}

/// One heading of the body, in document order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
    /// 1-based line within the body.
    #[serde(skip)]
    pub line: usize,
}

/// The h2/h3 outline, nested; made from the headings when a page is rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TocEntry<'a> {
    pub level: u8,
    pub id: &'a str,
    pub title: &'a str,
    pub children: Vec<TocEntry<'a>>,
}

/// A link or image destination as written to the HTML (after rewriting), with where it stands in the Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub dest: String,
    /// The destination as the author wrote it.
    pub written: String,
    /// The link's text, or an image's alt text, as plain text.
    pub text: String,
    pub image: bool,
    /// Written in raw HTML (`<a href>`, `<img src>`), not in Markdown: it has no text.
    pub raw: bool,
    /// 1-based line within `body`.
    pub line: usize,
    /// 1-based column (in chars) within `body`.
    pub col: usize,
}

/// The result of [`render`].
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    /// Every heading (h1..h6), flat, document order.
    pub headings: Vec<Heading>,
    /// Every Link and Image destination, in document order, after rewriting.
    pub links: Vec<Link>,
    /// Plain text of the first paragraph (markup stripped, whitespace collapsed, trimmed); "" if none.
    pub summary: String,
    /// Words in the text (Text and Code events), split on whitespace.
    pub word_count: usize,
    /// What search indexes, as compact JSON: `[[anchor, heading, text], ...]`, the plain
    /// text under each heading cut to about `SECTION_TEXT` bytes (the first has an empty
    /// anchor: the text before any heading). Kept as JSON, the form it is written in.
    pub search: Box<str>,
    /// Explicit ids (`{#id}`) that an earlier heading already has, with their line in the
    /// body: an error for the caller to report, as a link written against it is ambiguous.
    pub repeated_ids: Vec<(String, usize)>,
}

/// How much text of each section is kept for search.
pub const SECTION_TEXT: usize = 280;

/// Renders `body` (the Markdown after the front matter) to HTML.
/// `rewrite` is called with every Link and Image destination exactly as written in the source;
/// Some(new) replaces it in the HTML (and in `Rendered::links`), None keeps it.
pub fn render(body: &str, opts: &Options, rewrite: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let mut md = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_FOOTNOTES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_TASKLISTS
        | pulldown_cmark::Options::ENABLE_HEADING_ATTRIBUTES
        | pulldown_cmark::Options::ENABLE_DEFINITION_LIST
        | pulldown_cmark::Options::ENABLE_GFM;
    if opts.smart_punctuation {
        md |= pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION;
    }
    let mut events = Events {
        inner: Parser::new_ext(body, md).into_offset_iter(),
        code: Code::new(opts.highlighter.as_deref()),
        anchors: opts.heading_anchors,
        rewrite,
        lines: LineIndex::new(body),
        queue: VecDeque::new(),
        heading: None,
        title: String::new(),
        ids: ahash::AHashMap::new(),
        headings: Vec::new(),
        links: Vec::new(),
        summary: Summary::Before,
        summary_text: String::new(),
        word_count: 0,
        in_word: false,
        open_links: Vec::new(),
        heading_line: 0,
        sections: vec![TextSection::new(String::new(), String::new())],
        repeated_ids: Vec::new(),
        footnotes: ahash::AHashMap::new(),
    };
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, &mut events);
    let mut rendered = Rendered {
        html: out,
        headings: events.headings,
        links: events.links,
        summary: events.summary_text,
        word_count: events.word_count,
        search: search_parts(&events.sections),
        repeated_ids: events.repeated_ids,
    };
    rendered.shrink();
    rendered
}

impl Rendered {
    /// The table of contents: only h2 and h3, each h3 a child of the h2 before it; an h3
    /// with no h2 before it is top level.
    pub fn toc(&self) -> Vec<TocEntry<'_>> {
        let mut toc: Vec<TocEntry> = Vec::new();
        for h in self
            .headings
            .iter()
            .filter(|h| h.level == 2 || h.level == 3)
        {
            let entry = TocEntry {
                level: h.level,
                id: &h.id,
                title: &h.title,
                children: Vec::new(),
            };
            match toc.last_mut() {
                Some(parent) if h.level == 3 && parent.level == 2 => parent.children.push(entry),
                _ => toc.push(entry),
            }
        }
        toc
    }

    /// Gives back the spare capacity of its strings and lists: a site keeps the rendered
    /// Markdown of every page until it is written, and text grown by appending holds up to
    /// twice its length.
    fn shrink(&mut self) {
        // The HTML was given room for half as much again as the Markdown; when it used most
        // of it, the copy that shrinking would make costs more than the bytes it frees.
        if self.html.capacity() - self.html.len() > self.html.len() / 8 {
            self.html.shrink_to_fit();
        }
        self.headings.shrink_to_fit();
        self.links.shrink_to_fit();
        self.summary.shrink_to_fit();
    }
}

/// A title written with inline Markdown (`` Running `mdbook` ``): its plain text, for the
/// nav, the pager and `<title>`, and its HTML (code, emphasis, strikethrough), for the
/// page's `<h1>`. None when the title has no markup; a title that Markdown would read as a
/// block (`1. Accept`, `# Intro`) stays as written. Links keep only their text, and raw
/// HTML is text: a title is not markup for the page around it.
pub fn inline_title(title: &str) -> Option<(String, String)> {
    if !title.contains(['`', '*', '_', '~', '[', '<', '&', '\\', '!']) {
        return None;
    }
    let mut events = Parser::new_ext(title, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    if events.next() != Some(Event::Start(Tag::Paragraph)) {
        return None;
    }
    let (mut plain, mut html) = (String::new(), String::new());
    for ev in events {
        let (text, tag) = match &ev {
            Event::Text(t) | Event::InlineHtml(t) => (Some(&**t), None),
            Event::Code(t) => (Some(&**t), Some("code")),
            Event::SoftBreak | Event::HardBreak => (Some(" "), None),
            Event::Start(Tag::Emphasis) | Event::End(TagEnd::Emphasis) => (None, Some("em")),
            Event::Start(Tag::Strong) | Event::End(TagEnd::Strong) => (None, Some("strong")),
            Event::Start(Tag::Strikethrough) | Event::End(TagEnd::Strikethrough) => {
                (None, Some("del"))
            }
            Event::End(TagEnd::Paragraph) => continue,
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::End(TagEnd::Link | TagEnd::Image) => continue,
            _ => return None,
        };
        let closing = matches!(ev, Event::End(_));
        match (text, tag) {
            (Some(t), Some(tag)) => {
                html.push_str(&format!("<{tag}>"));
                crate::base::escape::push_html(&mut html, t);
                html.push_str(&format!("</{tag}>"));
            }
            (Some(t), None) => crate::base::escape::push_html(&mut html, t),
            (None, Some(tag)) if closing => html.push_str(&format!("</{tag}>")),
            (None, Some(tag)) => html.push_str(&format!("<{tag}>")),
            (None, None) => {}
        }
        plain.push_str(text.unwrap_or(""));
    }
    Some((plain, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const PLAIN: Options = Options {
        smart_punctuation: false,
        heading_anchors: false,
        highlighter: None,
    };

    pub(super) fn md(body: &str) -> Rendered {
        render(body, &PLAIN, &|_| None)
    }

    pub(super) fn ids(r: &Rendered) -> Vec<&str> {
        r.headings.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn toc_nesting() {
        let r = md(
            "### Orphan\n# Title\n## One\n### One A\n#### Deep\n### One B\n## Two\n# Other\n### Two A\n",
        );
        let toc = r.toc();
        let shape: Vec<(&str, Vec<&str>)> = toc
            .iter()
            .map(|e| (e.id, e.children.iter().map(|c| c.id).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                ("orphan", vec![]),
                ("one", vec!["one-a", "one-b"]),
                ("two", vec!["two-a"])
            ]
        );
        assert_eq!(toc[0].level, 3);
        assert_eq!(toc[1].title, "One");
        assert_eq!(r.headings.len(), 9);
    }

    #[test]
    fn titles_with_inline_markdown() {
        let title = |t: &str| inline_title(t);
        assert_eq!(
            title("Running `mdbook` <now> & *then*"),
            Some((
                "Running mdbook <now> & then".to_string(),
                "Running <code>mdbook</code> &lt;now&gt; &amp; <em>then</em>".to_string()
            ))
        );
        assert_eq!(
            title("See [the **docs**](x.md) ~~old~~"),
            Some((
                "See the docs old".to_string(),
                "See the <strong>docs</strong> <del>old</del>".to_string()
            ))
        );
        assert_eq!(title("Accept the breakup"), None);
        assert_eq!(title("1. Accept `it`"), None, "a list stays as written");
        assert_eq!(title("# Intro_x"), None);
        assert_eq!(
            title("snake_case stays"),
            Some(("snake_case stays".into(), "snake_case stays".into()))
        );
        assert_eq!(
            title("<script>x</script>"),
            None,
            "an HTML block stays as written"
        );
        assert_eq!(
            title("A <b>bold</b> claim").map(|t| t.1),
            Some("A &lt;b&gt;bold&lt;/b&gt; claim".into())
        );
        assert_eq!(title("`"), Some(("`".into(), "`".into())));
    }

    #[test]
    fn smart_punctuation_on_off() {
        let smart = Options {
            smart_punctuation: true,
            heading_anchors: false,
            highlighter: None,
        };
        assert!(render("it's", &smart, &|_| None).html.contains("it’s"));
        let off = md("it's");
        assert!(off.html.contains("it's") && !off.html.contains('’'));
    }

    #[test]
    fn extensions_enabled() {
        let r =
            md("| a | b |\n|---|---|\n| 1 | 2 |\n\nx[^1] ~~gone~~\n\n- [x] done\n\n[^1]: note\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>gone</del>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote-definition"));
        assert!(r.links.is_empty());
        assert!(!md("$x$").html.contains("math"));
    }

    #[test]
    fn empty_and_arbitrary_input() {
        let r = md("");
        assert!(r.html.is_empty() && r.headings.is_empty() && r.word_count == 0);
        let junk = "\u{0}\u{FEFF}#\r\n[\t](<\u{10FFFF}> \"\r\n> ```\r\n|-|\n|é|\n\u{202E}*_~`![^\r";
        let r = md(junk);
        assert!(!r.html.is_empty());
    }

    #[test]
    fn deeply_nested_blockquotes() {
        let body = ">".repeat(20_000) + " deep";
        let r = md(&body);
        assert!(r.html.contains("deep"));
    }

    #[test]
    fn many_unclosed_brackets() {
        let body = "[".repeat(30_000);
        let r = md(&body);
        assert!(r.links.is_empty());
        assert_eq!(r.word_count, 1);
    }

    #[test]
    fn long_line_with_many_links() {
        let body = "word [l](u) ".repeat(10_000);
        assert!(body.chars().count() > 100_000);
        let r = md(&body);
        assert_eq!(r.links.len(), 10_000);
        assert_eq!(
            (r.links[9_999].line, r.links[9_999].col),
            (1, 9_999 * 12 + 6)
        );
        assert_eq!(r.word_count, 20_000);
    }
}

//! Markdown rendering: owns pulldown-cmark options, heading ids, table of contents, link rewriting, summary and word count.

use std::collections::VecDeque;
use std::ops::Range;

use std::sync::Arc;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::base::highlight::Highlighter;

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

/// Plain text following a heading.
#[derive(Debug, Clone, PartialEq)]
struct TextSection {
    pub id: String,
    pub title: String,
    pub text: String,
    /// The text reached `SECTION_TEXT` and was cut: nothing more goes in.
    pub full: bool,
}

impl TextSection {
    /// A section with room for all the text it may keep: its text never grows in steps.
    fn new(id: String, title: String) -> Self {
        TextSection {
            id,
            title,
            text: String::with_capacity(SECTION_TEXT + 8),
            full: false,
        }
    }
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
        highlighter: opts.highlighter.as_deref(),
        code: None,
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

/// The sections that have a heading or text, as `[[anchor, heading, text], ...]`.
fn search_parts(sections: &[TextSection]) -> Box<str> {
    let parts = sections
        .iter()
        .filter(|s| !s.text.is_empty() || !s.title.is_empty())
        .map(|s| [s.id.as_str(), s.title.as_str(), s.text.trim_end()]);
    crate::base::escape::json_rows(parts).into_boxed_str()
}

/// The id text for a heading or tag: lowercase ASCII slug via the `slug` crate (`slug::slugify`);
/// returns "section" when the slug would be empty.
pub fn slugify(text: &str) -> String {
    let s = slug::slugify(text);
    if s.is_empty() {
        "section".to_owned()
    } else {
        s
    }
}

/// A heading's id by GitHub's rule, which mdBook follows too, so that links written against
/// either keep working: lowercase; letters, digits, `-` and `_` kept; each space (or other
/// whitespace) a `-`; everything else dropped. `What's new` -> `whats-new`, `--open` ->
/// `--open`. "section" when nothing is left.
pub fn heading_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            id.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            id.push('-');
        }
    }
    if id.is_empty() {
        id.push_str("section");
    }
    id
}

#[derive(Clone, Copy, PartialEq)]
enum Summary {
    Before,
    In,
    Done,
}

/// The event transformer fed to `push_html`; collects headings, links, summary and word count on the way.
struct Events<'a, 'r, I> {
    inner: I,
    highlighter: Option<&'r Highlighter>,
    /// The language and the text so far of the code block being gathered to highlight.
    code: Option<(String, String)>,
    anchors: bool,
    rewrite: &'r dyn Fn(&str) -> Option<String>,
    lines: LineIndex<'a>,
    /// Events ready to emit; while inside a heading, the heading's buffered content.
    queue: VecDeque<Event<'a>>,
    /// The start tag of the heading being buffered.
    heading: Option<Tag<'a>>,
    title: String,
    /// Used id -> next numeric suffix to try when it is repeated.
    ids: ahash::AHashMap<String, usize>,
    headings: Vec<Heading>,
    links: Vec<Link>,
    summary: Summary,
    summary_text: String,
    word_count: usize,
    in_word: bool,
    /// Indexes into `links` of the links and images whose text is being read.
    open_links: Vec<usize>,
    heading_line: usize,
    sections: Vec<TextSection>,
    repeated_ids: Vec<(String, usize)>,
    /// Each footnote label's number, in the order first met.
    footnotes: ahash::AHashMap<String, usize>,
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Iterator for Events<'a, '_, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if self.heading.is_none()
                && let Some(ev) = self.queue.pop_front()
            {
                return Some(ev);
            }
            let (ev, range) = self.inner.next()?;
            let ev = match ev {
                Event::Start(Tag::HtmlBlock) => return Some(self.html_block()),
                Event::InlineHtml(html) => {
                    Event::InlineHtml(self.raw_html(html, &[(0, range.start)]))
                }
                ev => ev,
            };
            let Some(ev) = self.observe(ev, range.start) else {
                continue;
            };
            match ev {
                Event::Start(tag @ Tag::Heading { .. }) => {
                    self.title.clear();
                    self.heading = Some(tag);
                    self.heading_line = self.lines.locate(range.start).0;
                }
                Event::End(TagEnd::Heading(level)) => self.finish_heading(level),
                ev if self.heading.is_some() => self.queue.push_back(ev),
                ev => return Some(ev),
            }
        }
    }
}

impl<'a, I> Events<'a, '_, I> {
    /// Rewrites and records links, and feeds text to the title, summary and word count.
    fn observe(&mut self, mut ev: Event<'a>, start: usize) -> Option<Event<'a>> {
        let text = match &ev {
            Event::Text(t) | Event::Code(t) => Some(&**t),
            Event::SoftBreak | Event::HardBreak => Some(" "),
            Event::Start(tag) => {
                self.in_word &= is_inline(tag.to_end());
                None
            }
            Event::End(tag) => {
                self.in_word &= is_inline(*tag);
                None
            }
            Event::InlineHtml(_) => None,
            _ => {
                self.in_word = false;
                None
            }
        };
        if let Some(t) = text {
            self.feed(t);
        }
        if let Event::End(tag) = &ev
            && !is_inline(*tag)
        {
            self.section_text(Piece::new(" "));
        }
        self.follow(&mut ev, start);
        let ev = self.footnote(ev);
        self.gather_code(ev).map(block)
    }

    /// Gathers the text of a fenced code block with a language, to highlight it whole at
    /// its end (pulldown-cmark gives it in pieces); None while the text is held back.
    fn gather_code(&mut self, ev: Event<'a>) -> Option<Event<'a>> {
        match (&mut self.code, ev) {
            (None, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))))
                if self.highlighter.is_some() && !fence_language(&info).is_empty() =>
            {
                self.code = Some((fence_language(&info).to_string(), String::new()));
                Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))))
            }
            (Some((_, text)), Event::Text(t)) => {
                text.push_str(&t);
                None
            }
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (lang, text) = self.code.take().unwrap_or_default();
                let coloured = self.highlighter.and_then(|h| h.code(&lang, &text));
                self.queue.push_back(block(Event::End(TagEnd::CodeBlock)));
                Some(match coloured {
                    Some(html) => Event::Html(CowStr::from(html)),
                    None => Event::Text(CowStr::from(text)),
                })
            }
            (_, ev) => Some(ev),
        }
    }

    /// Footnotes get ids of their own (`fn-note`), so that `[^note]` and a heading `## Note`
    /// never share one; they are numbered in the order they first appear, as pulldown-cmark
    /// numbers them.
    fn footnote(&mut self, ev: Event<'a>) -> Event<'a> {
        let mut number = |label: &str| {
            let next = self.footnotes.len() + 1;
            *self.footnotes.entry(label.to_string()).or_insert(next)
        };
        match ev {
            Event::FootnoteReference(label) => {
                let (id, n) = (heading_id(&label), number(&label));
                let html =
                    format!("<sup class=\"footnote-reference\"><a href=\"#fn-{id}\">{n}</a></sup>");
                Event::InlineHtml(CowStr::from(html))
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let (id, n) = (heading_id(&label), number(&label));
                let html = format!(
                    "<div class=\"footnote-definition\" id=\"fn-{id}\"><sup class=\"footnote-definition-label\">{n}</sup>"
                );
                Event::Html(CowStr::from(html))
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html(CowStr::from("</div>\n")),
            ev => ev,
        }
    }

    /// Gives a piece of text to everything that collects it: the word count, the heading's
    /// title, the summary, the open link's text and the section's search text.
    fn feed(&mut self, t: &str) {
        let t = Piece::new(t);
        self.count_words(t);
        if self.heading.is_some() {
            push_collapsed(&mut self.title, t);
        }
        if self.summary == Summary::In {
            push_collapsed(&mut self.summary_text, t);
        }
        // An image's alt text is part of the text of a link around it too.
        for &open in &self.open_links {
            push_collapsed(&mut self.links[open].text, t);
        }
        if self.heading.is_none() {
            self.section_text(t);
        }
    }

    /// Follows the summary paragraph and open links; rewrites a link's or image's target.
    fn follow(&mut self, ev: &mut Event<'a>, start: usize) {
        match ev {
            Event::Start(Tag::Paragraph) if self.summary == Summary::Before => {
                self.summary = Summary::In;
            }
            Event::End(TagEnd::Paragraph) if self.summary == Summary::In => {
                trim_end_space(&mut self.summary_text);
                if !self.summary_text.is_empty() {
                    self.summary = Summary::Done;
                } else {
                    self.summary = Summary::Before;
                }
            }
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                let image = matches!(tag, Tag::Image { .. });
                if let Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } = tag {
                    let dest = std::mem::replace(dest_url, CowStr::Borrowed(""));
                    *dest_url = self.link(dest, start, image);
                }
                self.open_links.push(self.links.len() - 1);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some(open) = self.open_links.pop() {
                    trim_end_space(&mut self.links[open].text);
                }
            }
            _ => {}
        }
    }

    /// Adds text to the current section's search text, up to about `SECTION_TEXT` bytes,
    /// ending on a whole word and an ellipsis.
    fn section_text(&mut self, piece: Piece) {
        let Some(section) = self.sections.last_mut().filter(|s| !s.full) else {
            return;
        };
        // Collapsing goes piece by piece, and only as far as the limit: a long paragraph
        // is not copied whole to be cut again.
        let mut rest = piece.text;
        while !rest.is_empty() && section.text.len() <= SECTION_TEXT {
            let mut take = (SECTION_TEXT + 1 - section.text.len()).min(rest.len());
            while !rest.is_char_boundary(take) {
                take += 1;
            }
            let part = Piece {
                text: &rest[..take],
                ..piece
            };
            push_collapsed(&mut section.text, part);
            rest = &rest[take..];
        }
        if section.text.len() > SECTION_TEXT {
            let mut cut = SECTION_TEXT;
            while !section.text.is_char_boundary(cut) {
                cut -= 1;
            }
            let cut = section.text[..cut].rfind(' ').unwrap_or(cut);
            section.text.truncate(cut);
            section.text.push('…');
            section.full = true;
        }
    }

    /// Applies `rewrite` to one destination and records it with its position.
    fn link(&mut self, dest: CowStr<'a>, start: usize, image: bool) -> CowStr<'a> {
        let written = dest.to_string();
        let dest = match (self.rewrite)(&dest) {
            Some(new) => CowStr::from(new),
            None => dest,
        };
        let (line, col) = self.lines.locate(start);
        self.links.push(Link {
            dest: dest.to_string(),
            written,
            text: String::new(),
            image,
            raw: false,
            line,
            col,
        });
        dest
    }

    /// Rewrites the `href` and `src` values of raw HTML as Markdown links are rewritten, and
    /// records each. `pieces` maps offsets in `html` to offsets in the body: (in `html`, in
    /// the body), one per piece the HTML was gathered from.
    fn raw_html(&mut self, html: CowStr<'a>, pieces: &[(usize, usize)]) -> CowStr<'a> {
        let rewrite = self.rewrite;
        let mut found = Vec::new();
        let out = crate::base::html::rewrite_links(&html, &mut |attr, value, at| {
            if attr == "srcset" {
                return rewrite_srcset(value, at, &mut found, rewrite);
            }
            let new = rewrite(value);
            found.push((attr == "src", value.to_string(), new.clone(), at));
            new
        });
        for (image, written, new, at) in found {
            let piece = (pieces.partition_point(|(from, _)| *from <= at))
                .checked_sub(1)
                .and_then(|i| pieces.get(i));
            let offset = piece.map_or(0, |&(from, body)| {
                in_body(self.lines.body, body, &html[from..], at - from)
            });
            let (line, col) = self.lines.locate(offset);
            self.links.push(Link {
                dest: new.unwrap_or_else(|| written.clone()),
                written,
                text: String::new(),
                image,
                raw: true,
                line,
                col,
            });
        }
        out.map_or(html, CowStr::from)
    }

    /// Gathers an HTML block, whose lines come one event each, into one event, so that a tag
    /// written across lines is read whole; queues it and the block's end.
    fn html_block(&mut self) -> Event<'a>
    where
        I: Iterator<Item = (Event<'a>, Range<usize>)>,
    {
        let mut text = String::new();
        let mut pieces = Vec::new();
        let mut end = None;
        for (ev, range) in self.inner.by_ref() {
            match ev {
                Event::Html(t) | Event::Text(t) => {
                    pieces.push((text.len(), range.start));
                    text.push_str(&t);
                }
                ev => {
                    end = Some((ev, range.start));
                    break;
                }
            }
        }
        let html = self.raw_html(CowStr::from(text), &pieces);
        self.queue.push_back(Event::Html(html));
        if let Some((ev, start)) = end
            && let Some(ev) = self.observe(ev, start)
        {
            self.queue.push_back(ev);
        }
        self.in_word = false;
        Event::Start(Tag::HtmlBlock)
    }

    /// Counts words across adjacent text fragments ("it", "’", "s" is one word).
    fn count_words(&mut self, piece: Piece) {
        let (words, in_word) = match piece.plain {
            true => words_plain(piece.text, self.in_word),
            false => words_general(piece.text, self.in_word),
        };
        self.word_count += words;
        self.in_word = in_word;
    }

    /// Assigns the buffered heading its unique id, then queues Start, content, anchor and End.
    fn finish_heading(&mut self, level: pulldown_cmark::HeadingLevel) {
        let Some(Tag::Heading {
            level: _,
            id,
            classes,
            attrs,
        }) = self.heading.take()
        else {
            return;
        };
        trim_end_space(&mut self.title);
        let base = match id {
            Some(explicit) if !explicit.is_empty() => {
                if self.ids.contains_key(explicit.as_ref()) {
                    (self.repeated_ids).push((explicit.to_string(), self.heading_line));
                }
                explicit.to_string()
            }
            _ => heading_id(&self.title),
        };
        let id = unique_id(&mut self.ids, base);
        if self.anchors {
            let mut a = String::with_capacity(id.len() + 64);
            a.push_str("<a class=\"anchor\" href=\"#");
            crate::base::escape::push_html(&mut a, &id);
            a.push_str("\" aria-label=\"Link to this section\">#</a>");
            self.queue.push_back(Event::InlineHtml(CowStr::from(a)));
        }
        self.queue.push_back(Event::End(TagEnd::Heading(level)));
        self.sections
            .push(TextSection::new(id.clone(), self.title.clone()));
        self.headings.push(Heading {
            level: level as u8,
            id: id.clone(),
            title: std::mem::take(&mut self.title),
            line: self.heading_line,
        });
        let id = Some(CowStr::from(id));
        self.queue.push_front(Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }));
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

/// Blocks written the way guides expect: a GitHub alert (`> [!NOTE]`) as a titled note,
/// and a fence's language as the first word of its info string (`rust,editable` -> `rust`).
fn block(ev: Event<'_>) -> Event<'_> {
    use pulldown_cmark::{BlockQuoteKind, CodeBlockKind};
    match ev {
        Event::Start(Tag::BlockQuote(Some(kind))) => {
            let (class, title) = match kind {
                BlockQuoteKind::Note => ("note", "Note"),
                BlockQuoteKind::Tip => ("tip", "Tip"),
                BlockQuoteKind::Important => ("important", "Important"),
                BlockQuoteKind::Warning => ("warning", "Warning"),
                BlockQuoteKind::Caution => ("caution", "Caution"),
            };
            Event::Html(CowStr::from(format!(
                "<div class=\"markdown-alert markdown-alert-{class}\" role=\"note\" aria-label=\"{title}\">\n<p class=\"markdown-alert-title\">{title}</p>\n"
            )))
        }
        Event::End(TagEnd::BlockQuote(Some(_))) => Event::Html(CowStr::from("</div>\n")),
        // A code block scrolls sideways when its lines are long: `tabindex` lets a reader
        // without a mouse scroll it too.
        Event::Start(Tag::CodeBlock(kind)) => {
            let lang = match &kind {
                CodeBlockKind::Fenced(info) => fence_language(info),
                CodeBlockKind::Indented => "",
            };
            let mut html = String::from("<pre tabindex=\"0\"><code");
            if !lang.is_empty() {
                html.push_str(" class=\"language-");
                crate::base::escape::push_html(&mut html, lang);
                html.push('"');
            }
            html.push('>');
            Event::Html(CowStr::from(html))
        }
        Event::End(TagEnd::CodeBlock) => Event::Html(CowStr::from("</code></pre>\n")),
        ev => ev,
    }
}

/// A raw link found in an attribute: whether it is an image's, as written, as rewritten
/// (None: kept), and its offset in the HTML.
type RawLink = (bool, String, Option<String>, usize);

/// Rewrites each URL of a `srcset` value at offset `at` (`a.png 1x, b.png 2x`), recording
/// each in `found`; None when none changed.
fn rewrite_srcset(
    value: &str,
    at: usize,
    found: &mut Vec<RawLink>,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(value.len() + 16);
    let mut copied = 0;
    for (offset, url) in crate::base::html::srcset_urls(value) {
        let new = rewrite(url);
        found.push((true, url.to_string(), new.clone(), at + offset));
        if let Some(new) = new {
            out.push_str(&value[copied..offset]);
            out.push_str(&new);
            copied = offset + url.len();
        }
    }
    (copied > 0).then(|| {
        out.push_str(&value[copied..]);
        out
    })
}

/// The offset in `body` of the byte at `at` in `text`, the text of an event that starts at
/// `start` in the body. Each line of the text is the end of its line in the body: a line
/// inside a block quote has lost its `>`.
fn in_body(body: &str, start: usize, text: &str, at: usize) -> usize {
    let Some(before) = text.get(..at) else {
        return start;
    };
    let line = before.matches('\n').count();
    if line == 0 {
        return start + at;
    }
    let text_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    let rest = body.get(start..).unwrap_or("");
    let Some((line_start, _)) = rest.match_indices('\n').nth(line - 1) else {
        return start;
    };
    let line_end = rest[line_start + 1..]
        .find('\n')
        .map_or(rest.len(), |n| line_start + 1 + n);
    (start + line_end).saturating_sub(text_end - at)
}

/// The language of a fence: the first word of its info string (`rust,editable` -> `rust`,
/// `{.python title=x}` -> `python`), or "".
pub fn fence_language(info: &str) -> &str {
    (info.trim_start().trim_start_matches(['{', '.']))
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '{' | '}'))
        .next()
        .unwrap_or("")
}

/// Inline tags and inline HTML do not break a word ("**bold**ness" is one word).
fn is_inline(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Returns `base`, or `base-N` for the first N that is not used yet; records the result as used.
fn unique_id(ids: &mut ahash::AHashMap<String, usize>, base: String) -> String {
    let Some(next) = ids.get(&base).copied() else {
        ids.insert(base.clone(), 1);
        return base;
    };
    let mut n = next;
    loop {
        let candidate = format!("{base}-{n}");
        n += 1;
        if !ids.contains_key(&candidate) {
            ids.insert(base, n);
            ids.insert(candidate.clone(), 1);
            return candidate;
        }
    }
}

/// Appends `text`, turning whitespace runs into one space and dropping leading whitespace.
/// A single space between words is copied with them: text is pushed in long runs.
fn push_collapsed(buf: &mut String, piece: Piece) {
    let text = piece.text;
    if piece.plain {
        // Only single spaces: at most the first one goes.
        let after_space = buf.is_empty() || buf.ends_with(' ');
        let skip = usize::from(after_space && text.starts_with(' '));
        buf.push_str(&text[skip..]);
    } else {
        push_collapsed_general(buf, text);
    }
}

/// A piece of text, and whether it `is_plain`, worked out once for all that collect it.
#[derive(Clone, Copy)]
struct Piece<'t> {
    text: &'t str,
    plain: bool,
}

impl<'t> Piece<'t> {
    fn new(text: &'t str) -> Self {
        Piece {
            text,
            plain: is_plain(text),
        }
    }
}

/// `push_collapsed` for any text.
fn push_collapsed_general(buf: &mut String, text: &str) {
    // Whether a space here would follow another (or start the text), and so be dropped.
    let mut after_space = buf.is_empty() || buf.ends_with(' ');
    let (mut run, mut previous_end) = (0, 0);
    for (at, len) in whitespace(text) {
        if at > previous_end {
            after_space = false;
        }
        previous_end = at + len;
        if !after_space && text.as_bytes().get(at) == Some(&b' ') {
            after_space = true;
            continue;
        }
        buf.push_str(&text[run..at]);
        if !after_space {
            buf.push(' ');
            after_space = true;
        }
        run = at + len;
    }
    buf.push_str(&text[run..]);
}

/// The words that `text` adds after text that left a word open (`in_word`) or not, and
/// whether it leaves one open, for text that `is_plain`: the words are the pieces between
/// single spaces, the first of which may go on the open word.
fn words_plain(text: &str, in_word: bool) -> (usize, bool) {
    if text.is_empty() {
        return (0, in_word);
    }
    let (lead, trail) = (text.starts_with(' '), text.ends_with(' '));
    let spaces = memchr::memchr_iter(b' ', text.as_bytes()).count();
    let pieces = (spaces + 1).saturating_sub(usize::from(lead) + usize::from(trail));
    (pieces.saturating_sub(usize::from(in_word && !lead)), !trail)
}

/// `words_plain` for any text: a word ends at each whitespace that follows a non-empty piece.
fn words_general(text: &str, mut in_word: bool) -> (usize, bool) {
    let (mut words, mut next) = (0, 0);
    for (at, len) in whitespace(text) {
        if at > next {
            words += usize::from(!in_word);
        }
        in_word = false;
        next = at + len;
    }
    if text.len() > next {
        words += usize::from(!in_word);
        in_word = true;
    }
    (words, in_word)
}

/// Whether `text` is printable ASCII with no two spaces in a row, as most text is: then
/// collapsing whitespace has nothing to do but drop a leading space. Both scans are
/// vectorised, where the general path looks at one byte at a time.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let next = bytes.get(1..).unwrap_or_default();
    // Sums without branches, which the compiler turns into vector code.
    let unusual = (bytes.iter()).fold(0, |n, &b| n | u8::from(b.wrapping_sub(b' ') > b'~' - b' '));
    let doubled = (bytes.iter().zip(next)).fold(0, |n, (&a, &b)| {
        n | (u8::from(a == b' ') & u8::from(b == b' '))
    });
    unusual | doubled == 0
}

/// The position and length of each whitespace character of `text` (as `char::is_whitespace`
/// says), looking at ASCII bytes without decoding them: most text is ASCII.
fn whitespace(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(at) {
            // Most bytes are printable ASCII: one comparison moves past them.
            if (b'!'..=b'~').contains(&b) {
                at += 1;
                continue;
            }
            let (white, len) = if b.is_ascii() {
                (
                    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'),
                    1,
                )
            } else {
                let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or(' ');
                (c.is_whitespace(), c.len_utf8())
            };
            at += len;
            if white {
                return Some((at - len, len));
            }
        }
        None
    })
}

fn trim_end_space(buf: &mut String) {
    if buf.ends_with(' ') {
        buf.pop();
    }
}

/// Byte offset -> 1-based (line, char column), built lazily on the first link.
struct LineIndex<'a> {
    body: &'a str,
    /// Last answer (byte offset, 0-based line, 0-based column in chars): the next offset is
    /// most often further on, and only the text between them is read.
    cursor: (usize, usize, usize),
}

impl<'a> LineIndex<'a> {
    fn new(body: &'a str) -> Self {
        Self {
            body,
            cursor: (0, 0, 0),
        }
    }

    /// The 1-based line and column (in chars) of a byte offset of the body.
    fn locate(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.body.len());
        let (from, line, col) = match self.cursor {
            cursor if cursor.0 <= offset => cursor,
            _ => (0, 0, 0),
        };
        let between = &self.body.as_bytes()[from..offset];
        let (line, line_from, col) = match memchr::memrchr(b'\n', between) {
            Some(last) => {
                let newlines = memchr::memchr_iter(b'\n', between).count();
                (line + newlines, from + last + 1, 0)
            }
            None => (line, from, col),
        };
        let col = col
            + self
                .body
                .get(line_from..offset)
                .map_or(0, |s| s.chars().count());
        self.cursor = (offset, line, col);
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_found_as_char_is_whitespace_finds_it() {
        let text: String = (0..0x3100u32).filter_map(char::from_u32).collect();
        let expected: Vec<(usize, usize)> = text
            .char_indices()
            .filter(|(_, c)| c.is_whitespace())
            .map(|(i, c)| (i, c.len_utf8()))
            .collect();
        assert_eq!(whitespace(&text).collect::<Vec<_>>(), expected);
        for (before, text, after) in [
            ("", "  a\u{a0}\u{3000} b\n\n c ", "a b c "),
            ("x", " a  b\tc", "x a b c"),
            ("x ", " a", "x a"),
            ("x", "y z ", "xy z "),
            ("", "   ", ""),
        ] {
            let mut collapsed = before.to_string();
            push_collapsed(&mut collapsed, Piece::new(text));
            assert_eq!(collapsed, after, "{before:?} + {text:?}");
        }
    }

    proptest::proptest! {
        /// The fast path for plain text collapses and counts exactly as the general one.
        #[test]
        fn plain_text_takes_a_shortcut_to_the_same_result(
            text in "[ a-z,.]{0,12}( [a-z]{1,3}){0,3} ?",
            before in "(|x|x )",
            in_word: bool,
        ) {
            let double = text.contains("  ");
            proptest::prop_assert_eq!(is_plain(&text), !double);
            if !double {
                proptest::prop_assert_eq!(words_plain(&text, in_word), words_general(&text, in_word));
                let (mut fast, mut general) = (before.clone(), before.clone());
                push_collapsed(&mut fast, Piece::new(&text));
                push_collapsed_general(&mut general, &text);
                proptest::prop_assert_eq!(fast, general);
            }
        }

        /// Lines and columns come out the same whatever order the offsets are asked in.
        #[test]
        fn offsets_are_located_in_any_order(
            body in "[a\né\r ]{0,40}",
            offsets in proptest::collection::vec(0usize..50, 0..8),
        ) {
            let mut index = LineIndex::new(&body);
            for offset in offsets.into_iter().filter(|&o| body.is_char_boundary(o)) {
                let before = &body[..offset];
                let last_line = before.rsplit('\n').next().unwrap_or("");
                let expected = (before.matches('\n').count() + 1, last_line.chars().count() + 1);
                proptest::prop_assert_eq!(index.locate(offset), expected);
            }
        }
    }

    #[test]
    fn text_with_other_whitespace_or_double_spaces_is_not_plain() {
        for text in ["a  b", "a\tb", "a\nb", "caf\u{e9}", "a\u{a0}b", "\x7f"] {
            assert!(!is_plain(text), "{text:?}");
        }
        assert!(is_plain(" a b ~!"));
    }

    const PLAIN: Options = Options {
        smart_punctuation: false,
        heading_anchors: false,
        highlighter: None,
    };

    fn md(body: &str) -> Rendered {
        render(body, &PLAIN, &|_| None)
    }

    fn ids(r: &Rendered) -> Vec<&str> {
        r.headings.iter().map(|h| h.id.as_str()).collect()
    }

    #[test]
    fn slugify_falls_back_to_section() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("Æúű cool"), "aeuu-cool");
        assert_eq!(slugify("!!!"), "section");
        assert_eq!(slugify(""), "section");
    }

    #[test]
    fn section_search_text_stops_at_its_ellipsis() {
        // The first paragraph passes the limit; the second must not follow the ellipsis.
        // Words of 29 letters: the cut falls at 269 bytes, well short of the limit.
        let first = format!("{}word ", "w".repeat(25)).repeat(12);
        let r = md(&format!("## Long\n\n{first}\n\nSecond paragraph.\n"));
        let search: serde_json::Value = serde_json::from_str(&format!("[{}]", r.search)).unwrap();
        let text = search[0][0][2].as_str().unwrap();
        assert!(text.ends_with("word…"), "{text}");
        assert!(!text.contains("Second"), "{text}");
        assert!(
            text.len() <= SECTION_TEXT + '…'.len_utf8(),
            "{}",
            text.len()
        );
    }

    #[test]
    fn ids_from_plain_text() {
        let r = md("# Getting *Started* `now`\n\n## Be   independent!\n");
        assert_eq!(ids(&r), ["getting-started-now", "be-independent"]);
        assert_eq!(r.headings[0].title, "Getting Started now");
        assert_eq!(r.headings[0].level, 1);
        assert_eq!(r.headings[1].title, "Be independent!");
        assert!(
            r.html
                .contains("<h1 id=\"getting-started-now\">Getting <em>Started</em>")
        );
    }

    #[test]
    fn explicit_id_and_classes_win() {
        let r = md("## Intro {#custom-id .wide data-x=y}\n");
        assert_eq!(ids(&r), ["custom-id"]);
        assert_eq!(r.headings[0].title, "Intro");
        assert!(
            r.html
                .contains("<h2 id=\"custom-id\" class=\"wide\" data-x=\"y\">Intro</h2>")
        );
    }

    #[test]
    fn duplicate_ids_are_suffixed() {
        let r = md("# A\n# A\n# A\n# A-1\n");
        assert_eq!(ids(&r), ["a", "a-1", "a-2", "a-1-1"]);
        let r = md("# a\n# a\n# a-1\n# a\n");
        assert_eq!(ids(&r), ["a", "a-1", "a-1-1", "a-2"]);
        let r = md("# a-1\n# a\n# a\n");
        assert_eq!(ids(&r), ["a-1", "a", "a-2"]);
        let r = md("## x {#dup}\n## y {#dup}\n");
        assert_eq!(ids(&r), ["dup", "dup-1"]);
        assert_eq!(
            r.repeated_ids,
            [("dup".to_string(), 2)],
            "an error for the caller"
        );
        let r = md("## Foo {#}\n");
        assert_eq!(ids(&r), ["foo"]);
    }

    #[test]
    fn alerts_definition_lists_and_fence_languages() {
        let r = md(
            "> [!WARNING]\n> Mind the step.\n\nTerm\n: Its meaning.\n\n```rust,editable\nfn main() {}\n```\n\n```{.python title=x}\npass\n```\n",
        );
        assert!(
            r.html.contains("<div class=\"markdown-alert markdown-alert-warning\" role=\"note\" aria-label=\"Warning\">\n<p class=\"markdown-alert-title\">Warning</p>\n<p>Mind the step.</p>\n</div>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<dl>") && r.html.contains("<dt>Term</dt>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<dd>Its meaning.</dd>"), "{}", r.html);
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code class=\"language-rust\">"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code class=\"language-python\">"),
            "{}",
            r.html
        );
    }

    #[test]
    fn footnotes_have_ids_of_their_own() {
        let r = md("## Note\n\nText[^note], again[^note], other[^b].\n\n[^b]: B.\n\n[^note]: N.\n");
        assert_eq!(ids(&r), ["note"]);
        assert_eq!(r.html.matches("id=\"note\"").count(), 1, "{}", r.html);
        assert_eq!(
            r.html.matches("<a href=\"#fn-note\">1</a>").count(),
            2,
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"#fn-b\">2</a>"), "{}", r.html);
        assert!(
            r.html.contains("<div class=\"footnote-definition\" id=\"fn-note\"><sup class=\"footnote-definition-label\">1</sup>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn ids_follow_github_s_rule() {
        for (heading, id) in [
            ("What's new", "whats-new"),
            ("`--open`", "--open"),
            ("snake_case", "snake_case"),
            ("Running `mdbook`", "running-mdbook"),
            ("Über Café 2.0", "über-café-20"),
            ("C++ & Rust: a *tour*", "c--rust-a-tour"),
            ("Step 1: Accept", "step-1-accept"),
        ] {
            let r = md(&format!("## {heading}\n"));
            assert_eq!(ids(&r), [id], "{heading}");
        }
        assert!(
            md("## A\n## A\n").repeated_ids.is_empty(),
            "only explicit ids"
        );
    }

    #[test]
    fn markup_only_and_emoji_headings() {
        let r = md("# <span></span>\n# **`   `**\n# ![](x.png)\n# \u{E000}\n# \u{1F980}\n");
        // Symbols and emoji are dropped, as GitHub drops them; nothing left is "section".
        assert_eq!(
            ids(&r),
            [
                "section",
                "section-1",
                "section-2",
                "section-3",
                "section-4"
            ]
        );
        assert_eq!(r.headings[4].title, "\u{1F980}");
    }

    #[test]
    fn anchors_on_and_off() {
        let on = Options {
            smart_punctuation: false,
            heading_anchors: true,
            highlighter: None,
        };
        let r = render("## Hi there\n", &on, &|_| None);
        assert_eq!(
            r.html,
            "<h2 id=\"hi-there\">Hi there<a class=\"anchor\" href=\"#hi-there\" \
             aria-label=\"Link to this section\">#</a></h2>\n"
        );
        let r = render("## Q {#a\"b}\n", &on, &|_| None);
        assert!(r.html.contains("href=\"#a&quot;b\""), "{}", r.html);
        let r = md("## Hi there\n");
        assert_eq!(r.html, "<h2 id=\"hi-there\">Hi there</h2>\n");
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
    fn link_rewriting() {
        let rw = |d: &str| {
            d.strip_prefix("../steps/")
                .and_then(|rest| rest.split_once(".md"))
                .map(|(stem, frag)| format!("../{stem}/{frag}"))
        };
        let r = render(
            "See [x](../steps/02-improve.md#be-independent) and [y](https://a.b/).\n",
            &PLAIN,
            &rw,
        );
        assert!(
            r.html
                .contains("<a href=\"../02-improve/#be-independent\">x</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"https://a.b/\">y</a>"));
        let dests: Vec<&str> = r.links.iter().map(|l| l.dest.as_str()).collect();
        assert_eq!(dests, ["../02-improve/#be-independent", "https://a.b/"]);
    }

    #[test]
    fn link_and_image_positions() {
        let body = "# T\n\nabc [a](one.md) é ![i](p.png)\n\n> <https://x.y>\n\n[r][ref] x[^n]\n\n[ref]: two.md\n[^n]: note\n## [h](three.md)\n";
        let r = render(body, &PLAIN, &|d| {
            (d == "one.md").then(|| "one.html".to_owned())
        });
        let got: Vec<(&str, usize, usize)> = r
            .links
            .iter()
            .map(|l| (l.dest.as_str(), l.line, l.col))
            .collect();
        assert_eq!(
            got,
            [
                ("one.html", 3, 5),
                ("p.png", 3, 19),
                ("https://x.y", 5, 3),
                ("two.md", 7, 1),
                ("three.md", 11, 4)
            ]
        );
        assert!(r.html.contains("<img src=\"p.png\" alt=\"i\" />"));
        assert!(r.html.contains("href=\"one.html\""));
    }

    #[test]
    fn a_raw_srcset_has_each_url_rewritten_and_located() {
        let body = "<picture><source srcset=\"a.png 1x, b.png 2x\"><img src=\"a.png\" alt=\"x\"></picture>\n";
        let r = render(body, &PLAIN, &|d| Some(format!("/g/{d}")));
        assert!(
            r.html.contains("srcset=\"/g/a.png 1x, /g/b.png 2x\""),
            "{}",
            r.html
        );
        let got: Vec<(&str, usize)> = (r.links.iter()).map(|l| (l.dest.as_str(), l.col)).collect();
        assert_eq!(got, [("/g/a.png", 26), ("/g/b.png", 36), ("/g/a.png", 56)]);
    }

    #[test]
    fn raw_html_links_are_rewritten_and_located() {
        let body = "Text <a href=\"one.md\">one</a>.\n\n> <img alt=\"x\"\n>   src=\"p&amp;q.png\">\n\n<div><a href='#top' id=\"one.md\">up</a>\n<a\nhref=\"one.md\">again</a></div>\n";
        let r = render(body, &PLAIN, &|d| (d != "#top").then(|| format!("/g/{d}")));
        let got: Vec<(&str, &str, bool, usize, usize)> = (r.links.iter())
            .map(|l| (l.dest.as_str(), l.written.as_str(), l.raw, l.line, l.col))
            .collect();
        assert_eq!(
            got,
            [
                ("/g/one.md", "one.md", true, 1, 15),
                ("/g/p&q.png", "p&q.png", true, 4, 10),
                ("#top", "#top", true, 6, 15),
                ("/g/one.md", "one.md", true, 8, 7),
            ]
        );
        assert!(
            r.html.contains("<a href=\"/g/one.md\">one</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("src=\"/g/p&amp;q.png\">"), "{}", r.html);
        assert!(
            r.html.contains("id=\"one.md\""),
            "ids are left alone: {}",
            r.html
        );
        assert!(
            r.html.contains("<a\nhref=\"/g/one.md\">again</a>"),
            "{}",
            r.html
        );
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
    fn fenced_code_with_a_language_is_highlighted_whole() {
        let opts = Options {
            highlighter: Some(Arc::default()),
            ..PLAIN
        };
        let body = "```rust\nlet a = 1;\n\nlet b = \"<b>\";\n```\n\n```nolang\nx < y\n```\n\n    indented <i>\n";
        let r = render(body, &opts, &|_| None);
        assert!(
            r.html
                .contains("<code class=\"language-rust\"><span class=\"hl-source hl-rust\">"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("&quot;</span>&lt;b&gt;<span"),
            "text is escaped: {}",
            r.html
        );
        assert!(
            r.html
                .contains("<code class=\"language-nolang\">x &lt; y\n</code>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code>indented &lt;i&gt;\n</code></pre>"),
            "{}",
            r.html
        );
        assert_eq!(r.word_count, 13, "the code's words still count");
        assert!(r.search.contains("let b"), "and are searched: {}", r.search);
        let fresh = Options {
            highlighter: Some(Arc::default()),
            ..PLAIN
        };
        render("```\nx\n```\n\n    y\n\n`z`\n", &fresh, &|_| None);
        let loaded = fresh.highlighter.as_ref().is_some_and(|h| h.loaded());
        assert!(!loaded, "no fence with a language: nothing loaded");
    }

    #[test]
    fn summary_first_paragraph() {
        let r = md(
            "# Title\n\n![](badge.svg)\n\nThis *is*  the\n**first** [para](x.md) `code`.\n\nSecond.\n",
        );
        assert_eq!(r.summary, "This is the first para code.");
        assert_eq!(
            md("# Only\n\n- tight\n- list\n\n```\ncode\n```\n").summary,
            ""
        );
        assert_eq!(md("").summary, "");
    }

    #[test]
    fn word_count() {
        let r =
            md("# Two words\n\nOne *two* three`four` foo\\*bar.\n\n- a\n- b\n\n```\nx y\n```\n");
        assert_eq!(r.word_count, 2 + 4 + 2 + 2);
        let smart = Options {
            smart_punctuation: true,
            heading_anchors: false,
            highlighter: None,
        };
        assert_eq!(render("it's \"fine\"", &smart, &|_| None).word_count, 2);
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
    fn raw_html_passthrough() {
        let body = "<div class=\"note\">\n<b>raw</b>\n</div>\n\ntext <span id=\"s\">in</span>\n";
        let r = md(body);
        assert!(
            r.html
                .starts_with("<div class=\"note\">\n<b>raw</b>\n</div>\n")
        );
        assert!(r.html.contains("<span id=\"s\">in</span>"));
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

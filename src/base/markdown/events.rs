//! The event filter between pulldown-cmark and the HTML writer, `Events`: headings, footnotes,
//! links, the summary, search text and word count (blocks and code are `blocks`, raw HTML `raw`).

use std::collections::VecDeque;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::blocks::{Code, block};
use super::ids::{heading_id, unique_id};
use super::text::{
    LineIndex, Piece, TextSection, push_collapsed, trim_end_space, words_general, words_plain,
};
use super::{Heading, Link, SECTION_TEXT};

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Summary {
    Before,
    In,
    Done,
}

/// The event transformer fed to `push_html`; collects headings, links, summary and word count on the way.
pub(super) struct Events<'a, 'r, I> {
    pub(super) inner: I,
    /// Fenced code with a language, being gathered to be highlighted.
    pub(super) code: Code<'r>,
    pub(super) anchors: bool,
    pub(super) rewrite: &'r dyn Fn(&str) -> Option<String>,
    pub(super) lines: LineIndex<'a>,
    /// Events ready to emit; while inside a heading, the heading's buffered content.
    pub(super) queue: VecDeque<Event<'a>>,
    /// The start tag of the heading being buffered.
    pub(super) heading: Option<Tag<'a>>,
    pub(super) title: String,
    /// Used id -> next numeric suffix to try when it is repeated.
    pub(super) ids: ahash::AHashMap<String, usize>,
    pub(super) headings: Vec<Heading>,
    pub(super) links: Vec<Link>,
    pub(super) summary: Summary,
    pub(super) summary_text: String,
    pub(super) word_count: usize,
    pub(super) in_word: bool,
    /// Indexes into `links` of the links and images whose text is being read.
    pub(super) open_links: Vec<usize>,
    pub(super) heading_line: usize,
    pub(super) sections: Vec<TextSection>,
    pub(super) repeated_ids: Vec<(String, usize)>,
    /// Each footnote label's number, in the order first met.
    pub(super) footnotes: ahash::AHashMap<String, usize>,
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
    pub(super) fn observe(&mut self, mut ev: Event<'a>, start: usize) -> Option<Event<'a>> {
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
        let (now, then) = self.code.gather(ev);
        if let Some(then) = then {
            self.queue.push_back(block(then));
        }
        now.map(block)
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

#[cfg(test)]
mod tests {
    use crate::base::markdown::tests::{PLAIN, ids, md};
    use crate::base::markdown::{Options, SECTION_TEXT, render};

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
}

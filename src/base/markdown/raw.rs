//! Raw HTML in Markdown: its links rewritten and located in the body as Markdown's own are.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag};

use super::Link;
use super::events::Events;

impl<'a, I> Events<'a, '_, I> {
    /// Rewrites the `href` and `src` values of raw HTML as Markdown links are rewritten, and
    /// records each. `pieces` maps offsets in `html` to offsets in the body: (in `html`, in
    /// the body), one per piece the HTML was gathered from.
    pub(super) fn raw_html(&mut self, html: CowStr<'a>, pieces: &[(usize, usize)]) -> CowStr<'a> {
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
    pub(super) fn html_block(&mut self) -> Event<'a>
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

#[cfg(test)]
mod tests {
    use crate::base::markdown::render;
    use crate::base::markdown::tests::{PLAIN, md};

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
    fn raw_html_passthrough() {
        let body = "<div class=\"note\">\n<b>raw</b>\n</div>\n\ntext <span id=\"s\">in</span>\n";
        let r = md(body);
        assert!(
            r.html
                .starts_with("<div class=\"note\">\n<b>raw</b>\n</div>\n")
        );
        assert!(r.html.contains("<span id=\"s\">in</span>"));
    }
}

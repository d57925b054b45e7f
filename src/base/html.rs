//! Scanning rendered HTML: the `href`, `src`, `srcset` and `id` values of its tags (skipping
//! comments, scripts and styles), and rewriting `href`/`src`/`srcset` values in place.

use std::borrow::Cow;

/// Collects the values of `href`, `src` and `id` attributes of the tags, entities decoded.
/// Links are borrowed from `html` where they hold no entity: most are dropped by `triage`.
pub fn scan(html: &str) -> (Vec<Cow<'_, str>>, Vec<String>) {
    let mut links = Vec::new();
    let mut ids = Vec::new();
    walk(html, &mut |attr, value| match attr {
        "id" => ids.push(decode_entities(value).into_owned()),
        "srcset" => {
            let value = decode_entities(value);
            let urls = srcset_urls(&value).into_iter();
            links.extend(urls.map(|(_, url)| Cow::Owned(url.to_string())));
        }
        _ => links.push(decode_entities(value)),
    });
    (links, ids)
}

/// The URLs of a `srcset` value (`a.png 1x, b.png 2x`), each with its byte offset in it,
/// read as HTML reads them: a URL runs to whitespace (it may hold a comma), and its
/// descriptors to the next comma. A `data:` URL is left out.
pub fn srcset_urls(value: &str) -> Vec<(usize, &str)> {
    let bytes = value.as_bytes();
    let mut urls = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        at = skip(bytes, at, |b| b.is_ascii_whitespace() || b == b',');
        let start = at;
        at = skip(bytes, at, |b| !b.is_ascii_whitespace());
        let url = value[start..at].trim_end_matches(',');
        if !url.is_empty() && !url.starts_with("data:") {
            urls.push((start, url));
        }
        if url.len() < at - start {
            continue; // It ended with a comma: no descriptors.
        }
        // Its descriptors, up to a comma outside parentheses.
        let mut depth = 0usize;
        while let Some(&b) = bytes.get(at) {
            at += 1;
            match b {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => break,
                _ => {}
            }
        }
    }
    urls
}

/// Rewrites the `href`, `src` and `id` values for which `change` (given the attribute name
/// and its decoded value) returns a new value; everything else is copied as it is.
pub fn rewrite_attributes(
    html: &str,
    change: &mut dyn FnMut(&str, &str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut copied = 0;
    let base = html.as_ptr() as usize;
    walk(html, &mut |attr, value| {
        if let Some(new) = change(attr, &decode_entities(value)) {
            let start = value.as_ptr() as usize - base;
            out.push_str(&html[copied..start]);
            out.push_str(&crate::base::escape::html(&new));
            copied = start + value.len();
        }
    });
    out.push_str(&html[copied..]);
    out
}

/// Rewrites the `href` and `src` values of raw HTML written by an author. `change` gets the
/// attribute's name, its decoded value and the value's byte offset in `html`; a new value
/// is escaped and put in its place. None when nothing changed.
pub fn rewrite_links(
    html: &str,
    change: &mut dyn FnMut(&str, &str, usize) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    let base = html.as_ptr() as usize;
    walk(html, &mut |attr, value| {
        let start = value.as_ptr() as usize - base;
        if attr == "id" {
            return;
        }
        if let Some(new) = change(attr, &decode_entities(value), start) {
            out.push_str(&html[copied..start]);
            out.push_str(&crate::base::escape::html(&new));
            copied = start + value.len();
        }
    });
    (copied > 0).then(|| {
        out.push_str(&html[copied..]);
        out
    })
}

/// Calls `found` with the name (`href`, `src` or `id`, matched in any case) and raw value
/// of each of those attributes of every tag. Nothing is allocated for the others, and the
/// markup is read byte by byte: every delimiter is ASCII, so each cut is a char boundary.
fn walk<'h>(html: &'h str, found: &mut dyn FnMut(&str, &'h str)) {
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(lt) = bytes.get(at..).and_then(|rest| memchr::memchr(b'<', rest)) {
        at += lt + 1;
        match bytes.get(at) {
            Some(b) if b.is_ascii_alphanumeric() => {}
            // A comment is skipped whole; `<!doctype>`, a closing tag (`</p>`) and a lone
            // `<` have no attributes: most tags are skipped here.
            Some(b'!') if bytes[at..].starts_with(b"!--") => {
                let comment = at + 3;
                at = memchr::memmem::find(&bytes[comment..], b"-->")
                    .map_or(bytes.len(), |end| comment + end + 3);
                continue;
            }
            _ => continue,
        }
        let name_end = skip(bytes, at, |b| b.is_ascii_alphanumeric());
        let name = &bytes[at..name_end];
        at = match bytes.get(name_end) {
            Some(b'>') => name_end + 1,
            _ => attributes(html, name_end, found),
        };
        // The text of a script or style element is not markup.
        if name.len() >= 5 {
            let raw_text = [&b"script"[..], b"style"]
                .into_iter()
                .find(|t| name.eq_ignore_ascii_case(t));
            if let Some(tag) = raw_text {
                let close = [&b"</"[..], tag].concat();
                at = memchr::memmem::find(&bytes[at..], &close).map_or(bytes.len(), |end| at + end);
            }
        }
    }
}

/// The first position from `at` whose byte does not pass `keep`.
fn skip(bytes: &[u8], at: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut i = at.min(bytes.len());
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

/// Reads the attributes of the tag whose name ends at `at`, up to its `>`, calling `found`
/// for the ones `walk` reports; returns the position after the tag.
fn attributes<'h>(html: &'h str, mut at: usize, found: &mut dyn FnMut(&str, &'h str)) -> usize {
    let bytes = html.as_bytes();
    loop {
        at = skip(bytes, at, |b| b.is_ascii_whitespace() || b == b'/');
        match bytes.get(at) {
            None => return bytes.len(),
            Some(b'>') => return at + 1,
            Some(_) => {}
        }
        let name_start = at;
        at = skip(bytes, at, |b| {
            !(b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/'))
        });
        let wanted = wanted_attribute(&bytes[name_start..at]);
        at = skip(bytes, at, |b| b.is_ascii_whitespace());
        if bytes.get(at) != Some(&b'=') {
            continue;
        }
        at = skip(bytes, at + 1, |b| b.is_ascii_whitespace());
        let (start, end, next) = match bytes.get(at) {
            Some(&quote @ (b'"' | b'\'')) => {
                let end = (bytes
                    .get(at + 1..)
                    .and_then(|rest| memchr::memchr(quote, rest)))
                .map_or(bytes.len(), |n| at + 1 + n);
                (at + 1, end, (end + 1).min(bytes.len()))
            }
            _ => {
                let end = skip(bytes, at, |b| !(b.is_ascii_whitespace() || b == b'>'));
                (at, end, end)
            }
        };
        if let Some(name) = wanted {
            found(name, html.get(start..end).unwrap_or(""));
        }
        at = next;
    }
}

/// `href`, `src` or `id` when `name` is one of them in any case (told apart by length).
fn wanted_attribute(name: &[u8]) -> Option<&'static str> {
    let wanted = match name.len() {
        4 => "href",
        3 => "src",
        2 => "id",
        6 => "srcset",
        _ => return None,
    };
    name.eq_ignore_ascii_case(wanted.as_bytes())
        .then_some(wanted)
}

/// `value` with every character reference decoded as a browser decodes it in an attribute:
/// numeric ones and all of HTML5's named ones (`&sol;`, `&#47;`, `&amp;`).
fn decode_entities(value: &str) -> Cow<'_, str> {
    htmlize::unescape_attribute(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_attributes_not_text() {
        let html = r#"<a href="/a/">x</a> href="no" <h2 id='t'>t</h2><img src="i.png" alt="">
            <p>data-href="nope" title="href=fake"</p><a href="/q?a=1&amp;b=2">"#;
        let (links, ids) = scan(html);
        assert_eq!(links, vec!["/a/", "i.png", "/q?a=1&b=2"]);
        assert_eq!(ids, vec!["t"]);
    }

    /// Regression: only seven named references were decoded, so `&#47;` or `&sol;` in a
    /// template's href made a false broken link.
    #[test]
    fn every_character_reference_is_decoded() {
        let html = "<a href=\"&#47;guide&#47;\"><a href='&sol;a&sol;'><a href=&#x2F;b&#X2f;>\
            <a href=\"&period;&period;&sol;c&num;d\"><a href=\"/q?a=1&amp;b=2&quot;\">\
            <h2 id=\"caf&eacute;&#233;\"><a href=\"/e?x=1&copy=2&notit;\"><a href=\"&#0;&#x110000;\">";
        let (links, ids) = scan(html);
        assert_eq!(
            links,
            vec![
                "/guide/",
                "/a/",
                "/b/",
                "../c#d",
                "/q?a=1&b=2\"",
                // In an attribute, a reference without its `;` before `=` or a letter or
                // digit stays as written (`&copy=`, `&not` of `&notit;`), as browsers read it.
                "/e?x=1&copy=2&notit;",
                "\u{fffd}\u{fffd}",
            ]
        );
        assert_eq!(ids, vec!["caféé"]);
        assert!(
            matches!(scan("<a href=\"/plain/\">").0[0], Cow::Borrowed(_)),
            "a value without a reference is borrowed"
        );
    }

    #[test]
    fn srcset_gives_each_of_its_urls() {
        assert_eq!(
            srcset_urls("a.png, b.png 2x,c.png 300w , data:image/png;base64,xx 1x"),
            vec![(0, "a.png"), (7, "b.png"), (16, "c.png")]
        );
        let (links, _) = scan("<img srcset=\"a.png 1x, b&amp;c.png 2x\" src=d.png>");
        assert_eq!(links, vec!["a.png", "b&c.png", "d.png"]);
    }

    #[test]
    fn raw_links_are_rewritten_at_their_offsets() {
        let html = "<a href=\"a.md#x\" id=\"k\"><img alt=\"\" src='p&amp;q.png'>";
        let mut seen = Vec::new();
        let out = rewrite_links(html, &mut |attr, value, at| {
            seen.push((attr.to_string(), value.to_string(), at));
            Some(format!("/g/{value}"))
        });
        assert_eq!(
            out.as_deref(),
            Some("<a href=\"/g/a.md#x\" id=\"k\"><img alt=\"\" src='/g/p&amp;q.png'>")
        );
        assert_eq!(
            seen,
            vec![
                ("href".to_string(), "a.md#x".to_string(), 9),
                ("src".to_string(), "p&q.png".to_string(), 41),
            ]
        );
        assert_eq!(rewrite_links(html, &mut |_, _, _| None), None);
        assert_eq!(
            rewrite_links("<p>no tags", &mut |_, _, _| Some("x".into())),
            None
        );
    }

    #[test]
    fn scan_skips_comments_raw_text_and_closing_tags() {
        let html = "<!DOCTYPE html><!-- <a href=\"/c\"> --><P ID=up></P><script>let a = '<a href=\"/s\">';</script>\
            <STYLE>x{}</style><img\nSRC = i.png alt=x/><a href='/q' id=\"\">t</a><br/><a hreflang=en href=/h>";
        let (links, ids) = scan(html);
        assert_eq!(links, vec!["i.png", "/q", "/h"]);
        assert_eq!(ids, vec!["up", ""]);
        let (links, _) = scan("<a href=\"/open");
        assert_eq!(
            links,
            vec!["/open"],
            "a value cut off by the end of the file"
        );
        assert_eq!(scan("<script><a href=/x>").0, Vec::<Cow<str>>::new());
    }
}

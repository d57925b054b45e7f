//! Finds what a page loads, from disk: the subresources its HTML references
//! (stylesheets, scripts, images, media, frames, icons) and, inside stylesheets,
//! `url(...)` and `@import`. Used to weigh pages and to catch references to other hosts.

/// Where a reference points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A URL path on the site's own host, query and fragment removed (`/guide/style.css`).
    Local(String),
    /// Another host, kept as written.
    External(String),
}

/// Resolves `reference` found in the resource at `base_path` (a URL path), for a site
/// served at `origin` (`http://127.0.0.1:1234`). `None` for inline data and fragments.
pub fn resolve(reference: &str, base_path: &str, origin: &str) -> Option<Target> {
    let reference = reference.trim().replace("&amp;", "&");
    let lower = reference.to_ascii_lowercase();
    if reference.is_empty() || reference.starts_with('#') || lower.starts_with("data:") {
        return None;
    }
    let path = if let Some(rest) = reference.strip_prefix(origin) {
        if !(rest.is_empty() || rest.starts_with(['/', '?', '#'])) {
            return Some(Target::External(reference));
        }
        rest.to_owned()
    } else if reference.starts_with("//") || lower.contains(':') && !reference.starts_with('/') {
        // A scheme (http:, https:, ...) or a protocol-relative URL: another host.
        return Some(Target::External(reference));
    } else if reference.starts_with('/') {
        reference
    } else {
        let dir = &base_path[..=base_path.rfind('/').unwrap_or(0)];
        format!("{dir}{reference}")
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Some(Target::Local(normalize(path)))
}

/// Removes `.` and `..` segments from an absolute URL path.
fn normalize(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let ends_with_slash = path.ends_with('/');
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    if ends_with_slash && out.len() > 1 {
        out.push('/');
    }
    out
}

/// The subresource references in an HTML document, in document order.
pub fn html_references(html: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = tag_end(rest) else { break };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let attrs = attributes(&tag[name.len()..]);
        let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let mut push = |value: Option<String>| refs.extend(value);
        match name.as_str() {
            "link" => {
                let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                let loads = rel.split_ascii_whitespace().any(|r| {
                    matches!(
                        r,
                        "stylesheet"
                            | "icon"
                            | "apple-touch-icon"
                            | "preload"
                            | "modulepreload"
                            | "manifest"
                    )
                });
                if loads {
                    push(attr("href"));
                }
            }
            "script" | "iframe" | "embed" | "track" | "audio" | "frame" => push(attr("src")),
            "img" | "source" => {
                push(attr("src"));
                for candidate in attr("srcset").unwrap_or_default().split(',') {
                    push(candidate.split_ascii_whitespace().next().map(str::to_owned));
                }
            }
            "video" => {
                push(attr("src"));
                push(attr("poster"));
            }
            "input" if attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => {
                push(attr("src"))
            }
            "object" => push(attr("data")),
            "image" | "use" | "feimage" => {
                push(
                    attr("href")
                        .or_else(|| attr("xlink:href"))
                        .filter(|h| !h.starts_with('#')),
                );
            }
            "style" => {
                let body_end = rest
                    .to_ascii_lowercase()
                    .find("</style")
                    .unwrap_or(rest.len());
                refs.extend(css_references(&rest[..body_end]));
                rest = &rest[body_end..];
            }
            _ => {}
        }
        if let Some(style) = attr("style") {
            refs.extend(css_references(&style));
        }
    }
    refs
}

/// The index of the `>` closing the tag that starts `s`, skipping quoted values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `(lowercased name, value)` pairs of a tag's attribute text.
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '=' | '/' | '>') {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], '"' | '\'') {
                let quote = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && !chars[i].is_whitespace() {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        out.push((name, value));
    }
    out
}

/// The `url(...)` and `@import "..."` references in CSS text.
pub fn css_references(css: &str) -> Vec<String> {
    let css = strip_css_comments(css);
    let mut refs = Vec::new();
    let lower = css.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("url(") {
        let start = from + at + 4;
        let end = css[start..].find(')').map_or(css.len(), |e| start + e);
        refs.push(unquote(&css[start..end]));
        from = end;
    }
    let mut from = 0;
    while let Some(at) = lower[from..].find("@import") {
        let start = from + at + "@import".len();
        let value = css[start..].trim_start();
        if let Some(quote @ ('"' | '\'')) = value.chars().next()
            && let Some(end) = value[1..].find(quote)
        {
            refs.push(value[1..=end].to_owned());
        }
        from = start;
    }
    refs
}

fn strip_css_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(['"', '\'']).trim().to_owned()
}

/// Unit tests of this module, run by the harness of tests/browser.rs.
pub mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8000";

    pub fn finds_subresources_in_html() {
        let html = r##"<!doctype html><link rel="icon" href="data:,"><link rel=stylesheet href="/guide/style.css?h=1">
<!-- <img src="commented.png"> --><link rel="canonical" href="http://127.0.0.1:8000/guide/">
<a href="x.png">not loaded</a><img alt="a > b" src='pic.png' srcset="a.png 1x, b.png 2x">
<script src="https://cdn.example.com/x.js"></script><div style="background:url(bg.svg)"></div>
<svg><use href="#icon"/><image xlink:href="i.png"/></svg><style>@import "more.css"; p{background:url( 'p.gif' )}</style>"##;
        assert_eq!(
            html_references(html),
            [
                "data:,",
                "/guide/style.css?h=1",
                "pic.png",
                "a.png",
                "b.png",
                "https://cdn.example.com/x.js",
                "bg.svg",
                "i.png",
                "p.gif",
                "more.css",
            ]
        );
    }

    pub fn resolves_references() {
        let base = "/guide/steps/x/";
        let local = |p: &str| Some(Target::Local(p.to_owned()));
        assert_eq!(resolve("data:,", base, ORIGIN), None);
        assert_eq!(resolve("#top", base, ORIGIN), None);
        assert_eq!(
            resolve("/guide/style.css?h=1", base, ORIGIN),
            local("/guide/style.css")
        );
        assert_eq!(
            resolve("../../style.css", base, ORIGIN),
            local("/guide/style.css")
        );
        assert_eq!(
            resolve("pic.png#a", base, ORIGIN),
            local("/guide/steps/x/pic.png")
        );
        assert_eq!(
            resolve("http://127.0.0.1:8000/guide/a.css", base, ORIGIN),
            local("/guide/a.css")
        );
        for external in [
            "https://cdn.example.com/x.js",
            "//cdn.example.com/x.js",
            "http://127.0.0.1:80001/x",
        ] {
            assert_eq!(
                resolve(external, base, ORIGIN),
                Some(Target::External(external.to_owned()))
            );
        }
    }

    pub fn finds_css_references() {
        let css = "/* url(no.png) */ @import 'a.css'; b{background:url(\"b.svg\")} @font-face{src:url(f.woff2) format('woff2')}";
        assert_eq!(css_references(css), ["b.svg", "f.woff2", "a.css"]);
    }
}

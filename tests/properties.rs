#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests of the promise: whatever is in content/, rekindle answers with a site or
//! a located error, never a panic; the same input gives the same bytes; the dev server's
//! request resolution never names a file outside the site.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use rekindle::base::markdown::{self, Options};
use rekindle::input::content::{PageMeta, SectionMeta, parse_document};
use rekindle::model::site::{LinkIndex, rewrite_link};
use rekindle::serve::server::{Resolved, resolve};
use rekindle::{Error, Mode, Overrides};

use common::{Site, copy_tree, fixture, snapshot};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are reported by the test output; no regression files in the work tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Builds the project in `dir` in-process into `dest`.
fn build_into(dir: &Path, dest: &Path) -> rekindle::Result<rekindle::Report> {
    let overrides = Overrides {
        dest_dir: Some(dest.to_path_buf()),
        ..Overrides::default()
    };
    rekindle::build(dir, &overrides, Mode::Build)
}

// ---------------------------------------------------------------------------------------
// Arbitrary bytes as a content file
// ---------------------------------------------------------------------------------------

/// Lines that look like front matter, good and bad.
fn front_matter_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("title: A page".to_string()),
        Just("title: [unclosed".to_string()),
        Just("weight: 99999999999999999999".to_string()),
        Just("date: 2025-02-30".to_string()),
        Just("date: 2025-01-22".to_string()),
        Just("tags: [a, B, c++]".to_string()),
        Just("draft: true".to_string()),
        Just("slug: second".to_string()),
        Just("template: nope.html".to_string()),
        Just("figures: [{label: x, value: 1}]".to_string()),
        Just("sources: [{publisher: p, url: ftp://x}]".to_string()),
        Just("extra: &a {b: *a}".to_string()),
        Just("wieght: 1".to_string()),
        Just("---".to_string()),
        "[ -~]{0,30}",
        any::<String>(),
    ]
}

fn content_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..600),
        // Valid front matter over an arbitrary body: the whole pipeline runs.
        prop_oneof![any::<String>(), markdownish()]
            .prop_map(|body| format!("---\ntitle: T\n---\n{body}").into_bytes()),
        (
            vec(front_matter_line(), 0..6),
            vec(any::<u8>(), 0..300),
            any::<bool>()
        )
            .prop_map(|(lines, body, close)| {
                let mut text = b"---\n".to_vec();
                for line in lines {
                    text.extend_from_slice(line.as_bytes());
                    text.push(b'\n');
                }
                if close {
                    text.extend_from_slice(b"---\n");
                }
                text.extend_from_slice(&body);
                text
            }),
    ]
}

#[test]
fn arbitrary_bytes_as_a_content_file_give_a_site_or_errors_naming_it() {
    let site = Site::new("basic");
    let rel = "content/guide/01-first.md";
    let file = site.join(rel);
    let shown = file.display().to_string();
    let dest = site.join("out");
    proptest!(config(128), |(bytes in content_bytes())| {
        fs::write(&file, &bytes).unwrap();
        if let Err(err) = build_into(site.path(), &dest) {
            for e in err.all() {
                let message = e.to_string();
                match e {
                    // The other pages link to this one: when it is gone or has no such
                    // heading, their links break, and those errors name them.
                    Error::Link(_) => {}
                    _ => prop_assert!(
                        message.contains(&shown),
                        "an error that does not name {rel}:\n{message}\ninput: {:?}",
                        String::from_utf8_lossy(&bytes)
                    ),
                }
                if let Some(d) = e.diagnostic()
                    && d.path == file
                    && d.line > 0
                {
                    let lines = bytes.split(|&b| b == b'\n').count();
                    prop_assert!(
                        d.line <= lines,
                        "line {} of a {lines}-line file:\n{message}", d.line
                    );
                }
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Arbitrary book.toml and templates
// ---------------------------------------------------------------------------------------

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "\"\"",
            "\"/\"",
            "\"/repo/\"",
            "\"https://example.github.io/guide/\"",
            "\"https://\"",
            "\"http://a b/\"",
            "\"https://a\\\"b/\"",
            "\"ftp://x/\"",
            "\"//x\"",
            "\"guide.example.com\"",
            "\"a/b\"",
            "\"</title><script>\"",
            "true",
            "false",
            "1",
            "-1e400",
            "nan",
            "[]",
            "[\"a\", 1]",
            "{}",
            "{ a = { b = [1, [2, [3]]] } }",
            "1979-05-27T07:32:00Z",
            "\"\"\"multi\nline\"\"\"",
            "'''lit'''",
            "\"unterminated",
        ])
        .prop_map(str::to_string),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[ -~]{0,12}",
    ]
}

fn toml_line() -> impl Strategy<Value = String> {
    let keys = select(vec![
        "title",
        "authors",
        "description",
        "language",
        "url",
        "cname",
        "smart-punctuation",
        "heading-anchors",
        "titel",
        "a",
        "\"quoted key\"",
        "x.y",
    ]);
    prop_oneof![
        4 => (keys, toml_value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => select(vec!["[book]", "[site]", "[markdown]", "[extra]", "[[book]]", "[book", "[nope]"])
            .prop_map(str::to_string),
        1 => "[ -~]{0,20}",
    ]
}

#[test]
fn arbitrary_book_toml_gives_a_site_or_an_error_naming_it() {
    let site = Site::new("basic");
    let file = site.join("book.toml");
    let shown = file.display().to_string();
    let dest = site.join("out");
    proptest!(config(128), |(lines in vec(toml_line(), 0..10), raw in vec(any::<u8>(), 0..64), title_first in any::<bool>())| {
        let mut text = String::new();
        if title_first {
            text.push_str("[book]\ntitle = \"T\"\n");
        }
        text.push_str(&lines.join("\n"));
        let mut bytes = text.into_bytes();
        if !title_first {
            bytes.extend_from_slice(&raw);
        }
        fs::write(&file, &bytes).unwrap();
        if let Err(err) = build_into(site.path(), &dest) {
            for e in err.all() {
                let message = e.to_string();
                prop_assert!(
                    message.contains(&shown),
                    "an error that does not name book.toml:\n{message}\ninput: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    });
}

fn tera_ish() -> impl Strategy<Value = String> {
    let tokens = vec![
        "{{ page.title }}",
        "{{ page.content | safe }}",
        "{{ page.nope }}",
        "{{ page.toc | length }}",
        "{{ url(path=\"x/\") }}",
        "{{ asset(path=\"style.css\") }}",
        "{{ asset(path=\"missing.css\") }}",
        "{{ 1 / 0 }}",
        "{{ \"a\" ~ 1 }}",
        "{{ page.weight * 99999999999 * 99999999999 }}",
        "{% if page.prev %}",
        "{% endif %}",
        "{% for t in page.tags %}",
        "{% endfor %}",
        "{% set x = [1, [2, [3]]] %}",
        "{% include \"base.html\" %}",
        "{% include \"page.html\" %}",
        "{% extends \"base.html\" %}",
        "{% block main %}",
        "{% endblock main %}",
        "{% raw %}",
        "{% endraw %}",
        "{#",
        "#}",
        "{{",
        "}}",
        "{%",
        "%}",
        "<a href=\"#nowhere\">",
        "<a href=\"/guide/\">",
        "{{ config.extra.a.b.c }}",
        "{{ page.title | urlencode }}",
        "{{ range(end=100000) | length }}",
    ];
    let piece = prop_oneof![
        3 => select(tokens).prop_map(str::to_string),
        1 => "[ -~\n]{0,10}",
        1 => any::<char>().prop_map(String::from),
    ];
    vec(piece, 0..20).prop_map(|p| p.concat())
}

#[test]
fn arbitrary_templates_give_a_site_or_an_error_naming_a_template() {
    let site = Site::new("basic");
    let page = site.join("themes/default/templates/page.html");
    let templates = site.join("themes/default/templates").display().to_string();
    let dest = site.join("out");
    proptest!(config(128), |(text in tera_ish())| {
        fs::write(&page, &text).unwrap();
        if let Err(err) = build_into(site.path(), &dest) {
            for e in err.all() {
                let message = e.to_string();
                prop_assert!(
                    message.contains(&templates),
                    "an error that does not name a template:\n{message}\ntemplate: {text:?}"
                );
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Arbitrary front matter values
// ---------------------------------------------------------------------------------------

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "~",
            "null",
            "yes",
            "no",
            "on",
            "true",
            "false",
            ".inf",
            "-.nan",
            "0x7fffffffffffffff",
            "0o777",
            "99999999999999999999999999999999",
            "-9223372036854775809",
            "9223372036854775807",
            "1e400",
            "-0.0",
            "2025-01-22",
            "2025-02-30",
            "2025-1-2",
            "0000-00-00",
            "\"\"",
            "''",
            "'it''s'",
            "\"\\u0000\\x85\\uFFFF\"",
            "!!binary aGk=",
            "!!str 3",
            "!custom tag",
            "&anchor value",
            "*anchor",
            "*undefined",
            "<<",
            "? complex",
            "@reserved",
            "`backtick",
            "%directive",
            "- dash",
            "a: b: c",
            "#comment",
            "\"unterminated",
            "'unterminated",
            "{",
            "}",
            "[",
            "]",
            "|",
            ">",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        "[a-zA-Z0-9 :#&*!|>'\"%@`,?\\-\\[\\]{}]{0,20}",
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    select(vec![
        "title",
        "weight",
        "tags",
        "date",
        "updated",
        "description",
        "extra",
        "draft",
        "slug",
        "template",
        "authors",
        "figures",
        "sources",
        "label",
        "value",
        "unit",
        "publisher",
        "url",
        "wieght",
        "sort_by",
        "page_template",
    ])
    .prop_map(str::to_string)
}

/// A flow-style YAML value: scalars, lists and mappings nested a few levels.
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(|v| format!("[{}]", v.join(", "))),
            vec((key(), inner), 0..5).prop_map(|kv| {
                let pairs: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", pairs.join(", "))
            }),
        ]
    })
}

/// One top-level entry: `key: value`, or a block list under the key.
fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (key(), value()).prop_map(|(k, v)| format!("{k}: {v}")),
        1 => (key(), vec(value(), 0..4)).prop_map(|(k, items)| {
            let mut s = format!("{k}:");
            for item in items {
                s.push_str("\n  - ");
                s.push_str(&item);
            }
            s
        }),
        1 => (key(), vec((key(), value()), 1..4)).prop_map(|(k, items)| {
            let mut s = format!("{k}:");
            for (ik, iv) in items {
                s.push_str(&format!("\n  - {ik}: {iv}"));
            }
            s
        }),
    ]
}

#[test]
fn arbitrary_front_matter_is_parsed_or_refused_with_a_located_error() {
    let path = Path::new("content/guide/01-first.md");
    proptest!(config(256), |(entries in vec(entry(), 0..8), body in "[ -~\n]{0,40}")| {
        let text = format!("---\n{}\n---\n{body}", entries.join("\n"));
        let lines = text.split('\n').count();
        let page = parse_document::<PageMeta>(path, "guide/01-first.md".into(), &text);
        let section = parse_document::<SectionMeta>(path, "guide/_index.md".into(), &text);
        for err in [page.err(), section.err()].into_iter().flatten() {
            let message = err.to_string();
            let d = err.diagnostic();
            prop_assert!(d.is_some(), "an unlocated error: {message}");
            let d = d.unwrap();
            prop_assert_eq!(&d.path, path);
            prop_assert!(
                d.line >= 1 && d.line <= lines,
                "line {} of {lines}: {message}\n--- input:\n{text}", d.line
            );
            prop_assert!(message.starts_with(&format!("{}:", path.display())), "{message}");
        }
    });
}

#[test]
fn weird_values_under_a_valid_title_are_parsed_or_refused_with_a_located_error() {
    let path = Path::new("content/guide/01-first.md");
    proptest!(config(256), |(extra in value(), tags in value(), weight in scalar(), date in scalar())| {
        let text = format!(
            "---\ntitle: T\nextra: {{a: {extra}}}\ntags: {tags}\nweight: {weight}\ndate: {date}\n---\n"
        );
        let lines = text.split('\n').count();
        if let Err(err) = parse_document::<PageMeta>(path, "guide/01-first.md".into(), &text) {
            let message = err.to_string();
            let d = err.diagnostic();
            prop_assert!(d.is_some(), "an unlocated error: {message}");
            let d = d.unwrap();
            prop_assert_eq!(&d.path, path);
            prop_assert!(
                (2..lines).contains(&d.line),
                "line {} of {lines}: {message}\n--- input:\n{text}", d.line
            );
        }
    });
}

// ---------------------------------------------------------------------------------------
// Arbitrary Markdown
// ---------------------------------------------------------------------------------------

fn markdownish() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "#*_[]()!<>`|-:> \n\n\n{}.~\\\"'=/&;aAbz09"
        .chars()
        .collect();
    let tokens = vec![
        "# ",
        "## ",
        "### ",
        "[a](b.md)",
        "[x](../_index.md#y)",
        "![i](img.png)",
        "{#id}",
        "{#a-1}",
        "```\n",
        "    ",
        "- ",
        "1. ",
        "> ",
        "| a | b |\n|---|---|\n",
        "[^1]",
        "[^1]: n\n",
        "<div>",
        "</div>",
        "<a href=\"b.md#y\">",
        "<img\n  src='img.png' alt=x>",
        "<a href=../_index.md>",
        "<img srcset=\"img.png 1x, b.md 2x,c.png\" alt=\"\">",
        "```rust,editable\n",
        "```{.python x=1}\n",
        "<!--",
        "-->",
        "\r\n",
        "\r",
        "\t",
        "***",
        "---\n",
        "===\n",
        "[ref]: <u v> \"t\"\n",
        "[ref]",
        "<https://x.y>",
        "&amp;",
    ];
    let piece = prop_oneof![
        4 => select(alphabet).prop_map(String::from),
        2 => select(tokens).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-zA-Zé漢🙂 ]{1,8}",
    ];
    vec(piece, 0..300).prop_map(|pieces| pieces.concat())
}

fn small_index(base: &str) -> LinkIndex {
    [
        ("_index.md", ""),
        ("guide/_index.md", "guide/"),
        ("guide/01-first.md", "guide/first/"),
        ("guide/b.md", "guide/b/"),
        ("b.md", "b/"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), format!("{base}{v}")))
    .collect()
}

#[test]
fn arbitrary_markdown_renders_with_unique_ids_and_links_inside_the_body() {
    let highlighter = std::sync::Arc::new(rekindle::base::highlight::Highlighter::new());
    proptest!(config(256), |(
        body in markdownish(),
        dir in select(vec!["", "guide", "guide/deep"]),
        base in select(vec!["/", "/repo/"]),
        smart in any::<bool>(),
        anchors in any::<bool>(),
        colour in any::<bool>(),
    )| {
        let index = small_index(base);
        let highlighter = colour.then(|| std::sync::Arc::clone(&highlighter));
        let opts = Options { smart_punctuation: smart, heading_anchors: anchors, highlighter };
        let rendered = markdown::render(&body, &opts, &|dest| rewrite_link(dest, dir, &index, base));
        let mut ids = HashSet::new();
        for h in &rendered.headings {
            prop_assert!(!h.id.is_empty(), "an empty heading id in {body:?}");
            prop_assert!(ids.insert(h.id.clone()), "duplicate heading id {:?} in {body:?}", h.id);
        }
        let lines = body.split('\n').count();
        for link in &rendered.links {
            prop_assert!(
                link.line >= 1 && link.line <= lines && link.col >= 1,
                "link {link:?} outside a {lines}-line body {body:?}"
            );
        }
        // The link checker reads the HTML back; that must not panic either.
        let _ = rekindle::base::html::scan(&rendered.html);
    });
}

// ---------------------------------------------------------------------------------------
// Generated small sites
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct GenPage {
    title: String,
    description: Option<String>,
    weight: i64,
    tags: Vec<String>,
    date: Option<(u16, u8, u8)>,
    /// Words of each `## Part N word` heading.
    headings: Vec<String>,
    /// (section, page, heading) picks, reduced modulo what exists.
    links: Vec<(usize, usize, Option<usize>, bool)>,
    text: String,
}

#[derive(Debug, Clone)]
struct GenSite {
    sections: Vec<(String, i64, Vec<GenPage>)>,
    home_text: String,
}

fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9 ]{0,20}",
        "[^\\x00-\\x1f\\x7f-\\x9f]{1,20}",
        Just("<b>&amp; \"quotes\" 'and' </title>".to_string()),
    ]
}

fn gen_page() -> impl Strategy<Value = GenPage> {
    (
        title(),
        proptest::option::of(title()),
        prop_oneof![-5i64..5, Just(i64::MIN), Just(i64::MAX)],
        vec(
            select(vec![
                "alpha", "Beta", "C++", "c", "naïve", "x y", "ÆØÅ", "!!!", "tags",
            ]),
            0..3,
        ),
        proptest::option::of((2000u16..2030, 1u8..13, 1u8..29)),
        vec("[a-z]{1,8}", 0..4),
        vec(
            (
                any::<usize>(),
                any::<usize>(),
                proptest::option::of(any::<usize>()),
                any::<bool>(),
            ),
            0..4,
        ),
        "[a-zA-Z ,.]{0,60}",
    )
        .prop_map(
            |(title, description, weight, tags, date, headings, links, text)| GenPage {
                title,
                description,
                weight,
                tags: tags.into_iter().map(str::to_string).collect(),
                date,
                headings,
                links,
                text,
            },
        )
}

fn gen_site() -> impl Strategy<Value = GenSite> {
    (
        vec((title(), -3i64..3, vec(gen_page(), 1..4)), 1..4),
        "[a-zA-Z ]{0,40}",
    )
        .prop_map(|(sections, home_text)| GenSite {
            sections: sections
                .into_iter()
                .enumerate()
                .map(|(i, (t, w, pages))| (format!("{i}{t}"), w, pages))
                .collect(),
            home_text,
        })
}

fn page_file(j: usize) -> String {
    format!("{:02}-page{j}.md", j + 1)
}

fn heading_id(k: usize, word: &str) -> String {
    markdown::slugify(&format!("Part {k} {word}"))
}

fn front_matter(value: serde_json::Value) -> String {
    format!("---\n{}---\n", serde_yaml::to_string(&value).unwrap())
}

/// Writes the generated site into a fresh folder holding the basic fixture's theme.
fn write_site(site: &GenSite) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("rekindle-prop-")
        .tempdir()
        .unwrap();
    copy_tree(&fixture("basic").join("themes"), &dir.path().join("themes"));
    fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"Generated\"\nauthors = [\"Ada\"]\n\n[site]\nurl = \"https://example.github.io/guide/\"\n",
    )
    .unwrap();
    let content = dir.path().join("content");
    fs::create_dir_all(&content).unwrap();
    let mut home = front_matter(serde_json::json!({ "title": "Home" }));
    home.push_str(&site.home_text);
    home.push('\n');
    for (i, _) in site.sections.iter().enumerate() {
        home.push_str(&format!("\n[section {i}](s{i}/_index.md)\n"));
    }
    fs::write(content.join("_index.md"), home).unwrap();
    for (i, (title, weight, pages)) in site.sections.iter().enumerate() {
        let dir = content.join(format!("s{i}"));
        fs::create_dir_all(&dir).unwrap();
        let mut index = front_matter(serde_json::json!({ "title": title, "weight": weight }));
        index.push_str("\n[home](../_index.md)\n");
        fs::write(dir.join("_index.md"), index).unwrap();
        for (j, page) in pages.iter().enumerate() {
            let mut meta = serde_json::json!({
                "title": page.title,
                "weight": page.weight,
                "tags": page.tags,
            });
            if let Some(d) = &page.description {
                meta["description"] = d.clone().into();
            }
            if let Some((y, m, d)) = page.date {
                meta["date"] = format!("{y:04}-{m:02}-{d:02}").into();
            }
            let mut text = front_matter(meta);
            text.push_str(&format!("\n{}\n", page.text));
            for (k, word) in page.headings.iter().enumerate() {
                text.push_str(&format!("\n## Part {k} {word}\n\nText.\n"));
            }
            for &(ts, tp, th, dot) in &page.links {
                let ts = ts % site.sections.len();
                let target_pages = &site.sections[ts].2;
                let tp = tp % target_pages.len();
                let file = page_file(tp);
                let prefix = if dot { "./" } else { "" };
                let path = if ts == i {
                    format!("{prefix}{file}")
                } else {
                    format!("{prefix}../s{ts}/{file}")
                };
                let anchor = match th {
                    Some(h) if !target_pages[tp].headings.is_empty() => {
                        let h = h % target_pages[tp].headings.len();
                        format!("#{}", heading_id(h, &target_pages[tp].headings[h]))
                    }
                    _ => String::new(),
                };
                text.push_str(&format!("\nSee [that]({path}{anchor}).\n"));
            }
            fs::write(dir.join(page_file(j)), text).unwrap();
        }
    }
    dir
}

#[test]
fn building_twice_gives_the_same_bytes() {
    proptest!(config(24), |(site in gen_site())| {
        let dir = write_site(&site);
        let (a, b) = (dir.path().join("out-a"), dir.path().join("out-b"));
        let first = build_into(dir.path(), &a);
        prop_assert!(first.is_ok(), "build failed: {}", first.err().unwrap());
        build_into(dir.path(), &b).unwrap();
        let (a, b) = (snapshot(&a), snapshot(&b));
        prop_assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (name, bytes) in &a {
            prop_assert!(bytes == &b[name], "{name} differs between two builds");
        }
    });
}

#[test]
fn generated_sites_with_cross_links_build() {
    proptest!(config(32), |(site in gen_site())| {
        let dir = write_site(&site);
        let out = dir.path().join("public");
        match build_into(dir.path(), &out) {
            Ok(report) => {
                let pages: usize = site.sections.iter().map(|s| s.2.len()).sum();
                prop_assert_eq!(report.pages, pages);
                prop_assert_eq!(report.sections, site.sections.len() + 1);
            }
            Err(e) => prop_assert!(false, "build failed:\n{e}\nsite: {site:#?}"),
        }
    });
}

// ---------------------------------------------------------------------------------------
// Request resolution
// ---------------------------------------------------------------------------------------

fn soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "..",
        ".",
        "%2e",
        "%2E",
        "%2e%2e",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "/",
        "//",
        "\\",
        "%00",
        "%252e",
        "%25",
        "%",
        "a",
        "repo",
        "index.html",
        "steps",
        "?",
        "#",
        ";",
        "%09",
        "\t",
        "%c0%ae",
        "%e2%80%ae",
        "~",
        ":",
        "C:",
        "%3a",
    ];
    (any::<bool>(), vec(select(tokens), 0..16)).prop_map(|(slash, parts)| {
        let joined = parts.concat();
        if slash { format!("/{joined}") } else { joined }
    })
}

fn check_resolved(target: &str, base: &str, resolved: &Resolved) -> Result<(), TestCaseError> {
    match resolved {
        Resolved::File(rel) => {
            prop_assert!(!rel.starts_with('/'), "{target:?} under {base} -> {rel:?}");
            prop_assert!(
                !rel.contains('\\') && !rel.contains('\0'),
                "{target:?} under {base} -> {rel:?}"
            );
            prop_assert!(
                !rel.split('/').any(|s| s == ".."),
                "{target:?} under {base} -> {rel:?}"
            );
            prop_assert!(!rel.contains("//"), "{target:?} under {base} -> {rel:?}");
        }
        Resolved::Redirect(to) => {
            prop_assert!(to.starts_with('/'), "{target:?} under {base} -> {to:?}");
            let seen: String = to
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            prop_assert!(
                !seen.starts_with("//") && !seen.starts_with("/\\"),
                "open redirect: {target:?} under {base} -> {to:?}"
            );
        }
        Resolved::NotFound | Resolved::BadRequest => {}
    }
    Ok(())
}

#[test]
fn resolve_never_leaves_the_site() {
    let site = ["index.html", "steps/index.html", "style.css", "404.html"];
    proptest!(config(2048), |(
        target in prop_oneof![any::<String>(), any::<String>().prop_map(|s| format!("/{s}")), soup()],
        base in select(vec!["/", "/repo/"]),
        everything in any::<bool>(),
    )| {
        let exists = |rel: &str| everything || site.contains(&rel);
        let resolved = resolve(&target, base, exists);
        check_resolved(&target, base, &resolved)?;
    });
}

#[test]
fn resolve_known_traversals_are_refused() {
    for target in [
        "/../etc/passwd",
        "/repo/../../etc/passwd",
        "/repo/%2e%2e/%2e%2e/etc/passwd",
        "/repo/steps/%2e%2e%2f%2e%2e%2fetc",
        "/repo/%5c..%5c..%5cetc",
        "/repo//etc/passwd",
        "/repo/%2f%2fetc",
        "/repo/a%00.html",
    ] {
        let resolved = resolve(target, "/repo/", |_| true);
        assert!(
            matches!(resolved, Resolved::NotFound | Resolved::BadRequest),
            "{target} -> {resolved:?}"
        );
    }
}

//! Markdown as guides written for mdBook, Hugo or GitHub use it: each case is a fixture
//! site (`tests/fixtures/<case>/` over `basic`) built by the real binary.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::Site;

/// Builds the case and returns the HTML of `file` in the build dir.
fn built(case: &str, file: &str) -> String {
    let site = Site::new(case);
    site.run(&["build"]).assert_ok();
    site.read(&format!("public/{file}"))
}

#[test]
fn heading_ids_follow_github_s_rule() {
    let page = built("heading-ids", "guide/second/index.html");
    for id in ["whats-new", "--open", "snake_case", "second-point"] {
        assert!(
            page.contains(&format!("<h2 id=\"{id}\">")),
            "no #{id} in\n{page}"
        );
    }
}

#[test]
fn a_repeated_explicit_id_is_an_error_at_its_line() {
    let site = Site::new("repeated-explicit-id");
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: content/guide/02-second.md:11:1: the id `point` is given to an earlier heading too
   |
11 | ## Another point {#point}
   | ^
  = help: give each heading its own `{#id}`: a link to it could lead to either
"
    );
    assert!(!site.public().exists());
}

/// Each card's modification time, by path.
fn card_times(site: &Site) -> std::collections::BTreeMap<String, std::time::SystemTime> {
    let mut times = std::collections::BTreeMap::new();
    for rel in common::snapshot(&site.join("public/cards")).into_keys() {
        let meta = std::fs::metadata(site.join("public/cards").join(&rel)).unwrap();
        times.insert(rel, meta.modified().unwrap());
    }
    times
}

#[test]
fn a_rebuild_keeps_the_cards_whose_text_is_unchanged() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    site.run(&["build"]).assert_ok();
    let before = card_times(&site);
    let first = std::fs::read(site.join("public/cards/guide/first/index.png")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let page = site.read("content/guide/01-first.md");
    site.write(
        "content/guide/01-first.md",
        page.replace("title: First page", "title: The first page"),
    );
    site.run(&["build"]).assert_ok();
    site.run(&["build"]).assert_ok();
    let after = card_times(&site);
    assert_eq!(before.len(), after.len());
    let redrawn: Vec<&str> = (after.iter())
        .filter(|(rel, time)| before[*rel] != **time)
        .map(|(rel, _)| rel.as_str())
        .collect();
    // The changed page's card, drawn by the first of the two builds after the edit.
    assert_eq!(redrawn, ["guide/first/index.png"]);
    let new = std::fs::read(site.join("public/cards/guide/first/index.png")).unwrap();
    assert_ne!(first, new, "the card shows the new title");
    // A kept card is the same file a fresh build draws.
    let fresh = Site::new("basic");
    fresh.write(
        "content/guide/01-first.md",
        site.read("content/guide/01-first.md"),
    );
    fresh.run(&["build"]).assert_ok();
    assert!(common::snapshot(&fresh.public()) == common::snapshot(&site.public()));
}

/// The first rebuild already keeps the cards: they come from the last build in the build
/// dir (their modification times kept), not only from the build before it.
#[test]
fn the_first_rebuild_keeps_every_card_of_the_last_build() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let before = card_times(&site);
    let bytes = common::snapshot(&site.join("public/cards"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.run(&["build"]).assert_ok();
    assert_eq!(card_times(&site), before, "no card was drawn again");
    assert!(common::snapshot(&site.join("public/cards")) == bytes);
}

/// A card of the build dir that is a link (here to a copy of the real card, which carries
/// the right key) is not followed: the card is drawn anew, a plain file.
#[cfg(unix)]
#[test]
fn a_linked_card_in_the_build_dir_is_not_copied_through_its_link() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let card = site.join("public/cards/index.png");
    let outside = site.join("elsewhere.png");
    std::fs::copy(&card, &outside).unwrap();
    std::fs::remove_file(&card).unwrap();
    std::os::unix::fs::symlink(&outside, &card).unwrap();
    let outside_time = std::fs::metadata(&outside).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.run(&["build"]).assert_ok();
    let meta = std::fs::symlink_metadata(&card).unwrap();
    assert!(meta.is_file(), "a plain file, not a link");
    assert_ne!(meta.modified().unwrap(), outside_time, "drawn anew");
    assert_eq!(
        std::fs::read(&card).unwrap(),
        std::fs::read(&outside).unwrap()
    );
}

#[test]
fn the_lint_keeps_quiet_about_names_image_links_and_opening_paragraphs() {
    let site = Site::new("lint-kept-quiet");
    let run = site.run(&["build", "--strict"]);
    assert_eq!(run.stderr, "");
    assert_eq!(run.code, 0);
}

#[test]
fn a_page_with_neither_description_nor_opening_paragraph_is_warned_about() {
    let run = Site::new("lint-no-summary").run(&["check"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        "warning: content/guide/02-second.md:1:1: the page has no description and no opening paragraph
  = help: add `description: ...` or open the page with a paragraph: it is the summary shown in search results and social previews
"
    );
}

#[test]
fn a_footnote_named_like_a_heading_gets_an_id_of_its_own() {
    let page = built("footnote-ids", "guide/second/index.html");
    assert_eq!(page.matches("id=\"note\"").count(), 1, "{page}");
    assert_eq!(page.matches("id=\"fn-note\"").count(), 1, "{page}");
    assert!(page.contains("<a href=\"#fn-note\">1</a>"), "{page}");
}

#[test]
fn alerts_definition_lists_and_fence_languages_as_guides_write_them() {
    let page = built("guide-markdown", "guide/second/index.html");
    assert!(
        page.contains("<div class=\"markdown-alert markdown-alert-tip\" role=\"note\" aria-label=\"Tip\">\n<p class=\"markdown-alert-title\">Tip</p>"),
        "{page}"
    );
    assert!(
        page.contains("<dt>Reader</dt>\n<dd>Someone who follows the guide from start to end.</dd>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<pre tabindex=\"0\"><code class=\"language-rust\"><span class=\"hl-source hl-rust\">"
        ),
        "{page}"
    );
}

#[test]
fn aliases_write_redirect_pages_listed_nowhere_else() {
    let site = Site::new("aliases-and-date-times");
    site.run(&["build"]).assert_ok();
    for file in ["old-first/index.html", "legacy/first.html"] {
        let page = site.read(&format!("public/{file}"));
        assert!(
            page.contains(
                "<link rel=\"canonical\" href=\"https://example.github.io/guide/guide/first/\">"
            ),
            "{file}: {page}"
        );
        assert!(
            page.contains("<meta http-equiv=\"refresh\" content=\"0; url=/guide/guide/first/\">"),
            "{page}"
        );
        assert!(
            page.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{page}"
        );
    }
    let sitemap = site.read("public/sitemap.xml");
    assert!(
        !sitemap.contains("old-first") && !sitemap.contains("legacy"),
        "{sitemap}"
    );
    let search = site.read("public/search-index.json");
    assert!(!search.contains("old-first"), "{search}");
}

#[test]
fn an_alias_that_is_a_page_s_url_is_an_error_naming_both() {
    let site = Site::new("aliases-and-date-times");
    let first = site.read("content/guide/01-first.md");
    site.write(
        "content/guide/01-first.md",
        first.replace(
            "aliases: [/old-first/, /legacy/first.html]",
            "aliases: [/guide/second/]",
        ),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: content/guide/01-first.md:8:1: an alias of this file leads to `guide/second/index.html`, which content/guide/02-second.md writes too
  = help: remove that alias: an old URL can lead to one page only
"
    );
}

#[test]
fn dates_may_be_rfc_3339_date_times() {
    let site = Site::new("aliases-and-date-times");
    site.run(&["build"]).assert_ok();
    let atom = site.read("public/atom.xml");
    assert!(
        atom.contains("<published>2025-01-22T00:00:00Z</published>"),
        "{atom}"
    );
    assert!(
        atom.contains("<updated>2025-02-01T00:00:00Z</updated>"),
        "{atom}"
    );
    let first = site.read("content/guide/01-first.md");
    site.write(
        "content/guide/01-first.md",
        first.replace("2025-01-22T09:30:00+01:00", "2025-01-22T25:30:00Z"),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: content/guide/01-first.md:5:7: invalid date `2025-01-22T25:30:00Z`: write a date as YYYY-MM-DD (2025-01-22) or a date-time as RFC 3339 (2025-01-22T09:30:00Z)"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_alias_that_cannot_be_an_old_url_is_an_error_at_its_line() {
    for (alias, why) in [
        ("old", "does not start with `/`"),
        ("/", "is the home page's own URL"),
        ("/a/../b/", "has a `.` or `..` part"),
        ("/a b/", "holds a character a URL cannot carry as written"),
    ] {
        let site = Site::new("aliases-and-date-times");
        let first = site.read("content/guide/01-first.md");
        site.write(
            "content/guide/01-first.md",
            first.replace(
                "[/old-first/, /legacy/first.html]",
                &format!("[\"{alias}\"]"),
            ),
        );
        let run = site.run(&["build"]);
        assert_eq!(run.code, 1, "{alias}");
        let first_line = run.stderr.lines().next().unwrap_or("");
        assert_eq!(
            first_line,
            format!("error: content/guide/01-first.md:8:1: the alias `{alias}` {why}")
        );
    }
}

#[test]
fn a_percent_encoded_link_finds_its_page() {
    let page = built("percent-links", "guide/second/index.html");
    assert!(
        page.contains("<a href=\"/guide/guide/my-page/\">my page</a>"),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"/guide/guide/my-page/\">again</a>"),
        "{page}"
    );
}

/// `href` and `src` in raw HTML are read like Markdown links: relative to the source file,
/// `.md` files to their page's URL, assets to their copies; so they work on the page and
/// on the one-page guide alike.
#[test]
fn raw_html_links_are_rewritten_like_markdown_links() {
    let site = Site::new("raw-html");
    site.run(&["build"]).assert_ok();
    let page = site.read("public/guide/second/index.html");
    for expected in [
        "<img alt=\"The fixture's diagram\"\n       srcset=\"/guide/guide/diagram.svg 1x, /guide/guide/diagram.svg 2x\"\n       src=\"/guide/guide/diagram.svg\">",
        "<a href=\"/guide/guide/first/#face-reality\">first page</a>",
        "<a href=\"/guide/guide/first/\">the first page</a>",
        "<a href=\"#second-point\">up</a>",
    ] {
        assert!(page.contains(expected), "no {expected} in\n{page}");
    }
    let all = site.read("public/all/index.html");
    for expected in [
        "src=\"/guide/guide/diagram.svg\"",
        "<a href=\"#guide-first--face-reality\">first page</a>",
        "<a href=\"#guide-first\">the first page</a>",
        "<a href=\"#guide-second--second-point\">up</a>",
    ] {
        assert!(all.contains(expected), "no {expected} in\n{all}");
    }
}

/// A title written with inline Markdown is text in the nav, the pager, breadcrumbs and
/// `<title>`, and markup only in the page's own `<h1>`.
#[test]
fn a_title_with_inline_markdown_is_text_everywhere_but_its_heading() {
    let site = Site::new("inline-title");
    common::copy_tree(
        &common::repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    site.run(&["build"]).assert_ok();
    let page = site.read("public/guide/first/index.html");
    assert!(
        page.contains("<h1>Running <code>mdbook</code> &amp; <em>friends</em></h1>"),
        "{page}"
    );
    assert!(
        page.contains("<title>Running mdbook &amp; friends — Fixture Guide</title>"),
        "{page}"
    );
    let second = site.read("public/guide/second/index.html");
    assert!(
        second.contains("<span class=\"pager-title\">Running mdbook &amp; friends</span>"),
        "{second}"
    );
    assert!(
        second.contains(">Using the guide</a>"),
        "breadcrumb: {second}"
    );
    assert!(!second.contains('`'), "{second}");
    let section = site.read("public/guide/index.html");
    assert!(
        section.contains("<h1>Using <em>the</em> <code>guide</code></h1>"),
        "{section}"
    );
}

/// The default nav of `page` as an outline: `[` and `]` for each list, each link's text.
fn nav_outline(page: &str) -> String {
    let start = page.find("<nav").expect("a nav");
    let nav = &page[start..start + page[start..].find("</nav>").expect("its end")];
    let mut out = String::new();
    let mut rest = nav;
    while let Some(lt) = rest.find('<') {
        let text = rest[..lt].trim();
        if !text.is_empty() {
            out.push_str(&format!("{text} "));
        }
        let end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        match &rest[lt..end] {
            tag if tag.starts_with("<ol") => out.push_str("[ "),
            "</ol>" => out.push_str("] "),
            _ => {}
        }
        rest = &rest[end..];
    }
    out.trim().to_string()
}

/// Sections inside sections, four deep: the nav, the numbering, the breadcrumbs and the
/// pager follow the tree; a page sits in its own section, not its section's parent.
#[test]
fn nested_sections_at_any_depth() {
    let site = Site::new("nested-sections");
    common::copy_tree(
        &common::repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    site.run(&["build"]).assert_ok();
    let p = site.read("public/a/b/p/index.html");
    assert_eq!(
        nav_outline(&p)
            .split("Part A")
            .nth(1)
            .unwrap_or_default()
            .trim(),
        "[ Part B [ 1 Page P Part C [ 1 Page R Part D [ 1 Page T ] ] 2 Page S ] 1 Page Q ] ]",
        "{}",
        nav_outline(&p)
    );
    let crumbs = |page: &str| {
        let list = &page[page.find("breadcrumb").expect("breadcrumbs")..];
        let list = &list[..list.find("</ol>").expect("their end")];
        list.split("<a href=\"")
            .skip(1)
            .map(|a| a[..a.find('"').unwrap_or(0)].to_string())
            .collect::<Vec<_>>()
    };
    let t = site.read("public/a/b/c/d/t/index.html");
    assert_eq!(
        crumbs(&t),
        [
            "/guide/",
            "/guide/a/",
            "/guide/a/b/",
            "/guide/a/b/c/",
            "/guide/a/b/c/d/"
        ]
    );
    assert!(t.contains("1 of 1 in Part D"), "{t}");
    let pager = |page: &str, rel: &str| {
        let at = page
            .find(&format!("rel=\"{rel}\" href=\""))
            .expect("a pager link");
        let href = &page[at + rel.len() + 13..];
        href[..href.find('"').unwrap_or(0)].to_string()
    };
    assert_eq!(pager(&t, "prev"), "/guide/a/b/c/d/");
    assert_eq!(pager(&t, "next"), "/guide/a/b/s/");
    let q = site.read("public/a/q/index.html");
    assert!(q.contains("1 of 1 in Part A"), "{q}");
    assert_eq!(pager(&q, "prev"), "/guide/a/b/s/");
}

/// The fixture guide that uses every construct above builds with no error and no warning,
/// and each construct reaches the page. (tests/browser.rs holds its pages to the Nu Html
/// Checker and axe, like the guide's.)
#[test]
fn a_guide_using_every_construct_builds_clean() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("all-constructs"), dir.path());
    common::copy_tree(
        &common::repo_root().join("themes"),
        &dir.path().join("themes"),
    );
    let run = common::run_in(dir.path(), &["build"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("Built 3 pages, 3 sections, 3 assets"),
        "{}",
        run.stdout
    );
    let read = |rel: &str| std::fs::read_to_string(dir.path().join("public").join(rel)).unwrap();
    let bin = read("basics/pick-a-bin/index.html");
    for expected in [
        "<h1>Pick a <code>bin</code> that fits</h1>",
        "<img src=\"/compost/basics/bin.svg\"",
        "<dt>Open heap</dt>",
        "role=\"note\" aria-label=\"Tip\"",
        "<h2 id=\"note\">",
        "id=\"fn-note\"",
        "<title>Pick a bin that fits — A Small Guide to Home Composting</title>",
    ] {
        assert!(bin.contains(expected), "no {expected} in\n{bin}");
    }
    let hot = read("basics/advanced/hot-composting/index.html");
    for expected in [
        "<a href=\"/compost/basics/pick-a-bin/\">a closed bin</a>",
        "<img src=\"/compost/basics/bin.svg\"",
        "<h2 id=\"whats-too-wet\">",
        "<pre tabindex=\"0\"><code class=\"language-rust\">",
        "<pre tabindex=\"0\"><code class=\"language-python\">",
        "<pre tabindex=\"0\"><code>no language here",
    ] {
        assert!(hot.contains(expected), "no {expected} in\n{hot}");
    }
    let fix = read("basics/fix-a-heap/index.html");
    assert!(
        fix.contains("<a href=\"/compost/basics/advanced/hot-composting/#whats-too-wet\">"),
        "{fix}"
    );
    for alias in ["bins/index.html", "old/choosing-a-bin.html"] {
        assert!(
            read(alias).contains("url=/compost/basics/pick-a-bin/"),
            "{alias}"
        );
    }
}

/// Fenced code with a language is coloured at build time (classes, no script); the
/// highlighter is loaded only by a page that has such a block, so the guide pays nothing.
#[test]
fn code_is_highlighted_and_the_highlighter_loads_only_when_needed() {
    use rekindle::{Mode, Overrides, pipeline, write::Cleanup};
    let loaded = |dir: &std::path::Path| {
        let overrides = Overrides::default();
        let config = rekindle::load_config(dir, &overrides).unwrap();
        pipeline::run(&config, &overrides, Mode::Check, &Cleanup::default()).unwrap();
        config.markdown.highlighter.as_ref().unwrap().loaded()
    };
    assert!(
        !loaded(&common::repo_root()),
        "the guide has no fenced code"
    );

    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixture("all-constructs"), dir.path());
    common::copy_tree(
        &common::repo_root().join("themes"),
        &dir.path().join("themes"),
    );
    assert!(loaded(dir.path()));
    common::run_in(dir.path(), &["build"]).assert_ok();
    let page = std::fs::read_to_string(
        dir.path()
            .join("public/basics/advanced/hot-composting/index.html"),
    )
    .unwrap();
    assert!(
        page.contains("<span class=\"hl-storage hl-type hl-function hl-rust\">fn</span>"),
        "{page}"
    );
    assert!(
        page.contains("<span class=\"hl-comment hl-line hl-double-slash hl-rust\">"),
        "{page}"
    );
    // A language without a grammar, and a fence without a language, are printed plainly.
    assert!(
        page.contains("<code class=\"language-toml\">[heap]\nturned = \"weekly\"\n</code>"),
        "{page}"
    );
    assert!(page.contains("<code>no language here\n</code>"), "{page}");
}

/// A section may have aliases too, as Hugo's sections do: each old URL gets a redirect page.
#[test]
fn a_section_s_aliases_write_redirect_pages() {
    let site = Site::new("section-aliases");
    site.run(&["build"]).assert_ok();
    for file in ["old-guide/index.html", "docs/guide.html"] {
        let page = site.read(&format!("public/{file}"));
        assert!(
            page.contains("<meta http-equiv=\"refresh\" content=\"0; url=/guide/guide/\">"),
            "{file}: {page}"
        );
        assert!(page.contains("<title>Moved: The guide</title>"), "{page}");
    }
    let sitemap = site.read("public/sitemap.xml");
    assert!(!sitemap.contains("old-guide"), "{sitemap}");
    let section = site.read("content/guide/_index.md");
    site.write(
        "content/guide/_index.md",
        section.replace("[/old-guide/, /docs/guide.html]", "[/guide/first/]"),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("content/guide/_index.md")
            && run.stderr.contains("guide/first/index.html"),
        "{}",
        run.stderr
    );
}

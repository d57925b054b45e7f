//! What a user sees after a good `rekindle build`: the summary line, the files written, the
//! pages' content, links that all lead somewhere under the base path, and an output that is
//! deterministic, world-readable and replaced whole on every build.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Site, assert_summary, names, output, snapshot};

const FIRST: &str = "content/guide/01-first.md";

/// Builds `site` with `args` after `build`, asserting success.
fn build(site: &Site, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    site.run(&all).assert_ok();
    snapshot(&site.public())
}

fn text(files: &BTreeMap<String, Vec<u8>>, rel: &str) -> String {
    let bytes = files
        .get(rel)
        .unwrap_or_else(|| panic!("{rel} was not written; got {:?}", names(files)));
    String::from_utf8(bytes.clone()).expect("UTF-8 output")
}

#[test]
fn summary_line() {
    let site = Site::new("basic");
    let run = site.run(&["build"]);
    run.assert_ok();
    assert_summary(&run.stdout, "2 pages, 2 sections, 2 assets", "public");
}

const BASIC_FILES: [&str; 20] = [
    ".nojekyll",
    ".rekindle",
    "404.html",
    "atom.xml",
    "cards/guide/first/index.png",
    "cards/guide/index.png",
    "cards/guide/second/index.png",
    "cards/index.png",
    "guide/diagram.svg",
    "guide/first/index.html",
    "guide/index.html",
    "guide/second/index.html",
    "index.html",
    "robots.txt",
    "search-index.json",
    "sitemap.xml",
    "style.css",
    "tags/alpha/index.html",
    "tags/beta/index.html",
    "tags/index.html",
];

#[test]
fn files_written() {
    let site = Site::new("basic");
    let files = build(&site, &[]);
    assert_eq!(names(&files), BASIC_FILES);
    assert_eq!(text(&files, ".nojekyll"), "");
    assert_eq!(
        files["guide/diagram.svg"],
        fs::read(site.join("content/guide/diagram.svg")).expect("the asset")
    );
    assert_eq!(
        files["style.css"],
        fs::read(site.join("themes/default/static/style.css")).expect("the static file")
    );
}

#[test]
fn cname_only_when_set() {
    let site = Site::new("basic");
    let book = site.read("book.toml");
    site.write(
        "book.toml",
        format!("{book}cname = \"guide.example.com\"\n"),
    );
    let files = build(&site, &[]);
    assert_eq!(text(&files, "CNAME"), "guide.example.com\n");
    let mut expected: Vec<&str> = BASIC_FILES.to_vec();
    expected.push("CNAME");
    expected.sort_unstable();
    assert_eq!(names(&files), expected);
}

/// The pages of the fixture guide, whole: heading ids (a repeated heading gets `-1`), self
/// links and the table of contents; Markdown links and images rewritten to URLs under the
/// base path; breadcrumbs, the counter, prev and next (none after the last page).
/// `INSTA_UPDATE=always cargo test --test build` rewrites them after an intended change.
#[test]
fn the_fixture_guide_s_pages() {
    let site = Site::new("basic");
    let files = build(&site, &[]);
    for (name, file) in [
        ("home", "index.html"),
        ("first_page", "guide/first/index.html"),
        ("second_page", "guide/second/index.html"),
    ] {
        insta::assert_snapshot!(name, text(&files, file));
    }
}

#[test]
fn tags_link_to_their_pages() {
    let site = Site::new("basic");
    let files = build(&site, &[]);
    let first = text(&files, "guide/first/index.html");
    assert!(
        first.contains(
            "<p class=\"tags\"><a href=\"/guide/tags/alpha/\">alpha</a> <a href=\"/guide/tags/beta/\">Beta</a> </p>"
        ),
        "{first}"
    );
    let alpha = text(&files, "tags/alpha/index.html");
    assert!(
        alpha.contains(
            "<ul><li><a href=\"/guide/guide/first/\">First page</a></li><li><a href=\"/guide/guide/second/\">Second page</a></li></ul>"
        ),
        "{alpha}"
    );
    let beta = text(&files, "tags/beta/index.html");
    assert!(
        beta.contains("<ul><li><a href=\"/guide/guide/first/\">First page</a></li></ul>"),
        "{beta}"
    );
    let tags = text(&files, "tags/index.html");
    assert!(
        tags.contains(
            "<li><a href=\"/guide/tags/alpha/\">alpha</a> (2)</li><li><a href=\"/guide/tags/beta/\">Beta</a> (1)</li>"
        ),
        "{tags}"
    );
    assert!(
        tags.contains(
            "<ol><li>alpha: <a href=\"/guide/guide/first/\">First page</a> <a href=\"/guide/guide/second/\">Second page</a></li><li>Beta: <a href=\"/guide/guide/first/\">First page</a></li></ol>"
        ),
        "{tags}"
    );
}

#[test]
fn tag_names_with_the_same_slug_are_one_tag_named_as_first_met() {
    let site = Site::new("basic");
    let first = site
        .read(FIRST)
        .replace("tags: [alpha, Beta]", "tags: [alpha, Beta, ALPHA]");
    site.write(FIRST, first);
    let second = "content/guide/02-second.md";
    site.write(
        second,
        site.read(second)
            .replace("tags: [alpha]", "tags: [\"beta!\", alpha]"),
    );
    let files = build(&site, &[]);
    let page = text(&files, "guide/first/index.html");
    assert!(
        page.contains(
            "<p class=\"tags\"><a href=\"/guide/tags/alpha/\">alpha</a> <a href=\"/guide/tags/beta/\">Beta</a> </p>"
        ),
        "{page}"
    );
    let tags = text(&files, "tags/index.html");
    assert!(
        tags.contains(
            "<li><a href=\"/guide/tags/alpha/\">alpha</a> (2)</li><li><a href=\"/guide/tags/beta/\">Beta</a> (2)</li>"
        ),
        "{tags}"
    );
}

#[test]
fn site_sections_list_their_pages_as_links() {
    let site = Site::new("basic");
    site.write(
        "themes/default/templates/index.html",
        "{% for s in site.sections %}<section data-permalink=\"{{ s.permalink }}\"><h2>{{ s.title }}</h2>\
         {% for p in s.pages %}<a href=\"{{ p.path }}\">{{ p.title }}</a>: {{ p.description }}|{% endfor %}\
         </section>{% endfor %}",
    );
    let files = build(&site, &[]);
    assert_eq!(
        text(&files, "index.html"),
        "<section data-permalink=\"https://example.github.io/guide/guide/\"><h2>The guide</h2>\
         <a href=\"/guide/guide/first/\">First page</a>: The first page of the fixture guide.|\
         <a href=\"/guide/guide/second/\">Second page</a>: The second page of the fixture guide.|</section>"
    );
}

#[test]
fn atom_feed_lists_only_dated_pages() {
    let site = Site::new("basic");
    let atom = text(&build(&site, &[]), "atom.xml");
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    assert!(
        atom.contains(
            "  <entry>
    <title>Second page</title>
    <id>https://example.github.io/guide/guide/second/</id>
    <link rel=\"alternate\" href=\"https://example.github.io/guide/guide/second/\"/>
    <published>2025-01-22T00:00:00Z</published>
"
        ),
        "{atom}"
    );
    assert!(
        atom.contains("<link rel=\"self\" href=\"https://example.github.io/guide/atom.xml\"/>"),
        "{atom}"
    );
    assert!(!atom.contains("First page"), "{atom}");
}

#[test]
fn sitemap_lists_every_page_with_absolute_urls() {
    let site = Site::new("basic");
    let sitemap = text(&build(&site, &[]), "sitemap.xml");
    let locs: Vec<&str> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split_once("</loc>").map(|(loc, _)| loc))
        .collect();
    assert_eq!(
        locs,
        [
            "https://example.github.io/guide/",
            "https://example.github.io/guide/guide/",
            "https://example.github.io/guide/guide/first/",
            "https://example.github.io/guide/guide/second/",
        ],
        "{sitemap}"
    );
    assert!(
        sitemap.contains(
            "<url><loc>https://example.github.io/guide/guide/second/</loc><lastmod>2025-01-22</lastmod></url>"
        ),
        "{sitemap}"
    );
}

#[test]
fn robots_txt_points_to_the_sitemap() {
    let site = Site::new("basic");
    let robots = text(&build(&site, &[]), "robots.txt");
    assert_eq!(
        robots,
        "User-agent: *\nAllow: /\n\nSitemap: https://example.github.io/guide/sitemap.xml\n"
    );
}

#[test]
fn base_url_override_changes_every_link() {
    let site = Site::new("basic");
    let files = build(&site, &["--base-url", "https://example.github.io/other/"]);
    assert_eq!(names(&files), BASIC_FILES);
    let mut links = 0;
    for (name, bytes) in &files {
        let body = String::from_utf8_lossy(bytes);
        assert!(
            !body.contains("example.github.io/guide"),
            "{name} still names the book.toml URL:\n{body}"
        );
        if !name.ends_with(".html") {
            continue;
        }
        for link in attribute(&body, "href")
            .into_iter()
            .chain(attribute(&body, "src"))
        {
            links += 1;
            assert!(
                link.starts_with('#')
                    || link.starts_with("/other/")
                    || link.starts_with("https://example.github.io/other/"),
                "{name}: `{link}` is not under the new base URL"
            );
        }
    }
    assert!(links > 50, "too few links seen: {links}");
    assert_eq!(
        text(&files, "robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.github.io/other/sitemap.xml\n"
    );
    assert!(text(&files, "sitemap.xml").contains("<loc>https://example.github.io/other/</loc>"));
    assert!(
        text(&files, "guide/first/index.html")
            .contains("<a href=\"/other/guide/second/#second-point\">the second page</a>")
    );
}

// ---- the crawl -------------------------------------------------------------------------------

const ORIGIN: &str = "https://example.github.io";
const BASE: &str = "/guide/";

/// The values of every `NAME="..."` (or `'...'`) attribute of `html`, `&amp;` decoded.
fn attribute(html: &str, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("{name}={quote}");
        let mut from = 0;
        while let Some(found) = html[from..].find(&needle) {
            let start = from + found;
            let value = start + needle.len();
            from = value;
            if !html[..start].ends_with(|c: char| c.is_ascii_whitespace()) {
                continue;
            }
            let Some(len) = html[value..].find(quote) else {
                break;
            };
            values.push(html[value..value + len].replace("&amp;", "&"));
        }
    }
    values
}

/// Resolves `link` on the page at URL path `page`: `Ok(None)` for another origin, else the
/// URL path (query dropped) and the fragment.
fn resolve(link: &str, page: &str) -> Result<Option<(String, String)>, String> {
    let (rest, fragment) = link.split_once('#').unwrap_or((link, ""));
    let rest = rest.split_once('?').map_or(rest, |(p, _)| p);
    let scheme = rest
        .find(':')
        .filter(|&i| !rest[..i].contains('/') && i > 0)
        .map(|i| &rest[..i]);
    let path = if let Some(path) = rest.strip_prefix(ORIGIN).filter(|p| p.starts_with('/')) {
        path.to_string()
    } else if let Some(path) = rest.strip_prefix("//example.github.io/") {
        format!("/{path}")
    } else if scheme.is_some() || rest.starts_with("//") {
        return Ok(None);
    } else if rest.starts_with('/') {
        rest.to_string()
    } else if rest.is_empty() {
        page.to_string()
    } else {
        let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{rest}")
    };
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    for part in &parts {
        match *part {
            "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(format!("`{link}` climbs above the origin"));
                }
            }
            _ => segments.push(part),
        }
    }
    let mut resolved = format!("/{}", segments.join("/"));
    if matches!(parts.last(), Some(&".") | Some(&"..")) && !resolved.ends_with('/') {
        resolved.push('/');
    }
    Ok(Some((resolved, fragment.to_string())))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The output file a URL path serves, as GitHub Pages would (folder -> index.html).
fn file_of(out: &Path, path: &str) -> Result<String, String> {
    let rel = path
        .strip_prefix(BASE)
        .ok_or_else(|| format!("`{path}` escapes the base path {BASE}"))?;
    let rel = percent_decode(rel);
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else if out.join(&rel).is_dir() {
        format!("{rel}/index.html")
    } else {
        rel
    };
    if out.join(&rel).is_file() {
        Ok(rel)
    } else {
        Err(format!("no file for `{path}`"))
    }
}

/// The URL path of an output file.
fn path_of(file: &str) -> String {
    format!("{BASE}{}", file.strip_suffix("index.html").unwrap_or(file))
}

#[test]
fn crawl_from_home_reaches_every_page_through_working_links() {
    let site = Site::new("basic");
    let files = build(&site, &["--base-url", "https://example.github.io/guide/"]);
    let out = site.public();
    let mut queue = vec!["index.html".to_string()];
    let mut reached: BTreeSet<String> = queue.iter().cloned().collect();
    let mut anchors: Vec<(String, String, String)> = Vec::new();
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    let mut broken = Vec::new();
    while let Some(file) = queue.pop() {
        let html = text(&files, &file);
        ids.insert(file.clone(), attribute(&html, "id").into_iter().collect());
        let here = path_of(&file);
        for link in attribute(&html, "href")
            .into_iter()
            .chain(attribute(&html, "src"))
        {
            let target = resolve(&link, &here).and_then(|r| match r {
                None => Ok(None),
                Some((path, fragment)) => file_of(&out, &path).map(|f| Some((f, fragment))),
            });
            match target {
                Ok(None) => {}
                Ok(Some((target, fragment))) => {
                    if !fragment.is_empty() {
                        anchors.push((file.clone(), target.clone(), fragment));
                    }
                    if target.ends_with(".html") && reached.insert(target.clone()) {
                        queue.push(target);
                    } else {
                        reached.insert(target);
                    }
                }
                Err(why) => broken.push(format!("{file}: `{link}`: {why}")),
            }
        }
    }
    for (file, target, fragment) in anchors {
        if !ids.get(&target).is_some_and(|ids| ids.contains(&fragment)) {
            broken.push(format!("{file}: `{target}` has no id `{fragment}`"));
        }
    }
    assert_eq!(broken, Vec::<String>::new(), "broken links");
    let pages: Vec<&String> = files
        .keys()
        .filter(|f| f.ends_with(".html") && *f != "404.html")
        .collect();
    let missed: Vec<&&String> = pages.iter().filter(|p| !reached.contains(**p)).collect();
    assert!(
        missed.is_empty(),
        "pages not reached from the home page: {missed:?}"
    );
    assert!(reached.contains("style.css") && reached.contains("guide/diagram.svg"));
}

#[test]
fn crawl_resolution_is_sound() {
    let page = "/guide/guide/first/";
    let r = |link: &str| resolve(link, page);
    let path = |p: &str, f: &str| Ok(Some((p.to_string(), f.to_string())));
    assert_eq!(r("../second/#x"), path("/guide/guide/second/", "x"));
    assert_eq!(r("#top"), path(page, "top"));
    assert_eq!(r("../.."), path("/guide/", ""));
    assert_eq!(r("/guide/style.css?h=1"), path("/guide/style.css", ""));
    assert_eq!(r("https://example.github.io/x/"), path("/x/", ""));
    assert_eq!(r("https://example.com/guide/"), Ok(None));
    assert_eq!(r("mailto:a@b.c"), Ok(None));
    assert!(r("../../../../x").is_err());
    assert!(file_of(Path::new("/nonexistent"), "/other/").is_err());
}

// ---- drafts, determinism, permissions ---------------------------------------------------------

#[test]
fn drafts_only_with_the_flag() {
    let site = Site::new("drafts");
    let files = build(&site, &[]);
    assert_eq!(names(&files), BASIC_FILES);
    assert!(!text(&files, "sitemap.xml").contains("draft"));

    let run = site.run(&["build", "--drafts"]);
    run.assert_ok();
    assert_summary(&run.stdout, "3 pages, 2 sections, 2 assets", "public");
    let files = snapshot(&site.public());
    let page = text(&files, "guide/draft/index.html");
    assert!(page.contains("<h1>Unfinished page</h1>"), "{page}");
    assert!(page.contains("<p class=\"counter\">3 of 3</p>"), "{page}");
}

#[test]
fn output_is_deterministic() {
    let site = Site::new("basic");
    let first = build(&site, &[]);
    let second = build(&site, &[]);
    assert!(first == second, "two builds of the same input differ");
    site.run(&["build", "-d", "elsewhere"]).assert_ok();
    assert!(
        first == snapshot(&site.join("elsewhere")),
        "the output depends on the build dir"
    );
    let other_site = Site::new("basic");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dest = tmp.path().join("third");
    let run = other_site.run(&["build", "-d", dest.to_str().expect("UTF-8 path")]);
    run.assert_ok();
    assert!(
        first == snapshot(&dest),
        "the output depends on the project folder"
    );
}

#[cfg(unix)]
#[test]
fn output_is_world_readable_without_symlinks_under_umask_077() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let site = Site::new("basic");
    // Symlinks in the content become plain files (or folders) in the output.
    symlink("diagram.svg", site.join("content/guide/copy.svg")).expect("symlink");
    site.write("shared/note.txt", "shared\n");
    symlink("../shared", site.join("content/shared")).expect("symlink");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 077; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rekindle"))
        .arg("build")
        .current_dir(site.path());
    output(&mut cmd).assert_ok();
    let files = snapshot(&site.public());
    assert!(files.contains_key("guide/copy.svg") && files.contains_key("shared/note.txt"));
    let mut checked = 0;
    let mut stack = vec![site.public()];
    while let Some(dir) = stack.pop() {
        let mode = fs::symlink_metadata(&dir)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o555, 0o555, "{} is mode {mode:o}", dir.display());
        for entry in fs::read_dir(&dir).expect("read the output") {
            let path = entry.expect("an entry").path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            assert!(
                !meta.file_type().is_symlink(),
                "{} is a symlink",
                path.display()
            );
            if meta.is_dir() {
                stack.push(path);
            } else {
                let mode = meta.permissions().mode();
                assert_eq!(mode & 0o444, 0o444, "{} is mode {mode:o}", path.display());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, files.len());
}

#[test]
fn dest_dir_is_used_instead_of_public() {
    let site = Site::new("basic");
    for flag in ["-d", "--dest-dir"] {
        let out = format!("out{flag}");
        let run = site.run(&["build", flag, &out]);
        run.assert_ok();
        assert_summary(&run.stdout, "2 pages, 2 sections, 2 assets", &out);
        assert_eq!(names(&snapshot(&site.join(&out))), BASIC_FILES);
    }
    assert!(!site.public().exists(), "public/ was created");
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn bom_and_crlf_give_the_same_site_as_lf() {
    let site = Site::new("basic");
    let lf = build(&site, &[]);
    let source = site.read(FIRST);
    assert!(!source.contains('\r'));
    let mut crlf = b"\xEF\xBB\xBF".to_vec();
    crlf.extend_from_slice(source.replace('\n', "\r\n").as_bytes());
    site.write(FIRST, crlf);
    let converted = build(&site, &[]);
    assert!(
        lf == converted,
        "guide/first/index.html differs:\n{}",
        text(&converted, "guide/first/index.html")
    );
}

#[test]
fn rebuild_removes_outputs_without_a_source() {
    let site = Site::new("basic");
    let before = build(&site, &[]);
    assert!(before.contains_key("guide/second/index.html"));
    site.remove("content/guide/02-second.md");
    let first = site.read(FIRST).replace(
        "See [the second page](02-second.md#second-point) and",
        "See",
    );
    site.write(FIRST, first);
    let after = build(&site, &[]);
    let gone: Vec<&str> = names(&before)
        .into_iter()
        .filter(|f| !after.contains_key(*f))
        .collect();
    // The second page was the only dated one: with it goes the feed.
    assert_eq!(
        gone,
        [
            "atom.xml",
            "cards/guide/second/index.png",
            "guide/second/index.html"
        ]
    );
    assert!(!site.join("public/guide/second").exists());
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[test]
fn the_real_guide_builds() {
    let (tmp, dest, run) = common::build_the_guide();
    run.assert_ok();
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
    let index = fs::metadata(dest.join("search-index.json"))
        .expect("the search index")
        .len();
    assert!(
        index < 20 * 1024,
        "the guide's search index is {index} bytes"
    );
    assert!(dest.join("all/index.html").is_file(), "the one-page guide");
    let step = fs::read_to_string(dest.join("steps/focus-on-self-improvement/index.html"))
        .expect("step 2");
    assert!(
        step.contains(r#"<meta property="og:image" content="https://example.github.io/rekindle/cards/steps/focus-on-self-improvement/index.png">"#),
        "the page names its card"
    );
    assert!(step.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
    assert!(
        dest.join("cards/steps/focus-on-self-improvement/index.png")
            .is_file()
    );
    for page in [
        "index.html",
        "steps/accept-the-breakup/index.html",
        "steps/focus-on-self-improvement/index.html",
        "steps/limit-communication/index.html",
        "steps/be-social-and-active/index.html",
    ] {
        assert!(dest.join(page).is_file(), "{page} is missing");
    }
    assert!(!tmp.path().join("public").exists());
}

#[test]
fn a_search_index_over_its_budget_is_a_warning() {
    let site = Site::new("basic");
    let toml = fs::read_to_string(site.path().join("book.toml")).expect("book.toml");
    site.write(
        "book.toml",
        format!("{toml}\n[search]\nbudget-kb = 0\n").as_bytes(),
    );
    let run = site.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "warning: book.toml: the search index is 0.4 KB, over the budget of 0 KB: every reader who searches downloads it; raise `budget-kb` under [search] if that is intended\n"
    );
}

#[test]
fn manifests_prove_two_builds_identical_and_show_what_changed() {
    let site = Site::new("basic");
    let dir = site.path();
    let manifest = |name: &str| {
        let file = dir.join(name);
        let out = format!("out-{name}");
        site.run(&[
            "build",
            "-d",
            &out,
            "--manifest",
            file.to_str().expect("UTF-8"),
        ])
        .assert_ok();
        fs::read_to_string(file).expect("the manifest")
    };
    let first = manifest("a.txt");
    assert_eq!(first, manifest("b.txt"), "two builds, same manifest");
    let line = first
        .lines()
        .find(|l| l.ends_with("  guide/first/index.html"))
        .expect("a line for the first page");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[0].len(), 64, "SHA-256 in hex: {line}");
    let size = fs::metadata(dir.join("out-a.txt/guide/first/index.html"))
        .expect("page")
        .len();
    assert_eq!(fields[1], size.to_string());
    assert!(
        !first.contains(".rekindle"),
        "the marker is not part of the site"
    );
    site.write(
        "content/guide/02-second.md",
        fs::read_to_string(dir.join("content/guide/02-second.md")).expect("page")
            + "\nOne more line.\n",
    );
    let changed = manifest("c.txt");
    let differ: Vec<&str> = first
        .lines()
        .zip(changed.lines())
        .filter(|(a, b)| a != b)
        .map(|(_, b)| b.rsplit("  ").next().unwrap_or(""))
        .collect();
    assert!(differ.contains(&"guide/second/index.html"), "{differ:?}");
    assert!(!differ.contains(&"guide/first/index.html"), "{differ:?}");
}

#[test]
fn every_page_has_a_social_card_named_in_its_head() {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    let public = site.public();
    let card = fs::read(public.join("cards/guide/first/index.png")).expect("the first page's card");
    assert_eq!(&card[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&card[16..24], &[0, 0, 4, 176, 0, 0, 2, 118], "1200 x 630");
    let toml = fs::read_to_string(site.path().join("book.toml")).expect("book.toml");
    site.write("book.toml", format!("{toml}cards = false\n"));
    site.run(&["build"]).assert_ok();
    assert!(
        !public.join("cards").exists(),
        "no cards when [site] cards = false"
    );
}

/// Every folder under `dir`, by `/`-separated relative path.
fn folders(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("read a folder") {
            let entry = entry.expect("a folder entry");
            if entry.file_type().expect("a file type").is_dir() {
                let rel = entry.path().strip_prefix(dir).unwrap().to_owned();
                found.insert(rel.to_string_lossy().replace('\\', "/"));
                stack.push(entry.path());
            }
        }
    }
    found
}

/// What a build of the site's current content gives in a folder no build has used: its
/// files and its folders.
fn fresh_build(site: &Site) -> (BTreeMap<String, Vec<u8>>, BTreeSet<String>) {
    site.run(&["build", "-d", "fresh"]).assert_ok();
    let fresh = site.join("fresh");
    let made = (snapshot(&fresh), folders(&fresh));
    fs::remove_dir_all(&fresh).expect("remove fresh/");
    made
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(path).expect("stat").ino()
}

#[cfg(unix)]
#[test]
fn a_rebuild_rewrites_the_previous_output_in_place() {
    let site = Site::new("basic");
    let first = build(&site, &[]);
    let index = inode(&site.join("public/index.html"));
    // The second build replaces the first, which is kept beside it...
    assert!(build(&site, &[]) == first);
    let previous = site.join(".public.previous");
    assert!(snapshot(&previous) == first, "the first build was not kept");
    // ...for the third to rewrite: its files are the first build's, and a page that has
    // lost its source loses its file and folder.
    site.remove("content/guide/02-second.md");
    let first_page = site.read(FIRST).replace(
        "See [the second page](02-second.md#second-point) and",
        "See",
    );
    site.write(FIRST, first_page);
    let third = build(&site, &[]);
    assert_eq!(inode(&site.join("public/index.html")), index);
    let (files, made) = fresh_build(&site);
    assert!(third == files, "the rewritten build differs");
    assert!(!third.contains_key("guide/second/index.html"));
    assert!(!made.contains("guide/second"));
    assert_eq!(folders(&site.public()), made);
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn a_rebuild_never_writes_through_links_left_in_the_previous_output() {
    use std::os::unix::fs::symlink;
    let site = Site::new("basic");
    build(&site, &[]);
    let expected = build(&site, &[]);
    let previous = site.join(".public.previous");
    site.write("outside/victim.txt", "not rekindle's");
    site.write("outside/linked.txt", "shared");
    // A file that is a link out, a folder that is a link out, a file with a second name.
    fs::remove_file(previous.join("index.html")).unwrap();
    symlink(site.join("outside/victim.txt"), previous.join("index.html")).unwrap();
    fs::remove_dir_all(previous.join("tags")).unwrap();
    symlink(site.join("outside"), previous.join("tags")).unwrap();
    fs::remove_file(previous.join("style.css")).unwrap();
    fs::hard_link(site.join("outside/linked.txt"), previous.join("style.css")).unwrap();
    let before = snapshot(&site.join("outside"));
    assert!(build(&site, &[]) == expected, "the output differs");
    assert!(
        fs::symlink_metadata(site.join("public/tags"))
            .unwrap()
            .is_dir()
    );
    assert!(
        snapshot(&site.join("outside")) == before,
        "a file outside the site changed"
    );
}

#[test]
fn a_rebuild_leaves_nothing_of_longer_files_in_the_previous_output() {
    let site = Site::new("basic");
    build(&site, &[]);
    let expected = build(&site, &[]);
    let previous = site.join(".public.previous");
    let long = "<!-- an older, longer page -->\n".repeat(1000);
    for rel in ["index.html", "search-index.json", "style.css"] {
        let mut bytes = fs::read(previous.join(rel)).unwrap();
        bytes.extend_from_slice(long.as_bytes());
        fs::write(previous.join(rel), bytes).unwrap();
    }
    assert!(build(&site, &[]) == expected, "the output differs");
}

#[test]
fn a_rebuild_swaps_files_and_folders_the_previous_output_has_the_other_way() {
    let site = Site::new("basic");
    build(&site, &[]);
    let expected = build(&site, &[]);
    let previous = site.join(".public.previous");
    fs::remove_dir_all(previous.join("guide/first")).unwrap();
    fs::write(previous.join("guide/first"), "a file where a folder goes").unwrap();
    fs::remove_file(previous.join("robots.txt")).unwrap();
    fs::create_dir_all(previous.join("robots.txt/inside")).unwrap();
    fs::write(previous.join("robots.txt/inside/x.html"), "old").unwrap();
    assert!(build(&site, &[]) == expected, "the output differs");
}

#[test]
fn a_previous_folder_rekindle_did_not_write_is_left_alone() {
    let site = Site::new("basic");
    site.write(".public.previous/notes.txt", "mine");
    let expected = build(&site, &[]);
    assert!(build(&site, &[]) == expected);
    assert!(build(&site, &[]) == expected);
    assert_eq!(
        names(&snapshot(&site.join(".public.previous"))),
        ["notes.txt"]
    );
    assert_eq!(site.read(".public.previous/notes.txt"), "mine");
    assert_eq!(site.leftovers(), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn a_failed_build_deletes_the_earlier_build_it_was_rewriting() {
    let site = Site::new("basic");
    build(&site, &[]);
    let expected = build(&site, &[]);
    let template = "themes/default/templates/page.html";
    let good = site.read(template);
    site.write(template, "<p>{{ page.missing.field }}</p>\n");
    let failed = site.run(&["build"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(snapshot(&site.public()) == expected, "the output changed");
    assert!(!site.join(".public.previous").exists());
    assert_eq!(site.leftovers(), Vec::<String>::new());
    site.write(template, good);
    assert!(build(&site, &[]) == expected);
}

#[cfg(unix)]
#[test]
fn a_rebuild_replaces_read_only_files_of_the_previous_output() {
    use std::os::unix::fs::PermissionsExt;
    let site = Site::new("basic");
    build(&site, &[]);
    let expected = build(&site, &[]);
    let file = site.join(".public.previous/index.html");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
    assert!(build(&site, &[]) == expected, "the output differs");
    let mode = fs::metadata(site.join("public/index.html"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o200, 0o200, "index.html is still read-only");
}

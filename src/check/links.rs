//! Link checking: finds every href, src and id in the rendered HTML and proves each internal
//! link leads to a file of the site (and each `#anchor` to an id on that page). Pure.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::markdown::Link;
use crate::model::site::{Node, Site, is_external};

/// What one rendered HTML file links to and which ids it defines.
#[derive(Debug, Default)]
pub struct Scan {
    /// Output file, relative to the site root.
    pub file: String,
    pub links: Vec<String>,
    pub ids: Vec<String>,
    /// The page or section it was rendered from, to locate a broken link in its source.
    pub node: Option<Node>,
    /// The template it was rendered with.
    pub template: String,
}

/// Where the links of an output file come from, looked up only to report a broken one.
#[derive(Debug, Default, Clone)]
pub struct Origin<'a> {
    pub source: Option<&'a Path>,
    pub template: PathBuf,
    /// The Markdown links of the source, with lines relative to its body.
    pub markdown: &'a [Link],
    /// The file line where the body starts.
    pub body_line: usize,
    /// The source's path relative to the content folder, to resolve a `.md` link.
    pub rel: &'a str,
    /// The drafts left out of the build, by content-relative path, sorted.
    pub drafts: &'a [String],
    /// The site, to suggest the content file a broken `.md` link may have meant.
    pub site: Option<&'a Site>,
}

/// Judges links against every file of the site. Built once per build from the list of
/// output files, before rendering, so each page's links can be judged as soon as it is rendered.
pub struct Checker {
    /// The URL path of every file: a folder's `index.html` by its folder (`/g/steps/a/`),
    /// other files by their own path. Looked up for every link of every page: it is kept
    /// small (one entry per file, boxed), so that most lookups find it in the CPU's cache.
    paths: HashSet<Box<str>, ahash::RandomState>,
    base_path: String,
    /// `https://host` of the base URL, to recognise absolute links to the site itself.
    origin: String,
}

/// Where a link leads: a site path and a fragment, or a problem.
enum Target<'a> {
    Outside,
    /// The URL path of the page or file, and the fragment.
    Found(Cow<'a, str>, &'a str),
    Broken(String),
}

impl Checker {
    /// `files` lists every file of the site, relative to its root.
    pub fn new(files: &[String], base_path: &str, base_url: &str) -> Self {
        let mut paths = HashSet::with_capacity_and_hasher(files.len(), Default::default());
        for file in files {
            let path = index_dir(file).unwrap_or(file);
            paths.insert([base_path, path].concat().into_boxed_str());
        }
        Checker {
            paths,
            base_path: base_path.to_string(),
            origin: base_url.strip_suffix(base_path).unwrap_or("").to_string(),
        }
    }

    /// Keeps the links of `file` that need the whole site to judge (broken ones, and those
    /// with an anchor on another page); the others are fine and dropped, so that little is
    /// held in memory. `ids` are the ids of `file` itself.
    pub fn triage(&self, file: &str, links: Vec<Cow<'_, str>>, ids: &[String]) -> Vec<String> {
        let here = page_path(&self.base_path, file);
        let ids = Ids::new(ids);
        let keep = |link: &str| match self.target(link, &here) {
            Target::Outside => false,
            Target::Found(target, fragment) if target == here => {
                !fragment.is_empty() && !ids.contains(fragment)
            }
            Target::Found(_, fragment) => !fragment.is_empty(),
            Target::Broken(_) => true,
        };
        links
            .into_iter()
            .filter(|link| keep(link))
            .map(Cow::into_owned)
            .collect()
    }

    /// Checks the links kept by `triage`, now that every page's ids are known; `scans` are
    /// sorted by file. `origin` says where a scan's links come from, to locate a broken one.
    /// The scans are checked in parallel; the errors keep their order.
    pub fn check<'a>(
        &self,
        scans: &'a [Scan],
        origin: &(dyn Fn(&'a Scan) -> Origin<'a> + Sync),
    ) -> Result<()> {
        use rayon::prelude::*;
        // Each page's ids by its path under the base (`a/` for `a/index.html`), for the links
        // with an anchor on another page.
        let by_path: HashMap<&str, &[String], ahash::RandomState> = (scans.iter())
            .map(|s| (index_dir(&s.file).unwrap_or(&s.file), s.ids.as_slice()))
            .collect();
        let ids = |target: &str| {
            let rel = target.strip_prefix(self.base_path.as_str())?;
            by_path.get(index_dir(rel).unwrap_or(rel)).copied()
        };
        let errors: Vec<Error> = (scans.par_iter())
            .with_max_len(crate::base::parallel::PARALLEL_CHUNK)
            .flat_map_iter(|scan| self.check_scan(scan, &ids, origin))
            .collect();
        Error::from_list(errors).map_or(Ok(()), Err)
    }

    /// Checks the links of the scans at the indices `which` of `scans` (sorted by file).
    pub fn check_some<'a>(
        &self,
        scans: &'a [Scan],
        which: &mut dyn Iterator<Item = usize>,
        origin: &dyn Fn(&'a Scan) -> Origin<'a>,
    ) -> Result<()> {
        let ids = |target: &str| -> Option<&'a [String]> {
            let rel = target.strip_prefix(self.base_path.as_str())?;
            let file = match rel.is_empty() || rel.ends_with('/') {
                true => [rel, "index.html"].concat(),
                false => rel.to_string(),
            };
            let i = scans
                .binary_search_by(|s| s.file.as_str().cmp(&file))
                .ok()?;
            Some(&scans[i].ids)
        };
        let errors: Vec<Error> = (which.filter_map(|i| scans.get(i)))
            .flat_map(|scan| self.check_scan(scan, &ids, origin))
            .collect();
        Error::from_list(errors).map_or(Ok(()), Err)
    }

    /// The broken links of `scan`; `ids` gives the ids of the page at a URL path.
    fn check_scan<'a>(
        &self,
        scan: &'a Scan,
        ids: &(dyn Fn(&str) -> Option<&'a [String]> + Sync),
        origin: &dyn Fn(&'a Scan) -> Origin<'a>,
    ) -> Vec<Error> {
        if scan.links.is_empty() {
            return Vec::new();
        }
        let mut errors = Vec::new();
        let here = page_path(&self.base_path, &scan.file);
        for (i, link) in scan.links.iter().enumerate() {
            let problem = match self.target(link, &here) {
                Target::Outside => None,
                Target::Broken(problem) => Some(Problem::Path(problem)),
                Target::Found(_, "") => None,
                Target::Found(target, fragment) => match ids(&target) {
                    Some(page) if !page.iter().any(|id| id == fragment) => {
                        let problem = format!("`{target}` has no anchor `#{fragment}`");
                        Some(Problem::Anchor(match closest(page, fragment) {
                            Some(id) => format!("{problem}; did you mean `#{id}`?"),
                            None => problem,
                        }))
                    }
                    _ => None,
                },
            };
            if let Some(problem) = problem {
                // Which of the equal links on the page this is (most pages keep one or two).
                let nth = scan.links[..i].iter().filter(|l| *l == link).count();
                errors.push(report(scan, &origin(scan), (link, nth), problem));
            }
        }
        errors
    }

    /// Resolves `link`, found on the page at URL path `here`.
    fn target<'a>(&self, link: &'a str, here: &'a str) -> Target<'a> {
        let link = match link.strip_prefix(self.origin.as_str()) {
            Some(rest) if !self.origin.is_empty() && rest.starts_with('/') => rest,
            _ if is_external(link) => return Target::Outside,
            _ => link,
        };
        let (path, fragment) = split_link(link);
        let target: Cow<'a, str> = if path.is_empty() {
            Cow::Borrowed(here)
        } else if path.starts_with('/') && !path.as_bytes().contains(&b'%') {
            Cow::Borrowed(path)
        } else if path.starts_with('/') {
            percent_decode_str(path).decode_utf8_lossy()
        } else {
            let dir = &here[..here.rfind('/').map_or(0, |i| i + 1)];
            let joined = [dir.trim_start_matches('/'), path].concat();
            let decoded = percent_decode_str(&joined).decode_utf8_lossy().into_owned();
            match crate::model::site::normalize(&decoded) {
                Some(n) if path.ends_with('/') && !n.is_empty() => {
                    Cow::Owned(["/", &n, "/"].concat())
                }
                Some(n) => Cow::Owned(["/", &n].concat()),
                None => return Target::Broken("it climbs above the site's root".to_string()),
            }
        };
        let known = index_dir(&target).unwrap_or(&target);
        if self.paths.contains(known) {
            Target::Found(target, fragment)
        } else if self.paths.contains(format!("{target}/").as_str()) {
            Target::Found(Cow::Owned(format!("{target}/")), fragment)
        } else {
            let problem = format!("no page or file at `{target}`");
            // A path from the server's root that misses the site's base path (a project site
            // on GitHub Pages lives under `/repo/`).
            let based = [self.base_path.as_str(), target.trim_start_matches('/')].concat();
            let under = index_dir(&based).unwrap_or(&based);
            if self.base_path != "/"
                && !target.starts_with(self.base_path.as_str())
                && self.paths.contains(under)
            {
                return Target::Broken(format!(
                    "{problem}; did you mean `{based}`? The site lives under `{}`",
                    self.base_path
                ));
            }
            Target::Broken(problem)
        }
    }
}

/// The ids of one page, to look a page's own anchors up in: a list for the few of most
/// pages, a set for a page with many headings, whose table of contents links to each of
/// them (a list made that quadratic: 20 s for a 10 MB page).
enum Ids<'a> {
    Few(&'a [String]),
    Many(HashSet<&'a str, ahash::RandomState>),
}

impl<'a> Ids<'a> {
    /// Past this many ids, a set is cheaper than a scan.
    const FEW: usize = 64;

    fn new(ids: &'a [String]) -> Self {
        match ids.len() <= Self::FEW {
            true => Ids::Few(ids),
            false => Ids::Many(ids.iter().map(String::as_str).collect()),
        }
    }

    fn contains(&self, id: &str) -> bool {
        match self {
            Ids::Few(ids) => ids.iter().any(|known| known == id),
            Ids::Many(ids) => ids.contains(id),
        }
    }
}

/// Why a link is broken: its path leads nowhere, or its page has no such anchor.
enum Problem {
    Path(String),
    Anchor(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Path(text) | Problem::Anchor(text) => f.write_str(text),
        }
    }
}

/// The id of `ids` most like `wanted`, if one is like it enough to be what was meant.
fn closest<'i>(ids: &'i [String], wanted: &str) -> Option<&'i str> {
    let wanted = wanted.to_lowercase();
    (ids.iter())
        .filter(|id| !id.is_empty())
        .map(|id| {
            (
                strsim::normalized_levenshtein(&id.to_lowercase(), &wanted),
                id,
            )
        })
        .filter(|(likeness, _)| *likeness >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id.as_str())
}

/// A link's path (without its query) and its fragment: `/a/?q#f` -> (`/a/`, `f`).
fn split_link(link: &str) -> (&str, &str) {
    let bytes = link.as_bytes();
    let mut query = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'?' if query.is_none() => query = Some(i),
            b'#' => return (&link[..query.unwrap_or(i)], &link[i + 1..]),
            _ => {}
        }
    }
    (&link[..query.unwrap_or(bytes.len())], "")
}

/// The folder of a folder's `index.html` (`a/index.html` -> `a/`, `index.html` -> ``).
fn index_dir(path: &str) -> Option<&str> {
    path.strip_suffix("index.html")
        .filter(|dir| dir.is_empty() || dir.ends_with('/'))
}

/// The URL path of an output file: `steps/a/index.html` -> `/base/steps/a/`.
fn page_path(base_path: &str, file: &str) -> String {
    [base_path, index_dir(file).unwrap_or(file)].concat()
}

/// A broken link as an error; `nth` says which occurrence of it on the page this is, so that
/// each of several equal links is located at its own place.
fn report(scan: &Scan, origin: &Origin, (link, nth): (&str, usize), problem: Problem) -> Error {
    // The HTML holds a destination percent-encoded (`no%20such.md` for `<no such.md>`).
    let decoded = |l: &str| percent_decode_str(l).decode_utf8_lossy().into_owned();
    let wanted = decoded(link);
    let mut same =
        (origin.markdown.iter()).filter(|l| l.dest == link || decoded(&l.dest) == wanted);
    let written = same.clone().nth(nth).or_else(|| same.next_back());
    let d = match (written, &origin.source) {
        (Some(l), Some(source)) => {
            let line = origin.body_line + l.line - 1;
            let (msg, hint) = explain(origin, l, problem);
            Diagnostic::at(source, line, l.col, msg).with_hint(hint)
        }
        (_, source) => {
            let msg = format!("broken link `{link}` in `{}`: {problem}", scan.file);
            let mut d = Diagnostic::file(&origin.template, msg);
            d.hint = Some(match source {
                Some(s) => format!(
                    "while rendering {}; build links with url(path=...)",
                    s.display()
                ),
                None => "build links in templates with url(path=...)".to_string(),
            });
            d
        }
    };
    Error::Link(d)
}

/// The message and the advice for a broken link written in content.
fn explain(origin: &Origin, l: &Link, problem: Problem) -> (String, String) {
    let written = &l.written;
    let path = written.split(['#', '?']).next().unwrap_or(written);
    if !(path.ends_with(".md") && l.dest == l.written) {
        let hint = match problem {
            Problem::Anchor(_) => {
                "an anchor is the id of a heading on the target page: `## What's new` has `#whats-new`"
            }
            Problem::Path(_) => {
                "a path is read from this file's folder: link to a page by its .md file, to a picture by its file in the content folder"
            }
        };
        return (format!("broken link `{written}`: {problem}"), hint.into());
    }
    let dir = origin.rel.rfind('/').map_or("", |i| &origin.rel[..i]);
    let joined = percent_decode_str(&[dir, "/", path].concat())
        .decode_utf8_lossy()
        .into_owned();
    match crate::model::site::normalize(&joined) {
        Some(target) if origin.drafts.binary_search(&target).is_ok() => (
            format!("broken link `{written}`: `{target}` is a draft (`draft: true`), left out of this build"),
            "build with `--drafts` to include drafts, or remove `draft: true` from it when it is ready".into(),
        ),
        target => {
            let meant = target.and_then(|t| meant(origin.site?, &t)).map(|m| relative(dir, m));
            let msg = format!("broken link `{written}`: there is no such content file");
            let msg = match &meant {
                Some(m) => format!("{msg}; did you mean `{m}`?"),
                None => msg,
            };
            let hint = match meant {
                Some(m) if m.ends_with("_index.md") => {
                    "a section's own page is its `_index.md` (where mdBook has README.md and Hugo has _index.md or index.md)"
                }
                _ => {
                    "link to a page with the path of its .md file relative to this file, e.g. `../steps/01-accept.md`"
                }
            };
            (msg, hint.into())
        }
    }
}

/// The content file a link to the missing `target` most likely meant: the folder's
/// `_index.md` for a `README.md` or `index.md`, else a file of the same folder whose name is
/// at least 70% like it, else a file of the same name in another folder.
fn meant<'s>(site: &'s Site, target: &str) -> Option<&'s str> {
    let docs = (site.sections.iter().map(|s| s.doc.rel.as_str()))
        .chain(site.pages.iter().map(|p| p.doc.rel.as_str()));
    let (dir, name) = target.rsplit_once('/').unwrap_or(("", target));
    if matches!(name.to_ascii_lowercase().as_str(), "readme.md" | "index.md") {
        let index = match dir {
            "" => "_index.md".to_string(),
            dir => format!("{dir}/_index.md"),
        };
        return docs.clone().find(|d| *d == index);
    }
    // A file of the same folder with a name like it, or one of the same name elsewhere.
    let likeness = |doc: &str| {
        let (doc_dir, doc_name) = doc.rsplit_once('/').unwrap_or(("", doc));
        match (doc_dir == dir, doc_name == name) {
            (true, _) => strsim::normalized_levenshtein(doc_name, name),
            (false, true) => 0.75,
            (false, false) => 0.0,
        }
    };
    docs.map(|d| (likeness(d), d))
        .filter(|(likeness, _)| *likeness >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d)
}

/// `to` (relative to the content folder) as a link from a file in the folder `from`.
fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').collect();
    let shared = (from.iter().zip(&to)).take_while(|(a, b)| a == b).count();
    let up = vec![".."; from.len() - shared];
    up.into_iter()
        .chain(to[shared..].iter().copied())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_found_by_its_path_and_by_its_index_html() {
        let files: Vec<String> = ["index.html", "a/index.html", "b.css", "cindex.html"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let checker = Checker::new(&files, "/g/", "https://x.io/g/");
        let links = [
            "/g/",
            "/g/index.html",
            "/g/a/",
            "/g/a/index.html",
            "/g/a",
            "/g/b.css",
        ];
        let more = [
            "/g/cindex.html",
            "/g/c",
            "/g/b.css/",
            "/g/a/b.css",
            "/g/a/index.htm",
        ];
        let all = links.iter().chain(&more).map(|&l| l.into()).collect();
        assert_eq!(
            checker.triage("index.html", all, &[]),
            vec!["/g/c", "/g/b.css/", "/g/a/b.css", "/g/a/index.htm"]
        );
    }

    #[test]
    fn external_links_are_told_by_their_scheme() {
        for link in [
            "https://e.com/",
            "mailto:a@b.c",
            "//cdn.x/y",
            "git+ssh://h/r",
            "a.b-c:d",
        ] {
            assert!(is_external(link), "{link}");
        }
        for link in [
            "/a:b",
            "a/b:c",
            "1http://x",
            ":x",
            "",
            "é:x",
            "steps/a.md",
            "?q=a:b",
        ] {
            assert!(!is_external(link), "{link}");
        }
    }

    #[test]
    fn a_content_path_is_written_relative_to_the_linking_folder() {
        assert_eq!(relative("", "guide/01-a.md"), "guide/01-a.md");
        assert_eq!(relative("guide", "guide/01-a.md"), "01-a.md");
        assert_eq!(relative("guide/deep", "guide/01-a.md"), "../01-a.md");
        assert_eq!(relative("a/b", "c/_index.md"), "../../c/_index.md");
        assert_eq!(relative("guide", "_index.md"), "../_index.md");
    }

    #[test]
    fn a_path_from_the_root_without_the_base_path_is_told_so() {
        let files = vec!["index.html".to_string(), "steps/a/index.html".to_string()];
        let checker = Checker::new(&files, "/g/", "https://x.io/g/");
        let scans = [scan_of("index.html", &["/steps/a/", "/nope/"], &[])];
        let text = checker
            .check(&scans, &|_| Origin::default())
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(
                "no page or file at `/steps/a/`; did you mean `/g/steps/a/`? The site lives under `/g/`"
            ),
            "{text}"
        );
        assert!(
            text.contains("no page or file at `/nope/`\n"),
            "no suggestion where there is none: {text}"
        );
    }

    #[test]
    fn a_link_splits_into_path_and_fragment() {
        assert_eq!(split_link("/a/?q=1#f"), ("/a/", "f"));
        assert_eq!(split_link("/a/#f?q"), ("/a/", "f?q"));
        assert_eq!(split_link("#top"), ("", "top"));
        assert_eq!(split_link("/a/?b?c"), ("/a/", ""));
        assert_eq!(split_link("x"), ("x", ""));
    }

    fn scan_of(file: &str, links: &[&str], ids: &[&str]) -> Scan {
        Scan {
            file: file.to_string(),
            links: links.iter().map(|s| s.to_string()).collect(),
            ids: ids.iter().map(|s| s.to_string()).collect(),
            node: None,
            template: "page.html".to_string(),
        }
    }

    /// Regression: a page's own anchors were looked up in a list, once per link, which took
    /// 20 s for a 10 MB page whose table of contents links to its 70,000 headings.
    #[test]
    fn anchors_on_a_page_with_many_ids_are_found_in_a_set() {
        let files = vec!["a/index.html".to_string()];
        let checker = Checker::new(&files, "/", "https://x.io/");
        for count in [3, Ids::FEW, Ids::FEW + 1, 1000] {
            let ids: Vec<String> = (0..count).map(|i| format!("h-{i}")).collect();
            let links = ["#h-0", "#h-2", "#gone", "/a/#h-1", "#", "/a/"];
            let kept = checker.triage("a/index.html", links.map(Cow::from).to_vec(), &ids);
            assert_eq!(kept, vec!["#gone"], "{count} ids");
        }
    }

    #[test]
    fn percent_escaped_links_are_decoded_before_lookup() {
        let files = vec!["index.html".to_string(), "a b/index.html".to_string()];
        let checker = Checker::new(&files, "/g/", "https://x.io/g/");
        let kept = checker.triage(
            "index.html",
            vec![
                "/g/a%20b/".into(),
                "a%20b/".into(),
                "/g/a b/".into(),
                "/g/a%20c/".into(),
            ],
            &[],
        );
        assert_eq!(
            kept,
            vec!["/g/a%20c/".to_string()],
            "only the missing page is kept"
        );
    }

    #[test]
    fn resolves_absolute_relative_and_anchor_links() {
        let files: Vec<String> = ["index.html", "steps/a/index.html", "style.css"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ok = [
            scan_of(
                "index.html",
                &[
                    "/g/steps/a/#x",
                    "steps/a/",
                    "/g/style.css?h=1",
                    "#top",
                    "https://e.com/",
                ],
                &["top"],
            ),
            scan_of(
                "steps/a/index.html",
                &["../../", "/g/steps/a", "https://x.io/g/steps/a/"],
                &["x"],
            ),
        ];
        let checker = Checker::new(&files, "/g/", "https://x.io/g/");
        checker.check(&ok, &|_| Origin::default()).unwrap();
        assert_eq!(
            checker.triage(
                "index.html",
                vec![
                    "/g/steps/a/".into(),
                    "/g/steps/a/#x".into(),
                    "/nope".into(),
                    "#top".into(),
                    "#gone".into()
                ],
                &["top".to_string()]
            ),
            vec![
                "/g/steps/a/#x".to_string(),
                "/nope".to_string(),
                "#gone".to_string()
            ]
        );
        let bad = [
            scan_of(
                "index.html",
                &["/g/nope/", "/g/steps/a/#y", "/steps/a/"],
                &[],
            ),
            scan_of("steps/a/index.html", &[], &["x"]),
        ];
        let err = checker.check(&bad, &|_| Origin::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no page or file at `/g/nope/`"), "{text}");
        assert!(text.contains("`/g/steps/a/` has no anchor `#y`"), "{text}");
        assert!(text.contains("no page or file at `/steps/a/`"), "{text}");
    }
}

//! book.toml: the raw serde shape, its defaults, and the validated `Config` the build uses.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::base::error::{Diagnostic, Error, Result, explain_unknown_field};
use crate::base::markdown;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    book: RawBook,
    #[serde(default)]
    build: RawBuild,
    #[serde(default)]
    site: RawSite,
    #[serde(default)]
    markdown: RawMarkdown,
    #[serde(default)]
    search: RawSearch,
    #[serde(default)]
    one_page: RawSearch,
    #[serde(default)]
    extra: toml::Table,
}

/// `[search]` and `[one-page]`: the size past which the file gets a warning.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawSearch {
    budget_kb: u64,
}

impl Default for RawSearch {
    fn default() -> Self {
        RawSearch { budget_kb: 2048 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBook {
    title: String,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_language")]
    language: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawBuild {
    content_dir: PathBuf,
    build_dir: PathBuf,
    theme: String,
}

impl Default for RawBuild {
    fn default() -> Self {
        RawBuild {
            content_dir: PathBuf::from("content"),
            build_dir: PathBuf::from("public"),
            theme: "default".to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawSite {
    url: String,
    cname: String,
    cards: bool,
}

impl Default for RawSite {
    fn default() -> Self {
        RawSite {
            url: "/".to_string(),
            cname: String::new(),
            cards: true,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
struct RawMarkdown {
    smart_punctuation: bool,
    heading_anchors: bool,
}

impl Default for RawMarkdown {
    fn default() -> Self {
        RawMarkdown {
            smart_punctuation: true,
            heading_anchors: true,
        }
    }
}

fn default_language() -> String {
    "en".to_string()
}

/// What the command line may override.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub dest_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Content lint warnings fail the build.
    pub strict: bool,
    /// Write a manifest of the output (SHA-256, size, path) to this file.
    pub manifest: Option<PathBuf>,
}

/// The site's base URL, split into what links need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https://user.github.io/repo/`, or `/` when no host is known; always ends with `/`.
    pub url: String,
    /// The path part: `/repo/` or `/`; every link starts with it.
    pub path: String,
}

impl BaseUrl {
    /// Parses `/`, `/path/` or `http(s)://host[:port]/path` (with the `url` crate). A
    /// protocol-relative `//host/`, a space, a query, a fragment, a user name or a bad port is
    /// refused: every link of the site starts with what this gives.
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let trimmed = raw.trim();
        let unfit = |why: &str| format!("`{raw}` is not a usable base URL: {why}");
        if trimmed.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(unfit("it holds a space or a control character"));
        }
        if trimmed.contains(['?', '#', '"', '<', '>', '\\']) {
            return Err(unfit(
                "it may not hold a query, a fragment, quotes, `<`, `>` or `\\`",
            ));
        }
        if trimmed.starts_with("//") {
            let why = "a protocol-relative URL (`//host/`) leaves the scheme to the reader; \
                       write `https://host/`, or a path like `/guide/`";
            return Err(unfit(why));
        }
        let (origin, path) = if trimmed.starts_with('/') {
            (String::new(), trimmed.to_string())
        } else {
            let url = url::Url::parse(trimmed).map_err(|e| match e {
                url::ParseError::RelativeUrlWithoutBase => format!(
                    "`{raw}` is not an absolute URL: write it as `https://USER.github.io/REPO/` or `/`"
                ),
                e => unfit(&e.to_string()),
            })?;
            if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
                return Err(unfit(
                    "it must start with https:// or http:// and name a host",
                ));
            }
            if !url.username().is_empty() || url.password().is_some() {
                return Err(unfit("it may not hold a user name or a password"));
            }
            (url.origin().ascii_serialization(), url.path().to_string())
        };
        let mut path = path.trim_end_matches('/').to_string();
        path.push('/');
        Ok(BaseUrl {
            url: [origin.as_str(), &path].concat(),
            path,
        })
    }

    /// The absolute address of a site path that already carries the base path.
    pub fn permalink(&self, path: &str) -> String {
        let origin = self.url.strip_suffix(&self.path).unwrap_or("");
        [origin, path].concat()
    }
}

/// The validated configuration of one build.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder holding book.toml, as the user named it.
    pub root: PathBuf,
    pub title: String,
    pub authors: Vec<String>,
    pub description: String,
    pub language: String,
    pub content_dir: PathBuf,
    pub build_dir: PathBuf,
    pub theme_dir: PathBuf,
    pub base: BaseUrl,
    pub cname: Option<String>,
    /// Draw a social preview card (PNG) for every page and section.
    pub cards: bool,
    pub markdown: markdown::Options,
    pub extra: toml::Table,
    pub drafts: bool,
    pub strict: bool,
    /// Above this size (bytes) the search index gets a warning.
    pub search_budget: u64,
    /// Above this size (bytes) the one-page guide (`/all/`) gets a warning.
    pub one_page_budget: u64,
}

impl Config {
    /// The path of book.toml in `root`.
    pub fn file(root: &Path) -> PathBuf {
        join(root, Path::new("book.toml"))
    }

    /// Parses book.toml's text (read from `Config::file(root)`) and applies the overrides.
    pub fn parse(root: &Path, text: &str, overrides: &Overrides) -> Result<Config> {
        let file = Config::file(root);
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(&file, text, &e))?;
        let url = overrides.base_url.as_deref().unwrap_or(&raw.site.url);
        let base = BaseUrl::parse(url).map_err(|msg| {
            let d = match overrides.base_url {
                Some(_) => Diagnostic::file("--base-url", msg),
                None => locate_key(&file, text, "url", msg),
            };
            Error::Config(d)
        })?;
        let build_dir = match &overrides.dest_dir {
            Some(dest) => dest.clone(),
            None => join(root, &raw.build.build_dir),
        };
        let cname = Some(raw.site.cname.trim().to_string()).filter(|c| !c.is_empty());
        if let Some(c) = cname.as_ref().filter(|c| c.contains(['/', ' ', ':'])) {
            let msg = format!("cname `{c}` must be a bare domain like `guide.example.com`");
            return Err(Error::Config(locate_key(&file, text, "cname", msg)));
        }
        if raw.build.theme.is_empty() || raw.build.theme.contains(['/', '\\']) {
            let msg = format!(
                "theme `{}` must be the name of a folder in themes/",
                raw.build.theme
            );
            return Err(Error::Config(locate_key(&file, text, "theme", msg)));
        }
        Ok(Config {
            root: root.to_path_buf(),
            title: raw.book.title,
            authors: raw.book.authors,
            description: raw.book.description,
            language: raw.book.language,
            content_dir: join(root, &raw.build.content_dir),
            theme_dir: join(root, &Path::new("themes").join(&raw.build.theme)),
            build_dir,
            base,
            cname,
            cards: raw.site.cards,
            markdown: markdown::Options {
                smart_punctuation: raw.markdown.smart_punctuation,
                heading_anchors: raw.markdown.heading_anchors,
                highlighter: Some(std::sync::Arc::default()),
            },
            extra: raw.extra,
            drafts: overrides.drafts,
            strict: overrides.strict,
            search_budget: raw.search.budget_kb.saturating_mul(1024),
            one_page_budget: raw.one_page.budget_kb.saturating_mul(1024),
        })
    }
}

/// `root/rel`, without a leading `./` when root is the current folder.
pub fn join(root: &Path, rel: &Path) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

fn toml_error(file: &Path, text: &str, err: &toml::de::Error) -> Error {
    let (line, col) = err
        .span()
        .map(|span| line_col(text, span.start))
        .unwrap_or((0, 0));
    let message = err.message().trim().to_string();
    let mut d = match explain_unknown_field(&message) {
        Some((msg, hint)) => Diagnostic::at(file, line, col, msg).with_hint(hint),
        None => Diagnostic::at(file, line, col, message),
    };
    if d.message.starts_with("missing field `title`") {
        d = d.with_hint("add `title = \"...\"` under [book]");
    }
    Error::Config(d.with_source(text))
}

/// A diagnostic at the first line that sets `key`.
fn locate_key(file: &Path, text: &str, key: &str, message: String) -> Diagnostic {
    let line = text
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1);
    Diagnostic::at(file, line, usize::from(line > 0), message).with_source(text)
}

/// 1-based line and column (in chars) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Path::new("."), text, &Overrides::default())
    }

    #[test]
    fn defaults_apply() {
        let c = parse("[book]\ntitle = \"T\"\n").unwrap();
        assert_eq!(c.content_dir, PathBuf::from("content"));
        assert_eq!(c.build_dir, PathBuf::from("public"));
        assert_eq!(c.theme_dir, PathBuf::from("themes/default"));
        assert_eq!(c.base.path, "/");
        assert_eq!(c.language, "en");
        assert!(c.markdown.smart_punctuation && c.markdown.heading_anchors);
    }

    #[test]
    fn unknown_key_names_file_line_and_suggestion() {
        let err = parse("[book]\ntitle = \"T\"\n\n[build]\nbuild-dri = \"out\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "book.toml:5:1: unknown field `build-dri`\n  |\n5 | build-dri = \"out\"\n  | ^\n  = help: did you mean `build-dir`? Known fields: content-dir, build-dir, theme"
        );
    }

    #[test]
    fn wrong_type_is_located() {
        let err = parse("[book]\ntitle = 3\n").unwrap_err();
        let d = err.diagnostic().unwrap();
        assert_eq!((d.line, d.col), (2, 9));
        assert!(d.message.contains("invalid type"), "{}", d.message);
    }

    #[test]
    fn base_url_forms() {
        let b = BaseUrl::parse("https://user.github.io/repo").unwrap();
        assert_eq!(b.url, "https://user.github.io/repo/");
        assert_eq!(b.path, "/repo/");
        assert_eq!(
            b.permalink("/repo/steps/"),
            "https://user.github.io/repo/steps/"
        );
        let b = BaseUrl::parse("https://example.com").unwrap();
        assert_eq!(
            (b.url.as_str(), b.path.as_str()),
            ("https://example.com/", "/")
        );
        assert_eq!(BaseUrl::parse("/").unwrap().path, "/");
        assert!(BaseUrl::parse("example.com").is_err());
    }

    #[test]
    fn base_url_override_wins() {
        let o = Overrides {
            base_url: Some("https://x.github.io/g/".into()),
            ..Overrides::default()
        };
        let c = Config::parse(Path::new("site"), "[book]\ntitle = \"T\"\n", &o).unwrap();
        assert_eq!(c.base.path, "/g/");
        assert_eq!(c.content_dir, PathBuf::from("site/content"));
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}

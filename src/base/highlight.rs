//! Build-time syntax highlighting of fenced code blocks: syntect's default syntaxes, loaded
//! on the first block with a language, turned into spans classed `hl-<scope atom>`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Every class of the output starts with this, so that none collides with a theme's class:
/// `keyword.control.rust` becomes `class="hl-keyword hl-control hl-rust"`.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Past this many bytes a block is printed plainly: syntect takes 3 to 6 ms a KB of source
/// in a release build, so the largest block highlighted costs at most about 1.5 s.
const MAX_CODE: usize = 256 * 1024;

/// Past this many bytes in one line a block is printed plainly: syntect's time grows faster
/// than the line (30 ms for 10 KB, 0.7 s for 100 KB, tens of seconds for 1 MB), and such a
/// line is data (minified JSON, a base64 blob) rather than code to read.
const MAX_LINE: usize = 10_000;

/// The highlighter of one build, shared by reference across its threads. It loads syntect's
/// syntax set (0.4 MB of dump embedded in the binary, about 1 ms) on the first
/// [`Highlighter::code`] call, so a build without a fenced block with a language never pays
/// for it; each language's regexes are compiled on its first block (about 30 ms for Rust)
/// and kept for as long as the highlighter lives.
#[derive(Debug, Default)]
pub struct Highlighter {
    syntaxes: OnceLock<SyntaxSet>,
}

impl Highlighter {
    /// A highlighter that has loaded nothing yet; costs nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the syntax set has been loaded (by a first [`Highlighter::code`] call).
    pub fn loaded(&self) -> bool {
        self.syntaxes.get().is_some()
    }

    /// The inner HTML of the `<code>` element for `code` in the language `lang` (a fence's
    /// first word: a token or file extension such as `rs`, `py`, `sh`, or a syntax name such as
    /// `Rust`, matched case-insensitively): the text HTML-escaped, in `<span class="hl-…">`
    /// elements. None when the language is unknown or plain text, when the block is over
    /// [`MAX_CODE`] bytes or has a line over [`MAX_LINE`] bytes, or when highlighting failed;
    /// the caller then prints the code plainly. Loads the syntax set on the first call with a
    /// non-empty `lang` and a block within the limits. Never panics: a panic inside syntect
    /// is caught and becomes None.
    pub fn code(&self, lang: &str, code: &str) -> Option<String> {
        if lang.is_empty() || too_long(code) {
            return None;
        }
        // syntect compiles each regex on its first use and `expect`s that to work, and
        // unwraps match positions: a bug there must leave one block plain, not stop the build.
        catch_unwind(AssertUnwindSafe(|| {
            let syntaxes = self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines);
            let syntax = find(syntaxes, lang)?;
            classed(syntaxes, syntax, code)
        }))
        .ok()
        .flatten()
    }
}

/// Whether `code` is past the limits of what is worth highlighting.
fn too_long(code: &str) -> bool {
    code.len() > MAX_CODE || code.split('\n').any(|line| line.len() > MAX_LINE)
}

/// The syntax for a fence's language token: by file extension, then by name (both
/// case-insensitive). None for an unknown token and for plain text, which has no colours.
fn find<'a>(syntaxes: &'a SyntaxSet, lang: &str) -> Option<&'a SyntaxReference> {
    let syntax = syntaxes.find_syntax_by_token(lang)?;
    (syntax.name != "Plain Text").then_some(syntax)
}

/// `code` as classed spans, or None on a syntect error.
fn classed(syntaxes: &SyntaxSet, syntax: &SyntaxReference, code: &str) -> Option<String> {
    let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        html.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(html.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_loads_nothing_until_the_first_code_call() {
        let highlighter = Highlighter::new();
        assert!(!highlighter.loaded());
        assert!(highlighter.code("", "fn main() {}\n").is_none());
        assert!(
            !highlighter.loaded(),
            "an empty language must not load the syntaxes"
        );
        assert!(highlighter.code("rust", "fn main() {}\n").is_some());
        assert!(highlighter.loaded());
    }

    #[test]
    fn a_known_language_gives_classed_spans_with_escaped_text() {
        let highlighter = Highlighter::new();
        let html = highlighter
            .code(
                "rust",
                "// a < b && c\nfn f() -> &'static str { \"<b>\" }\n",
            )
            .unwrap_or_default();
        assert!(
            html.contains("<span class=\"hl-source hl-rust\">"),
            "{html}"
        );
        assert!(html.contains("hl-comment"), "{html}");
        assert!(
            html.contains("hl-keyword") || html.contains("hl-storage"),
            "{html}"
        );
        assert!(html.contains("a &lt; b &amp;&amp; c"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.ends_with("</span>"), "{html}");
    }

    #[test]
    fn tokens_extensions_and_names_are_found() {
        let highlighter = Highlighter::new();
        for lang in [
            "rust",
            "rs",
            "Rust",
            "py",
            "python",
            "sh",
            "bash",
            "yaml",
            "yml",
            "json",
            "js",
            "javascript",
            "html",
            "css",
            "c",
            "cpp",
            "go",
            "java",
            "sql",
            "diff",
            "xml",
        ] {
            let html = highlighter.code(lang, "x = 1\n");
            assert!(html.is_some_and(|html| html.contains("hl-")), "{lang}");
        }
    }

    #[test]
    fn unknown_or_plain_languages_give_none() {
        let highlighter = Highlighter::new();
        for lang in [
            "klingon",
            "txt",
            "text",
            "plain",
            "../x",
            "/etc/passwd",
            " ",
            "rust editable",
        ] {
            assert_eq!(highlighter.code(lang, "fn main() {}\n"), None, "{lang:?}");
        }
    }

    #[test]
    fn it_is_shared_across_threads() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<Highlighter>();
    }

    #[test]
    fn blocks_past_the_limits_are_left_plain_without_loading() {
        let highlighter = Highlighter::new();
        let line = |len: usize| format!("let x = \"{}\";\n", "a<&".repeat(len / 3));
        assert_eq!(highlighter.code("rust", &line(1_000_000)), None);
        assert_eq!(
            highlighter.code("rust", &"let x = 1;\n".repeat(30_000)),
            None
        );
        assert!(!highlighter.loaded());
        let within = line(MAX_LINE - 20);
        assert!(within.len() <= MAX_LINE);
        let html = highlighter.code("rust", &within).unwrap_or_default();
        assert!(html.contains("a&lt;&amp;a&lt;&amp;"), "{}", html.len());
    }

    #[test]
    fn hostile_input_never_panics() {
        let highlighter = Highlighter::new();
        let long_line = "let x = \"".to_owned() + &"a<&".repeat(350_000) + "\";\n";
        let codes = [
            "",
            "\n",
            "\r\n\r\n",
            "no newline at the end",
            "\"unterminated string\n/* unterminated comment\n",
            "\u{0}\u{feff}\u{202e}é😀\n",
            &long_line,
        ];
        for lang in [
            "rust",
            "",
            "../x",
            "\u{0}",
            "rust,editable",
            "c++",
            "HTML",
            "yaml",
        ] {
            for code in codes {
                if let Some(html) = highlighter.code(lang, code) {
                    assert!(!html.contains("<&"), "{lang:?}");
                }
            }
        }
    }
}

//! Blocks written the way guides expect: GitHub alerts as titled notes, a fence's
//! language, and fenced code with a language gathered whole to be highlighted.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};

use crate::base::highlight::Highlighter;

/// Fenced code with a language, gathered whole to be highlighted at its end (pulldown-cmark
/// hands it over in pieces).
pub(super) struct Code<'h> {
    highlighter: Option<&'h Highlighter>,
    /// The language and the text so far of the block being gathered.
    open: Option<(String, String)>,
}

impl<'h> Code<'h> {
    pub(super) fn new(highlighter: Option<&'h Highlighter>) -> Self {
        Code {
            highlighter,
            open: None,
        }
    }

    /// Takes one event: gives back the event to pass on now (None while the code is held
    /// back) and, at the block's end, the event to pass on after it.
    pub(super) fn gather<'a>(&mut self, ev: Event<'a>) -> (Option<Event<'a>>, Option<Event<'a>>) {
        match (&mut self.open, ev) {
            (None, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))))
                if self.highlighter.is_some() && !fence_language(&info).is_empty() =>
            {
                self.open = Some((fence_language(&info).to_string(), String::new()));
                let start = Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)));
                (Some(start), None)
            }
            (Some((_, text)), Event::Text(t)) => {
                text.push_str(&t);
                (None, None)
            }
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (lang, text) = self.open.take().unwrap_or_default();
                let coloured = self.highlighter.and_then(|h| h.code(&lang, &text));
                let code = match coloured {
                    Some(html) => Event::Html(CowStr::from(html)),
                    None => Event::Text(CowStr::from(text)),
                };
                (Some(code), Some(Event::End(TagEnd::CodeBlock)))
            }
            (_, ev) => (Some(ev), None),
        }
    }
}

/// Blocks written the way guides expect: a GitHub alert (`> [!NOTE]`) as a titled note,
/// and a fence's language as the first word of its info string (`rust,editable` -> `rust`).
pub(super) fn block(ev: Event<'_>) -> Event<'_> {
    use pulldown_cmark::{BlockQuoteKind, CodeBlockKind};
    match ev {
        Event::Start(Tag::BlockQuote(Some(kind))) => {
            let (class, title) = match kind {
                BlockQuoteKind::Note => ("note", "Note"),
                BlockQuoteKind::Tip => ("tip", "Tip"),
                BlockQuoteKind::Important => ("important", "Important"),
                BlockQuoteKind::Warning => ("warning", "Warning"),
                BlockQuoteKind::Caution => ("caution", "Caution"),
            };
            Event::Html(CowStr::from(format!(
                "<div class=\"markdown-alert markdown-alert-{class}\" role=\"note\" aria-label=\"{title}\">\n<p class=\"markdown-alert-title\">{title}</p>\n"
            )))
        }
        Event::End(TagEnd::BlockQuote(Some(_))) => Event::Html(CowStr::from("</div>\n")),
        // A code block scrolls sideways when its lines are long: `tabindex` lets a reader
        // without a mouse scroll it too.
        Event::Start(Tag::CodeBlock(kind)) => {
            let lang = match &kind {
                CodeBlockKind::Fenced(info) => fence_language(info),
                CodeBlockKind::Indented => "",
            };
            let mut html = String::from("<pre tabindex=\"0\"><code");
            if !lang.is_empty() {
                html.push_str(" class=\"language-");
                crate::base::escape::push_html(&mut html, lang);
                html.push('"');
            }
            html.push('>');
            Event::Html(CowStr::from(html))
        }
        Event::End(TagEnd::CodeBlock) => Event::Html(CowStr::from("</code></pre>\n")),
        ev => ev,
    }
}

/// The language of a fence: the first word of its info string (`rust,editable` -> `rust`,
/// `{.python title=x}` -> `python`), or "".
pub fn fence_language(info: &str) -> &str {
    (info.trim_start().trim_start_matches(['{', '.']))
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '{' | '}'))
        .next()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::base::markdown::tests::{PLAIN, md};
    use crate::base::markdown::{Options, render};

    #[test]
    fn alerts_definition_lists_and_fence_languages() {
        let r = md(
            "> [!WARNING]\n> Mind the step.\n\nTerm\n: Its meaning.\n\n```rust,editable\nfn main() {}\n```\n\n```{.python title=x}\npass\n```\n",
        );
        assert!(
            r.html.contains("<div class=\"markdown-alert markdown-alert-warning\" role=\"note\" aria-label=\"Warning\">\n<p class=\"markdown-alert-title\">Warning</p>\n<p>Mind the step.</p>\n</div>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<dl>") && r.html.contains("<dt>Term</dt>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<dd>Its meaning.</dd>"), "{}", r.html);
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code class=\"language-rust\">"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code class=\"language-python\">"),
            "{}",
            r.html
        );
    }

    #[test]
    fn fenced_code_with_a_language_is_highlighted_whole() {
        let opts = Options {
            highlighter: Some(Arc::default()),
            ..PLAIN
        };
        let body = "```rust\nlet a = 1;\n\nlet b = \"<b>\";\n```\n\n```nolang\nx < y\n```\n\n    indented <i>\n";
        let r = render(body, &opts, &|_| None);
        assert!(
            r.html
                .contains("<code class=\"language-rust\"><span class=\"hl-source hl-rust\">"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("&quot;</span>&lt;b&gt;<span"),
            "text is escaped: {}",
            r.html
        );
        assert!(
            r.html
                .contains("<code class=\"language-nolang\">x &lt; y\n</code>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<pre tabindex=\"0\"><code>indented &lt;i&gt;\n</code></pre>"),
            "{}",
            r.html
        );
        assert_eq!(r.word_count, 13, "the code's words still count");
        assert!(r.search.contains("let b"), "and are searched: {}", r.search);
        let fresh = Options {
            highlighter: Some(Arc::default()),
            ..PLAIN
        };
        render("```\nx\n```\n\n    y\n\n`z`\n", &fresh, &|_| None);
        let loaded = fresh.highlighter.as_ref().is_some_and(|h| h.loaded());
        assert!(!loaded, "no fence with a language: nothing loaded");
    }
}

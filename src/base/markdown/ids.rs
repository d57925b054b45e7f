//! Heading ids: the slug, GitHub's rule for a heading's id, and the suffix that keeps each id unique.

/// The id text for a heading or tag: lowercase ASCII slug via the `slug` crate (`slug::slugify`);
/// returns "section" when the slug would be empty.
pub fn slugify(text: &str) -> String {
    let s = slug::slugify(text);
    if s.is_empty() {
        "section".to_owned()
    } else {
        s
    }
}

/// A heading's id by GitHub's rule, which mdBook follows too, so that links written against
/// either keep working: lowercase; letters, digits, `-` and `_` kept; each space (or other
/// whitespace) a `-`; everything else dropped. `What's new` -> `whats-new`, `--open` ->
/// `--open`. "section" when nothing is left.
pub fn heading_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            id.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            id.push('-');
        }
    }
    if id.is_empty() {
        id.push_str("section");
    }
    id
}

/// Returns `base`, or `base-N` for the first N that is not used yet; records the result as used.
pub(super) fn unique_id(ids: &mut ahash::AHashMap<String, usize>, base: String) -> String {
    let Some(next) = ids.get(&base).copied() else {
        ids.insert(base.clone(), 1);
        return base;
    };
    let mut n = next;
    loop {
        let candidate = format!("{base}-{n}");
        n += 1;
        if !ids.contains_key(&candidate) {
            ids.insert(base, n);
            ids.insert(candidate.clone(), 1);
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::markdown::tests::{ids, md};

    #[test]
    fn slugify_falls_back_to_section() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("Æúű cool"), "aeuu-cool");
        assert_eq!(slugify("!!!"), "section");
        assert_eq!(slugify(""), "section");
    }

    #[test]
    fn ids_from_plain_text() {
        let r = md("# Getting *Started* `now`\n\n## Be   independent!\n");
        assert_eq!(ids(&r), ["getting-started-now", "be-independent"]);
        assert_eq!(r.headings[0].title, "Getting Started now");
        assert_eq!(r.headings[0].level, 1);
        assert_eq!(r.headings[1].title, "Be independent!");
        assert!(
            r.html
                .contains("<h1 id=\"getting-started-now\">Getting <em>Started</em>")
        );
    }

    #[test]
    fn explicit_id_and_classes_win() {
        let r = md("## Intro {#custom-id .wide data-x=y}\n");
        assert_eq!(ids(&r), ["custom-id"]);
        assert_eq!(r.headings[0].title, "Intro");
        assert!(
            r.html
                .contains("<h2 id=\"custom-id\" class=\"wide\" data-x=\"y\">Intro</h2>")
        );
    }

    #[test]
    fn duplicate_ids_are_suffixed() {
        let r = md("# A\n# A\n# A\n# A-1\n");
        assert_eq!(ids(&r), ["a", "a-1", "a-2", "a-1-1"]);
        let r = md("# a\n# a\n# a-1\n# a\n");
        assert_eq!(ids(&r), ["a", "a-1", "a-1-1", "a-2"]);
        let r = md("# a-1\n# a\n# a\n");
        assert_eq!(ids(&r), ["a-1", "a", "a-2"]);
        let r = md("## x {#dup}\n## y {#dup}\n");
        assert_eq!(ids(&r), ["dup", "dup-1"]);
        assert_eq!(
            r.repeated_ids,
            [("dup".to_string(), 2)],
            "an error for the caller"
        );
        let r = md("## Foo {#}\n");
        assert_eq!(ids(&r), ["foo"]);
    }

    #[test]
    fn ids_follow_github_s_rule() {
        for (heading, id) in [
            ("What's new", "whats-new"),
            ("`--open`", "--open"),
            ("snake_case", "snake_case"),
            ("Running `mdbook`", "running-mdbook"),
            ("Über Café 2.0", "über-café-20"),
            ("C++ & Rust: a *tour*", "c--rust-a-tour"),
            ("Step 1: Accept", "step-1-accept"),
        ] {
            let r = md(&format!("## {heading}\n"));
            assert_eq!(ids(&r), [id], "{heading}");
        }
        assert!(
            md("## A\n## A\n").repeated_ids.is_empty(),
            "only explicit ids"
        );
    }

    #[test]
    fn markup_only_and_emoji_headings() {
        let r = md("# <span></span>\n# **`   `**\n# ![](x.png)\n# \u{E000}\n# \u{1F980}\n");
        // Symbols and emoji are dropped, as GitHub drops them; nothing left is "section".
        assert_eq!(
            ids(&r),
            [
                "section",
                "section-1",
                "section-2",
                "section-3",
                "section-4"
            ]
        );
        assert_eq!(r.headings[4].title, "\u{1F980}");
    }
}

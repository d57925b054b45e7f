//! The guide's text in content/: short (1,000 to 1,300 words of titles, descriptions and
//! Markdown bodies, against a 475-word source), in the project's own words (no run of six
//! words in a row shared with the source article outside the headings the guide has to
//! share), and naming the article's author once, on the home page, before any text refers
//! to "the article".
//!
//! The source is `../shared/guide-source.txt`, beside the clone (CI lays `shared/` there).
//! Without it the test of shared runs prints a notice and checks nothing.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Words in a row that make a copied run.
const RUN: usize = 6;
/// The guide's length in words: titles, descriptions and Markdown bodies.
const WORDS: std::ops::RangeInclusive<usize> = 1_000..=1_300;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One Markdown file of content/: its front matter as YAML and its body, with the line the
/// body starts on.
struct Doc {
    rel: String,
    front: serde_yaml::Value,
    body: String,
    body_line: usize,
}

fn docs() -> Vec<Doc> {
    let content = repo().join("content");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&content)
        .into_iter()
        .map(|e| e.expect("walk content/"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "content/ holds only {} pages",
        files.len()
    );
    files.iter().map(|file| read_doc(&content, file)).collect()
}

fn read_doc(content: &Path, file: &Path) -> Doc {
    let rel = format!(
        "content/{}",
        file.strip_prefix(content)
            .expect("under content/")
            .display()
    );
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let rest = text
        .strip_prefix("---\n")
        .unwrap_or_else(|| panic!("{rel}:1: no front matter"));
    let end = rest
        .find("\n---\n")
        .unwrap_or_else(|| panic!("{rel}: the front matter is not closed"));
    let front =
        serde_yaml::from_str(&rest[..end]).unwrap_or_else(|e| panic!("{rel}: front matter: {e}"));
    Doc {
        body: rest[end + 5..].to_owned(),
        // The opening `---`, the front matter's lines, the closing `---`.
        body_line: rest[..end].lines().count() + 3,
        rel,
        front,
    }
}

/// `text` without Markdown link destinations and heading attributes: `[a](b.md#c)` -> `[a]`.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 2..];
        rest = rest.find(')').map_or("", |close| &rest[close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Words as counted for length: whitespace-separated tokens with a letter or digit in them.
fn count_words(text: &str) -> usize {
    strip_markup(text)
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Words as compared with the source: lowercase runs of letters and digits, so that
/// punctuation, hyphens, apostrophes and curly quotes make no difference.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of `RUN` words in the source, line by line (its paragraphs are lines).
fn source_runs(source: &str) -> HashSet<Vec<String>> {
    source
        .lines()
        .flat_map(|line| {
            let words = tokens(line);
            (0..words.len().saturating_sub(RUN - 1))
                .map(|i| words[i..i + RUN].to_vec())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A piece of the guide's text outside headings and titles: where it is, and what it says.
struct Passage {
    at: String,
    text: String,
}

/// The text of `doc` that must be in the project's own words: every string of its front
/// matter except the title and web addresses, and every line of its body except headings,
/// each paragraph as one passage.
fn passages(doc: &Doc) -> Vec<Passage> {
    let mut out = Vec::new();
    front_strings(&doc.front, true, &mut |key, text| {
        out.push(Passage {
            at: format!("{}: front matter `{key}`", doc.rel),
            text: text.to_owned(),
        });
    });
    let mut paragraph: Option<Passage> = None;
    for (i, line) in doc.body.lines().enumerate() {
        let heading = line.trim_start().starts_with('#');
        if line.trim().is_empty() || heading {
            out.extend(paragraph.take());
            continue;
        }
        let text = strip_markup(line);
        match &mut paragraph {
            Some(p) => {
                p.text.push(' ');
                p.text.push_str(&text);
            }
            None => {
                paragraph = Some(Passage {
                    at: format!("{}:{}", doc.rel, doc.body_line + i),
                    text,
                })
            }
        }
    }
    out.extend(paragraph);
    out
}

/// Calls `found(key, text)` for every string in `value`, except a top-level `title` and URLs.
fn front_strings(value: &serde_yaml::Value, top: bool, found: &mut dyn FnMut(&str, &str)) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, value) in map {
                let key = key.as_str().unwrap_or_default();
                if top && key == "title" {
                    continue;
                }
                match value {
                    serde_yaml::Value::String(s) if !s.starts_with("http") => found(key, s),
                    other => front_strings(other, false, found),
                }
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for item in items {
                match item {
                    serde_yaml::Value::String(s) => found("-", s),
                    other => front_strings(other, false, found),
                }
            }
        }
        _ => {}
    }
}

/// The longest runs of `RUN` or more words that `passage` shares with the source.
fn shared_runs(passage: &str, runs: &HashSet<Vec<String>>) -> Vec<String> {
    let words = tokens(passage);
    let mut found = Vec::new();
    let mut i = 0;
    while i + RUN <= words.len() {
        if !runs.contains(&words[i..i + RUN]) {
            i += 1;
            continue;
        }
        let mut end = i + RUN;
        while end < words.len() && runs.contains(&words[end + 1 - RUN..=end]) {
            end += 1;
        }
        found.push(words[i..end].join(" "));
        i = end;
    }
    found
}

#[test]
fn the_guide_is_1000_to_1300_words() {
    let mut total = 0;
    let mut per_file = Vec::new();
    for doc in docs() {
        let field = |key: &str| doc.front[key].as_str().unwrap_or_default().to_owned();
        let words = count_words(&field("title"))
            + count_words(&field("description"))
            + count_words(&doc.body);
        per_file.push(format!("{words:>4} {}", doc.rel));
        total += words;
    }
    assert!(
        WORDS.contains(&total),
        "the guide has {total} words, outside {WORDS:?}:\n{}",
        per_file.join("\n")
    );
    eprintln!("guide: {total} words in {} files", per_file.len());
}

#[test]
fn the_guide_shares_no_six_word_run_with_its_source() {
    let source_file = repo().join("../shared/guide-source.txt");
    let Ok(source) = fs::read_to_string(&source_file) else {
        println!(
            "skipped: {} is not there, so the guide cannot be compared with its source",
            source_file.display()
        );
        return;
    };
    let runs = source_runs(&source);
    assert!(runs.len() > 300, "the source has only {} runs", runs.len());
    let mut copied = Vec::new();
    for doc in docs() {
        for passage in passages(&doc) {
            for run in shared_runs(&passage.text, &runs) {
                copied.push(format!("{}: \"{run}\"", passage.at));
            }
        }
    }
    assert!(
        copied.is_empty(),
        "the guide shares runs of {RUN} or more words with {} (write them in the project's own words):\n  {}",
        source_file.display(),
        copied.join("\n  ")
    );
}

#[test]
fn shared_runs_are_found_in_text_but_not_in_headings_or_titles() {
    let runs = source_runs("Title Words Are Here\nThe quick brown fox jumps over the lazy dog.\n");
    assert_eq!(
        shared_runs("So: the QUICK brown-fox jumps over the lazy cat.", &runs),
        ["the quick brown fox jumps over the lazy"]
    );
    assert!(shared_runs("the quick brown fox jumps", &runs).is_empty());
    let doc = Doc {
        rel: "content/x.md".to_owned(),
        front: serde_yaml::from_str("title: The quick brown fox jumps over\nextra:\n  a: [the quick brown fox jumps over]\n").unwrap(),
        body: "## The quick brown fox jumps over\n\nA [link](quick-brown.md) here.\nThe quick brown\nfox jumps over it.\n".to_owned(),
        body_line: 5,
    };
    let found: Vec<(String, Vec<String>)> = passages(&doc)
        .into_iter()
        .map(|p| {
            let runs = shared_runs(&p.text, &runs);
            (p.at, runs)
        })
        .filter(|(_, runs)| !runs.is_empty())
        .collect();
    assert_eq!(
        found,
        [
            (
                "content/x.md: front matter `-`".to_owned(),
                vec!["the quick brown fox jumps over".to_owned()]
            ),
            (
                "content/x.md:7".to_owned(),
                vec!["the quick brown fox jumps over".to_owned()]
            ),
        ]
    );
    assert_eq!(count_words("A [link](a-b-c.md#d) | here — 2 words"), 5);
}

#[test]
fn the_home_page_names_the_article_and_its_author_once_before_referring_to_it() {
    let docs = docs();
    let home = docs
        .iter()
        .find(|d| d.rel == "content/_index.md")
        .expect("content/_index.md");
    let body = home.body.to_lowercase();
    let named = body
        .find("an article by jack bush")
        .expect("the home page says that the guide is based on an article by Jack Bush");
    if let Some(first) = body.find("the article") {
        assert!(
            named < first,
            "content/_index.md refers to \"the article\" before it says whose article it is"
        );
    }
    for doc in &docs {
        let count = doc.body.matches("Jack Bush").count();
        let expected = usize::from(doc.rel == "content/_index.md");
        assert_eq!(
            count, expected,
            "{} names Jack Bush {count} times in its text",
            doc.rel
        );
    }
}

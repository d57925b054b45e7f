//! A deterministic synthetic site for benchmarks: N pages of about 1.5 KB of Markdown in ten
//! sections (or as many as a `Shape` says), with front matter, links between pages, lists,
//! tables and quotes, and a small theme that does the usual work, or a copy of a real theme.
//! Shared by the benchmark and the tests.

use std::fs;
use std::io;
use std::path::Path;

/// How many sections the pages are spread over.
pub const SECTIONS: usize = 10;

/// How a generated site is laid out and rendered.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    /// How many sections the pages are spread over.
    pub sections: usize,
    /// A theme folder to copy in and build with, instead of the small benchmark theme.
    pub theme: Option<&'a Path>,
}

/// Ten sections and the small benchmark theme.
pub const STANDARD: Shape<'static> = Shape {
    sections: SECTIONS,
    theme: None,
};

/// A tiny deterministic generator (SplitMix64): the same seed gives the same site.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

const WORDS: &[&str] = &[
    "patience", "growth", "friends", "balance", "distance", "healing", "calm", "honest", "steady",
    "reflect", "listen", "timing", "context", "space", "trust", "kindness", "routine", "habits",
    "courage", "clarity", "choices", "energy", "respect", "future",
];
const TAGS: &[&str] = &[
    "growth",
    "communication",
    "healing",
    "strategy",
    "friends",
    "stats",
];

/// Where page `i` of a site of `sections` sections lives: its section and file stem.
pub fn page_file(i: usize, sections: usize) -> (usize, String) {
    (i % sections, format!("{:05}-page-{i}", i / sections))
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s: Vec<&str> = (0..words).map(|_| rng.pick(WORDS)).collect();
    let first = s[0].to_string();
    let capital = first[..1].to_uppercase() + &first[1..];
    s[0] = "";
    format!("{capital}{}.", s.join(" "))
}

/// The Markdown of page `i` of `n`, spread over `sections` sections.
pub fn page(i: usize, n: usize, sections: usize, rng: &mut Rng) -> String {
    let (section, _) = page_file(i, sections);
    let other = rng.below(n);
    let (other_section, other_stem) = page_file(other, sections);
    let next = (i + sections) % n.max(1);
    let (_, next_stem) = page_file(next, sections);
    let link_other = if other_section == section {
        format!("{other_stem}.md#part-two")
    } else {
        format!("../section-{other_section:02}/{other_stem}.md#part-two")
    };
    let next_link = if next % sections == section {
        format!("{next_stem}.md")
    } else {
        format!("../section-{:02}/{next_stem}.md", next % sections)
    };
    let tags: Vec<&str> = (0..2).map(|_| rng.pick(TAGS)).collect();
    let mut md = format!(
        "---\ntitle: Page {i} about {}\ndescription: {}\nweight: {}\ndate: 2025-{:02}-{:02}\ntags: [{}, {}]\n---\n\n",
        rng.pick(WORDS),
        sentence(rng, 10),
        i / sections,
        1 + i % 12,
        1 + i % 28,
        tags[0],
        tags[1]
    );
    md.push_str(&format!(
        "{} *{}* {}\n\n",
        sentence(rng, 14),
        rng.pick(WORDS),
        sentence(rng, 12)
    ));
    md.push_str("## Part one\n\n");
    for _ in 0..4 {
        md.push_str(&format!(
            "- **{}**: {}\n",
            rng.pick(WORDS),
            sentence(rng, 8)
        ));
    }
    md.push_str(&format!(
        "\nSee [a related page]({link_other}) and then [the next one]({next_link}).\n\n## Part two\n\n"
    ));
    md.push_str(&format!("{} {}\n\n", sentence(rng, 16), sentence(rng, 14)));
    if i.is_multiple_of(4) {
        md.push_str("| Habit | Effect |\n|---|---|\n");
        for _ in 0..3 {
            md.push_str(&format!("| {} | {} |\n", rng.pick(WORDS), rng.pick(WORDS)));
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "> {}\n\n### A closer look\n\n{} `{}` {}\n",
        sentence(rng, 12),
        sentence(rng, 16),
        rng.pick(WORDS),
        sentence(rng, 18)
    ));
    md
}

/// Writes a complete rekindle project with `n` pages into `dir`, in the `STANDARD` shape.
pub fn generate(dir: &Path, n: usize, seed: u64) -> io::Result<()> {
    generate_shaped(dir, n, seed, STANDARD)
}

/// The book.toml of a generated site built with the theme `theme`.
pub fn book_toml(theme: &str) -> String {
    format!(
        "[book]\ntitle = \"Benchmark guide\"\nauthors = [\"Bench\"]\n\n[build]\ntheme = \"{theme}\"\n\n[site]\nurl = \"https://example.github.io/bench/\"\n# Hugo and Zola draw no cards: compare like with like.\ncards = false\n"
    )
}

/// Writes a complete rekindle project with `n` pages into `dir`, laid out as `shape` says.
/// It always holds the benchmark theme (`bench`); with `shape.theme` it also holds that
/// theme as `default`, and book.toml names it.
pub fn generate_shaped(dir: &Path, n: usize, seed: u64, shape: Shape) -> io::Result<()> {
    let mut rng = Rng::new(seed);
    fs::create_dir_all(dir.join("content"))?;
    let theme = match shape.theme {
        Some(theme) => {
            copy_tree(theme, &dir.join("themes/default"))?;
            "default"
        }
        None => "bench",
    };
    fs::write(dir.join("book.toml"), book_toml(theme))?;
    fs::write(
        dir.join("content/_index.md"),
        "---\ntitle: Benchmark guide\n---\n\nA generated site.\n",
    )?;
    for s in 0..shape.sections {
        let folder = dir.join(format!("content/section-{s:02}"));
        fs::create_dir_all(&folder)?;
        fs::write(
            folder.join("_index.md"),
            format!("---\ntitle: Section {s}\nweight: {s}\n---\n\nPages of section {s}.\n"),
        )?;
    }
    for i in 0..n {
        let (section, stem) = page_file(i, shape.sections);
        let path = dir.join(format!("content/section-{section:02}/{stem}.md"));
        fs::write(path, page(i, n, shape.sections, &mut rng))?;
    }
    write_theme(&dir.join("themes/bench"))
}

fn write_theme(theme: &Path) -> io::Result<()> {
    let templates = theme.join("templates");
    fs::create_dir_all(&templates)?;
    fs::create_dir_all(theme.join("static"))?;
    fs::write(
        theme.join("static/style.css"),
        "body{font:16px/1.5 sans-serif;max-width:70ch;margin:auto}\n",
    )?;
    for (name, text) in THEME {
        fs::write(templates.join(name), text)?;
    }
    Ok(())
}

const THEME: [(&str, &str); 7] = [
    (
        "base.html",
        r#"<!doctype html>
<html lang="{{ config.language }}"><head><meta charset="utf-8"><title>{{ meta.title }} · {{ config.title }}</title>
<link rel="canonical" href="{{ meta.permalink }}"><link rel="stylesheet" href="{{ asset(path="style.css") }}"></head>
<body><header><a href="{{ url(path="") }}">{{ config.title }}</a> · <a href="{{ site.tags_path }}">Tags</a></header>
<main id="main">{% block main %}{% endblock main %}</main></body></html>
"#,
    ),
    (
        "index.html",
        r#"{% extends "base.html" %}{% block main %}<h1>{{ section.title }}</h1>{{ section.content | safe }}
<ul>{% for s in site.sections %}<li><a href="{{ s.path }}">{{ s.title }}</a> ({{ s.pages | length }} pages)</li>{% endfor %}</ul>{% endblock main %}
"#,
    ),
    (
        "section.html",
        r#"{% extends "base.html" %}{% block main %}<nav><a href="{{ url(path="") }}">Home</a></nav><h1>{{ section.title }}</h1>{{ section.content | safe }}
<ul>{% for p in section.pages %}<li><a href="{{ p.path }}">{{ p.title }}</a>{% if p.date %} <time>{{ p.date }}</time>{% endif %}</li>{% endfor %}</ul>{% endblock main %}
"#,
    ),
    (
        "page.html",
        r#"{% extends "base.html" %}{% block main %}<nav aria-label="Breadcrumb">{% for c in page.breadcrumbs %}<a href="{{ c.path }}">{{ c.title }}</a> › {% endfor %}</nav>
<article><h1>{{ page.title }}</h1><p>{% if page.date %}<time datetime="{{ page.date }}">{{ page.date }}</time> · {% endif %}{% for t in page.tags %}<a href="{{ t.path }}">#{{ t.name }}</a> {% endfor %}</p>
{{ page.content | safe }}</article>
<nav>{% if page.prev %}<a rel="prev" href="{{ page.prev.path }}">← {{ page.prev.title }}</a>{% endif %} {% if page.next %}<a rel="next" href="{{ page.next.path }}">{{ page.next.title }} →</a>{% endif %}</nav>{% endblock main %}
"#,
    ),
    (
        "tags.html",
        r#"{% extends "base.html" %}{% block main %}<h1>Tags</h1><ul>{% for t in site.tags %}<li><a href="{{ t.path }}">{{ t.name }}</a></li>{% endfor %}</ul>{% endblock main %}
"#,
    ),
    (
        "tag.html",
        r#"{% extends "base.html" %}{% block main %}<h1>{{ tag.name }}</h1><ul>{% for p in tag.pages %}<li><a href="{{ p.path }}">{{ p.title }}</a></li>{% endfor %}</ul>{% endblock main %}
"#,
    ),
    (
        "404.html",
        r#"{% extends "base.html" %}{% block main %}<h1>Not found</h1><a href="{{ url(path="") }}">Home</a>{% endblock main %}
"#,
    ),
];

/// The same content as a Hugo site (Hugo reads YAML front matter and `_index.md` sections).
#[allow(dead_code)]
pub fn write_hugo(site: &Path, dir: &Path) -> io::Result<()> {
    copy_tree(&site.join("content"), &dir.join("content"))?;
    fs::write(
        dir.join("hugo.toml"),
        "baseURL = 'https://example.github.io/bench/'\ntitle = 'Benchmark guide'\ndisableKinds = ['RSS', 'sitemap', 'robotsTXT']\n",
    )?;
    let layouts = dir.join("layouts/_default");
    fs::create_dir_all(&layouts)?;
    fs::write(
        layouts.join("baseof.html"),
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title><link rel="canonical" href="{{ .Permalink }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a> · <a href="{{ "tags/" | relURL }}">Tags</a></header><main id="main">{{ block "main" . }}{{ end }}</main></body></html>
"#,
    )?;
    fs::write(
        layouts.join("single.html"),
        r#"{{ define "main" }}<nav aria-label="Breadcrumb">{{ range .Ancestors.Reverse }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> › {{ end }}</nav>
<article><h1>{{ .Title }}</h1><p>{{ with .Date }}<time>{{ .Format "2006-01-02" }}</time> · {{ end }}{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">#{{ . }}</a> {{ end }}</p>
{{ .Content }}</article><nav>{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">← {{ .Title }}</a>{{ end }} {{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }} →</a>{{ end }}</nav>{{ end }}
"#,
    )?;
    fs::write(
        layouts.join("list.html"),
        r#"{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}</ul>{{ end }}
"#,
    )?;
    Ok(())
}

/// The same content as a Zola site (YAML front matter, `_index.md` sections, a tags taxonomy).
#[allow(dead_code)]
pub fn write_zola(site: &Path, dir: &Path) -> io::Result<()> {
    copy_tree(&site.join("content"), &dir.join("content"))?;
    for entry in walkdir::WalkDir::new(dir.join("content")) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = fs::read_to_string(entry.path())?;
            // Zola rejects unknown top-level keys: tags go under taxonomies.
            let text = text.replacen("\ntags: [", "\ntaxonomies:\n  tags: [", 1);
            fs::write(entry.path(), text)?;
        }
    }
    fs::write(
        dir.join("config.toml"),
        "base_url = 'https://example.github.io/bench/'\ntitle = 'Benchmark guide'\ntaxonomies = [{ name = 'tags' }]\n[markdown]\nsmart_punctuation = true\n",
    )?;
    let templates = dir.join("templates");
    fs::create_dir_all(templates.join("tags"))?;
    fs::write(
        templates.join("base.html"),
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ config.title }}</title></head>
<body><header><a href="{{ get_url(path="/") }}">{{ config.title }}</a></header><main id="main">{% block main %}{% endblock main %}</main></body></html>
"#,
    )?;
    fs::write(
        templates.join("page.html"),
        r#"{% extends "base.html" %}{% block main %}<nav>{% for a in page.ancestors %}{% set s = get_section(path=a, metadata_only=true) %}<a href="{{ s.permalink }}">{{ s.title }}</a> › {% endfor %}</nav>
<article><h1>{{ page.title }}</h1><p>{% if page.date %}<time>{{ page.date }}</time> · {% endif %}{% if page.taxonomies.tags %}{% for t in page.taxonomies.tags %}#{{ t }} {% endfor %}{% endif %}</p>
{{ page.content | safe }}</article><nav>{% if page.lower %}<a href="{{ page.lower.permalink }}">{{ page.lower.title }}</a>{% endif %} {% if page.higher %}<a href="{{ page.higher.permalink }}">{{ page.higher.title }}</a>{% endif %}</nav>{% endblock main %}
"#,
    )?;
    for name in [
        "section.html",
        "index.html",
        "tags/list.html",
        "tags/single.html",
    ] {
        fs::write(
            templates.join(name),
            r#"{% extends "base.html" %}{% block main %}<h1>list</h1>{% endblock main %}
"#,
        )?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry.path().strip_prefix(from).map_err(io::Error::other)?;
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

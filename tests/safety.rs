//! What a careless user or a hostile input can do to `rekindle build`: every spelling of a
//! protected folder as the build dir, a manifest over a source, an interrupted build,
//! generated files that would share a name, and names and values that cannot be published.
//! Each case runs the real binary on a fixture site in a temporary folder and checks that
//! every file outside the build dir is byte for byte as it was.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::{Run, Site, snapshot};

const PLACE_HINT: &str =
    "  = help: choose another build dir with -d/--dest-dir or `build-dir` in book.toml\n";

/// Runs `args` in `site` and asserts it fails with exit code 1, a first line of stderr equal
/// to `first_line`, and the whole project (its build dir included) untouched.
#[track_caller]
fn assert_refused(site: &Site, args: &[&str], first_line: &str) -> Run {
    let before = snapshot(site.path());
    let run = site.run(args);
    assert_eq!(run.code, 1, "exit code of {args:?}: {}", run.stderr);
    assert_eq!(run.stderr.lines().next(), Some(first_line), "{args:?}");
    assert_eq!(run.stdout, "", "{args:?}");
    assert!(
        snapshot(site.path()) == before,
        "{args:?} changed the project"
    );
    run
}

/// A site built once, so that a later build has something to swap out.
fn built_site() -> Site {
    let site = Site::new("basic");
    site.run(&["build"]).assert_ok();
    site
}

#[test]
fn a_detour_through_a_missing_folder_cannot_reach_the_content() {
    let site = built_site();
    let real = fs::canonicalize(site.path()).unwrap();
    let content = real.join("content").display().to_string();
    let run = assert_refused(
        &site,
        &["build", "-d", "nothere/../content"],
        &format!(
            "error: nothere/../content: the build dir overlaps the content folder `content` (it leads to `{content}`)"
        ),
    );
    assert!(run.stderr.ends_with(PLACE_HINT), "{}", run.stderr);
    assert!(
        !site.join("nothere").exists(),
        "the detour's folder was made"
    );
    assert!(!site.join("content/.content.previous").exists());
}

#[test]
fn every_spelling_of_the_project_is_refused() {
    let site = built_site();
    let real = fs::canonicalize(site.path()).unwrap();
    let name = real.file_name().unwrap().to_str().unwrap().to_string();
    let detour = format!("nothere/../../{name}");
    let project = format!("(it leads to `{}`)", real.display());
    for (dir, leads) in [
        (".", ""),
        ("nothere/..", project.as_str()),
        (detour.as_str(), project.as_str()),
        ("..", ""),
        ("/", ""),
    ] {
        let run = site.run(&["build", "-d", dir]);
        let line = run.stderr.lines().next().unwrap_or("").to_string();
        assert!(
            line.starts_with(&format!(
                "error: {dir}: the build dir would replace the project folder"
            )) && line.contains(leads),
            "{dir}: {line}"
        );
        assert_refused(&site, &["build", "-d", dir], &line);
    }
    std::os::unix::fs::symlink(&real, site.join("me")).unwrap();
    std::os::unix::fs::symlink(real.join("themes/default"), site.join("theme-link")).unwrap();
    assert_refused(
        &site,
        &["build", "-d", "me"],
        &format!("error: me: the build dir would replace the project folder {project}"),
    );
    let theme = real.join("themes/default").display().to_string();
    assert_refused(
        &site,
        &["build", "-d", "nothere/../theme-link"],
        &format!(
            "error: nothere/../theme-link: the build dir overlaps the theme folder `themes/default` (it leads to `{theme}`)"
        ),
    );
}

#[test]
fn the_build_dir_of_book_toml_cannot_walk_around_the_guard() {
    let site = built_site();
    let toml = site.read("book.toml");
    site.write(
        "book.toml",
        format!("{toml}\n[build]\nbuild-dir = \"nothere/../content\"\n"),
    );
    let real = fs::canonicalize(site.path()).unwrap();
    assert_refused(
        &site,
        &["build"],
        &format!(
            "error: nothere/../content: the build dir overlaps the content folder `content` (it leads to `{}`)",
            real.join("content").display()
        ),
    );
}

#[test]
fn the_home_folder_is_refused() {
    let site = built_site();
    let home = tempfile::tempdir().unwrap();
    let before = snapshot(home.path());
    let dest = home.path().display().to_string();
    let mut cmd = site.command(&["build", "-d", &dest]);
    let run = common::output(cmd.env("HOME", home.path()));
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!("error: {dest}: the build dir would replace your home folder\n{PLACE_HINT}")
    );
    assert!(snapshot(home.path()) == before);
}

#[test]
fn a_manifest_never_overwrites_a_source() {
    let site = built_site();
    let hint = "  = help: write the manifest outside the content folder and the theme\n";
    for (file, why) in [
        (
            "content/_index.md",
            "the manifest would overwrite a file of the content folder `content`",
        ),
        (
            "nothere/../content/guide/new.txt",
            "the manifest would overwrite a file of the content folder `content`",
        ),
        (
            "themes/default/templates/page.html",
            "the manifest would overwrite a file of the theme folder `themes/default`",
        ),
        ("book.toml", "the manifest would overwrite book.toml"),
        (
            "./nothere/../book.toml",
            "the manifest would overwrite book.toml",
        ),
    ] {
        let run = assert_refused(
            &site,
            &["build", "--manifest", file],
            &format!("error: {file}: {why}"),
        );
        assert!(run.stderr.ends_with(hint), "{}", run.stderr);
    }
    site.run(&["build", "--manifest", "out/manifest.txt"])
        .assert_ok();
    assert!(site.read("out/manifest.txt").contains("  index.html\n"));
}

/// A big enough site that a build takes a while, so that it can be interrupted.
fn large_site(pages: usize) -> Site {
    let site = Site::new("basic");
    for i in 0..pages {
        site.write(
            &format!("content/guide/{i:04}-page-{i}.md"),
            format!("---\ntitle: Page {i}\ndescription: Page {i}.\n---\n\nPage {i} of the large guide.\n"),
        );
    }
    // Cards are most of a small build's time; without them the build is all writing.
    let toml = site.read("book.toml");
    site.write("book.toml", format!("{toml}cards = false\n"));
    site
}

/// Sends `signal` (`INT`, `TERM`) to the build once its staging folder exists; returns the
/// exit code.
fn interrupt(site: &Site, signal: &str) -> Option<i32> {
    let mut child = site
        .command(&["build"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while site.leftovers().is_empty() && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return Some(0);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(30));
    // Only the process this test started, by its id.
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal}");
    child.wait().unwrap().code()
}

#[test]
fn an_interrupted_build_leaves_no_staging_folder() {
    let site = large_site(600);
    site.run(&["build"]).assert_ok();
    let complete = snapshot(&site.public());
    site.write(
        "content/guide/0000-page.md",
        "---\ntitle: Changed\ndescription: Changed.\n---\n\nNew text.\n",
    );
    for signal in ["INT", "TERM", "INT"] {
        let code = interrupt(&site, signal);
        assert!(matches!(code, Some(130) | Some(0)), "exit code {code:?}");
        assert_eq!(site.leftovers(), Vec::<String>::new(), "after SIG{signal}");
        let now = snapshot(&site.public());
        let old = now == complete;
        let new = now.len() == complete.len()
            && String::from_utf8_lossy(&now["guide/page-0/index.html"]).contains("New text.");
        assert!(old || new, "the build dir is neither build whole");
    }
}

#[test]
fn stale_staging_folders_of_dead_processes_are_removed() {
    let site = built_site();
    let dead = "2147483000";
    let ours = format!(".public.staging-{dead}-a1b2c3");
    site.write(&format!("{ours}/.rekindle"), "rekindle");
    site.write(&format!("{ours}/index.html"), "half a build");
    let empty = format!(".public.staging-{dead}-empty");
    fs::create_dir(site.join(&empty)).unwrap();
    // Not rekindle's (no marker), and one of a process that runs (this test).
    let foreign = format!(".public.staging-{dead}-foreign");
    site.write(&format!("{foreign}/notes.txt"), "mine");
    let live = format!(".public.staging-{}-live", std::process::id());
    site.write(&format!("{live}/.rekindle"), "rekindle");
    site.run(&["build"]).assert_ok();
    assert!(!site.join(&ours).exists() && !site.join(&empty).exists());
    assert_eq!(site.read(&format!("{foreign}/notes.txt")), "mine");
    assert!(site.join(&live).join(".rekindle").is_file());
}

#[test]
fn sections_that_flatten_alike_get_their_own_cards_and_ids() {
    let site = Site::new("basic");
    // The real default theme, which names each page's card in its head.
    common::copy_tree(
        &common::repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    for dir in ["a-b", "a", "a/b"] {
        site.write(
            &format!("content/{dir}/_index.md"),
            format!("---\ntitle: Section {dir}\ndescription: About {dir}.\n---\n\nAbout {dir}.\n"),
        );
    }
    site.write(
        "content/home.md",
        "---\ntitle: Home page twin\ndescription: Named like the home.\n---\n\nTwin.\n",
    );
    site.run(&["build"]).assert_ok();
    let public = site.public();
    let cards: Vec<String> = snapshot(&public.join("cards")).into_keys().collect();
    assert_eq!(
        cards,
        [
            "a-b/index.png",
            "a/b/index.png",
            "a/index.png",
            "guide/first/index.png",
            "guide/index.png",
            "guide/second/index.png",
            "home/index.png",
            "index.png",
        ]
    );
    for (page, card) in [
        ("a-b/index.html", "cards/a-b/index.png"),
        ("a/b/index.html", "cards/a/b/index.png"),
        ("index.html", "cards/index.png"),
        ("home/index.html", "cards/home/index.png"),
    ] {
        let html = fs::read_to_string(public.join(page)).unwrap();
        assert!(
            html.contains(&format!("https://example.github.io/guide/{card}\"")),
            "{page} names {card}"
        );
    }
    let all = fs::read_to_string(public.join("all/index.html")).unwrap();
    assert_eq!(
        all.matches("id=\"a-b\"").count(),
        1,
        "one part has the id a-b"
    );
    assert_eq!(
        all.matches("id=\"a-b-2\"").count(),
        1,
        "the other has a-b-2"
    );
}

#[test]
fn a_content_file_in_the_cards_folder_is_a_clash() {
    let site = built_site();
    site.write("content/cards/index.png", "not a card");
    let run = assert_refused(
        &site,
        &["build"],
        "error: content/cards/index.png: this file and the social card of content/_index.md both map to the same output `cards/index.png`",
    );
    assert_eq!(run.stderr.lines().count(), 2);
}

#[test]
fn folder_names_a_url_cannot_carry_are_refused() {
    for (folder, what) in [
        ("a b", "a space"),
        ("x\ny", "a line break"),
        ("back\\slash", "`\\`"),
        ("50%", "`%`"),
        ("why?", "`?`"),
    ] {
        let site = built_site();
        site.write(
            &format!("content/{folder}/_index.md"),
            "---\ntitle: Odd\n---\n",
        );
        site.write(&format!("content/{folder}/01-p.md"), "---\ntitle: P\n---\n");
        assert_refused(
            &site,
            &["build"],
            &format!(
                "error: content/{}: the folder name `{}` holds {what}, which a URL cannot carry as written",
                // A path is shown escaped only where it holds a control character.
                if folder.contains(char::is_control) {
                    folder.escape_debug().to_string()
                } else {
                    folder.to_string()
                },
                folder.escape_debug()
            ),
        );
    }
}

#[test]
fn bad_base_urls_are_usage_errors() {
    let site = built_site();
    for url in [
        "//host/",
        "https://exa mple.com/",
        "https://host:99999/",
        "https://host:port/",
        "/a b/",
    ] {
        let before = snapshot(site.path());
        let run = site.run(&["build", "--base-url", url]);
        assert_eq!(run.code, 2, "{url}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!(
                "error: invalid value '{url}' for '--base-url <URL>': `{url}` is not a usable base URL: "
            )),
            "{}",
            run.stderr
        );
        assert!(snapshot(site.path()) == before);
    }
}

#[test]
fn figure_values_a_chart_cannot_draw_are_errors_at_their_line() {
    for (value, unit, why) in [
        (".nan", "%", "(NaN) is not a finite number"),
        (".inf", "", "(inf) is not a finite number"),
        (
            "-5",
            "",
            "(-5) is negative, and a bar cannot be shorter than nothing",
        ),
        (
            "150",
            "%",
            "(150) is a percentage above 100, which a bar drawn against 100% cannot show",
        ),
    ] {
        let site = built_site();
        site.write(
            "content/guide/01-first.md",
            format!(
                "---\ntitle: First\nfigures:\n  - label: Fine\n    value: 3\n  - label: Bad\n    unit: \"{unit}\"\n    value: {value}\nsources:\n  - publisher: X\n    url: https://example.org/\n---\n\nText.\n"
            ),
        );
        let run = assert_refused(
            &site,
            &["build"],
            &format!("error: content/guide/01-first.md:8:1: the value of figure 2 {why}"),
        );
        assert!(
            run.stderr.contains(&format!("8 |     value: {value}\n")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn an_empty_title_is_an_error_at_its_line() {
    for (front, line) in [
        ("title: \"\"", "title: \"\""),
        ("title:", "title:"),
        ("title: '   '", "title: '   '"),
    ] {
        let site = built_site();
        site.write(
            "content/guide/_index.md",
            format!("---\n{front}\nweight: 1\n---\n\nA section.\n"),
        );
        let run = assert_refused(
            &site,
            &["build"],
            "error: content/guide/_index.md:2:1: the title is empty",
        );
        assert!(
            run.stderr.contains(&format!("2 | {line}\n")),
            "{}",
            run.stderr
        );
    }
}

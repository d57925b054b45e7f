//! Watching the project: native file events where the platform gives them, polling where it
//! does not, debounced into batches; and a pure filter deciding which paths matter.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt};

use crate::base::error::{Diagnostic, Error, Result};
use crate::input::config::Config;

/// How long the watcher waits for a burst of saves to end.
pub const DEBOUNCE: Duration = Duration::from_millis(20);
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What a changed path is, which decides how much to redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Config,
    Content,
    Template,
    Stylesheet,
    Static,
}

/// The folders and files a dev server watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    pub book_toml: PathBuf,
    pub content: PathBuf,
    pub templates: PathBuf,
    pub statics: PathBuf,
    pub build_dir: PathBuf,
}

impl Roots {
    /// The watched folders that do not exist (yet): when one appears, watching restarts.
    pub fn missing(&self) -> Vec<PathBuf> {
        [&self.content, &self.templates, &self.statics]
            .into_iter()
            .filter(|d| !d.is_dir())
            .cloned()
            .collect()
    }

    pub fn of(config: &Config) -> Roots {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        Roots {
            book_toml: abs(&Config::file(&config.root)),
            content: abs(&config.content_dir),
            templates: abs(&config.theme_dir.join("templates")),
            statics: abs(&config.theme_dir.join("static")),
            build_dir: abs(&config.build_dir),
        }
    }
}

/// Which kind of change `path` (absolute) is, or None when it does not matter: the build dir,
/// `target/`, hidden files and folders, editor backups and swap files.
pub fn classify(path: &Path, roots: &Roots) -> Option<Change> {
    if path == roots.book_toml {
        return Some(Change::Config);
    }
    if path.starts_with(&roots.build_dir) {
        return None;
    }
    let (base, kind) = if path.starts_with(&roots.content) {
        (&roots.content, Change::Content)
    } else if path.starts_with(&roots.templates) {
        (&roots.templates, Change::Template)
    } else if path.starts_with(&roots.statics) {
        let css = path.extension().is_some_and(|e| e == "css");
        (
            &roots.statics,
            if css {
                Change::Stylesheet
            } else {
                Change::Static
            },
        )
    } else {
        return None;
    };
    let rel = path.strip_prefix(base).ok()?;
    let ignored = rel.iter().any(|part| {
        let part = part.to_string_lossy();
        crate::input::content::is_ignored(part.as_ref())
            || part == "target"
            || part == "4913"
            || part.ends_with("___jb_tmp___")
            || part.ends_with("___jb_old___")
    });
    (!ignored).then_some(kind)
}

/// A running watcher; dropping it stops watching.
pub enum Watcher {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, RecommendedCache>),
}

/// Starts watching `roots`; every debounced batch of paths is sent to `tx`.
/// Falls back to polling when native events cannot be had (or REKINDLE_POLL is set),
/// and says so on stderr.
pub fn start(roots: &Roots, tx: Sender<Vec<PathBuf>>) -> Result<Watcher> {
    let force_poll = std::env::var_os("REKINDLE_POLL").is_some_and(|v| !v.is_empty());
    if !force_poll {
        match native(roots, tx.clone()) {
            Ok(w) => return Ok(Watcher::Native(w)),
            Err(reason) => eprintln!(
                "warning: native file events are not available ({reason}); polling every {} ms instead",
                POLL_INTERVAL.as_millis()
            ),
        }
    } else {
        eprintln!(
            "note: REKINDLE_POLL is set: polling for changes every {} ms",
            POLL_INTERVAL.as_millis()
        );
    }
    poll(roots, tx).map(Watcher::Poll).map_err(|reason| {
        Error::Config(Diagnostic::file(
            &roots.content,
            format!("cannot watch for changes: {reason}"),
        ))
    })
}

fn handler(tx: Sender<Vec<PathBuf>>) -> impl FnMut(DebounceEventResult) + Send + 'static {
    move |result: DebounceEventResult| {
        if let Ok(events) = result {
            // Reading a file is an event too (inotify reports opens and closes): only writes count.
            let paths: Vec<PathBuf> = events
                .into_iter()
                .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        }
    }
}

/// Watching never follows a symlink: a link in content/ to a folder outside the project
/// must not make rekindle watch or poll there (the build refuses such links anyway).
fn fenced() -> notify::Config {
    notify::Config::default().with_follow_symlinks(false)
}

fn native(
    roots: &Roots,
    tx: Sender<Vec<PathBuf>>,
) -> std::result::Result<Debouncer<RecommendedWatcher, RecommendedCache>, notify::Error> {
    let mut debouncer = new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
        DEBOUNCE,
        None,
        handler(tx),
        RecommendedCache::new(),
        fenced(),
    )?;
    add_roots(roots, |p, mode| debouncer.watch(p, mode))?;
    Ok(debouncer)
}

fn poll(
    roots: &Roots,
    tx: Sender<Vec<PathBuf>>,
) -> std::result::Result<Debouncer<PollWatcher, RecommendedCache>, notify::Error> {
    // Modification times have a one-second grain on some file systems: compare contents too.
    let config = fenced()
        .with_poll_interval(POLL_INTERVAL)
        .with_compare_contents(true);
    let mut debouncer = new_debouncer_opt::<_, PollWatcher, RecommendedCache>(
        DEBOUNCE,
        None,
        handler(tx),
        RecommendedCache::new(),
        config,
    )?;
    add_roots(roots, |p, mode| debouncer.watch(p, mode))?;
    Ok(debouncer)
}

fn add_roots(
    roots: &Roots,
    mut watch: impl FnMut(&Path, RecursiveMode) -> notify::Result<()>,
) -> notify::Result<()> {
    for dir in [&roots.content, &roots.templates, &roots.statics] {
        if dir.is_dir() {
            watch(dir, RecursiveMode::Recursive)?;
        }
    }
    // The theme folder itself, so that a templates/ or static/ folder created later is seen.
    if let Some(theme) = roots.templates.parent().filter(|t| t.is_dir()) {
        watch(theme, RecursiveMode::NonRecursive)?;
    }
    // The project folder itself, not recursively: book.toml may be replaced by a rename.
    if let Some(root) = roots.book_toml.parent() {
        watch(root, RecursiveMode::NonRecursive)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Roots {
        Roots {
            book_toml: "/p/book.toml".into(),
            content: "/p/content".into(),
            templates: "/p/themes/default/templates".into(),
            statics: "/p/themes/default/static".into(),
            build_dir: "/p/public".into(),
        }
    }

    #[test]
    fn classifies_what_matters() {
        let r = roots();
        let c = |p: &str| classify(Path::new(p), &r);
        assert_eq!(c("/p/book.toml"), Some(Change::Config));
        assert_eq!(c("/p/content/steps/01-a.md"), Some(Change::Content));
        assert_eq!(c("/p/content/new-folder"), Some(Change::Content));
        assert_eq!(
            c("/p/themes/default/templates/page.html"),
            Some(Change::Template)
        );
        assert_eq!(
            c("/p/themes/default/static/style.css"),
            Some(Change::Stylesheet)
        );
        assert_eq!(c("/p/themes/default/static/logo.svg"), Some(Change::Static));
    }

    #[test]
    fn ignores_output_hidden_and_editor_files() {
        let r = roots();
        let c = |p: &str| classify(Path::new(p), &r);
        for path in [
            "/p/public/index.html",
            "/p/.public.staging-x/index.html",
            "/p/target/debug/x",
            "/p/README.md",
            "/p/content/.git/HEAD",
            "/p/content/steps/.01-a.md.swp",
            "/p/content/steps/01-a.md~",
            "/p/content/steps/4913",
            "/p/content/steps/#01-a.md#",
            "/p/content/steps/01-a.md___jb_tmp___",
            "/p/content/.hidden/a.md",
        ] {
            assert_eq!(c(path), None, "{path}");
        }
    }
}

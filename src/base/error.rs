//! The one error type of rekindle: every failure names the file (and line) it comes from.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A problem located in a source file: `path:line:col: message`, an optional
/// excerpt of the offending line with a caret, and an optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub col: usize,
    pub message: String,
    /// The source line the problem is on, shown under the message.
    pub excerpt: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (no line).
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: 0,
            col: 0,
            message: message.into(),
            excerpt: None,
            hint: None,
        }
    }

    /// A problem at `line:col` of `path`; the excerpt is taken from `source`
    /// (the whole file's text) when given.
    pub fn at(
        path: impl Into<PathBuf>,
        line: usize,
        col: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            line,
            col,
            ..Diagnostic::file(path, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attaches the line `self.line` of `source` as the excerpt.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.excerpt = source
                .lines()
                .nth(self.line - 1)
                .map(|l| l.trim_end_matches('\r').to_string());
        }
        self
    }

    /// `path:line:col` (or less, when line or column are unknown).
    pub fn location(&self) -> String {
        // A line break in a file name would split the message: control characters are escaped.
        let shown = self.path.display().to_string();
        let path = if shown.contains(char::is_control) {
            shown.escape_debug().to_string()
        } else {
            shown
        };
        match (self.line, self.col) {
            (0, _) => path,
            (line, 0) => format!("{path}:{line}"),
            (line, col) => format!("{path}:{line}:{col}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let Some(excerpt) = &self.excerpt {
            let gutter = " ".repeat(self.line.to_string().len());
            write!(f, "\n{gutter} |\n{} | {excerpt}", self.line)?;
            if self.col > 0 {
                let pad: String = excerpt
                    .chars()
                    .take(self.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n{gutter} | {pad}^")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a build, one variant per boundary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// book.toml is missing, malformed or inconsistent.
    #[error("{0}")]
    Config(Diagnostic),
    /// A content file: front matter, encoding, duplicate URL, missing source.
    #[error("{0}")]
    Content(Diagnostic),
    /// A theme template failed to parse or to render.
    #[error("{0}")]
    Template(Diagnostic),
    /// A link or anchor in the output leads nowhere.
    #[error("{0}")]
    Link(Diagnostic),
    /// The output could not be written (or the build dir is unsafe to replace).
    #[error("{0}")]
    Output(Diagnostic),
    /// A file or folder could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A file or folder could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// The dev server could not start.
    #[error("{message}\n  = help: {hint}")]
    Server { message: String, hint: String },
    /// Several independent errors, reported together.
    #[error("{}", join(.0))]
    Many(Vec<Error>),
    /// An error, with the warnings found before it: they are printed too.
    #[error("{error}")]
    Warned {
        error: Box<Error>,
        warnings: Vec<String>,
    },
}

fn join(errors: &[Error]) -> String {
    let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    parts.join("\nerror: ")
}

impl Error {
    pub fn read(path: &Path, source: io::Error) -> Self {
        Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn write(path: &Path, source: io::Error) -> Self {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    /// One error for a list: the single error itself, or `Many`.
    pub fn from_list(mut errors: Vec<Error>) -> Option<Error> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(Error::Many(errors)),
        }
    }

    /// The errors this one stands for, flattened.
    pub fn all(&self) -> Vec<&Error> {
        match self {
            Error::Many(list) => list.iter().flat_map(Error::all).collect(),
            Error::Warned { error, .. } => error.all(),
            other => vec![other],
        }
    }

    /// This error with `warnings` found before it (none are added twice).
    pub fn with_warnings(self, warnings: Vec<String>) -> Error {
        match self {
            Error::Warned { .. } => self,
            error if warnings.is_empty() => error,
            error => Error::Warned {
                error: Box::new(error),
                warnings,
            },
        }
    }

    /// The warnings found before this error.
    pub fn warnings(&self) -> &[String] {
        match self {
            Error::Warned { warnings, .. } => warnings,
            _ => &[],
        }
    }

    /// The located diagnostic, for errors that have one (for several, the first).
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Error::Config(d)
            | Error::Content(d)
            | Error::Template(d)
            | Error::Link(d)
            | Error::Output(d) => Some(d),
            Error::Warned { error, .. } => error.diagnostic(),
            // Several errors (every unknown key of a file, say): the first located one.
            Error::Many(list) => list.iter().find_map(Error::diagnostic),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// For serde's "unknown field `x`, expected one of `a`, `b`" messages: a
/// short message and a hint naming the closest known field.
pub fn explain_unknown_field(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let closest = known
        .iter()
        .map(|k| (strsim::jaro_winkler(field, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let list = known.join(", ");
    let hint = match closest {
        Some((_, k)) => format!("did you mean `{k}`? Known fields: {list}"),
        None if known.is_empty() => "this table takes no fields".to_string(),
        None => format!("known fields: {list}"),
    };
    Some((format!("unknown field `{field}`"), hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_shows_location_excerpt_caret_and_hint() {
        let d = Diagnostic::at("content/a.md", 3, 1, "unknown field `wieght`")
            .with_source("---\ntitle: A\nwieght: 2\n---\n")
            .with_hint("did you mean `weight`?");
        assert_eq!(
            d.to_string(),
            "content/a.md:3:1: unknown field `wieght`\n  |\n3 | wieght: 2\n  | ^\n  = help: did you mean `weight`?"
        );
    }

    #[test]
    fn unknown_field_gets_closest_suggestion() {
        let (msg, hint) = explain_unknown_field(
            "unknown field `wieght`, expected one of `title`, `weight`, `date`",
        )
        .unwrap();
        assert_eq!(msg, "unknown field `wieght`");
        assert_eq!(
            hint,
            "did you mean `weight`? Known fields: title, weight, date"
        );
        let (_, hint) =
            explain_unknown_field("unknown field `zzz`, expected `title` or `date`").unwrap();
        assert_eq!(hint, "known fields: title, date");
    }

    #[test]
    fn file_diagnostic_has_no_line() {
        let d = Diagnostic::file("book.toml", "missing");
        assert_eq!(d.to_string(), "book.toml: missing");
    }

    #[test]
    fn many_errors_are_joined_one_per_line() {
        let e = Error::Many(vec![
            Error::Content(Diagnostic::file("a.md", "x")),
            Error::Content(Diagnostic::file("b.md", "y")),
        ]);
        assert_eq!(e.to_string(), "a.md: x\nerror: b.md: y");
        assert_eq!(e.all().len(), 2);
    }
}

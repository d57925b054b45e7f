//! The work each page and section needs on its own, the same for `build`, `check` and
//! `serve`: the lint's findings about it and its entry in the search index. `build` and
//! `check` make them once; `serve` keeps them and redoes only the nodes an edit touched.

use crate::base::error::{Diagnostic, Result};
use crate::check::lint;
use crate::input::config::Config;
use crate::model::site::Site;
use crate::render::search;
use crate::write::Sink;

/// The lint's findings: about titles pages share, and about each node on its own.
pub struct Lints {
    /// Titles that pages share (front matter: a partial rebuild keeps them).
    titles: Vec<Diagnostic>,
    /// Each node's own findings, in reading order.
    nodes: Vec<Vec<Diagnostic>>,
}

impl Lints {
    /// The findings about every node of `site`.
    pub fn of(site: &Site) -> Lints {
        Lints {
            titles: lint::duplicate_titles(site),
            nodes: (site.reading_order.iter())
                .map(|&node| lint::node_warnings(site, node))
                .collect(),
        }
    }

    /// Finds again what the lint says about node `i` of the reading order alone.
    pub fn redo(&mut self, site: &Site, i: usize) {
        if let (Some(found), Some(&node)) = (self.nodes.get_mut(i), site.reading_order.get(i)) {
            *found = lint::node_warnings(site, node);
        }
    }

    /// Every finding, sorted by file, line and column.
    pub fn all(&self) -> Vec<Diagnostic> {
        let nodes = self.nodes.iter().flatten();
        let mut all: Vec<Diagnostic> = self.titles.iter().chain(nodes).cloned().collect();
        lint::sort(&mut all);
        all
    }
}

/// Each node's search index entry, in reading order (`serve` keeps them; `build` streams
/// the same entries to disk with `search::write_index`, so that a large index is never
/// held whole).
pub struct SearchEntries(Vec<String>);

impl SearchEntries {
    /// The entry of every node of `site`.
    pub fn of(site: &Site) -> SearchEntries {
        SearchEntries(
            (site.reading_order.iter())
                .map(|&node| search::entry(site, node))
                .collect(),
        )
    }

    /// Makes node `i`'s entry again.
    pub fn redo(&mut self, site: &Site, i: usize) {
        if let (Some(entry), Some(&node)) = (self.0.get_mut(i), site.reading_order.get(i)) {
            *entry = search::entry(site, node);
        }
    }

    /// Writes the index joined from the entries into `sink`; returns a warning when it is
    /// over its budget.
    pub fn write(&self, config: &Config, sink: &dyn Sink) -> Result<Option<String>> {
        let index = search::join(self.0.iter().map(String::as_str));
        super::write_search_index(config, sink, &index)
    }
}

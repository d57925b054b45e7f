//! What `serve` keeps between builds so that an edit costs little: the rendered Markdown of
//! every document (reused while its body and every link target stay the same), and the
//! re-reading and re-rendering of just the files an edit touched.

use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::base::error::Result;
use crate::base::markdown::Rendered;
use crate::input::config::Config;
use crate::input::content::{self, Content, PageMeta, SectionMeta};
use crate::model::site::{self, RenderStore, Site};

/// Rendered Markdown kept from one build to the next (by `serve`): an entry stays valid while
/// its body is the same and no page moved (the links it rewrote still lead to the same URLs).
#[derive(Default)]
pub struct RenderCache {
    fingerprint: u64,
    entries: HashMap<String, Entry>,
}

/// A rendered document, with the document it came from (kept alive, so that the same
/// `Arc` still means the same, unchanged file) and its body.
struct Entry {
    source: Arc<dyn Any + Send + Sync>,
    body: String,
    rendered: Arc<Rendered>,
}

impl RenderStore for RenderCache {
    fn start(&mut self, fingerprint: u64) {
        if self.fingerprint != fingerprint {
            self.entries.clear();
            self.fingerprint = fingerprint;
        }
    }

    fn get(&self, rel: &str, doc: *const (), body: &str) -> Option<Arc<Rendered>> {
        let entry = self.entries.get(rel)?;
        let same = std::ptr::eq(Arc::as_ptr(&entry.source).cast::<()>(), doc);
        (same || entry.body == body).then(|| Arc::clone(&entry.rendered))
    }

    fn keep(
        &mut self,
        rel: &str,
        doc: Arc<dyn Any + Send + Sync>,
        body: &str,
        rendered: &Arc<Rendered>,
    ) {
        let fresh = (self.entries.get(rel)).is_none_or(|e| {
            !std::ptr::eq(
                Arc::as_ptr(&e.source).cast::<()>(),
                Arc::as_ptr(&doc).cast::<()>(),
            )
        });
        if fresh {
            let entry = Entry {
                source: doc,
                body: body.to_string(),
                rendered: Arc::clone(rendered),
            };
            self.entries.insert(rel.to_string(), entry);
        }
    }
}

/// Reads again the Markdown files at `paths` (absolute) into `content`, in place, each
/// through the project's fence (`fence`). Returns the `rel` of
/// each and whether any front matter changed, or None when one is not among this
/// content's files (new, deleted, renamed, an asset) or a page turned into a draft: the
/// caller then loads everything again.
pub fn reread(
    content: &mut Content,
    paths: &[PathBuf],
    drafts: bool,
    fence: &Path,
) -> Result<Option<(Vec<String>, bool)>> {
    let mut meta_changed = false;
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut rels = Vec::new();
    for path in paths {
        if !path.is_file() {
            return Ok(None);
        }
        let page = content
            .pages
            .iter()
            .position(|d| absolute(&d.path) == *path);
        let section = content
            .sections
            .iter()
            .position(|d| absolute(&d.path) == *path);
        match (page, section) {
            (Some(i), _) => {
                let doc = &content.pages[i];
                let fresh = content::parse_document::<PageMeta>(
                    &doc.path,
                    doc.rel.clone(),
                    &content::read_fenced(&doc.path, fence)?,
                )?;
                if fresh.meta.draft && !drafts {
                    return Ok(None);
                }
                meta_changed |= fresh.meta != doc.meta;
                rels.push(fresh.rel.clone());
                content.pages[i] = Arc::new(fresh);
            }
            (None, Some(i)) => {
                let doc = &content.sections[i];
                let fresh = content::parse_document::<SectionMeta>(
                    &doc.path,
                    doc.rel.clone(),
                    &content::read_fenced(&doc.path, fence)?,
                )?;
                meta_changed |= fresh.meta != doc.meta;
                rels.push(fresh.rel.clone());
                content.sections[i] = Arc::new(fresh);
            }
            (None, None) => return Ok(None),
        }
    }
    rels.sort();
    rels.dedup();
    Ok(Some((rels, meta_changed)))
}

/// Renders again the Markdown of the documents in `content` whose `rel` is in `rels`, and
/// puts them and their rendering in `site` in place of the old ones. Only for edits that
/// changed no front matter (the caller checks), so that nothing else of the site moves.
pub fn rerender(config: &Config, site: &mut Site, content: &Content, rels: &[String]) {
    let base = &config.base.path;
    let mut index = site::LinkIndex::with_capacity_and_hasher(
        site.pages.len() + site.sections.len(),
        Default::default(),
    );
    for s in &site.sections {
        index.insert(s.doc.rel.clone(), s.path.clone());
    }
    for p in &site.pages {
        index.insert(p.doc.rel.clone(), p.path.clone());
    }
    let opts = &config.markdown;
    for doc in content.pages.iter().filter(|d| rels.contains(&d.rel)) {
        if let Some(page) = site.pages.iter_mut().find(|p| p.doc.rel == doc.rel) {
            page.rendered = Arc::new(site::render_doc(&doc.body, &doc.rel, &index, base, opts));
            page.doc = Arc::clone(doc);
        }
    }
    for doc in content.sections.iter().filter(|d| rels.contains(&d.rel)) {
        if let Some(section) = site.sections.iter_mut().find(|s| s.doc.rel == doc.rel) {
            section.rendered = Arc::new(site::render_doc(&doc.body, &doc.rel, &index, base, opts));
            section.doc = Arc::clone(doc);
        }
    }
}

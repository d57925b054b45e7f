//! rekindle: a static site generator for guides. This is the crate's face: the commands
//! (`build`, `check` through `build`, `serve`, `init`, `new`) over the stages of
//! `pipeline`. ARCHITECTURE.md is the map of the folders below.

pub mod base;
pub mod check;
pub mod input;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod write;

use std::path::Path;

pub use base::error::{self, Diagnostic, Error, Result};
pub use input::config::{Config, Overrides};
pub use pipeline::{Mode, Report, load_config};

/// Builds (or checks) the site of the project in `dir`.
pub fn build(dir: &Path, overrides: &Overrides, mode: Mode) -> Result<Report> {
    build_with(dir, overrides, mode, &write::Cleanup::default())
}

/// `build`, listing its staging folder in `cleanup` for an interrupt handler to remove.
pub fn build_with(
    dir: &Path,
    overrides: &Overrides,
    mode: Mode,
    cleanup: &write::Cleanup,
) -> Result<Report> {
    let config = load_config(dir, overrides)?;
    pipeline::run(&config, overrides, mode, cleanup)
}

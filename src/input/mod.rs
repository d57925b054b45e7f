//! Reading input: book.toml, the content folder, the theme, and the fence that keeps every
//! read inside the project. The only stage that reads the project's files.

pub mod config;
pub mod content;
pub mod fence;

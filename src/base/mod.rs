//! The bottom layer, used by every stage and using none: errors, escaping, HTML scanning,
//! Markdown rendering, syntax highlighting of code blocks, the parallel loop and the names
//! of the output's fixed files.

pub mod error;
pub mod escape;
pub mod highlight;
pub mod html;
pub mod markdown;
pub mod output;
pub mod parallel;

//! The bottom layer, used by every stage and using none: errors, escaping, HTML scanning,
//! Markdown rendering, syntax highlighting of code blocks and the parallel loop.

pub mod error;
pub mod escape;
pub mod highlight;
pub mod html;
pub mod markdown;
pub mod parallel;

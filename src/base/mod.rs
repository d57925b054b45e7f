//! The bottom layer, used by every stage and using none: errors, escaping, HTML scanning,
//! Markdown rendering and the parallel loop.

pub mod error;
pub mod escape;
pub mod html;
pub mod markdown;
pub mod parallel;

//! Checking the output: every internal link and anchor of the rendered HTML, and the content
//! lint (accessibility and readability warnings).

pub mod links;
pub mod lint;

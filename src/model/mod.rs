//! The pure model: the parsed content assembled into a site (sections, pages, reading order,
//! tags, output files), and the checks content must pass to be published. No I/O.

pub mod publishable;
pub mod site;

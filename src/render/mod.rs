//! Rendering: the site as template views, HTML through Tera, the feeds, the search index,
//! the one-page guide and the social cards. Produces bytes; writes nothing itself.

pub mod cards;
pub mod feeds;
pub mod generated;
pub mod jsonld;
pub mod nav;
pub mod onepage;
pub mod redirect;
pub mod search;
pub mod templates;
pub mod views;

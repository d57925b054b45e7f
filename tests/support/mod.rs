//! Helpers for `tests/browser.rs`: tool discovery, the built and served guide,
//! and a minimal blocking WebDriver client.

pub mod assets;
pub mod harness;
pub mod site;
pub mod tools;
pub mod webdriver;

//! Helpers for `tests/browser.rs`: tool discovery, the built and served guide,
//! a minimal blocking WebDriver client, and a base64 decoder for screenshots.

pub mod assets;
pub mod base64;
pub mod site;
pub mod tools;
pub mod webdriver;

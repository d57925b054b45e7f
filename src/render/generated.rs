//! The typed catalogue of the files rekindle generates beside the pages: each one's name and
//! its writer together, so that adding one is one variant and one match arm.

use std::io::{self, Write};

use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::model::site::Site;
use crate::render::{feeds, search};

/// A file generated from the whole site rather than rendered from a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    Sitemap,
    Robots,
    Atom,
    NoJekyll,
    SearchIndex,
    /// Only when `[site] cname` is set.
    Cname,
}

impl Generated {
    /// The file's path, relative to the site root.
    pub fn file(self) -> &'static str {
        self.fixed().file()
    }

    /// Its name among the output's fixed files.
    pub fn fixed(self) -> Fixed {
        match self {
            Generated::Sitemap => Fixed::Sitemap,
            Generated::Robots => Fixed::Robots,
            Generated::Atom => Fixed::Atom,
            Generated::NoJekyll => Fixed::NoJekyll,
            Generated::SearchIndex => Fixed::SearchIndex,
            Generated::Cname => Fixed::Cname,
        }
    }

    /// The generated files of a build of `site` with `config`, in the order they are
    /// written: the Atom feed only when a page has a date, CNAME only when one is set.
    pub fn of(config: &Config, site: &Site) -> Vec<Generated> {
        let mut files = vec![
            Generated::Sitemap,
            Generated::Robots,
            Generated::NoJekyll,
            Generated::SearchIndex,
        ];
        if feeds::has_dated_pages(site) {
            files.push(Generated::Atom);
        }
        if config.cname.is_some() {
            files.push(Generated::Cname);
        }
        files
    }

    /// Writes the file's bytes to `out`.
    pub fn write(self, config: &Config, site: &Site, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Generated::Sitemap => feeds::sitemap(config, site, out),
            Generated::Robots => out.write_all(feeds::robots(config).as_bytes()),
            Generated::Atom => feeds::atom(config, site, out),
            Generated::NoJekyll => Ok(()),
            Generated::SearchIndex => search::write_index(site, out),
            Generated::Cname => match &config.cname {
                Some(cname) => writeln!(out, "{cname}"),
                None => Ok(()),
            },
        }
    }
}

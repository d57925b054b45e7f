//! The files every build writes under names of rekindle's own, whatever the content says:
//! one typed list, so that each name is written once for all who need it (the model claims
//! them, the renderer and the generated files write them, the build dir's guard looks for
//! the marker, `serve` answers with the 404 page). It sits in `base` because the writer,
//! which owns the marker, may use nothing above `input`.

/// A file with a fixed name in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixed {
    /// The whole guide on one page, when the theme has `all.html`.
    OnePage,
    SearchIndex,
    NotFound,
    Sitemap,
    Robots,
    Atom,
    NoJekyll,
    /// Only when `[site] cname` is set.
    Cname,
    /// The marker of a folder that rekindle wrote and may replace.
    Marker,
    /// The list of every tag.
    Tags,
}

impl Fixed {
    /// Every one of them.
    pub const ALL: [Fixed; 10] = [
        Fixed::OnePage,
        Fixed::SearchIndex,
        Fixed::NotFound,
        Fixed::Sitemap,
        Fixed::Robots,
        Fixed::Atom,
        Fixed::NoJekyll,
        Fixed::Cname,
        Fixed::Marker,
        Fixed::Tags,
    ];

    /// Its path relative to the site root.
    pub const fn file(self) -> &'static str {
        match self {
            Fixed::OnePage => "all/index.html",
            Fixed::SearchIndex => "search-index.json",
            Fixed::NotFound => "404.html",
            Fixed::Sitemap => "sitemap.xml",
            Fixed::Robots => "robots.txt",
            Fixed::Atom => "atom.xml",
            Fixed::NoJekyll => ".nojekyll",
            Fixed::Cname => "CNAME",
            Fixed::Marker => ".rekindle",
            Fixed::Tags => "tags/index.html",
        }
    }

    /// Its URL path under the base path `base`: a folder's `index.html` is the folder
    /// (`/guide/all/`), any other file itself (`/guide/atom.xml`).
    pub fn path(self, base: &str) -> String {
        let file = self.file();
        [base, file.strip_suffix("index.html").unwrap_or(file)].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::Fixed;

    #[test]
    fn a_folder_s_index_is_reached_at_the_folder() {
        assert_eq!(Fixed::OnePage.path("/g/"), "/g/all/");
        assert_eq!(Fixed::Tags.path("/"), "/tags/");
        assert_eq!(Fixed::NotFound.path("/g/"), "/g/404.html");
    }
}

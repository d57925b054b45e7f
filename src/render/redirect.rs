//! The redirect page written at each alias of a page or section (`aliases: [/old/path/]`): GitHub Pages
//! has no server redirects, so a renamed page keeps its old URL with a page that sends the
//! reader on and tells search engines where the page now lives.

use crate::base::escape;
use crate::input::config::Config;
/// The HTML of a redirect to the page at URL path `path`, titled `title`: a canonical link,
/// an immediate refresh, `noindex`, and a link for a reader whose browser does not follow
/// the refresh.
pub fn page(config: &Config, path: &str, title: &str) -> String {
    let to = escape::html(path);
    let canonical = escape::html(&config.base.permalink(path));
    let title = escape::html(title);
    let lang = escape::html(&config.language);
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Moved: {title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\">\n</head>\n<body>\n\
         <p>This page has moved to <a href=\"{to}\">{title}</a>.</p>\n</body>\n</html>\n"
    )
}

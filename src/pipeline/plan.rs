//! Planning the output: the list of every file a build writes, known before anything is
//! rendered so that the link checker can judge each page as soon as it is written.

use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::input::content::Theme;
use crate::model::site::Site;
use crate::render::generated::Generated;
use crate::render::templates;

/// Every file a build writes, relative to the site root.
pub fn output_files(config: &Config, site: &Site, theme: &Theme) -> Vec<String> {
    let mut files = site_files(site, theme, &Generated::of(config, site));
    if theme.has_template(templates::ONE_PAGE) {
        files.push(templates::ONE_PAGE_FILE.to_string());
    }
    files.extend(card_files(config, site));
    let aliases = site.reading_order.iter().map(|&n| site.node(n).aliases);
    files.extend(aliases.flatten().cloned());
    files
}

/// The cards a build writes, when `[site] cards` is on.
fn card_files(config: &Config, site: &Site) -> Vec<String> {
    match config.cards {
        true => site
            .reading_order
            .iter()
            .map(|n| site.card_file(*n))
            .collect(),
        false => Vec::new(),
    }
}

/// The pages, sections, tag pages, assets, static files and generated files.
fn site_files(site: &Site, theme: &Theme, generated: &[Generated]) -> Vec<String> {
    let nodes = (site.reading_order.iter()).map(|&node| site.node(node).file.to_string());
    nodes
        .chain((site.tags.iter()).flat_map(|t| (0..t.listing_pages()).map(|k| t.listing_file(k))))
        .chain([Fixed::Tags, Fixed::NotFound].map(|f| f.file().to_string()))
        .chain(site.assets.iter().map(|a| a.rel.clone()))
        .chain(theme.statics.iter().map(|(a, _)| a.rel.clone()))
        .chain(generated.iter().map(|g| g.file().to_string()))
        .collect()
}

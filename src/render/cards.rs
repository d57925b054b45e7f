//! Social preview cards: a PNG per page (guide title, page title, "Step 2 of 4"), drawn from an
//! SVG with a font the project ships, identical from build to build.
//!
//! The SVG is laid out here (lines are wrapped by an estimate of each character's width in the
//! shipped bold font) and rendered by resvg with a font database that holds only that font, so no
//! system font can change the output.

use std::fmt::Write;
use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{Options, Tree, fontdb};

use crate::base::escape::html as xml_escape;

/// Card width in pixels (the Open Graph 1.91:1 size).
const WIDTH: u32 = 1200;
/// Card height in pixels.
const HEIGHT: u32 = 630;
/// Left and right margin in pixels.
const MARGIN: f32 = 80.0;
/// Width available to text in pixels.
const TEXT_WIDTH: f32 = WIDTH as f32 - 2.0 * MARGIN;
/// Background, text, muted text and accent colours (the default theme's warm, calm palette).
const BACKGROUND: &str = "#fbf8f4";
const INK: &str = "#1d1b1a";
const MUTED: &str = "#6b625c";
const ACCENT: &str = "#9e2a3f";
/// Height of the accent bar across the top, in pixels.
const BAR_HEIGHT: f32 = 12.0;
/// Font size and baseline of the site title (top) and of the kicker (bottom).
const SITE_SIZE: f32 = 34.0;
const SITE_BASELINE: f32 = 112.0;
const KICKER_SIZE: f32 = 36.0;
const KICKER_BASELINE: f32 = 546.0;
/// Page-title font sizes, tried largest first until the title fits in `MAX_LINES`.
const TITLE_SIZES: [f32; 4] = [80.0, 68.0, 58.0, 50.0];
/// Most lines a page title may take; beyond that it is cut with an ellipsis.
const MAX_LINES: usize = 3;
/// Line height of the page title as a multiple of its font size.
const LINE_HEIGHT: f32 = 1.18;
/// Approximate cap height of the font as a multiple of its font size.
const CAP_HEIGHT: f32 = 0.73;
/// The page title is centred vertically on this line.
const TITLE_MIDDLE: f32 = 330.0;
/// The ellipsis used to cut text, and its width in ems.
const ELLIPSIS: char = '\u{2026}';
const ELLIPSIS_EM: f32 = 1.0;

/// The font every card is drawn with (DejaVu Sans Bold, free licence: assets/fonts/).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A painter with the shipped font that remembers the cards it drew, so that `serve` draws
/// a card again only when its text changed.
pub struct Cards {
    /// Loaded with its font on the first card: a site without cards never pays for it.
    painter: std::sync::OnceLock<Painter>,
    drawn: std::sync::Mutex<std::collections::HashMap<String, Arc<[u8]>>>,
}

impl Default for Cards {
    fn default() -> Self {
        Cards {
            painter: std::sync::OnceLock::new(),
            drawn: std::sync::Mutex::default(),
        }
    }
}

impl Cards {
    /// The PNG of `card`, drawn now or remembered.
    pub fn png(&self, card: &Card) -> Result<Arc<[u8]>, String> {
        let key = format!(
            "{}\u{0}{}\u{0}{}",
            card.site_title, card.page_title, card.kicker
        );
        if let Some(png) = self.drawn.lock().ok().and_then(|d| d.get(&key).cloned()) {
            return Ok(png);
        }
        let painter = self.painter.get_or_init(|| Painter::new(FONT.to_vec()));
        let png: Arc<[u8]> = painter.render(card)?.into();
        if let Ok(mut drawn) = self.drawn.lock() {
            drawn.insert(key, Arc::clone(&png));
        }
        Ok(png)
    }
}

/// What a card shows.
pub struct Card<'a> {
    /// The guide's title, shown small at the top, e.g. "How to Make Your Ex Want You Back".
    pub site_title: &'a str,
    /// The page's title, shown large, e.g. "Focus on self-improvement".
    pub page_title: &'a str,
    /// A short line under the title, e.g. "Step 2 of 4"; may be empty.
    pub kicker: &'a str,
}

/// A loaded font database, made once per build and shared by every card (Send + Sync).
pub struct Painter {
    fontdb: Arc<fontdb::Database>,
    family: Option<String>,
}

impl Painter {
    /// `font` is the bytes of a TTF/OTF font (the project ships one in `assets/fonts/`).
    ///
    /// A font that cannot be read is reported by [`Painter::render`], not here.
    pub fn new(font: Vec<u8>) -> Painter {
        let mut db = fontdb::Database::new();
        db.load_font_data(font);
        let family = db
            .faces()
            .find_map(|face| face.families.first().map(|(name, _)| name.clone()));
        Painter {
            fontdb: Arc::new(db),
            family,
        }
    }

    /// Renders a 1200×630 PNG. Errors are strings (the caller wraps them); never panics.
    pub fn render(&self, card: &Card) -> Result<Vec<u8>, String> {
        let family = self
            .family
            .as_deref()
            .ok_or("the card font could not be read as a TrueType/OpenType font")?;
        let svg = card_svg(card, family);
        let options = Options {
            font_family: family.to_owned(),
            fontdb: Arc::clone(&self.fontdb),
            ..Options::default()
        };
        let tree =
            Tree::from_str(&svg, &options).map_err(|e| format!("card SVG is invalid: {e}"))?;
        let mut pixmap =
            Pixmap::new(WIDTH, HEIGHT).ok_or("could not allocate the card's pixel buffer")?;
        resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
        let png =
            (pixmap.encode_png()).map_err(|e| format!("could not encode the card as PNG: {e}"))?;
        Ok(with_key(png, &card.key()))
    }
}

/// The keyword of the PNG text chunk that holds a card's key.
const KEY_KEYWORD: &[u8] = b"rekindle-card";
/// Where a PNG's first chunk after the header starts: the 8-byte signature, then IHDR
/// (4 length, 4 type, 13 data, 4 CRC).
const AFTER_IHDR: usize = 33;

impl Card<'_> {
    /// What the card's pixels depend on, hashed: its texts, the font, the size and the
    /// layout's version. A card whose key is unchanged need not be drawn again.
    pub fn key(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for part in [self.site_title, self.page_title, self.kicker] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(FONT.len().to_le_bytes());
        hash.update([LAYOUT_VERSION]);
        hash.update(WIDTH.to_le_bytes());
        hash.update(HEIGHT.to_le_bytes());
        hash.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Bumped whenever the drawing changes, so that cards drawn by an older rekindle are drawn again.
const LAYOUT_VERSION: u8 = 1;

/// `png` with a `tEXt` chunk `rekindle-card` holding `key` right after its header.
fn with_key(png: Vec<u8>, key: &str) -> Vec<u8> {
    if png.len() < AFTER_IHDR {
        return png;
    }
    let data: Vec<u8> = [KEY_KEYWORD, &[0], key.as_bytes()].concat();
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    [&png[..AFTER_IHDR], &chunk, &png[AFTER_IHDR..]].concat()
}

/// The key a card PNG carries (see `with_key`), read from its first bytes.
pub fn key_of(head: &[u8]) -> Option<&str> {
    let chunk = head.get(AFTER_IHDR..)?;
    let len = u32::from_be_bytes(chunk.get(..4)?.try_into().ok()?) as usize;
    let data = chunk
        .get(8..8 + len)
        .filter(|_| chunk.get(4..8) == Some(b"tEXt"))?;
    let key = data.strip_prefix(KEY_KEYWORD)?.strip_prefix(&[0])?;
    std::str::from_utf8(key).ok()
}

/// The SVG document for a card, with every piece of text escaped.
fn card_svg(card: &Card, family: &str) -> String {
    let mut svg = String::with_capacity(2048);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"{}\" font-weight=\"bold\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"{BACKGROUND}\"/>\
         <rect width=\"{WIDTH}\" height=\"{BAR_HEIGHT}\" fill=\"{ACCENT}\"/>",
        xml_escape(family)
    );
    let site = fit_line(&clean(card.site_title), TEXT_WIDTH / SITE_SIZE);
    push_text(&mut svg, &site, SITE_BASELINE, SITE_SIZE, MUTED);
    let (size, lines) = title_lines(&clean(card.page_title));
    let line_height = size * LINE_HEIGHT;
    let block = (lines.len().saturating_sub(1)) as f32 * line_height + size * CAP_HEIGHT;
    let first = TITLE_MIDDLE - block / 2.0 + size * CAP_HEIGHT;
    for (i, line) in lines.iter().enumerate() {
        push_text(&mut svg, line, first + i as f32 * line_height, size, INK);
    }
    let kicker = fit_line(&clean(card.kicker), TEXT_WIDTH / KICKER_SIZE);
    push_text(&mut svg, &kicker, KICKER_BASELINE, KICKER_SIZE, ACCENT);
    svg.push_str("</svg>");
    svg
}

/// Appends one `<text>` line at the left margin; nothing for empty text.
fn push_text(svg: &mut String, text: &str, baseline: f32, size: f32, fill: &str) {
    if text.is_empty() {
        return;
    }
    let _ = write!(
        svg,
        "<text x=\"{MARGIN}\" y=\"{baseline:.1}\" font-size=\"{size}\" fill=\"{fill}\">{}</text>",
        xml_escape(text)
    );
}

/// The page title's font size and lines: the largest size at which it fits in `MAX_LINES`,
/// or the smallest size with the last line cut by an ellipsis.
fn title_lines(title: &str) -> (f32, Vec<String>) {
    let mut smallest = (0.0, Vec::new());
    for size in TITLE_SIZES {
        let lines = wrap(title, TEXT_WIDTH / size);
        if lines.len() <= MAX_LINES {
            return (size, lines);
        }
        smallest = (size, lines);
    }
    let (size, mut lines) = smallest;
    lines.truncate(MAX_LINES);
    if let Some(last) = lines.last_mut() {
        *last = with_ellipsis(last, TEXT_WIDTH / size);
    }
    (size, lines)
}

/// Greedy word wrap into lines no wider than `budget` ems; over-long words are broken.
fn wrap(text: &str, budget: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').flat_map(|word| split_long(word, budget)) {
        if line.is_empty() {
            line = word;
        } else if text_width(&line) + char_em(' ') + text_width(&word) <= budget {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word as pieces no wider than `budget` ems (the word itself when it fits).
fn split_long(word: &str, budget: f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        if !piece.is_empty() && text_width(&piece) + char_em(c) > budget {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push(c);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// One line no wider than `budget` ems, cut with an ellipsis when it is too long.
fn fit_line(text: &str, budget: f32) -> String {
    if text_width(text) <= budget {
        text.to_owned()
    } else {
        with_ellipsis(text, budget)
    }
}

/// `text` shortened until it and a trailing ellipsis fit in `budget` ems, then the ellipsis.
fn with_ellipsis(text: &str, budget: f32) -> String {
    let mut out = text.to_owned();
    while !out.is_empty() && text_width(&out) + ELLIPSIS_EM > budget {
        out.pop();
    }
    let kept = out.trim_end_matches(|c: char| c.is_whitespace() || ",;:-".contains(c));
    let mut out = kept.to_owned();
    out.push(ELLIPSIS);
    out
}

/// Text with control characters and XML-forbidden code points turned into spaces, emoji (which
/// the shipped font has no glyphs for, so they would show as boxes) dropped, and whitespace
/// collapsed to single spaces.
fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .filter(|&c| !is_emoji(c))
        .map(|c| {
            if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Emoji, pictographs and the invisible characters that join or style them.
fn is_emoji(c: char) -> bool {
    matches!(
        c,
        '\u{1F000}'..='\u{1FAFF}' | '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{20E3}'
    ) || ('\u{E0020}'..='\u{E007F}').contains(&c)
}

/// Approximate width of a text in ems of the shipped font.
fn text_width(text: &str) -> f32 {
    text.chars().map(char_em).sum()
}

/// Approximate advance of a character in ems, from DejaVu Sans Bold's metrics.
fn char_em(c: char) -> f32 {
    match c {
        ' ' | 'i' | 'j' | 'l' | 'I' | 'J' | '\'' | '\u{2019}' | ',' | '.' | ':' | ';' | '!'
        | '|' | '/' | '\\' => 0.38,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '\u{2013}' => 0.5,
        'c' | 's' | 'z' | '?' | '"' | '_' | '`' => 0.6,
        'm' | 'w' | 'M' | 'W' | '@' | '%' | '\u{2014}' | '\u{2026}' => 1.05,
        'A'..='Z' | '#' | '&' | '+' | '<' | '=' | '>' | '^' | '~' => 0.84,
        c if c >= '\u{2E80}' => 1.1,
        _ => 0.72,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FONT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/fonts/DejaVuSans-Bold.ttf"
    );

    fn painter() -> Painter {
        Painter::new(std::fs::read(FONT).unwrap())
    }

    fn card<'a>(page_title: &'a str) -> Card<'a> {
        Card {
            site_title: "How to Make Your Ex Want You Back",
            page_title,
            kicker: "Step 2 of 4",
        }
    }

    fn be_u32(bytes: &[u8]) -> u32 {
        u32::from_be_bytes(bytes.try_into().unwrap())
    }

    #[test]
    fn painter_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<Painter>();
    }

    #[test]
    fn renders_a_1200_by_630_png() {
        let png = painter()
            .render(&card("Focus on self-improvement"))
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(be_u32(&png[16..20]), 1200);
        assert_eq!(be_u32(&png[20..24]), 630);
    }

    #[test]
    fn renders_are_byte_identical() {
        let painter = painter();
        let first = painter.render(&card("Focus on self-improvement")).unwrap();
        let second = painter.render(&card("Focus on self-improvement")).unwrap();
        assert!(first == second, "two renders of one card differ");
        let other = Painter::new(std::fs::read(FONT).unwrap());
        assert!(first == other.render(&card("Focus on self-improvement")).unwrap());
    }

    #[test]
    fn markup_quotes_emoji_and_controls_render() {
        let tricky = Card {
            site_title: "Tom & Jerry's <guide> \"quoted\"",
            page_title: "</text><script>&amp; 'single' \"double\" 💔➡️❤️ done\u{0}\u{1b}\u{FFFF}",
            kicker: "Step <1> & \"2\" 🎉",
        };
        let png = painter().render(&tricky).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn a_300_character_title_renders_cut_to_three_lines() {
        let long = "word ".repeat(60);
        assert_eq!(long.chars().count(), 300);
        painter().render(&card(&long)).unwrap();
        let (size, lines) = title_lines(&clean(&long));
        assert_eq!(size, TITLE_SIZES[TITLE_SIZES.len() - 1]);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines[2].ends_with(ELLIPSIS));
        let unbroken = "x".repeat(300);
        painter().render(&card(&unbroken)).unwrap();
    }

    #[test]
    fn titles_wrap_within_the_text_width() {
        let (size, lines) = title_lines("Focus on self-improvement");
        assert_eq!((size, lines.len()), (80.0, 2));
        let (size, lines) = title_lines("Ok");
        assert_eq!((size, lines), (80.0, vec!["Ok".to_owned()]));
        let lines = wrap("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW WW Mm", 10.0);
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|line| text_width(line) <= 10.0));
    }

    #[test]
    fn cleaning_drops_emoji_and_controls_and_collapses_spaces() {
        assert_eq!(clean("  a 💔 b\u{0}c\n\td 👍🏽❤\u{FE0F} "), "a b c d ❤");
    }

    #[test]
    fn empty_fields_render() {
        let empty = Card {
            site_title: "",
            page_title: "",
            kicker: "",
        };
        painter().render(&empty).unwrap();
    }

    #[test]
    fn an_unreadable_font_is_an_error() {
        let err = Painter::new(b"not a font".to_vec())
            .render(&card("Title"))
            .unwrap_err();
        assert!(err.contains("font"), "{err}");
    }
}

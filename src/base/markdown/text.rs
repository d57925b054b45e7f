//! Text helpers: whitespace collapsed, words counted, each section's search text, and
//! byte offsets turned into lines and columns.

use super::SECTION_TEXT;

/// Plain text following a heading.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TextSection {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) text: String,
    /// The text reached `SECTION_TEXT` and was cut: nothing more goes in.
    pub(super) full: bool,
}

impl TextSection {
    /// A section with room for all the text it may keep: its text never grows in steps.
    pub(super) fn new(id: String, title: String) -> Self {
        TextSection {
            id,
            title,
            text: String::with_capacity(SECTION_TEXT + 8),
            full: false,
        }
    }
}

/// The sections that have a heading or text, as `[[anchor, heading, text], ...]`.
pub(super) fn search_parts(sections: &[TextSection]) -> Box<str> {
    let parts = sections
        .iter()
        .filter(|s| !s.text.is_empty() || !s.title.is_empty())
        .map(|s| [s.id.as_str(), s.title.as_str(), s.text.trim_end()]);
    crate::base::escape::json_rows(parts).into_boxed_str()
}

/// Appends `text`, turning whitespace runs into one space and dropping leading whitespace.
/// A single space between words is copied with them: text is pushed in long runs.
pub(super) fn push_collapsed(buf: &mut String, piece: Piece) {
    let text = piece.text;
    if piece.plain {
        // Only single spaces: at most the first one goes.
        let after_space = buf.is_empty() || buf.ends_with(' ');
        let skip = usize::from(after_space && text.starts_with(' '));
        buf.push_str(&text[skip..]);
    } else {
        push_collapsed_general(buf, text);
    }
}

/// A piece of text, and whether it `is_plain`, worked out once for all that collect it.
#[derive(Clone, Copy)]
pub(super) struct Piece<'t> {
    pub(super) text: &'t str,
    pub(super) plain: bool,
}

impl<'t> Piece<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Piece {
            text,
            plain: is_plain(text),
        }
    }
}

/// `push_collapsed` for any text.
fn push_collapsed_general(buf: &mut String, text: &str) {
    // Whether a space here would follow another (or start the text), and so be dropped.
    let mut after_space = buf.is_empty() || buf.ends_with(' ');
    let (mut run, mut previous_end) = (0, 0);
    for (at, len) in whitespace(text) {
        if at > previous_end {
            after_space = false;
        }
        previous_end = at + len;
        if !after_space && text.as_bytes().get(at) == Some(&b' ') {
            after_space = true;
            continue;
        }
        buf.push_str(&text[run..at]);
        if !after_space {
            buf.push(' ');
            after_space = true;
        }
        run = at + len;
    }
    buf.push_str(&text[run..]);
}

/// The words that `text` adds after text that left a word open (`in_word`) or not, and
/// whether it leaves one open, for text that `is_plain`: the words are the pieces between
/// single spaces, the first of which may go on the open word.
pub(super) fn words_plain(text: &str, in_word: bool) -> (usize, bool) {
    if text.is_empty() {
        return (0, in_word);
    }
    let (lead, trail) = (text.starts_with(' '), text.ends_with(' '));
    let spaces = memchr::memchr_iter(b' ', text.as_bytes()).count();
    let pieces = (spaces + 1).saturating_sub(usize::from(lead) + usize::from(trail));
    (pieces.saturating_sub(usize::from(in_word && !lead)), !trail)
}

/// `words_plain` for any text: a word ends at each whitespace that follows a non-empty piece.
pub(super) fn words_general(text: &str, mut in_word: bool) -> (usize, bool) {
    let (mut words, mut next) = (0, 0);
    for (at, len) in whitespace(text) {
        if at > next {
            words += usize::from(!in_word);
        }
        in_word = false;
        next = at + len;
    }
    if text.len() > next {
        words += usize::from(!in_word);
        in_word = true;
    }
    (words, in_word)
}

/// Whether `text` is printable ASCII with no two spaces in a row, as most text is: then
/// collapsing whitespace has nothing to do but drop a leading space. Both scans are
/// vectorised, where the general path looks at one byte at a time.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let next = bytes.get(1..).unwrap_or_default();
    // Sums without branches, which the compiler turns into vector code.
    let unusual = (bytes.iter()).fold(0, |n, &b| n | u8::from(b.wrapping_sub(b' ') > b'~' - b' '));
    let doubled = (bytes.iter().zip(next)).fold(0, |n, (&a, &b)| {
        n | (u8::from(a == b' ') & u8::from(b == b' '))
    });
    unusual | doubled == 0
}

/// The position and length of each whitespace character of `text` (as `char::is_whitespace`
/// says), looking at ASCII bytes without decoding them: most text is ASCII.
fn whitespace(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(at) {
            // Most bytes are printable ASCII: one comparison moves past them.
            if (b'!'..=b'~').contains(&b) {
                at += 1;
                continue;
            }
            let (white, len) = if b.is_ascii() {
                (
                    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'),
                    1,
                )
            } else {
                let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or(' ');
                (c.is_whitespace(), c.len_utf8())
            };
            at += len;
            if white {
                return Some((at - len, len));
            }
        }
        None
    })
}

pub(super) fn trim_end_space(buf: &mut String) {
    if buf.ends_with(' ') {
        buf.pop();
    }
}

/// Byte offset -> 1-based (line, char column), built lazily on the first link.
pub(super) struct LineIndex<'a> {
    pub(super) body: &'a str,
    /// Last answer (byte offset, 0-based line, 0-based column in chars): the next offset is
    /// most often further on, and only the text between them is read.
    cursor: (usize, usize, usize),
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(body: &'a str) -> Self {
        Self {
            body,
            cursor: (0, 0, 0),
        }
    }

    /// The 1-based line and column (in chars) of a byte offset of the body.
    pub(super) fn locate(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.body.len());
        let (from, line, col) = match self.cursor {
            cursor if cursor.0 <= offset => cursor,
            _ => (0, 0, 0),
        };
        let between = &self.body.as_bytes()[from..offset];
        let (line, line_from, col) = match memchr::memrchr(b'\n', between) {
            Some(last) => {
                let newlines = memchr::memchr_iter(b'\n', between).count();
                (line + newlines, from + last + 1, 0)
            }
            None => (line, from, col),
        };
        let col = col
            + self
                .body
                .get(line_from..offset)
                .map_or(0, |s| s.chars().count());
        self.cursor = (offset, line, col);
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_found_as_char_is_whitespace_finds_it() {
        let text: String = (0..0x3100u32).filter_map(char::from_u32).collect();
        let expected: Vec<(usize, usize)> = text
            .char_indices()
            .filter(|(_, c)| c.is_whitespace())
            .map(|(i, c)| (i, c.len_utf8()))
            .collect();
        assert_eq!(whitespace(&text).collect::<Vec<_>>(), expected);
        for (before, text, after) in [
            ("", "  a\u{a0}\u{3000} b\n\n c ", "a b c "),
            ("x", " a  b\tc", "x a b c"),
            ("x ", " a", "x a"),
            ("x", "y z ", "xy z "),
            ("", "   ", ""),
        ] {
            let mut collapsed = before.to_string();
            push_collapsed(&mut collapsed, Piece::new(text));
            assert_eq!(collapsed, after, "{before:?} + {text:?}");
        }
    }

    proptest::proptest! {
        /// The fast path for plain text collapses and counts exactly as the general one.
        #[test]
        fn plain_text_takes_a_shortcut_to_the_same_result(
            text in "[ a-z,.]{0,12}( [a-z]{1,3}){0,3} ?",
            before in "(|x|x )",
            in_word: bool,
        ) {
            let double = text.contains("  ");
            proptest::prop_assert_eq!(is_plain(&text), !double);
            if !double {
                proptest::prop_assert_eq!(words_plain(&text, in_word), words_general(&text, in_word));
                let (mut fast, mut general) = (before.clone(), before.clone());
                push_collapsed(&mut fast, Piece::new(&text));
                push_collapsed_general(&mut general, &text);
                proptest::prop_assert_eq!(fast, general);
            }
        }

        /// Lines and columns come out the same whatever order the offsets are asked in.
        #[test]
        fn offsets_are_located_in_any_order(
            body in "[a\né\r ]{0,40}",
            offsets in proptest::collection::vec(0usize..50, 0..8),
        ) {
            let mut index = LineIndex::new(&body);
            for offset in offsets.into_iter().filter(|&o| body.is_char_boundary(o)) {
                let before = &body[..offset];
                let last_line = before.rsplit('\n').next().unwrap_or("");
                let expected = (before.matches('\n').count() + 1, last_line.chars().count() + 1);
                proptest::prop_assert_eq!(index.locate(offset), expected);
            }
        }
    }

    #[test]
    fn text_with_other_whitespace_or_double_spaces_is_not_plain() {
        for text in ["a  b", "a\tb", "a\nb", "caf\u{e9}", "a\u{a0}b", "\x7f"] {
            assert!(!is_plain(text), "{text:?}");
        }
        assert!(is_plain(" a b ~!"));
    }
}

//! Escaping, the one place for it: text into HTML and XML (content and double- or
//! single-quoted attributes), and strings into JSON.

/// Appends `text` escaped for HTML or XML content and attribute values: `&`, `<`, `>`, `"`
/// and `'` (as `&#39;`, which HTML and XML both read). Every character escaped is ASCII: the
/// text between them is copied whole.
pub fn push_html(out: &mut String, text: &str) {
    let mut run = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[run..at]);
        out.push_str(entity);
        run = at + 1;
    }
    out.push_str(&text[run..]);
}

/// `text` escaped for HTML or XML (see `push_html`).
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_html(&mut out, text);
    out
}

/// Rows of strings as a JSON array of arrays: `[["a","b"],["c","d"]]`.
pub fn json_rows<'a, const N: usize>(rows: impl Iterator<Item = [&'a str; N]> + Clone) -> String {
    // Sized for the text and its quotes and commas, so that it is allocated once.
    let size = rows.clone().flatten().map(|s| s.len() + 3).sum::<usize>();
    let mut out = String::with_capacity(size + 2 + rows.clone().count() * 3);
    out.push('[');
    for (i, row) in rows.enumerate() {
        out.push_str(if i == 0 { "[" } else { ",[" });
        for (j, cell) in row.into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_string(&mut out, cell);
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// Appends `text` as a JSON string, escaped as serde_json escapes it: `"` and `\\` with a
/// backslash, control characters as `\n`, `\t`... or `\u00XX`. Text is read eight bytes at a
/// time: most words have nothing to escape.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let b = bytes[at];
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.push_str(&text[copied..at]);
            push_escape(out, b);
            copied = at + 1;
        }
        at += 1;
    }
    out.push_str(&text[copied..]);
    out.push('"');
}

/// Whether any of the eight bytes of `word` is a control character, `"` or `\\`.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    // Exact as a yes or no for a bound up to 0x80 (the bits it sets may be off).
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Appends the JSON escape of one byte that needs it.
fn push_escape(out: &mut String, b: u8) {
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn html_escapes_the_five_and_keeps_the_rest() {
        assert_eq!(
            html("Tom & Jerry <b>\"it's\"</b> — é"),
            "Tom &amp; Jerry &lt;b&gt;&quot;it&#39;s&quot;&lt;/b&gt; — é"
        );
        assert_eq!(html(""), "");
        assert_eq!(html("&&"), "&amp;&amp;");
    }

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "(?s).{0,40}|[\"\\\\\\x00-\\x1f a-zé]{0,40}") {
            let mut out = String::new();
            push_json_string(&mut out, &text);
            prop_assert_eq!(out, serde_json::to_string(&text).unwrap());
        }
    }

    #[test]
    fn rows_are_an_array_of_arrays() {
        let rows = [
            ["", "", "Before \"any\" heading"],
            ["a\\b", "A\tB", "x\u{1}y"],
        ];
        let json = json_rows(rows.iter().copied());
        assert_eq!(json, serde_json::to_string(&rows).unwrap());
        assert_eq!(json_rows(std::iter::empty::<[&str; 3]>()), "[]");
    }
}

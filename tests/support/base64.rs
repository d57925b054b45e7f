//! A small standard-alphabet base64 decoder (RFC 4648 §4), enough for WebDriver
//! screenshots. ASCII whitespace is skipped; padding is optional but must be last.

/// Decodes `input`, or says which character at which offset is wrong.
pub fn decode(input: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0usize;
    for (offset, byte) in input.bytes().enumerate() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                if padding > 2 {
                    return Err(format!("too much padding at offset {offset}"));
                }
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            other => {
                return Err(format!(
                    "invalid base64 character {:?} at offset {offset}",
                    char::from(other)
                ));
            }
        };
        if padding > 0 {
            return Err(format!("data after padding at offset {offset}"));
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("truncated input: a lone trailing character".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9v\nYmFy", "foobar"),
            ("Zm9vYg", "foob"),
        ];
        for (encoded, plain) in vectors {
            assert_eq!(
                decode(encoded).as_deref(),
                Ok(plain.as_bytes()),
                "{encoded:?}"
            );
        }
        assert_eq!(decode("/+8="), Ok(vec![0xff, 0xef]));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            decode("Zm9v!"),
            Err("invalid base64 character '!' at offset 4".to_owned())
        );
        assert_eq!(
            decode("Zg==Zg"),
            Err("data after padding at offset 4".to_owned())
        );
        assert_eq!(
            decode("Zg==="),
            Err("too much padding at offset 4".to_owned())
        );
        assert_eq!(
            decode("Zm9vY"),
            Err("truncated input: a lone trailing character".to_owned())
        );
    }
}

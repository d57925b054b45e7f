//! The fast path for front matter: reads the plain subset of YAML that most front matter is
//! written in (`key: value` lines of words, numbers and dates, and `[a, b]` lists) straight
//! into the metadata types, and declines everything else, so that serde_yaml reads it with
//! the whole of YAML and reports its errors.
//!
//! serde_yaml spends about 6 µs on a five-line front matter, a tenth of a 10,000-page build's
//! CPU time; this reader takes a fraction of that. It only accepts what it can read exactly
//! as serde_yaml does (the tests compare both on generated documents): a value it is not
//! sure of, a key it does not know or a type it does not serve makes it decline the whole
//! document, never guess.

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// Reads `yaml` when all of it is in the plain subset; None sends it to serde_yaml.
pub fn from_str<M: DeserializeOwned>(yaml: &str) -> Option<M> {
    let entries = entries(yaml)?;
    M::deserialize(Document { entries }).ok()
}

/// A value as written: one scalar, or a flow list of plain scalars.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Scalar(Scalar<'a>),
    List(&'a str),
}

#[derive(Debug, Clone, Copy)]
enum Scalar<'a> {
    Plain(&'a str),
    /// The text between `"` quotes, which holds no `\` or `"`.
    Double(&'a str),
    /// The text between `'` quotes, where `''` stands for one `'`.
    Single(&'a str),
}

/// The `key: value` lines of `yaml`, or None when a line is anything else. Blank lines and
/// whole-line comments are skipped.
fn entries(yaml: &str) -> Option<Vec<(&str, Value<'_>)>> {
    let mut entries = Vec::with_capacity(8);
    for line in yaml.split('\n') {
        // A comment ends at any line break libyaml knows, not only at `\n`.
        let comment = line.starts_with('#') && line.chars().all(is_printable);
        if comment || line.bytes().all(|b| b == b' ') {
            continue;
        }
        let (key, rest) = line.split_once(':')?;
        let key_chars = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || !key.bytes().all(key_chars)
        {
            return None;
        }
        let value = rest.strip_prefix(' ')?.trim_matches(' ');
        entries.push((key, value_of(value)?));
    }
    Some(entries)
}

/// The value `text` (trimmed) stands for, when it is in the subset.
fn value_of(text: &str) -> Option<Value<'_>> {
    if let Some(inner) = text.strip_prefix('[') {
        let list = inner.strip_suffix(']')?;
        let valid = items(list).all(|item| is_plain(item, true));
        return valid.then_some(Value::List(list));
    }
    scalar_of(text).map(Value::Scalar)
}

/// The items of a flow list's inside (`a, b`), trimmed; none when it is blank.
fn items(list: &str) -> impl Iterator<Item = &str> {
    let blank = list.bytes().all(|b| b == b' ');
    (list.split(',').map(|item| item.trim_matches(' '))).filter(move |_| !blank)
}

fn scalar_of(text: &str) -> Option<Scalar<'_>> {
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let valid = !inner.contains(['"', '\\']) && inner.chars().all(is_printable);
        return valid.then_some(Scalar::Double(inner));
    }
    if let Some(inner) = text.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        let valid = !inner.replace("''", "").contains('\'') && inner.chars().all(is_printable);
        return valid.then_some(Scalar::Single(inner));
    }
    is_plain(text, false).then_some(Scalar::Plain(text))
}

/// True for a plain scalar (trimmed) that cannot mean anything but its text: it starts with
/// a letter or digit (or `-` and a digit), and holds no `:`, `#`, tab or line break. In a
/// flow list (`in_list`) it holds none of `,[]{}` or quotes either.
fn is_plain(text: &str, in_list: bool) -> bool {
    let starts_well = match text.strip_prefix('-') {
        Some(rest) => rest.starts_with(|c: char| c.is_ascii_digit()),
        None => text.starts_with(|c: char| c.is_ascii_alphanumeric() || !c.is_ascii()),
    };
    let flow = |c: char| in_list && matches!(c, ',' | '[' | ']' | '{' | '}' | '"' | '\'');
    starts_well
        && text
            .chars()
            .all(|c| is_printable(c) && !matches!(c, ':' | '#') && !flow(c))
}

/// What libyaml accepts as a character of a one-line scalar: printable, not a tab, and not
/// one of the line breaks it counts (NEL, LS, PS) or a byte order mark.
fn is_printable(c: char) -> bool {
    match c {
        ' '..='~' => true,
        '\u{A0}'..='\u{D7FF}' => !matches!(c, '\u{2028}' | '\u{2029}'),
        '\u{E000}'..='\u{FFFD}' => c != '\u{FEFF}',
        _ => c >= '\u{10000}',
    }
}

/// Why the fast path gave up; the caller never shows it, it reads the document with
/// serde_yaml instead.
#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not in the plain subset")
    }
}

impl std::error::Error for Declined {}

impl de::Error for Declined {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Declined
    }
}

/// The whole front matter: a map.
struct Document<'a> {
    entries: Vec<(&'a str, Value<'a>)>,
}

impl<'de> de::Deserializer<'de> for Document<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        let entries = (self.entries.into_iter()).map(|(key, value)| (key, ValueDe(value)));
        visitor.visit_map(de::value::MapDeserializer::new(entries))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// One value, served only as the types whose meaning in serde_yaml is plain.
struct ValueDe<'a>(Value<'a>);

impl<'de> IntoDeserializer<'de, Declined> for ValueDe<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> ValueDe<'de> {
    fn plain(&self) -> Option<&'de str> {
        match self.0 {
            Value::Scalar(Scalar::Plain(text)) => Some(text),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = Declined;

    /// A value of any type (`extra:`) is left to serde_yaml, which knows YAML's types.
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        Err(Declined)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        match self.0 {
            Value::Scalar(Scalar::Plain(text) | Scalar::Double(text)) => {
                visitor.visit_borrowed_str(text)
            }
            Value::Scalar(Scalar::Single(text)) => visitor.visit_string(text.replace("''", "'")),
            Value::List(_) => Err(Declined),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        self.deserialize_str(visitor)
    }

    /// serde_yaml's rule: a plain `null`, `Null`, `NULL` or `~` is None.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        match self.plain() {
            Some("null" | "Null" | "NULL" | "~") => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        match self.plain() {
            Some("true" | "True" | "TRUE") => visitor.visit_bool(true),
            Some("false" | "False" | "FALSE") => visitor.visit_bool(false),
            _ => Err(Declined),
        }
    }

    /// Only plain decimal integers of up to 18 digits, without `+`, leading zeros,
    /// underscores or `-0`; like serde_yaml, a positive one is visited as a `u64`.
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        let text = self.plain().ok_or(Declined)?;
        let digits = text.strip_prefix('-').unwrap_or(text);
        let canonical = (1..=18).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (text == "0" || !digits.starts_with('0'));
        let value: i64 = match canonical {
            true => text.parse().map_err(|_| Declined)?,
            false => return Err(Declined),
        };
        match u64::try_from(value) {
            Ok(positive) => visitor.visit_u64(positive),
            Err(_) => visitor.visit_i64(value),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        let Value::List(list) = self.0 else {
            return Err(Declined);
        };
        let items = items(list).map(|item| ValueDe(Value::Scalar(Scalar::Plain(item))));
        visitor.visit_seq(de::value::SeqDeserializer::new(items))
    }

    /// A unit variant (`sort_by: date`) by its name.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Declined> {
        let name = self.plain().ok_or(Declined)?;
        visitor.visit_enum(name.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct newtype_struct tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::content::{PageMeta, SectionMeta};
    use proptest::prelude::*;

    /// The fast path reads `yaml` as serde_yaml does, or declines it.
    fn agrees<M: DeserializeOwned + PartialEq + std::fmt::Debug>(yaml: &str) -> bool {
        let fast = from_str::<M>(yaml);
        if let Some(fast) = &fast {
            let slow = serde_yaml::from_str::<M>(yaml);
            assert_eq!(slow.as_ref().ok(), Some(fast), "{yaml:?} -> {slow:?}");
        }
        fast.is_some()
    }

    #[test]
    fn reads_the_usual_front_matter_as_serde_yaml_does() {
        let usual = [
            "title: Page 10 about friends\ndescription: Patience, honest space; 50% of it.\nweight: 1\ndate: 2025-11-11\ntags: [stats, growth]",
            "title: \"Step 1: accept\"\nweight: -3\ndraft: false\nslug: accept\n\n# a comment\nupdated: 2026-01-02",
            "title: 'It''s over: now what'\nauthors: [Ann Lee, Bo]\ntags: []\ntemplate: page.html",
            "title: Quand l’été revient — «été»\ndescription: null\nweight: 0",
        ];
        for yaml in usual {
            assert!(agrees::<PageMeta>(yaml), "{yaml}");
        }
        assert!(agrees::<SectionMeta>(
            "title: Steps\nsort_by: date\npage_template: step.html\nweight: 2"
        ));
    }

    #[test]
    fn declines_what_it_does_not_read_exactly() {
        let others = [
            "title: a: b",
            "title: a #b",
            "title: |\n  block",
            "title: x\n  continued",
            "title: \"esc\\\"aped\"",
            "title: x\ntags:\n  - a",
            "title: x\nweight: 007",
            "title: x\nweight: 0x10",
            "title: x\nweight: 1.5",
            "title: x\ndraft: yes",
            "title: x\nextra:\n  a: 1",
            "title: x\nunknown: 1",
            "title: x\ntitle: y",
            "title: x\r\nweight: 1",
            "title: ~",
            "title: x\ndate: 2025-13-01",
            "title:\tx",
            "title: x\ntags: [a, [b]]",
            "title: x\ntags: [a,]",
        ];
        for yaml in others {
            assert!(!agrees::<PageMeta>(yaml), "{yaml}");
        }
    }

    /// Values that mean something else in YAML than their text, or are not YAML at all.
    #[rustfmt::skip]
    const TRICKY: &[&str] = &[
        "x", "Plain words", "123", "-5", "0", "-0", "007", "0x1F", "1_000", "1e3", "1.5",
        ".inf", "null", "Null", "~", "true", "False", "yes", "2025-01-22", "2025-1-2",
        "it's", "a: b", "a:b", "a #b", "a#b", "'q ''x'''", "'bad ' quote'", "\"dq: #\"",
        "\"a\\nb\"", "\"a\" tail", "[a, b]", "[]", "[ ]", "[a b, c-d]", "[a, [b]]",
        "[a,]", "[,a]", "[\"a\"]", "{a: 1}", "- a", "-a", "é", "\u{a0}x", "x\u{85}y",
        "x\u{2028}", "\u{feff}x", "a\tb", "&a x", "*a", "!t x", "%x", "@x", "`x", "|", ">",
        "", " ", "x ", "a  b", "date", "weight", "title",
    ];

    #[rustfmt::skip]
    const KEYS: &[&str] = &[
        "description", "weight", "date", "updated", "authors", "tags", "draft", "slug",
        "template", "sort_by", "page_template", "extra", "other", "Title",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(TRICKY).prop_map(str::to_string),
            1 => "[ -~\u{a0}-\u{ff}\u{85}\u{2028}\u{feff}]{0,10}",
        ]
    }

    /// A value of the kind `key` takes, most of the time.
    fn fitting(key: &'static str) -> BoxedStrategy<String> {
        let fit: &[&str] = match key {
            "weight" => &["0", "7", "-12", "123456789012345678"],
            "date" | "updated" => &["2025-01-22", "2024-02-29", "1999-12-31"],
            "tags" | "authors" => &["[a, b]", "[]", "[self-improvement]", "[Ann Lee, Bo]"],
            "draft" => &["true", "false", "TRUE", "False"],
            "sort_by" => &["weight", "title", "date"],
            _ => &[
                "Plain words",
                "x",
                "It’s 50% — ok",
                "\"q: #\"",
                "'it''s'",
                "null",
            ],
        };
        let fit = prop::sample::select(fit).prop_map(str::to_string);
        prop_oneof![4 => fit, 1 => value()].boxed()
    }

    fn entry() -> impl Strategy<Value = String> {
        let key = prop::sample::select(KEYS);
        key.prop_flat_map(|k| fitting(k).prop_map(move |v| format!("{k}: {v}")))
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            30 => entry(),
            1 => value().prop_map(|v| format!("title:{v}")),
            1 => value().prop_map(|v| format!("  {v}")),
            1 => value().prop_map(|v| format!("- {v}")),
            1 => value().prop_map(|v| format!("# {v}")),
            1 => Just(String::new()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn never_reads_a_document_otherwise_than_serde_yaml(
            title in fitting("title"),
            lines in prop::collection::vec(line(), 0..6),
            at in 0..6usize,
        ) {
            let mut lines = lines;
            lines.insert(at.min(lines.len()), format!("title: {title}"));
            let yaml = lines.join("\n");
            agrees::<PageMeta>(&yaml);
            agrees::<SectionMeta>(&yaml);
        }
    }
}

//! Front matter: any bytes as a content file, through the same parser the build uses.
//! A panic, a hang or a diagnostic pointing at no line of the file is a finding.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rekindle::input::content::{Document, PageMeta, SectionMeta, parse_document};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("content/guide/01-first.md");
    check(
        path,
        text,
        parse_document::<PageMeta>(path, "guide/01-first.md".into(), text),
    );
    check(
        path,
        text,
        parse_document::<SectionMeta>(path, "guide/_index.md".into(), text),
    );
});

fn check<M>(path: &Path, text: &str, parsed: rekindle::Result<Document<M>>) {
    match parsed {
        Ok(doc) => {
            assert!(doc.body_line >= 2, "body line {}", doc.body_line);
            assert!(
                text.ends_with(&doc.body),
                "the body is a suffix of the file"
            );
        }
        Err(e) => {
            let shown = e.to_string();
            let d = e.diagnostic().expect("a content error is located");
            assert_eq!(d.path, path);
            // A lone CR, NEL, LS or PS is a line break to libyaml, not to the file's lines
            // (tests/hardening.rs `yaml_error_line_counts_bare_cr_as_a_line`).
            let lines = text.split('\n').count();
            assert!(
                d.line >= 1 && d.line <= lines,
                "line {} of {lines}: {shown}",
                d.line
            );
        }
    }
}

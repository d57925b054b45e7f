//! Front matter's fast path: whatever it reads, serde_yaml reads the same. A document the
//! fast path reads otherwise than serde_yaml (or reads where serde_yaml fails) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekindle::input::content::{PageMeta, SectionMeta};
use rekindle::input::plain_yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(fast) = plain_yaml::from_str::<PageMeta>(yaml) {
        assert_eq!(serde_yaml::from_str::<PageMeta>(yaml).ok(), Some(fast));
    }
    if let Some(fast) = plain_yaml::from_str::<SectionMeta>(yaml) {
        assert_eq!(serde_yaml::from_str::<SectionMeta>(yaml).ok(), Some(fast));
    }
});

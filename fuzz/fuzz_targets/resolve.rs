//! Request paths: whatever the target, `resolve` never names a file outside the site.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekindle::serve::server::{Resolved, resolve};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let target = String::from_utf8_lossy(rest);
    let base = if flags & 1 == 0 { "/" } else { "/repo/" };
    // Permissive (every file exists) or a small real site.
    let site = [
        "index.html",
        "steps/index.html",
        "style.css",
        "404.html",
        "steps/a b/index.html",
    ];
    let all = flags & 2 == 0;
    match resolve(&target, base, |rel: &str| all || site.contains(&rel)) {
        Resolved::File(rel) => {
            assert!(!rel.starts_with('/'), "{target:?} -> {rel:?}");
            assert!(
                !rel.contains('\\') && !rel.contains('\0'),
                "{target:?} -> {rel:?}"
            );
            assert!(
                !rel.split('/').any(|s| s == ".." || s == "."),
                "{target:?} -> {rel:?}"
            );
            assert!(!rel.contains("//"), "{target:?} -> {rel:?}");
        }
        Resolved::Redirect(to) => {
            assert!(to.starts_with('/'), "{target:?} -> {to:?}");
            // Browsers drop tabs and newlines before parsing a Location; what is left must not
            // be protocol-relative (`//host`, `/\host`).
            let seen: String = to
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            assert!(
                !seen.starts_with("//") && !seen.starts_with("/\\"),
                "open redirect: {target:?} -> {to:?}"
            );
        }
        Resolved::NotFound | Resolved::BadRequest => {}
    }
});

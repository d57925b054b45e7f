//! Finds the external tools the browser tests need. When one is missing the test is
//! skipped with a note on stderr, except under CI (`CI=true`), where it fails.

use std::env;
use std::path::{Path, PathBuf};

/// The Chromium binary the tests drive (Debian's `chromium` package).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The Nu Html Checker, from the npm package `vnu-jar` (tests/browser/package.json).
pub const VNU_JAR: &str = "tests/browser/node_modules/vnu-jar/build/dist/vnu.jar";
/// axe-core's browser bundle, from the npm package `axe-core`.
pub const AXE_JS: &str = "tests/browser/node_modules/axe-core/axe.min.js";

const INSTALL: &str = "bash .ci/browser-deps.sh";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Chromium,
    Chromedriver,
    Java,
    VnuJar,
    AxeCore,
}

/// Paths of the tools a test asked for; asking for one it did not require panics.
#[derive(Debug, Default)]
pub struct Tools {
    chromium: Option<PathBuf>,
    chromedriver: Option<PathBuf>,
    java: Option<PathBuf>,
    vnu_jar: Option<PathBuf>,
    axe_js: Option<PathBuf>,
}

impl Tools {
    pub fn chromium(&self) -> &Path {
        self.chromium
            .as_deref()
            .expect("Tool::Chromium was not required")
    }
    pub fn chromedriver(&self) -> &Path {
        self.chromedriver
            .as_deref()
            .expect("Tool::Chromedriver was not required")
    }
    pub fn java(&self) -> &Path {
        self.java.as_deref().expect("Tool::Java was not required")
    }
    pub fn vnu_jar(&self) -> &Path {
        self.vnu_jar
            .as_deref()
            .expect("Tool::VnuJar was not required")
    }
    pub fn axe_js(&self) -> &Path {
        self.axe_js
            .as_deref()
            .expect("Tool::AxeCore was not required")
    }
}

/// Looks for every tool in `needed`. All found: `Some`. Some missing: under CI the test
/// fails naming them; elsewhere it prints `skipping: ...` to stderr and gets `None`.
pub fn require(test: &str, needed: &[Tool]) -> Option<Tools> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tools = Tools::default();
    let mut missing = Vec::new();
    for &tool in needed {
        let (found, what) = match tool {
            Tool::Chromium => (
                existing(PathBuf::from(CHROMIUM)),
                format!("Chromium ({CHROMIUM}, Debian package chromium)"),
            ),
            Tool::Chromedriver => (
                on_path("chromedriver"),
                "chromedriver (on PATH, Debian package chromium-driver)".to_owned(),
            ),
            Tool::Java => (
                on_path("java"),
                "java (on PATH, Debian package default-jre-headless)".to_owned(),
            ),
            Tool::VnuJar => (
                existing(repo.join(VNU_JAR)),
                format!("{VNU_JAR} (npm ci --prefix tests/browser)"),
            ),
            Tool::AxeCore => (
                existing(repo.join(AXE_JS)),
                format!("{AXE_JS} (npm ci --prefix tests/browser)"),
            ),
        };
        match found {
            Some(path) => {
                let slot = match tool {
                    Tool::Chromium => &mut tools.chromium,
                    Tool::Chromedriver => &mut tools.chromedriver,
                    Tool::Java => &mut tools.java,
                    Tool::VnuJar => &mut tools.vnu_jar,
                    Tool::AxeCore => &mut tools.axe_js,
                };
                *slot = Some(path);
            }
            None => missing.push(what),
        }
    }
    if missing.is_empty() {
        return Some(tools);
    }
    let what = missing.join(", ");
    if env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {what} missing; install with `{INSTALL}` (as root) before the tests");
    }
    eprintln!("skipping: {what} missing; run {INSTALL} ({test})");
    None
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

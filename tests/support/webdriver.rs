//! A minimal blocking W3C WebDriver client for chromedriver + headless Chromium.
//! `Browser::start` runs chromedriver as a child process and opens one session;
//! dropping the `Browser` deletes the session and kills chromedriver, on failure too.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tempfile::TempDir;
use ureq::Agent;

/// The JSON key WebDriver uses for element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A reference to an element of the current page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
    /// How it was found, for failure messages.
    pub what: String,
}

impl Element {
    /// An element reference returned by a script (`None` for anything else).
    pub fn from_json(value: &Value, what: &str) -> Option<Element> {
        Some(Element {
            id: value[ELEMENT_KEY].as_str()?.to_owned(),
            what: what.to_owned(),
        })
    }

    /// The element as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}

/// chromedriver, killed (with its process group) when dropped.
struct DriverProcess {
    child: Child,
    log: PathBuf,
}

impl DriverProcess {
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // chromedriver runs in its own process group (see Browser::start): end the
        // group, so that a Chromium it failed to close goes too, then reap it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver session in a fresh headless Chromium.
pub struct Browser {
    agent: Agent,
    /// `http://127.0.0.1:<port>/session/<id>`
    session: String,
    // Drop order: the session is deleted in Drop::drop, then chromedriver is killed,
    // then the profile directory is removed.
    driver: DriverProcess,
    _profile: TempDir,
}

impl Browser {
    /// Resizes the window so that the viewport (`innerWidth` x `innerHeight`) is `width` x `height`.
    /// (In headless Chromium the window is taller than its viewport, by a fixed amount.)
    pub fn set_viewport(&self, width: i64, height: i64) {
        // The viewport size after the next two frames: the renderer hears of a resize late.
        let inner = |b: &Browser| {
            let v = b.execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done([innerWidth, innerHeight])));",
                vec![],
            );
            let n = |i: usize| v[i].as_i64().expect("a viewport size");
            (n(0), n(1))
        };
        let (mut w, mut h) = (width, height);
        let mut size = (0, 0);
        for _ in 0..4 {
            self.set_window_rect(w as u32, h as u32);
            // Wait until three readings in a row agree.
            let mut readings = Vec::new();
            let settled = self.wait_until(Duration::from_secs(5), |b| {
                readings.push(inner(b));
                readings.len() >= 3
                    && readings[readings.len() - 3..]
                        .iter()
                        .all(|r| *r == readings[readings.len() - 1])
            });
            size = *readings.last().expect("the viewport size was read");
            assert!(
                settled,
                "the viewport did not settle after resizing the window to {w}x{h}: {readings:?}"
            );
            if size == (width, height) {
                return;
            }
            w += width - size.0;
            h += height - size.1;
        }
        panic!("could not size the viewport to {width}x{height}; it is {size:?}");
    }

    /// Starts chromedriver on a free port and opens a session driving `chromium`.
    pub fn start(chromedriver: &Path, chromium: &Path) -> Browser {
        Browser::start_with(chromedriver, chromium, false)
    }

    /// Like `start`; with `network_log`, chromedriver records the page's DevTools
    /// network events, read with `requested_urls`.
    pub fn start_with(chromedriver: &Path, chromium: &Path, network_log: bool) -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("rekindle-chromium-")
            .tempdir()
            .expect("create a Chromium profile dir");
        let port = free_port();
        let log = profile.path().join("chromedriver.log");
        let log_file = File::create(&log).expect("create the chromedriver log");
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("clone the log handle"))
                .stderr(log_file)
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()))
        };
        let mut driver = DriverProcess { child, log };
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(180)))
            .build()
            .into();
        let root = format!("http://127.0.0.1:{port}");

        // Wait for chromedriver to answer /status with ready: true.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited at start ({status}):\n{}",
                    driver.log_tail()
                );
            }
            let ready = agent
                .get(format!("{root}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not get ready on port {port} within 20 s:\n{}",
                driver.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }

        let user_data_dir = profile.path().join("profile");
        let mut capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "timeouts": { "script": 120_000, "pageLoad": 30_000, "implicit": 0 },
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        format!("--user-data-dir={}", user_data_dir.display()),
                    ],
                },
            }},
        });
        if network_log {
            capabilities["capabilities"]["alwaysMatch"]["goog:loggingPrefs"] =
                json!({ "performance": "ALL" });
        }
        let mut response = agent
            .post(format!("{root}/session"))
            .send_json(&capabilities)
            .unwrap_or_else(|e| panic!("POST /session to chromedriver: {e}"));
        let status = response.status();
        let body: Value = response
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("read the new-session answer: {e}"));
        let Some(id) = body["value"]["sessionId"].as_str() else {
            // Kill chromedriver before failing, and show why.
            let tail = driver.log_tail();
            drop(driver);
            panic!("chromedriver could not start Chromium (HTTP {status}): {body}\nlog:\n{tail}");
        };
        Browser {
            session: format!("{root}/session/{id}"),
            agent,
            driver,
            _profile: profile,
        }
    }

    /// Sends one command; answers its `value`, or panics with the WebDriver error.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.session);
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(body)) => self.agent.post(&url).send_json(&body),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        };
        let mut response = result.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let mut value: Value = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_json()
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: unreadable answer: {e}"));
        let value = value["value"].take();
        if !status.is_success() {
            panic!(
                "WebDriver {method} {path} failed (HTTP {status}): {}: {}",
                value["error"].as_str().unwrap_or("?"),
                value["message"].as_str().unwrap_or_default()
            );
        }
        value
    }

    /// Loads `url` and waits for it (page load strategy "normal").
    pub fn navigate(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.command("GET", "/url", None)
            .as_str()
            .expect("the current URL is a string")
            .to_owned()
    }

    /// Runs `script` as a function body with `args`; answers what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Like `execute`, but the script calls `arguments[arguments.length - 1](result)`.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    fn locate(&self, path: &str, using: &str, value: &str) -> Option<Element> {
        let url = format!("{}{path}", self.session);
        let mut response = self
            .agent
            .post(&url)
            .send_json(json!({ "using": using, "value": value }))
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"));
        let status = response.status();
        let body: Value = response
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: unreadable answer: {e}"));
        if status.is_success() {
            let id = body["value"][ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("WebDriver POST {path}: not an element: {body}"))
                .to_owned();
            return Some(Element {
                id,
                what: format!("{using} `{value}`"),
            });
        }
        if body["value"]["error"] == "no such element" {
            return None;
        }
        panic!("WebDriver POST {path} ({using} `{value}`) failed (HTTP {status}): {body}");
    }

    /// The first element matching the CSS selector, if any.
    pub fn try_find(&self, css: &str) -> Option<Element> {
        self.locate("/element", "css selector", css)
    }

    /// The first element matching the CSS selector; panics naming the page if none.
    pub fn find(&self, css: &str) -> Element {
        self.try_find(css)
            .unwrap_or_else(|| panic!("no element matches `{css}` on {}", self.current_url()))
    }

    /// The first link whose visible text contains `text`; panics naming the page if none.
    pub fn find_link(&self, text: &str) -> Element {
        self.locate("/element", "partial link text", text)
            .unwrap_or_else(|| {
                panic!(
                    "no link with text containing {text:?} on {}",
                    self.current_url()
                )
            })
    }

    /// The first element under `parent` matching the CSS selector.
    pub fn find_in(&self, parent: &Element, css: &str) -> Element {
        self.locate(
            &format!("/element/{}/element", parent.id),
            "css selector",
            css,
        )
        .unwrap_or_else(|| {
            panic!(
                "no element matches `{css}` inside {} on {}",
                parent.what,
                self.current_url()
            )
        })
    }

    /// Scrolls the element to the middle of the viewport, then clicks it. (Left to
    /// chromedriver, the scroll would be smooth under `scroll-behavior: smooth` and the
    /// click would land before the element got there.)
    pub fn click(&self, element: &Element) {
        self.execute(
            "arguments[0].scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });",
            vec![element.to_json()],
        );
        self.command("POST", &format!("/element/{}/click", element.id), None);
    }

    /// Types `text` into the element, as a user would.
    pub fn send_keys(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &format!("/element/{}/value", element.id),
            Some(json!({ "text": text })),
        );
    }

    /// Presses keys on whatever has the focus (WebDriver key codes: "\u{E015}" is ArrowDown,
    /// "\u{E007}" is Enter).
    pub fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({ "type": "keyDown", "value": key.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": key.to_string() }));
        }
        self.command(
            "POST",
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        );
    }

    /// The element's rendered (visible) text.
    pub fn text(&self, element: &Element) -> String {
        self.command("GET", &format!("/element/{}/text", element.id), None)
            .as_str()
            .expect("element text is a string")
            .to_owned()
    }

    /// A DOM property of the element (e.g. `href`, resolved to an absolute URL).
    pub fn property(&self, element: &Element, name: &str) -> Value {
        self.command(
            "GET",
            &format!("/element/{}/property/{name}", element.id),
            None,
        )
    }

    /// Sets the outer window size; answers the resulting rect.
    pub fn set_window_rect(&self, width: u32, height: u32) -> Value {
        self.command(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.command("GET", "/screenshot", None);
        (STANDARD.decode(encoded.as_str().expect("the screenshot is a base64 string")))
            .unwrap_or_else(|e| panic!("decode the screenshot: {e}"))
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.command(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Emulates `prefers-color-scheme: light` or `dark` (applies to the current page
    /// at once and stays in effect across navigations).
    pub fn set_color_scheme(&self, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        );
        let applied = self.execute(
            "return matchMedia('(prefers-color-scheme: ' + arguments[0] + ')').matches;",
            vec![json!(scheme)],
        );
        assert_eq!(
            applied,
            json!(true),
            "emulating prefers-color-scheme: {scheme} did not take effect"
        );
    }

    /// The URLs of every request the page made since the last call (from
    /// `Network.requestWillBeSent` events; needs `start_with(.., true)`), failed ones too.
    pub fn requested_urls(&self) -> Vec<String> {
        self.network_events("Network.requestWillBeSent")
            .iter()
            .filter_map(|params| params["request"]["url"].as_str().map(str::to_owned))
            .collect()
    }

    /// The `params` of every DevTools event called `method` (such as
    /// `Network.eventSourceMessageReceived`) recorded since the last call; needs
    /// `start_with(.., true)`. Reading the log empties it: the events of other methods read
    /// with it are gone too.
    pub fn network_events(&self, method: &str) -> Vec<Value> {
        let entries = self.command("POST", "/se/log", Some(json!({ "type": "performance" })));
        let entries = entries.as_array().expect("the performance log is an array");
        entries
            .iter()
            .filter_map(|entry| {
                let mut message: Value = serde_json::from_str(entry["message"].as_str()?).ok()?;
                let message = message["message"].take();
                (message["method"] == method).then(|| message["params"].clone())
            })
            .collect()
    }

    /// Polls `condition` every 50 ms for up to `timeout`; true once it held.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&Browser) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if condition(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Best effort, and quick: chromedriver closes Chromium when the session ends.
        let _ = self
            .agent
            .delete(&self.session)
            .config()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .call();
        // Then `driver` drops: chromedriver and its process group are killed.
        let _ = &self.driver;
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

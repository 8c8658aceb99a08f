//! Headless Chromium through WebDriver (Debian's `chromium` and `chromium-driver`, driven with
//! fantoccini) for the browser tests, and their screenshots under `docs/screenshots/`.
//!
//! Without `chromedriver` on the PATH a browser test prints a skip line and passes, unless
//! `PORTAL_TEST_REQUIRE_SERVICES=1` (CI, which installs both packages), which makes it fail.

use fantoccini::{Client, ClientBuilder, Locator};
use portal_eventlog::testing::services_required;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The flags that work on this machine (and in CI).
const CHROME_ARGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// A chromedriver process and a browser session on it; both end when dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The browser's own profile folder: it names the browser's processes on their command line.
    profile: std::path::PathBuf,
}

impl Drop for Browser {
    /// Killing chromedriver alone leaves the browser it started running (a session can only be
    /// closed asynchronously), so the browser is killed by its profile folder too; its helper
    /// processes end with it.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill")
            .arg("-KILL")
            .arg("-f")
            .arg(self.profile.as_os_str())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find(binary: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(binary))
            .find(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned())
    })
}

/// A headless browser, or `None` (with a skip line) when chromedriver is not installed.
pub async fn browser(test: &str) -> Option<Browser> {
    let Some(driver_bin) = find("chromedriver") else {
        assert!(
            !services_required(),
            "{test}: chromedriver is not installed but PORTAL_TEST_REQUIRE_SERVICES=1 requires it \
             (apt-get install -y chromium chromium-driver)"
        );
        println!("skipped {test}: install chromium and chromium-driver to run it");
        return None;
    };
    // rustls needs one process-wide crypto provider; a second install is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile = std::env::temp_dir().join(format!("portal-chromium-{}", uuid::Uuid::now_v7()));
    let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut caps = serde_json::Map::new();
    let mut options = serde_json::json!({ "args": args });
    if let Some(chromium) = find("chromium") {
        options["binary"] = chromium.into();
    }
    caps.insert("goog:chromeOptions".into(), options);
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{test}: cannot start a browser session: {e}"),
        }
    };
    Some(Browser {
        client,
        driver,
        profile,
    })
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// The element matching the CSS selector, waiting up to 10 s for it.
    pub async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no element {selector}: {e}"))
    }

    /// Types `text` into the field matching `selector` (cleared first).
    pub async fn fill(&self, selector: &str, text: &str) {
        let field = self.css(selector).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Sets the value of the input matching `selector` by script: for date and time inputs,
    /// whose typed form depends on the browser's locale.
    pub async fn set_value(&self, selector: &str, value: &str) {
        let field = self.css(selector).await;
        self.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![
                    serde_json::to_value(&field).unwrap(),
                    serde_json::json!(value),
                ],
            )
            .await
            .unwrap();
    }

    /// Clicks the element matching `selector`.
    pub async fn click(&self, selector: &str) {
        self.css(selector).await.click().await.unwrap();
    }

    /// Chooses the option with `value` in the `select` matching `selector`.
    pub async fn select(&self, selector: &str, value: &str) {
        self.css(selector)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Whether the check box (or radio) matching `selector` is ticked.
    pub async fn is_checked(&self, selector: &str) -> bool {
        self.css(selector).await.is_selected().await.unwrap()
    }

    /// Whether the form control matching `selector` is enabled.
    pub async fn is_enabled(&self, selector: &str) -> bool {
        self.css(selector).await.is_enabled().await.unwrap()
    }

    /// The attribute `name` of the element matching `selector`.
    pub async fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.css(selector).await.attr(name).await.unwrap()
    }

    /// The visible text of the element matching `selector`.
    pub async fn text_of(&self, selector: &str) -> String {
        self.css(selector).await.text().await.unwrap()
    }

    /// The visible texts of every element matching `selector` (none: empty).
    pub async fn texts_of(&self, selector: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(selector)).await.unwrap() {
            out.push(e.text().await.unwrap());
        }
        out
    }

    /// Loads the page again (a GET of the same URL).
    pub async fn reload(&self) {
        self.client.refresh().await.unwrap();
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.client.back().await.unwrap();
    }

    /// The id of the element that has the focus ("" for none).
    pub async fn focused_id(&self) -> String {
        let id = self
            .client
            .execute(
                "return document.activeElement ? document.activeElement.id : '';",
                vec![],
            )
            .await
            .unwrap();
        id.as_str().unwrap_or_default().to_owned()
    }

    /// The page's path (and query).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The text of the page's body. Read by script, not through an element handle: a click
    /// returns before the next page loads, and a handle on the old body would be stale.
    pub async fn text(&self) -> String {
        let text = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .unwrap();
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Waits up to 10 s for the page to show `needle` (a click returns before the next page is
    /// loaded).
    pub async fn wait_text(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the page at {} does not show {needle:?}:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the window as `docs/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// axe-core's browser build, installed by `npm ci` in `tests/axe` (pinned by its lock file).
const AXE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/axe/node_modules/axe-core/axe.min.js"
);

/// axe-core's source, read once per test binary; `None` when it is not installed.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| std::fs::read_to_string(AXE_PATH).ok())
        .as_deref()
}

/// Runs axe-core on the page and collects the violations of impact serious or critical (the
/// minor and moderate ones are advice, not failures). The page's own scripts are left alone:
/// WebDriver scripts run outside the page's Content-Security-Policy.
const AXE_RUN: &str = "
const done = arguments[arguments.length - 1];
const run = () => axe.run(document, { resultTypes: ['violations'] }).then(
  (r) => done({ violations: r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html,
        summary: n.failureSummary || '' })) })) }),
  (e) => done({ error: String(e) }));
// Colour contrast needs the style sheet applied, so wait for the whole page.
if (document.readyState === 'complete') { run(); }
else { window.addEventListener('load', run, { once: true }); }
";

impl Browser {
    /// Asserts that axe-core finds no serious or critical violation on the current page; `page`
    /// names it in the failure, which lists each rule with its impact, help and failing nodes.
    ///
    /// Without axe-core installed the check prints a skip line, unless
    /// `PORTAL_TEST_REQUIRE_SERVICES=1`, which makes it fail.
    pub async fn assert_accessible(&self, page: &str) {
        let Some(source) = axe_source() else {
            assert!(
                !services_required(),
                "{page}: axe-core is missing ({AXE_PATH}) but PORTAL_TEST_REQUIRE_SERVICES=1 \
                 requires the accessibility check: run npm ci in tests/axe"
            );
            // Once per test binary: every page would repeat it.
            static SKIPPED: std::sync::Once = std::sync::Once::new();
            SKIPPED.call_once(|| {
                println!("skipped the accessibility checks: run npm ci in tests/axe");
            });
            return;
        };
        self.client
            .execute(source, vec![])
            .await
            .unwrap_or_else(|e| panic!("{page}: cannot load axe-core: {e}"));
        let result = self
            .client
            .execute_async(AXE_RUN, vec![])
            .await
            .unwrap_or_else(|e| panic!("{page}: axe-core did not run: {e}"));
        if let Some(error) = result.get("error") {
            panic!("{page}: axe-core failed: {error}");
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        let mut report = String::new();
        for v in &violations {
            report.push_str(&format!(
                "\n{} ({}): {} <{}>\n",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["helpUrl"].as_str().unwrap_or_default(),
            ));
            for n in v["nodes"].as_array().into_iter().flatten() {
                report.push_str(&format!(
                    "  at {}\n    {}\n    {}\n",
                    n["target"],
                    n["html"].as_str().unwrap_or_default(),
                    n["summary"]
                        .as_str()
                        .unwrap_or_default()
                        .replace('\n', "\n    "),
                ));
            }
        }
        panic!(
            "{page} at {}: {} serious or critical accessibility violation(s):{report}",
            self.path().await,
            violations.len()
        );
    }
}

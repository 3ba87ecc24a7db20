//! A real browser for the web view's tests: Debian's headless Chromium driven through
//! chromedriver (WebDriver) by `fantoccini`, so forms are filled with typed keys and submitted
//! as a person would, and screenshots land in `target/ui-screenshots/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub use fantoccini::key::Key;

/// A browser session; chromedriver is killed when it is dropped.
pub struct Browser {
    pub c: Client,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts chromedriver and a headless Chromium session (1280×1400, no sandbox: tests run as
/// root in a container). Fails loudly without them: `.ci/run` installs both.
pub async fn browser() -> Browser {
    let port = free_port();
    let driver = tokio::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver is required (apt-get install -y chromium chromium-driver)");
    let profile = tempfile::tempdir().expect("a profile directory");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            // A Japanese clerk's browser: pages follow Accept-Language without a cookie.
            "prefs": {"intl.accept_languages": "ja,en"},
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1400", "--lang=ja",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }
    });
    let caps = match caps {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => {
                return Browser {
                    c,
                    _driver: driver,
                    _profile: profile,
                };
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start a session: {last:?}");
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("ui-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.c.goto(url).await.expect("goto");
    }

    pub async fn source(&self) -> String {
        self.c.source().await.expect("page source")
    }

    /// Waits (up to 20 s) until an element matches `css` — after a click that navigates, the
    /// next page may still be loading.
    pub async fn wait_css(&self, css: &str) {
        for _ in 0..400 {
            if self.c.find(Locator::Css(css)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {css} on {} after 20 s", self.path().await);
    }

    /// The text of the element `css`, or None when there is none.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => Some(e.text().await.expect("text")),
            Err(_) => None,
        }
    }

    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    pub async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write png");
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.expect("script")
    }

    /// Presses `keys` one after the other on whatever has the focus.
    pub async fn keys(&self, keys: &[char]) {
        let mut seq = KeyActions::new("keyboard".into());
        for k in keys {
            seq = seq
                .then(KeyAction::Down { value: *k })
                .then(KeyAction::Up { value: *k });
        }
        self.c.perform_actions(seq).await.expect("keys");
    }

    pub async fn type_text(&self, text: &str) {
        let chars: Vec<char> = text.chars().collect();
        self.keys(&chars).await;
    }

    /// The id of the focused element ("" for none).
    pub async fn focused(&self) -> String {
        self.js("return document.activeElement ? (document.activeElement.id || '') : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Moves the focus with Tab (only) until element `id` has it: proof that it is reachable
    /// from the keyboard, in order.
    pub async fn tab_to(&self, id: &str) {
        for _ in 0..400 {
            if self.focused().await == id {
                return;
            }
            self.keys(&[char::from(Key::Tab)]).await;
        }
        panic!("#{id} cannot be reached with the Tab key");
    }

    /// Chooses `value` in the focused `<select>` with the arrow keys.
    pub async fn arrow_to(&self, value: &str) {
        let index = self
            .js(&format!(
                "const s = document.activeElement; \
                 return [...s.options].findIndex(o => o.value === {v}) - s.selectedIndex;",
                v = Value::from(value)
            ))
            .await
            .as_i64()
            .expect("an index");
        assert!(index >= 0, "{value} is not below the current choice");
        let down: Vec<char> = (0..index).map(|_| char::from(Key::Down)).collect();
        for chunk in down.chunks(50) {
            self.keys(chunk).await;
        }
        let now = self
            .js("return document.activeElement.value")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(now, value, "the arrow keys did not reach {value}");
    }
}

//! A real `govledger serve` on port 0 over a test database, with tokens and request helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_govledger");
/// Longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running server. Killed when dropped.
pub struct TestApp {
    pub url: String,
    pub db_url: String,
    pub admin: String,
    pub auditor: String,
    pub client: reqwest::Client,
    child: Child,
}

/// Runs the CLI against `db_url`; panics on failure. Returns stdout.
pub async fn cli(db_url: &str, args: &[&str]) -> String {
    let out = tokio::time::timeout(
        WAIT,
        Command::new(BIN)
            .args(args)
            .env("GOVLEDGER_DB", db_url)
            .env_remove("GOVLEDGER_ACTOR")
            .output(),
    )
    .await
    .expect("CLI timed out")
    .unwrap();
    assert!(
        out.status.success(),
        "govledger {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Issues a token with the CLI and returns its secret.
pub async fn issue_token(db_url: &str, person: &str, role: &str) -> String {
    let out = cli(
        db_url,
        &[
            "token", "issue", "--person", person, "--role", role, "--actor", "ROOT",
        ],
    )
    .await;
    out.trim().to_owned()
}

/// Starts the server on `db` with an admin (`ADMIN1`) and an auditor (`AUDITOR1`) token.
pub async fn spawn_app(db: &TestDb) -> TestApp {
    let admin = issue_token(&db.url, "ADMIN1", "admin").await;
    let auditor = issue_token(&db.url, "AUDITOR1", "auditor").await;
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("GOVLEDGER_DB", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("GOVLEDGER_TEST_SERVER_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("the server did not print its address in time")
        .unwrap()
        .expect("the server exited before printing its address");
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    TestApp {
        url,
        db_url: db.url.clone(),
        admin,
        auditor,
        client: reqwest::Client::builder().timeout(WAIT).build().unwrap(),
        child,
    }
}

impl TestApp {
    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path, &self.auditor).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    pub fn post_json(&self, path: &str, token: &str, body: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("the server did not stop in time")
            .unwrap()
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sse {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Reads Server-Sent Events from a response body.
pub struct SseReader {
    body: reqwest::Response,
    buf: Vec<u8>,
}

impl SseReader {
    pub fn new(body: reqwest::Response) -> SseReader {
        SseReader {
            body,
            buf: Vec::new(),
        }
    }

    /// The next event (comments skipped), within [`WAIT`].
    pub async fn next(&mut self) -> Sse {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                    let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                    let block = String::from_utf8(block).unwrap();
                    let mut ev = Sse {
                        id: None,
                        event: None,
                        data: String::new(),
                    };
                    let mut any = false;
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            ev.id = Some(v.trim_start().to_owned());
                            any = true;
                        } else if let Some(v) = line.strip_prefix("event:") {
                            ev.event = Some(v.trim_start().to_owned());
                            any = true;
                        } else if let Some(v) = line.strip_prefix("data:") {
                            if !ev.data.is_empty() {
                                ev.data.push('\n');
                            }
                            ev.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                            any = true;
                        }
                    }
                    if any {
                        return ev;
                    }
                    continue;
                }
                let chunk = self
                    .body
                    .chunk()
                    .await
                    .unwrap()
                    .expect("the event stream ended");
                self.buf.extend_from_slice(&chunk);
            }
        })
        .await
        .expect("no event in time")
    }
}

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
    /// The checkpoint signing key the server uses.
    pub key_file: std::path::PathBuf,
    /// More `serve` arguments it was started with (a restart keeps them).
    pub args: Vec<String>,
    child: Child,
    _keydir: Option<std::sync::Arc<tempfile::TempDir>>,
}

/// A directory for a signing key (and other files of one test), removed when dropped.
pub fn key_dir() -> std::sync::Arc<tempfile::TempDir> {
    std::sync::Arc::new(tempfile::tempdir().unwrap())
}

/// Writes a fresh signing key (mode 0600) in `dir`.
pub fn new_key(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("ledger.key");
    if !path.exists() {
        let signer = govledger::checkpoint::Signer::generate("test.govledger/log").unwrap();
        govledger::checkpoint::write_signer_key(&path, &signer).unwrap();
    }
    path
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

/// `govledger init` with `key` as the signing key: the bootstrap system administrator P0001
/// (管理 太郎), effective 2025-04-01.
pub async fn init_ledger(db_url: &str, key: &std::path::Path) {
    let key = key.display().to_string();
    cli(
        db_url,
        &[
            "init",
            "--key-file",
            &key,
            "--admin-id",
            "P0001",
            "--admin-name",
            "管理 太郎",
            "--genesis-at",
            "2025-04-01",
        ],
    )
    .await;
}

/// The operator's bootstrap of the ledger's first admin token, for P0001; returns its secret.
pub async fn bootstrap_admin(db_url: &str) -> String {
    cli(
        db_url,
        &[
            "token",
            "issue",
            "--person",
            "P0001",
            "--role",
            "admin",
            "--bootstrap",
        ],
    )
    .await
    .trim()
    .to_owned()
}

/// Issues a token with the CLI, by the system administrator `P0001` (of `genesis_app` and
/// `demo_app`), and returns its secret.
pub async fn issue_token(db_url: &str, person: &str, role: &str) -> String {
    let out = cli(
        db_url,
        &[
            "token", "issue", "--person", person, "--role", role, "--actor", "P0001",
        ],
    )
    .await;
    out.trim().to_owned()
}

/// A token on a ledger built by hand (no genesis, so nobody who could issue one): written
/// with `Ledger::issue_token_unchecked`, recorded by `ROOT`. Returns its secret.
pub async fn fixture_token(db_url: &str, person: &str, role: &str) -> String {
    use govledger_schema::events::TokenRole;
    let role = match role {
        "admin" => TokenRole::Admin,
        _ => TokenRole::Auditor,
    };
    let store = govledger::store::Store::open(db_url).await.unwrap();
    let (ledger, _) = govledger::ledger::Ledger::open(store.clone())
        .await
        .unwrap();
    let issued = ledger
        .issue_token_unchecked(person, role, "ROOT", None)
        .await
        .unwrap();
    drop(ledger);
    store.close().await;
    issued.token
}

/// Starts the server on an empty ledger (no genesis) with fixture tokens: an admin (`ADMIN1`)
/// and an auditor (`AUDITOR1`).
pub async fn spawn_app(db: &TestDb) -> TestApp {
    let admin = fixture_token(&db.url, "ADMIN1", "admin").await;
    let auditor = fixture_token(&db.url, "AUDITOR1", "auditor").await;
    let dir = key_dir();
    let key = new_key(dir.path());
    start_server(&db.url, &key, Some(dir), admin, auditor).await
}

/// Starts another server on the same database and key as `app` (several instances).
pub async fn another_server(app: &TestApp) -> TestApp {
    start_server(
        &app.db_url,
        &app.key_file,
        app._keydir.clone(),
        app.admin.clone(),
        app.auditor.clone(),
    )
    .await
}

/// A ledger with a genesis (`govledger init`, bootstrap administrator `P0001`, effective
/// 2025-04-01) and a server on it; `admin` is P0001's token (bootstrapped), `auditor` a
/// read-only token of P0001 too.
pub async fn genesis_app(db: &TestDb) -> TestApp {
    let dir = key_dir();
    let key = dir.path().join("ledger.key");
    init_ledger(&db.url, &key).await;
    // The operator's bootstrap of the first admin token, then P0001 issues a read-only one
    // for themself (a token goes only to a person the ledger knows).
    let admin = bootstrap_admin(&db.url).await;
    let auditor = issue_token(&db.url, "P0001", "auditor").await;
    start_server(&db.url, &key, Some(dir), admin, auditor).await
}

/// The demo ledger (`govledger demo`, without `--serve`) and a server on it, with the tokens
/// the demo printed (the admin is the system administrator P0001).
pub async fn demo_app(db: &TestDb) -> TestApp {
    let dir = key_dir();
    let key = dir.path().join("demo.key");
    let key_arg = key.display().to_string();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(BIN)
            .args(["demo", "--db", &db.url, "--key-file", &key_arg])
            .output(),
    )
    .await
    .expect("the demo took too long")
    .unwrap();
    assert!(
        out.status.success(),
        "govledger demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = |prefix: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.rsplit(' ').next().unwrap_or(rest).trim().to_owned())
            .unwrap_or_else(|| panic!("no {prefix:?} in {stdout}"))
    };
    let auditor = token("auditor token: ");
    let admin = token("admin token ");
    start_server(&db.url, &key, Some(dir), admin, auditor).await
}

/// Starts `govledger serve` on `db_url` with `key`.
pub async fn start_server(
    db_url: &str,
    key: &std::path::Path,
    keydir: Option<std::sync::Arc<tempfile::TempDir>>,
    admin: String,
    auditor: String,
) -> TestApp {
    start_server_logging(db_url, key, keydir, admin, auditor, None).await
}

/// [`start_server`], writing the server's JSON log (at `RUST_LOG=debug`) to `log` if given.
pub async fn start_server_logging(
    db_url: &str,
    key: &std::path::Path,
    keydir: Option<std::sync::Arc<tempfile::TempDir>>,
    admin: String,
    auditor: String,
    log: Option<&std::path::Path>,
) -> TestApp {
    start_server_with(db_url, key, keydir, admin, auditor, log, &[]).await
}

/// [`start_server_logging`] with more `serve` arguments (e.g. `--witness URL=KEY`).
pub async fn start_server_with(
    db_url: &str,
    key: &std::path::Path,
    keydir: Option<std::sync::Arc<tempfile::TempDir>>,
    admin: String,
    auditor: String,
    log: Option<&std::path::Path>,
    args: &[String],
) -> TestApp {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None if std::env::var_os("GOVLEDGER_TEST_SERVER_LOG").is_some() => Stdio::inherit(),
        None => Stdio::null(),
    };
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--key-file"])
        .arg(key)
        .args(args)
        .env("GOVLEDGER_DB", db_url)
        .env("RUST_LOG", if log.is_some() { "debug" } else { "warn" })
        .stdout(Stdio::piped())
        .stderr(stderr)
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
        db_url: db_url.to_owned(),
        admin,
        auditor,
        client: reqwest::Client::builder().timeout(WAIT).build().unwrap(),
        key_file: key.to_path_buf(),
        args: args.to_vec(),
        child,
        _keydir: keydir,
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

    /// Kills the server with SIGKILL (no drain, no shutdown hook) and starts a new one on the
    /// same database, key and tokens: a crash and a restart.
    pub async fn crash_and_restart(mut self) -> TestApp {
        self.kill().await;
        self.restarted().await
    }

    /// SIGKILL (`Child::kill` on Unix), then reaps the process.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }

    /// A new server on the same database, key and tokens as this one.
    pub async fn restarted(&self) -> TestApp {
        start_server_with(
            &self.db_url,
            &self.key_file,
            self._keydir.clone(),
            self.admin.clone(),
            self.auditor.clone(),
            None,
            &self.args,
        )
        .await
    }

    /// Like [`TestApp::restarted`], on another database URL (e.g. through a proxy).
    pub async fn on_url(&self, db_url: &str, log: Option<&std::path::Path>) -> TestApp {
        start_server_logging(
            db_url,
            &self.key_file,
            self._keydir.clone(),
            self.admin.clone(),
            self.auditor.clone(),
            log,
        )
        .await
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

//! `govledger serve --config FILE` and `govledger config check` through the real binary: the
//! file's values apply, the environment beats the file, a flag beats the environment, an
//! unknown key is refused by name, and `config check` shows no secret.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use support::{Backend, TestDb};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_govledger");
const WAIT: Duration = Duration::from_secs(30);
/// An address no interface here has (TEST-NET-1): a server told to listen there cannot start.
const UNBINDABLE: &str = "192.0.2.1:80";

/// Every variable a `serve` flag reads, so the test's own environment cannot leak in.
const SERVE_ENV: &[&str] = &[
    "GOVLEDGER_CONFIG",
    "GOVLEDGER_DB",
    "GOVLEDGER_LISTEN",
    "GOVLEDGER_KEY_FILE",
    "GOVLEDGER_CHECKPOINT_EVERY",
    "GOVLEDGER_PUBLIC_TILES",
    "GOVLEDGER_METRICS_LISTEN",
    "GOVLEDGER_HEADER_TIMEOUT",
    "GOVLEDGER_BODY_TIMEOUT",
    "GOVLEDGER_IDLE_TIMEOUT",
    "GOVLEDGER_MAX_CONNECTIONS",
];

fn govledger(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    for v in SERVE_ENV {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.env("RUST_LOG", "warn");
    c
}

async fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = govledger(args, env).output().await.unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn init(db: &TestDb, key: &Path) {
    let (code, _, err) = run(
        &[
            "init",
            "--db",
            &db.url,
            "--key-file",
            key.to_str().unwrap(),
            "--admin-id",
            "P0001",
            "--admin-name",
            "管理 太郎",
            "--genesis-at",
            "2025-04-01",
        ],
        &[],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
}

/// Starts `serve` and returns the lines it prints once bound (its addresses), or what it
/// said on stderr when it exits instead.
async fn serve(args: &[&str], env: &[(&str, &str)], lines: usize) -> Result<Vec<String>, String> {
    let mut child = govledger(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut got = Vec::new();
    while got.len() < lines {
        match tokio::time::timeout(WAIT, out.next_line()).await.unwrap() {
            Ok(Some(line)) => got.push(line),
            _ => {
                let status = child.wait().await.unwrap();
                let mut err = String::new();
                let mut stderr = child.stderr.take().unwrap();
                tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut err)
                    .await
                    .unwrap();
                return Err(format!("{status}: {err}"));
            }
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    Ok(got)
}

async fn file_values_apply(which: Backend) {
    let Some(db) = TestDb::backend(which).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing.key");
    init(&db, &key).await;
    let config = dir.path().join("govledger.toml");
    std::fs::write(
        &config,
        format!(
            "db = {:?}\nkey-file = {:?}\nlisten = \"127.0.0.1:0\"\nmetrics-listen = \"127.0.0.1:0\"\n\
             checkpoint-every = 0\nheader-timeout = 5\n",
            db.url,
            key.to_str().unwrap()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // Everything from the file: the ledger, the key, both listeners.
    let lines = serve(&["serve", "--config", config], &[], 2).await.unwrap();
    assert!(
        lines[0].starts_with("listening on http://127.0.0.1:"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("metrics on http://127.0.0.1:"),
        "{lines:?}"
    );
    // The same through GOVLEDGER_CONFIG.
    let lines = serve(&["serve"], &[("GOVLEDGER_CONFIG", config)], 2)
        .await
        .unwrap();
    assert!(lines[1].starts_with("metrics on "), "{lines:?}");

    // The environment beats the file: the file's listen address cannot be bound, so the
    // server starts only if the environment's is used.
    let bad = dir.path().join("unbindable.toml");
    std::fs::write(
        &bad,
        format!(
            "db = {:?}\nkey-file = {:?}\nlisten = {UNBINDABLE:?}\n",
            db.url,
            key.to_str().unwrap()
        ),
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let refused = serve(&["serve", "--config", bad], &[], 1)
        .await
        .unwrap_err();
    assert!(refused.contains(UNBINDABLE), "{refused}");
    let lines = serve(
        &["serve", "--config", bad],
        &[("GOVLEDGER_LISTEN", "127.0.0.1:0")],
        1,
    )
    .await
    .unwrap();
    assert!(
        lines[0].starts_with("listening on http://127.0.0.1:"),
        "{lines:?}"
    );

    // A flag beats the environment (and the file).
    let lines = serve(
        &["serve", "--config", bad, "--listen", "127.0.0.1:0"],
        &[("GOVLEDGER_LISTEN", UNBINDABLE)],
        1,
    )
    .await
    .unwrap();
    assert!(
        lines[0].starts_with("listening on http://127.0.0.1:"),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_its_configuration_from_the_file_sqlite() {
    file_values_apply(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_its_configuration_from_the_file_postgres() {
    file_values_apply(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn config_check_shows_each_value_with_its_source_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govledger.toml");
    std::fs::write(
        &config,
        "db = \"postgres://gov:file-s3cret@db.example/gov\"\nheader-timeout = 5\n\
         idle-timeout = 90\nbody-timeout = 12\npublic-tiles = true\n\
         witness = [\"http://w.example:7380=w.example+1a2b3c4d+AAAA\"]\n\
         trusted-proxy = [\"10.0.0.0/8\", \"192.0.2.7\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let (code, out, err) = run(
        &[
            "config",
            "check",
            "--config",
            config,
            "--body-timeout",
            "20",
        ],
        &[
            ("GOVLEDGER_IDLE_TIMEOUT", "120"),
            ("GOVLEDGER_BODY_TIMEOUT", "25"),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .to_owned()
    };
    assert!(!out.contains("s3cret"), "{out}");
    assert!(
        line("db").starts_with("db = \"postgres://gov@db.example/gov\""),
        "{out}"
    );
    assert!(line("db").ends_with("# file"), "{out}");
    assert!(
        line("header-timeout").starts_with("header-timeout = 5 "),
        "{out}"
    );
    assert!(
        line("idle-timeout").starts_with("idle-timeout = 120 "),
        "env beats file: {out}"
    );
    assert!(
        line("idle-timeout").ends_with("# env GOVLEDGER_IDLE_TIMEOUT"),
        "{out}"
    );
    assert!(
        line("body-timeout").starts_with("body-timeout = 20 "),
        "flag beats env: {out}"
    );
    assert!(line("body-timeout").ends_with("# flag"), "{out}");
    assert!(line("max-connections").ends_with("# default"), "{out}");
    assert!(
        line("public-tiles").starts_with("public-tiles = true "),
        "{out}"
    );
    assert!(line("witness").contains("w.example+1a2b3c4d+AAAA"), "{out}");
    assert!(
        line("trusted-proxy").starts_with("trusted-proxy = [\"10.0.0.0/8\", \"192.0.2.7\"]"),
        "{out}"
    );

    // A password given in the environment is not shown either.
    let (code, out, _) = run(
        &["config", "check"],
        &[("GOVLEDGER_DB", "postgres://gov:env-s3cret@db.example/gov")],
    )
    .await;
    assert_eq!(code, Some(0));
    assert!(!out.contains("s3cret"), "{out}");
    assert!(out.contains("file: none"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_keys_and_bad_values_in_the_file_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let unknown = write(
        "unknown.toml",
        "listen = \"127.0.0.1:0\"\nlisten_address = \"x\"\n",
    );
    for args in [
        vec!["serve", "--config", &unknown],
        vec!["config", "check", "--config", &unknown],
    ] {
        let (code, out, err) = run(&args, &[]).await;
        assert_eq!(code, Some(2), "{out}{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("unknown field `listen_address`") && err.contains("unknown.toml"),
            "{err}"
        );
    }
    let (code, _, err) = run(&["serve"], &[("GOVLEDGER_CONFIG", &unknown)]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("listen_address"), "{err}");

    // A value clap would refuse as a flag is refused as the file's.
    let range = write("range.toml", "header-timeout = 0\n");
    let (code, _, err) = run(&["serve", "--config", &range], &[]).await;
    assert_eq!(code, Some(2));
    assert!(
        err.contains("range.toml") && err.contains("--header-timeout"),
        "{err}"
    );
    let typed = write("typed.toml", "max-connections = \"many\"\n");
    let (code, _, err) = run(&["config", "check", "--config", &typed], &[]).await;
    assert_eq!(code, Some(2));
    assert!(
        err.contains("typed.toml") && err.contains("max-connections"),
        "{err}"
    );
    let (code, _, err) = run(&["serve", "--config", "/nonexistent/govledger.toml"], &[]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/govledger.toml"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_proxy_that_is_no_address_is_refused_naming_it() {
    let (code, _, err) = run(
        &["config", "check", "--trusted-proxy", "proxy.example"],
        &[],
    )
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("proxy.example"), "{err}");
    assert!(
        err.contains("neither an IP address nor a CIDR block"),
        "{err}"
    );
}

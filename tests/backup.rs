//! `govledger backup` through the real binary on both backends: the files it writes verify
//! offline, the 第11条 backup operation is recorded and clears the overdue-backup finding, and
//! a ledger whose chain is broken is never reported (or recorded) as backed up.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govledger::ledger::Ledger;
use govledger::store::Store;
use support::{Backend, TestDb, raw_sql};

fn govledger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govledger"))
        .args(args)
        .env_remove("GOVLEDGER_DB")
        .env_remove("GOVLEDGER_KEY_FILE")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ADMIN: &str = "P0001";

/// A genesis ledger whose genesis took effect 30 days ago: a backup is overdue (every 7 days).
fn init(db: &TestDb, key: &Path) {
    let genesis = (chrono::Utc::now() - chrono::TimeDelta::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let out = govledger(&[
        "init",
        "--db",
        &db.url,
        "--key-file",
        key.to_str().unwrap(),
        "--admin-id",
        ADMIN,
        "--admin-name",
        "管理 太郎",
        "--genesis-at",
        &genesis,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn backup(db: &TestDb, key: &Path, out: &Path, actor: &str) -> Output {
    govledger(&[
        "backup",
        "--db",
        &db.url,
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--actor",
        actor,
    ])
}

fn subdirs(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The kinds of periodic operation overdue as of a minute from now.
async fn overdue(store: &Store) -> Vec<String> {
    let (ledger, _) = Ledger::open(store.clone()).await.unwrap();
    let at = govledger::jst::now() + chrono::TimeDelta::minutes(1);
    ledger.read(|s| {
        s.lens(at, None)
            .audit()
            .findings
            .into_iter()
            .filter(|f| f.kind == "periodic_operation_overdue")
            .map(|f| f.message)
            .collect()
    })
}

/// The `operation.recorded.v2` events' data.
async fn operations(store: &Store) -> Vec<serde_json::Value> {
    let head = store.head().await.unwrap().seq;
    store
        .read_from(1, head)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_slice::<serde_json::Value>(&e.body).unwrap())
        .filter(|b| b["type"] == "operation.recorded.v2")
        .map(|b| b["data"].clone())
        .collect()
}

async fn writes_verifies_and_records(which: Backend) {
    let Some(db) = TestDb::backend(which).await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("signing.key");
    init(&db, &key);
    let store = db.open().await;
    assert!(
        overdue(&store).await.iter().any(|m| m.contains(" backup ")),
        "30 days without a backup: {:?}",
        overdue(&store).await
    );

    let out_dir = tmp.path().join("backups");
    let out = backup(&db, &key, &out_dir, ADMIN);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ok: backup "), "{stdout}");
    let dirs = subdirs(&out_dir);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let dir = &dirs[0];
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    for name in ["export.jsonl", "checkpoint", "public-key"] {
        assert!(dir.join(name).is_file(), "{name} in {dir:?}");
    }
    // SQLite also gets a consistent copy of the database file (VACUUM INTO); PostgreSQL does
    // not (pg_dump, README).
    let sqlite = store.sqlite_pool().is_some();
    assert_eq!(dir.join("ledger.db").is_file(), sqlite);

    // The files verify on their own, with the ordinary offline verifier.
    let v = govledger(&[
        "verify",
        "--file",
        &file("export.jsonl"),
        "--checkpoint",
        &file("checkpoint"),
        "--key",
        &file("public-key"),
    ]);
    assert!(v.status.success(), "{}", text(&v.stdout));
    if sqlite {
        let copy = format!("sqlite://{}", file("ledger.db"));
        let v = govledger(&["verify", "--db", &copy]);
        assert!(v.status.success(), "{}", text(&v.stdout));
    }

    // Recorded as a succeeded 第11条 backup naming the directory, and no longer overdue.
    let ops = operations(&store).await;
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0]["operation"], "backup");
    assert_eq!(ops[0]["result"], "succeeded");
    assert_eq!(ops[0]["recorded_as"], "system_administrator");
    let target = ops[0]["target"].as_str().unwrap();
    assert!(
        target.starts_with(dir.to_str().unwrap()) && target.contains(" bytes"),
        "{target}"
    );
    let still = overdue(&store).await;
    assert!(!still.iter().any(|m| m.contains(" backup ")), "{still:?}");

    // Someone who may not record operations: refused naming the rule and article, exit 2,
    // the files (a second directory, never the first overwritten) stay.
    let out = backup(&db, &key, &out_dir, "P9999");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("refused by actor.unknown") && stderr.contains("the files stay"),
        "{stderr}"
    );
    let dirs = subdirs(&out_dir);
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    assert!(dirs.iter().all(|d| d.join("export.jsonl").is_file()));
    assert_eq!(operations(&store).await.len(), 1, "nothing recorded");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_writes_verifies_and_records_sqlite() {
    writes_verifies_and_records(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_writes_verifies_and_records_postgres() {
    writes_verifies_and_records(Backend::Postgres).await;
}

/// Lifts the append-only guards and edits a stored body in place (its hash left as it was),
/// as someone with database access would.
async fn tamper(store: &Store) {
    let sql = if store.postgres_pool().is_some() {
        "ALTER TABLE events DISABLE TRIGGER USER;"
    } else {
        "DROP TRIGGER events_no_update;"
    };
    raw_sql(store, sql).await.unwrap();
    let head = store.head().await.unwrap().seq;
    let victim = store
        .read_from(1, head)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.seq < head && text(&e.body).contains("管理 太郎"))
        .expect("the administrator's registration");
    let edited = text(&victim.body)
        .replace("管理 太郎", "管理 次郎")
        .into_bytes();
    let seq = i64::try_from(victim.seq).unwrap();
    let q = "UPDATE events SET body = $1 WHERE seq = $2";
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => {
            sqlx::query(q)
                .bind(edited)
                .bind(seq)
                .execute(p)
                .await
                .unwrap();
        }
        (_, Some(p)) => {
            sqlx::query(q)
                .bind(edited)
                .bind(seq)
                .execute(p)
                .await
                .unwrap();
        }
        _ => unreachable!(),
    }
}

async fn broken_chain_is_not_a_success(which: Backend) {
    let Some(db) = TestDb::backend(which).await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("signing.key");
    init(&db, &key);
    let store = db.open().await;
    tamper(&store).await;

    let out_dir = tmp.path().join("backups");
    let out = backup(&db, &key, &out_dir, ADMIN);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.starts_with("BROKEN: "), "{stdout}");
    assert!(!stdout.contains("ok:"), "{stdout}");
    let ops = operations(&store).await;
    assert!(
        ops.iter().all(|o| o["result"] != "succeeded"),
        "nothing recorded as a successful backup: {ops:?}"
    );
    // What was recorded is the failure, with the reason.
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0]["operation"], "backup");
    assert_eq!(ops[0]["result"], "failed");
    assert!(
        ops[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("did not verify: "),
        "{ops:?}"
    );
    assert!(
        overdue(&store).await.iter().any(|m| m.contains(" backup ")),
        "the backup is still overdue"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_chain_is_not_backed_up_sqlite() {
    broken_chain_is_not_a_success(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_chain_is_not_backed_up_postgres() {
    broken_chain_is_not_a_success(Backend::Postgres).await;
}

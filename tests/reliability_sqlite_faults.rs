//! SQLite on a disk that refuses writes: the database file and its WAL are made immutable
//! (`chattr +i`, which binds root too, unlike a mode of 0444) while the server runs. Appends get
//! 503 problem+json and record nothing, reads still work, and appends succeed again once the
//! files are writable. Skipped (loudly) where `chattr` cannot set the flag (not root, tmpfs).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::TestDb;
use support::checks::{assert_one_gapless_verified_chain, register_body, some_unit};
use support::http::{TestApp, genesis_app};

/// Files made immutable; made writable again when dropped (even when the test panics).
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(files: &[PathBuf]) -> Option<Immutable> {
        let mut guard = Immutable(Vec::new());
        for f in files.iter().filter(|f| f.exists()) {
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(f)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return None;
            }
            guard.0.push(f.clone());
        }
        Some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(f)
                .status();
        }
    }
}

fn db_files(dir: &Path) -> Vec<PathBuf> {
    ["ledger.db", "ledger.db-wal"]
        .iter()
        .map(|n| dir.join(n))
        .collect()
}

async fn register(app: &TestApp, body: &str) -> reqwest::Response {
    app.post_json("/v1/commands/register_person", &app.admin, body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_on_a_disk_that_refuses_writes_gives_503_keeps_reads_and_recovers() {
    let db = TestDb::sqlite();
    let app = genesis_app(&db).await;
    let unit = some_unit(&app).await;
    let res = register(
        &app,
        &register_body("P0700", &unit, &uuid::Uuid::now_v7().to_string()),
    )
    .await;
    assert_eq!(res.status(), 201);
    let before = app.get_json("/v1/head").await;

    let Some(frozen) = Immutable::set(&db_files(db.dir().unwrap())) else {
        eprintln!("SKIPPED: chattr +i is not available here (needs root on ext4/xfs)");
        return;
    };
    let id = uuid::Uuid::now_v7().to_string();
    let body = register_body("P0701", &unit, &id);
    let res = register(&app, &body).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["status"], 503, "{p}");
    // Reads still work, and nothing was recorded.
    assert_eq!(app.get_json("/v1/head").await, before);
    let res = app
        .get(&format!("/v1/events/{id}"), &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.get_json("/v1/organisation").await;

    drop(frozen);
    // Writable again: the retry records the decision, once.
    let res = register(&app, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    assert_eq!(register(&app, &body).await.status(), 200);
    let events = assert_one_gapless_verified_chain(&app).await;
    assert_eq!(events.len() as u64, before["seq"].as_u64().unwrap() + 1);
}

//! Shared test support: a fresh database per test on either backend.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database created on the
//! server named by `GOVLEDGER_TEST_POSTGRES` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards. When that variable
//! is set and the server cannot be reached, the test fails; when it is unset, PostgreSQL tests
//! print a loud SKIPPED line (CI always sets it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use govledger::store::Store;
use govledger_schema::{Meta, NewEvent};
use sqlx::Connection;
use uuid::Uuid;

pub const PG_ENV: &str = "GOVLEDGER_TEST_POSTGRES";

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs raw SQL (one or more statements, no parameters) on the store's database, whichever
/// backend it is: what a test does in the place of an operator, an attacker or a failing disk.
pub async fn raw_sql(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        (_, Some(p)) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        _ => unreachable!("a store has one pool"),
    }
}

/// A fresh, empty database; removed when dropped.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>, // (admin url, database name)
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
        TestDb {
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or None (with a loud message) when the URL is unset.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var(PG_ENV) else {
            eprintln!("SKIPPED: PostgreSQL test — set {PG_ENV} to run it (CI does)");
            return None;
        };
        let name = format!("govledger_t_{}", Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let opts = sqlx::postgres::PgConnectOptions::from_str(&admin)
            .unwrap()
            .database(&name);
        let url = format!(
            "postgres://{}@{}:{}/{}",
            opts.get_username(),
            opts.get_host(),
            opts.get_port(),
            name
        );
        Some(TestDb {
            url,
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    pub async fn backend(which: Backend) -> Option<TestDb> {
        match which {
            Backend::Sqlite => Some(TestDb::sqlite()),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.url).await.unwrap()
    }

    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs outside any runtime we can block on: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Declares each listed async test fn (taking a `TestDb`) once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let db = $crate::support::TestDb::sqlite();
                    super::$name(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(db) = $crate::support::TestDb::postgres().await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

pub fn jst(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A plausible decision-shaped event for store tests (the store does not check rules).
pub fn event(n: u64) -> NewEvent {
    NewEvent {
        id: Uuid::now_v7(),
        event_type: "test.recorded.v1".into(),
        data: serde_json::json!({
            "n": n,
            "asset": format!("A{:02}", n % 30 + 1),
            "note": "利用の可否を判断した",
        }),
        meta: Meta {
            actor: "P0001".into(),
            acting_for: None,
            basis: "第5条第2項".into(),
            request_id: Some(format!("req-{n}")),
            causation_id: None,
        },
        effective_at: jst("2025-04-01T00:00:00+09:00"),
    }
}

pub mod checks;
pub mod http;

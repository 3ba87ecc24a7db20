//! The event store: one contract, two backends (SQLite embedded, PostgreSQL for production).
//!
//! Every append runs inside one write transaction that holds the ledger head: SQLite takes the
//! database write lock with `BEGIN IMMEDIATE`; PostgreSQL locks the single `ledger_head` row
//! `FOR UPDATE` in a READ COMMITTED transaction. Under that lock the writer reads the head,
//! seals each event (seq = head + 1, prev = head hash), inserts its exact canonical body, adds
//! the Merkle nodes it completes, and advances the head. So the chain is linear, seq is gapless
//! and commit order equals seq order, whatever number of tasks or processes append at once.
//!
//! Both backends run the same SQL text (`$1` placeholders work in both) through the
//! [`with_pool!`] and [`with_tx!`] macros; only locking, connection set-up and how the
//! writer joins its write into one statement (`writer::joint`) differ.

mod import;
mod verify;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use govledger_schema::envelope::EnvelopeError;
use govledger_schema::{Digest32, Event};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, PgPool, Postgres, SqlitePool};
use uuid::Uuid;

use crate::merkle::{self, NodeId, leaf_hash};

pub use import::{ExportError, ImportError, MAX_LINE_BYTES, export, import};
pub use integrity::BeyondHead;
pub use verify::{Break, BreakKind, VerifyReport};

/// How much of a stream the writer expects to exist (optimistic concurrency per stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the stream's version.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's current version must be exactly this.
    Exact(u64),
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => write!(f, "any"),
            ExpectedVersion::NoStream => write!(f, "no stream"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
        }
    }
}

/// The end of the chain: the last seq and its hash (`0` and 64 zeros for an empty ledger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    pub seq: u64,
    pub hash: Digest32,
}

impl Head {
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: Digest32::ZERO,
    };
}

/// One event as committed: where it landed and its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Committed {
    pub seq: u64,
    pub id: Uuid,
    pub stream: String,
    pub version: u64,
    /// The event's type (`appointment.made.v1`, …).
    pub event_type: String,
    pub hash: Digest32,
}

/// A stored event: its seq, stored hash and the exact canonical body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub hash: Digest32,
    pub body: Vec<u8>,
}

impl StoredEvent {
    /// Parses the body (checking that it is canonical).
    pub fn event(&self) -> Result<Event, EnvelopeError> {
        Event::decode(&self.body)
    }
}

/// Why the store did not do what was asked. Conflicts and bad input are the caller's to
/// handle; `Database` is an operating error (logged, never shown to a client in detail).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream}: expected {expected}, but the stream is at version {actual}")]
    WrongExpectedVersion {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("event id {id} is already recorded (seq {seq}) with different content")]
    IdConflict { id: Uuid, seq: u64 },
    #[error("event id {id} appears twice in one append")]
    DuplicateIdInBatch { id: Uuid },
    #[error("invalid event: {0}")]
    Invalid(#[from] EnvelopeError),
    #[error("an append needs at least one event")]
    EmptyAppend,
    #[error("cannot open database {url}: {reason}")]
    Open { url: String, reason: String },
    /// No ledger at `url`: no such file or database, or (for `open_existing`) one without
    /// the schema.
    #[error("cannot open database {url}: {reason}")]
    NoLedger { url: String, reason: String },
    /// A URL scheme that is neither SQLite nor PostgreSQL (read as a file name, it would
    /// have made a SQLite file of that name).
    #[error(
        "cannot open database {url}: unsupported scheme {scheme}://; use sqlite://PATH (or a bare path) or postgres://USER@HOST/DB"
    )]
    UnsupportedScheme { url: String, scheme: String },
    #[error("stored data is corrupt at seq {seq}: {reason}")]
    Corrupt { seq: u64, reason: String },
    #[error("tree size {size} is beyond the ledger head ({head})")]
    BeyondHead { size: u64, head: u64 },
    /// The stored log contradicts itself or what was signed: rows, Merkle nodes or checkpoints
    /// changed outside govledger. Nothing is signed or appended while it stands.
    #[error(
        "INTEGRITY: {reason} (the ledger was changed outside govledger; run `govledger verify`)"
    )]
    Integrity { reason: String },
    #[error("the transaction did not commit: {0}")]
    CommitFailed(String),
    /// Like `CommitFailed`, because the database could not be reached (connection lost or
    /// refused): the client may retry the same request once it is back.
    #[error("the database cannot be reached: {0}")]
    Unreachable(String),
    #[error("an earlier statement of this transaction failed; it was rolled back")]
    Poisoned,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Reading the SQLite file outside sqlx's pool failed (`verify`'s reader, see `bulk`).
    #[error("reading the database file: {0}")]
    File(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// True for conflicts a client can resolve by re-reading and retrying.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            StoreError::WrongExpectedVersion { .. }
                | StoreError::IdConflict { .. }
                | StoreError::DuplicateIdInBatch { .. }
        )
    }

    /// True when the database was not there or could not take the write now (connection
    /// lost, server shutting down, disk full or read-only), as opposed to a statement that
    /// failed: the same request may succeed later.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|code| is_unavailable_code(&code))
            }
            StoreError::Database(e) => matches!(
                e,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
                    | sqlx::Error::Tls(_)
            ),
            // `verify`'s own reader of the file (`bulk`): busy, locked, or not readable now.
            StoreError::File(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::CannotOpen
            ),
            StoreError::Open { .. } | StoreError::Unreachable(_) => true,
            _ => false,
        }
    }

    /// SQLite's READONLY (8): the file, or this connection's view of it, refuses writes.
    pub fn is_readonly(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(db))
            if db.code().filter(|c| c.len() < 5).and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| c & 0xff == 8))
    }

    /// What every command of a batch that failed with `self` is answered, keeping whether
    /// the database was unreachable (503, retry) or the failure is internal (500).
    pub fn for_batch(&self) -> StoreError {
        if let StoreError::Integrity { reason } = self {
            StoreError::Integrity {
                reason: reason.clone(),
            }
        } else if self.is_unreachable() {
            StoreError::Unreachable(self.to_string())
        } else {
            StoreError::CommitFailed(self.to_string())
        }
    }
}

/// Error codes of the environment rather than of the statement. SQLite reports its
/// (extended) result code as a number: BUSY 5, LOCKED 6, READONLY 8, IOERR 10, FULL 13,
/// CANTOPEN 14 (the primary code is the low byte). PostgreSQL reports a SQLSTATE: class 08
/// (connection exception), 53 (insufficient resources: disk full, out of memory, too many
/// connections), 57P01..57P03 (shutting down, crashed, starting).
fn is_unavailable_code(code: &str) -> bool {
    // A SQLSTATE has always five characters; SQLite's codes have at most four digits.
    if code.len() == 5 {
        code.starts_with("08")
            || code.starts_with("53")
            || matches!(code, "57P01" | "57P02" | "57P03")
    } else {
        code.parse::<u32>()
            .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
    }
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code against whichever pool the store has.
macro_rules! with_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

enum Tx {
    Sqlite(begin::SqliteTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs the same code against whichever transaction the writer holds.
macro_rules! with_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// What `verify` reads of each row (a [`RowColumns`]), without its `WHERE`: seq, id, the
/// other indexed columns packed into one text (see [`verify::IndexedColumns`]), hash, body and
/// the Merkle nodes the row keeps. Packing the columns in SQL makes a row six values to
/// transfer and decode instead of twelve; the packing is unambiguous (numbers before `|`,
/// strings length-prefixed). The file's reader (`bulk`) reads the columns as they are and
/// packs them the same way in Rust.
macro_rules! columns_select {
    () => {
        "SELECT seq, id, \
         version || '|' || effective_us || '|' || recorded_us || '|' \
         || octet_length(stream) || ':' || stream || octet_length(type) || ':' || type \
         || octet_length(actor) || ':' || actor || octet_length(basis) || ':' || basis, \
         hash, body, nodes FROM events"
    };
}

mod begin;
mod bulk;
mod cosignatures;
mod integrity;
mod queries;
mod seal;
mod side;
mod tiles;
mod writer;
pub use cosignatures::StoredCosignature;
pub use queries::{EventFilter, PoolStats, TokenCredential, TokenRow};
pub use seal::{ChainEnd, MAX_EVENT_BODY_BYTES, Sealed};
pub use side::{DecidedCommand, ProofRequestError, Snapshot, StoredCheckpoint};
pub use writer::Writer;

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
/// Where the ids of events the ledger makes come from, given the seq the event will take.
type EventIds = Arc<dyn Fn(u64) -> Uuid + Send + Sync>;

/// The Merkle frontier as of a head: valid for the writer only while the head hash matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frontier {
    head: Digest32,
    tree: merkle::Frontier,
}

/// The event store. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    clock: Clock,
    event_ids: EventIds,
    frontier: Arc<Mutex<Option<Frontier>>>,
    /// When a write last failed because the database was unavailable (SQLite). Connections
    /// opened before it are closed instead of reused: one may hold a transaction that SQLite
    /// already rolled back (sqlx then refuses to begin on it), or have opened the file
    /// read-only while the disk refused writes (it would stay read-only for good).
    write_failed_at: Arc<Mutex<Option<std::time::Instant>>>,
    /// Set when [`Store::tied_root`] found the stored log contradicting itself or what was
    /// signed: from then on this process appends nothing (`begin` refuses with the reason), so
    /// no decision is chained onto a history that was changed outside govledger.
    integrity: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

/// Declares the store's pool accessors with visibility `$vis`: crate-private, for the tools
/// that measure or copy the database itself (`bench`'s raw baselines, `backup`'s `VACUUM
/// INTO`); public only with the `test-support` feature, which the integration tests turn on
/// for their raw SQL (tampering, fault injection). No other room runs SQL
/// (`tests/module_graph.rs` checks who calls them, and that only this feature makes them
/// public).
macro_rules! pool_accessors {
    ($vis:vis) => {
        impl Store {
            /// The SQLite pool, when on SQLite.
            $vis fn sqlite_pool(&self) -> Option<&SqlitePool> {
                match &self.pool {
                    Pool::Sqlite(p) => Some(p),
                    Pool::Postgres(_) => None,
                }
            }

            /// The PostgreSQL pool, when on PostgreSQL.
            $vis fn postgres_pool(&self) -> Option<&PgPool> {
                match &self.pool {
                    Pool::Postgres(p) => Some(p),
                    Pool::Sqlite(_) => None,
                }
            }
        }
    };
}
#[cfg(feature = "test-support")]
pool_accessors!(pub);
#[cfg(not(feature = "test-support"))]
pool_accessors!(pub(crate));

/// Page size for internal scans (verify, export, rebuild).
pub const SCAN_PAGE: u64 = 10_000;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("schema/sql/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("schema/sql/postgres");

impl Store {
    /// Opens (creating if needed) the ledger at `url` and brings its schema up to date.
    /// `sqlite://path` (or a bare path ending in `.db`) or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url, true).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens an existing ledger, creating nothing: a missing file or database, or one without
    /// the schema, is [`StoreError::NoLedger`]. Migrations of an existing schema still run.
    pub async fn open_existing(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url, false).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn connect(url: &str, create: bool) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            url: redact(url),
            reason,
        };
        let write_failed_at: Arc<Mutex<Option<std::time::Instant>>> = Arc::new(Mutex::new(None));
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        let pool = if matches!(scheme.as_deref(), Some("postgres" | "postgresql")) {
            let opts = PgConnectOptions::from_str(url).map_err(|e| open_err(e.to_string()))?;
            // One direct connection first: a pool retries until its timeout and then reports
            // only "timed out", where an operator needs "connection refused" at once.
            let mut probe = tokio::time::timeout(Duration::from_secs(10), opts.connect())
                .await
                .map_err(|_| open_err("no answer within 10 s".into()))?
                .map_err(|e| pg_connect_error(url, &opts, e))?;
            let has_schema = create
                || sqlx::query_scalar("SELECT to_regclass('ledger_head') IS NOT NULL")
                    .fetch_one(&mut probe)
                    .await
                    .map_err(|e| open_err(e.to_string()))?;
            let _ = probe.close().await;
            if !has_schema {
                return Err(no_ledger(
                    url,
                    "no ledger there (the database has no govledger schema)",
                ));
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                // A ping before every hand-out, kept: pinging only connections idle for
                // over a second (tried in session 8) let an append meet a connection the
                // server had just lost and answer 500 instead of 503
                // (`tests/reliability_faults.rs`, about one run in eight).
                .connect_with(opts)
                .await
                .map_err(|e| open_err(e.to_string()))?;
            Pool::Postgres(pool)
        } else if let Some(scheme) = scheme.filter(|s| s != "sqlite") {
            return Err(StoreError::UnsupportedScheme {
                url: redact(url),
                scheme,
            });
        } else {
            let sqlite_url = if url.starts_with("sqlite:") {
                url.to_owned()
            } else {
                format!("sqlite://{url}")
            };
            let opts =
                SqliteConnectOptions::from_str(&sqlite_url).map_err(|e| open_err(e.to_string()))?;
            if !create {
                sqlite_has_ledger(url, &opts).await?;
            }
            let opts = opts
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            let failed = write_failed_at.clone();
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                // No ping before handing a connection out: an embedded connection has no
                // other end to lose, and the ping is one more hand-off to the driver's thread
                // (and back) on every transaction, which on this 2-core VM costs as much as a
                // statement (issue 16 item 3, BENCHMARKS.md). `before_acquire` below still
                // drops connections opened before a failed write.
                .test_before_acquire(false)
                .before_acquire(move |_conn, meta| {
                    let failed = failed.lock().ok().and_then(|g| *g);
                    // Reuse only connections opened after the last unavailable write.
                    let fresh = failed.is_none_or(|at| meta.age < at.elapsed());
                    Box::pin(async move { Ok(fresh) })
                })
                .connect_with(opts)
                .await
                .map_err(|e| open_err(e.to_string()))?;
            Pool::Sqlite(pool)
        };
        Ok(Store {
            pool,
            clock: Arc::new(Utc::now),
            event_ids: Arc::new(|_| Uuid::now_v7()),
            frontier: Arc::new(Mutex::new(None)),
            write_failed_at,
            integrity: Arc::new(Mutex::new(None)),
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Replaces the clock that stamps `recorded_at` (the demo replays years of decisions).
    /// `recorded_at` never goes backwards along the chain whatever the clock says.
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Store {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces where the ids of new events come from (UUIDv7 from the clock and randomness
    /// by default): the demo derives them from its seed and the event's seq, so that the same
    /// seed builds the same bytes ([`Writer::next_event_id`]).
    pub fn with_event_ids(mut self, ids: impl Fn(u64) -> Uuid + Send + Sync + 'static) -> Store {
        self.event_ids = Arc::new(ids);
        self
    }

    /// Notes a failed write: when the database was unavailable, the SQLite connections open
    /// now are not reused (see `write_failed_at`).
    fn note_write_failure(&self, e: &StoreError) {
        if matches!(self.pool, Pool::Sqlite(_))
            && e.is_unreachable()
            && let Ok(mut at) = self.write_failed_at.lock()
        {
            *at = Some(std::time::Instant::now());
        }
    }

    /// The store's clock (what stamps `recorded_at`).
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn backend(&self) -> BackendKind {
        match self.pool {
            Pool::Sqlite(_) => BackendKind::Sqlite,
            Pool::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        with_pool!(self, |p| p.close().await)
    }

    /// The head of the chain as committed now.
    pub async fn head(&self) -> Result<Head, StoreError> {
        let (seq, hash): (i64, Vec<u8>) = with_pool!(self, |p| {
            sqlx::query_as("SELECT seq, hash FROM ledger_head WHERE id = 1")
                .fetch_one(p)
                .await?
        });
        Ok(Head {
            seq: to_u64(seq)?,
            hash: digest(&hash, to_u64(seq)?)?,
        })
    }

    /// Up to `limit` events with seq >= `from`, in seq order.
    pub async fn read_from(&self, from: u64, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, hash, body FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2",
            )
            .bind(to_i64(from))
            .bind(to_i64(limit))
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(stored).collect()
    }

    /// Events of seqs in `[from, to]` (inclusive), in seq order.
    pub async fn read_range(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, hash, body FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
            )
            .bind(to_i64(from))
            .bind(to_i64(to))
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(stored).collect()
    }

    /// One event by seq.
    pub async fn get(&self, seq: u64) -> Result<Option<StoredEvent>, StoreError> {
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as("SELECT seq, hash, body FROM events WHERE seq = $1")
                .bind(to_i64(seq))
                .fetch_optional(p)
                .await?
        });
        row.map(stored).transpose()
    }

    /// One event by id.
    pub async fn get_by_id(&self, id: Uuid) -> Result<Option<StoredEvent>, StoreError> {
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as("SELECT seq, hash, body FROM events WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(stored).transpose()
    }

    /// Up to `limit` events of `stream` with version >= `from_version`, in version order.
    pub async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, hash, body FROM events WHERE stream = $1 AND version >= $2 \
                 ORDER BY version LIMIT $3",
            )
            .bind(stream)
            .bind(to_i64(from_version))
            .bind(to_i64(limit))
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(stored).collect()
    }

    /// The current version of `stream` (0 if it has no events).
    pub async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let v: Option<i64> = with_pool!(self, |p| {
            sqlx::query_scalar("SELECT max(version) FROM events WHERE stream = $1")
                .bind(stream)
                .fetch_one(p)
                .await?
        });
        to_u64(v.unwrap_or(0))
    }

    /// The Merkle nodes `ids` as stored: leaves (level 0) recomputed from their bodies,
    /// interior nodes read. Ids with nothing stored are left out.
    pub async fn merkle_nodes(
        &self,
        ids: &[(u8, u64)],
    ) -> Result<Vec<((u8, u64), Digest32)>, StoreError> {
        let (_, nodes) = self.nodes_and_head(ids).await?;
        Ok(nodes)
    }

    /// [`Store::merkle_nodes`] and the head, read in one statement (one round trip, one
    /// snapshot of the database): what a proof needs, and the head to check its size against.
    pub async fn nodes_and_head(
        &self,
        ids: &[(u8, u64)],
    ) -> Result<(Head, Vec<((u8, u64), Digest32)>), StoreError> {
        let leaves: Vec<u64> = ids
            .iter()
            .filter(|(l, _)| *l == 0)
            .map(|(_, i)| *i)
            .collect();
        // Interior nodes live in the rows of the events that complete them.
        let mut keepers: Vec<u64> = ids
            .iter()
            .filter_map(|&(l, i)| NodeId::new(l, i).kept_at())
            .map(|(seq, _)| seq)
            .collect();
        keepers.sort_unstable();
        keepers.dedup();
        // Rows (kind, seq, bytes): kind -1 is the head (bytes = its hash), 0 a leaf's event
        // (bytes = body), 1 the event keeping interior nodes (bytes = its nodes, maybe NULL).
        let rows: Vec<(i64, i64, Option<Vec<u8>>)> = with_pool!(self, |p| {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT CAST(-1 AS BIGINT), seq, hash FROM ledger_head WHERE id = 1",
            );
            for (kind, seqs) in [("0", &leaves), ("1", &keepers)] {
                if seqs.is_empty() {
                    continue;
                }
                q.push(" UNION ALL SELECT CAST(")
                    .push(kind)
                    .push(if kind == "0" {
                        " AS BIGINT), seq, body FROM events WHERE seq IN ("
                    } else {
                        " AS BIGINT), seq, nodes FROM events WHERE seq IN ("
                    });
                let mut list = q.separated(", ");
                for s in seqs {
                    list.push_bind(to_i64(if kind == "0" { s + 1 } else { *s }));
                }
                q.push(")");
            }
            q.build_query_as().fetch_all(p).await?
        });
        let mut head = None;
        let mut bodies = HashMap::new();
        let mut kept = HashMap::new();
        for (kind, seq, bytes) in rows {
            let seq = to_u64(seq)?;
            match (kind, bytes) {
                (-1, Some(bytes)) => {
                    head = Some(Head {
                        seq,
                        hash: digest(&bytes, seq)?,
                    })
                }
                (0, Some(body)) => {
                    bodies.insert(seq, body);
                }
                (1, nodes) => {
                    // More node bytes than the event completes is not a store govledger
                    // wrote; fewer leaves the missing ones out (reported as not stored).
                    let len = nodes.as_ref().map_or(0, Vec::len);
                    if len > merkle::kept_len(seq) {
                        return Err(StoreError::Corrupt {
                            seq,
                            reason: format!(
                                "the row keeps {len} bytes of Merkle nodes where its leaf \
                                 completes {}",
                                merkle::kept_len(seq)
                            ),
                        });
                    }
                    kept.insert(seq, nodes);
                }
                (kind, _) => {
                    return Err(StoreError::Corrupt {
                        seq,
                        reason: format!("row of kind {kind} holds NULL"),
                    });
                }
            }
        }
        // In the order asked; ids with nothing stored are left out.
        let mut out = Vec::with_capacity(ids.len());
        for &(level, index) in ids {
            let id = NodeId::new(level, index);
            let hash = match id.kept_at() {
                None if level == 0 => index
                    .checked_add(1)
                    .and_then(|seq| bodies.get(&seq))
                    .map(|b| leaf_hash(b)),
                None => None,
                Some((seq, _)) => kept
                    .get(&seq)
                    .and_then(|nodes| kept_node(id, nodes.as_deref())),
            };
            if let Some(hash) = hash {
                out.push(((level, index), hash));
            }
        }
        let head = head.ok_or_else(|| StoreError::Corrupt {
            seq: 0,
            reason: "the ledger head row is missing".into(),
        })?;
        Ok((head, out))
    }

    /// Checks the chain over `[from, to]` (all of it when `to` is None): every body a
    /// well-formed envelope whose seq is its row's, its copies in columns equal, every hash
    /// recomputed, every `prev` equal to the hash before it, seqs gapless, stream versions
    /// consecutive, and the head equal to the last event. Reports the first break. `progress`
    /// is called with each verified seq. Rows are checked on every core.
    pub async fn verify(
        &self,
        from: u64,
        to: Option<u64>,
        progress: impl FnMut(u64),
    ) -> Result<VerifyReport, StoreError> {
        verify::verify(self, from, to, false, progress).await
    }

    /// [`Store::verify`], and also that every body is in canonical RFC 8785 spelling (it
    /// re-encodes to itself), which checks the writer's own encoding; slower.
    pub async fn verify_deep(
        &self,
        from: u64,
        to: Option<u64>,
        progress: impl FnMut(u64),
    ) -> Result<VerifyReport, StoreError> {
        verify::verify(self, from, to, true, progress).await
    }

    /// The file of a SQLite store's main database as SQLite itself names it, when it is one
    /// (an in-memory database has none, whatever file name its URL gives): what `verify`'s
    /// own reader opens (`bulk`).
    async fn sqlite_file(&self) -> Result<Option<std::path::PathBuf>, StoreError> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let file: Option<String> =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_optional(p)
                .await?;
        Ok(file
            .filter(|f| !f.is_empty())
            .map(std::path::PathBuf::from)
            .filter(|f| f.is_file()))
    }

    /// A page of the rows `verify` reads (see `columns_select!`), through sqlx.
    async fn columns_page(&self, from: u64, limit: u64) -> Result<Vec<RowColumns>, StoreError> {
        let rows: Vec<RowColumns> = with_pool!(self, |p| {
            sqlx::query_as(concat!(
                columns_select!(),
                " WHERE seq >= $1 ORDER BY seq LIMIT $2"
            ))
            .bind(to_i64(from))
            .bind(to_i64(limit))
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }
}

/// A raw row as `verify` reads it: seq, id, packed indexed columns, hash, body, Merkle nodes.
type RowColumns = (i64, Uuid, String, Vec<u8>, Vec<u8>, Option<Vec<u8>>);

fn stored((seq, hash, body): (i64, Vec<u8>, Vec<u8>)) -> Result<StoredEvent, StoreError> {
    let seq = to_u64(seq)?;
    Ok(StoredEvent {
        seq,
        hash: digest(&hash, seq)?,
        body,
    })
}

/// The hash of interior node `id` in the nodes its keeping row holds (see [`NodeId::kept_at`]),
/// if they hold it.
fn kept_node(id: NodeId, nodes: Option<&[u8]>) -> Option<Digest32> {
    let (_, at) = id.kept_at()?;
    Digest32::from_slice(nodes?.get(at..at.checked_add(merkle::NODE_BYTES)?)?)
}

fn digest(bytes: &[u8], seq: u64) -> Result<Digest32, StoreError> {
    Digest32::from_slice(bytes).ok_or_else(|| StoreError::Corrupt {
        seq,
        reason: format!("stored hash has {} bytes, not 32", bytes.len()),
    })
}

fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        seq: 0,
        reason: format!("negative number {v} in the database"),
    })
}

/// Database integers are i64; seqs and limits beyond i64::MAX are clamped (never reached).
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn no_ledger(url: &str, reason: &str) -> StoreError {
    StoreError::NoLedger {
        url: redact(url),
        reason: reason.to_owned(),
    }
}

/// Refuses, before the pool opens it (and sets its journal mode, which writes), a SQLite file
/// that does not exist or holds no ledger: one read-only connection looks.
async fn sqlite_has_ledger(url: &str, opts: &SqliteConnectOptions) -> Result<(), StoreError> {
    if !opts.get_filename().exists() {
        return Err(no_ledger(url, "no ledger there (no such file)"));
    }
    let mut conn = opts
        .clone()
        .read_only(true)
        .connect()
        .await
        .map_err(|e| StoreError::Open {
            url: redact(url),
            reason: e.to_string(),
        })?;
    let found: Result<bool, sqlx::Error> = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_head')",
    )
    .fetch_one(&mut conn)
    .await;
    let _ = conn.close().await;
    match found {
        Ok(true) => Ok(()),
        Ok(false) => Err(no_ledger(
            url,
            "no ledger there (the database has no govledger schema)",
        )),
        // SQLITE_NOTADB (26): some other file.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("26") => Err(no_ledger(
            url,
            "no ledger there (the file is not a SQLite database)",
        )),
        Err(e) => Err(StoreError::Open {
            url: redact(url),
            reason: e.to_string(),
        }),
    }
}

/// A failed PostgreSQL connection in the server's words, without the server's source line
/// ("… at line 948"); a missing database is named with its server.
fn pg_connect_error(url: &str, opts: &PgConnectOptions, e: sqlx::Error) -> StoreError {
    let server = match opts.get_socket() {
        Some(dir) => dir.display().to_string(),
        None => format!("{}:{}", opts.get_host(), opts.get_port()),
    };
    match &e {
        // invalid_catalog_name: the database does not exist.
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            StoreError::NoLedger {
                url: redact(url),
                reason: format!(
                    "database {:?} does not exist on {server}",
                    opts.get_database().unwrap_or(opts.get_username())
                ),
            }
        }
        sqlx::Error::Database(db) => StoreError::Open {
            url: redact(url),
            reason: format!("{} (server {server})", db.message()),
        },
        _ => StoreError::Open {
            url: redact(url),
            reason: e.to_string(),
        },
    }
}

/// A database URL with any password removed, safe for messages and logs.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod unavailable_code_tests {
    use super::is_unavailable_code;

    fn check(code: &str, unavailable: bool) {
        assert_eq!(is_unavailable_code(code), unavailable, "{code}");
    }

    #[test]
    fn environmental_codes_are_unavailable_and_statement_errors_are_not() {
        check("778", true); // SQLITE_IOERR_WRITE
        check("8", true); // SQLITE_READONLY
        check("13", true); // SQLITE_FULL
        check("5", true); // SQLITE_BUSY
        check("2067", false); // SQLITE_CONSTRAINT_UNIQUE
        check("1", false); // SQLITE_ERROR
        check("08006", true); // connection_failure
        check("53100", true); // disk_full
        check("57P01", true); // admin_shutdown
        check("23505", false); // unique_violation
        check("40001", false); // serialization_failure
        check("P0001", false); // raise_exception (the append-only triggers)
    }
}

//! Beginning a write: `Store::append` (one call, one transaction) and `Store::begin`, which
//! take the ledger head in one statement with what lies beyond it (and, on SQLite, the
//! stream's version and the ids already recorded), and `SqliteTx`, the SQLite transaction
//! begun and committed by hand so that an append is two hand-offs to sqlx's thread.

use std::collections::HashMap;

use govledger_schema::{Digest32, NewEvent};
use sqlx::Sqlite;
use uuid::Uuid;

use super::{
    Committed, ExpectedVersion, Frontier, Head, Pool, Store, StoreError, Tx, Writer, digest,
    merkle, to_u64,
};

/// A pooled SQLite connection holding a transaction this code began itself: `BEGIN
/// IMMEDIATE` goes to the driver's thread in one text with the head's statement, and `COMMIT`
/// in one text with the last write (`Writer::commit`), so an append is two hand-offs to that
/// thread where sqlx's `Transaction` makes four (each a wake-up there and back: issue 16
/// item 3). Dropped while the transaction may be open, it rolls back before the connection
/// goes back to the pool (or, outside a runtime or if that fails, closes the connection,
/// which rolls back too), as sqlx's own `Transaction` does on drop.
pub(super) struct SqliteTx {
    pub(super) conn: Option<sqlx::pool::PoolConnection<Sqlite>>,
    /// From before `BEGIN` is sent until a `COMMIT` succeeded.
    pub(super) open: bool,
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &sqlx::SqliteConnection {
        // `conn` is taken only in `drop`.
        self.conn
            .as_deref()
            .unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        self.conn
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if !self.open {
            return; // committed: back to the pool
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.close_on_drop();
                    }
                });
            }
            Err(_) => conn.close_on_drop(),
        }
    }
}

/// What [`Store::append`] asks in the head's statement: the version of `stream` and whether
/// any of `ids` is recorded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Probe<'a> {
    stream: &'a str,
    ids: &'a [Uuid],
}

impl Store {
    /// Appends `events` to `stream` in one transaction and returns where they landed.
    /// Re-sending the same event ids with the same content returns the original result.
    pub async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Vec<Committed>, StoreError> {
        // On SQLite the head's statement also reads the stream's version and counts the events
        // already recorded under these ids (under the lock, so neither changes before commit):
        // one statement instead of another (see `begin_probing` for PostgreSQL).
        let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        let (mut writer, recorded) = self
            .begin_probing(Some(Probe { stream, ids: &ids }))
            .await?;
        // The rows are written at commit, in the statement that also moves the head: one
        // statement instead of three (events, Merkle nodes, head) per call.
        writer.defer_writes();
        let committed = if recorded == Some(0) {
            writer.append_generated(stream, expected, &events).await?
        } else {
            // A retry or a conflict (compare with what is recorded), or not probed
            // (PostgreSQL): the look-up by id also reads the version.
            writer.append(stream, expected, &events).await?
        };
        writer.commit().await?;
        Ok(committed)
    }

    /// Why this store refuses to append, if an integrity check failed (see `integrity`).
    pub fn integrity_failure(&self) -> Option<String> {
        self.integrity.lock().ok().and_then(|g| g.clone())
    }

    pub(super) fn note_integrity_failure(&self, e: &StoreError) {
        if let StoreError::Integrity { reason } = e
            && let Ok(mut held) = self.integrity.lock()
        {
            held.get_or_insert_with(|| reason.clone());
        }
    }

    /// Starts a write transaction holding the ledger head. Everything appended through it
    /// commits together or not at all.
    pub async fn begin(&self) -> Result<Writer, StoreError> {
        Ok(self.begin_probing(None).await?.0)
    }

    /// [`Store::begin`], and with `probe` on SQLite also the stream's version (the writer keeps
    /// it) and how many events are recorded under the probe's ids, read in the head's own
    /// statement (`None` when not probed). Not on PostgreSQL: there the head's statement takes
    /// its snapshot before it waits for the head's lock, so what it reads beside the locked row
    /// may be older than the head (measured: concurrent appenders then collided on a stream
    /// version); SQLite's `BEGIN IMMEDIATE` holds the lock before the statement starts.
    async fn begin_probing(
        &self,
        probe: Option<Probe<'_>>,
    ) -> Result<(Writer, Option<i64>), StoreError> {
        if let Some(reason) = self.integrity_failure() {
            return Err(StoreError::Integrity {
                reason: format!("{reason}; found earlier, so nothing is appended until repaired"),
            });
        }
        match self.begin_once(probe).await {
            Ok(w) => Ok(w),
            Err(e) => {
                self.note_write_failure(&e);
                if !e.is_readonly() {
                    return Err(e);
                }
                // A connection opened while the file was read-only stays so; the one the
                // retry gets was opened since (`write_failed_at`).
                self.begin_once(probe)
                    .await
                    .inspect_err(|e| self.note_write_failure(e))
            }
        }
    }

    async fn begin_once(
        &self,
        probe: Option<Probe<'_>>,
    ) -> Result<(Writer, Option<i64>), StoreError> {
        let mut tx = match &self.pool {
            // `BEGIN IMMEDIATE` is sent with the head's statement below (see `SqliteTx`).
            Pool::Sqlite(p) => Tx::Sqlite(SqliteTx {
                conn: Some(p.acquire().await?),
                open: true,
            }),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        // The head and the time of its event in one round trip (`FOR UPDATE OF h` locks only
        // the head row on PostgreSQL: the join's nullable side cannot be locked).
        // Also what lies beyond the head, by two look-ups at the right edge of primary keys
        // (microseconds): the last event (whose row also keeps the last Merkle nodes) and the
        // largest checkpoint. In an intact ledger neither is past the head; a tail truncated with the head
        // moved back, or a row inserted behind the writer's back, is refused here with words
        // instead of failing later on a key or trigger. With a probe, also the stream's
        // version and the count of events recorded under its ids (two index look-ups).
        type HeadRow = (
            i64,
            Vec<u8>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
        );
        let postgres = matches!(tx, Tx::Postgres(_));
        let probe = probe.filter(|p| !postgres && !p.ids.is_empty());
        let (seq, hash, last_recorded_us, max_seq, max_checkpoint, version, recorded): HeadRow =
            with_tx!(&mut tx, |c| {
                let mut q =
                    sqlx::QueryBuilder::new(if postgres { "" } else { "BEGIN IMMEDIATE; " });
                q.push(
                    "SELECT h.seq, h.hash, e.recorded_us, (SELECT max(seq) FROM events), \
                     (SELECT max(size) FROM checkpoints), ",
                );
                match probe {
                    Some(Probe { stream, ids }) => {
                        q.push("(SELECT max(version) FROM events WHERE stream = ")
                            .push_bind(stream)
                            .push("), (SELECT count(*) FROM events WHERE id IN (");
                        let mut list = q.separated(", ");
                        for id in ids {
                            list.push_bind(*id);
                        }
                        q.push("))");
                    }
                    _ => {
                        q.push("CAST(NULL AS BIGINT), CAST(0 AS BIGINT)");
                    }
                }
                q.push(" FROM ledger_head h LEFT JOIN events e ON e.seq = h.seq WHERE h.id = 1");
                if postgres {
                    q.push(" FOR UPDATE OF h");
                }
                q.build_query_as().fetch_one(c).await?
            });
        let beyond = |what: String| StoreError::Integrity {
            reason: format!("{what} lies beyond the ledger head (seq {seq}); refusing to append"),
        };
        if let Some(last) = max_seq.filter(|&m| m > seq) {
            return Err(beyond(format!("event {last}")));
        }
        if let Some(size) = max_checkpoint.filter(|&c| c > seq) {
            return Err(beyond(format!("a checkpoint of size {size}")));
        }
        let head = Head {
            seq: to_u64(seq)?,
            hash: digest(&hash, to_u64(seq)?)?,
        };
        let mut writer = Writer {
            tx,
            store: self.clone(),
            start: head,
            head,
            last_recorded_us: last_recorded_us.unwrap_or(i64::MIN),
            frontier: Frontier {
                head: Digest32::ZERO,
                tree: merkle::Frontier::new(),
            },
            poisoned: false,
            sealed: Vec::new(),
            versions: HashMap::new(),
            defer: false,
            deferred: Vec::new(),
            deferred_nodes: Vec::new(),
        };
        if let Some(Probe { stream, .. }) = probe {
            writer
                .versions
                .insert(stream.to_owned(), to_u64(version.unwrap_or(0))?);
        }
        let cached = self.frontier.lock().ok().and_then(|g| g.clone());
        writer.frontier = match cached {
            Some(f) if f.tree.size() == head.seq && f.head == head.hash => f,
            _ => writer.load_frontier().await?,
        };
        Ok((writer, probe.map(|_| recorded)))
    }
}

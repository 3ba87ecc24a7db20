//! The write transaction: [`Writer`] holds the ledger head from `Store::begin` to `commit`,
//! seals events (seq, prev, hash, recorded_at), inserts their exact bodies and the Merkle nodes
//! they complete, and advances the head.

use std::collections::HashMap;

use govledger_schema::envelope::check_stream;
use govledger_schema::{Digest32, Event, NewEvent};
use uuid::Uuid;

use super::seal::{ChainEnd, Sealed};
use super::{
    Committed, ExpectedVersion, Frontier, Head, Store, StoreError, StoredEvent, Tx, stored, to_i64,
    to_u64,
};
use crate::merkle::{self, NODE_BYTES, leaf_hash};

/// The Merkle nodes an event row keeps: the hashes of the interior nodes its leaf completes,
/// level 1 first, [`NODE_BYTES`] each; `None` when it completes none (an odd seq). See
/// [`NodeId::kept_at`](merkle::NodeId::kept_at).
pub(super) type RowNodes = Option<Vec<u8>>;

/// A write transaction holding the ledger head. Dropped without `commit`, it rolls back.
pub struct Writer {
    pub(super) tx: Tx,
    pub(super) store: Store,
    pub(super) start: Head,
    pub(super) head: Head,
    pub(super) last_recorded_us: i64,
    pub(super) frontier: Frontier,
    /// Set when a statement failed mid-append: the transaction may hold part of it, so it
    /// must never commit.
    pub(super) poisoned: bool,
    /// Events appended through `append` and not yet taken (see `take_sealed`).
    pub(super) sealed: Vec<Event>,
    /// Stream versions read or written in this transaction.
    pub(super) versions: HashMap<String, u64>,
    /// Whether rows wait for `flush`/`commit` (see `defer_writes`), and those waiting.
    pub(super) defer: bool,
    pub(super) deferred: Vec<Sealed>,
    /// Each deferred row's Merkle nodes (see [`RowNodes`]), one per row.
    pub(super) deferred_nodes: Vec<RowNodes>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// The head as it stands inside this transaction.
    pub fn head(&self) -> Head {
        self.head
    }

    /// An id for the next event this writer appends (the store's id source, given the seq
    /// the event will take): how the ledger names the events it makes.
    pub fn next_event_id(&self) -> Uuid {
        self.event_id_after(0)
    }

    /// The id the event `n` places after the next one will take ([`Writer::next_event_id`] for
    /// 0): what a caller building several events before appending them names them by.
    pub fn event_id_after(&self, n: u64) -> Uuid {
        (self.store.event_ids)(self.head.seq + 1 + n)
    }

    /// Committed events after `seq` (up to the head this writer locked): how an instance that
    /// is behind catches up inside the lock before deciding.
    pub async fn read_after(&mut self, seq: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.flush().await?;
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_tx!(&mut self.tx, |c| {
            sqlx::query_as("SELECT seq, hash, body FROM events WHERE seq > $1 ORDER BY seq")
                .bind(to_i64(seq))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(stored).collect()
    }

    /// The version of `stream` inside this transaction.
    pub async fn stream_version(&mut self, stream: &str) -> Result<u64, StoreError> {
        // Nobody else writes while this transaction holds the head, so a version read once
        // stays true for the rest of it (appends keep the cache current).
        if let Some(v) = self.versions.get(stream) {
            return Ok(*v);
        }
        let v: Option<i64> = with_tx!(&mut self.tx, |c| {
            sqlx::query_scalar("SELECT max(version) FROM events WHERE stream = $1")
                .bind(stream)
                .fetch_one(c)
                .await?
        });
        let v = to_u64(v.unwrap_or(0))?;
        self.versions.insert(stream.to_owned(), v);
        Ok(v)
    }

    /// Tells the writer the version of `stream` at its head, known without asking the database
    /// (the ledger's projections have folded every event up to this head), so that an append
    /// to it needs no round trip. A version the writer already knows is kept. A wrong one
    /// would be refused by the database's UNIQUE (stream, version) if too low, and reported by
    /// `verify` if too high.
    pub fn know_version(&mut self, stream: &str, version: u64) {
        self.versions.entry(stream.to_owned()).or_insert(version);
    }

    /// Seals `events` (each onto its stream, in order) in memory only, as appending them one
    /// call at a time would, and returns the first refusal (an event too long for a tile
    /// entry, a malformed one). A caller that appends one decision's events in several calls
    /// checks them all first, so a refusal of its third event does not leave its first one
    /// written. Changes nothing but the cache of stream versions.
    pub async fn check_sealable(&mut self, events: &[(&str, &NewEvent)]) -> Result<(), StoreError> {
        let mut end = ChainEnd {
            head: self.head,
            recorded_us: self.last_recorded_us,
        };
        let now = (self.store.clock)();
        let mut versions: std::collections::HashMap<&str, u64> = Default::default();
        for (stream, event) in events {
            check_stream(stream)?;
            event.validate()?;
            let version = match versions.get(stream) {
                Some(v) => *v,
                None => self.stream_version(stream).await?,
            };
            let sealed = end.seal(stream, version + 1, std::slice::from_ref(*event), now)?;
            if let Some((e, _, hash)) = sealed.first() {
                end = end.after(e, *hash);
            }
            versions.insert(stream, version + 1);
        }
        Ok(())
    }

    /// Appends `events` to `stream`. On error nothing of this call is written (the caller may
    /// still commit what earlier calls appended).
    pub async fn append(
        &mut self,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Vec<Committed>, StoreError> {
        self.append_checked(stream, expected, events, true).await
    }

    /// [`Writer::append`] for events whose ids the caller has just made (UUIDv7), which no
    /// recorded event can hold: skips the look-up of earlier events by id.
    pub async fn append_generated(
        &mut self,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<Vec<Committed>, StoreError> {
        self.append_checked(stream, expected, events, false).await
    }

    async fn append_checked(
        &mut self,
        stream: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        look_up_ids: bool,
    ) -> Result<Vec<Committed>, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        check_stream(stream)?;
        for (i, e) in events.iter().enumerate() {
            e.validate()?;
            if events[..i].iter().any(|o| o.id == e.id) {
                return Err(StoreError::DuplicateIdInBatch { id: e.id });
            }
        }
        if look_up_ids && let Some(original) = self.find_retry(stream, events).await? {
            return Ok(original);
        }
        let actual = self.stream_version(stream).await?;
        let ok = match expected {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(v) => actual == v,
        };
        if !ok {
            return Err(StoreError::WrongExpectedVersion {
                stream: stream.to_owned(),
                expected,
                actual,
            });
        }

        // Seal everything first so that an encoding error leaves nothing half-written.
        let end = ChainEnd {
            head: self.head,
            recorded_us: self.last_recorded_us,
        };
        let sealed = end.seal(stream, actual + 1, events, (self.store.clock)())?;
        let recorded_us = sealed.last().map_or(self.last_recorded_us, |(e, _, _)| {
            e.recorded_at.timestamp_micros()
        });

        self.insert_many(&sealed).await?;
        self.versions
            .insert(stream.to_owned(), actual + sealed.len() as u64);
        let mut committed = Vec::with_capacity(sealed.len());
        for (event, _, hash) in sealed {
            committed.push(Committed {
                seq: event.seq,
                id: event.id,
                stream: event.stream.clone(),
                version: event.version,
                event_type: event.event_type.clone(),
                hash,
            });
            self.sealed.push(event);
        }
        self.last_recorded_us = recorded_us;
        Ok(committed)
    }

    /// The events this writer appended since the last call, as sealed: what the caller folds
    /// into its projections without reading them back.
    pub fn take_sealed(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.sealed)
    }

    /// Events of seqs in `[from, to]` as this transaction sees them (its own appends included).
    pub async fn read_range(&mut self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.flush().await?;
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_tx!(&mut self.tx, |c| {
            sqlx::query_as(
                "SELECT seq, hash, body FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
            )
            .bind(to_i64(from))
            .bind(to_i64(to))
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(stored).collect()
    }

    /// Appends an event sealed elsewhere (an import), keeping its exact body. The caller has
    /// checked its stream version; this checks that it continues the chain.
    pub async fn append_sealed(
        &mut self,
        event: &Event,
        body: &[u8],
    ) -> Result<Digest32, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if event.seq != self.head.seq + 1 {
            return Err(StoreError::Corrupt {
                seq: event.seq,
                reason: format!("expected seq {}", self.head.seq + 1),
            });
        }
        if event.prev != self.head.hash {
            return Err(StoreError::Corrupt {
                seq: event.seq,
                reason: format!(
                    "prev {} is not the hash of seq {} ({})",
                    event.prev, self.head.seq, self.head.hash
                ),
            });
        }
        let hash = Digest32::of(body);
        self.insert_many(&[(event.clone(), body.to_vec(), hash)])
            .await?;
        self.last_recorded_us = self
            .last_recorded_us
            .max(event.recorded_at.timestamp_micros());
        Ok(hash)
    }

    /// Seals `sealed` into this transaction: computes the Merkle nodes they complete and
    /// advances the head, then writes the rows now, or later in one go when writes are
    /// deferred (see [`Writer::defer_writes`]).
    async fn insert_many(&mut self, sealed: &[Sealed]) -> Result<(), StoreError> {
        let Some((last, _, last_hash)) = sealed.last() else {
            return Ok(());
        };
        let mut frontier = self.frontier.clone();
        let mut nodes = Vec::with_capacity(sealed.len());
        for (event, body, _) in sealed {
            // Leaves (level 0) are recomputed from the bodies; the row keeps the nodes above,
            // level 1 first, as `merkle::completed_at` lists them.
            let mut kept: RowNodes = None;
            frontier
                .tree
                .append_with(leaf_hash(body), |id, hash| {
                    if id.level > 0 {
                        kept.get_or_insert_with(|| Vec::with_capacity(NODE_BYTES * 4))
                            .extend_from_slice(&hash.0);
                    }
                })
                .map_err(|e| StoreError::Corrupt {
                    seq: event.seq,
                    reason: e.to_string(),
                })?;
            nodes.push(kept);
        }
        if self.defer {
            self.deferred.extend_from_slice(sealed);
            self.deferred_nodes.extend(nodes);
        } else {
            self.write_rows(sealed, &nodes, None, false).await?;
        }
        frontier.head = *last_hash;
        self.frontier = frontier;
        self.head = Head {
            seq: last.seq,
            hash: *last_hash,
        };
        Ok(())
    }

    /// From now on, rows are written in one go at commit (or when something in this
    /// transaction reads events back), so that a batch of small appends costs a few statements
    /// rather than a few per append. Checks that need no rows (versions, seals) still run per
    /// append.
    pub fn defer_writes(&mut self) {
        self.defer = true;
    }

    /// Writes deferred rows now.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.deferred);
        let nodes = std::mem::take(&mut self.deferred_nodes);
        self.write_rows(&rows, &nodes, None, false).await
    }

    /// Inserts event rows (each with its Merkle nodes) in multi-row statements and, with
    /// `head`, moves the stored head, in as few statements as the backend allows: one per 500
    /// events, the head's `UPDATE` in the last. On SQLite the parts are one multi-statement
    /// text (one hand-off to the driver's thread), on PostgreSQL one statement whose first
    /// parts are data-modifying CTEs (one round trip); the database checks each part as if it
    /// ran alone (the gapless trigger, the unique keys, the head only moving forward). A
    /// failed statement poisons the writer: the transaction may hold part of the write.
    async fn write_rows(
        &mut self,
        rows: &[Sealed],
        nodes: &[RowNodes],
        head: Option<Head>,
        commit: bool,
    ) -> Result<(), StoreError> {
        debug_assert_eq!(rows.len(), nodes.len());
        const ROWS_PER_STATEMENT: usize = 500;
        let postgres = matches!(self.tx, Tx::Postgres(_));
        let chunk = |i: usize, len: usize| {
            let lo = (i * ROWS_PER_STATEMENT).min(len);
            lo..(lo + ROWS_PER_STATEMENT).min(len)
        };
        // `COMMIT` (SQLite only, see `SqliteTx`) closes the last statement's text.
        let commit = commit && !postgres;
        let statements = rows
            .len()
            .div_ceil(ROWS_PER_STATEMENT)
            .max(usize::from(head.is_some() || commit));
        let result: Result<(), sqlx::Error> = async {
            for i in 0..statements {
                let events = &rows[chunk(i, rows.len())];
                let nodes = &nodes[chunk(i, rows.len())];
                let last = i + 1 == statements;
                let head = head.filter(|_| last);
                let commit = commit && last;
                let total = usize::from(!events.is_empty())
                    + usize::from(head.is_some())
                    + usize::from(commit);
                let mut part = 0;
                with_tx!(&mut self.tx, |c| {
                    let mut q = sqlx::QueryBuilder::new("");
                    if !events.is_empty() {
                        let (open, close) = joint(postgres, part, total);
                        part += 1;
                        q.push(open).push(
                            "INSERT INTO events (seq, id, stream, version, type, actor, basis, \
                             effective_us, recorded_us, hash, body, nodes) ",
                        );
                        q.push_values(
                            events.iter().zip(nodes),
                            |mut row, ((event, body, hash), nodes)| {
                                row.push_bind(to_i64(event.seq))
                                    .push_bind(event.id)
                                    .push_bind(event.stream.as_str())
                                    .push_bind(to_i64(event.version))
                                    .push_bind(event.event_type.as_str())
                                    .push_bind(event.meta.actor.as_str())
                                    .push_bind(event.meta.basis.as_str())
                                    .push_bind(event.effective_at.timestamp_micros())
                                    .push_bind(event.recorded_at.timestamp_micros())
                                    .push_bind(&hash.0[..])
                                    .push_bind(&body[..])
                                    .push_bind(nodes.as_deref());
                            },
                        );
                        q.push(close);
                    }
                    if let Some(head) = head {
                        let (open, close) = joint(postgres, part, total);
                        part += 1;
                        q.push(open)
                            .push("UPDATE ledger_head SET seq = ")
                            .push_bind(to_i64(head.seq))
                            .push(", hash = ")
                            .push_bind(&head.hash.0[..])
                            .push(" WHERE id = 1")
                            .push(close);
                    }
                    if commit {
                        let (open, _) = joint(postgres, part, total);
                        q.push(open).push("COMMIT");
                    }
                    q.build().execute(c).await?;
                });
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            self.poisoned = true;
            let e = e.into();
            self.store.note_write_failure(&e);
            return Err(e);
        }
        Ok(())
    }

    /// If every event of `events` is already recorded with the same content, returns the
    /// original result (an idempotent retry). If some are recorded with other content, or
    /// only some are recorded, that is a conflict. Learns the stream's version in the same
    /// statement (kept unless the writer already knows it).
    async fn find_retry(
        &mut self,
        stream: &str,
        events: &[NewEvent],
    ) -> Result<Option<Vec<Committed>>, StoreError> {
        // Ids appended earlier in this transaction must be visible to the look-up.
        self.flush().await?;
        let mut found = Vec::new();
        // One round trip for the whole append: any of its ids already recorded, and the
        // stream's version (which the append needs next): one row with the version, joined to
        // each recorded event of these ids, if any.
        type Row = (
            Option<i64>,
            Option<i64>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<Uuid>,
        );
        let rows: Vec<Row> = with_tx!(&mut self.tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT v.version, e.seq, e.hash, e.body, e.id FROM \
                 (SELECT max(version) AS version FROM events WHERE stream = ",
            );
            q.push_bind(stream)
                .push(") v LEFT JOIN events e ON e.id IN (");
            let mut ids = q.separated(", ");
            for e in events {
                ids.push_bind(e.id);
            }
            q.push(") ORDER BY e.seq");
            q.build_query_as().fetch_all(c).await?
        });
        if let Some((version, ..)) = rows.first() {
            let version = to_u64(version.unwrap_or(0))?;
            self.versions.entry(stream.to_owned()).or_insert(version);
        }
        for (_, seq, hash, body, id) in rows {
            let (Some(seq), Some(hash), Some(body), Some(id)) = (seq, hash, body, id) else {
                continue;
            };
            let Some(e) = events.iter().find(|e| e.id == id) else {
                continue;
            };
            let row = (seq, hash, body);
            {
                let s = stored(row)?;
                let event = s.event().map_err(|err| StoreError::Corrupt {
                    seq: s.seq,
                    reason: err.to_string(),
                })?;
                if !e.same_content(stream, &event) {
                    return Err(StoreError::IdConflict {
                        id: e.id,
                        seq: s.seq,
                    });
                }
                found.push(Committed {
                    seq: s.seq,
                    id: event.id,
                    stream: event.stream,
                    version: event.version,
                    event_type: event.event_type,
                    hash: s.hash,
                });
            }
        }
        match found.len() {
            0 => Ok(None),
            n if n == events.len() => Ok(Some(found)),
            _ => {
                let id = events
                    .iter()
                    .find(|e| found.iter().all(|f| f.id != e.id))
                    .map_or(Uuid::nil(), |e| e.id);
                Err(StoreError::IdConflict {
                    id,
                    seq: found[0].seq,
                })
            }
        }
    }

    /// True when a failed statement means this transaction can only roll back.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Commits: advances the stored head and makes everything appended visible at once.
    pub async fn commit(mut self) -> Result<Head, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        // The rows still waiting and the head's move in one statement (see `write_rows`).
        let head = (self.head != self.start).then_some(self.head);
        let rows = std::mem::take(&mut self.deferred);
        let nodes = std::mem::take(&mut self.deferred_nodes);
        match self.tx {
            Tx::Sqlite(_) => {
                // `COMMIT` in the same text (see `SqliteTx`); a failure poisons the writer,
                // and dropping it rolls back whatever the text did before.
                self.write_rows(&rows, &nodes, head, true).await?;
                if let Tx::Sqlite(t) = &mut self.tx {
                    t.open = false;
                }
            }
            Tx::Postgres(_) => {
                if !rows.is_empty() || head.is_some() {
                    self.write_rows(&rows, &nodes, head, false).await?;
                }
                let Tx::Postgres(t) = self.tx else {
                    unreachable!("matched above")
                };
                if let Err(e) = t.commit().await {
                    let e = StoreError::from(e);
                    self.store.note_write_failure(&e);
                    return Err(e);
                }
            }
        }
        if let Ok(mut cache) = self.store.frontier.lock() {
            *cache = Some(self.frontier);
        }
        Ok(self.head)
    }

    /// Rebuilds the Merkle frontier for the locked head from stored nodes: one read per
    /// perfect subtree of the head's size (O(log n)).
    pub(super) async fn load_frontier(&mut self) -> Result<Frontier, StoreError> {
        let size = self.head.seq;
        let mut hashes = Vec::new();
        for id in merkle::root_nodes(size) {
            let hash = match id.kept_at() {
                None => {
                    let body: Vec<u8> = with_tx!(&mut self.tx, |c| {
                        sqlx::query_scalar("SELECT body FROM events WHERE seq = $1")
                            .bind(to_i64(id.index + 1))
                            .fetch_one(c)
                            .await?
                    });
                    leaf_hash(&body)
                }
                Some((seq, _)) => {
                    let kept: Option<Option<Vec<u8>>> = with_tx!(&mut self.tx, |c| {
                        sqlx::query_scalar("SELECT nodes FROM events WHERE seq = $1")
                            .bind(to_i64(seq))
                            .fetch_optional(c)
                            .await?
                    });
                    super::kept_node(id, kept.flatten().as_deref()).ok_or_else(|| {
                        StoreError::Corrupt {
                            seq: size,
                            reason: format!("the Merkle {id} is not stored"),
                        }
                    })?
                }
            };
            hashes.push(hash);
        }
        let tree = merkle::Frontier::from_parts(size, hashes).map_err(|e| StoreError::Corrupt {
            seq: size,
            reason: e.to_string(),
        })?;
        Ok(Frontier {
            head: self.head.hash,
            tree,
        })
    }
}

/// What goes around part `part` of the `total` parts of one write statement: SQLite runs
/// statements separated by `;` as one text; PostgreSQL takes one statement, so every part but
/// the last is a data-modifying CTE (`WITH w0 AS (…), w1 AS (…) <last part>`).
fn joint(postgres: bool, part: usize, total: usize) -> (&'static str, &'static str) {
    match (postgres, part) {
        (false, 0) => ("", ""),
        (false, _) => ("; ", ""),
        (true, p) if p + 1 == total => (if p == 0 { "" } else { " " }, ""),
        (true, 0) => ("WITH w0 AS (", ")"),
        (true, _) => (", w1 AS (", ")"),
    }
}

//! The one door: a [`Ledger`] owns the store and the folded projections. A command enters here
//! (from HTTP or the CLI), is decided by the rules against the state at the locked head,
//! appended by the store, folded into the projections, and announced to live tails.
//!
//! Several processes may share one PostgreSQL database. Each keeps its own projections, and
//! before deciding a command it catches up **inside the append's lock** with whatever the others
//! appended, so a decision is always taken against the state at the head it appends after: two
//! instances can never both accept conflicting decisions.
//!
//! **Group commit.** Concurrent commands share one transaction and one fsync: each caller
//! queues its command, and whoever takes the write lock next decides *every* queued command in
//! order, each against the state including the ones before it, then commits once. Each keeps
//! its own events, seqs and hashes, and its own answer (a refusal of one does not touch the
//! others). The batch runs in its own task, so a caller that goes away (an HTTP client
//! disconnecting) cannot abort it half-way. While a batch is open its decisions are already
//! folded into the state but above [`Ledger::applied_seq`]; views read "as known at"
//! `applied_seq()` so they never show an uncommitted decision, and if the commit fails the
//! state is reloaded from the database.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use govledger_projections::State;
use govledger_schema::events::{Payload, PayloadError};
use govledger_schema::{Digest32, Meta, NewEvent, canonical};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use serde::Serialize;
use tokio::sync::{Mutex, oneshot, watch};
use uuid::Uuid;

use crate::rules::{self, Command, GenesisAdmin, Proposed, Refusal};

pub mod tokens;
use crate::store::{
    Committed, ExpectedVersion, Head, SCAN_PAGE, Snapshot, Store, StoreError, StoredEvent, Writer,
};

/// Fold this many events past the last snapshot before writing a new one.
pub const SNAPSHOT_EVERY: u64 = 50_000;

/// A decision to record: what, by whom, taking effect when.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub command: Command,
    /// The person (id) deciding; the HTTP layer takes it from the token.
    pub actor: String,
    pub effective_at: DateTime<FixedOffset>,
    /// True when the client did not say when the decision takes effect and `effective_at` is
    /// "now": a retry of such a request is the same request although "now" has moved on.
    pub effective_at_defaulted: bool,
    /// Chosen by the client for safe retries: the id of the first event. The same id with the
    /// same request returns the original events; with another request it is a conflict.
    pub event_id: Option<Uuid>,
    /// The HTTP request id, kept in `meta.request_id` for tracing.
    pub request_id: Option<String>,
    /// The id of the bearer token the command came with, if any: the command is refused
    /// (`TokenRevoked`) when that token is revoked by the time it is decided. Checked inside
    /// the batch's transaction, so a revocation committed before the decision always wins.
    pub token: Option<String>,
}

/// What a command recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Executed {
    pub events: Vec<Committed>,
    /// True when this was a retry answered with the original events.
    pub replayed: bool,
}

/// Why a command was not recorded. Nothing was appended.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A rule of the regulation refused it.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The client's event id was used before for a different request.
    #[error("event id {0} was already used for a different request")]
    IdReused(Uuid),
    #[error("the decision was not recorded: its batch was interrupted")]
    Interrupted,
    /// The token the command came with was revoked before the decision was taken.
    #[error("the token {0} has been revoked")]
    TokenRevoked(String),
    #[error("the ledger already has a genesis (head at seq {0})")]
    AlreadyInitialised(u64),
    #[error("invalid event: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A queued command and where its answer goes.
struct Pending {
    req: CommandRequest,
    /// The request's digest, when it carries an event id (only then can it be retried).
    digest: Option<Digest32>,
    reply: oneshot::Sender<Result<Executed, LedgerError>>,
}

struct Inner {
    store: Store,
    state: RwLock<State>,
    /// Serializes this process's writers; the database lock serializes processes.
    write: Arc<Mutex<()>>,
    /// Commands waiting for the next batch.
    queue: std::sync::Mutex<Vec<Pending>>,
    /// The seq folded into `state`, for live tails and readers that wait for a write.
    folded: watch::Sender<u64>,
    last_snapshot: std::sync::atomic::AtomicU64,
    /// Batches run and commands decided in them, for [`Ledger::batch_stats`].
    batches: std::sync::atomic::AtomicU64,
    batched: std::sync::atomic::AtomicU64,
    /// Decisions, batch sizes and commit latencies, for `/metrics` ([`Ledger::metrics`]).
    metrics: LedgerMetrics,
    /// Set when a commit failed and the projections could not be reloaded (the database was
    /// gone): `state` may hold decisions that were never committed, so it is reloaded before
    /// anything else is folded or decided.
    stale: std::sync::atomic::AtomicBool,
}

/// The ledger: store + projections. Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// How the projections were loaded at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loaded {
    /// The snapshot used, if any (its seq).
    pub snapshot_seq: Option<u64>,
    /// Events folded after the snapshot (or from the start).
    pub replayed: u64,
}

impl Ledger {
    /// Opens the ledger on `store`: loads the newest usable snapshot, then folds the rest.
    pub async fn open(store: Store) -> Result<(Ledger, Loaded), StoreError> {
        let (state, snapshot_seq) = load_state(&store).await?;
        let start = state.applied_seq();
        let (folded, _) = watch::channel(start);
        let ledger = Ledger {
            inner: Arc::new(Inner {
                store,
                state: RwLock::new(state),
                write: Arc::new(Mutex::new(())),
                queue: std::sync::Mutex::new(Vec::new()),
                folded,
                last_snapshot: std::sync::atomic::AtomicU64::new(snapshot_seq.unwrap_or(0)),
                stale: std::sync::atomic::AtomicBool::new(false),
                batches: std::sync::atomic::AtomicU64::new(0),
                batched: std::sync::atomic::AtomicU64::new(0),
                metrics: LedgerMetrics::default(),
            }),
        };
        ledger.refresh().await?;
        let replayed = ledger.applied_seq() - start;
        Ok((
            ledger,
            Loaded {
                snapshot_seq,
                replayed,
            },
        ))
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// (batches run, commands decided in them) since this process opened the ledger: how
    /// well concurrent commands share a commit (the bench prints the mean batch size).
    pub fn batch_stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.inner.batches.load(Relaxed),
            self.inner.batched.load(Relaxed),
        )
    }

    /// What this process's ledger counted (decisions, batches, commits), for `/metrics`.
    pub fn metrics(&self) -> &LedgerMetrics {
        &self.inner.metrics
    }

    /// The seq folded into the projections.
    pub fn applied_seq(&self) -> u64 {
        *self.inner.folded.borrow()
    }

    /// A receiver that changes whenever new events are folded (for live tails).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.folded.subscribe()
    }

    /// Runs `f` on the projections as folded now.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let guard = self
            .inner
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&guard)
    }

    /// Folds events other processes appended since the last fold. Cheap when there are none.
    pub async fn refresh(&self) -> Result<u64, StoreError> {
        if self.is_stale() {
            self.reload().await?;
        }
        // Read the next page while this one is decoded (on every core) and folded.
        let fetch = |from: u64| {
            let store = self.inner.store.clone();
            tokio::spawn(async move { store.read_from(from, SCAN_PAGE).await })
        };
        let mut pending = Some(fetch(self.applied_seq() + 1));
        while let Some(task) = pending.take() {
            let page = task.await.map_err(|e| StoreError::Corrupt {
                seq: self.applied_seq() + 1,
                reason: e.to_string(),
            })??;
            let Some(last) = page.last().map(|e| e.seq) else {
                break;
            };
            if page.len() as u64 == SCAN_PAGE {
                pending = Some(fetch(last + 1));
            }
            let decoded = if page.len() > 512 {
                tokio::task::spawn_blocking(move || decode_page(&page))
                    .await
                    .map_err(|e| StoreError::Corrupt {
                        seq: last,
                        reason: e.to_string(),
                    })??
            } else {
                decode_page(&page)?
            };
            self.fold_decoded(decoded);
        }
        Ok(self.applied_seq())
    }

    /// Folds committed events into the projections (skipping any already folded).
    fn fold(&self, events: &[StoredEvent]) -> Result<(), StoreError> {
        let decoded = decode_page(events)?;
        self.fold_decoded(decoded);
        Ok(())
    }

    fn fold_decoded(&self, decoded: Vec<Decoded>) {
        let last = decoded.last().map(|(e, _)| e.seq);
        {
            let mut state = self.state_mut();
            for (e, payload) in decoded {
                if e.seq == state.applied_seq() + 1 {
                    state.apply_parsed(&e, payload);
                }
            }
        }
        // These came from the database, so they are committed: safe to announce.
        if let Some(last) = last {
            self.announce(last);
        }
    }

    /// Catches up inside the write lock: the events between what this process folded and the
    /// head it locked.
    async fn catch_up(&self, writer: &mut Writer) -> Result<(), StoreError> {
        if writer.head().seq > self.applied_seq() {
            let missed = writer.read_after(self.applied_seq()).await?;
            self.fold(&missed)?;
        }
        Ok(())
    }

    /// Decides and records one command (in a batch with whatever else is queued).
    pub async fn execute(&self, req: CommandRequest) -> Result<Executed, LedgerError> {
        let digest = match req.event_id {
            Some(_) => Some(request_digest(&req)?),
            None => None,
        };
        let (reply, mut answer) = oneshot::channel();
        self.queue().push(Pending { req, digest, reply });
        // Whichever comes first: our answer (a leader took our command along) or the lock.
        // A follower must not wait for the lock once its command is decided: waiters queue
        // on the lock in order, so each of them would take it in turn and lead a batch of
        // whatever had just arrived, one command at a time (measured: 1.0 command per batch
        // under 32 clients, each request waiting behind 31 one-command commits).
        let guard = tokio::select! {
            biased;
            done = &mut answer => return done.unwrap_or(Err(LedgerError::Interrupted)),
            guard = self.inner.write.clone().lock_owned() => guard,
        };
        let batch = std::mem::take(&mut *self.queue());
        if batch.is_empty() {
            // A leader before us took ours along; its answer is on the way.
            drop(guard);
        } else {
            let ledger = self.clone();
            let task = tokio::spawn(async move {
                ledger.run_batch(batch).await;
                drop(guard);
            });
            // Awaited for back-pressure only; the batch finishes even if this caller goes away.
            let _ = task.await;
        }
        answer.await.unwrap_or(Err(LedgerError::Interrupted))
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Decides every command of `batch` in order under one transaction, commits once, answers
    /// each. Holds the write lock (the caller's guard).
    async fn run_batch(&self, batch: Vec<Pending>) {
        use std::sync::atomic::Ordering::Relaxed;
        self.inner.batches.fetch_add(1, Relaxed);
        self.inner.batched.fetch_add(batch.len() as u64, Relaxed);
        self.inner.metrics.batch_size.observe(batch.len() as f64);
        let mut writer = match self.inner.store.begin().await {
            Ok(w) => w,
            Err(e) => return fail_all(&self.inner.metrics, batch, &e),
        };
        if self.is_stale()
            && let Err(e) = self.reload().await
        {
            return fail_all(&self.inner.metrics, batch, &e);
        }
        if let Err(e) = self.catch_up(&mut writer).await {
            return fail_all(&self.inner.metrics, batch, &e);
        }
        // Tokens revoked by now (by anyone: the revocation is committed in the database),
        // one read for the whole batch.
        let tokens: Vec<&str> = batch
            .iter()
            .filter_map(|p| p.req.token.as_deref())
            .collect();
        let revoked = if tokens.is_empty() {
            Default::default()
        } else {
            match writer.revoked_tokens(&tokens).await {
                Ok(r) => r,
                Err(e) => return fail_all(&self.inner.metrics, batch, &e),
            }
        };
        // The batch's rows go in at commit, in a few multi-row statements.
        writer.defer_writes();
        let mut answers = Vec::with_capacity(batch.len());
        let mut folded_uncommitted = false;
        // Why the writer was poisoned, when it was because the database went away: the
        // batch's other commands then fail as unreachable too (503, retry), not internally.
        let mut lost_database = None;
        for p in batch {
            if writer.is_poisoned() {
                answers.push((p.reply, Err(LedgerError::Interrupted), p.req.command));
                continue;
            }
            if let Some(token) = p.req.token.as_ref().filter(|t| revoked.contains(*t)) {
                answers.push((
                    p.reply,
                    Err(LedgerError::TokenRevoked(token.clone())),
                    p.req.command,
                ));
                continue;
            }
            let (result, payloads) = match self
                .decide_one(&mut writer, &p.req, p.digest.as_ref())
                .await
            {
                Ok((executed, payloads)) => (Ok(executed), payloads),
                Err(e) => (Err(e), Vec::new()),
            };
            if let Err(LedgerError::Store(e)) = &result
                && e.is_unreachable()
            {
                lost_database = Some(e.to_string());
            }
            let sealed = writer.take_sealed();
            if !sealed.is_empty() {
                // Fold now so the next command of the batch is decided against it.
                folded_uncommitted = true;
                self.apply_decided(&sealed, payloads);
            }
            answers.push((p.reply, result, p.req.command));
        }
        let committed = if writer.is_poisoned() {
            Err(match lost_database {
                Some(e) => StoreError::Unreachable(e),
                None => StoreError::Poisoned,
            })
        } else {
            let started = std::time::Instant::now();
            let committed = writer.commit().await;
            (self.inner.metrics.commit_seconds).observe(started.elapsed().as_secs_f64());
            committed
        };
        match committed {
            Ok(head) => {
                self.announce(head.seq);
                for (reply, result, command) in answers {
                    self.inner.metrics.decided(&command, &result);
                    let _ = reply.send(result);
                }
                self.maybe_snapshot(head.seq);
            }
            Err(e) => {
                // The batch failed, or its outcome is unknown (a commit whose answer was lost
                // may have been recorded): drop what was folded and reload what the database
                // holds, answer every accepted command with the failure (a retry with the same
                // event id finds out), keep refusals as they were.
                if folded_uncommitted && let Err(reload) = self.reload().await {
                    self.inner
                        .stale
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    tracing::error!(error = %reload, "could not reload the projections after a failed commit; will reload before the next fold");
                }
                for (reply, result, command) in answers {
                    let result = match result {
                        Ok(_) => Err(LedgerError::Store(e.for_batch())),
                        refused => refused,
                    };
                    self.inner.metrics.decided(&command, &result);
                    let _ = reply.send(result);
                }
            }
        }
    }

    /// Decides one command inside an open batch and appends its events.
    async fn decide_one(
        &self,
        writer: &mut Writer,
        req: &CommandRequest,
        digest: Option<&Digest32>,
    ) -> Result<(Executed, Vec<Payload>), LedgerError> {
        // A client-chosen id (and so a digest) is what makes a request retriable.
        let retriable = req.event_id.zip(digest);
        if let Some((id, digest)) = retriable
            && let Some(done) = writer.find_command(id).await?
        {
            if done.digest != *digest {
                return Err(LedgerError::IdReused(id));
            }
            // Read through the writer: the original may be in this very batch.
            let events = writer.read_range(done.first_seq, done.last_seq).await?;
            let executed = Executed {
                events: committed_of(&events)?,
                replayed: true,
            };
            return Ok((executed, Vec::new()));
        }
        let now = self.inner.store.now().with_timezone(&crate::jst::JST);
        // The projections are at the writer's head (caught up, this batch's decisions folded),
        // so they know the versions of the streams the decision appends to.
        let (proposed, versions) = self.read(|state| {
            rules::decide_at(state, &req.command, &req.actor, req.effective_at, Some(now)).map(
                |proposed| {
                    let versions: Vec<(String, Option<u64>)> = proposed
                        .iter()
                        .map(|p| (p.stream.clone(), state.stream_version(&p.stream)))
                        .collect();
                    (proposed, versions)
                },
            )
        })?;
        for (stream, version) in versions {
            if let Some(v) = version {
                writer.know_version(&stream, v);
            }
        }
        let first_id = req.event_id.unwrap_or_else(|| writer.next_event_id());
        let committed = append_proposed(
            writer,
            &proposed,
            first_id,
            req.event_id.is_some(),
            &req.actor,
            req.effective_at,
            req.request_id.as_deref(),
        )
        .await?;
        // Only a client-chosen id can be retried, so only then is the command remembered.
        if let Some((_, digest)) = retriable
            && let (Some(first), Some(last)) = (committed.first(), committed.last())
        {
            writer
                .record_command(first_id, digest, first.seq, last.seq)
                .await?;
        }
        let executed = Executed {
            events: committed,
            replayed: false,
        };
        Ok((executed, proposed.into_iter().map(|p| p.payload).collect()))
    }

    /// Folds a decision's sealed events with the typed payloads the rules built them from (one
    /// per event, in order), so the fold does not parse back the JSON they were encoded to.
    /// Anything else (a replay, a count that does not match) is folded from the events.
    fn apply_decided(&self, events: &[govledger_schema::Event], payloads: Vec<Payload>) {
        if payloads.len() != events.len() {
            return self.apply(events);
        }
        let mut state = self.state_mut();
        for (e, payload) in events.iter().zip(payloads) {
            if e.seq == state.applied_seq() + 1 {
                state.apply_parsed(e, Ok(payload));
            }
        }
    }

    /// Folds sealed events into the state (not yet announced: see `announce`).
    fn apply(&self, events: &[govledger_schema::Event]) {
        let mut state = self.state_mut();
        for e in events {
            if e.seq == state.applied_seq() + 1 {
                state.apply(e);
            }
        }
    }

    /// The projections, for folding. A panic while folding cannot leave a half-applied event
    /// (`State::apply` is total), so a poisoned lock is taken over.
    fn state_mut(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.inner
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes folded events up to `seq` visible to readers and live tails.
    fn announce(&self, seq: u64) {
        self.inner.folded.send_if_modified(|s| {
            let changed = *s < seq;
            *s = (*s).max(seq);
            changed
        });
    }

    /// True when the projections may hold folds of a batch that did not commit.
    fn is_stale(&self) -> bool {
        self.inner.stale.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Replaces the state with one loaded afresh from the database (snapshot + replay).
    async fn reload(&self) -> Result<(), StoreError> {
        let (state, _) = load_state(&self.inner.store).await?;
        let seq = state.applied_seq();
        *self.state_mut() = state;
        self.inner.folded.send_replace(seq);
        self.inner
            .stale
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Box::pin(self.refresh()).await?;
        Ok(())
    }

    /// Takes the write lock and opens a transaction at the locked head, with the projections
    /// caught up to it: for acts that are not commands of the regulation (a token's issue or
    /// revocation) but must be checked against the state they append after, as a decision is.
    /// Dropping the [`Locked`] without [`Locked::commit`] rolls back.
    pub async fn lock(&self) -> Result<Locked, StoreError> {
        let guard = self.inner.write.clone().lock_owned().await;
        let mut writer = self.inner.store.begin().await?;
        if self.is_stale() {
            self.reload().await?;
        }
        self.catch_up(&mut writer).await?;
        Ok(Locked {
            ledger: self.clone(),
            writer,
            _guard: guard,
        })
    }

    /// Records the genesis: the regulation's identity and amendments, the annex, and the
    /// bootstrap administrator, who is the actor of every genesis event.
    pub async fn genesis(
        &self,
        admin: &GenesisAdmin,
        at: DateTime<FixedOffset>,
    ) -> Result<Executed, LedgerError> {
        let proposed = rules::genesis(admin, at)?;
        let _local = self.inner.write.lock().await;
        let mut writer = self.inner.store.begin().await?;
        if writer.head().seq != 0 {
            return Err(LedgerError::AlreadyInitialised(writer.head().seq));
        }
        let first_id = writer.next_event_id();
        let committed = append_proposed(
            &mut writer,
            &proposed,
            first_id,
            false,
            &admin.person_id,
            at,
            None,
        )
        .await?;
        let head = writer.commit().await?;
        self.after_commit(head).await?;
        Ok(Executed {
            events: committed,
            replayed: false,
        })
    }

    async fn after_commit(&self, head: Head) -> Result<(), StoreError> {
        self.refresh().await?;
        self.maybe_snapshot(head.seq);
        Ok(())
    }

    /// Writes a snapshot in the background every [`SNAPSHOT_EVERY`] events.
    fn maybe_snapshot(&self, seq: u64) {
        use std::sync::atomic::Ordering;
        let last = self.inner.last_snapshot.load(Ordering::Relaxed);
        if seq >= last + SNAPSHOT_EVERY {
            self.inner.last_snapshot.store(seq, Ordering::Relaxed);
            let ledger = self.clone();
            tokio::spawn(async move {
                if let Err(e) = ledger.snapshot().await {
                    tracing::warn!(error = %e, "snapshot failed");
                }
            });
        }
    }

    /// Writes a snapshot of the projections as folded now.
    pub async fn snapshot(&self) -> Result<u64, StoreError> {
        // One pass under the read lock: the compact encoding and its hash (= the state hash).
        let (seq, snap) = self.read(|s| (s.applied_seq(), s.to_snapshot()));
        let (state_hash, body) = snap.map_err(|e| StoreError::Corrupt {
            seq,
            reason: format!("state does not serialize: {e}"),
        })?;
        self.inner
            .store
            .save_snapshot(
                &Snapshot {
                    seq,
                    state_hash,
                    body,
                },
                Utc::now().timestamp_micros(),
            )
            .await?;
        Ok(seq)
    }
}

/// The write lock and a transaction at the locked head ([`Ledger::lock`]).
pub struct Locked {
    ledger: Ledger,
    writer: Writer,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl std::fmt::Debug for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locked")
            .field("head", &self.writer.head())
            .finish_non_exhaustive()
    }
}

impl Locked {
    /// Runs `f` on the projections at the locked head.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        self.ledger.read(f)
    }

    /// The transaction: what is appended through it commits with [`Locked::commit`].
    pub fn writer(&mut self) -> &mut Writer {
        &mut self.writer
    }

    /// Commits, then folds what was appended and announces it.
    pub async fn commit(mut self) -> Result<Head, StoreError> {
        let sealed = self.writer.take_sealed();
        let head = self.writer.commit().await?;
        self.ledger.apply(&sealed);
        self.ledger.announce(head.seq);
        self.ledger.maybe_snapshot(head.seq);
        Ok(head)
    }
}

/// The committed form of stored events.
fn committed_of(events: &[StoredEvent]) -> Result<Vec<Committed>, StoreError> {
    events
        .iter()
        .map(|s| {
            let e = s.event().map_err(|err| StoreError::Corrupt {
                seq: s.seq,
                reason: err.to_string(),
            })?;
            Ok(Committed {
                seq: e.seq,
                id: e.id,
                stream: e.stream,
                version: e.version,
                event_type: e.event_type,
                hash: s.hash,
            })
        })
        .collect()
}

/// A stored event as folding needs it: the envelope (`data` left `Null`) and its payload,
/// parsed (a payload that does not parse is folded as a malformed event, not an error).
type Decoded = (
    govledger_schema::Event,
    Result<govledger_schema::events::Payload, govledger_schema::events::PayloadError>,
);

/// Decodes stored events on every core, in order, payloads included, so that the fold (one
/// thread, under the write lock) only folds. Rows were checked when written (and `verify`
/// re-checks them), so the canonical spelling is not re-checked here.
fn decode_page(events: &[StoredEvent]) -> Result<Vec<Decoded>, StoreError> {
    let decode = |e: &StoredEvent| {
        govledger_schema::envelope::Peek::for_fold(&e.body).map_err(|err| StoreError::Corrupt {
            seq: e.seq,
            reason: err.to_string(),
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || events.len() < 512 {
        return events.iter().map(decode).collect();
    }
    let chunk = events.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = events
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(decode).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut out = Vec::with_capacity(events.len());
        for p in parts {
            let decoded = p.join().map_err(|_| StoreError::Corrupt {
                seq: 0,
                reason: "decoder thread panicked".into(),
            })??;
            out.extend(decoded);
        }
        Ok(out)
    })
}

/// Answers every command of a batch that could not start.
fn fail_all(metrics: &LedgerMetrics, batch: Vec<Pending>, e: &StoreError) {
    for p in batch {
        let result = Err(LedgerError::Store(e.for_batch()));
        metrics.decided(&p.req.command, &result);
        let _ = p.reply.send(result);
    }
}

/// What the ledger counts for `/metrics`: registered by `http::metrics`, which renders them.
/// Each is a handle on shared atomics (cloning shares them); counting costs a few atomic adds
/// per command, under the write lock.
#[derive(Debug, Clone)]
pub struct LedgerMetrics {
    /// Decisions recorded, by command kind (retries answered with the original not included).
    pub accepted: Family<KindLabel, Counter>,
    /// Decisions a rule refused, by rule (`modification.approval_missing`, …).
    pub refused: Family<RuleLabel, Counter>,
    /// Retries answered with the events first recorded.
    pub replayed: Counter,
    /// Commands neither recorded nor refused by a rule, by reason (`id_reused`,
    /// `token_revoked`, `unreachable`, `store`, `interrupted`, `invalid`).
    pub not_recorded: Family<ReasonLabel, Counter>,
    /// Commands per group-commit batch.
    pub batch_size: Histogram,
    /// How long a batch's commit (one transaction, one fsync) took.
    pub commit_seconds: Histogram,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleLabel {
    pub rule: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

impl Default for LedgerMetrics {
    fn default() -> LedgerMetrics {
        LedgerMetrics {
            accepted: Family::default(),
            refused: Family::default(),
            replayed: Counter::default(),
            not_recorded: Family::default(),
            // 1, 2, 4, … 512 commands.
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            // 0.5 ms … ~4 s.
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
        }
    }
}

impl LedgerMetrics {
    /// Counts the answer a command got.
    fn decided(&self, command: &Command, result: &Result<Executed, LedgerError>) {
        let reason = match result {
            Ok(done) if done.replayed => {
                self.replayed.inc();
                return;
            }
            Ok(_) => {
                self.accepted
                    .get_or_create(&KindLabel {
                        kind: command.kind(),
                    })
                    .inc();
                return;
            }
            Err(LedgerError::Refused(r)) => {
                self.refused
                    .get_or_create(&RuleLabel { rule: r.rule })
                    .inc();
                return;
            }
            Err(LedgerError::IdReused(_)) => "id_reused",
            Err(LedgerError::TokenRevoked(_)) => "token_revoked",
            Err(LedgerError::Interrupted) => "interrupted",
            Err(LedgerError::Store(e)) if e.is_unreachable() => "unreachable",
            Err(LedgerError::Store(_)) => "store",
            Err(LedgerError::AlreadyInitialised(_) | LedgerError::Invalid(_)) => "invalid",
        };
        self.not_recorded
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }
}

/// Loads the projections: the newest usable snapshot, then every event after it.
async fn load_state(store: &Store) -> Result<(State, Option<u64>), StoreError> {
    let head = store.head().await?;
    let mut state = State::default();
    let mut snapshot_seq = None;
    if let Some(snap) = store.latest_snapshot(head.seq).await? {
        // A snapshot is a cache: use it only if it decodes to the state it claims to be.
        if let Ok(s) = State::from_snapshot(&snap.body, &snap.state_hash)
            && s.applied_seq() == snap.seq
        {
            state = s;
            snapshot_seq = Some(snap.seq);
        }
    }
    Ok((state, snapshot_seq))
}

/// Appends the rules' proposals as events: the first gets `first_id`, the others fresh ids
/// and `causation_id` = the first.
async fn append_proposed(
    writer: &mut Writer,
    proposed: &[Proposed],
    first_id: Uuid,
    client_id: bool,
    actor: &str,
    effective_at: DateTime<FixedOffset>,
    request_id: Option<&str>,
) -> Result<Vec<Committed>, LedgerError> {
    // Every event of the decision is built and sealed in memory before any is appended: a
    // refusal of a later one (too long for a tile entry) then leaves none of it written.
    let mut events = Vec::with_capacity(proposed.len());
    for (i, p) in proposed.iter().enumerate() {
        // As if appended one by one: the i-th takes the id of the seq it will have.
        let id = if i == 0 {
            first_id
        } else {
            writer.event_id_after(i as u64)
        };
        let event = decision_event(p, i, id, first_id, actor, effective_at, request_id)
            .map_err(|e| LedgerError::Invalid(e.to_string()))?;
        events.push(event);
    }
    let check: Vec<(&str, &NewEvent)> = proposed
        .iter()
        .zip(&events)
        .map(|(p, e)| (p.stream.as_str(), e))
        .collect();
    writer.check_sealable(&check).await?;
    let mut committed = Vec::with_capacity(proposed.len());
    for (i, (p, event)) in proposed.iter().zip(&events).enumerate() {
        let one = std::slice::from_ref(event);
        // Only a client's id can already be recorded; ids made here just now cannot.
        let appended = if i == 0 && client_id {
            writer.append(&p.stream, ExpectedVersion::Any, one).await?
        } else {
            writer
                .append_generated(&p.stream, ExpectedVersion::Any, one)
                .await?
        };
        committed.extend(appended);
    }
    Ok(committed)
}

/// The event that records the `index`-th event a decision proposed, under id `id`: the events
/// after the first name the first (`first_id`) as their cause. The one place a decision's
/// events are built, for the ledger's appends and the demo's in-memory ledger alike.
pub fn decision_event(
    p: &Proposed,
    index: usize,
    id: Uuid,
    first_id: Uuid,
    actor: &str,
    effective_at: DateTime<FixedOffset>,
    request_id: Option<&str>,
) -> Result<NewEvent, PayloadError> {
    Ok(NewEvent {
        id,
        event_type: p.event_type().to_owned(),
        data: p.payload.to_data()?,
        meta: Meta {
            actor: actor.to_owned(),
            acting_for: p.acting_for.clone(),
            basis: p.basis.clone(),
            request_id: request_id.map(str::to_owned),
            causation_id: (index > 0).then_some(first_id),
        },
        effective_at,
    })
}

/// SHA-256 of the canonical request: what makes two sends "the same request".
fn request_digest(req: &CommandRequest) -> Result<Digest32, LedgerError> {
    let value = serde_json::json!({
        "actor": req.actor,
        "command": req.command,
        "effective_at": (!req.effective_at_defaulted)
            .then(|| govledger_schema::envelope::format_effective_at(&req.effective_at)),
    });
    let bytes =
        canonical::to_canonical_vec(&value).map_err(|e| LedgerError::Invalid(e.to_string()))?;
    Ok(Digest32::of(&bytes))
}

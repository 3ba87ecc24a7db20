//! The one door: a [`Ledger`] owns the store and the folded projections. A command enters here
//! (from HTTP or the CLI), is decided by the rules against the state at the locked head,
//! appended by the store, folded into the projections, and announced to live tails.
//!
//! Several processes may share one PostgreSQL database. Each keeps its own projections, and
//! before deciding a command it catches up **inside the append's lock** with whatever the others
//! appended, so a decision is always taken against the state at the head it appends after: two
//! instances can never both accept conflicting decisions.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use govledger_projections::State;
use govledger_schema::{Digest32, Meta, NewEvent, canonical};
use serde::Serialize;
use tokio::sync::{Mutex, watch};
use uuid::Uuid;

use crate::rules::{self, Command, GenesisAdmin, Proposed, Refusal};
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
    /// Chosen by the client for safe retries: the id of the first event. The same id with the
    /// same request returns the original events; with another request it is a conflict.
    pub event_id: Option<Uuid>,
    /// The HTTP request id, kept in `meta.request_id` for tracing.
    pub request_id: Option<String>,
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
    #[error("the ledger already has a genesis (head at seq {0})")]
    AlreadyInitialised(u64),
    #[error("invalid event: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Inner {
    store: Store,
    state: RwLock<State>,
    /// Serializes this process's writers; the database lock serializes processes.
    write: Mutex<()>,
    /// The seq folded into `state`, for live tails and readers that wait for a write.
    folded: watch::Sender<u64>,
    last_snapshot: std::sync::atomic::AtomicU64,
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
        let head = store.head().await?;
        let mut state = State::default();
        let mut snapshot_seq = None;
        if let Some(snap) = store.latest_snapshot(head.seq).await? {
            // A snapshot is a cache: use it only if it decodes to the state it claims to be.
            if let Ok(s) = serde_json::from_slice::<State>(&snap.body)
                && s.applied_seq() == snap.seq
                && s.state_hash() == snap.state_hash
            {
                state = s;
                snapshot_seq = Some(snap.seq);
            }
        }
        let start = state.applied_seq();
        let (folded, _) = watch::channel(start);
        let ledger = Ledger {
            inner: Arc::new(Inner {
                store,
                state: RwLock::new(state),
                write: Mutex::new(()),
                folded,
                last_snapshot: std::sync::atomic::AtomicU64::new(snapshot_seq.unwrap_or(0)),
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
        loop {
            let from = self.applied_seq() + 1;
            let page = self.inner.store.read_from(from, SCAN_PAGE).await?;
            let full = page.len() as u64 == SCAN_PAGE;
            self.fold(&page)?;
            if !full {
                return Ok(self.applied_seq());
            }
        }
    }

    /// Folds committed events into the projections, skipping any already folded.
    fn fold(&self, events: &[StoredEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut decoded = Vec::with_capacity(events.len());
        for e in events {
            decoded.push(e.event().map_err(|err| StoreError::Corrupt {
                seq: e.seq,
                reason: err.to_string(),
            })?);
        }
        let applied = {
            let mut state = self
                .inner
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for e in &decoded {
                if e.seq == state.applied_seq() + 1 {
                    state.apply(e);
                }
            }
            state.applied_seq()
        };
        self.inner.folded.send_if_modified(|seq| {
            let changed = *seq != applied;
            *seq = applied;
            changed
        });
        Ok(())
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

    /// Decides and records one command.
    pub async fn execute(&self, req: CommandRequest) -> Result<Executed, LedgerError> {
        let digest = request_digest(&req)?;
        let _local = self.inner.write.lock().await;
        let mut writer = self.inner.store.begin().await?;
        self.catch_up(&mut writer).await?;

        if let Some(id) = req.event_id
            && let Some(done) = writer.find_command(id).await?
        {
            if done.digest != digest {
                return Err(LedgerError::IdReused(id));
            }
            drop(writer); // nothing to write: roll back
            let events = self.committed_range(done.first_seq, done.last_seq).await?;
            return Ok(Executed {
                events,
                replayed: true,
            });
        }

        let proposed =
            self.read(|state| rules::decide(state, &req.command, &req.actor, req.effective_at))?;
        let first_id = req.event_id.unwrap_or_else(Uuid::now_v7);
        let committed = append_proposed(
            &mut writer,
            &proposed,
            first_id,
            &req.actor,
            req.effective_at,
            req.request_id.as_deref(),
        )
        .await?;
        if let (Some(first), Some(last)) = (committed.first(), committed.last()) {
            writer
                .record_command(first_id, &digest, first.seq, last.seq)
                .await?;
        }
        let head = writer.commit().await?;
        self.after_commit(head).await?;
        Ok(Executed {
            events: committed,
            replayed: false,
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
        let committed = append_proposed(
            &mut writer,
            &proposed,
            Uuid::now_v7(),
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
        let last = self
            .inner
            .last_snapshot
            .load(std::sync::atomic::Ordering::Relaxed);
        if head.seq >= last + SNAPSHOT_EVERY {
            self.inner
                .last_snapshot
                .store(head.seq, std::sync::atomic::Ordering::Relaxed);
            let ledger = self.clone();
            tokio::spawn(async move {
                if let Err(e) = ledger.snapshot().await {
                    tracing::warn!(error = %e, "snapshot failed");
                }
            });
        }
        Ok(())
    }

    /// Writes a snapshot of the projections as folded now.
    pub async fn snapshot(&self) -> Result<u64, StoreError> {
        let (seq, state_hash, body) =
            self.read(|s| (s.applied_seq(), s.state_hash(), serde_json::to_vec(s)));
        let body = body.map_err(|e| StoreError::Corrupt {
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

    async fn committed_range(&self, first: u64, last: u64) -> Result<Vec<Committed>, StoreError> {
        let events = self.inner.store.read_range(first, last).await?;
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
                    hash: s.hash,
                })
            })
            .collect()
    }
}

/// Appends the rules' proposals as events: the first gets `first_id`, the others fresh ids
/// and `causation_id` = the first.
async fn append_proposed(
    writer: &mut Writer,
    proposed: &[Proposed],
    first_id: Uuid,
    actor: &str,
    effective_at: DateTime<FixedOffset>,
    request_id: Option<&str>,
) -> Result<Vec<Committed>, LedgerError> {
    let mut committed = Vec::with_capacity(proposed.len());
    for (i, p) in proposed.iter().enumerate() {
        let event = NewEvent {
            id: if i == 0 { first_id } else { Uuid::now_v7() },
            event_type: p.event_type.clone(),
            data: p.data.clone(),
            meta: Meta {
                actor: actor.to_owned(),
                acting_for: p.acting_for.clone(),
                basis: p.basis.clone(),
                request_id: request_id.map(str::to_owned),
                causation_id: (i > 0).then_some(first_id),
            },
            effective_at,
        };
        committed.extend(
            writer
                .append(
                    &p.stream,
                    ExpectedVersion::Any,
                    std::slice::from_ref(&event),
                )
                .await?,
        );
    }
    Ok(committed)
}

/// SHA-256 of the canonical request: what makes two sends "the same request".
fn request_digest(req: &CommandRequest) -> Result<Digest32, LedgerError> {
    let value = serde_json::json!({
        "actor": req.actor,
        "command": req.command,
        "effective_at": govledger_schema::envelope::format_effective_at(&req.effective_at),
    });
    let bytes =
        canonical::to_canonical_vec(&value).map_err(|e| LedgerError::Invalid(e.to_string()))?;
    Ok(Digest32::of(&bytes))
}

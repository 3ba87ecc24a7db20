//! Verification of the stored chain: what a copy of the database says about itself.
//!
//! Checks, for every event in order: the seq is the next one (no gap, nothing inserted), the
//! body is canonical RFC 8785 JSON of a well-formed envelope whose `seq` is the row's, the
//! indexed columns equal the body's members, SHA-256(body) equals the stored hash, `prev`
//! equals the previous event's hash, and each stream's versions count up from 1. At the end
//! the stored head must name the last event and its hash (a truncated tail leaves the head
//! ahead), and nothing may lie beyond the head (rows, checkpoints).
//!
//! Re-hashing everything after a rewritten event passes the chain checks by design. From the
//! start of the log, `verify` therefore also recomputes the RFC 9162 tree from the bodies and
//! compares every stored Merkle node (kept in the row of the event that completes it) and
//! every issued checkpoint with it: a rewrite shows as a stored node (or a signed root) that
//! the bodies no longer give, and a checkpoint left behind by a truncated tail shows as lying
//! beyond the head. An outside auditor's kept checkpoint still catches a rewrite that re-made
//! the nodes too, or a truncation with no checkpoint left behind (see `merkle`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use govledger_schema::envelope::Peek;
use govledger_schema::{Digest32, Event};

use super::{Head, RowColumns, SCAN_PAGE, Store, StoreError, StoredCheckpoint, to_u64};
use crate::checkpoint::Checkpoint;
use crate::merkle;

/// The result of a verification run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// First seq checked.
    pub from: u64,
    /// Last seq that verified (from - 1 if none did).
    pub verified_to: u64,
    /// Number of events that verified.
    pub verified: u64,
    /// The stored head at the end of the run.
    pub head: Head,
    /// The first break found, if any; verification stops there.
    pub first_break: Option<Break>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.first_break.is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.first_break {
            None => write!(
                f,
                "ok: {} events verified (seq {}..={}), head {} {}",
                self.verified, self.from, self.verified_to, self.head.seq, self.head.hash
            ),
            Some(b) => write!(
                f,
                "BROKEN at {b} ({} events before it verified)",
                self.verified
            ),
        }
    }
}

/// Where the chain breaks and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Break {
    pub seq: u64,
    pub kind: BreakKind,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seq {}: {}", self.seq, self.kind)
    }
}

/// What is wrong at a break.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BreakKind {
    /// No row with this seq, although later rows or the head say there should be.
    Missing,
    /// The body is not a canonical, well-formed envelope.
    Malformed { reason: String },
    /// The body's `seq` member is not the row's seq (rows moved or swapped).
    SeqMismatch { body_seq: u64 },
    /// SHA-256 of the body is not the stored hash (the body or the hash was changed).
    HashMismatch {
        stored: Digest32,
        computed: Digest32,
    },
    /// `prev` does not name the previous event's hash (an event removed, inserted or changed
    /// before this one).
    PrevMismatch { expected: Digest32, found: Digest32 },
    /// An indexed column disagrees with the body.
    ColumnMismatch { column: &'static str },
    /// A stream's versions do not count up by one.
    StreamVersion {
        stream: String,
        expected: u64,
        found: u64,
    },
    /// The stored head does not name the last event.
    HeadMismatch { head_seq: u64, head_hash: Digest32 },
    /// An event row lies after the stored head (appended without moving the head).
    AfterHead { head_seq: u64 },
    /// A stored Merkle node is not the node the bodies give (or is missing).
    MerkleNode {
        level: u8,
        index: u64,
        stored: Option<Digest32>,
        computed: Digest32,
    },
    /// An event row keeps more Merkle node bytes than its leaf completes nodes.
    MerkleNodesExtra { kept: usize, due: usize },
    /// An issued checkpoint's root is not the root the bodies give at its size.
    CheckpointRoot {
        size: u64,
        signed: Digest32,
        computed: Digest32,
    },
    /// A checkpoint was issued for more events than the log holds (the tail was removed).
    CheckpointAfterHead { size: u64, head_seq: u64 },
    /// A kept checkpoint's row does not say what its note says.
    CheckpointNote { size: u64, reason: String },
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakKind::Missing => write!(f, "event missing"),
            BreakKind::Malformed { reason } => write!(f, "malformed body: {reason}"),
            BreakKind::SeqMismatch { body_seq } => {
                write!(f, "row holds the body of seq {body_seq}")
            }
            BreakKind::HashMismatch { stored, computed } => {
                write!(
                    f,
                    "hash mismatch (stored {stored}, body hashes to {computed})"
                )
            }
            BreakKind::PrevMismatch { expected, found } => {
                write!(
                    f,
                    "chain broken (prev is {found}, previous event hashes to {expected})"
                )
            }
            BreakKind::ColumnMismatch { column } => {
                write!(f, "column {column} disagrees with the body")
            }
            BreakKind::StreamVersion {
                stream,
                expected,
                found,
            } => {
                write!(
                    f,
                    "stream {stream} has version {found} where {expected} was due"
                )
            }
            BreakKind::HeadMismatch {
                head_seq,
                head_hash,
            } => {
                write!(f, "ledger head says seq {head_seq} hash {head_hash}")
            }
            BreakKind::AfterHead { head_seq } => write!(
                f,
                "event stored after the ledger head (seq {head_seq}): written without moving \
                 the head, not by govledger"
            ),
            BreakKind::MerkleNode {
                level,
                index,
                stored,
                computed,
            } => f.write_str(&super::integrity::node_mismatch(
                crate::merkle::NodeId::new(*level, *index),
                *stored,
                *computed,
            )),
            BreakKind::MerkleNodesExtra { kept, due } => write!(
                f,
                "the row keeps {kept} bytes of Merkle nodes where its leaf completes {due}"
            ),
            BreakKind::CheckpointRoot {
                size,
                signed,
                computed,
            } => write!(
                f,
                "the checkpoint issued at size {size} signed root {signed}, the bodies give \
                 {computed}: events it covers were changed"
            ),
            BreakKind::CheckpointAfterHead { size, head_seq } => write!(
                f,
                "a checkpoint of size {size} was issued but the ledger head is at seq \
                 {head_seq}: events it covers were removed"
            ),
            BreakKind::CheckpointNote { size, reason } => {
                write!(f, "the kept checkpoint of size {size}: {reason}")
            }
        }
    }
}

pub(super) async fn verify(
    store: &Store,
    from: u64,
    to: Option<u64>,
    deep: bool,
    mut progress: impl FnMut(u64),
) -> Result<VerifyReport, StoreError> {
    let from = from.max(1);
    let head = store.head().await?;
    let mut report = VerifyReport {
        from,
        verified_to: from - 1,
        verified: 0,
        head,
        first_break: None,
    };
    let broken = |mut report: VerifyReport, seq: u64, kind: BreakKind| {
        report.first_break = Some(Break { seq, kind });
        Ok(report)
    };

    let mut prev = Digest32::ZERO;
    if from > 1 {
        match store.get(from - 1).await? {
            Some(e) => prev = e.hash,
            None => return broken(report, from - 1, BreakKind::Missing),
        }
    }
    // Stream versions, the Merkle tree and the checkpoints can only be checked from the start
    // of the log.
    let mut versions: Option<HashMap<String, u64>> = (from == 1).then(HashMap::new);
    let mut tree = (from == 1).then(merkle::Frontier::new);
    let checkpoints = if from == 1 {
        store.checkpoints().await?
    } else {
        Vec::new()
    };
    let mut checkpoints = checkpoints.into_iter().peekable();
    // A checkpoint of the empty log signs the empty root.
    if let Some(cp) = checkpoints.next_if(|cp| cp.size == 0)
        && let Err(kind) = check_checkpoint(&cp, merkle::EMPTY_ROOT)
    {
        return broken(report, 0, kind);
    }
    // The scan stops at the head read above: rows after it are either appended since (the
    // head has moved on) or written behind the writer's back, which the end tells apart.
    let last = to.unwrap_or(head.seq).min(head.seq);
    let mut expected = from;

    // Read the next page while hashing this one, so I/O and hashing overlap.
    let mut pages = Pages::new(store, expected, last).await?;
    while let Some(rows) = pages.next(last).await? {
        if rows.is_empty() || expected > last {
            break;
        }
        // The checks of each row on its own (decode, hash, columns) run on every core; the
        // checks that link rows (seq continuity, prev, stream versions, the tree) then run in
        // order.
        let inspected = tokio::task::spawn_blocking(move || inspect_page(rows, deep))
            .await
            .map_err(|e| StoreError::Corrupt {
                seq: expected,
                reason: e.to_string(),
            })?;
        for facts in inspected {
            let facts = match facts {
                Ok(f) => f,
                Err((seq, _)) if seq > last => break,
                Err((seq, _)) if seq != expected => {
                    return broken(report, expected, BreakKind::Missing);
                }
                Err((seq, kind)) => return broken(report, seq, kind),
            };
            let seq = facts.seq;
            if seq > last {
                break;
            }
            if seq != expected {
                return broken(report, expected, BreakKind::Missing);
            }
            if facts.prev != prev {
                return broken(
                    report,
                    seq,
                    BreakKind::PrevMismatch {
                        expected: prev,
                        found: facts.prev,
                    },
                );
            }
            if let Some(versions) = versions.as_mut() {
                let due = versions.get(&facts.stream).copied().unwrap_or(0) + 1;
                if facts.version != due {
                    return broken(
                        report,
                        seq,
                        BreakKind::StreamVersion {
                            stream: facts.stream,
                            expected: due,
                            found: facts.version,
                        },
                    );
                }
                versions.insert(facts.stream, due);
            }
            if let Some(tree) = tree.as_mut() {
                let mut mismatch = None;
                tree.append_with(facts.leaf, |id, computed| {
                    if id.level > 0 && mismatch.is_none() {
                        let stored = super::kept_node(id, facts.nodes.as_deref());
                        if stored != Some(computed) {
                            mismatch = Some(BreakKind::MerkleNode {
                                level: id.level,
                                index: id.index,
                                stored,
                                computed,
                            });
                        }
                    }
                })
                .map_err(|e| StoreError::Corrupt {
                    seq,
                    reason: e.to_string(),
                })?;
                if let Some(kind) = mismatch {
                    return broken(report, seq, kind);
                }
                if let Some(cp) = checkpoints.next_if(|cp| cp.size == seq)
                    && let Err(kind) = check_checkpoint(&cp, tree.root())
                {
                    return broken(report, seq, kind);
                }
            }
            prev = facts.hash;
            report.verified += 1;
            report.verified_to = seq;
            expected += 1;
            progress(seq);
        }
    }
    // Every seq up to `last` was read: rows missing at the end of a range that stops below
    // the head (or a reader that stopped early) are missing, never counted as verified.
    if expected <= last {
        return broken(report, expected, BreakKind::Missing);
    }

    // The head must name the last event; rows deleted from the tail leave it ahead.
    if to.is_none_or(|t| t >= head.seq) {
        let last_seq = expected - 1;
        if head.seq > last_seq {
            return broken(report, last_seq + 1, BreakKind::Missing);
        }
        if head.seq > 0 && head.seq >= from && head.hash != prev {
            return broken(
                report,
                head.seq,
                BreakKind::HeadMismatch {
                    head_seq: head.seq,
                    head_hash: head.hash,
                },
            );
        }
        // Nothing may lie beyond the head as the database holds it now (each look-up reads the
        // head in the same statement, so events appended while verify ran are not flagged).
        let beyond = store.beyond_head().await?;
        if let Some(seq) = beyond.event {
            return broken(
                report,
                seq,
                BreakKind::AfterHead {
                    head_seq: beyond.head_seq,
                },
            );
        }
        if from == 1
            && let Some(size) = beyond.checkpoint
        {
            return broken(
                report,
                beyond.head_seq + 1,
                BreakKind::CheckpointAfterHead {
                    size,
                    head_seq: beyond.head_seq,
                },
            );
        }
    }
    Ok(report)
}

/// An issued checkpoint against the root the bodies give at its size: its row, and the note
/// it keeps (read, not signature-checked: verify holds no key; `verify --file` and the proof
/// client check signatures).
fn check_checkpoint(cp: &StoredCheckpoint, computed: Digest32) -> Result<(), BreakKind> {
    let note = crate::checkpoint::parse_note(cp.note.as_bytes())
        .map_err(|e| e.to_string())
        .and_then(|n| Checkpoint::parse_body(&n.body).map_err(|e| e.to_string()))
        .map_err(|reason| BreakKind::CheckpointNote {
            size: cp.size,
            reason,
        })?;
    if (note.size, note.root) != (cp.size, cp.root) {
        return Err(BreakKind::CheckpointNote {
            size: cp.size,
            reason: format!(
                "the row says root {}, the note says size {} root {}",
                cp.root, note.size, note.root
            ),
        });
    }
    if cp.root != computed {
        return Err(BreakKind::CheckpointRoot {
            size: cp.size,
            signed: cp.root,
            computed,
        });
    }
    Ok(())
}

/// Where `verify`'s rows come from, a page at a time, the next page read while this one is
/// checked: a SQLite file through its own reader (`bulk`: one snapshot, no per-row hand-off),
/// otherwise pages through sqlx (PostgreSQL, an in-memory SQLite database).
enum Pages {
    File(tokio::sync::mpsc::Receiver<super::bulk::PageResult>),
    Sqlx {
        store: Store,
        next: Option<tokio::task::JoinHandle<Result<Vec<RowColumns>, StoreError>>>,
    },
}

impl Pages {
    async fn new(store: &Store, from: u64, last: u64) -> Result<Pages, StoreError> {
        if from > last {
            return Ok(Pages::Sqlx {
                store: store.clone(),
                next: None,
            });
        }
        if let Some(path) = store.sqlite_file().await? {
            return Ok(Pages::File(super::bulk::read_pages(path, from, last)));
        }
        Ok(Pages::Sqlx {
            store: store.clone(),
            next: Some(Self::fetch(store.clone(), from)),
        })
    }

    fn fetch(
        store: Store,
        from: u64,
    ) -> tokio::task::JoinHandle<Result<Vec<RowColumns>, StoreError>> {
        tokio::spawn(async move { store.columns_page(from, SCAN_PAGE).await })
    }

    /// The next page (rows past `last` may follow in it), or None when there is none.
    async fn next(&mut self, last: u64) -> Result<Option<Vec<RowColumns>>, StoreError> {
        match self {
            Pages::File(rx) => rx.recv().await.transpose(),
            Pages::Sqlx { store, next } => {
                let Some(pending) = next.take() else {
                    return Ok(None);
                };
                let rows = pending.await.map_err(|e| StoreError::Corrupt {
                    seq: 0,
                    reason: e.to_string(),
                })??;
                if rows.len() as u64 == SCAN_PAGE
                    && let Some((seq, ..)) = rows.last()
                {
                    let after = to_u64(*seq)?.saturating_add(1);
                    if after <= last {
                        *next = Some(Self::fetch(store.clone(), after));
                    }
                }
                Ok(Some(rows))
            }
        }
    }
}

/// What one row says about itself once its own checks passed.
struct RowFacts {
    seq: u64,
    prev: Digest32,
    hash: Digest32,
    /// RFC 9162 leaf hash of the body.
    leaf: Digest32,
    stream: String,
    version: u64,
    /// The Merkle nodes the row keeps (its length already checked against its seq).
    nodes: Option<Vec<u8>>,
}

/// Runs [`inspect_row`] over a page on all cores, keeping the page's order.
fn inspect_page(rows: Vec<RowColumns>, deep: bool) -> Vec<Result<RowFacts, (u64, BreakKind)>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .max(1);
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|row| inspect_row(row, deep))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err((
                        0,
                        BreakKind::Malformed {
                            reason: "verifier thread panicked".into(),
                        },
                    ))]
                })
            })
            .collect()
    })
}

/// The checks a row passes or fails on its own: a well-formed envelope whose seq is the row's,
/// SHA-256(body) equal to the stored hash, indexed columns equal to the body. With `deep`, the
/// body must also be in canonical RFC 8785 spelling (it re-encodes to itself). Without it the
/// payload is not parsed at all: any change to a body still changes its hash, which the chain
/// or the head exposes, so `deep` adds only the check of the writer's own encoding.
fn inspect_row(row: &RowColumns, deep: bool) -> Result<RowFacts, (u64, BreakKind)> {
    let (seq, id, packed, hash, body, nodes) = row;
    let seq = u64::try_from(*seq).unwrap_or(0);
    let fail = |kind| (seq, kind);
    let malformed = |e: govledger_schema::EnvelopeError| {
        fail(BreakKind::Malformed {
            reason: e.to_string(),
        })
    };
    let facts = if deep {
        let event = Event::decode(body).map_err(malformed)?;
        Envelope {
            seq: event.seq,
            prev: event.prev,
            id: event.id,
            stream: event.stream.into(),
            version: event.version,
            event_type: event.event_type.into(),
            actor: event.meta.actor.into(),
            basis: event.meta.basis.into(),
            effective_us: event.effective_at.timestamp_micros(),
            recorded_us: event.recorded_at.timestamp_micros(),
        }
    } else {
        let peek = Peek::of(body).map_err(malformed)?;
        Envelope {
            seq: peek.seq,
            prev: peek.prev,
            id: peek.id,
            effective_us: peek.effective_us().map_err(malformed)?,
            recorded_us: peek.recorded_us().map_err(malformed)?,
            stream: peek.stream,
            version: peek.version,
            event_type: peek.event_type,
            actor: peek.meta.actor,
            basis: peek.meta.basis,
        }
    };
    if facts.seq != seq {
        return Err(fail(BreakKind::SeqMismatch {
            body_seq: facts.seq,
        }));
    }
    let computed = Digest32::of(body);
    let stored = Digest32::from_slice(hash).unwrap_or_default();
    if stored != computed {
        return Err(fail(BreakKind::HashMismatch { stored, computed }));
    }
    let cols = IndexedColumns::unpack(packed);
    if facts.id == *id && cols.is_none() {
        return Err(fail(BreakKind::ColumnMismatch {
            column: unpack_failure(packed),
        }));
    }
    let columns: [(&'static str, bool); 8] = [
        ("id", facts.id == *id),
        (
            "stream",
            cols.as_ref().is_some_and(|c| c.stream == facts.stream),
        ),
        (
            "version",
            cols.as_ref()
                .is_some_and(|c| u64::try_from(c.version).ok() == Some(facts.version)),
        ),
        (
            "type",
            cols.as_ref()
                .is_some_and(|c| c.event_type == facts.event_type),
        ),
        (
            "actor",
            cols.as_ref().is_some_and(|c| c.actor == facts.actor),
        ),
        (
            "basis",
            cols.as_ref().is_some_and(|c| c.basis == facts.basis),
        ),
        (
            "effective_us",
            cols.as_ref()
                .is_some_and(|c| c.effective_us == facts.effective_us),
        ),
        (
            "recorded_us",
            cols.as_ref()
                .is_some_and(|c| c.recorded_us == facts.recorded_us),
        ),
    ];
    if let Some((column, _)) = columns.iter().find(|(_, ok)| !ok) {
        return Err(fail(BreakKind::ColumnMismatch { column }));
    }
    // Fewer node bytes than due shows as the first missing node, in order with the tree.
    let (kept, due) = (nodes.as_ref().map_or(0, Vec::len), merkle::kept_len(seq));
    if kept > due {
        return Err(fail(BreakKind::MerkleNodesExtra { kept, due }));
    }
    Ok(RowFacts {
        seq,
        prev: facts.prev,
        hash: computed,
        leaf: crate::merkle::leaf_hash(body),
        stream: facts.stream.into_owned(),
        version: facts.version,
        nodes: nodes.clone(),
    })
}

/// The envelope members `verify` compares, from either reading of a body.
/// Borrowed from the body where `Peek` could (the fast reading allocates only the stream,
/// which the in-order checks keep).
struct Envelope<'a> {
    seq: u64,
    prev: Digest32,
    id: uuid::Uuid,
    stream: Cow<'a, str>,
    version: u64,
    event_type: Cow<'a, str>,
    actor: Cow<'a, str>,
    basis: Cow<'a, str>,
    effective_us: i64,
    recorded_us: i64,
}

/// The indexed columns as `columns_page` packs them in SQL:
/// `version|effective_us|recorded_us|` then stream, type, actor and basis, each as its length
/// in bytes, `:`, and the text. Numbers hold no `|` and every text is length-prefixed, so a
/// packing reads back one way only: a changed column cannot pass for the original.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct IndexedColumns<'a> {
    pub version: i64,
    pub effective_us: i64,
    pub recorded_us: i64,
    pub stream: &'a str,
    pub event_type: &'a str,
    pub actor: &'a str,
    pub basis: &'a str,
}

impl<'a> IndexedColumns<'a> {
    /// Reads a packing back; `None` if it is not one (which `verify` reports as a column
    /// mismatch: the database did not hold what the writer put there).
    pub(super) fn unpack(packed: &'a str) -> Option<IndexedColumns<'a>> {
        let mut numbers = packed.splitn(4, '|');
        let version = numbers.next()?.parse().ok()?;
        let effective_us = numbers.next()?.parse().ok()?;
        let recorded_us = numbers.next()?.parse().ok()?;
        let mut rest = numbers.next()?;
        let mut text = || {
            let (len, after) = rest.split_once(':')?;
            let len: usize = len.parse().ok()?;
            let value = after.get(..len)?;
            rest = after.get(len..)?;
            Some(value)
        };
        let (stream, event_type, actor, basis) = (text()?, text()?, text()?, text()?);
        rest.is_empty().then_some(IndexedColumns {
            version,
            effective_us,
            recorded_us,
            stream,
            event_type,
            actor,
            basis,
        })
    }
}

/// The column a packing that does not read back went wrong at: the first of the numbers that
/// is not one (a number column holding text, which SQLite allows), else the texts.
fn unpack_failure(packed: &str) -> &'static str {
    let mut parts = packed.splitn(4, '|');
    for name in ["version", "effective_us", "recorded_us"] {
        if parts.next().and_then(|p| p.parse::<i64>().ok()).is_none() {
            return name;
        }
    }
    "stream"
}

#[cfg(test)]
mod tests {
    use super::{IndexedColumns, unpack_failure};

    #[test]
    fn a_packing_that_does_not_read_back_names_its_column() {
        assert_eq!(unpack_failure("two|1|2|0:0:0:0:"), "version");
        assert_eq!(unpack_failure("2|1.5|2|0:0:0:0:"), "effective_us");
        assert_eq!(unpack_failure("2|1|"), "recorded_us");
        assert_eq!(unpack_failure("2|1|2|9:x"), "stream");
        assert_eq!(unpack_failure(""), "version");
    }

    #[test]
    fn a_packing_reads_back_one_way_only() {
        let cols = IndexedColumns::unpack("3|-5|17|4:a|b:5:x:y|z0:3:日").unwrap();
        assert_eq!(
            cols,
            IndexedColumns {
                version: 3,
                effective_us: -5,
                recorded_us: 17,
                stream: "a|b:",
                event_type: "x:y|z",
                actor: "",
                basis: "日",
            }
        );
        // A length that runs past the end, into the middle of a character, or leaves bytes
        // over is not a packing.
        for bad in [
            "3|-5|17|4:a|b:5:x:y|z0:3:日x",
            "3|-5|17|4:a|b:5:x:y|z0:2:日",
            "3|-5|17|9:a",
            "3|-5|4:a",
            "x|1|2|0:0:0:0:",
        ] {
            assert_eq!(IndexedColumns::unpack(bad), None, "{bad}");
        }
        assert!(IndexedColumns::unpack("1|2|3|0:0:0:0:").is_some());
    }
}

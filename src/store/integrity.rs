//! The Merkle tree tied to the stored events.
//!
//! The store persists the perfect subtrees of the RFC 9162 tree (each in the `nodes` of the
//! event row that completes it) so that roots and proofs cost O(log n) reads. Those hashes are
//! derived data: someone with database access can rewrite an event, re-hash the chain after it
//! and leave the nodes alone, and every proof served from the nodes still agrees with the
//! checkpoints signed before. So nothing here trusts a stored node that it has not tied to the
//! bodies:
//!
//! - [`Store::tied_root`] computes the root the notary signs from the bodies appended since the
//!   last checkpoint it signed (whose own root the stored nodes must still give, and whose last
//!   leaf must still be the stored body there), and compares every node those bodies complete
//!   with the stored one. A mismatch is [`StoreError::Integrity`]: nothing is signed.
//! - `verify` (see `verify.rs`) recomputes the whole tree from the bodies and compares every
//!   stored node and every issued checkpoint with it.
//! - [`Store::begin`](super::Store::begin) refuses to append when rows (with their nodes) or
//!   checkpoints lie beyond the head (a truncated tail with the head moved back, or a row
//!   appended behind the writer's back): see `begin_once`.

use govledger_schema::Digest32;
use govledger_schema::envelope::Peek;

use super::{
    Pool, SCAN_PAGE, Store, StoreError, StoredCheckpoint, StoredEvent, digest, to_i64, to_u64,
};
use crate::merkle::{self, NodeId, leaf_hash};

/// What lies beyond the committed head, read in one statement (one snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeyondHead {
    pub head_seq: u64,
    /// The first event row after the head.
    pub event: Option<u64>,
    /// The largest checkpoint issued, when it is larger than the head.
    pub checkpoint: Option<u64>,
}

impl Store {
    /// The events of seqs `(after, upto]` in order, each with the Merkle nodes its row keeps
    /// (see `NodeId::kept_at`): what `tie` checks, in one range read.
    async fn rows_with_nodes(
        &self,
        after: u64,
        upto: u64,
    ) -> Result<Vec<(StoredEvent, Option<Vec<u8>>)>, StoreError> {
        type Row = (i64, Vec<u8>, Vec<u8>, Option<Vec<u8>>);
        let rows: Vec<Row> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, hash, body, nodes FROM events WHERE seq > $1 AND seq <= $2 \
                 ORDER BY seq",
            )
            .bind(to_i64(after))
            .bind(to_i64(upto))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(seq, hash, body, nodes)| Ok((super::stored((seq, hash, body))?, nodes)))
            .collect()
    }

    /// Every checkpoint issued, smallest first.
    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, String, i64)> = with_pool!(self, |p| {
            sqlx::query_as("SELECT size, root, note, created_us FROM checkpoints ORDER BY size")
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(size, root, note, created_us)| {
                let size = to_u64(size)?;
                Ok(StoredCheckpoint {
                    size,
                    root: digest(&root, size)?,
                    note,
                    created_us,
                })
            })
            .collect()
    }

    /// The largest checkpoint issued below `size`, if any.
    pub async fn checkpoint_below(
        &self,
        size: u64,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let row: Option<(i64, Vec<u8>, String, i64)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT size, root, note, created_us FROM checkpoints WHERE size < $1 \
                 ORDER BY size DESC LIMIT 1",
            )
            .bind(to_i64(size))
            .fetch_optional(p)
            .await?
        });
        row.map(|(size, root, note, created_us)| {
            let size = to_u64(size)?;
            Ok(StoredCheckpoint {
                size,
                root: digest(&root, size)?,
                note,
                created_us,
            })
        })
        .transpose()
    }

    /// Event rows and checkpoints beyond the head, as one snapshot sees them. The writer moves
    /// the head in the transaction that inserts the rows, so in an intact ledger both are None.
    pub async fn beyond_head(&self) -> Result<BeyondHead, StoreError> {
        let (head, event, checkpoint): (i64, Option<i64>, Option<i64>) = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT h.seq, \
                 (SELECT min(e.seq) FROM events e WHERE e.seq > h.seq), \
                 (SELECT max(c.size) FROM checkpoints c WHERE c.size > h.seq) \
                 FROM ledger_head h WHERE h.id = 1",
            )
            .fetch_one(p)
            .await?
        });
        Ok(BeyondHead {
            head_seq: to_u64(head)?,
            event: event.map(to_u64).transpose()?,
            checkpoint: checkpoint.map(to_u64).transpose()?,
        })
    }

    /// The RFC 9162 root of the first `size` events, tied to the stored bodies.
    ///
    /// `base` is the last checkpoint the caller trusts (it checked the signature): its size `m`
    /// and root. The stored nodes of the tree of size `m` must give that root, and the stored
    /// body of event `m` must be its last leaf (an inclusion proof), which ties every body up
    /// to `m` through the hash chain. Then every body from `m + 1` to `size` is read: its hash
    /// recomputed, its `prev` linked, its leaf hash folded into the tree, and every node it
    /// completes compared with the stored node. Costs O(size - m) rows and O(log size) nodes;
    /// without a base it reads every body once.
    /// Once it fails with [`StoreError::Integrity`], this store (and every clone of it) appends
    /// nothing more: see [`Store::integrity_failure`].
    pub async fn tied_root(
        &self,
        size: u64,
        base: Option<(u64, Digest32)>,
    ) -> Result<Digest32, StoreError> {
        let result = self.tie(size, base).await;
        if let Err(e) = &result {
            self.note_integrity_failure(e);
        }
        result
    }

    async fn tie(&self, size: u64, base: Option<(u64, Digest32)>) -> Result<Digest32, StoreError> {
        let (m, base_root) = base.unwrap_or((0, merkle::EMPTY_ROOT));
        let integrity = |reason: String| StoreError::Integrity { reason };
        if m > size {
            return Err(integrity(format!(
                "the trusted checkpoint (size {m}) is larger than the requested size {size}"
            )));
        }
        let ids: Vec<(u8, u64)> = merkle::root_nodes(m)
            .into_iter()
            .map(|n| (n.level, n.index))
            .collect();
        let (head, nodes) = self.nodes_and_head(&ids).await?;
        if size > head.seq {
            return Err(StoreError::BeyondHead {
                size,
                head: head.seq,
            });
        }
        let hashes = ids
            .iter()
            .map(|id| {
                nodes
                    .iter()
                    .find(|(n, _)| n == id)
                    .map(|(_, h)| *h)
                    .ok_or_else(|| {
                        integrity(format!(
                            "{} of the checkpoint at size {m} is not stored",
                            NodeId::new(id.0, id.1)
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut tree =
            merkle::Frontier::from_parts(m, hashes).map_err(|e| integrity(e.to_string()))?;
        if tree.root() != base_root {
            return Err(integrity(format!(
                "the stored Merkle nodes of the first {m} events give root {}, the checkpoint \
                 signed at size {m} says {base_root}",
                tree.root()
            )));
        }
        let mut prev = Digest32::ZERO;
        if m > 0 {
            let last = self.get(m).await?.ok_or_else(|| {
                integrity(format!(
                    "event {m} is missing although a checkpoint of size {m} was signed"
                ))
            })?;
            let path = self
                .inclusion_proof(m, m)
                .await
                .map_err(|e| integrity(e.to_string()))?;
            merkle::verify_inclusion(&leaf_hash(&last.body), m - 1, m, &path, &base_root).map_err(
                |e| {
                    integrity(format!(
                        "the stored event {m} is not the last leaf of the checkpoint signed at \
                         size {m} ({e}): it, or an event before it, was rewritten"
                    ))
                },
            )?;
            prev = Digest32::of(&last.body);
        }
        let mut at = m;
        while at < size {
            let upto = size.min(at.saturating_add(SCAN_PAGE));
            for (row, nodes) in self.rows_with_nodes(at, upto).await? {
                let seq = at + 1;
                if row.seq != seq {
                    return Err(integrity(format!("event {seq} is missing")));
                }
                let kept = nodes.as_ref().map_or(0, Vec::len);
                if kept > merkle::kept_len(seq) {
                    return Err(integrity(format!(
                        "event {seq} keeps {kept} bytes of Merkle nodes where its leaf \
                         completes {}",
                        merkle::kept_len(seq)
                    )));
                }
                let hash = Digest32::of(&row.body);
                if hash != row.hash {
                    return Err(integrity(format!(
                        "event {seq}: stored hash {} but the body hashes to {hash}",
                        row.hash
                    )));
                }
                let peek =
                    Peek::of(&row.body).map_err(|e| integrity(format!("event {seq}: {e}")))?;
                if peek.prev != prev {
                    return Err(integrity(format!(
                        "event {seq}: prev is {}, the event before it hashes to {prev}",
                        peek.prev
                    )));
                }
                let mut mismatch = None;
                tree.append_with(leaf_hash(&row.body), |id, computed| {
                    if id.level > 0 && mismatch.is_none() {
                        let held = super::kept_node(id, nodes.as_deref());
                        if held != Some(computed) {
                            mismatch = Some((id, held, computed));
                        }
                    }
                })
                .map_err(|e| integrity(e.to_string()))?;
                if let Some((id, held, computed)) = mismatch {
                    return Err(integrity(node_mismatch(id, held, computed)));
                }
                prev = hash;
                at = seq;
            }
            if at < upto {
                return Err(integrity(format!("event {} is missing", at + 1)));
            }
        }
        if size == head.seq && size > m && prev != head.hash {
            return Err(integrity(format!(
                "the head names hash {} at seq {size}, the event there hashes to {prev}",
                head.hash
            )));
        }
        Ok(tree.root())
    }
}

/// Words for a stored node that does not match the node computed from the bodies.
pub(super) fn node_mismatch(id: NodeId, held: Option<Digest32>, computed: Digest32) -> String {
    let covers = id
        .leaves()
        .map(|r| format!("seqs {}..={}", r.start + 1, r.end))
        .unwrap_or_default();
    match held {
        Some(held) => format!(
            "the stored Merkle {id} ({covers}) is {held}, the bodies give {computed}: the tree \
             no longer matches the events"
        ),
        None => format!("the Merkle {id} ({covers}) is not stored"),
    }
}

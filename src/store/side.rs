//! Bookkeeping beside the chain: decided commands (idempotent retries), projection snapshots,
//! issued checkpoints, and Merkle roots and proofs read from the stored nodes.

use govledger_schema::Digest32;
use uuid::Uuid;

use super::{Pool, Store, StoreError, Tx, Writer, digest, to_i64, to_u64};
use crate::merkle::{self, NodeId, ProofPlan};

/// A command already decided: the digest of its request and the seqs of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedCommand {
    pub digest: Digest32,
    pub first_seq: u64,
    pub last_seq: u64,
}

/// A stored projection snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: u64,
    pub state_hash: Digest32,
    pub body: Vec<u8>,
}

/// A checkpoint the ledger signed and kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Digest32,
    /// The signed note, exactly as issued.
    pub note: String,
    pub created_us: i64,
}

/// Snapshots kept besides the newest (older ones are deleted).
const SNAPSHOTS_KEPT: i64 = 2;

impl Writer {
    /// The command recorded under `event_id`, if any.
    pub async fn find_command(
        &mut self,
        event_id: Uuid,
    ) -> Result<Option<DecidedCommand>, StoreError> {
        let row: Option<(Vec<u8>, i64, i64)> = with_tx!(&mut self.tx, |c| {
            sqlx::query_as("SELECT digest, first_seq, last_seq FROM commands WHERE event_id = $1")
                .bind(event_id)
                .fetch_optional(c)
                .await?
        });
        row.map(|(d, first, last)| {
            let first_seq = to_u64(first)?;
            Ok(DecidedCommand {
                digest: digest(&d, first_seq)?,
                first_seq,
                last_seq: to_u64(last)?,
            })
        })
        .transpose()
    }

    /// Which of the tokens `ids` are revoked, as this transaction sees the tokens table.
    pub async fn revoked_tokens(
        &mut self,
        ids: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut revoked = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(String,)> = with_tx!(&mut self.tx, |c| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id FROM tokens WHERE revoked_at_us IS NOT NULL AND id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await?
            });
            revoked.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(revoked)
    }

    /// Token `id`'s person, role and revocation time, as this transaction sees the tokens table.
    pub async fn token(
        &mut self,
        id: &str,
    ) -> Result<Option<(String, String, Option<i64>)>, StoreError> {
        Ok(with_tx!(&mut self.tx, |c| {
            sqlx::query_as("SELECT person, role, revoked_at_us FROM tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        }))
    }

    /// How many admin tokens are live (not revoked), as this transaction sees the tokens table.
    pub async fn live_admin_tokens(&mut self) -> Result<u64, StoreError> {
        let (n,): (i64,) = with_tx!(&mut self.tx, |c| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked_at_us IS NULL",
            )
            .fetch_one(c)
            .await?
        });
        to_u64(n)
    }

    /// Writes a new token's row inside this transaction, so that it commits with the event
    /// that records its issuance or not at all. Only the SHA-256 of the token is stored.
    pub async fn insert_token(
        &mut self,
        id: &str,
        person: &str,
        role: &str,
        secret_sha256: &[u8; 32],
        created_at_us: i64,
    ) -> Result<(), StoreError> {
        with_tx!(&mut self.tx, |c| {
            sqlx::query(
                "INSERT INTO tokens (id, person, role, secret_sha256, created_at_us, revoked_at_us) \
                 VALUES ($1, $2, $3, $4, $5, NULL)",
            )
            .bind(id)
            .bind(person)
            .bind(role)
            .bind(&secret_sha256[..])
            .bind(created_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Marks token `id` revoked at `at_us` inside this transaction (with the event that
    /// records the revocation). False if no live token has that id.
    pub async fn revoke_token(&mut self, id: &str, at_us: i64) -> Result<bool, StoreError> {
        let changed = with_tx!(&mut self.tx, |c| {
            sqlx::query(
                "UPDATE tokens SET revoked_at_us = $2 WHERE id = $1 AND revoked_at_us IS NULL",
            )
            .bind(id)
            .bind(at_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Records that the command with `digest` produced events `first..=last`, first id `event_id`.
    pub async fn record_command(
        &mut self,
        event_id: Uuid,
        digest: &Digest32,
        first: u64,
        last: u64,
    ) -> Result<(), StoreError> {
        let r = with_tx!(&mut self.tx, |c| {
            sqlx::query("INSERT INTO commands (event_id, digest, first_seq, last_seq) VALUES ($1, $2, $3, $4)")
                .bind(event_id)
                .bind(&digest.0[..])
                .bind(to_i64(first))
                .bind(to_i64(last))
                .execute(c)
                .await
                .map(|_| ())
        });
        if let Err(e) = r {
            self.poisoned = true;
            return Err(e.into());
        }
        Ok(())
    }
}

impl Store {
    /// Saves a projection snapshot and prunes older ones.
    pub async fn save_snapshot(
        &self,
        snapshot: &Snapshot,
        created_us: i64,
    ) -> Result<(), StoreError> {
        let seq = to_i64(snapshot.seq);
        with_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO snapshots (seq, state_hash, body, created_us) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (seq) DO NOTHING",
            )
            .bind(seq)
            .bind(&snapshot.state_hash.0[..])
            .bind(&snapshot.body[..])
            .bind(created_us)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM snapshots WHERE seq NOT IN \
                 (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)",
            )
            .bind(SNAPSHOTS_KEPT)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The newest snapshot at or below `max_seq`.
    pub async fn latest_snapshot(&self, max_seq: u64) -> Result<Option<Snapshot>, StoreError> {
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, state_hash, body FROM snapshots WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(to_i64(max_seq))
            .fetch_optional(p)
            .await?
        });
        row.map(|(seq, h, body)| {
            let seq = to_u64(seq)?;
            Ok(Snapshot {
                seq,
                state_hash: digest(&h, seq)?,
                body,
            })
        })
        .transpose()
    }

    /// Keeps an issued checkpoint (the first one issued at a size stays).
    pub async fn save_checkpoint(&self, cp: &StoredCheckpoint) -> Result<(), StoreError> {
        with_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO checkpoints (size, root, note, created_us) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (size) DO NOTHING",
            )
            .bind(to_i64(cp.size))
            .bind(&cp.root.0[..])
            .bind(&cp.note)
            .bind(cp.created_us)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The checkpoint issued at `size`, or the latest one when `size` is None. A checkpoint
    /// larger than the head (read in the same statement) is never handed out: the log it signed
    /// was truncated, which is [`StoreError::Integrity`].
    pub async fn checkpoint(
        &self,
        size: Option<u64>,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        type Row = (i64, Vec<u8>, String, i64, i64);
        let row: Option<Row> = match size {
            Some(size) => with_pool!(self, |p| {
                sqlx::query_as(
                    "SELECT c.size, c.root, c.note, c.created_us, h.seq \
                     FROM checkpoints c CROSS JOIN ledger_head h WHERE h.id = 1 AND c.size = $1",
                )
                .bind(to_i64(size))
                .fetch_optional(p)
                .await?
            }),
            None => with_pool!(self, |p| {
                sqlx::query_as(
                    "SELECT c.size, c.root, c.note, c.created_us, h.seq \
                     FROM checkpoints c CROSS JOIN ledger_head h WHERE h.id = 1 \
                     ORDER BY c.size DESC LIMIT 1",
                )
                .fetch_optional(p)
                .await?
            }),
        };
        row.map(|(size, root, note, created_us, head)| {
            let size = to_u64(size)?;
            let head = to_u64(head)?;
            if size > head {
                return Err(StoreError::Integrity {
                    reason: format!(
                        "a checkpoint of size {size} was issued but the ledger head is at seq \
                         {head}: events signed for were removed"
                    ),
                });
            }
            Ok(StoredCheckpoint {
                size,
                root: digest(&root, size)?,
                note,
                created_us,
            })
        })
        .transpose()
    }

    /// The RFC 9162 root of the first `size` events (`size` <= head).
    pub async fn root(&self, size: u64) -> Result<Digest32, StoreError> {
        let plan = merkle::root_plan(size);
        let nodes = self.nodes_within(plan.nodes(), size).await?;
        plan.assemble(|id| nodes.iter().find(|(n, _)| *n == id).map(|(_, h)| *h))
            .map_err(|e| StoreError::Corrupt {
                seq: size,
                reason: e.to_string(),
            })
    }

    /// The inclusion proof of the event at `seq` (1-based) in the tree of `size` events.
    pub async fn inclusion_proof(
        &self,
        seq: u64,
        size: u64,
    ) -> Result<Vec<Digest32>, ProofRequestError> {
        let plan = merkle::inclusion_plan(seq.wrapping_sub(1), size)
            .map_err(ProofRequestError::Invalid)?;
        self.assemble(&plan, size).await
    }

    /// The consistency proof between the trees of `size1` and `size2` events.
    pub async fn consistency_proof(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<Digest32>, ProofRequestError> {
        let plan = merkle::consistency_plan(size1, size2).map_err(ProofRequestError::Invalid)?;
        self.assemble(&plan, size2).await
    }

    async fn assemble(
        &self,
        plan: &ProofPlan,
        size: u64,
    ) -> Result<Vec<Digest32>, ProofRequestError> {
        let nodes = self.nodes_within(&plan.nodes(), size).await?;
        plan.assemble(|id| nodes.iter().find(|(n, _)| *n == id).map(|(_, h)| *h))
            .map_err(|e| {
                ProofRequestError::Store(StoreError::Corrupt {
                    seq: size,
                    reason: e.to_string(),
                })
            })
    }

    /// The nodes `ids` of the tree of `size` events, refused when `size` is beyond the head
    /// (read in the same statement as the nodes).
    async fn nodes_within(
        &self,
        ids: &[NodeId],
        size: u64,
    ) -> Result<Vec<(NodeId, Digest32)>, StoreError> {
        let wanted: Vec<(u8, u64)> = ids.iter().map(|n| (n.level, n.index)).collect();
        let (head, got) = self.nodes_and_head(&wanted).await?;
        if size > head.seq {
            return Err(StoreError::BeyondHead {
                size,
                head: head.seq,
            });
        }
        Ok(got
            .into_iter()
            .map(|((level, index), h)| (NodeId { level, index }, h))
            .collect())
    }
}

/// Why a proof could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ProofRequestError {
    /// The sizes or index make no proof (e.g. index beyond size, size1 > size2).
    #[error("{0}")]
    Invalid(merkle::ProofError),
    /// Seqs count from 1, and a tree of `size` events holds seqs 1..=size.
    #[error("seq {seq} is not in a tree of size {size} (seqs run from 1 to the size)")]
    BadSeq { seq: u64, size: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

//! What the C2SP tlog-tiles read API (`src/http/tiles.rs`) reads, each tile or bundle in a
//! single indexed statement.
//!
//! A hash tile of tile level `L` holds the hashes of Merkle level `8·L`: for `L = 0` the leaf
//! hashes, recomputed from one range of bodies (leaves are not stored), above that the stored
//! interior nodes, each read from the row of the event that completes it (`NodeId::kept_at`).
//! The caller decides which tiles exist (the tree they are served for); here a range that
//! comes back short is a damaged store, never an empty answer.

use govledger_schema::Digest32;

use super::{Pool, Store, StoreError, to_i64, to_u64};
use crate::merkle::{NodeId, leaf_hash};

/// Hashes per full tile (tile height 8).
const TILE_WIDTH: u64 = 256;

impl Store {
    /// The `width` hashes of hash tile `index` at tile level `tile_level`: Merkle level
    /// `8 · tile_level`, node indexes `[index · 256, index · 256 + width)`. Every one of them must
    /// be stored (the caller asks only for tiles of a tree within the head); a missing one is
    /// [`StoreError::Corrupt`].
    pub async fn tile_hashes(
        &self,
        tile_level: u8,
        index: u64,
        width: u64,
    ) -> Result<Vec<Digest32>, StoreError> {
        let start = tile_start(index, width)?;
        if tile_level == 0 {
            let bodies = self.entry_range(start, width).await?;
            return Ok(bodies.iter().map(|b| leaf_hash(b)).collect());
        }
        let level = tile_level
            .checked_mul(8)
            .ok_or_else(|| StoreError::Corrupt {
                seq: 0,
                reason: format!("tile level {tile_level} has no Merkle level"),
            })?;
        // Each node lives in the row of the event that completes it (`NodeId::kept_at`): one
        // primary-key look-up per hash, all in one statement.
        let ids: Vec<NodeId> = (start..start + width)
            .map(|index| NodeId::new(level, index))
            .collect();
        let mut seqs = Vec::with_capacity(ids.len());
        for id in &ids {
            let (seq, _) = id.kept_at().ok_or_else(|| StoreError::Corrupt {
                seq: 0,
                reason: format!("the Merkle {id} of a served tile lies beyond any seq"),
            })?;
            seqs.push(seq);
        }
        let rows: Vec<(i64, Option<Vec<u8>>)> = with_pool!(self, |p| {
            let mut q = sqlx::QueryBuilder::new("SELECT seq, nodes FROM events WHERE seq IN (");
            let mut list = q.separated(", ");
            for seq in &seqs {
                list.push_bind(to_i64(*seq));
            }
            q.push(") ORDER BY seq");
            q.build_query_as().fetch_all(p).await?
        });
        let mut hashes = Vec::with_capacity(ids.len());
        for ((id, seq), (row_seq, nodes)) in ids.iter().zip(&seqs).zip(rows) {
            if to_u64(row_seq)? != *seq {
                break;
            }
            let Some(hash) = super::kept_node(*id, nodes.as_deref()) else {
                break;
            };
            hashes.push(hash);
        }
        if hashes.len() as u64 != width {
            return Err(StoreError::Corrupt {
                seq: 0,
                reason: format!(
                    "Merkle node (level {level}, index {}) of a served tile is not stored",
                    start + hashes.len() as u64
                ),
            });
        }
        Ok(hashes)
    }

    /// The canonical bodies of entry bundle `index` of `width` entries: events of seqs
    /// `index · 256 + 1 ..= index · 256 + width`, in order. A missing event is
    /// [`StoreError::Corrupt`].
    pub async fn entry_bundle(&self, index: u64, width: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.entry_range(tile_start(index, width)?, width).await
    }

    /// Bodies of leaves `[start, start + width)` (seqs `start + 1 ..= start + width`).
    async fn entry_range(&self, start: u64, width: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<(i64, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as("SELECT seq, body FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq")
                .bind(to_i64(start))
                .bind(to_i64(start + width))
                .fetch_all(p)
                .await?
        });
        let mut bodies = Vec::with_capacity(rows.len());
        for (seq, (stored, body)) in (start + 1..).zip(rows) {
            if to_u64(stored)? != seq {
                break;
            }
            bodies.push(body);
        }
        if bodies.len() as u64 != width {
            return Err(StoreError::Corrupt {
                seq: start + bodies.len() as u64 + 1,
                reason: "the event of a served tile is not stored".into(),
            });
        }
        Ok(bodies)
    }
}

/// The first node index of tile `index`, checking that the tile's range fits (`width` is at
/// most 256, so a tile that starts below 2^63 ends there too).
fn tile_start(index: u64, width: u64) -> Result<u64, StoreError> {
    index
        .checked_mul(TILE_WIDTH)
        .filter(|start| width <= TILE_WIDTH && start.checked_add(width).is_some())
        .ok_or_else(|| StoreError::Corrupt {
            seq: 0,
            reason: format!("tile {index} of width {width} is outside any tree"),
        })
}

//! RFC 9162 §2.1 Merkle tree over the log: leaf = SHA-256(0x00 || body),
//! node = SHA-256(0x01 || left || right).
//!
//! The hash chain proves a copy is internally consistent; the Merkle tree lets an auditor prove
//! that one event belongs to the log, and that today's log extends the one they saw yesterday,
//! without downloading all of it (the Certificate Transparency construction).
//!
//! Everything here is pure and synchronous. The store persists every *perfect* subtree
//! ([`NodeId`]) as events are appended; proofs and roots are computed as **plan + assemble**:
//! a plan lists the O(log n) node ids it needs, the store fetches them however it likes, and
//! the plan folds the hashes into the RFC 9162 proof or root. Nothing here does I/O.

mod proof;
mod tree;

pub use proof::{
    ProofPlan, RootPlan, consistency_plan, consistency_proof_len, inclusion_plan,
    inclusion_proof_len, root_from_inclusion_proof, root_plan, verify_consistency,
    verify_inclusion,
};
pub use tree::Frontier;
#[cfg(any(test, feature = "test-support"))]
pub use tree::MemoryTree;

use std::fmt;
use std::ops::Range;

use govledger_schema::Digest32;
use sha2::{Digest, Sha256};

/// Root of the empty tree, MTH({}) = SHA-256() (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Digest32 = Digest32([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// Hash of a leaf: the canonical body of one event (RFC 9162 §2.1.1, domain byte 0x00 so a
/// leaf can never be passed off as an interior node).
pub fn leaf_hash(body: &[u8]) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(body);
    Digest32(h.finalize().into())
}

/// Hash of an interior node (RFC 9162 §2.1.1, domain byte 0x01).
pub fn node_hash(left: &Digest32, right: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Digest32(h.finalize().into())
}

/// A perfect subtree: node `(level, index)` covers leaves
/// `[index * 2^level, (index + 1) * 2^level)`. Level 0 is a leaf hash.
///
/// Perfect subtrees never change once their last leaf is appended, which is why the store can
/// persist them and serve any root or proof from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The leaf node of leaf `index` (0-based; event `seq` is `index + 1`).
    pub const fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }

    /// The leaves this node covers, or `None` when that range does not fit in `u64` (no such
    /// node exists in any tree whose size is a `u64`).
    pub fn leaves(&self) -> Option<Range<u64>> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        let end = start.checked_add(width)?;
        Some(start..end)
    }

    /// The node one level up whose subtree contains this one.
    pub fn parent(&self) -> NodeId {
        NodeId {
            level: self.level.saturating_add(1),
            index: self.index >> 1,
        }
    }

    /// The other child of this node's parent.
    pub fn sibling(&self) -> NodeId {
        NodeId {
            level: self.level,
            index: self.index ^ 1,
        }
    }
}

/// Where the store keeps an interior node: in the row of the event whose leaf completes it.
///
/// Appending leaf `n - 1` (the event of seq `n`) completes exactly the perfect subtrees
/// `(l, (n >> l) - 1)` for `l = 1 ..= trailing_zeros(n)`, and no other node completes at that
/// append; so every interior node has one event row, and each row holds the hashes of the
/// nodes its leaf completed, level 1 first, [`NODE_BYTES`] each (none for an odd seq; at most
/// 62 for a seq a database holds, below 2^63).
impl NodeId {
    /// The seq of the event that completes this node and keeps its hash, and the byte offset
    /// of the hash in that event's nodes; `None` for a leaf (level 0, recomputed from its
    /// body) or a node beyond any seq a database holds (`i64::MAX`).
    pub fn kept_at(&self) -> Option<(u64, usize)> {
        if self.level == 0 {
            return None;
        }
        let seq = self.leaves()?.end;
        (i64::try_from(seq).is_ok()).then(|| (seq, usize::from(self.level - 1) * NODE_BYTES))
    }
}

/// Bytes of one node hash in an event row's nodes.
pub const NODE_BYTES: usize = 32;

/// The interior nodes appending event `seq` completes, level 1 first (none for an odd seq or
/// for 0): the nodes that event's row keeps.
pub fn completed_at(seq: u64) -> impl Iterator<Item = NodeId> {
    let levels = if seq == 0 { 0 } else { seq.trailing_zeros() };
    (1..=levels).map(move |l| NodeId {
        level: l as u8,
        index: (seq >> l) - 1,
    })
}

/// The length of the nodes an event row of `seq` keeps.
pub fn kept_len(seq: u64) -> usize {
    completed_at(seq).count() * NODE_BYTES
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node (level {}, index {})", self.level, self.index)
    }
}

/// The perfect subtrees, left to right, that exactly cover the leaves `[start, end)`: the
/// "compact range". Each is the largest aligned power-of-two block that fits, so there are at
/// most 2·64 of them. For the ranges RFC 9162's MTH recursion produces (a start aligned to the
/// largest power of two not below the length) they are exactly its splits, so
/// [`hash_range`] of their hashes is MTH of the range. Empty when `start >= end`.
pub fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut at = start;
    while at < end {
        // Largest block aligned at `at` (trailing zeros) that still fits before `end`.
        let fits = (end - at).ilog2();
        let aligned = at.trailing_zeros(); // 64 for at = 0
        let level = fits.min(aligned);
        nodes.push(NodeId {
            level: level as u8,
            index: at >> level,
        });
        at += 1u64 << level;
    }
    nodes
}

/// The perfect subtrees whose hashes make the root of a tree of `size` leaves: one per set bit
/// of `size`, largest first.
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// Folds the hashes of a compact range (left to right, as [`range_nodes`] lists them) into the
/// MTH of that range: the right-most pair first, as RFC 9162's recursion does for a tree whose
/// right side is not full. Empty input gives [`EMPTY_ROOT`].
pub fn hash_range(hashes: &[Digest32]) -> Digest32 {
    let Some((last, rest)) = hashes.split_last() else {
        return EMPTY_ROOT;
    };
    rest.iter()
        .rev()
        .fold(*last, |right, left| node_hash(left, &right))
}

/// MTH(D[n]) by its recursive definition (RFC 9162 §2.1.1), from leaf hashes. O(n); the
/// reference that the stored-node paths are tested against, and small enough to read.
pub fn mth(leaf_hashes: &[Digest32]) -> Digest32 {
    match leaf_hashes {
        [] => EMPTY_ROOT,
        [one] => *one,
        _ => {
            let k = largest_power_of_two_below(leaf_hashes.len() as u64) as usize;
            node_hash(&mth(&leaf_hashes[..k]), &mth(&leaf_hashes[k..]))
        }
    }
}

/// The largest power of two strictly smaller than `n` (RFC 9162's `k`); requires `n > 1`.
pub(crate) fn largest_power_of_two_below(n: u64) -> u64 {
    1u64 << (n - 1).ilog2()
}

/// Why a proof, a plan or a root could not be made or did not verify. Verification failures
/// are ordinary outcomes on untrusted input, never panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the second tree size ({size2}) is smaller than the first ({size1})")]
    SizeDecreased { size1: u64, size2: u64 },
    #[error(
        "a consistency proof from the empty tree is meaningless: every log extends it, so check \
         a first size of 0 without a proof"
    )]
    ConsistencyFromEmptyTree,
    #[error("the sizes are equal, so the proof must be empty, but it has {len} hashes")]
    ProofNotEmpty { len: usize },
    #[error("the proof has {got} hashes where {want} are needed")]
    WrongProofLength { got: usize, want: usize },
    #[error("the proof leads to root {computed}, not the expected {expected}")]
    RootMismatch {
        computed: Digest32,
        expected: Digest32,
    },
    #[error("the proof does not lead back to the first root: got {computed}, expected {expected}")]
    FirstRootMismatch {
        computed: Digest32,
        expected: Digest32,
    },
    #[error("{0} is not stored")]
    MissingNode(NodeId),
    #[error("tree size {size} is beyond the {tree_size} leaves held")]
    SizeBeyondTree { size: u64, tree_size: u64 },
    #[error("the tree is full: it cannot hold more than u64::MAX leaves")]
    TreeFull,
    #[error("a frontier of size {size} needs {want} node hashes, {got} given")]
    FrontierShape { size: u64, want: usize, got: usize },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, Digest32::of(b""));
    }

    fn check_range(start: u64, end: u64, expect: &[(u8, u64)]) {
        let got: Vec<(u8, u64)> = range_nodes(start, end)
            .into_iter()
            .map(|n| (n.level, n.index))
            .collect();
        assert_eq!(got, expect, "range [{start}, {end})");
    }

    /// Every interior node is kept by exactly one event, the one the tree itself says
    /// completes it, at the offset of its level.
    #[test]
    fn each_interior_node_is_kept_by_the_event_that_completes_it() {
        let mut tree = tree::Frontier::new();
        let mut seen = std::collections::HashSet::new();
        for seq in 1..=1100u64 {
            let completed: Vec<NodeId> = tree
                .append(leaf_hash(&seq.to_be_bytes()))
                .unwrap()
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| id.level > 0)
                .collect();
            assert_eq!(
                completed_at(seq).collect::<Vec<_>>(),
                completed,
                "seq {seq}"
            );
            assert_eq!(kept_len(seq), completed.len() * NODE_BYTES);
            for (k, id) in completed.iter().enumerate() {
                assert_eq!(id.kept_at(), Some((seq, k * NODE_BYTES)), "{id}");
                assert!(seen.insert(*id), "{id} kept twice");
            }
        }
        assert_eq!(completed_at(0).count(), 0);
        assert_eq!(NodeId::leaf(3).kept_at(), None);
        assert_eq!(NodeId::new(62, 0).kept_at(), Some((1 << 62, 61 * 32)));
        assert_eq!(NodeId::new(62, 1).kept_at(), None); // seq 2^63 > i64::MAX
        assert_eq!(NodeId::new(63, 0).kept_at(), None);
        assert_eq!(NodeId::new(64, 0).kept_at(), None);
    }

    #[test]
    fn range_nodes_are_the_compact_range() {
        check_range(0, 0, &[]);
        check_range(5, 5, &[]);
        check_range(6, 5, &[]);
        check_range(0, 1, &[(0, 0)]);
        check_range(0, 7, &[(2, 0), (1, 2), (0, 6)]);
        check_range(0, 8, &[(3, 0)]);
        check_range(3, 13, &[(0, 3), (2, 1), (2, 2), (0, 12)]);
        check_range(4, 6, &[(1, 2)]);
    }

    #[test]
    fn range_nodes_survive_the_largest_sizes() {
        let nodes = root_nodes(u64::MAX);
        assert_eq!(nodes.len(), 64);
        assert_eq!(nodes[0], NodeId::new(63, 0));
        assert_eq!(nodes[63], NodeId::new(0, u64::MAX - 1));
        assert_eq!(
            range_nodes(u64::MAX - 1, u64::MAX),
            vec![NodeId::new(0, u64::MAX - 1)]
        );
        assert_eq!(NodeId::new(63, 1).leaves(), None);
        assert_eq!(NodeId::new(255, 0).leaves(), None);
        assert_eq!(NodeId::new(2, 3).leaves(), Some(12..16));
    }

    #[test]
    fn range_nodes_tile_the_range_exactly() {
        for start in 0..40u64 {
            for end in start..70u64 {
                let mut at = start;
                for node in range_nodes(start, end) {
                    let leaves = node.leaves().unwrap();
                    assert_eq!(leaves.start, at);
                    at = leaves.end;
                }
                assert_eq!(at, end);
            }
        }
    }

    #[test]
    fn hash_range_of_root_nodes_is_mth() {
        let leaves: Vec<Digest32> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = MemoryTree::from_leaf_hashes(leaves.iter().copied());
        for size in 0..=leaves.len() {
            let hashes: Vec<Digest32> = root_nodes(size as u64)
                .into_iter()
                .map(|n| tree.node(n).unwrap())
                .collect();
            assert_eq!(hash_range(&hashes), mth(&leaves[..size]), "size {size}");
        }
    }
}

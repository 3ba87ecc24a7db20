//! In-memory trees: a [`Frontier`] (the right border only, O(log n) memory) for appending and
//! for folding an export into its root, and, for tests only (the crate's own and, with the
//! `test-support` feature, the integration tests), a `MemoryTree` (every perfect node): the
//! reference the store's persisted nodes and proofs are checked against.

use govledger_schema::Digest32;

use super::{NodeId, ProofError, hash_range, node_hash, root_nodes};
#[cfg(any(test, feature = "test-support"))]
use super::{consistency_plan, inclusion_plan, root_plan};

/// The perfect subtrees that make up the root of a tree (its compact range `[0, size)`):
/// enough to append leaves and compute the root, not to prove anything.
///
/// Appending a leaf costs amortised O(1) hashes, so folding a million-event export is a
/// million SHA-256 calls plus a million node merges; memory stays at most 64 hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Hashes of `root_nodes(size)`, left to right (largest subtree first).
    hashes: Vec<Digest32>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Resumes a frontier from the stored hashes of [`root_nodes(size)`](root_nodes), e.g.
    /// when the store starts and must go on appending where it stopped.
    pub fn from_parts(size: u64, hashes: Vec<Digest32>) -> Result<Frontier, ProofError> {
        let want = size.count_ones() as usize;
        if hashes.len() != want {
            return Err(ProofError::FrontierShape {
                size,
                want,
                got: hashes.len(),
            });
        }
        Ok(Frontier { size, hashes })
    }

    /// Number of leaves appended.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root nodes and their hashes, left to right.
    pub fn nodes(&self) -> Vec<(NodeId, Digest32)> {
        root_nodes(self.size)
            .into_iter()
            .zip(self.hashes.iter().copied())
            .collect()
    }

    /// MTH of the leaves appended so far.
    pub fn root(&self) -> Digest32 {
        hash_range(&self.hashes)
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf_hash: Digest32) -> Result<(), ProofError> {
        self.append_with(leaf_hash, |_, _| ())
    }

    /// Appends a leaf hash and returns the perfect nodes it completed, leaf first: exactly the
    /// new rows the store must persist for this leaf.
    pub fn append(&mut self, leaf_hash: Digest32) -> Result<Vec<(NodeId, Digest32)>, ProofError> {
        let mut completed = Vec::new();
        self.append_with(leaf_hash, |id, hash| completed.push((id, hash)))?;
        Ok(completed)
    }

    /// Appends a leaf hash, calling `completed` with every perfect node it completes, leaf
    /// first, without collecting them (what `verify` compares with the stored nodes).
    pub(crate) fn append_with(
        &mut self,
        leaf_hash: Digest32,
        mut completed: impl FnMut(NodeId, Digest32),
    ) -> Result<(), ProofError> {
        let new_size = self.size.checked_add(1).ok_or(ProofError::TreeFull)?;
        let mut id = NodeId::leaf(self.size);
        let mut hash = leaf_hash;
        completed(id, hash);
        // A right child (odd index) completes its parent with the left sibling, which is the
        // last (smallest) subtree of the frontier.
        while id.index & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                // Unreachable while the frontier matches its size (checked in from_parts).
                return Err(ProofError::FrontierShape {
                    size: self.size,
                    want: self.size.count_ones() as usize,
                    got: self.hashes.len(),
                });
            };
            hash = node_hash(&left, &hash);
            id = id.parent();
            completed(id, hash);
        }
        self.hashes.push(hash);
        self.size = new_size;
        Ok(())
    }
}

/// Every perfect node of a tree held in memory: what the store persists, without a database.
/// Memory is about two hashes per leaf, so this is for tests and modest trees; use a
/// [`Frontier`] to fold a large export.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of node (l, i); only complete nodes are present.
    levels: Vec<Vec<Digest32>>,
}

#[cfg(any(test, feature = "test-support"))]
impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Digest32>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for leaf in leaf_hashes {
            tree.append(leaf);
        }
        tree
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf hash and every perfect node it completes.
    pub fn append(&mut self, leaf_hash: Digest32) {
        let mut level = 0;
        let mut hash = leaf_hash;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let len = row.len();
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&row[len - 2], &row[len - 1]);
            level += 1;
        }
    }

    /// The hash of a complete perfect node, if this tree has it.
    pub fn node(&self, id: NodeId) -> Option<Digest32> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        let tree_size = self.size();
        if size > tree_size {
            return Err(ProofError::SizeBeyondTree { size, tree_size });
        }
        Ok(())
    }

    /// Root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Digest32, ProofError> {
        self.check_size(size)?;
        root_plan(size).assemble(|id| self.node(id))
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Digest32>, ProofError> {
        self.check_size(size)?;
        inclusion_plan(index, size)?.assemble(|id| self.node(id))
    }

    /// Consistency proof between the trees of the first `size1` and `size2` leaves.
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Digest32>, ProofError> {
        self.check_size(size2)?;
        consistency_plan(size1, size2)?.assemble(|id| self.node(id))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;
    use crate::merkle::{leaf_hash, mth};

    #[test]
    fn frontier_and_memory_tree_agree_with_mth_at_every_size() {
        let leaves: Vec<Digest32> = (0u32..300).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let mut frontier = Frontier::new();
        let mut tree = MemoryTree::new();
        assert_eq!(frontier.root(), mth(&[]));
        for (i, leaf) in leaves.iter().enumerate() {
            let completed = frontier.append(*leaf).unwrap();
            tree.append(*leaf);
            for (id, hash) in completed {
                assert_eq!(tree.node(id), Some(hash), "{id}");
            }
            let size = i as u64 + 1;
            assert_eq!(frontier.size(), size);
            assert_eq!(frontier.root(), mth(&leaves[..=i]));
            assert_eq!(tree.root(size).unwrap(), frontier.root());
            let resumed =
                Frontier::from_parts(size, frontier.nodes().iter().map(|n| n.1).collect());
            assert_eq!(resumed.as_ref(), Ok(&frontier));
        }
    }

    #[test]
    fn frontier_refuses_a_wrong_shape_and_a_full_tree() {
        assert!(Frontier::from_parts(3, vec![Digest32::ZERO]).is_err());
        let mut full = Frontier::from_parts(u64::MAX, vec![Digest32::ZERO; 64]).unwrap();
        assert_eq!(full.push(Digest32::ZERO), Err(ProofError::TreeFull));
    }

    #[test]
    fn memory_tree_refuses_sizes_it_does_not_hold() {
        let tree = MemoryTree::from_leaf_hashes([Digest32::ZERO; 3]);
        assert!(tree.root(4).is_err());
        assert!(tree.inclusion_proof(0, 4).is_err());
        assert!(tree.consistency_proof(1, 4).is_err());
        assert!(tree.node(NodeId::new(200, 0)).is_none());
        assert!(tree.node(NodeId::new(0, u64::MAX)).is_none());
    }
}

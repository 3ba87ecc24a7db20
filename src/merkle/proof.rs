//! Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4): planning which stored nodes a
//! proof needs, assembling it from their hashes, and verifying it.
//!
//! Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2, with the edge cases decided as the
//! transparency-dev/merkle Go verifier decides them (its probe files are our test vectors):
//! the proof length is checked exactly before any hashing, equal sizes need an empty proof and
//! equal roots, and a consistency proof from size 0 is refused.

use govledger_schema::Digest32;

use super::{
    EMPTY_ROOT, NodeId, ProofError, hash_range, largest_power_of_two_below, node_hash, range_nodes,
    root_nodes,
};

/// The stored nodes a proof needs, grouped per proof element.
///
/// Each proof element is MTH of a leaf range; the range is a compact range of perfect subtrees,
/// usually one, at most one element per proof is several ("ephemeral" node on the right edge).
/// Total nodes: O(log n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    elements: Vec<Vec<NodeId>>,
}

impl ProofPlan {
    /// Every node to fetch, in proof order (each exactly once: the ranges are disjoint).
    pub fn nodes(&self) -> Vec<NodeId> {
        self.elements.iter().flatten().copied().collect()
    }

    /// Number of hashes in the proof.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Folds the fetched node hashes into the proof path, leaf-to-root order as RFC 9162
    /// prints it. `lookup` is asked for each node of [`ProofPlan::nodes`] once.
    pub fn assemble(
        &self,
        mut lookup: impl FnMut(NodeId) -> Option<Digest32>,
    ) -> Result<Vec<Digest32>, ProofError> {
        self.elements
            .iter()
            .map(|nodes| fold_nodes(nodes, &mut lookup))
            .collect()
    }
}

/// The stored nodes whose hashes make the root of a tree of `size` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    nodes: Vec<NodeId>,
}

impl RootPlan {
    /// Every node to fetch: one per set bit of the size, largest first.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The root hash; [`EMPTY_ROOT`] for size 0.
    pub fn assemble(
        &self,
        mut lookup: impl FnMut(NodeId) -> Option<Digest32>,
    ) -> Result<Digest32, ProofError> {
        if self.nodes.is_empty() {
            return Ok(EMPTY_ROOT);
        }
        fold_nodes(&self.nodes, &mut lookup)
    }
}

fn fold_nodes(
    nodes: &[NodeId],
    lookup: &mut impl FnMut(NodeId) -> Option<Digest32>,
) -> Result<Digest32, ProofError> {
    let hashes = nodes
        .iter()
        .map(|&id| lookup(id).ok_or(ProofError::MissingNode(id)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(hash_range(&hashes))
}

/// Plan for the root of a tree of `size` leaves (RFC 9162 §2.1.1 MTH).
pub fn root_plan(size: u64) -> RootPlan {
    RootPlan {
        nodes: root_nodes(size),
    }
}

/// Plan for the inclusion proof of leaf `index` in the tree of `size` leaves: PATH(m, D[n]) of
/// RFC 9162 §2.1.3.1, unrolled from the root down and then reversed into leaf-to-root order.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut elements = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = largest_power_of_two_below(hi - lo);
        if index - lo < k {
            // PATH(m, D[0:k]) : MTH(D[k:n])
            elements.push(range_nodes(lo + k, hi));
            hi = lo + k;
        } else {
            // PATH(m - k, D[k:n]) : MTH(D[0:k])
            elements.push(range_nodes(lo, lo + k));
            lo += k;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

/// Plan for the consistency proof between trees of `size1` and `size2` leaves:
/// SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, leaf-to-root order. Equal sizes give an
/// empty proof; `size1 = 0` is refused, as the verifier refuses it.
pub fn consistency_plan(size1: u64, size2: u64) -> Result<ProofPlan, ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizeDecreased { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::ConsistencyFromEmptyTree);
    }
    let mut elements = Vec::new();
    let (mut lo, mut hi) = (0u64, size2);
    let mut m = size1; // relative to lo
    let mut whole_old_tree = true; // RFC's `b`: the subtree is the old tree itself
    loop {
        let n = hi - lo;
        if m == n {
            // SUBPROOF(m, D[m], b): nothing when the verifier already knows this root.
            if !whole_old_tree {
                elements.push(range_nodes(lo, hi));
            }
            break;
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            elements.push(range_nodes(lo + k, hi));
            hi = lo + k;
        } else {
            // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            elements.push(range_nodes(lo, lo + k));
            lo += k;
            m -= k;
            whole_old_tree = false;
        }
    }
    elements.reverse();
    Ok(ProofPlan { elements })
}

/// The exact length of the inclusion proof for `index` in a tree of `size`: the siblings below
/// the point where the paths to `index` and to the last leaf part (`inner`), plus one hash per
/// left subtree above it (`border`).
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decompose_inclusion(index, size);
    Ok((inner + border) as usize)
}

fn decompose_inclusion(index: u64, size: u64) -> (u32, u32) {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    // `inner` can be 64, where a plain shift would overflow.
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}

/// The exact length of the consistency proof between `size1` and `size2`.
pub fn consistency_proof_len(size1: u64, size2: u64) -> Result<usize, ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizeDecreased { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::ConsistencyFromEmptyTree);
    }
    if size1 == size2 {
        return Ok(0);
    }
    let (inner, border) = decompose_inclusion(size1 - 1, size2);
    // Below level `shift` the old tree's last perfect subtree is one node the proof gives whole.
    let shift = size1.trailing_zeros();
    let seed = usize::from(!size1.is_power_of_two());
    Ok(seed + (inner.saturating_sub(shift) + border) as usize)
}

/// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5), after checking
/// the proof has exactly the right length.
pub fn root_from_inclusion_proof(
    leaf_hash: &Digest32,
    index: u64,
    size: u64,
    proof: &[Digest32],
) -> Result<Digest32, ProofError> {
    let want = inclusion_proof_len(index, size)?;
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with root `root`
/// (RFC 9162 §2.1.3.2).
///
/// The proof does not bind the size on its own: a proof for size 5 also "verifies" for size 6
/// against the size-5 root, since both walk the same path. Take `size` and `root` together from
/// one verified checkpoint, never the size from the request and the root from elsewhere.
pub fn verify_inclusion(
    leaf_hash: &Digest32,
    index: u64,
    size: u64,
    proof: &[Digest32],
    root: &Digest32,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1`
/// leaves with root `root1` (RFC 9162 §2.1.4.2).
///
/// `size1 = 0` is refused (as the Go verifier does): the empty tree is a prefix of every tree,
/// so a caller holding a size-0 checkpoint has nothing to check and needs no proof.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Digest32],
    root1: &Digest32,
    root2: &Digest32,
) -> Result<(), ProofError> {
    let want = consistency_proof_len(size1, size2)?;
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::ProofNotEmpty { len: proof.len() });
        }
        if root1 != root2 {
            return Err(ProofError::RootMismatch {
                computed: *root1,
                expected: *root2,
            });
        }
        return Ok(());
    }
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    // Step 2: when size1 is a power of two the old root is itself the first node of the path.
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(ProofError::WrongProofLength { got: 0, want }),
        }
    };
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    if fr != *root1 {
        return Err(ProofError::FirstRootMismatch {
            computed: fr,
            expected: *root1,
        });
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *root2,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    #[test]
    fn plan_lengths_match_the_verifier_lengths() {
        for size in 1..200u64 {
            for index in 0..size {
                let plan = inclusion_plan(index, size).unwrap();
                assert_eq!(plan.len(), inclusion_proof_len(index, size).unwrap());
            }
            for size1 in 1..=size {
                let plan = consistency_plan(size1, size).unwrap();
                assert_eq!(plan.len(), consistency_proof_len(size1, size).unwrap());
            }
        }
    }

    #[test]
    fn plans_read_logarithmically_many_nodes() {
        for size in [1u64, 2, 3, 1000, 1 << 20, (1 << 40) + 12345, u64::MAX] {
            for index in [0, size / 3, size / 2, size - 1] {
                let nodes = inclusion_plan(index, size).unwrap().nodes().len();
                assert!(nodes <= 2 * 64, "inclusion {index}/{size}: {nodes} nodes");
            }
            for size1 in [1, size / 3 + 1, size - 1, size] {
                let size1 = size1.max(1);
                let nodes = consistency_plan(size1, size).unwrap().nodes().len();
                assert!(nodes <= 2 * 64, "consistency {size1}/{size}: {nodes} nodes");
            }
        }
    }

    #[test]
    fn huge_and_wrong_inputs_are_errors_not_panics() {
        let h = Digest32::of(b"x");
        assert!(inclusion_plan(0, 0).is_err());
        assert!(inclusion_plan(u64::MAX, u64::MAX).is_err());
        assert!(consistency_plan(0, 5).is_err());
        assert!(consistency_plan(6, 5).is_err());
        assert!(verify_inclusion(&h, u64::MAX - 1, u64::MAX, &[], &h).is_err());
        assert!(verify_inclusion(&h, 1 << 63, u64::MAX, &[h; 64], &h).is_err());
        assert!(verify_consistency(1, u64::MAX, &[h; 64], &h, &h).is_err());
        assert!(verify_consistency(u64::MAX, u64::MAX, &[], &h, &h).is_ok());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &[], &h, &h).is_err());
        assert!(verify_consistency(3, 5, &[], &h, &h).is_err());
        assert_eq!(
            inclusion_plan(3, 8).unwrap().assemble(|_| None),
            Err(ProofError::MissingNode(NodeId::new(0, 2)))
        );
    }
}

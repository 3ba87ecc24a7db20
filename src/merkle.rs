//! RFC 9162 §2.1 Merkle tree over the log: leaf = SHA-256(0x00 || body),
//! node = SHA-256(0x01 || left || right).

use govledger_schema::Digest32;
use sha2::{Digest, Sha256};

/// Hash of a leaf: the canonical body of one event.
pub fn leaf_hash(body: &[u8]) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(body);
    Digest32(h.finalize().into())
}

/// Hash of an interior node.
pub fn node_hash(left: &Digest32, right: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Digest32(h.finalize().into())
}

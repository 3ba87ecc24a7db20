//! Signed checkpoints over the log, and their offline verification.
//!
//! The notary signs C2SP tlog-checkpoints (origin, size, RFC 9162 root) with the ledger's
//! Ed25519 key and keeps every one it issued. An auditor who keeps a checkpoint can later ask
//! for a consistency proof from it to a newer one: if anything before the kept size was
//! rewritten (even with every later hash recomputed), the proof cannot verify.
//!
//! [`verify_export`] is the offline check of an export file against a kept checkpoint: every
//! body canonical, every hash and chain link recomputed, the Merkle root of the first `size`
//! events equal to the checkpoint's, and the checkpoint's signature valid.

use std::path::{Path, PathBuf};

use chrono::Utc;
use govledger_schema::{Digest32, Event};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use crate::checkpoint::{self, Checkpoint, Signer, Verifier};
use crate::merkle::{self, leaf_hash};
use crate::store::{MAX_LINE_BYTES, Store, StoreError, StoredCheckpoint};
use crate::witness::Witnesses;

/// The ledger's checkpoint signer, and the witnesses it asks to cosign.
#[derive(Debug, Clone)]
pub struct Notary {
    signer: Signer,
    witnesses: Option<Witnesses>,
}

impl Notary {
    /// A secret for `purpose` derived from the signing key (see [`Signer::derive_secret`]).
    pub fn derive_secret(&self, purpose: &str) -> [u8; 32] {
        self.signer.derive_secret(purpose)
    }

    pub fn new(signer: Signer) -> Notary {
        Notary {
            signer,
            witnesses: None,
        }
    }

    /// Loads the signing key, refusing a key file that others can read.
    pub fn from_key_file(path: &Path) -> Result<Notary, checkpoint::KeyFileError> {
        Ok(Notary::new(checkpoint::read_signer_key(path)?))
    }

    /// Asks these witnesses to cosign the checkpoints this notary issues (see
    /// [`Notary::collect_cosignatures`]).
    pub fn with_witnesses(mut self, witnesses: Witnesses) -> Notary {
        self.witnesses = (!witnesses.endpoints().is_empty()).then_some(witnesses);
        self
    }

    /// Sends `cp` to every configured witness that has not cosigned it, with a consistency
    /// proof from the size that witness last cosigned, and keeps each valid cosignature
    /// (table `cosignatures`; the note itself stays as signed). Witnesses that fail are logged,
    /// not errors: the checkpoint stands without them. Nothing happens without witnesses.
    pub async fn collect_cosignatures(&self, store: &Store, cp: &StoredCheckpoint) {
        if let Some(witnesses) = &self.witnesses {
            witnesses.collect(store, cp).await;
        }
    }

    /// The checkpoint as served: the note the log signed, followed by the cosignature lines
    /// kept for its size (c2sp.org/tlog-cosignature: one signed note, several signatures).
    pub async fn cosigned_note(
        &self,
        store: &Store,
        cp: &StoredCheckpoint,
    ) -> Result<String, StoreError> {
        let mut note = cp.note.clone();
        for c in store.cosignatures(cp.size).await? {
            note.push_str(&c.line);
            note.push('\n');
        }
        Ok(note)
    }

    /// The checkpoints' origin line (the key's name).
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The public key in note verifier format: `<name>+<key id>+<base64 key>`.
    pub fn verifier(&self) -> Verifier {
        self.signer.verifier()
    }

    /// Signs (or returns the already issued) checkpoint at the current head.
    pub async fn checkpoint_now(&self, store: &Store) -> Result<StoredCheckpoint, NotaryError> {
        let head = store.head().await?;
        self.checkpoint_at(store, head.seq).await
    }

    /// Signs (or returns the already issued) checkpoint of the first `size` events.
    pub async fn checkpoint_at(
        &self,
        store: &Store,
        size: u64,
    ) -> Result<StoredCheckpoint, NotaryError> {
        if let Some(cp) = store.checkpoint(Some(size)).await? {
            return Ok(cp);
        }
        let root = self.tied_root(store, size).await?;
        let cp = Checkpoint {
            origin: self.origin().to_owned(),
            size,
            root,
            extensions: Vec::new(),
        };
        let note = cp
            .sign(&self.signer)
            .map_err(|e| NotaryError::Sign(e.to_string()))?;
        let stored = StoredCheckpoint {
            size,
            root,
            note,
            created_us: Utc::now().timestamp_micros(),
        };
        store.save_checkpoint(&stored).await?;
        // Another instance may have issued one at this size first: the kept one wins.
        Ok(store.checkpoint(Some(size)).await?.unwrap_or(stored))
    }
}

impl Notary {
    /// Checks that the stored log at the head is still the one this notary signed (the bodies
    /// since its last checkpoint, the nodes, the head), without signing anything: what a server
    /// does when it starts. A failure leaves the store refusing to append.
    pub async fn check(&self, store: &Store) -> Result<Digest32, NotaryError> {
        let head = store.head().await?;
        self.tied_root(store, head.seq).await
    }

    /// The root of the first `size` events as the stored bodies give it, tied to the last
    /// checkpoint this notary signed below `size` (its signature checked with this key, so a
    /// row written into the table by hand is no base): see [`Store::tied_root`]. The stored
    /// Merkle nodes serve proofs, but a root is never signed from them alone.
    async fn tied_root(&self, store: &Store, size: u64) -> Result<Digest32, NotaryError> {
        let base = match store.checkpoint_below(size).await? {
            None => None,
            Some(kept) => {
                let opened = Checkpoint::open(kept.note.as_bytes(), &self.verifier()).map_err(
                    |e| StoreError::Integrity {
                        reason: format!(
                            "the kept checkpoint of size {} does not open with this log's key: {e}",
                            kept.size
                        ),
                    },
                )?;
                if (opened.size, opened.root) != (kept.size, kept.root) {
                    return Err(StoreError::Integrity {
                        reason: format!(
                            "the kept checkpoint row of size {} says root {}, its signed note \
                             says size {} root {}",
                            kept.size, kept.root, opened.size, opened.root
                        ),
                    }
                    .into());
                }
                Some((opened.size, opened.root))
            }
        };
        store.tied_root(size, base).await.map_err(|e| {
            if matches!(e, StoreError::Integrity { .. }) {
                tracing::error!(error = %e, size, "refusing to sign a checkpoint");
            }
            e.into()
        })
    }
}

/// Why a checkpoint could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum NotaryError {
    #[error("signing failed: {0}")]
    Sign(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The default key file for a database URL: beside a SQLite file (`ledger.db` →
/// `ledger.db.key`), else `govledger.key` in the working directory.
pub fn default_key_path(db_url: &str) -> PathBuf {
    let path = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"));
    match path {
        Some(p) if !p.is_empty() && !p.starts_with(':') => {
            let p = p.split('?').next().unwrap_or(p);
            PathBuf::from(format!("{p}.key"))
        }
        _ => PathBuf::from("govledger.key"),
    }
}

/// What an offline verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineReport {
    pub events: u64,
    pub checkpoint_size: u64,
    pub root: Digest32,
    pub head: Digest32,
}

/// Why an export does not verify.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    #[error("the export has {events} events, fewer than the checkpoint's size {size}")]
    TooShort { events: u64, size: u64 },
    #[error("Merkle root of the first {size} events is {computed}, the checkpoint says {signed}")]
    RootMismatch {
        size: u64,
        computed: Digest32,
        signed: Digest32,
    },
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
}

/// Verifies an export (JSON Lines of canonical bodies) against a signed checkpoint and the
/// log's public key, without any database or server.
pub async fn verify_export(
    input: &mut (impl AsyncBufRead + Unpin),
    checkpoint_note: &[u8],
    key: &Verifier,
    mut progress: impl FnMut(u64),
) -> Result<OfflineReport, OfflineError> {
    let cp = Checkpoint::open(checkpoint_note, key)
        .map_err(|e| OfflineError::Checkpoint(e.to_string()))?;
    let mut frontier = merkle::Frontier::new();
    let mut root_at_size = (cp.size == 0).then_some(merkle::EMPTY_ROOT);
    let mut prev = Digest32::ZERO;
    let mut n = 0u64;
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        let read = (&mut *input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            break;
        }
        n += 1;
        let bad = |reason: String| OfflineError::Line { line: n, reason };
        if line.len() > MAX_LINE_BYTES {
            return Err(bad(format!(
                "longer than {MAX_LINE_BYTES} bytes with its newline"
            )));
        }
        if line.pop() != Some(b'\n') {
            return Err(bad("does not end with a newline".into()));
        }
        let event = Event::decode(&line).map_err(|e| bad(e.to_string()))?;
        if event.seq != n {
            return Err(bad(format!("seq is {}, expected {n}", event.seq)));
        }
        if event.prev != prev {
            return Err(bad(format!(
                "prev {} is not the hash of the line before ({prev})",
                event.prev
            )));
        }
        prev = Digest32::of(&line);
        frontier
            .push(leaf_hash(&line))
            .map_err(|e| bad(e.to_string()))?;
        if n == cp.size {
            root_at_size = Some(frontier.root());
        }
        progress(n);
    }
    let Some(root) = root_at_size else {
        return Err(OfflineError::TooShort {
            events: n,
            size: cp.size,
        });
    };
    if root != cp.root {
        return Err(OfflineError::RootMismatch {
            size: cp.size,
            computed: root,
            signed: cp.root,
        });
    }
    Ok(OfflineReport {
        events: n,
        checkpoint_size: cp.size,
        root,
        head: prev,
    })
}

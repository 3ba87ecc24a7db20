//! The witness's state: for each log (by origin) every checkpoint it cosigned, and the evidence
//! of every fork it was shown. Its own SQLite file and its own tiny schema, created here: the
//! witness shares nothing with the ledger it watches.
//!
//! `add_checkpoint` is the whole protocol (c2sp.org/tlog-witness "add-checkpoint"): the checks
//! in the spec's order, and the new checkpoint persisted before the cosignature is made, under
//! one write transaction (`BEGIN IMMEDIATE`) so that two requests can never both pass the
//! old-size check (the spec's roll-back race) — not even from two processes on one file.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
use govledger_schema::Digest32;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::checkpoint::{Checkpoint, Cosigner, NoteError, Verifier, open_note};
use crate::merkle::verify_consistency;

use super::protocol::AddCheckpoint;

/// The witness's schema. `IF NOT EXISTS` throughout: opening an existing state file changes
/// nothing. Both tables refuse UPDATE and DELETE: what a witness cosigned, and the forks it
/// saw, are its testimony.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS cosigned (
    origin      TEXT    NOT NULL,   -- the log's origin line
    size        INTEGER NOT NULL,
    root        BLOB    NOT NULL,
    note        TEXT    NOT NULL,   -- the checkpoint as the log sent it (its signature checked)
    cosigned_us INTEGER NOT NULL,
    PRIMARY KEY (origin, size)
);
CREATE TRIGGER IF NOT EXISTS cosigned_no_update BEFORE UPDATE ON cosigned
BEGIN SELECT RAISE(ABORT, 'witness: cosigned checkpoints are kept (UPDATE refused)'); END;
CREATE TRIGGER IF NOT EXISTS cosigned_no_delete BEFORE DELETE ON cosigned
BEGIN SELECT RAISE(ABORT, 'witness: cosigned checkpoints are kept (DELETE refused)'); END;

-- A checkpoint the log signed that contradicts one this witness cosigned: the two notes, both
-- signed by the log, are a split view anyone can check.
CREATE TABLE IF NOT EXISTS forks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    origin         TEXT    NOT NULL,
    cosigned_size  INTEGER NOT NULL,
    cosigned_note  TEXT    NOT NULL, -- the checkpoint this witness had cosigned
    offered_size   INTEGER NOT NULL,
    offered_note   TEXT    NOT NULL, -- the log-signed checkpoint that contradicts it
    request        TEXT    NOT NULL, -- the whole add-checkpoint body (old size, proof, note)
    reason         TEXT    NOT NULL,
    received_us    INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS forks_no_update BEFORE UPDATE ON forks
BEGIN SELECT RAISE(ABORT, 'witness: fork evidence is kept (UPDATE refused)'); END;
CREATE TRIGGER IF NOT EXISTS forks_no_delete BEFORE DELETE ON forks
BEGIN SELECT RAISE(ABORT, 'witness: fork evidence is kept (DELETE refused)'); END;
"#;

/// Why a request is not cosigned; each maps to the status the spec names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: a malformed request, or an old size above the checkpoint's.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no log with this origin is configured.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// 403: no signature by the log's key verifies.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    NotSigned(String),
    /// 409: the old size is not the size last cosigned (which the answer carries), or the
    /// checkpoint has that size but another root.
    #[error("{reason}")]
    Conflict { latest: u64, reason: String },
    /// 422: the consistency proof does not verify.
    #[error("{0}")]
    BadProof(String),
    /// 500: the state could not be read or written (nothing was cosigned).
    #[error("witness state: {0}")]
    State(String),
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Refusal {
        Refusal::State(e.to_string())
    }
}

/// A fork seen and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    pub origin: String,
    pub cosigned_size: u64,
    pub cosigned_note: String,
    pub offered_size: u64,
    pub offered_note: String,
    pub reason: String,
}

/// The witness: its key, the logs it watches and its state file.
#[derive(Debug)]
pub struct Witness {
    pool: SqlitePool,
    cosigner: Cosigner,
    /// Log keys by origin (a checkpoint's origin is its log key's name).
    logs: HashMap<String, Vec<Verifier>>,
}

/// A checkpoint cosigned for an origin.
#[derive(Debug, Clone)]
struct Latest {
    size: u64,
    root: Digest32,
    note: String,
}

impl Witness {
    /// Opens (creating if needed) the state file at `path` and its schema.
    pub async fn open(
        path: &Path,
        cosigner: Cosigner,
        log_keys: Vec<Verifier>,
    ) -> Result<Witness, sqlx::Error> {
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // The spec: persist the new checkpoint before answering. FULL syncs every commit.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        let mut logs: HashMap<String, Vec<Verifier>> = HashMap::new();
        for key in log_keys {
            logs.entry(key.name().to_owned()).or_default().push(key);
        }
        Ok(Witness {
            pool,
            cosigner,
            logs,
        })
    }

    pub fn cosigner(&self) -> &Cosigner {
        &self.cosigner
    }

    /// Handles one add-checkpoint request body; the cosignature line on success.
    pub async fn add_checkpoint(&self, body: &[u8]) -> Result<String, Refusal> {
        let req = AddCheckpoint::parse(body).map_err(Refusal::BadRequest)?;
        let parsed = crate::checkpoint::parse_note(&req.note)
            .map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
        let cp = Checkpoint::parse_body(&parsed.body)
            .map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
        let keys = self
            .logs
            .get(&cp.origin)
            .ok_or_else(|| Refusal::UnknownOrigin(cp.origin.clone()))?;
        open_note(&req.note, keys).map_err(|e| match e {
            NoteError::Malformed(_) | NoteError::BadSignatureLine { .. } => {
                Refusal::BadRequest(format!("checkpoint: {e}"))
            }
            e => Refusal::NotSigned(e.to_string()),
        })?;
        if req.old_size > cp.size {
            return Err(Refusal::BadRequest(format!(
                "old size {} is larger than the checkpoint's size {}",
                req.old_size, cp.size
            )));
        }
        let note = String::from_utf8_lossy(&req.note).into_owned();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let latest = latest(&mut tx, &cp.origin).await?;
        let outcome = check(&req, &cp, latest.as_ref());
        if let Err(refusal) = &outcome {
            let evidence = self
                .evidence(&mut tx, &req, &cp, &note, latest.as_ref(), refusal)
                .await?;
            if let Some(evidence) = evidence {
                save_fork(&mut tx, &evidence, body).await?;
                tracing::error!(
                    origin = %cp.origin,
                    cosigned_size = evidence.cosigned_size,
                    offered_size = cp.size,
                    reason = %evidence.reason,
                    "FORK: the log signed a checkpoint that contradicts one this witness cosigned; evidence kept"
                );
            }
            tx.commit().await?;
            return Err(refusal.clone());
        }
        sqlx::query(
            "INSERT INTO cosigned (origin, size, root, note, cosigned_us) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (origin, size) DO NOTHING",
        )
        .bind(&cp.origin)
        .bind(i64::try_from(cp.size).map_err(|_| Refusal::BadRequest("size too large".into()))?)
        .bind(&cp.root.0[..])
        .bind(&note)
        .bind(Utc::now().timestamp_micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        self.cosigner
            .cosign(&parsed.body, now)
            .map_err(|e| Refusal::State(format!("cannot cosign: {e}")))
    }

    /// Evidence of a fork, when the refusal shows one: the log signed (its signature was
    /// checked before) a checkpoint that contradicts one this witness cosigned — another root
    /// at a size it cosigned, or a consistency proof from its latest that does not verify.
    async fn evidence(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        req: &AddCheckpoint,
        cp: &Checkpoint,
        note: &str,
        latest: Option<&Latest>,
        refusal: &Refusal,
    ) -> Result<Option<ForkEvidence>, Refusal> {
        let (cosigned, reason) = match refusal {
            // Only a proof that was checked: from the latest cosigned size, to a larger one.
            Refusal::BadProof(why) => match latest {
                Some(l) if 0 < l.size && l.size == req.old_size && l.size < cp.size => {
                    (l.clone(), why.clone())
                }
                _ => return Ok(None),
            },
            Refusal::Conflict { .. } => match cosigned_at(tx, &cp.origin, cp.size).await? {
                Some(c) if c.root != cp.root => {
                    let why = format!(
                        "this witness cosigned size {} with root {}; the log now signs root {}",
                        c.size, c.root, cp.root
                    );
                    (c, why)
                }
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(Some(ForkEvidence {
            origin: cp.origin.clone(),
            cosigned_size: cosigned.size,
            cosigned_note: cosigned.note,
            offered_size: cp.size,
            offered_note: note.to_owned(),
            reason,
        }))
    }

    /// Every fork seen, oldest first.
    pub async fn forks(&self) -> Result<Vec<ForkEvidence>, sqlx::Error> {
        type Row = (String, i64, String, i64, String, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT origin, cosigned_size, cosigned_note, offered_size, offered_note, reason \
             FROM forks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(origin, cs, cosigned_note, os, offered_note, reason)| ForkEvidence {
                    origin,
                    cosigned_size: u64::try_from(cs).unwrap_or(0),
                    cosigned_note,
                    offered_size: u64::try_from(os).unwrap_or(0),
                    offered_note,
                    reason,
                },
            )
            .collect())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The spec's checks against the latest cosigned checkpoint, in its order.
fn check(req: &AddCheckpoint, cp: &Checkpoint, latest: Option<&Latest>) -> Result<(), Refusal> {
    let latest_size = latest.map_or(0, |l| l.size);
    if req.old_size != latest_size {
        let reason = match latest {
            Some(l) if l.size == cp.size && l.root != cp.root => format!(
                "this witness cosigned size {} with root {}; the checkpoint has root {}",
                l.size, l.root, cp.root
            ),
            _ => format!(
                "old size {} is not the size this witness last cosigned ({latest_size})",
                req.old_size
            ),
        };
        return Err(Refusal::Conflict {
            latest: latest_size,
            reason,
        });
    }
    if req.old_size == 0 || req.old_size == cp.size {
        if !req.proof.is_empty() {
            return Err(Refusal::BadProof(format!(
                "a proof from size {} to {} is empty; {} lines were sent",
                req.old_size,
                cp.size,
                req.proof.len()
            )));
        }
        if let Some(l) = latest
            && l.size == cp.size
            && l.root != cp.root
        {
            return Err(Refusal::Conflict {
                latest: l.size,
                reason: format!(
                    "this witness cosigned size {} with root {}; the checkpoint has root {}",
                    l.size, l.root, cp.root
                ),
            });
        }
        return Ok(());
    }
    // old_size == latest_size > 0, so there is a latest.
    let Some(l) = latest else {
        return Err(Refusal::State(
            "no cosigned checkpoint at the old size".into(),
        ));
    };
    verify_consistency(l.size, cp.size, &req.proof, &l.root, &cp.root).map_err(|e| {
        Refusal::BadProof(format!(
            "the checkpoint of size {} does not extend the one of size {} this witness cosigned: {e}",
            cp.size, l.size
        ))
    })
}

/// The latest checkpoint cosigned for `origin`.
async fn latest(
    tx: &mut Transaction<'static, Sqlite>,
    origin: &str,
) -> Result<Option<Latest>, Refusal> {
    let row: Option<(i64, Vec<u8>, String)> = sqlx::query_as(
        "SELECT size, root, note FROM cosigned WHERE origin = $1 ORDER BY size DESC LIMIT 1",
    )
    .bind(origin)
    .fetch_optional(&mut **tx)
    .await?;
    to_latest(row)
}

/// The checkpoint cosigned for `origin` at `size`, if any.
async fn cosigned_at(
    tx: &mut Transaction<'static, Sqlite>,
    origin: &str,
    size: u64,
) -> Result<Option<Latest>, Refusal> {
    let row: Option<(i64, Vec<u8>, String)> =
        sqlx::query_as("SELECT size, root, note FROM cosigned WHERE origin = $1 AND size = $2")
            .bind(origin)
            .bind(i64::try_from(size).unwrap_or(i64::MAX))
            .fetch_optional(&mut **tx)
            .await?;
    to_latest(row)
}

fn to_latest(row: Option<(i64, Vec<u8>, String)>) -> Result<Option<Latest>, Refusal> {
    row.map(|(size, root, note)| {
        Ok(Latest {
            size: u64::try_from(size).map_err(|_| Refusal::State(format!("stored size {size}")))?,
            root: Digest32::from_slice(&root)
                .ok_or_else(|| Refusal::State("a stored root is not 32 bytes".into()))?,
            note,
        })
    })
    .transpose()
}

async fn save_fork(
    tx: &mut Transaction<'static, Sqlite>,
    e: &ForkEvidence,
    request: &[u8],
) -> Result<(), Refusal> {
    let size = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    // Once per pair of notes: a log retrying the same checkpoint (every minute, say) adds
    // nothing to the evidence.
    sqlx::query(
        "INSERT INTO forks (origin, cosigned_size, cosigned_note, offered_size, offered_note, \
         request, reason, received_us) SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
         WHERE NOT EXISTS (SELECT 1 FROM forks WHERE origin = $1 AND cosigned_note = $3 \
         AND offered_note = $5)",
    )
    .bind(&e.origin)
    .bind(size(e.cosigned_size))
    .bind(&e.cosigned_note)
    .bind(size(e.offered_size))
    .bind(&e.offered_note)
    .bind(String::from_utf8_lossy(request).into_owned())
    .bind(&e.reason)
    .bind(Utc::now().timestamp_micros())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

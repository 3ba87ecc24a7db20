//! Read queries the HTTP API asks of the store: filtered event listings and the tokens table.
//! One fixed statement each, every value bound; both backends run the same text.

use govledger_schema::Digest32;

use super::{Pool, Store, StoreError, StoredEvent, to_i64};

/// Filters of an event listing (`GET /v1/events`); `None` matches every event.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventFilter {
    pub event_type: Option<String>,
    pub stream: Option<String>,
    pub actor: Option<String>,
    /// A prefix of the event's basis (`第6条` matches `第6条第2項`).
    pub basis: Option<String>,
    pub effective_from_us: Option<i64>,
    /// Exclusive.
    pub effective_to_us: Option<i64>,
    pub recorded_from_us: Option<i64>,
    /// Exclusive.
    pub recorded_to_us: Option<i64>,
}

/// A row of the tokens table, without its secret's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub person: String,
    pub role: String,
    pub created_at_us: i64,
    pub revoked_at_us: Option<i64>,
}

/// What authenticating a token needs of its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCredential {
    pub person: String,
    pub role: String,
    pub secret_sha256: Vec<u8>,
    pub revoked_at_us: Option<i64>,
}

/// Sizes of the store's connection pool (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

impl Store {
    /// Events with `after < seq <= upto` matching `f`, in seq order, at most `limit`. Each
    /// filter is a `($n IS NULL OR …)` clause; the scan walks the primary key from `after`.
    pub async fn events_matching(
        &self,
        f: &EventFilter,
        after: u64,
        upto: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT seq, hash, body FROM events \
                 WHERE seq > $1 AND seq <= $2 \
                   AND ($3 IS NULL OR type = $3) \
                   AND ($4 IS NULL OR stream = $4) \
                   AND ($5 IS NULL OR actor = $5) \
                   AND ($6 IS NULL OR substr(basis, 1, length($6)) = $6) \
                   AND ($7 IS NULL OR effective_us >= $7) \
                   AND ($8 IS NULL OR effective_us < $8) \
                   AND ($9 IS NULL OR recorded_us >= $9) \
                   AND ($10 IS NULL OR recorded_us < $10) \
                 ORDER BY seq LIMIT $11",
            )
            .bind(to_i64(after))
            .bind(to_i64(upto))
            .bind(f.event_type.as_deref())
            .bind(f.stream.as_deref())
            .bind(f.actor.as_deref())
            .bind(f.basis.as_deref())
            .bind(f.effective_from_us)
            .bind(f.effective_to_us)
            .bind(f.recorded_from_us)
            .bind(f.recorded_to_us)
            .bind(to_i64(limit))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(seq, hash, body)| {
                let seq = u64::try_from(seq).map_err(|_| StoreError::Corrupt {
                    seq: 0,
                    reason: format!("negative seq {seq}"),
                })?;
                let hash = Digest32::from_slice(&hash).ok_or_else(|| StoreError::Corrupt {
                    seq,
                    reason: "stored hash is not 32 bytes".into(),
                })?;
                Ok(StoredEvent { seq, hash, body })
            })
            .collect()
    }

    /// Whether any event up to `upto` names `actor`. Unindexed: a name that never acted costs
    /// a scan of the log.
    pub async fn has_acted(&self, actor: &str, upto: u64) -> Result<bool, StoreError> {
        let found: Option<i64> = with_pool!(self, |p| {
            sqlx::query_scalar("SELECT seq FROM events WHERE actor = $1 AND seq <= $2 LIMIT 1")
                .bind(actor)
                .bind(to_i64(upto))
                .fetch_optional(p)
                .await?
        });
        Ok(found.is_some())
    }

    /// The version of `stream` as of seq `upto` (0: none of its events yet).
    pub async fn stream_version_at(&self, stream: &str, upto: u64) -> Result<u64, StoreError> {
        let v: Option<i64> = with_pool!(self, |p| {
            sqlx::query_scalar("SELECT max(version) FROM events WHERE stream = $1 AND seq <= $2")
                .bind(stream)
                .bind(to_i64(upto))
                .fetch_one(p)
                .await?
        });
        Ok(v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
    }

    /// Every token, oldest first.
    pub async fn token_rows(&self) -> Result<Vec<TokenRow>, StoreError> {
        let rows: Vec<(String, String, String, i64, Option<i64>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, person, role, created_at_us, revoked_at_us FROM tokens \
                 ORDER BY created_at_us, id",
            )
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, person, role, created_at_us, revoked_at_us)| TokenRow {
                    id,
                    person,
                    role,
                    created_at_us,
                    revoked_at_us,
                },
            )
            .collect())
    }

    /// The token with id `id`, for authenticating it.
    pub async fn token_credential(&self, id: &str) -> Result<Option<TokenCredential>, StoreError> {
        let row: Option<(String, String, Vec<u8>, Option<i64>)> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT person, role, secret_sha256, revoked_at_us FROM tokens WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(
            |(person, role, secret_sha256, revoked_at_us)| TokenCredential {
                person,
                role,
                secret_sha256,
                revoked_at_us,
            },
        ))
    }

    /// The connection pool's current and largest size.
    pub fn pool_stats(&self) -> PoolStats {
        match &self.pool {
            Pool::Sqlite(p) => PoolStats {
                size: p.size(),
                idle: p.num_idle(),
                max: p.options().get_max_connections(),
            },
            Pool::Postgres(p) => PoolStats {
                size: p.size(),
                idle: p.num_idle(),
                max: p.options().get_max_connections(),
            },
        }
    }
}

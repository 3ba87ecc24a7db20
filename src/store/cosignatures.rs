//! Witness cosignatures of issued checkpoints (table `cosignatures`, append-only). The
//! checkpoint's own note is never changed: the lines kept here are appended when it is served.

use super::{Pool, Store, StoreError, to_i64, to_u64};

/// A witness's cosignature line for the checkpoint of `size`, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCosignature {
    pub size: u64,
    /// The witness's key name.
    pub witness: String,
    /// Its cosignature key id.
    pub key_id: u32,
    /// The cosignature's time (POSIX seconds).
    pub timestamp: u64,
    /// The note signature line, without its newline.
    pub line: String,
    pub received_us: i64,
}

impl Store {
    /// Keeps a cosignature (the first one a witness gave for a size stays).
    pub async fn save_cosignature(&self, c: &StoredCosignature) -> Result<(), StoreError> {
        with_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO cosignatures (size, witness, key_id, timestamp, line, received_us) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (size, witness, key_id) DO NOTHING",
            )
            .bind(to_i64(c.size))
            .bind(&c.witness)
            .bind(i64::from(c.key_id))
            .bind(to_i64(c.timestamp))
            .bind(&c.line)
            .bind(c.received_us)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The cosignatures kept for the checkpoint of `size`, by witness name.
    pub async fn cosignatures(&self, size: u64) -> Result<Vec<StoredCosignature>, StoreError> {
        type Row = (i64, String, i64, i64, String, i64);
        let rows: Vec<Row> = with_pool!(self, |p| {
            sqlx::query_as(
                "SELECT size, witness, key_id, timestamp, line, received_us FROM cosignatures \
                 WHERE size = $1 ORDER BY witness, key_id",
            )
            .bind(to_i64(size))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(size, witness, key_id, timestamp, line, received_us)| {
                Ok(StoredCosignature {
                    size: to_u64(size)?,
                    witness,
                    key_id: u32::try_from(key_id).map_err(|_| StoreError::Corrupt {
                        seq: 0,
                        reason: format!("cosignature key id {key_id} is not 32 bits"),
                    })?,
                    timestamp: to_u64(timestamp)?,
                    line,
                    received_us,
                })
            })
            .collect()
    }

    /// The largest checkpoint size the witness (`name`, `key_id`) cosigned for this log.
    pub async fn last_cosigned(&self, name: &str, key_id: u32) -> Result<Option<u64>, StoreError> {
        let size: Option<i64> = with_pool!(self, |p| {
            sqlx::query_scalar(
                "SELECT max(size) FROM cosignatures WHERE witness = $1 AND key_id = $2",
            )
            .bind(name)
            .bind(i64::from(key_id))
            .fetch_one(p)
            .await?
        });
        size.map(to_u64).transpose()
    }
}

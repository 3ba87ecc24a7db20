//! Bearer tokens: issue, revoke, list, authenticate.
//!
//! A token reads `glt_<id>_<secret>`: `id` is 16 hex digits (public, names the token in lists
//! and events), `secret` is 32 random bytes in unpadded base64url. Only SHA-256 of the whole
//! token string is stored; authentication recomputes it and compares in constant time.
//! Issuing and revoking are each recorded as an event on the stream `tokens` (data: token
//! id, person, role — never the secret), on the authority of 第10条第1項.
//!
//! The token row and its event are written in one transaction (the store's writer): a token
//! never works without the event that records its issuance, and a revocation is never in
//! force without its event, whatever fails or crashes in between.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use govledger_schema::{Meta, NewEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::{Committed, ExpectedVersion, Store, StoreError};

/// The stream that records token events.
pub const TOKENS_STREAM: &str = "tokens";
/// The article that issuing and revoking access credentials rests on.
pub const TOKEN_BASIS: &str = "第10条第1項";
pub const TOKEN_ISSUED: &str = "token.issued.v1";
pub const TOKEN_REVOKED: &str = "token.revoked.v1";
const PREFIX: &str = "glt_";

/// What a token may do: auditors read, admins also write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Auditor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        match s {
            "auditor" => Some(Role::Auditor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling: the authenticated token's person and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub token_id: String,
    pub person: String,
    pub role: Role,
}

/// A token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub person: String,
    pub role: Role,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A freshly issued token: the only time its secret exists outside the caller's hands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: String,
    pub person: String,
    pub role: Role,
    /// The bearer secret, shown once: `glt_<id>_<secret>`.
    pub token: String,
    /// The `token.issued.v1` event that records the issue.
    pub seq: u64,
    pub hash: String,
}

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("person: {0}")]
    BadPerson(&'static str),
    #[error("no token with id {0}")]
    Unknown(String),
    #[error("token {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("no randomness available: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> TokenError {
        TokenError::Store(StoreError::Database(e))
    }
}

/// Why a presented token is not accepted (all are 401 to the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("the token is not of the form glt_<id>_<secret>")]
    Malformed,
    #[error("unknown token")]
    Unknown,
    #[error("the token has been revoked")]
    Revoked,
}

/// Runs the same code against whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match ($store.sqlite_pool(), $store.postgres_pool()) {
            (Some($p), _) => $body,
            (None, Some($p)) => $body,
            (None, None) => {
                return Err(StoreError::Corrupt {
                    seq: 0,
                    reason: "the store has no database pool".into(),
                }
                .into());
            }
        }
    };
}

fn check_person(person: &str) -> Result<(), TokenError> {
    if person.trim().is_empty() {
        return Err(TokenError::BadPerson("must name a person"));
    }
    if person.len() > govledger_schema::envelope::MAX_NAME_LEN {
        return Err(TokenError::BadPerson("longer than 200 bytes"));
    }
    if person.chars().any(char::is_control) {
        return Err(TokenError::BadPerson("control characters are not allowed"));
    }
    Ok(())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], TokenError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(buf)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Issues a token for `person` with `role`, recorded with `actor` as the one who issued it.
pub async fn issue(
    store: &Store,
    person: &str,
    role: Role,
    actor: &str,
    request_id: Option<String>,
) -> Result<IssuedToken, TokenError> {
    check_person(person)?;
    check_person(actor)?;
    let id = hex::encode(random_bytes::<8>()?);
    let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let token = format!("{PREFIX}{id}_{secret}");
    let hash = digest(&token);
    let event = token_event(TOKEN_ISSUED, &id, person, role, actor, request_id);
    let mut writer = store.begin().await?;
    writer
        .insert_token(
            &id,
            person,
            role.as_str(),
            &hash,
            Utc::now().timestamp_micros(),
        )
        .await?;
    let committed = writer
        .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
        .await?;
    writer.commit().await?;
    let c = first(committed)?;
    Ok(IssuedToken {
        id,
        person: person.to_owned(),
        role,
        token,
        seq: c.seq,
        hash: c.hash.to_hex(),
    })
}

/// Revokes token `id`, recorded with `actor` as the one who revoked it. Returns the event.
pub async fn revoke(
    store: &Store,
    id: &str,
    actor: &str,
    request_id: Option<String>,
) -> Result<Committed, TokenError> {
    check_person(actor)?;
    let row: Option<(String, String, Option<i64>)> = on_pool!(store, |p| {
        sqlx::query_as("SELECT person, role, revoked_at_us FROM tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?
    });
    let Some((person, role, revoked)) = row else {
        return Err(TokenError::Unknown(id.to_owned()));
    };
    if revoked.is_some() {
        return Err(TokenError::AlreadyRevoked(id.to_owned()));
    }
    let role = Role::parse(&role).ok_or_else(|| {
        TokenError::Store(StoreError::Corrupt {
            seq: 0,
            reason: format!("token {id} has role {role:?}"),
        })
    })?;
    let event = token_event(TOKEN_REVOKED, id, &person, role, actor, request_id);
    let mut writer = store.begin().await?;
    if !writer
        .revoke_token(id, Utc::now().timestamp_micros())
        .await?
    {
        // Revoked by someone else since the look-up above; dropping the writer rolls back.
        return Err(TokenError::AlreadyRevoked(id.to_owned()));
    }
    let committed = writer
        .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
        .await?;
    writer.commit().await?;
    first(committed)
}

fn first(committed: Vec<Committed>) -> Result<Committed, TokenError> {
    committed.into_iter().next().ok_or_else(|| {
        TokenError::Store(StoreError::Corrupt {
            seq: 0,
            reason: "an append of one event committed none".into(),
        })
    })
}

fn token_event(
    event_type: &str,
    id: &str,
    person: &str,
    role: Role,
    actor: &str,
    request_id: Option<String>,
) -> NewEvent {
    NewEvent {
        id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        data: serde_json::json!({ "token_id": id, "person": person, "role": role.as_str() }),
        meta: Meta {
            actor: actor.to_owned(),
            acting_for: None,
            basis: TOKEN_BASIS.to_owned(),
            // The meta field is bounded; an over-long client-chosen request id is dropped.
            request_id: request_id.filter(|r| r.len() <= govledger_schema::envelope::MAX_NAME_LEN),
            causation_id: None,
        },
        effective_at: crate::jst::now(),
    }
}

/// Every token, oldest first.
pub async fn list(store: &Store) -> Result<Vec<TokenInfo>, TokenError> {
    let rows: Vec<(String, String, String, i64, Option<i64>)> = on_pool!(store, |p| {
        sqlx::query_as(
            "SELECT id, person, role, created_at_us, revoked_at_us FROM tokens \
             ORDER BY created_at_us, id",
        )
        .fetch_all(p)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(id, person, role, created, revoked)| {
            Some(TokenInfo {
                id,
                person,
                role: Role::parse(&role)?,
                created_at: micros_rfc3339(created),
                revoked_at: revoked.map(micros_rfc3339),
            })
        })
        .collect())
}

fn micros_rfc3339(us: i64) -> String {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_default()
}

/// Checks a presented bearer token. `Ok(Err(_))` is a refusal; `Err(_)` a database failure.
/// What never changes about a token once issued (the database refuses any UPDATE but the
/// revocation), remembered after its first successful look-up so that a decision's request
/// needs no database read for its token: [`authenticate_for_decision`].
#[derive(Debug, Default)]
pub struct TokenCache {
    known: std::sync::RwLock<std::collections::HashMap<String, KnownToken>>,
}

#[derive(Debug, Clone)]
struct KnownToken {
    person: String,
    role: Role,
    secret_sha256: Vec<u8>,
}

impl TokenCache {
    fn get(&self, id: &str) -> Option<KnownToken> {
        self.known.read().ok().and_then(|m| m.get(id).cloned())
    }

    fn remember(&self, id: &str, token: KnownToken) {
        if let Ok(mut m) = self.known.write() {
            m.insert(id.to_owned(), token);
        }
    }
}

/// Authenticates a token presented with a decision. The token's person, role and secret come
/// from `cache` when it has them (the database otherwise); whether the token has been revoked
/// is **not** checked here but by the ledger when it decides the command, under the write
/// lock (see `CommandRequest::token`), so a revocation committed before the decision — by
/// this process, another instance or the CLI — always refuses it.
pub async fn authenticate_for_decision(
    store: &Store,
    cache: &TokenCache,
    token: &str,
) -> Result<Result<Caller, AuthFailure>, StoreError> {
    let Some(id) = token_id(token) else {
        return Ok(Err(AuthFailure::Malformed));
    };
    let Some(known) = cache.get(id) else {
        let caller = authenticate(store, token).await?;
        if let Ok(c) = &caller {
            cache.remember(
                id,
                KnownToken {
                    person: c.person.clone(),
                    role: c.role,
                    secret_sha256: digest(token).to_vec(),
                },
            );
        }
        return Ok(caller);
    };
    if !bool::from(digest(token).as_slice().ct_eq(&known.secret_sha256)) {
        return Ok(Err(AuthFailure::Unknown));
    }
    Ok(Ok(Caller {
        token_id: id.to_owned(),
        person: known.person,
        role: known.role,
    }))
}

/// The id part of a well-formed token `glt_<id>_<secret>`.
fn token_id(token: &str) -> Option<&str> {
    token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(id, secret)| {
            id.len() == 16
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && !secret.is_empty()
                && secret.len() <= 128
        })
        .map(|(id, _)| id)
}

pub async fn authenticate(
    store: &Store,
    token: &str,
) -> Result<Result<Caller, AuthFailure>, StoreError> {
    let Some(id) = token_id(token) else {
        return Ok(Err(AuthFailure::Malformed));
    };
    let row: Option<(String, String, Vec<u8>, Option<i64>)> = on_pool!(store, |p| {
        sqlx::query_as(
            "SELECT person, role, secret_sha256, revoked_at_us FROM tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await?
    });
    let Some((person, role, stored, revoked)) = row else {
        return Ok(Err(AuthFailure::Unknown));
    };
    let presented = digest(token);
    if !bool::from(presented.as_slice().ct_eq(stored.as_slice())) {
        return Ok(Err(AuthFailure::Unknown));
    }
    if revoked.is_some() {
        return Ok(Err(AuthFailure::Revoked));
    }
    let Some(role) = Role::parse(&role) else {
        return Ok(Err(AuthFailure::Unknown));
    };
    Ok(Ok(Caller {
        token_id: id.to_owned(),
        person,
        role,
    }))
}

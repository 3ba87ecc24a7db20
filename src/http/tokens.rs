//! Bearer tokens: issue, revoke, list, authenticate.
//!
//! A token reads `glt_<id>_<secret>`: `id` is 16 hex digits (public, names the token in lists
//! and events), `secret` is 32 random bytes in unpadded base64url. Only SHA-256 of the whole
//! token string is stored; authentication recomputes it and compares in constant time.
//! Issuing and revoking are each recorded as an event on the stream `tokens` (data: token
//! id, person, role — never the secret), on the authority of 第4条第1項: the system
//! administrator admits people to the ledger (`rules::admission`, which decides who may, at
//! the ledger's locked head, as a command is decided).
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

use crate::ledger::Ledger;
use crate::rules::{Refusal, admission};
use crate::store::{Committed, ExpectedVersion, Store, StoreError};

/// The stream that records token events.
pub const TOKENS_STREAM: &str = "tokens";
/// The article that issuing and revoking access credentials rests on (see `rules::admission`).
pub const TOKEN_BASIS: &str = admission::ADMISSION;
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

impl From<Role> for govledger_schema::events::TokenRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Auditor => govledger_schema::events::TokenRole::Auditor,
            Role::Admin => govledger_schema::events::TokenRole::Admin,
        }
    }
}

/// Who issues a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A person of the ledger, who must hold the system administrator's post (第4条第1項).
    Person(String),
    /// The database's operator, for the ledger's first admin token: only while no admin token
    /// is live, only to the system administrator; recorded with `"bootstrap": true`.
    Bootstrap,
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
    /// Who may issue or revoke, or to whom, refused by `rules::admission`; nothing recorded.
    #[error(transparent)]
    Refused(#[from] Refusal),
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

/// A new token: its id, the whole bearer string, and the SHA-256 that is stored.
struct Minted {
    id: String,
    token: String,
    hash: [u8; 32],
}

fn mint() -> Result<Minted, TokenError> {
    let id = hex::encode(random_bytes::<8>()?);
    let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let token = format!("{PREFIX}{id}_{secret}");
    let hash = digest(&token);
    Ok(Minted { id, token, hash })
}

/// Issues a `role` token for `person`, by `by`. Decided under the ledger's write lock against
/// the state at the head it appends after (`rules::admission::issue_token`): the person must
/// be known to the ledger now, the issuer the system administrator now (or the bootstrap while
/// no admin token is live). A refusal records nothing.
pub async fn issue(
    ledger: &Ledger,
    person: &str,
    role: Role,
    by: &Issuer,
    request_id: Option<String>,
) -> Result<IssuedToken, TokenError> {
    check_person(person)?;
    if let Issuer::Person(actor) = by {
        check_person(actor)?;
    }
    let minted = mint()?;
    let at = crate::jst::now();
    let mut locked = ledger.lock().await?;
    let issuer = match by {
        Issuer::Person(actor) => admission::Issuer::Person(actor),
        Issuer::Bootstrap => admission::Issuer::Bootstrap {
            live_admin_tokens: locked.writer().live_admin_tokens().await?,
        },
    };
    let basis = locked.read(|s| admission::issue_token(s, person, role.into(), issuer, at))?;
    let (actor, bootstrap) = match by {
        Issuer::Person(actor) => (actor.as_str(), false),
        // Nobody of the ledger decided it: the token's own person, and the event says so.
        Issuer::Bootstrap => (person, true),
    };
    let event = token_event(
        TOKEN_ISSUED,
        TokenFacts {
            id: &minted.id,
            person,
            role,
            bootstrap,
        },
        actor,
        basis,
        at,
        request_id,
    );
    let committed = write_issued(locked.writer(), &minted, person, role, event).await?;
    locked.commit().await?;
    issued(minted, person, role, committed)
}

/// Revokes token `id`, by `actor`, who must hold the system administrator's post now (decided
/// under the ledger's write lock, as [`issue`]). Returns the event.
pub async fn revoke(
    ledger: &Ledger,
    id: &str,
    actor: &str,
    request_id: Option<String>,
) -> Result<Committed, TokenError> {
    check_person(actor)?;
    let at = crate::jst::now();
    let mut locked = ledger.lock().await?;
    let basis = locked.read(|s| admission::revoke_token(s, actor, at))?;
    let writer = locked.writer();
    let Some((person, role, revoked)) = writer.token(id).await? else {
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
    let event = token_event(
        TOKEN_REVOKED,
        TokenFacts {
            id,
            person: &person,
            role,
            bootstrap: false,
        },
        actor,
        basis,
        at,
        request_id,
    );
    if !writer
        .revoke_token(id, Utc::now().timestamp_micros())
        .await?
    {
        // Cannot happen under the lock; dropping the lock rolls back.
        return Err(TokenError::AlreadyRevoked(id.to_owned()));
    }
    let committed = writer
        .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
        .await?;
    locked.commit().await?;
    first(committed)
}

/// Issues a token with no check of who may or to whom, recorded with `actor` (any text) on
/// the basis [`TOKEN_BASIS`]: for test fixtures and benchmarks on ledgers built by hand (an
/// uninitialised ledger has nobody who could issue one). The CLI and the HTTP API never call
/// it; they go through [`issue`]. Whoever can call it can write the database anyway.
pub async fn issue_unchecked(
    store: &Store,
    person: &str,
    role: Role,
    actor: &str,
    request_id: Option<String>,
) -> Result<IssuedToken, TokenError> {
    check_person(person)?;
    check_person(actor)?;
    let minted = mint()?;
    let event = token_event(
        TOKEN_ISSUED,
        TokenFacts {
            id: &minted.id,
            person,
            role,
            bootstrap: false,
        },
        actor,
        TOKEN_BASIS,
        crate::jst::now(),
        request_id,
    );
    let mut writer = store.begin().await?;
    let committed = write_issued(&mut writer, &minted, person, role, event).await?;
    writer.commit().await?;
    issued(minted, person, role, committed)
}

/// A new token's row and the event that records it, in the caller's transaction (so that
/// neither commits without the other).
async fn write_issued(
    writer: &mut crate::store::Writer,
    minted: &Minted,
    person: &str,
    role: Role,
    event: NewEvent,
) -> Result<Vec<Committed>, TokenError> {
    writer
        .insert_token(
            &minted.id,
            person,
            role.as_str(),
            &minted.hash,
            Utc::now().timestamp_micros(),
        )
        .await?;
    Ok(writer
        .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
        .await?)
}

/// What the issuer is told once the token's transaction committed.
fn issued(
    minted: Minted,
    person: &str,
    role: Role,
    committed: Vec<Committed>,
) -> Result<IssuedToken, TokenError> {
    let c = first(committed)?;
    Ok(IssuedToken {
        id: minted.id,
        person: person.to_owned(),
        role,
        token: minted.token,
        seq: c.seq,
        hash: c.hash.to_hex(),
    })
}

fn first(committed: Vec<Committed>) -> Result<Committed, TokenError> {
    committed.into_iter().next().ok_or_else(|| {
        TokenError::Store(StoreError::Corrupt {
            seq: 0,
            reason: "an append of one event committed none".into(),
        })
    })
}

/// What a token event says of its token.
struct TokenFacts<'a> {
    id: &'a str,
    person: &'a str,
    role: Role,
    bootstrap: bool,
}

fn token_event(
    event_type: &str,
    token: TokenFacts<'_>,
    actor: &str,
    basis: &str,
    effective_at: chrono::DateTime<chrono::FixedOffset>,
    request_id: Option<String>,
) -> NewEvent {
    let mut data = serde_json::json!({
        "token_id": token.id, "person": token.person, "role": token.role.as_str()
    });
    if token.bootstrap {
        data["bootstrap"] = serde_json::Value::Bool(true);
    }
    NewEvent {
        id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        data,
        meta: Meta {
            actor: actor.to_owned(),
            acting_for: None,
            basis: basis.to_owned(),
            // The meta field is bounded; an over-long client-chosen request id is dropped.
            request_id: request_id.filter(|r| r.len() <= govledger_schema::envelope::MAX_NAME_LEN),
            causation_id: None,
        },
        effective_at,
    }
}

/// Every token, oldest first.
pub async fn list(store: &Store) -> Result<Vec<TokenInfo>, TokenError> {
    Ok(store
        .token_rows()
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(TokenInfo {
                id: row.id,
                person: row.person,
                role: Role::parse(&row.role)?,
                created_at: micros_rfc3339(row.created_at_us),
                revoked_at: row.revoked_at_us.map(micros_rfc3339),
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
    let Some(row) = store.token_credential(id).await? else {
        return Ok(Err(AuthFailure::Unknown));
    };
    let presented = digest(token);
    if !bool::from(presented.as_slice().ct_eq(row.secret_sha256.as_slice())) {
        return Ok(Err(AuthFailure::Unknown));
    }
    if row.revoked_at_us.is_some() {
        return Ok(Err(AuthFailure::Revoked));
    }
    let Some(role) = Role::parse(&row.role) else {
        return Ok(Err(AuthFailure::Unknown));
    };
    Ok(Ok(Caller {
        token_id: id.to_owned(),
        person: row.person,
        role,
    }))
}

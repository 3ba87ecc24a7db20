//! Bearer tokens at the API's edge: the role as the API and the CLI spell it, the shapes of
//! an issued and a listed token, and authentication. Issuing, revoking and listing are the
//! ledger's own acts (`ledger::tokens`: decided at the locked head by `rules::admission`,
//! recorded as typed events in the same transaction as the token's row); the functions here
//! call them and shape their answers.
//!
//! Authentication recomputes SHA-256 of the presented token and compares it in constant time
//! with the stored one.

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::ledger::Ledger;
pub use crate::ledger::tokens::{
    Issuer, TOKEN_BASIS, TOKEN_ISSUED, TOKEN_REVOKED, TOKENS_STREAM, TokenError,
};
use crate::ledger::tokens::{NewToken, digest, role_of, token_id};
use crate::store::{Committed, Store, StoreError};
use govledger_schema::events::TokenRole;

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
        role_of(s).map(Role::from)
    }
}

impl From<Role> for TokenRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Auditor => TokenRole::Auditor,
            Role::Admin => TokenRole::Admin,
        }
    }
}

impl From<TokenRole> for Role {
    fn from(role: TokenRole) -> Self {
        match role {
            TokenRole::Auditor => Role::Auditor,
            TokenRole::Admin => Role::Admin,
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

/// Issues a `role` token for `person`, by `by` ([`Ledger::issue_token`]: decided at the
/// locked head, a refusal records nothing).
pub async fn issue(
    ledger: &Ledger,
    person: &str,
    role: Role,
    by: &Issuer,
    request_id: Option<String>,
) -> Result<IssuedToken, TokenError> {
    Ok(issued(
        ledger
            .issue_token(person, role.into(), by, request_id)
            .await?,
    ))
}

/// Revokes token `id`, by `actor` ([`Ledger::revoke_token`]). Returns the event.
pub async fn revoke(
    ledger: &Ledger,
    id: &str,
    actor: &str,
    request_id: Option<String>,
) -> Result<Committed, TokenError> {
    ledger.revoke_token(id, actor, request_id).await
}

/// What the issuer is told once the token's transaction committed.
pub fn issued(new: NewToken) -> IssuedToken {
    IssuedToken {
        id: new.id,
        person: new.person,
        role: new.role.into(),
        token: new.token,
        seq: new.event.seq,
        hash: new.event.hash.to_hex(),
    }
}

/// Every token, oldest first.
pub async fn list(ledger: &Ledger) -> Result<Vec<TokenInfo>, TokenError> {
    Ok(ledger
        .tokens()
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: t.id,
            person: t.person,
            role: t.role.into(),
            created_at: micros_rfc3339(t.created_at_us),
            revoked_at: t.revoked_at_us.map(micros_rfc3339),
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

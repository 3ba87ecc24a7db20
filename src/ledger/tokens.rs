//! Bearer tokens, the ledger's own acts: issuing, revoking and listing them.
//!
//! A token reads `glt_<id>_<secret>`: `id` is 16 hex digits (public, names the token in lists
//! and events), `secret` is 32 random bytes in unpadded base64url. Only SHA-256 of the whole
//! token string is stored. Issuing and revoking are decided like a command: under the ledger's
//! write lock, against the state at the locked head ([`Ledger::lock`]), by `rules::admission`
//! (第4条第1項: only the system administrator admits people to the ledger). They are recorded
//! as the typed events `TokenIssued`/`TokenRevoked` on the stream `tokens`, appended through
//! the ledger's writer (the one sealer, the store's refusal to append onto a changed history)
//! in the same transaction as the token's row, and folded and announced when it commits. So a
//! token never works without the event that records its issue, and a revocation is never in
//! force without its event, whatever fails in between.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, FixedOffset, Timelike};
use govledger_schema::events::{EventPayload, TokenIssued, TokenRevoked, TokenRole};
use govledger_schema::{Meta, NewEvent};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Ledger, Locked};
use crate::rules::{Refusal, admission};
use crate::store::{Committed, ExpectedVersion, StoreError};

/// The stream that records token events.
pub const TOKENS_STREAM: &str = "tokens";
/// The article that issuing and revoking access credentials rests on (see `rules::admission`).
pub const TOKEN_BASIS: &str = admission::ADMISSION;
pub const TOKEN_ISSUED: &str = TokenIssued::EVENT_TYPE;
pub const TOKEN_REVOKED: &str = TokenRevoked::EVENT_TYPE;
const PREFIX: &str = "glt_";

/// Who issues a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A person of the ledger, who must hold the system administrator's post (第4条第1項).
    Person(String),
    /// The database's operator, for the ledger's first admin token: only while no admin token
    /// is live, only to the system administrator; recorded with `"bootstrap": true`.
    Bootstrap,
}

/// Why a token operation failed. Nothing was recorded.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Who may issue or revoke, or to whom, refused by `rules::admission`.
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

/// A token just issued: the only time its secret exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub person: String,
    pub role: TokenRole,
    /// The bearer secret, `glt_<id>_<secret>`.
    pub token: String,
    /// The `token.issued.v1` event that records the issue.
    pub event: Committed,
}

/// A token as kept (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub person: String,
    pub role: TokenRole,
    pub created_at_us: i64,
    pub revoked_at_us: Option<i64>,
}

/// The name a role is kept under in the tokens table.
pub fn role_name(role: TokenRole) -> &'static str {
    match role {
        TokenRole::Auditor => "auditor",
        TokenRole::Admin => "admin",
    }
}

/// The role kept under `name`, if it is one.
pub fn role_of(name: &str) -> Option<TokenRole> {
    match name {
        "auditor" => Some(TokenRole::Auditor),
        "admin" => Some(TokenRole::Admin),
        _ => None,
    }
}

/// SHA-256 of a whole token string: what is stored and compared.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The id part of a well-formed token `glt_<id>_<secret>`.
pub fn token_id(token: &str) -> Option<&str> {
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

/// A new token for the event `event_id` that records its issue: its id, the whole bearer
/// string, and the SHA-256 that is stored. The id is the first 8 bytes of SHA-256 of the
/// event's id, so a ledger whose event ids are reproducible (the demo's) names its tokens
/// reproducibly; the secret is always drawn fresh.
struct Minted {
    id: String,
    token: String,
    hash: [u8; 32],
}

fn mint(event_id: Uuid) -> Result<Minted, TokenError> {
    let named = Sha256::new()
        .chain_update(b"govledger token id\0")
        .chain_update(event_id.as_bytes())
        .finalize();
    let id = hex::encode(&named[..8]);
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| TokenError::Random(e.to_string()))?;
    let token = format!("{PREFIX}{id}_{}", URL_SAFE_NO_PAD.encode(secret));
    let hash = digest(&token);
    Ok(Minted { id, token, hash })
}

/// Who records a token event, on what basis, when.
struct Act<'a> {
    actor: &'a str,
    basis: &'a str,
    at: DateTime<FixedOffset>,
    request_id: Option<String>,
}

impl Act<'_> {
    fn event(self, id: Uuid, event_type: &str, data: serde_json::Value) -> NewEvent {
        NewEvent {
            id,
            event_type: event_type.to_owned(),
            data,
            meta: Meta {
                actor: self.actor.to_owned(),
                acting_for: None,
                basis: self.basis.to_owned(),
                // The meta field is bounded; an over-long client-chosen request id is dropped.
                request_id: self
                    .request_id
                    .filter(|r| r.len() <= govledger_schema::envelope::MAX_NAME_LEN),
                causation_id: None,
            },
            effective_at: self.at,
        }
    }
}

impl Ledger {
    /// Issues a `role` token for `person`, by `by`, decided at the locked head
    /// (`rules::admission::issue_token`): the person must be known to the ledger now, the
    /// issuer the system administrator now (or the bootstrap while no admin token is live).
    /// "Now" is the store's clock. A refusal records nothing.
    pub async fn issue_token(
        &self,
        person: &str,
        role: TokenRole,
        by: &Issuer,
        request_id: Option<String>,
    ) -> Result<NewToken, TokenError> {
        check_person(person)?;
        if let Issuer::Person(actor) = by {
            check_person(actor)?;
        }
        let at = self.now();
        let mut locked = self.lock().await?;
        let issuer = match by {
            Issuer::Person(actor) => admission::Issuer::Person(actor),
            Issuer::Bootstrap => admission::Issuer::Bootstrap {
                live_admin_tokens: locked.writer().live_admin_tokens().await?,
            },
        };
        let basis = locked.read(|s| admission::issue_token(s, person, role, issuer, at))?;
        let (actor, bootstrap) = match by {
            Issuer::Person(actor) => (actor.as_str(), false),
            // Nobody of the ledger decided it: the token's own person, and the event says so.
            Issuer::Bootstrap => (person, true),
        };
        let act = Act {
            actor,
            basis,
            at,
            request_id,
        };
        write_issued(locked, person, role, bootstrap, act).await
    }

    /// Issues a token with no check of who may or to whom, recorded with `actor` (any text) on
    /// the basis [`TOKEN_BASIS`]: for test fixtures and benchmarks on ledgers built by hand (an
    /// uninitialised ledger has nobody who could issue one). The CLI and the HTTP API never
    /// call it; they go through [`Ledger::issue_token`]. Whoever can call it can write the
    /// database anyway.
    pub async fn issue_token_unchecked(
        &self,
        person: &str,
        role: TokenRole,
        actor: &str,
        request_id: Option<String>,
    ) -> Result<NewToken, TokenError> {
        check_person(person)?;
        check_person(actor)?;
        let act = Act {
            actor,
            basis: TOKEN_BASIS,
            at: self.now(),
            request_id,
        };
        let locked = self.lock().await?;
        write_issued(locked, person, role, false, act).await
    }

    /// Revokes token `id`, by `actor`, who must hold the system administrator's post now
    /// (decided at the locked head, as [`Ledger::issue_token`]). Returns the event.
    pub async fn revoke_token(
        &self,
        id: &str,
        actor: &str,
        request_id: Option<String>,
    ) -> Result<Committed, TokenError> {
        check_person(actor)?;
        let at = self.now();
        let mut locked = self.lock().await?;
        let basis = locked.read(|s| admission::revoke_token(s, actor, at))?;
        let writer = locked.writer();
        let Some((person, role, revoked)) = writer.token(id).await? else {
            return Err(TokenError::Unknown(id.to_owned()));
        };
        if revoked.is_some() {
            return Err(TokenError::AlreadyRevoked(id.to_owned()));
        }
        let role =
            role_of(&role).ok_or_else(|| corrupt(format!("token {id} has role {role:?}")))?;
        let payload = TokenRevoked {
            token_id: id.to_owned(),
            person,
            role,
        };
        let act = Act {
            actor,
            basis,
            at,
            request_id,
        };
        let event = act.event(writer.next_event_id(), TOKEN_REVOKED, data(&payload)?);
        let revoked_at_us = self.store().now().timestamp_micros();
        if !writer.revoke_token(id, revoked_at_us).await? {
            // Cannot happen under the lock; dropping the lock rolls back.
            return Err(TokenError::AlreadyRevoked(id.to_owned()));
        }
        let committed = writer
            .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
            .await?;
        let event = first(committed)?;
        locked.commit().await?;
        Ok(event)
    }

    /// Every token, oldest first (never a secret).
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, TokenError> {
        Ok(self
            .store()
            .token_rows()
            .await?
            .into_iter()
            .filter_map(|row| {
                Some(TokenRecord {
                    role: role_of(&row.role)?,
                    id: row.id,
                    person: row.person,
                    created_at_us: row.created_at_us,
                    revoked_at_us: row.revoked_at_us,
                })
            })
            .collect())
    }

    /// Now, by the store's clock (what stamps `recorded_at`), in JST, whole seconds (an
    /// `effective_at` has no fraction).
    fn now(&self) -> DateTime<FixedOffset> {
        let t = self.store().now().with_timezone(&crate::jst::JST);
        t.with_nanosecond(0).unwrap_or(t)
    }
}

/// A new token's row and the event that records it, in the locked transaction, committed
/// together.
async fn write_issued(
    mut locked: Locked,
    person: &str,
    role: TokenRole,
    bootstrap: bool,
    act: Act<'_>,
) -> Result<NewToken, TokenError> {
    let event_id = locked.writer().next_event_id();
    let minted = mint(event_id)?;
    let payload = TokenIssued {
        token_id: minted.id.clone(),
        person: person.to_owned(),
        role,
        bootstrap,
    };
    let created_at_us = locked.ledger.store().now().timestamp_micros();
    let writer = locked.writer();
    let event = act.event(event_id, TOKEN_ISSUED, data(&payload)?);
    writer
        .insert_token(
            &minted.id,
            person,
            role_name(role),
            &minted.hash,
            created_at_us,
        )
        .await?;
    let committed = writer
        .append(TOKENS_STREAM, ExpectedVersion::Any, &[event])
        .await?;
    let event = first(committed)?;
    locked.commit().await?;
    Ok(NewToken {
        id: minted.id,
        person: person.to_owned(),
        role,
        token: minted.token,
        event,
    })
}

fn data(payload: &impl EventPayload) -> Result<serde_json::Value, TokenError> {
    payload.to_data().map_err(|e| corrupt(e.to_string()))
}

fn corrupt(reason: String) -> TokenError {
    TokenError::Store(StoreError::Corrupt { seq: 0, reason })
}

fn first(committed: Vec<Committed>) -> Result<Committed, TokenError> {
    committed
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("an append of one event committed none".into()))
}

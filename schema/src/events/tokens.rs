//! Bearer tokens of the HTTP API: issuing and revoking one is recorded (never the secret, nor
//! its hash). Issued and revoked by the system administrator (第4条第1項; see `rules::admission`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a token may do: auditors read, admins also record decisions (as their person).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenRole {
    Auditor,
    Admin,
}

/// A token was issued to `person`. `token.issued.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIssued {
    /// The token's public id (the part after `glt_`, before the next `_`).
    pub token_id: String,
    pub person: String,
    pub role: TokenRole,
    /// True when the database's operator issued it to bootstrap the ledger's first admin
    /// (`govledger token issue --bootstrap`, only while no admin token is live), so no person
    /// of the ledger decided it; the actor is then the token's own person. Absent otherwise,
    /// so every other issue is spelled as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bootstrap: bool,
}

/// A token was revoked. `token.revoked.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoked {
    pub token_id: String,
    pub person: String,
    pub role: TokenRole,
}

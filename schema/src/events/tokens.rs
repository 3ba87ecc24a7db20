//! Bearer tokens of the HTTP API: issuing and revoking one is recorded (never the secret, nor
//! its hash). Not an act of the regulation; the basis names the ledger's own access rule.

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
}

/// A token was revoked. `token.revoked.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoked {
    pub token_id: String,
    pub person: String,
    pub role: TokenRole,
}

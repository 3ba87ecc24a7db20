//! Tokens against cross-site request forgery on every form that changes something (a decision,
//! "verify now", log out). `SameSite=Strict` on the session cookie already keeps other sites'
//! forms from carrying the session; a token is the second, independent guard OWASP asks of a
//! form that writes: an older browser, a same-site subdomain or a proxy that strips the
//! attribute does not open the door.
//!
//! The token is HMAC-SHA-256 of the session's token id (the public half of the bearer token)
//! under a key derived from the log's signing key (`Notary::derive_secret`): it is tied to the
//! session, needs no storage, is checked in constant time, and is the same on every instance
//! holding the key and after a restart, so a form rendered by one instance behind a load
//! balancer is accepted by another. (Until session 7 the key was drawn at random per process:
//! behind compose.yaml's round-robin proxy, half the forms were refused.)

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The form member that carries the token.
pub const FIELD: &str = "csrf";

/// The token of the session whose bearer token has id `token_id`, under `key`.
pub fn token(key: &[u8; 32], token_id: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    m.update(b"govledger-csrf-v1\0");
    m.update(token_id.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Whether `presented` is `expected` (a session's token), in constant time.
pub fn check(expected: &str, presented: Option<&str>) -> bool {
    let Some(p) = presented else {
        return false;
    };
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(p.trim().as_bytes()))
}

/// Refuses (403) a form body without the token of session `s`. Nothing is done for a refused
/// form: the caller checks before acting.
pub fn require(s: &super::Session, body: &[u8]) -> Result<(), crate::http::Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let presented = pairs
        .iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.as_str());
    if check(&s.csrf, presented) {
        Ok(())
    } else {
        Err(crate::http::Error::Forbidden(
            "the form's CSRF token is missing or stale: reload the page and submit it again \
             (nothing was done)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_tied_to_its_session_and_its_key() {
        let key = [7u8; 32];
        let a = token(&key, "tok_a");
        assert_eq!(a.len(), 64);
        assert!(check(&a, Some(&a)));
        assert!(!check(&token(&key, "tok_b"), Some(&a)));
        assert!(!check(&token(&[8u8; 32], "tok_a"), Some(&a)));
        assert!(!check(&a, Some("")));
        assert!(!check(&a, None));
        assert!(!check(&a, Some(&a[..62])));
        assert!(!check("", Some("")));
    }
}

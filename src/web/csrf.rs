//! Tokens against cross-site request forgery on every form that changes something (a decision,
//! "verify now", log out). `SameSite=Strict` on the session cookie already keeps other sites'
//! forms from carrying the session; a token is the second, independent guard OWASP asks of a
//! form that writes: an older browser, a same-site subdomain or a proxy that strips the
//! attribute does not open the door.
//!
//! The token is HMAC-SHA-256, under a key drawn at random when the server starts, of the
//! session's token id (the public half of the bearer token): it is tied to the session, needs
//! no storage, and is checked in constant time. A form shown before a restart is refused with a
//! request to reload it; nothing is recorded.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The form member that carries the token.
pub const FIELD: &str = "csrf";

static KEY: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let mut key = [0u8; 32];
    // Without randomness the key would be guessable: forms are then refused, never weak.
    if getrandom::fill(&mut key).is_err() {
        UNUSABLE.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    key
});

static UNUSABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn mac(token_id: &str) -> Option<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(&*KEY).ok()?;
    m.update(b"govledger-csrf-v1\0");
    m.update(token_id.as_bytes());
    Some(m)
}

/// The token of the session whose bearer token has id `token_id`.
pub fn token(token_id: &str) -> String {
    mac(token_id)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Whether `presented` is the token of `token_id`'s session (constant time).
pub fn check(token_id: &str, presented: Option<&str>) -> bool {
    let (Some(m), Some(p)) = (mac(token_id), presented) else {
        return false;
    };
    if UNUSABLE.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    let Ok(bytes) = hex::decode(p.trim()) else {
        return false;
    };
    m.verify_slice(&bytes).is_ok()
}

/// Refuses (403) a form body without the token of session `s`. Nothing is done for a refused
/// form: the caller checks before acting.
pub fn require(s: &super::Session, body: &[u8]) -> Result<(), crate::http::Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let presented = pairs
        .iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.as_str());
    if check(&s.caller.token_id, presented) {
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
    fn a_token_is_tied_to_its_session() {
        let a = token("tok_a");
        assert_eq!(a.len(), 64);
        assert!(check("tok_a", Some(&a)));
        assert!(!check("tok_b", Some(&a)));
        assert!(!check("tok_a", Some("")));
        assert!(!check("tok_a", None));
        assert!(!check("tok_a", Some(&a[..62])));
        assert!(!check("tok_a", Some("not hex")));
    }
}

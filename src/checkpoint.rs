//! Signed checkpoints: the C2SP signed-note format (c2sp.org/signed-note) with Ed25519
//! signatures, carrying a C2SP tlog-checkpoint body (c2sp.org/tlog-checkpoint).
//!
//! A checkpoint is what an auditor keeps: origin, tree size and RFC 9162 root, signed by the
//! log's key. Holding one, they can later demand a consistency proof and so catch a log that
//! rewrote history, even one that re-hashed the whole chain after the change.
//!
//! ```text
//! example.com/log/testdata
//! 3
//! Wqx3HImawpLnS/Gv4ubjAvi1WIOy0b8Ze0amvqbavKk=
//!
//! — example.com/log/testdata M9e0lvAQRtH8...
//! ```
//!
//! The key texts are those of Go's `golang.org/x/mod/sumdb/note`, so keys and checkpoints can be
//! checked with that ecosystem's tools:
//! verifier `<name>+<8 hex key id>+<base64(0x01 || public key)>`,
//! signer `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>`.
//!
//! The signer's secret appears in no `Debug` output and no error message.

use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use govledger_schema::Digest32;
use sha2::{Digest, Sha256};

/// Signature type byte for Ed25519 in the signed-note key id and key texts.
const ALG_ED25519: u8 = 0x01;

/// The signature line prefix: EM DASH (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// More signatures than any real note carries; the spec asks us to accept at least 16.
const MAX_SIGNATURES: usize = 100;

/// Largest key file we read: a key text is under 200 bytes.
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// Errors in note text, signatures and key texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed note: signature line {line}: {reason}")]
    BadSignatureLine { line: usize, reason: &'static str },
    #[error("note has no signature from a known key")]
    Unverified,
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("two known keys share the name and id {name}+{key_id:08x}")]
    AmbiguousKey { name: String, key_id: u32 },
    #[error("invalid key name: {0}")]
    BadKeyName(&'static str),
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(&'static str),
    /// Deliberately says nothing about the text: it holds the secret.
    #[error("malformed signer key: {0}")]
    BadSignerKey(&'static str),
    #[error("could not draw a random key: {0}")]
    Random(String),
}

/// Errors in a checkpoint body, or in opening a signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("malformed checkpoint: tree size {0:?} is not a decimal number without leading zeros")]
    BadSize(String),
    #[error("malformed checkpoint: root hash {0:?} is not the base64 of 32 bytes")]
    BadRoot(String),
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// Errors reading or writing key files. The cause is part of the message and deliberately not
/// a `source` (with one, `{:#}` printed it twice: "x.key: invalid key name: …: invalid key name: …").
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} already exists; refusing to overwrite a signing key")]
    Exists { path: PathBuf },
    #[error(
        "signing key {path} is readable or writable by group or others (mode {mode:04o}); \
         run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path} is not a regular file")]
    NotAFile { path: PathBuf },
    #[error("{path} is larger than a key file can be")]
    TooLarge { path: PathBuf },
    #[error("{path}: {error}")]
    Key { path: PathBuf, error: NoteError },
}

/// Key id = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian (signed-note,
/// "Ed25519 signatures").
fn key_id(name: &str, public_key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public_key.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Key names: non-empty, no Unicode spaces, no `+` (signed-note, "Format"); no control
/// characters either, since they end up inside a note.
fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(NoteError::BadKeyName("it is empty"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKeyName("it contains a space"));
    }
    if name.contains('+') {
        return Err(NoteError::BadKeyName("it contains '+'"));
    }
    if name.chars().any(char::is_control) {
        return Err(NoteError::BadKeyName("it contains a control character"));
    }
    Ok(())
}

/// Parses the 8 hex digits of a key id in a key text.
fn parse_key_id(hex8: &str) -> Option<u32> {
    if hex8.len() != 8 || !hex8.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex8, 16).ok()
}

/// A public key that checks note signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Verifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<Verifier, NoteError> {
        check_key_name(name)?;
        Ok(Verifier {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// Parses `<name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>`, checking that the
    /// key id is the one the name and key produce.
    pub fn from_text(text: &str) -> Result<Verifier, NoteError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey("expected <name>+<key id>+<key>"));
        };
        check_key_name(name)?;
        let id = parse_key_id(id).ok_or(NoteError::BadVerifierKey("key id is not 8 hex digits"))?;
        let raw = BASE64
            .decode(key)
            .map_err(|_| NoteError::BadVerifierKey("key is not base64"))?;
        let Some((&alg, public)) = raw.split_first() else {
            return Err(NoteError::BadVerifierKey("key is empty"));
        };
        if alg != ALG_ED25519 {
            return Err(NoteError::BadVerifierKey(
                "not an Ed25519 key (type byte is not 0x01)",
            ));
        }
        let public: &[u8; 32] = public
            .try_into()
            .map_err(|_| NoteError::BadVerifierKey("an Ed25519 public key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(public)
            .map_err(|_| NoteError::BadVerifierKey("not a valid Ed25519 public key"))?;
        let verifier = Verifier::new(name, key)?;
        if verifier.key_id != id {
            return Err(NoteError::BadVerifierKey(
                "key id does not match the name and key",
            ));
        }
        Ok(verifier)
    }

    pub fn to_text(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(key))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks an Ed25519 signature (RFC 8032) over the note text.
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(sig)
            .is_ok_and(|sig| self.key.verify(msg, &sig).is_ok())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.to_text())
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A private key that signs notes. Its `Debug` shows the name and key id only; there is no
/// `Display`, so the secret leaves only through [`Signer::to_text`] and [`write_signer_key`].
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Signer, NoteError> {
        with_fresh_seed(|seed| Signer::from_seed(name, seed))
    }

    /// The key from its 32-byte RFC 8032 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Signer, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(name, &key.verifying_key());
        Ok(Signer {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>` and checks
    /// the key id against the derived public key. Errors never quote the text.
    pub fn from_text(text: &str) -> Result<Signer, NoteError> {
        let signer = with_private_key(
            text,
            ALG_ED25519,
            "not an Ed25519 key (type byte is not 0x01)",
            Signer::from_seed,
        )?;
        check_private_key_id(signer.0.key_id, signer.1)?;
        Ok(signer.0)
    }

    /// The secret key text. Handle with care: this is the only way the secret leaves.
    pub fn to_text(&self) -> String {
        private_key_text(ALG_ED25519, &self.name, self.key_id, &self.key)
    }

    /// A secret for another `purpose`, derived from this key (HMAC-SHA-256 of the purpose
    /// under the key's seed): every process holding the key derives the same one, and it
    /// reveals nothing of the key. The web view's CSRF tokens use it, so a form rendered by one
    /// instance behind a load balancer is accepted by another, and after a restart.
    pub fn derive_secret(&self, purpose: &str) -> [u8; 32] {
        use hmac::Mac as _;
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.key.as_bytes()) else {
            // HMAC takes a key of any length: unreachable.
            return [0u8; 32];
        };
        mac.update(b"govledger derived secret v1\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching public key, to publish.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// Checks the character rules of a whole note: valid UTF-8 and no ASCII control character
/// except newline (signed-note, "Format").
fn check_note_chars(text: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(text).map_err(|_| NoteError::Malformed("not valid UTF-8"))?;
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::Malformed(
            "contains a control character other than newline",
        ));
    }
    Ok(text)
}

/// A key made by `make` from 32 bytes of the operating system's random source; the seed is
/// wiped afterwards.
fn with_fresh_seed<K>(
    make: impl FnOnce(&[u8; 32]) -> Result<K, NoteError>,
) -> Result<K, NoteError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| NoteError::Random(e.to_string()))?;
    let key = make(&seed);
    seed.fill(0);
    key
}

/// Parses a private key text `PRIVATE+KEY+<name>+<8 hex key id>+<base64(alg || 32-byte seed)>`
/// of algorithm `alg` and builds the key with `make(name, seed)`; returns it with the key id the
/// text states (checked by [`check_private_key_id`]). The decoded seed is wiped; errors never
/// quote the text.
fn with_private_key<K>(
    text: &str,
    alg: u8,
    wrong_type: &'static str,
    make: impl FnOnce(&str, &[u8; 32]) -> Result<K, NoteError>,
) -> Result<(K, u32), NoteError> {
    let mut parts = text.splitn(5, '+');
    let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id), Some(key)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(NoteError::BadSignerKey(
            "expected PRIVATE+KEY+<name>+<key id>+<key>",
        ));
    };
    check_key_name(name)?;
    let id = parse_key_id(id).ok_or(NoteError::BadSignerKey("key id is not 8 hex digits"))?;
    let mut raw = BASE64
        .decode(key)
        .map_err(|_| NoteError::BadSignerKey("key is not base64"))?;
    let parsed = match raw.split_first() {
        Some((&a, seed)) if a == alg => match <&[u8; 32]>::try_from(seed) {
            Ok(seed) => make(name, seed),
            Err(_) => Err(NoteError::BadSignerKey("an Ed25519 seed is 32 bytes")),
        },
        Some(_) => Err(NoteError::BadSignerKey(wrong_type)),
        None => Err(NoteError::BadSignerKey("key is empty")),
    };
    raw.fill(0);
    Ok((parsed?, id))
}

/// The key id a private key text stated must be the one derived from its name and key.
fn check_private_key_id(derived: u32, stated: u32) -> Result<(), NoteError> {
    if derived == stated {
        Ok(())
    } else {
        Err(NoteError::BadSignerKey(
            "key id does not match the name and key",
        ))
    }
}

/// The private key text of `key` (algorithm `alg`); the buffer holding the seed is wiped.
fn private_key_text(alg: u8, name: &str, key_id: u32, key: &SigningKey) -> String {
    let mut bytes = vec![alg];
    bytes.extend_from_slice(key.as_bytes());
    let text = format!("PRIVATE+KEY+{name}+{key_id:08x}+{}", BASE64.encode(&bytes));
    bytes.fill(0);
    text
}

/// Signs a note text (the body, ending in a newline) with one key, giving the signed note.
pub fn sign_note(body: &str, signer: &Signer) -> Result<String, NoteError> {
    check_note_chars(body.as_bytes())?;
    if !body.ends_with('\n') {
        return Err(NoteError::Malformed("text does not end with a newline"));
    }
    let sig = signer.key.sign(body.as_bytes());
    let mut raw = signer.key_id.to_be_bytes().to_vec();
    raw.extend_from_slice(&sig.to_bytes());
    Ok(format!(
        "{body}\n{SIG_PREFIX}{} {}\n",
        signer.name,
        BASE64.encode(raw)
    ))
}

/// One signature line of a note, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature proper, after the 4-byte key id.
    pub signature: Vec<u8>,
}

/// A note split into text and signature lines, with nothing verified: for showing or
/// re-signing a note whose keys we do not hold. Never trust its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNote {
    pub body: String,
    pub signatures: Vec<NoteSignature>,
}

/// Who signed a note that [`open_note`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub name: String,
    pub key_id: u32,
}

/// A note whose signatures from known keys all verified (at least one did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    pub body: String,
    /// The known keys whose signatures verified, in note order, each once.
    pub verified_by: Vec<KeyRef>,
    /// Signatures by keys we were not given; ignored, as the spec requires.
    pub unknown: Vec<KeyRef>,
}

/// Splits a signed note into its text and signature lines, checking the format strictly
/// (c2sp.org/signed-note "Format"): valid UTF-8, no control characters but newline, the text
/// separated from the signatures by the *last* blank line, and every signature line
/// `— <name> <base64(key id || signature)>\n`.
pub fn parse_note(note: &[u8]) -> Result<ParsedNote, NoteError> {
    let note = check_note_chars(note)?;
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (body, sigs) = (&note[..=split], &note[split + 2..]);
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signature lines"));
    }
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(NoteError::Malformed(
            "the last signature line does not end with a newline",
        ));
    };
    let mut signatures = Vec::new();
    for (i, line) in sigs.split('\n').enumerate() {
        if i >= MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
        let sig = parse_signature_line(line).map_err(|reason| NoteError::BadSignatureLine {
            line: i + 1,
            reason,
        })?;
        signatures.push(sig);
    }
    Ok(ParsedNote {
        body: body.to_owned(),
        signatures,
    })
}

/// One signature line without its newline: `— <name> <base64(key id || signature)>`.
pub fn parse_signature_line(line: &str) -> Result<NoteSignature, &'static str> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or("does not start with an em dash and a space")?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or("no space between key name and signature")?;
    check_key_name(name).map_err(|_| "invalid key name")?;
    let raw = BASE64
        .decode(b64)
        .map_err(|_| "signature is not standard base64")?;
    if raw.len() < 5 {
        return Err("signature is shorter than a key id and one byte");
    }
    let (id, signature) = raw.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
        signature: signature.to_vec(),
    })
}

/// Opens a signed note: parses it, verifies every signature made by a key in `known` (name and
/// key id both match), ignores signatures by other keys, and accepts only if at least one
/// known signature verified and none failed (c2sp.org/signed-note "Signatures").
pub fn open_note(note: &[u8], known: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let parsed = parse_note(note)?;
    let mut verified_by: Vec<KeyRef> = Vec::new();
    let mut unknown: Vec<KeyRef> = Vec::new();
    for sig in &parsed.signatures {
        let key = KeyRef {
            name: sig.name.clone(),
            key_id: sig.key_id,
        };
        let mut matching = known
            .iter()
            .filter(|v| v.name == sig.name && v.key_id == sig.key_id);
        let Some(verifier) = matching.next() else {
            if !unknown.contains(&key) {
                unknown.push(key);
            }
            continue;
        };
        if matching.any(|other| other.key != verifier.key) {
            return Err(NoteError::AmbiguousKey {
                name: key.name,
                key_id: key.key_id,
            });
        }
        if !verifier.verify(parsed.body.as_bytes(), &sig.signature) {
            return Err(NoteError::InvalidSignature {
                name: key.name,
                key_id: key.key_id,
            });
        }
        if !verified_by.contains(&key) {
            verified_by.push(key);
        }
    }
    if verified_by.is_empty() {
        return Err(NoteError::Unverified);
    }
    Ok(OpenedNote {
        body: parsed.body,
        verified_by,
        unknown,
    })
}

/// A tlog checkpoint body (c2sp.org/tlog-checkpoint "Note text").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Identifies the log; by convention the name of its key.
    pub origin: String,
    /// Number of leaves (events).
    pub size: u64,
    /// RFC 9162 root of the first `size` leaves.
    pub root: Digest32,
    /// Opaque extra lines; we write none (the spec does not recommend them).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// `<origin>\n<size>\n<base64 root>\n` and one line per extension.
    pub fn to_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root.0)
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body strictly: at least three lines, each ending in a newline; a
    /// non-empty origin; a decimal size without sign or leading zeros; a base64 root of 32
    /// bytes; non-empty extension lines.
    pub fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
        let malformed = CheckpointError::Malformed;
        let lines = body
            .strip_suffix('\n')
            .ok_or(malformed("body does not end with a newline"))?;
        if body.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(malformed("contains a control character"));
        }
        let mut lines = lines.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(malformed("fewer than three lines"));
        };
        if origin.is_empty() {
            return Err(malformed("empty origin line"));
        }
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size = size
            .parse::<u64>()
            .ok()
            .filter(|_| size_ok)
            .ok_or_else(|| CheckpointError::BadSize(size.to_owned()))?;
        let root = BASE64
            .decode(root)
            .ok()
            .and_then(|raw| Digest32::from_slice(&raw))
            .ok_or_else(|| CheckpointError::BadRoot(root.to_owned()))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(malformed("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs this checkpoint as a note. The body is checked by parsing it back, so nothing
    /// unparseable (a newline in the origin, an empty extension) is ever signed.
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        let body = self.to_body();
        if Checkpoint::parse_body(&body)? != *self {
            return Err(CheckpointError::Malformed(
                "origin or extension contains a newline",
            ));
        }
        Ok(sign_note(&body, signer)?)
    }

    /// Opens a signed checkpoint that `log_key` must have signed; other signatures (witness
    /// cosignatures, say) are ignored.
    pub fn open(note: &[u8], log_key: &Verifier) -> Result<Checkpoint, CheckpointError> {
        let opened = open_note(note, std::slice::from_ref(log_key))?;
        Checkpoint::parse_body(&opened.body)
    }
}

// ---------------------------------------------------------------------------------------------
// Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1").
//
// A cosignature is a note signature line by a witness: `— <witness name> base64(key id ||
// timestamp || signature)`, the key id computed with type byte 0x04 instead of 0x01, the
// timestamp a big-endian u64 of POSIX seconds, and the Ed25519 signature over
// `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's whole body. It states that,
// at that time, this was the largest checkpoint of the log the witness had verified to be
// consistent with everything it saw before.
// ---------------------------------------------------------------------------------------------

/// Signature type byte of an Ed25519 cosignature/v1 key (its key id and key texts).
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Bytes after the key id in an Ed25519 cosignature: the u64 timestamp and the signature.
const COSIGNATURE_LEN: usize = 8 + 64;

/// SHA-256(name || 0x0A || `alg` || public key)[:4], big-endian.
fn key_id_with(alg: u8, name: &str, public_key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public_key.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The message an Ed25519 cosignature signs (tlog-cosignature "Ed25519 signed message"): the
/// header line, the timestamp line, then the checkpoint body with its final newline.
pub fn cosignature_message(checkpoint_body: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_body}")
}

/// A witness's public key: checks its cosignatures. Text form (a tlog-cosignature vkey):
/// `<name>+<8 hex key id>+<base64(0x04 || 32-byte public key)>`.
#[derive(Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<CosignatureVerifier, NoteError> {
        check_key_name(name)?;
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            key_id: key_id_with(ALG_COSIGNATURE_V1, name, &key),
            key,
        })
    }

    /// Parses a witness vkey, checking that its key id is the one its name and key give.
    pub fn from_text(text: &str) -> Result<CosignatureVerifier, NoteError> {
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey("expected <name>+<key id>+<key>"));
        };
        check_key_name(name)?;
        let id = parse_key_id(id).ok_or(NoteError::BadVerifierKey("key id is not 8 hex digits"))?;
        let raw = BASE64
            .decode(key)
            .map_err(|_| NoteError::BadVerifierKey("key is not base64"))?;
        match raw.split_first() {
            Some((&ALG_COSIGNATURE_V1, _)) => {}
            Some((&ALG_ED25519, _)) => {
                return Err(NoteError::BadVerifierKey(
                    "this is a log's key (type byte 0x01), not a witness's cosignature key (0x04)",
                ));
            }
            _ => {
                return Err(NoteError::BadVerifierKey(
                    "not an Ed25519 cosignature key (type byte is not 0x04)",
                ));
            }
        }
        let public: &[u8; 32] = raw[1..]
            .try_into()
            .map_err(|_| NoteError::BadVerifierKey("an Ed25519 public key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(public)
            .map_err(|_| NoteError::BadVerifierKey("not a valid Ed25519 public key"))?;
        let verifier = CosignatureVerifier::new(name, key)?;
        if verifier.key_id != id {
            return Err(NoteError::BadVerifierKey(
                "key id does not match the name and key",
            ));
        }
        Ok(verifier)
    }

    pub fn to_text(&self) -> String {
        let mut key = vec![ALG_COSIGNATURE_V1];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(key))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Whether a signature line names this key (name and key id); it may still not verify.
    pub fn names(&self, sig: &NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.key_id
    }

    /// The cosignature's timestamp if `sig` is this witness's valid cosignature of the
    /// checkpoint `body`; `None` if it names another key, is malformed or does not verify.
    pub fn verify(&self, body: &str, sig: &NoteSignature) -> Option<u64> {
        if !self.names(sig) || sig.signature.len() != COSIGNATURE_LEN {
            return None;
        }
        let (ts, signature) = sig.signature.split_at(8);
        let timestamp = u64::from_be_bytes(ts.try_into().ok()?);
        if timestamp > i64::MAX as u64 {
            return None;
        }
        let signature = ed25519_dalek::Signature::from_slice(signature).ok()?;
        let message = cosignature_message(body, timestamp);
        self.key
            .verify(message.as_bytes(), &signature)
            .is_ok()
            .then_some(timestamp)
    }
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignatureVerifier({})", self.to_text())
    }
}

impl fmt::Display for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A witness's private key: makes cosignatures. Text form
/// `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x04 || 32-byte seed)>`; like [`Signer`], the
/// secret appears in no `Debug` output and no error message.
#[derive(Clone)]
pub struct Cosigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Cosigner {
    /// A fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<Cosigner, NoteError> {
        with_fresh_seed(|seed| Cosigner::from_seed(name, seed))
    }

    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Cosigner, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        Ok(Cosigner {
            name: name.to_owned(),
            key_id: key_id_with(ALG_COSIGNATURE_V1, name, &key.verifying_key()),
            key,
        })
    }

    /// Parses the private key text, checking the key id. Errors never quote the text.
    pub fn from_text(text: &str) -> Result<Cosigner, NoteError> {
        let cosigner = with_private_key(
            text,
            ALG_COSIGNATURE_V1,
            "not a witness's cosignature key (type byte is not 0x04)",
            Cosigner::from_seed,
        )?;
        check_private_key_id(cosigner.0.key_id, cosigner.1)?;
        Ok(cosigner.0)
    }

    /// The secret key text. Handle with care: this is the only way the secret leaves.
    pub fn to_text(&self) -> String {
        private_key_text(ALG_COSIGNATURE_V1, &self.name, self.key_id, &self.key)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching public key, to give to the log and its auditors.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) of the checkpoint `body` at `timestamp`
    /// (POSIX seconds, at most 2^63 - 1 as the spec requires).
    pub fn cosign(&self, body: &str, timestamp: u64) -> Result<String, NoteError> {
        check_note_chars(body.as_bytes())?;
        if !body.ends_with('\n') {
            return Err(NoteError::Malformed("text does not end with a newline"));
        }
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::Malformed(
                "cosignature timestamp beyond 2^63 - 1",
            ));
        }
        let sig = self
            .key
            .sign(cosignature_message(body, timestamp).as_bytes());
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&timestamp.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(raw)
        ))
    }
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// Which of the given witnesses cosigned a note, as [`witness_cosignatures`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WitnessCheck {
    /// Witnesses with a valid cosignature, each once, with its timestamp.
    pub cosigned: Vec<(String, u64)>,
    /// Witnesses whose name and key id are on a line that does not verify (and none that does).
    pub invalid: Vec<String>,
    /// Witnesses with no line at all.
    pub missing: Vec<String>,
}

impl WitnessCheck {
    /// One phrase per witness: `w1 cosigned at 1700000000`, `w2: invalid cosignature`, …
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .cosigned
            .iter()
            .map(|(name, ts)| format!("{name} cosigned at {ts}"))
            .collect();
        parts.extend(
            self.invalid
                .iter()
                .map(|name| format!("{name}: a cosignature that does not verify")),
        );
        parts.extend(
            self.missing
                .iter()
                .map(|name| format!("{name}: no cosignature")),
        );
        parts.join("; ")
    }
}

/// Checks the cosignatures a signed checkpoint carries against the witnesses an auditor trusts.
/// Lines by other keys (the log's own signature among them) are ignored, as the spec asks.
pub fn witness_cosignatures(
    note: &[u8],
    witnesses: &[CosignatureVerifier],
) -> Result<WitnessCheck, NoteError> {
    let parsed = parse_note(note)?;
    let mut check = WitnessCheck::default();
    for witness in witnesses {
        let mut named = false;
        let mut valid = None;
        for sig in parsed.signatures.iter().filter(|s| witness.names(s)) {
            named = true;
            if let Some(ts) = witness.verify(&parsed.body, sig) {
                valid = Some(ts);
                break;
            }
        }
        let name = witness.name().to_owned();
        match (valid, named) {
            (Some(ts), _) => check.cosigned.push((name, ts)),
            (None, true) => check.invalid.push(name),
            (None, false) => check.missing.push(name),
        }
    }
    Ok(check)
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |error| KeyFileError::Io {
        path: path.to_owned(),
        error,
    }
}

/// Creates a new signing key file readable and writable by its owner only (mode 0600).
/// Refuses to overwrite an existing file: losing a log's key is not undoable.
pub fn write_signer_key(path: &Path, signer: &Signer) -> Result<(), KeyFileError> {
    write_secret(path, signer.to_text())
}

/// Creates a new witness key file (mode 0600), as [`write_signer_key`] does for the log's.
pub fn write_cosigner_key(path: &Path, cosigner: &Cosigner) -> Result<(), KeyFileError> {
    write_secret(path, cosigner.to_text())
}

/// Writes `text` and a newline to a new file only its owner may read, then wipes `text`.
fn write_secret(path: &Path, mut text: String) -> Result<(), KeyFileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    text.push('\n');
    let written = match options.open(path) {
        Ok(mut file) => file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io_error(path)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(KeyFileError::Exists {
            path: path.to_owned(),
        }),
        Err(e) => Err(io_error(path)(e)),
    };
    // Wipe our copy of the secret whether or not the write succeeded.
    let mut bytes = text.into_bytes();
    bytes.fill(0);
    written
}

/// Reads a signing key file, refusing one that group or others may read or write
/// (mode & 0o077 != 0): a leaked log key lets anyone sign a forked history.
pub fn read_signer_key(path: &Path) -> Result<Signer, KeyFileError> {
    read_secret(path, Signer::from_text)
}

/// Reads a witness key file, with the same checks as [`read_signer_key`]: a leaked witness key
/// lets anyone cosign a forked history in the witness's name.
pub fn read_cosigner_key(path: &Path) -> Result<Cosigner, KeyFileError> {
    read_secret(path, Cosigner::from_text)
}

/// Reads a private key file refused unless only its owner may read and write it, parses it
/// with `parse`, and wipes the text read.
fn read_secret<K>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<K, NoteError>,
) -> Result<K, KeyFileError> {
    let file = File::open(path).map_err(io_error(path))?;
    // Check the opened file, not the path, so a swapped file cannot slip between the two.
    let meta = file.metadata().map_err(io_error(path))?;
    if !meta.is_file() {
        return Err(KeyFileError::NotAFile {
            path: path.to_owned(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Permissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let text = read_small(file, path)?;
    let key = text.strip_suffix('\n').unwrap_or(&text);
    let parsed = parse(key).map_err(|error| KeyFileError::Key {
        path: path.to_owned(),
        error,
    });
    let mut bytes = text.into_bytes();
    bytes.fill(0);
    parsed
}

/// Reads a verifier (public) key file: one key text, optionally newline-terminated.
pub fn read_verifier_key(path: &Path) -> Result<Verifier, KeyFileError> {
    let file = File::open(path).map_err(io_error(path))?;
    let text = read_small(file, path)?;
    let key = text.strip_suffix('\n').unwrap_or(&text);
    Verifier::from_text(key).map_err(|error| KeyFileError::Key {
        path: path.to_owned(),
        error,
    })
}

fn read_small(file: File, path: &Path) -> Result<String, KeyFileError> {
    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io_error(path))?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(KeyFileError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_verifier_opens() {
        let signer = Signer::generate("example.org/log").unwrap();
        let verifier = Verifier::from_text(&signer.verifier().to_text()).unwrap();
        let again = Signer::from_text(&signer.to_text()).unwrap();
        assert_eq!(again.verifier(), verifier);
        let note = sign_note("hello\n", &signer).unwrap();
        let opened = open_note(note.as_bytes(), &[verifier]).unwrap();
        assert_eq!(opened.body, "hello\n");
        assert_eq!(
            opened.verified_by,
            vec![KeyRef {
                name: "example.org/log".into(),
                key_id: signer.key_id()
            }]
        );
    }

    #[test]
    fn bad_key_names_are_refused() {
        for name in ["", "a b", "a+b", "a\u{3000}b", "a\tb", "a\nb"] {
            assert!(Signer::generate(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn size_lines_are_strict() {
        for bad in [
            "",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "18446744073709551616",
            "0x1",
            "1_0",
        ] {
            let body = format!("o\n{bad}\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
            assert!(Checkpoint::parse_body(&body).is_err(), "{bad:?}");
        }
        let body = "o\n18446744073709551615\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        assert_eq!(Checkpoint::parse_body(body).unwrap().size, u64::MAX);
    }

    #[test]
    fn an_unparseable_checkpoint_is_never_signed() {
        let signer = Signer::generate("o").unwrap();
        let mut cp = Checkpoint {
            origin: "o\n5".into(),
            size: 1,
            root: Digest32::ZERO,
            extensions: vec![],
        };
        assert!(cp.sign(&signer).is_err());
        cp.origin = "o".into();
        cp.extensions = vec![String::new()];
        assert!(cp.sign(&signer).is_err());
        cp.extensions = vec!["ext".into()];
        let note = cp.sign(&signer).unwrap();
        assert_eq!(
            Checkpoint::open(note.as_bytes(), &signer.verifier()).unwrap(),
            cp
        );
    }
}

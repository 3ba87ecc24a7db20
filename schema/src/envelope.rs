//! The event envelope, its canonical body and its hash.
//!
//! Stored form of event `n`: `seq, id, stream, version, type, data, meta, recorded_at,
//! effective_at, prev`. The body is the RFC 8785 canonical JSON of exactly these ten members;
//! the hash is SHA-256 of the body; `prev` is the hash of event `n-1`, 64 zeros for `n = 1`.
//! `encode` writes the members in their sorted order directly instead of building a generic
//! JSON value first, which is several times faster; `tests/jcs_vectors.rs` and the property
//! tests prove it byte-equal to the generic canonicalizer.

use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::canonical::{self, CanonicalError, NotCanonical, write_str, write_u64, write_value};

/// A SHA-256 digest: event hashes, chain links, Merkle nodes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest32(pub [u8; 32]);

impl Digest32 {
    /// The `prev` of the first event.
    pub const ZERO: Digest32 = Digest32([0; 32]);

    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest32 {
        Digest32(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 lower- or upper-case hex digits.
    pub fn from_hex(s: &str) -> Result<Digest32, EnvelopeError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| EnvelopeError::Field("hash", "64 hex digits expected".into()))?;
        Ok(Digest32(out))
    }

    /// Parses exactly 64 lower-case hex digits, the only spelling a canonical body holds
    /// (`prev`). One table look-up per digit: `verify` parses a `prev` per event.
    pub fn from_lower_hex(s: &str) -> Option<Digest32> {
        const INVALID: u8 = 0xff;
        const VALUE: [u8; 256] = {
            let mut t = [INVALID; 256];
            let mut i = 0;
            while i < 10 {
                t[b'0' as usize + i] = i as u8;
                i += 1;
            }
            let mut i = 0;
            while i < 6 {
                t[b'a' as usize + i] = 10 + i as u8;
                i += 1;
            }
            t
        };
        let digits: &[u8; 64] = s.as_bytes().try_into().ok()?;
        let mut out = [0u8; 32];
        let mut bad = 0u8;
        for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (hi, lo) = (VALUE[pair[0] as usize], VALUE[pair[1] as usize]);
            bad |= hi | lo;
            *o = (hi << 4) | (lo & 0x0f);
        }
        // Every valid digit is below 16; INVALID sets the high bits.
        (bad < 16).then_some(Digest32(out))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Digest32> {
        <[u8; 32]>::try_from(bytes).ok().map(Digest32)
    }
}

impl fmt::Debug for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl fmt::Display for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl Serialize for Digest32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Digest32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than `String::deserialize`: `verify` reads a `prev` per event, and
        // the text is parsed where it lies instead of being copied into a new string first.
        struct Hex;
        impl serde::de::Visitor<'_> for Hex {
            type Value = Digest32;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("64 lower-case hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Digest32, E> {
                Digest32::from_lower_hex(s)
                    .ok_or_else(|| E::custom("64 lower-case hex digits expected"))
            }
        }
        d.deserialize_str(Hex)
    }
}

/// Who did an act and on what authority. Every event has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The person (id) who made the decision and recorded it.
    pub actor: String,
    /// The post the actor acts for as deputy (代理), e.g. the system administrator for a
    /// supervisor (第4条第1項).
    pub acting_for: Option<String>,
    /// The article the act rests on, e.g. `第6条第2項`.
    pub basis: String,
    /// The HTTP or CLI request that carried it, for tracing.
    pub request_id: Option<String>,
    /// The event this one follows from, if any.
    pub causation_id: Option<Uuid>,
}

/// An event before it is sealed into the chain: everything but `seq`, `version`, `prev` and
/// `recorded_at`, which the store assigns under the append lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: Uuid,
    pub event_type: String,
    pub data: Value,
    pub meta: Meta,
    pub effective_at: DateTime<FixedOffset>,
}

/// A sealed event, as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    pub id: Uuid,
    pub stream: String,
    pub version: u64,
    pub event_type: String,
    pub data: Value,
    pub meta: Meta,
    /// When the ledger recorded it: UTC, microseconds.
    pub recorded_at: DateTime<Utc>,
    /// When the decision takes effect, with its offset (usually `+09:00`), whole seconds.
    pub effective_at: DateTime<FixedOffset>,
    pub prev: Digest32,
}

/// Why an envelope or body is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("{0}: {1}")]
    Field(&'static str, String),
    #[error("body: {0}")]
    NotCanonical(#[from] NotCanonical),
    #[error("data: {0}")]
    Data(#[from] CanonicalError),
}

/// Longest stream name, event type and meta string we accept.
pub const MAX_NAME_LEN: usize = 200;

/// Largest `seq` and `version` a body may carry. RFC 8785 numbers are IEEE-754 doubles; beyond
/// 2^53 an integer is no longer exactly one, and a generic canonicalizer would spell it
/// otherwise than its decimal digits (or refuse it), so the body would not be canonical.
pub const MAX_SEQ: u64 = 1 << 53;

/// Checks a stream name: 1..=200 characters of `A-Z a-z 0-9 . _ : / -`, so it is safe in URLs,
/// logs and file names.
pub fn check_stream(stream: &str) -> Result<(), EnvelopeError> {
    check_name("stream", stream, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-')
    })
}

/// Checks an event type: 1..=200 characters of `a-z 0-9 . _`, e.g. `permission.granted.v1`.
pub fn check_event_type(event_type: &str) -> Result<(), EnvelopeError> {
    check_name("type", event_type, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_')
    })
}

fn check_name(
    field: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), EnvelopeError> {
    if value.is_empty() || value.len() > MAX_NAME_LEN {
        return Err(EnvelopeError::Field(
            field,
            format!("must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(EnvelopeError::Field(
            field,
            format!("character {bad:?} is not allowed"),
        ));
    }
    Ok(())
}

impl NewEvent {
    /// Checks what the store cannot repair: names, meta and a data value with a canonical form.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        check_content(&self.event_type, &self.data, &self.meta, &self.effective_at)
    }

    /// Seals the event at `seq` after `prev`.
    pub fn seal(
        &self,
        seq: u64,
        stream: &str,
        version: u64,
        recorded_at: DateTime<Utc>,
        prev: Digest32,
    ) -> Event {
        Event {
            seq,
            id: self.id,
            stream: stream.to_owned(),
            version,
            event_type: self.event_type.clone(),
            data: self.data.clone(),
            meta: self.meta.clone(),
            recorded_at: truncate_to_micros(recorded_at),
            effective_at: self.effective_at,
            prev,
        }
    }

    /// True when `event` records the same act: what idempotent retries compare. The store's
    /// choices (seq, version, prev, recorded_at) are not part of it.
    pub fn same_content(&self, stream: &str, event: &Event) -> bool {
        self.id == event.id
            && stream == event.stream
            && self.event_type == event.event_type
            && self.data == event.data
            && self.meta == event.meta
            && self.effective_at == event.effective_at
    }
}

/// [`NewEvent::validate`]'s checks, shared with [`Event::validate`].
fn check_content(
    event_type: &str,
    data: &Value,
    meta: &Meta,
    effective_at: &DateTime<FixedOffset>,
) -> Result<(), EnvelopeError> {
    check_event_type(event_type)?;
    if meta.actor.trim().is_empty() {
        return Err(EnvelopeError::Field(
            "meta.actor",
            "must name the person who acted".into(),
        ));
    }
    if meta.basis.trim().is_empty() {
        return Err(EnvelopeError::Field(
            "meta.basis",
            "must name the article".into(),
        ));
    }
    for (field, v) in [
        ("meta.actor", Some(&meta.actor)),
        ("meta.basis", Some(&meta.basis)),
        ("meta.acting_for", meta.acting_for.as_ref()),
        ("meta.request_id", meta.request_id.as_ref()),
    ] {
        if v.is_some_and(|v| v.len() > MAX_NAME_LEN) {
            return Err(EnvelopeError::Field(
                field,
                format!("longer than {MAX_NAME_LEN} bytes"),
            ));
        }
    }
    if !data.is_object() {
        return Err(EnvelopeError::Field("data", "must be a JSON object".into()));
    }
    if effective_at.nanosecond() != 0 {
        return Err(EnvelopeError::Field(
            "effective_at",
            "whole seconds only".into(),
        ));
    }
    // Encodable (the sealer writes it later); checked without writing it.
    canonical::check_value(data)?;
    if let Some(path) = first_non_integer(data, "data") {
        // Payloads carry integers only (dates as strings): a float would have more than one
        // spelling for one value, and an idempotent retry could no longer match its original.
        return Err(EnvelopeError::Field(
            "data",
            format!("{path} is not an integer (payloads carry no floating-point numbers)"),
        ));
    }
    Ok(())
}

/// Drops sub-microsecond precision, so a sealed timestamp survives encode/decode unchanged.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

/// `recorded_at` text: `2025-04-01T00:00:00.000000Z`.
pub fn format_recorded_at(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // chrono's spelling of other years and of a leap second.
        return t.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    // The same text, digit by digit: sealing spells two times per event, and `fmt` was a
    // measurable share of an append (issue 16 item 3).
    let mut out = String::with_capacity(27);
    push_date_time(&mut out, t);
    out.push('.');
    push_padded(&mut out, nanos / 1_000, 6);
    out.push('Z');
    out
}

/// `effective_at` text: `2025-04-01T00:00:00+09:00` (offset always as `±hh:mm`).
pub fn format_effective_at(t: &DateTime<FixedOffset>) -> String {
    use chrono::Datelike;
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // chrono's spelling of years beyond four digits (`+10000`, `-0001`).
        return t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    }
    // The same text as the format above, without parsing a format string per event.
    let offset = t.offset().local_minus_utc();
    let (sign, offset) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    let offset = offset.unsigned_abs();
    let mut out = String::with_capacity(25);
    push_date_time(&mut out, t);
    out.push(sign);
    push_padded(&mut out, offset / 3600, 2);
    out.push(':');
    push_padded(&mut out, offset / 60 % 60, 2);
    out
}

/// `YYYY-MM-DDTHH:MM:SS` of `t`, whose year the caller checked is in `0..=9999`.
fn push_date_time(out: &mut String, t: &(impl chrono::Datelike + chrono::Timelike)) {
    push_padded(out, t.year().unsigned_abs(), 4);
    for (sep, n) in [
        ('-', t.month()),
        ('-', t.day()),
        ('T', t.hour()),
        (':', t.minute()),
        (':', t.second()),
    ] {
        out.push(sep);
        push_padded(out, n, 2);
    }
}

/// `n` in decimal, zero-padded to at least `width` digits.
fn push_padded(out: &mut String, n: u32, width: u32) {
    let mut div = 10u32.pow(width.saturating_sub(1));
    while n / div >= 10 {
        div *= 10;
    }
    while div > 0 {
        out.push(char::from(b'0' + (n / div % 10) as u8));
        div /= 10;
    }
}

impl Event {
    /// The canonical body (RFC 8785). Members in sorted order: data, effective_at, id, meta,
    /// prev, recorded_at, seq, stream, type, version; meta: acting_for, actor, basis,
    /// causation_id, request_id.
    pub fn encode(&self) -> Result<Vec<u8>, CanonicalError> {
        // Room for a typical event (the demo's average 515 bytes) without a second pass.
        let mut out = Vec::with_capacity(1024);
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the canonical body to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
        for n in [self.seq, self.version] {
            if n > MAX_SEQ {
                return Err(CanonicalError::UnsafeInteger(n.to_string()));
            }
        }
        let mut uuid_buf = Uuid::encode_buffer();
        out.extend_from_slice(b"{\"data\":");
        write_value(out, &self.data)?;
        out.extend_from_slice(b",\"effective_at\":");
        write_str(out, &format_effective_at(&self.effective_at));
        out.extend_from_slice(b",\"id\":");
        write_str(out, self.id.hyphenated().encode_lower(&mut uuid_buf));
        out.extend_from_slice(b",\"meta\":{\"acting_for\":");
        write_opt_str(out, self.meta.acting_for.as_deref());
        out.extend_from_slice(b",\"actor\":");
        write_str(out, &self.meta.actor);
        out.extend_from_slice(b",\"basis\":");
        write_str(out, &self.meta.basis);
        out.extend_from_slice(b",\"causation_id\":");
        match &self.meta.causation_id {
            Some(id) => write_str(out, id.hyphenated().encode_lower(&mut uuid_buf)),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"request_id\":");
        write_opt_str(out, self.meta.request_id.as_deref());
        out.extend_from_slice(b"},\"prev\":\"");
        let mut hex_buf = [0u8; 64];
        // hex of 32 bytes into 64 bytes cannot fail.
        if hex::encode_to_slice(self.prev.0, &mut hex_buf).is_ok() {
            out.extend_from_slice(&hex_buf);
        }
        out.extend_from_slice(b"\",\"recorded_at\":");
        write_str(out, &format_recorded_at(&self.recorded_at));
        out.extend_from_slice(b",\"seq\":");
        write_u64(out, self.seq);
        out.extend_from_slice(b",\"stream\":");
        write_str(out, &self.stream);
        out.extend_from_slice(b",\"type\":");
        write_str(out, &self.event_type);
        out.extend_from_slice(b",\"version\":");
        write_u64(out, self.version);
        out.push(b'}');
        Ok(())
    }

    /// The envelope as a generic JSON value (for HTTP responses and the generic canonicalizer).
    pub fn to_value(&self) -> Value {
        let mut meta = Map::new();
        meta.insert("actor".into(), Value::String(self.meta.actor.clone()));
        meta.insert(
            "acting_for".into(),
            opt_str(self.meta.acting_for.as_deref()),
        );
        meta.insert("basis".into(), Value::String(self.meta.basis.clone()));
        meta.insert(
            "request_id".into(),
            opt_str(self.meta.request_id.as_deref()),
        );
        meta.insert(
            "causation_id".into(),
            self.meta
                .causation_id
                .map_or(Value::Null, |id| Value::String(id.to_string())),
        );
        let mut m = Map::new();
        m.insert("seq".into(), Value::from(self.seq));
        m.insert("id".into(), Value::String(self.id.to_string()));
        m.insert("stream".into(), Value::String(self.stream.clone()));
        m.insert("version".into(), Value::from(self.version));
        m.insert("type".into(), Value::String(self.event_type.clone()));
        m.insert("data".into(), self.data.clone());
        m.insert("meta".into(), Value::Object(meta));
        m.insert(
            "recorded_at".into(),
            Value::String(format_recorded_at(&self.recorded_at)),
        );
        m.insert(
            "effective_at".into(),
            Value::String(format_effective_at(&self.effective_at)),
        );
        m.insert("prev".into(), Value::String(self.prev.to_hex()));
        Value::Object(m)
    }

    /// Parses a body, checking that it is canonical and that every member is well-formed. The
    /// result re-encodes to exactly `body`.
    pub fn decode(body: &[u8]) -> Result<Event, EnvelopeError> {
        Event::decode_with(body, true)
    }

    /// Parses a body that the store checked when it was written (folding stored rows into
    /// projections): every member must be there with its type, but the canonical spelling is
    /// not re-checked — `verify --deep` does that. About a third cheaper than [`Event::decode`].
    pub fn decode_trusted(body: &[u8]) -> Result<Event, EnvelopeError> {
        Event::decode_with(body, false)
    }

    fn decode_with(body: &[u8], strict: bool) -> Result<Event, EnvelopeError> {
        // One parse and, when strict, one typed re-encode: the byte comparison at the end proves
        // the body canonical (the typed writer is RFC 8785 exactly, see tests/jcs_vectors.rs),
        // including the spelling of every timestamp, id and hash, so the members need no
        // spelling checks of their own.
        let text = std::str::from_utf8(body).map_err(|e| NotCanonical::Utf8(e.valid_up_to()))?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| NotCanonical::Json(e.to_string()))?;
        let Value::Object(mut m) = value else {
            return Err(EnvelopeError::Field("body", "must be a JSON object".into()));
        };
        let event = Event {
            data: take(&mut m, "data", |v| match v {
                Value::Object(_) => Some(v),
                _ => None,
            })?,
            // A leap second (`23:59:60`) parses and re-prints as itself, but no clock records
            // one and `NewEvent::validate` refuses it: not a time a body can hold.
            effective_at: take(&mut m, "effective_at", |v| {
                DateTime::parse_from_rfc3339(v.as_str()?)
                    .ok()
                    .filter(|t| t.nanosecond() < 1_000_000_000)
            })?,
            id: take(&mut m, "id", |v| Uuid::parse_str(v.as_str()?).ok())?,
            meta: take(&mut m, "meta", |v| serde_json::from_value::<Meta>(v).ok())?,
            prev: take(&mut m, "prev", |v| Digest32::from_hex(v.as_str()?).ok())?,
            recorded_at: take(&mut m, "recorded_at", |v| {
                Some(
                    DateTime::parse_from_rfc3339(v.as_str()?)
                        .ok()
                        .filter(|t| t.nanosecond() < 1_000_000_000)?
                        .with_timezone(&Utc),
                )
            })?,
            seq: take(&mut m, "seq", |v| {
                v.as_u64().filter(|n| (1..=MAX_SEQ).contains(n))
            })?,
            stream: take(&mut m, "stream", |v| match v {
                Value::String(s) if check_stream(&s).is_ok() => Some(s),
                _ => None,
            })?,
            event_type: take(&mut m, "type", |v| match v {
                Value::String(s) if check_event_type(&s).is_ok() => Some(s),
                _ => None,
            })?,
            version: take(&mut m, "version", |v| {
                v.as_u64().filter(|n| (1..=MAX_SEQ).contains(n))
            })?,
        };
        if let Some(extra) = m.keys().next() {
            return Err(EnvelopeError::Field(
                "body",
                format!("unknown member {extra:?}"),
            ));
        }
        if !strict {
            return Ok(event);
        }
        // The byte-level check: the typed envelope re-encodes to exactly what was given.
        let again = event.encode()?;
        if again != body {
            let at = again
                .iter()
                .zip(body)
                .position(|(a, b)| a != b)
                .unwrap_or(again.len().min(body.len()));
            return Err(NotCanonical::Differs { at }.into());
        }
        Ok(event)
    }

    /// The checks the writer makes before it appends ([`NewEvent::validate`]), on a sealed
    /// event: import refuses a line the ledger could not have written.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        check_content(&self.event_type, &self.data, &self.meta, &self.effective_at)
    }

    /// SHA-256 of the canonical body.
    pub fn hash(&self) -> Result<Digest32, CanonicalError> {
        Ok(Digest32::of(&self.encode()?))
    }
}

/// The path of the first number in `v` that is not an integer, if any.
fn first_non_integer(v: &Value, path: &str) -> Option<String> {
    // The path is spelled only when there is one to report: every append validates its
    // payloads, and a `format!` per member was a measurable share of it (issue 16 item 3).
    enum Step<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn find(v: &Value) -> Option<Vec<Step<'_>>> {
        match v {
            Value::Number(n) if !(n.is_i64() || n.is_u64()) => Some(Vec::new()),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
                let mut steps = find(x)?;
                steps.push(Step::Index(i));
                Some(steps)
            }),
            Value::Object(m) => m.iter().find_map(|(k, x)| {
                let mut steps = find(x)?;
                steps.push(Step::Key(k));
                Some(steps)
            }),
            _ => None,
        }
    }
    let steps = find(v)?;
    let mut out = path.to_owned();
    for step in steps.iter().rev() {
        match step {
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    Some(out)
}

fn take<T>(
    m: &mut Map<String, Value>,
    key: &'static str,
    parse: impl FnOnce(Value) -> Option<T>,
) -> Result<T, EnvelopeError> {
    let v = m
        .remove(key)
        .ok_or_else(|| EnvelopeError::Field(key, "missing".into()))?;
    parse(v).ok_or_else(|| EnvelopeError::Field(key, "malformed".into()))
}

fn write_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

/// The members of a body that tie it into the log, read without building the payload: what
/// `verify` needs to check a hash chain fast. It checks the envelope's shape (every member,
/// nothing else, right types) but not that the body is in canonical spelling; `Event::decode`
/// does that.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peek<'a> {
    #[serde(borrow)]
    pub data: &'a serde_json::value::RawValue,
    #[serde(borrow)]
    pub effective_at: std::borrow::Cow<'a, str>,
    pub id: Uuid,
    #[serde(borrow)]
    pub meta: PeekMeta<'a>,
    pub prev: Digest32,
    #[serde(borrow)]
    pub recorded_at: std::borrow::Cow<'a, str>,
    pub seq: u64,
    #[serde(borrow)]
    pub stream: std::borrow::Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    pub event_type: std::borrow::Cow<'a, str>,
    pub version: u64,
}

/// `meta` as [`Peek`] reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeekMeta<'a> {
    #[serde(borrow)]
    pub acting_for: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    pub actor: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub basis: std::borrow::Cow<'a, str>,
    pub causation_id: Option<Uuid>,
    #[serde(borrow)]
    pub request_id: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Peek<'a> {
    /// Reads the envelope members of `body`.
    pub fn of(body: &'a [u8]) -> Result<Peek<'a>, EnvelopeError> {
        let text = std::str::from_utf8(body).map_err(|e| NotCanonical::Utf8(e.valid_up_to()))?;
        let peek: Peek<'a> =
            serde_json::from_str(text).map_err(|e| NotCanonical::Json(e.to_string()))?;
        if !peek.data.get().starts_with('{') {
            return Err(EnvelopeError::Field("data", "must be a JSON object".into()));
        }
        Ok(peek)
    }

    /// What folding a stored event needs, read in one pass: the envelope as an [`Event`]
    /// whose `data` is left `Null`, and the payload parsed from `data`'s text straight into its
    /// typed struct. Rebuilding projections from the log spends most of its time decoding
    /// bodies; this skips the intermediate `serde_json::Value` of the body and of its data.
    /// For bodies the store checked when it wrote them (like [`Event::decode_trusted`]).
    pub fn for_fold(
        body: &'a [u8],
    ) -> Result<
        (
            Event,
            Result<crate::events::Payload, crate::events::PayloadError>,
        ),
        EnvelopeError,
    > {
        let peek = Peek::of(body)?;
        let time = |name: &'static str, s: &str| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .filter(|t| t.nanosecond() < 1_000_000_000)
                .ok_or_else(|| EnvelopeError::Field(name, "malformed".into()))
        };
        let payload = crate::events::parse_payload_str(&peek.event_type, peek.data.get());
        let event = Event {
            seq: peek.seq,
            id: peek.id,
            stream: peek.stream.into_owned(),
            version: peek.version,
            event_type: peek.event_type.into_owned(),
            data: Value::Null,
            meta: Meta {
                actor: peek.meta.actor.into_owned(),
                acting_for: peek.meta.acting_for.map(|c| c.into_owned()),
                basis: peek.meta.basis.into_owned(),
                request_id: peek.meta.request_id.map(|c| c.into_owned()),
                causation_id: peek.meta.causation_id,
            },
            recorded_at: time("recorded_at", &peek.recorded_at)?.with_timezone(&Utc),
            effective_at: time("effective_at", &peek.effective_at)?,
            prev: peek.prev,
        };
        Ok((event, payload))
    }

    /// `effective_at` as microseconds since the epoch.
    pub fn effective_us(&self) -> Result<i64, EnvelopeError> {
        DateTime::parse_from_rfc3339(&self.effective_at)
            .map(|t| t.timestamp_micros())
            .map_err(|_| EnvelopeError::Field("effective_at", "malformed".into()))
    }

    /// `recorded_at` as microseconds since the epoch.
    pub fn recorded_us(&self) -> Result<i64, EnvelopeError> {
        DateTime::parse_from_rfc3339(&self.recorded_at)
            .map(|t| t.timestamp_micros())
            .map_err(|_| EnvelopeError::Field("recorded_at", "malformed".into()))
    }
}

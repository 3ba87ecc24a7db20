//! Hostile input, property-based (issue 7): what a body, an export file or an HTTP request can
//! hold when whoever wrote it means harm or made a mess.
//!
//! cargo-fuzz needs a nightly toolchain, which the CI machine cannot fetch, so these are
//! proptest properties instead (the issue allows that where fuzzing is impractical). Each runs a
//! bounded number of cases so the whole file takes well under a minute in a debug build;
//! `PROPTEST_CASES=20000 cargo test --release --test hostile_input` soaks every property (and
//! sends that many HTTP requests per backend), and `GOVLEDGER_TEST_SEED=N` replays one HTTP run
//! (its seed is printed).
//!
//! 1. Bodies: [`Event::decode`] (strict), [`Event::decode_trusted`] and [`Peek`] on arbitrary
//!    bytes, on canonical events with random byte mutations, and on other spellings of a
//!    canonical event. Never a panic; whatever strict decode accepts is its own RFC 8785 form.
//! 2. Import: a valid export with one line mutated, dropped, duplicated or swapped, or garbage
//!    lines: refused naming the line, and the target ledger stays empty.
//! 3. Commands over HTTP: random hostile bodies against a real server on the demo ledger: never
//!    a 5xx, always a problem document naming the field or the rule, the head unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::sync::OnceLock;

use chrono::{FixedOffset, TimeZone, Utc};
use govledger::store::{self, ExpectedVersion, ImportError, Store};
use govledger_schema::canonical::{cmp_utf16, parse_canonical, to_canonical_vec, write_str};
use govledger_schema::envelope::Peek;
use govledger_schema::{Digest32, Event, Meta};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use support::checks::Rng;
use support::http::{TestApp, demo_app, issue_token};
use support::{TestDb, event};
use uuid::Uuid;

on_both_backends!(
    hostile_command_bodies_get_a_problem_naming_the_field_or_rule_and_record_nothing,
    a_struct_spelled_as_an_array_or_a_tag_as_a_number_is_refused_naming_the_field,
    a_mutated_export_through_the_cli_is_refused_naming_the_line_and_writes_nothing,
);

/// `cases` unless `PROPTEST_CASES` asks for another number (for a longer soak).
fn config(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::default(); // reads PROPTEST_CASES
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    c
}

/// Largest integer an IEEE-754 double holds exactly (RFC 8785 numbers are doubles).
const MAX_SAFE: u64 = 1 << 53;

// ---------------------------------------------------------------------------------------------
// 1. Bodies
// ---------------------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9]{1,12}",
        "\\PC{1,16}",
        // Any char: controls, quotes, backslashes, astral planes.
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(MAX_SAFE as i64)..=(MAX_SAFE as i64)).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z/]{0,6}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Any well-formed event: every member drawn from its whole domain (seq and version up to
/// u64::MAX, any offset in whole minutes, any year 1..9999).
fn any_event() -> impl Strategy<Value = Event> {
    let numbers = (
        prop_oneof![1..100u64, 1..=u64::MAX],
        prop_oneof![1..10u64, 1..=u64::MAX],
        any::<u128>(),
        any::<[u8; 32]>(),
        // recorded_at: microseconds in years 1..9999, UTC.
        -62_135_596_800_000_000i64..253_402_214_400_000_000i64,
        // effective_at: whole seconds in years 2..9998, any offset of whole minutes.
        -62_104_060_800i64..253_370_764_800i64,
        -(23 * 60 + 59)..=(23 * 60 + 59i32),
    );
    let names = (
        "[A-Za-z0-9._:/-]{1,40}",
        "[a-z0-9._]{1,40}",
        prop::collection::btree_map(any::<String>(), json_value(), 0..5),
        text(),
        proptest::option::of(text()),
        text(),
        proptest::option::of(text()),
        proptest::option::of(any::<u128>()),
    );
    (numbers, names).prop_map(
        |(
            (seq, version, id, prev, recorded_us, effective_s, offset_min),
            (stream, event_type, data, actor, acting_for, basis, request_id, causation),
        )| Event {
            seq,
            id: Uuid::from_u128(id),
            stream,
            version,
            event_type,
            data: Value::Object(data.into_iter().collect()),
            meta: Meta {
                actor,
                acting_for,
                basis,
                request_id,
                causation_id: causation.map(Uuid::from_u128),
            },
            recorded_at: Utc.timestamp_micros(recorded_us).unwrap(),
            effective_at: FixedOffset::east_opt(offset_min * 60)
                .unwrap()
                .timestamp_opt(effective_s, 0)
                .unwrap(),
            prev: Digest32(prev),
        },
    )
}

/// The canonical body of `e`, or None when `e` has no canonical form (an integer a double
/// cannot hold).
fn body_of(e: &Event) -> Option<Vec<u8>> {
    e.encode().ok()
}

/// Runs every body reader on `body` and checks what must hold of their answers. Returns the
/// event strict decode accepted, if any.
fn check_body(body: &[u8]) -> Result<Option<Event>, TestCaseError> {
    let strict = Event::decode(body);
    let trusted = Event::decode_trusted(body);
    let peek = Peek::of(body);
    if let Ok(p) = &peek {
        let _ = (p.effective_us(), p.recorded_us());
    }
    let generic = parse_canonical(body);
    let Ok(e) = strict else {
        // Refused by strict decode: if the lenient reader took it, it cannot be the body's own
        // canonical spelling (or strict decode had no reason to refuse).
        if let Ok(t) = &trusted {
            let again = t.encode().ok();
            prop_assert_ne!(again.as_deref(), Some(body));
        }
        return Ok(None);
    };
    // Accepted: decode then encode gives the input back, byte for byte ...
    prop_assert_eq!(e.encode().unwrap(), body);
    // ... which is RFC 8785 of the body's own JSON value (not just the typed writer's idea).
    let value: Value = serde_json::from_slice(body).unwrap();
    let generic_bytes = to_canonical_vec(&value).ok();
    prop_assert_eq!(
        generic_bytes.as_deref(),
        Some(body),
        "accepted but not RFC 8785 of its value"
    );
    prop_assert!(generic.is_ok(), "accepted but parse_canonical refuses it");
    prop_assert_eq!(trusted.as_ref().ok(), Some(&e));
    let p =
        peek.map_err(|err| TestCaseError::fail(format!("strict accepts, Peek refuses: {err}")))?;
    prop_assert_eq!(
        (p.seq, p.id, p.version, p.prev),
        (e.seq, e.id, e.version, e.prev)
    );
    prop_assert_eq!(
        (&*p.stream, &*p.event_type, &*p.meta.actor, &*p.meta.basis),
        (
            e.stream.as_str(),
            e.event_type.as_str(),
            e.meta.actor.as_str(),
            e.meta.basis.as_str()
        )
    );
    prop_assert_eq!(
        p.effective_us().ok(),
        Some(e.effective_at.timestamp_micros())
    );
    prop_assert_eq!(p.recorded_us().ok(), Some(e.recorded_at.timestamp_micros()));
    let data = to_canonical_vec(&e.data).unwrap();
    prop_assert_eq!(p.data.get().as_bytes(), data.as_slice());
    Ok(Some(e))
}

/// A JSON object with some of the envelope's members (and some others), any values: gets past
/// the JSON parser into the member checks.
fn envelope_shaped_json() -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        Just("data".to_owned()),
        Just("effective_at".to_owned()),
        Just("id".to_owned()),
        Just("meta".to_owned()),
        Just("prev".to_owned()),
        Just("recorded_at".to_owned()),
        Just("seq".to_owned()),
        Just("stream".to_owned()),
        Just("type".to_owned()),
        Just("version".to_owned()),
        "[a-z_]{1,8}",
    ];
    prop::collection::btree_map(key, json_value(), 0..12)
        .prop_map(|m| serde_json::to_vec(&Value::Object(m.into_iter().collect())).unwrap())
}

#[derive(Debug, Clone)]
enum ByteOp {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index, usize),
    Truncate(Index),
}

fn byte_op() -> impl Strategy<Value = ByteOp> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| ByteOp::Flip(i, 1 << bit)),
        (
            any::<Index>(),
            prop_oneof![
                any::<u8>(),
                prop::sample::select(b"{}[]\",:\\ 0-e.".to_vec())
            ]
        )
            .prop_map(|(i, b)| ByteOp::Insert(i, b)),
        (any::<Index>(), 1usize..8).prop_map(|(i, n)| ByteOp::Delete(i, n)),
        any::<Index>().prop_map(ByteOp::Truncate),
    ]
}

fn apply(body: &mut Vec<u8>, op: &ByteOp) {
    if body.is_empty() {
        return;
    }
    match op {
        ByteOp::Flip(i, mask) => {
            let at = i.index(body.len());
            body[at] ^= mask;
        }
        ByteOp::Insert(i, b) => {
            let at = i.index(body.len() + 1);
            body.insert(at, *b);
        }
        ByteOp::Delete(i, n) => {
            let at = i.index(body.len());
            let end = (at + n).min(body.len());
            body.drain(at..end);
        }
        ByteOp::Truncate(i) => {
            let at = i.index(body.len());
            body.truncate(at);
        }
    }
}

/// One way to spell a JSON value other than RFC 8785 does, keeping (except where noted) the
/// value the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Respell {
    /// Insignificant whitespace after `{ [ , :` or before `} ]`.
    Whitespace,
    /// Two members of an object out of order.
    Reorder,
    /// An object member written twice (same value; the parser keeps the last).
    DuplicateKey,
    /// A printable ASCII character as `\u00XX`.
    EscapeAscii,
    /// `/` as `\/`.
    EscapeSolidus,
    /// A non-ASCII BMP character as `\uXXXX`.
    EscapeNonAscii,
    /// A character above U+FFFF as a `\uD8xx\uDCxx` surrogate pair.
    SurrogatePair,
    /// A control character escaped with upper-case hex (`\u001F`).
    UpperHexControl,
    /// `\n` `\t` … written as `\u000a` instead of the short form.
    LongControl,
    /// An integer as `1.0` (the value becomes a float to the parser).
    Fraction,
    /// An integer as `1e0` / `1E+0`.
    Exponent,
    /// Zero as `-0`.
    NegativeZero,
    /// A byte-order mark before the text.
    Bom,
    /// Whitespace after the text.
    Trailing,
}

const RESPELLINGS: &[Respell] = &[
    Respell::Whitespace,
    Respell::Reorder,
    Respell::DuplicateKey,
    Respell::EscapeAscii,
    Respell::EscapeSolidus,
    Respell::EscapeNonAscii,
    Respell::SurrogatePair,
    Respell::UpperHexControl,
    Respell::LongControl,
    Respell::Fraction,
    Respell::Exponent,
    Respell::NegativeZero,
    Respell::Bom,
    Respell::Trailing,
];

/// Writes a value canonically except at the `target`-th place where `kind` applies.
struct Speller {
    kind: Respell,
    target: usize,
    seen: usize,
    out: Vec<u8>,
}

impl Speller {
    /// True (once) when this place is the one to respell.
    fn site(&mut self) -> bool {
        let hit = self.seen == self.target;
        self.seen += 1;
        hit
    }

    fn ws(&mut self) {
        if self.kind == Respell::Whitespace && self.site() {
            let choice = [b' ', b'\n', b'\t', b'\r'][self.target % 4];
            self.out.push(choice);
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null | Value::Bool(_) => self.out.extend(v.to_string().bytes()),
            Value::Number(n) => {
                let digits = to_canonical_vec(v).unwrap();
                self.out.extend_from_slice(&digits);
                let integer = n.is_i64() || n.is_u64();
                let applies = match self.kind {
                    Respell::Fraction | Respell::Exponent => integer,
                    Respell::NegativeZero => n.as_u64() == Some(0),
                    _ => false,
                };
                if applies && self.site() {
                    match self.kind {
                        Respell::Fraction => self.out.extend_from_slice(b".0"),
                        Respell::Exponent if self.target.is_multiple_of(2) => {
                            self.out.extend_from_slice(b"e0")
                        }
                        Respell::Exponent => self.out.extend_from_slice(b"E+0"),
                        _ => {
                            self.out.pop();
                            self.out.extend_from_slice(b"-0");
                        }
                    }
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push(b'[');
                self.ws();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                        self.ws();
                    }
                    self.value(item);
                }
                self.ws();
                self.out.push(b']');
            }
            Value::Object(m) => {
                let mut members: Vec<(&String, &Value)> = m.iter().collect();
                members.sort_by(|a, b| cmp_utf16(a.0, b.0));
                if self.kind == Respell::Reorder && members.len() >= 2 && self.site() {
                    members.swap(0, 1);
                }
                if self.kind == Respell::DuplicateKey && !members.is_empty() && self.site() {
                    members.insert(0, members[0]);
                }
                self.out.push(b'{');
                self.ws();
                for (i, (k, item)) in members.into_iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                        self.ws();
                    }
                    self.string(k);
                    self.ws();
                    self.out.push(b':');
                    self.ws();
                    self.value(item);
                }
                self.ws();
                self.out.push(b'}');
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push(b'"');
        for c in s.chars() {
            let mut canonical = Vec::new();
            write_str(&mut canonical, &c.to_string());
            let canonical = &canonical[1..canonical.len() - 1];
            let code = c as u32;
            let applies = match self.kind {
                Respell::EscapeAscii => (0x20..0x7f).contains(&code) && c != '"' && c != '\\',
                Respell::EscapeSolidus => c == '/',
                Respell::EscapeNonAscii => (0x80..0x10000).contains(&code),
                Respell::SurrogatePair => code >= 0x10000,
                // Only escapes whose hex has a letter look different in upper case.
                Respell::UpperHexControl => {
                    canonical.starts_with(b"\\u")
                        && canonical[2..].iter().any(u8::is_ascii_lowercase)
                }
                // The short escapes (\b \t \n \f \r).
                Respell::LongControl => code < 0x20 && canonical.len() == 2,
                _ => false,
            };
            let spelled = (applies && self.site()).then(|| match self.kind {
                Respell::EscapeSolidus => "\\/".to_owned(),
                Respell::SurrogatePair => {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units);
                    format!("\\u{:04x}\\u{:04x}", units[0], units[1])
                }
                Respell::UpperHexControl => format!("\\u{code:04X}"),
                _ => format!("\\u{code:04x}"),
            });
            match spelled {
                Some(s) => self.out.extend_from_slice(s.as_bytes()),
                None => self.out.extend_from_slice(canonical),
            }
        }
        self.out.push(b'"');
    }
}

/// `v` spelled canonically but for one place of `kind` (the `index`-th, modulo how many there
/// are); None when `v` has no such place.
fn respell(v: &Value, kind: Respell, index: usize) -> Option<Vec<u8>> {
    let run = |target: usize| {
        let mut s = Speller {
            kind,
            target,
            seen: 0,
            out: Vec::new(),
        };
        match kind {
            Respell::Bom => {
                if s.site() {
                    s.out.extend_from_slice("\u{feff}".as_bytes());
                }
                s.value(v);
            }
            Respell::Trailing => {
                s.value(v);
                if s.site() {
                    s.out.push([b' ', b'\n'][target % 2]);
                }
            }
            _ => s.value(v),
        }
        (s.seen, s.out)
    };
    let (sites, _) = run(usize::MAX);
    (sites > 0).then(|| run(index % sites).1)
}

/// A data payload holding something for every respelling to work on.
fn with_every_kind_of_site(mut e: Event) -> Event {
    if let Value::Object(m) = &mut e.data {
        m.insert(
            "hostile".into(),
            json!([0, -7, 12, "a/b\u{1}\u{b}\u{1f}\n\t\u{e9}利用\u{1F600}", {"z": 1, "a": [true, null]}]),
        );
    }
    e
}

proptest! {
    #![proptest_config(config(256))]

    /// Any bytes at all: no reader panics, and what strict decode accepts is canonical.
    #[test]
    fn arbitrary_bytes_never_panic_and_nothing_non_canonical_is_accepted(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            envelope_shaped_json(),
        ]
    ) {
        check_body(&bytes)?;
    }

    /// A canonical event, then one to four byte flips, inserts, deletions or a truncation.
    #[test]
    fn mutated_canonical_events_are_refused_or_are_their_own_canonical_form(
        e in any_event(),
        ops in prop::collection::vec(byte_op(), 1..5),
    ) {
        let Some(original) = body_of(&e) else {
            // seq or version beyond 2^53: encode refuses it, so strict decode must refuse its
            // bytes too.
            let loose = serde_json::to_vec(&e.to_value()).unwrap();
            prop_assert!(check_body(&loose)?.is_none(), "accepted an event with no canonical form");
            return Ok(());
        };
        // The unmutated body is accepted and reads back as the same event.
        prop_assert_eq!(check_body(&original)?, Some(e.clone()));
        let mut body = original.clone();
        for op in &ops {
            apply(&mut body, op);
        }
        if let Some(accepted) = check_body(&body)? {
            // Only a change that is itself canonical passes, and then it is another event.
            prop_assert!(body == original || accepted != e);
        }
    }

    /// The same event in another spelling (whitespace, member order, duplicate members,
    /// escapes, number spellings, a BOM): strict decode refuses every one.
    #[test]
    fn other_spellings_of_a_canonical_event_are_refused(
        e in any_event().prop_filter("has a canonical form", |e| e.encode().is_ok()),
        kind in prop::sample::select(RESPELLINGS),
        index in 0usize..4096,
    ) {
        let e = with_every_kind_of_site(e);
        let canonical = e.encode().unwrap();
        let value = e.to_value();
        let spelled = respell(&value, kind, index).expect("every kind has a site");
        prop_assert_ne!(&spelled, &canonical, "{:?} changed nothing", kind);
        let number_kind = matches!(kind, Respell::Fraction | Respell::Exponent | Respell::NegativeZero);
        if kind != Respell::Bom && !number_kind {
            // The generator is honest: the same JSON value, only spelled differently.
            let reparsed: Value = serde_json::from_slice(&spelled).unwrap();
            prop_assert_eq!(&reparsed, &value);
        }
        prop_assert!(
            Event::decode(&spelled).is_err(),
            "strict decode accepted a {:?} respelling: {}",
            kind,
            String::from_utf8_lossy(&spelled)
        );
        prop_assert!(parse_canonical(&spelled).is_err());
        check_body(&spelled)?;
        // The lenient reader, where it reads it, reads the same event.
        if let (Ok(t), false) = (Event::decode_trusted(&spelled), number_kind) {
            prop_assert_eq!(t, e);
        }
    }
}

/// Named hostile bodies: each is refused by strict decode, and nothing panics on any of them.
#[test]
fn named_hostile_bodies_are_refused_without_a_panic() {
    let e = with_every_kind_of_site(Event {
        seq: 7,
        id: Uuid::from_u128(0x0193_a1b2_0c00_7000_8000_0000_0000_0001),
        stream: "asset/A01".into(),
        version: 2,
        event_type: "permission.granted.v1".into(),
        data: json!({"asset_id": "A01", "person_id": "P0390", "n": 5}),
        meta: Meta {
            actor: "P0352".into(),
            acting_for: None,
            basis: "第5条第2項".into(),
            request_id: Some("req-1".into()),
            causation_id: None,
        },
        recorded_at: Utc.timestamp_micros(1_744_600_000_123_456).unwrap(),
        effective_at: FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(2025, 4, 14, 0, 0, 0)
            .unwrap(),
        prev: Digest32::of(b"prev"),
    });
    let body = String::from_utf8(e.encode().unwrap()).unwrap();
    assert!(check_body(body.as_bytes()).unwrap().is_some());
    let swap = |from: &str, to: &str| {
        assert!(body.contains(from), "{from}");
        body.replacen(from, to, 1).into_bytes()
    };
    let deep = |n: usize| {
        let nested = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        swap("\"n\":5", &format!("\"n\":{nested}"))
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("an empty object", b"{}".to_vec()),
        ("lone high surrogate", swap("\"A01\"", "\"\\ud800\"")),
        ("lone low surrogate", swap("\"A01\"", "\"\\udc00\"")),
        ("reversed surrogates", swap("\"A01\"", "\"\\ude00\\ud83d\"")),
        ("bad escape", swap("\"A01\"", "\"\\x41\"")),
        ("NUL unescaped", swap("\"A01\"", "\"A\u{0}01\"")),
        ("raw newline in a string", swap("\"A01\"", "\"A\n01\"")),
        ("invalid UTF-8", {
            let mut b = swap("\"A01\"", "\"A#01\"");
            let at = b.iter().position(|c| *c == b'#').unwrap();
            b[at] = 0xff;
            b
        }),
        ("overlong UTF-8 slash", {
            let mut b = swap("\"A01\"", "\"A#01\"");
            let at = b.iter().position(|c| *c == b'#').unwrap();
            b.splice(at..=at, [0xc0, 0xaf]);
            b
        }),
        (
            "integer beyond 2^53 in data",
            swap("\"n\":5", "\"n\":9007199254740993"),
        ),
        (
            "integer beyond u64 in data",
            swap("\"n\":5", "\"n\":18446744073709551616"),
        ),
        ("1e400", swap("\"n\":5", "\"n\":1e400")),
        ("-1e400", swap("\"n\":5", "\"n\":-1e400")),
        ("NaN", swap("\"n\":5", "\"n\":NaN")),
        ("leading zero", swap("\"n\":5", "\"n\":05")),
        ("plus sign", swap("\"n\":5", "\"n\":+5")),
        ("hex number", swap("\"n\":5", "\"n\":0x5")),
        ("seq 0", swap("\"seq\":7", "\"seq\":0")),
        ("seq -1", swap("\"seq\":7", "\"seq\":-1")),
        ("seq 7.0", swap("\"seq\":7", "\"seq\":7.0")),
        ("seq as a string", swap("\"seq\":7", "\"seq\":\"7\"")),
        (
            "seq beyond 2^53",
            swap("\"seq\":7", "\"seq\":9007199254740993"),
        ),
        (
            "seq u64::MAX",
            swap("\"seq\":7", "\"seq\":18446744073709551615"),
        ),
        (
            "seq beyond u64",
            swap("\"seq\":7", "\"seq\":18446744073709551616"),
        ),
        ("version 0", swap("\"version\":2", "\"version\":0")),
        (
            "version beyond 2^53",
            swap("\"version\":2", "\"version\":9007199254740993"),
        ),
        (
            "effective_at with seconds offset",
            swap("2025-04-14T00:00:00+09:00", "2025-04-14T00:00:00+09:00:30"),
        ),
        (
            "effective_at 24:00",
            swap("2025-04-14T00:00:00+09:00", "2025-04-14T24:00:00+09:00"),
        ),
        (
            "effective_at leap second",
            swap("2025-04-14T00:00:00+09:00", "2016-12-31T23:59:60+00:00"),
        ),
        ("recorded_at year 10000", {
            let recorded = e.to_value()["recorded_at"].as_str().unwrap().to_owned();
            swap(&recorded, "9999-12-31T23:59:59.999999-23:59")
        }),
        ("upper-case uuid", swap("0193a1b2", "0193A1B2")),
        (
            "uuid without hyphens",
            swap(
                "0193a1b2-0c00-7000-8000-000000000001",
                "0193a1b20c00700080000000000000001",
            ),
        ),
        ("stream with a space", swap("asset/A01", "asset A01")),
        (
            "type upper case",
            swap("permission.granted.v1", "Permission.granted.v1"),
        ),
        (
            "meta with an extra member",
            swap(
                "\"request_id\":\"req-1\"",
                "\"request_id\":\"req-1\",\"x\":1",
            ),
        ),
        (
            "meta actor null",
            swap("\"actor\":\"P0352\"", "\"actor\":null"),
        ),
        (
            "an extra member",
            swap("\"version\":2", "\"version\":2,\"zzz\":1"),
        ),
        ("data an array", swap("{\"asset_id\"", "[{\"asset_id\"")),
        ("deep nesting beyond the limit", deep(100_000)),
        ("unclosed deep nesting", "[".repeat(1_000_000).into_bytes()),
        ("two bodies", [body.as_bytes(), body.as_bytes()].concat()),
        ("a body and a NUL", [body.as_bytes(), b"\0"].concat()),
    ];
    for (what, bytes) in cases {
        assert_ne!(bytes, body.as_bytes(), "{what}: unchanged");
        assert!(Event::decode(&bytes).is_err(), "{what}: accepted");
        check_body(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        let _ = parse_canonical(&bytes);
    }
    // Extreme but well-formed: the ends of the time range with the widest offsets are
    // canonical, and decode and re-encode exactly.
    let extremes: Vec<(&str, Vec<u8>)> = vec![
        ("deep nesting within the parser's limit", deep(100)),
        (
            "a 4 MiB string",
            swap("\"A01\"", &format!("\"{}\"", "a".repeat(4 << 20))),
        ),
        (
            "effective_at year 9999 at -23:59",
            swap("2025-04-14T00:00:00+09:00", "9999-12-31T23:59:59-23:59"),
        ),
        (
            "effective_at year 0 at +23:59",
            swap("2025-04-14T00:00:00+09:00", "0000-01-01T00:00:00+23:59"),
        ),
    ];
    for (what, bytes) in extremes {
        let accepted = check_body(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(accepted.is_some(), "{what}: refused");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Import
// ---------------------------------------------------------------------------------------------

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// The lines (without `\n`) of a valid export: 9 events over 3 streams.
fn export_lines() -> &'static [Vec<u8>] {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    // On a thread of its own: the first caller may be inside another runtime.
    LINES.get_or_init(|| {
        std::thread::spawn(|| {
            runtime().block_on(async {
                let db = TestDb::sqlite();
                let store = db.open().await;
                for i in 0..9u64 {
                    let stream = format!("asset/A{:02}", i % 3 + 1);
                    store
                        .append(&stream, ExpectedVersion::Any, vec![event(i)])
                        .await
                        .unwrap();
                }
                let mut out = Vec::new();
                store::export(&store, 1, None, &mut out).await.unwrap();
                store.close().await;
                out.split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect()
            })
        })
        .join()
        .unwrap()
    })
}

#[derive(Debug, Clone)]
enum LineChange {
    Drop(Index),
    Duplicate(Index),
    Swap(Index, Index),
    Mutate(Index, Vec<ByteOp>),
    Replace(Index, Vec<u8>),
    Insert(Index, Vec<u8>),
    Append(Vec<u8>),
    /// The last line without its `\n`.
    Unterminated,
}

fn garbage_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        envelope_shaped_json(),
        Just(Vec::new()),
        Just(b"{}".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
    ]
}

fn line_change() -> impl Strategy<Value = LineChange> {
    prop_oneof![
        any::<Index>().prop_map(LineChange::Drop),
        any::<Index>().prop_map(LineChange::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| LineChange::Swap(a, b)),
        (any::<Index>(), prop::collection::vec(byte_op(), 1..4))
            .prop_map(|(i, ops)| LineChange::Mutate(i, ops)),
        (any::<Index>(), garbage_line()).prop_map(|(i, g)| LineChange::Replace(i, g)),
        (any::<Index>(), garbage_line()).prop_map(|(i, g)| LineChange::Insert(i, g)),
        garbage_line().prop_map(LineChange::Append),
        Just(LineChange::Unterminated),
    ]
}

/// The file `change` makes of the export.
fn changed_file(change: &LineChange) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = export_lines().to_vec();
    let n = lines.len();
    let mut terminated = true;
    match change {
        LineChange::Drop(i) => {
            lines.remove(i.index(n));
        }
        LineChange::Duplicate(i) => {
            let at = i.index(n);
            lines.insert(at + 1, lines[at].clone());
        }
        LineChange::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
        LineChange::Mutate(i, ops) => {
            let line = &mut lines[i.index(n)];
            for op in ops {
                apply(line, op);
            }
        }
        LineChange::Replace(i, g) => lines[i.index(n)] = g.clone(),
        LineChange::Insert(i, g) => lines.insert(i.index(n + 1), g.clone()),
        LineChange::Append(g) => lines.push(g.clone()),
        LineChange::Unterminated => terminated = false,
    }
    let mut file: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    if !terminated {
        file.pop();
    }
    file
}

/// Imports `file` into the empty ledger at `db` and checks the outcome against the original
/// export: a file that is the export or a prefix of it imports whole; a file whose only change
/// is a still-canonical last line imports (nothing after it vouches for it — a kept checkpoint
/// does); anything else is refused naming the first line that differs, or the one after it when
/// that line is itself a well-formed event, and leaves the ledger empty.
async fn import_and_check(db: &TestDb, file: &[u8]) -> Result<Option<u64>, String> {
    let original = export_lines();
    let store = Store::open(&db.url).await.map_err(|e| e.to_string())?;
    let result = store::import(&store, &mut &file[..], |_| {}).await;
    let head = store.head().await.map_err(|e| e.to_string())?;
    // Lines as import reads them: split after each `\n`; a last piece without one is a line.
    let lines: Vec<&[u8]> = file.split_inclusive(|b| *b == b'\n').collect();
    let terminated = |l: &[u8]| l.last() == Some(&b'\n');
    let first_difference = lines
        .iter()
        .enumerate()
        .find(|(i, l)| {
            !terminated(l)
                || original
                    .get(*i)
                    .is_none_or(|o| &l[..l.len() - 1] != o.as_slice())
        })
        .map(|(i, _)| i);
    let outcome = match (result, first_difference) {
        (Ok(h), None) => {
            // The export or a prefix of it: all imported.
            if h.seq != lines.len() as u64 || head != h {
                return Err(format!(
                    "imported {} of {} lines, head {head:?}",
                    h.seq,
                    lines.len()
                ));
            }
            Some(h.seq)
        }
        (Ok(h), Some(k)) => {
            // Only a changed last line may pass, and only as a canonical event.
            let last = lines.len() - 1;
            if k != last || Event::decode(&lines[k][..lines[k].len() - 1]).is_err() {
                return Err(format!("accepted a file that differs at line {}", k + 1));
            }
            if h.seq != lines.len() as u64 || head != h {
                return Err(format!("imported {} of {} lines", h.seq, lines.len()));
            }
            Some(h.seq)
        }
        (Err(ImportError::BadLine { line, reason }), Some(k)) => {
            let at = k as u64 + 1;
            let next_ok = line == at + 1
                && terminated(lines[k])
                && Event::decode(&lines[k][..lines[k].len() - 1]).is_ok();
            if line != at && !next_ok {
                return Err(format!(
                    "refused at line {line} ({reason}), but the first changed line is {at}"
                ));
            }
            if head.seq != 0 {
                return Err(format!("refused, yet the ledger holds {} events", head.seq));
            }
            None
        }
        (Err(e), k) => return Err(format!("unexpected outcome {e} (first change at {k:?})")),
    };
    if outcome.is_some() {
        let report = store
            .verify(1, None, |_| {})
            .await
            .map_err(|e| e.to_string())?;
        if !report.is_ok() {
            return Err(format!(
                "imported but does not verify: {:?}",
                report.first_break
            ));
        }
    }
    store.close().await;
    Ok(outcome)
}

proptest! {
    #![proptest_config(config(96))]

    /// One line of a valid export changed (mutated, dropped, duplicated, swapped, replaced by or
    /// preceded by garbage, garbage appended, the last `\n` missing): all or nothing.
    #[test]
    fn an_export_with_one_line_changed_imports_all_or_nothing(change in line_change()) {
        let file = changed_file(&change);
        let outcome = runtime().block_on(async {
            let db = TestDb::sqlite();
            import_and_check(&db, &file).await
        });
        prop_assert!(outcome.is_ok(), "{:?}: {}", change, outcome.unwrap_err());
    }

    /// Files of garbage lines only.
    #[test]
    fn a_file_of_garbage_lines_is_refused_at_line_one(
        lines in prop::collection::vec(garbage_line(), 1..6)
    ) {
        let file: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
        let outcome = runtime().block_on(async {
            let db = TestDb::sqlite();
            import_and_check(&db, &file).await
        });
        let outcome = outcome.map_err(TestCaseError::fail)?;
        prop_assert_eq!(outcome, None);
    }
}

/// The unchanged export imports whole (so the refusals above are not "import always fails").
#[test]
fn the_unchanged_export_imports_whole() {
    let file: Vec<u8> = export_lines()
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    let outcome = runtime().block_on(async {
        let db = TestDb::sqlite();
        import_and_check(&db, &file).await
    });
    assert_eq!(outcome, Ok(Some(export_lines().len() as u64)));
}

/// A line the writer would never have appended is refused although it is canonical and its
/// chain is sound: found while writing the import properties (import checked the chain, not
/// what `NewEvent::validate` checks), so a crafted export could load events no decision made.
#[test]
fn import_refuses_a_canonical_line_the_writer_would_refuse() {
    let good = Event::decode(&export_lines()[0]).unwrap();
    let cases: Vec<(&str, Event, &str)> = vec![
        (
            "empty actor",
            Event {
                meta: Meta {
                    actor: " ".into(),
                    ..good.meta.clone()
                },
                ..good.clone()
            },
            "meta.actor",
        ),
        (
            "empty basis",
            Event {
                meta: Meta {
                    basis: String::new(),
                    ..good.meta.clone()
                },
                ..good.clone()
            },
            "meta.basis",
        ),
        (
            "overlong acting_for",
            Event {
                meta: Meta {
                    acting_for: Some("x".repeat(201)),
                    ..good.meta.clone()
                },
                ..good.clone()
            },
            "meta.acting_for",
        ),
        (
            "a float in data",
            Event {
                data: json!({"n": 1.5}),
                ..good.clone()
            },
            "data.n is not an integer",
        ),
    ];
    for (what, event, expect) in cases {
        let mut file = event.encode().unwrap();
        assert!(Event::decode(&file).is_ok(), "{what}: canonical");
        file.push(b'\n');
        let (result, head) = runtime().block_on(async {
            let db = TestDb::sqlite();
            let store = db.open().await;
            let result = store::import(&store, &mut &file[..], |_| {}).await;
            (result, store.head().await.unwrap())
        });
        match result {
            Err(ImportError::BadLine { line: 1, reason }) => {
                assert!(reason.contains(expect), "{what}: {reason}")
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(head.seq, 0, "{what}: nothing written");
    }
}

async fn a_mutated_export_through_the_cli_is_refused_naming_the_line_and_writes_nothing(
    db: TestDb,
) {
    let mut rng = Rng::from_env();
    let mut lines = export_lines().to_vec();
    // Line 4 (not the last, which nothing after it vouches for): a byte of its `basis` changed.
    let at = 3;
    let text = String::from_utf8(lines[at].clone()).unwrap();
    let basis_at = text.find("第5条").unwrap() + "第".len();
    let digit = [b'1', b'2', b'3', b'4', b'6', b'7', b'8', b'9'][rng.below(8) as usize];
    lines[at][basis_at] = digit;
    assert_ne!(lines[at], export_lines()[at]);
    let file: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutated.jsonl");
    std::fs::write(&path, &file).unwrap();
    let out = tokio::process::Command::new(support::http::BIN)
        .args(["import", "--db", &db.url])
        .arg(&path)
        .env_remove("GOVLEDGER_DB")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    // The edited line is still a canonical event; the next line's `prev` exposes it.
    assert!(stderr.contains("line 5: prev"), "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert_eq!(db.open().await.head().await.unwrap().seq, 0);
}

// ---------------------------------------------------------------------------------------------
// 3. Commands over HTTP
// ---------------------------------------------------------------------------------------------

/// The command kinds and their body schemas, from the server's own OpenAPI document.
struct Kinds {
    doc: Value,
    kinds: Vec<(String, Value)>,
}

impl Kinds {
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/components/schemas/").unwrap();
                self.resolve(&self.doc["components"]["schemas"][name])
            }
            None => schema,
        }
    }

    /// JSON types `schema` admits: "string", "integer", "boolean", "array", "object", "null".
    fn types(&self, schema: &Value) -> Vec<&'static str> {
        let s = self.resolve(schema);
        let mut out = Vec::new();
        for key in ["oneOf", "anyOf"] {
            for option in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                out.extend(self.types(option));
            }
        }
        let name = |t: &str| match t {
            "string" => "string",
            "integer" => "integer",
            "number" => "number",
            "boolean" => "boolean",
            "array" => "array",
            "object" => "object",
            "null" => "null",
            other => panic!("type {other}"),
        };
        match s.get("type") {
            Some(Value::String(t)) => out.push(name(t)),
            Some(Value::Array(ts)) => out.extend(ts.iter().map(|t| name(t.as_str().unwrap()))),
            _ => {}
        }
        if out.contains(&"number") {
            out.push("integer");
        }
        out
    }

    /// A value that fits `schema`, from `rng`; ids and texts drawn from a hostile pool.
    fn valid(&self, schema: &Value, rng: &mut Rng) -> Value {
        let s = self.resolve(schema);
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            return e[rng.below(e.len() as u64) as usize].clone();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = s.get(key).and_then(Value::as_array) {
                let options: Vec<&Value> = options
                    .iter()
                    .filter(|o| self.types(o) != ["null"])
                    .collect();
                return self.valid(options[rng.below(options.len() as u64) as usize], rng);
            }
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap(),
            _ => "string",
        };
        match ty {
            "string" => Value::String(match s.get("format").and_then(Value::as_str) {
                Some("date") => {
                    ["2025-12-01", "2026-01-31", "2021-04-01"][rng.below(3) as usize].into()
                }
                Some("date-time") => "2026-03-31T00:00:00+09:00".into(),
                Some("uuid") => Uuid::from_u128(u128::from(rng.below(u64::MAX))).to_string(),
                _ => hostile_text(rng),
            }),
            "integer" => Value::from(rng.below(3000)),
            "boolean" => Value::Bool(rng.below(2) == 0),
            "array" => {
                let n = rng.below(3);
                Value::Array((0..n).map(|_| self.valid(&s["items"], rng)).collect())
            }
            "object" => {
                let mut m = serde_json::Map::new();
                for (name, prop) in s["properties"].as_object().unwrap() {
                    let required = s["required"]
                        .as_array()
                        .is_some_and(|r| r.iter().any(|x| x == name.as_str()));
                    if required || rng.below(2) == 0 {
                        m.insert(name.clone(), self.valid(prop, rng));
                    }
                }
                Value::Object(m)
            }
            other => panic!("no generator for {other}"),
        }
    }
}

/// Ids of the demo and text nobody should send.
fn hostile_text(rng: &mut Rng) -> String {
    const POOL: &[&str] = &[
        "A01",
        "A15",
        "P0001",
        "P0352",
        "O01",
        "O12",
        "SUP-HW",
        "KW-EH",
        "MOD-0001",
        "RET-0001",
        "SR-0002",
        "MTG-0001",
        "INC-0001",
        "照会",
        "",
        " ",
        "\u{0}",
        "\u{202e}RTL",
        "'; DROP TABLE events; --",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "\u{FEFF}",
        "\u{1F600}",
        "%s%n",
    ];
    match rng.below(4) {
        0 => "x".repeat(rng.below(3000) as usize),
        _ => POOL[rng.below(POOL.len() as u64) as usize].to_owned(),
    }
}

/// A value of a JSON type `schema` does not admit.
fn wrong_typed(admitted: &[&str], rng: &mut Rng) -> Value {
    let candidates = [
        ("boolean", json!(true)),
        ("integer", json!(12345)),
        ("number", json!(-1.5)),
        ("string", json!("wrong")),
        ("array", json!([1, "two"])),
        ("object", json!({"nested": {"deeper": []}})),
        ("null", Value::Null),
    ];
    let wrong: Vec<&Value> = candidates
        .iter()
        .filter(|(t, _)| !admitted.contains(t))
        .map(|(_, v)| v)
        .collect();
    wrong[rng.below(wrong.len() as u64) as usize].clone()
}

/// One hostile request and what must come back.
#[derive(Debug)]
struct Case {
    what: String,
    kind: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// Admin token to use: the system administrator, or a person with no post.
    no_role: bool,
    expect: Expect,
}

#[derive(Debug)]
enum Expect {
    /// 422 naming exactly this field (`body.x`).
    Field(String),
    /// 422 naming some field.
    AnyField,
    /// 422 refused by a rule (`rule`, `article`).
    Rule,
    /// 422 refused by a rule, or naming this field.
    RuleOr(&'static str),
    /// Exactly this status.
    Status(u16),
    /// 400 (not JSON) or a 422 naming a field.
    MalformedOrField,
}

fn command_case(kinds: &Kinds, rng: &mut Rng) -> Case {
    let (kind, schema) = &kinds.kinds[rng.below(kinds.kinds.len() as u64) as usize];
    let props = schema["properties"].as_object().unwrap();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let own: Vec<&String> = props
        .keys()
        .filter(|k| !["effective_at", "event_id"].contains(&k.as_str()))
        .collect();
    let mut fields = serde_json::Map::new();
    for name in &own {
        if required.contains(&name.as_str()) || rng.below(2) == 0 {
            fields.insert((*name).clone(), kinds.valid(&props[name.as_str()], rng));
        }
    }
    // Dated inside the demo's window, so the rules (not the date checks) decide.
    fields.insert("effective_at".into(), json!("2025-12-01"));
    let pick = |rng: &mut Rng, xs: &[&'static str]| xs[rng.below(xs.len() as u64) as usize];
    let json_case = |what: String, fields: serde_json::Map<String, Value>, expect: Expect| Case {
        what,
        kind: kind.clone(),
        content_type: Some("application/json"),
        body: serde_json::to_vec(&Value::Object(fields)).unwrap(),
        no_role: false,
        expect,
    };
    // A kind with no required member (e.g. `decide_retirement`, by id or by assets) has no
    // "missing member" case: draw another.
    let draw = match rng.below(14) {
        0 if required.is_empty() => 1,
        n => n,
    };
    match draw {
        0 => {
            let f = required[rng.below(required.len() as u64) as usize];
            fields.remove(f);
            json_case(
                format!("missing {f}"),
                fields,
                Expect::Field(format!("body.{f}")),
            )
        }
        1 => {
            let name = loop {
                let n = pick(
                    rng,
                    &[
                        "colour",
                        "actor",
                        "admin",
                        "__proto__",
                        "Kind",
                        "seq",
                        "person_id ",
                        "é",
                        "",
                    ],
                );
                if !props.contains_key(n) {
                    break n;
                }
            };
            fields.insert(name.into(), kinds.valid(&json!({"type": "string"}), rng));
            json_case(
                format!("unknown {name:?}"),
                fields,
                Expect::Field(format!("body.{name}")),
            )
        }
        2 => {
            let f = own[rng.below(own.len() as u64) as usize];
            let v = wrong_typed(&kinds.types(&props[f.as_str()]), rng);
            fields.insert(f.clone(), v.clone());
            json_case(
                format!("{f} = {v}"),
                fields,
                Expect::Field(format!("body.{f}")),
            )
        }
        3 => {
            // Deep nesting in one field: within serde's limit a wrong type, beyond it not JSON.
            let f = own[rng.below(own.len() as u64) as usize];
            let depth = 1 + rng.below(400) as usize;
            fields.remove(f.as_str());
            let mut body = serde_json::to_vec(&Value::Object(fields)).unwrap();
            let nested = format!("\"{f}\":{}1{},", "[".repeat(depth), "]".repeat(depth));
            body.splice(1..1, nested.into_bytes());
            Case {
                what: format!("{f} nested {depth} deep"),
                kind: kind.clone(),
                content_type: Some("application/json"),
                body,
                no_role: false,
                expect: Expect::MalformedOrField,
            }
        }
        4 => {
            // A huge string: over the body limit, 413; under it, with an unknown member, 422.
            let over = rng.below(2) == 0;
            let f = own[rng.below(own.len() as u64) as usize];
            let size = if over { 70 * 1024 } else { 60 * 1024 };
            if !over {
                // Alone (the other members may be long too), so the body stays under the limit.
                fields.retain(|k, _| k == "effective_at");
            }
            fields.insert(f.clone(), Value::String("長".repeat(size / 3)));
            if over {
                json_case(format!("{f} of {size} bytes"), fields, Expect::Status(413))
            } else {
                // The unknown member keeps it from being a valid decision; the string's field
                // may be named first when it is no string field.
                fields.insert("zz_unknown".into(), json!(1));
                json_case(format!("{f} of {size} bytes"), fields, Expect::AnyField)
            }
        }
        5 => {
            // Bytes that are not UTF-8 inside a string.
            let mut body = serde_json::to_vec(&Value::Object(fields)).unwrap();
            let at = body.iter().position(|b| *b == b'"').unwrap() + 1;
            let bad: &[&[u8]] = &[
                b"\xff",
                b"\xc0\xaf",
                b"\xed\xa0\x80",
                b"\xf4\x90\x80\x80",
                b"\x80",
            ];
            body.splice(
                at..at,
                bad[rng.below(bad.len() as u64) as usize].iter().copied(),
            );
            Case {
                what: "not UTF-8".into(),
                kind: kind.clone(),
                content_type: Some("application/json"),
                body,
                no_role: false,
                expect: Expect::Status(400),
            }
        }
        6 => {
            // Random bytes, or a valid body cut short or with something after it.
            let mut body = serde_json::to_vec(&Value::Object(fields)).unwrap();
            match rng.below(3) {
                0 => body = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect(),
                1 => body.truncate(rng.below(body.len() as u64) as usize),
                _ => body.extend_from_slice(pick(rng, &[" x", "{}", ",", "\u{0}"]).as_bytes()),
            }
            Case {
                what: "not JSON".into(),
                kind: kind.clone(),
                content_type: Some("application/json"),
                body,
                no_role: false,
                expect: Expect::MalformedOrField,
            }
        }
        7 => Case {
            what: "wrong content type".into(),
            kind: kind.clone(),
            content_type: [
                None,
                Some("text/plain"),
                Some("application/x-www-form-urlencoded"),
                Some("multipart/form-data; boundary=x"),
                Some("application/jsonp"),
                Some("json"),
            ][rng.below(6) as usize],
            body: serde_json::to_vec(&Value::Object(fields)).unwrap(),
            no_role: false,
            expect: Expect::Status(415),
        },
        8 => {
            let body = pick(rng, &["[]", "\"x\"", "1", "null", "true", "[{}]"]);
            Case {
                what: format!("body {body}"),
                kind: kind.clone(),
                content_type: Some("application/json"),
                body: body.as_bytes().to_vec(),
                no_role: false,
                expect: Expect::Field("body".into()),
            }
        }
        9 => {
            let (f, v) = [
                ("effective_at", json!("2025-02-30")),
                ("effective_at", json!("tomorrow")),
                ("effective_at", json!("")),
                ("effective_at", json!(20251201)),
                ("effective_at", json!("2025-12-01T00:00:00.5+09:00")),
                ("effective_at", json!(["2025-12-01"])),
                ("event_id", json!("nope")),
                ("event_id", json!(7)),
                ("event_id", json!("0193a1b2-0c00-7000-8000-00000000000")),
                ("kind", json!("appoint_emperor")),
                ("kind", json!(1)),
            ][rng.below(11) as usize]
                .clone();
            fields.insert(f.into(), v.clone());
            json_case(
                format!("{f} = {v}"),
                fields,
                Expect::Field(format!("body.{f}")),
            )
        }
        10 | 11 => {
            // Well-formed, dated anywhere from before the genesis to the end of time: the
            // rules refuse it (the date, or an administrator who may not decide this).
            let at = pick(
                rng,
                &[
                    "+262143-12-31",
                    "-262144-01-01",
                    "0000-01-01",
                    "1970-01-01T00:00:00Z",
                    "2021-03-31T23:59:59+09:00",
                    "9999-12-31T23:59:59-23:59",
                    "2999-01-01",
                ],
            );
            fields.insert("effective_at".into(), json!(at));
            json_case(
                format!("dated {at}"),
                fields,
                Expect::RuleOr("body.effective_at"),
            )
        }
        _ => {
            // Well-formed and dated inside the window, from an admin who holds no post.
            let mut c = json_case("by someone without a post".into(), fields, Expect::Rule);
            c.no_role = true;
            c
        }
    }
}

/// A request to a path that is no command.
fn unknown_kind_case(rng: &mut Rng) -> Case {
    let kind = [
        "appoint_emperor",
        "GRANT_PERMISSION",
        "grant_permission%00",
        "%F0%9F%98%80",
        "..%2F..%2Fhead",
    ][rng.below(5) as usize];
    Case {
        what: format!("kind {kind}"),
        kind: kind.into(),
        content_type: Some("application/json"),
        body: b"{}".to_vec(),
        no_role: false,
        expect: Expect::Status(404),
    }
}

async fn send(app: &TestApp, token: &str, case: &Case) -> (u16, String, Value) {
    let mut req = app
        .client
        .post(format!("{}/v1/commands/{}", app.url, case.kind))
        .bearer_auth(token)
        .body(case.body.clone());
    if let Some(ct) = case.content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    let problem = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, ct, problem)
}

/// Found by the property below: serde reads a struct from an array of its fields and a variant
/// tag from its index, so `"addressee": [1, "KW-EH"]` was taken for a usage officer and decided
/// by the rules, although the published schema admits only an object.
async fn a_struct_spelled_as_an_array_or_a_tag_as_a_number_is_refused_naming_the_field(db: TestDb) {
    let app = support::http::genesis_app(&db).await;
    let unit = support::checks::some_unit(&app).await;
    let head = app.get_json("/v1/head").await;
    let request = |addressee: Value| {
        json!({"addressee": addressee, "finding": "ログアウト漏れ", "standard": "第10条",
               "due": "2025-06-30", "effective_at": "2025-04-02"})
    };
    let roster = |entry: Value| json!({"entries": [entry], "effective_at": "2025-04-02"});
    for (kind, body, field) in [
        (
            "issue_security_request",
            request(json!([1, unit])),
            "body.addressee",
        ),
        (
            "issue_security_request",
            request(json!({"kind": 1, "unit_id": unit})),
            "body.addressee",
        ),
        (
            "issue_security_request",
            request(json!(["usage_officer", unit])),
            "body.addressee",
        ),
        (
            "record_roster",
            roster(json!(["P0001", "内線1234", true, true])),
            "body.entries",
        ),
    ] {
        let res = app
            .post_json(
                &format!("/v1/commands/{kind}"),
                &app.admin,
                &body.to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["field"], field, "{body}: {p}");
    }
    assert_eq!(app.get_json("/v1/head").await, head);
    // The object the schema describes still reaches the rules.
    let res = app
        .post_json(
            "/v1/commands/issue_security_request",
            &app.admin,
            &request(json!({"kind": "usage_officer", "unit_id": unit})).to_string(),
        )
        .send()
        .await
        .unwrap();
    let p: Value = res.json().await.unwrap();
    assert!(p["field"].is_null(), "{p}");
}

/// Someone in the demo who is only a user (利用者): no post, no designation, as of the
/// commands' date.
async fn person_without_a_post(app: &TestApp) -> String {
    let org = app.get_json("/v1/organisation?as_of=2025-12-01").await;
    org["persons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["roles"]
                .as_array()
                .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r["role"] == "user"))
        })
        .and_then(|p| p["person_id"].as_str())
        .expect("a person who is only a user")
        .to_owned()
}

async fn hostile_command_bodies_get_a_problem_naming_the_field_or_rule_and_record_nothing(
    db: TestDb,
) {
    let app = demo_app(&db).await;
    let nobody = person_without_a_post(&app).await;
    let nobody_token = issue_token(&db.url, &nobody, "admin").await;
    let doc: Value = app
        .client
        .get(format!("{}/v1/openapi.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<(String, Value)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(path, item)| {
            // `/v1/commands/{kind}/options` is a read, not a decision kind.
            let kind = path
                .strip_prefix("/v1/commands/")
                .filter(|k| !k.contains('/'))?;
            let schema =
                item["post"]["requestBody"]["content"]["application/json"]["schema"].clone();
            Some((kind.to_owned(), schema))
        })
        .collect();
    assert_eq!(
        kinds.len(),
        govledger::rules::CommandKind::ALL.len(),
        "every decision kind"
    );
    let kinds = Kinds { doc, kinds };
    let head = app.get_json("/v1/head").await;

    let mut rng = Rng::from_env();
    let cases: usize = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut seen_rules = std::collections::BTreeSet::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..cases {
        let case = if rng.below(30) == 0 {
            unknown_kind_case(&mut rng)
        } else {
            command_case(&kinds, &mut rng)
        };
        let token = if case.no_role {
            &nobody_token
        } else {
            &app.admin
        };
        let (status, ct, p) = send(&app, token, &case).await;
        *statuses.entry(status).or_default() += 1;
        let about = || {
            let excerpt: String = String::from_utf8_lossy(&case.body)
                .chars()
                .take(300)
                .collect();
            format!(
                "case {n} {} {}: {status} {p}\nbody: {excerpt}",
                case.kind, case.what
            )
        };
        assert!((400..500).contains(&status), "not a 4xx: {}", about());
        assert_eq!(ct, "application/problem+json", "{}", about());
        assert_eq!(p["status"], status, "{}", about());
        for member in ["type", "title", "detail", "instance"] {
            assert!(p[member].is_string(), "no {member}: {}", about());
        }
        let names_field = p["field"].as_str().is_some_and(|f| f.starts_with("body"));
        let names_rule = p["rule"].as_str().is_some_and(|r| !r.is_empty())
            && p["article"].as_str().is_some_and(|a| !a.is_empty());
        if status == 422 {
            assert!(names_field || names_rule, "422 names neither: {}", about());
        }
        match &case.expect {
            Expect::Field(f) => {
                assert_eq!(status, 422, "{}", about());
                assert_eq!(p["field"], f.as_str(), "{}", about());
            }
            Expect::AnyField => assert!(status == 422 && names_field, "{}", about()),
            Expect::Rule => {
                assert!(status == 422 && names_rule, "{}", about());
                seen_rules.insert(p["rule"].as_str().unwrap().to_owned());
            }
            Expect::RuleOr(f) => {
                assert!(
                    status == 422 && (names_rule || p["field"] == *f),
                    "{}",
                    about()
                );
                if let Some(rule) = p["rule"].as_str() {
                    seen_rules.insert(rule.to_owned());
                }
            }
            Expect::Status(s) => assert_eq!(status, *s, "{}", about()),
            Expect::MalformedOrField => assert!(
                status == 400 && p["type"].as_str().unwrap().ends_with("malformed-body")
                    || status == 422 && names_field,
                "{}",
                about()
            ),
        }
    }
    eprintln!("{cases} hostile requests: {statuses:?}; rules that refused: {seen_rules:?}");
    // Nothing was recorded: the same head, and the chain still verifies.
    assert_eq!(app.get_json("/v1/head").await, head);
    let verified = app.get_json("/v1/verify").await;
    assert_eq!(verified["ok"], true, "{verified}");
}

//! Snapshots are caches of the fold: they read back to the very state (and hash) they were
//! written from, folding on from one equals folding everything, and a damaged one is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

use chrono::{DateTime, Utc};
use govledger_projections::State;
use govledger_schema::{Digest32, Event, Meta, NewEvent};
use serde_json::{Value, json};
use uuid::Uuid;

fn event(seq: u64, stream: &str, event_type: &str, acting_for: Option<&str>, data: Value) -> Event {
    let at = DateTime::parse_from_rfc3339("2021-04-01T00:00:00+09:00").unwrap();
    let recorded = DateTime::parse_from_rfc3339("2021-04-02T10:20:30.123456Z").unwrap();
    NewEvent {
        id: Uuid::from_u128(u128::from(seq) << 64 | 7),
        event_type: event_type.into(),
        data,
        meta: Meta {
            actor: "P0001".into(),
            acting_for: acting_for.map(str::to_owned),
            basis: "第6条第2項".into(),
            request_id: None,
            causation_id: None,
        },
        effective_at: at + chrono::TimeDelta::days(seq as i64),
    }
    .seal(
        seq,
        stream,
        seq,
        recorded.with_timezone(&Utc),
        Digest32::ZERO,
    )
}

/// A few events of several kinds, with a gap in the seqs, a deputy, an unknown type, bad data
/// and a correction.
fn events() -> Vec<Event> {
    vec![
        event(
            1,
            "unit/U1",
            "unit.established.v1",
            None,
            json!({"unit_id": "U1", "name": "課", "parent_id": null, "bureau": "局", "user_division": true}),
        ),
        event(
            2,
            "post/S1",
            "post.established.v1",
            None,
            json!({"post_id": "S1", "title": "部長", "unit_id": "U1", "heads_unit": true}),
        ),
        event(
            4,
            "security_request/SR-0001",
            "security_request.issued.v1",
            Some("S1"),
            json!({"request_id": "SR-0001", "supervisor_post_id": "S1",
                   "addressee": {"kind": "usage_officer", "unit_id": "U1"},
                   "finding": "f", "standard": "s", "due": "2021-06-30"}),
        ),
        event(5, "thing/1", "thing.unheard_of.v1", None, json!({"x": 1})),
        event(
            6,
            "unit/U2",
            "unit.established.v1",
            None,
            json!({"unit_id": 5}),
        ),
        event(
            7,
            "correction/7",
            "correction.recorded.v1",
            None,
            json!({"corrects_seq": 2, "corrects_event_id": Uuid::from_u128(2 << 64 | 7), "reason": "typo"}),
        ),
        event(
            8,
            "security_request/SR-0001",
            "security_request.responded.v1",
            None,
            json!({"request_id": "SR-0001", "response": "done"}),
        ),
    ]
}

fn fold(events: &[Event]) -> State {
    let mut s = State::default();
    for e in events {
        s.apply(e);
    }
    s
}

#[test]
fn a_snapshot_reads_back_to_the_same_state_and_hash() {
    let s = fold(&events());
    assert_eq!(s.applied_seq(), 8);
    let (hash, bytes) = s.to_snapshot().unwrap();
    assert_eq!(hash, s.state_hash());
    let back = State::from_snapshot(&bytes, &hash).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.state_hash(), hash);

    // JSON of the same serde data reads back too (older snapshots were JSON).
    let json = serde_json::to_vec(&s).unwrap();
    let back: State = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.state_hash(), hash);
}

#[test]
fn folding_on_from_a_snapshot_equals_folding_everything() {
    let all = events();
    let whole = fold(&all);
    for cut in 0..all.len() {
        let (hash, bytes) = fold(&all[..cut]).to_snapshot().unwrap();
        let mut s = State::from_snapshot(&bytes, &hash).unwrap();
        for e in &all[cut..] {
            s.apply(e);
        }
        assert_eq!(s, whole, "cut at {cut}");
        assert_eq!(s.state_hash(), whole.state_hash(), "cut at {cut}");
    }
}

#[test]
fn event_summaries_survive_the_round_trip() {
    let (hash, bytes) = fold(&events()).to_snapshot().unwrap();
    let s = State::from_snapshot(&bytes, &hash).unwrap();
    let e = s.event(4).unwrap();
    assert_eq!(e.seq, 4);
    assert_eq!(e.id, Uuid::from_u128(4 << 64 | 7));
    assert_eq!(e.stream, "security_request/SR-0001");
    assert_eq!(e.event_type, "security_request.issued.v1");
    assert_eq!(e.actor, "P0001");
    assert_eq!(e.acting_for.as_deref(), Some("S1"));
    assert_eq!(e.basis, "第6条第2項");
    assert_eq!(
        e.recorded_at,
        DateTime::parse_from_rfc3339("2021-04-02T10:20:30.123456Z").unwrap()
    );
    assert_eq!(e.effective_at.to_rfc3339(), "2021-04-05T00:00:00+09:00");
    assert_eq!(s.event(2).unwrap().acting_for, None);
    assert!(s.event(3).is_none(), "seq 3 was never applied");
    assert!(s.knows_seq(8) && !s.knows_seq(3) && !s.knows_seq(9) && !s.knows_seq(0));
    assert_eq!(s.voided_by(2), Some(7));
    assert_eq!(s.stamp_of(4).unwrap().at, e.effective_at);
    assert_eq!(s.unknown_types()["thing.unheard_of.v1"], vec![5]);
    assert!(s.malformed().contains_key(&6));
}

#[test]
fn a_damaged_or_foreign_snapshot_is_refused() {
    let (hash, bytes) = fold(&events()).to_snapshot().unwrap();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    assert!(State::from_snapshot(&flipped, &hash).is_err());
    assert!(State::from_snapshot(&bytes[..bytes.len() - 1], &hash).is_err());
    assert!(State::from_snapshot(&bytes, &Digest32::ZERO).is_err());
    // Bytes that hash right but carry more than one state.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(State::from_snapshot(&longer, &Digest32::of(&longer)).is_err());
    // Garbage whose hash is given.
    let junk = vec![0xff; 64];
    assert!(State::from_snapshot(&junk, &Digest32::of(&junk)).is_err());
}

#[test]
fn json_with_names_that_do_not_resolve_is_refused() {
    let s = fold(&events());
    let mut v = serde_json::to_value(&s).unwrap();
    v["events"]["names"] = json!([]);
    assert!(serde_json::from_value::<State>(v).is_err());
    let mut v = serde_json::to_value(&s).unwrap();
    let rows = v["events"]["rows"].as_array_mut().unwrap();
    rows.swap(0, 1);
    assert!(
        serde_json::from_value::<State>(v).is_err(),
        "rows out of seq order"
    );
}

/// The ledger appends to a stream at the version its projections know (no database read),
/// so the fold must know every stream's version: after folding, and after reading a snapshot
/// back. A stream whose versions skip one is not vouched for (the writer then asks).
#[test]
fn stream_versions_are_known_after_folding_and_after_a_snapshot() {
    let at = |seq: u64, stream: &str, version: u64| {
        let mut e = event(seq, stream, "x.unknown.v1", None, json!({}));
        e.version = version;
        e
    };
    let mut s = State::default();
    for e in [
        at(1, "asset/A01", 1),
        at(2, "person/P0001", 1),
        at(3, "asset/A01", 2),
        at(4, "directive/D-0001", 2),
        at(5, "asset/A01", 3),
    ] {
        s.apply(&e);
    }
    assert_eq!(s.stream_version("asset/A01"), Some(3));
    assert_eq!(s.stream_version("person/P0001"), Some(1));
    assert_eq!(s.stream_version("never/used"), Some(0));
    // Names that are no stream (an actor, a type) have no events as a stream.
    assert_eq!(s.stream_version("P0001"), Some(0));
    assert_eq!(
        s.stream_version("directive/D-0001"),
        None,
        "version 2 without 1"
    );

    let (hash, bytes) = s.to_snapshot().unwrap();
    let back = State::from_snapshot(&bytes, &hash).unwrap();
    assert_eq!(back.stream_version("asset/A01"), Some(3));
    assert_eq!(back.stream_version("person/P0001"), Some(1));
    assert_eq!(back.stream_version("never/used"), Some(0));
    // Folding on from the snapshot continues the count.
    let mut back = back;
    back.apply(&at(6, "person/P0001", 2));
    assert_eq!(back.stream_version("person/P0001"), Some(2));
}

/// A snapshot written by a build of another layout (here: the same encoding without the
/// layout header, as builds before `SNAPSHOT_LAYOUT` wrote them, or another layout number) is
/// refused, whatever its hash says, so it is replayed instead of decoded into the wrong fields.
#[test]
fn a_snapshot_of_another_layout_is_refused() {
    let s = fold(&events());
    let (_, bytes) = s.to_snapshot().unwrap();
    assert!(bytes.starts_with(b"GLSNAP"));
    let headerless = bytes[10..].to_vec();
    let err = State::from_snapshot(&headerless, &Digest32::of(&headerless)).unwrap_err();
    assert!(err.to_string().contains("layout"), "{err}");
    let mut other = bytes.clone();
    other[6] = other[6].wrapping_add(1);
    let err = State::from_snapshot(&other, &Digest32::of(&other)).unwrap_err();
    assert!(err.to_string().contains("layout"), "{err}");
}

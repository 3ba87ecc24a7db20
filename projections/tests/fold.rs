//! The fold never panics: unknown types are recorded, bad data is recorded, replays are ignored.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

use chrono::{DateTime, Utc};
use govledger_projections::State;
use govledger_schema::{Digest32, Event, Meta, NewEvent};
use serde_json::{Value, json};
use uuid::Uuid;

fn event(seq: u64, event_type: &str, data: Value) -> Event {
    let at = DateTime::parse_from_rfc3339("2021-04-01T00:00:00+09:00").unwrap();
    NewEvent {
        id: Uuid::from_u128(u128::from(seq)),
        event_type: event_type.into(),
        data,
        meta: Meta {
            actor: "P0001".into(),
            acting_for: None,
            basis: "附則".into(),
            request_id: None,
            causation_id: None,
        },
        effective_at: at,
    }
    .seal(seq, "unit/X", seq, at.with_timezone(&Utc), Digest32::ZERO)
}

#[test]
fn unknown_types_and_bad_data_are_recorded_not_folded() {
    let mut s = State::default();
    s.apply(&event(1, "unit.established.v1", json!({"unit_id": "U1", "name": "課", "parent_id": null, "bureau": "局", "user_division": true})));
    s.apply(&event(2, "thing.unheard_of.v1", json!({"x": 1})));
    s.apply(&event(3, "unit.established.v1", json!({"unit_id": 5})));
    s.apply(&event(
        4,
        "post.holder_appointed.v1",
        json!({"post_id": "NOPE", "person_id": "P1", "personnel_order": "x"}),
    ));
    assert_eq!(s.applied_seq(), 4);
    assert!(s.unit("U1").is_some());
    assert_eq!(s.unknown_types()["thing.unheard_of.v1"], vec![2]);
    assert!(s.malformed().contains_key(&3));
    assert!(s.malformed().contains_key(&4));
}

#[test]
fn replaying_an_applied_event_changes_nothing() {
    let mut s = State::default();
    let e = event(
        1,
        "unit.established.v1",
        json!({"unit_id": "U1", "name": "課", "parent_id": null, "bureau": "局", "user_division": true}),
    );
    s.apply(&e);
    let h = s.state_hash();
    s.apply(&e);
    assert_eq!(s.state_hash(), h);
    assert_ne!(h, State::default().state_hash());
}

//! Property-based model test of the rules: random sequences of commands by random people,
//! starting from the demo's five years, never break the ledger's invariants, whatever is
//! accepted or refused.
//!
//! - every event names its actor, its basis and its effective time (the command's);
//! - no use of an asset is granted except by a person who held one of that asset's officer
//!   posts at the decision's effective time, as known just before it (第5条第2項);
//! - no grant is made on a retired asset;
//! - folding the log from scratch gives exactly the state kept incrementally.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use chrono::{TimeDelta, Utc};
use govledger::demo::{InMemory, build_demo, demo_end};
use govledger::rules::Command;
use proptest::prelude::*;
use std::sync::OnceLock;

/// The demo ledger, built once and cloned per case.
fn demo() -> &'static (InMemory, Vec<String>) {
    static DEMO: OnceLock<(InMemory, Vec<String>)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let ledger = build_demo(7).unwrap().ledger;
        let mut persons: Vec<String> = ledger.state.persons().map(|p| p.id.clone()).collect();
        persons.sort();
        persons.truncate(60);
        (ledger, persons)
    })
}

/// One step: who acts, on which person/asset/post, and what.
#[derive(Debug, Clone)]
struct Step {
    kind: u8,
    actor: usize,
    actor_is_officer: bool,
    person: usize,
    asset: u8,
    post: u8,
    days: i64,
    replace: bool,
    seq: u64,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0u8..9,
        0usize..60,
        any::<bool>(),
        0usize..60,
        1u8..=30,
        1u8..=18,
        0i64..40,
        any::<bool>(),
        1u64..2300,
    )
        .prop_map(
            |(kind, actor, actor_is_officer, person, asset, post, days, replace, seq)| Step {
                kind,
                actor,
                actor_is_officer,
                person,
                asset,
                post,
                days,
                replace,
                seq,
            },
        )
}

fn command(s: &Step, person: &str) -> Command {
    let asset_id = format!("A{:02}", s.asset);
    let post_id = format!("O{:02}", s.post);
    match s.kind {
        0 | 1 => Command::GrantPermission {
            person_id: person.into(),
            asset_id,
            scope: "照会".into(),
            until: None,
            request_id: None,
        },
        2 => Command::RevokePermission {
            person_id: person.into(),
            asset_id,
            reason: "異動".into(),
        },
        3 => Command::RefusePermission {
            person_id: person.into(),
            asset_id,
            reason: "不要".into(),
            request_id: None,
        },
        4 => Command::AppointToPost {
            post_id,
            person_id: person.into(),
            personnel_order: "人事異動".into(),
            replace_current: s.replace,
        },
        5 => Command::EndAppointment {
            post_id,
            personnel_order: "人事異動".into(),
        },
        6 => Command::RegisterUser {
            person_id: person.into(),
        },
        7 => Command::DeregisterUser {
            person_id: person.into(),
            reason: "退職".into(),
        },
        _ => Command::Correct {
            corrects_seq: s.seq,
            corrects_event_id: None,
            reason: "誤記".into(),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_decisions_never_break_the_invariants(steps in prop::collection::vec(step(), 1..25)) {
        let (base, persons) = demo();
        let mut ledger = base.clone();
        let mut at = demo_end();
        let mut accepted = 0;
        for s in &steps {
            at += TimeDelta::days(s.days);
            let person = &persons[s.person];
            let asset_id = format!("A{:02}", s.asset);
            // Half the time the actor is a current officer of the asset, so that grants happen.
            let officer = ledger
                .state
                .lens(at, None)
                .officers_of_asset(&asset_id)
                .into_iter()
                .find_map(|(_, holder)| holder);
            let actor = match officer {
                Some(o) if s.actor_is_officer => o,
                _ => persons[s.actor].clone(),
            };
            let before = ledger.events.len();
            let recorded = at.with_timezone(&Utc) + TimeDelta::hours(1);
            let Ok(events) = ledger.run(&actor, at, recorded, &command(s, person)) else { continue };
            accepted += 1;
            prop_assert_eq!(ledger.events.len(), before + events.len());
            for e in &events {
                prop_assert!(!e.meta.actor.trim().is_empty() && e.meta.actor == actor);
                prop_assert!(!e.meta.basis.trim().is_empty(), "event {} has no basis", e.seq);
                prop_assert_eq!(e.effective_at, at);
                if e.event_type == "permission.granted.v1" {
                    let asset = e.data["asset_id"].as_str().unwrap();
                    let lens = ledger.state.lens(at, Some(e.seq - 1));
                    let officers = lens.officers_of_asset(asset);
                    prop_assert!(
                        officers.iter().any(|(_, h)| h.as_deref() == Some(actor.as_str())),
                        "seq {}: {} granted use of {} without holding one of its officer posts {:?}",
                        e.seq, actor, asset, officers
                    );
                    let retired = lens.assets().assets.iter().any(|a| a.id == asset && a.retired.is_some());
                    prop_assert!(!retired, "seq {}: a grant on retired asset {}", e.seq, asset);
                }
            }
        }
        // Rebuild from the log equals the incremental state.
        prop_assert_eq!(ledger.rebuild().state_hash(), ledger.state.state_hash(), "after {} accepted decisions", accepted);
    }
}

/// The generator must actually produce accepted grants, or the invariants above are vacuous.
#[test]
fn the_model_test_exercises_accepted_grants() {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    let (base, persons) = demo();
    let total = std::cell::Cell::new(0usize);
    runner
        .run(&prop::collection::vec(step(), 10..20), |steps| {
            let mut ledger = base.clone();
            let mut at = demo_end();
            for s in &steps {
                at += TimeDelta::days(s.days);
                let asset_id = format!("A{:02}", s.asset);
                let officer = ledger
                    .state
                    .lens(at, None)
                    .officers_of_asset(&asset_id)
                    .into_iter()
                    .find_map(|(_, h)| h);
                let actor = officer.unwrap_or_else(|| persons[s.actor].clone());
                let cmd = Command::GrantPermission {
                    person_id: persons[s.person].clone(),
                    asset_id,
                    scope: "照会".into(),
                    until: None,
                    request_id: None,
                };
                if let Ok(events) = ledger.run(&actor, at, at.with_timezone(&Utc), &cmd) {
                    let n = events
                        .iter()
                        .filter(|e| e.event_type == "permission.granted.v1")
                        .count();
                    total.set(total.get() + n);
                }
            }
            Ok(())
        })
        .unwrap();
    let total = total.get();
    assert!(
        total > 10,
        "only {total} grants were accepted: the model test would prove little"
    );
}

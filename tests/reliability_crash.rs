//! Crash safety: the real server is killed with SIGKILL at random moments while clients append,
//! and restarted on the same database. Every decision a client saw acknowledged survives, a
//! retry of an unacknowledged one (same `event_id`) is applied at most once, the chain verifies
//! with gapless seqs, and the views equal a rebuild.
//!
//! CI kills the server 3 times per backend. `GOVLEDGER_SOAK=1` raises it to 25 (the bench
//! machine's soak run); `GOVLEDGER_TEST_SEED=<n>` replays the random kill moments of a run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::TestDb;
use support::checks::{
    Rng, assert_converges, assert_one_gapless_verified_chain, register_body, send_register,
    some_unit, views,
};
use support::http::genesis_app;
use tokio::sync::Mutex;

on_both_backends!(acknowledged_decisions_survive_sigkill_and_retries_apply_once);

/// Concurrent clients appending through one server.
const CLIENTS: u64 = 4;

fn kills() -> usize {
    if std::env::var_os("GOVLEDGER_SOAK").is_some() {
        25
    } else {
        3
    }
}

/// A decision a client sent: its event id and body.
#[derive(Debug, Clone)]
struct Sent {
    event_id: String,
    body: String,
}

#[derive(Debug, Default)]
struct Outcomes {
    /// Answered 201 (or 200, a replay).
    acknowledged: Vec<Sent>,
    /// Sent, but no answer came: the server died first (or answered 5xx while dying).
    unacknowledged: Vec<Sent>,
}

async fn acknowledged_decisions_survive_sigkill_and_retries_apply_once(db: TestDb) {
    let started = Instant::now();
    let mut rng = Rng::from_env();
    let mut app = genesis_app(&db).await;
    let unit = some_unit(&app).await;
    let next_person = Arc::new(AtomicU64::new(10_000));
    let mut all_acknowledged: Vec<Sent> = Vec::new();

    for round in 0..kills() {
        let outcomes = Arc::new(Mutex::new(Outcomes::default()));
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            let (url, token, unit) = (app.url.clone(), app.admin.clone(), unit.clone());
            let (outcomes, next_person) = (outcomes.clone(), next_person.clone());
            // No client timeout shorter than the kill: a request in flight gets a reset.
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            clients.push(tokio::spawn(async move {
                loop {
                    let n = next_person.fetch_add(1, Ordering::Relaxed);
                    let event_id = uuid::Uuid::now_v7().to_string();
                    let body = register_body(&format!("P{n}"), &unit, &event_id);
                    let sent = Sent { event_id, body };
                    match send_register(&url, &client, &token, &sent.body).await {
                        Some(200 | 201) => outcomes.lock().await.acknowledged.push(sent),
                        Some(s) if s >= 500 => {
                            outcomes.lock().await.unacknowledged.push(sent);
                            return;
                        }
                        Some(s) => panic!("decision {} answered {s}", sent.event_id),
                        None => {
                            outcomes.lock().await.unacknowledged.push(sent);
                            return;
                        }
                    }
                }
            }));
        }
        // Let the clients run for 50..450 ms, then kill the server mid-stream.
        tokio::time::sleep(Duration::from_millis(50 + rng.below(400))).await;
        app = app.crash_and_restart().await;
        for c in clients {
            tokio::time::timeout(Duration::from_secs(30), c)
                .await
                .expect("a client hung after the kill")
                .unwrap();
        }
        let outcomes = std::mem::take(&mut *outcomes.lock().await);

        // Every acknowledged decision is there, under its event id.
        for sent in &outcomes.acknowledged {
            let res = app
                .get(&format!("/v1/events/{}", sent.event_id), &app.auditor)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "acknowledged {} is lost", sent.event_id);
        }
        // A retry of an unacknowledged one is recorded (201) or was (200), and only once: a
        // second retry replays the same event.
        for sent in &outcomes.unacknowledged {
            let first = app
                .post_json("/v1/commands/register_person", &app.admin, &sent.body)
                .send()
                .await
                .unwrap();
            let status = first.status().as_u16();
            assert!(matches!(status, 200 | 201), "retry answered {status}");
            let first: Value = first.json().await.unwrap();
            let again = app
                .post_json("/v1/commands/register_person", &app.admin, &sent.body)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 200, "a second retry replays");
            let again: Value = again.json().await.unwrap();
            assert_eq!(again["replayed"], true);
            assert_eq!(again["events"], first["events"]);
        }
        eprintln!(
            "round {round}: {} acknowledged, {} retried after the kill",
            outcomes.acknowledged.len(),
            outcomes.unacknowledged.len()
        );
        all_acknowledged.extend(outcomes.acknowledged);
        all_acknowledged.extend(outcomes.unacknowledged);
    }

    // One chain, gapless, verified; every decision ever acknowledged is in it exactly once.
    let events = assert_one_gapless_verified_chain(&app).await;
    for sent in &all_acknowledged {
        let n = events
            .iter()
            .filter(|e| e["id"].as_str() == Some(sent.event_id.as_str()))
            .count();
        assert_eq!(n, 1, "event {} occurs {n} times", sent.event_id);
    }
    // The views of the crashed-and-restarted server equal those of a fresh process, which
    // rebuilds its projections from the log.
    let fresh = app.restarted().await;
    let rebuilt = views(&fresh).await;
    assert_converges(&app, &rebuilt, Duration::from_secs(5)).await;
    eprintln!(
        "{} kills, {} decisions, {} events in {:?}",
        kills(),
        all_acknowledged.len(),
        events.len(),
        started.elapsed()
    );
}

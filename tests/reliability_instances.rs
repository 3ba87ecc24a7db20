//! Three `govledger serve` processes on one PostgreSQL database, with concurrent clients
//! appending through all three: one linear chain, no gap, no duplicate, and every instance's
//! views converge. PostgreSQL only (SQLite is one process's file).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::time::{Duration, Instant};

use support::TestDb;
use support::checks::{
    assert_converges, assert_one_gapless_verified_chain, register_body, send_register, some_unit,
    views,
};
use support::http::{another_server, genesis_app};

/// Clients per instance, and decisions per client.
const CLIENTS_PER_INSTANCE: usize = 3;
const DECISIONS_PER_CLIENT: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_postgresql_build_one_chain_and_converge() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let started = Instant::now();
    let a = genesis_app(&db).await;
    let b = another_server(&a).await;
    let c = another_server(&a).await;
    let unit = some_unit(&a).await;
    let before = a.get_json("/v1/head").await["seq"].as_u64().unwrap();

    let mut clients = Vec::new();
    for (i, app) in [&a, &b, &c].into_iter().enumerate() {
        for k in 0..CLIENTS_PER_INSTANCE {
            let (url, token, unit) = (app.url.clone(), app.admin.clone(), unit.clone());
            let client = app.client.clone();
            clients.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..DECISIONS_PER_CLIENT {
                    let event_id = uuid::Uuid::now_v7().to_string();
                    let person = format!("P{i}{k}{n:03}");
                    let body = register_body(&person, &unit, &event_id);
                    let status = send_register(&url, &client, &token, &body).await;
                    assert_eq!(status, Some(201), "{person} through {url}");
                    ids.push(event_id);
                }
                ids
            }));
        }
    }
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(client.await.unwrap());
    }

    let events = assert_one_gapless_verified_chain(&a).await;
    assert_eq!(events.len() as u64, before + sent.len() as u64);
    for id in &sent {
        assert_eq!(
            events.iter().filter(|e| e["id"] == id.as_str()).count(),
            1,
            "{id} recorded once"
        );
    }
    // Every instance's views reach the same head and the same state; a fresh process agrees.
    let fresh = another_server(&a).await;
    let expected = views(&fresh).await;
    assert_eq!(expected.0["seq"], events.len() as u64);
    for app in [&a, &b, &c] {
        assert_converges(app, &expected, Duration::from_secs(5)).await;
    }
    eprintln!(
        "3 instances, {} decisions in {:?}",
        sent.len(),
        started.elapsed()
    );
}

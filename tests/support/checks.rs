//! Checks shared by the reliability tests: decisions to send, and what must hold of a ledger
//! after crashes, concurrent instances or faults.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{TestApp, cli};

/// A unit that takes users, from the organisation view of a `genesis_app` ledger.
pub async fn some_unit(app: &TestApp) -> String {
    let org = app.get_json("/v1/organisation").await;
    org["units"][0]["id"].as_str().unwrap().to_owned()
}

/// The body of a `register_person` decision with a client-chosen event id, effective the day
/// after the `genesis_app` genesis.
pub fn register_body(person: &str, unit: &str, event_id: &str) -> String {
    json!({
        "person_id": person,
        "name": "試験 花子",
        "unit_id": unit,
        "personnel_order": "辞令第1号",
        "effective_at": "2025-04-02",
        "event_id": event_id,
    })
    .to_string()
}

/// Sends a `register_person` decision; the status, or None when no answer came (refused
/// connection, reset, timeout).
pub async fn send_register(
    app_url: &str,
    client: &reqwest::Client,
    token: &str,
    body: &str,
) -> Option<u16> {
    client
        .post(format!("{app_url}/v1/commands/register_person"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Every event, through the paged `/v1/events` cursor.
pub async fn all_events(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .get_json(&format!("/v1/events?after={after}&limit=1000"))
            .await;
        out.extend(page["events"].as_array().unwrap().iter().cloned());
        match page["next"].as_u64() {
            Some(n) => after = n,
            None => return out,
        }
    }
}

/// The ledger's chain verifies (`govledger verify`), seqs run 1..=head without a gap, every
/// event id occurs once, and `/v1/head` names the last event. Returns the events.
pub async fn assert_one_gapless_verified_chain(app: &TestApp) -> Vec<Value> {
    let verified = cli(&app.db_url, &["verify"]).await;
    assert!(verified.starts_with("ok: "), "{verified}");
    let events = all_events(app).await;
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as u64).collect::<Vec<u64>>(),
        "seqs are gapless"
    );
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "no event id occurs twice");
    let head = app.get_json("/v1/head").await;
    assert_eq!(head["seq"], events.len() as u64);
    assert_eq!(head["hash"], events.last().unwrap()["hash"]);
    // Each body links to the previous hash.
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev"], pair[0]["hash"], "seq {}", pair[1]["seq"]);
    }
    assert!(
        verified.contains(&format!("{} events verified", events.len())),
        "{verified}"
    );
    events
}

/// The views every instance must agree on once it has caught up. A fixed `as_of`: the
/// default is "now", which the responses echo, so two reads a second apart would differ.
pub async fn views(app: &TestApp) -> (Value, Value, Value) {
    (
        app.get_json("/v1/head").await,
        app.get_json("/v1/organisation?as_of=2026-01-01").await,
        app.get_json("/v1/assets?as_of=2026-01-01").await,
    )
}

/// Waits (up to `within`) until `app`'s views equal `expected`.
pub async fn assert_converges(app: &TestApp, expected: &(Value, Value, Value), within: Duration) {
    let start = Instant::now();
    loop {
        let got = views(app).await;
        if &got == expected {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{} did not converge within {within:?}: head {} vs {}",
            app.url,
            got.0,
            expected.0
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A small pseudo-random generator (xorshift64*), seeded from the clock unless
/// `GOVLEDGER_TEST_SEED` is set; the seed is printed so a failing run can be replayed.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn from_env() -> Rng {
        let seed = std::env::var("GOVLEDGER_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("GOVLEDGER_TEST_SEED={seed}");
        Rng(seed | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

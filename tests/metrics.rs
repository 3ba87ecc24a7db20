//! `/metrics` of a real `govledger serve --metrics-listen`, scraped before and after real
//! decisions, refusals, a retry, failed authentications and a checkpoint, and parsed by the
//! Prometheus project's own parser (`tests/metrics_parse.py`, Python `prometheus_client`,
//! pinned in `tests/ops-requirements.txt`, installed by `.ci/run`). Every counter must move by
//! exactly what was done, and the gauges must say what the API says. On both backends; the
//! projection lag across two instances on PostgreSQL only.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use support::TestDb;
use support::http::{BIN, WAIT, key_dir, start_server};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// A server with its metrics listener.
struct Served {
    api: String,
    metrics: String,
    admin: String,
    key: PathBuf,
    client: reqwest::Client,
    _child: Child,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// `govledger init` + the bootstrap admin token, then `serve` with `--metrics-listen`.
async fn serve_with_metrics(db: &TestDb) -> Served {
    let dir = key_dir();
    let key = dir.path().join("ledger.key");
    support::http::init_ledger(&db.url, &key).await;
    let admin = support::http::bootstrap_admin(&db.url).await;
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0", "--key-file"])
        .arg(&key)
        // Checkpoints only when asked, so the checkpoint gauges move when the test says.
        .args(["--checkpoint-every", "0"])
        .env("GOVLEDGER_DB", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || {
        tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("the server did not print its addresses in time")
            .unwrap()
            .expect("the server exited before printing its addresses")
    };
    let first = next().await;
    let second = next().await;
    let api = first.strip_prefix("listening on ").unwrap().to_owned();
    let metrics = second.strip_prefix("metrics on ").unwrap().to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Served {
        api,
        metrics,
        admin,
        key,
        client: reqwest::Client::builder().timeout(WAIT).build().unwrap(),
        _child: child,
        _dir: dir,
    }
}

/// One parsed sample.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    kind: String,
    labels: serde_json::Map<String, Value>,
    value: f64,
}

/// A scrape, as `prometheus_client.parser` read it.
#[derive(Debug)]
struct Scrape(Vec<Sample>);

impl Scrape {
    /// The sum of the samples named `name` whose labels include `labels` (0 when none).
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k) == Some(&json!(v)))
            })
            .map(|s| s.value)
            .sum()
    }

    /// The one sample named `name` (a gauge without labels).
    fn one(&self, name: &str) -> f64 {
        let found: Vec<&Sample> = self.0.iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "one sample {name}: {found:?}");
        found[0].value
    }

    fn kind_of(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.kind.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    }
}

fn parser_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/metrics_parse.py")
}

/// GETs the metrics and parses them with the Prometheus Python client.
async fn scrape(s: &Served) -> Scrape {
    let res = s.client.get(&s.metrics).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let mut py = Command::new("python3")
        .arg(parser_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = py.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let out = py.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'prometheus_client'"),
        "the Prometheus Python client is missing: `python3 -m pip install -r tests/ops-requirements.txt`"
    );
    assert!(
        out.status.success(),
        "prometheus_client could not parse the scrape: {stderr}\n{text}"
    );
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    Scrape(
        parsed
            .into_iter()
            .map(|v| Sample {
                name: v["name"].as_str().unwrap().to_owned(),
                kind: v["type"].as_str().unwrap().to_owned(),
                labels: v["labels"].as_object().unwrap().clone(),
                value: v["value"].as_f64().unwrap(),
            })
            .collect(),
    )
}

async fn post_command(s: &Served, kind: &str, token: &str, body: &Value) -> u16 {
    s.client
        .post(format!("{}/v1/commands/{kind}", s.api))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn get_json(s: &Served, path: &str) -> Value {
    let res = s
        .client
        .get(format!("{}{path}", s.api))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

fn register(person: &str, unit: &str, event_id: &str) -> Value {
    json!({
        "person_id": person,
        "name": "試験 花子",
        "unit_id": unit,
        "personnel_order": "辞令第1号",
        "effective_at": "2025-04-02",
        "event_id": event_id,
    })
}

const ACCEPTED: &str = "govledger_decisions_accepted_total";
const REQUESTS: &str = "govledger_http_request_duration_seconds_count";
const COMMAND_ROUTE: &str = "/v1/commands/{kind}";

async fn counters_move_by_what_was_done(db: TestDb) {
    let s = serve_with_metrics(&db).await;
    let unit = get_json(&s, "/v1/organisation").await["units"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = scrape(&s).await;
    let head_before = get_json(&s, "/v1/head").await["seq"].as_u64().unwrap();
    assert_eq!(before.one("govledger_head_seq"), head_before as f64);
    assert_eq!(before.sum(ACCEPTED, &[]), 0.0);

    // 5 decisions recorded, 2 refused by a rule (the person exists), 1 retry answered with the
    // original, 3 failed authentications.
    const RECORDED: usize = 5;
    let mut first_id = String::new();
    for n in 0..RECORDED {
        let id = uuid::Uuid::now_v7().to_string();
        if n == 0 {
            first_id = id.clone();
        }
        let body = register(&format!("P9{n:03}"), &unit, &id);
        assert_eq!(
            post_command(&s, "register_person", &s.admin, &body).await,
            201
        );
    }
    for _ in 0..2 {
        let body = register("P9000", &unit, &uuid::Uuid::now_v7().to_string());
        assert_eq!(
            post_command(&s, "register_person", &s.admin, &body).await,
            422
        );
    }
    let retry = register("P9000", &unit, &first_id);
    let status = post_command(&s, "register_person", &s.admin, &retry).await;
    assert!(status == 200 || status == 201, "retry: {status}");
    for _ in 0..3 {
        let status = post_command(&s, "register_person", "glt_nope_nope", &retry).await;
        assert_eq!(status, 401);
    }
    let head = get_json(&s, "/v1/head").await["seq"].as_u64().unwrap();

    let after = scrape(&s).await;
    let moved =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    // Decisions: accepted == recorded (each register_person is one event), by kind.
    assert_eq!(after.kind_of(ACCEPTED), "counter");
    assert_eq!(moved(ACCEPTED, &[]), RECORDED as f64);
    assert_eq!(
        moved(ACCEPTED, &[("kind", "register_person")]),
        RECORDED as f64
    );
    assert_eq!(head - head_before, RECORDED as u64, "events recorded");
    assert_eq!(
        moved(
            "govledger_decisions_refused_total",
            &[("rule", "person.exists")]
        ),
        2.0
    );
    assert_eq!(moved("govledger_decisions_replayed_total", &[]), 1.0);
    assert_eq!(moved("govledger_decisions_not_recorded_total", &[]), 0.0);
    // Every command went through a batch, and every batch committed once.
    let commands = (RECORDED + 2 + 1) as f64;
    assert_eq!(
        moved("govledger_append_batch_size_commands_sum", &[]),
        commands
    );
    let batches = moved("govledger_append_batch_size_commands_count", &[]);
    assert!(batches >= 1.0 && batches <= commands, "{batches} batches");
    assert_eq!(
        moved("govledger_append_commit_duration_seconds_count", &[]),
        batches
    );
    assert_eq!(
        after.kind_of("govledger_append_commit_duration_seconds_count"),
        "histogram"
    );
    // Requests by the matched route and status, never the raw URI.
    let route = |status: &str| moved(REQUESTS, &[("route", COMMAND_ROUTE), ("status", status)]);
    assert_eq!(route("201"), RECORDED as f64);
    assert_eq!(route("422"), 2.0);
    assert_eq!(route("401"), 3.0);
    assert!(
        after
            .0
            .iter()
            .filter_map(|s| s.labels.get("route"))
            .all(|r| !r.as_str().unwrap_or("").contains("register_person")),
        "a raw URI became a route label"
    );
    assert_eq!(moved("govledger_auth_failures_total", &[]), 3.0);
    // Gauges: the head the API reports, folded, nothing pending.
    assert_eq!(after.one("govledger_head_seq"), head as f64);
    assert_eq!(after.one("govledger_projection_applied_seq"), head as f64);
    assert_eq!(after.one("govledger_projection_lag_events"), 0.0);
    assert_eq!(after.one("govledger_database_up"), 1.0);
    assert!(after.one("govledger_db_pool_max_connections") >= 1.0);
    assert!(after.sum("govledger_db_pool_connections", &[]) >= 1.0);

    // A checkpoint at the head: its size, and nothing left unsigned.
    let res = s
        .client
        .post(format!("{}/v1/checkpoint", s.api))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let signed = scrape(&s).await;
    assert_eq!(signed.one("govledger_checkpoint_size"), head as f64);
    assert_eq!(signed.one("govledger_checkpoint_unsigned_events"), 0.0);
    let created = signed.one("govledger_checkpoint_created_timestamp_seconds");
    let now = chrono::Utc::now().timestamp() as f64;
    assert!((now - created).abs() < 60.0, "created {created}, now {now}");

    // A client that keeps failing is rate limited, and the 429s are counted.
    let mut limited = 0;
    for _ in 0..40 {
        let status = s
            .client
            .get(format!("{}/v1/head", s.api))
            .bearer_auth("glt_nope_nope")
            .send()
            .await
            .unwrap()
            .status();
        if status == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0, "never rate limited");
    let last = scrape(&s).await;
    assert_eq!(
        last.sum("govledger_auth_rate_limited_total", &[])
            - signed.sum("govledger_auth_rate_limited_total", &[]),
        f64::from(limited)
    );
    assert_eq!(
        last.sum(REQUESTS, &[("route", "/v1/head"), ("status", "429")]),
        f64::from(limited)
    );

    // Not on the API's port, with or without a token.
    let res = s
        .client
        .get(format!("{}/metrics", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        404,
        "/metrics must not be served on the API's port"
    );
    let _ = &s.key;
}

#[tokio::test]
async fn counters_move_by_what_was_done_on_sqlite() {
    counters_move_by_what_was_done(TestDb::sqlite()).await;
}

#[tokio::test]
async fn counters_move_by_what_was_done_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    counters_move_by_what_was_done(db).await;
}

/// Two instances on one PostgreSQL: what another instance appends shows in this one's head at
/// once, and in its folded seq within the poll; its own decision counters do not move.
#[tokio::test]
async fn projection_lag_follows_another_instance() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let a = serve_with_metrics(&db).await;
    let b = start_server(&db.url, &a.key, None, a.admin.clone(), a.admin.clone()).await;
    let unit = get_json(&a, "/v1/organisation").await["units"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = scrape(&a).await;
    for n in 0..3 {
        let body = register(
            &format!("P8{n:03}"),
            &unit,
            &uuid::Uuid::now_v7().to_string(),
        );
        let status = b
            .post_json("/v1/commands/register_person", &b.admin, &body.to_string())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 201);
    }
    let head = b.get_json("/v1/head").await["seq"].as_u64().unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let m = scrape(&a).await;
        // The head comes from the database: B's appends are there at once.
        assert_eq!(m.one("govledger_head_seq"), head as f64);
        let (applied, lag) = (
            m.one("govledger_projection_applied_seq"),
            m.one("govledger_projection_lag_events"),
        );
        assert_eq!(lag, head as f64 - applied, "lag = head - applied");
        if lag == 0.0 {
            assert_eq!(m.sum(ACCEPTED, &[]), before.sum(ACCEPTED, &[]));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "A never caught up");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

//! HTTP hardening (issue 19 items 2, 5, 6 and 8; issue 14 item 5), against a real `govledger
//! serve` on port 0: clients that stall their head, their body or their reading, too many
//! connections, duplicate JSON members, malformed requests hyper refuses itself, and filters
//! that name something the ledger does not know.
//!
//! The timeouts are set to a second or two through `serve`'s flags so each test takes seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::TestDb;
use support::http::{BIN, genesis_app, issue_token, key_dir};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

on_both_backends!(
    a_body_that_does_not_arrive_in_time_is_a_408_problem_and_records_nothing,
    duplicate_json_members_are_refused_naming_the_member_and_record_nothing,
    filters_naming_an_unknown_asset_person_stream_or_actor_are_404_naming_the_parameter,
);

/// A server on a fresh genesis ledger (`govledger init`, administrator P0001) started with
/// `flags`, and P0001's admin token.
struct Server {
    addr: String,
    admin: String,
    db_url: String,
    _child: Child,
    _keydir: std::sync::Arc<tempfile::TempDir>,
}

async fn server(db: &TestDb, flags: &[&str]) -> Server {
    let dir = key_dir();
    let key = dir.path().join("ledger.key").display().to_string();
    support::http::init_ledger(&db.url, std::path::Path::new(&key)).await;
    let admin = issue_token(&db.url, "P0001", "admin").await;
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--key-file", &key])
        .args(flags)
        .env("GOVLEDGER_DB", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("GOVLEDGER_TEST_SERVER_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the server did not print its address in time")
        .unwrap()
        .expect("the server exited before printing its address (a flag it does not know?)");
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server {
        addr,
        admin,
        db_url: db.url.clone(),
        _child: child,
        _keydir: dir,
    }
}

/// A connection that sent `bytes` and then nothing more.
async fn stalled(addr: &str, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    s
}

/// Reads until the server closes the connection (or resets it); the bytes it sent and how
/// long that took. Panics after `limit`.
async fn until_closed(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the connection was still open after {limit:?}"));
    (got, start.elapsed())
}

/// A raw HTTP/1.1 exchange on a new connection: the status and the body of the answer.
async fn raw(addr: &str, request: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it read everything (a 1 MiB header).
    let _ = s.write_all(request).await;
    let (bytes, _) = until_closed(&mut s, Duration::from_secs(10)).await;
    parse_response(&bytes)
}

/// (status, head, body) of one response with `Connection: close` framing or a known length.
fn parse_response(bytes: &[u8]) -> (u16, String, String) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response in {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn head_of(db_url: &str) -> impl Future<Output = u64> {
    let url = db_url.to_owned();
    async move {
        let store = govledger::store::Store::open(&url).await.unwrap();
        let seq = store.head().await.unwrap().seq;
        store.close().await;
        seq
    }
}

const HALF_A_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: govledger\r\nX-Slow: ";

// ---------------------------------------------------------------------------------------------
// 19.2: header-read timeout, idle timeout, connection limit
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_never_finishes_its_head_is_disconnected_after_the_header_timeout() {
    let db = TestDb::sqlite();
    let app = server(&db, &["--header-timeout", "1"]).await;
    let mut slow = stalled(&app.addr, HALF_A_HEAD).await;
    // Before the fix the connection was held for ever: this read never ended.
    let (bytes, took) = until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_millis(900),
        "closed after {took:?}, before the header timeout"
    );
    assert!(took < Duration::from_secs(5), "closed only after {took:?}");
    assert!(
        bytes.is_empty(),
        "a head that never ended is not answered: {:?}",
        String::from_utf8_lossy(&bytes)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_stalled_clients_do_not_lock_out_a_normal_one_and_are_all_closed() {
    let db = TestDb::sqlite();
    let app = server(&db, &["--header-timeout", "2"]).await;
    let mut stalls = Vec::new();
    for _ in 0..300 {
        stalls.push(stalled(&app.addr, HALF_A_HEAD).await);
    }
    // While they stall, a normal client is answered at once, an authenticated read too.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Instant::now();
    let health = client
        .get(format!("http://{}/healthz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let head = client
        .get(format!("http://{}/v1/head", app.addr))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "a normal client waited {:?} behind the stalled ones",
        start.elapsed()
    );
    // And every stalled connection is closed by the header timeout.
    for s in &mut stalls {
        let (bytes, _) = until_closed(s, Duration::from_secs(10)).await;
        assert!(bytes.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn beyond_the_connection_limit_a_client_waits_for_a_free_slot_then_is_served() {
    let db = TestDb::sqlite();
    let app = server(&db, &["--header-timeout", "1", "--max-connections", "4"]).await;
    let mut stalls = Vec::new();
    for _ in 0..4 {
        stalls.push(stalled(&app.addr, HALF_A_HEAD).await);
    }
    // Give the server the moment it needs to accept all four.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let (status, _, _) = raw(
        &app.addr,
        b"GET /healthz HTTP/1.1\r\nHost: govledger\r\nConnection: close\r\n\r\n",
    )
    .await;
    let waited = start.elapsed();
    assert_eq!(status, 200);
    // It was accepted only once the header timeout had closed a stalled connection.
    assert!(
        waited >= Duration::from_millis(500),
        "answered after {waited:?}: the limit of 4 connections did not hold"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let db = TestDb::sqlite();
    let app = server(&db, &["--header-timeout", "60", "--idle-timeout", "1"]).await;
    let mut s = TcpStream::connect(&app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: govledger\r\n\r\n")
        .await
        .unwrap();
    // The answer, then silence: kept alive, closed after the idle timeout (not the 60 s header
    // timeout).
    let (bytes, took) = until_closed(&mut s, Duration::from_secs(10)).await;
    let (status, _, _) = parse_response(&bytes);
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");
    assert!(took < Duration::from_secs(5), "closed only after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_connection_flags_refuse_values_out_of_range() {
    for flags in [
        &["--header-timeout", "0"][..],
        &["--body-timeout", "30"],
        &["--idle-timeout", "0"],
        &["--max-connections", "0"],
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--db", "sqlite:///nonexistent/x.db"])
            .args(flags)
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flags[0]), "{flags:?}: {stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// 19.5: a slow body is the client's timeout: 408, never a 5xx
// ---------------------------------------------------------------------------------------------

async fn a_body_that_does_not_arrive_in_time_is_a_408_problem_and_records_nothing(db: TestDb) {
    let app = server(&db, &["--body-timeout", "1"]).await;
    let before = head_of(&app.db_url).await;
    let body = json!({"person": "P0001", "role": "auditor"}).to_string();
    let head = format!(
        "POST /v1/tokens HTTP/1.1\r\nHost: govledger\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.admin,
        body.len()
    );

    // Half the body, then nothing. Before the fix: 503 after 30 s.
    let mut s = stalled(&app.addr, head.as_bytes()).await;
    s.write_all(&body.as_bytes()[..body.len() / 2])
        .await
        .unwrap();
    let start = Instant::now();
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    let answered = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let n = s.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.windows(4).any(|w| w == b"\r\n\r\n") && reply.ends_with(b"}") {
                return;
            }
        }
    })
    .await;
    assert!(answered.is_ok(), "no answer within 10 s");
    let took = start.elapsed();
    let (status, head_text, problem) = parse_response(&reply);
    assert_eq!(status, 408, "{head_text}\n{problem}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5));
    assert!(head_text.contains("content-type: application/problem+json"));
    let problem: Value = serde_json::from_str(&problem).unwrap();
    assert_eq!(problem["status"], 408);
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/request-timeout")
    );

    // A body dripped a byte at a time also has to arrive within the timeout in all.
    let mut s = stalled(&app.addr, head.as_bytes()).await;
    let start = Instant::now();
    let drip = async {
        for b in body.as_bytes() {
            if s.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(1500), drip).await;
    let (bytes, _) = until_closed(&mut s, Duration::from_secs(10)).await;
    let (status, _, _) = parse_response(&bytes);
    assert_eq!(status, 408, "after {:?}", start.elapsed());

    // A body that arrives in time is served as before.
    let res = reqwest::Client::new()
        .post(format!("http://{}/v1/tokens", app.addr))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        head_of(&app.db_url).await,
        before + 1,
        "only the last one recorded"
    );
}

// ---------------------------------------------------------------------------------------------
// 19.6: duplicate JSON members
// ---------------------------------------------------------------------------------------------

async fn duplicate_json_members_are_refused_naming_the_member_and_record_nothing(db: TestDb) {
    let app = genesis_app(&db).await;
    let unit = app.get_json("/v1/organisation").await["units"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.get_json("/v1/head").await["seq"].as_u64().unwrap();
    let register = |extra: &str| {
        format!(
            r#"{{"person_id":"P0100","name":"試験 花子","unit_id":"{unit}","personnel_order":"辞令第1号","effective_at":"2025-04-02"{extra}}}"#
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        // The issue's case: the last one would have been recorded.
        (
            "/v1/commands/register_person",
            register(r#","name":"別人 次郎""#),
            "body.name",
        ),
        (
            "/v1/commands/register_person",
            register(r#","effective_at":"2025-04-03""#),
            "body.effective_at",
        ),
        (
            "/v1/commands/register_person",
            register(
                r#","event_id":"0190a000-0000-7000-8000-000000000001","event_id":"0190a000-0000-7000-8000-000000000002""#,
            ),
            "body.event_id",
        ),
        (
            "/v1/tokens",
            r#"{"person":"P0001","role":"auditor","role":"admin"}"#.to_owned(),
            "body.role",
        ),
        // Nested, and inside an array: the path names it.
        (
            "/v1/commands/register_person",
            register(r#","x":[{"a":1},{"a":1,"a":2}]"#),
            "body.x[1].a",
        ),
    ];
    for (path, body, field) in &cases {
        let res = app.post_json(path, &app.admin, body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{path} {body}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["field"], *field, "{body}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("duplicate member"),
            "{problem}"
        );
    }
    assert_eq!(
        app.get_json("/v1/head").await["seq"].as_u64().unwrap(),
        before,
        "nothing recorded"
    );
    // The same body without the duplicate is recorded.
    let res = app
        .post_json("/v1/commands/register_person", &app.admin, &register(""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

// ---------------------------------------------------------------------------------------------
// 14.5: unknown names in filters are 404, not silent empty answers
// ---------------------------------------------------------------------------------------------

async fn filters_naming_an_unknown_asset_person_stream_or_actor_are_404_naming_the_parameter(
    db: TestDb,
) {
    let app = genesis_app(&db).await;
    let asset = app.get_json("/v1/assets").await["assets"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lower = asset.to_lowercase();
    let unknown: Vec<(String, &str, String)> = vec![
        (
            "/v1/access?asset=A99".into(),
            "asset",
            "unknown asset A99".into(),
        ),
        (
            format!("/v1/access?asset={lower}"),
            "asset",
            format!("unknown asset {lower}; ids are case-sensitive: {asset}"),
        ),
        (
            "/v1/access?person=P9999".into(),
            "person",
            "unknown person P9999".into(),
        ),
        (
            "/v1/access?person=p0001".into(),
            "person",
            "unknown person p0001; ids are case-sensitive: P0001".into(),
        ),
        (
            format!("/v1/access?asset={asset}&person=P9999&format=csv"),
            "person",
            "unknown person P9999".into(),
        ),
        // Known at the head, not yet at seq 1 (the genesis registers P0001 later).
        (
            "/v1/access?person=P0001&known_at=1".into(),
            "person",
            "unknown person P0001".into(),
        ),
        (
            "/v1/events?stream=asset/A99".into(),
            "stream",
            "unknown stream asset/A99".into(),
        ),
        (
            "/v1/events?actor=NOBODY".into(),
            "actor",
            "unknown actor NOBODY".into(),
        ),
        (
            "/v1/events?actor=p0001".into(),
            "actor",
            "unknown actor p0001; ids are case-sensitive: P0001".into(),
        ),
    ];
    for (path, field, detail) in &unknown {
        let res = app.get(path, &app.auditor).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["field"], *field, "{path}: {problem}");
        assert_eq!(problem["detail"], detail.as_str(), "{path}");
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("/unknown-value"),
            "{problem}"
        );
    }
    // Known names answer as before, an empty answer included.
    let stream = format!("asset/{asset}");
    let known = [
        format!("/v1/access?asset={asset}"),
        "/v1/access?person=P0001".into(),
        format!("/v1/events?stream={stream}"),
        "/v1/events?actor=P0001".into(),
    ];
    for path in &known {
        let res = app.get(path, &app.auditor).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let page = app.get_json("/v1/events?actor=P0001").await;
    assert!(!page["events"].as_array().unwrap().is_empty());
    let access = app.get_json("/v1/access?person=P0001").await;
    assert!(access["grants"].as_array().unwrap().is_empty());
    // The path forms already answered 404; they still do.
    for path in [
        "/v1/assets/A99",
        "/v1/persons/P9999",
        "/v1/streams/asset/A99",
    ] {
        let res = app.get(path, &app.auditor).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// 19.8: requests hyper refuses before any handler sees them
// ---------------------------------------------------------------------------------------------

/// What README "Security" documents: these are answered by hyper itself, before routing, with
/// a bare status and an empty body, and the connection is closed; the server serves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_requests_hyper_refuses_get_a_bare_4xx_and_the_server_serves_on() {
    let db = TestDb::sqlite();
    let app = server(&db, &[]).await;
    let many_headers: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let huge_header = format!("X-Big: {}\r\n", "a".repeat(1 << 20));
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "two different Content-Lengths",
            b"POST /v1/tokens HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
                .to_vec(),
            400,
        ),
        (
            "a control byte in a header value",
            b"GET /healthz HTTP/1.1\r\nHost: g\r\nX-C: a\x01b\r\n\r\n".to_vec(),
            400,
        ),
        (
            "10,000 headers",
            format!("GET /healthz HTTP/1.1\r\nHost: g\r\n{many_headers}\r\n").into_bytes(),
            431,
        ),
        (
            "a 70 KiB request target",
            format!("GET /healthz?{} HTTP/1.1\r\nHost: g\r\n\r\n", "a".repeat(70 * 1024))
                .into_bytes(),
            414,
        ),
        (
            "a 1 MiB header",
            format!("GET /healthz HTTP/1.1\r\nHost: g\r\n{huge_header}\r\n").into_bytes(),
            431,
        ),
    ];
    for (what, request, expected) in &cases {
        let (status, head, body) = raw(&app.addr, request).await;
        assert_eq!(status, *expected, "{what}: {head}");
        assert!(body.is_empty(), "{what}: {body}");
        assert!(head.contains("content-length: 0"), "{what}: {head}");
    }
    let (status, _, _) = raw(
        &app.addr,
        b"GET /healthz HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
}

//! The HTTP API end to end: a real `govledger serve` on port 0, on SQLite and PostgreSQL, a
//! fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

#[path = "http_api/ledger_api.rs"]
mod ledger_api;

#[path = "http_api/forms_api.rs"]
mod forms_api;

use std::time::Duration;

use govledger::store::{ExpectedVersion, Store};
use govledger_schema::NewEvent;
use serde_json::{Value, json};
use support::http::{SseReader, TestApp, cli, demo_app, genesis_app, spawn_app};
use support::{TestDb, event, jst};

on_both_backends!(
    every_read_endpoint_answers_from_the_ledger,
    event_filters_and_the_seq_cursor_select_exactly_the_matching_events,
    the_auth_matrix_is_enforced,
    bad_input_is_a_problem_document_naming_the_field,
    etag_follows_the_head_and_if_none_match_gives_304,
    the_live_tail_resumes_after_last_event_id_without_gaps_or_duplicates,
    export_jsonl_is_the_cli_export_and_verifies_after_import,
    export_csv_has_a_bom_and_times_in_jst,
    the_server_stops_on_sigterm_while_a_tail_is_open,
    every_views_answer_fits_its_documented_body_schema,
);

/// An event by `actor` on `basis`, effective at `effective`.
fn decision(n: u64, actor: &str, basis: &str, effective: &str) -> NewEvent {
    let mut e = event(n);
    e.meta.actor = actor.into();
    e.meta.basis = basis.into();
    e.effective_at = jst(effective);
    e
}

/// Appends seqs 3..=7 (after the two token events of `spawn_app`) from this process, the way
/// another instance on the same database would.
async fn seed(app: &TestApp) -> Store {
    let store = Store::open(&app.db_url).await.unwrap();
    store
        .append(
            "asset/A01",
            ExpectedVersion::NoStream,
            vec![
                decision(1, "P0001", "第5条第2項", "2025-04-01T00:00:00+09:00"),
                decision(2, "P0001", "第5条第3項", "2025-04-02T00:00:00+09:00"),
            ],
        )
        .await
        .unwrap();
    store
        .append(
            "person/P0002",
            ExpectedVersion::NoStream,
            vec![decision(
                3,
                "P0002",
                "第6条第2項",
                "2025-05-01T00:00:00+09:00",
            )],
        )
        .await
        .unwrap();
    store
        .append(
            "asset/A01",
            ExpectedVersion::Exact(2),
            vec![
                decision(4, "P0002", "第6条第1項", "2025-05-01T09:00:00+09:00"),
                decision(5, "P0001", "第5条第2項", "2025-06-30T23:59:59+09:00"),
            ],
        )
        .await
        .unwrap();
    store
}

fn seqs(page: &Value) -> Vec<u64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

async fn every_read_endpoint_answers_from_the_ledger(db: TestDb) {
    let app = spawn_app(&db).await;
    let store = seed(&app).await;
    let head = store.head().await.unwrap();

    let page = app.get_json("/v1/events").await;
    assert_eq!(seqs(&page), vec![1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(page["next"], Value::Null);
    // Each event is the stored envelope plus its hash, and the chain links.
    let stored = store.read_from(1, 100).await.unwrap();
    for (e, s) in page["events"].as_array().unwrap().iter().zip(&stored) {
        let mut expected = s.event().unwrap().to_value();
        expected["hash"] = json!(s.hash.to_hex());
        assert_eq!(e, &expected);
    }

    let by_seq = app.get_json("/v1/events/4").await;
    assert_eq!(by_seq["stream"], "asset/A01");
    let id = by_seq["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get_json(&format!("/v1/events/{id}")).await, by_seq);
    let missing = app.get("/v1/events/99", &app.auditor).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let stream = app.get_json("/v1/streams/asset/A01").await;
    assert_eq!(stream["stream"], "asset/A01");
    assert_eq!(stream["version"], 4);
    assert_eq!(seqs(&stream), vec![3, 4, 6, 7]);
    let page2 = app.get_json("/v1/streams/asset/A01?limit=2").await;
    assert_eq!((seqs(&page2), &page2["next"]), (vec![3, 4], &json!(3)));
    let page3 = app
        .get_json("/v1/streams/asset/A01?limit=2&from_version=3")
        .await;
    assert_eq!((seqs(&page3), &page3["next"]), (vec![6, 7], &Value::Null));
    let none = app
        .get("/v1/streams/asset/A99", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);

    let h = app.get_json("/v1/head").await;
    assert_eq!(h, json!({ "seq": head.seq, "hash": head.hash.to_hex() }));

    let v = app.get_json("/v1/verify").await;
    assert_eq!(v["ok"], true);
    assert_eq!(v["verified"], 7);
    assert_eq!(v["head"]["seq"], 7);

    for path in ["/healthz", "/readyz"] {
        let res = app
            .client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let doc: Value = app
        .client
        .get(format!("{}/v1/openapi.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/events"]["get"].is_object());
    let docs = app
        .client
        .get(format!("{}/docs", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/v1/openapi.json"));
}

async fn event_filters_and_the_seq_cursor_select_exactly_the_matching_events(db: TestDb) {
    let app = spawn_app(&db).await;
    seed(&app).await;
    let cases: &[(&str, &[u64])] = &[
        ("type=token.issued.v1", &[1, 2]),
        ("type=test.recorded.v1&stream=asset/A01", &[3, 4, 6, 7]),
        ("stream=person/P0002", &[5]),
        ("actor=P0002", &[5, 6]),
        ("actor=ROOT", &[1, 2]),
        ("basis=%E7%AC%AC5%E6%9D%A1", &[3, 4, 7]), // 第5条
        ("basis=%E7%AC%AC5%E6%9D%A1%E7%AC%AC2%E9%A0%85", &[3, 7]), // 第5条第2項
        ("effective_from=2025-05-01&effective_to=2025-05-01", &[5, 6]),
        (
            "effective_from=2025-05-01T09:00:00%2B09:00&effective_to=2025-12-31",
            &[6, 7],
        ),
        ("effective_to=2025-04-01", &[3]),
        ("recorded_from=2000-01-01&recorded_to=2000-01-02", &[]),
        (
            "recorded_from=2000-01-01T00:00:00Z&type=test.recorded.v1&actor=P0001",
            &[3, 4, 7],
        ),
        ("after=5", &[6, 7]),
        ("after=7", &[]),
    ];
    for (query, expected) in cases {
        let page = app.get_json(&format!("/v1/events?{query}")).await;
        assert_eq!(&seqs(&page), expected, "?{query}");
    }
    // The cursor walks every event once, in order.
    let mut seen = Vec::new();
    let mut next = Value::Null;
    loop {
        let q = match next.as_u64() {
            Some(after) => format!("/v1/events?limit=3&after={after}"),
            None => "/v1/events?limit=3".to_owned(),
        };
        let page = app.get_json(&q).await;
        seen.extend(seqs(&page));
        next = page["next"].clone();
        if next.is_null() {
            break;
        }
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5, 6, 7]);
}

async fn the_auth_matrix_is_enforced(db: TestDb) {
    // A ledger with a genesis: tokens are issued by its system administrator, P0001, to
    // persons it knows (the refusals are tests/admission.rs).
    let app = genesis_app(&db).await;
    let url = format!("{}/v1/head", app.url);
    let problem = |res: &reqwest::Response| {
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    };

    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(problem(&none));
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    let wrong_secret = format!("{}x", &app.auditor[..app.auditor.len() - 1]);
    for bad in [
        "nonsense",
        "glt_zz_secret",
        "glt_0123456789abcdef_secret",
        &wrong_secret,
    ] {
        let res = app.get("/v1/head", bad).send().await.unwrap();
        assert_eq!(res.status(), 401, "token {bad:?}");
        assert!(problem(&res));
    }
    let basic = app
        .client
        .get(&url)
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);

    // Auditor reads, but may not write.
    assert_eq!(
        app.get("/v1/head", &app.auditor)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let body = r#"{"person": "P0001", "role": "auditor"}"#;
    let res = app
        .post_json("/v1/tokens", &app.auditor, body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(problem(&res));

    // Admin writes: the new token works, and its issue is an event with the admin as actor.
    let res = app
        .post_json("/v1/tokens", &app.admin, body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let issued: Value = res.json().await.unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("glt_"));
    assert_eq!(
        app.get("/v1/head", &token).send().await.unwrap().status(),
        200
    );
    let recorded = app.get_json(&format!("/v1/events/{}", issued["seq"])).await;
    assert_eq!(recorded["type"], "token.issued.v1");
    assert_eq!(recorded["stream"], "tokens");
    assert_eq!(recorded["meta"]["actor"], "P0001");
    assert_eq!(recorded["meta"]["basis"], "第4条第1項");
    assert_eq!(
        recorded["data"],
        json!({ "token_id": issued["id"], "person": "P0001", "role": "auditor" })
    );
    assert!(
        !recorded.to_string().contains(&token),
        "the secret is never recorded"
    );

    // Revoked: 401 at once, and the revocation is an event too.
    let id = issued["id"].as_str().unwrap();
    cli(
        &app.db_url,
        &["token", "revoke", "--id", id, "--actor", "P0001"],
    )
    .await;
    let res = app.get("/v1/head", &token).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let revoked = app.get_json("/v1/events?type=token.revoked.v1").await;
    assert_eq!(revoked["events"][0]["data"]["token_id"], id);
    assert_eq!(revoked["events"][0]["meta"]["actor"], "P0001");
    let listed = cli(&app.db_url, &["token", "list"]).await;
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(id) && !l.ends_with("active"))
    );
}

async fn bad_input_is_a_problem_document_naming_the_field(db: TestDb) {
    let app = spawn_app(&db).await;
    async fn check(res: reqwest::Response, status: u16, field: Option<&str>) -> Value {
        assert_eq!(res.status(), status);
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["status"], status);
        assert!(p["type"].is_string() && p["title"].is_string());
        assert_eq!(p["instance"], rid, "instance is the request id");
        if let Some(field) = field {
            assert_eq!(p["field"], field, "{p}");
        }
        p
    }
    let post = |body: &str| app.post_json("/v1/tokens", &app.admin, body).send();

    check(post("{\"person\": ").await.unwrap(), 400, None).await;
    check(
        post(r#"{"person":"P1","role":"admin"} trailing"#)
            .await
            .unwrap(),
        400,
        None,
    )
    .await;
    check(
        post(r#"{"person":"P1","role":"admin","extra":1}"#)
            .await
            .unwrap(),
        422,
        Some("body.extra"),
    )
    .await;
    check(
        post(r#"{"person":7,"role":"admin"}"#).await.unwrap(),
        422,
        Some("body.person"),
    )
    .await;
    check(
        post(r#"{"person":"P1","role":"root"}"#).await.unwrap(),
        422,
        Some("body.role"),
    )
    .await;
    check(
        post(r#"{"person":"P1"}"#).await.unwrap(),
        422,
        Some("body.role"),
    )
    .await;
    check(
        post(r#"{"person":" ","role":"admin"}"#).await.unwrap(),
        422,
        Some("body.person"),
    )
    .await;
    let big = format!(r#"{{"person":"{}","role":"admin"}}"#, "x".repeat(70 * 1024));
    check(post(&big).await.unwrap(), 413, None).await;
    let plain = app
        .client
        .post(format!("{}/v1/tokens", app.url))
        .bearer_auth(&app.admin)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    check(plain, 415, None).await;

    let get = |path: &str| app.get(path, &app.auditor).send();
    check(
        get("/v1/events?limit=1001").await.unwrap(),
        400,
        Some("limit"),
    )
    .await;
    check(get("/v1/events?limit=0").await.unwrap(), 400, Some("limit")).await;
    check(
        get("/v1/events?limit=ten").await.unwrap(),
        400,
        Some("limit"),
    )
    .await;
    check(
        get("/v1/events?after=-1").await.unwrap(),
        400,
        Some("after"),
    )
    .await;
    check(
        get("/v1/events?effective_from=2025-13-01").await.unwrap(),
        400,
        Some("effective_from"),
    )
    .await;
    check(
        get("/v1/events?recorded_to=yesterday").await.unwrap(),
        400,
        Some("recorded_to"),
    )
    .await;
    check(
        get("/v1/events?colour=red").await.unwrap(),
        400,
        Some("colour"),
    )
    .await;
    check(
        get("/v1/events?stream=a%20b").await.unwrap(),
        400,
        Some("stream"),
    )
    .await;
    check(get("/v1/events/not-a-key").await.unwrap(), 400, Some("key")).await;
    check(
        get("/v1/export.csv?from=x").await.unwrap(),
        400,
        Some("from"),
    )
    .await;
    let tail = app
        .get("/v1/tail", &app.auditor)
        .header("last-event-id", "abc")
        .send()
        .await
        .unwrap();
    check(tail, 400, Some("Last-Event-ID")).await;
    check(get("/v1/nothing-here").await.unwrap(), 404, None).await;
    check(
        app.client
            .get(format!("{}/nothing", app.url))
            .send()
            .await
            .unwrap(),
        404,
        None,
    )
    .await;
    let delete = app
        .client
        .delete(format!("{}/v1/head", app.url))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    let p = check(delete, 405, None).await;
    assert_eq!(p["title"], "Method not allowed");
}

async fn etag_follows_the_head_and_if_none_match_gives_304(db: TestDb) {
    let app = spawn_app(&db).await;
    for path in [
        "/v1/events?limit=5",
        "/v1/events/1",
        "/v1/streams/tokens",
        "/v1/head",
        "/v1/export.jsonl",
        "/v1/export.csv",
    ] {
        let first = app.get(path, &app.auditor).send().await.unwrap();
        assert_eq!(first.status(), 200, "{path}");
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .get(path, &app.auditor)
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = app
            .get(path, &app.auditor)
            .header("if-none-match", "W/\"0-stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "{path}");
    }
    let tag = app
        .get("/v1/head", &app.auditor)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .clone();
    let store = Store::open(&app.db_url).await.unwrap();
    store
        .append("asset/A01", ExpectedVersion::Any, vec![event(1)])
        .await
        .unwrap();
    let moved = app
        .get("/v1/head", &app.auditor)
        .header("if-none-match", tag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200, "a new event changes the ETag");
    assert_ne!(moved.headers()["etag"], tag);
}

async fn the_live_tail_resumes_after_last_event_id_without_gaps_or_duplicates(db: TestDb) {
    let app = spawn_app(&db).await;
    let store = seed(&app).await; // seqs 1..=7

    // Catch-up from seq 2: read three, then disconnect.
    let res = app
        .get("/v1/tail?from=2", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut sse = SseReader::new(res);
    let mut got = Vec::new();
    for _ in 0..3 {
        let ev = sse.next().await;
        let body: Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(ev.id.as_deref(), Some(body["seq"].to_string().as_str()));
        assert_eq!(ev.event.as_deref(), body["type"].as_str());
        got.push(body["seq"].as_u64().unwrap());
    }
    assert_eq!(got, vec![2, 3, 4]);
    drop(sse);

    // Resume with Last-Event-ID (which beats `from`), then events appended elsewhere arrive.
    let res = app
        .get("/v1/tail?from=1", &app.auditor)
        .header("last-event-id", "4")
        .send()
        .await
        .unwrap();
    let mut sse = SseReader::new(res);
    for _ in 5..=7 {
        got.push(sse.next().await.id.unwrap().parse().unwrap());
    }
    store
        .append("asset/A02", ExpectedVersion::Any, vec![event(8), event(9)])
        .await
        .unwrap();
    // A token's issue is an event too. (This ledger has no genesis, so nobody could issue one
    // through the server; a write through the server reaching the tail at once is
    // tests/admission.rs and tests/http_api/ledger_api.rs.)
    support::http::fixture_token(&app.db_url, "P0200", "auditor").await;
    store
        .append("asset/A03", ExpectedVersion::Any, vec![event(11)])
        .await
        .unwrap();
    for _ in 8..=11 {
        got.push(sse.next().await.id.unwrap().parse().unwrap());
    }
    assert_eq!(got, (2..=11).collect::<Vec<u64>>(), "no gap, no duplicate");

    // A tail with neither starts after the head.
    let res = app.get("/v1/tail", &app.auditor).send().await.unwrap();
    let mut fresh = SseReader::new(res);
    store
        .append("asset/A04", ExpectedVersion::Any, vec![event(12)])
        .await
        .unwrap();
    assert_eq!(fresh.next().await.id.as_deref(), Some("12"));
    assert_eq!(sse.next().await.id.as_deref(), Some("12"));
}

async fn export_jsonl_is_the_cli_export_and_verifies_after_import(db: TestDb) {
    let app = spawn_app(&db).await;
    seed(&app).await;
    let res = app
        .get("/v1/export.jsonl", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/jsonl");
    let http = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cli.jsonl");
    cli(&app.db_url, &["export", "--out", file.to_str().unwrap()]).await;
    let from_cli = std::fs::read(&file).unwrap();
    assert_eq!(http.len(), from_cli.len());
    assert!(
        http[..] == from_cli[..],
        "byte-identical to `govledger export`"
    );
    assert_eq!(http.iter().filter(|b| **b == b'\n').count(), 7);

    let ranged = app
        .get("/v1/export.jsonl?from=3&to=4", &app.auditor)
        .send()
        .await
        .unwrap();
    let ranged = ranged.text().await.unwrap();
    assert_eq!(ranged.lines().count(), 2);
    assert!(
        ranged.starts_with(
            std::str::from_utf8(&from_cli)
                .unwrap()
                .lines()
                .nth(2)
                .unwrap()
        )
    );

    let http_file = dir.path().join("http.jsonl");
    std::fs::write(&http_file, &http).unwrap();
    let target = TestDb::sqlite();
    let imported = cli(&target.url, &["import", http_file.to_str().unwrap()]).await;
    assert!(imported.starts_with("imported 7 events"), "{imported}");
    let verified = cli(&target.url, &["verify"]).await;
    assert!(verified.starts_with("ok: 7 events verified"), "{verified}");
}

async fn export_csv_has_a_bom_and_times_in_jst(db: TestDb) {
    let app = spawn_app(&db).await;
    let store = seed(&app).await;
    let res = app
        .get("/v1/export.csv", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "seq,id,stream,version,type,actor,acting_for,basis,effective_at,recorded_at,hash"
    );
    assert_eq!(lines.len(), 1 + 7);
    let stored = store.get(3).await.unwrap().unwrap();
    let e = stored.event().unwrap();
    let recorded = e
        .recorded_at
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S%.6f+09:00")
        .to_string();
    let expected = format!(
        "3,{},asset/A01,1,test.recorded.v1,P0001,,第5条第2項,2025-04-01T00:00:00+09:00,{recorded},{}",
        e.id, stored.hash
    );
    assert_eq!(lines[3], expected);
    assert!(lines[1..].iter().all(|l| l.matches("+09:00").count() == 2));
}

async fn the_server_stops_on_sigterm_while_a_tail_is_open(db: TestDb) {
    let app = spawn_app(&db).await;
    let res = app
        .get("/v1/tail?from=1", &app.auditor)
        .send()
        .await
        .unwrap();
    let mut sse = SseReader::new(res);
    assert_eq!(sse.next().await.id.as_deref(), Some("1"));
    let started = std::time::Instant::now();
    let status = app.stop().await;
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drained promptly"
    );
}

/// `app()` also answers without a socket (`oneshot`), with the same middleware.
#[tokio::test]
async fn the_router_answers_in_process_with_problem_documents() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let db = TestDb::sqlite();
    let (ledger, _) = govledger::ledger::Ledger::open(db.open().await)
        .await
        .unwrap();
    let signer = govledger::checkpoint::Signer::generate("test.govledger/log").unwrap();
    let state =
        govledger::http::AppState::new(ledger, govledger::notary::Notary::new(signer)).await;
    let app = govledger::server::app(state);
    let ready = app
        .clone()
        .oneshot(Request::get("/readyz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
    let res = app
        .oneshot(
            Request::get("/v1/events")
                .header("x-request-id", "req-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let p: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(p["instance"], "req-42");
}

/// The OpenAPI document served by the code equals the checked-in `openapi.json`.
/// Regenerate with `UPDATE_OPENAPI=1 cargo test --test http_api openapi`.
#[test]
fn openapi_document_matches_the_checked_in_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = govledger::http::openapi::document_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "openapi.json differs from the document the handlers generate; if the change is \
         intended, run `UPDATE_OPENAPI=1 cargo test --test http_api openapi` and commit the diff"
    );
}

/// The document the server serves, as JSON.
fn served_document() -> Value {
    serde_json::from_str(&govledger::http::openapi::document_json()).unwrap()
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    ops
}

/// A concrete URL for a documented path (path parameters filled in).
fn concrete(path: &str) -> String {
    path.replace("{key}", "1")
        .replace("{id}", "A01")
        .replace("{size}", "1")
        .replace("{stream}", "asset/A01")
}

/// The response `op` documents for `status`, a `$ref` to `components/responses` resolved.
fn documented_response(doc: &Value, op: &Value, status: u16) -> Option<Value> {
    let response = op.pointer(&format!("/responses/{status}"))?;
    match response.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/components/responses/")?;
            doc.pointer(&format!("/components/responses/{name}"))
                .cloned()
        }
        None => Some(response.clone()),
    }
}

/// Asserts that `op` documents `status` as a problem document.
fn assert_documents_problem(doc: &Value, method: &str, path: &str, op: &Value, status: u16) {
    let schema = documented_response(doc, op, status).and_then(|r| {
        r.pointer("/content/application~1problem+json/schema/$ref")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    assert_eq!(
        schema.as_deref(),
        Some("#/components/schemas/Problem"),
        "{method} {path} does not document {status} as a problem document"
    );
}

/// The router in process on a fresh SQLite ledger, with an admin token.
async fn in_process_app(db: &TestDb) -> (axum::Router, String) {
    let store = db.open().await;
    let (ledger, _) = govledger::ledger::Ledger::open(store).await.unwrap();
    let admin = ledger
        .issue_token_unchecked(
            "ADMIN1",
            govledger_schema::events::TokenRole::Admin,
            "ROOT",
            None,
        )
        .await
        .unwrap()
        .token;
    let signer = govledger::checkpoint::Signer::generate("test.govledger/log").unwrap();
    let state =
        govledger::http::AppState::new(ledger, govledger::notary::Notary::new(signer)).await;
    (govledger::server::app(state), admin)
}

/// Sends one request in process; returns the status, the content type and the body.
async fn call(
    app: &axum::Router,
    req: axum::http::Request<axum::body::Body>,
) -> (u16, String, Vec<u8>) {
    use tower::ServiceExt;
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec();
    (status, content_type, body)
}

/// Found by schemathesis: most reads (`/v1/head`, `/v1/events/{key}`, the proofs, …) answered
/// a request without a token with a 401 their operation did not document. Every operation
/// behind the token middleware answers 401 without a token, and documents 401, 429 (with
/// `Retry-After`) and 503 as problem documents.
#[tokio::test]
async fn every_operation_that_needs_a_token_documents_401_429_and_503() {
    use axum::body::Body;
    use axum::http::Request;

    let db = TestDb::sqlite();
    let (app, _) = in_process_app(&db).await;
    let doc = served_document();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if op.get("security").is_none() {
            continue;
        }
        let req = Request::builder()
            .method(method.as_str())
            .uri(concrete(&path))
            .body(Body::empty())
            .unwrap();
        let (status, content_type, _) = call(&app, req).await;
        assert_eq!(status, 401, "{method} {path} without a token");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        for documented in [401, 429, 503] {
            assert_documents_problem(&doc, &method, &path, &op, documented);
        }
        assert!(
            documented_response(&doc, &op, 429)
                .is_some_and(|r| r.pointer("/headers/Retry-After").is_some()),
            "{method} {path}: 429 without Retry-After"
        );
        checked += 1;
    }
    assert!(checked > 70, "only {checked} operations need a token?");
}

/// Found by schemathesis: a command or token request whose body was not declared as JSON got
/// a 415 that no operation documented. Every operation with a JSON body answers 415 to a body
/// of another type and documents it.
#[tokio::test]
async fn every_operation_with_a_json_body_documents_415() {
    use axum::body::Body;
    use axum::http::Request;

    let db = TestDb::sqlite();
    let (app, admin) = in_process_app(&db).await;
    let doc = served_document();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if op
            .pointer("/requestBody/content/application~1json")
            .is_none()
        {
            continue;
        }
        let req = Request::builder()
            .method(method.as_str())
            .uri(concrete(&path))
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        let (status, content_type, _) = call(&app, req).await;
        assert_eq!(status, 415, "{method} {path} with a text/plain body");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        assert_documents_problem(&doc, &method, &path, &op, 415);
        checked += 1;
    }
    assert!(checked > 40, "only {checked} operations take a body?");
}

/// Found by schemathesis: the tail's 200 was documented as `{"type": "string"}`, which OpenAPI
/// 3.1 tools read as the schema of each event; each event is `{id, event, data}` with `data`
/// the event's JSON. The document says so, and the events served fit it.
#[tokio::test]
async fn the_tails_documented_schema_describes_each_event_it_sends() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let doc = served_document();
    let schema = doc
        .pointer("/paths/~1v1~1tail/get/responses/200/content/text~1event-stream/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(|name| doc["components"]["schemas"][name].clone())
        .expect("the tail's 200 refers to a component schema");
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["id", "event", "data"]));
    assert_eq!(
        schema["properties"]["data"]["contentMediaType"],
        "application/json"
    );
    assert_eq!(
        schema["properties"]["data"]["contentSchema"]["$ref"],
        "#/components/schemas/EventView"
    );

    let db = TestDb::sqlite();
    let (app, admin) = in_process_app(&db).await;
    // Seq 1 is the admin token's `token.issued.v1`.
    let res = app
        .oneshot(
            Request::get("/v1/tail?from=1")
                .header("authorization", format!("Bearer {admin}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body().into_data_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(
            Duration::from_secs(10),
            futures_util::StreamExt::next(&mut body),
        )
        .await
        .expect("an event in time")
        .expect("the stream goes on")
        .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim_start().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {text:?}"))
    };
    assert_eq!(field("id"), "1");
    assert_eq!(field("event"), "token.issued.v1");
    let data: Value = serde_json::from_str(&field("data")).unwrap();
    for member in doc["components"]["schemas"]["EventView"]["required"]
        .as_array()
        .unwrap()
    {
        let member = member.as_str().unwrap();
        assert!(data.get(member).is_some(), "data lacks {member}: {data}");
    }
}

/// Found with schemathesis: `format` was documented as any string although only `json` and
/// `csv` are taken, and the CSV answer was not documented at all. Every view documents `format`
/// as `json` | `csv` and a `text/csv` 200, and answers CSV with `format=csv`.
#[tokio::test]
async fn every_view_documents_its_format_as_json_or_csv() {
    use axum::body::Body;
    use axum::http::Request;

    let db = TestDb::sqlite();
    let (app, admin) = in_process_app(&db).await;
    let doc = served_document();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let Some(format) = op["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "format"))
        else {
            continue;
        };
        assert_eq!(
            format["schema"]["enum"],
            json!(["json", "csv"]),
            "{method} {path}"
        );
        assert!(
            op.pointer("/responses/200/content/text~1csv").is_some(),
            "{method} {path} does not document its CSV answer"
        );
        // On an empty ledger one asset or person is a 404; the list views answer.
        if path.contains('{') {
            continue;
        }
        let req = Request::get(format!("{path}?format=csv"))
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let (status, content_type, _) = call(&app, req).await;
        assert_eq!(status, 200, "{path}?format=csv");
        assert!(
            content_type.starts_with("text/csv"),
            "{path}: {content_type}"
        );
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} views take a format?");
}

/// Found by schemathesis: seqs, sizes and versions are documented as int64 (the stores keep
/// them as BIGINT), but `after`, `to`, `from` and the others took any u64, so
/// `after=9223372036854775808` answered 200 instead of refusing what the document rules out.
/// Every such parameter refuses a number above i64::MAX with a 400 naming it.
#[tokio::test]
async fn a_seq_size_or_version_beyond_int64_is_a_bad_parameter() {
    use axum::body::Body;
    use axum::http::Request;

    const BEYOND: &str = "9223372036854775808"; // i64::MAX + 1
    let db = TestDb::sqlite();
    let (app, admin) = in_process_app(&db).await;
    let cases = [
        (format!("/v1/events?after={BEYOND}"), None, "after"),
        (format!("/v1/export.jsonl?to={BEYOND}"), None, "to"),
        (format!("/v1/export.csv?from={BEYOND}"), None, "from"),
        (format!("/v1/tail?from={BEYOND}"), None, "from"),
        ("/v1/tail".to_owned(), Some(BEYOND), "Last-Event-ID"),
        (
            format!("/v1/organisation?known_at={BEYOND}"),
            None,
            "known_at",
        ),
        (
            format!("/v1/streams/tokens?from_version={BEYOND}"),
            None,
            "from_version",
        ),
        (
            format!("/v1/proof/inclusion?seq=1&size={BEYOND}"),
            None,
            "size",
        ),
        (
            format!("/v1/proof/consistency?from=1&to={BEYOND}"),
            None,
            "to",
        ),
        (format!("/v1/checkpoints/{BEYOND}"), None, "size"),
    ];
    for (uri, last_event_id, field) in cases {
        let mut req = Request::get(&uri).header("authorization", format!("Bearer {admin}"));
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let (status, content_type, body) = call(&app, req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, 400, "{uri} ({field})");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["field"], field, "{uri}: {problem}");
    }
}

/// Found by schemathesis: `from` and `to` of the exports and the tail are documented with
/// minimum 1 (seqs start at 1), but 0 was taken (and read as 1 or as "nothing"). Each now
/// refuses 0 with a 400 naming it; `Last-Event-ID: 0` (resume after nothing) stays valid.
#[tokio::test]
async fn seq_zero_is_a_bad_parameter_where_a_seq_is_named() {
    use axum::body::Body;
    use axum::http::Request;

    let db = TestDb::sqlite();
    let (app, admin) = in_process_app(&db).await;
    for (uri, field) in [
        ("/v1/export.jsonl?from=0", "from"),
        ("/v1/export.jsonl?to=0", "to"),
        ("/v1/export.csv?to=0", "to"),
        ("/v1/tail?from=0", "from"),
    ] {
        let req = Request::get(uri)
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = call(&app, req).await;
        assert_eq!(status, 400, "{uri}");
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["field"], field, "{uri}: {problem}");
    }
    let req = Request::get("/v1/export.jsonl?from=1")
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, req).await.0, 200);
}

/// Where `value` breaks `schema` (a `$ref` to the document's components resolved), each break
/// as `"<json path>: <why>"`. The subset of JSON Schema the document uses: `$ref`, `allOf`,
/// `oneOf`, `type` (one or a list, `null` included), `enum`, `properties`, `required`,
/// `additionalProperties: false`, `items`, `minimum` and the formats `date` and `date-time`.
/// A keyword it does not know fails the check, so nothing is skipped silently.
fn schema_breaks(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    const KNOWN: &[&str] = &[
        "$ref",
        "allOf",
        "oneOf",
        "type",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minimum",
        "maximum",
        "format",
        "description",
        "title",
        "examples",
    ];
    let mut breaks = Vec::new();
    let Some(schema) = schema.as_object() else {
        return vec![format!("{at}: schema {schema} is not an object")];
    };
    for keyword in schema.keys() {
        if !KNOWN.contains(&keyword.as_str()) {
            breaks.push(format!("{at}: keyword {keyword} not checked"));
        }
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        let target = doc["components"]["schemas"]
            .get(name)
            .unwrap_or_else(|| panic!("{r} names no schema"));
        breaks.extend(schema_breaks(doc, target, value, at));
    }
    for sub in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        breaks.extend(schema_breaks(doc, sub, value, at));
    }
    if let Some(subs) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = subs
            .iter()
            .filter(|s| schema_breaks(doc, s, value, at).is_empty())
            .count();
        if fits != 1 {
            breaks.push(format!(
                "{at}: fits {fits} of oneOf's {} schemas",
                subs.len()
            ));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        let is = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            breaks.push(format!("{at}: {value} is not of type {t}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(value)
    {
        breaks.push(format!("{at}: {value} is not one of {e:?}"));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && value.as_f64().is_some_and(|v| v < min)
    {
        breaks.push(format!("{at}: {value} is below {min}"));
    }
    if let (Some(format), Some(s)) = (schema.get("format").and_then(Value::as_str), value.as_str())
    {
        let ok = match format {
            "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            _ => true,
        };
        if !ok {
            breaks.push(format!("{at}: {s:?} is not a {format}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                breaks.push(format!("{at}: lacks required {name}"));
            }
        }
        for (name, member) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(s) => breaks.extend(schema_breaks(doc, s, member, &format!("{at}.{name}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    breaks.push(format!("{at}: {name} is not a documented member"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            breaks.extend(schema_breaks(doc, items, item, &format!("{at}[{i}]")));
        }
    }
    breaks
}

/// The members a schema documents, through `$ref` and `allOf`.
fn documented_members(doc: &Value, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        out.extend(documented_members(doc, &doc["components"]["schemas"][name]));
    }
    for sub in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(documented_members(doc, sub));
    }
    out.extend(
        schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys().cloned()),
    );
    out
}

#[test]
fn the_schema_check_finds_what_breaks_a_schema() {
    let doc = json!({"components": {"schemas": {
        "H": {"type": "object", "required": ["seq"], "properties": {"seq": {"type": "integer", "minimum": 0}}},
        "E": {"type": "string", "enum": ["open", "closed"]},
        "B": {"allOf": [{"$ref": "#/components/schemas/H"}, {"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"type": "object", "required": ["status"], "properties": {
                "status": {"$ref": "#/components/schemas/E"},
                "at": {"type": ["string", "null"], "format": "date-time"},
                "next": {"oneOf": [{"$ref": "#/components/schemas/H"}, {"type": "null"}]}}}}}}]}
    }}});
    let b = json!({"$ref": "#/components/schemas/B"});
    let good = json!({"seq": 1, "items": [{"status": "open", "at": "2025-04-01T00:00:00+09:00", "next": null}]});
    assert_eq!(schema_breaks(&doc, &b, &good, "$"), Vec::<String>::new());
    for (bad, why) in [
        (json!({"items": []}), "$: lacks required seq"),
        (json!({"seq": -1, "items": []}), "$.seq: -1 is below 0"),
        (
            json!({"seq": 1, "items": [{"status": "opne"}]}),
            "$.items[0].status: \"opne\" is not one of",
        ),
        (
            json!({"seq": 1, "items": [{"status": "open", "at": "2025-04-01"}]}),
            "is not a date-time",
        ),
        (
            json!({"seq": 1, "items": [{"status": "open", "next": {}}]}),
            "fits 0 of oneOf",
        ),
        (json!({"seq": "1", "items": []}), "is not of type"),
    ] {
        let breaks = schema_breaks(&doc, &b, &bad, "$");
        assert!(breaks.iter().any(|b| b.contains(why)), "{bad}: {breaks:?}");
    }
    assert_eq!(
        documented_members(&doc, &b),
        vec!["seq".to_owned(), "items".to_owned()]
    );
}

/// Issue 18: every view's JSON answer is described by a schema naming its members (not just
/// the header), and what each view answers on the demo ledger (every kind of record, rosters,
/// findings) fits that schema, through every nested object, enum and date.
async fn every_views_answer_fits_its_documented_body_schema(db: TestDb) {
    let app = demo_app(&db).await;
    let doc = served_document();
    let header = documented_members(&doc, &json!({"$ref": "#/components/schemas/ViewHeader"}));
    let mut checked = Vec::new();
    for (method, path, op) in operations(&doc) {
        let is_view = op["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("views")));
        if method != "GET" || !is_view {
            continue;
        }
        let schema = op
            .pointer("/responses/200/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{path} documents no JSON body"));
        let members = documented_members(&doc, schema);
        let own: Vec<&String> = members.iter().filter(|m| !header.contains(m)).collect();
        assert!(
            members.iter().filter(|m| header.contains(m)).count() == header.len()
                && !own.is_empty(),
            "{path}: the body schema documents {members:?}"
        );
        let url = path
            .replace("/v1/assets/{id}", "/v1/assets/A01")
            .replace("{id}", "P0001");
        let body = app.get_json(&url).await;
        for m in &own {
            assert!(
                body.get(m.as_str()).is_some(),
                "{url}: no {m} in the answer"
            );
        }
        let breaks = schema_breaks(&doc, schema, &body, "$");
        assert!(breaks.is_empty(), "{url}: {breaks:#?}");
        // The check bites on a real answer: one member gone, or a status misspelt.
        let mut broken = body.clone();
        broken.as_object_mut().unwrap().remove(own[0].as_str());
        assert!(
            !schema_breaks(&doc, schema, &broken, "$").is_empty(),
            "{url} without {}",
            own[0]
        );
        checked.push(path);
    }
    checked.sort();
    assert_eq!(
        checked,
        [
            "/v1/access",
            "/v1/assets",
            "/v1/assets/{id}",
            "/v1/audit",
            "/v1/incidents",
            "/v1/meetings",
            "/v1/modifications",
            "/v1/organisation",
            "/v1/persons/{id}",
            "/v1/retirements",
            "/v1/security-requests",
        ]
    );
    // The enums the rules read are enums in the document too.
    let body = app.get_json("/v1/modifications").await;
    let schema = json!({"$ref": "#/components/schemas/ModificationsBody"});
    let lacking = body["modifications"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["missing"].as_array().is_some_and(|l| !l.is_empty()))
        .expect("a modification of the demo lacks something");
    let mut broken = body.clone();
    *broken
        .pointer_mut(&format!("/modifications/{lacking}/missing/0/what"))
        .unwrap() = json!("consnet");
    assert!(!schema_breaks(&doc, &schema, &broken, "$").is_empty());
    let body = app.get_json("/v1/security-requests").await;
    let mut broken = body.clone();
    *broken.pointer_mut("/requests/0/status").unwrap() = json!("shut");
    let schema = json!({"$ref": "#/components/schemas/SecurityRequestsBody"});
    assert!(schema_breaks(&doc, &schema, &body, "$").is_empty());
    assert!(!schema_breaks(&doc, &schema, &broken, "$").is_empty());
}

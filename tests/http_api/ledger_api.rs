//! Views, commands, checkpoints and proofs through the real server, over a real ledger (the
//! demo's five fiscal years, or a fresh genesis), on both backends.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestDb;
use crate::support::http::{
    BIN, SseReader, TestApp, another_server, demo_app, genesis_app, key_dir, new_key,
};

on_both_backends!(
    views_answer_who_held_an_office_and_who_decided_access_on_any_date,
    admins_record_decisions_that_the_rules_accept_and_nothing_else,
    proofs_verify_in_the_real_client_and_a_changed_checkpoint_fails,
);

async fn get(app: &TestApp, path: &str) -> Value {
    app.get_json(path).await
}

fn date(s: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(&s.as_str().unwrap()[..10], "%Y-%m-%d").unwrap()
}

/// The holder of `post_id` among `asset`'s officers in an `/v1/assets` view.
fn officer_holder(view: &Value, asset_id: &str, post_id: &str) -> Option<String> {
    view["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == asset_id)?["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["post_id"] == post_id)?["holder"]["person_id"]
        .as_str()
        .map(str::to_owned)
}

async fn views_answer_who_held_an_office_and_who_decided_access_on_any_date(db: TestDb) {
    let app = demo_app(&db).await;

    // Who was the officer of an asset on a date, across a personnel change.
    let assets = get(&app, "/v1/assets").await;
    let mut found = None;
    'search: for a in assets["assets"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let detail = get(&app, &format!("/v1/assets/{id}")).await;
        for post in detail["officer_posts"].as_array().unwrap() {
            let holders = post["holders"].as_array().unwrap();
            if holders.len() >= 2 && holders[0]["person_id"] != holders[1]["person_id"] {
                found = Some((
                    id.to_owned(),
                    post["post_id"].as_str().unwrap().to_owned(),
                    holders[0].clone(),
                    holders[1].clone(),
                ));
                break 'search;
            }
        }
    }
    let (asset_id, post_id, before, after) = found.expect("the demo has personnel changes");
    let change = date(&after["since"]);
    let day_before = change.pred_opt().unwrap();
    assert!(date(&before["since"]) <= day_before);
    let old = get(&app, &format!("/v1/assets?as_of={day_before}")).await;
    let new = get(&app, &format!("/v1/assets?as_of={change}")).await;
    assert_eq!(
        officer_holder(&old, &asset_id, &post_id).as_deref(),
        before["person_id"].as_str()
    );
    assert_eq!(
        officer_holder(&new, &asset_id, &post_id).as_deref(),
        after["person_id"].as_str()
    );
    assert_eq!(old["as_of"], format!("{day_before}T00:00:00+09:00"));
    assert_eq!(old["known_at"], old["head"]["seq"]);

    // Who could use an asset on a date, on whose decision: the deciding event's actor held an
    // officer post of that asset when the decision took effect.
    let access = get(&app, "/v1/access?asset=A01&as_of=2023-04-01").await;
    let grant = access["grants"][0].clone();
    assert!(grant.is_object(), "A01 has users on 2023-04-01: {access}");
    let decided = grant["decided_seq"].as_u64().unwrap();
    let event = get(&app, &format!("/v1/events/{decided}")).await;
    assert_eq!(event["type"], "permission.granted.v1");
    assert_eq!(event["meta"]["actor"], grant["decided_by"]);
    assert_eq!(event["data"]["asset_id"], "A01");
    let effective = event["effective_at"].as_str().unwrap();
    let then = get(
        &app,
        &format!("/v1/assets?as_of={}", effective.replace('+', "%2B")),
    )
    .await;
    assert_eq!(
        officer_holder(&then, "A01", grant["officer_post_id"].as_str().unwrap()).as_deref(),
        grant["decided_by"].as_str()
    );

    // As known before a correction, the voided grant is there; after it, it is not.
    let corrections = get(&app, "/v1/events?type=correction.recorded.v1").await;
    let correction = &corrections["events"][0];
    let c = correction["seq"].as_u64().unwrap();
    let voided = correction["data"]["corrects_seq"].as_u64().unwrap();
    let wrong = get(&app, &format!("/v1/events/{voided}")).await;
    let q = format!(
        "/v1/access?asset={}&person={}&as_of={}",
        wrong["data"]["asset_id"].as_str().unwrap(),
        wrong["data"]["person_id"].as_str().unwrap(),
        wrong["effective_at"].as_str().unwrap().replace('+', "%2B"),
    );
    let seqs = |v: &Value| -> Vec<u64> {
        v["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["decided_seq"].as_u64().unwrap())
            .collect()
    };
    let before_fix = get(&app, &format!("{q}&known_at={}", c - 1)).await;
    let after_fix = get(&app, &format!("{q}&known_at={c}")).await;
    assert!(seqs(&before_fix).contains(&voided), "{before_fix}");
    assert!(!seqs(&after_fix).contains(&voided), "{after_fix}");

    // known_at beyond the head is a 400 naming it.
    let head = old["head"]["seq"].as_u64().unwrap();
    let res = app
        .get(
            &format!("/v1/organisation?known_at={}", head + 1000),
            &app.auditor,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "known_at");

    // An open security request is overdue the day after it is due.
    let requests = get(&app, "/v1/security-requests").await;
    let open = requests["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "open")
        .expect("the demo leaves a security request open")
        .clone();
    let after_due = date(&open["due"]).succ_opt().unwrap();
    let later = get(&app, &format!("/v1/security-requests?as_of={after_due}")).await;
    let same = later["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == open["id"])
        .unwrap();
    assert_eq!(same["overdue"], true, "{same}");

    // The list views come a page at a time: pages of 7 put together are the whole list in
    // one page, in order, and the page says the total and where the next one starts.
    for (path, member) in [("/v1/access", "grants"), ("/v1/audit", "findings")] {
        let pin = format!("as_of=2024-04-01&known_at={head}");
        let whole = get(&app, &format!("{path}?{pin}&limit=10000")).await;
        let total = whole["page"]["total"].as_u64().unwrap();
        assert_eq!(
            whole[member].as_array().unwrap().len() as u64,
            total,
            "{path}"
        );
        assert!(
            total > 14,
            "{path}: the demo has more than two pages of 7: {total}"
        );
        let mut pieced = Vec::new();
        let mut offset = Some(0);
        while let Some(o) = offset {
            let page = get(&app, &format!("{path}?{pin}&offset={o}&limit=7")).await;
            let items = page[member].as_array().unwrap();
            assert!(items.len() <= 7 && !items.is_empty(), "{path} at {o}");
            assert_eq!(page["page"]["offset"], o);
            assert_eq!(page["page"]["total"], total);
            pieced.extend(items.iter().cloned());
            offset = page["page"]["next_offset"].as_u64();
            assert_eq!(
                offset.is_none(),
                pieced.len() as u64 == total,
                "{path} at {o}"
            );
        }
        assert_eq!(&pieced, whole[member].as_array().unwrap(), "{path}");
        let first = get(&app, &format!("{path}?{pin}")).await;
        assert_eq!(first["page"]["limit"], 1000, "{path}: the default page");
        for bad in ["limit=0", "limit=10001", "limit=x", "offset=-1"] {
            let res = app
                .get(&format!("{path}?{bad}"), &app.auditor)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{path}?{bad}");
            let field = bad.split('=').next().unwrap();
            assert_eq!(
                res.json::<Value>().await.unwrap()["field"],
                field,
                "{path}?{bad}"
            );
        }
    }

    // Every view answers, as JSON and as CSV with a BOM, CRLF and JST times.
    for path in [
        "/v1/organisation",
        "/v1/assets",
        "/v1/assets/A01",
        "/v1/persons/P0001",
        "/v1/access",
        "/v1/modifications",
        "/v1/retirements",
        "/v1/security-requests",
        "/v1/meetings",
        "/v1/incidents",
        "/v1/audit",
    ] {
        let v = get(&app, &format!("{path}?as_of=2024-04-01")).await;
        assert!(v["head"]["hash"].as_str().unwrap().len() == 64, "{path}");
        let res = app
            .get(&format!("{path}?as_of=2024-04-01&format=csv"), &app.auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{path}");
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("\r\n"), "{path}");
        assert!(text.starts_with('\u{feff}'), "{path}");
    }
    let csv = app
        .get(
            "/v1/access?asset=A01&as_of=2023-04-01&format=csv",
            &app.auditor,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("+09:00"));
    assert!(!csv.contains("+00:00") && !csv.contains("Z,"));
    let missing = app
        .get("/v1/assets/A99", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The ETag names the head and the query.
    let res = app
        .get("/v1/organisation?as_of=2024-04-01", &app.auditor)
        .send()
        .await
        .unwrap();
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .get("/v1/organisation?as_of=2024-04-01", &app.auditor)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let other = app
        .get("/v1/organisation?as_of=2023-04-01", &app.auditor)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

/// A unit that takes users, from the organisation view.
async fn some_unit(app: &TestApp) -> String {
    let org = get(app, "/v1/organisation").await;
    org["units"][0]["id"].as_str().unwrap().to_owned()
}

fn register(person: &str, unit: &str, event_id: &str) -> String {
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

async fn admins_record_decisions_that_the_rules_accept_and_nothing_else(db: TestDb) {
    let app = genesis_app(&db).await;
    let unit = some_unit(&app).await;
    let tail = app.get("/v1/tail", &app.auditor).send().await.unwrap();
    assert_eq!(tail.status(), 200);
    let mut tail = SseReader::new(tail);

    // Accepted: 201 with the events, then visible in the views and on the live tail.
    let id = uuid::Uuid::now_v7().to_string();
    let body = register("P0100", &unit, &id);
    let res = app
        .post_json("/v1/commands/register_person", &app.admin, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["replayed"], false);
    let ev = &created["events"][0];
    assert_eq!(ev["type"], "person.registered.v1");
    assert_eq!(ev["id"], id.as_str());
    assert_eq!(ev["hash"].as_str().unwrap().len(), 64);
    let seq = ev["seq"].as_u64().unwrap();
    let person = get(&app, "/v1/persons/P0100").await;
    assert_eq!(person["name"], "試験 花子");
    assert_eq!(person["registered_seq"], seq);
    let live = tail.next().await;
    assert_eq!(live.id.as_deref(), Some(seq.to_string().as_str()));
    assert_eq!(live.event.as_deref(), Some("person.registered.v1"));
    let recorded = get(&app, &format!("/v1/events/{seq}")).await;
    assert_eq!(recorded["meta"]["actor"], "P0001");

    // The same event id and body: 200, the original events.
    let res = app
        .post_json("/v1/commands/register_person", &app.admin, &body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let replayed: Value = res.json().await.unwrap();
    assert_eq!(replayed["replayed"], true);
    assert_eq!(replayed["events"], created["events"]);

    // The same event id with another body: 409.
    let res = app
        .post_json(
            "/v1/commands/register_person",
            &app.admin,
            &register("P0101", &unit, &id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);

    // An admin without the regulation's role for the decision: 422 naming the article.
    let res = app
        .post_json(
            "/v1/commands/grant_permission",
            &app.admin,
            r#"{"person_id": "P0100", "asset_id": "A01", "scope": "照会", "effective_at": "2025-04-03"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["article"], "第5条第2項");
    assert!(p["rule"].as_str().unwrap().starts_with("permission."));
    assert!(p["detail"].as_str().unwrap().contains("第5条第2項"), "{p}");

    // Auditors may not, nobody without a token may not.
    let res = app
        .post_json(
            "/v1/commands/register_person",
            &app.auditor,
            &register("P0102", &unit, &uuid::Uuid::now_v7().to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(format!("{}/v1/commands/register_person", app.url))
        .header("content-type", "application/json")
        .body(register("P0102", &unit, &uuid::Uuid::now_v7().to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Unknown kind: 404. A wrong, unknown or missing field: 422 naming it.
    let res = app
        .post_json("/v1/commands/appoint_emperor", &app.admin, "{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    for (body, field) in [
        (
            json!({"person_id": "P0103", "name": 7, "unit_id": unit, "personnel_order": null}),
            "body.name",
        ),
        (
            json!({"person_id": "P0103", "name": "x", "unit_id": unit, "personnel_order": null, "colour": "red"}),
            "body.colour",
        ),
        (
            json!({"person_id": "P0103", "unit_id": unit, "personnel_order": null}),
            "body.name",
        ),
        (
            json!({"person_id": "P0103", "name": "x", "unit_id": unit, "personnel_order": null, "effective_at": "soon"}),
            "body.effective_at",
        ),
        (
            json!({"person_id": "P0103", "name": "x", "unit_id": unit, "personnel_order": null, "event_id": "nope"}),
            "body.event_id",
        ),
    ] {
        let res = app
            .post_json(
                "/v1/commands/register_person",
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
}

/// Runs the CLI; returns (success, stdout + stderr).
async fn run(args: &[&str]) -> (bool, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(BIN).args(args).output(),
    )
    .await
    .expect("the CLI took too long")
    .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn run_owned(args: Vec<String>) -> (bool, String) {
    let parts: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&parts).await
}

async fn text(app: &TestApp, method: reqwest::Method, path: &str) -> String {
    let res = app
        .client
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(&app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn record_people(app: &TestApp, unit: &str, ids: &[&str]) {
    for p in ids {
        let res = app
            .post_json(
                "/v1/commands/register_person",
                &app.admin,
                &register(p, unit, &uuid::Uuid::now_v7().to_string()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
}

async fn proofs_verify_in_the_real_client_and_a_changed_checkpoint_fails(db: TestDb) {
    let app = genesis_app(&db).await;
    let unit = some_unit(&app).await;
    let dir = key_dir();
    let file = |name: &str| dir.path().join(name);
    let s = |p: &Path| p.display().to_string();

    // The public key needs no token.
    let res = app
        .client
        .get(format!("{}/v1/public-key", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    std::fs::write(file("pub.vkey"), res.text().await.unwrap()).unwrap();

    // An auditor may ask for a checkpoint; keep it.
    let cp1 = text(&app, reqwest::Method::POST, "/v1/checkpoint").await;
    std::fs::write(file("cp1.txt"), &cp1).unwrap();
    let size1: u64 = cp1.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(
        text(
            &app,
            reqwest::Method::GET,
            &format!("/v1/checkpoints/{size1}")
        )
        .await,
        cp1
    );
    let beyond = app
        .get(&format!("/v1/checkpoints/{}", size1 + 100), &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 404);

    let common = |cmd: &'static str| {
        vec![
            "proof".to_owned(),
            cmd.to_owned(),
            "--url".to_owned(),
            app.url.clone(),
            "--token".to_owned(),
            app.auditor.clone(),
            "--key".to_owned(),
            s(&file("pub.vkey")),
        ]
    };

    // Inclusion of an event in the kept checkpoint.
    let mut inc = common("inclusion");
    inc.extend([
        "--checkpoint".into(),
        s(&file("cp1.txt")),
        "--seq".into(),
        "3".into(),
    ]);
    let (ok, out) = run_owned(inc).await;
    assert!(ok, "{out}");

    // More decisions, a new checkpoint: the log still extends the kept one; keep the new one.
    record_people(&app, &unit, &["P0200", "P0201"]).await;
    text(&app, reqwest::Method::POST, "/v1/checkpoint").await;
    let mut cons = common("consistency");
    cons.extend([
        "--checkpoint".into(),
        s(&file("cp1.txt")),
        "--save".into(),
        s(&file("cp2.txt")),
    ]);
    let (ok, out) = run_owned(cons).await;
    assert!(ok, "{out}");
    let cp2 = std::fs::read_to_string(file("cp2.txt")).unwrap();
    assert!(cp2.lines().nth(1).unwrap().parse::<u64>().unwrap() > size1);

    record_people(&app, &unit, &["P0202"]).await;
    text(&app, reqwest::Method::POST, "/v1/checkpoint").await;
    let mut cons = common("consistency");
    cons.extend(["--checkpoint".into(), s(&file("cp2.txt"))]);
    let (ok, out) = run_owned(cons).await;
    assert!(ok, "{out}");

    // A kept checkpoint with one byte changed, or signed by another log's key: refused.
    let mut bytes = cp2.clone().into_bytes();
    let root_line_start = cp2.lines().take(2).map(|l| l.len() + 1).sum::<usize>();
    bytes[root_line_start] = if bytes[root_line_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    std::fs::write(file("changed.txt"), &bytes).unwrap();
    let other_key = new_key(dir.path());
    let other = govledger::checkpoint::read_signer_key(&other_key).unwrap();
    let forged = govledger::checkpoint::Checkpoint {
        origin: cp2.lines().next().unwrap().to_owned(),
        size: cp2.lines().nth(1).unwrap().parse().unwrap(),
        root: govledger_schema::Digest32::of(b"another history"),
        extensions: Vec::new(),
    }
    .sign(&other)
    .unwrap();
    std::fs::write(file("forged.txt"), forged).unwrap();
    for bad in ["changed.txt", "forged.txt"] {
        let mut cons = common("consistency");
        cons.extend(["--checkpoint".into(), s(&file(bad))]);
        let (ok, out) = run_owned(cons).await;
        assert!(!ok, "{bad} was accepted: {out}");
    }

    // Export, checkpoint and key from the server verify offline, in our CLI and in Python.
    let export = text(&app, reqwest::Method::GET, "/v1/export.jsonl").await;
    std::fs::write(file("export.jsonl"), export).unwrap();
    let latest = text(&app, reqwest::Method::GET, "/v1/checkpoint").await;
    std::fs::write(file("latest.txt"), latest).unwrap();
    let (ok, out) = run(&[
        "verify",
        "--file",
        &s(&file("export.jsonl")),
        "--checkpoint",
        &s(&file("latest.txt")),
        "--key",
        &s(&file("pub.vkey")),
    ])
    .await;
    assert!(ok, "{out}");
    let py = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent_verify.py"))
        .args([file("export.jsonl"), file("latest.txt"), file("pub.vkey")])
        .output()
        .expect("python3 runs the independent verifier");
    assert!(
        py.status.success(),
        "{}{}",
        String::from_utf8_lossy(&py.stdout),
        String::from_utf8_lossy(&py.stderr)
    );

    // Proof JSON as documented.
    let p = get(&app, "/v1/proof/inclusion?seq=2&size=3").await;
    assert_eq!(
        (p["seq"].as_u64(), p["leaf_index"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(p["tree_size"], 3);
    assert!(p["body"].as_str().unwrap().contains("\"seq\":2"));
    let c = get(&app, "/v1/proof/consistency?from=2&to=3").await;
    assert_eq!(
        (c["size1"].as_u64(), c["size2"].as_u64()),
        (Some(2), Some(3))
    );
    let bad = app
        .get("/v1/proof/inclusion?seq=9&size=3", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// Two servers on one PostgreSQL: a decision through one is in the other's views at once, and
/// two conflicting decisions sent to both at the same time are accepted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgresql_converge_and_never_both_accept_a_conflict() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let a = genesis_app(&db).await;
    let b = another_server(&a).await;
    let unit = some_unit(&a).await;

    record_people(&a, &unit, &["P0300"]).await;
    let start = Instant::now();
    loop {
        let res = b.get("/v1/persons/P0300", &b.auditor).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_millis(1500),
            "server B did not see the decision in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for round in 0..3 {
        let person = format!("P04{round:02}");
        let send = |app: &TestApp| {
            app.post_json(
                "/v1/commands/register_person",
                &app.admin,
                &register(&person, &unit, &uuid::Uuid::now_v7().to_string()),
            )
            .send()
        };
        let (ra, rb) = tokio::join!(send(&a), send(&b));
        let mut statuses = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 422], "round {round}");
    }
}

/// The server refuses a signing key that others can read, in one line naming it.
#[tokio::test]
async fn serve_refuses_a_key_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite();
    let dir = key_dir();
    let key = new_key(dir.path());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--key-file"])
            .arg(&key)
            .env("GOVLEDGER_DB", &db.url)
            .output(),
    )
    .await
    .expect("serve should exit at once")
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&key.display().to_string()), "{stderr}");
}

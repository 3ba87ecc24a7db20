//! Who may admit a person to the ledger (issue or revoke a token): the system administrator
//! (第4条第1項), to a person the ledger knows at the time of issue; the ledger's first admin
//! token by the operator's recorded bootstrap. Through the real binary and the real server, on
//! both backends; every refusal names the rule and article and records nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use serde_json::{Value, json};
use support::TestDb;
use support::http::{BIN, SseReader, TestApp, WAIT, cli, key_dir, start_server};

on_both_backends!(
    the_cli_issues_and_revokes_only_as_the_system_administrator_after_a_recorded_bootstrap,
    over_http_only_the_system_administrator_issues_and_only_to_a_person_the_ledger_knows,
);

/// Runs the CLI; returns (exit code, stdout, stderr).
async fn run(db_url: &str, args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new(BIN)
            .args(args)
            .env("GOVLEDGER_DB", db_url)
            .env_remove("GOVLEDGER_ACTOR")
            .output(),
    )
    .await
    .expect("CLI timed out")
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `govledger init` (P0001 the system administrator, effective 2025-04-01); returns the key.
async fn init(db: &TestDb) -> (std::sync::Arc<tempfile::TempDir>, std::path::PathBuf) {
    let dir = key_dir();
    let key = dir.path().join("ledger.key");
    support::http::init_ledger(&db.url, &key).await;
    (dir, key)
}

/// What the ledger holds now: the head and the token rows (never their secrets).
async fn ledger_now(db_url: &str) -> (String, String) {
    let head = cli(db_url, &["verify"]).await;
    let tokens = cli(db_url, &["token", "list"]).await;
    (head, tokens)
}

/// `token issue` refused: exit 2, one line naming the rule and the article, nothing recorded.
async fn refused_cli(db_url: &str, args: &[&str], rule: &str, article: &str) {
    let before = ledger_now(db_url).await;
    let (code, stdout, stderr) = run(db_url, args).await;
    assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
    assert!(stdout.is_empty(), "{args:?}: no token printed: {stdout}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&format!("{article}に反する ({rule})")),
        "{args:?}: {stderr}"
    );
    assert_eq!(
        ledger_now(db_url).await,
        before,
        "{args:?}: nothing recorded"
    );
}

/// The last event on the `tokens` stream, as the server shows it.
async fn last_token_event(app: &TestApp) -> Value {
    let page = app.get_json("/v1/streams/tokens?limit=1000").await;
    page["events"].as_array().unwrap().last().unwrap().clone()
}

/// Records a decision through the server as `token`'s person; returns the first event.
async fn decide(app: &TestApp, token: &str, kind: &str, body: Value) -> Value {
    let res = app
        .post_json(&format!("/v1/commands/{kind}"), token, &body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{kind}: {body}");
    body["events"][0].clone()
}

/// Registers `person` (P0001 deciding), effective 2025-05-01.
async fn register(app: &TestApp, admin: &str, person: &str) -> Value {
    decide(
        app,
        admin,
        "register_person",
        json!({"person_id": person, "name": format!("{person} 氏"), "unit_id": "HW-GA-SYS",
               "effective_at": "2025-05-01"}),
    )
    .await
}

/// Voids `person`'s registration with a correction: the ledger no longer knows them (no event
/// says that a person left; this is how one stops being a person of the ledger).
async fn void_registration(app: &TestApp, admin: &str, registered: &Value) {
    decide(
        app,
        admin,
        "correct",
        json!({"corrects_seq": registered["seq"], "corrects_event_id": registered["id"],
               "reason": "登録の誤り", "effective_at": "2025-05-02"}),
    )
    .await;
}

async fn the_cli_issues_and_revokes_only_as_the_system_administrator_after_a_recorded_bootstrap(
    db: TestDb,
) {
    let (dir, key) = init(&db).await;
    let url = db.url.as_str();
    let issue = |person: &'static str, role: &'static str, by: &'static [&'static str]| {
        let mut args = vec!["token", "issue", "--person", person, "--role", role];
        args.extend_from_slice(by);
        args
    };
    // Before any admin token: nobody is named, so no actor but the bootstrap can issue.
    refused_cli(
        url,
        &issue("P9999", "admin", &["--actor", "NOBODY"]),
        "token.person_unknown",
        "記録の原則",
    )
    .await;
    refused_cli(
        url,
        &issue("P0001", "admin", &["--actor", "NOBODY"]),
        "actor.unknown",
        "記録の原則",
    )
    .await;
    refused_cli(
        url,
        &issue("P0001", "auditor", &["--bootstrap"]),
        "token.bootstrap_not_admin",
        "記録の原則",
    )
    .await;

    // The bootstrap: the first admin token, to the system administrator, recorded as such.
    let (code, stdout, stderr) = run(url, &issue("P0001", "admin", &["--bootstrap"])).await;
    assert_eq!(code, 0, "{stderr}");
    let admin = stdout.trim().to_owned();
    let app = start_server(url, &key, Some(dir), admin.clone(), admin.clone()).await;
    let boot = last_token_event(&app).await;
    assert_eq!(boot["type"], "token.issued.v1");
    assert_eq!(boot["meta"]["actor"], "P0001");
    assert_eq!(boot["meta"]["basis"], "第4条第1項");
    assert_eq!(boot["data"]["person"], "P0001");
    assert_eq!(boot["data"]["role"], "admin");
    assert_eq!(boot["data"]["bootstrap"], true, "{boot}");

    // An admin token is live: the bootstrap is closed.
    refused_cli(
        url,
        &issue("P0001", "admin", &["--bootstrap"]),
        "token.bootstrap_closed",
        "記録の原則",
    )
    .await;

    register(&app, &admin, "P0100").await;
    let gone = register(&app, &admin, "P0200").await;
    void_registration(&app, &admin, &gone).await;
    // Not the system administrator; a person the ledger no longer knows; nobody at all.
    refused_cli(
        url,
        &issue("P0100", "auditor", &["--actor", "P0100"]),
        "token.not_administrator",
        "第4条第1項",
    )
    .await;
    refused_cli(
        url,
        &issue("P0200", "auditor", &["--actor", "P0001"]),
        "token.person_unknown",
        "記録の原則",
    )
    .await;
    refused_cli(
        url,
        &issue("P0100", "auditor", &["--actor", "P0200"]),
        "actor.unknown",
        "記録の原則",
    )
    .await;
    refused_cli(
        url,
        &issue("P9999", "auditor", &["--actor", "P0001"]),
        "token.person_unknown",
        "記録の原則",
    )
    .await;

    // Accepted: the system administrator admits a person the ledger knows.
    let (code, stdout, stderr) = run(url, &issue("P0100", "auditor", &["--actor", "P0001"])).await;
    assert_eq!(code, 0, "{stderr}");
    let reader = stdout.trim().to_owned();
    assert_eq!(
        app.get("/v1/head", &reader).send().await.unwrap().status(),
        200
    );
    let issued = last_token_event(&app).await;
    assert_eq!(issued["meta"]["actor"], "P0001");
    assert_eq!(issued["meta"]["basis"], "第4条第1項");
    assert_eq!(issued["data"]["person"], "P0100");
    assert_eq!(issued["data"].get("bootstrap"), None, "{issued}");

    // Revoking needs the same authority.
    let id = reader.split('_').nth(1).unwrap();
    for (actor, rule, article) in [
        ("P0100", "token.not_administrator", "第4条第1項"),
        ("NOBODY", "actor.unknown", "記録の原則"),
    ] {
        refused_cli(
            url,
            &["token", "revoke", "--id", id, "--actor", actor],
            rule,
            article,
        )
        .await;
    }
    assert_eq!(
        app.get("/v1/head", &reader).send().await.unwrap().status(),
        200
    );
    let (code, _, stderr) = run(url, &["token", "revoke", "--id", id, "--actor", "P0001"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        app.get("/v1/head", &reader).send().await.unwrap().status(),
        401
    );
    let revoked = last_token_event(&app).await;
    assert_eq!(revoked["type"], "token.revoked.v1");
    assert_eq!(revoked["meta"]["actor"], "P0001");
    assert_eq!(revoked["meta"]["basis"], "第4条第1項");
}

async fn over_http_only_the_system_administrator_issues_and_only_to_a_person_the_ledger_knows(
    db: TestDb,
) {
    let (dir, key) = init(&db).await;
    let url = db.url.as_str();
    let admin = cli(
        url,
        &[
            "token",
            "issue",
            "--person",
            "P0001",
            "--role",
            "admin",
            "--bootstrap",
        ],
    )
    .await
    .trim()
    .to_owned();
    let app = start_server(url, &key, Some(dir), admin.clone(), admin.clone()).await;
    register(&app, &admin, "P0100").await;
    let gone = register(&app, &admin, "P0200").await;
    // Admin tokens for P0100 (no role) and P0200, issued before P0200 stops being known.
    let issue_cli = |person: &'static str| async move {
        cli(
            url,
            &[
                "token", "issue", "--person", person, "--role", "admin", "--actor", "P0001",
            ],
        )
        .await
        .trim()
        .to_owned()
    };
    let plain = issue_cli("P0100").await;
    let former = issue_cli("P0200").await;
    void_registration(&app, &admin, &gone).await;

    let post = |token: &str, person: &str| {
        app.post_json(
            "/v1/tokens",
            token,
            &json!({"person": person, "role": "auditor"}).to_string(),
        )
        .send()
    };
    let refused =
        |token: String, person: &'static str, rule: &'static str, article: &'static str| {
            let app = &app;
            let post = &post;
            async move {
                let head = app.get_json("/v1/head").await;
                let tokens = cli(url, &["token", "list"]).await;
                let res = post(&token, person).await.unwrap();
                assert_eq!(res.status(), 422, "{person} by {rule}");
                assert_eq!(res.headers()["content-type"], "application/problem+json");
                let p: Value = res.json().await.unwrap();
                assert_eq!(p["rule"], rule, "{p}");
                assert_eq!(p["article"], article, "{p}");
                assert_eq!(
                    app.get_json("/v1/head").await,
                    head,
                    "nothing recorded: {p}"
                );
                assert_eq!(cli(url, &["token", "list"]).await, tokens, "no token row");
            }
        };
    refused(admin.clone(), "P9999", "token.person_unknown", "記録の原則").await;
    refused(admin.clone(), "P0200", "token.person_unknown", "記録の原則").await;
    refused(
        plain.clone(),
        "P0100",
        "token.not_administrator",
        "第4条第1項",
    )
    .await;
    refused(former.clone(), "P0100", "actor.unknown", "記録の原則").await;

    // Accepted: the calling token's person, the system administrator, is the actor; the issue
    // reaches a live tail at once.
    let tail = app.get("/v1/tail", &admin).send().await.unwrap();
    let mut tail = SseReader::new(tail);
    let res = post(&admin, "P0100").await.unwrap();
    assert_eq!(res.status(), 201);
    let issued: Value = res.json().await.unwrap();
    let live = tokio::time::timeout(WAIT, tail.next()).await.unwrap();
    assert_eq!(live.id.as_deref(), Some(issued["seq"].to_string().as_str()));
    let recorded = app.get_json(&format!("/v1/events/{}", issued["seq"])).await;
    assert_eq!(recorded["type"], "token.issued.v1");
    assert_eq!(recorded["meta"]["actor"], "P0001");
    assert_eq!(recorded["meta"]["basis"], "第4条第1項");
    assert_eq!(
        recorded["data"],
        json!({"token_id": issued["id"], "person": "P0100", "role": "auditor"})
    );
    let token = issued["token"].as_str().unwrap();
    assert_eq!(
        app.get("/v1/head", token).send().await.unwrap().status(),
        200
    );
}

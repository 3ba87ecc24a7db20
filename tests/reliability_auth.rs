//! Failed authentication is rate limited per client, and secrets never reach the log.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::time::Duration;

use govledger::http::auth::FAILED_AUTH_BURST;
use serde_json::Value;
use support::TestDb;
use support::http::{TestApp, spawn_app};

on_both_backends!(
    many_bad_tokens_from_one_client_get_429_with_retry_after_until_the_allowance_refills,
    token_secrets_and_the_signing_key_never_appear_in_the_log,
);

async fn status_of(app: &TestApp, token: &str) -> reqwest::Response {
    app.get("/v1/head", token).send().await.unwrap()
}

async fn many_bad_tokens_from_one_client_get_429_with_retry_after_until_the_allowance_refills(
    db: TestDb,
) {
    let app = spawn_app(&db).await;
    assert_eq!(status_of(&app, &app.auditor).await.status(), 200);
    // The first FAILED_AUTH_BURST guesses are 401; then 429 (a few more 401s are allowed when
    // a loaded machine is slow enough for the allowance to refill meanwhile).
    let mut unauthorized = 0;
    let res = loop {
        let res = status_of(&app, &format!("glt_0123456789abcdef_guess{unauthorized}")).await;
        if res.status() != 401 {
            break res;
        }
        unauthorized += 1;
        assert!(unauthorized <= FAILED_AUTH_BURST + 10, "never limited");
    };
    assert!(
        unauthorized >= FAILED_AUTH_BURST,
        "limited after {unauthorized}"
    );
    // The allowance is spent: 429 problem+json with Retry-After, before any token check.
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["status"], 429);
    // A good token from the same client waits too (it would otherwise tell a guesser that it
    // guessed right); requests without a token and public routes are not limited.
    let good = status_of(&app, &app.auditor).await.status();
    assert_eq!(good, 429, "a good token while blocked");
    let bare = app
        .client
        .get(format!("{}/v1/head", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // After Retry-After, the good token works again.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    assert_eq!(status_of(&app, &app.auditor).await.status(), 200);
}

async fn token_secrets_and_the_signing_key_never_appear_in_the_log(db: TestDb) {
    let first = spawn_app(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // A second server on the same ledger, logging at debug level to a file.
    let app = first.on_url(&first.db_url, Some(&log)).await;

    let res = app
        .post_json(
            "/v1/tokens",
            &app.admin,
            r#"{"person": "P0300", "role": "auditor"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let issued: Value = res.json().await.unwrap();
    let new_secret = issued["token"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("glt_"), "{issued}");
    assert_eq!(status_of(&app, &new_secret).await.status(), 200);
    assert_eq!(status_of(&app, &app.admin).await.status(), 200);
    // A wrong secret for a real token id, and a garbage one.
    let (id, _) = new_secret["glt_".len()..].split_once('_').unwrap();
    let wrong = format!("glt_{id}_wrongsecretwrongsecretwrongsecret");
    assert_eq!(status_of(&app, &wrong).await.status(), 401);
    assert_eq!(status_of(&app, "not-a-token-at-all").await.status(), 401);
    let res = app
        .post_json("/v1/commands/register_person", &app.auditor, "{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    drop(app); // killed: the log is complete up to here

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("/v1/tokens") && text.contains("/v1/head"),
        "the log records the requests: {text}"
    );
    // `glt_<16 hex id>_<secret>`; the id may be logged, the secret not.
    let secret_part = |t: &str| {
        t.get("glt_0123456789abcdef_".len()..)
            .unwrap_or(t)
            .to_owned()
    };
    for secret in [
        &first.admin,
        &first.auditor,
        &new_secret,
        &wrong,
        &"not-a-token-at-all".to_owned(),
    ] {
        assert!(!text.contains(secret.as_str()), "a token is in the log");
        assert!(
            !text.contains(&secret_part(secret)),
            "a token's secret is in the log"
        );
    }
    let key = std::fs::read_to_string(&first.key_file).unwrap();
    // `PRIVATE+KEY+<name>+<key id>+<base64 key>` (base64 may itself hold `+`).
    let private = key.trim().splitn(5, '+').nth(4).unwrap();
    assert!(private.len() > 40, "unexpected key file format");
    assert!(!text.contains(private), "the signing key is in the log");
    assert!(
        !text.contains(&private[..20]),
        "the signing key is in the log"
    );
}

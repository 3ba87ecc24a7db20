//! Failed authentication is rate limited per client, secrets never reach the log, and an admin
//! token decides only what its person may decide under the regulation, through HTTP.
//!
//! The rest of the authentication matrix (no token, a malformed header, an unknown, wrong or
//! revoked token, an auditor writing) is `tests/http_api.rs` `the_auth_matrix_is_enforced`
//! and `tests/http_api/ledger_api.rs` `admins_record_decisions_that_the_rules_accept_and_nothing_else`
//! (an auditor and no token on a command); it is not repeated here.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use govledger::http::auth::FAILED_AUTH_BURST;
use serde_json::{Value, json};
use support::TestDb;
use support::http::{TestApp, cli, demo_app, genesis_app, issue_token, spawn_app};

on_both_backends!(
    many_bad_tokens_from_one_client_get_429_with_retry_after_until_the_allowance_refills,
    token_secrets_and_the_signing_key_never_appear_in_the_log,
    admin_tokens_decide_only_within_their_persons_role_and_bureau,
    a_revoked_admin_token_decides_nothing_even_after_it_decided_before,
    a_token_row_and_its_event_commit_together_or_not_at_all,
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
    let first = genesis_app(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // A second server on the same ledger, logging at debug level to a file.
    let app = first.on_url(&first.db_url, Some(&log)).await;

    let res = app
        .post_json(
            "/v1/tokens",
            &app.admin,
            r#"{"person": "P0001", "role": "auditor"}"#,
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

/// The date every decision below takes effect: inside the demo's last fiscal year.
const AT: &str = "2025-12-01";

/// One asset of the demo's annex as of [`AT`].
#[derive(Debug)]
struct Asset {
    id: String,
    bureau: String,
    supervisor_post: String,
    /// (officer post, its holder).
    officers: Vec<(String, String)>,
}

impl Asset {
    fn held_by(&self, person: &str) -> bool {
        self.officers.iter().any(|(_, h)| h == person)
    }
}

/// Who is who in the demo ledger on [`AT`], found through the API (not hard-coded, so the test
/// follows the demo script).
#[derive(Debug)]
struct Cast {
    /// X: an information management officer of `own` (bureau A) and not of `touched` (also
    /// bureau A) nor of `other` (bureau B).
    x: String,
    own: String,
    touched: String,
    /// Z: an officer of `touched`, not X.
    z: String,
    /// Y: an officer of `other` (bureau B), neither X nor Z.
    y: String,
    other: String,
    bureau_a: String,
    /// The supervisors of bureau A and of bureau B.
    sup_a: String,
    sup_b: String,
    /// Registered users who hold no post: one to be granted use, one acting as an admin.
    user: String,
    nobody: String,
    unit: String,
}

async fn cast(app: &TestApp) -> Cast {
    let assets = app.get_json(&format!("/v1/assets?as_of={AT}")).await;
    let org = app.get_json(&format!("/v1/organisation?as_of={AT}")).await;
    let holder = |post: &str| {
        org["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == post)
            .and_then(|p| p["holder"]["person_id"].as_str())
            .map(str::to_owned)
    };
    let assets: Vec<Asset> = assets["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["retired"].is_null())
        .map(|a| Asset {
            id: a["id"].as_str().unwrap().to_owned(),
            bureau: a["bureau"].as_str().unwrap().to_owned(),
            supervisor_post: a["supervisor_post_id"].as_str().unwrap().to_owned(),
            officers: a["officers"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|o| {
                    let post = o["post_id"].as_str()?.to_owned();
                    let person = o["holder"]["person_id"].as_str()?.to_owned();
                    Some((post, person))
                })
                .collect(),
        })
        .collect();
    let mut found = None;
    'search: for own in &assets {
        for (_, x) in &own.officers {
            for touched in assets.iter().filter(|t| t.bureau == own.bureau) {
                if touched.held_by(x) {
                    continue;
                }
                let Some((_, z)) = touched.officers.iter().find(|(_, h)| h != x) else {
                    continue;
                };
                for other in assets.iter().filter(|o| o.bureau != own.bureau) {
                    if other.held_by(x) || other.held_by(z) {
                        continue;
                    }
                    if let Some((_, y)) = other.officers.first() {
                        found = Some((own, x.clone(), touched, z.clone(), other, y.clone()));
                        break 'search;
                    }
                }
            }
        }
    }
    let (own, x, touched, z, other, y) = found.expect("two bureaus with officers in the demo");
    let users: Vec<(String, String)> = org["persons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["roles"]
                .as_array()
                .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r["role"] == "user"))
        })
        .map(|p| {
            (
                p["person_id"].as_str().unwrap().to_owned(),
                p["unit_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let access = app
        .get_json(&format!("/v1/access?asset={}&as_of={AT}", own.id))
        .await;
    let granted: BTreeSet<&str> = access["grants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["person_id"].as_str())
        .collect();
    let (user, _) = users
        .iter()
        .find(|(p, _)| !granted.contains(p.as_str()))
        .expect("a user without a grant on the asset")
        .clone();
    let (nobody, unit) = users
        .iter()
        .find(|(p, _)| *p != user)
        .expect("a second user")
        .clone();
    Cast {
        sup_a: holder(&own.supervisor_post).expect("bureau A has a supervisor"),
        sup_b: holder(&other.supervisor_post).expect("bureau B has a supervisor"),
        bureau_a: own.bureau.clone(),
        x,
        own: own.id.clone(),
        touched: touched.id.clone(),
        z,
        y,
        other: other.id.clone(),
        user,
        nobody,
        unit,
    }
}

async fn command(app: &TestApp, token: &str, kind: &str, body: &Value) -> (u16, Value) {
    let res = app
        .post_json(&format!("/v1/commands/{kind}"), token, &body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status >= 400 {
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{kind}"
        );
    }
    (status, res.json().await.unwrap())
}

/// Refused with 422 naming `rule` and `article` (in the detail too); nothing recorded.
async fn assert_refused(
    app: &TestApp,
    who: &str,
    token: &str,
    kind: &str,
    body: Value,
    rule: &str,
    article: &str,
) {
    let head = app.get_json("/v1/head").await;
    let (status, p) = command(app, token, kind, &body).await;
    assert_eq!(status, 422, "{who} {kind} {body}: {p}");
    assert_eq!(p["rule"], rule, "{who} {kind} {body}: {p}");
    assert_eq!(p["article"], article, "{who} {kind} {body}: {p}");
    assert!(
        p["detail"].as_str().unwrap().contains(article),
        "{who} {kind}: {p}"
    );
    assert_eq!(
        app.get_json("/v1/head").await,
        head,
        "{who} {kind}: nothing recorded"
    );
}

/// Accepted (201) and recorded with `actor` as the deciding person. Returns the events.
async fn assert_accepted(
    app: &TestApp,
    actor: &str,
    token: &str,
    kind: &str,
    body: Value,
    event_type: &str,
) -> Value {
    let (status, created) = command(app, token, kind, &body).await;
    assert_eq!(status, 201, "{actor} {kind} {body}: {created}");
    let event = &created["events"][0];
    assert_eq!(event["type"], event_type, "{created}");
    let recorded = app.get_json(&format!("/v1/events/{}", event["seq"])).await;
    assert_eq!(recorded["meta"]["actor"], actor, "{recorded}");
    assert_eq!(recorded["meta"]["acting_for"], Value::Null, "{recorded}");
    created["events"].clone()
}

async fn admin_tokens_decide_only_within_their_persons_role_and_bureau(db: TestDb) {
    let app = demo_app(&db).await;
    let c = cast(&app).await;
    eprintln!("{c:?}");
    let token = |person: String| {
        let url = db.url.clone();
        async move { issue_token(&url, &person, "admin").await }
    };
    let x = token(c.x.clone()).await;
    let y = token(c.y.clone()).await;
    let z = token(c.z.clone()).await;
    let sup_a = token(c.sup_a.clone()).await;
    let sup_b = token(c.sup_b.clone()).await;
    let nobody = token(c.nobody.clone()).await;
    let head = app.get_json("/v1/head").await;

    let grant = |asset: &str| json!({"person_id": c.user, "asset_id": asset, "scope": "照会", "effective_at": AT});
    let propose = |assets: &[&str]| {
        json!({"title": "画面項目の追加", "description": "入力項目を一つ追加する", "asset_ids": assets,
               "touches_common_parts": false, "effective_at": AT})
    };

    // Out of role: an admin token whose person is only a user (no post, no designation).
    let who = "a user with an admin token";
    assert_refused(
        &app,
        who,
        &nobody,
        "grant_permission",
        grant(&c.own),
        "permission.not_officer",
        "第5条第2項",
    )
    .await;
    assert_refused(
        &app,
        who,
        &nobody,
        "propose_modification",
        propose(&[&c.own]),
        "modification.not_officer",
        "第6条第1項第1号",
    )
    .await;
    let register =
        json!({"person_id": "P9990", "name": "新任 太郎", "unit_id": c.unit, "effective_at": AT});
    assert_refused(
        &app,
        who,
        &nobody,
        "register_person",
        register,
        "organisation.not_authorised",
        "辞令",
    )
    .await;
    let directive =
        json!({"title": "周知", "body": "本文", "bureau": c.bureau_a, "effective_at": AT});
    assert_refused(
        &app,
        who,
        &nobody,
        "issue_directive",
        directive.clone(),
        "supervisor.required",
        "第13条",
    )
    .await;

    // Out of bureau: the officer of bureau A's asset deciding on bureau B's asset.
    let who = "bureau A's officer";
    assert_refused(
        &app,
        who,
        &x,
        "grant_permission",
        grant(&c.other),
        "permission.not_officer",
        "第5条第2項",
    )
    .await;
    assert_refused(
        &app,
        who,
        &x,
        "propose_modification",
        propose(&[&c.other]),
        "modification.not_officer",
        "第6条第1項第1号",
    )
    .await;
    let notice = json!({"asset_ids": [c.other], "affected_asset_ids": [], "reason": "更新のため",
                        "planned_stop": "2026-03-31", "effective_at": AT});
    assert_refused(
        &app,
        who,
        &x,
        "notice_retirement",
        notice,
        "retirement.not_officer",
        "第7条第1項第1号",
    )
    .await;
    // And bureau B's supervisor directing bureau A.
    assert_refused(
        &app,
        "bureau B's supervisor",
        &sup_b,
        "issue_directive",
        directive.clone(),
        "supervisor.out_of_scope",
        "第3条第1項",
    )
    .await;
    assert_eq!(app.get_json("/v1/head").await, head, "nothing was recorded");

    // The same officer on their own bureau's asset: accepted, with the token's person as actor.
    assert_accepted(
        &app,
        &c.x,
        &x,
        "grant_permission",
        grant(&c.own),
        "permission.granted.v1",
    )
    .await;
    let proposed = assert_accepted(
        &app,
        &c.x,
        &x,
        "propose_modification",
        propose(&[&c.own, &c.touched]),
        "modification.proposed.v1",
    )
    .await;
    let modification = proposed[0]["stream"]
        .as_str()
        .unwrap()
        .strip_prefix("modification/")
        .unwrap()
        .to_owned();
    assert_accepted(
        &app,
        &c.sup_a,
        &sup_a,
        "issue_directive",
        directive,
        "directive.issued.v1",
    )
    .await;

    // The modification touches `touched`, whose officer Z must approve (第6条第2項): bureau
    // B's officer may not, nor may bureau B's supervisor consent (第3条第1項); Z and bureau
    // A's supervisor may.
    let approve = json!({"modification_id": modification, "effective_at": AT});
    assert_refused(
        &app,
        "bureau B's officer",
        &y,
        "approve_modification",
        approve.clone(),
        "modification.approver_not_concerned",
        "第6条第2項",
    )
    .await;
    assert_refused(
        &app,
        "a user with an admin token",
        &nobody,
        "approve_modification",
        approve.clone(),
        "modification.approver_not_concerned",
        "第6条第2項",
    )
    .await;
    let consent = json!({"modification_id": modification, "effective_at": AT});
    assert_refused(
        &app,
        "bureau B's supervisor",
        &sup_b,
        "consent_to_modification",
        consent.clone(),
        "supervisor.out_of_scope",
        "第3条第1項",
    )
    .await;
    assert_accepted(
        &app,
        &c.z,
        &z,
        "approve_modification",
        approve,
        "modification.approved.v1",
    )
    .await;
    assert_accepted(
        &app,
        &c.sup_a,
        &sup_a,
        "consent_to_modification",
        consent,
        "modification.consented.v1",
    )
    .await;
}

/// A decision's token is known to the server after its first use (its person, role and secret
/// do not change); its revocation is checked when the decision is taken. Revoked from another
/// process (the CLI), the token decides nothing more, at once, whether the server has seen it
/// before or not.
async fn a_revoked_admin_token_decides_nothing_even_after_it_decided_before(db: TestDb) {
    let app = genesis_app(&db).await;
    // Two more admin tokens of the system administrator P0001.
    let used = issue_token(&db.url, "P0001", "admin").await;
    let unseen = issue_token(&db.url, "P0001", "admin").await;
    let directive = |n: u32| {
        json!({"title": format!("周知 {n}"), "body": "本文", "bureau": null,
               "effective_at": "2025-12-01"})
        .to_string()
    };
    let post = |token: &str, n: u32| {
        app.post_json("/v1/commands/issue_directive", token, &directive(n))
            .send()
    };
    let res = post(&used, 1).await.unwrap();
    // Accepted as authenticated (P0001 deputising for the supervisor: 201).
    assert_ne!(res.status(), 401, "{}", res.text().await.unwrap());
    let head = app.get_json("/v1/head").await;

    for token in [&used, &unseen] {
        let id = token.split('_').nth(1).unwrap();
        cli(
            &db.url,
            &["token", "revoke", "--id", id, "--actor", "P0001"],
        )
        .await;
    }
    // The revocations are events too, so the head moved by two.
    let after = app.get_json("/v1/head").await;
    assert_eq!(after["seq"], head["seq"].as_u64().unwrap() + 2);
    for (who, token) in [("used before", &used), ("never seen", &unseen)] {
        let res = post(token, 2).await.unwrap();
        assert_eq!(res.status(), 401, "{who}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert!(
            p["detail"].as_str().unwrap_or_default().contains("revoked"),
            "{who}: {p}"
        );
        assert_eq!(
            app.get_json("/v1/head").await,
            after,
            "{who}: nothing recorded"
        );
        assert_eq!(
            status_of(&app, token).await.status(),
            401,
            "{who}: reads too"
        );
    }
    // The admin token that was not revoked still decides.
    let res = post(&app.admin, 3).await.unwrap();
    assert_ne!(res.status(), 401);
}

async fn exec(store: &govledger::store::Store, sql: &str) {
    support::raw_sql(store, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn token_rows(store: &govledger::store::Store) -> Vec<(String, Option<i64>)> {
    let sql = "SELECT id, revoked_at_us FROM tokens ORDER BY id";
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        (_, Some(p)) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        _ => unreachable!(),
    }
}

/// Issuing or revoking a token writes its row and its event in one transaction: when the event
/// cannot be written (here a trigger refuses it, as a failing disk would) and the database then
/// refuses every other change too, no token works without its issuance on the ledger and no
/// revocation is in force without its event.
async fn a_token_row_and_its_event_commit_together_or_not_at_all(db: TestDb) {
    use govledger::http::tokens::{self, AuthFailure, Issuer, Role, TOKENS_STREAM};
    let store = db.open().await;
    // Issuing and revoking are decided by the ledger: a genesis whose administrator is P-0001.
    let (ledger, _) = govledger::ledger::Ledger::open(store.clone())
        .await
        .unwrap();
    ledger
        .genesis(
            &govledger::rules::GenesisAdmin {
                person_id: "P-0001".into(),
                name: "管理 太郎".into(),
                personnel_order: "辞令".into(),
            },
            support::jst("2025-04-01T00:00:00+09:00"),
        )
        .await
        .unwrap();
    let by = Issuer::Person("P-0001".into());
    let pg = store.postgres_pool().is_some();
    // Each fault gets a name of its own: a pooled SQLite connection that has not read the
    // schema since a trigger was dropped may still see it when asked to create it again.
    let refuse_events = |n: u8| {
        if pg {
            format!(
                "CREATE FUNCTION t_refuse{n}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                   RAISE EXCEPTION 'simulated write failure'; END $$; \
                 CREATE TRIGGER t_refuse{n} BEFORE INSERT ON events \
                   FOR EACH ROW WHEN (NEW.stream = 'tokens') EXECUTE FUNCTION t_refuse{n}();"
            )
        } else {
            format!(
                "CREATE TRIGGER t_refuse{n} BEFORE INSERT ON events WHEN NEW.stream = 'tokens' \
                 BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;"
            )
        }
    };
    let allow_events = |n: u8| {
        if pg {
            format!("DROP TRIGGER t_refuse{n} ON events; DROP FUNCTION t_refuse{n}();")
        } else {
            format!("DROP TRIGGER t_refuse{n};")
        }
    };
    let (freeze_tokens, thaw_tokens) = if pg {
        (
            "CREATE FUNCTION t_freeze() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               RAISE EXCEPTION 'simulated: nothing more can be written'; END $$; \
             CREATE TRIGGER t_freeze_tokens BEFORE DELETE OR UPDATE ON tokens \
               FOR EACH ROW EXECUTE FUNCTION t_freeze();",
            "DROP TRIGGER t_freeze_tokens ON tokens; DROP FUNCTION t_freeze();",
        )
    } else {
        (
            "CREATE TRIGGER t_freeze_tokens_delete BEFORE DELETE ON tokens \
               BEGIN SELECT RAISE(ABORT, 'simulated: nothing more can be written'); END; \
             CREATE TRIGGER t_freeze_tokens_update BEFORE UPDATE ON tokens \
               BEGIN SELECT RAISE(ABORT, 'simulated: nothing more can be written'); END;",
            "DROP TRIGGER t_freeze_tokens_delete; DROP TRIGGER t_freeze_tokens_update;",
        )
    };
    let events_on_stream = |store: govledger::store::Store| async move {
        store
            .read_stream(TOKENS_STREAM, 1, 1_000)
            .await
            .unwrap()
            .len()
    };

    // Issuing while the event cannot be written, and the token row could not be deleted
    // afterwards either: nothing is left behind.
    exec(&store, &refuse_events(1)).await;
    exec(&store, freeze_tokens).await;
    let rows_before = token_rows(&store).await;
    let events_before = events_on_stream(store.clone()).await;
    let err = tokens::issue(&ledger, "P-0001", Role::Auditor, &by, None).await;
    assert!(err.is_err(), "the issue must fail: {err:?}");
    assert_eq!(
        token_rows(&store).await,
        rows_before,
        "no token without its event"
    );
    assert_eq!(events_on_stream(store.clone()).await, events_before);

    // A token issued normally, then a revocation whose event cannot be written: the token
    // stays live (and unrevoked in its row), the ledger unchanged.
    exec(&store, thaw_tokens).await;
    exec(&store, &allow_events(1)).await;
    let issued = tokens::issue(&ledger, "P-0001", Role::Auditor, &by, None)
        .await
        .unwrap();
    exec(&store, &refuse_events(2)).await;
    let events_before = events_on_stream(store.clone()).await;
    let err = tokens::revoke(&ledger, &issued.id, "P-0001", None).await;
    assert!(err.is_err(), "the revocation must fail: {err:?}");
    let caller = tokens::authenticate(&store, &issued.token).await.unwrap();
    assert!(caller.is_ok(), "not revoked without its event: {caller:?}");
    assert!(
        token_rows(&store)
            .await
            .iter()
            .any(|(id, revoked)| *id == issued.id && revoked.is_none())
    );
    assert_eq!(events_on_stream(store.clone()).await, events_before);

    // With writes working again the revocation takes, row and event together.
    exec(&store, &allow_events(2)).await;
    tokens::revoke(&ledger, &issued.id, "P-0001", None)
        .await
        .unwrap();
    assert_eq!(
        tokens::authenticate(&store, &issued.token)
            .await
            .unwrap()
            .err(),
        Some(AuthFailure::Revoked)
    );
    assert_eq!(events_on_stream(store.clone()).await, events_before + 1);
}

/// One guess with a bad token, sent as if through a proxy that forwarded `from`.
async fn guess_from(app: &TestApp, from: &str, n: u32) -> u16 {
    app.get("/v1/head", &format!("glt_0123456789abcdef_guess{n}"))
        .header("x-forwarded-for", from)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Guesses from `from` until 429; how many were 401 before it.
async fn exhaust(app: &TestApp, from: &str) -> u32 {
    let mut n = 0;
    loop {
        match guess_from(app, from, n).await {
            429 => return n,
            401 => n += 1,
            other => panic!("guess {n} from {from}: {other}"),
        }
        assert!(n <= FAILED_AUTH_BURST + 10, "never limited");
    }
}

/// Behind a trusted proxy (`--trusted-proxy`), each client the proxy forwards has its own
/// allowance of failed guesses, and a client cannot borrow another's by writing its address
/// into `X-Forwarded-For` (the proxy appends the real one, which is what counts). From a peer
/// that is not trusted the header is ignored: otherwise a guesser would name a fresh address
/// with every guess.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    use support::http::{fixture_token, key_dir, new_key, start_server_with};
    let db = TestDb::sqlite();
    let admin = fixture_token(&db.url, "ADMIN1", "admin").await;
    let auditor = fixture_token(&db.url, "AUDITOR1", "auditor").await;
    let dir = key_dir();
    let key = new_key(dir.path());
    let trusted = ["--trusted-proxy".to_owned(), "127.0.0.0/8".to_owned()];
    let proxied = start_server_with(
        &db.url,
        &key,
        Some(dir.clone()),
        admin.clone(),
        auditor.clone(),
        None,
        &trusted,
    )
    .await;
    assert!(exhaust(&proxied, "203.0.113.1").await >= FAILED_AUTH_BURST);
    // Another client through the same proxy: its own allowance.
    assert_eq!(guess_from(&proxied, "203.0.113.2", 0).await, 401);
    // The first client, claiming to be the second: the proxy appended its real address.
    assert_eq!(
        guess_from(&proxied, "203.0.113.2, 203.0.113.1", 1).await,
        429
    );
    // Through two trusted hops the client is the rightmost untrusted address.
    assert_eq!(guess_from(&proxied, "203.0.113.1, 127.0.0.5", 2).await, 429);

    // The same ledger served without --trusted-proxy: the header counts for nothing.
    let direct = start_server_with(&db.url, &key, Some(dir), admin, auditor, None, &[]).await;
    assert!(exhaust(&direct, "198.51.100.1").await >= FAILED_AUTH_BURST);
    assert_eq!(guess_from(&direct, "198.51.100.2", 0).await, 429);
}

//! The regulation's acts added for issue 14 (a supervisor's refusal of consent, a retirement
//! decided by naming its assets, the direction of officers, the operation records of 第11条) through the real server, on SQLite and PostgreSQL: accepted
//! ones are 201 and show in the views, refused ones are a 422 problem naming the rule and the
//! article, and leave the head where it was.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use serde_json::{Value, json};
use support::TestDb;
use support::http::{TestApp, genesis_app, issue_token};

on_both_backends!(
    the_new_acts_are_recorded_and_refused_naming_their_article,
    an_event_too_long_for_a_tile_entry_is_refused_and_nothing_recorded,
    a_decision_whose_later_event_is_too_long_records_none_of_its_events
);

/// Posts `kind` with `body` (plus `effective_at`) as `token`; the status and the JSON answer.
async fn command(
    app: &TestApp,
    token: &str,
    kind: &str,
    effective_at: &str,
    mut body: Value,
) -> (u16, Value) {
    body["effective_at"] = json!(effective_at);
    let res = app
        .post_json(&format!("/v1/commands/{kind}"), token, &body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// The command is accepted; the data of its first event.
async fn accepted(app: &TestApp, token: &str, kind: &str, at: &str, body: Value) -> Value {
    let (status, answer) = command(app, token, kind, at, body).await;
    assert_eq!(status, 201, "{kind}: {answer}");
    let seq = answer["events"][0]["seq"].as_u64().unwrap();
    app.get_json(&format!("/v1/events/{seq}")).await
}

/// The command is refused by `rule` citing `article`, and nothing is appended.
async fn refused(
    app: &TestApp,
    token: &str,
    kind: &str,
    at: &str,
    body: Value,
    rule: &str,
    article: &str,
) {
    let head = app.get_json("/v1/head").await;
    let (status, problem) = command(app, token, kind, at, body).await;
    assert_eq!(status, 422, "{kind}: {problem}");
    assert_eq!(problem["rule"], rule, "{kind}: {problem}");
    assert_eq!(problem["article"], article, "{kind}: {problem}");
    assert_eq!(app.get_json("/v1/head").await, head, "{kind} appended");
}

async fn the_new_acts_are_recorded_and_refused_naming_their_article(db: TestDb) {
    let app = genesis_app(&db).await;
    let admin = app.admin.clone();
    // こども家庭課長 (O12), officer of A18 and A15, with an admin token of their own.
    for (kind, body) in [
        (
            "register_person",
            json!({"person_id": "P0100", "name": "子供 花子", "unit_id": "HW-GA", "personnel_order": "辞令"}),
        ),
        (
            "appoint_to_post",
            json!({"post_id": "O12", "person_id": "P0100", "personnel_order": "辞令"}),
        ),
    ] {
        accepted(&app, &admin, kind, "2025-04-01", body).await;
    }
    let o12 = issue_token(&db.url, "P0100", "admin").await;

    // 第7条第1項第1号: deciding a retirement with no notice to the supervisor before it.
    let by_assets = json!({"asset_ids": ["A18"]});
    refused(
        &app,
        &o12,
        "decide_retirement",
        "2025-04-02",
        by_assets.clone(),
        "retirement.notice_missing",
        "第7条第1項第1号",
    )
    .await;
    let notice = json!({"asset_ids": ["A18"], "affected_asset_ids": [], "reason": "移行", "planned_stop": "2025-09-30"});
    accepted(&app, &o12, "notice_retirement", "2025-04-02", notice).await;
    // The officer may not refuse the supervisor's consent; the administrator consents as deputy.
    refused(
        &app,
        &o12,
        "refuse_retirement_consent",
        "2025-04-03",
        json!({"retirement_id": "RET-0001", "reason": "不可"}),
        "supervisor.required",
        "第7条第1項第1号",
    )
    .await;
    let consent = accepted(
        &app,
        &admin,
        "consent_to_retirement",
        "2025-04-03",
        json!({"retirement_id": "RET-0001"}),
    )
    .await;
    assert_eq!(consent["meta"]["acting_for"], "SUP-CF");
    let decided = accepted(&app, &o12, "decide_retirement", "2025-04-04", by_assets).await;
    assert_eq!(decided["data"]["retirement_id"], "RET-0001");
    assert_eq!(decided["meta"]["basis"], "第7条第1項第1号");

    // 第6条第1項第1号: the supervisor's refusal of consent closes the modification.
    let proposal = json!({"title": "改修", "description": "内容", "asset_ids": ["A15"], "touches_common_parts": false});
    accepted(&app, &o12, "propose_modification", "2025-04-05", proposal).await;
    let refusal = accepted(
        &app,
        &admin,
        "refuse_modification_consent",
        "2025-04-06",
        json!({"modification_id": "MOD-0001", "reason": "時期尚早"}),
    )
    .await;
    assert_eq!(refusal["type"], "modification.consent_refused.v1");
    assert_eq!(refusal["meta"]["acting_for"], "SUP-CF");
    let view = app.get_json("/v1/modifications?as_of=2025-04-07").await;
    let m = &view["modifications"][0];
    assert_eq!(m["status"], "consent_refused", "{m}");
    assert_eq!(m["consent_refusal"]["text"], "時期尚早", "{m}");
    refused(
        &app,
        &o12,
        "decide_modification_content",
        "2025-04-07",
        json!({"modification_id": "MOD-0001", "content": "内容"}),
        "modification.consent_refused",
        "第6条第1項第1号",
    )
    .await;

    // 第3条第3項: the supervisor (here the administrator as deputy) directs the officer of O12;
    // the officer may not direct anyone.
    let direction = json!({"addressee": {"kind": "officer", "post_id": "O12"}, "matter": "棚卸し", "direction": "今月中に実施"});
    refused(
        &app,
        &o12,
        "direct_officer",
        "2025-04-08",
        direction.clone(),
        "supervisor.required",
        "第3条第3項",
    )
    .await;
    let directed = accepted(&app, &admin, "direct_officer", "2025-04-08", direction).await;
    assert_eq!(directed["type"], "officer.directed.v1");
    assert_eq!(directed["meta"]["basis"], "第3条第3項・第5条第3項");
    assert_eq!(directed["data"]["person_id"], "P0100");
    let view = app.get_json("/v1/meetings?as_of=2025-04-09").await;
    let d = &view["officer_directions"][0];
    assert_eq!(d["id"], "OD-0001", "{view}");
    assert_eq!(d["addressee_id"], "O12", "{view}");

    // 第11条: the administrator records a backup (第4条第1項); the officer may not.
    let backup = json!({"operation": "backup", "target": "DBサーバ", "result": "succeeded"});
    refused(
        &app,
        &o12,
        "record_operation",
        "2025-04-09",
        backup.clone(),
        "operation.not_operator",
        "第11条第1号",
    )
    .await;
    let audit = app.get_json("/v1/audit?as_of=2025-04-09").await;
    assert!(
        audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "periodic_operation_overdue" && f["article"] == "第11条第1号"),
        "a week without a backup since the genesis: {audit}"
    );
    let recorded = accepted(&app, &admin, "record_operation", "2025-04-09", backup).await;
    assert_eq!(recorded["type"], "operation.recorded.v2");
    assert_eq!(recorded["meta"]["basis"], "第4条第1項・第11条第1号");
    assert_eq!(recorded["data"]["recorded_as"], "system_administrator");
    let view = app.get_json("/v1/incidents?as_of=2025-04-10").await;
    assert_eq!(view["operations"][0]["operation"], "backup", "{view}");
    let audit = app.get_json("/v1/audit?as_of=2025-04-10").await;
    assert!(
        !audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "periodic_operation_overdue"
                && f["message"].as_str().unwrap().contains(" backup ")),
        "{audit}"
    );
}

/// A decision whose event would be longer than a tlog-tiles entry can frame (65,535 bytes)
/// is refused with a 422 naming the body, and nothing is recorded; one just under is recorded.
async fn an_event_too_long_for_a_tile_entry_is_refused_and_nothing_recorded(db: TestDb) {
    let app = genesis_app(&db).await;
    let admin = app.admin.clone();
    let directive = |len: usize| json!({"title": "長文", "body": "a".repeat(len)});
    let head = app.get_json("/v1/head").await;
    let (status, problem) = command(
        &app,
        &admin,
        "issue_directive",
        "2025-04-01",
        directive(65_200),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "body", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("65535"),
        "{problem}"
    );
    assert_eq!(app.get_json("/v1/head").await, head, "appended");
    let event = accepted(
        &app,
        &admin,
        "issue_directive",
        "2025-04-01",
        directive(60_000),
    )
    .await;
    assert_eq!(event["data"]["body"].as_str().unwrap().len(), 60_000);
}

/// The size the 422's detail says the refused event would have been.
fn refused_size(problem: &Value) -> usize {
    let detail = problem["detail"].as_str().unwrap();
    detail
        .split("would be ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in {detail}"))
}

/// A decision of several events (an appointment replacing the holder: the holder's end, then
/// the new appointment) whose second event is too long and first is not: refused as a whole,
/// the first event not recorded either (it once was, under a 422).
async fn a_decision_whose_later_event_is_too_long_records_none_of_its_events(db: TestDb) {
    let app = genesis_app(&db).await;
    let admin = app.admin.clone();
    for (person, name) in [("P0100", "甲 一郎"), ("P0101", "乙 二郎")] {
        let body = json!({"person_id": person, "name": name, "unit_id": "HW-GA", "personnel_order": "辞令"});
        accepted(&app, &admin, "register_person", "2025-04-01", body).await;
    }
    let appoint = |person: &str, order: String| json!({"post_id": "O12", "person_id": person, "personnel_order": order, "replace_current": true});
    accepted(
        &app,
        &admin,
        "appoint_to_post",
        "2025-04-01",
        appoint("P0100", "辞令".into()),
    )
    .await;
    let head = app.get_json("/v1/head").await;
    // Far too long: the first event (the holder's end) is refused; its size gives the overhead.
    let long = 65_200;
    let (status, problem) = command(
        &app,
        &admin,
        "appoint_to_post",
        "2025-04-02",
        appoint("P0101", "a".repeat(long)),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let overhead = refused_size(&problem) - long;
    // The holder's end exactly at the limit, the appointment (a longer type name) beyond it.
    let order = "a".repeat(65_535 - overhead);
    let (status, problem) = command(
        &app,
        &admin,
        "appoint_to_post",
        "2025-04-02",
        appoint("P0101", order),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "body", "{problem}");
    assert!(refused_size(&problem) > 65_535, "{problem}");
    assert_eq!(
        app.get_json("/v1/head").await,
        head,
        "part of the refused decision was recorded"
    );
    let org = app.get_json("/v1/persons/P0100").await;
    assert!(
        org["posts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["post_id"] == "O12"),
        "P0100 no longer holds O12: {org}"
    );
}

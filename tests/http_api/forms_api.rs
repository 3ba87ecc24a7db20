//! What the API tells a form (issue 15, item 3): refusals in the request's language with the
//! rule, the article and its text; the record a decision was recorded on, also on a replay;
//! each command's article, actor and preconditions in the OpenAPI document. On both backends.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestDb;
use crate::support::http::{TestApp, genesis_app};

on_both_backends!(
    a_refusal_is_in_japanese_by_default_and_in_english_on_request,
    a_decision_names_the_record_it_was_recorded_on_also_on_a_replay,
);

/// POSTs `body` as the decision `kind` with `Accept-Language: lang` (none if `None`).
async fn post(app: &TestApp, kind: &str, body: &Value, lang: Option<&str>) -> (u16, Value) {
    let mut req = app.post_json(
        &format!("/v1/commands/{kind}"),
        &app.admin,
        &body.to_string(),
    );
    if let Some(lang) = lang {
        req = req.header("accept-language", lang);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn head_seq(app: &TestApp) -> u64 {
    app.get_json("/v1/head").await["seq"].as_u64().unwrap()
}

async fn a_refusal_is_in_japanese_by_default_and_in_english_on_request(db: TestDb) {
    let app = genesis_app(&db).await;
    // The administrator is no information management officer of A01 (第5条第2項).
    let grant = json!({"person_id": "P0001", "asset_id": "A01", "scope": "照会",
                       "effective_at": "2025-04-03"});
    let before = head_seq(&app).await;
    let ja = "A01 の情報管理責任者の職にありません";
    let en = "holds no officer post of A01";
    for (lang, expect_ja) in [
        (None, true),
        (Some("ja"), true),
        (Some("en"), false),
        (Some("en-GB"), false),
        (Some("fr, en;q=0.5"), false),
        (Some("en;q=0.8, ja;q=0.9"), true),
        (Some("ja;q=0.5, en;q=0.5"), true),
        (Some("de"), true),
    ] {
        let (status, p) = post(&app, "grant_permission", &grant, lang).await;
        assert_eq!(status, 422, "{lang:?}: {p}");
        let detail = p["detail"].as_str().unwrap();
        if expect_ja {
            assert!(detail.contains(ja), "{lang:?}: {detail}");
            assert!(
                detail.starts_with("第5条第2項に反する"),
                "{lang:?}: {detail}"
            );
        } else {
            assert!(detail.contains(en), "{lang:?}: {detail}");
            assert!(
                detail.starts_with("contrary to 第5条第2項"),
                "{lang:?}: {detail}"
            );
        }
        // The members a program reads do not change with the language.
        assert_eq!(p["rule"], "permission.not_officer");
        assert_eq!(p["article"], "第5条第2項");
        assert_eq!(
            p["article_text"],
            govledger::rules::articles::ART_5_2.text,
            "{lang:?}"
        );
        assert_eq!(p["title"], "Refused by a rule of the regulation");
        assert_eq!(p["status"], 422);
    }
    // A joint citation quotes each provision under its own citation.
    let (status, p) = post(
        &app,
        "decide_modification",
        &json!({"modification_id": "MOD-0001", "procedure_documents": [], "summary": "s"}),
        Some("en"),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["rule"], "modification.unknown");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("no modification MOD-0001"),
        "{p}"
    );
    assert_eq!(p["article_text"], govledger::rules::articles::ART_6.text);
    // Nothing was recorded by any of them.
    assert_eq!(head_seq(&app).await, before);
}

async fn a_decision_names_the_record_it_was_recorded_on_also_on_a_replay(db: TestDb) {
    let app = genesis_app(&db).await;
    let at = "2025-04-02";
    let event_id = uuid::Uuid::now_v7().to_string();
    // A new record: a staff meeting convened by the administrator (第12条第4項).
    let convene = json!({"meeting_kind": "staff", "form": "in_person", "members": ["P0001"],
                         "agenda": ["運用状況"], "held_on": "2025-04-10",
                         "effective_at": at, "event_id": event_id});
    let (status, created) = post(&app, "convene_meeting", &convene, None).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["record"],
        json!({"kind": "meeting", "id": "MTG-0001"})
    );
    assert_eq!(created["events"][0]["stream"], "meeting/MTG-0001");
    let (status, replayed) = post(&app, "convene_meeting", &convene, None).await;
    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["replayed"], true);
    assert_eq!(replayed["record"], created["record"]);

    // A permission request is recorded on its asset's stream but names the request, whose id
    // the grant takes as `request_id`.
    for (kind, body) in [
        (
            "register_person",
            json!({"person_id": "P0100", "name": "試験 花子", "unit_id": "HW-GA-SYS",
                   "personnel_order": "辞令第1号"}),
        ),
        (
            "appoint_usage_officer",
            json!({"unit_id": "HW-GA-SYS", "person_id": "P0001",
                   "reason_not_head": "試験のため"}),
        ),
        ("register_user", json!({"person_id": "P0100"})),
    ] {
        let mut body = body;
        body["effective_at"] = json!(at);
        let (status, res) = post(&app, kind, &body, None).await;
        assert_eq!(status, 201, "{kind}: {res}");
    }
    let request_id = uuid::Uuid::now_v7().to_string();
    let request = json!({"person_id": "P0100", "asset_id": "A01", "scope": "照会",
                         "effective_at": "2025-04-03", "event_id": request_id});
    let (status, res) = post(&app, "request_permission", &request, None).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["events"][0]["stream"], "asset/A01");
    assert_eq!(
        res["record"],
        json!({"kind": "permission_request", "id": "PR-00001"})
    );
    let (status, again) = post(&app, "request_permission", &request, None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["record"], res["record"]);

    // The regulation's own stream is no record with an id.
    let (status, res) = post(
        &app,
        "amend_regulation",
        &json!({"in_force_from": "2025-04-02", "provision": "附則", "effective_at": at}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["record"], json!({"kind": "regulation"}));
}

/// The description of `POST /v1/commands/{kind}` states the act's articles, who may do it and
/// its preconditions in the order the rule checks them.
#[test]
fn the_openapi_description_of_a_command_states_its_article_actor_and_preconditions() {
    let doc: Value = serde_json::from_str(&govledger::http::openapi::document_json()).unwrap();
    let description = |kind: &str| {
        doc["paths"][format!("/v1/commands/{kind}")]["post"]["description"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let d = description("decide_modification");
    assert!(d.contains("第6条第1項第3号・第6条第3項"), "{d}");
    assert!(d.contains("所管のシステム総括者"), "{d}");
    let approvals = d.find("他の情報管理責任者の承認がすべて済んでいること（第6条第2項）");
    let consent = d.find("システム総括者の同意が済んでいること");
    let content = d.find("内容の決定が済んでいること");
    assert!(approvals < consent && consent < content, "{d}");
    assert!(approvals.is_some(), "{d}");

    let d = description("grant_permission");
    assert!(d.contains("第5条第2項・第10条第1項"), "{d}");
    assert!(
        d.contains("an information management officer of the asset"),
        "{d}"
    );
    assert!(
        d.contains("the actor holds an officer post of the asset (第5条第2項)"),
        "{d}"
    );

    let d = description("consent_to_retirement");
    assert!(d.contains("第7条第1項第1号"), "{d}");
    assert!(d.contains("system administrator as deputy"), "{d}");
    // Every kind has one, after the checks every decision passes first.
    for (kind, _) in govledger::http::commands::KINDS.iter() {
        let d = description(kind);
        assert!(d.contains("前提条件"), "{kind}");
        assert!(
            d.contains("the actor (the token's person) is registered by effective_at"),
            "{kind}"
        );
    }
}

/// The body extractor is callable from Rust (the web forms build the same command).
#[test]
fn a_command_body_parses_once_into_the_command_its_time_and_its_event_id() {
    use govledger::http::commands::CommandBody;
    use govledger::rules::Command;
    let id = uuid::Uuid::now_v7();
    let body = CommandBody::parse(
        "grant_permission",
        json!({"person_id": "P0100", "asset_id": "A01", "scope": "照会",
               "effective_at": "2025-04-03", "event_id": id.to_string()}),
    )
    .unwrap();
    assert_eq!(
        body.command,
        Command::GrantPermission {
            person_id: "P0100".into(),
            asset_id: "A01".into(),
            scope: "照会".into(),
            until: None,
            request_id: None,
        }
    );
    assert_eq!(body.effective_at.to_rfc3339(), "2025-04-03T00:00:00+09:00");
    assert!(!body.effective_at_defaulted);
    assert_eq!(body.event_id, Some(id));
    // The same errors as over HTTP: the field named, the kind from the path.
    let field = |kind: &str, v: Value| match CommandBody::parse(kind, v) {
        Err(govledger::http::error::Error::InvalidBody { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(
            "grant_permission",
            json!({"person_id": 1, "asset_id": "A01", "scope": "s"})
        ),
        "body.person_id"
    );
    assert_eq!(
        field("grant_permission", json!({"kind": "revoke_permission"})),
        "body.kind"
    );
    assert!(matches!(
        CommandBody::parse("no_such_kind", json!({})),
        Err(govledger::http::error::Error::NotFound(_))
    ));
}

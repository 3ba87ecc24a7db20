//! The admin workspace (`/ui/decide`, `/ui/todo`) end to end on the demo ledger, in a real
//! browser (headless Chromium through chromedriver) against a real `govledger serve`, on both
//! backends: decisions recorded by filling and submitting the generated forms, refusals shown
//! with the article's text and recording nothing, a double submit recording once, CSRF and
//! role checks, each role's to-do list and its items disappearing once resolved, and the
//! walkthrough of README.md (a permission decision, a cross-asset modification from proposal to
//! final decision, a circulation meeting), with a screenshot of each step in
//! `target/ui-screenshots/workspace-*.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

#[path = "support/browser.rs"]
mod browser;
mod support;

use browser::{Browser, Key, browser};
use fantoccini::Locator;
use govledger::rules::articles;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::TestDb;
use support::http::{TestApp, demo_app, genesis_app};

on_both_backends!(
    an_admin_records_the_demos_kinds_of_decisions_in_the_browser,
    the_options_endpoint_lists_the_choices_valid_at_a_date,
);

/// Every kind's form, in both languages: each control has a label, can take the focus from
/// the keyboard (in the document's order: no positive or negative tabindex), and the check
/// button is reached with Tab after the last member; a screenshot of each form.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_decision_form_can_be_completed_from_the_keyboard() {
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let b = browser().await;
    login(&b, &app, &app.admin).await;
    b.goto(&format!("{}/ui/decide", app.url)).await;
    let kinds: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelectorAll('ul.kinds a')].map(a => a.getAttribute('href').split('/').pop())")
            .await,
    )
    .unwrap();
    assert_eq!(
        kinds.len(),
        govledger::rules::CommandKind::ALL.len(),
        "every kind is offered"
    );
    for kind in &kinds {
        for lang in ["ja", "en"] {
            b.goto(&format!("{}/ui/decide/{kind}?lang={lang}", app.url))
                .await;
            b.wait_css("#decision").await;
            every_control_is_labelled(&b).await;
            let unreachable = b
                .js("return [...document.querySelectorAll('#decision input, #decision select, #decision textarea, #decision button')]
                    .filter(e => e.type !== 'hidden' && !e.hidden)
                    .filter(e => e.disabled || e.tabIndex !== 0)
                    .map(e => e.name || e.id)")
                .await;
            assert_eq!(
                unreachable,
                json!([]),
                "{kind} ({lang}): out of the Tab order"
            );
            if lang == "ja" {
                b.shot(&format!("workspace-form-{kind}")).await;
            }
        }
        // From the last control, Tab reaches the check button.
        b.js("const c = [...document.querySelectorAll('#decision input, #decision select, #decision textarea')]
                .filter(e => e.type !== 'hidden' && !e.hidden);
              window.lastControl = c[c.length - 1]; window.lastControl.focus(); return 0")
            .await;
        // A date or time input takes Tab through its own parts (year, month, day, …) first.
        for _ in 0..8 {
            b.keys(&[char::from(Key::Tab)]).await;
            let left = b
                .js("return document.activeElement !== window.lastControl")
                .await;
            if left == json!(true) {
                break;
            }
        }
        let on_check = b
            .js("const e = document.activeElement; return e.tagName === 'BUTTON' && e.value === 'preview'")
            .await;
        assert_eq!(
            on_check,
            json!(true),
            "{kind}: Tab from the last member does not reach the check button"
        );
    }
}

async fn head(app: &TestApp) -> u64 {
    app.get_json("/v1/head").await["seq"].as_u64().unwrap()
}

/// An admin token for `person` (issued by the system administrator, 第4条第1項).
async fn token_for(app: &TestApp, person: &str) -> String {
    let res = app
        .post_json(
            "/v1/tokens",
            &app.admin,
            &json!({"person": person, "role": "admin"}).to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "token for {person}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The holder of `post` today.
async fn holder(app: &TestApp, post: &str) -> String {
    let org = app.get_json("/v1/organisation").await;
    org["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == post)
        .and_then(|p| p["holder"]["person_id"].as_str())
        .unwrap_or_else(|| panic!("{post} has no holder"))
        .to_owned()
}

/// Logs the browser in as `token`'s holder, with a one-time login code.
async fn login(b: &Browser, app: &TestApp, token: &str) {
    b.goto(&format!("{}/ui/logout-page-does-not-exist", app.url))
        .await;
    b.c.delete_all_cookies().await.unwrap();
    let res = app
        .client
        .post(format!("{}/ui/login-codes", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let code = res.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    b.goto(&format!("{}/ui/login?code={code}&next=/ui/todo", app.url))
        .await;
}

/// Submits the form's "check" step and, when it is accepted, the confirmation; returns the
/// record's id when recorded (the page is then `/ui/recorded/…`).
async fn check_and_confirm(b: &Browser, shot: &str) -> String {
    b.c.find(Locator::Css("#decision button[value=preview]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_css("#preview-events, #refusal").await;
    if let Some(refusal) = b.text_of("#refusal").await {
        b.shot(&format!("{shot}-refused")).await;
        panic!("{shot}: refused: {refusal}");
    }
    b.shot(&format!("{shot}-preview")).await;
    b.c.find(Locator::Css("#confirm button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_css("#recorded-events, #refusal").await;
    if !b.path().await.starts_with("/ui/recorded/") {
        b.shot(&format!("{shot}-not-recorded")).await;
        panic!("{shot}: not recorded: {:?}", b.text_of("main").await);
    }
    b.shot(&format!("{shot}-recorded")).await;
    b.js("const r = document.getElementById('record'); return r ? r.dataset.id : ''")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn set(b: &Browser, css: &str, value: &str) {
    let e = b.c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

/// Sets the date input `id` to `days` from today (JST). A date input's widget takes its value
/// from the picker; this sets it as the picker would.
async fn set_date(b: &Browser, id: &str, days: i64) {
    let date = (chrono::Utc::now() + chrono::TimeDelta::days(days))
        .with_timezone(&govledger::jst::JST)
        .format("%Y-%m-%d")
        .to_string();
    b.js(&format!(
        "document.getElementById('{id}').value = '{date}'; return 0"
    ))
    .await;
}

async fn choose(b: &Browser, css: &str, value: &str) {
    b.c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn tick(b: &Browser, name: &str, value: &str) {
    b.c.find(Locator::Css(&format!(
        "input[type=checkbox][name='{name}'][value='{value}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

/// The to-do items' keys on `/ui/todo`.
async fn todo_keys(b: &Browser, app: &TestApp) -> Vec<String> {
    b.goto(&format!("{}/ui/todo", app.url)).await;
    let v = b
        .js("return [...document.querySelectorAll('li[data-key]')].map(li => li.dataset.key)")
        .await;
    serde_json::from_value(v).unwrap()
}

/// Follows the to-do item `key`'s link to the form of `kind`.
async fn follow(b: &Browser, app: &TestApp, key: &str, kind: &str) {
    let keys = todo_keys(b, app).await;
    assert!(keys.contains(&key.to_owned()), "{key} not in {keys:?}");
    b.c.find(Locator::Css(&format!(
        "li[data-key='{key}'] a[data-kind='{kind}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait_css("#decision").await;
    assert!(b.path().await.starts_with(&format!("/ui/decide/{kind}?")));
}

/// Every visible control of the decision form has a label (or a legend around it).
async fn every_control_is_labelled(b: &Browser) {
    let unlabelled = b
        .js("return [...document.querySelectorAll('#decision input, #decision select, #decision textarea')]
            .filter(e => e.type !== 'hidden' && !e.hidden)
            .filter(e => !(e.id && document.querySelector('label[for=\"' + e.id + '\"]')) && !e.getAttribute('aria-label'))
            .map(e => e.name)")
        .await;
    assert_eq!(unlabelled, json!([]), "controls without a label");
}

async fn an_admin_records_the_demos_kinds_of_decisions_in_the_browser(db: TestDb) {
    let app = demo_app(&db).await;
    let officer = holder(&app, "O01").await; // officer of A01 and A03
    let other = holder(&app, "O05").await; // officer of A02
    let supervisor = holder(&app, "SUP-HW").await;
    let t_officer = token_for(&app, &officer).await;
    let t_other = token_for(&app, &other).await;
    let t_supervisor = token_for(&app, &supervisor).await;
    let b = browser().await;
    let base = &app.url;

    // --- An auditor sees no forms, and a forged POST from their session is refused. ---
    login(&b, &app, &app.auditor).await;
    assert!(!b.source().await.contains("href=\"/ui/decide\""));
    b.goto(&format!("{base}/ui/decide/grant_permission")).await;
    assert!(
        b.text_of("#decision").await.is_none(),
        "no form for an auditor"
    );
    let status = b
        .js(
            "return fetch('/ui/decide/grant_permission/confirm', {method: 'POST',
               headers: {'content-type': 'application/x-www-form-urlencoded'},
               body: 'body=%7B%7D&csrf=x'}).then(r => r.status)",
        )
        .await;
    assert_eq!(
        status,
        json!(403),
        "a forged POST from an auditor's session"
    );
    let forged = b
        .js("return fetch('/ui/decide/grant_permission', {method: 'GET'}).then(r => r.status)")
        .await;
    assert_eq!(forged, json!(403), "an auditor's session gets no form");

    // --- The officer grants use, keyboard only. ---
    let users: Vec<String> = {
        let org = app.get_json("/v1/organisation").await;
        let access = app.get_json("/v1/access?asset=A03&limit=1000").await;
        let granted: Vec<&str> = access["grants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["person_id"].as_str())
            .collect();
        org["persons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["role"] == "user")
            })
            .filter_map(|p| p["person_id"].as_str())
            .filter(|p| !granted.contains(p))
            .map(str::to_owned)
            .collect()
    };
    let user = users
        .first()
        .expect("a user without a grant on A03")
        .clone();
    login(&b, &app, &t_officer).await;
    b.goto(&format!("{base}/ui/decide/grant_permission")).await;
    every_control_is_labelled(&b).await;
    b.shot("workspace-grant-form").await;
    let before = head(&app).await;
    b.tab_to("f-person_id").await;
    b.arrow_to(&user).await;
    b.tab_to("f-asset_id").await;
    b.arrow_to("A03").await;
    b.tab_to("f-scope").await;
    b.type_text("read only").await;
    b.keys(&[char::from(Key::Tab)]).await;
    // The check button, reached with Tab and pressed with Enter.
    for _ in 0..40 {
        let is_check = b
            .js("const e = document.activeElement; return e && e.tagName === 'BUTTON' && e.value === 'preview'")
            .await;
        if is_check == json!(true) {
            break;
        }
        b.keys(&[char::from(Key::Tab)]).await;
    }
    b.keys(&[char::from(Key::Enter)]).await;
    // Wait for the answer page rather than reading the form while it still navigates.
    b.wait_css("#preview-events, #refusal").await;
    assert!(
        b.text_of("#refusal").await.is_none(),
        "refused: {:?}",
        b.text_of("#refusal").await
    );
    let preview = b.text_of("#preview-events").await.unwrap();
    assert!(preview.contains("permission.granted.v1"), "{preview}");
    assert!(
        preview.contains("read only") && preview.contains(&user) && preview.contains("A03"),
        "the preview shows what will be recorded: {preview}"
    );
    b.shot("workspace-grant-preview").await;
    assert_eq!(head(&app).await, before, "a preview records nothing");
    // Double submit: the same confirmation sent twice (a second POST from the page, then the
    // button) records once.
    let first = b
        .js("const f = document.getElementById('confirm');
             return fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f))})
               .then(r => r.status)")
        .await;
    assert_eq!(
        first,
        json!(200),
        "the first submit lands on the recorded page"
    );
    b.tab_to("confirm-button").await;
    b.keys(&[char::from(Key::Enter)]).await;
    b.wait_css("#recorded-events").await;
    assert!(b.path().await.starts_with("/ui/recorded/"));
    b.shot("workspace-grant-recorded").await;
    assert_eq!(head(&app).await, before + 1, "two submits, one event");
    let access = app.get_json("/v1/access?asset=A03&limit=1000").await;
    assert!(
        access["grants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["person_id"] == user.as_str()
                && g["scope"] == "read only"
                && g["decided_by"] == officer.as_str()),
        "the grant is in the access view"
    );
    let seq = before + 1;
    b.goto(&format!("{base}/ui/timeline?after={}", seq - 1))
        .await;
    assert!(
        b.source().await.contains(&format!("/ui/events/{seq}")),
        "in the timeline"
    );

    // --- A refused grant shows the article's text and records nothing. ---
    let not_a_user = {
        let org = app.get_json("/v1/organisation").await;
        org["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                !p["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["role"] == "user")
            })
            .and_then(|p| p["person_id"].as_str())
            .unwrap()
            .to_owned()
    };
    b.goto(&format!(
        "{base}/ui/decide/grant_permission?person_id={not_a_user}&asset_id=A03"
    ))
    .await;
    set(&b, "#f-scope", "閲覧").await;
    let before = head(&app).await;
    b.c.find(Locator::Css("#decision button[value=preview]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_css("#refusal, #preview-events").await;
    let refusal = b.text_of("#refusal").await.expect("a refusal");
    let article = b
        .js("return document.getElementById('refusal').dataset.article")
        .await;
    let cite = article.as_str().unwrap();
    let text = articles::find(cite).expect("a provision")[0].text;
    assert!(
        !text.is_empty() && refusal.contains(text),
        "{refusal} quotes {cite}: {text}"
    );
    assert!(refusal.contains(&not_a_user), "{refusal} names who");
    b.shot("workspace-grant-refused").await;
    assert_eq!(head(&app).await, before, "a refusal records nothing");

    // --- A form without its CSRF token is refused. ---
    b.goto(&format!(
        "{base}/ui/decide/grant_permission?person_id={}&asset_id=A03&scope=x",
        users[1]
    ))
    .await;
    b.js("document.querySelector('#decision input[name=csrf]').remove(); return 0")
        .await;
    b.c.find(Locator::Css("#decision button[value=preview]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The 403 page replaces the form; wait for its text rather than racing the navigation.
    let mut refused = false;
    for _ in 0..200 {
        if b.source().await.contains("CSRF") {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "refused for its missing token");
    let status = b
        .js("return fetch('/ui/decide/grant_permission/confirm', {method: 'POST',
               headers: {'content-type': 'application/x-www-form-urlencoded'},
               body: 'body=' + encodeURIComponent(JSON.stringify({person_id: 'P0001', asset_id: 'A03', scope: 'x'}))})
               .then(r => r.status)")
        .await;
    assert_eq!(status, json!(403));
    assert_eq!(head(&app).await, before, "nothing recorded without a token");

    // --- A usage officer asks for a user's access; it waits in the officer's list until
    // answered from it (第8条第3項, 第5条第2項). ---
    let asker = users[2].clone();
    let (usage_unit, usage_officer) = {
        let org = app.get_json("/v1/organisation").await;
        let unit = org["persons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person_id"] == asker.as_str())
            .and_then(|p| {
                p["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["role"] == "user")
            })
            .and_then(|r| r["via"].as_str())
            .and_then(|v| v.strip_prefix("unit:"))
            .unwrap()
            .to_owned();
        let officer = org["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == unit.as_str())
            .and_then(|u| u["usage_officer"]["person_id"].as_str())
            .unwrap_or_else(|| panic!("{unit} has no usage officer"))
            .to_owned();
        (unit, officer)
    };
    let t_usage = token_for(&app, &usage_officer).await;
    login(&b, &app, &t_usage).await;
    b.goto(&format!(
        "{base}/ui/decide/request_permission?person_id={asker}&asset_id=A03"
    ))
    .await;
    set(&b, "#f-scope", "照会").await;
    check_and_confirm(&b, "workspace-permission-requested").await;
    login(&b, &app, &t_officer).await;
    let request_key = todo_keys(&b, &app)
        .await
        .into_iter()
        .find(|k| k.starts_with("permission_request:"))
        .expect("the request waits in the officer's list");
    follow(&b, &app, &request_key, "grant_permission").await;
    let prefilled = b
        .js("return document.getElementById('f-request_id').value")
        .await;
    assert_eq!(
        Some(prefilled.as_str().unwrap()),
        request_key.strip_prefix("permission_request:")
    );
    check_and_confirm(&b, "workspace-permission-request-granted").await;
    assert!(
        !todo_keys(&b, &app).await.contains(&request_key),
        "answered, gone"
    );

    // --- A cross-asset modification: proposal → approval → consent → content → decision. ---
    b.goto(&format!("{base}/ui/decide/propose_modification"))
        .await;
    every_control_is_labelled(&b).await;
    set(&b, "#f-title", "生活保護と高齢者の連携画面の追加").await;
    set(&b, "#f-description", "A03 の画面から A02 の情報を参照する").await;
    tick(&b, "asset_ids", "A03").await;
    tick(&b, "asset_ids", "A02").await;
    b.shot("workspace-modification-form").await;
    let id = check_and_confirm(&b, "workspace-modification-proposed").await;
    assert!(id.starts_with("MOD-"), "{id}");
    let open_ids = |v: Value| -> Vec<String> {
        v["members"][0]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let options = app
        .get_json("/v1/commands/approve_modification/options")
        .await;
    assert!(
        open_ids(options).contains(&id),
        "an open modification is a choice"
    );
    // The other officer's to-do list shows the pending approval; approving removes it.
    login(&b, &app, &t_other).await;
    let key = format!("modification:{id}:approval:O05");
    b.shot("workspace-todo-officer").await;
    follow(&b, &app, &key, "approve_modification").await;
    check_and_confirm(&b, "workspace-modification-approved").await;
    assert!(!todo_keys(&b, &app).await.contains(&key), "resolved, gone");
    // The supervisor consents; then the officer decides the content; then the supervisor
    // takes the decision, each from their to-do list.
    login(&b, &app, &t_supervisor).await;
    let todo = todo_keys(&b, &app).await;
    b.shot("workspace-todo-supervisor").await;
    assert!(
        todo.contains(&"security_request:SR-0002:overdue".to_owned()),
        "{todo:?}"
    );
    follow(
        &b,
        &app,
        &format!("modification:{id}:consent:SUP-HW"),
        "consent_to_modification",
    )
    .await;
    check_and_confirm(&b, "workspace-modification-consented").await;
    let missing = modification_missing(&app, &id).await;
    for (what, post) in missing {
        let token = if post == "SUP-HW" {
            &t_supervisor
        } else if post == "O01" {
            &t_officer
        } else {
            panic!("{what} by {post}")
        };
        login(&b, &app, token).await;
        let kind = match what.as_str() {
            "content_decision" => "decide_modification_content",
            "final_decision" => "decide_modification",
            other => panic!("unexpected step {other}"),
        };
        if let Some(k) = todo_keys(&b, &app)
            .await
            .iter()
            .find(|k| k.starts_with(&format!("modification:{id}:{what}")))
        {
            follow(&b, &app, k, kind).await;
        } else {
            b.goto(&format!("{base}/ui/decide/{kind}?modification_id={id}"))
                .await;
        }
        match kind {
            "decide_modification_content" => set(&b, "#f-content", "連携画面を追加する").await,
            _ => set(&b, "#f-summary", "改修を決定する").await,
        }
        check_and_confirm(&b, &format!("workspace-modification-{what}")).await;
    }
    let m = app.get_json("/v1/modifications").await;
    let m = m["modifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(m["status"], "decided", "{m}");
    let options = app
        .get_json("/v1/commands/approve_modification/options")
        .await;
    assert!(!open_ids(options).contains(&id), "a decided one is not");

    // --- The supervisor resolves the overdue security request from the to-do list. ---
    login(&b, &app, &t_supervisor).await;
    follow(
        &b,
        &app,
        "security_request:SR-0002:overdue",
        "close_security_request",
    )
    .await;
    set(&b, "#f-note", "改善を確認した").await;
    check_and_confirm(&b, "workspace-security-request-closed").await;
    assert!(
        !todo_keys(&b, &app)
            .await
            .contains(&"security_request:SR-0002:overdue".to_owned())
    );

    // --- A circulation: convened, signed by each member from their list, resolved. ---
    b.goto(&format!("{base}/ui/decide/convene_meeting")).await;
    choose(&b, "#f-meeting_kind", "management").await;
    choose(&b, "#f-form", "circulation").await;
    set(&b, "#f-urgency_reason", "年度内に改修を始めるため").await;
    tick(&b, "members", &officer).await;
    tick(&b, "members", &other).await;
    set(&b, "#f-agenda", "連携画面の追加について").await;
    set_date(&b, "f-held_on", 0).await;
    b.shot("workspace-circulation-form").await;
    let meeting = check_and_confirm(&b, "workspace-circulation-convened").await;
    for token in [&t_officer, &t_other] {
        login(&b, &app, token).await;
        let key = todo_keys(&b, &app)
            .await
            .into_iter()
            .find(|k| k.starts_with(&format!("circulation:{meeting}:sign:")))
            .expect("a signature to give");
        follow(&b, &app, &key, "sign_circulation").await;
        choose(&b, "#f-position", "agree").await;
        check_and_confirm(&b, "workspace-circulation-signed").await;
        assert!(!todo_keys(&b, &app).await.contains(&key));
    }
    login(&b, &app, &t_supervisor).await;
    b.goto(&format!(
        "{base}/ui/decide/resolve_meeting?meeting_id={meeting}"
    ))
    .await;
    set(&b, "#f-resolution", "全員の賛成により可決").await;
    check_and_confirm(&b, "workspace-circulation-resolved").await;

    // --- The administrator's list: periodic operations due (第11条), roster gaps (第9条); a
    // backup recorded from the list removes its item. ---
    login(&b, &app, &app.admin).await;
    let todo = todo_keys(&b, &app).await;
    b.shot("workspace-todo-administrator").await;
    assert!(todo.contains(&"operation:backup".to_owned()), "{todo:?}");
    assert!(todo.iter().any(|k| k.starts_with("roster:")), "{todo:?}");
    follow(&b, &app, "operation:backup", "record_operation").await;
    set(&b, "#f-target", "福祉総合情報システム 本番DB").await;
    choose(&b, "#f-result", "succeeded").await;
    check_and_confirm(&b, "workspace-operation-recorded").await;
    assert!(
        !todo_keys(&b, &app)
            .await
            .contains(&"operation:backup".to_owned())
    );

    // --- An officer without a valid roster records it from their own list: a form of rows
    // (第9条); the administrator's list then loses the gap. ---
    let mut gap = None;
    for k in todo.iter().filter_map(|k| k.strip_prefix("roster:")) {
        let org = app.get_json("/v1/organisation").await;
        let held = org["posts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == k)
            .and_then(|p| p["holder"]["person_id"].as_str())
            .map(str::to_owned);
        if let Some(h) = held {
            gap = Some((k.to_owned(), h));
            break;
        }
    }
    let (gap_post, keeper) = gap.expect("a roster gap on a held officer post");
    let t_keeper = token_for(&app, &keeper).await;
    login(&b, &app, &t_keeper).await;
    follow(&b, &app, &format!("roster:{gap_post}"), "record_roster").await;
    every_control_is_labelled(&b).await;
    choose(&b, "#f-entries-0-person_id", &keeper).await;
    set(&b, "#f-entries-0-contact", "内線 1234").await;
    b.c.find(Locator::Css("#f-entries-0-can_decide"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    choose(&b, "#f-entries-1-person_id", &officer).await;
    set(&b, "#f-entries-1-contact", "内線 5678").await;
    b.c.find(Locator::Css("#f-entries-1-can_inform"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.shot("workspace-roster-form").await;
    check_and_confirm(&b, "workspace-roster").await;
    login(&b, &app, &app.admin).await;
    assert!(
        !todo_keys(&b, &app)
            .await
            .contains(&format!("roster:{gap_post}")),
        "gap closed"
    );

    // --- The supervisor asks a usage officer to improve (a tagged addressee, 第10条第2項);
    // the request waits in that officer's list until answered. ---
    login(&b, &app, &t_supervisor).await;
    b.goto(&format!("{base}/ui/decide/issue_security_request"))
        .await;
    every_control_is_labelled(&b).await;
    b.c.find(Locator::Css("#f-addressee-kind-1"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    choose(&b, "#f-addressee-unit_id", &usage_unit).await;
    set(&b, "#f-finding", "共有端末のパスワードが貼り出されていた").await;
    set(&b, "#f-standard", "川崎市情報セキュリティ基準").await;
    set_date(&b, "f-due", 30).await;
    b.shot("workspace-security-request-form").await;
    let request = check_and_confirm(&b, "workspace-security-request-issued").await;
    login(&b, &app, &t_usage).await;
    let key = format!("security_request:{request}:response");
    follow(&b, &app, &key, "respond_to_security_request").await;
    set(&b, "#f-response", "貼り紙を撤去し、全員に注意した").await;
    check_and_confirm(&b, "workspace-security-request-answered").await;
    assert!(!todo_keys(&b, &app).await.contains(&key), "answered, gone");

    // --- The same form in English. ---
    b.goto(&format!("{base}/ui/decide/grant_permission?lang=en"))
        .await;
    let html = b.source().await;
    assert!(
        html.contains("Grant use") && html.contains("Scope of use"),
        "English labels"
    );
    b.shot("workspace-grant-form-en").await;
}

/// What a modification still lacks: (what, post).
async fn modification_missing(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let v = app.get_json("/v1/modifications").await;
    let m = v["modifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
        .clone();
    m["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["what"].as_str().unwrap().to_owned(),
                x["post_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// `GET /v1/commands/{kind}/options`: each member that names a record, its valid choices at
/// the date, from the same function as the forms.
async fn the_options_endpoint_lists_the_choices_valid_at_a_date(db: TestDb) {
    let app = genesis_app(&db).await;
    let get = |path: String| {
        let app = &app;
        async move {
            let res = app.get(&path, &app.auditor).send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, v) = get("/v1/commands/grant_permission/options?as_of=2025-06-01".into()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let member = |v: &Value, name: &str| {
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["member"] == name)
            .unwrap_or_else(|| panic!("no {name} in {v}"))
            .clone()
    };
    let person = member(&v, "person_id");
    assert_eq!(person["ref"], "person");
    assert_eq!(person["required"], true);
    assert_eq!(person["multiple"], false);
    let p0001 = person["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "P0001")
        .expect("the administrator is a registered person");
    assert!(
        p0001["label"].as_str().unwrap().len() > 2,
        "a name: {p0001}"
    );
    let assets = member(&v, "asset_id");
    let annex = app.get_json("/v1/assets?as_of=2025-06-01").await;
    let ids: Vec<&Value> = assets["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    let expected: Vec<&Value> = annex["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(ids, expected, "every asset of the annex, none retired");
    assert_eq!(member(&v, "request_id")["ref"], "permission_request");

    // Before genesis nobody is registered yet: the same member has no choice.
    let (_, early) = get("/v1/commands/grant_permission/options?as_of=2020-01-01".into()).await;
    assert_eq!(member(&early, "person_id")["choices"], json!([]));

    // A list member, and nested members of a tagged object.
    let (_, v) = get("/v1/commands/propose_modification/options".into()).await;
    assert_eq!(member(&v, "asset_ids")["multiple"], true);
    let (_, v) = get("/v1/commands/issue_security_request/options".into()).await;
    assert_eq!(member(&v, "addressee.post_id")["ref"], "officer_post");
    assert_eq!(member(&v, "addressee.unit_id")["ref"], "unit");

    // An open modification is a choice of its approval until it is decided or withdrawn.
    let (_, v) = get("/v1/commands/approve_modification/options".into()).await;
    assert_eq!(member(&v, "modification_id")["choices"], json!([]));

    let (status, e) = get("/v1/commands/no_such_kind/options".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let (status, e) = get("/v1/commands/grant_permission/options?as_of=yesterday".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(e.to_string().contains("as_of"), "{e}");
}

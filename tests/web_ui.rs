//! The auditors' web view (`/ui`) end to end on the demo ledger: a real `govledger serve`,
//! pages fetched over HTTP, and headless Chromium rendering each page to a screenshot.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use govledger::http::auth::FAILED_AUTH_BURST;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use support::TestDb;
use support::http::{TestApp, WAIT, another_server, demo_app, spawn_app};

on_both_backends!(
    an_auditor_logs_in_and_reads_the_demo_ledger_in_the_browser_pages,
    the_pages_show_labels_in_the_page_language_names_beside_ids_and_times_in_jst,
    the_web_login_counts_against_the_failed_authentication_limiter_of_the_api,
    the_language_switch_refuses_a_way_back_that_is_not_a_page_of_the_view,
    the_timeline_event_person_and_audit_pages_show_what_v1_answers,
);

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(WAIT)
        .build()
        .unwrap()
}

fn form(token: &str) -> String {
    serde_urlencoded::to_string([("token", token)]).unwrap()
}

/// Logs in with the form; returns the `Cookie` header to send.
async fn login(app: &TestApp, c: &reqwest::Client) -> String {
    let res = c
        .post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&app.auditor))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

/// A page's HTML, which must be a 200 `text/html`.
async fn page(app: &TestApp, c: &reqwest::Client, cookie: &str, path: &str) -> String {
    let res = c
        .get(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "GET {path}: {ct}");
    res.text().await.unwrap()
}

/// The table row with `id`, from its start tag to its end.
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    element(html, id, "</tr>")
}

/// The element with `id`, up to the first `end` after it.
fn element<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}"));
    let len = html[start..].find(end).unwrap();
    &html[start..start + len]
}

async fn an_auditor_logs_in_and_reads_the_demo_ledger_in_the_browser_pages(db: TestDb) {
    let app = demo_app(&db).await;
    let c = client();

    // The server's own URL opens the web view; without a session, every page sends the
    // browser to the login form.
    let root = c.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(root.headers()[LOCATION], "/ui/organisation");
    for path in [
        "/ui/organisation",
        "/ui/timeline",
        "/ui/proof/1/json",
        "/ui/audit",
    ] {
        let res = c.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        let next = serde_urlencoded::to_string([("next", path)]).unwrap();
        assert_eq!(
            res.headers()[LOCATION],
            format!("/ui/login?{next}"),
            "{path}"
        );
    }
    let bogus = c
        .get(format!("{}/ui/organisation", app.url))
        .header(COOKIE, "govledger_session=glt_0123456789abcdef_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::SEE_OTHER);
    let form_page = c.get(format!("{}/ui/login", app.url)).send().await.unwrap();
    assert_eq!(form_page.status(), StatusCode::OK);
    let form_html = form_page.text().await.unwrap();
    assert!(form_html.contains(r#"<label for="token">"#));
    assert!(form_html.contains(r#"<html lang="ja">"#));

    // A wrong token sets no cookie.
    let wrong = c
        .post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form("glt_0123456789abcdef_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.text().await.unwrap().contains("role=\"alert\""));

    // The right one sets the session cookie: the token, HttpOnly, SameSite=Strict, /ui only.
    let res = c
        .post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&app.auditor))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/ui/organisation");
    let set = res.headers()[SET_COOKIE].to_str().unwrap();
    assert_eq!(
        set,
        format!(
            "govledger_session={}; HttpOnly; SameSite=Strict; Path=/ui",
            app.auditor
        )
    );
    // Behind a TLS-terminating proxy the cookie is also Secure.
    let https = c
        .post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(form(&app.auditor))
        .send()
        .await
        .unwrap();
    assert!(
        https.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    let cookie = login(&app, &c).await;
    // The form brings the browser back to the page it asked for, never elsewhere.
    for (next, to) in [
        (
            "/ui/workflows?as_of=2026-02-01",
            "/ui/workflows?as_of=2026-02-01",
        ),
        ("https://evil.example/", "/ui/organisation"),
    ] {
        let res = c
            .post(format!("{}/ui/login", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([("token", app.auditor.as_str()), ("next", next)])
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()[LOCATION], to);
    }
    let with_next = c
        .get(format!("{}/ui/login?next=%2Fui%2Faudit", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        with_next
            .text()
            .await
            .unwrap()
            .contains(r#"<input type="hidden" name="next" value="/ui/audit">"#)
    );

    // Organisation: the officer of post O01 across the personnel change of 1 April 2025.
    let before = page(&app, &c, &cookie, "/ui/organisation?as_of=2025-03-31").await;
    let o01 = row(&before, "post-O01");
    assert!(o01.contains("中村 由美") && o01.contains("P0006"), "{o01}");
    assert!(o01.contains(r#"href="/ui/persons/P0006?as_of=2025-03-31""#));
    assert!(before.contains("令和7年3月31日"), "the era beside the date");
    let after = page(&app, &c, &cookie, "/ui/organisation?as_of=2025-04-01").await;
    let o01 = row(&after, "post-O01");
    assert!(o01.contains("吉田 智子") && o01.contains("P0352"), "{o01}");
    assert!(o01.contains("令和7年4月1日"));
    for section in ["システム総括者", "システム管理者", "利用責任者", "担当者"]
    {
        assert!(after.contains(section), "{section}");
    }

    // Who decided that P0390 may use A01, and was that person an officer of A01 that day?
    let a01 = page(&app, &c, &cookie, "/ui/assets/A01?as_of=2025-04-14").await;
    assert!(a01.contains("清水 智子"));
    assert!(a01.contains(r#"href="/ui/persons/P0352?as_of=2025-04-14""#));
    assert!(a01.contains(r#"id="holders-O01""#) && a01.contains(r#"id="decisions""#));
    let p0352 = page(&app, &c, &cookie, "/ui/persons/P0352?as_of=2025-04-14").await;
    let roles = element(&p0352, "roles", "</table>");
    assert!(roles.contains("情報管理責任者"), "{roles}");
    assert!(p0352.contains("post:O01"));

    // Workflows: SR-0002 is overdue on 1 February 2026, and highlighted.
    let wf = page(&app, &c, &cookie, "/ui/workflows?as_of=2026-02-01").await;
    assert!(wf.contains(r#"<tr id="sr-SR-0002" class="overdue">"#));
    assert!(row(&wf, "sr-SR-0002").contains("期限超過"));
    for table in ["modifications", "retirements", "meetings"] {
        assert!(wf.contains(&format!(r#"id="{table}""#)), "{table}");
    }

    // Timeline: the type filter keeps only that type; each event links to its proof.
    let tl = page(
        &app,
        &c,
        &cookie,
        "/ui/timeline?type=security_request.issued.v1",
    )
    .await;
    let types: Vec<&str> = tl
        .split("data-type=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(!types.is_empty());
    assert!(types.iter().all(|t| *t == "security_request.issued.v1"));
    assert!(tl.contains("href=\"/ui/proof/"));
    let all = page(&app, &c, &cookie, "/ui/timeline").await;
    assert_eq!(all.matches("data-type=\"").count(), 50, "one page");
    assert!(all.contains(r#"rel="next" href="/ui/timeline?after=50""#));
    let by_article = page(&app, &c, &cookie, "/ui/timeline?basis=%E7%AC%AC10%E6%9D%A1").await;
    assert!(by_article.contains("第10条"));

    // An event, its proof page and the proof's JSON through the session.
    let ev = page(&app, &c, &cookie, "/ui/events/5").await;
    assert!(ev.contains("/ui/proof/5"));
    let proof = page(&app, &c, &cookie, "/ui/proof/5").await;
    assert!(proof.contains(r#"id="proof""#));
    let json: Value = c
        .get(format!("{}/ui/proof/5/json", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(json["body"].is_string(), "{json}");
    let v1: Value = app.get_json("/v1/proof/inclusion?seq=5").await;
    assert_eq!(json, v1, "the page shows what /v1 answers");

    // Audit: the chain verifies, a checkpoint is shown, "verify now" comes back to the page.
    let audit = page(&app, &c, &cookie, "/ui/audit").await;
    assert!(element(&audit, "chain-status", "</p>").contains("正常"));
    assert!(audit.contains(r#"id="checkpoint""#) && audit.contains(r#"id="findings""#));
    // The form carries the session's CSRF token; without it the POST does nothing (403).
    let forged = c
        .post(format!("{}/ui/verify", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = element(&audit, "verify-form", "</form>")
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the verify form carries a CSRF token")
        .to_owned();
    let again = c
        .post(format!("{}/ui/verify", app.url))
        .header(COOKIE, &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()[LOCATION], "/ui/audit");
    // Another instance on the same ledger and key (as behind compose.yaml's round-robin proxy)
    // accepts the form the first one rendered: the key is derived from the signing key, not
    // drawn per process. A token that is not this session's is still refused there.
    let other = support::http::another_server(&app).await;
    let elsewhere = |token: String| {
        c.post(format!("{}/ui/verify", other.url))
            .header(COOKIE, &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={token}"))
            .send()
    };
    assert_eq!(
        elsewhere(csrf.clone()).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let mut wrong = csrf.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    assert_eq!(
        elsewhere(wrong).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    // A missing asset is an error page, not a problem document.
    let missing = c
        .get(format!("{}/ui/assets/A99", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // English: by query parameter, or by the switch, which only returns to /ui pages.
    let en = page(&app, &c, &cookie, "/ui/workflows?as_of=2026-02-01&lang=en").await;
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("OVERDUE"));
    let switch = c
        .get(format!("{}/ui/lang/en?back=/ui/audit", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.headers()[LOCATION], "/ui/audit");
    assert!(
        switch.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("lang=en;")
    );
    let away = c
        .get(format!("{}/ui/lang/en?back=//evil.example/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(away.status(), StatusCode::BAD_REQUEST);
    assert!(away.headers().get(LOCATION).is_none());
    let english = page(&app, &c, &format!("{cookie}; lang=en"), "/ui/audit").await;
    assert!(english.contains("Audit findings and verification"));

    // Login codes: only for a bearer token, single use.
    let no_bearer = c
        .post(format!("{}/ui/login-codes", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(no_bearer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        no_bearer.headers()["content-type"],
        "application/problem+json"
    );
    let code = login_code(&app, &c).await;
    let first = c
        .get(format!("{}/ui/login?code={code}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(
        first.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with(&format!("govledger_session={};", app.auditor))
    );
    let second = c
        .get(format!("{}/ui/login?code={code}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    assert!(second.headers().get(SET_COOKIE).is_none());

    // Logging out forgets the cookie; the form carries the CSRF token like every form (a
    // logout forged from elsewhere is a 403 and the session stays).
    let forged = c
        .post(format!("{}/ui/logout", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let any_page = page(&app, &c, &cookie, "/ui/audit").await;
    let csrf = any_page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the logout form carries a CSRF token")
        .to_owned();
    let out = c
        .post(format!("{}/ui/logout", app.url))
        .header(COOKIE, &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

/// The text a page shows (tags and the contents of `<pre>` left out; entities as written).
fn shown_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        rest = &rest[lt..];
        if rest.starts_with("<pre") {
            rest = rest.find("</pre>").map_or("", |e| &rest[e + 6..]);
        } else {
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
        }
    }
    out.push_str(rest);
    out
}

/// Words of `text` written in snake_case (`vacant_officer_post`, `modification.approved.v1`).
fn snake_case_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| w.contains('_') && w.chars().any(|c| c.is_ascii_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// Every link to a person in `html` as (id, the link's text).
fn person_links(html: &str) -> Vec<(String, String)> {
    html.split("<a href=\"/ui/persons/")
        .skip(1)
        .map(|s| {
            let id: String = s
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let text = s[s.find('>').unwrap() + 1..s.find("</a>").unwrap()].to_owned();
            (id, text)
        })
        .collect()
}

/// A UTC time as JSON writes it (`2026-12-02T05:48:55Z`, `…+00:00`), if `html` has one.
fn utc_time(html: &str) -> Option<&str> {
    let b = html.as_bytes();
    (0..b.len()).find_map(|i| {
        let t = b.get(i..i + 9)?;
        let shape = t[0] == b'T'
            && t[3] == b':'
            && t[6] == b':'
            && [1, 2, 4, 5, 7, 8].iter().all(|&k| t[k].is_ascii_digit());
        if !shape {
            return None;
        }
        let after = &html[i + 9..];
        let zone = after.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        (zone.starts_with('Z') || zone.starts_with("+00:00")).then(|| &html[i..i + 16])
    })
}

async fn the_pages_show_labels_in_the_page_language_names_beside_ids_and_times_in_jst(db: TestDb) {
    let app = demo_app(&db).await;
    let c = client();
    let cookie = login(&app, &c).await;

    // Audit: the verification time in JST with its era, findings in Japanese.
    let audit = page(&app, &c, &cookie, "/ui/audit").await;
    // The header names the caller as the ledger records them, the token's person id beside.
    let who_html = element(&audit, "who", "<form");
    let id = who_html
        .split("<span class=\"hint\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no person id beside the name: {who_html}"));
    let me = app.get_json(&format!("/v1/persons/{id}")).await;
    let who = shown_text(who_html);
    let name = me["name"].as_str().unwrap();
    assert!(
        who.find(name)
            .is_some_and(|at| who.find(id).is_some_and(|i| at < i)),
        "the header should show {name} before {id}: {who}"
    );
    assert_eq!(utc_time(&audit), None, "a UTC time on the audit page");
    let status = shown_text(element(&audit, "chain-status", "</p>"));
    assert!(
        status.contains(" JST") && status.contains("令和"),
        "{status}"
    );
    let findings = element(&audit, "findings", "</table>");
    let text = shown_text(findings);
    assert_eq!(snake_case_words(&text), Vec::<String>::new(), "{text}");
    for english in [
        "still may use",
        "has no",
        "was due",
        "acted for",
        "recorded",
    ] {
        assert!(!text.contains(english), "{english:?} in {text}");
    }
    assert!(
        text.contains("利用課を離れた利用者に残る利用許可"),
        "{text}"
    );
    assert!(text.contains("代理による決定"), "{text}");
    // The kind stays machine-readable beside the label.
    assert!(findings.contains(r#"data-kind="grant_held_by_user_who_left_division""#));

    // Workflows: states and what is missing in Japanese; approvers and signers by name.
    let wf = page(&app, &c, &cookie, "/ui/workflows?as_of=2026-02-01").await;
    let text = shown_text(&wf);
    assert_eq!(snake_case_words(&text), Vec::<String>::new());
    for english in [
        " open ",
        " decided ",
        " withdrawn ",
        " noticed ",
        " completed ",
        " responded ",
        " closed ",
    ] {
        assert!(!text.contains(english), "{english:?} on the workflows page");
    }
    assert!(shown_text(row(&wf, "sr-SR-0002")).contains("対応待ち"));
    let meetings = element(&wf, "meetings", "</table>");
    let signers = person_links(meetings);
    assert!(signers.iter().any(|(id, _)| id == "P0208"), "{signers:?}");
    let modifications = person_links(element(&wf, "modifications", "</table>"));
    assert!(!modifications.is_empty());
    for (id, text) in signers.iter().chain(&modifications) {
        assert_ne!(id, text, "{id} shown without a name");
        assert!(meetings.contains(id) || wf.contains(&format!("({id})")));
    }

    // Timeline, event, asset: event types as labels, actors by name.
    let tl = page(&app, &c, &cookie, "/ui/timeline?after=2200").await;
    let text = shown_text(element(&tl, "events", "</table>"));
    assert_eq!(snake_case_words(&text), Vec::<String>::new(), "{text}");
    assert!(text.contains("利用の許可"), "{text}");
    for (id, text) in person_links(&tl) {
        assert_ne!(id, text, "{id} shown without a name on the timeline");
    }
    let ev = page(&app, &c, &cookie, "/ui/events/2213").await;
    assert!(ev.contains("<h1>記録 #2213 利用の許可</h1>"));
    assert!(person_links(&ev).contains(&("P0352".to_owned(), "吉田 智子".to_owned())));
    assert_eq!(utc_time(&shown_text(&ev)), None);
    let a01 = page(&app, &c, &cookie, "/ui/assets/A01?as_of=2025-04-14").await;
    let decisions = element(&a01, "decisions", "</table>");
    assert_eq!(
        snake_case_words(&shown_text(decisions)),
        Vec::<String>::new()
    );
    for (id, text) in person_links(&a01) {
        assert_ne!(id, text, "{id} shown without a name on the asset page");
    }

    // The proof page: no Markdown backticks, and advice that works: the real proof client.
    let proof = page(&app, &c, &cookie, "/ui/proof/5").await;
    assert!(!proof.contains('`'), "a backtick on the proof page");
    let command = shown_text(element(&proof, "proof-command", "</pre>"));
    assert!(
        command.contains("govledger proof inclusion --url http://127.0.0.1:")
            && command.contains("--seq 5")
            && !command.contains("--file"),
        "{command}"
    );

    // English mode: English labels, not codes.
    let en = page(&app, &c, &format!("{cookie}; lang=en"), "/ui/audit").await;
    let text = shown_text(element(&en, "findings", "</table>"));
    assert!(text.contains("Grant held by a user who left the division"));
    assert_eq!(snake_case_words(&text), Vec::<String>::new());
    assert_eq!(utc_time(&en), None);
    let en_wf = page(&app, &c, &cookie, "/ui/workflows?as_of=2026-02-01&lang=en").await;
    assert!(shown_text(row(&en_wf, "sr-SR-0002")).contains("open"));
    assert_eq!(snake_case_words(&shown_text(&en_wf)), Vec::<String>::new());
}

/// A one-time login code for the auditor token.
async fn login_code(app: &TestApp, c: &reqwest::Client) -> String {
    let res = c
        .post(format!("{}/ui/login-codes", app.url))
        .bearer_auth(&app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    v["code"].as_str().unwrap().to_owned()
}

/// How many `<pre>` boxes of the page at `path` (and the page itself) are wider than they are
/// shown, when Chromium lays the page out at `size` with the view's stylesheet. The page is
/// fetched with the session and opened from a file, with a probe script added after it (the
/// server's CSP, rightly, runs no inline script).
async fn cut_lines(
    app: &TestApp,
    c: &reqwest::Client,
    cookie: &str,
    path: &str,
    size: &str,
    dir: &Path,
) -> usize {
    let html = page(app, c, cookie, path).await;
    let css = c
        .get(format!("{}/ui/static/style.css", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = r#"<link rel="stylesheet" href="/ui/static/style.css">"#;
    let script = r#"<script src="/ui/static/app.js" defer></script>"#;
    assert!(html.contains(link) && html.contains(script), "{path}");
    let probe = r#"<script>
        var cut = 0;
        document.querySelectorAll("pre").forEach(function (p) { if (p.scrollWidth > p.clientWidth) cut++; });
        var root = document.documentElement;
        if (root.scrollWidth > root.clientWidth) cut++;
        document.body.setAttribute("data-cut", String(cut));
    </script>"#;
    let html = html
        .replace(link, &format!("<style>{css}</style>"))
        .replace(script, "")
        .replace("</body>", &format!("{probe}</body>"));
    let name = format!("cut{}-{}", path.replace('/', "_"), size.replace(',', "x"));
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap();
    let (dom, _) = chromium(
        &dir.join(&name),
        "--dump-dom",
        &format!("file://{}", file.display()),
        size,
    )
    .await;
    let at = dom.find("data-cut=\"").expect("the probe did not run") + 10;
    dom[at..at + dom[at..].find('"').unwrap()].parse().unwrap()
}

/// Where the screenshots go: `<target>/ui-screenshots/`.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with `mode` (`--screenshot=…` or `--dump-dom`); returns
/// stdout and stderr.
async fn chromium(profile: &Path, mode: &str, url: &str, size: &str) -> (String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                // The pages follow the browser's language when no cookie says otherwise.
                "--lang=ja",
                "--accept-lang=ja",
                "--v=0",
            ])
            .arg(format!("--window-size={size}"))
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(mode)
            .arg(url)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("chromium took too long")
    .expect("chromium is required for this test: apt-get install -y chromium");
    assert!(out.status.success(), "chromium failed on {url}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Headless Chromium renders every page of the demo: a screenshot each, the DOM holds the
/// expected facts, and the console shows no script or CSP error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_chromium_renders_every_page_with_the_demo_facts() {
    let found = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "chromium is required for this test (apt-get install -y chromium); .ci/run installs it"
    );
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let c = client();
    let dir = screenshot_dir();
    let profiles = tempfile::tempdir().unwrap();
    let pages: &[(&str, &str, &[&str])] = &[
        (
            "organisation-2025-03-31",
            "/ui/organisation?as_of=2025-03-31",
            &["中村 由美", "P0006", "令和7年3月31日"],
        ),
        (
            "organisation-2025-04-01",
            "/ui/organisation?as_of=2025-04-01",
            &["吉田 智子", "P0352"],
        ),
        ("assets", "/ui/assets", &["A01"]),
        (
            "asset-A01",
            "/ui/assets/A01?as_of=2025-04-14",
            &["清水 智子", "holders-O01"],
        ),
        (
            "person-P0352",
            "/ui/persons/P0352?as_of=2025-04-14",
            &["吉田 智子", "情報管理責任者"],
        ),
        (
            "timeline-security-requests",
            "/ui/timeline?type=security_request.issued.v1",
            &["security_request.issued.v1", "/ui/proof/"],
        ),
        (
            "event-2213",
            "/ui/events/2213",
            &["permission.granted.v1", "/ui/proof/2213"],
        ),
        ("proof-5", "/ui/proof/5", &["\"leaf_index\""]),
        (
            "workflows-2026-02-01",
            "/ui/workflows?as_of=2026-02-01",
            &[r#"<tr id="sr-SR-0002" class="overdue">"#, "期限超過"],
        ),
        (
            "workflows-en",
            "/ui/workflows?as_of=2026-02-01&lang=en",
            &["OVERDUE", r#"<html lang="en">"#],
        ),
        ("audit", "/ui/audit", &["chain-status", "findings"]),
    ];
    for (i, (name, path, facts)) in pages.iter().enumerate() {
        let next = serde_urlencoded::to_string([("next", path)]).unwrap();
        let shot = dir.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let code = login_code(&app, &c).await;
        let url = format!("{}/ui/login?code={code}&{next}", app.url);
        let (_, log) = chromium(
            &profiles.path().join(format!("s{i}")),
            &format!("--screenshot={}", shot.display()),
            &url,
            "1280,900",
        )
        .await;
        let png = std::fs::read(&shot).unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG"), "no screenshot of {path}");
        let code = login_code(&app, &c).await;
        let url = format!("{}/ui/login?code={code}&{next}", app.url);
        let (dom, log2) = chromium(
            &profiles.path().join(format!("d{i}")),
            "--dump-dom",
            &url,
            "1280,900",
        )
        .await;
        for fact in *facts {
            assert!(
                dom.contains(fact),
                "{path}: {fact:?} not in the rendered page"
            );
        }
        assert!(dom.contains(r#"<main id="main">"#), "{path}: not a page");
        assert!(
            !dom.contains(r#"class="error""#),
            "{path}: an error is shown"
        );
        assert!(!dom.contains("problem+json") && !dom.contains("ログイン</button>"));
        for line in log.lines().chain(log2.lines()) {
            assert!(
                !(line.contains("CONSOLE") || line.contains("Uncaught")),
                "{path}: console message {line}"
            );
        }
    }
    // Long lines wrap: no `<pre>` (an event's body, a proof) is wider than its box, on a
    // laptop or a tablet, so nothing is cut off to the right.
    let cookie = login(&app, &c).await;
    for path in ["/ui/proof/5", "/ui/events/2213"] {
        for size in ["1280,900", "820,1180"] {
            let cut = cut_lines(&app, &c, &cookie, path, size, profiles.path()).await;
            assert_eq!(
                cut, 0,
                "{path} at {size}: {cut} boxes wider than the page or their box"
            );
        }
    }

    // A tablet in portrait: the same page still renders (tables scroll inside the page).
    let shot = dir.join("workflows-tablet.png");
    let code = login_code(&app, &c).await;
    let url = format!(
        "{}/ui/login?code={code}&next=%2Fui%2Fworkflows%3Fas_of%3D2026-02-01",
        app.url
    );
    chromium(
        &profiles.path().join("tablet"),
        &format!("--screenshot={}", shot.display()),
        &url,
        "820,1180",
    )
    .await;
    assert!(
        std::fs::read(&shot)
            .unwrap_or_default()
            .starts_with(b"\x89PNG")
    );
    println!("screenshots in {}", dir.display());
}

const WRONG_TOKEN: &str = "glt_0123456789abcdef_wrong";

/// `POST /ui/login` with `token`.
async fn form_login(app: &TestApp, c: &reqwest::Client, token: &str) -> reqwest::Response {
    c.post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(token))
        .send()
        .await
        .unwrap()
}

/// `GET /v1/head` with `token`: the API's answer.
async fn api_status(app: &TestApp, token: &str) -> StatusCode {
    app.client
        .get(format!("{}/v1/head", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// A page with `cookie` as the session.
async fn with_session(app: &TestApp, c: &reqwest::Client, token: &str) -> reqwest::Response {
    c.get(format!("{}/ui/organisation", app.url))
        .header(COOKIE, format!("govledger_session={token}"))
        .send()
        .await
        .unwrap()
}

async fn login_code_status(app: &TestApp, c: &reqwest::Client, token: &str) -> StatusCode {
    c.post(format!("{}/ui/login-codes", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

fn assert_too_many(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{what}");
    assert!(res.headers().get("retry-after").is_some(), "{what}");
    assert!(res.headers().get(SET_COOKIE).is_none(), "{what}");
}

async fn the_web_login_counts_against_the_failed_authentication_limiter_of_the_api(db: TestDb) {
    let app = spawn_app(&db).await;
    let c = client();

    // Used up through the API: every way into the web view answers 429, the right token too.
    for _ in 0..FAILED_AUTH_BURST {
        assert_eq!(
            api_status(&app, WRONG_TOKEN).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        api_status(&app, &app.auditor).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_too_many(&form_login(&app, &c, &app.auditor).await, "the form");
    assert_too_many(&with_session(&app, &c, &app.auditor).await, "a session");
    assert_eq!(
        login_code_status(&app, &c, &app.auditor).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let code = c
        .get(format!("{}/ui/login?code=00", app.url))
        .send()
        .await
        .unwrap();
    assert_too_many(&code, "a login code");

    // Each server below has a limiter of its own (it lives in the process).
    // Wrong tokens in the form count, and then the API refuses the right one.
    let form_guesser = another_server(&app).await;
    for _ in 0..FAILED_AUTH_BURST {
        let res = form_login(&form_guesser, &c, WRONG_TOKEN).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_too_many(
        &form_login(&form_guesser, &c, &form_guesser.auditor).await,
        "the form after wrong tokens",
    );
    assert_eq!(
        api_status(&form_guesser, &form_guesser.auditor).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Wrong session cookies count.
    let cookie_guesser = another_server(&app).await;
    for _ in 0..FAILED_AUTH_BURST {
        let res = with_session(&cookie_guesser, &c, WRONG_TOKEN).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        api_status(&cookie_guesser, &cookie_guesser.auditor).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Wrong login codes and wrong bearer tokens for a login code count.
    let code_guesser = another_server(&app).await;
    for i in 0..FAILED_AUTH_BURST {
        let status = if i % 2 == 0 {
            c.get(format!("{}/ui/login?code=00{i}", code_guesser.url))
                .send()
                .await
                .unwrap()
                .status()
        } else {
            login_code_status(&code_guesser, &c, WRONG_TOKEN).await
        };
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login_code_status(&code_guesser, &c, &code_guesser.auditor).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn the_language_switch_refuses_a_way_back_that_is_not_a_page_of_the_view(db: TestDb) {
    let app = spawn_app(&db).await;
    let c = client();
    for back in [
        "/ui/%0d%0aSet-Cookie:%20x=1",
        "/ui/%7f",
        "//evil.example/",
        "https://evil.example/ui/",
        "/ui/../v1/head",
    ] {
        let res = c
            .get(format!("{}/ui/lang/en?back={back}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{back}");
        assert!(res.headers().get(SET_COOKIE).is_none(), "{back}");
        assert!(res.headers().get(LOCATION).is_none(), "{back}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("back"),
            "{back}: the page names the parameter"
        );
    }
    let ok = c
        .get(format!(
            "{}/ui/lang/en?back=/ui/timeline%3Fbasis%3D%25E7%25AC%25AC10",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()[LOCATION], "/ui/timeline?basis=%E7%AC%AC10");
    let none = c
        .get(format!("{}/ui/lang/ja", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(none.headers()[LOCATION], "/ui/organisation");

    // The login form's `next` is held to the same rule (a bad one goes home, never a 500).
    let res = c
        .post(format!("{}/ui/login", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("token", app.auditor.as_str()),
                ("next", "/ui/\r\nSet-Cookie: x=1"),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/ui/organisation");
}

/// The values of `attr="…"` on the elements of class `class`, in page order.
fn attrs_of_class(html: &str, class: &str, attr: &str) -> Vec<String> {
    let start = format!(r#"class="{class}" {attr}=""#);
    html.split(&start)
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// The pages read the same typed answers `/v1` serves: the timeline lists the events (seq and
/// hash) `/v1/events` answers for the same filter, an event page shows the hash, previous hash
/// and basis `/v1/events/{seq}` has, the person page the posts and roles of `/v1/persons/{id}`,
/// and the audit page the counts of `/v1/verify`.
async fn the_timeline_event_person_and_audit_pages_show_what_v1_answers(db: TestDb) {
    let app = demo_app(&db).await;
    let c = client();
    let cookie = login(&app, &c).await;

    for (ui, v1) in [
        ("/ui/timeline", "/v1/events?limit=50"),
        (
            "/ui/timeline?basis=%E7%AC%AC10%E6%9D%A1&after=20",
            "/v1/events?limit=50&basis=%E7%AC%AC10%E6%9D%A1&after=20",
        ),
    ] {
        let html = page(&app, &c, &cookie, ui).await;
        let json = app.get_json(v1).await;
        let events = json["events"].as_array().unwrap();
        assert!(!events.is_empty(), "{v1}");
        let hashes: Vec<String> = events
            .iter()
            .map(|e| e["hash"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(attrs_of_class(&html, "hash", "title"), hashes, "{ui}");
        for e in events {
            let seq = e["seq"].as_u64().unwrap();
            assert!(
                html.contains(&format!(r#"href="/ui/proof/{seq}""#)),
                "{ui}: {seq}"
            );
            assert!(
                html.contains(e["meta"]["basis"].as_str().unwrap()),
                "{ui}: {seq}"
            );
        }
        match json["next"].as_u64() {
            Some(n) => assert!(html.contains(&format!("after={n}\"")), "{ui}"),
            None => assert!(!html.contains(r#"rel="next""#), "{ui}"),
        }
    }

    for seq in [1, 5, 2213] {
        let html = page(&app, &c, &cookie, &format!("/ui/events/{seq}")).await;
        let e = app.get_json(&format!("/v1/events/{seq}")).await;
        for field in ["hash", "prev"] {
            let v = e[field].as_str().unwrap();
            assert!(
                html.contains(&format!(r#"<dd class="hash">{v}</dd>"#)),
                "{seq}: {field}"
            );
        }
        assert!(html.contains(e["meta"]["basis"].as_str().unwrap()), "{seq}");
        assert!(html.contains(e["type"].as_str().unwrap()), "{seq}");
    }

    let html = page(&app, &c, &cookie, "/ui/persons/P0352?as_of=2025-04-14").await;
    let v = app.get_json("/v1/persons/P0352?as_of=2025-04-14").await;
    let posts = element(&html, "posts", "</table>");
    let held = v["posts"].as_array().unwrap();
    assert!(!held.is_empty());
    for p in held {
        assert!(posts.contains(p["post_id"].as_str().unwrap()), "{p}");
    }
    let roles = element(&html, "roles", "</table>");
    let role_rows = v["roles"].as_array().unwrap();
    assert!(!role_rows.is_empty());
    assert_eq!(
        roles.matches("<tr>").count(),
        role_rows.len() + 1,
        "{roles}"
    );
    for r in role_rows {
        assert!(roles.contains(r["via"].as_str().unwrap()), "{r}");
    }

    let audit = page(&app, &c, &cookie, "/ui/audit").await;
    let verify = app.get_json("/v1/verify").await;
    let status = element(&audit, "chain-status", "</p>");
    assert!(
        status.contains(&format!(
            "{} 件を検証（seq 1..{})",
            verify["verified"], verify["verified_to"]
        )),
        "{status}"
    );
    assert_eq!(verify["ok"], true);
    assert!(status.contains("正常"), "{status}");
}

//! Database faults: PostgreSQL becomes unreachable mid-run (a TCP proxy in the test, cut and
//! restored, stands in for a stopped server or a broken network, so the shared PostgreSQL of
//! CI is never stopped). Requests get 503 problem+json, `/readyz` 503, no partial event is
//! recorded, and service resumes by itself when the database is back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::TestDb;
use support::checks::{assert_one_gapless_verified_chain, register_body, some_unit};
use support::http::{TestApp, genesis_app};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards 127.0.0.1:`port` to `target` while up; cut, it closes every connection and
/// refuses new ones (accepts and closes at once).
struct Proxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, _) = watch::channel(true);
        let up_rx = up.subscribe();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let mut up = up_rx.clone();
                if !*up.borrow() {
                    continue; // dropped: the client sees the connection closed
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = up.wait_for(|u| !*u) => {}
                    }
                });
            }
        });
        Proxy { port, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// `postgres://user@host:port/name` → (`host:port`, the same URL through 127.0.0.1:`port`).
fn through_proxy(url: &str, port: u16) -> (String, String) {
    let rest = url.strip_prefix("postgres://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let (addr, name) = rest.split_once('/').unwrap();
    (
        addr.to_owned(),
        format!("postgres://{user}@127.0.0.1:{port}/{name}"),
    )
}

async fn register(app: &TestApp, body: &str) -> reqwest::Response {
    app.post_json("/v1/commands/register_person", &app.admin, body)
        .send()
        .await
        .unwrap()
}

async fn assert_unavailable(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 503, "{what}");
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["status"], 503, "{what}: {p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_unreachable_gives_503_records_nothing_and_recovers_by_itself() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let started = Instant::now();
    let direct = genesis_app(&db).await;
    let unit = some_unit(&direct).await;
    let (target, _) = through_proxy(&db.url, 0);
    let proxy = Proxy::start(target).await;
    let (_, proxied_url) = through_proxy(&db.url, proxy.port);
    let app = direct.on_url(&proxied_url, None).await;
    drop(direct);

    let ok = uuid::Uuid::now_v7().to_string();
    let res = register(&app, &register_body("P0500", &unit, &ok)).await;
    assert_eq!(res.status(), 201);
    let before = app.get_json("/v1/head").await;

    proxy.cut();
    let lost = uuid::Uuid::now_v7().to_string();
    let lost_body = register_body("P0501", &unit, &lost);
    let t = Instant::now();
    assert_unavailable(register(&app, &lost_body).await, "an append").await;
    eprintln!("append answered 503 after {:?}", t.elapsed());
    let ready = app
        .client
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_unavailable(ready, "/readyz").await;
    let read = app.get("/v1/head", &app.auditor).send().await.unwrap();
    assert_unavailable(read, "a read").await;

    proxy.restore();
    let back = Instant::now();
    loop {
        let res = app
            .client
            .get(format!("{}/readyz", app.url))
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(15), "did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("ready again {:?} after the restore", back.elapsed());
    // Nothing of the failed decision was recorded; its retry records it once.
    assert_eq!(app.get_json("/v1/head").await, before);
    let res = app
        .get(&format!("/v1/events/{lost}"), &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(register(&app, &lost_body).await.status(), 201);
    assert_eq!(register(&app, &lost_body).await.status(), 200);
    let res = register(
        &app,
        &register_body("P0502", &unit, &uuid::Uuid::now_v7().to_string()),
    )
    .await;
    assert_eq!(res.status(), 201);
    let events = assert_one_gapless_verified_chain(&app).await;
    assert_eq!(events.len() as u64, before["seq"].as_u64().unwrap() + 2);

    // Cut in the middle of concurrent appends: each answer is 201 or 503; every 201 is
    // recorded; a 503 may have been committed (its commit's answer was lost), so a retry
    // answers 201 or 200 (replay) and records it exactly once.
    let mut clients = Vec::new();
    for k in 0..4 {
        let (url, token, unit, client) = (
            app.url.clone(),
            app.admin.clone(),
            unit.clone(),
            app.client.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in 0..40 {
                let id = uuid::Uuid::now_v7().to_string();
                let body = register_body(&format!("P6{k}{n:03}"), &unit, &id);
                let res = client
                    .post(format!("{url}/v1/commands/register_person"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let text = res.text().await.unwrap();
                assert!(matches!(status, 201 | 503), "answered {status}: {text}");
                answers.push((status, id, body));
            }
            answers
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    proxy.restore();
    let mut answers = Vec::new();
    for c in clients {
        answers.extend(c.await.unwrap());
    }
    let unavailable = answers.iter().filter(|a| a.0 == 503).count();
    eprintln!("{} answers, {unavailable} of them 503", answers.len());
    for (status, id, body) in &answers {
        assert!(matches!(status, 201 | 503), "answered {status}");
        if *status == 201 {
            let res = app
                .get(&format!("/v1/events/{id}"), &app.auditor)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "acknowledged {id} is lost");
        } else {
            let res = register(&app, body).await;
            let retry = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert!(matches!(retry, 200 | 201), "retry answered {retry}: {text}");
        }
    }
    let events = assert_one_gapless_verified_chain(&app).await;
    for (_, id, _) in &answers {
        assert_eq!(events.iter().filter(|e| e["id"] == id.as_str()).count(), 1);
    }
    eprintln!("fault test in {:?}", started.elapsed());
}

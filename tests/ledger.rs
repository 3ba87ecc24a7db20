//! The Ledger on a real database: decisions through the rules, retries, refusals, snapshots,
//! rebuilds, and two instances on one database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use govledger::ledger::{CommandRequest, Ledger, LedgerError};
use govledger::rules::Command;
use govledger::store::Store;
use support::{TestDb, jst};
use uuid::Uuid;

on_both_backends!(
    the_demo_recorded_through_the_ledger_rebuilds_to_the_same_state,
    a_retry_returns_the_original_events_and_a_reused_id_is_refused,
    a_refused_command_appends_nothing_and_names_the_article,
    two_instances_cannot_both_accept_conflicting_decisions,
    concurrent_commands_are_batched_yet_each_gets_its_own_answer,
    clients_sending_one_decision_after_another_keep_sharing_commits,
    a_ledger_idle_for_years_takes_a_decision_dated_now_and_its_retry_without_a_date,
    the_same_request_sent_many_times_at_once_is_recorded_once,
);

async fn genesis(store: &Store) -> Ledger {
    let (ledger, _) = Ledger::open(store.clone()).await.unwrap();
    ledger
        .genesis(
            &govledger::demo::demo_genesis_admin(),
            govledger::demo::demo_genesis_at(),
        )
        .await
        .unwrap();
    ledger
}

fn request(actor: &str, effective: &str, command: Command) -> CommandRequest {
    CommandRequest {
        command,
        actor: actor.into(),
        effective_at: jst(effective),
        effective_at_defaulted: false,
        event_id: None,
        request_id: None,
        token: None,
    }
}

async fn the_demo_recorded_through_the_ledger_rebuilds_to_the_same_state(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    // The first few hundred steps of the demo are enough to exercise every kind of fold.
    for step in govledger::demo::script(7).into_iter().take(300) {
        ledger
            .execute(CommandRequest {
                command: step.command,
                actor: step.actor,
                effective_at: step.effective_at,
                effective_at_defaulted: false,
                event_id: None,
                request_id: None,
                token: None,
            })
            .await
            .unwrap();
    }
    let incremental = ledger.read(|s| (s.applied_seq(), s.state_hash()));
    assert_eq!(incremental.0, store.head().await.unwrap().seq);

    // From scratch, in another "process".
    let (fresh, loaded) = Ledger::open(Store::open(&db.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(loaded.snapshot_seq, None);
    assert_eq!(loaded.replayed, incremental.0);
    assert_eq!(
        fresh.read(|s| (s.applied_seq(), s.state_hash())),
        incremental
    );

    // From a snapshot: nothing replayed, same state.
    assert_eq!(ledger.snapshot().await.unwrap(), incremental.0);
    let (snapped, loaded) = Ledger::open(Store::open(&db.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (loaded.snapshot_seq, loaded.replayed),
        (Some(incremental.0), 0)
    );
    assert_eq!(
        snapped.read(|s| (s.applied_seq(), s.state_hash())),
        incremental
    );
}

async fn a_retry_returns_the_original_events_and_a_reused_id_is_refused(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    let id = Uuid::now_v7();
    let mut req = request(
        "P0001",
        "2021-04-02T00:00:00+09:00",
        Command::IssueDirective {
            title: "パスワード管理の徹底".into(),
            body: "各課で確認すること".into(),
            bureau: None,
        },
    );
    req.event_id = Some(id);
    let first = ledger.execute(req.clone()).await.unwrap();
    assert!(!first.replayed);
    assert_eq!(first.events[0].id, id);
    let head = store.head().await.unwrap();

    let again = ledger.execute(req.clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.events, first.events);
    assert_eq!(store.head().await.unwrap(), head, "a retry appends nothing");

    let mut other = req;
    other.command = Command::IssueDirective {
        title: "別の指示".into(),
        body: "内容が違う".into(),
        bureau: None,
    };
    match ledger.execute(other).await {
        Err(LedgerError::IdReused(reused)) => assert_eq!(reused, id),
        r => panic!("expected the reused id to be refused, got {r:?}"),
    }
    assert_eq!(store.head().await.unwrap(), head);
}

async fn a_refused_command_appends_nothing_and_names_the_article(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    let head = store.head().await.unwrap();
    // Nobody but an officer of the asset may grant its use (第5条第2項); the person is unknown
    // as well, and the refusal must say which rule stopped it.
    let err = ledger
        .execute(request(
            "P0001",
            "2021-04-02T00:00:00+09:00",
            Command::GrantPermission {
                person_id: "P0001".into(),
                asset_id: "A01".into(),
                scope: "照会".into(),
                until: None,
                request_id: None,
            },
        ))
        .await
        .unwrap_err();
    let LedgerError::Refused(refusal) = err else {
        panic!("expected a refusal, got {err}")
    };
    assert!(refusal.article.starts_with('第'), "{refusal}");
    assert!(refusal.to_string().contains(refusal.article));
    // Before the genesis: refused too.
    let err = ledger
        .execute(request(
            "P0001",
            "2020-01-01T00:00:00+09:00",
            Command::IssueDirective {
                title: "t".into(),
                body: "b".into(),
                bureau: None,
            },
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Refused(_)), "{err}");
    assert_eq!(store.head().await.unwrap(), head, "nothing appended");
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
}

async fn two_instances_cannot_both_accept_conflicting_decisions(db: TestDb) {
    let store = db.open().await;
    let a = genesis(&store).await;
    // A second instance with its own projections, opened on the same database.
    let (b, _) = Ledger::open(Store::open(&db.url).await.unwrap())
        .await
        .unwrap();
    // Register one person, then both instances try to register the same id at once: the
    // second decision must see the first (caught up inside the lock) and be refused.
    let register = |ledger: Ledger| async move {
        ledger
            .execute(request(
                "P0001",
                "2021-04-02T00:00:00+09:00",
                Command::RegisterPerson {
                    person_id: "P7777".into(),
                    name: "重複 太郎".into(),
                    unit_id: "HW-GA-SYS".into(),
                    personnel_order: None,
                },
            ))
            .await
    };
    let (ra, rb) = tokio::join!(register(a.clone()), register(b.clone()));
    let accepted = [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(
        accepted, 1,
        "exactly one instance records it: {ra:?} / {rb:?}"
    );
    let refused = if ra.is_err() { ra } else { rb };
    assert!(
        matches!(refused, Err(LedgerError::Refused(_))),
        "{refused:?}"
    );
    // Both instances converge on the same state.
    a.refresh().await.unwrap();
    b.refresh().await.unwrap();
    assert_eq!(a.read(|s| s.state_hash()), b.read(|s| s.state_hash()));
}

async fn concurrent_commands_are_batched_yet_each_gets_its_own_answer(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    let start = store.head().await.unwrap().seq;
    // 40 directives (all acceptable) and 8 registrations of one person id (one acceptable),
    // all at once: they share transactions, and each answer is its own.
    let mut tasks = Vec::new();
    for i in 0..48u32 {
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let command = if i < 40 {
                Command::IssueDirective {
                    title: format!("指示 {i}"),
                    body: "本文".into(),
                    bureau: None,
                }
            } else {
                Command::RegisterPerson {
                    person_id: "P8888".into(),
                    name: "同時 花子".into(),
                    unit_id: "HW-GA-SYS".into(),
                    personnel_order: None,
                }
            };
            (
                i,
                ledger
                    .execute(request("P0001", "2021-04-02T00:00:00+09:00", command))
                    .await,
            )
        }));
    }
    let mut seqs = Vec::new();
    let mut registered = 0;
    for t in tasks {
        let (i, result) = t.await.unwrap();
        match (i < 40, result) {
            (true, Ok(done)) => seqs.extend(done.events.iter().map(|e| e.seq)),
            (false, Ok(done)) => {
                registered += 1;
                seqs.extend(done.events.iter().map(|e| e.seq));
            }
            (false, Err(LedgerError::Refused(_))) => {}
            (_, other) => panic!("command {i}: unexpected {other:?}"),
        }
    }
    assert_eq!(
        registered, 1,
        "exactly one registration of P8888 is accepted"
    );
    seqs.sort_unstable();
    let head = store.head().await.unwrap().seq;
    assert_eq!(
        seqs,
        ((start + 1)..=head).collect::<Vec<_>>(),
        "every accepted event, gapless, once"
    );
    assert_eq!(ledger.applied_seq(), head);
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
    let (fresh, _) = Ledger::open(Store::open(&db.url).await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        fresh.read(|s| s.state_hash()),
        ledger.read(|s| s.state_hash())
    );
}

/// Group commit in the steady state, not only in the first wave: 16 clients each send 12
/// decisions one after another (as HTTP clients do). A client whose decision a leader took
/// along must get its answer without queueing for the write lock; when it queued, every
/// waiter led a batch of its own in turn and batches held one decision each.
async fn clients_sending_one_decision_after_another_keep_sharing_commits(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    let (batches_before, decided_before) = ledger.batch_stats();
    let mut tasks = Vec::new();
    for c in 0..16u32 {
        let ledger = ledger.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..12u32 {
                let command = Command::IssueDirective {
                    title: format!("指示 {c}-{i}"),
                    body: "本文".into(),
                    bureau: None,
                };
                ledger
                    .execute(request("P0001", "2021-04-02T00:00:00+09:00", command))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (batches, decided) = ledger.batch_stats();
    let (batches, decided) = (batches - batches_before, decided - decided_before);
    assert_eq!(decided, 16 * 12);
    // With the fault this was 1.0 per batch; shared commits give several (about 8 here).
    assert!(
        decided >= 3 * batches,
        "{decided} decisions in {batches} batches: commits are not shared"
    );
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
}

async fn a_ledger_idle_for_years_takes_a_decision_dated_now_and_its_retry_without_a_date(
    db: TestDb,
) {
    let store = db.open().await;
    // The genesis is years ago and nothing happened since.
    let ledger = genesis(&store).await;
    let id = Uuid::now_v7();
    let directive = || Command::IssueDirective {
        title: "年次点検".into(),
        body: "実施すること".into(),
        bureau: None,
    };
    let now = govledger::jst::now();
    let first = ledger
        .execute(CommandRequest {
            command: directive(),
            actor: "P0001".into(),
            effective_at: now,
            effective_at_defaulted: true,
            event_id: Some(id),
            request_id: None,
            token: None,
        })
        .await
        .unwrap();
    // The client retries without a date; "now" has moved on, yet it is the same request.
    let again = ledger
        .execute(CommandRequest {
            command: directive(),
            actor: "P0001".into(),
            effective_at: now + chrono::TimeDelta::seconds(7),
            effective_at_defaulted: true,
            event_id: Some(id),
            request_id: None,
            token: None,
        })
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.events, first.events);
    // More than a year ahead of now is still refused.
    let err = ledger
        .execute(request(
            "P0001",
            &(now + chrono::TimeDelta::days(400)).to_rfc3339(),
            directive(),
        ))
        .await
        .unwrap_err();
    match err {
        LedgerError::Refused(r) => assert_eq!(r.rule, "ledger.too_far_in_future"),
        other => panic!("expected a refusal, got {other}"),
    }
}

async fn the_same_request_sent_many_times_at_once_is_recorded_once(db: TestDb) {
    let store = db.open().await;
    let ledger = genesis(&store).await;
    let before = store.head().await.unwrap().seq;
    let id = Uuid::now_v7();
    // Eight copies of one request at once (a client retrying eagerly) land in the same batches:
    // the first is decided, every other is answered with its events.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let ledger = ledger.clone();
        let mut req = request(
            "P0001",
            "2021-04-02T00:00:00+09:00",
            Command::IssueDirective {
                title: "一度だけ".into(),
                body: "本文".into(),
                bureau: None,
            },
        );
        req.event_id = Some(id);
        tasks.push(tokio::spawn(async move { ledger.execute(req).await }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap().unwrap());
    }
    assert_eq!(
        answers.iter().filter(|a| !a.replayed).count(),
        1,
        "decided once"
    );
    assert!(
        answers.iter().all(|a| a.events == answers[0].events),
        "every copy gets the same events"
    );
    assert_eq!(
        store.head().await.unwrap().seq,
        before + answers[0].events.len() as u64
    );
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
}

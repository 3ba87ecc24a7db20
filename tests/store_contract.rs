//! The store contract, run against SQLite and PostgreSQL alike.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::collections::HashSet;
use std::process::Command;

use govledger::merkle::{completed_at, leaf_hash, mth};
use govledger::store::{BreakKind, EventFilter, ExpectedVersion, Store, StoreError};
use govledger_schema::{Digest32, Event};
use sqlx::AssertSqlSafe;
use support::{TestDb, event};

on_both_backends!(
    appends_get_gapless_seqs_and_a_valid_chain,
    a_wrong_expected_version_is_a_conflict_naming_stream_expected_and_actual,
    a_retry_with_the_same_id_and_content_returns_the_original_seqs,
    the_same_id_with_other_content_is_a_conflict_and_writes_nothing,
    concurrent_tasks_make_one_linear_chain_and_every_conflict_is_reported,
    the_database_refuses_update_and_delete_of_events,
    verify_names_the_first_bad_seq_for_each_kind_of_tampering,
    stored_merkle_nodes_give_the_rfc9162_root_of_every_size,
    streams_read_back_in_version_order_with_bodies_byte_exact,
    two_processes_appending_at_once_make_one_linear_chain,
    deep_verify_also_catches_a_body_rewritten_in_non_canonical_spelling,
    filtered_listings_bind_every_filter_and_stop_at_upto_and_limit,
    a_ledger_of_the_old_layout_keeps_its_tree_when_its_nodes_move_into_the_rows,
    writers_dropped_without_commit_or_poisoned_leave_nothing_and_free_the_head,
);

async fn appends_get_gapless_seqs_and_a_valid_chain(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.head().await.unwrap().seq, 0);
    let a = store
        .append(
            "asset/A01",
            ExpectedVersion::NoStream,
            vec![event(1), event(2)],
        )
        .await
        .unwrap();
    let b = store
        .append("asset/A02", ExpectedVersion::Any, vec![event(3)])
        .await
        .unwrap();
    let c = store
        .append("asset/A01", ExpectedVersion::Exact(2), vec![event(4)])
        .await
        .unwrap();
    let seqs: Vec<u64> = a.iter().chain(&b).chain(&c).map(|c| c.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!((c[0].stream.as_str(), c[0].version), ("asset/A01", 3));

    let all = store.read_from(1, 100).await.unwrap();
    let mut prev = Digest32::ZERO;
    for stored in &all {
        assert_eq!(Digest32::of(&stored.body), stored.hash);
        let e = stored.event().unwrap();
        assert_eq!(
            e.prev, prev,
            "seq {} must link to the hash before it",
            e.seq
        );
        assert_eq!(
            e.encode().unwrap(),
            stored.body,
            "bodies are stored byte-exact"
        );
        prev = stored.hash;
    }
    let head = store.head().await.unwrap();
    assert_eq!((head.seq, head.hash), (4, prev));
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 4);
}

async fn a_wrong_expected_version_is_a_conflict_naming_stream_expected_and_actual(db: TestDb) {
    let store = db.open().await;
    store
        .append("person/P1", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    let err = store
        .append("person/P1", ExpectedVersion::NoStream, vec![event(2)])
        .await
        .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.to_string(),
        "stream person/P1: expected no stream, but the stream is at version 1"
    );
    let err = store
        .append("person/P1", ExpectedVersion::Exact(5), vec![event(3)])
        .await
        .unwrap_err();
    match err {
        StoreError::WrongExpectedVersion {
            stream,
            expected,
            actual,
        } => {
            assert_eq!(
                (stream.as_str(), expected, actual),
                ("person/P1", ExpectedVersion::Exact(5), 1)
            );
        }
        other => panic!("expected a version conflict, got {other}"),
    }
    assert_eq!(store.head().await.unwrap().seq, 1, "nothing was appended");
}

async fn a_retry_with_the_same_id_and_content_returns_the_original_seqs(db: TestDb) {
    let store = db.open().await;
    store
        .append("s", ExpectedVersion::Any, vec![event(0)])
        .await
        .unwrap();
    let batch = vec![event(1), event(2)];
    let first = store
        .append("s/x", ExpectedVersion::NoStream, batch.clone())
        .await
        .unwrap();
    // Even with an expected version that no longer holds: a retry is not a new write.
    let again = store
        .append("s/x", ExpectedVersion::NoStream, batch)
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(store.head().await.unwrap().seq, 3);
}

async fn the_same_id_with_other_content_is_a_conflict_and_writes_nothing(db: TestDb) {
    let store = db.open().await;
    let original = event(1);
    store
        .append("s", ExpectedVersion::Any, vec![original.clone()])
        .await
        .unwrap();
    let mut changed = original.clone();
    changed.data = serde_json::json!({"n": 999});
    let err = store
        .append("s", ExpectedVersion::Any, vec![changed])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::IdConflict { seq: 1, .. }),
        "{err}"
    );
    // Same id in another stream is other content too.
    let err = store
        .append("t", ExpectedVersion::Any, vec![original.clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IdConflict { .. }), "{err}");
    // A batch mixing a recorded id and a new one is refused whole.
    let err = store
        .append("s", ExpectedVersion::Any, vec![original, event(2)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IdConflict { .. }), "{err}");
    let dup = event(3);
    let err = store
        .append("s", ExpectedVersion::Any, vec![dup.clone(), dup])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateIdInBatch { .. }),
        "{err}"
    );
    assert_eq!(store.head().await.unwrap().seq, 1);
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
}

async fn concurrent_tasks_make_one_linear_chain_and_every_conflict_is_reported(db: TestDb) {
    let store = db.open().await;
    const TASKS: u64 = 12;
    const ROUNDS: u64 = 15;
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut ok = Vec::new();
            let mut conflicts = 0u64;
            for r in 0..ROUNDS {
                // Even tasks share one hot stream with optimistic versions; odd tasks own one.
                let (stream, batch) = if t % 2 == 0 {
                    ("hot".to_string(), vec![event(t * 100 + r)])
                } else {
                    (
                        format!("own/{t}"),
                        vec![event(t * 100 + r), event(t * 100 + r + 50)],
                    )
                };
                let expected = if t % 2 == 0 {
                    ExpectedVersion::Exact(store.stream_version(&stream).await.unwrap())
                } else {
                    ExpectedVersion::Any
                };
                match store.append(&stream, expected, batch).await {
                    Ok(c) => ok.extend(c),
                    Err(e) if e.is_conflict() => conflicts += 1,
                    Err(e) => panic!("unexpected error: {e}"),
                }
            }
            (ok, conflicts)
        }));
    }
    let mut committed = Vec::new();
    let mut conflicts = 0;
    for h in handles {
        let (ok, c) = h.await.unwrap();
        committed.extend(ok);
        conflicts += c;
    }
    let expected_total = (TASKS / 2) * ROUNDS * 2 + (TASKS / 2) * ROUNDS - conflicts;
    assert_eq!(
        committed.len() as u64,
        expected_total,
        "every append either committed whole or was reported"
    );
    let seqs: HashSet<u64> = committed.iter().map(|c| c.seq).collect();
    assert_eq!(seqs.len(), committed.len(), "no seq given twice");
    assert_eq!(
        seqs,
        (1..=expected_total).collect(),
        "seqs are 1..N without a gap"
    );
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, expected_total);
    // Versions in the hot stream are 1..n with no gap: conflicting writers wrote nothing.
    let hot = store.read_stream("hot", 1, 10_000).await.unwrap();
    let versions: Vec<u64> = hot.iter().map(|s| s.event().unwrap().version).collect();
    assert_eq!(versions, (1..=hot.len() as u64).collect::<Vec<_>>());
}

async fn the_database_refuses_update_and_delete_of_events(db: TestDb) {
    let store = db.open().await;
    store
        .append("s", ExpectedVersion::Any, vec![event(1), event(2)])
        .await
        .unwrap();
    let attempts = [
        "UPDATE events SET body = body WHERE seq = 1",
        "DELETE FROM events WHERE seq = 2",
        "UPDATE events SET nodes = NULL WHERE seq = 2",
        "UPDATE ledger_head SET seq = 0",
        "INSERT INTO events (seq, id, stream, version, type, actor, basis, effective_us, recorded_us, hash, body) \
         SELECT 7, id, stream, version + 10, type, actor, basis, effective_us, recorded_us, hash, body FROM events WHERE seq = 1",
    ];
    for sql in attempts {
        let err = support::raw_sql(&store, sql)
            .await
            .expect_err(sql)
            .to_string();
        assert!(
            err.contains("govledger") || err.contains("unique"),
            "{sql}: {err}"
        );
    }
    // Rows that collide with nothing (a new id, a new stream version) but leave a gap, alone
    // or inside one statement: the gapless trigger itself must refuse them.
    let new_id = if store.postgres_pool().is_some() {
        "gen_random_uuid()"
    } else {
        "randomblob(16)"
    };
    let copy = |seq: u64| {
        format!(
            "SELECT {seq}, {new_id}, stream, version + {seq}, type, actor, basis, effective_us, \
             recorded_us, hash, body FROM events WHERE seq = 1"
        )
    };
    let insert = "INSERT INTO events (seq, id, stream, version, type, actor, basis, \
                  effective_us, recorded_us, hash, body) ";
    for rows in [copy(4), format!("{} UNION ALL {}", copy(3), copy(5))] {
        let sql = format!("{insert}{rows}");
        let err = support::raw_sql(&store, &sql)
            .await
            .expect_err(&sql)
            .to_string();
        assert!(err.contains("gapless"), "{sql}: {err}");
    }
    if let Some(p) = store.postgres_pool() {
        let err = sqlx::query("TRUNCATE events").execute(p).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
}

/// Raw SQL run with the append-only triggers out of the way, as an attacker with database
/// access would.
async fn tamper(store: &Store, statements: &[&str]) {
    if let Some(p) = store.sqlite_pool() {
        for t in [
            "events_no_update",
            "events_no_delete",
            "events_gapless",
            "ledger_head_forward",
        ] {
            sqlx::query(AssertSqlSafe(format!("DROP TRIGGER IF EXISTS {t}")))
                .execute(p)
                .await
                .unwrap();
        }
        for s in statements {
            sqlx::query(AssertSqlSafe(s.to_string()))
                .execute(p)
                .await
                .unwrap();
        }
    } else if let Some(p) = store.postgres_pool() {
        for s in [
            "ALTER TABLE events DISABLE TRIGGER USER",
            "ALTER TABLE ledger_head DISABLE TRIGGER USER",
        ] {
            sqlx::query(s).execute(p).await.unwrap();
        }
        for s in statements {
            sqlx::query(AssertSqlSafe(s.replace("substr(", "substring(")))
                .execute(p)
                .await
                .unwrap();
        }
    }
}

async fn verify_names_the_first_bad_seq_for_each_kind_of_tampering(_db: TestDb) {
    let is_pg = _db.url.starts_with("postgres");
    type Check = fn(&BreakKind) -> bool;
    // (what, statements, first bad seq, expected kind)
    let cases: Vec<(&str, Vec<String>, u64, Check)> = vec![
        (
            "change a body byte",
            vec![if is_pg {
                "UPDATE events SET body = overlay(body placing '9'::bytea from 21 for 1) WHERE seq = 5".into()
            } else {
                "UPDATE events SET body = CAST(substr(body, 1, 20) || '9' || substr(body, 22) AS BLOB) WHERE seq = 5".into()
            }],
            5,
            // Still canonical JSON ("A02" became "A09"), so only the hash gives it away.
            |k| matches!(k, BreakKind::HashMismatch { .. }),
        ),
        (
            "change a stored hash",
            vec![
                "UPDATE events SET hash = (SELECT hash FROM events WHERE seq = 2) WHERE seq = 6"
                    .into(),
            ],
            6,
            |k| matches!(k, BreakKind::HashMismatch { .. }),
        ),
        (
            "delete a row",
            vec!["DELETE FROM events WHERE seq = 4".into()],
            4,
            |k| matches!(k, BreakKind::Missing),
        ),
        (
            "swap two rows",
            vec![
                "UPDATE events SET seq = -3 WHERE seq = 3".into(),
                "UPDATE events SET seq = 3 WHERE seq = 7".into(),
                "UPDATE events SET seq = 7 WHERE seq = -3".into(),
            ],
            3,
            |k| matches!(k, BreakKind::SeqMismatch { body_seq: 7 }),
        ),
        (
            "truncate the tail",
            vec!["DELETE FROM events WHERE seq >= 9".into()],
            9,
            |k| matches!(k, BreakKind::Missing),
        ),
        (
            // A forged row after the last event, the head left alone.
            "insert an event after the head",
            vec![format!(
                "INSERT INTO events (seq, id, stream, version, type, actor, basis, effective_us, \
                 recorded_us, hash, body) SELECT 11, {}, stream, version + 100, type, actor, \
                 basis, effective_us, recorded_us, hash, body FROM events WHERE seq = 10",
                if is_pg {
                    "gen_random_uuid()"
                } else {
                    "randomblob(16)"
                }
            )],
            11,
            |_| true,
        ),
        (
            "change an indexed column",
            vec!["UPDATE events SET actor = 'P9999' WHERE seq = 8".into()],
            8,
            |k| matches!(k, BreakKind::ColumnMismatch { column: "actor" }),
        ),
    ];
    // SQLite stores any type in any column: a value of another type must read as a break
    // (verify reads a SQLite file through its own reader, `bulk`), not as an error.
    let mut cases = cases;
    if !is_pg {
        cases.push((
            "store text where the version was",
            vec!["UPDATE events SET version = 'two' WHERE seq = 8".into()],
            8,
            |k| matches!(k, BreakKind::ColumnMismatch { column: "version" }),
        ));
        cases.push((
            "store the hash as hex text",
            vec!["UPDATE events SET hash = hex(hash) WHERE seq = 6".into()],
            6,
            |k| matches!(k, BreakKind::HashMismatch { .. }),
        ));
        cases.push((
            "store a number where the Merkle nodes were",
            vec!["UPDATE events SET nodes = 7 WHERE seq = 4".into()],
            4,
            |k| {
                matches!(
                    k,
                    BreakKind::MerkleNode {
                        level: 1,
                        index: 1,
                        stored: None,
                        ..
                    }
                )
            },
        ));
        cases.push((
            "store text in the id",
            vec!["UPDATE events SET id = 'not-a-uuid' WHERE seq = 3".into()],
            3,
            |k| matches!(k, BreakKind::ColumnMismatch { column: "id" }),
        ));
    }
    for (what, statements, bad_seq, check) in cases {
        // A fresh ledger per case, on the same backend.
        let db = fresh_db(is_pg).await;
        let store = db.open().await;
        append_one_by_one(&store, 0..10, 3).await;
        assert!(store.verify(1, None, |_| {}).await.unwrap().is_ok());
        let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
        tamper(&store, &refs).await;
        let report = store.verify(1, None, |_| {}).await.unwrap();
        let b = report
            .first_break
            .clone()
            .unwrap_or_else(|| panic!("{what}: not detected"));
        assert_eq!(b.seq, bad_seq, "{what}: {b}");
        assert!(check(&b.kind), "{what}: unexpected kind {b}");
        assert_eq!(report.verified, bad_seq - 1, "{what}");
    }

    // A range that stops below the head: rows missing at its end are missing, not verified.
    let db = fresh_db(is_pg).await;
    let store = db.open().await;
    store
        .append("s", ExpectedVersion::Any, (0..12).map(event).collect())
        .await
        .unwrap();
    tamper(&store, &["DELETE FROM events WHERE seq >= 9 AND seq <= 10"]).await;
    let report = store.verify(3, Some(10), |_| {}).await.unwrap();
    let b = report
        .first_break
        .clone()
        .expect("the range's tail is missing");
    assert_eq!(
        (b.seq, &b.kind, report.verified),
        (9, &BreakKind::Missing, 6),
        "{report}"
    );
}

async fn stored_merkle_nodes_give_the_rfc9162_root_of_every_size(db: TestDb) {
    let store = db.open().await;
    // Appends of different batch sizes, including a writer that restarts (fresh frontier).
    for (i, n) in [1usize, 2, 3, 1, 5, 8, 1].into_iter().enumerate() {
        let s = if i == 3 {
            Store::open(&db.url).await.unwrap()
        } else {
            store.clone()
        };
        s.append(
            "m",
            ExpectedVersion::Any,
            (0..n as u64).map(event).collect(),
        )
        .await
        .unwrap();
    }
    let all = store.read_from(1, 1000).await.unwrap();
    let leaves: Vec<Digest32> = all.iter().map(|e| leaf_hash(&e.body)).collect();
    // Every stored perfect node equals the hash of the leaves it covers.
    for level in 1..6u8 {
        let width = 1usize << level;
        for index in 0..(leaves.len() / width) {
            let got = store.merkle_nodes(&[(level, index as u64)]).await.unwrap();
            let want = mth(&leaves[index * width..(index + 1) * width]);
            assert_eq!(
                got,
                vec![((level, index as u64), want)],
                "node ({level}, {index})"
            );
        }
    }
}

async fn streams_read_back_in_version_order_with_bodies_byte_exact(db: TestDb) {
    let store = db.open().await;
    for n in 0..6 {
        store
            .append(
                if n % 2 == 0 { "even" } else { "odd" },
                ExpectedVersion::Any,
                vec![event(n)],
            )
            .await
            .unwrap();
    }
    let even = store.read_stream("even", 2, 10).await.unwrap();
    let got: Vec<(u64, u64)> = even
        .iter()
        .map(|s| (s.seq, s.event().unwrap().version))
        .collect();
    assert_eq!(got, vec![(3, 2), (5, 3)]);
    assert_eq!(store.stream_version("odd").await.unwrap(), 3);
    assert_eq!(store.stream_version("none").await.unwrap(), 0);
    let one = store.get(4).await.unwrap().unwrap();
    let by_id = store
        .get_by_id(one.event().unwrap().id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one, by_id);
    let decoded: Event = one.event().unwrap();
    assert_eq!(decoded.encode().unwrap(), one.body);
}

/// The child half of the two-process test: appends `GOVLEDGER_CHILD_COUNT` events to the
/// ledger at `GOVLEDGER_CHILD_URL`. Run only when the parent spawns this binary.
#[tokio::test]
async fn child_appender() {
    let (Ok(url), Ok(count)) = (
        std::env::var("GOVLEDGER_CHILD_URL"),
        std::env::var("GOVLEDGER_CHILD_COUNT"),
    ) else {
        return;
    };
    let store = Store::open_existing(&url).await.unwrap();
    let me = std::process::id();
    for n in 0..count.parse::<u64>().unwrap() {
        store
            .append(&format!("proc/{me}"), ExpectedVersion::Any, vec![event(n)])
            .await
            .unwrap();
        store
            .append("shared", ExpectedVersion::Any, vec![event(n + 1000)])
            .await
            .unwrap();
    }
}

async fn two_processes_appending_at_once_make_one_linear_chain(db: TestDb) {
    let store = db.open().await; // creates the schema before the children start
    const COUNT: u64 = 40;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_appender",
                    "--test-threads",
                    "1",
                    "--quiet",
                ])
                .env("GOVLEDGER_CHILD_URL", &db.url)
                .env("GOVLEDGER_CHILD_COUNT", COUNT.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a child process failed");
    }
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 2 * 2 * COUNT);
    let shared = store.read_stream("shared", 1, 1000).await.unwrap();
    assert_eq!(shared.len() as u64, 2 * COUNT);
    // Interleaved: both processes got in while the other was running.
    let actors: Vec<u64> = store
        .read_from(1, 1000)
        .await
        .unwrap()
        .iter()
        .filter_map(|s| {
            s.event()
                .unwrap()
                .stream
                .strip_prefix("proc/")
                .map(|p| p.parse().unwrap())
        })
        .collect();
    assert_eq!(actors.len() as u64, 2 * COUNT);
}

async fn deep_verify_also_catches_a_body_rewritten_in_non_canonical_spelling(db: TestDb) {
    let store = db.open().await;
    for n in 0..3 {
        store
            .append("s", ExpectedVersion::Any, vec![event(n)])
            .await
            .unwrap();
    }
    // The last body re-spelled with a space (same content), its hash and the head updated to
    // match: a writer bug rather than an attack, since the chain itself still holds.
    let last = store.get(3).await.unwrap().unwrap();
    let respelled = String::from_utf8(last.body.clone())
        .unwrap()
        .replacen("{\"data\":", "{\"data\": ", 1)
        .into_bytes();
    let hash = Digest32::of(&respelled).0.to_vec();
    if let Some(p) = store.sqlite_pool() {
        for t in ["DROP TRIGGER events_no_update"] {
            sqlx::query(AssertSqlSafe(t.to_string()))
                .execute(p)
                .await
                .unwrap();
        }
        sqlx::query("UPDATE events SET body = $1, hash = $2 WHERE seq = 3")
            .bind(&respelled)
            .bind(&hash)
            .execute(p)
            .await
            .unwrap();
        sqlx::query("UPDATE ledger_head SET hash = $1")
            .bind(&hash)
            .execute(p)
            .await
            .unwrap();
    } else if let Some(p) = store.postgres_pool() {
        sqlx::query("ALTER TABLE events DISABLE TRIGGER USER")
            .execute(p)
            .await
            .unwrap();
        sqlx::query("UPDATE events SET body = $1, hash = $2 WHERE seq = 3")
            .bind(&respelled)
            .bind(&hash)
            .execute(p)
            .await
            .unwrap();
        sqlx::query("UPDATE ledger_head SET hash = $1")
            .bind(&hash)
            .execute(p)
            .await
            .unwrap();
    }
    assert!(
        store.verify(1, None, |_| {}).await.unwrap().is_ok(),
        "the chain itself holds"
    );
    let deep = store.verify_deep(1, None, |_| {}).await.unwrap();
    let b = deep
        .first_break
        .expect("deep verify must refuse the non-canonical body");
    assert_eq!(b.seq, 3);
    assert!(matches!(b.kind, BreakKind::Malformed { .. }), "{b}");
}

async fn filtered_listings_bind_every_filter_and_stop_at_upto_and_limit(db: TestDb) {
    let store = db.open().await;
    for (stream, n) in [
        ("asset/A01", 1),
        ("asset/A02", 2),
        ("asset/A01", 3),
        ("asset/A03", 4),
    ] {
        store
            .append(stream, ExpectedVersion::Any, vec![event(n)])
            .await
            .unwrap();
    }
    let seqs = |events: Vec<govledger::store::StoredEvent>| -> Vec<u64> {
        events.iter().map(|e| e.seq).collect()
    };
    let all = EventFilter::default();
    assert_eq!(
        seqs(store.events_matching(&all, 0, 4, 10).await.unwrap()),
        [1, 2, 3, 4]
    );
    assert_eq!(
        seqs(store.events_matching(&all, 1, 3, 10).await.unwrap()),
        [2, 3]
    );
    assert_eq!(
        seqs(store.events_matching(&all, 0, 4, 2).await.unwrap()),
        [1, 2]
    );
    let a01 = EventFilter {
        stream: Some("asset/A01".into()),
        ..EventFilter::default()
    };
    assert_eq!(
        seqs(store.events_matching(&a01, 0, 4, 10).await.unwrap()),
        [1, 3]
    );
    // The basis matches by prefix; a value that only looks like a pattern matches nothing.
    let prefix = |b: &str| EventFilter {
        basis: Some(b.into()),
        ..EventFilter::default()
    };
    assert_eq!(
        store
            .events_matching(&prefix("第5条"), 0, 4, 10)
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(
        store
            .events_matching(&prefix("第5%"), 0, 4, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let other = EventFilter {
        actor: Some("P0002".into()),
        ..EventFilter::default()
    };
    assert!(
        store
            .events_matching(&other, 0, 4, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(store.has_acted("P0001", 4).await.unwrap());
    assert!(!store.has_acted("P0001", 0).await.unwrap());
    assert!(!store.has_acted("P0002", 4).await.unwrap());
    assert_eq!(store.stream_version_at("asset/A01", 4).await.unwrap(), 2);
    assert_eq!(store.stream_version_at("asset/A01", 2).await.unwrap(), 1);
    assert_eq!(store.stream_version_at("asset/A09", 4).await.unwrap(), 0);

    // No token has been issued on a bare store.
    assert!(store.token_rows().await.unwrap().is_empty());
    assert_eq!(store.token_credential("nope").await.unwrap(), None);
    assert!(store.pool_stats().max >= 1);
}

/// Sessions 1–7 kept the Merkle nodes in a table of their own (`merkle_nodes`, migrations
/// 0001–0005); migration 0006 moves each into the row of the event that completes it. A ledger
/// written in the old layout (its rows and nodes copied from an honest ledger, as the old
/// writer left them) opens, verifies, gives the same roots and proofs, and goes on appending.
async fn a_ledger_of_the_old_layout_keeps_its_tree_when_its_nodes_move_into_the_rows(db: TestDb) {
    let postgres = db.url.starts_with("postgres");
    let honest_db = fresh_db(postgres).await;
    let honest = honest_db.open().await;
    append_one_by_one(&honest, 0..37, 4).await;
    let head = honest.head().await.unwrap();
    let node_ids: Vec<(u8, u64)> = (1..=37u64)
        .flat_map(completed_at)
        .map(|n| (n.level, n.index))
        .collect();
    assert_eq!(node_ids.len(), 37 - 37u64.count_ones() as usize);
    let nodes = honest.merkle_nodes(&node_ids).await.unwrap();
    assert_eq!(nodes.len(), node_ids.len());
    let leaves: Vec<Digest32> = honest
        .read_from(1, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| leaf_hash(&e.body))
        .collect();
    type Row = (
        i64,
        uuid::Uuid,
        String,
        i64,
        String,
        String,
        String,
        i64,
        i64,
        Vec<u8>,
        Vec<u8>,
    );
    const COLUMNS: &str =
        "seq, id, stream, version, type, actor, basis, effective_us, recorded_us, hash, body";
    macro_rules! old_layout {
        ($old:expr, $honest:expr, $level:ty, $extra:expr) => {{
            let dir = if postgres { "postgres" } else { "sqlite" };
            let mut migrator = sqlx::migrate::Migrator::new(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("schema/sql")
                    .join(dir),
            )
            .await
            .unwrap();
            migrator.migrations = migrator
                .migrations
                .iter()
                .filter(|m| m.version <= 5)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            migrator.run(&$old).await.unwrap();
            let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM events ORDER BY seq"
            )))
            .fetch_all(&$honest)
            .await
            .unwrap();
            for r in rows {
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO events ({COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                )))
                .bind(r.0)
                .bind(r.1)
                .bind(r.2)
                .bind(r.3)
                .bind(r.4)
                .bind(r.5)
                .bind(r.6)
                .bind(r.7)
                .bind(r.8)
                .bind(r.9)
                .bind(r.10)
                .execute(&$old)
                .await
                .unwrap();
            }
            let extra: Option<((u8, u64), Digest32)> = $extra;
            for ((level, index), hash) in nodes.iter().chain(&extra) {
                sqlx::query("INSERT INTO merkle_nodes (level, idx, hash) VALUES ($1, $2, $3)")
                    .bind(<$level>::from(*level))
                    .bind(*index as i64)
                    .bind(hash.0.to_vec())
                    .execute(&$old)
                    .await
                    .unwrap();
            }
            sqlx::query("UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(head.seq as i64)
                .bind(head.hash.0.to_vec())
                .execute(&$old)
                .await
                .unwrap();
            $old.close().await;
        }};
    }
    if postgres {
        let old = sqlx::PgPool::connect(&db.url).await.unwrap();
        old_layout!(old, honest.postgres_pool().unwrap().clone(), i16, None);
    } else {
        let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&db.url)
            .unwrap()
            .create_if_missing(true);
        let old = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        old_layout!(old, honest.sqlite_pool().unwrap().clone(), i64, None);
    }

    // A ledger whose old table holds a node past the head (a tail removed outside govledger,
    // the node left behind) is not migrated: the node would have no row to move into.
    let tampered = fresh_db(postgres).await;
    let beyond = Some(((1u8, 18u64), Digest32([3u8; 32]))); // completed by seq 38 > 37
    if postgres {
        let old = sqlx::PgPool::connect(&tampered.url).await.unwrap();
        old_layout!(old, honest.postgres_pool().unwrap().clone(), i16, beyond);
    } else {
        let opts =
            <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&tampered.url)
                .unwrap()
                .create_if_missing(true);
        let old = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        old_layout!(old, honest.sqlite_pool().unwrap().clone(), i64, beyond);
    }
    let refused = Store::open(&tampered.url).await.unwrap_err().to_string();
    assert!(
        refused.contains("govledger migration 0006") && refused.contains("changed outside"),
        "{refused}"
    );

    // Opening runs migration 0006.
    let store = db.open().await;
    assert!(
        support::raw_sql(&store, "SELECT count(*) FROM merkle_nodes")
            .await
            .is_err(),
        "the old table is gone"
    );
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 37);
    assert_eq!(store.merkle_nodes(&node_ids).await.unwrap(), nodes);
    for size in [1, 8, 16, 31, 32, 37] {
        assert_eq!(
            store.root(size).await.unwrap(),
            mth(&leaves[..size as usize]),
            "size {size}"
        );
    }
    assert_eq!(
        store.inclusion_proof(5, 37).await.unwrap(),
        honest.inclusion_proof(5, 37).await.unwrap()
    );
    // And the writer carries on from the migrated frontier.
    append_one_by_one(&store, 37..70, 4).await;
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok() && report.verified == 70, "{report}");
    let all: Vec<Digest32> = store
        .read_from(1, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| leaf_hash(&e.body))
        .collect();
    assert_eq!(store.root(70).await.unwrap(), mth(&all));
}

/// A writer dropped before `commit`, or poisoned by a failed statement, rolls back: nothing it
/// wrote is seen, the head is free for the next writer, and no pooled connection is left
/// inside a transaction (more rounds than the pool has connections). On SQLite the
/// transaction is begun and committed by hand (`SqliteTx`), so this is its drop path.
async fn writers_dropped_without_commit_or_poisoned_leave_nothing_and_free_the_head(db: TestDb) {
    let store = db.open().await;
    let first = store
        .append("s", ExpectedVersion::Any, vec![event(1)])
        .await
        .unwrap();
    for round in 0..20u64 {
        let mut writer = store.begin().await.unwrap();
        writer
            .append("s", ExpectedVersion::Any, &[event(100 + round)])
            .await
            .unwrap();
        if round % 2 == 0 {
            // The same id again, told it is new: the database's unique key refuses the
            // row, and the writer is poisoned.
            let mut again = event(200 + round);
            again.id = first[0].id;
            assert!(
                writer
                    .append_generated("t", ExpectedVersion::Any, &[again])
                    .await
                    .is_err()
            );
            assert!(writer.is_poisoned());
            assert!(matches!(writer.commit().await, Err(StoreError::Poisoned)));
        } else {
            drop(writer);
        }
    }
    assert_eq!(store.head().await.unwrap().seq, 1);
    let next = store
        .append("s", ExpectedVersion::Exact(1), vec![event(2)])
        .await
        .unwrap();
    assert_eq!((next[0].seq, next[0].version), (2, 2));
    assert_eq!(store.read_from(1, 100).await.unwrap().len(), 2);
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok() && report.verified == 2, "{report}");
}

/// Appends `event(i)` for each `i`, one call each, to stream `s/{i % streams}`.
async fn append_one_by_one(store: &Store, range: std::ops::Range<u64>, streams: u64) {
    for i in range {
        store
            .append(
                &format!("s/{}", i % streams),
                ExpectedVersion::Any,
                vec![event(i)],
            )
            .await
            .unwrap();
    }
}

/// A fresh database on PostgreSQL or SQLite, as the test's own is.
async fn fresh_db(postgres: bool) -> TestDb {
    if postgres {
        TestDb::postgres().await.unwrap()
    } else {
        TestDb::sqlite()
    }
}

//! The stored Merkle tree is derived data, and someone with database access can change it
//! apart from the events (or the events apart from it). These are the attacks of issue 19
//! (an outside tester with the triggers dropped), each of which must be detected by `verify`
//! and must stop the server from signing or appending, on both backends:
//!
//! - rewrite an old event, re-hash every event after it, fix the head, leave the stored Merkle
//!   nodes alone (the stored tree still proves the *old* history);
//! - remove the tail and move the head back (checkpoints left beyond the head);
//! - edit only the top Merkle node (a root that is not the root of the stored events), or cut
//!   a node from the row that keeps it, or add bytes to one;
//! - append a correctly chained row after the head without moving the head.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use govledger::checkpoint::{Checkpoint, Signer};
use govledger::merkle::{NodeId, completed_at, leaf_hash, mth};
use govledger::notary::{Notary, NotaryError};
use govledger::store::{BreakKind, ExpectedVersion, Store, StoreError};
use govledger_schema::{Digest32, Event};
use sqlx::AssertSqlSafe;
use support::{TestDb, event, raw_sql};

on_both_backends!(
    a_rewrite_that_leaves_the_merkle_nodes_alone_is_caught_by_verify_and_never_signed,
    a_rewrite_before_any_checkpoint_is_never_signed_either,
    a_truncated_tail_with_the_head_moved_back_is_caught_and_its_checkpoint_never_served,
    nodes_cut_from_or_added_to_their_event_row_are_caught,
    an_edited_top_merkle_node_is_caught_and_its_root_never_signed,
    an_edited_node_under_a_signed_checkpoint_stops_the_next_signature,
    a_chained_row_written_after_the_head_is_named_by_its_own_seq,
    an_honest_log_with_checkpoints_at_every_kind_of_size_verifies,
    the_proof_client_sees_events_detached_from_the_served_tree,
    the_proof_client_exits_1_for_forged_input_and_2_for_missing_files,
);

async fn fill(store: &Store, n: u64) {
    for i in 0..n {
        store
            .append(
                &format!("s/{}", i % 3),
                ExpectedVersion::Any,
                vec![event(i)],
            )
            .await
            .unwrap();
    }
}

fn notary() -> Notary {
    Notary::new(Signer::generate("test.govledger/integrity").unwrap())
}

/// Lifts the database's own append-only guards, as an attacker with database access would.
async fn drop_guards(store: &Store) {
    let sql = if store.postgres_pool().is_some() {
        "ALTER TABLE events DISABLE TRIGGER USER; \
         ALTER TABLE ledger_head DISABLE TRIGGER USER; \
         ALTER TABLE checkpoints DISABLE TRIGGER USER;"
    } else {
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; \
         DROP TRIGGER events_gapless; \
         DROP TRIGGER ledger_head_forward; DROP TRIGGER checkpoints_no_delete;"
    };
    raw_sql(store, sql).await.unwrap();
}

/// Runs one statement with bound parameters (bytes, then integers) on either backend.
async fn exec(store: &Store, sql: &str, bytes: &[&[u8]], ints: &[i64]) {
    exec_with_id(store, sql, None, bytes, ints).await
}

/// [`exec`] with a UUID bound first (a BLOB on SQLite, a uuid on PostgreSQL).
async fn exec_with_id(
    store: &Store,
    sql: &str,
    id: Option<uuid::Uuid>,
    bytes: &[&[u8]],
    ints: &[i64],
) {
    macro_rules! run {
        ($pool:expr) => {{
            let mut q = sqlx::query(AssertSqlSafe(sql.to_owned()));
            if let Some(id) = id {
                q = q.bind(id);
            }
            for b in bytes {
                q = q.bind(b.to_vec());
            }
            for i in ints {
                q = q.bind(*i);
            }
            q.execute($pool).await.unwrap();
        }};
    }
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => run!(p),
        (_, Some(p)) => run!(p),
        _ => unreachable!(),
    }
}

/// Changes event `victim`'s data and re-seals it and every event after it in place (new body,
/// new hash, new prev), then points the head at the new last hash. The stored Merkle nodes
/// (each row's `nodes`) and the checkpoints table are left as they were. Returns the new head hash.
async fn rewrite_and_rechain(store: &Store, victim: u64) -> Digest32 {
    drop_guards(store).await;
    let stored = store.read_from(1, 10_000).await.unwrap();
    let mut prev = Digest32::ZERO;
    for row in &stored {
        let mut e: Event = row.event().unwrap();
        if e.seq >= victim {
            if e.seq == victim {
                e.data = serde_json::json!({"n": 999, "note": "書き換えられた決定"});
            }
            e.prev = prev;
            let body = e.encode().unwrap();
            let hash = Digest32::of(&body);
            exec(
                store,
                "UPDATE events SET body = $1, hash = $2 WHERE seq = $3",
                &[&body, &hash.0],
                &[e.seq as i64],
            )
            .await;
            prev = hash;
        } else {
            prev = row.hash;
        }
    }
    exec(
        store,
        "UPDATE ledger_head SET hash = $1 WHERE id = 1",
        &[&prev.0],
        &[],
    )
    .await;
    prev
}

fn integrity<T: std::fmt::Debug>(r: Result<T, NotaryError>) -> String {
    match r {
        Err(NotaryError::Store(e @ StoreError::Integrity { .. })) => e.to_string(),
        other => panic!("expected an integrity failure, got {other:?}"),
    }
}

async fn a_rewrite_that_leaves_the_merkle_nodes_alone_is_caught_by_verify_and_never_signed(
    db: TestDb,
) {
    let store = db.open().await;
    let notary = notary();
    fill(&store, 12).await;
    let kept = notary.checkpoint_now(&store).await.unwrap();
    fill(&store, 5).await;
    let signed_16 = notary.checkpoint_at(&store, 16).await.unwrap();

    rewrite_and_rechain(&store, 5).await;
    // Re-open: no cached frontier, as after a restart.
    let store = Store::open(&db.url).await.unwrap();

    // The chain and the head are consistent again; the tree is not. The first stored node
    // the rewritten event 5 feeds is (level 1, index 2), completed by seq 6.
    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("verify must see the rewrite");
    assert_eq!(brk.seq, 6, "{report}");
    assert!(
        matches!(
            brk.kind,
            BreakKind::MerkleNode {
                level: 1,
                index: 2,
                stored: Some(_),
                ..
            }
        ),
        "{report}"
    );
    assert_eq!(report.verified, 5, "{report}");
    assert!(report.to_string().contains("seqs 5..=6"), "{report}");
    assert!(
        store
            .verify_deep(1, None, |_| {})
            .await
            .unwrap()
            .first_break
            .is_some()
    );

    // Nothing new is signed over the detached tree: not the head, not a size past 12 or 16.
    let msg = integrity(notary.checkpoint_now(&store).await);
    assert!(msg.contains("INTEGRITY"), "{msg}");
    assert!(
        msg.contains("event 16"),
        "tied to the checkpoint at 16: {msg}"
    );
    integrity(notary.checkpoint_at(&store, 14).await);
    // And nothing more is chained onto the changed history by this process.
    match store
        .append("s/x", ExpectedVersion::Any, vec![event(100)])
        .await
    {
        Err(StoreError::Integrity { reason }) => {
            assert!(
                reason.contains("nothing is appended until repaired"),
                "{reason}"
            )
        }
        other => panic!("append after a failed integrity check: {other:?}"),
    }
    assert!(store.integrity_failure().is_some());
    // What was signed before stays as issued (and is what auditors compare with).
    assert_eq!(
        store.checkpoint(Some(kept.size)).await.unwrap(),
        Some(kept.clone())
    );
    assert_eq!(store.checkpoint(Some(16)).await.unwrap(), Some(signed_16));
}

async fn a_rewrite_before_any_checkpoint_is_never_signed_either(db: TestDb) {
    let store = db.open().await;
    fill(&store, 9).await;
    rewrite_and_rechain(&store, 2).await;
    let store = Store::open(&db.url).await.unwrap();
    // With no checkpoint to start from, the notary reads every body.
    let msg = integrity(notary().checkpoint_now(&store).await);
    assert!(msg.contains("level 1, index 0"), "{msg}");
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert_eq!(
        report.first_break.as_ref().map(|b| b.seq),
        Some(2),
        "{report}"
    );
}

/// Removes events after `keep` and moves the head back to `keep` (with its real hash), as an
/// attacker hiding the last decisions would; nodes and checkpoints are left as they were.
async fn truncate(store: &Store, keep: u64) {
    drop_guards(store).await;
    let last = store.get(keep).await.unwrap().unwrap();
    exec(
        store,
        "DELETE FROM events WHERE seq > $1",
        &[],
        &[keep as i64],
    )
    .await;
    exec(
        store,
        "UPDATE ledger_head SET seq = $2, hash = $1 WHERE id = 1",
        &[&last.hash.0],
        &[keep as i64],
    )
    .await;
}

async fn a_truncated_tail_with_the_head_moved_back_is_caught_and_its_checkpoint_never_served(
    db: TestDb,
) {
    let store = db.open().await;
    let notary = notary();
    fill(&store, 16).await;
    notary.checkpoint_now(&store).await.unwrap();
    truncate(&store, 12).await;
    let store = Store::open(&db.url).await.unwrap();

    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("verify must see the truncation");
    assert_eq!(
        brk.kind,
        BreakKind::CheckpointAfterHead {
            size: 16,
            head_seq: 12
        },
        "{report}"
    );
    assert_eq!((brk.seq, report.verified), (13, 12), "{report}");

    // The signed checkpoint larger than the log is never handed out, latest or by size.
    for size in [None, Some(16)] {
        match store.checkpoint(size).await {
            Err(StoreError::Integrity { reason }) => {
                assert!(reason.contains("size 16"), "{reason}")
            }
            other => panic!("a checkpoint beyond the head was served: {other:?}"),
        }
    }
    // And nothing is appended on top of the hole: a clear refusal, not a key violation.
    match store
        .append("s/x", ExpectedVersion::Any, vec![event(100)])
        .await
    {
        Err(StoreError::Integrity { reason }) => {
            assert!(reason.contains("beyond the ledger head"), "{reason}")
        }
        other => panic!("append on a truncated ledger: {other:?}"),
    }
    assert_eq!(store.head().await.unwrap().seq, 12);
}

/// Rewrites the Merkle nodes event row `id` is kept in (`NodeId::kept_at`): its hash replaced
/// by `forged`, or (None) the row's nodes cut short before it. The guards must be down.
async fn forge_node(store: &Store, id: NodeId, forged: Option<[u8; 32]>) {
    let (seq, _) = id.kept_at().unwrap();
    let ids: Vec<(u8, u64)> = completed_at(seq).map(|n| (n.level, n.index)).collect();
    let mut nodes = Vec::new();
    for ((level, index), hash) in store.merkle_nodes(&ids).await.unwrap() {
        match forged {
            _ if (level, index) != (id.level, id.index) => nodes.extend_from_slice(&hash.0),
            Some(forged) => nodes.extend_from_slice(&forged),
            None => break,
        }
    }
    set_nodes(store, seq, &nodes).await;
}

async fn set_nodes(store: &Store, seq: u64, nodes: &[u8]) {
    exec(
        store,
        "UPDATE events SET nodes = $1 WHERE seq = $2",
        &[nodes],
        &[seq as i64],
    )
    .await;
}

/// Each row keeps the nodes its leaf completes: a node cut from its row is missing, bytes
/// added to a row that completes no node (or fewer) are extra, and either stops signing.
async fn nodes_cut_from_or_added_to_their_event_row_are_caught(db: TestDb) {
    let store = db.open().await;
    fill(&store, 16).await;
    drop_guards(&store).await;
    // Seq 12 keeps (1, 5) and (2, 2); cut (2, 2).
    let honest: Vec<u8> = store
        .merkle_nodes(&[(1, 5), (2, 2)])
        .await
        .unwrap()
        .iter()
        .flat_map(|(_, h)| h.0)
        .collect();
    assert_eq!(honest.len(), 64);
    forge_node(&store, NodeId::new(2, 2), None).await;
    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("the cut node must be seen");
    assert_eq!(brk.seq, 12, "{report}");
    assert!(
        matches!(
            brk.kind,
            BreakKind::MerkleNode {
                level: 2,
                index: 2,
                stored: None,
                ..
            }
        ),
        "{report}"
    );
    assert!(report.to_string().contains("is not stored"), "{report}");
    let msg = integrity(notary().checkpoint_now(&store).await);
    assert!(msg.contains("level 2, index 2"), "{msg}");

    // Seq 12 made whole again; seq 7 completes no node, yet its row is given one.
    set_nodes(&store, 12, &honest).await;
    set_nodes(&store, 7, &[5u8; 32]).await;
    let store = Store::open(&db.url).await.unwrap();
    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("the extra bytes must be seen");
    assert_eq!(
        (brk.seq, brk.kind.clone()),
        (7, BreakKind::MerkleNodesExtra { kept: 32, due: 0 }),
        "{report}"
    );
    let msg = integrity(notary().checkpoint_now(&store).await);
    assert!(msg.contains("event 7 keeps 32 bytes"), "{msg}");
}

async fn an_edited_top_merkle_node_is_caught_and_its_root_never_signed(db: TestDb) {
    let store = db.open().await;
    fill(&store, 16).await;
    drop_guards(&store).await;
    forge_node(&store, NodeId::new(4, 0), Some([7u8; 32])).await;
    let store = Store::open(&db.url).await.unwrap();
    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("verify must see the node");
    assert_eq!(brk.seq, 16, "{report}");
    assert!(
        matches!(
            brk.kind,
            BreakKind::MerkleNode {
                level: 4,
                index: 0,
                ..
            }
        ),
        "{report}"
    );
    // The stored nodes alone would give the forged root; the notary signs none.
    assert_ne!(store.root(16).await.unwrap(), honest_root(&store, 16).await);
    let msg = integrity(notary().checkpoint_now(&store).await);
    assert!(msg.contains("level 4, index 0"), "{msg}");
}

async fn an_edited_node_under_a_signed_checkpoint_stops_the_next_signature(db: TestDb) {
    let store = db.open().await;
    let notary = notary();
    fill(&store, 8).await;
    notary.checkpoint_now(&store).await.unwrap();
    fill(&store, 5).await;
    drop_guards(&store).await;
    forge_node(&store, NodeId::new(3, 0), Some([9u8; 32])).await;
    let store = Store::open(&db.url).await.unwrap();
    let msg = integrity(notary.checkpoint_now(&store).await);
    assert!(msg.contains("the checkpoint signed at size 8"), "{msg}");
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert_eq!(report.first_break.map(|b| b.seq), Some(8));
}

async fn a_chained_row_written_after_the_head_is_named_by_its_own_seq(db: TestDb) {
    let store = db.open().await;
    fill(&store, 10).await;
    // Seal an 11th event exactly as the writer would, insert its row, leave the head at 10.
    let last = store.get(10).await.unwrap().unwrap();
    let mut forged = last.event().unwrap();
    forged.seq = 11;
    forged.prev = last.hash;
    forged.id = uuid::Uuid::now_v7();
    forged.version += 1;
    let body = forged.encode().unwrap();
    exec_with_id(
        &store,
        "INSERT INTO events (seq, id, stream, version, type, actor, basis, effective_us, \
         recorded_us, hash, body) SELECT 11, $1, stream, version + 1, type, actor, basis, \
         effective_us, recorded_us, $2, $3 FROM events WHERE seq = 10",
        Some(forged.id),
        &[&Digest32::of(&body).0, &body],
        &[],
    )
    .await;
    let report = store.verify(1, None, |_| {}).await.unwrap();
    let brk = report
        .first_break
        .clone()
        .expect("the forged row must be seen");
    assert_eq!(brk.kind, BreakKind::AfterHead { head_seq: 10 }, "{report}");
    assert_eq!((brk.seq, report.verified), (11, 10), "{report}");
    let text = report.to_string();
    assert!(
        text.starts_with("BROKEN at seq 11: event stored after the ledger head (seq 10)")
            && text.ends_with("(10 events before it verified)"),
        "{text}"
    );
    assert!(matches!(
        store
            .append("s/x", ExpectedVersion::Any, vec![event(100)])
            .await,
        Err(StoreError::Integrity { .. })
    ));
}

async fn an_honest_log_with_checkpoints_at_every_kind_of_size_verifies(db: TestDb) {
    let store = db.open().await;
    let notary = notary();
    notary.checkpoint_now(&store).await.unwrap(); // size 0: the empty root
    for (grow, size) in [(1, 1), (1, 2), (5, 7), (1, 8), (9, 17), (16, 33)] {
        fill(&store, grow).await;
        let cp = notary.checkpoint_now(&store).await.unwrap();
        let opened = Checkpoint::open(cp.note.as_bytes(), &notary.verifier()).unwrap();
        assert_eq!(opened.size, size);
        assert_eq!(opened.root, honest_root(&store, size).await);
    }
    // A size between two kept checkpoints is tied to the one below it.
    let mid = notary.checkpoint_at(&store, 12).await.unwrap();
    assert_eq!(mid.root, honest_root(&store, 12).await);
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.verified, 33);
    let report = store.verify_deep(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    // A partial range checks the chain only, as before.
    assert!(store.verify(10, Some(20), |_| {}).await.unwrap().is_ok());
}

/// MTH of the first `size` stored bodies, by the RFC's recursive definition.
async fn honest_root(store: &Store, size: u64) -> Digest32 {
    let leaves: Vec<Digest32> = store
        .read_from(1, size)
        .await
        .unwrap()
        .iter()
        .map(|e| leaf_hash(&e.body))
        .collect();
    mth(&leaves)
}

/// The auditor's client against a real server whose database was rewritten with the tree
/// left alone: the consistency proof from the stored nodes still verifies, so the client must
/// also check that the events served are the signed leaves. Today's main printed "ok …
/// nothing before it changed" here.
async fn the_proof_client_sees_events_detached_from_the_served_tree(db: TestDb) {
    use support::http::{BIN, spawn_app};
    let app = spawn_app(&db).await;
    let store = db.open().await;
    // Two token events, then 14: the kept checkpoint is at 16 and the next at 32, so both
    // proofs below are made of stored nodes only (no leaf recomputed from a body), exactly
    // the case where the stored tree vouches for itself.
    fill(&store, 14).await;
    let sign = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/v1/checkpoint", app.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let kept = sign(app.auditor.clone()).await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kept_path = dir.path().join("kept.checkpoint");
    std::fs::write(&kept_path, &kept).unwrap();
    let key = govledger::checkpoint::read_signer_key(&app.key_file)
        .unwrap()
        .verifier();
    let key_path = dir.path().join("log.vkey");
    std::fs::write(&key_path, key.to_text()).unwrap();
    fill(&store, 16).await;
    assert!(sign(app.auditor.clone()).await.status().is_success());
    assert_eq!(store.head().await.unwrap().seq, 32);

    let proof = |args: Vec<String>| {
        let (url, token, key) = (app.url.clone(), app.auditor.clone(), key_path.clone());
        async move {
            let out = tokio::process::Command::new(BIN)
                .arg("proof")
                .args(&args)
                .args(["--url", &url, "--token", &token])
                .arg("--key")
                .arg(&key)
                .output()
                .await
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).trim().to_owned(),
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            )
        }
    };
    let consistency = || {
        proof(vec![
            "consistency".into(),
            "--checkpoint".into(),
            kept_path.display().to_string(),
        ])
    };
    let inclusion = || proof(vec!["inclusion".into(), "--seq".into(), "3".into()]);
    // Honest log: both agree, and say which served events they checked.
    let (code, out, err) = consistency().await;
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(
        out.contains("served events at seqs 1,")
            && out.contains(", 16")
            && out.ends_with("32 are the signed leaves"),
        "{out}"
    );
    assert_eq!(inclusion().await.0, Some(0));

    rewrite_and_rechain(&store, 5).await;

    let (code, out, err) = consistency().await;
    assert_eq!(code, Some(1), "{out} {err}");
    assert!(
        out.starts_with("BROKEN: the event the server serves at seq"),
        "{out}"
    );
    // Event 3 itself is untouched, but the checkpoint's last event is not.
    let (code, out, err) = inclusion().await;
    assert_eq!(code, Some(1), "{out} {err}");
    // Caught by a sample: the checkpoint's last event (32) always is one, and a random sample
    // between 5 and 32 may come first.
    let caught: u64 = out
        .strip_prefix("BROKEN: the event the server serves at seq ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!((5..=32).contains(&caught), "{out}");
    // And the server refuses to sign over the detached tree, saying why, once the log grows.
    fill(&Store::open(&db.url).await.unwrap(), 1).await;
    let res = sign(app.auditor.clone()).await;
    assert_eq!(res.status().as_u16(), 500);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert!(
        problem["type"].as_str().unwrap().ends_with("/integrity"),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("INTEGRITY"),
        "{problem}"
    );
}

/// A forged checkpoint, or the key of another log, is a log that does not verify (exit 1 with
/// BROKEN), like `verify --file`; a file that is not there is the command's failure (exit 2).
async fn the_proof_client_exits_1_for_forged_input_and_2_for_missing_files(db: TestDb) {
    use support::http::{BIN, spawn_app};
    let app = spawn_app(&db).await;
    let store = db.open().await;
    fill(&store, 4).await;
    let note = app
        .client
        .post(format!("{}/v1/checkpoint", app.url))
        .bearer_auth(&app.auditor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = govledger::checkpoint::read_signer_key(&app.key_file)
        .unwrap()
        .verifier();
    let key_path = dir.path().join("log.vkey");
    std::fs::write(&key_path, key.to_text()).unwrap();
    let other = Signer::generate("test.govledger/integrity")
        .unwrap()
        .verifier();
    let other_key = dir.path().join("other.vkey");
    std::fs::write(&other_key, other.to_text()).unwrap();
    let forged = dir.path().join("forged.checkpoint");
    let mut lines: Vec<String> = note.split('\n').map(str::to_owned).collect();
    let size: u64 = lines[1].parse().unwrap();
    lines[1] = (size - 1).to_string();
    std::fs::write(&forged, lines.join("\n")).unwrap();
    let good = dir.path().join("good.checkpoint");
    std::fs::write(&good, &note).unwrap();
    let run = |kind: &str, checkpoint: &std::path::Path, key: &std::path::Path| {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["proof", kind, "--url", &app.url, "--token", &app.auditor]);
        cmd.arg("--key")
            .arg(key)
            .arg("--checkpoint")
            .arg(checkpoint);
        if kind == "inclusion" {
            cmd.args(["--seq", "2"]);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for kind in ["inclusion", "consistency"] {
        assert_eq!(run(kind, &good, &key_path).0, Some(0), "{kind}");
        let (code, out) = run(kind, &forged, &key_path);
        assert_eq!(code, Some(1), "{kind} forged: {out}");
        assert!(out.starts_with("BROKEN:"), "{out}");
        let (code, out) = run(kind, &good, &other_key);
        assert_eq!(code, Some(1), "{kind} other key: {out}");
        assert!(out.starts_with("BROKEN:"), "{out}");
        let (code, _) = run(kind, &dir.path().join("missing"), &key_path);
        assert_eq!(code, Some(2), "{kind} missing file");
    }
}

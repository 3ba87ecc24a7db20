//! Merkle proofs served from the store verify against signed checkpoints, on both backends;
//! and the attack a hash chain alone misses — rewrite an old event and re-hash everything
//! after it — is caught by a checkpoint kept from before.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use govledger::checkpoint::{Checkpoint, Signer};
use govledger::merkle::{leaf_hash, mth, verify_consistency, verify_inclusion};
use govledger::notary::Notary;
use govledger::store::{ExpectedVersion, Store};
use govledger_schema::{Digest32, Event};
use sqlx::AssertSqlSafe;
use support::{TestDb, event};

on_both_backends!(
    every_inclusion_and_consistency_proof_verifies_against_signed_checkpoints,
    rewriting_history_and_rehashing_the_tail_passes_verify_but_fails_the_kept_checkpoint,
);

async fn fill(store: &Store, n: u64) {
    for i in 0..n {
        store
            .append(
                &format!("s/{}", i % 4),
                ExpectedVersion::Any,
                vec![event(i)],
            )
            .await
            .unwrap();
    }
}

async fn every_inclusion_and_consistency_proof_verifies_against_signed_checkpoints(db: TestDb) {
    let store = db.open().await;
    let notary = Notary::new(Signer::generate("test.govledger/proofs").unwrap());
    let key = notary.verifier();
    fill(&store, 21).await;
    let leaves: Vec<Digest32> = store
        .read_from(1, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| leaf_hash(&e.body))
        .collect();
    let mut kept = Vec::new();
    for size in [1u64, 2, 3, 7, 8, 13, 16, 21] {
        let cp = notary.checkpoint_at(&store, size).await.unwrap();
        let opened = Checkpoint::open(cp.note.as_bytes(), &key).unwrap();
        assert_eq!(
            (opened.size, opened.root),
            (size, mth(&leaves[..size as usize]))
        );
        assert_eq!(store.root(size).await.unwrap(), opened.root);
        kept.push(opened);
    }
    for cp in &kept {
        for seq in 1..=cp.size {
            let proof = store.inclusion_proof(seq, cp.size).await.unwrap();
            verify_inclusion(
                &leaves[seq as usize - 1],
                seq - 1,
                cp.size,
                &proof,
                &cp.root,
            )
            .unwrap();
        }
        for newer in kept.iter().filter(|n| n.size >= cp.size) {
            let proof = store.consistency_proof(cp.size, newer.size).await.unwrap();
            verify_consistency(cp.size, newer.size, &proof, &cp.root, &newer.root).unwrap();
        }
    }
    // The same checkpoint asked for twice is the one issued first.
    let again = notary.checkpoint_at(&store, 13).await.unwrap();
    assert_eq!(
        Some(again.clone()),
        store.checkpoint(Some(13)).await.unwrap()
    );
    assert!(
        store.inclusion_proof(22, 21).await.is_err(),
        "seq beyond the size"
    );
    assert!(
        store.consistency_proof(5, 30).await.is_err(),
        "size beyond the head"
    );
}

/// What a thorough attacker with write access to the database does: change an old event,
/// re-seal every event after it (new prev, new hash), rebuild the Merkle nodes and the head,
/// and remove the checkpoints the server kept (`verify` compares the tree with them), so that
/// the stored log is perfect again. Only a checkpoint kept outside the database can tell.
async fn rewrite_history(db: &TestDb, store: &Store, victim: u64) {
    let mut events: Vec<Event> = store
        .read_from(1, 1000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event().unwrap())
        .collect();
    events[victim as usize - 1].data = serde_json::json!({"n": 999, "note": "書き換えられた決定"});
    let disable: &[&str] = if store.postgres_pool().is_some() {
        &[
            "ALTER TABLE events DISABLE TRIGGER USER",
            "ALTER TABLE ledger_head DISABLE TRIGGER USER",
            "ALTER TABLE checkpoints DISABLE TRIGGER USER",
        ]
    } else {
        &[
            "DROP TRIGGER events_no_delete",
            "DROP TRIGGER ledger_head_forward",
            "DROP TRIGGER checkpoints_no_delete",
        ]
    };
    let wipe = ["DELETE FROM events", "DELETE FROM checkpoints"];
    let reset = "UPDATE ledger_head SET seq = 0, hash = $1";
    let zeros = vec![0u8; 32];
    match (store.sqlite_pool(), store.postgres_pool()) {
        (Some(p), _) => {
            for sql in disable.iter().chain(wipe.iter()) {
                sqlx::query(AssertSqlSafe(sql.to_string()))
                    .execute(p)
                    .await
                    .unwrap();
            }
            sqlx::query(reset).bind(&zeros).execute(p).await.unwrap();
        }
        (_, Some(p)) => {
            for sql in disable.iter().chain(wipe.iter()) {
                sqlx::query(AssertSqlSafe(sql.to_string()))
                    .execute(p)
                    .await
                    .unwrap();
            }
            sqlx::query(reset).bind(&zeros).execute(p).await.unwrap();
        }
        _ => unreachable!(),
    }
    // Re-seal and re-append through a fresh store (no cached Merkle frontier).
    let fresh = Store::open(&db.url).await.unwrap();
    let mut writer = fresh.begin().await.unwrap();
    let mut prev = Digest32::ZERO;
    for e in &mut events {
        e.prev = prev;
        let body = e.encode().unwrap();
        prev = writer.append_sealed(e, &body).await.unwrap();
    }
    writer.commit().await.unwrap();
}

async fn rewriting_history_and_rehashing_the_tail_passes_verify_but_fails_the_kept_checkpoint(
    db: TestDb,
) {
    let store = db.open().await;
    let notary = Notary::new(Signer::generate("test.govledger/attack").unwrap());
    fill(&store, 12).await;
    // An auditor keeps the checkpoint at size 12 and the event at seq 5 as they saw them.
    let kept = Checkpoint::open(
        notary.checkpoint_now(&store).await.unwrap().note.as_bytes(),
        &notary.verifier(),
    )
    .unwrap();
    let seen = store.get(5).await.unwrap().unwrap();
    fill(&store, 4).await; // the log grows honestly for a while

    rewrite_history(&db, &store, 5).await;

    // The chain alone no longer shows anything: every hash and link is consistent.
    let report = store.verify(1, None, |_| {}).await.unwrap();
    assert!(
        report.is_ok(),
        "the rewritten chain verifies by itself: {report}"
    );
    assert_ne!(
        store.get(5).await.unwrap().unwrap().body,
        seen.body,
        "history was rewritten"
    );

    // The server now answers with a new root; the kept checkpoint exposes it.
    let head = store.head().await.unwrap();
    let new_root = store.root(head.seq).await.unwrap();
    let proof = store.consistency_proof(kept.size, head.seq).await.unwrap();
    let err = verify_consistency(kept.size, head.seq, &proof, &kept.root, &new_root);
    assert!(
        err.is_err(),
        "the kept checkpoint must not be consistent with the rewritten log"
    );
    // And the old event as the auditor saw it is no longer included under the new root.
    let inclusion = store.inclusion_proof(5, head.seq).await.unwrap();
    assert!(verify_inclusion(&leaf_hash(&seen.body), 4, head.seq, &inclusion, &new_root).is_err());
    // The root the log would need at the kept size differs from the signed one.
    assert_ne!(store.root(kept.size).await.unwrap(), kept.root);
}

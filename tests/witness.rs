//! Witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature), all real processes: a
//! `govledger witness serve` with its own key and SQLite state, a `govledger serve --witness`
//! that collects its cosignatures, and the auditor's `verify --file` and `proof` with a witness
//! policy. A rewritten history presented to the witness is refused and the evidence kept.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use govledger::checkpoint::{
    Checkpoint, CosignatureVerifier, Cosigner, Signer, Verifier, cosignature_message, parse_note,
    read_signer_key, witness_cosignatures,
};
use govledger::merkle::{MemoryTree, leaf_hash};
use govledger::store::Store;
use govledger::witness::protocol::AddCheckpoint;
use govledger_schema::{Digest32, Event};
use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use support::http::{BIN, TestApp, WAIT, cli, issue_token, key_dir, new_key, start_server_with};
use support::{TestDb, raw_sql};

on_both_backends!(
    a_checkpoint_cosigned_by_the_witness_verifies_with_the_witness_key_and_the_policy,
    a_rewrite_presented_to_the_witness_is_refused_and_the_evidence_kept,
);

/// A running `govledger witness serve`; killed when dropped.
struct TestWitness {
    url: String,
    state: PathBuf,
    /// The witness's public key (cosignature vkey) in a file.
    vkey_file: PathBuf,
    vkey: CosignatureVerifier,
    key: PathBuf,
    log_key: PathBuf,
    child: Child,
}

/// `govledger witness init`: a key file in `dir` and its public key, printed by the CLI.
fn witness_key(dir: &Path, name: &str) -> (PathBuf, PathBuf, CosignatureVerifier) {
    let key = dir.join(format!("{}.key", name.replace('/', "_")));
    let out = run(&[
        "witness",
        "init",
        "--key",
        key.to_str().unwrap(),
        "--name",
        name,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let vkey = CosignatureVerifier::from_text(text.trim_end()).unwrap();
    let vkey_file = dir.join(format!("{}.vkey", name.replace('/', "_")));
    std::fs::write(&vkey_file, &text).unwrap();
    (key, vkey_file, vkey)
}

impl TestWitness {
    /// A new witness named `name` in `dir`, watching the log whose public key is in `log_key`.
    async fn start(dir: &Path, name: &str, log_key: &Path) -> TestWitness {
        let (key, vkey_file, vkey) = witness_key(dir, name);
        let state = dir.join(format!("{}.db", name.replace('/', "_")));
        Self::spawn(key, vkey_file, vkey, state, log_key.to_path_buf()).await
    }

    async fn spawn(
        key: PathBuf,
        vkey_file: PathBuf,
        vkey: CosignatureVerifier,
        state: PathBuf,
        log_key: PathBuf,
    ) -> TestWitness {
        let mut child = Command::new(BIN)
            .args(["witness", "serve", "--listen", "127.0.0.1:0", "--state"])
            .arg(&state)
            .arg("--key")
            .arg(&key)
            .arg("--log-key")
            .arg(&log_key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("GOVLEDGER_TEST_SERVER_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .expect("the witness did not print its address in time")
            .unwrap()
            .expect("the witness exited before printing its address");
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestWitness {
            url,
            state,
            vkey_file,
            vkey,
            key,
            log_key,
            child,
        }
    }

    /// Kills the witness and starts it again on the same key and state.
    async fn restart(mut self) -> TestWitness {
        self.child.kill().await.unwrap();
        Self::spawn(
            self.key.clone(),
            self.vkey_file.clone(),
            self.vkey.clone(),
            self.state.clone(),
            self.log_key.clone(),
        )
        .await
    }

    /// `serve --witness URL=VKEY` for the log.
    fn arg(&self) -> String {
        format!("{}={}", self.url, self.vkey)
    }

    /// The witness's own state file, read as anyone holding it can.
    async fn db(&self) -> sqlx::SqliteConnection {
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", self.state.display()))
            .await
            .unwrap()
    }

    /// (cosigned size, cosigned note, offered size, offered note) of every fork kept.
    async fn forks(&self) -> Vec<(i64, String, i64, String)> {
        sqlx::query_as(
            "SELECT cosigned_size, cosigned_note, offered_size, offered_note FROM forks ORDER BY id",
        )
        .fetch_all(&mut self.db().await)
        .await
        .unwrap()
    }

    /// The largest size this witness cosigned.
    async fn latest(&self) -> Option<i64> {
        sqlx::query_scalar("SELECT max(size) FROM cosigned")
            .fetch_one(&mut self.db().await)
            .await
            .unwrap()
    }

    async fn post(&self, body: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/add-checkpoint", self.url))
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }
}

fn run(args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .args(args)
        .env_remove("GOVLEDGER_DB")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A ledger with a genesis (`govledger init` with a key made beforehand, so the witness can be
/// told the log's key first), a witness watching it, and `govledger serve --witness` on it.
struct Setup {
    app: TestApp,
    witness: TestWitness,
    dir: Arc<tempfile::TempDir>,
    log_vkey: PathBuf,
    log_key: Verifier,
}

async fn setup(db: &TestDb) -> Setup {
    let dir = key_dir();
    let key = new_key(dir.path());
    let log_key = read_signer_key(&key).unwrap().verifier();
    let log_vkey = dir.path().join("log.vkey");
    std::fs::write(&log_vkey, format!("{log_key}\n")).unwrap();
    let witness = TestWitness::start(dir.path(), "audit.test/w1", &log_vkey).await;
    support::http::init_ledger(&db.url, &key).await;
    let admin = support::http::bootstrap_admin(&db.url).await;
    let auditor = issue_token(&db.url, "P0001", "auditor").await;
    let app = start_server_with(
        &db.url,
        &key,
        Some(dir.clone()),
        admin,
        auditor,
        None,
        &["--witness".to_owned(), witness.arg()],
    )
    .await;
    Setup {
        app,
        witness,
        dir,
        log_vkey,
        log_key,
    }
}

/// `POST /v1/checkpoint`: signs at the head and asks the witnesses; the served note.
async fn sign(app: &TestApp) -> String {
    let res = app
        .client
        .post(format!("{}/v1/checkpoint", app.url))
        .bearer_auth(&app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn latest(app: &TestApp) -> String {
    let res = app
        .get("/v1/checkpoint", &app.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Runs the CLI with `args`; (exit code, stdout, stderr).
async fn govledger(args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        WAIT,
        Command::new(BIN)
            .args(args)
            .env_remove("GOVLEDGER_DB")
            .output(),
    )
    .await
    .expect("the CLI took too long")
    .unwrap();
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

fn size_of(note: &str, key: &Verifier) -> u64 {
    Checkpoint::open(note.as_bytes(), key).unwrap().size
}

async fn a_checkpoint_cosigned_by_the_witness_verifies_with_the_witness_key_and_the_policy(
    db: TestDb,
) {
    let Setup {
        app,
        witness,
        dir,
        log_vkey,
        log_key,
    } = setup(&db).await;
    // The first request to a witness: old size 0, no proof.
    let first = sign(&app).await;
    let check =
        witness_cosignatures(first.as_bytes(), std::slice::from_ref(&witness.vkey)).unwrap();
    assert_eq!(check.cosigned.len(), 1, "{first}");
    assert_eq!(latest(&app).await, first, "GET serves what POST answered");
    let first_size = size_of(&first, &log_key);

    // The log grows; the next request carries a consistency proof from the witnessed size.
    issue_token(&app.db_url, "P0001", "auditor").await;
    issue_token(&app.db_url, "P0001", "auditor").await;
    let second = sign(&app).await;
    let second_size = size_of(&second, &log_key);
    assert_eq!(second_size, first_size + 2);
    let check =
        witness_cosignatures(second.as_bytes(), std::slice::from_ref(&witness.vkey)).unwrap();
    assert_eq!(check.cosigned.len(), 1, "{second}");
    assert_eq!(witness.latest().await, Some(second_size as i64));

    // The stored note is the log's alone; the cosignature sits beside it.
    let store = Store::open(&db.url).await.unwrap();
    let stored = store.checkpoint(Some(second_size)).await.unwrap().unwrap();
    assert_eq!(
        parse_note(stored.note.as_bytes()).unwrap().signatures.len(),
        1
    );
    assert!(second.starts_with(&stored.note));
    let cosigs = store.cosignatures(second_size).await.unwrap();
    assert_eq!(cosigs.len(), 1);
    assert_eq!(cosigs[0].witness, "audit.test/w1");
    assert_eq!(second, format!("{}{}\n", stored.note, cosigs[0].line));
    // …and the cosignatures are append-only, like the checkpoints.
    assert!(raw_sql(&store, "DELETE FROM cosignatures").await.is_err());
    assert!(
        raw_sql(&store, "UPDATE cosignatures SET line = 'x'")
            .await
            .is_err()
    );
    store.close().await;

    // Offline: the export, the kept checkpoint, the log's key and the policy.
    let export = dir.path().join("export.jsonl");
    let cp_file = dir.path().join("checkpoint.note");
    std::fs::write(&cp_file, &second).unwrap();
    cli(&db.url, &["export", "--out", export.to_str().unwrap()]).await;
    let (w1, log, cp, exp) = (
        witness.vkey_file.to_str().unwrap(),
        log_vkey.to_str().unwrap(),
        cp_file.to_str().unwrap(),
        export.to_str().unwrap(),
    );
    let verify = |extra: &'static [&'static str]| {
        let mut args = vec!["verify", "--file", exp, "--checkpoint", cp, "--key", log];
        args.extend_from_slice(extra);
        args
    };
    let mut args = verify(&[]);
    args.extend(["--witness", w1]);
    let (code, out, err) = govledger(&args).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("ok: ") && out.contains("cosigned by 1 of 1 witnesses"),
        "{out}"
    );

    // The key text works as well as the file.
    let w1_text = witness.vkey.to_string();
    let mut args = verify(&[]);
    args.extend(["--witness", &w1_text]);
    assert_eq!(govledger(&args).await.0, 0);

    // A policy of 2 with one cosignature: the checkpoint is not trusted.
    let (_, w2_file, _) = witness_key(dir.path(), "audit.test/w2");
    let w2 = w2_file.to_str().unwrap();
    let mut args = verify(&[]);
    args.extend(["--witness", w1, "--witness", w2]);
    let (code, out, err) = govledger(&args).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("BROKEN: "), "{out}");
    assert!(out.contains("needs 2 of 2"), "{out}");
    assert!(out.contains("audit.test/w2: no cosignature"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    // One of the two is enough when the policy says so.
    let mut args = verify(&[]);
    args.extend(["--witness", w1, "--witness", w2, "--witness-threshold", "1"]);
    assert_eq!(govledger(&args).await.0, 0);
    // A threshold above the keys given is a mistake in the command, not a broken log.
    let mut args = verify(&[]);
    args.extend(["--witness", w1, "--witness-threshold", "2"]);
    let (code, _, err) = govledger(&args).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--witness-threshold 2"), "{err}");
    // The log's own key is not a witness's.
    let mut args = verify(&[]);
    args.extend(["--witness", log]);
    let (code, _, err) = govledger(&args).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a witness's cosignature key"), "{err}");

    // Online: the auditor's proof client with the same policy.
    let kept = dir.path().join("first.note");
    std::fs::write(&kept, &first).unwrap();
    let server = ["--url", &app.url, "--token", &app.auditor, "--key", log];
    let mut args = vec!["proof", "inclusion", "--seq", "1"];
    args.extend(server);
    args.extend(["--witness", w1]);
    let (code, out, err) = govledger(&args).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("cosigned by 1 of 1"), "{out}");
    let mut args = vec![
        "proof",
        "consistency",
        "--checkpoint",
        kept.to_str().unwrap(),
    ];
    args.extend(server);
    args.extend(["--witness", w1]);
    let (code, out, err) = govledger(&args).await;
    assert_eq!(code, 0, "{out}{err}");
    let mut args = vec!["proof", "inclusion", "--seq", "1"];
    args.extend(server);
    args.extend(["--witness", w1, "--witness", w2]);
    let (code, out, err) = govledger(&args).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("BROKEN: ") && out.contains("needs 2 of 2"),
        "{out}"
    );
}

/// What an attacker with write access to the database does (as in tests/proofs.rs): change an
/// old event, re-seal every event after it, rebuild the Merkle nodes and the head, and remove
/// the checkpoints and cosignatures kept, so the stored log is perfect again. The change here
/// is to an event's request id, so the projections still fold.
async fn rewrite_history(db: &TestDb, victim: u64) {
    let store = Store::open(&db.url).await.unwrap();
    let mut events: Vec<Event> = store
        .read_from(1, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event().unwrap())
        .collect();
    events[victim as usize - 1].meta.request_id = Some("書き換えられた".into());
    let postgres = store.postgres_pool().is_some();
    let sql = if postgres {
        "ALTER TABLE events DISABLE TRIGGER USER;
         ALTER TABLE ledger_head DISABLE TRIGGER USER;
         ALTER TABLE checkpoints DISABLE TRIGGER USER;
         ALTER TABLE cosignatures DISABLE TRIGGER USER;
         DELETE FROM cosignatures; DELETE FROM checkpoints;
         DELETE FROM events;
         UPDATE ledger_head SET seq = 0, hash = decode(repeat('00', 32), 'hex');"
    } else {
        "DROP TRIGGER events_no_delete;
         DROP TRIGGER ledger_head_forward; DROP TRIGGER checkpoints_no_delete;
         DROP TRIGGER cosignatures_no_delete;
         DELETE FROM cosignatures; DELETE FROM checkpoints;
         DELETE FROM events;
         UPDATE ledger_head SET seq = 0, hash = zeroblob(32);"
    };
    raw_sql(&store, sql).await.unwrap();
    store.close().await;
    let fresh = Store::open(&db.url).await.unwrap();
    let mut writer = fresh.begin().await.unwrap();
    let mut prev = Digest32::ZERO;
    for e in &mut events {
        e.prev = prev;
        let body = e.encode().unwrap();
        prev = writer.append_sealed(e, &body).await.unwrap();
    }
    writer.commit().await.unwrap();
    // The rewritten log verifies on its own.
    let report = fresh.verify(1, None, |_| {}).await.unwrap();
    assert!(report.is_ok(), "{report}");
    fresh.close().await;
}

async fn a_rewrite_presented_to_the_witness_is_refused_and_the_evidence_kept(db: TestDb) {
    let Setup {
        app,
        witness,
        dir: _dir,
        log_vkey,
        log_key,
    } = setup(&db).await;
    sign(&app).await;
    issue_token(&app.db_url, "P0001", "auditor").await;
    issue_token(&app.db_url, "P0001", "auditor").await;
    let witnessed = sign(&app).await;
    let witnessed_size = size_of(&witnessed, &log_key);
    assert_eq!(witness.latest().await, Some(witnessed_size as i64));
    // What the witness holds: the log-signed note, without any cosignature.
    let witnessed_note = {
        let store = Store::open(&db.url).await.unwrap();
        let note = store
            .checkpoint(Some(witnessed_size))
            .await
            .unwrap()
            .unwrap()
            .note;
        store.close().await;
        note
    };
    let (args, key_file, keydir, admin, auditor) = (
        app.args.clone(),
        app.key_file.clone(),
        _dir.clone(),
        app.admin.clone(),
        app.auditor.clone(),
    );
    app.stop().await;

    rewrite_history(&db, 5).await;
    issue_token(&db.url, "P0001", "auditor").await; // the forged log moves on
    let app = start_server_with(
        &db.url,
        &key_file,
        Some(keydir),
        admin,
        auditor,
        None,
        &args,
    )
    .await;

    // The log signs the forged history and asks the witness, which refuses.
    let forged = sign(&app).await;
    let forged_size = size_of(&forged, &log_key);
    assert_eq!(forged_size, witnessed_size + 1);
    let check =
        witness_cosignatures(forged.as_bytes(), std::slice::from_ref(&witness.vkey)).unwrap();
    assert!(
        check.cosigned.is_empty(),
        "the witness cosigned a rewrite: {forged}"
    );
    assert_eq!(witness.latest().await, Some(witnessed_size as i64));

    // The evidence: the note it cosigned and the one that contradicts it, both signed by the
    // log, so anyone holding the log's key can check the fork.
    let forks = witness.forks().await;
    assert_eq!(forks.len(), 1, "{forks:?}");
    let (cosigned_size, cosigned_note, offered_size, offered_note) = &forks[0];
    assert_eq!(*cosigned_size as u64, witnessed_size);
    assert_eq!(cosigned_note, &witnessed_note);
    assert_eq!(*offered_size as u64, forged_size);
    assert_eq!(offered_note, &forged);
    let a = Checkpoint::open(cosigned_note.as_bytes(), &log_key).unwrap();
    let b = Checkpoint::open(offered_note.as_bytes(), &log_key).unwrap();
    assert_ne!(
        govledger::store::Store::open(&db.url)
            .await
            .unwrap()
            .root(a.size)
            .await
            .unwrap(),
        a.root,
        "the forged log no longer has the witnessed root"
    );
    assert_eq!(b.size, forged_size);
    // Asking again (the periodic signer does) adds no second copy of the same evidence.
    sign(&app).await;
    assert_eq!(witness.forks().await.len(), 1);
    // The witness's evidence and history cannot be changed through its own database.
    let mut conn = witness.db().await;
    for sql in [
        "DELETE FROM forks",
        "UPDATE forks SET offered_note = ''",
        "DELETE FROM cosigned",
    ] {
        assert!(
            sqlx::query(sql).execute(&mut conn).await.is_err(),
            "{sql} was allowed"
        );
    }

    // An auditor who requires the witness does not trust the forged checkpoint.
    let (w1, log) = (
        witness.vkey_file.to_str().unwrap(),
        log_vkey.to_str().unwrap(),
    );
    let (code, out, err) = govledger(&[
        "proof",
        "inclusion",
        "--seq",
        "5",
        "--url",
        &app.url,
        "--token",
        &app.auditor,
        "--key",
        log,
        "--witness",
        w1,
    ])
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("BROKEN: ") && out.contains("audit.test/w1: no cosignature"),
        "{out}"
    );
}

/// The witness alone, driven by hand over HTTP: every answer the spec names, and its state
/// surviving a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_witness_answers_add_checkpoint_as_the_spec_says() {
    let dir = tempfile::tempdir().unwrap();
    let log = Signer::generate("log.test/a").unwrap();
    let log_vkey = dir.path().join("log.vkey");
    std::fs::write(&log_vkey, log.verifier().to_string()).unwrap();
    let witness = TestWitness::start(dir.path(), "w.test/1", &log_vkey).await;

    let mut tree = MemoryTree::new();
    for i in 0..8u32 {
        tree.append(leaf_hash(format!("entry {i}").as_bytes()));
    }
    let checkpoint = |signer: &Signer, origin: &str, size: u64, root: Digest32| {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: vec![],
        }
        .sign(signer)
        .unwrap()
    };
    let at = |size: u64| checkpoint(&log, "log.test/a", size, tree.root(size).unwrap());
    let body = |old: u64, proof: &[Digest32], note: &str| AddCheckpoint::to_body(old, proof, note);
    let status = |res: &reqwest::Response| res.status().as_u16();

    // 200 and a cosignature/v1 line that verifies over the checkpoint's body.
    let note3 = at(3);
    let res = witness.post(&body(0, &[], &note3)).await;
    assert_eq!(status(&res), 200);
    let line = res.text().await.unwrap();
    let cosigned = format!("{note3}{line}");
    let check =
        witness_cosignatures(cosigned.as_bytes(), std::slice::from_ref(&witness.vkey)).unwrap();
    assert_eq!(check.cosigned.len(), 1, "{line}");

    // 409: the old size is not the one last cosigned; the body says which it is.
    let note5 = at(5);
    let res = witness.post(&body(0, &[], &note5)).await;
    assert_eq!(status(&res), 409);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/x.tlog.size"
    );
    assert_eq!(res.text().await.unwrap(), "3\n");

    // 422: a consistency proof that does not verify (it is from another tree), kept as
    // evidence: the log signed a checkpoint it cannot show extends the witnessed one.
    let mut other = MemoryTree::new();
    for i in 0..8u32 {
        other.append(leaf_hash(format!("other {i}").as_bytes()));
    }
    let forged5 = checkpoint(&log, "log.test/a", 5, other.root(5).unwrap());
    let proof = other.consistency_proof(3, 5).unwrap();
    let res = witness.post(&body(3, &proof, &forged5)).await;
    assert_eq!(status(&res), 422);
    assert_eq!(witness.forks().await.len(), 1);
    // A wrong proof for the right tree is refused too, and kept: the witness cannot tell a
    // bad proof from a fork; a correct proof between the two notes settles it later.
    let res = witness.post(&body(3, &proof, &note5)).await;
    assert_eq!(status(&res), 422);
    assert_eq!(witness.forks().await.len(), 2);

    // 200 with the right proof.
    let proof = tree.consistency_proof(3, 5).unwrap();
    let res = witness.post(&body(3, &proof, &note5)).await;
    assert_eq!(status(&res), 200);
    // The same checkpoint again: old size = size, no proof, same root: cosigned again.
    let res = witness.post(&body(5, &[], &note5)).await;
    assert_eq!(status(&res), 200);
    // The same size with another root: 409, and the second fork kept.
    let res = witness.post(&body(5, &[], &forged5)).await;
    assert_eq!(status(&res), 409);
    assert_eq!(res.text().await.unwrap(), "5\n");
    let forks = witness.forks().await;
    assert_eq!(forks.len(), 3);
    assert_eq!((forks[2].0, forks[2].2), (5, 5));
    assert_eq!(forks[2].1, note5);
    assert_eq!(forks[2].3, forged5);

    // 400: an old size above the checkpoint's, a malformed body, too many proof lines.
    assert_eq!(status(&witness.post(&body(6, &[], &note5)).await), 400);
    assert_eq!(status(&witness.post("old 05\n\nx").await), 400);
    let long = vec![Digest32([7; 32]); 64];
    assert_eq!(status(&witness.post(&body(5, &long, &at(8))).await), 400);
    // 404: a log this witness does not watch.
    let stranger = Signer::generate("log.test/b").unwrap();
    let res = witness
        .post(&body(
            0,
            &[],
            &checkpoint(&stranger, "log.test/b", 1, tree.root(1).unwrap()),
        ))
        .await;
    assert_eq!(status(&res), 404);
    // 403: the right origin, signed by another key.
    let impostor = Signer::generate("log.test/a").unwrap();
    let res = witness
        .post(&body(
            5,
            &[],
            &checkpoint(&impostor, "log.test/a", 5, tree.root(5).unwrap()),
        ))
        .await;
    assert_eq!(status(&res), 403);
    // Refusals are problem documents naming what is wrong.
    let res = witness.post(&body(6, &[], &note5)).await;
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("old size 6"),
        "{problem}"
    );

    // The state survives a restart: the witness still holds size 5.
    let witness = witness.restart().await;
    let res = witness.post(&body(0, &[], &at(8))).await;
    assert_eq!(status(&res), 409);
    assert_eq!(res.text().await.unwrap(), "5\n");
    let proof = tree.consistency_proof(5, 8).unwrap();
    assert_eq!(status(&witness.post(&body(5, &proof, &at(8))).await), 200);
    assert_eq!(witness.latest().await, Some(8));
}

/// The cosignature format against the C2SP example (tests/vectors/note/SOURCES.md): the signed
/// message byte for byte, and the example line's layout (key id, big-endian timestamp,
/// signature). The example's witness key is not published, so its signature cannot be checked.
#[test]
fn cosignatures_have_the_c2sp_format() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/note");
    let message =
        std::fs::read_to_string(dir.join("c2sp-cosignature-v1-signed-message.FORMAT-ONLY.txt"))
            .unwrap();
    let example =
        std::fs::read_to_string(dir.join("c2sp-tlog-cosignature-example.FORMAT-ONLY.note"))
            .unwrap();
    let parsed = parse_note(example.as_bytes()).unwrap();
    assert_eq!(cosignature_message(&parsed.body, 1679315147), message);
    let cosig = &parsed.signatures[1];
    assert_eq!(cosig.name, "witness.example.com/w1");
    assert_eq!(cosig.signature.len(), 8 + 64);
    let ts = u64::from_be_bytes(cosig.signature[..8].try_into().unwrap());
    assert_eq!(ts, 1679315147);

    // Ours have the same layout, and verify only over the same body and time.
    let w = Cosigner::generate("witness.example.com/w1").unwrap();
    let line = w.cosign(&parsed.body, 1679315147).unwrap();
    let raw = BASE64
        .decode(line.trim_end().rsplit(' ').next().unwrap())
        .unwrap();
    assert_eq!(raw.len(), 4 + 8 + 64);
    assert_eq!(raw[..4], w.verifier().key_id().to_be_bytes());
    assert_eq!(
        u64::from_be_bytes(raw[4..12].try_into().unwrap()),
        1679315147
    );
    let ours = format!("{example}{line}");
    let check = witness_cosignatures(ours.as_bytes(), &[w.verifier()]).unwrap();
    assert_eq!(
        check.cosigned,
        vec![("witness.example.com/w1".into(), 1679315147)]
    );
    let mut tampered = raw.clone();
    tampered[11] ^= 1; // another timestamp
    let tampered = format!(
        "{example}\u{2014} witness.example.com/w1 {}\n",
        BASE64.encode(tampered)
    );
    let check = witness_cosignatures(tampered.as_bytes(), &[w.verifier()]).unwrap();
    assert!(check.cosigned.is_empty());
    assert_eq!(check.invalid, vec!["witness.example.com/w1".to_owned()]);
    // A witness key reads back from its text; the key id uses type byte 0x04, not the log's 0x01.
    let text = w.verifier().to_string();
    assert_eq!(CosignatureVerifier::from_text(&text).unwrap(), w.verifier());
    assert!(Verifier::from_text(&text).is_err());
    assert_eq!(
        Cosigner::from_text(&w.to_text()).unwrap().verifier(),
        w.verifier()
    );
}

/// The witness serves connections as `govledger serve` does (`govledger::conn`): a client that
/// never finishes its request head is disconnected after the header timeout, and while more
/// stalled clients than the witness's connection limit hold connections, an honest request is
/// still answered once they are dropped, not refused for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_witness_disconnects_clients_that_never_finish_a_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let log = Signer::generate("log.test/slow").unwrap();
    let log_vkey = dir.path().join("log.vkey");
    std::fs::write(&log_vkey, log.verifier().to_string()).unwrap();
    let witness = TestWitness::start(dir.path(), "w.test/slow", &log_vkey).await;
    let addr = witness.url.trim_start_matches("http://").to_owned();

    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n")
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 256];
        loop {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the stalled connection was still open after 20 s"
    );
    let took = start.elapsed();
    let header_timeout = govledger::conn::ConnectionLimits::DEFAULT.header_timeout;
    assert!(
        took >= std::time::Duration::from_secs(header_timeout - 1),
        "closed after {took:?}, before the header timeout"
    );

    // More stalled clients than the limit: an honest request waits for a slot (so it is not
    // answered before the stalled ones time out: the limit holds), and is answered (a bad
    // checkpoint: 400) once they are closed.
    let mut stalled = Vec::new();
    for _ in 0..govledger::witness::WITNESS_CONNECTIONS + 4 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /add-checkpoint HTTP/1.1\r\n")
            .await
            .unwrap();
        stalled.push(s);
    }
    let asked = std::time::Instant::now();
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(header_timeout * 3 + 10),
        witness.post("not a request"),
    )
    .await
    .expect("the honest request was not answered after the stalled clients timed out");
    assert_eq!(answer.status().as_u16(), 400);
    assert!(
        asked.elapsed() >= std::time::Duration::from_secs(header_timeout - 2),
        "answered after {:?}: the connection limit did not hold",
        asked.elapsed()
    );
    drop(stalled);
}

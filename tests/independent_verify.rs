//! Runs tests/independent_verify.py (Python standard library only, none of our code) against
//! the published tessera checkpoints and against an export and checkpoint made here from
//! sealed events, and checks that one changed byte anywhere makes it fail.
//!
//! python3 is required: a missing interpreter fails these tests rather than skipping them, so
//! the independent check cannot silently stop running.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use govledger::checkpoint::{Checkpoint, Signer};
use govledger::merkle::{Frontier, leaf_hash};
use govledger_schema::{Digest32, Meta, NewEvent};
use serde_json::json;
use uuid::Uuid;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Runs the verifier; returns (exit code, the one line it printed).
fn run(args: &[&Path]) -> (i32, String) {
    let output = Command::new("python3")
        .arg(tests_dir().join("independent_verify.py"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed for the independent verifier: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert!(stderr.is_empty(), "the verifier wrote to stderr: {stderr}");
    assert_eq!(
        stdout.lines().count(),
        1,
        "one summary line expected, got {stdout:?}"
    );
    (output.status.code().unwrap_or(-1), stdout)
}

fn note_mode(note: &Path, key: &Path) -> (i32, String) {
    run(&[Path::new("--note"), note, Path::new("--key"), key])
}

#[test]
fn the_tessera_checkpoints_verify_independently_and_a_changed_byte_fails() {
    let dir = tests_dir().join("vectors/note/tessera-testdata-log");
    let key = dir.join("log.vkey");
    let tmp = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = (0..=15).map(|n| format!("checkpoint.{n}")).collect();
    names.push("checkpoint".into());
    for name in &names {
        let (code, line) = note_mode(&dir.join(name), &key);
        assert_eq!(code, 0, "{name}: {line}");
        assert!(line.starts_with("OK"), "{line}");
    }
    // One byte changed in the text, the signature line, or the signature itself.
    let note = std::fs::read(dir.join("checkpoint.15")).unwrap();
    for i in [
        0,
        25,
        27,
        40,
        note.len() - 60,
        note.len() - 10,
        note.len() - 3,
    ] {
        let mut bad = note.clone();
        bad[i] ^= 0x01;
        let path = tmp.path().join(format!("bad-{i}"));
        std::fs::write(&path, &bad).unwrap();
        let (code, line) = note_mode(&path, &key);
        assert_ne!(code, 0, "byte {i}: {line}");
        assert!(line.starts_with("FAIL"), "{line}");
    }
    // A note signed by another key only.
    let other = tests_dir().join("vectors/note/sumdb-peterneumann.note");
    assert_eq!(note_mode(&other, &key).0, 1);
    // A file that is not there says nothing about the log: exit 2, not a broken log's 1.
    let missing = tmp.path().join("no-such-checkpoint");
    let (code, line) = note_mode(&missing, &key);
    assert_eq!(code, 2, "{line}");
    assert!(
        line.starts_with("ERROR: cannot read") && line.contains("no-such-checkpoint"),
        "{line}"
    );
    let (code, line) = note_mode(&dir.join("checkpoint.15"), &tmp.path().join("no.vkey"));
    assert_eq!(code, 2, "{line}");
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_743_465_600 + seconds, 123_456_000)
        .single()
        .unwrap()
}

/// A small ledger: sealed, chained events and their canonical bodies.
fn export_lines(count: u64) -> Vec<Vec<u8>> {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let mut prev = Digest32::ZERO;
    let mut lines = Vec::new();
    for seq in 1..=count {
        let new = NewEvent {
            id: Uuid::from_u128(0x0195_f000_0000_7000_8000_0000_0000_0000 + u128::from(seq)),
            event_type: "person.registered.v1".into(),
            data: json!({ "person": format!("p{seq}"), "name": "情報 太郎", "note": "line \"quoted\"\n" }),
            meta: Meta {
                actor: "admin-1".into(),
                acting_for: None,
                basis: "第6条第2項".into(),
                request_id: Some(format!("req-{seq}")),
                causation_id: None,
            },
            effective_at: jst.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).single().unwrap(),
        };
        new.validate().unwrap();
        let event = new.seal(
            seq,
            &format!("person-{}", seq % 3),
            seq.div_ceil(3),
            at(seq as i64),
            prev,
        );
        let body = event.encode().unwrap();
        prev = Digest32::of(&body);
        lines.push(body);
    }
    lines
}

fn write_export(path: &Path, lines: &[Vec<u8>]) {
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    std::fs::write(path, out).unwrap();
}

struct Fixture {
    _dir: tempfile::TempDir,
    export: PathBuf,
    checkpoint: PathBuf,
    key: PathBuf,
    lines: Vec<Vec<u8>>,
}

/// 20 events; a checkpoint signed at size 15, so the export runs past it.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lines = export_lines(20);
    let signer = Signer::generate("govledger.test/log").unwrap();
    let mut frontier = Frontier::new();
    for line in &lines[..15] {
        frontier.push(leaf_hash(line)).unwrap();
    }
    let checkpoint = Checkpoint {
        origin: "govledger.test/log".into(),
        size: 15,
        root: frontier.root(),
        extensions: vec![],
    };
    let (export, cp, key) = (
        dir.path().join("export.jsonl"),
        dir.path().join("cp.txt"),
        dir.path().join("log.vkey"),
    );
    write_export(&export, &lines);
    std::fs::write(&cp, checkpoint.sign(&signer).unwrap()).unwrap();
    std::fs::write(&key, format!("{}\n", signer.verifier())).unwrap();
    Fixture {
        _dir: dir,
        export,
        checkpoint: cp,
        key,
        lines,
    }
}

fn verify(f: &Fixture) -> (i32, String) {
    run(&[&f.export, &f.checkpoint, &f.key])
}

#[test]
fn an_export_and_checkpoint_made_here_verify_independently() {
    let f = fixture();
    let (code, line) = verify(&f);
    assert_eq!(code, 0, "{line}");
    assert!(
        line.starts_with("OK: 20 events chained; checkpoint govledger.test/log size 15"),
        "{line}"
    );
}

/// Flips one bit of the byte just before the end of `needle` in `line` ("p7" -> "p6").
fn flip_after(line: &mut [u8], needle: &[u8]) {
    let at = line
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
        + needle.len()
        - 1;
    line[at] ^= 0x01;
}

#[test]
fn a_changed_byte_in_the_export_fails_naming_the_line() {
    let f = fixture();
    // Line 7 edited: its own seq and prev still look right, but line 8's prev no longer does.
    let mut lines = f.lines.clone();
    flip_after(&mut lines[6], b"\"p7");
    write_export(&f.export, &lines);
    let (code, line) = verify(&f);
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("line 8 (seq 8)"), "{line}");

    // Edited past the checkpoint's size: the chain still catches it.
    let mut lines = f.lines.clone();
    flip_after(&mut lines[17], b"\"p18");
    write_export(&f.export, &lines);
    let (code, line) = verify(&f);
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("line 19 (seq 19)"), "{line}");

    // Two events swapped, one dropped, a line without its newline.
    let mut swapped = f.lines.clone();
    swapped.swap(3, 4);
    write_export(&f.export, &swapped);
    assert!(verify(&f).1.contains("line 4 (seq 4)"));
    let mut dropped = f.lines.clone();
    dropped.remove(10);
    write_export(&f.export, &dropped);
    assert!(verify(&f).1.contains("line 11 (seq 11)"));
    write_export(&f.export, &f.lines[..12]);
    let (code, line) = verify(&f);
    assert_eq!(code, 1);
    assert!(
        line.contains("has 12 events, the checkpoint covers 15"),
        "{line}"
    );
}

/// The attack the chain alone misses: rewrite an old event and re-hash everything after it.
/// The chain is then intact, but the root no longer matches the checkpoint kept before.
#[test]
fn a_rewritten_and_rechained_history_fails_against_a_kept_checkpoint() {
    let f = fixture();
    let mut prev = Digest32::ZERO;
    let mut lines = Vec::new();
    for (i, line) in f.lines.iter().enumerate() {
        let mut event = govledger_schema::Event::decode(line).unwrap();
        if i == 4 {
            event.data = json!({ "person": "p5", "name": "改ざん", "note": "rewritten" });
        }
        event.prev = prev;
        let body = event.encode().unwrap();
        prev = Digest32::of(&body);
        lines.push(body);
    }
    write_export(&f.export, &lines);
    let (code, line) = verify(&f);
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("root of the first 15 lines"), "{line}");
}

#[test]
fn a_changed_byte_in_the_checkpoint_or_key_fails() {
    let f = fixture();
    let note = std::fs::read(&f.checkpoint).unwrap();
    let text_len = note.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
    // Every byte of the checkpoint text; every fourth of the signature line (each run of the
    // pure-Python Ed25519 costs a fraction of a second).
    let positions: Vec<usize> = (0..note.len())
        .filter(|&i| i <= text_len || i % 4 == 0)
        .collect();
    let mut failures = 0;
    for &i in &positions {
        let mut bad = note.clone();
        bad[i] ^= 0x01;
        std::fs::write(&f.checkpoint, &bad).unwrap();
        let (code, line) = verify(&f);
        assert_eq!(code, 1, "byte {i}: {line}");
        failures += 1;
    }
    assert_eq!(failures, positions.len());
    std::fs::write(&f.checkpoint, &note).unwrap();
    assert_eq!(verify(&f).0, 0);

    let key = std::fs::read_to_string(&f.key).unwrap();
    let other = Signer::generate("govledger.test/log").unwrap().verifier();
    std::fs::write(&f.key, format!("{other}\n")).unwrap();
    assert_eq!(verify(&f).0, 1);
    std::fs::write(&f.key, key.replacen('+', "+0", 1)).unwrap();
    assert_eq!(verify(&f).0, 1);
}

//! Signed notes and tlog checkpoints against published vectors (golang/mod sumdb/note, the
//! C2SP specifications, and transparency-dev/tessera's test log; see tests/vectors/note/
//! SOURCES.md), plus the key-file and secret-handling rules.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};

use govledger::checkpoint::{
    Checkpoint, CheckpointError, KeyFileError, NoteError, Signer, Verifier, open_note, parse_note,
    read_signer_key, read_verifier_key, sign_note, write_signer_key,
};
use govledger::merkle::{leaf_hash, mth};
use govledger_schema::Digest32;

fn note_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/note")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(note_dir().join(name)).unwrap()
}

fn text(name: &str) -> String {
    String::from_utf8(read(name)).unwrap()
}

fn vkey(name: &str) -> Verifier {
    Verifier::from_text(text(name).trim_end_matches('\n')).unwrap()
}

/// Every (note, keys, body) that must verify.
fn signed_vectors() -> Vec<(&'static str, Vec<Verifier>)> {
    let mut v = vec![
        (
            "c2sp-signed-note-example.note",
            vec![vkey("c2sp-signed-note-example.vkey")],
        ),
        (
            "sumdb-peterneumann.note",
            vec![vkey("sumdb-peterneumann.vkey")],
        ),
        (
            "sumdb-peter-and-enoch.note",
            vec![
                vkey("sumdb-peterneumann.vkey"),
                vkey("sumdb-enochroot.vkey"),
            ],
        ),
        (
            "sumdb-peter-and-enoch.note",
            vec![vkey("sumdb-enochroot.vkey")],
        ),
        (
            "sumdb-peter-and-enoch.note",
            vec![vkey("sumdb-peterneumann.vkey")],
        ),
    ];
    for name in TESSERA_CHECKPOINTS {
        v.push((name, vec![vkey("tessera-testdata-log/log.vkey")]));
    }
    v
}

const TESSERA_CHECKPOINTS: [&str; 17] = [
    "tessera-testdata-log/checkpoint",
    "tessera-testdata-log/checkpoint.0",
    "tessera-testdata-log/checkpoint.1",
    "tessera-testdata-log/checkpoint.2",
    "tessera-testdata-log/checkpoint.3",
    "tessera-testdata-log/checkpoint.4",
    "tessera-testdata-log/checkpoint.5",
    "tessera-testdata-log/checkpoint.6",
    "tessera-testdata-log/checkpoint.7",
    "tessera-testdata-log/checkpoint.8",
    "tessera-testdata-log/checkpoint.9",
    "tessera-testdata-log/checkpoint.10",
    "tessera-testdata-log/checkpoint.11",
    "tessera-testdata-log/checkpoint.12",
    "tessera-testdata-log/checkpoint.13",
    "tessera-testdata-log/checkpoint.14",
    "tessera-testdata-log/checkpoint.15",
];

#[test]
fn every_published_note_verifies_with_its_keys() {
    for (name, keys) in signed_vectors() {
        let note = read(name);
        let opened = open_note(&note, &keys).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(note.starts_with(opened.body.as_bytes()));
        assert_eq!(opened.verified_by.len(), keys.len(), "{name}");
    }
    let both = open_note(
        &read("sumdb-peter-and-enoch.note"),
        &[vkey("sumdb-enochroot.vkey")],
    )
    .unwrap();
    assert_eq!(
        both.unknown.len(),
        1,
        "PeterNeumann's signature is reported unknown, not trusted"
    );
}

#[test]
fn verifier_keys_round_trip_and_match_their_signers() {
    for name in [
        "c2sp-signed-note-example.vkey",
        "sumdb-peterneumann.vkey",
        "sumdb-enochroot.vkey",
        "tessera-testdata-log/log.vkey",
    ] {
        let t = text(name);
        assert_eq!(
            Verifier::from_text(t.trim_end_matches('\n'))
                .unwrap()
                .to_text(),
            t.trim_end_matches('\n')
        );
    }
    for (skey, vk) in [
        (
            "sumdb-peterneumann.skey.TEST-ONLY",
            "sumdb-peterneumann.vkey",
        ),
        (
            "tessera-testdata-log/log.skey.TEST-ONLY",
            "tessera-testdata-log/log.vkey",
        ),
    ] {
        let t = text(skey);
        let signer = Signer::from_text(t.trim_end_matches('\n')).unwrap();
        assert_eq!(signer.to_text(), t.trim_end_matches('\n'));
        assert_eq!(signer.verifier(), vkey(vk));
    }
}

/// Ed25519 is deterministic, so the published test keys must reproduce the published notes
/// byte for byte.
#[test]
fn test_only_keys_reproduce_the_published_signatures() {
    let peter = Signer::from_text(text("sumdb-peterneumann.skey.TEST-ONLY").trim_end_matches('\n'))
        .unwrap();
    let note = text("sumdb-peterneumann.note");
    let body = parse_note(note.as_bytes()).unwrap().body;
    assert_eq!(sign_note(&body, &peter).unwrap(), note);

    let log =
        Signer::from_text(text("tessera-testdata-log/log.skey.TEST-ONLY").trim_end_matches('\n'))
            .unwrap();
    for name in TESSERA_CHECKPOINTS {
        let note = text(name);
        let checkpoint = Checkpoint::open(note.as_bytes(), &log.verifier()).unwrap();
        assert_eq!(checkpoint.sign(&log).unwrap(), note, "{name}");
    }
}

#[test]
fn tessera_checkpoints_commit_to_the_first_n_entries() {
    let entries = text("tessera-testdata-log/entries.txt");
    let leaves: Vec<Digest32> = entries.lines().map(|e| leaf_hash(e.as_bytes())).collect();
    let key = vkey("tessera-testdata-log/log.vkey");
    let mut sizes = Vec::new();
    for name in TESSERA_CHECKPOINTS {
        let cp = Checkpoint::open(&read(name), &key).unwrap();
        assert_eq!(cp.origin, "example.com/log/testdata");
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.root, mth(&leaves[..cp.size as usize]), "{name}");
        if let Some(n) = name.strip_prefix("tessera-testdata-log/checkpoint.") {
            assert_eq!(cp.size, n.parse::<u64>().unwrap(), "{name}");
        }
        sizes.push(cp.size);
    }
    sizes.sort();
    sizes.dedup();
    assert_eq!(sizes, (0..=15).collect::<Vec<u64>>());
}

/// Each single-byte change of a signed note must make it fail: in the text the signature no
/// longer matches; in a signature line the line is malformed, names an unknown key, or fails.
/// With two signatures a change to one signature's key id only turns it into an unknown
/// signature, which the spec says to ignore; so there the whole text is mutated, and the
/// signature lines are covered by the single-signature notes.
#[test]
fn changing_any_single_byte_of_a_note_makes_it_fail() {
    let mut checked = 0;
    for (name, keys) in signed_vectors() {
        let note = read(name);
        let signatures = parse_note(&note).unwrap().signatures.len();
        let end = if signatures == 1 {
            note.len()
        } else {
            parse_note(&note).unwrap().body.len()
        };
        for i in 0..end {
            for delta in [0x01u8, 0x20, 0x80] {
                let mut bad = note.clone();
                bad[i] ^= delta;
                let opened = open_note(&bad, &keys);
                assert!(
                    opened.is_err(),
                    "{name}: byte {i} ^ {delta:#x} still verifies: {opened:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn malformed_notes_are_refused_with_a_reason() {
    let key = vkey("sumdb-peterneumann.vkey");
    let note = text("sumdb-peterneumann.note");
    let cases: Vec<(String, &str)> = vec![
        (
            note.trim_end_matches('\n').to_owned(),
            "does not end with a newline",
        ),
        (note.replacen("\n\n", "\n", 1), "no blank line"),
        (note.replace("— ", "-- "), "em dash"),
        (
            note.replacen("problem,", "problem,\r", 1),
            "control character",
        ),
        (format!("{note}\n"), "no signature lines"),
        (note.replace("PeterNeumann ", "Peter+Neumann "), "key name"),
        (note.replace("PeterNeumann ", "PeterNeumann  "), "base64"),
        (
            format!("{}\n\n", note.split("\n\n").next().unwrap()),
            "no signature lines",
        ),
    ];
    for (bad, reason) in cases {
        let err = open_note(bad.as_bytes(), std::slice::from_ref(&key)).unwrap_err();
        assert!(
            err.to_string().contains(reason),
            "{bad:?}: {err} (wanted {reason:?})"
        );
    }
    let mut not_utf8 = note.clone().into_bytes();
    not_utf8[3] = 0xff;
    assert_eq!(
        open_note(&not_utf8, std::slice::from_ref(&key)).unwrap_err(),
        NoteError::Malformed("not valid UTF-8")
    );
    assert_eq!(
        open_note(note.as_bytes(), &[]).unwrap_err(),
        NoteError::Unverified
    );
    assert_eq!(
        open_note(note.as_bytes(), &[vkey("sumdb-enochroot.vkey")]).unwrap_err(),
        NoteError::Unverified,
        "a note signed only by keys we do not know is refused"
    );
}

#[test]
fn a_known_key_name_with_another_key_id_is_ignored_not_trusted() {
    // Same name as the signer, different key: the signature's key id does not match it.
    let impostor = Signer::generate("PeterNeumann").unwrap().verifier();
    let note = read("sumdb-peterneumann.note");
    assert_eq!(
        open_note(&note, &[impostor]).unwrap_err(),
        NoteError::Unverified
    );
}

#[test]
fn format_only_files_parse_but_are_not_claimed_verified() {
    let cosigned = read("c2sp-tlog-cosignature-example.FORMAT-ONLY.note");
    let parsed = parse_note(&cosigned).unwrap();
    assert_eq!(parsed.signatures.len(), 2);
    assert_eq!(parsed.signatures[0].name, "example.com/behind-the-sofa");
    assert_eq!(parsed.signatures[1].name, "witness.example.com/w1");
    let cp = Checkpoint::parse_body(&parsed.body).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("example.com/behind-the-sofa", 20852163)
    );
    assert_eq!(cp.to_body(), parsed.body);
    // No published key: nothing can open it.
    let stranger = Signer::generate("example.com/behind-the-sofa")
        .unwrap()
        .verifier();
    assert!(open_note(&cosigned, &[stranger]).is_err());

    // The cosignature/v1 message is two header lines and then the same checkpoint body.
    let message = text("c2sp-cosignature-v1-signed-message.FORMAT-ONLY.txt");
    let mut lines = message.splitn(3, '\n');
    assert_eq!(lines.next(), Some("cosignature/v1"));
    assert!(lines.next().unwrap().starts_with("time "));
    assert_eq!(lines.next(), Some(parsed.body.as_str()));

    // sumdb's tree note body is a checkpoint body too (its origin has spaces: allowed).
    let tree = Checkpoint::parse_body(&text("sumdb-tlog-tree-body.txt")).unwrap();
    assert_eq!(
        (tree.origin.as_str(), tree.size),
        ("go.sum database tree", 123456789012)
    );
    assert_eq!(tree.to_body(), text("sumdb-tlog-tree-body.txt"));
}

#[test]
fn malformed_checkpoint_bodies_are_refused() {
    let root = "rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=";
    for bad in [
        format!("o\n15\n{root}"),
        "o\n15\n".to_owned(),
        format!("\n15\n{root}\n"),
        format!("o\n015\n{root}\n"),
        format!("o\n15\n{}\n", &root[..40]),
        "o\n15\nAAAA\n".to_owned(),
        format!("o\n15\n{root}\n\n"),
        format!("o\n15\n{root}\next\r\n"),
    ] {
        assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
    }
    let ok = Checkpoint::parse_body(&format!("o\n15\n{root}\next one\n")).unwrap();
    assert_eq!(ok.extensions, vec!["ext one".to_owned()]);
    assert!(matches!(
        Checkpoint::parse_body(&format!("o\n-1\n{root}\n")),
        Err(CheckpointError::BadSize(_))
    ));
}

// ---- key files and secrets -----------------------------------------------------------------

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_signing_key_file_is_created_0600_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.key");
    let signer = Signer::generate("govledger.example/log").unwrap();
    write_signer_key(&path, &signer).unwrap();
    #[cfg(unix)]
    assert_eq!(mode_of(&path), 0o600);
    let back = read_signer_key(&path).unwrap();
    assert_eq!(back.verifier(), signer.verifier());

    let other = Signer::generate("govledger.example/log").unwrap();
    assert!(matches!(
        write_signer_key(&path, &other),
        Err(KeyFileError::Exists { .. })
    ));
    assert_eq!(
        read_signer_key(&path).unwrap().verifier(),
        signer.verifier()
    );
}

#[cfg(unix)]
#[test]
fn a_signing_key_readable_by_others_is_refused_naming_path_and_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.key");
    let signer = Signer::generate("govledger.example/log").unwrap();
    write_signer_key(&path, &signer).unwrap();
    for mode in [0o640, 0o604, 0o620, 0o602, 0o644, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = read_signer_key(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(read_signer_key(&path).is_ok());
}

#[test]
fn the_secret_appears_in_no_debug_display_or_error_text() {
    let signer = Signer::generate("govledger.example/log").unwrap();
    let secret_text = signer.to_text();
    // PRIVATE+KEY+<name>+<id>+<base64>; the base64 may itself contain '+'.
    let secret_b64 = secret_text.splitn(5, '+').nth(4).unwrap().to_owned();
    // The 32-byte seed, as base64 of (0x01 || seed), and as hex.
    let raw =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &secret_b64).unwrap();
    let seed_hex = hex::encode(&raw[1..]);
    let mut texts = vec![
        format!("{signer:?}"),
        format!("{:?}", signer.verifier()),
        signer.verifier().to_string(),
    ];

    // Errors from mangled secret texts: wrong id, truncated key, wrong prefix, bad name.
    let id = format!("{:08x}", signer.key_id());
    for bad in [
        secret_text.replace(&id, "00000000"),
        secret_text[..secret_text.len() - 4].to_owned(),
        secret_text.replace("PRIVATE+KEY+", "PRIVATE+KEYS+"),
        secret_text.replace("govledger.example/log", "gov ledger"),
        format!("{secret_text}+extra"),
    ] {
        let err = Signer::from_text(&bad).unwrap_err();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    // And from a key file with the wrong mode or content.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.key");
    write_signer_key(&path, &signer).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_signer_key(&path).unwrap_err();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    let bad_path = dir.path().join("bad.key");
    write_signer_key(&bad_path, &Signer::generate("x").unwrap()).unwrap();
    std::fs::write(&bad_path, secret_text.replace(&id, "00000000")).unwrap();
    let err = read_signer_key(&bad_path).unwrap_err();
    texts.push(err.to_string());
    texts.push(format!("{err:?}"));

    for t in &texts {
        assert!(!t.contains(&secret_b64), "secret leaked in {t:?}");
        assert!(!t.contains(&secret_b64[..20]), "secret leaked in {t:?}");
        assert!(
            !t.to_lowercase().contains(&seed_hex[..16]),
            "secret leaked in {t:?}"
        );
    }
}

#[test]
fn a_verifier_key_file_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.vkey");
    let signer = Signer::generate("govledger.example/log").unwrap();
    std::fs::write(&path, format!("{}\n", signer.verifier())).unwrap();
    assert_eq!(read_verifier_key(&path).unwrap(), signer.verifier());
    std::fs::write(&path, "govledger.example/log+00000000+AQ==\n").unwrap();
    assert!(read_verifier_key(&path).is_err());
}

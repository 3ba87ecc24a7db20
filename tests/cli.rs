//! The real `govledger` binary: init, verify, export, import, and what it says about bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod support;

use std::path::Path;
use std::process::{Command, Output};

use govledger::store::ExpectedVersion;
use support::{TestDb, event};

fn govledger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govledger"))
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

/// Fills a ledger with `n` events over a few streams.
async fn fill(db: &TestDb, n: u64) {
    let store = db.open().await;
    for i in 0..n {
        store
            .append(
                &format!("asset/A{:02}", i % 5),
                ExpectedVersion::Any,
                vec![event(i)],
            )
            .await
            .unwrap();
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_from_sqlite_import_into_postgres_keeps_every_hash() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let sqlite = TestDb::sqlite();
    fill(&sqlite, 57).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.jsonl");
    let out = govledger(&[
        "export",
        "--db",
        &sqlite.url,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 57);

    let out = govledger(&["import", "--db", &pg.url, file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = sqlite.open().await;
    let b = pg.open().await;
    assert_eq!(
        a.head().await.unwrap(),
        b.head().await.unwrap(),
        "same head seq and hash"
    );
    let (ea, eb) = (
        a.read_from(1, 100).await.unwrap(),
        b.read_from(1, 100).await.unwrap(),
    );
    assert_eq!(ea, eb, "identical bodies and hashes");
    // The same Merkle nodes were derived on the other backend.
    let ids: Vec<(u8, u64)> = (1..6u8)
        .flat_map(|l| (0..(57u64 >> l)).map(move |i| (l, i)))
        .collect();
    assert_eq!(
        a.merkle_nodes(&ids).await.unwrap(),
        b.merkle_nodes(&ids).await.unwrap()
    );

    let out = govledger(&["verify", "--db", &pg.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("ok: 57 events verified"),
        "{}",
        stdout(&out)
    );
    // And back again: PostgreSQL export equals the SQLite export byte for byte.
    let out = govledger(&["export", "--db", &pg.url]);
    assert_eq!(out.stdout, std::fs::read(&file).unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_exits_non_zero_with_one_line_naming_the_seq() {
    let db = TestDb::sqlite();
    fill(&db, 12).await;
    let out = govledger(&["verify", "--db", &db.url]);
    assert!(out.status.success());
    let store = db.open().await;
    let pool = store.sqlite_pool().unwrap();
    sqlx::query("DROP TRIGGER events_no_update")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE events SET hash = zeroblob(32) WHERE seq = 7")
        .execute(pool)
        .await
        .unwrap();
    let out = govledger(&["verify", "--db", &db.url]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("BROKEN at seq 7: hash mismatch"), "{text}");
    // Verifying only the range before the break succeeds.
    let out = govledger(&["verify", "--db", &db.url, "--to", "6"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_import_is_refused_in_one_line_and_writes_nothing() {
    let source = TestDb::sqlite();
    fill(&source, 6).await;
    let good = govledger(&["export", "--db", &source.url]).stdout;
    let lines: Vec<&[u8]> = good
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let join = |ls: &[Vec<u8>]| {
        ls.iter()
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect::<Vec<u8>>()
    };
    let owned: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
    let dir = tempfile::tempdir().unwrap();

    let mut reordered = owned.clone();
    reordered.swap(2, 3);
    let mut spaced = owned.clone();
    spaced[3] = String::from_utf8(spaced[3].clone())
        .unwrap()
        .replacen(":", ": ", 1)
        .into_bytes();
    let mut non_utf8 = owned.clone();
    non_utf8[4].insert(10, 0xff);
    let mut edited = owned.clone();
    edited[1] = String::from_utf8(edited[1].clone())
        .unwrap()
        .replace("第5条第2項", "第5条第3項")
        .into_bytes();
    let mut truncated = join(&owned);
    truncated.truncate(truncated.len() - 10);

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "reordered",
            join(&reordered),
            "line 3: seq is 4, expected 3",
        ),
        (
            "not canonical",
            join(&spaced),
            "line 4: body: not in RFC 8785 canonical form",
        ),
        ("not UTF-8", join(&non_utf8), "line 5: body: not UTF-8"),
        ("edited", join(&edited), "line 3: prev"),
        ("truncated", truncated, "line 6:"),
        ("not JSON", b"hello\n".to_vec(), "line 1: body: not JSON"),
        (
            "starts late",
            join(&owned[1..]),
            "line 1: seq is 2, expected 1",
        ),
        (
            // One byte longer than the ledger seals (a tile entry frames 16 bits of length).
            "too long",
            format!("{}\n", "x".repeat(65_536)).into_bytes(),
            "line 1: longer than 65536 bytes",
        ),
        (
            // At the limit the length passes, and the body is judged as a body.
            "at the limit",
            format!("{}\n", "x".repeat(65_535)).into_bytes(),
            "line 1: body: not JSON",
        ),
    ];
    for (what, bytes, expect) in cases {
        let target = TestDb::sqlite();
        let file = write(dir.path(), "bad.jsonl", &bytes);
        let out = govledger(&["import", "--db", &target.url, &file]);
        assert_eq!(out.status.code(), Some(2), "{what}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
        assert!(err.contains(expect), "{what}: {err}");
        assert!(err.contains("nothing written"), "{what}: {err}");
        assert_eq!(
            target.open().await.head().await.unwrap().seq,
            0,
            "{what}: the ledger is unchanged"
        );
    }

    // A non-empty target is refused too, and keeps what it had.
    let file = write(dir.path(), "good.jsonl", &good);
    let out = govledger(&["import", "--db", &source.url, &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(source.open().await.head().await.unwrap().seq, 6);
}

#[test]
fn a_database_that_cannot_be_opened_is_one_line_and_exit_2() {
    let out = govledger(&["verify", "--db", "sqlite:///nonexistent/dir/x.db"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cannot open database sqlite:///nonexistent/dir/x.db"),
        "{err}"
    );
    let out = govledger(&["verify", "--db", "postgres://someone:secret@127.0.0.1:1/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr(&out).contains("secret"),
        "passwords never appear in messages"
    );
}

// ---------------------------------------------------------------------------------------------
// A missing ledger: only `init`, `demo` and `import` create one (issue 14.4)
// ---------------------------------------------------------------------------------------------

/// Runs the binary in `dir` (where the default `sqlite://govledger.db` would land).
fn govledger_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govledger"))
        .args(args)
        .current_dir(dir)
        .env_remove("GOVLEDGER_DB")
        .env_remove("GOVLEDGER_KEY_FILE")
        .env_remove("GOVLEDGER_ACTOR")
        .output()
        .unwrap()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Exit 2 and one line on stderr containing every one of `expect`; returns the line.
fn refused(what: &str, out: &Output, expect: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{what}: {e:?} in {err}");
    }
    err
}

/// Whether the database at `url` holds the ledger schema (without creating anything).
async fn has_schema(url: &str) -> bool {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let found: bool = sqlx::query_scalar("SELECT to_regclass('ledger_head') IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        found
    } else {
        let path = url.trim_start_matches("sqlite://");
        Path::new(path).exists()
    }
}

async fn read_commands_on_a_missing_ledger_say_so_in_one_line_and_create_nothing(db: TestDb) {
    let keys = tempfile::tempdir().unwrap();
    let key = support::http::new_key(keys.path());
    let key = key.to_str().unwrap();
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("verify", vec!["verify", "--db", &db.url]),
        ("verify --deep", vec!["verify", "--deep", "--db", &db.url]),
        ("export", vec!["export", "--db", &db.url]),
        (
            "checkpoint",
            vec!["checkpoint", "--db", &db.url, "--key-file", key],
        ),
        ("token list", vec!["token", "list", "--db", &db.url]),
        (
            "token issue",
            vec![
                "token", "issue", "--db", &db.url, "--person", "P0001", "--role", "admin",
                "--actor", "P0001",
            ],
        ),
        (
            "token revoke",
            vec![
                "token",
                "revoke",
                "--db",
                &db.url,
                "--id",
                "0123456789abcdef",
                "--actor",
                "P0001",
            ],
        ),
        (
            "serve",
            vec![
                "serve",
                "--db",
                &db.url,
                "--key-file",
                key,
                "--listen",
                "127.0.0.1:0",
            ],
        ),
    ];
    let reason = if db.url.starts_with("postgres") {
        "no ledger there (the database has no govledger schema)"
    } else {
        "no ledger there (no such file)"
    };
    for (what, args) in commands {
        let out = govledger(&args);
        let err = refused(
            what,
            &out,
            &[
                &format!("error: cannot open database {}: {reason}", db.url),
                &format!("`govledger init --db {}` creates one", db.url),
            ],
        );
        assert!(!err.contains("code: 14"), "{what}: {err}");
        assert!(!has_schema(&db.url).await, "{what} created a ledger");
    }
    if let Some(dir) = db.dir() {
        assert_eq!(listing(dir), Vec::<String>::new(), "no file was created");
    }
    // `init` still creates one, after which the same read works.
    let out = govledger(&[
        "init",
        "--db",
        &db.url,
        "--key-file",
        &keys.path().join("init.key").display().to_string(),
        "--admin-id",
        "P0001",
        "--admin-name",
        "管理 太郎",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = govledger(&["verify", "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
}

on_both_backends!(
    read_commands_on_a_missing_ledger_say_so_in_one_line_and_create_nothing,
    a_file_or_database_without_the_schema_is_no_ledger_and_stays_as_it_was,
);

#[test]
fn without_db_a_read_command_names_the_default_ledger_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["token", "list"],
        vec!["verify"],
        vec!["export"],
        vec!["checkpoint"],
    ] {
        let out = govledger_in(dir.path(), &args);
        refused(
            &args.join(" "),
            &out,
            &[
                "cannot open database sqlite://govledger.db: no ledger there (no such file)",
                "`govledger init --db sqlite://govledger.db` creates one",
                "`govledger demo` builds a sample at sqlite://govledger-demo.db",
                "--db (GOVLEDGER_DB)",
            ],
        );
        assert_eq!(listing(dir.path()), Vec::<String>::new(), "{args:?}");
    }
    let out = govledger_in(dir.path(), &["public-key"]);
    refused(
        "public-key",
        &out,
        &["no signing key at govledger.db.key", "`govledger init`"],
    );
}

/// A SQLite file that is empty or not a database, or a PostgreSQL database without the
/// schema, is refused as "no ledger" and left exactly as it was.
async fn a_file_or_database_without_the_schema_is_no_ledger_and_stays_as_it_was(db: TestDb) {
    let Some(dir) = db.dir() else {
        // PostgreSQL: the test database is empty; the other test covers it. Here: a URL
        // with a password never shows it.
        let user = db.url["postgres://".len()..].split('@').next().unwrap();
        let with_password =
            db.url
                .replacen(&format!("//{user}@"), &format!("//{user}:hunter2@"), 1);
        assert!(with_password.contains(":hunter2@"), "{with_password}");
        let out = govledger(&["verify", "--db", &with_password]);
        let err = refused("verify", &out, &["no govledger schema"]);
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!has_schema(&db.url).await);
        return;
    };
    for (name, bytes, reason) in [
        (
            "empty.db",
            &b""[..],
            "no ledger there (the database has no govledger schema)",
        ),
        (
            "notes.db",
            &b"minutes of the meeting\n"[..],
            "no ledger there (the file is not a SQLite database)",
        ),
    ] {
        let path = write(dir, name, bytes);
        for args in [
            vec!["verify", "--db", &path],
            vec!["token", "list", "--db", &path],
        ] {
            refused(&args.join(" "), &govledger(&args), &[&path, reason]);
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: unchanged");
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            listing(dir),
            Vec::<String>::new(),
            "{name}: no -wal or -shm"
        );
    }
}

#[test]
fn an_unsupported_url_scheme_is_named_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["verify", "--db", "mysql://ledger:pw@db.example/ledger"],
        vec![
            "token",
            "list",
            "--db",
            "mysql://ledger:pw@db.example/ledger",
        ],
        vec![
            "init",
            "--db",
            "mysql://ledger:pw@db.example/ledger",
            "--admin-id",
            "P0001",
            "--admin-name",
            "管理 太郎",
        ],
        vec!["import", "--db", "MySQL://db.example/ledger", "/dev/null"],
    ] {
        let out = govledger_in(dir.path(), &args);
        let err = refused(
            &args.join(" "),
            &out,
            &[
                "unsupported scheme",
                "use sqlite://PATH",
                "postgres://USER@HOST/DB",
            ],
        );
        assert!(!err.contains(":pw@"), "{err}");
        assert!(
            err.contains("mysql://") || err.contains("MySQL://"),
            "{err}"
        );
        assert_eq!(listing(dir.path()), Vec::<String>::new(), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_postgres_database_is_named_with_its_server() {
    let Ok(admin) = std::env::var(support::PG_ENV) else {
        eprintln!(
            "SKIPPED: PostgreSQL test — set {} to run it (CI does)",
            support::PG_ENV
        );
        return;
    };
    let opts: sqlx::postgres::PgConnectOptions = admin.parse().unwrap();
    let server = format!("{}:{}", opts.get_host(), opts.get_port());
    let url = format!(
        "postgres://{}@{server}/govledger_no_such_database",
        opts.get_username()
    );
    for args in [
        vec!["verify", "--db", &url],
        vec![
            "init",
            "--db",
            &url,
            "--admin-id",
            "P1",
            "--admin-name",
            "N",
        ],
    ] {
        let err = refused(
            &args.join(" "),
            &govledger(&args),
            &[&format!(
                "database \"govledger_no_such_database\" does not exist on {server}"
            )],
        );
        assert!(!err.contains("at line"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Error messages: one clear line (issue 14.6)
// ---------------------------------------------------------------------------------------------

/// A ledger made by `init` in `dir`, with its checkpoint (`cp.txt`), public key (`pub.txt`),
/// signing key (`l.db.key`) and export (`e.jsonl`) as files there.
fn ledger_files(dir: &Path) {
    let run = |args: &[&str]| {
        let out = govledger_in(dir, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out.stdout
    };
    run(&[
        "init",
        "--db",
        "sqlite://l.db",
        "--admin-id",
        "P0001",
        "--admin-name",
        "管理 太郎",
    ]);
    let cp = run(&["checkpoint", "--db", "sqlite://l.db"]);
    std::fs::write(dir.join("cp.txt"), cp).unwrap();
    let key = run(&["public-key", "--db", "sqlite://l.db"]);
    std::fs::write(dir.join("pub.txt"), key).unwrap();
    run(&["export", "--db", "sqlite://l.db", "--out", "e.jsonl"]);
}

#[test]
fn a_swapped_key_and_checkpoint_is_named_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    ledger_files(dir.path());
    let verify = |checkpoint: &str, key: &str| {
        govledger_in(
            dir.path(),
            &[
                "verify",
                "--file",
                "e.jsonl",
                "--checkpoint",
                checkpoint,
                "--key",
                key,
            ],
        )
    };
    let out = verify("cp.txt", "pub.txt");
    assert!(out.status.success(), "{}", stderr(&out));
    let cases = [
        (
            "pub.txt",
            "cp.txt",
            "--key and --checkpoint are swapped: --key cp.txt is a checkpoint and --checkpoint pub.txt is the public key",
        ),
        (
            "cp.txt",
            "cp.txt",
            "--key cp.txt is a checkpoint, not the log's public key",
        ),
        (
            "pub.txt",
            "pub.txt",
            "--checkpoint pub.txt is a public key, not a checkpoint",
        ),
        (
            "cp.txt",
            "l.db.key",
            "--key l.db.key is the private signing key",
        ),
        (
            "l.db.key",
            "pub.txt",
            "--checkpoint l.db.key is the private signing key, not a checkpoint",
        ),
    ];
    for (checkpoint, key, expect) in cases {
        let what = format!("verify --checkpoint {checkpoint} --key {key}");
        let err = refused(&what, &verify(checkpoint, key), &[expect]);
        assert!(!err.contains("invalid key name"), "{what}: {err}");
    }
    // A key file that is not there: its cause once, not twice.
    let err = refused(
        "missing key",
        &verify("cp.txt", "nothing.txt"),
        &["nothing.txt"],
    );
    assert_eq!(err.matches("No such file").count(), 1, "{err}");

    // The proof client checks the same before it asks any server.
    let proof = |kind: &str, checkpoint: &str, key: &str| {
        let mut args = vec![
            "proof",
            kind,
            "--url",
            "http://127.0.0.1:9",
            "--token",
            "glt_0123456789abcdef_x",
            "--key",
            key,
            "--checkpoint",
            checkpoint,
        ];
        if kind == "inclusion" {
            args.extend(["--seq", "1"]);
        }
        govledger_in(dir.path(), &args)
    };
    for kind in ["inclusion", "consistency"] {
        for (checkpoint, key, expect) in cases {
            let what = format!("proof {kind} --checkpoint {checkpoint} --key {key}");
            let err = refused(&what, &proof(kind, checkpoint, key), &[expect]);
            assert!(!err.contains("127.0.0.1:9"), "{what}: no request: {err}");
        }
    }
}

#[test]
fn the_proof_client_names_a_url_without_scheme_and_a_mangled_token() {
    let dir = tempfile::tempdir().unwrap();
    ledger_files(dir.path());
    let proof = |url: &str, token: &str| {
        govledger_in(
            dir.path(),
            &[
                "proof",
                "inclusion",
                "--url",
                url,
                "--token",
                token,
                "--key",
                "pub.txt",
                "--seq",
                "1",
            ],
        )
    };
    let token = "glt_0123456789abcdef_c2VjcmV0IG5vdCBzaG93bg";
    refused(
        "no scheme",
        &proof("127.0.0.1:8080", token),
        &["--url \"127.0.0.1:8080\" has no scheme: write http://127.0.0.1:8080"],
    );
    refused(
        "host:port read as a scheme",
        &proof("localhost:8080", token),
        &["--url \"localhost:8080\" has no scheme: write http://localhost:8080"],
    );
    refused(
        "another scheme",
        &proof("ftp://127.0.0.1:8080", token),
        &["the scheme ftp:// is not http:// or https://"],
    );
    let err = refused(
        "truncated token",
        &proof("http://127.0.0.1:9", "glt_0123456789abcdef_c2Vjcm…"),
        &["--token contains '…'", "truncated"],
    );
    assert!(!err.contains("c2Vjcm"), "the token is never shown: {err}");
    refused(
        "a space in the token",
        &proof("http://127.0.0.1:9", "glt_0123456789abcdef_c2V jcm"),
        &["--token contains ' '"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_errors_say_what_is_wrong_with_a_date_a_seq_or_a_token() {
    let db = TestDb::sqlite();
    let app = support::http::genesis_app(&db).await;
    let problem = |res: reqwest::Response, status: u16| async move {
        assert_eq!(res.status(), status);
        let p: serde_json::Value = res.json().await.unwrap();
        p["detail"].as_str().unwrap().to_owned()
    };
    for (as_of, wrong) in [
        ("2025-13-01", "has month 13, not 1 to 12"),
        ("2025-04-31", "has day 31, but 2025-04 has days 1 to 30"),
        (
            "2025-04-01T09:00:00",
            "has no UTC offset: add +09:00 for JST, or Z",
        ),
        ("2025-04-01T9:00+09:00", "not hh:mm:ss"),
    ] {
        let res = app
            .get(&format!("/v1/organisation?as_of={as_of}"), &app.auditor)
            .send()
            .await
            .unwrap();
        let detail = problem(res, 400).await;
        assert!(detail.contains(wrong), "{as_of}: {detail}");
        assert!(detail.contains("YYYY-MM-DD"), "{as_of}: {detail}");
        assert!(
            detail.contains("2025-04-01T09:30:00+09:00"),
            "{as_of}: {detail}"
        );
        assert!(!detail.contains("premature"), "{as_of}: {detail}");
    }
    // A decision's effective_at is read the same way.
    let body = serde_json::json!({"title": "周知", "body": "本文", "bureau": null,
                                  "effective_at": "2025-02-29"});
    let res = app
        .post_json(
            "/v1/commands/issue_directive",
            &app.admin,
            &body.to_string(),
        )
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let detail = problem(res, status).await;
    assert_eq!(status, 422, "{detail}");
    assert!(
        detail.contains("has day 29, but 2025-02 has days 1 to 28"),
        "{detail}"
    );

    for seq in ["0", "1000"] {
        let res = app
            .get(&format!("/v1/proof/inclusion?seq={seq}"), &app.auditor)
            .send()
            .await
            .unwrap();
        let detail = problem(res, 400).await;
        assert!(detail.contains("seqs run from 1"), "{seq}: {detail}");
        assert!(!detail.contains("18446744073709551615"), "{seq}: {detail}");
        assert!(!detail.contains("leaf index"), "{seq}: {detail}");
    }

    let cut = format!("Bearer {}…", &app.auditor[..20]);
    let res = app
        .client
        .get(format!("{}/v1/head", app.url))
        .header(
            reqwest::header::AUTHORIZATION,
            reqwest::header::HeaderValue::from_bytes(cut.as_bytes()).unwrap(),
        )
        .send()
        .await
        .unwrap();
    let detail = problem(res, 401).await;
    assert!(detail.contains("truncated"), "{detail}");
    assert!(!detail.contains("must read `Bearer <token>`"), "{detail}");
}

//! `govledger backup`: a verified backup and its 第11条 record.
//!
//! Into a new directory (mode 0700, never an existing one) under `--out` it writes the
//! checkpoint signed at the head (signing one if the head moved), the export of the events it
//! covers (JSON Lines, as `govledger export`), the public key, and for SQLite a consistent copy
//! of the database file (`VACUUM INTO`). It then verifies the export offline against the
//! checkpoint and key read back from those files, exactly as `govledger verify --file` does,
//! and only then records a `backup` operation (result `succeeded`, or `failed` with the reason)
//! through the ledger, as `--actor`.
//!
//! Exit codes: 0 verified and recorded; 1 the backup does not verify (`BROKEN: …`, recorded as
//! failed); 2 anything else (the record refused by a rule: the files stay).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};

use crate::cli::{DbArg, KeyArg};
use crate::ledger::{CommandRequest, Ledger, LedgerError};
use crate::rules::Command;
use crate::store::{self, Store};
use govledger_schema::events::{OperationKind, OperationResult};

/// File names inside a backup directory.
pub const EXPORT_FILE: &str = "export.jsonl";
pub const CHECKPOINT_FILE: &str = "checkpoint";
pub const PUBLIC_KEY_FILE: &str = "public-key";
pub const SQLITE_COPY_FILE: &str = "ledger.db";

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub key: KeyArg,
    /// Directory to write the backup into; each run makes a new timestamped subdirectory.
    #[arg(long, env = "GOVLEDGER_BACKUP_DIR")]
    pub out: PathBuf,
    /// Person id recording the backup (第11条第1号): the operations support post, the system
    /// administrator or system operation staff.
    #[arg(long, env = "GOVLEDGER_BACKUP_ACTOR")]
    pub actor: String,
}

/// What a finished backup holds.
struct Written {
    dir: PathBuf,
    bytes: u64,
    checkpoint_size: u64,
}

pub async fn run(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let store = crate::cli::open_ledger(&args.db.db).await?;
    let key_path = args.key.path(&args.db.db);
    let notary = crate::notary::Notary::from_key_file(&key_path)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    // Absolute, so the record names the backup wherever the command ran from.
    let out = std::fs::canonicalize(&args.out)
        .with_context(|| format!("cannot resolve {}", args.out.display()))?;
    let dir = new_dir(&out)?;
    let outcome = write_and_verify(&store, &notary, &dir).await;
    let (result, detail, code) = match &outcome {
        Ok(Ok((w, report))) => (
            OperationResult::Succeeded,
            format!(
                "verified offline: {} events, checkpoint size {} root {} signed by {}",
                report.events,
                report.checkpoint_size,
                report.root,
                notary.verifier().name()
            ),
            {
                println!(
                    "ok: backup {} ({} bytes) verified: {} events; the first {} match the checkpoint's root {}",
                    w.dir.display(),
                    w.bytes,
                    report.events,
                    report.checkpoint_size,
                    report.root
                );
                ExitCode::SUCCESS
            },
        ),
        Ok(Err((_, why))) => {
            println!("BROKEN: {why}");
            (
                OperationResult::Failed,
                format!("did not verify: {why}"),
                ExitCode::from(1),
            )
        }
        Err(e) => {
            eprintln!("error: backup into {} failed: {e:#}", dir.display());
            (
                OperationResult::Failed,
                format!("not completed: {e:#}"),
                ExitCode::from(2),
            )
        }
    };
    let (bytes, size) = match &outcome {
        Ok(Ok((w, _))) | Ok(Err((w, _))) => (w.bytes, Some(w.checkpoint_size)),
        Err(_) => (dir_bytes(&dir), None),
    };
    let target = format!(
        "{} ({bytes} bytes{})",
        dir.display(),
        size.map(|s| format!(", checkpoint size {s}"))
            .unwrap_or_default()
    );
    match record(&store, &args.actor, target, result, detail).await {
        Ok(seq) => {
            eprintln!(
                "recorded the backup ({}) at seq {seq}",
                match result {
                    OperationResult::Succeeded => "succeeded",
                    OperationResult::Failed => "failed",
                }
            );
            Ok(code)
        }
        Err(RecordError::Refused(r)) => {
            eprintln!(
                "error: the backup in {} was not recorded: refused by {} ({}): {}; the files stay",
                dir.display(),
                r.rule,
                r.article,
                r.message
            );
            Ok(ExitCode::from(2))
        }
        Err(RecordError::Other(e)) => {
            eprintln!(
                "error: the backup in {} was not recorded: {e:#}; the files stay",
                dir.display()
            );
            // A verification failure stays exit 1 however the record went.
            Ok(if code == ExitCode::from(1) {
                code
            } else {
                ExitCode::from(2)
            })
        }
    }
}

/// A new directory `govledger-backup-<UTC time>` (with `-2`, `-3`, … if taken) of mode 0700.
fn new_dir(out: &Path) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for n in 1..1000u32 {
        let name = match n {
            1 => format!("govledger-backup-{stamp}"),
            n => format!("govledger-backup-{stamp}-{n}"),
        };
        let dir = out.join(name);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", dir.display()));
            }
        }
    }
    anyhow::bail!("no free backup directory name under {}", out.display())
}

type Verified = Result<(Written, crate::notary::OfflineReport), (Written, String)>;

/// Writes the checkpoint, the export up to it, the public key and (SQLite) a copy of the
/// database, then verifies the export against the files written.
async fn write_and_verify(
    store: &Store,
    notary: &crate::notary::Notary,
    dir: &Path,
) -> anyhow::Result<Verified> {
    let cp = notary.checkpoint_now(store).await?;
    let checkpoint = dir.join(CHECKPOINT_FILE);
    write_new(&checkpoint, cp.note.as_bytes()).await?;
    let key = dir.join(PUBLIC_KEY_FILE);
    write_new(
        &key,
        format!("{}\n", notary.verifier().to_text()).as_bytes(),
    )
    .await?;
    let export = dir.join(EXPORT_FILE);
    {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&export)
            .await
            .with_context(|| format!("cannot create {}", export.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        store::export(store, 1, Some(cp.size), &mut w).await?;
        w.flush().await?;
        w.get_ref().sync_all().await?;
    }
    let copy_check = match store.sqlite_pool() {
        Some(pool) => sqlite_copy(pool, &dir.join(SQLITE_COPY_FILE), cp.size).await?,
        None => None,
    };
    let written = |dir: &Path| Written {
        dir: dir.to_owned(),
        bytes: dir_bytes(dir),
        checkpoint_size: cp.size,
    };
    // Read back what was written, as `verify --file … --checkpoint … --key …` does.
    let note = tokio::fs::read(&checkpoint).await?;
    let verifier = crate::checkpoint::read_verifier_key(&key)?;
    let input = tokio::fs::File::open(&export).await?;
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let verified = crate::notary::verify_export(&mut reader, &note, &verifier, |_| {}).await;
    Ok(match (verified, copy_check) {
        (Err(e), _) => Err((written(dir), e.to_string())),
        (Ok(_), Some(why)) => Err((written(dir), why)),
        (Ok(report), None) => Ok((written(dir), report)),
    })
}

/// A consistent copy of a SQLite ledger (`VACUUM INTO`, one read transaction), checked by
/// re-verifying its chain: `Some(why)` when the copy does not verify.
async fn sqlite_copy(
    pool: &sqlx::SqlitePool,
    path: &Path,
    size: u64,
) -> anyhow::Result<Option<String>> {
    let Some(text) = path.to_str() else {
        anyhow::bail!("the backup path {} is not UTF-8", path.display());
    };
    sqlx::query("VACUUM INTO ?")
        .bind(text)
        .execute(pool)
        .await
        .with_context(|| format!("VACUUM INTO {}", path.display()))?;
    let copy = Store::open_existing(&format!("sqlite://{text}")).await?;
    let report = copy.verify(1, None, |_| {}).await;
    let head = copy.head().await;
    copy.close().await;
    // The copy's WAL side files are not part of the backup.
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{text}{side}"));
    }
    let report = report?;
    Ok(if !report.is_ok() {
        Some(format!("{SQLITE_COPY_FILE}: {report}"))
    } else if head?.seq < size {
        Some(format!(
            "{SQLITE_COPY_FILE} ends before the checkpoint's size {size}"
        ))
    } else {
        None
    })
}

async fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    Ok(())
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

enum RecordError {
    Refused(crate::rules::Refusal),
    Other(anyhow::Error),
}

/// Records the backup operation through the ledger (第11条第1号), taking effect now.
async fn record(
    store: &Store,
    actor: &str,
    target: String,
    result: OperationResult,
    detail: String,
) -> Result<u64, RecordError> {
    let (ledger, _) = Ledger::open(store.clone()).await.map_err(|e| {
        RecordError::Other(anyhow::Error::new(e).context("cannot load the projections"))
    })?;
    let req = CommandRequest {
        command: Command::RecordOperation {
            operation: OperationKind::Backup,
            target,
            result,
            detail: Some(detail),
            ticket: None,
        },
        actor: actor.to_owned(),
        effective_at: crate::jst::now(),
        effective_at_defaulted: true,
        event_id: None,
        request_id: None,
        token: None,
    };
    let done = execute(&ledger, req).await?;
    Ok(done.events.last().map_or(0, |e| e.seq))
}

async fn execute(
    ledger: &Ledger,
    req: CommandRequest,
) -> Result<crate::ledger::Executed, RecordError> {
    ledger.execute(req).await.map_err(|e| match e {
        LedgerError::Refused(r) => RecordError::Refused(r),
        e => RecordError::Other(e.into()),
    })
}

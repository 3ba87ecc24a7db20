//! `govledger demo`: a realistic ledger, deterministic from a seed, on the embedded default.
//!
//! Builds (only when the database is absent or empty) the genesis and five fiscal years of
//! decisions from `crate::demo::script`, each decided by the real rules and appended through
//! the real [`Ledger`], with `recorded_at` taken from the script's clock so that the audit view
//! of late recordings means something. Then verifies the chain, signs a checkpoint, issues an
//! auditor and an admin token, prints a summary, and with `--serve` serves it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::cli::{DbArg, KeyArg};
use crate::ledger::{CommandRequest, Ledger};
use crate::notary::Notary;
use crate::store::{self, Store};

/// The demo's default database.
pub const DEMO_DB: &str = "sqlite://govledger-demo.db";
/// The demo's checkpoint origin.
pub const DEMO_ORIGIN: &str = "govledger.demo/kawasaki-welfare-system";

/// The demo clock's value meaning "use the real clock".
const REAL_TIME: i64 = i64::MIN;

/// What `demo` built or found.
#[derive(Debug)]
pub struct DemoLedger {
    pub store: Store,
    pub built: bool,
}

/// Builds the demo into `db` unless it already holds a ledger.
pub async fn build(db: &DbArg, key: &KeyArg, seed: u64) -> anyhow::Result<DemoLedger> {
    let clock = Arc::new(AtomicI64::new(
        crate::demo::demo_genesis_recorded_at().timestamp_micros(),
    ));
    let tick = clock.clone();
    let store = Store::open(&db.db)
        .await
        .with_context(|| format!("cannot open {}", store::redact(&db.db)))?
        .with_clock(move || match tick.load(Ordering::Relaxed) {
            REAL_TIME => Utc::now(),
            us => DateTime::<Utc>::from_timestamp_micros(us).unwrap_or_else(Utc::now),
        });
    let key_path = key.path(&db.db);
    let notary = if key_path.exists() {
        Notary::from_key_file(&key_path)?
    } else {
        let signer = crate::checkpoint::Signer::generate(DEMO_ORIGIN)
            .map_err(|e| anyhow::anyhow!("cannot make a signing key: {e}"))?;
        crate::checkpoint::write_signer_key(&key_path, &signer)?;
        Notary::new(signer)
    };
    let built = store.head().await?.seq == 0;
    if built {
        let (ledger, _) = Ledger::open(store.clone()).await?;
        let admin = crate::demo::demo_genesis_admin();
        ledger
            .genesis(&admin, crate::demo::demo_genesis_at())
            .await?;
        let steps = crate::demo::script(seed);
        anyhow::ensure!(
            !steps.is_empty(),
            "the demo script for seed {seed} is empty"
        );
        let bar = crate::cli::progress_bar(steps.len() as u64, "recording the demo's decisions");
        for (i, step) in steps.into_iter().enumerate() {
            clock.store(step.recorded_at.timestamp_micros(), Ordering::Relaxed);
            let kind = step.command.kind();
            ledger
                .execute(CommandRequest {
                    command: step.command,
                    actor: step.actor,
                    effective_at: step.effective_at,
                    effective_at_defaulted: false,
                    event_id: None,
                    request_id: Some(format!("demo-{seed}-{i}")),
                    token: None,
                })
                .await
                .with_context(|| format!("demo step {i} ({kind}) was refused"))?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        ledger.snapshot().await?;
    }
    // Real time for anything recorded from now on (tokens, checkpoints).
    clock.store(REAL_TIME, Ordering::Relaxed);
    let report = store.verify(1, None, |_| {}).await?;
    anyhow::ensure!(report.is_ok(), "the demo ledger does not verify: {report}");
    let cp = notary.checkpoint_now(&store).await?;
    eprintln!("{report}");
    eprintln!(
        "checkpoint at size {} (root {}), public key {}",
        cp.size,
        cp.root,
        notary.verifier().to_text()
    );
    Ok(DemoLedger { store, built })
}

/// Issues the demo's tokens: an auditor token, and an admin token for whoever holds the
/// system administrator's post (第4条第2項) today. Returns (auditor, admin, admin person).
pub async fn issue_tokens(store: &Store) -> anyhow::Result<(String, String, String)> {
    use crate::http::tokens::{Role, issue};
    let (ledger, _) = Ledger::open(store.clone()).await?;
    let now = crate::jst::now();
    let admin = ledger
        .read(|s| s.lens(now, None).holder("ADMIN").map(str::to_owned))
        .context("nobody holds the system administrator's post")?;
    let auditor = issue(
        store,
        "AUDITOR-DEMO",
        Role::Auditor,
        &admin,
        Some("demo".into()),
    )
    .await?;
    let admin_token = issue(store, &admin, Role::Admin, &admin, Some("demo".into())).await?;
    Ok((auditor.token, admin_token.token, admin))
}

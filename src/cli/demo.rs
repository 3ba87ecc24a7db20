//! `govledger demo`: a realistic ledger, deterministic from a seed, on the embedded default.
//!
//! Builds (only when the database is absent or empty) the genesis and five fiscal years of
//! decisions from `crate::demo::script`, each decided by the real rules and appended through
//! the real [`Ledger`], with `recorded_at` taken from the script's clock so that the audit view
//! of late recordings means something, and event ids derived from the seed and the seq
//! (`demo::event_id`). Then verifies the chain, signs a checkpoint, prints an auditor and an
//! admin token (kept in a 0600 file beside the key and reused while valid, so a second run
//! records nothing), and with `--serve` serves it (the port is checked first). The tokens of a
//! new build are issued still on the script's clock, so that the same seed builds the same
//! ledger byte for byte (`govledger export` of two builds is identical; only the tokens'
//! secrets differ, and they are not on the ledger); tokens issued by a later run, at the real
//! clock.

use std::path::{Path, PathBuf};
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
    /// The store's clock: the script's last recording time after a build (for the tokens
    /// issued next), the real clock once [`DemoClock::real_time`] is called (at once when the
    /// ledger was found).
    pub clock: DemoClock,
}

/// The demo store's clock.
#[derive(Debug, Clone)]
pub struct DemoClock(Arc<AtomicI64>);

impl DemoClock {
    /// From now on the store stamps with the real clock.
    pub fn real_time(&self) {
        self.0.store(REAL_TIME, Ordering::Relaxed);
    }
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
        })
        .with_event_ids(crate::demo::event_id);
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
                    request_id: Some(step.request_id),
                    token: None,
                })
                .await
                .with_context(|| format!("demo step {i} ({kind}) was refused"))?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        ledger.snapshot().await?;
    } else {
        // Real time for anything recorded from now on (tokens).
        clock.store(REAL_TIME, Ordering::Relaxed);
    }
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
    Ok(DemoLedger {
        store,
        built,
        clock: DemoClock(clock),
    })
}

/// The demo's two tokens and whose they are.
#[derive(Debug, Clone)]
pub struct DemoTokens {
    /// Read-only, for the supervisor of the common parts (第3条第2項 directs the system's
    /// operation; a reader of its ledger).
    pub auditor: String,
    /// For the system administrator (第4条第2項), who may record decisions and issue tokens.
    pub admin: String,
    pub admin_person: String,
    /// True when either was issued by this run (false: both reused from the tokens file).
    pub issued: bool,
}

/// Where the demo keeps its tokens: beside its signing key (`X.db.key` → `X.db.tokens`),
/// mode 0600 like the key.
pub fn tokens_path(key_path: &Path) -> PathBuf {
    key_path.with_extension("tokens")
}

/// The demo's tokens: those kept in `file` while they are still valid (live, of the persons
/// who hold the posts now by the store's clock), else new ones, issued by the system
/// administrator through the ledger's checks (第4条第1項) and kept in `file`. Running the demo
/// again so records nothing.
pub async fn issue_tokens(ledger: &Ledger, file: &Path) -> anyhow::Result<DemoTokens> {
    use crate::http::tokens::{Issuer, Role, authenticate, issue};
    let store = ledger.store();
    let now = store.now().with_timezone(&crate::jst::JST);
    let holder = |post: &str| {
        ledger
            .read(|s| s.lens(now, None).holder(post).map(str::to_owned))
            .with_context(|| format!("nobody holds the post {post} today"))
    };
    let admin = holder("ADMIN")?;
    let reader = holder("SUP-HW")?;
    let kept = read_tokens(file)?;
    // A kept token is reused only while it still authenticates as the same person and role.
    let still_valid = |token: Option<String>, person: String, role: Role| {
        let store = store.clone();
        async move {
            let token = token?;
            match authenticate(&store, &token).await {
                Ok(Ok(c)) if c.person == person && c.role == role => Some(token),
                _ => None,
            }
        }
    };
    let kept_admin = still_valid(kept.admin, admin.clone(), Role::Admin).await;
    let kept_auditor = still_valid(kept.auditor, reader.clone(), Role::Auditor).await;
    let by = Issuer::Person(admin.clone());
    let mut issued = false;
    let admin_token = match kept_admin {
        Some(t) => t,
        None => {
            issued = true;
            issue(ledger, &admin, Role::Admin, &by, Some("demo".into()))
                .await?
                .token
        }
    };
    let auditor = match kept_auditor {
        Some(t) => t,
        None => {
            issued = true;
            issue(ledger, &reader, Role::Auditor, &by, Some("demo".into()))
                .await?
                .token
        }
    };
    if issued {
        write_tokens(
            file,
            &KeptTokens {
                auditor: Some(auditor.clone()),
                admin: Some(admin_token.clone()),
            },
        )?;
    }
    Ok(DemoTokens {
        auditor,
        admin: admin_token,
        admin_person: admin,
        issued,
    })
}

/// The tokens file: JSON, secrets in it, so 0600.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct KeptTokens {
    auditor: Option<String>,
    admin: Option<String>,
}

fn read_tokens(file: &Path) -> anyhow::Result<KeptTokens> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeptTokens::default()),
        Err(e) => return Err(e).with_context(|| format!("demo tokens {}", file.display())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)?.permissions().mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "demo tokens {}: others may read it (mode {:o}); remove it or chmod 600",
            file.display(),
            mode & 0o777
        );
    }
    // A file that does not parse is replaced by new tokens, like one whose tokens expired.
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// Writes the tokens file whole (a temporary file, then renamed over it), mode 0600.
fn write_tokens(file: &Path, tokens: &KeptTokens) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = file.with_extension("tokens.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    let mut body = serde_json::to_vec_pretty(tokens)?;
    body.push(b'\n');
    f.write_all(&body)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(())
}

/// `govledger demo`: checks the listen address first (with `--serve`), builds or finds the
/// demo, prints its tokens (reused while valid), and serves it.
pub async fn run(
    db: DbArg,
    key: KeyArg,
    seed: u64,
    serve: bool,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    // Bound before anything is built or issued, and held until the server binds: a busy port
    // fails the demo before it records anything.
    let held = if serve {
        Some(
            std::net::TcpListener::bind(listen)
                .with_context(|| format!("cannot listen on {listen}"))?,
        )
    } else {
        None
    };
    let built = build(&db, &key, seed).await?;
    let head = built.store.head().await?;
    println!(
        "demo ledger {} at {}: {} events, head {}",
        if built.built { "built" } else { "found" },
        store::redact(&db.db),
        head.seq,
        head.hash
    );
    let file = tokens_path(&key.path(&db.db));
    // On a new build, still on the script's clock (its last recording time).
    let (ledger, _) = Ledger::open(built.store.clone()).await?;
    let tokens = issue_tokens(&ledger, &file).await;
    built.clock.real_time();
    let tokens = tokens?;
    println!("auditor token: {}", tokens.auditor);
    println!(
        "admin token ({}, system administrator): {}",
        tokens.admin_person, tokens.admin
    );
    eprintln!(
        "{} {} (mode 0600)",
        if tokens.issued {
            "tokens issued and kept in"
        } else {
            "tokens reused from"
        },
        file.display()
    );
    built.store.close().await;
    if serve {
        drop(held);
        super::serve::run(super::serve::ServeArgs {
            config: None,
            db,
            listen,
            key,
            checkpoint_every: 60,
            public_tiles: false,
            metrics_listen: None,
            limits: Default::default(),
            witnesses: Vec::new(),
            trusted_proxies: Vec::new(),
        })
        .await?;
    }
    Ok(())
}

//! The command line. Each command parses its arguments, calls the library and renders one
//! line; errors are one line on stderr.
//!
//! Exit codes: 0 success; 1 verification found a break; 2 anything else went wrong (bad
//! input, a database that cannot be opened, a refused import) — the ledger is unchanged.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};

use crate::store::{self, Store};

pub mod backup;
pub mod config;
pub mod demo;
pub mod proof;
pub mod serve;
pub mod token;

#[derive(Debug, Parser)]
#[command(
    name = "govledger",
    version,
    about = "Append-only, hash-chained, verifiable ledger of governance decisions"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct DbArg {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`. Only `init`, `demo` and
    /// `import` create a ledger; every other command needs one.
    #[arg(long, env = "GOVLEDGER_DB", default_value = "sqlite://govledger.db")]
    pub db: String,
}

/// Where the checkpoint signing key lives: a file outside the database.
#[derive(Debug, Args, Clone)]
pub struct KeyArg {
    /// Signing key file (mode 0600). Default: beside a SQLite file (`X.db.key`), else `govledger.key`.
    #[arg(long = "key-file", env = "GOVLEDGER_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeyArg {
    pub fn path(&self, db: &str) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| crate::notary::default_key_path(db))
    }
}

/// Who and what the genesis records.
#[derive(Debug, Args, Clone)]
pub struct GenesisArgs {
    /// Person id of the bootstrap system administrator (第4条第2項), the actor of the genesis.
    #[arg(long, env = "GOVLEDGER_ADMIN_ID")]
    pub admin_id: Option<String>,
    /// Their name.
    #[arg(long, env = "GOVLEDGER_ADMIN_NAME")]
    pub admin_name: Option<String>,
    /// The personnel order (辞令) appointing them.
    #[arg(long, default_value = "人事異動通知")]
    pub personnel_order: String,
    /// When the genesis takes effect: `YYYY-MM-DD` (00:00 JST) or RFC 3339. Default: now.
    #[arg(long)]
    pub genesis_at: Option<String>,
    /// The checkpoints' origin line and key name.
    #[arg(
        long,
        env = "GOVLEDGER_ORIGIN",
        default_value = "govledger.local/welfare-system"
    )]
    pub origin: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the ledger: database and schema, the checkpoint signing key, and the genesis
    /// (the regulation, its amendments, the annex and the bootstrap administrator).
    Init {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        genesis: GenesisArgs,
    },
    /// Print a signed checkpoint (C2SP tlog-checkpoint note): the one issued at `--size`, or a
    /// new one at the head.
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        key: KeyArg,
        /// Tree size (default: the head).
        #[arg(long)]
        size: Option<u64>,
    },
    /// Build the demo ledger (genesis and five fiscal years of decisions) if absent, verify it,
    /// print a summary and tokens; with `--serve`, serve it.
    Demo {
        /// The demo's database (built only when absent or empty).
        #[arg(long, env = "GOVLEDGER_DB", default_value = demo::DEMO_DB)]
        db: String,
        #[command(flatten)]
        key: KeyArg,
        /// Seed of the deterministic demo script.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Serve the demo ledger over HTTP after building it.
        #[arg(long)]
        serve: bool,
        /// Address to serve on (with `--serve`).
        #[arg(long, env = "GOVLEDGER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Measure performance figures against raw baselines from the same run (prints JSON).
    Bench(crate::bench::BenchArgs),
    /// Fetch and verify Merkle proofs from a server against a kept checkpoint.
    Proof {
        #[command(subcommand)]
        command: proof::ProofCommand,
    },
    /// Print the public key that verifies this ledger's checkpoints (note verifier format).
    PublicKey {
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Verify the stored chain (every body, hash, link, seq, stream version), or with `--file`
    /// an export offline against a kept checkpoint and the log's public key.
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// Verify this export file (JSON Lines) instead of the database: no server, no database.
        #[arg(long, requires_all = ["checkpoint", "key"])]
        file: Option<PathBuf>,
        /// A signed checkpoint kept earlier (with `--file`).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's public key in note verifier format (with `--file`).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Also check that every stored body is in canonical RFC 8785 spelling (slower).
        #[arg(long)]
        deep: bool,
        /// First seq to check (the chain link into it is taken from the stored seq before).
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Last seq to check (default: the head).
        #[arg(long)]
        to: Option<u64>,
        /// Witnesses that must have cosigned the checkpoint (with `--file`).
        #[command(flatten)]
        policy: proof::WitnessPolicyArgs,
    },
    /// Write events as JSON Lines, one canonical body per line.
    Export {
        #[command(flatten)]
        db: DbArg,
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long)]
        to: Option<u64>,
    },
    /// Write a verified backup (export, checkpoint, public key; SQLite: a copy of the file) into
    /// a new directory under `--out`, and record it as a 第11条 backup operation.
    Backup(backup::BackupArgs),
    /// Load a JSON Lines export into an empty ledger, re-verifying every line first.
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The export file.
        file: PathBuf,
    },
    /// Serve the HTTP API (reads for auditors, writes for admins, live tail, exports).
    Serve(serve::ServeArgs),
    /// The configuration file of `serve`: `config check` prints the effective configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Issue, revoke and list bearer tokens for the HTTP API.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Run a witness (c2sp.org/tlog-witness): an independent cosigner of this log's checkpoints.
    Witness {
        #[command(subcommand)]
        command: crate::witness::WitnessCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration of `serve` (flags, environment, `--config` file,
    /// defaults), each value with its source; no secrets.
    Check(serve::ServeArgs),
}

/// Runs the command line and maps the outcome to an exit code.
pub async fn main() -> ExitCode {
    let command = Cli::command();
    let Some(serve) = command.find_subcommand("serve").cloned() else {
        return ExitCode::from(2);
    };
    // `serve --config FILE`: the file's values enter as flags the command line lacks.
    let (args, loaded) = match config::with_file(std::env::args_os().collect(), &serve) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let matches = command.get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Command::Config {
        command: ConfigCommand::Check(_),
    } = &cli.command
    {
        let check = matches
            .subcommand_matches("config")
            .and_then(|m| m.subcommand_matches("check"));
        return match check.map(|m| config::check(&serve, m, &loaded)) {
            Some(Ok(code)) => code,
            Some(Err(e)) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
            None => ExitCode::from(2),
        };
    }
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            // One line, the whole cause chain, no backtrace.
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { db, key, genesis } => {
            init(&db, &key, &genesis).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Checkpoint { db, key, size } => {
            let store = open_ledger(&db.db).await?;
            let notary = crate::notary::Notary::from_key_file(&key.path(&db.db))?;
            let cp = match size {
                Some(size) => notary.checkpoint_at(&store, size).await?,
                None => notary.checkpoint_now(&store).await?,
            };
            print!("{}", cp.note);
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            db,
            key,
            seed,
            serve,
            listen,
        } => {
            demo::run(DbArg { db }, key, seed, serve, listen).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Proof { command } => proof::run(command).await,
        Command::Bench(args) => {
            let figures = crate::bench::run(args).await?;
            println!("{}", serde_json::to_string_pretty(&figures)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::PublicKey { db, key } => {
            let path = key.path(&db.db);
            if !path.exists() {
                anyhow::bail!(
                    "no signing key at {}: `govledger init` makes one beside a new ledger (or name it with --key-file)",
                    path.display()
                );
            }
            let notary = crate::notary::Notary::from_key_file(&path)?;
            println!("{}", notary.verifier().to_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            file: Some(file),
            checkpoint,
            key,
            policy,
            ..
        } => {
            let (Some(checkpoint), Some(key)) = (checkpoint, key) else {
                anyhow::bail!("--file needs --checkpoint and --key");
            };
            check_key_and_checkpoint(&key, Some(&checkpoint))?;
            let policy = policy.policy()?;
            verify_offline(&file, &checkpoint, &key, policy.as_ref()).await
        }
        Command::Verify {
            db,
            from,
            to,
            deep,
            policy,
            ..
        } => {
            if !policy.witnesses.is_empty() {
                anyhow::bail!(
                    "--witness applies to a checkpoint: give it with --file, --checkpoint and --key"
                );
            }
            let store = open_ledger(&db.db).await?;
            let head = store.head().await?;
            let total = to.unwrap_or(head.seq).saturating_sub(from.max(1) - 1);
            let bar = progress_bar(total, "verifying");
            let report = if deep {
                store.verify_deep(from, to, |_| bar.inc(1)).await?
            } else {
                store.verify(from, to, |_| bar.inc(1)).await?
            };
            bar.finish_and_clear();
            println!("{report}");
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Export { db, out, from, to } => {
            let store = open_ledger(&db.db).await?;
            let written = match &out {
                Some(path) => {
                    let file = tokio::fs::File::create(path)
                        .await
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    let mut w = BufWriter::with_capacity(1 << 20, file);
                    let n = store::export(&store, from, to, &mut w).await?;
                    w.flush().await?;
                    n
                }
                None => {
                    let mut w = BufWriter::with_capacity(1 << 20, tokio::io::stdout());
                    let n = store::export(&store, from, to, &mut w).await?;
                    w.flush().await?;
                    n
                }
            };
            eprintln!("exported {written} events");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => backup::run(args).await,
        Command::Serve(args) => {
            serve::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { .. } => anyhow::bail!("`config check` is answered before commands run"),
        Command::Token { command } => token::token(command).await,
        Command::Witness { command } => crate::witness::run(command).await,
        Command::Import { db, file } => {
            let input = tokio::fs::File::open(&file)
                .await
                .with_context(|| format!("cannot open {}", file.display()))?;
            let size = input.metadata().await.map(|m| m.len()).unwrap_or(0);
            let store = Store::open(&db.db).await?;
            let bar = progress_bar(size / 500, "importing");
            let mut reader = BufReader::with_capacity(1 << 20, input);
            let head = store::import(&store, &mut reader, |_| bar.inc(1))
                .await
                .with_context(|| {
                    format!("import of {} refused, nothing written", file.display())
                })?;
            bar.finish_and_clear();
            println!("imported {} events, head {}", head.seq, head.hash);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens the ledger at `db` for a command that must not create one (all but `init`, `demo`
/// and `import`): where there is none, one line naming the URL and how to make one.
pub async fn open_ledger(db: &str) -> anyhow::Result<Store> {
    match Store::open_existing(db).await {
        Ok(store) => Ok(store),
        Err(e @ store::StoreError::NoLedger { .. }) => {
            let url = store::redact(db);
            let make = if db.contains("://") && !db.starts_with("sqlite:") {
                format!(
                    "`govledger init --db {url}` creates one in an existing database (`createdb` it first)"
                )
            } else {
                format!(
                    "`govledger init --db {url}` creates one, `govledger demo` builds a sample at {}",
                    demo::DEMO_DB
                )
            };
            anyhow::bail!("{e}; {make}; or name another ledger with --db (GOVLEDGER_DB)")
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates what is missing: schema, signing key, genesis. Safe to run again.
pub async fn init(db: &DbArg, key: &KeyArg, genesis: &GenesisArgs) -> anyhow::Result<()> {
    let store = Store::open(&db.db).await?;
    let key_path = key.path(&db.db);
    let notary = if key_path.exists() {
        crate::notary::Notary::from_key_file(&key_path)?
    } else {
        let signer = crate::checkpoint::Signer::generate(&genesis.origin).map_err(|e| {
            anyhow::anyhow!(
                "cannot make a signing key for origin {:?}: {e}",
                genesis.origin
            )
        })?;
        crate::checkpoint::write_signer_key(&key_path, &signer)?;
        eprintln!("created signing key {}", key_path.display());
        crate::notary::Notary::new(signer)
    };
    let (ledger, _) = crate::ledger::Ledger::open(store.clone()).await?;
    if store.head().await?.seq == 0 {
        let (Some(admin_id), Some(admin_name)) = (&genesis.admin_id, &genesis.admin_name) else {
            anyhow::bail!(
                "a new ledger needs its bootstrap administrator: --admin-id and --admin-name"
            );
        };
        let at = match &genesis.genesis_at {
            Some(s) => crate::jst::parse(s).map_err(|e| anyhow::anyhow!("--genesis-at: {e}"))?,
            None => crate::jst::now(),
        };
        let admin = crate::rules::GenesisAdmin {
            person_id: admin_id.clone(),
            name: admin_name.clone(),
            personnel_order: genesis.personnel_order.clone(),
        };
        let done = ledger.genesis(&admin, at).await?;
        eprintln!("recorded the genesis: {} events", done.events.len());
    }
    let cp = notary.checkpoint_now(&store).await?;
    let head = store.head().await?;
    println!(
        "ledger ready at {} ({:?}): head seq {} {}, checkpoint at size {}",
        store::redact(&db.db),
        store.backend(),
        head.seq,
        head.hash,
        cp.size
    );
    println!("public key: {}", notary.verifier().to_text());
    Ok(())
}

async fn verify_offline(
    file: &std::path::Path,
    checkpoint: &std::path::Path,
    key: &std::path::Path,
    policy: Option<&proof::WitnessPolicy>,
) -> anyhow::Result<ExitCode> {
    let note = tokio::fs::read(checkpoint)
        .await
        .with_context(|| format!("cannot read {}", checkpoint.display()))?;
    let verifier = crate::checkpoint::read_verifier_key(key)?;
    let input = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().await.map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size / 500, "verifying");
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let result = crate::notary::verify_export(&mut reader, &note, &verifier, |_| bar.inc(1)).await;
    bar.finish_and_clear();
    let witnessed = match (&result, policy) {
        (Ok(_), Some(policy)) => Some(policy.check(&note, &checkpoint.display().to_string())),
        _ => None,
    };
    match (result, witnessed) {
        (Ok(_), Some(Err(why))) => {
            println!("BROKEN: {why}");
            Ok(ExitCode::from(1))
        }
        (Ok(r), witnessed) => {
            println!(
                "ok: {} events verified; the first {} match the checkpoint's root {} signed by {}{}",
                r.events,
                r.checkpoint_size,
                r.root,
                verifier.name(),
                witnessed
                    .and_then(Result::ok)
                    .map(|w| format!("; {w}"))
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        (Err(e), _) => {
            println!("BROKEN: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// What a file given as `--key` or `--checkpoint` holds, told by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Checkpoint,
    PublicKey,
    SigningKey,
    Other,
}

fn holds(path: &std::path::Path) -> Holds {
    use std::io::Read;
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_string(&mut text));
    if read.is_err() {
        return Holds::Other;
    }
    if text.starts_with("PRIVATE+KEY+") {
        Holds::SigningKey
    } else if text.contains("\n\n\u{2014} ") {
        Holds::Checkpoint
    } else if crate::checkpoint::Verifier::from_text(text.strip_suffix('\n').unwrap_or(&text))
        .is_ok()
    {
        Holds::PublicKey
    } else {
        Holds::Other
    }
}

/// Refuses, in one line, a checkpoint given as `--key` or a key given as `--checkpoint` (they
/// are easily swapped: each alone would fail with a parse error about the other's format).
pub fn check_key_and_checkpoint(
    key: &std::path::Path,
    checkpoint: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let (k, c) = (key.display(), checkpoint.map(|c| (c.display(), holds(c))));
    match (holds(key), c) {
        (Holds::Checkpoint, Some((c, Holds::PublicKey))) => anyhow::bail!(
            "--key and --checkpoint are swapped: --key {k} is a checkpoint and --checkpoint {c} is the public key"
        ),
        (Holds::Checkpoint, _) => anyhow::bail!(
            "--key {k} is a checkpoint, not the log's public key (`govledger public-key` prints it); did you mean --checkpoint {k}?"
        ),
        (Holds::SigningKey, _) => anyhow::bail!(
            "--key {k} is the private signing key; give the log's public key (`govledger public-key` prints it)"
        ),
        (_, Some((c, Holds::PublicKey))) => anyhow::bail!(
            "--checkpoint {c} is a public key, not a checkpoint (`govledger checkpoint` prints one); did you mean --key {c}?"
        ),
        (_, Some((c, Holds::SigningKey))) => anyhow::bail!(
            "--checkpoint {c} is the private signing key, not a checkpoint (`govledger checkpoint` prints one)"
        ),
        _ => Ok(()),
    }
}

pub use crate::witness::server_url;

/// Refuses a bearer token with a character no token has (`glt_<id>_<secret>` is ASCII letters,
/// digits, `_` and `-`): one pasted with "…" was cut short when copied. The token itself is
/// never shown.
pub fn check_token(what: &str, token: &str) -> anyhow::Result<()> {
    match token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        Some(c) => anyhow::bail!(
            "{what} contains {c:?}, which no token has: it was truncated or mangled when copied; give the whole glt_<id>_<secret>"
        ),
        None => Ok(()),
    }
}

/// A progress bar on stderr; hidden when stderr is not a terminal.
pub fn progress_bar(len: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}

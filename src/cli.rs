//! The command line. Each command parses its arguments, calls the library and renders one
//! line; errors are one line on stderr.
//!
//! Exit codes: 0 success; 1 verification found a break; 2 anything else went wrong (bad
//! input, a database that cannot be opened, a refused import) — the ledger is unchanged.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::{AsyncWriteExt, BufReader, BufWriter};

use crate::store::{self, Store};

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
    /// Database URL: `sqlite://PATH` (created if absent) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "GOVLEDGER_DB", default_value = "sqlite://govledger.db")]
    pub db: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the ledger's database and schema (idempotent on an existing ledger).
    Init {
        #[command(flatten)]
        db: DbArg,
    },
    /// Verify the stored chain: every body, hash, link, seq and stream version.
    Verify {
        #[command(flatten)]
        db: DbArg,
        /// First seq to check (the chain link into it is taken from the stored seq before).
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Last seq to check (default: the head).
        #[arg(long)]
        to: Option<u64>,
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
    /// Load a JSON Lines export into an empty ledger, re-verifying every line first.
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The export file.
        file: PathBuf,
    },
}

/// Runs the command line and maps the outcome to an exit code.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Init { db } => {
            let store = Store::open(&db.db).await?;
            let head = store.head().await?;
            println!(
                "ledger ready at {} ({:?}), head seq {} {}",
                store::redact(&db.db),
                store.backend(),
                head.seq,
                head.hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { db, from, to } => {
            let store = Store::open_existing(&db.db).await?;
            let head = store.head().await?;
            let total = to.unwrap_or(head.seq).saturating_sub(from.max(1) - 1);
            let bar = progress_bar(total, "verifying");
            let report = store.verify(from, to, |_| bar.inc(1)).await?;
            bar.finish_and_clear();
            println!("{report}");
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Export { db, out, from, to } => {
            let store = Store::open_existing(&db.db).await?;
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

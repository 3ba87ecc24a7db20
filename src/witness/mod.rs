//! Witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature): someone other than the
//! operator who keeps the log honest.
//!
//! A witness is a small independent process with its own Ed25519 key and its own SQLite state.
//! The log sends it each new checkpoint with a consistency proof from the last one it
//! cosigned; it cosigns only a checkpoint that extends that one, so two witnessed checkpoints
//! can never disagree about history. A checkpoint the log signed that contradicts one it
//! cosigned is refused and kept, with the one it contradicts, as evidence of a fork.
//!
//! - [`state`]: the witness's state file and the protocol's checks;
//! - [`server`]: `govledger witness serve`, `POST /add-checkpoint`;
//! - [`client`]: the log's side: asking configured witnesses, keeping their cosignatures;
//! - [`protocol`]: the request body.

pub mod client;
pub mod protocol;
pub mod server;
pub mod state;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use crate::checkpoint::{self, Cosigner, Verifier};
use crate::conn::ConnectionLimits;

/// Connections a witness serves at once; more wait in the kernel's backlog. Its clients are the
/// few logs it cosigns.
pub const WITNESS_CONNECTIONS: u32 = 64;

pub use client::{WitnessEndpoint, Witnesses, cosignature_key, server_url};
pub use state::{ForkEvidence, Witness};

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create the witness's signing key (mode 0600) and print its public key, which the log
    /// (`serve --witness URL=KEY`) and auditors (`--witness KEY`) are given.
    Init {
        /// Where to write the key; an existing file is never overwritten.
        #[arg(long)]
        key: PathBuf,
        /// The witness's name (its key name in cosignature lines), e.g. `audit.city.example/w1`.
        #[arg(long, default_value = "govledger.local/witness")]
        name: String,
    },
    /// Print the public key of a witness key file.
    PublicKey {
        #[arg(long)]
        key: PathBuf,
    },
    /// Serve `POST /add-checkpoint`: cosign checkpoints that extend the last one cosigned,
    /// refuse (and keep the evidence of) any that does not.
    Serve {
        /// The witness's state (SQLite file; created with its schema if absent).
        #[arg(long)]
        state: PathBuf,
        /// The witness's signing key (`witness init`); refused if others can read it.
        #[arg(long)]
        key: PathBuf,
        /// A log's public key (note verifier format, a file or the text); repeatable. The log's
        /// checkpoints carry its key name as their origin.
        #[arg(long = "log-key", required = true)]
        log_keys: Vec<String>,
        /// Address to listen on; port 0 picks a free port (the first stdout line names it).
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
    },
}

pub async fn run(command: WitnessCommand) -> anyhow::Result<ExitCode> {
    match command {
        WitnessCommand::Init { key, name } => {
            let cosigner = Cosigner::generate(&name)
                .map_err(|e| anyhow::anyhow!("cannot make a witness key named {name:?}: {e}"))?;
            checkpoint::write_cosigner_key(&key, &cosigner)?;
            eprintln!("created witness key {}", key.display());
            println!("{}", cosigner.verifier());
        }
        WitnessCommand::PublicKey { key } => {
            println!("{}", checkpoint::read_cosigner_key(&key)?.verifier());
        }
        WitnessCommand::Serve {
            state,
            key,
            log_keys,
            listen,
        } => {
            init_logging();
            let cosigner = checkpoint::read_cosigner_key(&key)?;
            let logs = log_keys
                .iter()
                .map(|k| log_key(k))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let witness = Witness::open(&state, cosigner, logs)
                .await
                .with_context(|| format!("witness state {}", state.display()))?;
            // A witness serves few clients (the logs it cosigns): a small connection limit.
            let limits = ConnectionLimits {
                max_connections: WITNESS_CONNECTIONS,
                ..ConnectionLimits::DEFAULT
            };
            server::serve(Arc::new(witness), listen, limits).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A log's verifier key given as `--log-key`: the text or a file holding it.
fn log_key(arg: &str) -> anyhow::Result<Verifier> {
    if let Ok(key) = Verifier::from_text(arg) {
        return Ok(key);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        anyhow::bail!(
            "--log-key {arg:?} is neither a log's public key (`govledger public-key` prints it) nor a file"
        );
    }
    checkpoint::read_verifier_key(path).map_err(|e| {
        let witness_key = std::fs::read_to_string(path).is_ok_and(|t| {
            checkpoint::CosignatureVerifier::from_text(t.trim_end_matches('\n')).is_ok()
        });
        if witness_key {
            anyhow::anyhow!(
                "--log-key {}: this is a witness's key; give the log's (`govledger public-key` prints it)",
                path.display()
            )
        } else {
            anyhow::anyhow!("--log-key: {e}")
        }
    })
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

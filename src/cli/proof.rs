//! `govledger proof inclusion|consistency`: an auditor's client. It trusts nothing the server
//! says: every checkpoint's signature is checked with the key the auditor holds, the event's
//! leaf hash is recomputed from its canonical body, and each proof is verified locally.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use govledger_schema::{Digest32, Event};
use serde::Deserialize;

use crate::checkpoint::{Checkpoint, Verifier, read_verifier_key};
use crate::merkle::{leaf_hash, verify_consistency, verify_inclusion};

/// Where the server is and how to authenticate.
#[derive(Debug, Args, Clone)]
pub struct ServerArgs {
    /// Base URL of the govledger server, e.g. `http://127.0.0.1:8080`.
    #[arg(long, env = "GOVLEDGER_URL")]
    pub url: String,
    /// Bearer token (auditor or admin).
    #[arg(long, env = "GOVLEDGER_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The log's public key (note verifier format), as the auditor received it.
    #[arg(long)]
    pub key: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ProofCommand {
    /// Prove that the event at `--seq` is in the log as of a kept checkpoint.
    Inclusion {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long)]
        seq: u64,
        /// A signed checkpoint kept earlier (default: fetch and check the latest).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Prove that the log today extends the one a kept checkpoint committed to: nothing before
    /// it was altered, removed or reordered.
    Consistency {
        #[command(flatten)]
        server: ServerArgs,
        /// The checkpoint kept earlier.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Save the newer, verified checkpoint here (to keep for next time).
        #[arg(long)]
        save: Option<PathBuf>,
    },
}

/// JSON of `GET /v1/proof/inclusion`.
#[derive(Debug, Deserialize)]
struct InclusionProof {
    tree_size: u64,
    leaf_index: u64,
    /// The event's canonical body, from which the leaf hash is recomputed.
    body: String,
    path: Vec<Digest32>,
}

/// JSON of `GET /v1/proof/consistency`.
#[derive(Debug, Deserialize)]
struct ConsistencyProof {
    size1: u64,
    size2: u64,
    path: Vec<Digest32>,
}

pub async fn run(command: ProofCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProofCommand::Inclusion {
            server,
            seq,
            checkpoint,
        } => {
            crate::cli::check_key_and_checkpoint(&server.key, checkpoint.as_deref())?;
            let key = read_verifier_key(&server.key)?;
            let client = Client::new(&server)?;
            let cp = match checkpoint {
                Some(path) => open_checkpoint(
                    &std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                    &key,
                    &path,
                )?,
                None => open_checkpoint(
                    client.get_text("/v1/checkpoint").await?.as_bytes(),
                    &key,
                    Path::new("the server's latest checkpoint"),
                )?,
            };
            if seq == 0 || seq > cp.size {
                bail!(
                    "seq {seq} is not covered by the checkpoint (size {}); use a newer checkpoint, or omit --checkpoint to take the server's latest",
                    cp.size
                );
            }
            let proof: InclusionProof = client
                .get_json(&format!("/v1/proof/inclusion?seq={seq}&size={}", cp.size))
                .await?;
            let event = Event::decode(proof.body.as_bytes()).context("the server's event body")?;
            if event.seq != seq || proof.leaf_index + 1 != seq || proof.tree_size != cp.size {
                bail!(
                    "the server answered for another event or size (seq {}, size {})",
                    event.seq,
                    proof.tree_size
                );
            }
            let leaf = leaf_hash(proof.body.as_bytes());
            match verify_inclusion(&leaf, seq - 1, cp.size, &proof.path, &cp.root) {
                Ok(()) => {
                    println!(
                        "ok: seq {seq} ({} by {}, {}) is in the log of size {} signed by {}; event hash {}",
                        event.event_type,
                        event.meta.actor,
                        event.meta.basis,
                        cp.size,
                        key.name(),
                        Digest32::of(proof.body.as_bytes())
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!(
                        "BROKEN: seq {seq} is not in the log of size {} as signed: {e}",
                        cp.size
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        ProofCommand::Consistency {
            server,
            checkpoint,
            save,
        } => {
            crate::cli::check_key_and_checkpoint(&server.key, Some(&checkpoint))?;
            let key = read_verifier_key(&server.key)?;
            let client = Client::new(&server)?;
            let old_note = std::fs::read(&checkpoint)
                .with_context(|| format!("cannot read {}", checkpoint.display()))?;
            let old = open_checkpoint(&old_note, &key, &checkpoint)?;
            let new_note = client.get_text("/v1/checkpoint").await?;
            let new = open_checkpoint(
                new_note.as_bytes(),
                &key,
                Path::new("the server's latest checkpoint"),
            )?;
            if new.size < old.size {
                println!(
                    "BROKEN: the server's latest checkpoint (size {}) is smaller than the kept one ({})",
                    new.size, old.size
                );
                return Ok(ExitCode::from(1));
            }
            let result = if old.size == 0 || old.size == new.size {
                // Nothing to prove from an empty tree; equal sizes need equal roots.
                if old.size == new.size && old.root != new.root {
                    Err(format!("same size {}, different roots", old.size))
                } else {
                    Ok(())
                }
            } else {
                let proof: ConsistencyProof = client
                    .get_json(&format!(
                        "/v1/proof/consistency?from={}&to={}",
                        old.size, new.size
                    ))
                    .await?;
                if (proof.size1, proof.size2) != (old.size, new.size) {
                    bail!(
                        "the server answered for sizes {} and {}",
                        proof.size1,
                        proof.size2
                    );
                }
                verify_consistency(old.size, new.size, &proof.path, &old.root, &new.root)
                    .map_err(|e| e.to_string())
            };
            match result {
                Ok(()) => {
                    if let Some(path) = save {
                        std::fs::write(&path, &new_note)
                            .with_context(|| format!("cannot write {}", path.display()))?;
                    }
                    println!(
                        "ok: the log of size {} extends the kept checkpoint of size {}; nothing before it changed",
                        new.size, old.size
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!(
                        "BROKEN: the log no longer extends the kept checkpoint of size {} ({e}): history before it was altered",
                        old.size
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn open_checkpoint(note: &[u8], key: &Verifier, from: &Path) -> anyhow::Result<Checkpoint> {
    Checkpoint::open(note, key).with_context(|| {
        format!(
            "{} is not a checkpoint signed by {}",
            from.display(),
            key.name()
        )
    })
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    fn new(server: &ServerArgs) -> anyhow::Result<Client> {
        let base = crate::cli::server_url("--url", &server.url)?;
        crate::cli::check_token("--token", &server.token)?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("cannot make an HTTP client")?;
        Ok(Client {
            http,
            base,
            token: server.token.clone(),
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        let res = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        if !res.status().is_success() {
            let status = res.status();
            let detail = res.text().await.unwrap_or_default();
            bail!(
                "{url}: {status}: {}",
                detail.chars().take(300).collect::<String>()
            );
        }
        Ok(res)
    }

    async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.get(path).await?.text().await?)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let text = self.get_text(path).await?;
        serde_json::from_str(&text).with_context(|| format!("{path}: unexpected answer"))
    }
}

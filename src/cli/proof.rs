//! `govledger proof inclusion|consistency`: an auditor's client. It trusts nothing the server
//! says: every checkpoint's signature is checked with the key the auditor holds, the event's
//! leaf hash is recomputed from its canonical body, and each proof is verified locally.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use govledger_schema::{Digest32, Event};
use serde::Deserialize;

use crate::checkpoint::{Checkpoint, CosignatureVerifier, Verifier, read_verifier_key};
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

/// An auditor's witness policy (c2sp.org/tlog-cosignature): the checkpoint must carry valid
/// cosignatures from at least N of these witnesses, so that a log showing a split view would
/// need that many witnesses to lie with it.
#[derive(Debug, Args, Clone, Default)]
pub struct WitnessPolicyArgs {
    /// A witness's public key (cosignature key: the text, or a file holding it); repeatable.
    #[arg(long = "witness", value_name = "VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the `--witness` keys must have cosigned the checkpoint (default: all).
    #[arg(long, value_name = "N", requires = "witnesses")]
    pub witness_threshold: Option<usize>,
}

impl WitnessPolicyArgs {
    /// The policy, or None when no witness was given; a bad key or threshold is an error of
    /// the command (exit 2), not a verdict on the log.
    pub fn policy(&self) -> anyhow::Result<Option<WitnessPolicy>> {
        if self.witnesses.is_empty() {
            return Ok(None);
        }
        let mut witnesses: Vec<CosignatureVerifier> = Vec::new();
        for arg in &self.witnesses {
            let key =
                crate::witness::cosignature_key(arg).with_context(|| format!("--witness {arg}"))?;
            if witnesses
                .iter()
                .any(|w| w.key_id() == key.key_id() && w.name() == key.name())
            {
                bail!(
                    "--witness {} is given twice: each witness counts once toward the threshold",
                    key.name()
                );
            }
            witnesses.push(key);
        }
        let threshold = self.witness_threshold.unwrap_or(witnesses.len());
        if threshold == 0 || threshold > witnesses.len() {
            bail!(
                "--witness-threshold {threshold}: give a number from 1 to the {} --witness keys",
                witnesses.len()
            );
        }
        Ok(Some(WitnessPolicy {
            witnesses,
            threshold,
        }))
    }
}

/// N of these witnesses must have cosigned.
#[derive(Debug, Clone)]
pub struct WitnessPolicy {
    witnesses: Vec<CosignatureVerifier>,
    threshold: usize,
}

impl WitnessPolicy {
    /// Whether `note` (the checkpoint called `what`) meets the policy: a phrase for the
    /// summary, or why it does not.
    pub fn check(&self, note: &[u8], what: &str) -> Result<String, String> {
        let found = crate::checkpoint::witness_cosignatures(note, &self.witnesses)
            .map_err(|e| format!("{what}: {e}"))?;
        let (have, need, of) = (found.cosigned.len(), self.threshold, self.witnesses.len());
        if have < need {
            return Err(format!(
                "{what} carries valid cosignatures from {have} of the witnesses; the policy needs \
                 {need} of {of} ({})",
                found.describe()
            ));
        }
        Ok(format!(
            "cosigned by {have} of {of} witnesses, {need} needed ({})",
            found.describe()
        ))
    }
}

/// Applies an optional policy to a checkpoint: `Ok(None)` with no policy.
fn witnessed(
    policy: Option<&WitnessPolicy>,
    note: &[u8],
    what: &str,
) -> Result<Option<String>, String> {
    policy.map(|p| p.check(note, what)).transpose()
}

/// `; <phrase>` when there is one, for a summary line.
fn and(phrase: Option<String>) -> String {
    phrase.map(|p| format!("; {p}")).unwrap_or_default()
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
        #[command(flatten)]
        policy: WitnessPolicyArgs,
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
        /// Witnesses that must have cosigned the server's latest checkpoint.
        #[command(flatten)]
        policy: WitnessPolicyArgs,
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

/// How many seqs besides the fixed ones (the first, and each checkpoint's last) a proof run
/// samples at random, to check that the events the server serves are the leaves it signed.
const RANDOM_SAMPLES: usize = 3;

/// What a run found: `Ok` with the summary line, or `Err` with why the log (or what the server
/// says of it) does not verify. Both print one line; `Err` exits 1 ("BROKEN"), like
/// `verify --file`. What stops the check itself (a file that cannot be read, a key file that
/// is not a key, a server that cannot be reached or answers an HTTP error) is an error of the
/// command instead: exit 2, saying nothing about the log.
type Verdict = Result<String, String>;

pub async fn run(command: ProofCommand) -> anyhow::Result<ExitCode> {
    let verdict = match command {
        ProofCommand::Inclusion {
            server,
            seq,
            checkpoint,
            policy,
        } => inclusion(server, seq, checkpoint, policy.policy()?).await,
        ProofCommand::Consistency {
            server,
            checkpoint,
            save,
            policy,
        } => consistency(server, checkpoint, save, policy.policy()?).await,
    };
    // The server itself reporting that its stored log failed an integrity check is a broken
    // log, not a failed command.
    let verdict = match verdict {
        Err(e) => match e.downcast::<ServerSaysBroken>() {
            Ok(ServerSaysBroken(why)) => Err(why),
            Err(e) => return Err(e),
        },
        Ok(v) => v,
    };
    match verdict {
        Ok(line) => {
            println!("ok: {line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            println!("BROKEN: {why}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn inclusion(
    server: ServerArgs,
    seq: u64,
    checkpoint: Option<PathBuf>,
    policy: Option<WitnessPolicy>,
) -> anyhow::Result<Verdict> {
    crate::cli::check_key_and_checkpoint(&server.key, checkpoint.as_deref())?;
    let key = read_verifier_key(&server.key)?;
    let client = Client::new(&server)?;
    let (note, from) = match &checkpoint {
        Some(path) => (
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
            path.display().to_string(),
        ),
        None => (
            client.get_text("/v1/checkpoint").await?.into_bytes(),
            "the server's latest checkpoint".to_owned(),
        ),
    };
    let cp = match open_checkpoint(&note, &key, &from) {
        Ok(cp) => cp,
        Err(why) => return Ok(Err(why)),
    };
    let witnesses = match witnessed(policy.as_ref(), &note, &from) {
        Ok(w) => w,
        Err(why) => return Ok(Err(why)),
    };
    if seq == 0 || seq > cp.size {
        bail!(
            "seq {seq} is not covered by the checkpoint (size {}): seqs start at 1; use a newer \
             checkpoint, or omit --checkpoint to take the server's latest",
            cp.size
        );
    }
    let event = match included(&client, seq, &cp).await? {
        Ok(event) => event,
        Err(why) => return Ok(Err(why)),
    };
    let sampled = match sample(&client, &cp, &[seq]).await? {
        Ok(seqs) => seqs,
        Err(why) => return Ok(Err(why)),
    };
    Ok(Ok(format!(
        "seq {seq} ({} by {}, {}) is in the log of size {} signed by {}; event hash {}; \
         served events at seqs {} are the signed leaves too{}",
        event.event_type,
        event.meta.actor,
        event.meta.basis,
        cp.size,
        key.name(),
        event.hash,
        list(&sampled),
        and(witnesses)
    )))
}

async fn consistency(
    server: ServerArgs,
    checkpoint: PathBuf,
    save: Option<PathBuf>,
    policy: Option<WitnessPolicy>,
) -> anyhow::Result<Verdict> {
    crate::cli::check_key_and_checkpoint(&server.key, Some(&checkpoint))?;
    let key = read_verifier_key(&server.key)?;
    let client = Client::new(&server)?;
    let old_note = std::fs::read(&checkpoint)
        .with_context(|| format!("cannot read {}", checkpoint.display()))?;
    let old = match open_checkpoint(&old_note, &key, &checkpoint.display().to_string()) {
        Ok(cp) => cp,
        Err(why) => return Ok(Err(why)),
    };
    let new_note = client.get_text("/v1/checkpoint").await?;
    let new = match open_checkpoint(new_note.as_bytes(), &key, "the server's latest checkpoint") {
        Ok(cp) => cp,
        Err(why) => return Ok(Err(why)),
    };
    let witnesses = match witnessed(
        policy.as_ref(),
        new_note.as_bytes(),
        "the server's latest checkpoint",
    ) {
        Ok(w) => w,
        Err(why) => return Ok(Err(why)),
    };
    if new.size < old.size {
        return Ok(Err(format!(
            "the server's latest checkpoint (size {}) is smaller than the kept one ({})",
            new.size, old.size
        )));
    }
    let result = if old.size == 0 || old.size == new.size {
        // Nothing to prove from an empty tree; equal sizes need equal roots.
        if old.size == new.size && old.root != new.root {
            Err(format!("same size {}, different roots", old.size))
        } else {
            Ok(())
        }
    } else {
        let proof: ConsistencyProof = match client
            .get_json(&format!(
                "/v1/proof/consistency?from={}&to={}",
                old.size, new.size
            ))
            .await?
        {
            Ok(proof) => proof,
            Err(why) => return Ok(Err(why)),
        };
        if (proof.size1, proof.size2) != (old.size, new.size) {
            return Ok(Err(format!(
                "asked for a proof from {} to {}, the server answered for sizes {} and {}",
                old.size, new.size, proof.size1, proof.size2
            )));
        }
        verify_consistency(old.size, new.size, &proof.path, &old.root, &new.root)
            .map_err(|e| e.to_string())
    };
    if let Err(e) = result {
        return Ok(Err(format!(
            "the log no longer extends the kept checkpoint of size {} ({e}): history before it \
             was altered",
            old.size
        )));
    }
    // The proofs above come from the server's stored tree. A tree kept apart from the events
    // (events rewritten and re-chained, nodes left alone) still proves itself consistent; the
    // events it serves are then not its leaves, which a few inclusion checks expose. The kept
    // checkpoint's last event is always among them: rewriting anything before it re-chains it.
    let sampled = match sample(&client, &new, &[old.size]).await? {
        Ok(seqs) => seqs,
        Err(why) => return Ok(Err(why)),
    };
    if let Some(path) = save {
        std::fs::write(&path, &new_note)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Ok(format!(
        "the log of size {} extends the kept checkpoint of size {}; nothing before it changed; \
         served events at seqs {} are the signed leaves{}",
        new.size,
        old.size,
        list(&sampled),
        and(witnesses)
    )))
}

/// An event that the server says is at `seq`, checked to be leaf `seq - 1` of `cp`'s tree:
/// its body canonical, its seq the one asked for, its leaf hash on the signed root's path.
async fn included(
    client: &Client,
    seq: u64,
    cp: &Checkpoint,
) -> anyhow::Result<Result<Included, String>> {
    let proof: InclusionProof = match client
        .get_json(&format!("/v1/proof/inclusion?seq={seq}&size={}", cp.size))
        .await?
    {
        Ok(proof) => proof,
        Err(why) => return Ok(Err(why)),
    };
    let event = match Event::decode(proof.body.as_bytes()) {
        Ok(event) => event,
        Err(e) => {
            return Ok(Err(format!(
                "the server's body for seq {seq} is not a canonical event: {e}"
            )));
        }
    };
    if event.seq != seq
        || proof.leaf_index.checked_add(1) != Some(seq)
        || proof.tree_size != cp.size
    {
        return Ok(Err(format!(
            "asked for seq {seq} in size {}, the server answered for seq {} (leaf {}) in size {}",
            cp.size, event.seq, proof.leaf_index, proof.tree_size
        )));
    }
    let leaf = leaf_hash(proof.body.as_bytes());
    if let Err(e) = verify_inclusion(&leaf, seq - 1, cp.size, &proof.path, &cp.root) {
        return Ok(Err(format!(
            "the event the server serves at seq {seq} is not in the log of size {} as signed: {e}",
            cp.size
        )));
    }
    Ok(Ok(Included {
        event_type: event.event_type,
        meta: event.meta,
        hash: Digest32::of(proof.body.as_bytes()),
    }))
}

/// What the summary says of a verified event.
struct Included {
    event_type: String,
    meta: govledger_schema::Meta,
    hash: Digest32,
}

/// Checks [`included`] for seq 1, the checkpoint's last seq, `also`, and a few random seqs;
/// returns the seqs checked.
async fn sample(
    client: &Client,
    cp: &Checkpoint,
    also: &[u64],
) -> anyhow::Result<Result<Vec<u64>, String>> {
    let mut seqs: Vec<u64> = [1, cp.size].iter().chain(also).copied().collect();
    for _ in 0..RANDOM_SAMPLES {
        seqs.push(getrandom::u64().map_or(1, |r| r % cp.size.max(1) + 1));
    }
    seqs.retain(|&s| s >= 1 && s <= cp.size);
    seqs.sort_unstable();
    seqs.dedup();
    for &seq in &seqs {
        if let Err(why) = included(client, seq, cp).await? {
            return Ok(Err(why));
        }
    }
    Ok(Ok(seqs))
}

fn list(seqs: &[u64]) -> String {
    if seqs.is_empty() {
        return "(none: the log is empty)".into();
    }
    seqs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checkpoint opened with the auditor's key, or why it does not open (a forged or foreign
/// checkpoint: the log's answer does not verify).
fn open_checkpoint(note: &[u8], key: &Verifier, from: &str) -> Result<Checkpoint, String> {
    Checkpoint::open(note, key)
        .map_err(|e| format!("{from} is not a checkpoint signed by {}: {e}", key.name()))
}

/// The fields of a problem+json answer this client reads.
#[derive(Debug, Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    detail: String,
}

/// An answer in which the server says its log is broken (problem type `integrity`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ServerSaysBroken(String);

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
            if let Ok(problem) = serde_json::from_str::<Problem>(&detail)
                && problem.kind.ends_with("/integrity")
            {
                return Err(ServerSaysBroken(format!(
                    "the server reports that its stored log failed an integrity check: {}",
                    problem.detail
                ))
                .into());
            }
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

    /// A JSON answer; `Ok(Err(_))` when the server answered 200 with something that is not
    /// the document asked for (the server's fault: the log's answer does not verify).
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> anyhow::Result<Result<T, String>> {
        let text = self.get_text(path).await?;
        Ok(serde_json::from_str(&text).map_err(|e| format!("{path}: unexpected answer: {e}")))
    }
}

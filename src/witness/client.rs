//! The log's side of c2sp.org/tlog-witness: after the notary signs a checkpoint, each configured
//! witness is sent it with a consistency proof from the size that witness last cosigned, and
//! its cosignature line is checked with the witness's key and kept (table `cosignatures`).
//!
//! The log remembers each witness's last size from the cosignatures it kept. When it has none
//! (or the witness moved on through another instance of the log), the witness's 409 answer
//! names its size and the request is made once more from there, as the spec suggests.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use futures_util::future::join_all;
use govledger_schema::Digest32;

use super::protocol::{AddCheckpoint, SIZE_CONTENT_TYPE, parse_size};
use crate::checkpoint::{CosignatureVerifier, parse_note, parse_signature_line};
use crate::store::{Store, StoreError, StoredCheckpoint, StoredCosignature};

/// How long one witness may take to answer before the log goes on without its cosignature.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// A witness the log asks for cosignatures: its submission URL prefix and its public key.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    pub url: String,
    pub key: CosignatureVerifier,
}

impl WitnessEndpoint {
    /// Parses `URL=VKEY` (`--witness`); VKEY is the witness's cosignature key, its text or a
    /// file holding it.
    pub fn parse(arg: &str) -> anyhow::Result<WitnessEndpoint> {
        let (url, vkey) = arg.split_once('=').with_context(|| {
            format!("--witness {arg:?}: expected URL=VKEY (the witness's URL and its public key)")
        })?;
        let url = server_url("--witness", url)?;
        let key = cosignature_key(vkey).with_context(|| format!("--witness {url}"))?;
        Ok(WitnessEndpoint { url, key })
    }
}

/// A witness's cosignature key given on the command line: the key text itself, or a file
/// holding it.
pub fn cosignature_key(arg: &str) -> anyhow::Result<CosignatureVerifier> {
    if let Ok(key) = CosignatureVerifier::from_text(arg) {
        return Ok(key);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        // Neither: say why the text is not a key (the more likely intent when there is a '+').
        return match CosignatureVerifier::from_text(arg) {
            Err(e) if arg.contains('+') => Err(anyhow::anyhow!("{e}")),
            _ => Err(anyhow::anyhow!(
                "{arg:?} is neither a witness key (`govledger witness public-key` prints one) nor a file"
            )),
        };
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read witness key {}", path.display()))?;
    CosignatureVerifier::from_text(text.trim_end_matches('\n'))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// What a witness answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with a valid cosignature by the witness's key: the line, without its newline.
    Cosigned { line: String, timestamp: u64 },
    /// 409 naming the size the witness last cosigned.
    Conflict { latest: u64 },
    /// Anything else, with what the witness said.
    Refused { status: u16, detail: String },
}

/// Sends one add-checkpoint request and checks the answer.
pub async fn add_checkpoint(
    http: &reqwest::Client,
    witness: &WitnessEndpoint,
    old_size: u64,
    proof: &[Digest32],
    note: &str,
) -> Result<Answer, reqwest::Error> {
    let res = http
        .post(format!("{}/add-checkpoint", witness.url))
        .body(AddCheckpoint::to_body(old_size, proof, note))
        .send()
        .await?;
    let status = res.status();
    let is_size = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
    let text = res.text().await?;
    if status == reqwest::StatusCode::CONFLICT
        && is_size
        && let Some(latest) = text.strip_suffix('\n').and_then(parse_size)
    {
        return Ok(Answer::Conflict { latest });
    }
    if !status.is_success() {
        return Ok(Answer::Refused {
            status: status.as_u16(),
            detail: text.chars().take(300).collect(),
        });
    }
    let Ok(parsed) = parse_note(note.as_bytes()) else {
        return Ok(Answer::Refused {
            status: status.as_u16(),
            detail: "the checkpoint sent is not a note".into(),
        });
    };
    for line in text.lines() {
        if let Ok(sig) = parse_signature_line(line)
            && let Some(timestamp) = witness.key.verify(&parsed.body, &sig)
        {
            return Ok(Answer::Cosigned {
                line: line.to_owned(),
                timestamp,
            });
        }
    }
    Ok(Answer::Refused {
        status: status.as_u16(),
        detail: format!(
            "no valid cosignature by {} in the answer",
            witness.key.name()
        ),
    })
}

/// The witnesses a log collects cosignatures from.
#[derive(Debug, Clone)]
pub struct Witnesses {
    endpoints: Vec<WitnessEndpoint>,
    http: reqwest::Client,
}

/// What asking one witness came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collected {
    /// A new cosignature, kept.
    Cosigned,
    /// The checkpoint already carried this witness's cosignature.
    Already,
    /// The witness has cosigned a larger checkpoint already; nothing to ask.
    Ahead { latest: u64 },
    /// No cosignature: why.
    Failed(String),
}

impl Witnesses {
    pub fn new(endpoints: Vec<WitnessEndpoint>) -> anyhow::Result<Witnesses> {
        let http = reqwest::Client::builder()
            .timeout(WITNESS_TIMEOUT)
            .build()
            .context("cannot make an HTTP client for the witnesses")?;
        Ok(Witnesses { endpoints, http })
    }

    pub fn endpoints(&self) -> &[WitnessEndpoint] {
        &self.endpoints
    }

    /// Asks every witness that has not cosigned `cp` for its cosignature, all at once; keeps
    /// the valid ones. A witness that fails costs its timeout at most and is logged.
    pub async fn collect(&self, store: &Store, cp: &StoredCheckpoint) -> Vec<Collected> {
        join_all(
            self.endpoints
                .iter()
                .map(|w| self.collect_one(store, w, cp)),
        )
        .await
        .into_iter()
        .zip(&self.endpoints)
        .map(|(r, w)| {
            let outcome = r.unwrap_or_else(|e| Collected::Failed(format!("store: {e}")));
            match &outcome {
                Collected::Cosigned => {
                    tracing::info!(witness = %w.key.name(), size = cp.size, "cosigned");
                }
                Collected::Failed(why) => tracing::warn!(
                    witness = %w.key.name(), url = %w.url, size = cp.size, reason = %why,
                    "no cosignature from the witness"
                ),
                Collected::Already | Collected::Ahead { .. } => {}
            }
            outcome
        })
        .collect()
    }

    async fn collect_one(
        &self,
        store: &Store,
        w: &WitnessEndpoint,
        cp: &StoredCheckpoint,
    ) -> Result<Collected, StoreError> {
        let (name, key_id) = (w.key.name(), w.key.key_id());
        if store
            .cosignatures(cp.size)
            .await?
            .iter()
            .any(|c| c.witness == name && c.key_id == key_id)
        {
            return Ok(Collected::Already);
        }
        let mut old = store.last_cosigned(name, key_id).await?.unwrap_or(0);
        // At most two requests: from the size we know, then from the one the witness names.
        for attempt in 0..2 {
            if old > cp.size {
                return Ok(Collected::Ahead { latest: old });
            }
            let proof = if old == 0 || old == cp.size {
                Vec::new()
            } else {
                match store.consistency_proof(old, cp.size).await {
                    Ok(proof) => proof,
                    Err(e) => {
                        return Ok(Collected::Failed(format!(
                            "no consistency proof from {old} to {}: {e}",
                            cp.size
                        )));
                    }
                }
            };
            let answer = match add_checkpoint(&self.http, w, old, &proof, &cp.note).await {
                Ok(answer) => answer,
                Err(e) => return Ok(Collected::Failed(format!("{}: {e}", w.url))),
            };
            match answer {
                Answer::Cosigned { line, timestamp } => {
                    store
                        .save_cosignature(&StoredCosignature {
                            size: cp.size,
                            witness: name.to_owned(),
                            key_id,
                            timestamp,
                            line,
                            received_us: Utc::now().timestamp_micros(),
                        })
                        .await?;
                    return Ok(Collected::Cosigned);
                }
                Answer::Conflict { latest } if attempt == 0 && latest != old => old = latest,
                Answer::Conflict { latest } => {
                    return Ok(Collected::Failed(format!(
                        "409: the witness holds size {latest} and refuses this checkpoint of \
                         size {} (same size, another root?)",
                        cp.size
                    )));
                }
                Answer::Refused { status, detail } => {
                    return Ok(Collected::Failed(format!("{status}: {detail}")));
                }
            }
        }
        Ok(Collected::Failed("the witness's size kept moving".into()))
    }
}

/// The base URL of a server given as `what` (e.g. `--url`), refused in one line unless it is
/// `http://` or `https://` with a host (`localhost:8080` would be read as scheme `localhost`).
pub fn server_url(what: &str, url: &str) -> anyhow::Result<String> {
    if !url.contains("://") {
        anyhow::bail!("{what} {url:?} has no scheme: write http://{url} (or https://…)");
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| anyhow::anyhow!("{what} {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        anyhow::bail!(
            "{what} {url:?}: the scheme {}:// is not http:// or https://",
            parsed.scheme()
        );
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        anyhow::bail!("{what} {url:?} names no host");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

//! Signed checkpoints, Merkle proofs and the public key: what an auditor needs to check the
//! server instead of trusting it (`govledger proof …` is the client of exactly this contract).
//!
//! - `GET /v1/checkpoint`: the latest checkpoint issued (one is signed at the head if none was);
//!   `POST /v1/checkpoint` signs one at the current head. Either carries, after the log's
//!   signature, the cosignature lines of the witnesses that cosigned it (`serve --witness`;
//!   `POST` and the periodic signer ask them, see `witness::client`). Signing is not a ledger write, so
//!   auditors may ask for it (the auth middleware exempts this route by name).
//! - `GET /v1/checkpoints/{size}`: the checkpoint of the first `size` events (signed if needed).
//! - `GET /v1/proof/inclusion?seq=N&size=M`, `GET /v1/proof/consistency?from=M&to=N`: RFC 9162
//!   proofs from the stored node hashes.
//! - `GET /v1/public-key`: the note verifier key (no token needed).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::Error;
use super::extract::{Query, int64, param};
use crate::notary::NotaryError;
use crate::store::{ProofRequestError, StoreError, StoredCheckpoint};

/// The route auditors may POST to although it is not a GET: signing a checkpoint appends
/// nothing to the ledger.
pub const SIGN_ROUTE: &str = "/v1/checkpoint";

/// The checkpoint as served: the log's signed note and the witnesses' cosignature lines kept
/// for its size (the stored note itself stays as the log signed it).
async fn note_response(state: &AppState, cp: &StoredCheckpoint) -> Result<Response, Error> {
    let note = state
        .notary()
        .cosigned_note(state.store(), cp)
        .await
        .map_err(store_error)?;
    let mut res = (StatusCode::OK, note).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(res)
}

fn notary_error(e: NotaryError) -> Error {
    match e {
        NotaryError::Store(e) => store_error(e),
        NotaryError::Sign(e) => Error::Internal(e),
    }
}

fn store_error(e: StoreError) -> Error {
    match e {
        StoreError::BeyondHead { size, head } => {
            Error::NotFound(format!("size {size} is beyond the head (seq {head})"))
        }
        other => other.into(),
    }
}

fn proof_error(field: &str, e: ProofRequestError) -> Error {
    match e {
        ProofRequestError::Invalid(e) => Error::bad_param(field, e.to_string()),
        e @ ProofRequestError::BadSeq { .. } => Error::bad_param("seq", e.to_string()),
        ProofRequestError::Store(e) => store_error(e),
    }
}

/// The latest signed checkpoint (C2SP tlog-checkpoint note), followed by the cosignature lines
/// (c2sp.org/tlog-cosignature) of the witnesses that cosigned it. If none was issued yet, one is
/// signed at the head and the configured witnesses are asked.
#[utoipa::path(
    get,
    path = "/v1/checkpoint",
    tag = "proofs",
    responses(
        (status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn latest(State(state): State<AppState>) -> Result<Response, Error> {
    let cp = match state.store().checkpoint(None).await? {
        Some(cp) => cp,
        None => {
            let cp = state
                .notary()
                .checkpoint_now(state.store())
                .await
                .map_err(notary_error)?;
            state
                .notary()
                .collect_cosignatures(state.store(), &cp)
                .await;
            cp
        }
    };
    note_response(&state, &cp).await
}

/// Signs a checkpoint at the current head (or returns the one already issued there) and asks
/// the configured witnesses that have not cosigned it; the note carries the cosignature lines
/// received. Auditors may ask: it records nothing in the ledger.
#[utoipa::path(
    post,
    path = "/v1/checkpoint",
    tag = "proofs",
    responses(
        (status = 200, description = "The signed note at the head", content_type = "text/plain", body = String),
        (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn sign(State(state): State<AppState>) -> Result<Response, Error> {
    let cp = state
        .notary()
        .checkpoint_now(state.store())
        .await
        .map_err(notary_error)?;
    // The configured witnesses are asked now (those that have not cosigned it yet), so the
    // answer carries their cosignatures; one that fails is logged and left out.
    state
        .notary()
        .collect_cosignatures(state.store(), &cp)
        .await;
    note_response(&state, &cp).await
}

/// The checkpoint of the first `size` events, signed now if it was never issued, with the
/// cosignature lines kept for it.
#[utoipa::path(
    get,
    path = "/v1/checkpoints/{size}",
    tag = "proofs",
    params(("size" = u64, Path, description = "Tree size (number of events)")),
    responses(
        (status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 400, description = "Not a size", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Beyond the head", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn at_size(
    State(state): State<AppState>,
    Path(size): Path<String>,
) -> Result<Response, Error> {
    let size = size
        .parse::<u64>()
        .map_err(|_| format!("{size:?} is not a whole number"))
        .and_then(int64)
        .map_err(|detail| Error::bad_param("size", detail))?;
    let cp = state
        .notary()
        .checkpoint_at(state.store(), size)
        .await
        .map_err(notary_error)?;
    note_response(&state, &cp).await
}

/// `GET /v1/proof/inclusion` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The event's seq (1-based).
    #[param(value_type = u64, minimum = 1)]
    pub seq: Option<String>,
    /// Tree size (default: the head).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub size: Option<String>,
}

/// An RFC 9162 inclusion proof, with the event's canonical body so the leaf hash can be
/// recomputed.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofView {
    pub seq: u64,
    /// `seq - 1`.
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Hex SHA-256(0x00 || body).
    pub leaf_hash: String,
    /// Hex root of the tree of `tree_size` events.
    pub root: String,
    /// The event's canonical body (RFC 8785), as a string.
    pub body: String,
    /// Hex node hashes, leaf to root.
    pub path: Vec<String>,
}

/// `GET /v1/proof/consistency` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    #[param(value_type = u64, minimum = 1)]
    pub from: Option<String>,
    /// The newer tree size (default: the head).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub to: Option<String>,
}

/// An RFC 9162 consistency proof between two tree sizes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofView {
    pub size1: u64,
    pub size2: u64,
    pub root1: String,
    pub root2: String,
    pub path: Vec<String>,
}

fn whole(field: &str, v: Option<&str>) -> Result<Option<u64>, Error> {
    param(field, v, |s| {
        s.parse::<u64>()
            .map_err(|_| format!("{s:?} is not a whole number"))
            .and_then(int64)
    })
}

/// Proves that the event at `seq` is in the tree of `size` events.
#[utoipa::path(
    get,
    path = "/v1/proof/inclusion",
    tag = "proofs",
    params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionProofView),
        (status = 400, description = "Missing or impossible seq/size", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Size beyond the head", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Response, Error> {
    let seq = whole("seq", q.seq.as_deref())?.ok_or_else(|| Error::bad_param("seq", "required"))?;
    let size = whole("size", q.size.as_deref())?;
    Ok(axum::Json(inclusion_at(&state, seq, size).await?).into_response())
}

/// The inclusion proof of the event at `seq` in the tree of `size` events (default: the
/// head), as `/v1/proof/inclusion` answers it and the proof page shows it.
pub async fn inclusion_at(
    state: &AppState,
    seq: u64,
    size: Option<u64>,
) -> Result<InclusionProofView, Error> {
    let size = match size {
        Some(size) => size,
        None => state.store().head().await?.seq,
    };
    if seq == 0 || seq > size {
        // Not "leaf index 18446744073709551615": seqs count from 1.
        return Err(proof_error("seq", ProofRequestError::BadSeq { seq, size }));
    }
    let path = state
        .store()
        .inclusion_proof(seq, size)
        .await
        .map_err(|e| proof_error("seq", e))?;
    let root = state.store().root(size).await.map_err(store_error)?;
    let stored = state
        .store()
        .read_range(seq, seq)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no event at seq {seq}")))?;
    let body = String::from_utf8(stored.body.clone())
        .map_err(|_| Error::Internal(format!("event {seq} is not UTF-8")))?;
    Ok(InclusionProofView {
        seq,
        leaf_index: seq - 1,
        tree_size: size,
        leaf_hash: crate::merkle::leaf_hash(&stored.body).to_hex(),
        root: root.to_hex(),
        body,
        path: path.iter().map(|h| h.to_hex()).collect(),
    })
}

/// Proves that the tree of `to` events extends the tree of `from` events.
#[utoipa::path(
    get,
    path = "/v1/proof/consistency",
    tag = "proofs",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProofView),
        (status = 400, description = "Missing or impossible sizes", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Size beyond the head", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Response, Error> {
    let from =
        whole("from", q.from.as_deref())?.ok_or_else(|| Error::bad_param("from", "required"))?;
    let to = match whole("to", q.to.as_deref())? {
        Some(to) => to,
        None => state.store().head().await?.seq,
    };
    let path = state
        .store()
        .consistency_proof(from, to)
        .await
        .map_err(|e| proof_error("from", e))?;
    let root1 = state.store().root(from).await.map_err(store_error)?;
    let root2 = state.store().root(to).await.map_err(store_error)?;
    Ok(axum::Json(ConsistencyProofView {
        size1: from,
        size2: to,
        root1: root1.to_hex(),
        root2: root2.to_hex(),
        path: path.iter().map(|h| h.to_hex()).collect(),
    })
    .into_response())
}

/// The log's public key in note verifier format (`<name>+<key id>+<base64>`). No token needed.
#[utoipa::path(
    get,
    path = "/v1/public-key",
    tag = "proofs",
    responses(
        (status = 200, description = "The verifier key, one line", content_type = "text/plain", body = String),
    )
)]
pub async fn public_key(State(state): State<AppState>) -> Response {
    let mut res = format!("{}\n", state.notary().verifier().to_text()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// Signs a checkpoint every `every` when the head moved since the last one; runs until the
/// state is dropped (its last clone) or shutdown.
pub fn spawn_periodic_checkpoints(state: &AppState, every: std::time::Duration) {
    if every.is_zero() {
        return;
    }
    let weak = state.downgrade();
    let mut shutdown = state.watch_shutdown();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            let Some(state) = AppState::upgrade(&weak) else {
                return;
            };
            let latest = match state.store().checkpoint(None).await {
                Ok(cp) => cp,
                Err(e) => {
                    tracing::warn!(error = %e, "periodic checkpoint: cannot read the latest");
                    continue;
                }
            };
            let head = match state.store().head().await {
                Ok(h) => h.seq,
                Err(e) => {
                    tracing::warn!(error = %e, "periodic checkpoint: cannot read the head");
                    continue;
                }
            };
            if let Some(cp) = latest.filter(|cp| cp.size >= head) {
                // Nothing new to sign: ask the witnesses that have not cosigned it (again).
                state
                    .notary()
                    .collect_cosignatures(state.store(), &cp)
                    .await;
                continue;
            }
            match state.notary().checkpoint_at(state.store(), head).await {
                Ok(cp) => {
                    tracing::info!(size = cp.size, root = %cp.root, "checkpoint signed");
                    state
                        .notary()
                        .collect_cosignatures(state.store(), &cp)
                        .await;
                }
                Err(e) => tracing::warn!(error = %e, "periodic checkpoint failed"),
            }
        }
    });
}

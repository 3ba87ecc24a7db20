//! The HTTP API: axum on the [`Store`], for auditors (reads) and admins (writes).
//!
//! Each module has its handlers; [`app`] puts them behind one middleware stack (request id,
//! JSON logs, compression, timeout, body limit, problem+json errors). Handlers parse, call the
//! store, and render; bad input and failures become RFC 9457 problems in [`error`].
//!
//! New events reach every instance: one task per process polls the stored head every
//! [`HEAD_POLL`]; when it moved, the task folds the new events into this process's [`Ledger`]
//! (so views converge across instances on one PostgreSQL) and publishes the head on a `watch`
//! channel that live tails wait on. This process's own commands publish at once
//! (`AppState::announce`), so they do not wait for the poll.
//!
//! Views read the projections at the stored head (folding first if this process is behind),
//! so a view is a function of the head and the query, which the ETag names.

pub mod auth;
pub mod commands;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod options;
pub mod proofs;
pub mod tail;
pub mod tiles;
pub mod tokens;
pub mod views;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::ledger::Ledger;
use crate::notary::Notary;
use crate::store::{Head, Store, VerifyReport};

pub use error::{Error, Problem};

/// How often each process looks for events appended by other processes.
/// Where decisions are posted (`POST /v1/commands/{kind}`).
pub const COMMANDS_PREFIX: &str = "/v1/commands/";
pub const HEAD_POLL: Duration = Duration::from_millis(200);
/// Longest a request may take to produce its response head (streams may run longer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    /// The projections this process folds; commands enter through it.
    ledger: Ledger,
    /// Signs checkpoints (`/v1/checkpoint…`).
    notary: Notary,
    /// The highest seq this process knows to be committed.
    head: watch::Sender<u64>,
    /// Set once on shutdown: live tails end so the server can drain.
    shutdown: watch::Sender<bool>,
    verify_cache: tokio::sync::Mutex<Option<CachedVerify>>,
    /// Failed authentications per client (429 beyond the allowance).
    failed_auth: auth::FailedAuthLimiter,
    /// Tokens' unchanging parts, for decisions (see `tokens::authenticate_for_decision`).
    token_cache: tokens::TokenCache,
    /// Served by `serve --metrics-listen` (see `metrics`).
    metrics: metrics::Metrics,
    /// Whose `X-Forwarded-For` names the client (see `auth::TrustedProxies`).
    trusted_proxies: auth::TrustedProxies,
    /// The web view's CSRF key, derived from the signing key (the same on every instance).
    csrf_key: [u8; 32],
}

#[derive(Debug, Clone)]
struct CachedVerify {
    head: Head,
    at: Instant,
    at_utc: String,
    report: VerifyReport,
}

impl AppState {
    /// State over `ledger` (opened by the caller); starts this process's head poller (it
    /// stops with the last clone).
    pub async fn new(ledger: Ledger, notary: Notary) -> AppState {
        AppState::with_proxies(ledger, notary, auth::TrustedProxies::default()).await
    }

    /// [`AppState::new`], believing `X-Forwarded-For` from `trusted_proxies`.
    pub async fn with_proxies(
        ledger: Ledger,
        notary: Notary,
        trusted_proxies: auth::TrustedProxies,
    ) -> AppState {
        let store = ledger.store().clone();
        let start = store.head().await.map(|h| h.seq).unwrap_or(0);
        let (head, _) = watch::channel(start);
        let (shutdown, _) = watch::channel(false);
        let failed_auth = auth::FailedAuthLimiter::default();
        let metrics = metrics::Metrics::new(ledger.metrics(), &failed_auth);
        // The web view's CSRF key (`web::csrf`), here because `http` names no `web` item.
        let csrf_key = notary.derive_secret("web csrf");
        let inner = Arc::new(Inner {
            store,
            ledger,
            notary,
            head,
            shutdown,
            verify_cache: tokio::sync::Mutex::new(None),
            failed_auth,
            token_cache: tokens::TokenCache::default(),
            metrics,
            trusted_proxies,
            csrf_key,
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEAD_POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                match inner.store.head().await {
                    Ok(h) => {
                        // Fold what other processes (and store-level appends such as token
                        // events) added, then wake the tails.
                        if h.seq > inner.ledger.applied_seq()
                            && let Err(e) = inner.ledger.refresh().await
                        {
                            tracing::warn!(error = %e, "folding new events failed");
                        }
                        announce(&inner.head, h.seq);
                    }
                    Err(e) => tracing::debug!(error = %e, "head poll failed"),
                }
            }
        });
        AppState(inner)
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn ledger(&self) -> &Ledger {
        &self.0.ledger
    }

    pub fn notary(&self) -> &Notary {
        &self.0.notary
    }

    pub fn failed_auth(&self) -> &auth::FailedAuthLimiter {
        &self.0.failed_auth
    }

    /// The key of the web view's CSRF tokens.
    pub fn csrf_key(&self) -> &[u8; 32] {
        &self.0.csrf_key
    }

    /// The client a request is from, as the failed-authentication limiter counts it: the TCP
    /// peer, or the address a trusted proxy forwarded.
    pub fn client_ip(
        &self,
        headers: &axum::http::HeaderMap,
        extensions: &axum::http::Extensions,
    ) -> Option<std::net::IpAddr> {
        self.0
            .trusted_proxies
            .client(auth::peer_ip(extensions), headers)
    }

    pub fn token_cache(&self) -> &tokens::TokenCache {
        &self.0.token_cache
    }

    pub fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }

    /// The stored head, with this process's projections folded at least up to it: what a
    /// view reads, so that the view is a function of the head (and the query) alone.
    pub async fn folded_head(&self) -> Result<Head, Error> {
        let head = self.store().head().await?;
        if head.seq > self.ledger().applied_seq() {
            self.ledger().refresh().await?;
        }
        Ok(head)
    }

    /// A handle that does not keep the state (and its background tasks) alive.
    pub fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.0))
    }

    pub fn upgrade(weak: &WeakState) -> Option<AppState> {
        weak.0.upgrade().map(AppState)
    }

    /// Tells live tails that events up to `seq` are committed.
    pub fn announce(&self, seq: u64) {
        announce(&self.0.head, seq);
    }

    /// Follows the committed head.
    pub fn watch_head(&self) -> watch::Receiver<u64> {
        self.0.head.subscribe()
    }

    /// Ends live tails (graceful shutdown).
    pub fn begin_shutdown(&self) {
        self.0.shutdown.send_replace(true);
    }

    pub fn watch_shutdown(&self) -> watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }
}

/// See [`AppState::downgrade`].
#[derive(Debug, Clone)]
pub struct WeakState(std::sync::Weak<Inner>);

fn announce(tx: &watch::Sender<u64>, seq: u64) {
    tx.send_if_modified(|known| {
        if seq > *known {
            *known = seq;
            true
        } else {
            false
        }
    });
}

/// Deployment choices that change which routes need a token (`govledger serve` flags).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Serve the tlog-tiles read API (`/tile/…`, `/checkpoint`) without a token.
    pub public_tiles: bool,
}

/// The API's routes, without middleware or state: `crate::server` merges the web view's and
/// hands the whole to [`finish`].
pub fn routes(state: &AppState, options: Options) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/v1/events", get(events::list))
        .route("/v1/events/{key}", get(events::one))
        .route("/v1/streams/{*stream}", get(events::stream))
        .route("/v1/head", get(events::head))
        .route("/v1/verify", get(events::verify))
        .route("/v1/tail", get(tail::tail))
        .route("/v1/export.jsonl", get(export::jsonl))
        .route("/v1/export.csv", get(export::csv))
        .route("/v1/tokens", post(auth::issue_token))
        .route("/v1/organisation", get(views::organisation))
        .route("/v1/assets", get(views::assets))
        .route("/v1/assets/{id}", get(views::asset))
        .route("/v1/persons/{id}", get(views::person))
        .route("/v1/access", get(views::access))
        .route("/v1/modifications", get(views::modifications))
        .route("/v1/retirements", get(views::retirements))
        .route("/v1/security-requests", get(views::security_requests))
        .route("/v1/meetings", get(views::meetings))
        .route("/v1/incidents", get(views::incidents))
        .route("/v1/audit", get(views::audit))
        .route(
            &format!("{COMMANDS_PREFIX}{{kind}}"),
            post(commands::execute),
        )
        .route(
            &format!("{COMMANDS_PREFIX}{{kind}}/options"),
            get(options::options),
        )
        .route(proofs::SIGN_ROUTE, get(proofs::latest).post(proofs::sign))
        .route("/v1/checkpoints/{size}", get(proofs::at_size))
        .route("/v1/proof/inclusion", get(proofs::inclusion))
        .route("/v1/proof/consistency", get(proofs::consistency))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    let public = Router::new()
        .route("/v1/public-key", get(proofs::public_key))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs));
    public
        .merge(authenticated)
        .merge(tiles::router(state, options.public_tiles))
}

/// The middleware every route runs under (API and web view alike), and the state.
pub fn finish(state: AppState, routes: Router<AppState>) -> Router {
    routes
        .fallback(|| async { Error::NotFound("no such route".into()) })
        // Inside the router, where the matched route is known (see `metrics`).
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("");
                            tracing::info_span!(
                                "request",
                                method = %req.method(),
                                path = %req.uri().path(),
                                request_id = %id,
                            )
                        })
                        .on_response(
                            tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                        ),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CompressionLayer::new())
                .layer(from_fn(error::problem_layer))
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                )),
        )
}

/// The ETag of every response that depends only on the ledger: the head it was read at.
/// Weak, because compression may change the bytes of the same representation.
pub fn etag(head: &Head) -> String {
    format!("W/\"{}-{}\"", head.seq, head.hash.to_hex())
}

/// True when the client's `If-None-Match` already names `etag` (weak comparison).
pub fn is_fresh(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == ours)
}

/// A 304 when the client is current, else `render()` with the ETag.
pub fn conditional(
    headers: &HeaderMap,
    head: &Head,
    render: impl FnOnce() -> Result<Response, Error>,
) -> Result<Response, Error> {
    let tag = etag(head);
    let mut res = if is_fresh(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        render()?
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    Ok(res)
}

/// The request id the middleware assigned (for `meta.request_id` of events).
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

//! `govledger serve`: binds, logs JSON to stderr, serves until SIGINT or SIGTERM, drains.
//! Connections are served by `crate::conn` (timeouts and a connection limit; see there).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{Semaphore, watch};
use tracing_subscriber::EnvFilter;

use super::app_with;
use crate::conn::accept_until_stopped;
use crate::http::{AppState, Options, metrics, proofs};
use crate::ledger::Ledger;
use crate::notary::Notary;
use crate::store::{self, Store};

pub use crate::conn::{ConnectionLimits, DRAIN_TIMEOUT};

/// Connections the metrics listener serves at once.
const METRICS_CONNECTIONS: u32 = 8;

/// What `serve` needs besides the ledger and the notary (`govledger serve`'s flags, parsed by
/// `crate::cli::serve`).
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The database URL, for the log line only (its password is redacted there).
    pub db: String,
    /// Address to listen on; port 0 picks a free port (the first stdout line names it).
    pub listen: SocketAddr,
    /// Sign a checkpoint this often when the head moved; zero turns it off.
    pub checkpoint_every: Duration,
    /// Serve the tlog-tiles API without a token.
    pub public_tiles: bool,
    /// Serve Prometheus metrics on this address, a listener of its own.
    pub metrics_listen: Option<SocketAddr>,
    pub limits: ConnectionLimits,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: crate::http::auth::TrustedProxies,
}

/// Runs the server over `store` (an existing ledger) until a shutdown signal; `notary` signs
/// its checkpoints. Prints `listening on http://ADDR` as the first line on stdout once the
/// socket is bound. Call [`init_logging`] first (before opening the key and the store).
pub async fn serve(config: ServeConfig, notary: Notary, store: Store) -> anyhow::Result<()> {
    init_logging();
    let (ledger, loaded) = Ledger::open(store)
        .await
        .context("cannot load the projections")?;
    tracing::info!(
        snapshot_seq = loaded.snapshot_seq,
        replayed = loaded.replayed,
        applied_seq = ledger.applied_seq(),
        "projections loaded"
    );
    let state = AppState::with_proxies(ledger, notary, config.trusted_proxies.clone()).await;
    // The stored log must still be the one the notary signed (bodies since the last
    // checkpoint, nodes, head); checked in the background so a large tail does not delay the
    // start. On a failure the store refuses every append and the error is logged loudly.
    {
        let (notary, store) = (state.notary().clone(), state.store().clone());
        tokio::spawn(async move {
            match notary.check(&store).await {
                Ok(root) => tracing::info!(%root, "the stored log matches what was signed"),
                Err(e) => tracing::error!(error = %e, "INTEGRITY CHECK FAILED at start"),
            }
        });
    }
    proofs::spawn_periodic_checkpoints(&state, config.checkpoint_every);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    let limits = config.limits;
    tracing::info!(%addr, db = %store::redact(&config.db), ?limits, public_tiles = config.public_tiles, "serving");
    let metrics_listener = match config.metrics_listen {
        Some(at) => {
            let listener = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at} for metrics"))?;
            let addr = listener.local_addr()?;
            println!("metrics on http://{addr}{}", metrics::ROUTE);
            tracing::info!(%addr, "serving metrics");
            Some(listener)
        }
        None => None,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    {
        let state = state.clone();
        tokio::spawn(async move {
            crate::conn::shutdown_signal().await;
            tracing::info!("shutdown signal: draining");
            state.begin_shutdown();
            stop_tx.send_replace(true);
        });
    }
    if let Some(listener) = metrics_listener {
        // The same per-connection timeouts, and a handful of connections: scrapers are few.
        let limits = ConnectionLimits {
            max_connections: METRICS_CONNECTIONS,
            ..limits
        };
        let connections = Arc::new(Semaphore::new(METRICS_CONNECTIONS as usize));
        let (router, stop) = (metrics::router(state.clone()), stop_rx.clone());
        tokio::spawn(async move {
            accept_until_stopped(&listener, router, limits, &connections, stop).await;
        });
    }
    let connections = Arc::new(Semaphore::new(limits.max_connections as usize));
    let router = app_with(
        state.clone(),
        Options {
            public_tiles: config.public_tiles,
        },
    );
    accept_until_stopped(&listener, router, limits, &connections, stop_rx).await;
    drop(listener);
    // Draining: every connection task holds a permit until its connection ends.
    let all = limits.max_connections;
    if tokio::time::timeout(DRAIN_TIMEOUT, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
    state.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// JSON lines on stderr; `RUST_LOG` filters (default `info`). Idempotent.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

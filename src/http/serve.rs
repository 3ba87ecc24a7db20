//! `govledger serve`: binds, logs JSON to stderr, serves until SIGINT or SIGTERM, drains.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tracing_subscriber::EnvFilter;

use super::{AppState, app};
use crate::cli::{DbArg, KeyArg};
use crate::ledger::Ledger;
use crate::notary::Notary;
use crate::store;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Address to listen on; port 0 picks a free port (the first stdout line names it).
    #[arg(long, env = "GOVLEDGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The checkpoint signing key (made by `govledger init`); refused if others can read it.
    #[command(flatten)]
    pub key: KeyArg,
    /// Sign a checkpoint this often (seconds) when the head moved; 0 turns it off.
    #[arg(long, env = "GOVLEDGER_CHECKPOINT_EVERY", default_value_t = 60)]
    pub checkpoint_every: u64,
}

/// Runs the server until a shutdown signal. Prints `listening on http://ADDR` as the first
/// line on stdout once the socket is bound.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    // The key first: a server that could not sign checkpoints should not start at all.
    let key_path = args.key.path(&args.db.db);
    let notary = Notary::from_key_file(&key_path)
        .with_context(|| format!("signing key {}", key_path.display()))?;
    // Serving creates no ledger: `init`, `demo` and `import` do.
    let store = crate::cli::open_ledger(&args.db.db).await?;
    let (ledger, loaded) = Ledger::open(store)
        .await
        .context("cannot load the projections")?;
    tracing::info!(
        snapshot_seq = loaded.snapshot_seq,
        replayed = loaded.replayed,
        applied_seq = ledger.applied_seq(),
        "projections loaded"
    );
    let state = AppState::new(ledger, notary).await;
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
    super::proofs::spawn_periodic_checkpoints(&state, Duration::from_secs(args.checkpoint_every));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    tracing::info!(%addr, db = %store::redact(&args.db.db), "serving");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    {
        let state = state.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown signal: draining");
            state.begin_shutdown();
            stop_tx.send_replace(true);
        });
    }
    let mut graceful = stop_rx.clone();
    let server = axum::serve(
        listener,
        // The peer address keys the failed-authentication limiter.
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = graceful.wait_for(|s| *s).await;
    });
    let mut deadline = stop_rx;
    tokio::select! {
        r = server => r.context("server failed")?,
        () = async {
            let _ = deadline.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        } => tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; stopping anyway"),
    }
    state.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// JSON lines on stderr; `RUST_LOG` filters (default `info`).
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

//! Prometheus metrics: `GET /metrics` in the Prometheus text format (0.0.4), served only on a
//! listener of its own (`serve --metrics-listen ADDR`, off by default), never on the API's
//! port. The API's port faces clients through the reverse proxy; the metrics port is bound
//! to a private address that only the scraper reaches, as node_exporter's or PostgreSQL
//! exporter's are. (Putting it behind a bearer token would make every scraper an auditor of
//! the ledger, and a scraper with a stale token would trip the failed-authentication limiter.)
//!
//! What is counted where:
//! - requests by route (the matched path, e.g. `/v1/events/{key}`, never the raw URI, so a
//!   client cannot grow the label set) and status, with latency to the response head:
//!   [`track`], a layer of [`super::app`];
//! - decisions accepted (by command kind), refused (by rule), replayed, not recorded; commands
//!   per group-commit batch and commit latency: [`crate::ledger::LedgerMetrics`], counted by
//!   the ledger's batch;
//! - failed authentications and 429s: [`super::auth::FailedAuthLimiter`];
//! - the stored head, the folded seq and the lag between them, the latest signed checkpoint,
//!   and the database pool: read when scraped ([`scrape`]).

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::AppState;
use super::auth::FailedAuthLimiter;
use crate::ledger::LedgerMetrics;

/// Where the metrics are served, on the metrics listener.
pub const ROUTE: &str = "/metrics";
/// The route label of a request that matched no route (404s of made-up paths).
pub const UNMATCHED: &str = "unmatched";
/// Longest a scrape waits for the database before answering without it.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

type RequestHistograms = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn request_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// This process's metrics: the registry and the handles set when scraped.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: RequestHistograms,
    database_up: Gauge,
    head_seq: Gauge,
    applied_seq: Gauge,
    lag: Gauge,
    checkpoint_size: Gauge,
    checkpoint_created: Gauge<f64, AtomicU64>,
    unsigned: Gauge,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
}

impl Metrics {
    /// Registers the ledger's and the limiter's counters beside this module's own.
    pub fn new(ledger: &LedgerMetrics, limiter: &FailedAuthLimiter) -> Metrics {
        let mut r = Registry::with_prefix("govledger");
        let requests = RequestHistograms::new_with_constructor(request_histogram);
        r.register(
            "http_request_duration_seconds",
            "HTTP requests by method, route (the matched path) and status: seconds to the response head; _count is the number of requests",
            requests.clone(),
        );
        r.register(
            "decisions_accepted",
            "Decisions recorded, by command kind",
            ledger.accepted.clone(),
        );
        r.register(
            "decisions_refused",
            "Decisions refused by a rule of the regulation, by rule",
            ledger.refused.clone(),
        );
        r.register(
            "decisions_replayed",
            "Retried decisions answered with the events first recorded",
            ledger.replayed.clone(),
        );
        r.register(
            "decisions_not_recorded",
            "Commands neither recorded nor refused by a rule, by reason",
            ledger.not_recorded.clone(),
        );
        r.register(
            "append_batch_size_commands",
            "Commands decided per group-commit batch (one transaction)",
            ledger.batch_size.clone(),
        );
        r.register(
            "append_commit_duration_seconds",
            "Seconds a group-commit batch took to commit",
            ledger.commit_seconds.clone(),
        );
        r.register(
            "auth_failures",
            "Failed authentications (API and web view)",
            limiter.failures.clone(),
        );
        r.register(
            "auth_rate_limited",
            "Requests refused (429) because their client failed to authenticate too often",
            limiter.rate_limited.clone(),
        );
        let database_up = Gauge::default();
        r.register(
            "database_up",
            "1 when the database answered this scrape within 2 s, else 0 (the gauges read from it then keep their last value)",
            database_up.clone(),
        );
        let head_seq = Gauge::default();
        r.register(
            "head_seq",
            "The stored head: seq of the last committed event",
            head_seq.clone(),
        );
        let applied_seq = Gauge::default();
        r.register(
            "projection_applied_seq",
            "The seq this process's projections are folded up to",
            applied_seq.clone(),
        );
        let lag = Gauge::default();
        r.register(
            "projection_lag_events",
            "Events committed (by any instance) that this process has not folded yet",
            lag.clone(),
        );
        let checkpoint_size = Gauge::default();
        r.register(
            "checkpoint_size",
            "Tree size of the latest signed checkpoint (0: none yet)",
            checkpoint_size.clone(),
        );
        let checkpoint_created = Gauge::<f64, AtomicU64>::default();
        r.register(
            "checkpoint_created_timestamp_seconds",
            "When the latest signed checkpoint was issued, Unix time (0: none yet)",
            checkpoint_created.clone(),
        );
        let unsigned = Gauge::default();
        r.register(
            "checkpoint_unsigned_events",
            "Events above the latest signed checkpoint",
            unsigned.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        r.register(
            "db_pool_connections",
            "Database pool connections open, by state (idle, in_use)",
            pool.clone(),
        );
        let pool_max = Gauge::default();
        r.register(
            "db_pool_max_connections",
            "Most connections the database pool opens",
            pool_max.clone(),
        );
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        r.register("build_info", "The running govledger's version", build);
        Metrics {
            registry: r,
            requests,
            database_up,
            head_seq,
            applied_seq,
            lag,
            checkpoint_size,
            checkpoint_created,
            unsigned,
            pool,
            pool_max,
        }
    }
}

/// The router of the metrics listener: `GET /metrics`, nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(ROUTE, get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "only /metrics is served here\n") })
        .with_state(state)
}

/// Middleware of the API: one observation per request, labelled by the matched route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let res = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: res.status().as_u16(),
    };
    state
        .metrics()
        .requests
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    res
}

/// A bounded label for the method: the standard ones by name, anything else `other`.
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`: reads what lives in the database (head, latest checkpoint) and the pool,
/// then renders every metric. Answers even when the database does not (`database_up 0`).
pub async fn scrape(State(state): State<AppState>) -> Response {
    let m: &Metrics = state.metrics();
    let applied = state.ledger().applied_seq();
    let store = state.store();
    let read = async {
        let head = store.head().await?;
        let checkpoint = store.checkpoint(None).await?;
        Ok::<_, crate::store::StoreError>((head, checkpoint))
    };
    match tokio::time::timeout(DATABASE_WAIT, read).await {
        Ok(Ok((head, checkpoint))) => {
            m.database_up.set(1);
            m.head_seq.set(gauge_value(head.seq));
            m.lag.set(gauge_value(head.seq.saturating_sub(applied)));
            let (size, created_us) = checkpoint.map_or((0, 0), |c| (c.size, c.created_us));
            m.checkpoint_size.set(gauge_value(size));
            m.checkpoint_created.set(created_us as f64 / 1e6);
            m.unsigned.set(gauge_value(head.seq.saturating_sub(size)));
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: the database did not answer");
            m.database_up.set(0);
        }
        Err(_) => {
            tracing::warn!("metrics: the database did not answer in {DATABASE_WAIT:?}");
            m.database_up.set(0);
        }
    }
    m.applied_seq.set(gauge_value(applied));
    let crate::store::PoolStats { size, idle, max } = store.pool_stats();
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    m.pool
        .get_or_create(&PoolLabels { state: "idle" })
        .set(i64::from(idle));
    m.pool
        .get_or_create(&PoolLabels { state: "in_use" })
        .set(i64::from(size.saturating_sub(idle)));
    m.pool_max.set(i64::from(max));
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut body, &m.registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE),
    );
    res
}

fn gauge_value(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

//! `govledger witness serve`: the witness's HTTP endpoint, `POST /add-checkpoint`
//! (c2sp.org/tlog-witness). 200 with the cosignature line; 400, 403, 404 and 422 as
//! problem+json naming the rule; 409 as `text/x.tlog.size` with the size last cosigned, as the
//! spec requires.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tower_http::timeout::TimeoutLayer;

use crate::conn::ConnectionLimits;

use super::protocol::{MAX_REQUEST_BYTES, SIZE_CONTENT_TYPE};
use super::state::{Refusal, Witness};

/// Longest a request may take (reading the body, verifying, one SQLite commit).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The witness's routes over its state.
pub fn app(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    match witness.add_checkpoint(&body).await {
        Ok(line) => text(StatusCode::OK, "text/plain; charset=utf-8", line),
        Err(Refusal::Conflict { latest, reason }) => {
            tracing::info!(latest, %reason, "add-checkpoint: conflict");
            text(
                StatusCode::CONFLICT,
                SIZE_CONTENT_TYPE,
                format!("{latest}\n"),
            )
        }
        Err(refusal) => {
            let (status, title) = match &refusal {
                Refusal::BadRequest(_) => {
                    (StatusCode::BAD_REQUEST, "malformed add-checkpoint request")
                }
                Refusal::UnknownOrigin(_) => (StatusCode::NOT_FOUND, "unknown log"),
                Refusal::NotSigned(_) => (StatusCode::FORBIDDEN, "not signed by the log's key"),
                Refusal::BadProof(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the consistency proof does not verify",
                ),
                Refusal::State(_) | Refusal::Conflict { .. } => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "witness state unavailable",
                ),
            };
            if status.is_server_error() {
                tracing::error!(error = %refusal, "add-checkpoint failed");
            } else {
                tracing::info!(status = status.as_u16(), reason = %refusal, "add-checkpoint refused");
            }
            let detail = if status.is_server_error() {
                "nothing was cosigned; see the witness's log".to_owned()
            } else {
                refusal.to_string()
            };
            let problem = serde_json::json!({
                "type": "about:blank",
                "title": title,
                "status": status.as_u16(),
                "detail": detail,
                "rule": "c2sp.org/tlog-witness add-checkpoint",
            });
            text(status, "application/problem+json", problem.to_string())
        }
    }
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// Binds `listen`, prints `listening on http://ADDR` as the first stdout line, and serves
/// until SIGINT or SIGTERM.
pub async fn serve(
    witness: Arc<Witness>,
    listen: SocketAddr,
    limits: ConnectionLimits,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    tracing::info!(%addr, witness = witness.cosigner().name(), "witness serving");
    // The server's own connection loop: a header, body and idle timeout and a connection
    // limit, so clients that open connections and never finish a request cannot lock out the
    // logs that come to be cosigned.
    crate::conn::serve_until_signal(listener, app(witness.clone()), limits).await;
    witness.close().await;
    Ok(())
}

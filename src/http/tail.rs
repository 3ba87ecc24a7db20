//! Live tail: Server-Sent Events from a seq, catch-up from the store, then live.
//!
//! Each event is sent with `id` = seq, `event` = type and `data` = the event's JSON (as in
//! `GET /v1/events`). A client that reconnects sends `Last-Event-ID` (which takes precedence
//! over `from`) and continues after it with no gap and no repeat: the tail reads the store in
//! seq order, and seqs are gapless and committed in order. Without either, the tail starts
//! after the current head (new events only). Appends of other processes arrive within the
//! head poll interval; this process's own at once.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

use super::AppState;
use super::error::Error;
use super::events::EventView;
use super::extract::{Query, int64, param, seq};
use crate::store::Store;

/// Events read from the store per query while catching up.
const CATCH_UP_PAGE: u64 = 500;
/// A comment line this often keeps proxies from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /v1/tail` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TailQuery {
    /// First seq to send (default: after the current head). `Last-Event-ID` overrides it.
    #[param(value_type = Option<u64>, minimum = 1)]
    pub from: Option<String>,
}

/// One event of the tail's stream. OpenAPI 3.1 cannot describe the items of a stream, so the
/// response's schema is that of each event, as OpenAPI 3.2's `itemSchema` and schemathesis read
/// it: `id` the seq, `event` the type, `data` the event as `GET /v1/events/{seq}` returns it.
#[derive(Debug)]
pub struct TailEvent;

impl utoipa::PartialSchema for TailEvent {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("id", text("The event's seq"))
            .property(
                "event",
                text("The event's type, e.g. `permission.granted.v1`"),
            )
            .property(
                "data",
                text("The event as JSON, as `GET /v1/events/{seq}` returns it")
                    .content_media_type("application/json")
                    .content_schema(Some(Ref::from_schema_name("EventView"))),
            )
            .required("id")
            .required("event")
            .required("data")
            .into()
    }
}

impl utoipa::ToSchema for TailEvent {}

/// Streams events as Server-Sent Events: catch-up from `from` (or after `Last-Event-ID`),
/// then live.
#[utoipa::path(
    get,
    path = "/v1/tail",
    tag = "events",
    params(
        TailQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this seq"),
    ),
    responses(
        (status = 200, description = "An endless text/event-stream: `id` = seq, `event` = type, `data` = the event JSON", content_type = "text/event-stream", body = TailEvent),
        (status = 400, description = "A bad `from` or `Last-Event-ID`", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn tail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TailQuery>,
) -> Result<Response, Error> {
    let last_event_id = param(
        "Last-Event-ID",
        headers
            .get("last-event-id")
            .map(|v| v.to_str().unwrap_or("")),
        |s| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("{s:?} is not a seq"))
                .and_then(int64)
        },
    )?;
    let from = param("from", q.from.as_deref(), |s| {
        s.parse::<u64>()
            .map_err(|_| format!("{s:?} is not a seq (a whole number)"))
            .and_then(seq)
    })?;
    let head = state.store().head().await?;
    state.announce(head.seq);
    let next = match (last_event_id, from) {
        (Some(last), _) => last.saturating_add(1),
        (None, Some(from)) => from,
        (None, None) => head.seq + 1,
    };
    let (tx, rx) = mpsc::channel::<Result<SseEvent, Infallible>>(64);
    tokio::spawn(run(
        state.store().clone(),
        next,
        state.watch_head(),
        state.watch_shutdown(),
        tx,
    ));
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

/// Feeds one client until it disconnects or the server shuts down.
async fn run(
    store: Store,
    mut next: u64,
    mut heads: watch::Receiver<u64>,
    mut shutdown: watch::Receiver<bool>,
    tx: mpsc::Sender<Result<SseEvent, Infallible>>,
) {
    loop {
        // Catch up with everything committed from `next` on.
        loop {
            if *shutdown.borrow() {
                return;
            }
            let page = match store.read_from(next, CATCH_UP_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    // The client reconnects with Last-Event-ID and loses nothing.
                    tracing::warn!(error = %e, next, "live tail read failed; closing the stream");
                    return;
                }
            };
            let Some(last) = page.last().map(|e| e.seq) else {
                break;
            };
            for stored in &page {
                let event = match sse_event(stored) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::error!(error = %e, seq = stored.seq, "cannot render event for the tail");
                        return;
                    }
                };
                if tx.send(Ok(event)).await.is_err() {
                    return; // the client went away
                }
            }
            next = last + 1;
        }
        // Wait for a newer head, the client leaving, or shutdown.
        tokio::select! {
            changed = heads.wait_for(|h| *h >= next) => if changed.is_err() { return },
            _ = shutdown.wait_for(|s| *s) => return,
            () = tx.closed() => return,
        }
    }
}

fn sse_event(stored: &crate::store::StoredEvent) -> Result<SseEvent, Error> {
    let view = EventView::of(stored)?;
    let data = serde_json::to_string(&view).map_err(Error::internal)?;
    let event_type = view.event_type;
    Ok(SseEvent::default()
        .id(stored.seq.to_string())
        .event(event_type)
        .data(data))
}

//! Exports, streamed: JSON Lines of canonical bodies (byte-identical to `govledger export`,
//! for offline verification) and CSV of the events (UTF-8 with BOM so Excel reads it as
//! UTF-8; times shown in JST `+09:00`).
//!
//! Both read up to the head taken at the start of the request, page by page. A failure in the
//! middle aborts the connection rather than ending the body cleanly, so a client can never
//! mistake a cut-off export for a whole one.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use govledger_schema::envelope::format_effective_at;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use super::error::Error;
use super::extract::{Query, param, seq};
use super::{AppState, conditional};
use crate::jst::JST;
use crate::store::{Head, SCAN_PAGE, Store, StoredEvent};

/// `GET /v1/export.*` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// First seq (default 1).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub from: Option<String>,
    /// Last seq (default: the head).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub to: Option<String>,
}

impl ExportQuery {
    fn range(&self, head: &Head) -> Result<(u64, u64), Error> {
        let seq_param = |field: &str, v: Option<&str>| {
            param(field, v, |s| {
                s.parse::<u64>()
                    .map_err(|_| format!("{s:?} is not a seq (a whole number)"))
                    .and_then(seq)
            })
        };
        let from = seq_param("from", self.from.as_deref())?.unwrap_or(1);
        let to = seq_param("to", self.to.as_deref())?
            .unwrap_or(head.seq)
            .min(head.seq);
        Ok((from, to))
    }
}

/// The log as JSON Lines: one canonical body per line, `\n`-terminated, in seq order. The
/// same bytes as `govledger export`; `govledger import` and `verify` take it.
#[utoipa::path(
    get,
    path = "/v1/export.jsonl",
    tag = "export",
    params(ExportQuery),
    responses(
        (status = 200, description = "JSON Lines", content_type = "application/jsonl", body = String, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn jsonl(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Error> {
    let head = state.store().head().await?;
    let (from, to) = q.range(&head)?;
    conditional(&headers, &head, || {
        let body = stream_pages(state.store().clone(), from, to, Vec::new(), |e, out| {
            out.extend_from_slice(&e.body);
            out.push(b'\n');
            Ok(())
        });
        Ok(attachment(
            body,
            "application/jsonl",
            &format!("govledger-{}.jsonl", head.seq),
        ))
    })
}

/// The events as CSV: seq, id, stream, version, type, actor, acting_for, basis,
/// effective_at, recorded_at, hash; UTF-8 with BOM, CRLF, times in JST.
#[utoipa::path(
    get,
    path = "/v1/export.csv",
    tag = "export",
    params(ExportQuery),
    responses(
        (status = 200, description = "CSV (UTF-8 with BOM)", content_type = "text/csv", body = String, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Result<Response, Error> {
    let head = state.store().head().await?;
    let (from, to) = q.range(&head)?;
    conditional(&headers, &head, || {
        let mut preamble = "\u{feff}".as_bytes().to_vec();
        preamble.extend_from_slice(
            b"seq,id,stream,version,type,actor,acting_for,basis,effective_at,recorded_at,hash\r\n",
        );
        let body = stream_pages(state.store().clone(), from, to, preamble, csv_row);
        Ok(attachment(
            body,
            "text/csv; charset=utf-8",
            &format!("govledger-{}.csv", head.seq),
        ))
    })
}

fn csv_row(stored: &StoredEvent, out: &mut Vec<u8>) -> Result<(), Error> {
    let e = stored.event().map_err(|err| {
        Error::Internal(format!(
            "stored event {} does not decode: {err}",
            stored.seq
        ))
    })?;
    let effective = format_effective_at(&e.effective_at.with_timezone(&JST));
    // The body keeps recorded_at in UTC; the CSV shows the same instant in JST.
    let recorded = e
        .recorded_at
        .with_timezone(&JST)
        .format("%Y-%m-%dT%H:%M:%S%.6f%:z")
        .to_string();
    let fields = [
        e.seq.to_string(),
        e.id.to_string(),
        e.stream,
        e.version.to_string(),
        e.event_type,
        e.meta.actor,
        e.meta.acting_for.unwrap_or_default(),
        e.meta.basis,
        effective,
        recorded,
        stored.hash.to_hex(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_field(out, f);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// RFC 4180 quoting. A text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`
/// first) is quoted and prefixed with `'`, so opening an export never executes anything.
pub(crate) fn write_csv_field(out: &mut Vec<u8>, field: &str) {
    let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || field.contains([',', '"', '\r', '\n']);
    if !quote {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    if formula {
        out.push(b'\'');
    }
    out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
    out.push(b'"');
}

fn attachment(body: Body, content_type: &'static str, filename: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A body that reads events `from..=to` page by page and renders each with `render`.
fn stream_pages(
    store: Store,
    from: u64,
    to: u64,
    preamble: Vec<u8>,
    render: fn(&StoredEvent, &mut Vec<u8>) -> Result<(), Error>,
) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if !preamble.is_empty() && tx.send(Ok(Bytes::from(preamble))).await.is_err() {
            return;
        }
        let mut next = from;
        while next <= to {
            let page = match store.read_from(next, SCAN_PAGE.min(to - next + 1)).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, next, "export read failed; aborting the response");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
            let Some(last) = page.last().map(|e| e.seq) else {
                break;
            };
            let mut buf = Vec::with_capacity(page.iter().map(|e| e.body.len() + 1).sum());
            for e in page.iter().filter(|e| e.seq <= to) {
                if let Err(err) = render(e, &mut buf) {
                    tracing::error!(error = %err, seq = e.seq, "export render failed; aborting the response");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
            if tx.send(Ok(Bytes::from(buf))).await.is_err() {
                return; // the client went away
            }
            next = last + 1;
        }
    });
    Body::from_stream(ReceiverStream::new(rx))
}

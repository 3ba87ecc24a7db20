//! Reads of the log: events with filters and a seq cursor, one event, a stream, the head and
//! the chain's verification status.
//!
//! Every list is read up to the head taken at the start of the request, so the body is a
//! snapshot that the ETag (the head) names exactly.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use govledger_schema::envelope::{Event, check_stream, format_effective_at, format_recorded_at};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::Error;
use super::extract::{Query, int64, param};
use super::{AppState, CachedVerify, conditional};
use crate::jst::JST;
use crate::store::{EventFilter, Head, StoredEvent, VerifyReport};

/// Default and largest page of `GET /v1/events` and `GET /v1/streams/…`.
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 1000;
/// A cached verification is re-run after this long even if the head did not move, so a
/// change made under the head (in the database, by hand) is found within this time.
pub const VERIFY_MAX_AGE: Duration = Duration::from_secs(60);

/// One event as the API shows it: the stored envelope and its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: u64,
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub stream: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The decision's payload (shape per event type).
    #[schema(value_type = Object)]
    pub data: Value,
    pub meta: MetaView,
    /// RFC 3339 UTC with microseconds.
    pub recorded_at: String,
    /// RFC 3339 with offset, whole seconds.
    pub effective_at: String,
    /// Hex SHA-256 of the previous event's body (64 zeros for seq 1).
    pub prev: String,
    /// Hex SHA-256 of this event's canonical body.
    pub hash: String,
}

/// Who acted and on what authority.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetaView {
    pub actor: String,
    pub acting_for: Option<String>,
    /// The article the act rests on, e.g. `第6条第2項`.
    pub basis: String,
    pub request_id: Option<String>,
    pub causation_id: Option<String>,
}

impl EventView {
    /// A stored event as the API shows it: its envelope as recorded (the members of
    /// `Event::to_value`, `data` verbatim, superseded types not upcast) and its hash.
    pub fn of(stored: &StoredEvent) -> Result<EventView, Error> {
        let e = decoded(stored)?;
        Ok(EventView {
            seq: e.seq,
            id: e.id,
            stream: e.stream,
            version: e.version,
            event_type: e.event_type,
            data: e.data,
            meta: MetaView {
                actor: e.meta.actor,
                acting_for: e.meta.acting_for,
                basis: e.meta.basis,
                request_id: e.meta.request_id,
                causation_id: e.meta.causation_id.map(|id| id.to_string()),
            },
            recorded_at: format_recorded_at(&e.recorded_at),
            effective_at: format_effective_at(&e.effective_at),
            prev: e.prev.to_hex(),
            hash: stored.hash.to_hex(),
        })
    }
}

/// A stored event's envelope (a body that does not decode is an internal error: the store
/// accepted only canonical bodies).
pub fn decoded(stored: &StoredEvent) -> Result<Event, Error> {
    stored
        .event()
        .map_err(|e| Error::Internal(format!("stored event {} does not decode: {e}", stored.seq)))
}

/// `GET /v1/events` parameters. Filters combine with AND.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Event type, exactly (e.g. `token.issued.v1`).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Stream name, exactly.
    pub stream: Option<String>,
    /// The acting person, exactly.
    pub actor: Option<String>,
    /// Article prefix: `第6条` matches `第6条第2項`.
    pub basis: Option<String>,
    /// Effective at or after: RFC 3339, or a date (00:00 JST).
    pub effective_from: Option<String>,
    /// Effective before: RFC 3339 (exclusive), or a date (through the end of that day, JST).
    pub effective_to: Option<String>,
    /// Recorded at or after: RFC 3339, or a date (00:00 JST).
    pub recorded_from: Option<String>,
    /// Recorded before: RFC 3339 (exclusive), or a date (through the end of that day, JST).
    pub recorded_to: Option<String>,
    /// Cursor: only events with a greater seq (the `next` of the previous page).
    #[param(value_type = Option<u64>, minimum = 0)]
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<EventView>,
    /// Pass as `after` for the next page; null on the last page. A page scans at most
    /// 100,000 seqs, so with a selective filter it may hold fewer events than `limit` (even
    /// none) while `next` is not null.
    pub next: Option<u64>,
}

fn parse_limit(v: Option<&str>) -> Result<u64, Error> {
    Ok(param("limit", v, |s| {
        let n: u64 = s
            .parse()
            .map_err(|_| format!("{s:?} is not a whole number"))?;
        if n == 0 || n > MAX_LIMIT {
            return Err(format!("must be 1 to {MAX_LIMIT}, not {n}"));
        }
        Ok(n)
    })?
    .unwrap_or(DEFAULT_LIMIT))
}

fn parse_seq(field: &str, v: Option<&str>) -> Result<Option<u64>, Error> {
    param(field, v, |s| {
        s.parse::<u64>()
            .map_err(|_| format!("{s:?} is not a seq (a whole number)"))
            .and_then(int64)
    })
}

/// An instant from RFC 3339 or a date read in JST. `end_of_day` turns a date into the start
/// of the next day (for exclusive upper bounds).
fn parse_instant(field: &str, v: Option<&str>, end_of_day: bool) -> Result<Option<i64>, Error> {
    param(field, v, |s| {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(t.timestamp_micros());
        }
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            format!("{s:?} is neither an RFC 3339 timestamp nor a date (YYYY-MM-DD)")
        })?;
        let date = if end_of_day {
            date.succ_opt()
                .ok_or_else(|| format!("{s:?} is out of range"))?
        } else {
            date
        };
        date.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(JST).single())
            .map(|t| t.timestamp_micros())
            .ok_or_else(|| format!("{s:?} is out of range"))
    })
}

fn checked_name(field: &str, v: Option<String>) -> Result<Option<String>, Error> {
    match v {
        Some(s) if s.is_empty() || s.len() > govledger_schema::envelope::MAX_NAME_LEN => {
            Err(Error::bad_param(field, "must be 1 to 200 bytes"))
        }
        other => Ok(other),
    }
}

impl EventsQuery {
    fn filter(self) -> Result<(EventFilter, Option<u64>, u64), Error> {
        let after = parse_seq("after", self.after.as_deref())?;
        let limit = parse_limit(self.limit.as_deref())?;
        if let Some(s) = &self.stream {
            check_stream(s).map_err(|e| Error::bad_param("stream", e.to_string()))?;
        }
        let filter = EventFilter {
            effective_from_us: parse_instant(
                "effective_from",
                self.effective_from.as_deref(),
                false,
            )?,
            effective_to_us: parse_instant("effective_to", self.effective_to.as_deref(), true)?,
            recorded_from_us: parse_instant("recorded_from", self.recorded_from.as_deref(), false)?,
            recorded_to_us: parse_instant("recorded_to", self.recorded_to.as_deref(), true)?,
            event_type: checked_name("type", self.event_type)?,
            stream: self.stream,
            actor: checked_name("actor", self.actor)?,
            basis: checked_name("basis", self.basis)?,
        };
        Ok((filter, after, limit))
    }
}

/// How many seqs one page of `GET /v1/events` scans at most.
pub const SCAN_WINDOW: u64 = 100_000;

fn json_response(v: &impl Serialize) -> Result<Response, Error> {
    Ok(axum::Json(serde_json::to_value(v).map_err(Error::internal)?).into_response())
}

/// Lists events, oldest first, with filters and a seq cursor.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    params(EventsQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage,
            headers(("ETag" = String, description = "The head this page was read at"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "A bad parameter (named in `field`)", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`stream` or `actor` names no stream or actor of the ledger (names are case-sensitive); `field` names the parameter", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response, Error> {
    let (filter, after, limit) = q.filter()?;
    // Folded, so that a person registered by another instance is known to the actor check.
    let head = state.folded_head().await?;
    conditional_async(&headers, &head, async {
        let page = read_page(&state, &filter, after, limit, &head).await?;
        let events = page
            .events
            .iter()
            .map(EventView::of)
            .collect::<Result<Vec<_>, _>>()?;
        json_response(&EventPage {
            events,
            next: page.next,
        })
    })
    .await
}

/// A page of stored events, as `GET /v1/events` answers it (each event is rendered by
/// [`EventView::of`] there, read by its fields in the web view's timeline).
#[derive(Debug)]
pub struct EventsRead {
    pub events: Vec<StoredEvent>,
    /// The cursor of the next page, as [`EventPage::next`].
    pub next: Option<u64>,
}

/// The events `GET /v1/events` answers for `q`, at the folded head: the same parameters, the
/// same refusals, the same page.
pub async fn query_events(state: &AppState, q: EventsQuery) -> Result<EventsRead, Error> {
    let (filter, after, limit) = q.filter()?;
    let head = state.folded_head().await?;
    read_page(state, &filter, after, limit, &head).await
}

async fn read_page(
    state: &AppState,
    filter: &EventFilter,
    after: Option<u64>,
    limit: u64,
    head: &Head,
) -> Result<EventsRead, Error> {
    refuse_unknown_names(state, filter, head.seq).await?;
    // Each page scans at most SCAN_WINDOW seqs, so a selective filter costs a bounded
    // amount per request; the page may then hold fewer than `limit` events, and `next`
    // continues the scan where this window ended.
    let after = after.unwrap_or(0);
    let window_end = head.seq.min(after.saturating_add(SCAN_WINDOW));
    let mut rows = state
        .store()
        .events_matching(filter, after, window_end, limit + 1)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more {
        rows.last().map(|e| e.seq)
    } else if window_end < head.seq {
        Some(window_end)
    } else {
        None
    };
    Ok(EventsRead { events: rows, next })
}

/// 404 for a `stream` or `actor` filter that names no stream or actor of the ledger up to
/// `upto`: an empty page would read as "nothing happened" when the name is simply wrong.
/// (`type` and `basis` are not checked: a type is free text to the store, a basis a prefix.)
async fn refuse_unknown_names(state: &AppState, f: &EventFilter, upto: u64) -> Result<(), Error> {
    if let Some(stream) = &f.stream
        && state.store().stream_version_at(stream, upto).await? == 0
    {
        return Err(Error::unknown("stream", "stream", stream, None));
    }
    if let Some(actor) = &f.actor {
        // A registered person is known even before their first act; anyone else (a bootstrap
        // actor such as the one `token issue --actor` names) only by having acted.
        let registered = state.ledger().read(|s| s.person(actor).is_some());
        if !registered && !state.store().has_acted(actor, upto).await? {
            let hint = state.ledger().read(|s| {
                s.persons()
                    .find(|p| p.id.eq_ignore_ascii_case(actor))
                    .map(|p| format!("ids are case-sensitive: {}", p.id))
            });
            return Err(Error::unknown("actor", "actor", actor, hint));
        }
    }
    Ok(())
}

/// [`conditional`] for a body that needs awaiting: skipped entirely on a 304.
async fn conditional_async(
    headers: &HeaderMap,
    head: &Head,
    render: impl Future<Output = Result<Response, Error>>,
) -> Result<Response, Error> {
    if super::is_fresh(headers, &super::etag(head)) {
        return conditional(headers, head, || Err(Error::internal("unreachable")));
    }
    let res = render.await?;
    conditional(headers, head, || Ok(res))
}

/// One event, by seq or by id (UUID).
#[utoipa::path(
    get,
    path = "/v1/events/{key}",
    tag = "events",
    params(("key" = String, Path, description = "A seq (1, 2, …) or an event id (UUID)")),
    responses(
        (status = 200, description = "The event", body = EventView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Neither a seq nor a UUID", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, Error> {
    let stored = event_by_key(&state, &key).await?;
    // An event never changes, but its ETag still follows the head so one rule covers all.
    let head = state.store().head().await?;
    conditional(&headers, &head, || json_response(&EventView::of(&stored)?))
}

/// One stored event by seq or by id (UUID), as `GET /v1/events/{key}` finds it.
pub async fn event_by_key(state: &AppState, key: &str) -> Result<StoredEvent, Error> {
    let found = if let Ok(seq) = key.parse::<u64>() {
        state.store().get(seq).await?
    } else if let Ok(id) = Uuid::parse_str(key) {
        state.store().get_by_id(id).await?
    } else {
        return Err(Error::bad_param(
            "key",
            format!("{key:?} is neither a seq nor a UUID"),
        ));
    };
    found.ok_or_else(|| Error::NotFound(format!("no event {key}")))
}

/// `GET /v1/streams/{stream}` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// First version to return (default 1).
    #[param(value_type = Option<u64>, minimum = 1)]
    pub from_version: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// A page of one stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamPage {
    pub stream: String,
    /// The stream's version at the head this page was read at.
    pub version: u64,
    pub events: Vec<EventView>,
    /// Pass as `from_version` for the next page; null on the last page.
    pub next: Option<u64>,
}

/// The events of one stream in version order. Stream names contain `/` (`asset/A01`).
#[utoipa::path(
    get,
    path = "/v1/streams/{stream}",
    tag = "events",
    params(("stream" = String, Path, description = "Stream name, slashes included"), StreamQuery),
    responses(
        (status = 200, description = "A page of the stream", body = StreamPage, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The stream has no events", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(stream): Path<String>,
    Query(q): Query<StreamQuery>,
) -> Result<Response, Error> {
    check_stream(&stream).map_err(|e| Error::bad_param("stream", e.to_string()))?;
    let limit = parse_limit(q.limit.as_deref())?;
    let from_version = param("from_version", q.from_version.as_deref(), |s| {
        s.parse::<u64>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| format!("{s:?} is not a version (1, 2, …)"))
            .and_then(int64)
    })?
    .unwrap_or(1);
    let head = state.store().head().await?;
    conditional_async(&headers, &head, async {
        let mut rows = state
            .store()
            .read_stream(&stream, from_version, limit + 1)
            .await?;
        rows.retain(|e| e.seq <= head.seq);
        let mut events = rows
            .iter()
            .map(EventView::of)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if events.len() as u64 > limit {
            let next = events.last().map(|e| e.version);
            events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            next
        } else {
            None
        };
        // The stream's version at this head: the last event of the stream up to the head.
        let version = if next.is_none() {
            match events.last().map(|e| e.version) {
                Some(v) => v,
                None => state.store().stream_version_at(&stream, head.seq).await?,
            }
        } else {
            state.store().stream_version_at(&stream, head.seq).await?
        };
        if version == 0 {
            return Err(Error::NotFound(format!("stream {stream} has no events")));
        }
        json_response(&StreamPage {
            stream,
            version,
            events,
            next,
        })
    })
    .await
}

/// The head of the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadView {
    /// Number of events (the last seq); 0 for an empty ledger.
    pub seq: u64,
    /// Hex SHA-256 of the last event's body; 64 zeros for an empty ledger.
    pub hash: String,
}

/// The last seq and its hash.
#[utoipa::path(
    get,
    path = "/v1/head",
    tag = "events",
    responses(
        (status = 200, description = "The head", body = HeadView, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
    ),
    security(("bearer" = []))
)]
pub async fn head(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    let head = state.store().head().await?;
    conditional(&headers, &head, || {
        json_response(&HeadView {
            seq: head.seq,
            hash: head.hash.to_hex(),
        })
    })
}

/// The chain's verification status.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyView {
    /// True when every event verified.
    pub ok: bool,
    /// Number of events that verified.
    pub verified: u64,
    /// Last seq that verified.
    pub verified_to: u64,
    pub head: HeadView,
    /// The first break: `{seq, kind, …}`; null when ok.
    #[schema(value_type = Option<Object>)]
    pub first_break: Option<Value>,
    /// When this verification ran (RFC 3339 UTC); results are reused while the head stays
    /// and for at most 60 seconds.
    pub verified_at: String,
}

/// Verifies the whole chain (every body, hash, link, seq and stream version) and reports.
///
/// No ETag: the result depends on the stored bytes under the head, which the head alone
/// does not name (a row changed in the database by hand leaves the head as it was).
#[utoipa::path(
    get,
    path = "/v1/verify",
    tag = "events",
    responses((status = 200, description = "Verification result", body = VerifyView)),
    security(("bearer" = []))
)]
pub async fn verify(State(state): State<AppState>) -> Result<Response, Error> {
    json_response(&verification(&state).await?)
}

/// The chain's verification (cached: see [`AppState::forget_verification`]), as `/v1/verify`
/// answers it and the audit page shows it.
pub async fn verification(state: &AppState) -> Result<VerifyView, Error> {
    let cached = state.verified().await?;
    let r = &cached.report;
    let first_break = match &r.first_break {
        Some(b) => Some(serde_json::to_value(b).map_err(Error::internal)?),
        None => None,
    };
    Ok(VerifyView {
        ok: r.is_ok(),
        verified: r.verified,
        verified_to: r.verified_to,
        head: HeadView {
            seq: r.head.seq,
            hash: r.head.hash.to_hex(),
        },
        first_break,
        verified_at: cached.at_utc.clone(),
    })
}

impl AppState {
    /// Drops the cached verification, so the next reader runs it afresh ("verify now").
    pub async fn forget_verification(&self) {
        *self.0.verify_cache.lock().await = None;
    }

    /// The verification of the current head: cached while the head stays and for at most
    /// [`VERIFY_MAX_AGE`]; concurrent callers wait for one run instead of starting their own.
    async fn verified(&self) -> Result<CachedVerify, Error> {
        let mut cache = self.0.verify_cache.lock().await;
        let head = self.store().head().await?;
        if let Some(c) = cache.as_ref()
            && c.head == head
            && c.at.elapsed() < VERIFY_MAX_AGE
        {
            return Ok(c.clone());
        }
        let report: VerifyReport = self.store().verify(1, None, |_| {}).await?;
        let fresh = CachedVerify {
            head,
            at: Instant::now(),
            at_utc: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            report,
        };
        *cache = Some(fresh.clone());
        Ok(fresh)
    }
}

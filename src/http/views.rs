//! The projections as auditors read them: organisation, assets, persons, access, changes,
//! security requests, meetings, incidents and audit findings, each **as of** an effective time
//! and **as known at** a ledger seq, as JSON or CSV.
//!
//! Every view is read from this process's projections at the stored head (folded first when
//! this process is behind, see [`AppState::folded_head`]) and answers
//! `{as_of, known_at, head: {seq, hash}, …view}`. `known_at` defaults to the head; a seq beyond
//! it is a 400. The ETag names the head and the query, so `If-None-Match` gives a 304 while the
//! ledger has not moved. (A view with the default `as_of` = now can change at midnight under the
//! same ETag: clients that cache should pass `as_of`.)
//!
//! CSV (`?format=csv`) is UTF-8 with BOM and CRLF, one row per holder, grant, request, …,
//! nested objects flattened to `a.b` columns, and every timestamp shown in JST (`+09:00`).

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use govledger_projections::{self as views, Lens};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::Error;
use super::events::HeadView;
use super::extract::{Query, int64, param};
use super::is_fresh;
use crate::jst;
use crate::store::Head;

type Time = chrono::DateTime<chrono::FixedOffset>;

/// Parameters every view takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// Effective date `YYYY-MM-DD` (00:00 JST) or RFC 3339 timestamp (default: now).
    pub as_of: Option<String>,
    /// Ledger seq: the view as the ledger knew it then (default: the head).
    #[param(value_type = Option<u64>, minimum = 0)]
    pub known_at: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
}

/// `GET /v1/access` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// Only this asset (e.g. `A01`).
    pub asset: Option<String>,
    /// Only this person (e.g. `P0123`).
    pub person: Option<String>,
    /// Effective date `YYYY-MM-DD` (00:00 JST) or RFC 3339 timestamp (default: now).
    pub as_of: Option<String>,
    /// Ledger seq: the view as the ledger knew it then (default: the head).
    #[param(value_type = Option<u64>, minimum = 0)]
    pub known_at: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
    /// Skip this many grants (default 0); see `page` in the answer.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
    /// At most this many grants (default 1,000, at most 10,000).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 10000)]
    pub limit: Option<String>,
}

/// `GET /v1/audit` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Effective date `YYYY-MM-DD` (00:00 JST) or RFC 3339 timestamp (default: now).
    pub as_of: Option<String>,
    /// Ledger seq: the view as the ledger knew it then (default: the head).
    #[param(value_type = Option<u64>, minimum = 0)]
    pub known_at: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
    /// Skip this many findings (default 0); see `page` in the answer.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
    /// At most this many findings (default 1,000, at most 10,000).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 10000)]
    pub limit: Option<String>,
}

/// Items per page of a list view (`/v1/access`, `/v1/audit`) unless `limit` says otherwise.
pub const DEFAULT_VIEW_LIMIT: usize = 1_000;
/// The largest `limit` a list view accepts: a page is built in memory, so it is bounded.
pub const MAX_VIEW_LIMIT: usize = 10_000;

/// Parses `offset` and `limit` of a list view.
fn window(
    offset: Option<&str>,
    limit: Option<&str>,
) -> Result<govledger_projections::Window, Error> {
    let offset = param("offset", offset, |s| {
        // Bounded like every documented int64.
        s.parse::<i64>()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("{s:?} is not a whole number from 0 to 2^63-1"))
    })?
    .unwrap_or(0);
    let limit = param("limit", limit, |s| match s.parse::<usize>() {
        Ok(n) if (1..=MAX_VIEW_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "{s:?} is not a whole number from 1 to {MAX_VIEW_LIMIT}"
        )),
    })?
    .unwrap_or(DEFAULT_VIEW_LIMIT);
    Ok(govledger_projections::Window { offset, limit })
}

/// The members every view starts with; the view's own members follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewHeader {
    /// The effective time the view is as of (RFC 3339).
    pub as_of: String,
    /// The ledger seq the view is as known at.
    pub known_at: u64,
    /// The head the view was read at.
    pub head: HeadView,
}

/// Where a page of a list view (`/v1/access`, `/v1/audit`) lies in the whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page {
    /// Items skipped.
    pub offset: u64,
    /// At most this many items in the page.
    pub limit: u64,
    /// Items in the whole list.
    pub total: u64,
    /// The `offset` of the next page; null on the last page.
    pub next_offset: Option<u64>,
}

impl Page {
    /// The page `w` of a list of `total` items.
    fn of(w: views::Window, total: usize) -> Page {
        let (offset, limit) = (w.offset as u64, w.limit as u64);
        let total = total as u64;
        let end = offset.saturating_add(limit);
        Page {
            offset,
            limit,
            total,
            next_offset: (end < total).then_some(end),
        }
    }
}

/// The JSON answer of a view: [`ViewHeader`]'s members, then the view's own (the projection's
/// view, whose `at` and `total` it does not serialize: the header and [`Page`] say them). The
/// OpenAPI document names each as the view's body; `tests/http_api.rs` checks real answers
/// against those schemas.
macro_rules! view_body {
    ($(#[$doc:meta])* $name:ident { $($(#[$attr:meta])* $member:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            #[serde(flatten)]
            pub header: ViewHeader,
            $($(#[$attr])* pub $member: $ty,)*
        }
    };
}

view_body!(
    /// `GET /v1/organisation`
    OrganisationBody { #[serde(flatten)] view: views::OrganisationView }
);
view_body!(
    /// `GET /v1/assets`
    AssetsBody { #[serde(flatten)] view: views::AssetsView }
);
view_body!(
    /// `GET /v1/assets/{id}`
    AssetBody { #[serde(flatten)] view: views::AssetDetail }
);
view_body!(
    /// `GET /v1/persons/{id}`
    PersonBody { #[serde(flatten)] view: views::PersonView }
);
view_body!(
    /// `GET /v1/access`
    AccessBody { #[serde(flatten)] view: views::AccessView, page: Page }
);
view_body!(
    /// `GET /v1/modifications`
    ModificationsBody { modifications: Vec<views::ModificationView> }
);
view_body!(
    /// `GET /v1/retirements`
    RetirementsBody { retirements: Vec<views::RetirementView> }
);
view_body!(
    /// `GET /v1/security-requests`
    SecurityRequestsBody { #[serde(flatten)] view: views::SecurityRequestsView }
);
view_body!(
    /// `GET /v1/meetings`
    MeetingsBody { #[serde(flatten)] view: views::MeetingsView }
);
view_body!(
    /// `GET /v1/incidents`
    IncidentsBody { #[serde(flatten)] view: views::IncidentsView }
);
view_body!(
    /// `GET /v1/audit`
    AuditBody { #[serde(flatten)] view: views::AuditView, page: Page }
);

/// A view's `format`: JSON (the default) or CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

struct Params {
    as_of: Time,
    known_at: Option<u64>,
    format: Format,
}

impl Params {
    fn parse(
        as_of: Option<&str>,
        known_at: Option<&str>,
        format: Option<&str>,
    ) -> Result<Params, Error> {
        let as_of = param("as_of", as_of, jst::parse)?.unwrap_or_else(jst::now);
        let known_at = param("known_at", known_at, |s| {
            s.parse::<u64>()
                .map_err(|_| format!("{s:?} is not a seq (a whole number)"))
                .and_then(int64)
        })?;
        let format = match format {
            None | Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some(other) => {
                return Err(Error::bad_param(
                    "format",
                    format!("{other:?} is neither json nor csv"),
                ));
            }
        };
        Ok(Params {
            as_of,
            known_at,
            format,
        })
    }
}

/// How a view's JSON becomes CSV rows.
type Rows = fn(&Value) -> Vec<Value>;

/// Reads one view: parses the common parameters, folds to the head, checks `known_at`,
/// renders JSON or CSV with an ETag of (head, query).
async fn view<B: Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    params: Params,
    name: &str,
    make: impl FnOnce(&Lens<'_>, ViewHeader) -> Result<Option<B>, Error>,
    rows: Rows,
) -> Result<Response, Error> {
    let head = state.folded_head().await?;
    let known_at = match params.known_at {
        Some(k) if k > head.seq => {
            return Err(Error::bad_param(
                "known_at",
                format!("{k} is beyond the head (seq {})", head.seq),
            ));
        }
        Some(k) => k,
        None => head.seq,
    };
    let tag = view_etag(&head, uri);
    if is_fresh(headers, &tag) {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), &tag));
    }
    let as_of = params.as_of;
    let header = ViewHeader {
        as_of: as_of.to_rfc3339(),
        known_at,
        head: HeadView {
            seq: head.seq,
            hash: head.hash.to_hex(),
        },
    };
    let body = state
        .ledger()
        .read(|s| make(&s.lens(as_of, Some(known_at)), header))?
        .ok_or_else(|| Error::NotFound(format!("no such {name} as of that date and seq")))?;
    // Through a JSON value, whose members are in name order (the answer's spelling since the
    // first version), and which the CSV rows are cut from.
    let out = to_value(body)?;
    let res = match params.format {
        Format::Json => axum::Json(out).into_response(),
        Format::Csv => csv_response(&rows(&out), &format!("{name}-{}.csv", head.seq)),
    };
    Ok(with_etag(res, &tag))
}

/// Weak ETag of a view: the head and a digest of the path and query.
fn view_etag(head: &Head, uri: &axum::http::Uri) -> String {
    let query = uri.path_and_query().map_or("", |pq| pq.as_str());
    let q = hex::encode(&Sha256::digest(query.as_bytes())[..8]);
    format!("W/\"{}-{}-{q}\"", head.seq, head.hash.to_hex())
}

fn with_etag(mut res: Response, tag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

fn to_value(v: impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(Error::internal)
}

macro_rules! view_doc {
    ($fn:ident, $body:ty, $path:literal, $summary:literal) => {
        #[utoipa::path(
            get,
            path = $path,
            tag = "views",
            summary = $summary,
            params(ViewQuery),
            responses(
                (status = 200, description = "The view: `{as_of, known_at, head, …}`; with `format=csv`, CSV (UTF-8 with BOM, JST times)",
                    content(($body = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
                (status = 304, description = "Not modified"),
                (status = 400, description = "A bad `as_of`, `known_at` (beyond the head) or `format`", body = super::Problem, content_type = "application/problem+json"),
                (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        pub async fn $fn(
            State(state): State<AppState>,
            headers: HeaderMap,
            OriginalUri(uri): OriginalUri,
            Query(q): Query<ViewQuery>,
        ) -> Result<Response, Error> {
            let params = Params::parse(q.as_of.as_deref(), q.known_at.as_deref(), q.format.as_deref())?;
            view(&state, &headers, &uri, params, stringify!($fn), |l, header| Ok(Some(imp::$fn(l, header))), rows::$fn).await
        }
    };
}

view_doc!(
    organisation,
    OrganisationBody,
    "/v1/organisation",
    "Units, posts with current and past holders, and each person's roles"
);
view_doc!(
    assets,
    AssetsBody,
    "/v1/assets",
    "The annex's information assets, their officer posts and holders"
);
view_doc!(
    modifications,
    ModificationsBody,
    "/v1/modifications",
    "System modifications (第6条): what each has and what it still lacks"
);
view_doc!(
    retirements,
    RetirementsBody,
    "/v1/retirements",
    "Retirements of assets (第7条): approvals, consents, decision, measures"
);
view_doc!(
    security_requests,
    SecurityRequestsBody,
    "/v1/security-requests",
    "Security improvement requests (第10条第2項): open, closed, overdue"
);
view_doc!(
    meetings,
    MeetingsBody,
    "/v1/meetings",
    "Meetings (第12条) with minutes and circulation signatures, directives (第13条) and directions of officers (第3条第3項)"
);
view_doc!(
    incidents,
    IncidentsBody,
    "/v1/incidents",
    "Incidents, the officers' emergency rosters and the operation records (第9条, 第11条)"
);
/// Audit findings: grants that outlived their basis, vacant posts, late records, …, a page at
/// a time (`offset`, `limit`; `page` in the answer says the total and the next offset). Pass
/// `known_at` from the first page's answer to page through one fixed view.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "views",
    params(AuditQuery),
    responses(
        (status = 200, description = "Findings: `{as_of, known_at, head, findings, page}`; with `format=csv`, CSV (UTF-8 with BOM, JST times)", content((AuditBody = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Error> {
    let params = Params::parse(
        q.as_of.as_deref(),
        q.known_at.as_deref(),
        q.format.as_deref(),
    )?;
    let w = window(q.offset.as_deref(), q.limit.as_deref())?;
    let page = |l: &Lens<'_>, header| {
        let view = l.audit_page(w);
        Ok(Some(AuditBody {
            header,
            page: Page::of(w, view.total),
            view,
        }))
    };
    view(&state, &headers, &uri, params, "audit", page, rows::audit).await
}

/// One asset: annex entry, officer posts and holders over time, who may use it at `as_of`,
/// every grant, and every decision about it with its seq.
#[utoipa::path(
    get,
    path = "/v1/assets/{id}",
    tag = "views",
    params(("id" = String, Path, description = "Asset id, e.g. `A01`"), ViewQuery),
    responses(
        (status = 200, description = "The asset", content((AssetBody = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such asset at that date and seq", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Error> {
    let params = Params::parse(
        q.as_of.as_deref(),
        q.known_at.as_deref(),
        q.format.as_deref(),
    )?;
    view(
        &state,
        &headers,
        &uri,
        params,
        "asset",
        |l, header| Ok(l.asset_detail(&id).map(|view| AssetBody { header, view })),
        rows::asset,
    )
    .await
}

/// A person's history: units, posts, roles at `as_of`, designations, usage-officer terms,
/// user registrations and grants, each with its seq.
#[utoipa::path(
    get,
    path = "/v1/persons/{id}",
    tag = "views",
    params(("id" = String, Path, description = "Person id, e.g. `P0001`"), ViewQuery),
    responses(
        (status = 200, description = "The person", content((PersonBody = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at that seq", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn person(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, Error> {
    let params = Params::parse(
        q.as_of.as_deref(),
        q.known_at.as_deref(),
        q.format.as_deref(),
    )?;
    view(
        &state,
        &headers,
        &uri,
        params,
        "person",
        |l, header| Ok(l.person_view(&id).map(|view| PersonBody { header, view })),
        rows::person,
    )
    .await
}

/// Who may use which asset at `as_of`, since when, on whose decision (the deciding event's
/// seq and the deciding officer).
#[utoipa::path(
    get,
    path = "/v1/access",
    tag = "views",
    params(AccessQuery),
    responses(
        (status = 200, description = "Grants in force: `{as_of, known_at, head, grants, page}`, a page at a time (`offset`, `limit`)", content((AccessBody = "application/json"), (String = "text/csv")), headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "A bad parameter", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`asset` or `person` names no asset or person of the ledger as known at `known_at` (ids are case-sensitive); `field` names the parameter", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn access(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<AccessQuery>,
) -> Result<Response, Error> {
    let params = Params::parse(
        q.as_of.as_deref(),
        q.known_at.as_deref(),
        q.format.as_deref(),
    )?;
    let w = window(q.offset.as_deref(), q.limit.as_deref())?;
    let page = |l: &Lens<'_>, header| {
        if let Some(asset) = q.asset.as_deref() {
            known_asset(l, asset)?;
        }
        if let Some(person) = q.person.as_deref() {
            known_person(l, "person", person)?;
        }
        let view = l.access_page(q.asset.as_deref(), q.person.as_deref(), w);
        Ok(Some(AccessBody {
            header,
            page: Page::of(w, view.total),
            view,
        }))
    };
    view(&state, &headers, &uri, params, "access", page, rows::access).await
}

/// `Ok` when the ledger, as known at the lens's seq, has annexed asset `id` (at any
/// effective time: an asset not yet annexed at `as_of` is known, and has no grants then);
/// else 404 naming the `asset` parameter, never a silent empty view.
fn known_asset(l: &Lens<'_>, id: &str) -> Result<(), Error> {
    let known = |a: &govledger_projections::Asset| a.versions.iter().any(|v| l.knows(v.start.seq));
    if l.state.asset(id).is_some_and(known) {
        return Ok(());
    }
    let hint = l
        .state
        .assets()
        .find(|a| a.id.eq_ignore_ascii_case(id) && known(a))
        .map(|a| format!("ids are case-sensitive: {}", a.id));
    Err(Error::unknown("asset", "asset", id, hint))
}

/// `Ok` when the ledger, as known at the lens's seq, has registered person `id`; else 404
/// naming parameter `field`.
pub(super) fn known_person(l: &Lens<'_>, field: &str, id: &str) -> Result<(), Error> {
    let known = |p: &govledger_projections::Person| l.knows(p.registered.seq);
    if l.state.person(id).is_some_and(known) {
        return Ok(());
    }
    let hint = l
        .state
        .persons()
        .find(|p| p.id.eq_ignore_ascii_case(id) && known(p))
        .map(|p| format!("ids are case-sensitive: {}", p.id));
    Err(Error::unknown(field, "person", id, hint))
}

/// The views' answers, from the projections.
mod imp {
    use super::*;

    pub fn organisation(l: &Lens<'_>, header: ViewHeader) -> OrganisationBody {
        OrganisationBody {
            header,
            view: l.organisation(),
        }
    }
    pub fn assets(l: &Lens<'_>, header: ViewHeader) -> AssetsBody {
        AssetsBody {
            header,
            view: l.assets(),
        }
    }
    pub fn modifications(l: &Lens<'_>, header: ViewHeader) -> ModificationsBody {
        ModificationsBody {
            header,
            modifications: l.changes().modifications,
        }
    }
    pub fn retirements(l: &Lens<'_>, header: ViewHeader) -> RetirementsBody {
        RetirementsBody {
            header,
            retirements: l.changes().retirements,
        }
    }
    pub fn security_requests(l: &Lens<'_>, header: ViewHeader) -> SecurityRequestsBody {
        SecurityRequestsBody {
            header,
            view: l.security_requests(),
        }
    }
    pub fn meetings(l: &Lens<'_>, header: ViewHeader) -> MeetingsBody {
        MeetingsBody {
            header,
            view: l.meetings(),
        }
    }
    pub fn incidents(l: &Lens<'_>, header: ViewHeader) -> IncidentsBody {
        IncidentsBody {
            header,
            view: l.incidents(),
        }
    }
}

/// One CSV row per holder, grant, request, …: which array of each view becomes rows.
mod rows {
    use super::*;

    fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
        v.get(key).and_then(Value::as_array).into_iter().flatten()
    }

    /// `item` without `drop` members, with `extra` members prefixed.
    fn row(item: &Value, drop: &[&str], extra: &[(&str, &Value)]) -> Value {
        let mut m = item.as_object().cloned().unwrap_or_default();
        for d in drop {
            m.remove(*d);
        }
        let mut out = Map::new();
        for (k, v) in extra {
            out.insert((*k).to_owned(), (*v).clone());
        }
        out.extend(m);
        Value::Object(out)
    }

    fn section(name: &str, item: &Value) -> Value {
        row(item, &[], &[("section", &Value::String(name.to_owned()))])
    }

    pub fn list(v: &Value, key: &str) -> Vec<Value> {
        items(v, key).cloned().collect()
    }

    /// One row per post and holder (current and past); a vacant post has one row.
    pub fn organisation(v: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        for post in items(v, "posts") {
            let base = row(post, &["holder", "past_holders"], &[]);
            let holders: Vec<&Value> = post
                .get("holder")
                .filter(|h| !h.is_null())
                .into_iter()
                .chain(items(post, "past_holders"))
                .collect();
            if holders.is_empty() {
                out.push(base.clone());
            }
            for h in holders {
                out.push(row(&base, &[], &[("holder", h)]));
            }
        }
        out
    }

    /// One row per asset and officer post.
    pub fn assets(v: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        for a in items(v, "assets") {
            let base = row(a, &["officers"], &[]);
            let officers: Vec<&Value> = items(a, "officers").collect();
            if officers.is_empty() {
                out.push(base.clone());
            }
            for o in officers {
                out.push(row(&base, &[], &[("officer", o)]));
            }
        }
        out
    }

    pub fn modifications(v: &Value) -> Vec<Value> {
        list(v, "modifications")
    }
    pub fn retirements(v: &Value) -> Vec<Value> {
        list(v, "retirements")
    }
    pub fn security_requests(v: &Value) -> Vec<Value> {
        list(v, "requests")
    }
    pub fn meetings(v: &Value) -> Vec<Value> {
        let mut out: Vec<Value> = items(v, "meetings")
            .map(|m| section("meeting", m))
            .collect();
        out.extend(items(v, "directives").map(|d| section("directive", d)));
        out.extend(items(v, "officer_directions").map(|d| section("officer_direction", d)));
        out.extend(items(v, "user_directions").map(|d| section("user_direction", d)));
        out
    }
    pub fn incidents(v: &Value) -> Vec<Value> {
        let mut out: Vec<Value> = items(v, "incidents")
            .map(|i| section("incident", i))
            .collect();
        out.extend(items(v, "rosters").map(|r| section("roster", r)));
        out.extend(items(v, "operations").map(|o| section("operation", o)));
        out
    }
    pub fn audit(v: &Value) -> Vec<Value> {
        list(v, "findings")
    }
    pub fn access(v: &Value) -> Vec<Value> {
        list(v, "grants")
    }

    /// Sections: officer holders over time, grants, decisions.
    pub fn asset(v: &Value) -> Vec<Value> {
        let id = v.pointer("/asset/id").cloned().unwrap_or(Value::Null);
        let mut out = Vec::new();
        for p in items(v, "officer_posts") {
            for h in items(p, "holders") {
                out.push(row(
                    h,
                    &[],
                    &[
                        ("section", &json!("officer_holder")),
                        ("asset_id", &id),
                        ("post_id", p.get("post_id").unwrap_or(&Value::Null)),
                    ],
                ));
            }
        }
        out.extend(items(v, "grants").map(|g| section("grant", g)));
        for d in items(v, "decisions") {
            out.push(row(
                d,
                &[],
                &[("section", &json!("decision")), ("asset_id", &id)],
            ));
        }
        out
    }

    /// Sections: units, posts, designations, usage-officer terms, user registrations, grants.
    pub fn person(v: &Value) -> Vec<Value> {
        let id = v.get("person_id").cloned().unwrap_or(Value::Null);
        let mut out = Vec::new();
        for key in [
            "roles",
            "units",
            "posts",
            "designations",
            "usage_officer_of",
            "user_of",
            "grants",
        ] {
            for item in items(v, key) {
                out.push(row(
                    item,
                    &[],
                    &[("section", &json!(key)), ("person_id", &id)],
                ));
            }
        }
        out
    }
}

/// Flattens rows into CSV: columns in order of first appearance, nested objects as `a.b`,
/// arrays of scalars joined with `;`, other arrays as compact JSON, timestamps in JST.
fn csv_response(rows: &[Value], filename: &str) -> Response {
    let mut flat: Vec<BTreeMap<String, String>> = Vec::with_capacity(rows.len());
    let mut columns: Vec<String> = Vec::new();
    for r in rows {
        let mut cells = Vec::new();
        flatten("", r, &mut cells);
        for (k, _) in &cells {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        flat.push(cells.into_iter().collect());
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        super::export::write_csv_field(&mut out, c);
    }
    out.extend_from_slice(b"\r\n");
    for r in &flat {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            super::export::write_csv_field(&mut out, r.get(c).map_or("", String::as_str));
        }
        out.extend_from_slice(b"\r\n");
    }
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_owned(), cell(other))),
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => in_jst(s),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

/// An RFC 3339 timestamp shown in JST; any other text unchanged.
fn in_jst(s: &str) -> String {
    if s.len() >= 20
        && s.as_bytes().get(10) == Some(&b'T')
        && let Ok(t) = DateTime::parse_from_rfc3339(s)
    {
        return t.with_timezone(&jst::JST).to_rfc3339();
    }
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_flattens_nested_members_and_shows_times_in_jst() {
        let rows = vec![
            json!({"a": 1, "b": {"c": "2025-04-01T00:00:00+00:00"}, "l": ["x", "y"]}),
            json!({"a": 2, "d": "=1+1"}),
        ];
        let res = csv_response(&rows, "t.csv");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        let _ = res;
        let mut cells = Vec::new();
        flatten("", &rows[0], &mut cells);
        assert_eq!(
            cells,
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b.c".to_owned(), "2025-04-01T09:00:00+09:00".to_owned()),
                ("l".to_owned(), "x;y".to_owned()),
            ]
        );
        let mut out = Vec::new();
        crate::http::export::write_csv_field(&mut out, "=1+1");
        assert_eq!(out, b"\"'=1+1\"");
    }
}

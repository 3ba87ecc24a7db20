//! The OpenAPI document, generated from the handlers' annotations, and an offline docs page.
//!
//! `openapi.json` at the repository root is a checked-in snapshot of [`document`]; the test
//! `openapi_document_matches_the_checked_in_snapshot` fails when they differ, so a change of
//! the contract is a visible diff (`UPDATE_OPENAPI=1 cargo test --test http_api openapi`).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    auth, commands, error, events, export, health, options, proofs, tail, tiles, tokens, views,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "govledger",
        description = "Append-only, hash-chained, verifiable ledger of governance decisions. \
            Reads need an auditor or admin bearer token; writes need an admin token. \
            Errors are RFC 9457 problem documents (application/problem+json)."
    ),
    paths(
        health::healthz,
        health::readyz,
        events::list,
        events::one,
        events::stream,
        events::head,
        events::verify,
        tail::tail,
        export::jsonl,
        export::csv,
        auth::issue_token,
        views::organisation,
        views::assets,
        views::asset,
        views::person,
        views::access,
        views::modifications,
        views::retirements,
        views::security_requests,
        views::meetings,
        views::incidents,
        views::audit,
        proofs::latest,
        proofs::sign,
        proofs::at_size,
        proofs::inclusion,
        proofs::consistency,
        proofs::public_key,
        tiles::checkpoint,
        options::options,
    ),
    components(schemas(
        error::Problem,
        events::EventView,
        events::MetaView,
        events::EventPage,
        events::StreamPage,
        events::HeadView,
        events::VerifyView,
        health::Health,
        auth::IssueTokenRequest,
        tokens::IssuedToken,
        tokens::Role,
        views::ViewHeader,
        commands::CommittedView,
        commands::CommandResult,
        options::OptionsView,
        options::MemberOptions,
        crate::workspace::options::Choice,
        proofs::InclusionProofView,
        proofs::ConsistencyProofView,
        tail::TailEvent,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "events", description = "The log: events, streams, head, verification, live tail"),
        (name = "export", description = "Whole-log exports for offline verification and spreadsheets"),
        (name = "tokens", description = "Bearer tokens (admins)"),
        (name = "views", description = "The organisation and the audit views, as of a date and as known at a seq (JSON or CSV)"),
        (name = "commands", description = "Decisions recorded by admins, one route per kind, decided by the regulation's rules"),
        (name = "proofs", description = "Signed checkpoints, Merkle inclusion and consistency proofs, the public key"),
        (name = "tiles", description = "The C2SP tlog-tiles read API (c2sp.org/tlog-tiles): the checkpoint here; the hash tiles `/tile/<L>/<N>[.p/<W>]` and entry bundles `/tile/entries/<N>[.p/<W>]` are binary and their index spans a variable number of path segments, which no OpenAPI path template expresses, so the spec is their contract. No token needed with `serve --public-tiles`"),
        (name = "health", description = "Liveness and readiness (no token)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("glt_<id>_<secret>")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document as pretty JSON with a final newline (the snapshot's exact text).
pub fn document_json() -> String {
    let mut doc = document_value()
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    doc.push('\n');
    doc
}

/// The handlers' document plus one path per decision kind, generated from the `Command` JSON
/// Schema (`commands::openapi_paths`) rather than from 47 annotated handlers.
fn document_value() -> Result<serde_json::Value, serde_json::Error> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())?;
    let (paths, schemas) = commands::openapi_paths();
    if let Some(p) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        p.extend(paths);
    }
    if let Some(c) = doc
        .pointer_mut("/components/schemas")
        .and_then(|c| c.as_object_mut())
    {
        for (name, schema) in schemas {
            c.entry(name).or_insert(schema);
        }
    }
    add_common_responses(&mut doc);
    Ok(doc)
}

/// The answers any operation can give whatever its handler does, added (as references to
/// `components/responses`) to every operation that does not document them itself: the auth
/// middleware's 401 and 429 on every route that needs a token, 503 when the database cannot
/// be reached or the request outlives [`super::REQUEST_TIMEOUT`], and the JSON body
/// extractor's 415 and 408 (a body too slow). Each is a problem document.
fn add_common_responses(doc: &mut serde_json::Value) {
    use serde_json::json;
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        })
    };
    let mut too_many = problem(
        "Too many failed authentications from this client address; `Retry-After` says when to \
         try again",
    );
    too_many["headers"] = json!({"Retry-After": {
        "description": "Seconds to wait",
        "schema": {"type": "integer", "minimum": 1},
    }});
    let common = [
        (
            "401",
            "Unauthorized",
            problem("No token, or a malformed, unknown or revoked one"),
        ),
        ("429", "TooManyFailedAuthentications", too_many),
        (
            "503",
            "Unavailable",
            problem("The database cannot be reached, or the request took too long; try again"),
        ),
        (
            "415",
            "UnsupportedMediaType",
            problem("The body is not sent as application/json"),
        ),
        (
            "408",
            "RequestTimeout",
            problem("The body did not arrive in full in time (`serve --body-timeout`)"),
        ),
    ];
    if let Some(components) = doc.get_mut("components").and_then(|c| c.as_object_mut()) {
        let responses = components.entry("responses").or_insert_with(|| json!({}));
        if let Some(responses) = responses.as_object_mut() {
            for (_, name, response) in &common {
                responses.insert((*name).to_owned(), response.clone());
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut());
    for op in operations {
        let needs_token = op
            .get("security")
            .and_then(|s| s.as_array())
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        let takes_json = op
            .pointer("/requestBody/content/application~1json")
            .is_some();
        let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
            continue;
        };
        for (status, name, _) in &common {
            let applies = match *status {
                "415" | "408" => takes_json,
                _ => needs_token,
            };
            if applies {
                responses
                    .entry(*status)
                    .or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
            }
        }
    }
}

/// `GET /v1/openapi.json` (no token needed).
pub async fn document() -> Response {
    let mut res = document_json().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// `GET /docs`: a self-contained page that renders the document; no CDN, no scripts from
/// elsewhere.
pub async fn docs() -> Response {
    let mut res = include_str!("assets/docs.html").into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        ),
    );
    res
}

//! Commands for admins: `POST /v1/commands/{kind}`, one route per decision kind of
//! [`Command`], decided by the rules through the [`Ledger`](crate::ledger::Ledger).
//!
//! The body is the command's fields, plus optional `effective_at` (`YYYY-MM-DD` = 00:00 JST, or
//! RFC 3339 in whole seconds; default now) and `event_id` (a UUID the client chooses so a
//! retry is safe). The actor is the person the token belongs to. A retry with the same
//! `event_id` and body answers 200 with the original events and `replayed: true`; the same
//! `event_id` with another body is a 409. A rule's refusal is a 422 naming the rule and the
//! article. Auditor tokens never get here (403 in the auth middleware).

use std::sync::LazyLock;

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Timelike;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Admin;
use super::error::Error;
use super::extract::{Json, from_value};
use super::{AppState, request_id};
use crate::jst;
use crate::ledger::{CommandRequest, LedgerError};
use crate::rules::{COMMON_PRECONDITIONS, Command, CommandKind, Time};
use crate::store::Committed;
use govledger_schema::events::{EventPayload, PermissionRequested};

/// The body members that are not the command's own.
pub const EFFECTIVE_AT: &str = "effective_at";
pub const EVENT_ID: &str = "event_id";

/// One recorded event, as a command's response lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommittedView {
    pub seq: u64,
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub stream: String,
    pub version: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    /// Hex SHA-256 of the event's canonical body.
    pub hash: String,
}

/// What a command recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandResult {
    /// The record the decision was recorded on (see [`RecordRef`]).
    pub record: RecordRef,
    pub events: Vec<CommittedView>,
    /// True when this answers a retry with the original events (status 200).
    pub replayed: bool,
}

/// The JSON Schema (2020-12) of [`Command`], as schemars generates it.
pub static COMMAND_SCHEMA: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(schemars::schema_for!(Command)).unwrap_or(Value::Null));

/// Every decision kind (`establish_unit`, `grant_permission`, …) with its variant's schema.
pub static KINDS: LazyLock<Vec<(String, Value)>> = LazyLock::new(|| {
    let variants = COMMAND_SCHEMA
        .get("oneOf")
        .or_else(|| COMMAND_SCHEMA.get("anyOf"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    variants
        .into_iter()
        .filter_map(|v| {
            let kind = v.pointer("/properties/kind")?;
            let name = kind
                .get("const")
                .or_else(|| kind.get("enum").and_then(|e| e.get(0)))?
                .as_str()?
                .to_owned();
            Some((name, v))
        })
        .collect()
});

pub fn is_kind(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| k == kind)
}

/// A decision's body, parsed once at the edge: the command (its kind from the path), when it
/// takes effect and the client's event id. The body's text is parsed into a JSON value once
/// (duplicate members, syntax, size and media type refused as for every [`Json`] body); the
/// two members that are not the command's are taken out, and the command is read from what is
/// left, without writing it out again.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandBody {
    pub command: Command,
    pub effective_at: Time,
    /// No `effective_at` was sent: it is the server's now.
    pub effective_at_defaulted: bool,
    pub event_id: Option<Uuid>,
}

impl<S: Send + Sync> FromRequest<S> for CommandBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Path(kind) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(|e| Error::bad_param("kind", e.body_text()))?;
        let Json(value) =
            Json::<Value>::from_request(Request::from_parts(parts, body), state).await?;
        CommandBody::parse(&kind, value)
    }
}

impl CommandBody {
    /// Reads the body of a decision of kind `kind` (the path's), answering as the API does: an
    /// unknown kind is a 404, a member of the wrong shape a 422 naming it (`body.<field>`).
    pub fn parse(kind: &str, body: Value) -> Result<CommandBody, Error> {
        if !is_kind(kind) {
            return Err(Error::NotFound(format!(
                "no decision kind {kind:?}; see /v1/openapi.json for the kinds"
            )));
        }
        let Value::Object(mut fields) = body else {
            return Err(Error::InvalidBody {
                field: "body".into(),
                detail: "must be a JSON object of the command's fields".into(),
            });
        };
        let effective_at_defaulted = matches!(fields.get(EFFECTIVE_AT), None | Some(Value::Null));
        let effective_at = match fields.remove(EFFECTIVE_AT) {
            None | Some(Value::Null) => jst::now(),
            Some(Value::String(s)) => {
                let t = jst::parse(&s).map_err(|detail| invalid(EFFECTIVE_AT, detail))?;
                if t.nanosecond() != 0 {
                    return Err(invalid(EFFECTIVE_AT, "must be in whole seconds"));
                }
                t
            }
            Some(_) => return Err(invalid(EFFECTIVE_AT, "must be a string")),
        };
        let event_id = match fields.remove(EVENT_ID) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                Uuid::parse_str(&s)
                    .map_err(|_| invalid(EVENT_ID, format!("{s:?} is not a UUID")))?,
            ),
            Some(_) => return Err(invalid(EVENT_ID, "must be a UUID string")),
        };
        match fields.get("kind") {
            None => {}
            Some(Value::String(k)) if k == kind => {}
            Some(_) => {
                return Err(invalid(
                    "kind",
                    format!("the kind is {kind:?}, from the path"),
                ));
            }
        }
        let misfit = first_misfit(kind, &fields);
        fields.insert("kind".into(), Value::String(kind.to_owned()));
        let command: Command =
            from_value(Value::Object(fields)).map_err(|e| match (e, misfit.as_deref()) {
                // A tagged enum buffers its content, so serde loses the path of a wrong-typed
                // field; the variant's schema names it.
                (Error::InvalidBody { field, detail }, Some(name)) if field == "body" => {
                    Error::InvalidBody {
                        field: format!("body.{name}"),
                        detail,
                    }
                }
                (e, _) => e,
            })?;
        // serde also reads a struct from an array of its fields (`[1, "KW-EH"]`) and a variant
        // tag from its index (`"kind": 1`); the schema the API publishes admits neither.
        if let Some(name) = misfit {
            return Err(invalid(
                &name,
                "does not have the shape the command's schema gives it (see /v1/openapi.json)",
            ));
        }
        Ok(CommandBody {
            command,
            effective_at,
            effective_at_defaulted,
            event_id,
        })
    }
}

/// The record a decision was recorded on, named from its first event's stream: `modification/
/// MOD-0001` is `{"kind": "modification", "id": "MOD-0001"}` — the record a proposal, notice,
/// report, convocation, request or registration created, or the one an approval, consent or
/// decision acted on. Streams that are not one record: `regulation` (the regulation and its
/// amendments) has no `id`; `operation/<kind>` (第11条 operation records, kept per kind) has the
/// operation kind as `id`; a correction is recorded on the corrected event's stream, so names
/// that record. A permission request is recorded on its asset's stream, but names the request
/// it created (`{"kind": "permission_request", "id": "PR-00001"}`), which the grant's
/// `request_id` takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordRef {
    /// `modification`, `retirement`, `incident`, `meeting`, `security_request`, `directive`,
    /// `officer_direction`, `permission_request`, `asset`, `person`, `post`, `unit`, `roster`,
    /// `operation`, `regulation`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl RecordRef {
    /// The record of a decision that recorded `events` (see [`RecordRef`]); `state` is any state
    /// that has folded them (to find a permission request's id).
    pub fn of(events: &[Committed], state: &govledger_projections::State) -> Option<RecordRef> {
        let first = events.first()?;
        if first.event_type == PermissionRequested::EVENT_TYPE
            && let Some(id) = permission_request_at(state, first.seq)
        {
            return Some(RecordRef {
                kind: "permission_request".into(),
                id: Some(id),
            });
        }
        Some(match first.stream.split_once('/') {
            Some((kind, id)) => RecordRef {
                kind: kind.to_owned(),
                id: Some(id.to_owned()),
            },
            None => RecordRef {
                kind: first.stream.clone(),
                id: None,
            },
        })
    }
}

/// The id of the permission request recorded at `seq`. Requests are numbered `PR-00001`, … in
/// the order recorded, so the newest are looked at first.
fn permission_request_at(state: &govledger_projections::State, seq: u64) -> Option<String> {
    (1..=state.counts().permission_requests)
        .rev()
        .map(|n| format!("PR-{n:05}"))
        .find(|id| {
            state
                .permission_request(id)
                .is_some_and(|r| r.requested.seq == seq)
        })
}

/// Records one decision of kind `kind`. See the module doc; the OpenAPI document lists one
/// path per kind with its body schema.
pub async fn execute(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    body: CommandBody,
) -> Result<Response, Error> {
    let executed = state
        .ledger()
        .execute(CommandRequest {
            command: body.command,
            actor: admin.person.clone(),
            effective_at: body.effective_at,
            effective_at_defaulted: body.effective_at_defaulted,
            event_id: body.event_id,
            request_id: request_id(&headers),
            token: Some(admin.token_id.clone()),
        })
        .await
        .map_err(ledger_error)?;
    if let Some(last) = executed.events.last() {
        state.announce(last.seq);
    }
    let (first, last) = match (executed.events.first(), executed.events.last()) {
        (Some(f), Some(l)) => (f.seq, l.seq),
        _ => return Err(Error::Internal("a command recorded no event".into())),
    };
    let record = state
        .ledger()
        .read(|s| RecordRef::of(&executed.events, s))
        .ok_or_else(|| Error::Internal("a command recorded no event".into()))?;
    let events = executed
        .events
        .into_iter()
        .map(|c| CommittedView {
            seq: c.seq,
            id: c.id,
            hash: c.hash.to_hex(),
            stream: c.stream,
            version: c.version,
            event_type: c.event_type,
        })
        .collect();
    if !executed.replayed {
        tracing::info!(actor = %admin.person, first, last, "command recorded");
    }
    let status = if executed.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(CommandResult {
            record,
            events,
            replayed: executed.replayed,
        }),
    )
        .into_response())
}

/// The first field of `fields` whose value does not fit the schema of `kind`'s variant.
fn first_misfit(kind: &str, fields: &serde_json::Map<String, Value>) -> Option<String> {
    let (_, variant) = KINDS.iter().find(|(k, _)| k == kind)?;
    let props = variant.get("properties")?.as_object()?;
    fields
        .iter()
        .find(|(name, value)| props.get(*name).is_some_and(|s| !fits(s, value, 0)))
        .map(|(name, _)| name.clone())
}

/// Whether `v` fits `schema` as far as types, constants, enums, references, array items and
/// object members go: enough to name a field, and to refuse what serde would read leniently.
/// Missing and unknown members are left to the deserializer.
fn fits(schema: &Value, v: &Value, depth: u8) -> bool {
    if depth > 8 {
        return true;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .strip_prefix("#/$defs/")
            .and_then(|name| COMMAND_SCHEMA.get("$defs")?.get(name));
        return target.is_none_or(|t| fits(t, v, depth + 1));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            return options.iter().any(|o| fits(o, v, depth + 1));
        }
    }
    if let Some(c) = schema.get("const") {
        return c == v;
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e.contains(v);
    }
    let type_ok = |t: &str| match t {
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "null" => v.is_null(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    let ok = match schema.get("type") {
        Some(Value::String(t)) => type_ok(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(type_ok),
        _ => true,
    };
    if !ok {
        return false;
    }
    match (schema.get("items"), schema.get("properties"), v) {
        (Some(items), _, Value::Array(vs)) => vs.iter().all(|x| fits(items, x, depth + 1)),
        (_, Some(Value::Object(props)), Value::Object(members)) => members
            .iter()
            .all(|(name, x)| props.get(name).is_none_or(|s| fits(s, x, depth + 1))),
        _ => true,
    }
}

fn invalid(field: &str, detail: impl Into<String>) -> Error {
    Error::InvalidBody {
        field: format!("body.{field}"),
        detail: detail.into(),
    }
}

fn ledger_error(e: LedgerError) -> Error {
    match e {
        LedgerError::Refused(r) => Error::Refused(r),
        LedgerError::IdReused(id) => Error::IdReused(id.to_string()),
        LedgerError::AlreadyInitialised(seq) => Error::IdReused(format!("genesis (head {seq})")),
        LedgerError::Invalid(detail) => Error::InvalidBody {
            field: "body".into(),
            detail,
        },
        LedgerError::Store(e) => e.into(),
        LedgerError::TokenRevoked(_) => Error::Unauthorized("the token has been revoked"),
        LedgerError::Interrupted => {
            Error::Unavailable("the decision was not recorded; retry with the same event_id".into())
        }
    }
}

/// OpenAPI path items, one per kind, generated from [`Command`]'s JSON Schema: the body is the
/// variant's fields (without `kind`, which is the path) plus `effective_at` and `event_id`.
/// Returns `(paths, schemas)` to merge into the document; `$defs` become component schemas
/// named `Command.<name>`.
pub fn openapi_paths() -> (
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
) {
    let mut schemas = serde_json::Map::new();
    if let Some(Value::Object(defs)) = COMMAND_SCHEMA.get("$defs") {
        for (name, schema) in defs {
            schemas.insert(format!("Command.{name}"), rewrite_refs(schema.clone()));
        }
    }
    let problem = |d: &str| {
        serde_json::json!({
            "description": d,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    let mut paths = serde_json::Map::new();
    for (kind, variant) in KINDS.iter() {
        let mut body = rewrite_refs(variant.clone());
        let doc = body
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut) {
            props.remove("kind");
            props.insert(
                EFFECTIVE_AT.into(),
                serde_json::json!({"type": "string", "description": "When the decision takes effect: YYYY-MM-DD (00:00 JST) or RFC 3339 in whole seconds; default now"}),
            );
            props.insert(
                EVENT_ID.into(),
                serde_json::json!({"type": "string", "format": "uuid", "description": "Chosen by the client for safe retries: the same id and body returns the original events"}),
            );
        }
        if let Some(req) = body.get_mut("required").and_then(Value::as_array_mut) {
            req.retain(|r| r != "kind");
        }
        let mut op = serde_json::json!({
            "tags": ["commands"],
            "operationId": kind,
            "summary": format!("Record the decision `{kind}`"),
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": {
                "201": {"description": "Recorded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandResult"}}}},
                "200": {"description": "A retry with the same event_id and body: the original events, replayed: true", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CommandResult"}}}},
                "400": problem("Malformed JSON"),
                "401": problem("No or bad token"),
                "403": problem("Not an admin token"),
                "409": problem("The event_id was used for a different request"),
                "413": problem("Body too large"),
                "422": problem("Unknown, missing or wrong-typed field (named in `field`), or refused by a rule (`rule`, `article`, `article_text`; `detail` in the language of `Accept-Language`)"),
            },
            "security": [{"bearer": []}],
        });
        let described = describe(kind, doc.as_deref());
        if let Some(o) = op.as_object_mut() {
            o.insert("description".into(), Value::String(described));
        }
        paths.insert(
            format!("{}{kind}", super::COMMANDS_PREFIX),
            serde_json::json!({ "post": op }),
        );
    }
    (paths, schemas)
}

/// The description of `POST /v1/commands/{kind}`: the variant's doc comment, then the act's
/// spec (its articles, who may do it, its preconditions in the order the rule checks them), in
/// Japanese and English, as [`crate::rules::spec`] gives it.
pub fn describe(kind: &str, doc: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(doc) = doc {
        out.push_str(doc);
        out.push_str("\n\n");
    }
    let Some(spec) = CommandKind::parse(kind).map(CommandKind::spec) else {
        return out;
    };
    let cites: Vec<&str> = spec.articles.iter().map(|a| a.cite).collect();
    out.push_str(&format!(
        "**根拠条文 / Articles:** {}\n\n",
        cites.join(", ")
    ));
    out.push_str(&format!(
        "**実行者 / Who:** {} / {}\n\n",
        spec.who.ja, spec.who.en
    ));
    out.push_str("**前提条件（確認の順） / Preconditions, in the order checked:**\n\n");
    for (i, p) in spec.preconditions.iter().enumerate() {
        out.push_str(&format!("{}. {} / {}\n", i + 1, p.ja, p.en));
    }
    out.push_str("\n**すべての決定に共通 / Every decision, first:** ");
    let common: Vec<String> = COMMON_PRECONDITIONS
        .iter()
        .map(|p| format!("{} / {}", p.ja, p.en))
        .collect();
    out.push_str(&common.join("; "));
    out.push_str(
        "\n\nA refusal is a 422 naming the `rule`, the `article` and its `article_text`; its \
         `detail` is in the language of `Accept-Language` (`ja`, the default, or `en`).",
    );
    out
}

fn rewrite_refs(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => (
                        k,
                        // Prefixed: the command's `Role` is not the token `Role`.
                        Value::String(r.replace("#/$defs/", "#/components/schemas/Command.")),
                    ),
                    (_, v) => (k, rewrite_refs(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(rewrite_refs).collect()),
        other => other,
    }
}

//! `GET /v1/commands/{kind}/options?as_of=`: the valid choices for each member of a decision
//! that names a record (a person, a post, an asset, an open modification, …), so a client
//! never guesses an id. The same function fills the web view's selects
//! ([`crate::workspace::options`]); which members name records is the command schema's
//! `x-ref` (one source of truth with the body schema of `POST /v1/commands/{kind}`).

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::{AppState, Error};
use crate::jst;
use crate::workspace::fields::{self, Field, Input, RefKind};
use crate::workspace::options::{Choice, choices};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OptionsQuery {
    /// The decision's effective date: `YYYY-MM-DD` (00:00 JST) or RFC 3339; default now.
    pub as_of: Option<String>,
}

/// The choices of one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOptions {
    /// The member's path in the body: `person_id`, `addressee.post_id` (in a tagged object),
    /// `entries.person_id` (in each row of a list).
    pub member: String,
    /// What it names: `person`, `post`, `officer_post`, `unit`, `bureau`, `asset`,
    /// `modification`, `retirement`, `security_request`, `permission_request`, `meeting`,
    /// `incident` (the schema's `x-ref`).
    #[schema(value_type = String)]
    pub r#ref: RefKind,
    /// True when the member is a list of them.
    pub multiple: bool,
    pub required: bool,
    pub choices: Vec<Choice>,
}

/// The valid choices of every member of a decision kind that names a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionsView {
    pub kind: String,
    /// RFC 3339, the moment the choices are valid at.
    pub as_of: String,
    pub members: Vec<MemberOptions>,
}

fn members(fields: &[Field], prefix: &str, out: &mut Vec<(String, RefKind, bool, bool)>) {
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        match &f.input {
            Input::Ref(k) => out.push((name, *k, false, f.required)),
            Input::Refs(k) => out.push((name, *k, true, f.required)),
            Input::Tagged(variants) => {
                for (_, fs) in variants {
                    members(fs, &format!("{name}."), out);
                }
            }
            Input::Rows(fs) => members(fs, &format!("{name}."), out),
            _ => {}
        }
    }
}

/// Valid choices for each member of a decision kind
#[utoipa::path(
    get,
    path = "/v1/commands/{kind}/options",
    tag = "commands",
    params(("kind" = String, Path, description = "A decision kind, e.g. `grant_permission`"), OptionsQuery),
    responses(
        (status = 200, description = "The valid choices of each member that names a record", body = OptionsView),
        (status = 400, description = "A bad `as_of`", body = super::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such decision kind", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn options(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<OptionsQuery>,
) -> Result<axum::Json<OptionsView>, Error> {
    let form = fields::form(&kind).ok_or_else(|| {
        Error::NotFound(format!(
            "no decision kind {kind:?}; see /v1/openapi.json for the kinds"
        ))
    })?;
    let as_of = match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => jst::parse(s).map_err(|e| Error::bad_param("as_of", e))?,
        None => jst::now(),
    };
    let mut list = Vec::new();
    members(&form.fields, "", &mut list);
    let members = state.ledger().read(|st| {
        let l = st.lens(as_of, None);
        list.into_iter()
            .map(|(member, r, multiple, required)| MemberOptions {
                member,
                r#ref: r,
                multiple,
                required,
                choices: choices(&l, r),
            })
            .collect()
    });
    Ok(axum::Json(OptionsView {
        kind,
        as_of: as_of.to_rfc3339(),
        members,
    }))
}

//! Bearer authentication and the admin-only token endpoint.
//!
//! Every `/v1/` route except the OpenAPI document needs `Authorization: Bearer glt_…`. No
//! header: 401 with `WWW-Authenticate: Bearer`; a malformed, unknown, wrong or revoked token:
//! 401. Auditor tokens may only read: any other method than GET/HEAD is 403, decided here
//! once for every present and future write route — except `POST /v1/checkpoint`, which signs
//! a checkpoint and writes nothing to the ledger. Handlers find the [`Caller`] in the
//! request's extensions (or take [`Admin`] as an extractor).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::Error;
use super::extract::Json;
use super::tokens::{self, AuthFailure, Caller, IssuedToken, Role, TokenError};
use super::{AppState, request_id};

/// Middleware: authenticates the bearer token and enforces read-only auditors.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, Error> {
    let caller = authenticate(&state, req.headers()).await?;
    let read_only = req.method().is_safe();
    // Signing a checkpoint appends nothing to the ledger: auditors may ask for one.
    let signs_checkpoint =
        req.method() == axum::http::Method::POST && req.uri().path() == super::proofs::SIGN_ROUTE;
    if !read_only && !signs_checkpoint && caller.role != Role::Admin {
        return Err(Error::Forbidden(
            "auditor tokens may only read; this needs an admin token",
        ));
    }
    tracing::debug!(person = %caller.person, role = caller.role.as_str(), "authenticated");
    req.extensions_mut().insert(caller);
    Ok(next.run(req).await)
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Error::Unauthorized(
            "a bearer token is required (Authorization: Bearer glt_…)",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(Error::Unauthorized(
            "the Authorization header must read `Bearer <token>`",
        ))?;
    match tokens::authenticate(state.store(), token).await? {
        Ok(caller) => Ok(caller),
        Err(AuthFailure::Malformed) => Err(Error::Unauthorized(
            "the token is not of the form glt_<id>_<secret>",
        )),
        Err(AuthFailure::Unknown) => Err(Error::Unauthorized("unknown token")),
        Err(AuthFailure::Revoked) => Err(Error::Unauthorized("the token has been revoked")),
    }
}

/// The authenticated caller, who must hold an admin token.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(c) if c.role == Role::Admin => Ok(Admin(c.clone())),
            Some(_) => Err(Error::Forbidden("this needs an admin token")),
            None => Err(Error::Unauthorized("a bearer token is required")),
        }
    }
}

/// `POST /v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokenRequest {
    /// The person the new token acts for.
    pub person: String,
    pub role: Role,
}

/// Issues a token (admins only). The secret is in this response and nowhere else; the issue
/// is recorded as a `token.issued.v1` event whose actor is the calling admin.
#[utoipa::path(
    post,
    path = "/v1/tokens",
    tag = "tokens",
    request_body = IssueTokenRequest,
    responses(
        (status = 201, description = "Issued; the secret is shown once", body = IssuedToken),
        (status = 400, description = "Malformed JSON", body = super::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = super::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = super::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = super::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown field, wrong type or bad person", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    Json(body): Json<IssueTokenRequest>,
) -> Result<Response, Error> {
    let issued = tokens::issue(
        state.store(),
        &body.person,
        body.role,
        &admin.person,
        request_id(&headers),
    )
    .await
    .map_err(token_error)?;
    state.announce(issued.seq);
    tracing::info!(token_id = %issued.id, person = %issued.person, role = issued.role.as_str(), by = %admin.person, "token issued");
    Ok((StatusCode::CREATED, axum::Json(issued)).into_response())
}

fn token_error(e: TokenError) -> Error {
    match e {
        TokenError::BadPerson(detail) => Error::InvalidBody {
            field: "body.person".into(),
            detail: detail.into(),
        },
        TokenError::Unknown(id) => Error::NotFound(format!("no token with id {id}")),
        TokenError::AlreadyRevoked(id) => Error::NotFound(format!("token {id} is revoked")),
        TokenError::Random(e) => Error::Internal(e),
        TokenError::Store(e) => e.into(),
    }
}

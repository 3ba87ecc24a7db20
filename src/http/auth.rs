//! Bearer authentication and the admin-only token endpoint.
//!
//! Every `/v1/` route except the OpenAPI document needs `Authorization: Bearer glt_…`. No
//! header: 401 with `WWW-Authenticate: Bearer`; a malformed, unknown, wrong or revoked token:
//! 401. Auditor tokens may only read: any other method than GET/HEAD is 403, decided here
//! once for every present and future write route — except `POST /v1/checkpoint`, which signs
//! a checkpoint and writes nothing to the ledger. Handlers find the [`Caller`] in the
//! request's extensions (or take [`Admin`] as an extractor).
//!
//! Failed authentication is rate limited per client IP ([`FailedAuthLimiter`]): after
//! [`FAILED_AUTH_BURST`] failures the client gets 429 with `Retry-After` for every request that
//! carries a token, a good one included, until its allowance refills (one attempt per
//! [`FAILED_AUTH_REFILL`]). Letting a good token through would tell a guesser when it guessed
//! right; a legitimate client behind the same address waits, which is the lesser harm.
//! The web view (`src/web`) counts against the same limiter: its login form, login codes,
//! `POST /ui/login-codes` and session cookies are secrets presented like a bearer token.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
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
    let client = state.client_ip(req.headers(), req.extensions());
    let limiter = state.failed_auth();
    if req.headers().contains_key(header::AUTHORIZATION) {
        limiter.admit(client)?;
    }
    // A decision's token is checked for revocation by the ledger, under the write lock,
    // in one read per batch rather than one per request (see `authenticate_for_decision`).
    let decision = req.method() == axum::http::Method::POST
        && req.uri().path().starts_with(super::COMMANDS_PREFIX);
    let caller = match authenticate(&state, req.headers(), decision).await {
        Ok(caller) => caller,
        Err(e @ Error::Unauthorized(_)) => {
            // A missing header is no guess; a presented token that fails is.
            if req.headers().contains_key(header::AUTHORIZATION) {
                limiter.record_failure(client, Instant::now());
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
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

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    decision: bool,
) -> Result<Caller, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Error::Unauthorized(
            "a bearer token is required (Authorization: Bearer glt_…)",
        ));
    };
    // A token pasted with "…" (or any other byte no token has) was cut short when copied;
    // say so rather than that the header is not `Bearer <token>`.
    if let Some(presented) = value
        .as_bytes()
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
        .and_then(|_| value.as_bytes().get(7..))
        && presented
            .trim_ascii()
            .iter()
            .any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')))
    {
        return Err(Error::Unauthorized(
            "the token has a character no token has (such as …): it was truncated or mangled when copied; send the whole glt_<id>_<secret>",
        ));
    }
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(Error::Unauthorized(
            "the Authorization header must read `Bearer <token>`",
        ))?;
    let result = if decision {
        tokens::authenticate_for_decision(state.store(), state.token_cache(), token).await?
    } else {
        tokens::authenticate(state.store(), token).await?
    };
    match result {
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

/// Issues a token (admin tokens of the system administrator only, 第4条第1項, to a person the
/// ledger knows). The secret is in this response and nowhere else; the issue is recorded as a
/// `token.issued.v1` event whose actor is the calling admin.
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
        (status = 422, description = "Unknown field, wrong type or bad person; or refused naming the rule and article (the caller is not the system administrator, 第4条第1項, or the person is not known to the ledger); nothing recorded", body = super::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn issue_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    Json(body): Json<IssueTokenRequest>,
) -> Result<Response, Error> {
    // The actor is the calling token's own person, who must be the system administrator now.
    let issued = tokens::issue(
        state.ledger(),
        &body.person,
        body.role,
        &tokens::Issuer::Person(admin.person.clone()),
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
        TokenError::Refused(r) => Error::Refused(r),
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

/// The reverse proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`): behind a
/// proxy every request comes from the proxy's address, so without them one client's failed
/// guesses would make the failed-authentication limiter refuse everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8`, `192.0.2.7` or `::1` (a bare address is a /32 or /128).
    pub fn parse_one(s: &str) -> Result<ipnet::IpNet, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| format!("{s:?} is neither an IP address nor a CIDR block"))
    }

    pub fn new(nets: Vec<ipnet::IpNet>) -> TrustedProxies {
        TrustedProxies(nets)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client a request is from: its TCP `peer`, unless the peer is a trusted proxy; then
    /// the rightmost `X-Forwarded-For` address that is not itself a trusted proxy (each proxy
    /// appends the address it was reached from, so what lies left of the first untrusted hop
    /// could be written by the client and is never believed). A malformed entry stops the walk
    /// at the last address believed.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?;
        if !self.trusts(client) {
            return Some(client);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// The TCP peer of a request (as the connection loop recorded it).
pub fn peer_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Failed authentications a client may make in a burst.
pub const FAILED_AUTH_BURST: u32 = 20;
/// One failed attempt of the allowance comes back this often.
pub const FAILED_AUTH_REFILL: Duration = Duration::from_secs(3);
/// Clients tracked at most; beyond it, clients whose allowance has refilled are forgotten
/// first, then any (the map never grows without bound).
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// A token bucket of failed authentications per client IP, in this process's memory.
#[derive(Debug, Default)]
pub struct FailedAuthLimiter {
    buckets: std::sync::Mutex<HashMap<Option<IpAddr>, Bucket>>,
    /// Failed authentications counted (for `/metrics`).
    pub failures: prometheus_client::metrics::counter::Counter,
    /// Requests answered 429 because their client used up its allowance (for `/metrics`).
    pub rate_limited: prometheus_client::metrics::counter::Counter,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Attempts left, fractional while refilling.
    allowance: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> f64 {
        let back =
            now.saturating_duration_since(self.at).as_secs_f64() / FAILED_AUTH_REFILL.as_secs_f64();
        (self.allowance + back).min(f64::from(FAILED_AUTH_BURST))
    }
}

impl FailedAuthLimiter {
    /// How long `client` must wait, when its failures have used up its allowance.
    pub fn blocked(&self, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let left = buckets.get(&client)?.refilled(now);
        (left < 1.0).then(|| FAILED_AUTH_REFILL.mul_f64(1.0 - left))
    }

    /// 429 while `client` has used up its allowance: ask this before checking any secret it
    /// presents.
    pub fn admit(&self, client: Option<IpAddr>) -> Result<(), Error> {
        match self.blocked(client, Instant::now()) {
            None => Ok(()),
            Some(wait) => {
                self.rate_limited.inc();
                tracing::warn!(client = ?client, "too many failed authentications");
                Err(Error::TooManyFailedAuth {
                    // Rounded up: a client that waits this long is let in.
                    retry_after_s: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
                })
            }
        }
    }

    /// Counts one failed authentication of `client`.
    pub fn record_failure(&self, client: Option<IpAddr>, now: Instant) {
        self.failures.inc();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&client) {
            let full = f64::from(FAILED_AUTH_BURST);
            buckets.retain(|_, b| b.refilled(now) < full);
            if buckets.len() >= MAX_TRACKED_CLIENTS
                && let Some(any) = buckets.keys().next().copied()
            {
                buckets.remove(&any);
            }
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            allowance: f64::from(FAILED_AUTH_BURST),
            at: now,
        });
        *bucket = Bucket {
            allowance: (bucket.refilled(now) - 1.0).max(0.0),
            at: now,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_blocked_after_its_burst_and_let_in_again_after_a_refill() {
        let limiter = FailedAuthLimiter::default();
        let (a, b) = (
            Some(IpAddr::from([10, 0, 0, 1])),
            Some(IpAddr::from([10, 0, 0, 2])),
        );
        let t0 = Instant::now();
        for _ in 0..FAILED_AUTH_BURST {
            assert_eq!(limiter.blocked(a, t0), None);
            limiter.record_failure(a, t0);
        }
        let wait = limiter.blocked(a, t0).unwrap_or_default();
        assert!(
            wait > Duration::ZERO && wait <= FAILED_AUTH_REFILL,
            "{wait:?}"
        );
        assert_eq!(limiter.blocked(b, t0), None, "keyed by client");
        assert_eq!(limiter.blocked(a, t0 + FAILED_AUTH_REFILL), None);
    }

    #[test]
    fn the_map_of_clients_stays_bounded() {
        let limiter = FailedAuthLimiter::default();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED_CLIENTS as u32 + 50) {
            limiter.record_failure(Some(IpAddr::from(i.to_be_bytes())), t0);
        }
        let len = limiter
            .buckets
            .lock()
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        assert!(len <= MAX_TRACKED_CLIENTS, "{len}");
    }
}

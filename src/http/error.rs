//! Every error the HTTP API answers with, as RFC 9457 `application/problem+json`.
//!
//! Handlers return [`Error`]; its status and public text are decided here, in one place.
//! Operating errors (database, corrupt rows) are logged with their detail and answered with a
//! generic text: a client never sees an internal message. The `instance` member is the request
//! id, filled in by [`problem_layer`], which also turns any other error response (an unknown
//! route, a wrong method, a timeout) into a problem document.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::rules::{Lang, Refusal};
use crate::store::{ExpectedVersion, StoreError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Base of the `type` URIs; each kind of problem has its own fragment-free path.
const TYPE_BASE: &str = "https://govledger.invalid/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, the same for every occurrence of this kind.
    pub title: String,
    pub status: u16,
    /// What went wrong this time, safe to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id (`x-request-id`), to find the request in the server's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The input field at fault (`limit`, `body.role`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule that refused a command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The article of the regulation that rule rests on, e.g. `第6条第2項`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The article's text, quoted from the regulation (a joint citation: each provision on
    /// its own line, after its citation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_text: Option<String>,
    /// Stream conflicts: the stream, the version the client expected and the actual one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Problem {
        Problem {
            kind: format!("{TYPE_BASE}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            field: None,
            rule: None,
            article: None,
            article_text: None,
            stream: None,
            expected: None,
            actual: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn render(&self) -> Response {
        let body = serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec());
        let mut res = (self.status_code(), body).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        res
    }
}

/// Why a request failed. Each variant has one status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no usable credentials. `WWW-Authenticate: Bearer` is sent.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: authenticated, but this role may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 404: a filter names something the ledger does not know (`?asset=A99`), which would
    /// otherwise read as an empty answer.
    #[error("unknown {what} {value}{hint}")]
    Unknown {
        field: String,
        what: &'static str,
        value: String,
        /// Said after the value, e.g. "; ids are case-sensitive: A01".
        hint: String,
    },
    /// 400: a query or path parameter is not acceptable.
    #[error("{field}: {detail}")]
    BadParameter { field: String, detail: String },
    /// 400: the body is not JSON at all.
    #[error("{0}")]
    MalformedBody(String),
    /// 415: the body is not declared as JSON.
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    /// 422: JSON, but not the shape this endpoint takes (unknown field, wrong type, missing).
    #[error("{field}: {detail}")]
    InvalidBody { field: String, detail: String },
    /// 408: the client did not send its body in time (`serve --body-timeout`).
    #[error("{0}")]
    RequestTimeout(String),
    /// 413.
    #[error("the body is larger than {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    /// 409: the stream is not at the version the client expected, or an id is taken.
    #[error(transparent)]
    Conflict(StoreError),
    /// 409: a client-chosen event id was already used for a different request.
    #[error("event id {0} was already used for a different request")]
    IdReused(String),
    /// 422: a rule of the regulation refused the command; nothing was recorded. The detail is
    /// in the request's language (`Accept-Language`, see [`problem_layer`]).
    #[error(transparent)]
    Refused(Refusal),
    /// 429: too many failed authentications from this client; `Retry-After` is sent.
    #[error("too many failed authentications; retry after {retry_after_s} s")]
    TooManyFailedAuth { retry_after_s: u64 },
    /// 503: the database cannot be reached now; the detail is logged only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or corrupt data; the detail is logged only.
    #[error("internal: {0}")]
    Internal(String),
    /// 500: the stored log contradicts itself or what was signed (changed outside govledger);
    /// the detail is shown, since it names what an auditor must look at, and nothing is signed
    /// or appended while it stands.
    #[error("{0}")]
    Integrity(String),
}

impl Error {
    pub fn bad_param(field: &str, detail: impl Into<String>) -> Error {
        Error::BadParameter {
            field: field.to_owned(),
            detail: detail.into(),
        }
    }

    /// [`Error::Unknown`] for `value` of parameter `field`, which names a `what`.
    pub fn unknown(field: &str, what: &'static str, value: &str, hint: Option<String>) -> Error {
        // The value is echoed; a long one is cut (it is the client's own input anyway).
        let mut shown: String = value.chars().take(100).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        Error::Unknown {
            field: field.to_owned(),
            what,
            value: shown,
            hint: hint.map(|h| format!("; {h}")).unwrap_or_default(),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Error {
        Error::Internal(e.to_string())
    }

    /// The problem document a client sees, in Japanese (the default language).
    pub fn problem(&self) -> Problem {
        self.problem_in(Lang::Ja)
    }

    /// The problem document a client sees, its `detail` in `lang` where the error has one in
    /// each language (a rule's refusal, and the fixed texts of 503 and 500); `title`, `type`
    /// and `field` do not change with the language.
    pub fn problem_in(&self, lang: Lang) -> Problem {
        use StatusCode as S;
        let pick = |ja: &'static str, en: &'static str| match lang {
            Lang::Ja => ja,
            Lang::En => en,
        };
        match self {
            Error::Unauthorized(d) => {
                Problem::new(S::UNAUTHORIZED, "unauthorized", "Authentication required").detail(*d)
            }
            Error::Forbidden(d) => {
                Problem::new(S::FORBIDDEN, "forbidden", "Not allowed for this role").detail(*d)
            }
            Error::NotFound(d) => Problem::new(S::NOT_FOUND, "not-found", "Not found").detail(d),
            Error::Unknown { field, .. } => {
                let mut p = Problem::new(S::NOT_FOUND, "unknown-value", "Not in the ledger")
                    .detail(self.to_string());
                p.field = Some(field.clone());
                p
            }
            Error::BadParameter { field, detail } => {
                let mut p = Problem::new(S::BAD_REQUEST, "bad-parameter", "Invalid parameter")
                    .detail(format!("{field}: {detail}"));
                p.field = Some(field.clone());
                p
            }
            Error::MalformedBody(d) => Problem::new(
                S::BAD_REQUEST,
                "malformed-body",
                "The body is not valid JSON",
            )
            .detail(d),
            Error::UnsupportedMediaType => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            )
            .detail(self.to_string()),
            Error::InvalidBody { field, detail } => {
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid-body",
                    "The body does not match the schema",
                )
                .detail(format!("{field}: {detail}"));
                p.field = Some(field.clone());
                p
            }
            Error::RequestTimeout(d) => Problem::new(
                S::REQUEST_TIMEOUT,
                "request-timeout",
                "The request's body arrived too slowly",
            )
            .detail(format!("{d}; send it again, faster")),
            Error::PayloadTooLarge { .. } => {
                Problem::new(S::PAYLOAD_TOO_LARGE, "payload-too-large", "Body too large")
                    .detail(self.to_string())
            }
            Error::Conflict(e) => {
                let mut p = Problem::new(S::CONFLICT, "conflict", "Conflict").detail(e.to_string());
                if let StoreError::WrongExpectedVersion {
                    stream,
                    expected,
                    actual,
                } = e
                {
                    p.stream = Some(stream.clone());
                    p.expected = Some(match expected {
                        ExpectedVersion::Exact(v) => v.to_string(),
                        other => other.to_string(),
                    });
                    p.actual = Some(*actual);
                }
                p
            }
            Error::IdReused(_) => Problem::new(S::CONFLICT, "event-id-reused", "Conflict").detail(
                format!("{self}; a retry must send the same body, a new decision a new event_id"),
            ),
            Error::Refused(r) => {
                let detail = match lang {
                    Lang::Ja => format!("{}に反する ({}): {}", r.article, r.rule, r.message.ja),
                    Lang::En => format!("contrary to {} ({}): {}", r.article, r.rule, r.message.en),
                };
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "refused-by-rule",
                    "Refused by a rule of the regulation",
                )
                .detail(detail);
                p.rule = Some(r.rule.to_owned());
                p.article = Some(r.article.to_owned());
                p.article_text = Some(r.article_text());
                p
            }
            Error::TooManyFailedAuth { .. } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "too-many-failed-authentications",
                "Too many failed authentications",
            )
            .detail(self.to_string()),
            Error::Unavailable(_) => {
                Problem::new(S::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable").detail(
                    pick(
                        "データベースに接続できません。しばらくしてから再度お試しください",
                        "the database cannot be reached; try again later",
                    ),
                )
            }
            Error::Integrity(d) => Problem::new(
                S::INTERNAL_SERVER_ERROR,
                "integrity",
                "The stored ledger failed an integrity check",
            )
            .detail(d),
            Error::Internal(_) => Problem::new(
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            )
            .detail(pick(
                "サーバの障害です。サーバのログでリクエスト id を探してください",
                "the server failed; the request id names it in the server's log",
            )),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        if e.is_conflict() {
            return Error::Conflict(e);
        }
        match e {
            StoreError::Invalid(govledger_schema::EnvelopeError::Field(field, detail)) => {
                Error::InvalidBody {
                    field: field.to_owned(),
                    detail,
                }
            }
            StoreError::Invalid(other) => Error::InvalidBody {
                field: "body".into(),
                detail: other.to_string(),
            },
            // A lost connection during a commit is 503 too: the retry (same event id) finds
            // out whether it was recorded.
            other if other.is_unreachable() => Error::Unavailable(other.to_string()),
            e @ StoreError::Integrity { .. } => Error::Integrity(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match &self {
            Error::Internal(_) | Error::Unavailable(_) | Error::Integrity(_) => {
                tracing::error!(error = %self, "request failed");
            }
            _ => tracing::debug!(error = %self, "request refused"),
        }
        let problem = self.problem();
        let mut res = problem.render();
        res.extensions_mut()
            .insert(InEnglish(self.problem_in(Lang::En)));
        if matches!(self, Error::Unauthorized(_)) {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"govledger\""),
            );
        }
        if let Error::TooManyFailedAuth { retry_after_s } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        res.extensions_mut().insert(problem);
        res
    }
}

/// The English problem of an [`Error`] response, beside its Japanese one; [`problem_layer`]
/// answers whichever the request asks for.
#[derive(Debug, Clone)]
struct InEnglish(Problem);

/// Takes an [`Error`] response's problem in `lang` out of it (`None` if it is no `Error`'s):
/// what [`problem_layer`] answers, and what a page rendering the error in its own language
/// shows.
pub fn take_problem(res: &mut Response, lang: Lang) -> Option<Problem> {
    let english = res.extensions_mut().remove::<InEnglish>();
    let japanese = res.extensions_mut().remove::<Problem>();
    match (lang, english) {
        (Lang::En, Some(InEnglish(p))) => Some(p),
        _ => japanese,
    }
}

/// The language a request asks for in `Accept-Language`: of `ja` and `en` (a tag counts by
/// its primary subtag: `en-GB` is `en`), the one with the highest q-value, the first named on
/// a tie; Japanese when it names neither (or has no such header).
pub fn preferred_lang(headers: &axum::http::HeaderMap) -> Lang {
    let mut best: Option<(Lang, f32)> = None;
    for value in headers.get_all(header::ACCEPT_LANGUAGE) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut params = range.split(';');
            let tag = params.next().unwrap_or("").trim().to_ascii_lowercase();
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            let q = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
    }
    best.map_or(Lang::Ja, |(lang, _)| lang)
}

/// Middleware: answers an [`Error`]'s problem in the request's language ([`preferred_lang`]),
/// stamps the request id into every problem as `instance`, and turns any error response that is
/// not yet a problem (404 of an unknown route, 405, a timeout, a panic) into one.
pub async fn problem_layer(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let lang = preferred_lang(req.headers());
    let mut res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let mut problem = match take_problem(&mut res, lang) {
        Some(p) => p,
        None => {
            let is_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            // The web view (`/ui`) renders its own error pages.
            let is_page = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            if is_problem || is_page {
                return res;
            }
            generic_problem(status)
        }
    };
    problem.instance = request_id;
    let mut out = problem.render();
    // Keep headers such as WWW-Authenticate and Allow, but not the old body's framing.
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

fn generic_problem(status: StatusCode) -> Problem {
    use StatusCode as S;
    match status {
        S::NOT_FOUND => Problem::new(status, "not-found", "Not found")
            .detail("no such resource; see /v1/openapi.json for the routes"),
        S::METHOD_NOT_ALLOWED => Problem::new(status, "method-not-allowed", "Method not allowed")
            .detail("this route does not take that method; the Allow header lists those it takes"),
        S::PAYLOAD_TOO_LARGE => Problem::new(status, "payload-too-large", "Body too large"),
        S::REQUEST_TIMEOUT | S::SERVICE_UNAVAILABLE | S::GATEWAY_TIMEOUT => {
            Problem::new(status, "timeout", "The request took too long")
        }
        S::INTERNAL_SERVER_ERROR => Problem::new(status, "internal", "Internal server error")
            .detail("the server failed; the request id names it in the server's log"),
        _ => Problem::new(
            status,
            "error",
            status.canonical_reason().unwrap_or("Error"),
        ),
    }
}

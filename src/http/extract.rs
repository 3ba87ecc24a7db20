//! Extractors that answer bad input with our problem documents instead of axum's plain text:
//! a JSON body names the field at fault; a query string refuses unknown parameters.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::error::Error;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body. Syntax errors are 400, a wrong shape (unknown field, wrong type, missing
/// field) is 422 naming the field as `body.<path>`, a body over [`MAX_BODY_BYTES`] is 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge {
                    limit_bytes: MAX_BODY_BYTES,
                }
            } else {
                Error::MalformedBody("the body could not be read".into())
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses `bytes` as a `T`, classifying the error as [`Json`] describes.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            // Trailing characters after the value.
            de.end().map_err(|e| Error::MalformedBody(e.to_string()))?;
            Ok(value)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            Err(match inner.classify() {
                serde_json::error::Category::Data => Error::InvalidBody {
                    field: body_field(&path, &inner.to_string()),
                    detail: strip_position(&inner.to_string()),
                },
                _ => Error::MalformedBody(inner.to_string()),
            })
        }
    }
}

/// `body.<path>`; for unknown or missing fields serde reports the path of the enclosing
/// object, so the field's name comes from the message.
fn body_field(path: &str, message: &str) -> String {
    let named = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    let base = if path == "." || path.is_empty() {
        "body".to_owned()
    } else {
        format!("body.{path}")
    };
    match named {
        Some(name) if !base.ends_with(&format!(".{name}")) => format!("{base}.{name}"),
        _ => base,
    }
}

fn strip_position(message: &str) -> String {
    match message.rsplit_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message.to_owned(),
    }
}

/// A query string. Every parameter is taken as text (endpoints parse and name their own
/// fields); an unknown or repeated parameter is a 400 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query).map(Query).map_err(|e| {
            let message = e.to_string();
            let field = message
                .split_once("field `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map_or("query", |(name, _)| name);
            Error::bad_param(field, message.clone())
        })
    }
}

/// The largest seq, size or version a parameter may name: the stores keep them as signed
/// 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT), and the OpenAPI document says int64.
pub const MAX_WHOLE: u64 = i64::MAX.unsigned_abs();

/// `n`, when it is at most [`MAX_WHOLE`]; a larger number can name no seq, size or version.
pub fn int64(n: u64) -> Result<u64, String> {
    if n <= MAX_WHOLE {
        Ok(n)
    } else {
        Err(format!("{n} is larger than {MAX_WHOLE}"))
    }
}

/// `seq`, when it can name an event: seqs start at 1.
pub fn seq(seq: u64) -> Result<u64, String> {
    if seq == 0 {
        Err("seqs start at 1".into())
    } else {
        int64(seq)
    }
}

/// Parses an optional parameter with `parse`, naming `field` in the error.
pub fn param<T>(
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, Error> {
    value
        .map(|v| parse(v).map_err(|detail| Error::bad_param(field, detail)))
        .transpose()
}

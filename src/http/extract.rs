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
            } else if let Some(late) = find_cause::<BodyTimedOut>(&rejection) {
                Error::RequestTimeout(late.to_string())
            } else {
                Error::MalformedBody("the body could not be read".into())
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

pub use crate::conn::{BodyTimedOut, with_body_deadline};

/// The first error of type `E` in `error`'s chain of sources (extractors wrap body errors).
fn find_cause<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// Parses `bytes` as a `T`, classifying the error as [`Json`] describes.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // First, so that a member named twice is named as such whatever the target type makes
    // of it (a struct would say "duplicate field", a map would keep the last one).
    refuse_duplicate_members(bytes)?;
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

/// Reads a `T` out of a JSON value already parsed from a body (by [`parse_json`]), classifying
/// a wrong shape as [`parse_json`] does: the same field and detail, since only the position in
/// the text (which a value no longer has) differs.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => Error::InvalidBody {
                field: body_field(&path, &inner.to_string()),
                detail: strip_position(&inner.to_string()),
            },
            _ => Error::MalformedBody(inner.to_string()),
        }
    })
}

/// Refuses a JSON text in which an object names a member twice. serde keeps the last one
/// (`{"title":"a","title":"b"}` would record "b"), so what the client meant is unknowable;
/// the canonical decoder refuses them in event bodies for the same reason.
fn refuse_duplicate_members(bytes: &[u8]) -> Result<(), Error> {
    let found = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let walk = Members {
        path: "body".into(),
        found: &found,
    };
    // Only a whole, well-formed text is judged here; anything else (not JSON, nested too deep)
    // is left to the parse that follows, which names it as it always has.
    let whole = serde::de::DeserializeSeed::deserialize(walk, &mut de).is_ok() && de.end().is_ok();
    match found.into_inner() {
        Some(field) if whole => Err(Error::InvalidBody {
            field,
            detail: "a duplicate member: each member may appear once in an object".into(),
        }),
        _ => Ok(()),
    }
}

/// Walks a JSON value to its end, noting in `found` the path of the first member named twice.
struct Members<'a> {
    path: String,
    found: &'a std::cell::RefCell<Option<String>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Members<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Members<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let item = Members {
                path: format!("{}[{i}]", self.path),
                found: self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = format!("{}.{key}", self.path);
            if !seen.insert(key) {
                self.found.borrow_mut().get_or_insert_with(|| path.clone());
            }
            map.next_value_seed(Members {
                path,
                found: self.found,
            })?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicate(text: &str) -> Option<String> {
        match parse_json::<serde_json::Value>(text.as_bytes()) {
            Err(Error::InvalidBody { field, detail }) if detail.contains("duplicate member") => {
                Some(field)
            }
            _ => None,
        }
    }

    #[test]
    fn a_member_named_twice_in_one_object_is_refused_by_its_path() {
        assert_eq!(
            duplicate(r#"{"title":"a","title":"b"}"#).as_deref(),
            Some("body.title")
        );
        assert_eq!(
            duplicate(r#"{"a":{"b":[0,{"c":1,"c":1}]}}"#).as_deref(),
            Some("body.a.b[1].c")
        );
        // The same name in different objects, and escapes spelling other names, are fine.
        assert_eq!(duplicate(r#"[{"a":1},{"a":2}]"#), None);
        assert_eq!(duplicate(r#"{"a":{"a":1},"b":{"a":2}}"#), None);
        assert_eq!(duplicate(r#"{"a":1,"\u0061b":2}"#), None);
        // An escape spelling the same name is the same member.
        assert_eq!(
            duplicate(r#"{"a":1,"\u0061":2}"#).as_deref(),
            Some("body.a")
        );
        // Not JSON: still the parse error it always was.
        assert!(matches!(
            parse_json::<serde_json::Value>(br#"{"a":1,"a""#),
            Err(Error::MalformedBody(_))
        ));
    }
}

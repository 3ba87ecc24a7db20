//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Two writers share the primitives here: [`to_canonical_vec`] canonicalizes any
//! `serde_json::Value` (used for payloads, for the published test vectors and to check bodies on
//! import), and the event envelope writes its own fixed keys in sorted order directly
//! (`envelope.rs`), which is what makes appends fast. Both are checked byte-for-byte against the
//! RFC 8785 vectors in `tests/jcs_vectors.rs`.

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// NaN and the infinities have no JSON form (RFC 8785 §3.2.2.3).
    #[error("number {0} has no JSON representation")]
    NonFinite(String),
    /// Integers beyond ±2^53 are not exactly representable as IEEE-754 doubles (I-JSON, RFC 7493).
    #[error("integer {0} is not exactly representable as an IEEE-754 double")]
    UnsafeInteger(String),
}

/// The canonical bytes of `value`.
pub fn to_canonical_vec(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value)?;
    Ok(out)
}

/// Whether `value` has a canonical form (what [`to_canonical_vec`] would refuse, it refuses
/// with the same error), without writing it: only numbers can fail, so only numbers that are
/// not plain safe integers are spelled (into a scratch buffer).
pub fn check_value(value: &Value) -> Result<(), CanonicalError> {
    match value {
        Value::Number(n) => {
            let safe = n.as_u64().is_some_and(|u| u <= 1 << 53)
                || n.as_i64().is_some_and(|i| i.unsigned_abs() <= 1 << 53);
            if !safe {
                write_number(&mut Vec::new(), n)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_value),
        Value::Object(map) => map.values().try_for_each(check_value),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

/// Appends the canonical form of `value` to `out`.
pub fn write_value(out: &mut Vec<u8>, value: &Value) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| cmp_utf16(a.0, b.0));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_value(out, item)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Orders two strings by their UTF-16 code units, as RFC 8785 requires. This differs from byte
/// order only when a character above U+FFFF (a surrogate pair, 0xD800..) meets one in
/// U+E000..U+FFFF, but that is exactly the case a naive sort gets wrong.
pub fn cmp_utf16(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

fn write_number(out: &mut Vec<u8>, n: &serde_json::Number) -> Result<(), CanonicalError> {
    // JSON numbers are IEEE-754 doubles here (RFC 8785 §3.2.2.3). Integers up to 2^53 print as
    // their digits, which is what ECMAScript prints too; larger ones must be exactly a double
    // (then they print as that double does), or they would silently change value.
    let (magnitude, negative) = match (n.as_u64(), n.as_i64()) {
        (Some(u), _) => (u, false),
        (None, Some(i)) => (i.unsigned_abs(), i < 0),
        (None, None) => {
            return match n.as_f64() {
                Some(f) => write_f64(out, f),
                None => Err(CanonicalError::NonFinite(n.to_string())),
            };
        }
    };
    if magnitude <= 1 << 53 {
        if negative {
            out.push(b'-');
        }
        write_u64(out, magnitude);
        return Ok(());
    }
    // Accept it when it is exactly a double, or when it is already the ECMAScript spelling of
    // the nearest double (which is what canonical output re-parses as); refuse the rest.
    let as_double = magnitude as f64;
    let mut spelled = Vec::new();
    write_f64(&mut spelled, as_double)?;
    let exact = as_double < 18_446_744_073_709_551_616.0 && as_double as u64 == magnitude;
    if !exact && spelled != magnitude.to_string().as_bytes() {
        return Err(CanonicalError::UnsafeInteger(n.to_string()));
    }
    if negative {
        out.push(b'-');
    }
    out.extend_from_slice(&spelled);
    Ok(())
}

/// Writes an IEEE-754 double as ECMAScript's `Number.prototype.toString` does (RFC 8785
/// §3.2.2.3). `ryu-js` implements exactly that algorithm; the Appendix B table checks it.
pub fn write_f64(out: &mut Vec<u8>, f: f64) -> Result<(), CanonicalError> {
    if !f.is_finite() {
        return Err(CanonicalError::NonFinite(f.to_string()));
    }
    if f == 0.0 {
        // Both +0 and -0 are "0".
        out.push(b'0');
        return Ok(());
    }
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format_finite(f).as_bytes());
    Ok(())
}

/// Writes a non-negative integer in decimal.
pub fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Writes a JSON string as RFC 8785 §3.2.2.2 requires: only `"`, `\` and the C0 controls are
/// escaped; `\b \t \n \f \r` use their short forms, the other controls `\u00xx` in lower case;
/// everything else, including non-ASCII, is written as UTF-8.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Parses `bytes` as JSON and checks that they are already in canonical form: the same value
/// re-encoded gives the same bytes. Rejects duplicate keys, insignificant whitespace, other
/// number spellings and non-UTF-8 input, because each of those re-encodes differently.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, NotCanonical> {
    let text = std::str::from_utf8(bytes).map_err(|e| NotCanonical::Utf8(e.valid_up_to()))?;
    let value: Value = serde_json::from_str(text).map_err(|e| NotCanonical::Json(e.to_string()))?;
    let again = to_canonical_vec(&value).map_err(NotCanonical::Value)?;
    if again != bytes {
        let at = again
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(bytes.len()));
        return Err(NotCanonical::Differs { at });
    }
    Ok(value)
}

/// Why bytes are not a canonical JSON text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotCanonical {
    #[error("not UTF-8 (invalid byte at offset {0})")]
    Utf8(usize),
    #[error("not JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Value(CanonicalError),
    #[error("not in RFC 8785 canonical form (first difference at byte {at})")]
    Differs { at: usize },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: Value, expect: &str) {
        let got = to_canonical_vec(&value).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), expect);
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_bytes() {
        // U+10000 is D800 DC00 in UTF-16, so it sorts before U+E000 although its UTF-8 is larger.
        check(
            json!({"\u{e000}": 1, "\u{10000}": 2}),
            "{\"\u{10000}\":2,\"\u{e000}\":1}",
        );
    }

    #[test]
    fn controls_escape_in_lower_case_and_del_stays_literal() {
        check(json!("\u{1}\u{1f}\u{7f}\n"), "\"\\u0001\\u001f\u{7f}\\n\"");
    }

    #[test]
    fn integers_that_are_not_exact_doubles_are_refused() {
        assert!(to_canonical_vec(&json!(9_007_199_254_740_993u64)).is_err());
        assert!(to_canonical_vec(&json!(u64::MAX)).is_err());
        check(json!(10_000_000_000_000_000_000u64), "10000000000000000000");
        // 2^60 is a double; ECMAScript spells it with trailing zeros, and that spelling re-parses.
        check(json!(1u64 << 60), "1152921504606847000");
        check(json!(1_152_921_504_606_847_000u64), "1152921504606847000");
        check(json!(9_007_199_254_740_991u64), "9007199254740991");
        check(json!(-9_007_199_254_740_991i64), "-9007199254740991");
    }

    #[test]
    fn non_canonical_bytes_are_refused_with_the_offset() {
        assert_eq!(parse_canonical(b"{\"a\":1}").unwrap(), json!({"a":1}));
        assert_eq!(
            parse_canonical(b"{\"a\": 1}"),
            Err(NotCanonical::Differs { at: 5 })
        );
        assert!(matches!(
            parse_canonical(b"{\"b\":1,\"a\":2}"),
            Err(NotCanonical::Differs { .. })
        ));
        assert!(matches!(
            parse_canonical(b"{\"a\":1,\"a\":2}"),
            Err(NotCanonical::Differs { .. })
        ));
        assert!(matches!(
            parse_canonical(b"\xff"),
            Err(NotCanonical::Utf8(0))
        ));
    }
}

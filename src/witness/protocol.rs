//! The add-checkpoint request body (c2sp.org/tlog-witness): `old <size>`, up to 63 base64
//! consistency-proof hashes, a blank line, then the signed checkpoint; every line ends in a
//! newline.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use govledger_schema::Digest32;

/// The spec's bound on proof lines (a proof between two u64 sizes is shorter).
pub const MAX_PROOF_LINES: usize = 63;

/// The largest request body a witness reads: 63 proof lines and a checkpoint with many
/// signatures fit in far less.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The content type of a 409 answer: the witness's latest size, in decimal, and a newline.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed add-checkpoint request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Digest32>,
    /// The signed checkpoint, as sent.
    pub note: Vec<u8>,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(old_size: u64, proof: &[Digest32], note: &str) -> String {
        let mut body = format!("old {old_size}\n");
        for hash in proof {
            body.push_str(&BASE64.encode(hash.0));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        body
    }

    /// Parses a request body strictly; the error names what is wrong.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, String> {
        if body.len() > MAX_REQUEST_BYTES {
            return Err(format!("the request is over {MAX_REQUEST_BYTES} bytes"));
        }
        let split = body
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or("no blank line between the consistency proof and the checkpoint")?;
        let head = std::str::from_utf8(&body[..split])
            .map_err(|_| "the old size and proof lines are not UTF-8")?;
        let note = body[split + 2..].to_vec();
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or("the first line is not `old <size>`")?;
        let old_size = parse_size(old).ok_or_else(|| {
            format!("old size {old:?} is not a decimal number without leading zeros")
        })?;
        let mut proof = Vec::new();
        for (i, line) in lines.enumerate() {
            if i >= MAX_PROOF_LINES {
                return Err(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                ));
            }
            let hash = BASE64
                .decode(line)
                .ok()
                .and_then(|raw| Digest32::from_slice(&raw))
                .ok_or_else(|| {
                    format!(
                        "consistency proof line {} is not the base64 of 32 bytes",
                        i + 1
                    )
                })?;
            proof.push(hash);
        }
        if note.is_empty() {
            return Err("no checkpoint after the blank line".into());
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note,
        })
    }
}

/// A tree size as the spec writes it: ASCII decimal, no sign, no leading zeros (but `0`).
pub fn parse_size(s: &str) -> Option<u64> {
    let ok =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    s.parse().ok().filter(|_| ok)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    const NOTE: &str = "o\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} o AAAA\n";

    #[test]
    fn a_request_reads_back_as_written() {
        let proof = vec![Digest32([1; 32]), Digest32([2; 32])];
        let body = AddCheckpoint::to_body(2, &proof, NOTE);
        let req = AddCheckpoint::parse(body.as_bytes()).unwrap();
        assert_eq!(req.old_size, 2);
        assert_eq!(req.proof, proof);
        assert_eq!(req.note, NOTE.as_bytes());
        let empty = AddCheckpoint::parse(format!("old 0\n\n{NOTE}").as_bytes()).unwrap();
        assert!(empty.proof.is_empty());
    }

    #[test]
    fn malformed_requests_are_refused() {
        for bad in [
            format!("old 01\n\n{NOTE}"),
            format!("old -1\n\n{NOTE}"),
            format!("old  1\n\n{NOTE}"),
            format!("new 1\n\n{NOTE}"),
            format!("old 1\nnot base64!\n\n{NOTE}"),
            format!("old 1\nAAAA\n\n{NOTE}"),
            "old 1\n".to_owned(),
            "old 1\n\n".to_owned(),
            format!(
                "old 1\n{}\n{NOTE}",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64)
            ),
        ] {
            assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}

//! Sealing: how a new event takes its place at the end of the chain (seq, stream version,
//! `prev`, `recorded_at`) and becomes its exact body and hash. Pure: no I/O, no clock (the
//! caller passes the time it read). This is the one sealer: [`super::Writer`] seals with it
//! inside its transaction and the demo's in-memory ledger (`demo::InMemory`) in memory, so
//! the two build the same bytes from the same events.

use chrono::{DateTime, Utc};
use govledger_schema::envelope::{EnvelopeError, truncate_to_micros};
use govledger_schema::{Digest32, Event, NewEvent};

use super::Head;

/// The largest canonical body an event may have: a tlog-tiles entry bundle
/// (c2sp.org/tlog-tiles, served at `/tile/entries/…`) frames each entry with a big-endian
/// `uint16` length, so a longer body could never be served as an entry and would break its
/// whole bundle. Sealing refuses it; the request body limit (64 KiB) is close, so a near-limit
/// command is what meets this. Decided for issue 16: refuse at the door rather than serve a log
/// a standard client cannot read.
pub const MAX_EVENT_BODY_BYTES: usize = u16::MAX as usize;

/// An event sealed onto the chain: the event, its canonical body, and SHA-256 of the body.
pub type Sealed = (Event, Vec<u8>, Digest32);

/// The end of a chain, as the next event is sealed after it: the head, and the `recorded_at`
/// of the last event in microseconds (`i64::MIN` for an empty chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainEnd {
    pub head: Head,
    pub recorded_us: i64,
}

impl ChainEnd {
    /// An empty chain.
    pub const EMPTY: ChainEnd = ChainEnd {
        head: Head::EMPTY,
        recorded_us: i64::MIN,
    };

    /// Seals `events`, in order, onto `stream` from version `first_version`, recorded at `now`
    /// (truncated to microseconds) but never before the event before it, since `recorded_at`
    /// never goes backwards along a chain (a clock stepped back, or the demo's clock). Every
    /// event is sealed before any is returned, so an encoding error yields nothing.
    pub fn seal(
        &self,
        stream: &str,
        first_version: u64,
        events: &[NewEvent],
        now: DateTime<Utc>,
    ) -> Result<Vec<Sealed>, EnvelopeError> {
        let mut sealed = Vec::with_capacity(events.len());
        let mut end = *self;
        for (i, e) in events.iter().enumerate() {
            let mut at = truncate_to_micros(now);
            if at.timestamp_micros() < end.recorded_us {
                at = DateTime::from_timestamp_micros(end.recorded_us).unwrap_or(at);
            }
            let event = e.seal(
                end.head.seq + 1,
                stream,
                first_version + i as u64,
                at,
                end.head.hash,
            );
            let body = event.encode()?;
            if body.len() > MAX_EVENT_BODY_BYTES {
                return Err(EnvelopeError::Field(
                    "body",
                    format!(
                        "the event would be {} bytes as recorded; at most {MAX_EVENT_BODY_BYTES} \
                         (a tlog-tiles entry frames its length in 16 bits): shorten the text",
                        body.len()
                    ),
                ));
            }
            let hash = Digest32::of(&body);
            end = end.after(&event, hash);
            sealed.push((event, body, hash));
        }
        Ok(sealed)
    }

    /// The end of the chain once `event` (whose body hashes to `hash`) follows it.
    pub fn after(self, event: &Event, hash: Digest32) -> ChainEnd {
        ChainEnd {
            head: Head {
                seq: event.seq,
                hash,
            },
            recorded_us: self.recorded_us.max(event.recorded_at.timestamp_micros()),
        }
    }
}

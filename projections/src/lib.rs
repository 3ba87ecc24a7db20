//! Pure folds from events to read models. Architecture invariant: no I/O, no clock, no
//! database — every function here is a function of the events it is given.
//!
//! [`State`] is one fold of the whole log. It keeps every fact with the [`Stamp`] (ledger seq and
//! effective time) of the event that introduced it and of the events that ended it, so every
//! view is **bitemporal**: it answers "as of" an effective time and "as known at" a ledger seq
//! (a [`Lens`]). A correction (`correction.recorded.v1`) voids the event it names from the
//! correction's seq on; views looking at an earlier `known_at` still see the voided event.
#![forbid(unsafe_code)]

mod apply;
mod log;
mod model;
mod views;

pub use model::*;
pub use views::*;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use govledger_schema::Digest32;
use govledger_schema::events::{
    DirectiveIssued, RegulationAmended, RegulationEstablished, Role, SupervisorScope,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An effective time: when a decision takes effect, with its offset.
pub type Time = DateTime<FixedOffset>;

/// Where a fact comes from: the event's ledger seq and its effective time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub seq: u64,
    #[serde(with = "log::time_repr")]
    pub at: Time,
}

/// A fact that holds from `start` until the first of its `ends` (several, because an end can
/// itself be voided by a correction and recorded again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: Stamp,
    pub ends: Vec<Stamp>,
}

impl Span {
    pub fn new(start: Stamp) -> Span {
        Span {
            start,
            ends: Vec::new(),
        }
    }
}

/// The envelope of an applied event, without its data: what audits and corrections look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    pub seq: u64,
    pub id: Uuid,
    pub stream: String,
    pub event_type: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub basis: String,
    pub recorded_at: DateTime<Utc>,
    pub effective_at: Time,
}

/// A regulation role held by a post (第3条第1項, 第4条第2項, 第11条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleBinding {
    pub role: Role,
    pub post_id: String,
    pub scope: Option<SupervisorScope>,
    pub start: Stamp,
}

/// A correction and the event it voids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub stamp: Stamp,
    pub actor: String,
    pub corrects_seq: u64,
    pub corrects_event_id: Uuid,
    pub reason: String,
}

/// The whole folded state. Maps are ordered, so the serialization (and [`State::state_hash`])
/// is a function of the events alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub(crate) applied_seq: u64,
    pub(crate) genesis_at: Option<Time>,
    pub(crate) latest_effective_at: Option<Time>,
    pub(crate) regulation: Option<(RegulationEstablished, Stamp)>,
    pub(crate) amendments: Vec<(RegulationAmended, Stamp)>,
    pub(crate) role_bindings: Vec<RoleBinding>,
    pub(crate) operation_staff_sections: Vec<(Vec<String>, Stamp)>,
    pub(crate) units: BTreeMap<String, Unit>,
    pub(crate) posts: BTreeMap<String, Post>,
    pub(crate) persons: BTreeMap<String, Person>,
    pub(crate) usage_officers: BTreeMap<String, Vec<UsageOfficerTerm>>,
    pub(crate) users: BTreeMap<String, Vec<UserRegistration>>,
    pub(crate) assets: BTreeMap<String, Asset>,
    /// Grants by asset id.
    pub(crate) grants: BTreeMap<String, Vec<Grant>>,
    pub(crate) permission_requests: BTreeMap<String, PermissionRequest>,
    pub(crate) permission_refusals: Vec<PermissionRefusal>,
    pub(crate) modifications: BTreeMap<String, Modification>,
    pub(crate) retirements: BTreeMap<String, Retirement>,
    /// Rosters by officer post id, each version replacing the previous one.
    pub(crate) rosters: BTreeMap<String, Vec<RosterVersion>>,
    pub(crate) incidents: BTreeMap<String, Incident>,
    pub(crate) security_requests: BTreeMap<String, SecurityRequest>,
    pub(crate) meetings: BTreeMap<String, Meeting>,
    pub(crate) directives: BTreeMap<String, (DirectiveIssued, Stamp, String)>,
    pub(crate) officer_directions: BTreeMap<String, OfficerDirection>,
    /// Usage officers' directions of their divisions' users (第8条第3項).
    pub(crate) user_directions: BTreeMap<String, UserDirection>,
    /// Operation records (第11条), in seq order.
    pub(crate) operations: Vec<OperationRecord>,
    pub(crate) corrections: Vec<Correction>,
    /// Voided seq -> the seq of the correction that voids it.
    pub(crate) voided: BTreeMap<u64, u64>,
    /// The envelope of every applied event, by seq.
    pub(crate) events: log::EventLog,
    /// Event types this fold does not know, with the seqs that carry them.
    pub(crate) unknown_types: BTreeMap<String, Vec<u64>>,
    /// Events whose data did not parse or referred to nothing, with the reason.
    pub(crate) malformed: BTreeMap<u64, String>,
}

/// Why a state snapshot cannot be hashed (a bug, never expected).
#[derive(Debug, thiserror::Error)]
#[error("state cannot be serialized: {0}")]
pub struct StateHashError(String);

/// Why a snapshot was not read back (it is a cache: the caller rebuilds from the log).
#[derive(Debug, thiserror::Error)]
#[error("snapshot not usable: {0}")]
pub struct SnapshotError(String);

/// The layout of a snapshot's encoding. postcard carries no field names or types, so a
/// snapshot written by a build whose model types differ could decode into the wrong fields
/// instead of failing. Every change to a type folded into [`State`] bumps this number; a
/// snapshot of another layout is refused (and the log replayed). `tests/demo.rs` pins the
/// demo's state hash, which includes these bytes and the whole encoding, so a changed type
/// fails that test until the number and the pin are updated together.
pub const SNAPSHOT_LAYOUT: u32 = 3;

/// `GLSNAP` and [`SNAPSHOT_LAYOUT`], little-endian: the first bytes of every snapshot.
const SNAPSHOT_MAGIC: [u8; 10] = {
    let v = SNAPSHOT_LAYOUT.to_le_bytes();
    [b'G', b'L', b'S', b'N', b'A', b'P', v[0], v[1], v[2], v[3]]
};

impl State {
    /// The seq of the last event folded in (0 for an empty state).
    pub fn applied_seq(&self) -> u64 {
        self.applied_seq
    }

    /// The version of `stream` as of [`State::applied_seq`] (0 when it has no event), or None
    /// when the folded events cannot vouch for it.
    pub fn stream_version(&self, stream: &str) -> Option<u64> {
        self.events.stream_version(stream)
    }

    /// The effective time of the first event: nothing takes effect before it.
    pub fn genesis_at(&self) -> Option<Time> {
        self.genesis_at
    }

    /// The latest effective time of any event folded in.
    pub fn latest_effective_at(&self) -> Option<Time> {
        self.latest_effective_at
    }

    /// SHA-256 of the state's snapshot encoding (see [`State::to_snapshot`]), streamed: equal
    /// states, equal hashes. Used to prove a rebuild from scratch equals the state kept
    /// incrementally. Every container in the state is ordered, so the encoding is a function of
    /// the events alone. (The value depends on this crate's version; snapshots whose hash does
    /// not match are dropped and rebuilt.)
    pub fn state_hash(&self) -> Digest32 {
        self.try_state_hash().unwrap_or(Digest32::ZERO)
    }

    /// As [`State::state_hash`], reporting the (impossible in practice) serialization failure.
    pub fn try_state_hash(&self) -> Result<Digest32, StateHashError> {
        use sha2::Digest as _;
        use std::io::Write as _;
        // postcard writes a byte or a few at a time; a buffer keeps the hasher fed in blocks.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, sha2::Sha256::new());
        out.write_all(&SNAPSHOT_MAGIC)
            .map_err(|e| StateHashError(e.to_string()))?;
        postcard::to_io(self, &mut out).map_err(|e| StateHashError(e.to_string()))?;
        let hasher = out
            .into_inner()
            .map_err(|e| StateHashError(e.error().to_string()))?;
        Ok(Digest32(hasher.finalize().into()))
    }

    /// The state as a snapshot: a compact binary encoding (postcard) of its serde data, with
    /// its [`State::state_hash`], which is the SHA-256 of exactly these bytes. An order of
    /// magnitude smaller and faster to read back than JSON of the same data.
    pub fn to_snapshot(&self) -> Result<(Digest32, Vec<u8>), StateHashError> {
        let mut bytes = SNAPSHOT_MAGIC.to_vec();
        let bytes = postcard::to_extend(self, std::mem::take(&mut bytes))
            .map_err(|e| StateHashError(e.to_string()))?;
        Ok((Digest32::of(&bytes), bytes))
    }

    /// Reads a snapshot written by [`State::to_snapshot`] whose state hash is `state_hash`. The
    /// bytes are checked against the hash before they are decoded, so a damaged or foreign
    /// snapshot is refused; its hash is then the decoded state's without re-encoding it.
    pub fn from_snapshot(bytes: &[u8], state_hash: &Digest32) -> Result<State, SnapshotError> {
        if Digest32::of(bytes) != *state_hash {
            return Err(SnapshotError(
                "the bytes do not have the state hash given".into(),
            ));
        }
        let Some(body) = bytes.strip_prefix(&SNAPSHOT_MAGIC[..]) else {
            return Err(SnapshotError(format!(
                "not a snapshot of layout {SNAPSHOT_LAYOUT} (written by another version)"
            )));
        };
        let (state, rest) =
            postcard::take_from_bytes::<State>(body).map_err(|e| SnapshotError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SnapshotError(format!(
                "{} bytes after the state",
                rest.len()
            )));
        }
        Ok(state)
    }

    /// A lens on the state as of `as_of`, as known at ledger seq `known_at` (None: everything).
    pub fn lens(&self, as_of: Time, known_at: Option<u64>) -> Lens<'_> {
        Lens {
            state: self,
            as_of,
            known_at,
        }
    }

    /// The summary of the event at `seq`, if applied.
    pub fn event(&self, seq: u64) -> Option<EventSummary> {
        self.events.get(seq).map(log::EventRef::to_summary)
    }

    /// The seq of the correction voiding `seq`, if any.
    pub fn voided_by(&self, seq: u64) -> Option<u64> {
        self.voided.get(&seq).copied()
    }

    /// Event types met that this fold does not know, with their seqs.
    pub fn unknown_types(&self) -> &BTreeMap<String, Vec<u64>> {
        &self.unknown_types
    }

    /// Events that did not fold, with the reason.
    pub fn malformed(&self) -> &BTreeMap<u64, String> {
        &self.malformed
    }

    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.get(id)
    }
    pub fn post(&self, id: &str) -> Option<&Post> {
        self.posts.get(id)
    }
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.persons.get(id)
    }
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.get(id)
    }
    pub fn modification(&self, id: &str) -> Option<&Modification> {
        self.modifications.get(id)
    }
    pub fn retirement(&self, id: &str) -> Option<&Retirement> {
        self.retirements.get(id)
    }
    pub fn security_request(&self, id: &str) -> Option<&SecurityRequest> {
        self.security_requests.get(id)
    }
    pub fn meeting(&self, id: &str) -> Option<&Meeting> {
        self.meetings.get(id)
    }
    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.get(id)
    }
    pub fn permission_request(&self, id: &str) -> Option<&PermissionRequest> {
        self.permission_requests.get(id)
    }
    pub fn permission_requests(&self) -> impl Iterator<Item = &PermissionRequest> {
        self.permission_requests.values()
    }
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }
    pub fn posts(&self) -> impl Iterator<Item = &Post> {
        self.posts.values()
    }
    pub fn persons(&self) -> impl Iterator<Item = &Person> {
        self.persons.values()
    }
    pub fn assets(&self) -> impl Iterator<Item = &Asset> {
        self.assets.values()
    }
    pub fn retirements(&self) -> impl Iterator<Item = &Retirement> {
        self.retirements.values()
    }
    pub fn role_bindings(&self) -> &[RoleBinding] {
        &self.role_bindings
    }

    /// How many records of each numbered kind exist: the rules number new ones from these.
    pub fn counts(&self) -> Counts {
        Counts {
            modifications: self.modifications.len(),
            retirements: self.retirements.len(),
            permission_requests: self.permission_requests.len(),
            security_requests: self.security_requests.len(),
            meetings: self.meetings.len(),
            incidents: self.incidents.len(),
            directives: self.directives.len(),
            officer_directions: self.officer_directions.len(),
            user_directions: self.user_directions.len(),
        }
    }
}

/// Record counts, see [`State::counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub modifications: usize,
    pub retirements: usize,
    pub permission_requests: usize,
    pub security_requests: usize,
    pub meetings: usize,
    pub incidents: usize,
    pub directives: usize,
    pub officer_directions: usize,
    pub user_directions: usize,
}

//! The envelope of every applied event, kept compactly: one fixed-size row per event, with the
//! repetitive strings (stream, type, actor, deputy, basis) interned. A row is 72 bytes and holds
//! no allocation, where an [`EventSummary`] of owned strings costs about five times as much and
//! five allocations to make; at a million events that difference is most of the state.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{EventSummary, Time};

/// An interned string: index + 1 into [`Names::list`], so `Option<Sym>` is four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Sym(NonZeroU32);

impl Sym {
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
    /// The serialized number: the index + 1 (0 is kept for "none").
    fn number(self) -> u32 {
        self.0.get()
    }
}

/// Interned strings, in first-seen order (so two folds of the same events intern alike).
#[derive(Debug, Clone, Default)]
struct Names {
    list: Vec<Box<str>>,
    index: HashMap<Box<str>, Sym>,
}

impl Names {
    fn intern(&mut self, s: &str) -> Option<Sym> {
        if let Some(sym) = self.index.get(s) {
            return Some(*sym);
        }
        let sym = Sym(NonZeroU32::new(u32::try_from(self.list.len() + 1).ok()?)?);
        self.list.push(s.into());
        self.index.insert(s.into(), sym);
        Some(sym)
    }

    fn get(&self, s: &str) -> Option<Sym> {
        self.index.get(s).copied()
    }

    fn name(&self, sym: Sym) -> &str {
        self.list.get(sym.index()).map_or("", |s| s)
    }
}

/// One applied event's envelope, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    seq: u64,
    id: Uuid,
    recorded_at: DateTime<Utc>,
    effective_at: Time,
    stream: Sym,
    event_type: Sym,
    actor: Sym,
    acting_for: Option<Sym>,
    basis: Sym,
}

/// A borrowed view of one row, with its strings resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventRef<'a> {
    pub seq: u64,
    pub id: Uuid,
    pub stream: &'a str,
    pub event_type: &'a str,
    pub actor: &'a str,
    pub acting_for: Option<&'a str>,
    pub basis: &'a str,
    pub recorded_at: DateTime<Utc>,
    pub effective_at: Time,
}

impl EventRef<'_> {
    pub fn to_summary(self) -> EventSummary {
        EventSummary {
            seq: self.seq,
            id: self.id,
            stream: self.stream.to_owned(),
            event_type: self.event_type.to_owned(),
            actor: self.actor.to_owned(),
            acting_for: self.acting_for.map(str::to_owned),
            basis: self.basis.to_owned(),
            recorded_at: self.recorded_at,
            effective_at: self.effective_at,
        }
    }
}

/// Every applied event's envelope, by ascending seq.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventLog {
    rows: Vec<Row>,
    names: Names,
    /// The version of each stream (by its name's index; names that are no stream stay 0):
    /// derived from `rows`, so neither serialized nor compared. [`UNKNOWN`] when the stream's
    /// versions did not follow each other.
    versions: Vec<u64>,
}

/// A stream whose version the log cannot vouch for.
const UNKNOWN: u64 = u64::MAX;

impl PartialEq for EventLog {
    fn eq(&self, other: &Self) -> bool {
        // The index is a function of the list.
        self.rows == other.rows && self.names.list == other.names.list
    }
}
impl Eq for EventLog {}

impl EventLog {
    /// Records the envelope of `event`; its seq must be above every seq recorded. Fails only
    /// past 2^32 - 1 distinct strings.
    pub fn push(&mut self, event: &govledger_schema::Event) -> Result<(), &'static str> {
        if self.rows.last().is_some_and(|r| r.seq >= event.seq) {
            return Err("event out of seq order");
        }
        let too_many = "more than 2^32 - 1 distinct names";
        let n = &mut self.names;
        let row = Row {
            seq: event.seq,
            id: event.id,
            recorded_at: event.recorded_at,
            effective_at: event.effective_at,
            stream: n.intern(&event.stream).ok_or(too_many)?,
            event_type: n.intern(&event.event_type).ok_or(too_many)?,
            actor: n.intern(&event.meta.actor).ok_or(too_many)?,
            acting_for: match &event.meta.acting_for {
                Some(a) => Some(n.intern(a).ok_or(too_many)?),
                None => None,
            },
            basis: n.intern(&event.meta.basis).ok_or(too_many)?,
        };
        self.rows.push(row);
        let i = row.stream.index();
        if self.versions.len() <= i {
            self.versions.resize(i + 1, 0);
        }
        let v = &mut self.versions[i];
        *v = if *v != UNKNOWN && event.version == *v + 1 {
            event.version
        } else {
            UNKNOWN
        };
        Ok(())
    }

    /// The version of `stream` after every recorded event (0: no event), or None when its
    /// versions in the log do not follow each other (then ask the database).
    pub fn stream_version(&self, stream: &str) -> Option<u64> {
        let Some(sym) = self.names.get(stream) else {
            return Some(0);
        };
        match self.versions.get(sym.index()).copied().unwrap_or(0) {
            UNKNOWN => None,
            v => Some(v),
        }
    }

    fn view(&self, r: &Row) -> EventRef<'_> {
        let n = &self.names;
        EventRef {
            seq: r.seq,
            id: r.id,
            stream: n.name(r.stream),
            event_type: n.name(r.event_type),
            actor: n.name(r.actor),
            acting_for: r.acting_for.map(|a| n.name(a)),
            basis: n.name(r.basis),
            recorded_at: r.recorded_at,
            effective_at: r.effective_at,
        }
    }

    fn row(&self, seq: u64) -> Option<&Row> {
        // Seqs are gapless in a ledger, so the row is usually at its offset from the first.
        let first = self.rows.first()?.seq;
        let at = usize::try_from(seq.checked_sub(first)?).ok()?;
        match self.rows.get(at) {
            Some(r) if r.seq == seq => Some(r),
            _ => self
                .rows
                .binary_search_by_key(&seq, |r| r.seq)
                .ok()
                .and_then(|i| self.rows.get(i)),
        }
    }

    pub fn get(&self, seq: u64) -> Option<EventRef<'_>> {
        self.row(seq).map(|r| self.view(r))
    }

    pub fn effective_at(&self, seq: u64) -> Option<Time> {
        self.row(seq).map(|r| r.effective_at)
    }

    pub fn contains(&self, seq: u64) -> bool {
        self.row(seq).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = EventRef<'_>> {
        self.rows.iter().map(|r| self.view(r))
    }

    /// The seqs of the events of `stream`, ascending.
    pub fn seqs_of_stream(&self, stream: &str) -> Vec<u64> {
        match self.names.get(stream) {
            Some(sym) => self
                .rows
                .iter()
                .filter(|r| r.stream == sym)
                .map(|r| r.seq)
                .collect(),
            None => Vec::new(),
        }
    }
}

// Serialized as `{"names": [...], "rows": [[seq, id, stream, type, actor, acting_for, basis,
// recorded secs, recorded nanos, effective secs, effective nanos, offset secs], ...]}`: strings
// by number (acting_for 0 for none), times as integers, which any serde format encodes compactly
// and parses fast.

type RowRepr = (u64, Uuid, u32, u32, u32, u32, u32, i64, u32, i64, u32, i32);

fn repr(r: &Row) -> RowRepr {
    let utc = r.effective_at.to_utc();
    (
        r.seq,
        r.id,
        r.stream.number(),
        r.event_type.number(),
        r.actor.number(),
        r.acting_for.map_or(0, Sym::number),
        r.basis.number(),
        r.recorded_at.timestamp(),
        r.recorded_at.timestamp_subsec_nanos(),
        utc.timestamp(),
        utc.timestamp_subsec_nanos(),
        r.effective_at.offset().local_minus_utc(),
    )
}

struct Rows<'a>(&'a [Row]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(repr))
    }
}

impl Serialize for EventLog {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("EventLog", 2)?;
        st.serialize_field("names", &self.names.list)?;
        st.serialize_field("rows", &Rows(&self.rows))?;
        st.end()
    }
}

#[derive(Deserialize)]
#[serde(rename = "EventLog", deny_unknown_fields)]
struct LogRepr {
    names: Vec<Box<str>>,
    rows: RowsRepr,
}

/// Rows decoded straight into their compact form, one at a time (no intermediate vector). The
/// name numbers are checked against the names afterwards.
struct RowsRepr(Vec<Row>);

fn row_of<E: de::Error>(r: RowRepr) -> Result<Row, E> {
    let (seq, id, stream, event_type, actor, acting_for, basis, rs, rn, es, en, off) = r;
    let sym = |n: u32| {
        NonZeroU32::new(n)
            .map(Sym)
            .ok_or_else(|| E::custom("name number 0"))
    };
    let time = |secs: i64, nanos: u32| {
        DateTime::from_timestamp(secs, nanos)
            .ok_or_else(|| E::custom(format!("time out of range: {secs}.{nanos}")))
    };
    let offset = FixedOffset::east_opt(off)
        .ok_or_else(|| E::custom(format!("offset out of range: {off}")))?;
    Ok(Row {
        seq,
        id,
        recorded_at: time(rs, rn)?,
        effective_at: time(es, en)?.with_timezone(&offset),
        stream: sym(stream)?,
        event_type: sym(event_type)?,
        actor: sym(actor)?,
        acting_for: NonZeroU32::new(acting_for).map(Sym),
        basis: sym(basis)?,
    })
}

impl<'de> Deserialize<'de> for RowsRepr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RowsRepr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence of event rows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RowsRepr, A::Error> {
                // A length read from a damaged snapshot must not allocate unbounded memory.
                let mut rows: Vec<Row> =
                    Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(r) = seq.next_element::<RowRepr>()? {
                    let row = row_of::<A::Error>(r)?;
                    if rows.last().is_some_and(|last| last.seq >= row.seq) {
                        return Err(de::Error::custom(format!("seq {} out of order", row.seq)));
                    }
                    rows.push(row);
                }
                Ok(RowsRepr(rows))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> Deserialize<'de> for EventLog {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let LogRepr { names, rows } = LogRepr::deserialize(d)?;
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let sym = u32::try_from(i + 1)
                .ok()
                .and_then(NonZeroU32::new)
                .map(Sym)
                .ok_or_else(|| de::Error::custom("too many names"))?;
            if index.insert(name.clone(), sym).is_some() {
                return Err(de::Error::custom(format!("name {name:?} appears twice")));
            }
        }
        let known = |s: Sym| s.index() < names.len();
        for r in &rows.0 {
            let syms = [r.stream, r.event_type, r.actor, r.basis];
            if !syms.into_iter().chain(r.acting_for).all(known) {
                return Err(de::Error::custom(format!(
                    "seq {}: a name number beyond the names",
                    r.seq
                )));
            }
        }
        // A snapshot keeps no versions: a stream's version is its number of events (verify
        // checks that every stream's versions run 1, 2, 3, …).
        let mut versions = vec![0u64; names.len()];
        for r in &rows.0 {
            if let Some(v) = versions.get_mut(r.stream.index()) {
                *v += 1;
            }
        }
        Ok(EventLog {
            rows: rows.0,
            names: Names { list: names, index },
            versions,
        })
    }
}

/// A [`Time`] as `(unix seconds, nanoseconds, offset seconds)` rather than RFC 3339 text: the
/// same instant and offset, read back without parsing. Used by [`crate::Stamp`], of which the
/// state holds one or more per fact.
pub(crate) mod time_repr {
    use chrono::{DateTime, FixedOffset};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

    use crate::Time;

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        let utc = t.to_utc();
        (
            utc.timestamp(),
            utc.timestamp_subsec_nanos(),
            t.offset().local_minus_utc(),
        )
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let (secs, nanos, off) = <(i64, u32, i32)>::deserialize(d)?;
        let offset = FixedOffset::east_opt(off)
            .ok_or_else(|| de::Error::custom(format!("offset out of range: {off}")))?;
        DateTime::from_timestamp(secs, nanos)
            .map(|t| t.with_timezone(&offset))
            .ok_or_else(|| de::Error::custom(format!("time out of range: {secs}.{nanos}")))
    }
}

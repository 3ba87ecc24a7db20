//! Read models. Every view is computed through a [`Lens`] (as of an effective time, as known at a
//! ledger seq) and carries the seqs of the events it rests on, so an auditor can follow them.
//!
//! One module per procedure or view, named as the rules' modules (`src/rules/`); this one holds
//! the plumbing they share: the header ([`ViewAt`]), paging ([`Window`]) and the [`Lens`] helpers.

mod access;
mod assets;
mod audit;
mod changes;
mod history;
mod incident;
mod meeting;
mod modification;
mod organisation;
mod retirement;
mod security_request;

pub use access::*;
pub use assets::*;
pub use audit::*;
pub use changes::*;
pub use history::*;
pub use incident::*;
pub use meeting::*;
pub use modification::*;
pub use organisation::*;
pub use retirement::*;
pub use security_request::*;

use serde::Serialize;

use crate::model::*;
use crate::{Stamp, State, Time};

/// The common header of every view.
#[derive(Debug, Clone, Serialize)]
pub struct ViewAt {
    pub as_of: Time,
    pub known_at: Option<u64>,
    /// The last seq the state had folded in when the view was made.
    pub applied_seq: u64,
}

/// A page of a list view: skip `offset` items, keep at most `limit`. Only the kept items are
/// built, so a page of a view with a million items costs a page's worth of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

impl Window {
    /// Everything.
    pub const ALL: Window = Window {
        offset: 0,
        limit: usize::MAX,
    };

    fn holds(&self, index: usize) -> bool {
        index >= self.offset && index - self.offset < self.limit
    }
}

/// Counts every item offered and builds only those inside the window.
struct Paging<T> {
    window: Window,
    total: usize,
    items: Vec<T>,
}

impl<T> Paging<T> {
    fn new(window: Window) -> Paging<T> {
        Paging {
            window,
            total: 0,
            items: Vec::new(),
        }
    }

    fn push(&mut self, make: impl FnOnce() -> T) {
        if self.window.holds(self.total) {
            self.items.push(make());
        }
        self.total += 1;
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

impl State {
    /// Stamps of everything, for callers that want to check a seq is in the state.
    pub fn knows_seq(&self, seq: u64) -> bool {
        self.events.contains(seq)
    }

    /// The corrections recorded, oldest first.
    pub fn corrections(&self) -> &[crate::Correction] {
        &self.corrections
    }

    /// All stamps at or before `seq` that are part of a fact: used by tests.
    pub fn stamp_of(&self, seq: u64) -> Option<Stamp> {
        self.events.effective_at(seq).map(|at| Stamp { seq, at })
    }
}

/// The views as functions of `(as_of, known_at)`, for callers that do not keep a [`Lens`].
impl State {
    pub fn organisation(&self, as_of: Time, known_at: Option<u64>) -> OrganisationView {
        self.lens(as_of, known_at).organisation()
    }
    pub fn assets_view(&self, as_of: Time, known_at: Option<u64>) -> AssetsView {
        self.lens(as_of, known_at).assets()
    }
    pub fn access(
        &self,
        as_of: Time,
        known_at: Option<u64>,
        asset_id: Option<&str>,
        person_id: Option<&str>,
    ) -> AccessView {
        self.lens(as_of, known_at).access(asset_id, person_id)
    }
    pub fn person_history(
        &self,
        person_id: &str,
        as_of: Time,
        known_at: Option<u64>,
    ) -> Option<PersonHistory> {
        self.lens(as_of, known_at).person_history(person_id)
    }
    pub fn changes(&self, as_of: Time, known_at: Option<u64>) -> ChangesView {
        self.lens(as_of, known_at).changes()
    }
    pub fn security_requests(&self, as_of: Time, known_at: Option<u64>) -> SecurityRequestsView {
        self.lens(as_of, known_at).security_requests()
    }
    pub fn meetings(&self, as_of: Time, known_at: Option<u64>) -> MeetingsView {
        self.lens(as_of, known_at).meetings()
    }
    pub fn incidents(&self, as_of: Time, known_at: Option<u64>) -> IncidentsView {
        self.lens(as_of, known_at).incidents()
    }
    pub fn audit(&self, as_of: Time, known_at: Option<u64>) -> AuditView {
        self.lens(as_of, known_at).audit()
    }
}

impl<'a> Lens<'a> {
    fn header(&self) -> ViewAt {
        ViewAt {
            as_of: self.as_of,
            known_at: self.known_at,
            applied_seq: self.state.applied_seq,
        }
    }

    fn person_name(&self, id: &str) -> String {
        self.state
            .persons
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    fn holder_view(&self, h: &Holding) -> HolderView {
        let end = self.end_of(&h.span).filter(|e| e.at <= self.as_of);
        HolderView {
            person_id: h.person_id.clone(),
            name: self.person_name(&h.person_id),
            since: h.span.start.at,
            until: end.map(|e| e.at),
            personnel_order: h.personnel_order.clone(),
            appointed_seq: h.span.start.seq,
            ended_seq: end.map(|e| e.seq),
        }
    }
}

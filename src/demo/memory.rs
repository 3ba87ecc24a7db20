//! The demo's ledger in memory: decides commands by the real rules and records them as the
//! ledger does, through the same code: `ledger::decision_event` builds a decision's events and
//! the store's sealer ([`ChainEnd::seal`]) gives them their seq, version, `prev`,
//! `recorded_at`, body and hash. So the in-memory demo and `govledger demo` (the real
//! [`crate::ledger::Ledger`] on a database) build the same chain, byte for byte.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use govledger_projections::State;
use govledger_schema::Event;

use super::{DemoStep, event_id};
use crate::ledger::decision_event;
use crate::rules::{Command, GenesisAdmin, Proposed, Refusal, Time, decide, decide_at, genesis};
use crate::store::ChainEnd;

/// A ledger in memory: records proposed events as the ledger does (gapless seqs, per-stream
/// versions, the hash chain, event ids numbered by the seq as [`event_id`] makes them) and
/// folds them into a [`State`]. For the demo generator and tests.
#[derive(Debug, Clone)]
pub struct InMemory {
    pub state: State,
    pub events: Vec<Event>,
    versions: BTreeMap<String, u64>,
    end: ChainEnd,
}

impl Default for InMemory {
    fn default() -> Self {
        InMemory {
            state: State::default(),
            events: Vec::new(),
            versions: BTreeMap::new(),
            end: ChainEnd::EMPTY,
        }
    }
}

impl InMemory {
    /// A ledger holding the genesis events.
    pub fn with_genesis(
        admin: &GenesisAdmin,
        at: Time,
        recorded_at: DateTime<Utc>,
    ) -> Result<InMemory, Refusal> {
        let mut l = InMemory::default();
        l.genesis(admin, at, recorded_at)?;
        Ok(l)
    }

    /// Records the genesis, as `Ledger::genesis` does.
    pub fn genesis(
        &mut self,
        admin: &GenesisAdmin,
        at: Time,
        recorded_at: DateTime<Utc>,
    ) -> Result<Vec<Event>, Refusal> {
        let proposed = genesis(admin, at)?;
        Ok(self.record(proposed, &admin.person_id, at, recorded_at, None))
    }

    /// Seals and folds `proposed` as acts of `actor` effective `at` (no request id).
    pub fn append(
        &mut self,
        proposed: Vec<Proposed>,
        actor: &str,
        at: Time,
        recorded_at: DateTime<Utc>,
    ) -> Vec<Event> {
        self.record(proposed, actor, at, recorded_at, None)
    }

    /// Seals and folds `proposed` as the ledger appends a decision's events: built by
    /// `ledger::decision_event` (the first event's id is every later one's cause), sealed by
    /// the store's sealer.
    fn record(
        &mut self,
        proposed: Vec<Proposed>,
        actor: &str,
        at: Time,
        recorded_at: DateTime<Utc>,
        request_id: Option<&str>,
    ) -> Vec<Event> {
        let first_id = event_id(self.end.head.seq + 1);
        let mut out = Vec::with_capacity(proposed.len());
        for (i, p) in proposed.into_iter().enumerate() {
            let id = event_id(self.end.head.seq + 1);
            // An event the rules built always encodes and seals; one that did not is left
            // out, and the demo's tests (every step's events, the pinned head) would say so.
            let Ok(new) = decision_event(&p, i, id, first_id, actor, at, request_id) else {
                continue;
            };
            let version = self.versions.entry(p.stream.clone()).or_insert(0);
            let sealed = self.end.seal(
                &p.stream,
                *version + 1,
                std::slice::from_ref(&new),
                recorded_at,
            );
            let Some((event, _, hash)) = sealed.ok().and_then(|s| s.into_iter().next()) else {
                continue;
            };
            *version += 1;
            self.end = self.end.after(&event, hash);
            // Folded as the rules built it, as the ledger does (`Ledger::apply_decided`).
            self.state.apply_parsed(&event, Ok(p.payload));
            self.events.push(event.clone());
            out.push(event);
        }
        out
    }

    /// Decides `cmd` and appends what it proposes (no request id).
    pub fn run(
        &mut self,
        actor: &str,
        at: Time,
        recorded_at: DateTime<Utc>,
        cmd: &Command,
    ) -> Result<Vec<Event>, Refusal> {
        let proposed = decide(&self.state, cmd, actor, at)?;
        Ok(self.record(proposed, actor, at, recorded_at, None))
    }

    /// Decides a step of the demo's script and appends what it proposes, with the step's
    /// request id, as `govledger demo` records it.
    pub fn run_step(&mut self, step: &DemoStep) -> Result<Vec<Event>, Refusal> {
        // Decided with the ledger's clock at the step's recording, as the CLI's ledger does.
        let now = step.recorded_at.with_timezone(&crate::jst::JST);
        let proposed = decide_at(
            &self.state,
            &step.command,
            &step.actor,
            step.effective_at,
            Some(now),
        )?;
        Ok(self.record(
            proposed,
            &step.actor,
            step.effective_at,
            step.recorded_at,
            Some(&step.request_id),
        ))
    }

    /// The state folded from scratch from every event.
    pub fn rebuild(&self) -> State {
        let mut s = State::default();
        for e in &self.events {
            s.apply(e);
        }
        s
    }
}

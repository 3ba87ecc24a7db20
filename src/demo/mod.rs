//! A realistic demo ledger, deterministic from a seed: genesis on 2021-04-01 (JST), then five
//! fiscal years of personnel changes every 1 April, a few hundred users with access decisions,
//! staff designations, rosters, modifications crossing assets (one touching the common parts),
//! a retirement, security requests (one overdue at the end), meetings (one by circulation), a
//! directive, an incident, a correction, one deputy act of the administrator, and a
//! modification and a retirement closed by the supervisor's refusal of consent.
//!
//! [`script`] builds the steps by deciding them against an in-memory ledger ([`InMemory`]) as it
//! goes, so every step is known to be accepted on a fresh ledger, and steps that name a seq (the
//! correction) name the right one. The in-memory ledger records exactly what `govledger demo`
//! records through the real ledger (same event builder, same sealer, event ids numbered by the seq
//! ([`event_id`]), each step's request id and recording time from the
//! script), so both build the same chain, byte for byte.
//!
//! The modules follow the story: `organisation` staffs the annex's organisation on the genesis
//! day, `people` makes each year's personnel changes and users, `years` the procedures of each
//! fiscal year, `operations` the last acts; `builder` is what they build with.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use crate::rules::{Command, GenesisAdmin, Refusal, Time};

mod builder;
mod memory;
mod operations;
mod organisation;
mod people;
mod years;

use builder::{Builder, Rng};
pub use memory::InMemory;

/// One command of the demo, with who makes it, when it takes effect and when it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoStep {
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub effective_at: Time,
    pub command: Command,
    /// Recorded in the events' `meta.request_id`: `demo-<seed>-<index of the step>`.
    pub request_id: String,
}

/// The demo's bootstrap administrator.
pub fn demo_genesis_admin() -> GenesisAdmin {
    GenesisAdmin {
        person_id: "P0001".into(),
        name: "保健 一郎".into(),
        personnel_order: "令和3年4月1日付人事異動".into(),
    }
}

/// 00:00 JST on `y-m-d` (dates are the script's own constants).
pub fn jst_date(y: i32, m: u32, d: u32) -> Time {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(crate::jst::JST).single())
        .unwrap_or_default()
}

/// The demo's genesis: 2021-04-01 00:00 JST.
pub fn demo_genesis_at() -> Time {
    jst_date(2021, 4, 1)
}

/// When the demo's genesis is recorded: that morning.
pub fn demo_genesis_recorded_at() -> DateTime<Utc> {
    demo_genesis_at().with_timezone(&Utc) + TimeDelta::hours(9)
}

/// The id of the demo's event at `seq`: the same on every run, for every seed (ids need only be
/// reproducible; each ledger has its own). These are the ids the in-memory demo has always
/// numbered its events with (the high half a fixed UUIDv7-shaped prefix, the low half the seq),
/// kept because the folded state keeps event ids: other ids would change the demo's state hash
/// (`DEMO_STATE_HASH_SEED_7` in `tests/demo.rs`). `govledger demo` gives the real ledger this
/// as its id source (`Store::with_event_ids`), so it records the same ids.
pub fn event_id(seq: u64) -> Uuid {
    Uuid::from_u64_pair(0x0190_0000_0000_7000, seq)
}

/// The demo script for `seed`, starting after genesis ([`demo_genesis_admin`],
/// [`demo_genesis_at`]). Deterministic: the same seed gives the same steps.
pub fn script(seed: u64) -> Vec<DemoStep> {
    build(seed).map(|b| b.steps).unwrap_or_default()
}

/// The script and the in-memory ledger it was decided against.
#[derive(Debug, Clone)]
pub struct Demo {
    pub steps: Vec<DemoStep>,
    pub ledger: InMemory,
    /// Commands the generator tried and the rules refused, by the index of the step they would
    /// have been: always empty unless the generator has a bug (the tests check).
    pub refused: Vec<(usize, Refusal)>,
}

/// The script with the in-memory ledger it was decided against.
pub fn build_demo(seed: u64) -> Result<Demo, Refusal> {
    build(seed).map(|b| Demo {
        steps: b.steps,
        ledger: b.ledger,
        refused: b.refused,
    })
}

fn build(seed: u64) -> Result<Builder, Refusal> {
    let g = demo_genesis_at();
    let mut ledger = InMemory::default();
    ledger.genesis(&demo_genesis_admin(), g, demo_genesis_recorded_at())?;
    let mut b = Builder {
        ledger,
        steps: Vec::new(),
        rng: Rng(seed),
        last_recorded: demo_genesis_recorded_at(),
        next_person: 1,
        refused: Vec::new(),
        seed,
    };
    let fixed_posts = organisation::staff(&mut b, g);
    let ward_units = organisation::ward_units();
    // Users and their access, every fiscal year (第2条第3号, 第8条第3項, 第5条第2項).
    let mut users: Vec<(String, String)> = Vec::new(); // (person, unit)
    for fy in 0..5 {
        let start = jst_date(2021 + fy, 4, 1);
        let order = format!("{}年4月1日付人事異動", 2021 + fy);
        if fy > 0 {
            people::personnel_changes(&mut b, fy, start, &order, &fixed_posts);
            people::moves(&mut b, &mut users, &ward_units, start, &order);
        }
        people::new_users(&mut b, &mut users, &ward_units, fy, start, &order);
        if fy == 0 {
            people::wrong_grant_corrected(&mut b, &users, start);
        }
        years::processes(&mut b, fy);
    }
    Ok(b)
}

/// The end of the demo's fifth fiscal year.
pub fn demo_end() -> Time {
    jst_date(2026, 3, 31)
}

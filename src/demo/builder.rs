//! What the script is built with: the [`Builder`] (the in-memory ledger, the steps taken, a
//! seeded random source, the clock of recordings), the names it draws from, and small helpers.

use chrono::{DateTime, TimeDelta, Utc};
use govledger_schema::Event;

use super::{DemoStep, InMemory};
use crate::rules::{Command, Refusal, Time};

/// SplitMix64: tiny, deterministic, good enough to pick demo names and counts.
#[derive(Debug, Clone)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

const FAMILY: &[&str] = &[
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
    "松本", "井上", "木村", "林", "清水", "山口", "森", "池田",
];
const GIVEN: &[&str] = &[
    "健太",
    "美咲",
    "翔",
    "陽菜",
    "大輔",
    "結衣",
    "拓海",
    "彩",
    "直樹",
    "恵",
    "誠",
    "由美",
    "亮",
    "真由美",
    "浩",
    "愛",
    "隆",
    "千尋",
    "剛",
    "智子",
];
pub(super) const WARDS: &[(&str, &str)] = &[
    ("KW", "川崎区役所"),
    ("SW", "幸区役所"),
    ("NH", "中原区役所"),
    ("TK", "高津区役所"),
    ("MM", "宮前区役所"),
    ("TM", "多摩区役所"),
    ("AS", "麻生区役所"),
];
/// Ward divisions: (suffix, name, assets their users work with).
pub(super) const WARD_DIVISIONS: &[(&str, &str, &[&str])] = &[
    ("EH", "高齢・障害課", &["A01", "A04", "A05", "A14", "A16"]),
    ("PA", "保護課", &["A02", "A19"]),
    ("CF", "児童家庭課", &["A15", "A25", "A09", "A30"]),
];

/// Builds the steps; [`script`] is this without the ledger.
pub(super) struct Builder {
    pub(super) ledger: InMemory,
    pub(super) steps: Vec<DemoStep>,
    pub(super) rng: Rng,
    pub(super) last_recorded: DateTime<Utc>,
    pub(super) next_person: u32,
    pub(super) refused: Vec<(usize, Refusal)>,
    /// The seed, which names the demo's requests (`demo-<seed>-<step>`) as the CLI records them.
    pub(super) seed: u64,
}

impl Builder {
    /// Records a step: decided now against the in-memory ledger; a refusal is kept for the
    /// test to report (the script keeps only accepted steps).
    pub(super) fn step(&mut self, actor: &str, at: Time, command: Command) -> Vec<Event> {
        let delay = TimeDelta::hours(1 + self.rng.below(48) as i64);
        let rec = (at.with_timezone(&Utc) + delay).max(self.last_recorded + TimeDelta::seconds(1));
        let step = DemoStep {
            recorded_at: rec,
            actor: actor.to_owned(),
            effective_at: at,
            command,
            request_id: format!("demo-{}-{}", self.seed, self.steps.len()),
        };
        match self.ledger.run_step(&step) {
            Ok(events) => {
                self.last_recorded = rec;
                self.steps.push(step);
                events
            }
            Err(r) => {
                self.refused.push((self.steps.len(), r));
                Vec::new()
            }
        }
    }

    pub(super) fn name(&mut self) -> String {
        let f = self.rng.pick(FAMILY).copied().unwrap_or("山田");
        let g = self.rng.pick(GIVEN).copied().unwrap_or("太郎");
        format!("{f} {g}")
    }

    pub(super) fn new_person(&mut self, unit_id: &str, at: Time, order: &str) -> String {
        self.next_person += 1;
        let id = format!("P{:04}", self.next_person);
        let name = self.name();
        self.step(
            ADMIN,
            at,
            Command::RegisterPerson {
                person_id: id.clone(),
                name,
                unit_id: unit_id.into(),
                personnel_order: Some(order.into()),
            },
        );
        id
    }

    pub(super) fn holder(&self, post: &str, at: Time) -> String {
        self.ledger
            .state
            .lens(at, None)
            .holder(post)
            .unwrap_or_default()
            .to_owned()
    }

    pub(super) fn appoint(&mut self, post: &str, unit: &str, at: Time, order: &str) -> String {
        let p = self.new_person(unit, at, order);
        self.step(
            ADMIN,
            at,
            Command::AppointToPost {
                post_id: post.into(),
                person_id: p.clone(),
                personnel_order: order.into(),
                replace_current: true,
            },
        );
        p
    }
}

/// The system administrator of the genesis, who records the personnel acts.
pub(super) const ADMIN: &str = "P0001";

/// `days` days after `at`.
pub(super) fn day(at: Time, days: i64) -> Time {
    at + TimeDelta::days(days)
}

/// The string member `key` of the first event's data.
pub(super) fn first_str(ev: &[Event], key: &str) -> Option<String> {
    ev.first()
        .and_then(|e| e.data.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

pub(super) fn meeting_id(ev: &[Event]) -> Option<String> {
    ev.first()
        .and_then(|e| e.data.get("meeting_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

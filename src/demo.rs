//! A realistic demo ledger, deterministic from a seed: genesis on 2021-04-01 (JST), then five
//! fiscal years of personnel changes every 1 April, a few hundred users with access decisions,
//! staff designations, rosters, modifications crossing assets (one touching the common parts),
//! a retirement, security requests (one overdue at the end), meetings (one by circulation), a
//! directive, an incident, a correction, one deputy act of the administrator, and a
//! modification and a retirement closed by the supervisor's refusal of consent.
//!
//! [`script`] builds the steps by deciding them against an in-memory ledger ([`InMemory`]) as it
//! goes, so every step is known to be accepted on a fresh ledger, and steps that name a seq (the
//! correction) name the right one.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use govledger_projections::State;
use govledger_schema::events::{
    Addressee, MeetingForm, MeetingKind, RosterEntry, SignaturePosition,
};
use govledger_schema::{Digest32, Event, Meta, NewEvent};
use uuid::Uuid;

use crate::rules::{Command, GenesisAdmin, Proposed, Refusal, Time, decide, genesis};

/// One command of the demo, with who makes it, when it takes effect and when it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoStep {
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub effective_at: Time,
    pub command: Command,
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

/// A ledger in memory: seals proposed events with gapless seqs, per-stream versions and the
/// hash chain, and folds them into a [`State`]. For the demo generator and tests.
#[derive(Debug, Clone, Default)]
pub struct InMemory {
    pub state: State,
    pub events: Vec<Event>,
    versions: BTreeMap<String, u64>,
    head: Digest32,
}

impl InMemory {
    /// A ledger holding the genesis events.
    pub fn with_genesis(
        admin: &GenesisAdmin,
        at: Time,
        recorded_at: DateTime<Utc>,
    ) -> Result<InMemory, Refusal> {
        let mut l = InMemory::default();
        let proposed = genesis(admin, at)?;
        l.append(proposed, &admin.person_id, at, recorded_at);
        Ok(l)
    }

    /// Seals and folds `proposed` as acts of `actor` effective `at`.
    pub fn append(
        &mut self,
        proposed: Vec<Proposed>,
        actor: &str,
        at: Time,
        recorded_at: DateTime<Utc>,
    ) -> Vec<Event> {
        let mut out = Vec::with_capacity(proposed.len());
        for p in proposed {
            let seq = self.events.len() as u64 + 1;
            let version = self.versions.entry(p.stream.clone()).or_insert(0);
            *version += 1;
            let new = NewEvent {
                id: Uuid::from_u64_pair(0x0190_0000_0000_7000, seq),
                event_type: p.event_type,
                data: p.data,
                meta: Meta {
                    actor: actor.to_owned(),
                    acting_for: p.acting_for,
                    basis: p.basis,
                    request_id: None,
                    causation_id: None,
                },
                effective_at: at,
            };
            let event = new.seal(seq, &p.stream, *version, recorded_at, self.head);
            self.head = event.hash().unwrap_or(Digest32::ZERO);
            self.state.apply(&event);
            self.events.push(event.clone());
            out.push(event);
        }
        out
    }

    /// Decides `cmd` and appends what it proposes.
    pub fn run(
        &mut self,
        actor: &str,
        at: Time,
        recorded_at: DateTime<Utc>,
        cmd: &Command,
    ) -> Result<Vec<Event>, Refusal> {
        let proposed = decide(&self.state, cmd, actor, at)?;
        Ok(self.append(proposed, actor, at, recorded_at))
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

/// SplitMix64: tiny, deterministic, good enough to pick demo names and counts.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
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
const WARDS: &[(&str, &str)] = &[
    ("KW", "川崎区役所"),
    ("SW", "幸区役所"),
    ("NH", "中原区役所"),
    ("TK", "高津区役所"),
    ("MM", "宮前区役所"),
    ("TM", "多摩区役所"),
    ("AS", "麻生区役所"),
];
/// Ward divisions: (suffix, name, assets their users work with).
const WARD_DIVISIONS: &[(&str, &str, &[&str])] = &[
    ("EH", "高齢・障害課", &["A01", "A04", "A05", "A14", "A16"]),
    ("PA", "保護課", &["A02", "A19"]),
    ("CF", "児童家庭課", &["A15", "A25", "A09", "A30"]),
];

/// Builds the steps; [`script`] is this without the ledger.
struct Builder {
    ledger: InMemory,
    steps: Vec<DemoStep>,
    rng: Rng,
    last_recorded: DateTime<Utc>,
    next_person: u32,
    refused: Vec<(usize, Refusal)>,
}

impl Builder {
    /// Records a step: decided now against the in-memory ledger; a refusal is kept for the
    /// test to report (the script keeps only accepted steps).
    fn step(&mut self, actor: &str, at: Time, command: Command) -> Vec<Event> {
        let delay = TimeDelta::hours(1 + self.rng.below(48) as i64);
        let rec = (at.with_timezone(&Utc) + delay).max(self.last_recorded + TimeDelta::seconds(1));
        match self.ledger.run(actor, at, rec, &command) {
            Ok(events) => {
                self.last_recorded = rec;
                self.steps.push(DemoStep {
                    recorded_at: rec,
                    actor: actor.to_owned(),
                    effective_at: at,
                    command,
                });
                events
            }
            Err(r) => {
                self.refused.push((self.steps.len(), r));
                Vec::new()
            }
        }
    }

    fn name(&mut self) -> String {
        let f = self.rng.pick(FAMILY).copied().unwrap_or("山田");
        let g = self.rng.pick(GIVEN).copied().unwrap_or("太郎");
        format!("{f} {g}")
    }

    fn new_person(&mut self, unit_id: &str, at: Time, order: &str) -> String {
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

    fn holder(&self, post: &str, at: Time) -> String {
        self.ledger
            .state
            .lens(at, None)
            .holder(post)
            .unwrap_or_default()
            .to_owned()
    }

    fn appoint(&mut self, post: &str, unit: &str, at: Time, order: &str) -> String {
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

const ADMIN: &str = "P0001";

fn day(at: Time, days: i64) -> Time {
    at + TimeDelta::days(days)
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
    let admin = demo_genesis_admin();
    let g = demo_genesis_at();
    let ledger = InMemory::with_genesis(&admin, g, demo_genesis_recorded_at())?;
    let mut b = Builder {
        ledger,
        steps: Vec::new(),
        rng: Rng(seed),
        last_recorded: demo_genesis_recorded_at(),
        next_person: 1,
        refused: Vec::new(),
    };
    let order21 = "令和3年4月1日付人事異動";

    // FY2021: the organisation the annex names is staffed.
    let fixed_posts: Vec<(&str, &str)> = crate::rules::POSTS
        .iter()
        .filter(|p| p.0 != "ADMIN")
        .map(|p| (p.0, p.2))
        .collect();
    for (post, unit) in &fixed_posts {
        b.appoint(post, unit, g, order21);
    }
    // Ward offices: three user divisions each, headed by a division head.
    for (w, ward) in WARDS {
        b.step(
            ADMIN,
            g,
            Command::EstablishUnit {
                unit_id: w.to_string(),
                name: ward.to_string(),
                parent_id: None,
                bureau: ward.to_string(),
                user_division: false,
            },
        );
        for (d, dname, _) in WARD_DIVISIONS {
            let unit = format!("{w}-{d}");
            b.step(
                ADMIN,
                g,
                Command::EstablishUnit {
                    unit_id: unit.clone(),
                    name: format!("{ward}{dname}"),
                    parent_id: Some(w.to_string()),
                    bureau: ward.to_string(),
                    user_division: true,
                },
            );
            b.step(
                ADMIN,
                g,
                Command::EstablishPost {
                    post_id: format!("{unit}-HEAD"),
                    title: format!("{ward}{dname}長"),
                    unit_id: unit.clone(),
                    heads_unit: true,
                },
            );
            b.appoint(&format!("{unit}-HEAD"), &unit, g, order21);
        }
    }
    // Usage officers (第8条): the heads of the divisions; 地域包括ケア推進室 has no head post
    // in the ledger, so its 担当課長 is named with a reason (第8条第2項).
    let ward_units: Vec<String> = WARDS
        .iter()
        .flat_map(|(w, _)| {
            WARD_DIVISIONS
                .iter()
                .map(move |(d, _, _)| format!("{w}-{d}"))
        })
        .collect();
    for unit in &ward_units {
        let head = b.holder(&format!("{unit}-HEAD"), g);
        b.step(
            ADMIN,
            g,
            Command::AppointUsageOfficer {
                unit_id: unit.clone(),
                person_id: head,
                reason_not_head: None,
                replace_current: false,
            },
        );
    }
    for (post, unit, heads) in crate::rules::POSTS
        .iter()
        .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
        .map(|p| (p.0, p.2, p.3))
    {
        let h = b.holder(post, g);
        if b.ledger.state.lens(g, None).usage_officer(unit).is_some() {
            continue;
        }
        let reason =
            (!heads).then(|| "課長職を置かない室・部のため担当課長を利用責任者とする".to_string());
        b.step(
            ADMIN,
            g,
            Command::AppointUsageOfficer {
                unit_id: unit.into(),
                person_id: h,
                reason_not_head: reason,
                replace_current: false,
            },
        );
    }
    // System operation staff (第4条第3項) and information management staff (第5条第4項).
    let t = day(g, 7);
    for unit in ["HW-GA-SYS", "HW-GA-SYS", "CF-GA-PLAN"] {
        let p = b.new_person(unit, t, order21);
        b.step(ADMIN, t, Command::DesignateOperationStaff { person_id: p });
    }
    let mut ims: BTreeMap<String, String> = BTreeMap::new();
    for (post, unit) in [
        ("O03", "HW-LS-LTCI"),
        ("O06", "HW-DH-WELF"),
        ("O10", "CF-CS-HW"),
        ("O11", "HW-LS-HOME"),
        ("O12", "CF-CS-FAM"),
        ("O05", "HW-WA"),
    ] {
        let staff = b.new_person(unit, t, order21);
        let officer = b.holder(post, t);
        b.step(
            &officer,
            t,
            Command::DesignateInformationManagementStaff {
                person_id: staff.clone(),
                officer_post_id: Some(post.into()),
            },
        );
        ims.insert(post.to_string(), staff);
    }
    // Emergency rosters (第9条): every officer but O13 and O14 (the audit view shows them).
    let t = day(g, 14);
    for post in (1..=18)
        .map(|i| format!("O{i:02}"))
        .filter(|p| p != "O13" && p != "O14")
    {
        let officer = b.holder(&post, t);
        let mut entries = vec![RosterEntry {
            person_id: officer.clone(),
            contact: "内線 1000".into(),
            can_inform: false,
            can_decide: true,
        }];
        let informer = ims
            .get(&post)
            .cloned()
            .unwrap_or_else(|| b.holder("ADMIN", t));
        entries.push(RosterEntry {
            person_id: informer,
            contact: "内線 2000".into(),
            can_inform: true,
            can_decide: false,
        });
        b.step(
            &officer,
            t,
            Command::RecordRoster {
                officer_post_id: Some(post),
                entries,
            },
        );
    }

    // Users and their access, every fiscal year (第2条第3号, 第8条第3項, 第5条第2項).
    let mut users: Vec<(String, String)> = Vec::new(); // (person, unit)
    for fy in 0..5 {
        let start = jst_date(2021 + fy, 4, 1);
        let order = format!("{}年4月1日付人事異動", 2021 + fy);
        if fy > 0 {
            // 1 April: a third of the officer posts and one supervisor change hands.
            let mut posts: Vec<&(&str, &str)> = fixed_posts
                .iter()
                .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
                .collect();
            posts.retain(|_| b.rng.below(3) == 0);
            let sup = if fy % 2 == 0 {
                ("SUP-HW", "HW-GA")
            } else {
                ("SUP-CF", "CF-GA")
            };
            let mut changes: Vec<(&str, &str)> = posts.into_iter().copied().collect();
            changes.push(sup);
            if fy == 1 {
                changes.push(("O06", "HW-DH-WELF"));
            }
            changes.sort();
            changes.dedup();
            for (post, unit) in changes {
                let p = b.appoint(post, unit, start, &order);
                let heads = crate::rules::POSTS.iter().any(|x| x.0 == post && x.3);
                let lens = b.ledger.state.lens(start, None);
                let is_uo = lens.usage_officer(unit).is_some();
                if heads && is_uo {
                    b.step(
                        ADMIN,
                        start,
                        Command::AppointUsageOfficer {
                            unit_id: unit.into(),
                            person_id: p.clone(),
                            reason_not_head: None,
                            replace_current: true,
                        },
                    );
                }
                if b.ledger.state.lens(start, None).roster(post).is_some() {
                    let entries = vec![
                        RosterEntry {
                            person_id: p.clone(),
                            contact: "内線 1000".into(),
                            can_inform: false,
                            can_decide: true,
                        },
                        RosterEntry {
                            person_id: b.holder("ADMIN", start),
                            contact: "内線 2000".into(),
                            can_inform: true,
                            can_decide: false,
                        },
                    ];
                    b.step(
                        &p,
                        day(start, 3),
                        Command::RecordRoster {
                            officer_post_id: Some(post.into()),
                            entries,
                        },
                    );
                }
            }
            // Some users move to another division; most lose their grants, a few keep them
            // (the audit view shows those).
            let movers: Vec<usize> = (0..users.len()).filter(|_| b.rng.below(12) == 0).collect();
            for (k, i) in movers.into_iter().enumerate() {
                let (person, from) = users[i].clone();
                let Some(to) = b.rng.pick(&ward_units).cloned() else {
                    continue;
                };
                let registered = b
                    .ledger
                    .state
                    .lens(start, None)
                    .user_registration(&person)
                    .is_some_and(|r| r.unit_id == from);
                if to == from || !registered {
                    continue;
                }
                if k % 4 != 0 {
                    let grants: Vec<String> = b
                        .ledger
                        .state
                        .lens(start, None)
                        .access(None, Some(&person))
                        .grants
                        .into_iter()
                        .map(|g| g.asset_id)
                        .collect();
                    for a in grants {
                        let officer = b
                            .ledger
                            .state
                            .lens(start, None)
                            .officers_of_asset(&a)
                            .into_iter()
                            .find_map(|(_, h)| h)
                            .unwrap_or_default();
                        b.step(
                            &officer,
                            start,
                            Command::RevokePermission {
                                person_id: person.clone(),
                                asset_id: a,
                                reason: "異動のため".into(),
                            },
                        );
                    }
                    let uo = b
                        .ledger
                        .state
                        .lens(start, None)
                        .usage_officer(&from)
                        .map(|t| t.person_id.clone())
                        .unwrap_or_default();
                    b.step(
                        &uo,
                        start,
                        Command::DeregisterUser {
                            person_id: person.clone(),
                            reason: "異動のため".into(),
                        },
                    );
                }
                b.step(
                    ADMIN,
                    start,
                    Command::TransferPerson {
                        person_id: person.clone(),
                        unit_id: to.clone(),
                        personnel_order: order.clone(),
                    },
                );
                users[i].1 = to;
            }
        }
        // New users this year.
        let count = if fy == 0 { 150 } else { 40 };
        let t = day(start, 10);
        for _ in 0..count {
            let Some(unit) = b.rng.pick(&ward_units).cloned() else {
                continue;
            };
            let p = b.new_person(&unit, t, &order);
            let uo = b
                .ledger
                .state
                .lens(t, None)
                .usage_officer(&unit)
                .map(|x| x.person_id.clone())
                .unwrap_or_default();
            b.step(
                &uo,
                t,
                Command::RegisterUser {
                    person_id: p.clone(),
                },
            );
            users.push((p.clone(), unit.clone()));
            let assets = WARD_DIVISIONS
                .iter()
                .find(|d| unit.ends_with(d.0))
                .map(|d| d.2)
                .unwrap_or(&[]);
            let n = 1 + b.rng.below(2);
            let first = b.rng.below(assets.len());
            for k in 0..n {
                let Some(asset) = assets.get((first + k) % assets.len().max(1)).copied() else {
                    continue;
                };
                let rt = day(t, 1);
                let ev = b.step(
                    &uo,
                    rt,
                    Command::RequestPermission {
                        person_id: p.clone(),
                        asset_id: asset.into(),
                        scope: "照会・更新".into(),
                        until: None,
                    },
                );
                let request_id = ev
                    .first()
                    .and_then(|e| e.data.get("request_id"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let gt = day(t, 3);
                let officer = b
                    .ledger
                    .state
                    .lens(gt, None)
                    .officers_of_asset(asset)
                    .into_iter()
                    .find_map(|(_, h)| h)
                    .unwrap_or_default();
                if b.rng.below(15) == 0 {
                    b.step(
                        &officer,
                        gt,
                        Command::RefusePermission {
                            person_id: p.clone(),
                            asset_id: asset.into(),
                            reason: "業務上の必要が確認できない".into(),
                            request_id,
                        },
                    );
                } else {
                    b.step(
                        &officer,
                        gt,
                        Command::GrantPermission {
                            person_id: p.clone(),
                            asset_id: asset.into(),
                            scope: "照会・更新".into(),
                            until: None,
                            request_id,
                        },
                    );
                }
            }
        }
        if fy == 0 {
            // A grant recorded on the wrong asset, corrected below (記録の原則).
            let (p, unit) = users.first().cloned().unwrap_or_default();
            let uo = b
                .ledger
                .state
                .lens(t, None)
                .usage_officer(&unit)
                .map(|x| x.person_id.clone())
                .unwrap_or_default();
            let _ = uo;
            let officer = b.holder("O09", day(t, 5));
            let ev = b.step(
                &officer,
                day(t, 5),
                Command::GrantPermission {
                    person_id: p,
                    asset_id: "A08".into(),
                    scope: "照会".into(),
                    until: None,
                    request_id: None,
                },
            );
            // The correction of the wrong grant.
            if let Some(seq) = ev.first().map(|e| e.seq) {
                let t = jst_date(2021, 5, 10);
                let officer = b.holder("O09", t);
                b.step(
                    &officer,
                    t,
                    Command::Correct {
                        corrects_seq: seq,
                        corrects_event_id: None,
                        reason: "対象者の誤りによる誤登録".into(),
                    },
                );
            }
        }
        processes(&mut b, fy);
    }
    Ok(b)
}

/// Modifications, retirement, security requests, meetings, directive, incident of fiscal
/// year `fy` (0 = FY2021), after that year's personnel changes and users.
fn processes(b: &mut Builder, fy: i32) {
    match fy {
        0 => fy2021(b),
        1 => fy2022(b),
        2 => fy2023(b),
        3 => fy2024(b),
        _ => fy2025(b),
    }
}

fn fy2021(b: &mut Builder) {
    // Meeting in person (第12条第1項), FY2021.
    let t = jst_date(2021, 5, 20);
    let sup = b.holder("SUP-HW", t);
    let members: Vec<String> = ["O01", "O03", "O06", "O11"]
        .iter()
        .map(|p| b.holder(p, t))
        .collect();
    let ev = b.step(
        &sup,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Management,
            form: MeetingForm::InPerson,
            urgency_reason: None,
            members: members.clone(),
            agenda: vec!["令和3年度運用方針".into()],
            held_on: NaiveDate::from_ymd_opt(2021, 5, 27).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        let t2 = jst_date(2021, 5, 27);
        b.step(
            &sup,
            t2,
            Command::RecordMinutes {
                meeting_id: id.clone(),
                attendees: members,
                agenda: vec!["令和3年度運用方針".into()],
                resolutions: vec!["運用方針を了承".into()],
            },
        );
        b.step(
            &sup,
            t2,
            Command::ResolveMeeting {
                meeting_id: id,
                resolution: "令和3年度運用方針を決定".into(),
            },
        );
    }

    // MOD-0001: 障害福祉課長 (O06) modifies A04/A05, touching A07 (O06, O08) and A29 (O11, O08,
    // O07): approvals of O07, O08, O11 first (第6条第2項); consent given by the administrator as
    // the supervisor's deputy (第4条第1項).
    let t = jst_date(2021, 9, 1);
    let o6 = b.holder("O06", t);
    let ev = b.step(
        &o6,
        t,
        Command::ProposeModification {
            title: "障害者手帳の様式変更対応".into(),
            description: "手帳様式の変更に伴う画面・帳票の改修".into(),
            asset_ids: vec!["A04".into(), "A05".into(), "A07".into(), "A29".into()],
            touches_common_parts: false,
            proposer_post_id: Some("O06".into()),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("modification_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        for (i, post) in ["O07", "O08", "O11"].iter().enumerate() {
            let at = day(t, 7 + i as i64);
            let h = b.holder(post, at);
            b.step(
                &h,
                at,
                Command::ApproveModification {
                    modification_id: id.clone(),
                    comment: Some("影響確認済".into()),
                },
            );
        }
        b.step(
            ADMIN,
            day(t, 14),
            Command::ConsentToModification {
                modification_id: id.clone(),
            },
        );
        b.step(
            &o6,
            day(t, 20),
            Command::DecideModificationContent {
                modification_id: id.clone(),
                content: "様式変更対応（画面3、帳票5）".into(),
            },
        );
        let sup = b.holder("SUP-HW", day(t, 30));
        b.step(
            &sup,
            day(t, 30),
            Command::DecideModification {
                modification_id: id,
                procedure_documents: vec!["システム導入等事務手続要綱 様式第1号".into()],
                summary: "改修を決定".into(),
            },
        );
    }
}

fn fy2022(b: &mut Builder) {
    // Staff meeting (第12条第4項) and a directive (第13条), FY2022.
    let t = jst_date(2022, 4, 15);
    let sup = b.holder("SUP-HW", t);
    b.step(
        &sup,
        t,
        Command::IssueDirective {
            title: "パスワード管理の徹底".into(),
            body: "利用者のパスワードは90日ごとに変更すること".into(),
            bureau: None,
        },
    );
    let t = jst_date(2022, 5, 12);
    let members: Vec<String> = b
        .ledger
        .state
        .lens(t, None)
        .organisation()
        .persons
        .into_iter()
        .filter(|p| {
            p.roles.iter().any(|r| {
                matches!(
                    r.role,
                    govledger_schema::events::Role::SystemOperationStaff
                        | govledger_schema::events::Role::InformationManagementStaff
                )
            })
        })
        .map(|p| p.person_id)
        .collect();
    let ev = b.step(
        ADMIN,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Staff,
            form: MeetingForm::InPerson,
            urgency_reason: None,
            members: members.clone(),
            agenda: vec!["障害対応手順の確認".into()],
            held_on: NaiveDate::from_ymd_opt(2022, 5, 19).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        b.step(
            ADMIN,
            jst_date(2022, 5, 19),
            Command::RecordMinutes {
                meeting_id: id,
                attendees: members,
                agenda: vec!["障害対応手順の確認".into()],
                resolutions: vec!["手順書を改訂する".into()],
            },
        );
    }

    // MOD-0002: こども家庭課長 (O12) modifies A15/A25 and the common parts: coordination by the
    // common parts' supervisor (第6条第1項第2号), consent of the Children's Future supervisor.
    let t = jst_date(2022, 6, 1);
    let o12 = b.holder("O12", t);
    let ev = b.step(
        &o12,
        t,
        Command::ProposeModification {
            title: "児童手当の制度改正対応".into(),
            description: "所得上限の導入に伴う共通宛名・判定処理の改修".into(),
            asset_ids: vec!["A15".into(), "A25".into()],
            touches_common_parts: true,
            proposer_post_id: None,
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("modification_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let cf = b.holder("SUP-CF", day(t, 5));
        b.step(
            &cf,
            day(t, 5),
            Command::ConsentToModification {
                modification_id: id.clone(),
            },
        );
        let hw = b.holder("SUP-HW", day(t, 10));
        b.step(
            &hw,
            day(t, 10),
            Command::CoordinateModification {
                modification_id: id.clone(),
                officer_post_ids: vec!["O12".into()],
                content: "共通宛名の世帯判定を改修".into(),
            },
        );
        b.step(
            &o12,
            day(t, 15),
            Command::DecideModificationContent {
                modification_id: id.clone(),
                content: "所得判定の追加".into(),
            },
        );
        b.step(
            &cf,
            day(t, 25),
            Command::DecideModification {
                modification_id: id,
                procedure_documents: vec!["システム導入等事務手続要綱".into()],
                summary: "制度改正対応を決定".into(),
            },
        );
    }

    // Security request answered and closed (第10条第2項), FY2022.
    let t = jst_date(2022, 9, 1);
    let hw = b.holder("SUP-HW", t);
    let ev = b.step(
        &hw,
        t,
        Command::IssueSecurityRequest {
            addressee: Addressee::Officer {
                post_id: "O03".into(),
            },
            finding: "退職者のアカウントが残存".into(),
            standard: "川崎市情報セキュリティ基準".into(),
            due: NaiveDate::from_ymd_opt(2022, 10, 31).unwrap_or_default(),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("request_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let o3 = b.holder("O03", jst_date(2022, 10, 3));
        b.step(
            &o3,
            jst_date(2022, 10, 3),
            Command::RespondToSecurityRequest {
                request_id: id.clone(),
                response: "棚卸しを実施し削除した".into(),
            },
        );
        let hw = b.holder("SUP-HW", jst_date(2022, 10, 10));
        b.step(
            &hw,
            jst_date(2022, 10, 10),
            Command::CloseSecurityRequest {
                request_id: id,
                note: "対応を確認".into(),
            },
        );
    }

    // Circulation (第12条第2項), FY2022: every member signs, then it is resolved.
    let t = jst_date(2023, 2, 6);
    let cf = b.holder("SUP-CF", t);
    let members: Vec<String> = ["O10", "O12", "O15"]
        .iter()
        .map(|p| b.holder(p, t))
        .collect();
    let ev = b.step(
        &cf,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Management,
            form: MeetingForm::Circulation,
            urgency_reason: Some("制度改正の施行日が迫るため".into()),
            members: members.clone(),
            agenda: vec!["子育て支援給付の緊急改修".into()],
            held_on: NaiveDate::from_ymd_opt(2023, 2, 6).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        for (i, m) in members.iter().enumerate() {
            let position = if i == 2 {
                SignaturePosition::Comment
            } else {
                SignaturePosition::Agree
            };
            b.step(
                m,
                day(t, 1 + i as i64),
                Command::SignCirculation {
                    meeting_id: id.clone(),
                    position,
                    comment: None,
                },
            );
        }
        b.step(
            &cf,
            day(t, 5),
            Command::ResolveMeeting {
                meeting_id: id,
                resolution: "緊急改修を了承".into(),
            },
        );
    }
}

fn fy2023(b: &mut Builder) {
    // Incident (第3条第2項第4号, 第11条), FY2023.
    let t = jst_date(2023, 8, 10);
    let ops = b.holder("OPS", t);
    let ev = b.step(
        &ops,
        t,
        Command::ReportIncident {
            summary: "夜間バッチの異常終了".into(),
            asset_ids: vec!["A01".into()],
            occurred_at: t - TimeDelta::hours(3),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("incident_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let hw = b.holder("SUP-HW", t);
        b.step(
            &hw,
            day(t, 0),
            Command::DirectIncident {
                incident_id: id.clone(),
                directions: "再実行と影響調査".into(),
            },
        );
        b.step(
            &ops,
            day(t, 1),
            Command::CoordinateIncident {
                incident_id: id.clone(),
                actions: "ベンダーと再実行".into(),
            },
        );
        b.step(
            &hw,
            day(t, 2),
            Command::ResolveIncident {
                incident_id: id,
                resolution: "再実行で復旧、データ影響なし".into(),
            },
        );
    }
}

fn fy2024(b: &mut Builder) {
    // Retirement (第7条), FY2024: こども家庭課長 (O12) stops A18, affecting A19 (O05).
    let t = jst_date(2024, 7, 1);
    let o12 = b.holder("O12", t);
    let ev = b.step(
        &o12,
        t,
        Command::NoticeRetirement {
            asset_ids: vec!["A18".into()],
            affected_asset_ids: vec!["A19".into()],
            reason: "貸付業務の別システム移行".into(),
            planned_stop: NaiveDate::from_ymd_opt(2024, 9, 30).unwrap_or_default(),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("retirement_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let o5 = b.holder("O05", day(t, 9));
        b.step(
            &o5,
            day(t, 9),
            Command::ApproveRetirement {
                retirement_id: id.clone(),
                comment: None,
            },
        );
        let cf = b.holder("SUP-CF", day(t, 14));
        b.step(
            &cf,
            day(t, 14),
            Command::ConsentToRetirement {
                retirement_id: id.clone(),
            },
        );
        let o12 = b.holder("O12", day(t, 62));
        b.step(
            &o12,
            day(t, 62),
            // Named by its assets: the rules find the notice given before (第7条第1項第1号).
            Command::DecideRetirement {
                retirement_id: None,
                asset_ids: vec!["A18".into()],
            },
        );
        let cf = b.holder("SUP-CF", day(t, 76));
        b.step(
            &cf,
            day(t, 76),
            Command::RecordRetirementMeasures {
                retirement_id: id,
                measures: vec!["データ移行".into(), "アカウント停止".into()],
            },
        );
    }
}

fn fy2025(b: &mut Builder) {
    // Security request left unanswered: overdue at the demo's end (2026-03-31).
    let t = jst_date(2025, 11, 4);
    let hw = b.holder("SUP-HW", t);
    b.step(
        &hw,
        t,
        Command::IssueSecurityRequest {
            addressee: Addressee::UsageOfficer {
                unit_id: "KW-EH".into(),
            },
            finding: "共有端末でのログアウト漏れ".into(),
            standard: "情報セキュリティ対策マニュアル".into(),
            due: NaiveDate::from_ymd_opt(2026, 1, 30).unwrap_or_default(),
        },
    );
    consent_refusals(b);
    // The supervisor directs the officer of A01 (第3条第3項, 第5条第3項) on the overdue request.
    let t = jst_date(2026, 2, 2);
    let hw = b.holder("SUP-HW", t);
    b.step(
        &hw,
        t,
        Command::DirectOfficer {
            addressee: Addressee::Officer {
                post_id: "O03".into(),
            },
            matter: "共有端末の利用管理".into(),
            direction: "利用課と連携し、共有端末のログアウト手順を2月末までに周知すること".into(),
        },
    );
    operations(b);
}

/// 第11条 operation records from January 2026, when the ledger starts keeping them: weekly
/// backups and monthly monitoring by operations support (one backup fails and is rerun the
/// next day, so the audit as of 16 February flags the backup overdue), a maintenance by the
/// administrator and a batch run by system operation staff. Before January the audit flags both
/// periodic operations as never recorded.
fn operations(b: &mut Builder) {
    use govledger_schema::events::{OperationKind as K, OperationResult as R, StaffRole};
    let at = |m: u32, d: u32, h: i64| jst_date(2026, m, d) + TimeDelta::hours(h);
    let mut records: Vec<(Time, K, &str, R)> = Vec::new();
    for (m, d) in [
        (1, 5),
        (1, 12),
        (1, 19),
        (1, 26),
        (2, 2),
        (2, 9),
        (2, 16),
        (2, 17),
        (2, 23),
        (3, 2),
        (3, 9),
        (3, 16),
        (3, 23),
        (3, 30),
    ] {
        let result = if (m, d) == (2, 16) {
            R::Failed
        } else {
            R::Succeeded
        };
        records.push((
            at(m, d, 2),
            K::Backup,
            "DBサーバ 週次フルバックアップ",
            result,
        ));
    }
    for (m, d) in [(1, 30), (2, 27), (3, 27)] {
        records.push((
            at(m, d, 9),
            K::Monitoring,
            "全サーバ 月次監視報告",
            R::Succeeded,
        ));
    }
    records.sort_by_key(|r| r.0);
    for (t, kind, target, result) in records {
        let ops = b.holder("OPS", t);
        b.step(
            &ops,
            t,
            Command::RecordOperation {
                operation: kind,
                target: target.into(),
                result,
                detail: (result == R::Failed).then(|| "テープ装置の障害、翌日再実行".into()),
                ticket: None,
            },
        );
    }
    let t = at(3, 14, 20);
    b.step(
        ADMIN,
        t,
        Command::RecordOperation {
            operation: K::Maintenance,
            target: "APサーバ OSセキュリティパッチ適用".into(),
            result: R::Succeeded,
            detail: None,
            ticket: Some("CHG-2026-0314".into()),
        },
    );
    let t = at(3, 31, -3);
    let lens = b.ledger.state.lens(t, None);
    let staff = b
        .ledger
        .state
        .persons()
        .find(|p| {
            lens.designation(&p.id, StaffRole::SystemOperationStaff)
                .is_some()
        })
        .map(|p| p.id.clone());
    if let Some(staff) = staff {
        b.step(
            &staff,
            t,
            Command::RecordOperation {
                operation: K::Batch,
                target: "年度末一括更新バッチ".into(),
                result: R::Succeeded,
                detail: None,
                ticket: None,
            },
        );
    }
}

/// A modification and a retirement whose consent the supervisor refuses (不同意, 第6条第1項第1号,
/// 第7条第1項第1号), FY2025: both close there.
fn consent_refusals(b: &mut Builder) {
    let t = jst_date(2025, 12, 1);
    let o3 = b.holder("O03", t);
    let ev = b.step(
        &o3,
        t,
        Command::ProposeModification {
            title: "介護保険帳票の全面刷新".into(),
            description: "全帳票の様式を刷新する".into(),
            asset_ids: vec!["A01".into()],
            touches_common_parts: false,
            proposer_post_id: Some("O03".into()),
        },
    );
    if let Some(id) = first_str(&ev, "modification_id") {
        let hw = b.holder("SUP-HW", day(t, 9));
        b.step(
            &hw,
            day(t, 9),
            Command::RefuseModificationConsent {
                modification_id: id,
                reason: "令和8年度の制度改正後に改めて提案すること".into(),
            },
        );
    }
    let t = jst_date(2026, 1, 15);
    let o1 = b.holder("O01", t);
    let ev = b.step(
        &o1,
        t,
        Command::NoticeRetirement {
            asset_ids: vec!["A03".into()],
            affected_asset_ids: vec![],
            reason: "民生委員管理の別システム化".into(),
            planned_stop: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
        },
    );
    if let Some(id) = first_str(&ev, "retirement_id") {
        let hw = b.holder("SUP-HW", day(t, 11));
        b.step(
            &hw,
            day(t, 11),
            Command::RefuseRetirementConsent {
                retirement_id: id,
                reason: "後継システムが決まっていないため".into(),
            },
        );
    }
}

/// The string member `key` of the first event's data.
fn first_str(ev: &[Event], key: &str) -> Option<String> {
    ev.first()
        .and_then(|e| e.data.get(key))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn meeting_id(ev: &[Event]) -> Option<String> {
    ev.first()
        .and_then(|e| e.data.get("meeting_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// The end of the demo's fifth fiscal year.
pub fn demo_end() -> Time {
    jst_date(2026, 3, 31)
}

//! Read models. Every view is computed through a [`Lens`] (as of an effective time, as known at a
//! ledger seq) and carries the seqs of the events it rests on, so an auditor can follow them.

use chrono::{NaiveDate, TimeDelta};
use govledger_schema::events::{
    Addressee, MeetingForm, MeetingKind, OperationKind, OperationResult, Role, SignaturePosition,
    StaffRole,
};
use serde::Serialize;

use crate::model::*;
use crate::{Stamp, State, Time};

/// A decision recorded long after it took effect is flagged by the audit view.
pub const LATE_RECORDING_DAYS: i64 = 30;

/// The common header of every view.
#[derive(Debug, Clone, Serialize)]
pub struct ViewAt {
    pub as_of: Time,
    pub known_at: Option<u64>,
    /// The last seq the state had folded in when the view was made.
    pub applied_seq: u64,
}

/// A holder of a post over a span.
#[derive(Debug, Clone, Serialize)]
pub struct HolderView {
    pub person_id: String,
    pub name: String,
    pub since: Time,
    pub until: Option<Time>,
    pub personnel_order: String,
    pub appointed_seq: u64,
    pub ended_seq: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub bureau: String,
    pub user_division: bool,
    pub usage_officer: Option<PersonAt>,
    pub established_seq: u64,
}

/// A person in a role since a time, on the event at `seq`.
#[derive(Debug, Clone, Serialize)]
pub struct PersonAt {
    pub person_id: String,
    pub name: String,
    pub since: Time,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostView {
    pub id: String,
    pub title: String,
    pub unit_id: String,
    pub heads_unit: bool,
    /// Roles the regulation attaches to this post.
    pub roles: Vec<Role>,
    /// Assets this post is an officer post of (別表).
    pub officer_of_assets: Vec<String>,
    pub holder: Option<HolderView>,
    /// Holders whose appointment ended by `as_of`, oldest first.
    pub past_holders: Vec<HolderView>,
    pub established_seq: u64,
}

/// One role of a person and how they hold it.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRole {
    pub role: Role,
    /// `post:<id>`, `designation:<post id>`, `unit:<id>`.
    pub via: String,
    pub since: Time,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonRoles {
    pub person_id: String,
    pub name: String,
    pub unit_id: Option<String>,
    pub roles: Vec<PersonRole>,
}

/// Organisation view: units, posts with current and past holders, each person's roles.
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationView {
    pub at: ViewAt,
    pub units: Vec<UnitView>,
    pub posts: Vec<PostView>,
    /// Persons with at least one role at `as_of`.
    pub persons: Vec<PersonRoles>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficerView {
    pub post_id: String,
    pub title: Option<String>,
    pub holder: Option<HolderView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    pub id: String,
    pub annex_row: u32,
    pub name: String,
    pub businesses: Vec<String>,
    pub bureau: String,
    pub supervisor_post_id: Option<String>,
    pub officers: Vec<OfficerView>,
    pub retired: Option<RetiredView>,
    pub annex_seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetiredView {
    pub retirement_id: String,
    pub since: Time,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetsView {
    pub at: ViewAt,
    pub assets: Vec<AssetView>,
}

/// Who may use which asset, since when, on whose decision.
#[derive(Debug, Clone, Serialize)]
pub struct AccessEntry {
    pub asset_id: String,
    pub person_id: String,
    pub person_name: String,
    pub unit_id: String,
    pub scope: String,
    pub since: Time,
    pub until: Option<Time>,
    /// The deciding event.
    pub decided_seq: u64,
    /// The person who decided, the officer post they decided as, and the post acted for.
    pub decided_by: String,
    pub officer_post_id: String,
    pub acting_for: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    pub at: ViewAt,
    pub grants: Vec<AccessEntry>,
    /// Grants in all, of which `grants` holds the [`Window`] asked for.
    pub total: usize,
}

/// One act in a process, for views.
#[derive(Debug, Clone, Serialize)]
pub struct ActView {
    pub post_id: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub text: String,
    pub effective_at: Time,
    pub seq: u64,
}

impl From<&PostAct> for ActView {
    fn from(a: &PostAct) -> ActView {
        ActView {
            post_id: a.post_id.clone(),
            actor: a.actor.clone(),
            acting_for: a.acting_for.clone(),
            text: a.text.clone(),
            effective_at: a.stamp.at,
            seq: a.stamp.seq,
        }
    }
}

/// Something a process still lacks, with the article that requires it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// `approval`, `consent`, `content_decision`, `coordination`, `final_decision`,
    /// `notice`, `decision`, `measures`.
    pub what: &'static str,
    pub post_id: Option<String>,
    pub article: &'static str,
}

/// Where a modification stands (第6条). The rules read this, not [`ModificationView::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModificationState {
    Open,
    Decided,
    Withdrawn,
    /// Closed by the supervisor's refusal of consent (不同意, 第6条第1項第1号).
    ConsentRefused,
}

impl ModificationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModificationState::Open => "open",
            ModificationState::Decided => "decided",
            ModificationState::Withdrawn => "withdrawn",
            ModificationState::ConsentRefused => "consent_refused",
        }
    }
}

/// Where a retirement stands (第7条). The rules read this, not [`RetirementView::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetirementState {
    Noticed,
    Decided,
    /// Measures recorded (第7条第1項第2号).
    Completed,
    /// Closed by the supervisor's refusal of consent (不同意, 第7条第1項第1号).
    ConsentRefused,
}

impl RetirementState {
    pub fn as_str(self) -> &'static str {
        match self {
            RetirementState::Noticed => "noticed",
            RetirementState::Decided => "decided",
            RetirementState::Completed => "completed",
            RetirementState::ConsentRefused => "consent_refused",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ModificationView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub proposer_post_id: String,
    pub proposed_by: String,
    pub proposed_at: Time,
    pub proposed_seq: u64,
    pub touches_common_parts: bool,
    /// Assets the proposing officer manages (第6条第1項第1号).
    pub own_asset_ids: Vec<String>,
    /// Other officers' assets the modification touches (第6条第2項).
    pub other_asset_ids: Vec<String>,
    /// `open`, `decided`, `withdrawn`, `consent_refused`: [`ModificationState::as_str`].
    pub status: &'static str,
    #[serde(skip)]
    pub state: ModificationState,
    pub approvals_required: Vec<String>,
    pub approvals: Vec<ActView>,
    pub rejections: Vec<ActView>,
    pub consents_required: Vec<String>,
    pub consents: Vec<ActView>,
    /// The supervisor's refusal of consent (不同意), which closes the modification.
    pub consent_refusal: Option<ActView>,
    pub content_required: bool,
    pub content: Option<ActView>,
    pub coordination_required_with: Vec<String>,
    pub coordination: Option<ActView>,
    /// Supervisor posts that may take the overall decision (第6条第1項第3号).
    pub final_deciders: Vec<String>,
    pub final_decision: Option<ActView>,
    pub procedure_documents: Vec<String>,
    pub missing: Vec<Missing>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetirementView {
    pub id: String,
    pub officer_post_id: String,
    pub asset_ids: Vec<String>,
    pub affected_asset_ids: Vec<String>,
    pub reason: String,
    pub planned_stop: NaiveDate,
    pub noticed_by: String,
    pub noticed_at: Time,
    pub noticed_seq: u64,
    /// `noticed`, `decided`, `completed` (measures recorded), `consent_refused`:
    /// [`RetirementState::as_str`].
    pub status: &'static str,
    #[serde(skip)]
    pub state: RetirementState,
    pub approvals_required: Vec<String>,
    pub approvals: Vec<ActView>,
    pub consents_required: Vec<String>,
    pub consents: Vec<ActView>,
    /// The supervisor's refusal of consent (不同意), which closes the retirement.
    pub consent_refusal: Option<ActView>,
    pub decision: Option<ActView>,
    pub measures: Vec<String>,
    pub missing: Vec<Missing>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangesView {
    pub at: ViewAt,
    pub modifications: Vec<ModificationView>,
    pub retirements: Vec<RetirementView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityRequestView {
    pub id: String,
    pub supervisor_post_id: String,
    pub issued_by: String,
    pub acting_for: Option<String>,
    pub addressee: Addressee,
    pub finding: String,
    pub standard: String,
    pub due: NaiveDate,
    /// `open`, `responded`, `closed`.
    pub status: &'static str,
    pub overdue: bool,
    pub last_response: Option<String>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityRequestsView {
    pub at: ViewAt,
    pub requests: Vec<SecurityRequestView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub person_id: String,
    pub position: SignaturePosition,
    pub comment: Option<String>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: String,
    pub kind: MeetingKind,
    pub form: MeetingForm,
    pub urgency_reason: Option<String>,
    pub convener_post_id: String,
    pub convened_by: String,
    pub acting_for: Option<String>,
    pub held_on: NaiveDate,
    pub members: Vec<String>,
    pub agenda: Vec<String>,
    pub minutes: Option<MinutesView>,
    pub signatures: Vec<SignatureView>,
    /// Members of a circulation who have not signed.
    pub unsigned: Vec<String>,
    pub resolution: Option<ActView>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MinutesView {
    pub attendees: Vec<String>,
    pub agenda: Vec<String>,
    pub resolutions: Vec<String>,
    pub recorded_by: String,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingsView {
    pub at: ViewAt,
    pub meetings: Vec<MeetingView>,
    pub directives: Vec<DirectiveView>,
    /// The supervisor's directions of officers (第3条第3項, 第5条第3項).
    pub officer_directions: Vec<OfficerDirectionView>,
}

/// One direction of an officer by the supervisor (第3条第3項, 第5条第3項).
#[derive(Debug, Clone, Serialize)]
pub struct OfficerDirectionView {
    pub id: String,
    pub supervisor_post_id: String,
    pub directed_by: String,
    pub acting_for: Option<String>,
    /// `officer` (an information management officer's post) or `usage_officer` (a division's).
    pub addressee_kind: &'static str,
    /// The post (officer) or the unit (usage officer) addressed.
    pub addressee_id: String,
    pub person_id: String,
    pub matter: String,
    pub direction: String,
    pub basis: String,
    pub effective_at: Time,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectiveView {
    pub id: String,
    pub supervisor_post_id: String,
    pub issued_by: String,
    pub title: String,
    pub body: String,
    pub effective_at: Time,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub summary: String,
    pub asset_ids: Vec<String>,
    pub occurred_at: Time,
    pub reported_by: String,
    /// `reported`, `directed`, `coordinated`, `resolved`.
    pub status: &'static str,
    pub directions: Vec<ActView>,
    pub coordinations: Vec<ActView>,
    pub resolution: Option<ActView>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RosterView {
    pub officer_post_id: String,
    pub holder: Option<String>,
    pub entries: Vec<govledger_schema::events::RosterEntry>,
    /// 第9条第2項: someone who informs and someone who decides.
    pub valid: bool,
    pub seq: Option<u64>,
}

/// One operation record of 第11条.
#[derive(Debug, Clone, Serialize)]
pub struct OperationView {
    pub operation: OperationKind,
    pub target: String,
    pub result: OperationResult,
    pub detail: Option<String>,
    /// The work order it was done under, if recorded (`operation.recorded.v2`).
    pub ticket: Option<String>,
    pub recorded_by: String,
    pub recorded_as: Role,
    pub basis: String,
    pub effective_at: Time,
    pub seq: u64,
}

/// 第11条第1号 operations that must recur, with their longest allowed gap in days: a
/// successful backup at least weekly and a server-monitoring record at least monthly, counted
/// from the ledger's genesis (the regulation applies from then). Maintenance (第2号) and batch
/// runs (第4号) follow the need, so no period is set for them. Decided for issue 14: the
/// regulation names the work, not its frequency; these are the usual minimums of the city's
/// operation plans, and a change is a new constant here (and a note in ARCHITECTURE.md).
pub const PERIODIC_OPERATIONS: &[(OperationKind, i64)] =
    &[(OperationKind::Backup, 7), (OperationKind::Monitoring, 31)];

#[derive(Debug, Clone, Serialize)]
pub struct IncidentsView {
    pub at: ViewAt,
    pub incidents: Vec<IncidentView>,
    /// Operation records (第11条第1号・第2号・第4号), oldest first.
    pub operations: Vec<OperationView>,
    pub rosters: Vec<RosterView>,
}

/// One audit finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `grant_held_by_user_who_left_division`, `grant_on_retired_asset`, `vacant_officer_post`,
    /// `officer_without_valid_roster`, `overdue_security_request`, `periodic_operation_overdue`,
    /// `decision_recorded_late`, `deputy_act`.
    pub kind: &'static str,
    pub article: &'static str,
    pub message: String,
    pub seqs: Vec<u64>,
    /// What `message` says, as values, for readers that write it otherwise (the web view, in
    /// Japanese, times in JST). Not serialized: `/v1/audit` carries `message`.
    #[serde(skip)]
    pub facts: FindingFacts,
}

/// The subject of a [`Finding`], one variant per `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingFacts {
    GrantHeldByUserWhoLeftDivision {
        person_id: String,
        asset_id: String,
        granted_for_unit_id: String,
        now_unit_id: Option<String>,
    },
    GrantOnRetiredAsset {
        person_id: String,
        asset_id: String,
        retirement_id: String,
    },
    VacantOfficerPost {
        post_id: String,
    },
    OfficerWithoutValidRoster {
        post_id: String,
    },
    OverdueSecurityRequest {
        request_id: String,
        due: NaiveDate,
    },
    DecisionRecordedLate {
        event_type: String,
        seq: u64,
        effective_at: Time,
        recorded_at: chrono::DateTime<chrono::Utc>,
    },
    DeputyAct {
        actor: String,
        acting_for_post_id: String,
        event_type: String,
        seq: u64,
    },
    /// A periodic operation of 第11条 with no successful record for longer than its period:
    /// `last` is the last one (effective time, seq), or None when there was none since
    /// `genesis`.
    PeriodicOperationOverdue {
        operation: OperationKind,
        days: i64,
        last: Option<(Time, u64)>,
        genesis: Time,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub at: ViewAt,
    pub findings: Vec<Finding>,
    /// Findings in all, of which `findings` holds the [`Window`] asked for.
    pub total: usize,
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

#[derive(Debug, Clone, Serialize)]
pub struct PersonHistory {
    pub person_id: String,
    pub name: String,
    pub registered_seq: u64,
    pub units: Vec<(String, Time, u64)>,
    pub posts: Vec<(String, HolderView)>,
    pub designations: Vec<(StaffRole, String, Time, Option<Time>, u64)>,
    pub usage_officer_of: Vec<(String, Time, Option<Time>, u64)>,
    pub user_of: Vec<(String, Time, Option<Time>, u64)>,
    pub grants: Vec<AccessEntry>,
}

/// One officer post of an asset with every holder the ledger knows, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerPostHistory {
    pub post_id: String,
    pub title: Option<String>,
    /// The holder at `as_of`.
    pub holder: Option<HolderView>,
    pub holders: Vec<HolderView>,
}

/// A decision recorded about an asset: the event, who made it, when it took effect.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRef {
    pub seq: u64,
    pub event_type: String,
    pub stream: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub basis: String,
    pub effective_at: Time,
    /// The correction that voids it, if one is known at `known_at`.
    pub voided_by: Option<u64>,
}

/// One asset in full: its annex entry, officer posts and their holders over time, who may
/// use it at `as_of`, every grant ever made, and every decision about it with its seq.
#[derive(Debug, Clone, Serialize)]
pub struct AssetDetail {
    pub at: ViewAt,
    pub asset: AssetView,
    pub officer_posts: Vec<OfficerPostHistory>,
    /// Grants in force at `as_of`.
    pub access: Vec<AccessEntry>,
    /// Every grant known, with the end of those that ended.
    pub grants: Vec<AccessEntry>,
    pub decisions: Vec<DecisionRef>,
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
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

    /// The roles a post carries at `as_of`.
    pub fn post_roles(&self, post_id: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .state
            .role_bindings
            .iter()
            .filter(|b| b.post_id == post_id && self.happened(&b.start))
            .map(|b| b.role)
            .collect();
        if self.is_officer_post(post_id) {
            roles.push(Role::InformationManagementOfficer);
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// Every role `person_id` holds at `as_of`, and how.
    pub fn person_roles(&self, person_id: &str) -> Vec<PersonRole> {
        let mut out = Vec::new();
        for post_id in self.posts_held(person_id) {
            let Some(h) = self.holding(post_id) else {
                continue;
            };
            for role in self.post_roles(post_id) {
                out.push(PersonRole {
                    role,
                    via: format!("post:{post_id}"),
                    since: h.span.start.at,
                    seq: h.span.start.seq,
                });
            }
        }
        if let Some(p) = self.person(person_id) {
            for d in p.designations.iter().filter(|d| self.holds(&d.span)) {
                let role = match d.role {
                    StaffRole::SystemOperationStaff => Role::SystemOperationStaff,
                    StaffRole::InformationManagementStaff => Role::InformationManagementStaff,
                };
                out.push(PersonRole {
                    role,
                    via: format!("designation:{}", d.designated_by_post_id),
                    since: d.span.start.at,
                    seq: d.span.start.seq,
                });
            }
        }
        for unit in self.usage_officer_units(person_id) {
            if let Some(t) = self.usage_officer(unit) {
                out.push(PersonRole {
                    role: Role::UsageOfficer,
                    via: format!("unit:{unit}"),
                    since: t.span.start.at,
                    seq: t.span.start.seq,
                });
            }
        }
        if let Some(r) = self.user_registration(person_id) {
            out.push(PersonRole {
                role: Role::User,
                via: format!("unit:{}", r.unit_id),
                since: r.span.start.at,
                seq: r.span.start.seq,
            });
        }
        out
    }

    /// Units, posts (current and past holders) and each person's roles.
    pub fn organisation(&self) -> OrganisationView {
        let units = self
            .state
            .units
            .values()
            .filter(|u| self.happened(&u.established))
            .map(|u| UnitView {
                id: u.id.clone(),
                name: u.name.clone(),
                parent_id: u.parent_id.clone(),
                bureau: u.bureau.clone(),
                user_division: u.user_division,
                usage_officer: self.usage_officer(&u.id).map(|t| PersonAt {
                    person_id: t.person_id.clone(),
                    name: self.person_name(&t.person_id),
                    since: t.span.start.at,
                    seq: t.span.start.seq,
                }),
                established_seq: u.established.seq,
            })
            .collect();
        let posts = self
            .state
            .posts
            .values()
            .filter(|p| self.happened(&p.established))
            .map(|p| self.post_view(p))
            .collect();
        let persons = self
            .state
            .persons
            .values()
            .filter(|p| self.happened(&p.registered))
            .filter_map(|p| {
                let roles = self.person_roles(&p.id);
                (!roles.is_empty()).then(|| PersonRoles {
                    person_id: p.id.clone(),
                    name: p.name.clone(),
                    unit_id: self.person_unit(&p.id).map(str::to_owned),
                    roles,
                })
            })
            .collect();
        OrganisationView {
            at: self.header(),
            units,
            posts,
            persons,
        }
    }

    fn post_view(&self, p: &Post) -> PostView {
        let holder = p
            .holders
            .iter()
            .find(|h| self.holds(&h.span))
            .map(|h| self.holder_view(h));
        let mut past: Vec<&Holding> = p
            .holders
            .iter()
            .filter(|h| {
                self.happened(&h.span.start) && h.span.ends.iter().any(|e| self.happened(e))
            })
            .collect();
        past.sort_by_key(|h| (h.span.start.at, h.span.start.seq));
        PostView {
            id: p.id.clone(),
            title: p.title.clone(),
            unit_id: p.unit_id.clone(),
            heads_unit: p.heads_unit,
            roles: self.post_roles(&p.id),
            officer_of_assets: self
                .assets_of_officer_post(&p.id)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            holder,
            past_holders: past.into_iter().map(|h| self.holder_view(h)).collect(),
            established_seq: p.established.seq,
        }
    }

    /// Assets of the annex, their officer posts and holders, and retirement.
    pub fn assets(&self) -> AssetsView {
        let assets = self
            .state
            .assets
            .values()
            .filter_map(|a| {
                let v = self.asset(&a.id)?;
                Some(AssetView {
                    id: a.id.clone(),
                    annex_row: a.annex_row,
                    name: v.name.clone(),
                    businesses: v.businesses.clone(),
                    bureau: v.bureau.clone(),
                    supervisor_post_id: self.supervisor_for_bureau(&v.bureau).map(str::to_owned),
                    officers: v
                        .officer_post_ids
                        .iter()
                        .map(|post_id| OfficerView {
                            post_id: post_id.clone(),
                            title: self.post(post_id).map(|p| p.title.clone()),
                            holder: self.holding(post_id).map(|h| self.holder_view(h)),
                        })
                        .collect(),
                    retired: self.retired(&a.id).map(|(s, id)| RetiredView {
                        retirement_id: id.clone(),
                        since: s.at,
                        seq: s.seq,
                    }),
                    annex_seq: v.start.seq,
                })
            })
            .collect();
        AssetsView {
            at: self.header(),
            assets,
        }
    }

    /// The persons holding the officer posts of `asset_id` at `as_of`.
    pub fn officers_of_asset(&self, asset_id: &str) -> Vec<(String, Option<String>)> {
        self.asset(asset_id)
            .map(|v| {
                v.officer_post_ids
                    .iter()
                    .map(|p| (p.clone(), self.holder(p).map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn access_entry(&self, g: &Grant) -> AccessEntry {
        AccessEntry {
            asset_id: g.asset_id.clone(),
            person_id: g.person_id.clone(),
            person_name: self.person_name(&g.person_id),
            unit_id: g.unit_id.clone(),
            scope: g.scope.clone(),
            since: g.span.start.at,
            until: g.until,
            decided_seq: g.span.start.seq,
            decided_by: g.decided_by.clone(),
            officer_post_id: g.officer_post_id.clone(),
            acting_for: g.acting_for.clone(),
            request_id: g.request_id.clone(),
        }
    }

    /// Who may use which asset at `as_of`, since when, on whose decision. Filters are optional.
    pub fn access(&self, asset_id: Option<&str>, person_id: Option<&str>) -> AccessView {
        self.access_page(asset_id, person_id, Window::ALL)
    }

    /// [`Lens::access`], one page of it.
    pub fn access_page(
        &self,
        asset_id: Option<&str>,
        person_id: Option<&str>,
        window: Window,
    ) -> AccessView {
        let mut grants = Paging::new(window);
        for g in self
            .active_grants()
            .filter(|g| asset_id.is_none_or(|a| g.asset_id == a))
            .filter(|g| person_id.is_none_or(|p| g.person_id == p))
        {
            grants.push(|| self.access_entry(g));
        }
        AccessView {
            at: self.header(),
            grants: grants.items,
            total: grants.total,
        }
    }

    /// The status of one modification as of `as_of`: what it has and what it still lacks.
    pub fn modification_view(&self, m: &Modification) -> ModificationView {
        let proposer_is_officer = self.is_officer_post(&m.proposer_post_id);
        let (own, other): (Vec<String>, Vec<String>) = m.asset_ids.iter().cloned().partition(|a| {
            proposer_is_officer
                && self
                    .asset(a)
                    .is_some_and(|v| v.officer_post_ids.contains(&m.proposer_post_id))
        });
        let posts_of = |assets: &[String]| -> Vec<String> {
            sorted(
                assets
                    .iter()
                    .filter_map(|a| self.asset(a))
                    .flat_map(|v| v.officer_post_ids.iter().cloned())
                    .collect(),
            )
        };
        // 第6条第2項: only an officer's own decision needs other officers' advance approval.
        let approvals_required: Vec<String> = if proposer_is_officer {
            posts_of(&other)
                .into_iter()
                .filter(|p| *p != m.proposer_post_id)
                .collect()
        } else {
            Vec::new()
        };
        // 第6条第1項第1号: consent of the supervisor of each bureau whose assets are the officer's.
        let consents_required: Vec<String> = if proposer_is_officer {
            sorted(
                own.iter()
                    .filter_map(|a| self.asset(a))
                    .filter_map(|v| self.supervisor_for_bureau(&v.bureau).map(str::to_owned))
                    .collect(),
            )
        } else {
            Vec::new()
        };
        let coordination_required_with = if m.touches_common_parts {
            posts_of(&m.asset_ids)
        } else {
            Vec::new()
        };
        let mut final_deciders = consents_required.clone();
        if m.touches_common_parts
            && let Some(s) = self.supervisor_for_common_parts()
        {
            final_deciders.push(s.to_owned());
        }
        let final_deciders = sorted(final_deciders);

        let approvals: Vec<&PostAct> = self.acts(&m.approvals).collect();
        let rejections: Vec<&PostAct> = self.acts(&m.rejections).collect();
        let consents: Vec<&PostAct> = self.acts(&m.consents).collect();
        let content = self.acts(&m.contents).next();
        let coordination = m
            .coordinations
            .iter()
            .find(|(a, _)| self.happened(&a.stamp));
        let final_decision = m
            .final_decisions
            .iter()
            .find(|(a, _)| self.happened(&a.stamp));
        let withdrawn = self.acts(&m.withdrawals).next();
        let consent_refusal = self.acts(&m.consent_refusals).next();

        let approved = |post: &str| {
            let last_yes = approvals
                .iter()
                .filter(|a| a.post_id == post)
                .map(|a| (a.stamp.at, a.stamp.seq))
                .max();
            let last_no = rejections
                .iter()
                .filter(|a| a.post_id == post)
                .map(|a| (a.stamp.at, a.stamp.seq))
                .max();
            last_yes.is_some() && last_yes > last_no
        };
        let mut missing = Vec::new();
        for p in &approvals_required {
            if !approved(p) {
                missing.push(Missing {
                    what: "approval",
                    post_id: Some(p.clone()),
                    article: "第6条第2項",
                });
            }
        }
        for p in &consents_required {
            if !consents.iter().any(|c| c.post_id == *p) {
                missing.push(Missing {
                    what: "consent",
                    post_id: Some(p.clone()),
                    article: "第6条第1項第1号",
                });
            }
        }
        if proposer_is_officer && content.is_none() {
            missing.push(Missing {
                what: "content_decision",
                post_id: Some(m.proposer_post_id.clone()),
                article: "第6条第1項第1号",
            });
        }
        if m.touches_common_parts {
            let covered = coordination.is_some_and(|(_, with)| {
                coordination_required_with.iter().all(|p| with.contains(p))
            });
            if !covered {
                missing.push(Missing {
                    what: "coordination",
                    post_id: self.supervisor_for_common_parts().map(str::to_owned),
                    article: "第6条第1項第2号",
                });
            }
        }
        if final_decision.is_none() {
            missing.push(Missing {
                what: "final_decision",
                post_id: final_deciders.first().cloned(),
                article: "第6条第1項第3号",
            });
        }
        let state = if withdrawn.is_some() {
            ModificationState::Withdrawn
        } else if final_decision.is_some() {
            ModificationState::Decided
        } else if consent_refusal.is_some() {
            ModificationState::ConsentRefused
        } else {
            ModificationState::Open
        };
        let mut seqs = vec![m.proposed.seq];
        seqs.extend(
            approvals
                .iter()
                .chain(&rejections)
                .chain(&consents)
                .map(|a| a.stamp.seq),
        );
        seqs.extend(content.iter().map(|a| a.stamp.seq));
        seqs.extend(coordination.iter().map(|(a, _)| a.stamp.seq));
        seqs.extend(final_decision.iter().map(|(a, _)| a.stamp.seq));
        seqs.extend(withdrawn.iter().map(|a| a.stamp.seq));
        seqs.extend(consent_refusal.iter().map(|a| a.stamp.seq));
        seqs.sort_unstable();
        ModificationView {
            id: m.id.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            proposer_post_id: m.proposer_post_id.clone(),
            proposed_by: m.proposed_by.clone(),
            proposed_at: m.proposed.at,
            proposed_seq: m.proposed.seq,
            touches_common_parts: m.touches_common_parts,
            own_asset_ids: own,
            other_asset_ids: other,
            status: state.as_str(),
            state,
            approvals_required,
            approvals: approvals.into_iter().map(ActView::from).collect(),
            rejections: rejections.into_iter().map(ActView::from).collect(),
            consents_required,
            consents: consents.into_iter().map(ActView::from).collect(),
            consent_refusal: consent_refusal.map(ActView::from),
            content_required: proposer_is_officer,
            content: content.map(ActView::from),
            coordination_required_with,
            coordination: coordination.map(|(a, _)| ActView::from(a)),
            final_deciders,
            final_decision: final_decision.map(|(a, _)| ActView::from(a)),
            procedure_documents: final_decision.map(|(_, d)| d.clone()).unwrap_or_default(),
            missing,
            seqs,
        }
    }

    /// The status of one retirement as of `as_of`.
    pub fn retirement_view(&self, r: &Retirement) -> RetirementView {
        let approvals_required: Vec<String> = sorted(
            r.affected_asset_ids
                .iter()
                .filter_map(|a| self.asset(a))
                .flat_map(|v| v.officer_post_ids.iter().cloned())
                .filter(|p| *p != r.officer_post_id)
                .collect(),
        );
        let consents_required: Vec<String> = sorted(
            r.asset_ids
                .iter()
                .filter_map(|a| self.asset(a))
                .filter_map(|v| self.supervisor_for_bureau(&v.bureau).map(str::to_owned))
                .collect(),
        );
        let noticed = self.happened(&r.noticed);
        let approvals: Vec<&PostAct> = self.acts(&r.approvals).collect();
        let consents: Vec<&PostAct> = self.acts(&r.consents).collect();
        let decision = self.acts(&r.decisions).next();
        let measures = r.measures.iter().find(|(a, _)| self.happened(&a.stamp));
        let consent_refusal = self.acts(&r.consent_refusals).next();
        let mut missing = Vec::new();
        if !noticed {
            missing.push(Missing {
                what: "notice",
                post_id: Some(r.officer_post_id.clone()),
                article: "第7条第1項第1号",
            });
        }
        for p in &approvals_required {
            if !approvals.iter().any(|a| a.post_id == *p) {
                missing.push(Missing {
                    what: "approval",
                    post_id: Some(p.clone()),
                    article: "第7条第2項",
                });
            }
        }
        for p in &consents_required {
            if !consents.iter().any(|a| a.post_id == *p) {
                missing.push(Missing {
                    what: "consent",
                    post_id: Some(p.clone()),
                    article: "第7条第1項第1号",
                });
            }
        }
        if decision.is_none() {
            missing.push(Missing {
                what: "decision",
                post_id: Some(r.officer_post_id.clone()),
                article: "第7条第1項第1号",
            });
        }
        if measures.is_none() {
            missing.push(Missing {
                what: "measures",
                post_id: consents_required.first().cloned(),
                article: "第7条第1項第2号",
            });
        }
        let state = match (decision.is_some(), measures.is_some()) {
            (_, true) => RetirementState::Completed,
            (true, false) => RetirementState::Decided,
            _ if consent_refusal.is_some() => RetirementState::ConsentRefused,
            _ => RetirementState::Noticed,
        };
        let mut seqs = vec![r.noticed.seq];
        seqs.extend(approvals.iter().chain(&consents).map(|a| a.stamp.seq));
        seqs.extend(decision.iter().map(|a| a.stamp.seq));
        seqs.extend(measures.iter().map(|(a, _)| a.stamp.seq));
        seqs.extend(consent_refusal.iter().map(|a| a.stamp.seq));
        seqs.sort_unstable();
        RetirementView {
            id: r.id.clone(),
            officer_post_id: r.officer_post_id.clone(),
            asset_ids: r.asset_ids.clone(),
            affected_asset_ids: r.affected_asset_ids.clone(),
            reason: r.reason.clone(),
            planned_stop: r.planned_stop,
            noticed_by: r.noticed_by.clone(),
            noticed_at: r.noticed.at,
            noticed_seq: r.noticed.seq,
            status: state.as_str(),
            state,
            approvals_required,
            approvals: approvals.into_iter().map(ActView::from).collect(),
            consents_required,
            consents: consents.into_iter().map(ActView::from).collect(),
            consent_refusal: consent_refusal.map(ActView::from),
            decision: decision.map(ActView::from),
            measures: measures.map(|(_, m)| m.clone()).unwrap_or_default(),
            missing,
            seqs,
        }
    }

    /// Modifications and retirements proposed by `as_of`, with what each still lacks.
    pub fn changes(&self) -> ChangesView {
        ChangesView {
            at: self.header(),
            modifications: self
                .state
                .modifications
                .values()
                .filter(|m| self.happened(&m.proposed))
                .map(|m| self.modification_view(m))
                .collect(),
            retirements: self
                .state
                .retirements
                .values()
                .filter(|r| self.happened(&r.noticed))
                .map(|r| self.retirement_view(r))
                .collect(),
        }
    }

    /// The status of one security request as of `as_of`.
    pub fn security_request_view(&self, r: &SecurityRequest) -> SecurityRequestView {
        let mut steps: Vec<&RequestStep> =
            r.steps.iter().filter(|s| self.happened(&s.stamp)).collect();
        steps.sort_by_key(|s| (s.stamp.at, s.stamp.seq));
        let mut status = "open";
        let mut due = r.due;
        let mut last_response = None;
        for s in &steps {
            match s.kind {
                RequestStepKind::Responded => {
                    if status != "closed" {
                        status = "responded";
                    }
                    last_response = Some(s.text.clone());
                }
                RequestStepKind::Closed => status = "closed",
                RequestStepKind::Reopened => {
                    status = "open";
                    due = s.due.unwrap_or(due);
                }
            }
        }
        let overdue = status == "open" && self.as_of.date_naive() > due;
        let mut seqs = vec![r.issued.seq];
        seqs.extend(steps.iter().map(|s| s.stamp.seq));
        SecurityRequestView {
            id: r.id.clone(),
            supervisor_post_id: r.supervisor_post_id.clone(),
            issued_by: r.issued_by.clone(),
            acting_for: r.acting_for.clone(),
            addressee: r.addressee.clone(),
            finding: r.finding.clone(),
            standard: r.standard.clone(),
            due,
            status,
            overdue,
            last_response,
            seqs,
        }
    }

    /// Security improvement requests (第10条第2項) issued by `as_of`; overdue = open past due.
    pub fn security_requests(&self) -> SecurityRequestsView {
        SecurityRequestsView {
            at: self.header(),
            requests: self
                .state
                .security_requests
                .values()
                .filter(|r| self.happened(&r.issued))
                .map(|r| self.security_request_view(r))
                .collect(),
        }
    }

    pub fn meeting_view(&self, m: &Meeting) -> MeetingView {
        let signatures: Vec<&Signature> = m
            .signatures
            .iter()
            .filter(|s| self.happened(&s.stamp))
            .collect();
        let unsigned = if m.form == MeetingForm::Circulation {
            m.members
                .iter()
                .filter(|p| !signatures.iter().any(|s| s.person_id == **p))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let minutes = self.latest(&m.minutes, |x| &x.stamp);
        let resolution = self.acts(&m.resolutions).next();
        let mut seqs = vec![m.convened.seq];
        seqs.extend(minutes.iter().map(|x| x.stamp.seq));
        seqs.extend(signatures.iter().map(|s| s.stamp.seq));
        seqs.extend(resolution.iter().map(|r| r.stamp.seq));
        seqs.sort_unstable();
        MeetingView {
            id: m.id.clone(),
            kind: m.kind,
            form: m.form,
            urgency_reason: m.urgency_reason.clone(),
            convener_post_id: m.convener_post_id.clone(),
            convened_by: m.convened_by.clone(),
            acting_for: m.acting_for.clone(),
            held_on: m.held_on,
            members: m.members.clone(),
            agenda: m.agenda.clone(),
            minutes: minutes.map(|x| MinutesView {
                attendees: x.attendees.clone(),
                agenda: x.agenda.clone(),
                resolutions: x.resolutions.clone(),
                recorded_by: x.recorded_by.clone(),
                seq: x.stamp.seq,
            }),
            signatures: signatures
                .into_iter()
                .map(|s| SignatureView {
                    person_id: s.person_id.clone(),
                    position: s.position,
                    comment: s.comment.clone(),
                    seq: s.stamp.seq,
                })
                .collect(),
            unsigned,
            resolution: resolution.map(ActView::from),
            seqs,
        }
    }

    /// Meetings (第12条) with minutes and signatures, and directives (第13条).
    pub fn meetings(&self) -> MeetingsView {
        MeetingsView {
            at: self.header(),
            meetings: self
                .state
                .meetings
                .values()
                .filter(|m| self.happened(&m.convened))
                .map(|m| self.meeting_view(m))
                .collect(),
            directives: self
                .state
                .directives
                .values()
                .filter(|(_, s, _)| self.happened(s))
                .map(|(d, s, actor)| DirectiveView {
                    id: d.directive_id.clone(),
                    supervisor_post_id: d.supervisor_post_id.clone(),
                    issued_by: actor.clone(),
                    title: d.title.clone(),
                    body: d.body.clone(),
                    effective_at: s.at,
                    seq: s.seq,
                })
                .collect(),
            officer_directions: self
                .state
                .officer_directions
                .values()
                .filter(|d| self.happened(&d.stamp))
                .map(|d| {
                    let (addressee_kind, addressee_id) = match &d.addressee {
                        Addressee::Officer { post_id } => ("officer", post_id.clone()),
                        Addressee::UsageOfficer { unit_id } => ("usage_officer", unit_id.clone()),
                    };
                    OfficerDirectionView {
                        id: d.id.clone(),
                        supervisor_post_id: d.supervisor_post_id.clone(),
                        directed_by: d.directed_by.clone(),
                        acting_for: d.acting_for.clone(),
                        addressee_kind,
                        addressee_id,
                        person_id: d.person_id.clone(),
                        matter: d.matter.clone(),
                        direction: d.direction.clone(),
                        basis: d.basis.clone(),
                        effective_at: d.stamp.at,
                        seq: d.stamp.seq,
                    }
                })
                .collect(),
        }
    }

    /// Incidents and the emergency rosters of every officer post (第9条).
    pub fn incidents(&self) -> IncidentsView {
        let incidents = self
            .state
            .incidents
            .values()
            .filter(|i| self.happened(&i.reported))
            .map(|i| {
                let directions: Vec<&PostAct> = self.acts(&i.directions).collect();
                let coordinations: Vec<&PostAct> = self.acts(&i.coordinations).collect();
                let resolution = self.acts(&i.resolutions).next();
                let status = if resolution.is_some() {
                    "resolved"
                } else if !coordinations.is_empty() {
                    "coordinated"
                } else if !directions.is_empty() {
                    "directed"
                } else {
                    "reported"
                };
                let mut seqs = vec![i.reported.seq];
                seqs.extend(directions.iter().chain(&coordinations).map(|a| a.stamp.seq));
                seqs.extend(resolution.iter().map(|a| a.stamp.seq));
                seqs.sort_unstable();
                IncidentView {
                    id: i.id.clone(),
                    summary: i.summary.clone(),
                    asset_ids: i.asset_ids.clone(),
                    occurred_at: i.occurred_at,
                    reported_by: i.reported_by.clone(),
                    status,
                    directions: directions.into_iter().map(ActView::from).collect(),
                    coordinations: coordinations.into_iter().map(ActView::from).collect(),
                    resolution: resolution.map(ActView::from),
                    seqs,
                }
            })
            .collect();
        let rosters = self
            .officer_posts()
            .into_iter()
            .map(|post_id| {
                let r = self.roster(&post_id);
                RosterView {
                    holder: self.holder(&post_id).map(str::to_owned),
                    entries: r.map(|r| r.entries.clone()).unwrap_or_default(),
                    valid: r.is_some_and(|r| self.roster_valid(r)),
                    seq: r.map(|r| r.stamp.seq),
                    officer_post_id: post_id,
                }
            })
            .collect();
        IncidentsView {
            at: self.header(),
            incidents,
            operations: self
                .state
                .operations
                .iter()
                .filter(|o| self.happened(&o.stamp))
                .map(|o| OperationView {
                    operation: o.operation,
                    target: o.target.clone(),
                    result: o.result,
                    detail: o.detail.clone(),
                    ticket: o.ticket.clone(),
                    recorded_by: o.actor.clone(),
                    recorded_as: o.recorded_as,
                    basis: o.basis.clone(),
                    effective_at: o.stamp.at,
                    seq: o.stamp.seq,
                })
                .collect(),
            rosters,
        }
    }

    /// Findings for the periodic operations of [`PERIODIC_OPERATIONS`] whose last successful
    /// record (or, without one, the genesis) is longer ago than their period at `as_of`.
    fn overdue_operations(&self) -> Vec<Finding> {
        let Some(genesis) = self.state.genesis_at else {
            return Vec::new();
        };
        PERIODIC_OPERATIONS
            .iter()
            .filter_map(|&(kind, days)| {
                let last = self
                    .state
                    .operations
                    .iter()
                    .filter(|o| {
                        o.operation == kind
                            && o.result == OperationResult::Succeeded
                            && self.happened(&o.stamp)
                    })
                    .max_by_key(|o| (o.stamp.at, o.stamp.seq));
                let since = last.map_or(genesis, |o| o.stamp.at);
                (self.as_of - since > TimeDelta::days(days)).then(|| Finding {
                    kind: "periodic_operation_overdue",
                    article: kind.article(),
                    message: match last {
                        Some(o) => format!(
                            "no successful {} recorded for more than {days} days: the last took effect {} (seq {})",
                            kind.as_str(),
                            o.stamp.at,
                            o.stamp.seq
                        ),
                        None => format!(
                            "no successful {} recorded since the genesis {genesis} (required every {days} days)",
                            kind.as_str()
                        ),
                    },
                    seqs: last.map(|o| vec![o.stamp.seq]).unwrap_or_default(),
                    facts: FindingFacts::PeriodicOperationOverdue {
                        operation: kind,
                        days,
                        last: last.map(|o| (o.stamp.at, o.stamp.seq)),
                        genesis,
                    },
                })
            })
            .collect()
    }

    /// A roster is valid when complete (第9条第2項) and everyone on it is still registered.
    pub fn roster_valid(&self, r: &RosterVersion) -> bool {
        r.is_complete()
            && r.entries
                .iter()
                .all(|e| self.person(&e.person_id).is_some())
    }

    /// Every officer post named in the annex at `as_of` for an asset not retired.
    pub fn officer_posts(&self) -> Vec<String> {
        sorted(
            self.state
                .assets
                .keys()
                .filter(|a| self.retired(a).is_none())
                .filter_map(|a| self.asset(a))
                .flat_map(|v| v.officer_post_ids.iter().cloned())
                .collect(),
        )
    }

    /// Audit findings as of `as_of`.
    pub fn audit(&self) -> AuditView {
        self.audit_page(Window::ALL)
    }

    /// [`Lens::audit`], one page of it (findings outside the window are counted, not built).
    pub fn audit_page(&self, window: Window) -> AuditView {
        let mut findings = Paging::new(window);
        for g in self.active_grants() {
            let now = self.person_unit(&g.person_id);
            if now != Some(g.unit_id.as_str()) {
                findings.push(|| Finding {
                    kind: "grant_held_by_user_who_left_division",
                    article: "第5条第2項・第8条第3項",
                    message: format!(
                        "{} still may use {} granted for {}, but belongs to {}",
                        g.person_id,
                        g.asset_id,
                        g.unit_id,
                        now.unwrap_or("no unit")
                    ),
                    seqs: vec![g.span.start.seq],
                    facts: FindingFacts::GrantHeldByUserWhoLeftDivision {
                        person_id: g.person_id.clone(),
                        asset_id: g.asset_id.clone(),
                        granted_for_unit_id: g.unit_id.clone(),
                        now_unit_id: now.map(str::to_owned),
                    },
                });
            }
            if let Some((s, id)) = self.retired(&g.asset_id) {
                findings.push(|| Finding {
                    kind: "grant_on_retired_asset",
                    article: "第7条第1項",
                    message: format!(
                        "{} still may use {}, retired by {id}",
                        g.person_id, g.asset_id
                    ),
                    seqs: vec![g.span.start.seq, s.seq],
                    facts: FindingFacts::GrantOnRetiredAsset {
                        person_id: g.person_id.clone(),
                        asset_id: g.asset_id.clone(),
                        retirement_id: id.to_owned(),
                    },
                });
            }
        }
        for post_id in self.officer_posts() {
            if self.holding(&post_id).is_none() {
                findings.push(|| Finding {
                    kind: "vacant_officer_post",
                    article: "第5条第1項・別表",
                    message: format!("officer post {post_id} has no holder"),
                    seqs: self
                        .post(&post_id)
                        .map(|p| vec![p.established.seq])
                        .unwrap_or_default(),
                    facts: FindingFacts::VacantOfficerPost {
                        post_id: post_id.clone(),
                    },
                });
            }
            let r = self.roster(&post_id);
            if !r.is_some_and(|r| self.roster_valid(r)) {
                findings.push(|| Finding {
                    kind: "officer_without_valid_roster",
                    article: "第9条",
                    message: format!(
                        "officer post {post_id} has no valid emergency contact roster"
                    ),
                    seqs: r.map(|r| vec![r.stamp.seq]).unwrap_or_default(),
                    facts: FindingFacts::OfficerWithoutValidRoster {
                        post_id: post_id.clone(),
                    },
                });
            }
        }
        for r in self
            .security_requests()
            .requests
            .into_iter()
            .filter(|r| r.overdue)
        {
            findings.push(|| Finding {
                kind: "overdue_security_request",
                article: "第10条第2項",
                message: format!("security request {} was due {}", r.id, r.due),
                seqs: r.seqs,
                facts: FindingFacts::OverdueSecurityRequest {
                    request_id: r.id,
                    due: r.due,
                },
            });
        }
        for f in self.overdue_operations() {
            findings.push(|| f);
        }
        let late = TimeDelta::days(LATE_RECORDING_DAYS);
        for e in self
            .state
            .events
            .iter()
            .filter(|e| self.knows(e.seq) && e.effective_at <= self.as_of)
        {
            if e.recorded_at.signed_duration_since(e.effective_at) > late {
                findings.push(|| Finding {
                    kind: "decision_recorded_late",
                    article: "記録の原則",
                    message: format!(
                        "{} (seq {}) took effect {} and was recorded {}",
                        e.event_type, e.seq, e.effective_at, e.recorded_at
                    ),
                    seqs: vec![e.seq],
                    facts: FindingFacts::DecisionRecordedLate {
                        event_type: e.event_type.to_string(),
                        seq: e.seq,
                        effective_at: e.effective_at,
                        recorded_at: e.recorded_at,
                    },
                });
            }
            if let Some(f) = &e.acting_for {
                findings.push(|| Finding {
                    kind: "deputy_act",
                    article: "第4条第1項",
                    message: format!(
                        "{} acted for {f}: {} (seq {})",
                        e.actor, e.event_type, e.seq
                    ),
                    seqs: vec![e.seq],
                    facts: FindingFacts::DeputyAct {
                        actor: e.actor.to_string(),
                        acting_for_post_id: f.to_string(),
                        event_type: e.event_type.to_string(),
                        seq: e.seq,
                    },
                });
            }
        }
        AuditView {
            at: self.header(),
            findings: findings.items,
            total: findings.total,
        }
    }

    /// A person's whole history as known at `known_at` (`as_of` is ignored except for ends).
    pub fn person_history(&self, person_id: &str) -> Option<PersonHistory> {
        let p = self
            .state
            .persons
            .get(person_id)
            .filter(|p| self.knows(p.registered.seq))?;
        let span_end = |s: &crate::Span| self.end_of(s).map(|e| e.at);
        let mut posts = Vec::new();
        for post in self.state.posts.values() {
            for h in post
                .holders
                .iter()
                .filter(|h| h.person_id == person_id && self.knows(h.span.start.seq))
            {
                let mut v = self.holder_view(h);
                v.until = span_end(&h.span);
                v.ended_seq = self.end_of(&h.span).map(|e| e.seq);
                posts.push((post.id.clone(), v));
            }
        }
        posts.sort_by_key(|(_, v)| (v.since, v.appointed_seq));
        let grants = self
            .state
            .grants
            .values()
            .flatten()
            .filter(|g| g.person_id == person_id && self.knows(g.span.start.seq))
            .map(|g| {
                let mut e = self.access_entry(g);
                if let Some(end) = self.end_of(&g.span) {
                    e.until = Some(e.until.map_or(end.at, |u| u.min(end.at)));
                }
                e
            })
            .collect();
        Some(PersonHistory {
            person_id: p.id.clone(),
            name: p.name.clone(),
            registered_seq: p.registered.seq,
            units: p
                .units
                .iter()
                .filter(|m| self.knows(m.start.seq))
                .map(|m| (m.unit_id.clone(), m.start.at, m.start.seq))
                .collect(),
            posts,
            designations: p
                .designations
                .iter()
                .filter(|d| self.knows(d.span.start.seq))
                .map(|d| {
                    (
                        d.role,
                        d.designated_by_post_id.clone(),
                        d.span.start.at,
                        span_end(&d.span),
                        d.span.start.seq,
                    )
                })
                .collect(),
            usage_officer_of: self
                .state
                .usage_officers
                .values()
                .flatten()
                .filter(|t| t.person_id == person_id && self.knows(t.span.start.seq))
                .map(|t| {
                    (
                        t.unit_id.clone(),
                        t.span.start.at,
                        span_end(&t.span),
                        t.span.start.seq,
                    )
                })
                .collect(),
            user_of: self
                .state
                .users
                .get(person_id)
                .into_iter()
                .flatten()
                .filter(|r| self.knows(r.span.start.seq))
                .map(|r| {
                    (
                        r.unit_id.clone(),
                        r.span.start.at,
                        span_end(&r.span),
                        r.span.start.seq,
                    )
                })
                .collect(),
            grants,
        })
    }
}

impl<'a> Lens<'a> {
    /// One asset in full (see [`AssetDetail`]); `None` if the asset is not known at `known_at`
    /// or not yet registered at `as_of`.
    pub fn asset_detail(&self, asset_id: &str) -> Option<AssetDetail> {
        let asset = self
            .assets()
            .assets
            .into_iter()
            .find(|a| a.id == asset_id)?;
        let officer_posts = asset
            .officers
            .iter()
            .map(|o| {
                let mut holders: Vec<HolderView> = self
                    .post(&o.post_id)
                    .map(|p| {
                        p.holders
                            .iter()
                            .filter(|h| self.knows(h.span.start.seq))
                            .map(|h| {
                                let mut v = self.holder_view(h);
                                let end = self.end_of(&h.span);
                                v.until = end.map(|e| e.at);
                                v.ended_seq = end.map(|e| e.seq);
                                v
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                holders.sort_by_key(|v| (v.since, v.appointed_seq));
                OfficerPostHistory {
                    post_id: o.post_id.clone(),
                    title: o.title.clone(),
                    holder: o.holder.clone(),
                    holders,
                }
            })
            .collect();
        let access = self.access(Some(asset_id), None).grants;
        let grants = self
            .state
            .grants
            .get(asset_id)
            .into_iter()
            .flatten()
            .filter(|g| self.knows(g.span.start.seq))
            .map(|g| {
                let mut e = self.access_entry(g);
                if let Some(end) = self.end_of(&g.span) {
                    e.until = Some(e.until.map_or(end.at, |u| u.min(end.at)));
                }
                e
            })
            .collect();
        // Events of the asset's own stream, and those of the processes that name it.
        let stream = format!("asset/{asset_id}");
        let mut seqs: Vec<u64> = self.state.events.seqs_of_stream(&stream);
        let changes = self.changes();
        for m in &changes.modifications {
            if m.own_asset_ids
                .iter()
                .chain(&m.other_asset_ids)
                .any(|a| a == asset_id)
            {
                seqs.extend(&m.seqs);
            }
        }
        for r in &changes.retirements {
            if r.asset_ids
                .iter()
                .chain(&r.affected_asset_ids)
                .any(|a| a == asset_id)
            {
                seqs.extend(&r.seqs);
            }
        }
        for i in &self.incidents().incidents {
            if i.asset_ids.iter().any(|a| a == asset_id) {
                seqs.extend(&i.seqs);
            }
        }
        seqs.sort_unstable();
        seqs.dedup();
        let k = self.known_at.unwrap_or(u64::MAX);
        let decisions = seqs
            .into_iter()
            .filter(|seq| *seq <= k)
            .filter_map(|seq| self.state.events.get(seq))
            .map(|e| DecisionRef {
                seq: e.seq,
                event_type: e.event_type.to_owned(),
                stream: e.stream.to_owned(),
                actor: e.actor.to_owned(),
                acting_for: e.acting_for.map(str::to_owned),
                basis: e.basis.to_owned(),
                effective_at: e.effective_at,
                voided_by: self.state.voided.get(&e.seq).copied().filter(|c| *c <= k),
            })
            .collect();
        Some(AssetDetail {
            at: self.header(),
            asset,
            officer_posts,
            access,
            grants,
            decisions,
        })
    }
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

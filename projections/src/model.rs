//! The facts a [`State`] keeps, and the [`Lens`] that reads them bitemporally.

use chrono::NaiveDate;
use govledger_schema::events::{
    Addressee, MeetingForm, MeetingKind, OperationKind, OperationResult, Role, RosterEntry,
    SignaturePosition, StaffRole,
};
use serde::{Deserialize, Serialize};

use crate::{Span, Stamp, State, Time};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub bureau: String,
    pub user_division: bool,
    pub established: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub title: String,
    pub unit_id: String,
    pub heads_unit: bool,
    pub established: Stamp,
    pub holders: Vec<Holding>,
}

/// One appointment of a person to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub person_id: String,
    pub personnel_order: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub registered: Stamp,
    /// The units the person belonged to, each from its stamp on.
    pub units: Vec<Membership>,
    pub designations: Vec<Designation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub unit_id: String,
    pub personnel_order: Option<String>,
    pub start: Stamp,
}

/// A staff designation (第4条第3項, 第5条第4項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Designation {
    pub role: StaffRole,
    pub designated_by_post_id: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageOfficerTerm {
    pub unit_id: String,
    pub person_id: String,
    pub reason_not_head: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRegistration {
    pub person_id: String,
    pub unit_id: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub id: String,
    pub annex_row: u32,
    pub versions: Vec<AssetVersion>,
    /// Retirement decisions (第7条), with the retirement id.
    pub retired: Vec<(Stamp, String)>,
}

/// The annex row of an asset from `start` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetVersion {
    pub name: String,
    pub businesses: Vec<String>,
    pub officer_post_ids: Vec<String>,
    pub bureau: String,
    pub start: Stamp,
}

/// A permission decision and its revocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub asset_id: String,
    pub person_id: String,
    pub unit_id: String,
    pub scope: String,
    pub until: Option<Time>,
    pub officer_post_id: String,
    pub decided_by: String,
    pub acting_for: Option<String>,
    pub request_id: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionRequest {
    pub id: String,
    pub person_id: String,
    pub asset_id: String,
    pub scope: String,
    pub until: Option<Time>,
    pub unit_id: String,
    pub requested_by: String,
    pub requested: Stamp,
    /// Stamps of the grants or refusals answering it.
    pub answered: Vec<Stamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionRefusal {
    pub asset_id: String,
    pub person_id: String,
    pub officer_post_id: String,
    pub reason: String,
    pub request_id: Option<String>,
    pub decided_by: String,
    pub stamp: Stamp,
}

/// An act by a holder of a post (or by a deputy for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostAct {
    pub post_id: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub text: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modification {
    pub id: String,
    pub title: String,
    pub description: String,
    pub proposer_post_id: String,
    pub asset_ids: Vec<String>,
    pub touches_common_parts: bool,
    pub proposed_by: String,
    pub proposed: Stamp,
    pub approvals: Vec<PostAct>,
    pub rejections: Vec<PostAct>,
    pub consents: Vec<PostAct>,
    /// The supervisor's refusals of consent (不同意, 第6条第1項第1号), with the reason.
    pub consent_refusals: Vec<PostAct>,
    pub contents: Vec<PostAct>,
    pub coordinations: Vec<(PostAct, Vec<String>)>,
    pub final_decisions: Vec<(PostAct, Vec<String>)>,
    pub withdrawals: Vec<PostAct>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retirement {
    pub id: String,
    pub officer_post_id: String,
    pub asset_ids: Vec<String>,
    pub affected_asset_ids: Vec<String>,
    pub reason: String,
    pub planned_stop: NaiveDate,
    pub noticed_by: String,
    pub noticed: Stamp,
    pub approvals: Vec<PostAct>,
    pub consents: Vec<PostAct>,
    /// The supervisor's refusals of consent (不同意, 第7条第1項第1号), with the reason.
    pub consent_refusals: Vec<PostAct>,
    pub decisions: Vec<PostAct>,
    pub measures: Vec<(PostAct, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterVersion {
    pub officer_post_id: String,
    pub entries: Vec<RosterEntry>,
    pub recorded_by: String,
    pub stamp: Stamp,
}

impl RosterVersion {
    /// 第9条第2項: the roster covers someone who can inform and someone who can decide.
    pub fn is_complete(&self) -> bool {
        self.entries.iter().any(|e| e.can_inform) && self.entries.iter().any(|e| e.can_decide)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub summary: String,
    pub asset_ids: Vec<String>,
    pub occurred_at: Time,
    pub reported_by: String,
    pub reported: Stamp,
    pub directions: Vec<PostAct>,
    pub coordinations: Vec<PostAct>,
    pub resolutions: Vec<PostAct>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStepKind {
    Responded,
    Closed,
    Reopened,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStep {
    pub kind: RequestStepKind,
    pub text: String,
    pub due: Option<NaiveDate>,
    pub actor: String,
    pub acting_for: Option<String>,
    pub stamp: Stamp,
}

/// [`Addressee`] is internally tagged (`{"kind": ..}`), which only self-describing formats can
/// read back; the state stores it externally tagged so that it has a compact binary encoding.
mod addressee_serde {
    use govledger_schema::events::Addressee;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    enum Ref<'a> {
        Officer(&'a str),
        UsageOfficer(&'a str),
    }

    #[derive(Deserialize)]
    enum Owned {
        Officer(String),
        UsageOfficer(String),
    }

    pub fn serialize<S: Serializer>(a: &Addressee, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Addressee::Officer { post_id } => Ref::Officer(post_id),
            Addressee::UsageOfficer { unit_id } => Ref::UsageOfficer(unit_id),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Addressee, D::Error> {
        Ok(match Owned::deserialize(d)? {
            Owned::Officer(post_id) => Addressee::Officer { post_id },
            Owned::UsageOfficer(unit_id) => Addressee::UsageOfficer { unit_id },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityRequest {
    pub id: String,
    pub supervisor_post_id: String,
    #[serde(with = "addressee_serde")]
    pub addressee: Addressee,
    pub finding: String,
    pub standard: String,
    pub due: NaiveDate,
    pub issued_by: String,
    pub acting_for: Option<String>,
    pub issued: Stamp,
    pub steps: Vec<RequestStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub person_id: String,
    pub position: SignaturePosition,
    pub comment: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    pub attendees: Vec<String>,
    pub agenda: Vec<String>,
    pub resolutions: Vec<String>,
    pub recorded_by: String,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: String,
    pub kind: MeetingKind,
    pub form: MeetingForm,
    pub urgency_reason: Option<String>,
    pub convener_post_id: String,
    pub convened_by: String,
    pub acting_for: Option<String>,
    pub members: Vec<String>,
    pub agenda: Vec<String>,
    pub held_on: NaiveDate,
    pub convened: Stamp,
    pub minutes: Vec<Minutes>,
    pub signatures: Vec<Signature>,
    pub resolutions: Vec<PostAct>,
}

/// The supervisor's direction of an officer (第3条第3項, 第5条第3項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerDirection {
    pub id: String,
    pub supervisor_post_id: String,
    #[serde(with = "addressee_serde")]
    pub addressee: Addressee,
    pub person_id: String,
    pub matter: String,
    pub direction: String,
    pub directed_by: String,
    pub acting_for: Option<String>,
    pub basis: String,
    pub stamp: Stamp,
}

/// A usage officer's direction of the users of the division (第8条第3項) as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDirection {
    pub id: String,
    pub unit_id: String,
    pub usage_officer_id: String,
    pub users: Vec<String>,
    pub matter: String,
    pub direction: String,
    pub basis: String,
    pub stamp: Stamp,
}

/// An operation of 第11条 (monitoring, backup, maintenance, batch) as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRecord {
    pub operation: OperationKind,
    pub target: String,
    pub result: OperationResult,
    pub detail: Option<String>,
    pub recorded_as: Role,
    /// The work order it was done under (`operation.recorded.v2`; none for a v1 record).
    pub ticket: Option<String>,
    pub actor: String,
    pub basis: String,
    pub stamp: Stamp,
}

/// The state seen as of an effective time and as known at a ledger seq.
#[derive(Debug, Clone, Copy)]
pub struct Lens<'a> {
    pub state: &'a State,
    pub as_of: Time,
    pub known_at: Option<u64>,
}

impl<'a> Lens<'a> {
    /// The event at `seq` is known: recorded by `known_at` and not voided by then.
    pub fn knows(&self, seq: u64) -> bool {
        let k = self.known_at.unwrap_or(u64::MAX);
        seq <= k && self.state.voided.get(&seq).is_none_or(|c| *c > k)
    }

    /// The fact stamped `s` is known and in effect by `as_of`.
    pub fn happened(&self, s: &Stamp) -> bool {
        self.knows(s.seq) && s.at <= self.as_of
    }

    /// The span holds at `as_of`.
    pub fn holds(&self, span: &Span) -> bool {
        self.happened(&span.start) && !span.ends.iter().any(|e| self.happened(e))
    }

    /// The known end of a span (even one after `as_of`).
    pub fn end_of(&self, span: &Span) -> Option<Stamp> {
        span.ends
            .iter()
            .filter(|e| self.knows(e.seq))
            .min_by_key(|e| (e.at, e.seq))
            .copied()
    }

    /// The latest of `items` that happened, by effective time then seq.
    pub fn latest<'b, T>(&self, items: &'b [T], stamp: impl Fn(&T) -> &Stamp) -> Option<&'b T> {
        items
            .iter()
            .filter(|i| self.happened(stamp(i)))
            .max_by_key(|i| (stamp(i).at, stamp(i).seq))
    }

    pub fn unit(&self, id: &str) -> Option<&'a Unit> {
        self.state
            .units
            .get(id)
            .filter(|u| self.happened(&u.established))
    }

    pub fn post(&self, id: &str) -> Option<&'a Post> {
        self.state
            .posts
            .get(id)
            .filter(|p| self.happened(&p.established))
    }

    pub fn person(&self, id: &str) -> Option<&'a Person> {
        self.state
            .persons
            .get(id)
            .filter(|p| self.happened(&p.registered))
    }

    /// The person holding `post_id` at `as_of`.
    pub fn holding(&self, post_id: &str) -> Option<&'a Holding> {
        self.post(post_id)?
            .holders
            .iter()
            .find(|h| self.holds(&h.span))
    }

    pub fn holder(&self, post_id: &str) -> Option<&'a str> {
        self.holding(post_id).map(|h| h.person_id.as_str())
    }

    /// Whether `person_id` holds `post_id` at `as_of`.
    pub fn holds_post(&self, person_id: &str, post_id: &str) -> bool {
        self.holder(post_id) == Some(person_id)
    }

    /// The posts `person_id` holds at `as_of`.
    pub fn posts_held(&self, person_id: &str) -> Vec<&'a str> {
        self.state
            .posts
            .values()
            .filter(|p| self.happened(&p.established))
            .filter(|p| {
                p.holders
                    .iter()
                    .any(|h| h.person_id == person_id && self.holds(&h.span))
            })
            .map(|p| p.id.as_str())
            .collect()
    }

    /// The unit `person_id` belongs to at `as_of`.
    pub fn person_unit(&self, person_id: &str) -> Option<&'a str> {
        let p = self.person(person_id)?;
        self.latest(&p.units, |m| &m.start)
            .map(|m| m.unit_id.as_str())
    }

    /// The annex row of `asset_id` in force at `as_of`.
    pub fn asset(&self, asset_id: &str) -> Option<&'a AssetVersion> {
        let a = self.state.assets.get(asset_id)?;
        self.latest(&a.versions, |v| &v.start)
    }

    /// The retirement decision in effect for `asset_id`, if retired by `as_of`.
    pub fn retired(&self, asset_id: &str) -> Option<&'a (Stamp, String)> {
        let a = self.state.assets.get(asset_id)?;
        a.retired.iter().find(|(s, _)| self.happened(s))
    }

    /// Assets whose annex row names `post_id` as an officer post at `as_of`.
    pub fn assets_of_officer_post(&self, post_id: &str) -> Vec<&'a str> {
        self.state
            .assets
            .keys()
            .filter(|id| {
                self.asset(id)
                    .is_some_and(|v| v.officer_post_ids.iter().any(|p| p == post_id))
            })
            .map(String::as_str)
            .collect()
    }

    /// Whether `post_id` is an officer post of some asset (情報管理責任者, 別表).
    pub fn is_officer_post(&self, post_id: &str) -> bool {
        !self.assets_of_officer_post(post_id).is_empty()
    }

    /// Posts bound to `role` by the regulation at `as_of`.
    pub fn bound_posts(&self, role: govledger_schema::events::Role) -> Vec<&'a crate::RoleBinding> {
        self.state
            .role_bindings
            .iter()
            .filter(|b| b.role == role && self.happened(&b.start))
            .collect()
    }

    /// The supervisor post whose scope covers `bureau` (第3条第1項).
    pub fn supervisor_for_bureau(&self, bureau: &str) -> Option<&'a str> {
        let sups = self.bound_posts(govledger_schema::events::Role::SystemSupervisor);
        let named = sups.iter().find(|b| {
            b.scope
                .as_ref()
                .is_some_and(|s| s.bureaus.iter().any(|x| x == bureau))
        });
        named
            .or_else(|| {
                sups.iter()
                    .find(|b| b.scope.as_ref().is_some_and(|s| s.other_bureaus))
            })
            .map(|b| b.post_id.as_str())
    }

    /// The supervisor post for the common parts (共通部分).
    pub fn supervisor_for_common_parts(&self) -> Option<&'a str> {
        self.bound_posts(govledger_schema::events::Role::SystemSupervisor)
            .into_iter()
            .find(|b| b.scope.as_ref().is_some_and(|s| s.common_parts))
            .map(|b| b.post_id.as_str())
    }

    /// The units from whose staff system operation staff may be designated (第4条第3項).
    pub fn operation_staff_sections(&self) -> Vec<&'a str> {
        self.latest(&self.state.operation_staff_sections, |(_, s)| s)
            .map(|(ids, _)| ids.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The designation of `person_id` to `role` in force at `as_of`.
    pub fn designation(&self, person_id: &str, role: StaffRole) -> Option<&'a Designation> {
        self.person(person_id)?
            .designations
            .iter()
            .find(|d| d.role == role && self.holds(&d.span))
    }

    /// The usage officer term of `unit_id` in force at `as_of`.
    pub fn usage_officer(&self, unit_id: &str) -> Option<&'a UsageOfficerTerm> {
        self.state
            .usage_officers
            .get(unit_id)?
            .iter()
            .find(|t| self.holds(&t.span))
    }

    /// Units whose usage officer `person_id` is at `as_of`.
    pub fn usage_officer_units(&self, person_id: &str) -> Vec<&'a str> {
        self.state
            .usage_officers
            .iter()
            .filter(|(_, terms)| {
                terms
                    .iter()
                    .any(|t| t.person_id == person_id && self.holds(&t.span))
            })
            .map(|(u, _)| u.as_str())
            .collect()
    }

    /// The user registration of `person_id` in force at `as_of`.
    pub fn user_registration(&self, person_id: &str) -> Option<&'a UserRegistration> {
        self.state
            .users
            .get(person_id)?
            .iter()
            .find(|r| self.holds(&r.span))
    }

    /// The users registered in `unit_id` at `as_of`, by person id.
    pub fn users_of(&self, unit_id: &str) -> Vec<&'a str> {
        self.state
            .users
            .iter()
            .filter(|(_, regs)| {
                regs.iter()
                    .any(|r| r.unit_id == unit_id && self.holds(&r.span))
            })
            .map(|(person_id, _)| person_id.as_str())
            .collect()
    }

    /// The grant of `asset_id` to `person_id` in force at `as_of` (not revoked, not expired).
    pub fn active_grant(&self, asset_id: &str, person_id: &str) -> Option<&'a Grant> {
        self.state
            .grants
            .get(asset_id)?
            .iter()
            .find(|g| g.person_id == person_id && self.grant_active(g))
    }

    pub fn grant_active(&self, g: &Grant) -> bool {
        self.holds(&g.span) && g.until.is_none_or(|u| self.as_of < u)
    }

    /// Every grant in force at `as_of`, by asset.
    pub fn active_grants(&self) -> impl Iterator<Item = &'a Grant> + use<'a> {
        let lens = *self;
        self.state
            .grants
            .values()
            .flatten()
            .filter(move |g| lens.grant_active(g))
    }

    /// The roster of `post_id` in force at `as_of`.
    pub fn roster(&self, post_id: &str) -> Option<&'a RosterVersion> {
        self.latest(
            self.state
                .rosters
                .get(post_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            |r| &r.stamp,
        )
    }

    /// Whether the act stamped `s` is in effect: the filter of every process step.
    pub fn acts<'b>(&self, acts: &'b [PostAct]) -> impl Iterator<Item = &'b PostAct> + use<'a, 'b> {
        let lens = *self;
        acts.iter().filter(move |a| lens.happened(&a.stamp))
    }
}

//! Histories: a person's whole record, and one asset in full with every decision about it.

use chrono::{DateTime, FixedOffset};
use govledger_schema::events::StaffRole;
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::Time;
use crate::model::*;

/// A person's whole record, each fact with its seq (see [`Lens::person_history`]); the tuples
/// are named in [`PersonView`], the HTTP API's answer.
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

/// A person's history as the HTTP API answers it (`/v1/persons/{id}`): [`PersonHistory`] with
/// its tuples named, and the roles the person holds at `as_of`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub person_id: String,
    pub name: String,
    pub registered_seq: u64,
    /// Roles at `as_of`.
    pub roles: Vec<PersonRole>,
    pub units: Vec<MembershipView>,
    pub posts: Vec<PostHeldView>,
    pub designations: Vec<DesignationView>,
    pub usage_officer_of: Vec<TermView>,
    pub user_of: Vec<TermView>,
    pub grants: Vec<AccessEntry>,
}

/// A person's membership of a unit from `since`, on the event at `seq`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipView {
    pub unit_id: String,
    pub since: DateTime<FixedOffset>,
    pub seq: u64,
}

/// A post a person held (or holds), with the holding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostHeldView {
    pub post_id: String,
    #[serde(flatten)]
    pub holder: HolderView,
}

/// A designation as operation or information management staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DesignationView {
    pub role: StaffRole,
    pub designated_by_post_id: String,
    pub since: DateTime<FixedOffset>,
    pub until: Option<DateTime<FixedOffset>>,
    pub seq: u64,
}

/// A term in a unit (as its usage officer, or as a registered user).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermView {
    pub unit_id: String,
    pub since: DateTime<FixedOffset>,
    pub until: Option<DateTime<FixedOffset>>,
    pub seq: u64,
}

/// One officer post of an asset with every holder the ledger knows, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficerPostHistory {
    pub post_id: String,
    pub title: Option<String>,
    /// The holder at `as_of`.
    pub holder: Option<HolderView>,
    pub holders: Vec<HolderView>,
}

/// A decision recorded about an asset: the event, who made it, when it took effect.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionRef {
    pub seq: u64,
    pub event_type: String,
    pub stream: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub basis: String,
    pub effective_at: DateTime<FixedOffset>,
    /// The correction that voids it, if one is known at `known_at`.
    pub voided_by: Option<u64>,
}

/// One asset in full: its annex entry, officer posts and their holders over time, who may
/// use it at `as_of`, every grant ever made, and every decision about it with its seq.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetDetail {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub asset: AssetView,
    pub officer_posts: Vec<OfficerPostHistory>,
    /// Grants in force at `as_of`.
    pub access: Vec<AccessEntry>,
    /// Every grant known, with the end of those that ended.
    pub grants: Vec<AccessEntry>,
    pub decisions: Vec<DecisionRef>,
}

impl<'a> Lens<'a> {
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

    /// [`Lens::person_history`] as the HTTP API answers it, with the roles at `as_of`.
    pub fn person_view(&self, person_id: &str) -> Option<PersonView> {
        let h = self.person_history(person_id)?;
        let term = |(unit_id, since, until, seq)| TermView {
            unit_id,
            since,
            until,
            seq,
        };
        Some(PersonView {
            roles: self.person_roles(&h.person_id),
            person_id: h.person_id,
            name: h.name,
            registered_seq: h.registered_seq,
            units: h
                .units
                .into_iter()
                .map(|(unit_id, since, seq)| MembershipView {
                    unit_id,
                    since,
                    seq,
                })
                .collect(),
            posts: h
                .posts
                .into_iter()
                .map(|(post_id, holder)| PostHeldView { post_id, holder })
                .collect(),
            designations: h
                .designations
                .into_iter()
                .map(
                    |(role, designated_by_post_id, since, until, seq)| DesignationView {
                        role,
                        designated_by_post_id,
                        since,
                        until,
                        seq,
                    },
                )
                .collect(),
            usage_officer_of: h.usage_officer_of.into_iter().map(term).collect(),
            user_of: h.user_of.into_iter().map(term).collect(),
            grants: h.grants,
        })
    }

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

//! Incidents, the officers' emergency rosters (第9条) and the operation records (第11条).

use chrono::{DateTime, FixedOffset};
use govledger_schema::events::{OperationKind, OperationResult, Role};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub summary: String,
    pub asset_ids: Vec<String>,
    pub occurred_at: DateTime<FixedOffset>,
    pub reported_by: String,
    pub status: IncidentStatus,
    pub directions: Vec<ActView>,
    pub coordinations: Vec<ActView>,
    pub resolution: Option<ActView>,
    pub seqs: Vec<u64>,
}

/// Where an incident stands (第9条, 第3条第2項第4号): the furthest act recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Reported, nothing further yet.
    Reported,
    /// The supervisor has directed the response.
    Directed,
    /// Coordinated with the other bureau's supervisor.
    Coordinated,
    /// Resolved: no act follows.
    Resolved,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterView {
    pub officer_post_id: String,
    pub holder: Option<String>,
    pub entries: Vec<govledger_schema::events::RosterEntry>,
    /// 第9条第2項: someone who informs and someone who decides.
    pub valid: bool,
    pub seq: Option<u64>,
}

/// One operation record of 第11条.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
    pub effective_at: DateTime<FixedOffset>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentsView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub incidents: Vec<IncidentView>,
    /// Operation records (第11条第1号・第2号・第4号), oldest first.
    pub operations: Vec<OperationView>,
    pub rosters: Vec<RosterView>,
}

impl<'a> Lens<'a> {
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
                    IncidentStatus::Resolved
                } else if !coordinations.is_empty() {
                    IncidentStatus::Coordinated
                } else if !directions.is_empty() {
                    IncidentStatus::Directed
                } else {
                    IncidentStatus::Reported
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
}

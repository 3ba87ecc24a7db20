//! Audit findings: grants that outlived their basis, vacant posts, rosters, overdue requests
//! and operations, late records, deputies' acts.

use chrono::{NaiveDate, TimeDelta};
use govledger_schema::events::{OperationKind, OperationResult};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::Time;
use crate::model::*;

/// A decision recorded long after it took effect is flagged by the audit view.
pub const LATE_RECORDING_DAYS: i64 = 30;

/// 第11条第1号 operations that must recur, with their longest allowed gap in days: a
/// successful backup at least weekly and a server-monitoring record at least monthly, counted
/// from the ledger's genesis (the regulation applies from then). Maintenance (第2号) and batch
/// runs (第4号) follow the need, so no period is set for them. Decided for issue 14: the
/// regulation names the work, not its frequency; these are the usual minimums of the city's
/// operation plans, and a change is a new constant here (and a note in ARCHITECTURE.md).
pub const PERIODIC_OPERATIONS: &[(OperationKind, i64)] =
    &[(OperationKind::Backup, 7), (OperationKind::Monitoring, 31)];

/// One audit finding.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub findings: Vec<Finding>,
    /// Findings in all, of which `findings` holds the [`Window`] asked for.
    /// Not serialized: the HTTP API's answers carry `page: {offset, limit, total, next_offset}`.
    #[serde(skip)]
    pub total: usize,
}

impl<'a> Lens<'a> {
    /// Findings for the periodic operations of [`PERIODIC_OPERATIONS`] whose last successful
    /// record (or, without one, the genesis) is longer ago than their period at `as_of`.
    pub(super) fn overdue_operations(&self) -> Vec<Finding> {
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
}

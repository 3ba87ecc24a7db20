//! Where a retirement of assets stands (第7条): approvals, consents, decision, measures.

use chrono::NaiveDate;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

/// Where a retirement stands (第7条). The rules read this, not [`RetirementView::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetirementView {
    pub id: String,
    pub officer_post_id: String,
    pub asset_ids: Vec<String>,
    pub affected_asset_ids: Vec<String>,
    pub reason: String,
    pub planned_stop: NaiveDate,
    pub noticed_by: String,
    pub noticed_at: DateTime<FixedOffset>,
    pub noticed_seq: u64,
    /// `noticed`, `decided`, `completed` (measures recorded), `consent_refused`:
    /// [`RetirementState::as_str`].
    #[schema(value_type = RetirementState)]
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

impl<'a> Lens<'a> {
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
                what: Requirement::Notice,
                post_id: Some(r.officer_post_id.clone()),
                article: "第7条第1項第1号",
            });
        }
        for p in &approvals_required {
            if !approvals.iter().any(|a| a.post_id == *p) {
                missing.push(Missing {
                    what: Requirement::Approval,
                    post_id: Some(p.clone()),
                    article: "第7条第2項",
                });
            }
        }
        for p in &consents_required {
            if !consents.iter().any(|a| a.post_id == *p) {
                missing.push(Missing {
                    what: Requirement::Consent,
                    post_id: Some(p.clone()),
                    article: "第7条第1項第1号",
                });
            }
        }
        if decision.is_none() {
            missing.push(Missing {
                what: Requirement::Decision,
                post_id: Some(r.officer_post_id.clone()),
                article: "第7条第1項第1号",
            });
        }
        if measures.is_none() {
            missing.push(Missing {
                what: Requirement::Measures,
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
}

//! Where a system modification stands (第6条): what it has and what it still lacks.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

/// Where a modification stands (第6条). The rules read this, not [`ModificationView::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModificationView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub proposer_post_id: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<FixedOffset>,
    pub proposed_seq: u64,
    pub touches_common_parts: bool,
    /// Assets the proposing officer manages (第6条第1項第1号).
    pub own_asset_ids: Vec<String>,
    /// Other officers' assets the modification touches (第6条第2項).
    pub other_asset_ids: Vec<String>,
    /// `open`, `decided`, `withdrawn`, `consent_refused`: [`ModificationState::as_str`].
    #[schema(value_type = ModificationState)]
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

/// Who a modification needs (第6条): worked out from its assets and who proposed it.
struct Needs {
    proposer_is_officer: bool,
    /// Assets the proposing officer manages, and the others.
    own: Vec<String>,
    other: Vec<String>,
    approvals_required: Vec<String>,
    consents_required: Vec<String>,
    coordination_required_with: Vec<String>,
    final_deciders: Vec<String>,
}

/// The acts a modification has as of `as_of`.
struct Acts<'m> {
    approvals: Vec<&'m PostAct>,
    rejections: Vec<&'m PostAct>,
    consents: Vec<&'m PostAct>,
    content: Option<&'m PostAct>,
    coordination: Option<&'m (PostAct, Vec<String>)>,
    final_decision: Option<&'m (PostAct, Vec<String>)>,
    withdrawn: Option<&'m PostAct>,
    consent_refusal: Option<&'m PostAct>,
}

impl Acts<'_> {
    /// Whether `post`'s last approval is later than its last rejection.
    fn approved(&self, post: &str) -> bool {
        let last = |acts: &[&PostAct]| {
            acts.iter()
                .filter(|a| a.post_id == post)
                .map(|a| (a.stamp.at, a.stamp.seq))
                .max()
        };
        let last_yes = last(&self.approvals);
        last_yes.is_some() && last_yes > last(&self.rejections)
    }

    fn state(&self) -> ModificationState {
        if self.withdrawn.is_some() {
            ModificationState::Withdrawn
        } else if self.final_decision.is_some() {
            ModificationState::Decided
        } else if self.consent_refusal.is_some() {
            ModificationState::ConsentRefused
        } else {
            ModificationState::Open
        }
    }

    /// The seqs of every act, with the proposal's, in order.
    fn seqs(&self, proposed: u64) -> Vec<u64> {
        let mut seqs = vec![proposed];
        seqs.extend(
            self.approvals
                .iter()
                .chain(&self.rejections)
                .chain(&self.consents)
                .map(|a| a.stamp.seq),
        );
        seqs.extend(self.content.iter().map(|a| a.stamp.seq));
        seqs.extend(self.coordination.iter().map(|(a, _)| a.stamp.seq));
        seqs.extend(self.final_decision.iter().map(|(a, _)| a.stamp.seq));
        seqs.extend(self.withdrawn.iter().map(|a| a.stamp.seq));
        seqs.extend(self.consent_refusal.iter().map(|a| a.stamp.seq));
        seqs.sort_unstable();
        seqs
    }
}

impl<'a> Lens<'a> {
    /// The status of one modification as of `as_of`: what it has and what it still lacks.
    pub fn modification_view(&self, m: &Modification) -> ModificationView {
        let needs = self.modification_needs(m);
        let acts = Acts {
            approvals: self.acts(&m.approvals).collect(),
            rejections: self.acts(&m.rejections).collect(),
            consents: self.acts(&m.consents).collect(),
            content: self.acts(&m.contents).next(),
            coordination: m
                .coordinations
                .iter()
                .find(|(a, _)| self.happened(&a.stamp)),
            final_decision: m
                .final_decisions
                .iter()
                .find(|(a, _)| self.happened(&a.stamp)),
            withdrawn: self.acts(&m.withdrawals).next(),
            consent_refusal: self.acts(&m.consent_refusals).next(),
        };
        let missing = self.modification_missing(m, &needs, &acts);
        let state = acts.state();
        let seqs = acts.seqs(m.proposed.seq);
        let Acts {
            approvals,
            rejections,
            consents,
            content,
            coordination,
            final_decision,
            withdrawn: _,
            consent_refusal,
        } = acts;
        ModificationView {
            id: m.id.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            proposer_post_id: m.proposer_post_id.clone(),
            proposed_by: m.proposed_by.clone(),
            proposed_at: m.proposed.at,
            proposed_seq: m.proposed.seq,
            touches_common_parts: m.touches_common_parts,
            own_asset_ids: needs.own,
            other_asset_ids: needs.other,
            status: state.as_str(),
            state,
            approvals_required: needs.approvals_required,
            approvals: approvals.into_iter().map(ActView::from).collect(),
            rejections: rejections.into_iter().map(ActView::from).collect(),
            consents_required: needs.consents_required,
            consents: consents.into_iter().map(ActView::from).collect(),
            consent_refusal: consent_refusal.map(ActView::from),
            content_required: needs.proposer_is_officer,
            content: content.map(ActView::from),
            coordination_required_with: needs.coordination_required_with,
            coordination: coordination.map(|(a, _)| ActView::from(a)),
            final_deciders: needs.final_deciders,
            final_decision: final_decision.map(|(a, _)| ActView::from(a)),
            procedure_documents: final_decision.map(|(_, d)| d.clone()).unwrap_or_default(),
            missing,
            seqs,
        }
    }

    /// Whose approval, consent, coordination and decision `m` needs (第6条).
    fn modification_needs(&self, m: &Modification) -> Needs {
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
        Needs {
            proposer_is_officer,
            own,
            other,
            approvals_required,
            consents_required,
            coordination_required_with,
            final_deciders: sorted(final_deciders),
        }
    }

    /// What `m` still lacks, in the order the rules check it, each with its article.
    fn modification_missing(
        &self,
        m: &Modification,
        needs: &Needs,
        acts: &Acts<'_>,
    ) -> Vec<Missing> {
        let mut missing = Vec::new();
        for p in &needs.approvals_required {
            if !acts.approved(p) {
                missing.push(Missing {
                    what: Requirement::Approval,
                    post_id: Some(p.clone()),
                    article: "第6条第2項",
                });
            }
        }
        for p in &needs.consents_required {
            if !acts.consents.iter().any(|c| c.post_id == *p) {
                missing.push(Missing {
                    what: Requirement::Consent,
                    post_id: Some(p.clone()),
                    article: "第6条第1項第1号",
                });
            }
        }
        if needs.proposer_is_officer && acts.content.is_none() {
            missing.push(Missing {
                what: Requirement::ContentDecision,
                post_id: Some(m.proposer_post_id.clone()),
                article: "第6条第1項第1号",
            });
        }
        if m.touches_common_parts {
            let covered = acts.coordination.is_some_and(|(_, with)| {
                needs
                    .coordination_required_with
                    .iter()
                    .all(|p| with.contains(p))
            });
            if !covered {
                missing.push(Missing {
                    what: Requirement::Coordination,
                    post_id: self.supervisor_for_common_parts().map(str::to_owned),
                    article: "第6条第1項第2号",
                });
            }
        }
        if acts.final_decision.is_none() {
            missing.push(Missing {
                what: Requirement::FinalDecision,
                post_id: needs.final_deciders.first().cloned(),
                article: "第6条第1項第3号",
            });
        }
        missing
    }
}

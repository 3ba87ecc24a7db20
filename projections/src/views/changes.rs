//! What modifications (第6条) and retirements (第7条) share: acts by posts, what a process
//! still lacks ([`Missing`], [`Requirement`]), and the view holding both.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

/// One act in a process, for views.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActView {
    pub post_id: String,
    pub actor: String,
    pub acting_for: Option<String>,
    pub text: String,
    pub effective_at: DateTime<FixedOffset>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Missing {
    pub what: Requirement,
    pub post_id: Option<String>,
    pub article: &'static str,
}

/// What a modification (第6条) or a retirement (第7条) can still lack. The rules match on it,
/// so a misspelt requirement does not compile; it is written in snake case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Another officer's advance approval (第6条第2項, 第7条第2項).
    Approval,
    /// The supervisor's consent (第6条第1項第1号, 第7条第1項第1号).
    Consent,
    /// The officer's decision of the content (第6条第1項第1号).
    ContentDecision,
    /// Coordination of the common parts (第6条第1項第2号).
    Coordination,
    /// The overall decision (第6条第1項第3号).
    FinalDecision,
    /// The officer's notice of the retirement (第7条第1項第1号).
    Notice,
    /// The officer's decision of the retirement (第7条第1項第1号).
    Decision,
    /// The measures after a retirement (第7条第1項第2号).
    Measures,
}

impl Requirement {
    /// The name JSON gives it (`approval`, `content_decision`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Approval => "approval",
            Requirement::Consent => "consent",
            Requirement::ContentDecision => "content_decision",
            Requirement::Coordination => "coordination",
            Requirement::FinalDecision => "final_decision",
            Requirement::Notice => "notice",
            Requirement::Decision => "decision",
            Requirement::Measures => "measures",
        }
    }
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangesView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub modifications: Vec<ModificationView>,
    pub retirements: Vec<RetirementView>,
}

impl<'a> Lens<'a> {
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
}

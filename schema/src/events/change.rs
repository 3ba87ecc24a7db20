//! System modification (第6条) and retirement (第7条).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A modification is proposed: by an officer for the system handling their assets, or by a
/// supervisor for the common parts. `modification.proposed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationProposed {
    pub modification_id: String,
    pub title: String,
    pub description: String,
    /// The officer's post, or the supervisor's post for a common-parts modification.
    pub proposer_post_id: String,
    /// Every asset whose system the modification touches.
    pub asset_ids: Vec<String>,
    /// Touches the common parts (共通部分, 第6条第1項第2号).
    pub touches_common_parts: bool,
}

/// Another officer approves in advance (第6条第2項). `modification.approved.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationApproved {
    pub modification_id: String,
    pub officer_post_id: String,
    pub comment: Option<String>,
}

/// `modification.rejected.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationRejected {
    pub modification_id: String,
    pub officer_post_id: String,
    pub reason: String,
}

/// The supervisor's consent (第6条第1項第1号). `modification.consented.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationConsented {
    pub modification_id: String,
    pub supervisor_post_id: String,
}

/// The supervisor refuses consent (不同意, 第6条第1項第1号): the modification is closed as
/// refused; no content or final decision follows it. `modification.consent_refused.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationConsentRefused {
    pub modification_id: String,
    pub supervisor_post_id: String,
    pub reason: String,
}

/// The officer decides the content (第6条第1項第1号). `modification.content_decided.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationContentDecided {
    pub modification_id: String,
    pub officer_post_id: String,
    pub content: String,
}

/// The supervisor decides the common parts' content after coordinating with the officers
/// concerned (第6条第1項第2号). `modification.coordinated.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationCoordinated {
    pub modification_id: String,
    pub supervisor_post_id: String,
    pub officer_post_ids: Vec<String>,
    pub content: String,
}

/// The supervisor's overall decision (第6条第1項第3号), following the procedure documents
/// (第6条第3項, システム導入等事務手続要綱). `modification.finally_decided.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationFinallyDecided {
    pub modification_id: String,
    pub supervisor_post_id: String,
    pub procedure_documents: Vec<String>,
    pub summary: String,
}

/// `modification.withdrawn.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModificationWithdrawn {
    pub modification_id: String,
    pub reason: String,
}

/// The officer's advance notice to the supervisor (第7条第1項第1号後段). `retirement.noticed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementNoticed {
    pub retirement_id: String,
    pub officer_post_id: String,
    /// The officer's own assets whose use stops.
    pub asset_ids: Vec<String>,
    /// Other officers' assets whose system is affected (第7条第2項).
    pub affected_asset_ids: Vec<String>,
    pub reason: String,
    pub planned_stop: NaiveDate,
}

/// `retirement.approved.v1` (第7条第2項)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementApproved {
    pub retirement_id: String,
    pub officer_post_id: String,
    pub comment: Option<String>,
}

/// `retirement.consented.v1` (第7条第1項第1号)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementConsented {
    pub retirement_id: String,
    pub supervisor_post_id: String,
}

/// The supervisor refuses consent (不同意, 第7条第1項第1号): the retirement is closed as
/// refused; no decision follows it. `retirement.consent_refused.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementConsentRefused {
    pub retirement_id: String,
    pub supervisor_post_id: String,
    pub reason: String,
}

/// The officer decides to stop using the system for the assets; from this decision's
/// effective time the assets are retired. `retirement.decided.v1` (第7条第1項第1号)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementDecided {
    pub retirement_id: String,
    pub officer_post_id: String,
}

/// `retirement.measures_recorded.v1` (第7条第1項第2号)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementMeasuresRecorded {
    pub retirement_id: String,
    pub supervisor_post_id: String,
    pub measures: Vec<String>,
}

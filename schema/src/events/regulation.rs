//! The regulation itself: identity, amendments (附則), which posts hold its roles, and
//! corrections of the ledger's own records.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A role of the regulation (see RULES.md, "Who is who").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
// `Role` in the OpenAPI document is a token's role; this one is the regulation's.
#[schema(as = RegulationRole)]
pub enum Role {
    /// システム総括者 (第3条).
    SystemSupervisor,
    /// システム管理者 (第4条).
    SystemAdministrator,
    /// システム運用担当者 (第4条第3項).
    SystemOperationStaff,
    /// 情報管理責任者 (第5条, 別表).
    InformationManagementOfficer,
    /// 情報管理担当者 (第5条第4項).
    InformationManagementStaff,
    /// 利用責任者 (第8条).
    UsageOfficer,
    /// 利用者 (第2条第3号).
    User,
    /// 運用保守の実施支援: 総務企画局情報管理部システム管理課長 (第11条).
    OperationsSupport,
}

/// The regulation's identity: the first event of every ledger. `regulation.established.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulationEstablished {
    /// 福祉総合情報システム運用管理要綱
    pub title: String,
    /// 24川健企第297号
    pub number: String,
    /// 平成25年1月1日
    pub in_force_from: NaiveDate,
    /// Where the annex rows were transcribed from.
    pub annex_source: String,
}

/// One supplementary provision (附則): the regulation as amended is in force from a date.
/// `regulation.amended.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegulationAmended {
    pub in_force_from: NaiveDate,
    /// The provision's text, e.g. この要綱は、令和4年4月1日から施行する。
    pub provision: String,
    pub note: Option<String>,
}

/// The part of the system a supervisor answers for (第3条第1項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisorScope {
    /// Bureaus named for this supervisor, e.g. こども未来局.
    pub bureaus: Vec<String>,
    /// The common parts (共通部分) of the system.
    pub common_parts: bool,
    /// Every bureau not named for another supervisor.
    pub other_bureaus: bool,
}

/// The regulation fills a role with a post: 第3条第1項 (supervisors), 第4条第2項 (administrator),
/// 第11条 (operations support). `regulation.role_bound.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBound {
    pub role: Role,
    pub post_id: String,
    /// Present for supervisors only.
    pub scope: Option<SupervisorScope>,
}

/// The sections from whose staff system operation staff may be designated (第4条第3項).
/// `regulation.operation_staff_sections_set.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationStaffSectionsSet {
    pub unit_ids: Vec<String>,
}

/// A recorded event was a mistake: views disregard it from this event on; history keeps both.
/// `correction.recorded.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRecorded {
    pub corrects_seq: u64,
    pub corrects_event_id: Uuid,
    pub reason: String,
}

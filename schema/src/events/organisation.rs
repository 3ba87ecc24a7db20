//! Organisation: units, posts, persons, appointments (辞令), designations and usage officers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An organisational unit: a bureau (局), department (部) or division (課・室). A user division
/// (利用課, 第2条第2号) is one whose staff can be users. `unit.established.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitEstablished {
    pub unit_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// The bureau (局) or ward office the unit belongs to: decides the supervisor's scope.
    pub bureau: String,
    pub user_division: bool,
}

/// A post (職), e.g. 健康福祉局総務部保健福祉システム課長. Roles attach to posts.
/// `post.established.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostEstablished {
    pub post_id: String,
    pub title: String,
    pub unit_id: String,
    /// The post is the head (長) of its unit (第8条第2項: the usage officer in principle).
    pub heads_unit: bool,
}

/// A person enters the ledger, with the unit they belong to. `person.registered.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRegistered {
    pub person_id: String,
    pub name: String,
    pub unit_id: String,
    pub personnel_order: Option<String>,
}

/// A person moves to another unit (人事異動). `person.transferred.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonTransferred {
    pub person_id: String,
    pub from_unit_id: String,
    pub to_unit_id: String,
    pub personnel_order: String,
}

/// A person is appointed to a post; every role of the post moves with it. `post.holder_appointed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderAppointed {
    pub post_id: String,
    pub person_id: String,
    pub personnel_order: String,
}

/// A person's appointment to a post ends. `post.holder_ended.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderEnded {
    pub post_id: String,
    pub person_id: String,
    pub personnel_order: String,
}

/// A role held by designation of a person rather than by a post.
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
pub enum StaffRole {
    /// システム運用担当者, designated by the system administrator (第4条第3項).
    SystemOperationStaff,
    /// 情報管理担当者, designated by an information management officer (第5条第4項).
    InformationManagementStaff,
}

/// `staff.designated.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffDesignated {
    pub person_id: String,
    pub role: StaffRole,
    /// The administrator's or the officer's post that designated.
    pub designated_by_post_id: String,
}

/// `staff.designation_revoked.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffDesignationRevoked {
    pub person_id: String,
    pub role: StaffRole,
    pub designated_by_post_id: String,
    pub reason: String,
}

/// 利用責任者 of a user division (第8条). `usage_officer.appointed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageOfficerAppointed {
    pub unit_id: String,
    pub person_id: String,
    /// Required when the person is not the head of the division (第8条第2項 "原則として").
    pub reason_not_head: Option<String>,
}

/// `usage_officer.ended.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageOfficerEnded {
    pub unit_id: String,
    pub person_id: String,
}

/// A person becomes a user (利用者, 第2条第3号) of their division, under its usage officer
/// (第8条第3項). `user.registered.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRegistered {
    pub person_id: String,
    pub unit_id: String,
}

/// `user.deregistered.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDeregistered {
    pub person_id: String,
    pub unit_id: String,
    pub reason: String,
}

//! Rosters and incidents (第9条, 第11条), security improvement requests (第10条第2項), meetings
//! (第12条) and directives (第13条).

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One person on an emergency contact roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterEntry {
    #[schemars(extend("x-ref" = "person"))]
    pub person_id: String,
    pub contact: String,
    /// Can provide the information needed (必要な情報の提供).
    pub can_inform: bool,
    /// Can make decisions (判断).
    pub can_decide: bool,
}

/// An officer's emergency contact roster (緊急連絡体制, 第9条); replaces the previous one.
/// `roster.recorded.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterRecorded {
    pub officer_post_id: String,
    pub entries: Vec<RosterEntry>,
}

/// `incident.reported.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentReported {
    pub incident_id: String,
    pub summary: String,
    pub asset_ids: Vec<String>,
    pub occurred_at: DateTime<FixedOffset>,
}

/// The supervisor directs the response (第3条第2項第4号). `incident.directed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentDirected {
    pub incident_id: String,
    pub supervisor_post_id: String,
    pub directions: String,
}

/// Operations support coordinates the response (第11条第3号). `incident.coordinated.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentCoordinated {
    pub incident_id: String,
    pub actions: String,
}

/// `incident.resolved.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentResolved {
    pub incident_id: String,
    pub resolution: String,
}

/// To whom a security improvement request is addressed (第10条第2項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Addressee {
    /// An information management officer, by post.
    Officer {
        #[schemars(extend("x-ref" = "officer_post"))]
        post_id: String,
    },
    /// The usage officer of a user division.
    UsageOfficer {
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
    },
}

/// `security_request.issued.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRequestIssued {
    pub request_id: String,
    pub supervisor_post_id: String,
    pub addressee: Addressee,
    pub finding: String,
    /// e.g. 川崎市情報セキュリティ基準
    pub standard: String,
    pub due: NaiveDate,
}

/// `security_request.responded.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRequestResponded {
    pub request_id: String,
    pub response: String,
}

/// `security_request.closed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRequestClosed {
    pub request_id: String,
    pub note: String,
}

/// `security_request.reopened.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRequestReopened {
    pub request_id: String,
    pub reason: String,
    pub due: NaiveDate,
}

/// 運用管理会議 (第12条第1項) or 運用管理担当者会議 (第12条第3項・第4項).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Management,
    Staff,
}

/// Held in person, or replaced by circulation (持回り, 第12条第2項).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MeetingForm {
    InPerson,
    Circulation,
}

/// `meeting.convened.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingConvened {
    pub meeting_id: String,
    pub kind: MeetingKind,
    pub form: MeetingForm,
    /// Required for a circulation (緊急を要する場合等).
    pub urgency_reason: Option<String>,
    pub convener_post_id: String,
    pub members: Vec<String>,
    pub agenda: Vec<String>,
    pub held_on: NaiveDate,
}

/// `meeting.minutes_recorded.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingMinutesRecorded {
    pub meeting_id: String,
    pub attendees: Vec<String>,
    pub agenda: Vec<String>,
    pub resolutions: Vec<String>,
}

/// A member's position on a circulated matter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SignaturePosition {
    Agree,
    Disagree,
    Comment,
}

/// `meeting.signed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingSigned {
    pub meeting_id: String,
    pub person_id: String,
    pub position: SignaturePosition,
    pub comment: Option<String>,
}

/// `meeting.resolved.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingResolved {
    pub meeting_id: String,
    pub resolution: String,
}

/// The supervisor's other directives (第13条). `directive.issued.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectiveIssued {
    pub directive_id: String,
    pub supervisor_post_id: String,
    pub title: String,
    pub body: String,
}

/// The supervisor directs an information management officer or a usage officer in the work of
/// 第3条第2項 (指揮監督, 第3条第3項); an information management officer follows what the
/// supervisor sets (第5条第3項). Its own act, not a 第13条 directive: it names whom it directs.
/// `officer.directed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerDirected {
    pub direction_id: String,
    pub supervisor_post_id: String,
    pub addressee: Addressee,
    /// Who held the addressed office when the direction took effect.
    pub person_id: String,
    /// What the direction is about (件名).
    pub matter: String,
    pub direction: String,
}

/// A usage officer directs (指揮監督) the users of their own division (第8条第3項): whom, about
/// what, and the direction. `users` lists the users addressed, as registered in the division
/// when the direction took effect. `users.directed.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsersDirected {
    pub direction_id: String,
    pub unit_id: String,
    /// The usage officer who gave the direction (the division's usage officer at the time).
    pub usage_officer_id: String,
    pub users: Vec<String>,
    /// What the direction is about (件名).
    pub matter: String,
    pub direction: String,
}

/// An operation of 第11条: 第1号 server monitoring (サーバの監視) and backup (バックアップ運用),
/// 第2号 maintenance (保守実施), 第4号 batch runs (バッチ処理の実行管理).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    Monitoring,
    Backup,
    Maintenance,
    Batch,
}

impl OperationKind {
    /// The item of 第11条 the operation falls under.
    pub fn article(self) -> &'static str {
        match self {
            OperationKind::Monitoring | OperationKind::Backup => "第11条第1号",
            OperationKind::Maintenance => "第11条第2号",
            OperationKind::Batch => "第11条第4号",
        }
    }

    /// `backup`, … as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Monitoring => "monitoring",
            OperationKind::Backup => "backup",
            OperationKind::Maintenance => "maintenance",
            OperationKind::Batch => "batch",
        }
    }
}

/// How an operation ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OperationResult {
    Succeeded,
    Failed,
}

/// An operation was carried out (第11条第1号・第2号・第4号): what, its result, and the ticket it
/// was done under; when is the event's effective time, by whom its actor.
/// `operation.recorded.v2`; an `operation.recorded.v1` record is read as one with no ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationRecorded {
    pub operation: OperationKind,
    /// What was done, on what (e.g. `DBサーバ 週次フルバックアップ`).
    pub target: String,
    pub result: OperationResult,
    pub detail: Option<String>,
    /// The role the actor recorded it in: `operations_support` (第11条), `system_administrator`
    /// (第4条第1項) or `system_operation_staff` (第4条第3項).
    pub recorded_as: super::Role,
    /// The work order the operation was carried out under, if any: the modification it put in
    /// place (`MOD-0003`), the incident it answered (`INC-0001`), or the operator's own change
    /// or maintenance ticket (`CHG-2291`). New in v2; an upcast v1 record has none.
    pub ticket: Option<String>,
}

/// The first shape of an operation record, as recorded until `operation.recorded.v2`: frozen,
/// because events of this type stay in the log byte for byte. Read through its upcast to
/// [`OperationRecorded`] (`ticket` none). `operation.recorded.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "OperationRecorded",
    description = "An operation was carried out (第11条第1号・第2号・第4号): what, its result; when is the\nevent's effective time, by whom its actor. `operation.recorded.v1`"
)]
pub struct OperationRecordedV1 {
    pub operation: OperationKind,
    /// What was done, on what (e.g. `DBサーバ 週次フルバックアップ`).
    pub target: String,
    pub result: OperationResult,
    pub detail: Option<String>,
    /// The role the actor recorded it in: `operations_support` (第11条), `system_administrator`
    /// (第4条第1項) or `system_operation_staff` (第4条第3項).
    pub recorded_as: super::Role,
}

impl From<OperationRecordedV1> for OperationRecorded {
    /// v1 → v2: a v1 record names no ticket.
    fn from(v1: OperationRecordedV1) -> OperationRecorded {
        let OperationRecordedV1 {
            operation,
            target,
            result,
            detail,
            recorded_as,
        } = v1;
        OperationRecorded {
            operation,
            target,
            result,
            detail,
            recorded_as,
            ticket: None,
        }
    }
}

//! The kinds of decision without their fields ([`CommandKind`]) and what the regulation says
//! of each ([`CommandSpec`], [`spec`]): the OpenAPI descriptions and the admin workspace's forms
//! read them before there is a command. The specs themselves stand beside each rule in its
//! procedure's module.

use super::*;

/// The kind of a [`Command`], without its fields: what a form or the OpenAPI document is
/// about before there is a command. `Command::command_kind` and [`spec`] match exhaustively,
/// so a new command does not compile without its kind and its spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    EstablishUnit,
    EstablishPost,
    RegisterPerson,
    TransferPerson,
    AppointToPost,
    EndAppointment,
    DesignateOperationStaff,
    DesignateInformationManagementStaff,
    RevokeDesignation,
    AppointUsageOfficer,
    EndUsageOfficer,
    RegisterUser,
    DeregisterUser,
    AmendRegulation,
    AmendAnnex,
    RequestPermission,
    GrantPermission,
    RefusePermission,
    RevokePermission,
    ProposeModification,
    ApproveModification,
    RejectModification,
    ConsentToModification,
    RefuseModificationConsent,
    DecideModificationContent,
    CoordinateModification,
    DecideModification,
    WithdrawModification,
    NoticeRetirement,
    ApproveRetirement,
    ConsentToRetirement,
    RefuseRetirementConsent,
    DecideRetirement,
    RecordRetirementMeasures,
    RecordRoster,
    ReportIncident,
    DirectIncident,
    CoordinateIncident,
    ResolveIncident,
    IssueSecurityRequest,
    RespondToSecurityRequest,
    CloseSecurityRequest,
    ReopenSecurityRequest,
    ConveneMeeting,
    RecordMinutes,
    SignCirculation,
    ResolveMeeting,
    IssueDirective,
    DirectOfficer,
    DirectUsers,
    RecordOperation,
    Correct,
}

impl CommandKind {
    /// Every kind, in the order of [`Command`]'s variants.
    pub const ALL: &[CommandKind] = &[
        CommandKind::EstablishUnit,
        CommandKind::EstablishPost,
        CommandKind::RegisterPerson,
        CommandKind::TransferPerson,
        CommandKind::AppointToPost,
        CommandKind::EndAppointment,
        CommandKind::DesignateOperationStaff,
        CommandKind::DesignateInformationManagementStaff,
        CommandKind::RevokeDesignation,
        CommandKind::AppointUsageOfficer,
        CommandKind::EndUsageOfficer,
        CommandKind::RegisterUser,
        CommandKind::DeregisterUser,
        CommandKind::AmendRegulation,
        CommandKind::AmendAnnex,
        CommandKind::RequestPermission,
        CommandKind::GrantPermission,
        CommandKind::RefusePermission,
        CommandKind::RevokePermission,
        CommandKind::ProposeModification,
        CommandKind::ApproveModification,
        CommandKind::RejectModification,
        CommandKind::ConsentToModification,
        CommandKind::RefuseModificationConsent,
        CommandKind::DecideModificationContent,
        CommandKind::CoordinateModification,
        CommandKind::DecideModification,
        CommandKind::WithdrawModification,
        CommandKind::NoticeRetirement,
        CommandKind::ApproveRetirement,
        CommandKind::ConsentToRetirement,
        CommandKind::RefuseRetirementConsent,
        CommandKind::DecideRetirement,
        CommandKind::RecordRetirementMeasures,
        CommandKind::RecordRoster,
        CommandKind::ReportIncident,
        CommandKind::DirectIncident,
        CommandKind::CoordinateIncident,
        CommandKind::ResolveIncident,
        CommandKind::IssueSecurityRequest,
        CommandKind::RespondToSecurityRequest,
        CommandKind::CloseSecurityRequest,
        CommandKind::ReopenSecurityRequest,
        CommandKind::ConveneMeeting,
        CommandKind::RecordMinutes,
        CommandKind::SignCirculation,
        CommandKind::ResolveMeeting,
        CommandKind::IssueDirective,
        CommandKind::DirectOfficer,
        CommandKind::DirectUsers,
        CommandKind::RecordOperation,
        CommandKind::Correct,
    ];

    /// The kind as in a command's JSON `kind` (`grant_permission`).
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::EstablishUnit => "establish_unit",
            CommandKind::EstablishPost => "establish_post",
            CommandKind::RegisterPerson => "register_person",
            CommandKind::TransferPerson => "transfer_person",
            CommandKind::AppointToPost => "appoint_to_post",
            CommandKind::EndAppointment => "end_appointment",
            CommandKind::DesignateOperationStaff => "designate_operation_staff",
            CommandKind::DesignateInformationManagementStaff => {
                "designate_information_management_staff"
            }
            CommandKind::RevokeDesignation => "revoke_designation",
            CommandKind::AppointUsageOfficer => "appoint_usage_officer",
            CommandKind::EndUsageOfficer => "end_usage_officer",
            CommandKind::RegisterUser => "register_user",
            CommandKind::DeregisterUser => "deregister_user",
            CommandKind::AmendRegulation => "amend_regulation",
            CommandKind::AmendAnnex => "amend_annex",
            CommandKind::RequestPermission => "request_permission",
            CommandKind::GrantPermission => "grant_permission",
            CommandKind::RefusePermission => "refuse_permission",
            CommandKind::RevokePermission => "revoke_permission",
            CommandKind::ProposeModification => "propose_modification",
            CommandKind::ApproveModification => "approve_modification",
            CommandKind::RejectModification => "reject_modification",
            CommandKind::ConsentToModification => "consent_to_modification",
            CommandKind::RefuseModificationConsent => "refuse_modification_consent",
            CommandKind::DecideModificationContent => "decide_modification_content",
            CommandKind::CoordinateModification => "coordinate_modification",
            CommandKind::DecideModification => "decide_modification",
            CommandKind::WithdrawModification => "withdraw_modification",
            CommandKind::NoticeRetirement => "notice_retirement",
            CommandKind::ApproveRetirement => "approve_retirement",
            CommandKind::ConsentToRetirement => "consent_to_retirement",
            CommandKind::RefuseRetirementConsent => "refuse_retirement_consent",
            CommandKind::DecideRetirement => "decide_retirement",
            CommandKind::RecordRetirementMeasures => "record_retirement_measures",
            CommandKind::RecordRoster => "record_roster",
            CommandKind::ReportIncident => "report_incident",
            CommandKind::DirectIncident => "direct_incident",
            CommandKind::CoordinateIncident => "coordinate_incident",
            CommandKind::ResolveIncident => "resolve_incident",
            CommandKind::IssueSecurityRequest => "issue_security_request",
            CommandKind::RespondToSecurityRequest => "respond_to_security_request",
            CommandKind::CloseSecurityRequest => "close_security_request",
            CommandKind::ReopenSecurityRequest => "reopen_security_request",
            CommandKind::ConveneMeeting => "convene_meeting",
            CommandKind::RecordMinutes => "record_minutes",
            CommandKind::SignCirculation => "sign_circulation",
            CommandKind::ResolveMeeting => "resolve_meeting",
            CommandKind::IssueDirective => "issue_directive",
            CommandKind::DirectOfficer => "direct_officer",
            CommandKind::DirectUsers => "direct_users",
            CommandKind::RecordOperation => "record_operation",
            CommandKind::Correct => "correct",
        }
    }

    pub fn parse(kind: &str) -> Option<CommandKind> {
        CommandKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == kind)
    }

    /// The act's spec: its articles, who may do it, its preconditions in order.
    pub fn spec(self) -> &'static CommandSpec {
        spec(self)
    }
}

/// What the regulation says of one kind of decision, for whoever asks before deciding (the
/// OpenAPI description of `POST /v1/commands/{kind}`, the admin workspace's forms). Written
/// next to the rule in its procedure's module; the preconditions are those the rule checks,
/// in the order it checks them (after the checks every decision passes: a genesis, an
/// effective time in whole seconds from the genesis to a year ahead, an actor registered by
/// then, well-formed ids and non-blank texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// What the accepted act records as its basis (several where it depends on who acts, or
    /// on the case).
    pub articles: &'static [Article],
    /// Who may do it, in the regulation's terms.
    pub who: Text,
    /// What must hold, in the order the rule checks it.
    pub preconditions: &'static [Text],
}

/// What every decision must satisfy before its own rule is asked ([`decide_at`], in this
/// order; the ledger's recording principle, [`RECORDING`]).
pub const COMMON_PRECONDITIONS: &[Text] = &[
    Text::new("台帳が初期化されていること", "the ledger has its genesis"),
    Text::new(
        "効力発生日時が秒単位で、台帳の開始より前でなく、現在から366日を超えて先でないこと",
        "effective_at is in whole seconds, not before the genesis, and at most 366 days after now",
    ),
    Text::new(
        "実行者（トークンの者）が効力発生日時までに登録された者であること",
        "the actor (the token's person) is registered by effective_at",
    ),
];

/// The spec of `kind`. Exhaustive: a new kind does not compile without one.
pub fn spec(kind: CommandKind) -> &'static CommandSpec {
    use CommandKind as K;
    match kind {
        K::EstablishUnit => &organisation::ESTABLISH_UNIT,
        K::EstablishPost => &organisation::ESTABLISH_POST,
        K::RegisterPerson => &organisation::REGISTER_PERSON,
        K::TransferPerson => &organisation::TRANSFER_PERSON,
        K::AppointToPost => &organisation::APPOINT_TO_POST,
        K::EndAppointment => &organisation::END_APPOINTMENT,
        K::DesignateOperationStaff => &organisation::DESIGNATE_OPERATION_STAFF,
        K::DesignateInformationManagementStaff => {
            &organisation::DESIGNATE_INFORMATION_MANAGEMENT_STAFF
        }
        K::RevokeDesignation => &organisation::REVOKE_DESIGNATION,
        K::AppointUsageOfficer => &organisation::APPOINT_USAGE_OFFICER,
        K::EndUsageOfficer => &organisation::END_USAGE_OFFICER,
        K::RegisterUser => &organisation::REGISTER_USER,
        K::DeregisterUser => &organisation::DEREGISTER_USER,
        K::AmendRegulation => &regulation::AMEND_REGULATION,
        K::AmendAnnex => &regulation::AMEND_ANNEX,
        K::RequestPermission => &access::REQUEST_PERMISSION,
        K::GrantPermission => &access::GRANT_PERMISSION,
        K::RefusePermission => &access::REFUSE_PERMISSION,
        K::RevokePermission => &access::REVOKE_PERMISSION,
        K::ProposeModification => &modification::PROPOSE_MODIFICATION,
        K::ApproveModification => &modification::APPROVE_MODIFICATION,
        K::RejectModification => &modification::REJECT_MODIFICATION,
        K::ConsentToModification => &modification::CONSENT_TO_MODIFICATION,
        K::RefuseModificationConsent => &modification::REFUSE_MODIFICATION_CONSENT,
        K::DecideModificationContent => &modification::DECIDE_MODIFICATION_CONTENT,
        K::CoordinateModification => &modification::COORDINATE_MODIFICATION,
        K::DecideModification => &modification::DECIDE_MODIFICATION,
        K::WithdrawModification => &modification::WITHDRAW_MODIFICATION,
        K::NoticeRetirement => &retirement::NOTICE_RETIREMENT,
        K::ApproveRetirement => &retirement::APPROVE_RETIREMENT,
        K::ConsentToRetirement => &retirement::CONSENT_TO_RETIREMENT,
        K::RefuseRetirementConsent => &retirement::REFUSE_RETIREMENT_CONSENT,
        K::DecideRetirement => &retirement::DECIDE_RETIREMENT,
        K::RecordRetirementMeasures => &retirement::RECORD_RETIREMENT_MEASURES,
        K::RecordRoster => &incident::RECORD_ROSTER,
        K::ReportIncident => &incident::REPORT_INCIDENT,
        K::DirectIncident => &incident::DIRECT_INCIDENT,
        K::CoordinateIncident => &incident::COORDINATE_INCIDENT,
        K::ResolveIncident => &incident::RESOLVE_INCIDENT,
        K::IssueSecurityRequest => &security_request::ISSUE_SECURITY_REQUEST,
        K::RespondToSecurityRequest => &security_request::RESPOND_TO_SECURITY_REQUEST,
        K::CloseSecurityRequest => &security_request::CLOSE_SECURITY_REQUEST,
        K::ReopenSecurityRequest => &security_request::REOPEN_SECURITY_REQUEST,
        K::ConveneMeeting => &meeting::CONVENE_MEETING,
        K::RecordMinutes => &meeting::RECORD_MINUTES,
        K::SignCirculation => &meeting::SIGN_CIRCULATION,
        K::ResolveMeeting => &meeting::RESOLVE_MEETING,
        K::IssueDirective => &direction::ISSUE_DIRECTIVE,
        K::DirectOfficer => &direction::DIRECT_OFFICER,
        K::DirectUsers => &direction::DIRECT_USERS,
        K::RecordOperation => &operations::RECORD_OPERATION,
        K::Correct => &regulation::CORRECT,
    }
}

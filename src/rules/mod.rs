//! The regulation as rules: a [`Command`] is decided against the [`State`] at the decision's
//! effective time and becomes events ([`Proposed`]) or a [`Refusal`] naming the rule and the
//! article. Pure: no I/O, no clock; ids of new records are numbered from the state.
//!
//! Choices (see RULES.md for the rules themselves):
//! - Roles are checked **at `effective_at`**, with everything the ledger knows (corrections
//!   applied).
//! - `effective_at` must not be before genesis nor more than [`MAX_DAYS_AHEAD`] days after now
//!   (the ledger passes its clock to [`decide_at`]; without one, the latest effective time
//!   recorded): the ledger records decisions, not plans.
//! - The system administrator acts as deputy (代理, 第4条第1項) of a supervisor whenever a
//!   supervisor's act is asked of them: the event then records `acting_for` = the supervisor's
//!   post. It is never a deputy for acts the regulation gives to other roles.
//! - Personnel records (units, posts, persons, appointments) are made by the administrator or a
//!   supervisor, citing the personnel order (辞令).

mod access;
pub mod admission;
mod approval;
pub mod articles;
mod direction;
mod genesis;
mod incident;
mod kinds;
mod meeting;
mod modification;
mod operations;
mod organisation;
mod regulation;
mod retirement;
mod route;
mod security_request;

pub use genesis::{ANNEX_JSON, GenesisAdmin, POSTS, genesis, officer_post_id};
pub use kinds::{COMMON_PRECONDITIONS, CommandKind, CommandSpec, spec};
use route::route;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use govledger_projections::{Lens, State};
use govledger_schema::events::{
    Addressee, MeetingForm, MeetingKind, OperationKind, OperationResult, Payload, RosterEntry,
    SignaturePosition, StaffRole,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use articles::{ANNEX, ART_3_1, Article};

pub type Time = DateTime<FixedOffset>;

/// How far past the latest recorded effective time a decision may take effect.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// An event the rules propose; the ledger seals it (seq, version, prev, recorded_at) with the
/// command's actor and effective time. The payload stays typed: it is encoded once, as the
/// event's `data` when sealed (`ledger::decision_event`), and folded as it is, never parsed
/// back from the JSON it was encoded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub stream: String,
    pub payload: Payload,
    /// The article the act rests on, e.g. `第6条第1項第3号`.
    pub basis: String,
    /// The supervisor post the administrator acts for (第4条第1項), if deputising.
    pub acting_for: Option<String>,
}

impl Proposed {
    /// The event type the payload is recorded under.
    pub fn event_type(&self) -> &'static str {
        self.payload.event_type()
    }
}

/// A language a refusal or a spec is read in. Japanese is the regulation's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// A refusal's message in both languages; the caller shows one ([`Message::get`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// In the regulation's terms (情報管理責任者, システム総括者, 同意, 承認, …).
    pub ja: String,
    pub en: String,
}

impl Message {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

impl std::fmt::Display for Message {
    /// English: the CLI's one line (and logs) read it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// `msg!("…{x}…", args…; en)`: a [`Message`] whose Japanese is formatted here and whose English
/// is any `String`/`&str` expression.
macro_rules! msg {
    ($ja:literal $(, $arg:expr)* ; $en:expr $(,)?) => {
        $crate::rules::Message {
            ja: format!($ja $(, $arg)*),
            en: ::std::string::String::from($en),
        }
    };
}
pub(crate) use msg;

/// A fixed text in both languages (a spec's role or precondition, the name of an act).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Text {
    pub ja: &'static str,
    pub en: &'static str,
}

impl Text {
    pub const fn new(ja: &'static str, en: &'static str) -> Text {
        Text { ja, en }
    }

    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => self.ja,
            Lang::En => self.en,
        }
    }
}

/// A command refused by a rule. Nothing is appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{article}に反する ({rule}): {message}")]
pub struct Refusal {
    /// Stable id, e.g. `modification.approval_missing`.
    pub rule: &'static str,
    /// e.g. `第6条第2項`.
    pub article: &'static str,
    /// What stands in the way, and what is missing where the rule knows it.
    pub message: Message,
}

impl Refusal {
    /// The quoted text of the refusal's article (the joint citation's parts, one per line).
    pub fn article_text(&self) -> String {
        articles::find(self.article)
            .map(|parts| match parts.as_slice() {
                [one] => one.text.to_owned(),
                several => several
                    .iter()
                    .map(|a| format!("{} {}", a.cite, a.text))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .unwrap_or_default()
    }
}

pub(crate) fn refuse<T>(
    rule: &'static str,
    article: Article,
    message: Message,
) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        article: article.cite,
        message,
    })
}

/// The article for ledger-level rules (every decision has an actor, a basis, a time).
pub const RECORDING: &str = articles::RECORDING.cite;

/// One command per decision kind of RULES.md. JSON: `{"kind": "grant_permission", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    // --- Organisation (personnel orders; 第3条, 第4条, 第5条, 第8条) ---
    EstablishUnit {
        unit_id: String,
        name: String,
        #[schemars(extend("x-ref" = "unit"))]
        parent_id: Option<String>,
        bureau: String,
        user_division: bool,
    },
    EstablishPost {
        post_id: String,
        title: String,
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
        heads_unit: bool,
    },
    RegisterPerson {
        person_id: String,
        name: String,
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
        personnel_order: Option<String>,
    },
    TransferPerson {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
        personnel_order: String,
    },
    /// Appoint to a post; with `replace_current` the current holder's appointment ends first.
    /// Moves the person to the post's unit if they are elsewhere.
    AppointToPost {
        #[schemars(extend("x-ref" = "post"))]
        post_id: String,
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        personnel_order: String,
        #[serde(default)]
        replace_current: bool,
    },
    EndAppointment {
        #[schemars(extend("x-ref" = "post"))]
        post_id: String,
        personnel_order: String,
    },
    /// 第4条第3項
    DesignateOperationStaff {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
    },
    /// 第5条第4項; `officer_post_id` when the actor holds several officer posts.
    DesignateInformationManagementStaff {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "officer_post"))]
        officer_post_id: Option<String>,
    },
    RevokeDesignation {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        role: StaffRole,
        reason: String,
    },
    /// 第8条
    AppointUsageOfficer {
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        reason_not_head: Option<String>,
        #[serde(default)]
        replace_current: bool,
    },
    EndUsageOfficer {
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
    },
    /// 第2条第3号, 第8条第3項: by the usage officer of the person's division.
    RegisterUser {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
    },
    DeregisterUser {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        reason: String,
    },
    // --- Regulation and annex (附則, 別表) ---
    AmendRegulation {
        in_force_from: NaiveDate,
        provision: String,
        note: Option<String>,
    },
    AmendAnnex {
        asset_id: String,
        name: String,
        businesses: Vec<String>,
        #[schemars(extend("x-ref" = "officer_post"))]
        officer_post_ids: Vec<String>,
        #[schemars(extend("x-ref" = "bureau"))]
        bureau: String,
    },
    // --- Permissions (第5条第2項) ---
    RequestPermission {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_id: String,
        scope: String,
        until: Option<Time>,
    },
    GrantPermission {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_id: String,
        scope: String,
        until: Option<Time>,
        #[schemars(extend("x-ref" = "permission_request"))]
        request_id: Option<String>,
    },
    RefusePermission {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_id: String,
        reason: String,
        #[schemars(extend("x-ref" = "permission_request"))]
        request_id: Option<String>,
    },
    RevokePermission {
        #[schemars(extend("x-ref" = "person"))]
        person_id: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_id: String,
        reason: String,
    },
    // --- System modification (第6条) ---
    ProposeModification {
        title: String,
        description: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_ids: Vec<String>,
        touches_common_parts: bool,
        #[schemars(extend("x-ref" = "post"))]
        proposer_post_id: Option<String>,
    },
    ApproveModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        comment: Option<String>,
    },
    RejectModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        reason: String,
    },
    ConsentToModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
    },
    /// The supervisor's refusal of consent (不同意, 第6条第1項第1号): closes the modification.
    RefuseModificationConsent {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        reason: String,
    },
    DecideModificationContent {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        content: String,
    },
    CoordinateModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        #[schemars(extend("x-ref" = "officer_post"))]
        officer_post_ids: Vec<String>,
        content: String,
    },
    DecideModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        procedure_documents: Vec<String>,
        summary: String,
    },
    WithdrawModification {
        #[schemars(extend("x-ref" = "modification"))]
        modification_id: String,
        reason: String,
    },
    // --- Retirement (第7条) ---
    NoticeRetirement {
        #[schemars(extend("x-ref" = "asset"))]
        asset_ids: Vec<String>,
        #[schemars(extend("x-ref" = "asset"))]
        affected_asset_ids: Vec<String>,
        reason: String,
        planned_stop: NaiveDate,
    },
    ApproveRetirement {
        #[schemars(extend("x-ref" = "retirement"))]
        retirement_id: String,
        comment: Option<String>,
    },
    ConsentToRetirement {
        #[schemars(extend("x-ref" = "retirement"))]
        retirement_id: String,
    },
    /// The supervisor's refusal of consent (不同意, 第7条第1項第1号): closes the retirement.
    RefuseRetirementConsent {
        #[schemars(extend("x-ref" = "retirement"))]
        retirement_id: String,
        reason: String,
    },
    /// 第7条第1項第1号: names the retirement, or the assets whose use stops (the notice given to
    /// the supervisor before the decision is looked up; without one the decision is refused).
    DecideRetirement {
        #[schemars(extend("x-ref" = "retirement"))]
        retirement_id: Option<String>,
        #[serde(default)]
        #[schemars(extend("x-ref" = "asset"))]
        asset_ids: Vec<String>,
    },
    RecordRetirementMeasures {
        #[schemars(extend("x-ref" = "retirement"))]
        retirement_id: String,
        measures: Vec<String>,
    },
    // --- Rosters and incidents (第3条第2項第4号, 第9条, 第11条) ---
    RecordRoster {
        #[schemars(extend("x-ref" = "officer_post"))]
        officer_post_id: Option<String>,
        entries: Vec<RosterEntry>,
    },
    ReportIncident {
        summary: String,
        #[schemars(extend("x-ref" = "asset"))]
        asset_ids: Vec<String>,
        occurred_at: Time,
    },
    DirectIncident {
        #[schemars(extend("x-ref" = "incident"))]
        incident_id: String,
        directions: String,
    },
    CoordinateIncident {
        #[schemars(extend("x-ref" = "incident"))]
        incident_id: String,
        actions: String,
    },
    ResolveIncident {
        #[schemars(extend("x-ref" = "incident"))]
        incident_id: String,
        resolution: String,
    },
    // --- Security improvement requests (第10条第2項) ---
    IssueSecurityRequest {
        addressee: Addressee,
        finding: String,
        standard: String,
        due: NaiveDate,
    },
    RespondToSecurityRequest {
        #[schemars(extend("x-ref" = "security_request"))]
        request_id: String,
        response: String,
    },
    CloseSecurityRequest {
        #[schemars(extend("x-ref" = "security_request"))]
        request_id: String,
        note: String,
    },
    ReopenSecurityRequest {
        #[schemars(extend("x-ref" = "security_request"))]
        request_id: String,
        reason: String,
        due: NaiveDate,
    },
    // --- Meetings (第12条) and directives (第13条) ---
    ConveneMeeting {
        meeting_kind: MeetingKind,
        form: MeetingForm,
        urgency_reason: Option<String>,
        #[schemars(extend("x-ref" = "person"))]
        members: Vec<String>,
        agenda: Vec<String>,
        held_on: NaiveDate,
    },
    RecordMinutes {
        #[schemars(extend("x-ref" = "meeting"))]
        meeting_id: String,
        #[schemars(extend("x-ref" = "person"))]
        attendees: Vec<String>,
        agenda: Vec<String>,
        resolutions: Vec<String>,
    },
    SignCirculation {
        #[schemars(extend("x-ref" = "meeting"))]
        meeting_id: String,
        position: SignaturePosition,
        comment: Option<String>,
    },
    ResolveMeeting {
        #[schemars(extend("x-ref" = "meeting"))]
        meeting_id: String,
        resolution: String,
    },
    /// 第13条; `bureau` picks the supervisor (None: the common parts' supervisor).
    IssueDirective {
        title: String,
        body: String,
        #[schemars(extend("x-ref" = "bureau"))]
        bureau: Option<String>,
    },
    /// 第3条第3項 (and 第5条第3項 for an information management officer): the supervisor of
    /// the addressee's bureau directs an officer; `matter` names what it is about.
    DirectOfficer {
        addressee: Addressee,
        matter: String,
        direction: String,
    },
    /// 第8条第3項: the usage officer of a division directs its users. An empty `users` addresses
    /// every user registered in the division at the time; the event lists them.
    DirectUsers {
        #[schemars(extend("x-ref" = "unit"))]
        unit_id: String,
        #[serde(default)]
        #[schemars(extend("x-ref" = "person"))]
        users: Vec<String>,
        matter: String,
        direction: String,
    },
    /// 第11条第1号・第2号・第4号: a monitoring, backup, maintenance or batch operation carried
    /// out at `effective_at`, by the operations support post, the system administrator or system
    /// operation staff.
    RecordOperation {
        operation: OperationKind,
        target: String,
        result: OperationResult,
        detail: Option<String>,
        /// The work order it was done under: a modification (`MOD-0003`), an incident
        /// (`INC-0001`) or the operator's own ticket; non-blank if given.
        #[serde(default)]
        ticket: Option<String>,
    },
    // --- Corrections ---
    /// Voids the event at `corrects_seq` (whose id, if given, must be `corrects_event_id`).
    Correct {
        corrects_seq: u64,
        corrects_event_id: Option<Uuid>,
        reason: String,
    },
}

impl Command {
    /// The command's [`CommandKind`].
    pub fn command_kind(&self) -> CommandKind {
        match self {
            Command::EstablishUnit { .. } => CommandKind::EstablishUnit,
            Command::EstablishPost { .. } => CommandKind::EstablishPost,
            Command::RegisterPerson { .. } => CommandKind::RegisterPerson,
            Command::TransferPerson { .. } => CommandKind::TransferPerson,
            Command::AppointToPost { .. } => CommandKind::AppointToPost,
            Command::EndAppointment { .. } => CommandKind::EndAppointment,
            Command::DesignateOperationStaff { .. } => CommandKind::DesignateOperationStaff,
            Command::DesignateInformationManagementStaff { .. } => {
                CommandKind::DesignateInformationManagementStaff
            }
            Command::RevokeDesignation { .. } => CommandKind::RevokeDesignation,
            Command::AppointUsageOfficer { .. } => CommandKind::AppointUsageOfficer,
            Command::EndUsageOfficer { .. } => CommandKind::EndUsageOfficer,
            Command::RegisterUser { .. } => CommandKind::RegisterUser,
            Command::DeregisterUser { .. } => CommandKind::DeregisterUser,
            Command::AmendRegulation { .. } => CommandKind::AmendRegulation,
            Command::AmendAnnex { .. } => CommandKind::AmendAnnex,
            Command::RequestPermission { .. } => CommandKind::RequestPermission,
            Command::GrantPermission { .. } => CommandKind::GrantPermission,
            Command::RefusePermission { .. } => CommandKind::RefusePermission,
            Command::RevokePermission { .. } => CommandKind::RevokePermission,
            Command::ProposeModification { .. } => CommandKind::ProposeModification,
            Command::ApproveModification { .. } => CommandKind::ApproveModification,
            Command::RejectModification { .. } => CommandKind::RejectModification,
            Command::ConsentToModification { .. } => CommandKind::ConsentToModification,
            Command::RefuseModificationConsent { .. } => CommandKind::RefuseModificationConsent,
            Command::DecideModificationContent { .. } => CommandKind::DecideModificationContent,
            Command::CoordinateModification { .. } => CommandKind::CoordinateModification,
            Command::DecideModification { .. } => CommandKind::DecideModification,
            Command::WithdrawModification { .. } => CommandKind::WithdrawModification,
            Command::NoticeRetirement { .. } => CommandKind::NoticeRetirement,
            Command::ApproveRetirement { .. } => CommandKind::ApproveRetirement,
            Command::ConsentToRetirement { .. } => CommandKind::ConsentToRetirement,
            Command::RefuseRetirementConsent { .. } => CommandKind::RefuseRetirementConsent,
            Command::DecideRetirement { .. } => CommandKind::DecideRetirement,
            Command::RecordRetirementMeasures { .. } => CommandKind::RecordRetirementMeasures,
            Command::RecordRoster { .. } => CommandKind::RecordRoster,
            Command::ReportIncident { .. } => CommandKind::ReportIncident,
            Command::DirectIncident { .. } => CommandKind::DirectIncident,
            Command::CoordinateIncident { .. } => CommandKind::CoordinateIncident,
            Command::ResolveIncident { .. } => CommandKind::ResolveIncident,
            Command::IssueSecurityRequest { .. } => CommandKind::IssueSecurityRequest,
            Command::RespondToSecurityRequest { .. } => CommandKind::RespondToSecurityRequest,
            Command::CloseSecurityRequest { .. } => CommandKind::CloseSecurityRequest,
            Command::ReopenSecurityRequest { .. } => CommandKind::ReopenSecurityRequest,
            Command::ConveneMeeting { .. } => CommandKind::ConveneMeeting,
            Command::RecordMinutes { .. } => CommandKind::RecordMinutes,
            Command::SignCirculation { .. } => CommandKind::SignCirculation,
            Command::ResolveMeeting { .. } => CommandKind::ResolveMeeting,
            Command::IssueDirective { .. } => CommandKind::IssueDirective,
            Command::DirectOfficer { .. } => CommandKind::DirectOfficer,
            Command::DirectUsers { .. } => CommandKind::DirectUsers,
            Command::RecordOperation { .. } => CommandKind::RecordOperation,
            Command::Correct { .. } => CommandKind::Correct,
        }
    }

    /// The command's kind as in its JSON `kind`.
    pub fn kind(&self) -> String {
        self.command_kind().as_str().to_owned()
    }
}

/// Decides `cmd`, made by `actor` (a person id), taking effect at `effective_at`.
pub fn decide(
    state: &State,
    cmd: &Command,
    actor: &str,
    effective_at: Time,
) -> Result<Vec<Proposed>, Refusal> {
    decide_at(state, cmd, actor, effective_at, None)
}

/// [`decide`], with the far-future horizon counted from `now` (the ledger's clock) rather than
/// from the latest recorded decision: a ledger that was idle for over a year must still accept
/// a decision dated today. The rules stay free of clocks; the caller passes the time.
pub fn decide_at(
    state: &State,
    cmd: &Command,
    actor: &str,
    effective_at: Time,
    now: Option<Time>,
) -> Result<Vec<Proposed>, Refusal> {
    let Some(genesis_at) = state.genesis_at() else {
        return refuse(
            "ledger.not_initialised",
            articles::RECORDING,
            msg!("台帳はまだ初期化されていません"; "the ledger has no genesis yet"),
        );
    };
    if effective_at.timestamp_subsec_nanos() != 0 {
        return refuse(
            "ledger.effective_at_not_whole_seconds",
            articles::RECORDING,
            msg!("effective_at は秒単位でなければなりません"; "effective_at must be whole seconds"),
        );
    }
    if effective_at < genesis_at {
        return refuse(
            "ledger.before_genesis",
            articles::RECORDING,
            msg!("効力発生日時 {effective_at} は台帳の開始 {genesis_at} より前です"; format!("effective {effective_at} is before the ledger's genesis {genesis_at}")),
        );
    }
    let latest = now
        .or_else(|| state.latest_effective_at())
        .unwrap_or(genesis_at);
    if effective_at > latest + TimeDelta::days(MAX_DAYS_AHEAD) {
        return refuse(
            "ledger.too_far_in_future",
            articles::RECORDING,
            msg!("効力発生日時 {effective_at} は {latest} から {MAX_DAYS_AHEAD} 日より後です"; format!("effective {effective_at} is more than {MAX_DAYS_AHEAD} days after {latest}")),
        );
    }
    let l = state.lens(effective_at, None);
    if l.person(actor).is_none() {
        return refuse(
            "actor.unknown",
            articles::RECORDING,
            msg!("実行者 {actor:?} は {effective_at} までに登録された者ではありません"; format!("actor {actor:?} is not a person registered by {effective_at}")),
        );
    }
    let cx = Cx {
        l,
        actor,
        at: effective_at,
    };
    route(&cx, cmd)
}

/// A decision recording one event.
pub(crate) fn one(p: Proposed) -> Result<Vec<Proposed>, Refusal> {
    Ok(vec![p])
}

/// The context of one decision.
pub(crate) struct Cx<'a> {
    pub l: Lens<'a>,
    pub actor: &'a str,
    pub at: Time,
}

/// Builds a proposed event from a typed payload.
pub(crate) fn propose(
    stream: &str,
    payload: impl Into<Payload>,
    basis: Article,
    acting_for: Option<String>,
) -> Proposed {
    Proposed {
        stream: stream.to_owned(),
        payload: payload.into(),
        basis: basis.cite.to_owned(),
        acting_for,
    }
}

/// Ids go into stream names: 1..=64 of `A-Z a-z 0-9 - _ .`.
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        refuse(
            "input.bad_id",
            articles::RECORDING,
            msg!("{field} {id:?}: A-Z a-z 0-9 - _ . の1〜64文字で指定してください"; format!("{field} {id:?}: 1 to 64 of A-Z a-z 0-9 - _ .")),
        )
    }
}

/// A required text is not blank.
pub(crate) fn need_text(field: &str, text: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        refuse(
            "input.missing_text",
            articles::RECORDING,
            msg!("{field} は空にできません"; format!("{field} must not be empty")),
        )
    } else {
        Ok(())
    }
}

impl Cx<'_> {
    pub fn person(&self, id: &str) -> Result<(), Refusal> {
        check_id("person_id", id)?;
        if self.l.person(id).is_none() {
            return refuse(
                "person.unknown",
                articles::RECORDING,
                msg!("{} までに登録された者 {id} はいません", self.at; format!("no person {id} registered by {}", self.at)),
            );
        }
        Ok(())
    }

    pub fn post(&self, id: &str) -> Result<&govledger_projections::Post, Refusal> {
        check_id("post_id", id)?;
        self.l.post(id).ok_or_else(|| Refusal {
            rule: "post.unknown",
            article: RECORDING,
            message: msg!("職 {id} はありません"; format!("no post {id}")),
        })
    }

    pub fn unit(&self, id: &str) -> Result<&govledger_projections::Unit, Refusal> {
        check_id("unit_id", id)?;
        self.l.unit(id).ok_or_else(|| Refusal {
            rule: "unit.unknown",
            article: RECORDING,
            message: msg!("組織 {id} はありません"; format!("no unit {id}")),
        })
    }

    /// An asset of the annex in force at the decision's time.
    pub fn asset(&self, id: &str) -> Result<&govledger_projections::AssetVersion, Refusal> {
        check_id("asset_id", id)?;
        self.l.asset(id).ok_or_else(|| Refusal {
            rule: "asset.unknown",
            article: ANNEX.cite,
            message: msg!("情報資産 {id} は別表にありません"; format!("no asset {id} in the annex")),
        })
    }

    /// The actor holds an administrator-bound post (第4条第2項).
    pub fn is_admin(&self) -> bool {
        self.admin_post().is_some()
    }

    pub fn admin_post(&self) -> Option<String> {
        use govledger_schema::events::Role;
        self.l
            .bound_posts(Role::SystemAdministrator)
            .into_iter()
            .map(|b| b.post_id.clone())
            .find(|p| self.l.holds_post(self.actor, p))
    }

    pub fn supervisor_posts_held(&self) -> Vec<String> {
        use govledger_schema::events::Role;
        self.l
            .bound_posts(Role::SystemSupervisor)
            .into_iter()
            .map(|b| b.post_id.clone())
            .filter(|p| self.l.holds_post(self.actor, p))
            .collect()
    }

    /// Acts as one of the supervisor posts `candidates`: as its holder (acting_for None) or, the
    /// administrator, as deputy (第4条第1項). Returns the post and the acting_for to record.
    /// `article` is the act's own article (what the accepted act records as its basis): a
    /// person who is no supervisor is refused citing it, not the supervisor's article.
    pub fn as_supervisor(
        &self,
        candidates: &[String],
        what: Text,
        article: Article,
    ) -> Result<(String, Option<String>), Refusal> {
        if let Some(p) = candidates.iter().find(|p| self.l.holds_post(self.actor, p)) {
            return Ok((p.clone(), None));
        }
        if let Some(p) = candidates.first()
            && self.is_admin()
        {
            return Ok((p.clone(), Some(p.clone())));
        }
        let held = self.supervisor_posts_held();
        if !held.is_empty() {
            return refuse(
                "supervisor.out_of_scope",
                ART_3_1,
                msg!("{}は {:?} のシステム総括者の行為です。{} は {:?} のシステム総括者です", what.ja, candidates, self.actor, held; format!(
                    "{} is for supervisor post {:?}; {} is the supervisor of {:?}",
                    what.en,
                    candidates, self.actor, held
                )),
            );
        }
        refuse(
            "supervisor.required",
            article,
            msg!("{}はシステム総括者の行為です。{} はシステム総括者ではありません", what.ja, self.actor; format!(
                "{} is the supervisor's act; {} is not a supervisor",
                what.en,
                self.actor
            )),
        )
    }

    /// The supervisor post for the bureau `bureau`.
    pub fn supervisor_of_bureau(&self, bureau: &str) -> Result<String, Refusal> {
        self.l
            .supervisor_for_bureau(bureau)
            .map(str::to_owned)
            .ok_or_else(|| Refusal {
                rule: "supervisor.none",
                article: ART_3_1.cite,
                message: msg!("{bureau} を所管するシステム総括者の職がありません"; format!("no supervisor post covers {bureau}")),
            })
    }

    pub fn supervisor_of_common_parts(&self) -> Result<String, Refusal> {
        self.l
            .supervisor_for_common_parts()
            .map(str::to_owned)
            .ok_or_else(|| Refusal {
                rule: "supervisor.none",
                article: ART_3_1.cite,
                message: msg!("共通部分を所管するシステム総括者の職がありません"; "no supervisor post covers the common parts"),
            })
    }

    /// The officer posts of `asset_id` the actor holds.
    pub fn officer_posts_held_for(&self, asset_id: &str) -> Vec<String> {
        self.l
            .asset(asset_id)
            .map(|v| {
                v.officer_post_ids
                    .iter()
                    .filter(|p| self.l.holds_post(self.actor, p))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The officer posts (of any asset) the actor holds.
    pub fn officer_posts_held(&self) -> Vec<String> {
        self.l
            .posts_held(self.actor)
            .into_iter()
            .filter(|p| self.l.is_officer_post(p))
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may panic
mod tests {
    use super::*;

    #[test]
    fn command_json_is_tagged_by_kind_and_strict() {
        let c: Command = serde_json::from_value(serde_json::json!({
            "kind": "grant_permission", "person_id": "P1", "asset_id": "A01", "scope": "照会"
        }))
        .unwrap();
        assert_eq!(c.kind(), "grant_permission");
        let bad = serde_json::from_value::<Command>(serde_json::json!({
            "kind": "grant_permission", "person_id": "P1", "asset_id": "A01", "scope": "照会", "extra": 1
        }));
        assert!(bad.is_err());
    }

    /// Every kind of the published schema is a `CommandKind` (in the same order, spelled the
    /// same), and every kind's spec names quoted articles, who may act and what must hold, in
    /// both languages. (A kind without a spec does not compile: `spec` is exhaustive.)
    #[test]
    fn every_kind_has_a_spec() {
        let schema = serde_json::to_value(schemars::schema_for!(Command)).unwrap();
        let kinds: Vec<String> = schema["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v["properties"]["kind"]["const"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let ours: Vec<&str> = CommandKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ours);
        let filled = |t: &Text| !t.ja.trim().is_empty() && !t.en.trim().is_empty() && t.ja != t.en;
        for kind in CommandKind::ALL {
            assert_eq!(CommandKind::parse(kind.as_str()), Some(*kind));
            let spec = kind.spec();
            assert!(!spec.articles.is_empty(), "{kind:?} cites no article");
            for a in spec.articles {
                assert!(
                    a.provisions().iter().all(|p| !p.text.is_empty()),
                    "{kind:?}: {} is not quoted",
                    a.cite
                );
            }
            assert!(filled(&spec.who), "{kind:?}: who");
            assert!(
                !spec.preconditions.is_empty(),
                "{kind:?} has no precondition"
            );
            assert!(spec.preconditions.iter().all(filled), "{kind:?}");
        }
    }

    #[test]
    fn a_command_knows_its_kind() {
        let c: Command = serde_json::from_value(serde_json::json!({
            "kind": "decide_modification", "modification_id": "MOD-0001",
            "procedure_documents": [], "summary": "s"
        }))
        .unwrap();
        assert_eq!(c.command_kind(), CommandKind::DecideModification);
        assert_eq!(c.kind(), "decide_modification");
        // The spec of the final decision lists the approvals, the consent and the content
        // decision in the order the rule checks them.
        let pre: Vec<&str> = c
            .command_kind()
            .spec()
            .preconditions
            .iter()
            .map(|p| p.en)
            .collect();
        let at = |needle: &str| pre.iter().position(|p| p.contains(needle)).unwrap();
        assert!(at("every approval") < at("consent is in"));
        assert!(at("consent is in") < at("content decision"));
    }

    #[test]
    fn genesis_covers_the_whole_annex() {
        let admin = GenesisAdmin {
            person_id: "P0001".into(),
            name: "管理 太郎".into(),
            personnel_order: "辞令".into(),
        };
        let at = DateTime::parse_from_rfc3339("2021-04-01T00:00:00+09:00").unwrap();
        let events = genesis(&admin, at).unwrap();
        let assets = events
            .iter()
            .filter(|e| e.event_type() == "asset.registered.v1")
            .count();
        assert_eq!(assets, 30);
        let officer_posts = POSTS
            .iter()
            .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
            .count();
        assert_eq!(officer_posts, 18);
        assert_eq!(
            events
                .iter()
                .filter(|e| e.event_type() == "regulation.amended.v1")
                .count(),
            10
        );
    }
}

//! Every label the web view shows for a code of the ledger, in Japanese and English, in one
//! place: event types, audit finding kinds, workflow states, what a workflow still lacks,
//! roles and the kinds of meetings. A page shows the label; the code stays in attributes and
//! links (filters, `data-type`) and in the event's stored JSON.
//!
//! A code without a label (an event type added later, say) is shown as it is rather than
//! hidden; the tests below keep every code the schema and the projections know labelled.

use govledger_projections::FindingFacts;
use govledger_schema::events::{MeetingForm, MeetingKind, Role, SignaturePosition, StaffRole};

use super::Lang;

/// Event type → (Japanese, English).
const EVENT_TYPES: &[(&str, &str, &str)] = &[
    (
        "regulation.established.v1",
        "要綱の制定",
        "Regulation established",
    ),
    ("regulation.amended.v1", "要綱の改正", "Regulation amended"),
    (
        "regulation.role_bound.v1",
        "役割のポストへの充当",
        "Role bound to a post",
    ),
    (
        "regulation.operation_staff_sections_set.v1",
        "システム運用担当者を選任できる課の設定",
        "Sections for operation staff set",
    ),
    (
        "correction.recorded.v1",
        "記録の訂正",
        "Correction recorded",
    ),
    ("unit.established.v1", "課の設置", "Unit established"),
    ("post.established.v1", "ポストの設置", "Post established"),
    ("person.registered.v1", "職員の登録", "Person registered"),
    ("person.transferred.v1", "職員の異動", "Person transferred"),
    (
        "modification.consent_refused.v1",
        "改修への不同意",
        "Consent to a modification refused",
    ),
    (
        "retirement.consent_refused.v1",
        "利用停止への不同意",
        "Consent to a retirement refused",
    ),
    ("officer.directed.v1", "責任者への指示", "Officer directed"),
    ("users.directed.v1", "利用者への指揮監督", "Users directed"),
    (
        "operation.recorded.v1",
        "運用保守の記録",
        "Operation recorded",
    ),
    (
        "operation.recorded.v2",
        "運用保守の記録",
        "Operation recorded",
    ),
    (
        "post.holder_appointed.v1",
        "ポストへの発令",
        "Holder appointed to a post",
    ),
    (
        "post.holder_ended.v1",
        "ポストからの退任",
        "Holder left a post",
    ),
    ("staff.designated.v1", "担当者の選任", "Staff designated"),
    (
        "staff.designation_revoked.v1",
        "担当者の選任の解除",
        "Staff designation revoked",
    ),
    (
        "usage_officer.appointed.v1",
        "利用責任者の任命",
        "Usage officer appointed",
    ),
    (
        "usage_officer.ended.v1",
        "利用責任者の任命の終了",
        "Usage officer's term ended",
    ),
    ("user.registered.v1", "利用者の登録", "User registered"),
    (
        "user.deregistered.v1",
        "利用者の登録の抹消",
        "User deregistered",
    ),
    (
        "asset.registered.v1",
        "情報資産の登録（別表）",
        "Asset registered (annex)",
    ),
    ("asset.annex_amended.v1", "別表の改正", "Annex amended"),
    (
        "permission.requested.v1",
        "利用の申請",
        "Permission requested",
    ),
    ("permission.granted.v1", "利用の許可", "Permission granted"),
    (
        "permission.refused.v1",
        "利用の不許可",
        "Permission refused",
    ),
    (
        "permission.revoked.v1",
        "利用許可の取消し",
        "Permission revoked",
    ),
    (
        "modification.proposed.v1",
        "システム改修の提案",
        "Modification proposed",
    ),
    (
        "modification.approved.v1",
        "システム改修の事前承認",
        "Modification approved",
    ),
    (
        "modification.rejected.v1",
        "システム改修の不承認",
        "Modification rejected",
    ),
    (
        "modification.consented.v1",
        "システム改修への同意",
        "Modification consented to",
    ),
    (
        "modification.content_decided.v1",
        "システム改修内容の決定",
        "Modification content decided",
    ),
    (
        "modification.coordinated.v1",
        "システム改修の調整",
        "Modification coordinated",
    ),
    (
        "modification.finally_decided.v1",
        "システム改修の決定（総合）",
        "Modification finally decided",
    ),
    (
        "modification.withdrawn.v1",
        "システム改修の取下げ",
        "Modification withdrawn",
    ),
    (
        "retirement.noticed.v1",
        "利用停止の事前通知",
        "Retirement noticed",
    ),
    (
        "retirement.approved.v1",
        "利用停止の事前承認",
        "Retirement approved",
    ),
    (
        "retirement.consented.v1",
        "利用停止への同意",
        "Retirement consented to",
    ),
    (
        "retirement.decided.v1",
        "利用停止の決定",
        "Retirement decided",
    ),
    (
        "retirement.measures_recorded.v1",
        "利用停止に向けた措置の記録",
        "Retirement measures recorded",
    ),
    (
        "roster.recorded.v1",
        "緊急連絡体制の登録",
        "Emergency contact roster recorded",
    ),
    ("incident.reported.v1", "障害の報告", "Incident reported"),
    (
        "incident.directed.v1",
        "障害対応の指揮",
        "Incident directed",
    ),
    (
        "incident.coordinated.v1",
        "障害対応の調整",
        "Incident coordinated",
    ),
    ("incident.resolved.v1", "障害の解決", "Incident resolved"),
    (
        "security_request.issued.v1",
        "セキュリティ改善要求",
        "Security improvement requested",
    ),
    (
        "security_request.responded.v1",
        "改善要求への回答",
        "Security request answered",
    ),
    (
        "security_request.closed.v1",
        "改善要求の完了",
        "Security request closed",
    ),
    (
        "security_request.reopened.v1",
        "改善要求の再開",
        "Security request reopened",
    ),
    ("meeting.convened.v1", "会議の招集", "Meeting convened"),
    (
        "meeting.minutes_recorded.v1",
        "議事録の記録",
        "Minutes recorded",
    ),
    ("meeting.signed.v1", "持回りの署名", "Circulation signed"),
    ("meeting.resolved.v1", "会議の議決", "Meeting resolved"),
    (
        "directive.issued.v1",
        "システム総括者の定め（第13条）",
        "Directive issued",
    ),
    ("token.issued.v1", "API トークンの発行", "API token issued"),
    (
        "token.revoked.v1",
        "API トークンの失効",
        "API token revoked",
    ),
];

/// Workflow → state → (Japanese, English). The states are those the projections' views
/// document (`ModificationView::status`, …).
const STATES: &[(&str, &str, &str, &str)] = &[
    ("modification", "open", "手続中", "in progress"),
    ("modification", "decided", "決定済み", "decided"),
    ("modification", "withdrawn", "取下げ", "withdrawn"),
    (
        "modification",
        "consent_refused",
        "不同意により終了",
        "closed: consent refused",
    ),
    (
        "retirement",
        "consent_refused",
        "不同意により終了",
        "closed: consent refused",
    ),
    (
        "retirement",
        "noticed",
        "通知済み・決定前",
        "noticed, not yet decided",
    ),
    (
        "retirement",
        "decided",
        "決定済み・措置前",
        "decided, measures pending",
    ),
    ("retirement", "completed", "措置済み", "completed"),
    ("security_request", "open", "対応待ち", "open"),
    ("security_request", "responded", "回答済み", "answered"),
    ("security_request", "closed", "完了", "closed"),
    ("incident", "reported", "報告済み", "reported"),
    ("incident", "directed", "指揮済み", "directed"),
    ("incident", "coordinated", "調整済み", "coordinated"),
    ("incident", "resolved", "解決", "resolved"),
];

/// What a workflow still lacks (`Missing::what`) → (Japanese, English).
const MISSING: &[(&str, &str, &str)] = &[
    ("approval", "事前承認", "approval"),
    ("consent", "システム総括者の同意", "supervisor's consent"),
    ("content_decision", "改修内容の決定", "content decision"),
    (
        "coordination",
        "関係する情報管理責任者との調整",
        "coordination",
    ),
    ("final_decision", "総合的な決定", "final decision"),
    ("notice", "事前通知", "notice"),
    ("decision", "利用停止の決定", "decision"),
    ("measures", "措置の記録", "measures"),
];

fn find<'a>(table: &'a [(&str, &'a str, &'a str)], lang: Lang, code: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, ja, en)| match lang {
            Lang::Ja => *ja,
            Lang::En => *en,
        })
}

/// The label of an event type (the code itself if it has none).
pub fn event_type(lang: Lang, code: &str) -> String {
    find(EVENT_TYPES, lang, code).unwrap_or(code).to_owned()
}

/// Every event type with a label, in the order of the table (the timeline's filter).
pub fn event_types() -> impl Iterator<Item = &'static str> {
    EVENT_TYPES.iter().map(|(code, ..)| *code)
}

/// The label of a workflow's state (`workflow` is `modification`, `retirement`,
/// `security_request` or `incident`).
pub fn state(lang: Lang, workflow: &str, code: &str) -> String {
    STATES
        .iter()
        .find(|(w, c, ..)| *w == workflow && *c == code)
        .map_or(code, |(_, _, ja, en)| lang.t(ja, en))
        .to_owned()
}

/// The label of what a workflow still lacks.
pub fn missing(lang: Lang, code: &str) -> String {
    find(MISSING, lang, code).unwrap_or(code).to_owned()
}

/// The label of an audit finding's kind.
pub fn finding_kind(lang: Lang, facts: &FindingFacts) -> &'static str {
    match facts {
        FindingFacts::GrantHeldByUserWhoLeftDivision { .. } => lang.t(
            "利用課を離れた利用者に残る利用許可",
            "Grant held by a user who left the division",
        ),
        FindingFacts::GrantOnRetiredAsset { .. } => lang.t(
            "利用停止した情報資産に残る利用許可",
            "Grant on a retired asset",
        ),
        FindingFacts::VacantOfficerPost { .. } => {
            lang.t("情報管理責任者の空席", "Vacant officer post")
        }
        FindingFacts::OfficerWithoutValidRoster { .. } => {
            lang.t("緊急連絡体制の不備", "No valid emergency contact roster")
        }
        FindingFacts::OverdueSecurityRequest { .. } => {
            lang.t("期限を過ぎた改善要求", "Overdue security request")
        }
        FindingFacts::DecisionRecordedLate { .. } => {
            lang.t("決定の記録の遅れ", "Decision recorded late")
        }
        FindingFacts::DeputyAct { .. } => lang.t("代理による決定", "Act by a deputy"),
        FindingFacts::PeriodicOperationOverdue { .. } => {
            lang.t("定期運用の記録の途絶", "Periodic operation overdue")
        }
    }
}

/// The label of an operation of 第11条.
pub fn operation(lang: Lang, kind: &govledger_schema::events::OperationKind) -> &'static str {
    use govledger_schema::events::OperationKind as K;
    match kind {
        K::Monitoring => lang.t("サーバの監視", "server monitoring"),
        K::Backup => lang.t("バックアップ", "backup"),
        K::Maintenance => lang.t("保守", "maintenance"),
        K::Batch => lang.t("バッチ処理", "batch run"),
    }
}

/// The label of a role of the regulation.
pub fn role(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::SystemSupervisor => lang.t("システム総括者", "System supervisor"),
        Role::SystemAdministrator => lang.t("システム管理者", "System administrator"),
        Role::SystemOperationStaff => lang.t("システム運用担当者", "System operation staff"),
        Role::InformationManagementOfficer => {
            lang.t("情報管理責任者", "Information management officer")
        }
        Role::InformationManagementStaff => {
            lang.t("情報管理担当者", "Information management staff")
        }
        Role::UsageOfficer => lang.t("利用責任者", "Usage officer"),
        Role::User => lang.t("利用者", "User"),
        Role::OperationsSupport => lang.t("運用保守の実施支援", "Operations support"),
    }
}

pub fn staff_role(lang: Lang, r: StaffRole) -> &'static str {
    match r {
        StaffRole::SystemOperationStaff => role(lang, Role::SystemOperationStaff),
        StaffRole::InformationManagementStaff => role(lang, Role::InformationManagementStaff),
    }
}

/// The label of a token's role (the ledger's own access, not the regulation's).
pub fn token_role(lang: Lang, r: crate::http::tokens::Role) -> &'static str {
    match r {
        crate::http::tokens::Role::Admin => lang.t("管理者", "admin"),
        crate::http::tokens::Role::Auditor => lang.t("監査人", "auditor"),
    }
}

pub fn meeting_kind(lang: Lang, k: MeetingKind) -> &'static str {
    match k {
        MeetingKind::Management => lang.t("運用管理会議", "Operation management meeting"),
        MeetingKind::Staff => lang.t("運用管理担当者会議", "Staff meeting"),
    }
}

pub fn meeting_form(lang: Lang, f: MeetingForm) -> &'static str {
    match f {
        MeetingForm::InPerson => lang.t("開催", "in person"),
        MeetingForm::Circulation => lang.t("持回り", "by circulation"),
    }
}

pub fn signature(lang: Lang, p: SignaturePosition) -> &'static str {
    match p {
        SignaturePosition::Agree => lang.t("賛成", "agrees"),
        SignaturePosition::Disagree => lang.t("反対", "disagrees"),
        SignaturePosition::Comment => lang.t("意見", "comments"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_of_the_schema_has_a_label_and_no_other() {
        let schema: std::collections::BTreeSet<&str> = govledger_schema::events::EVENT_TYPES
            .iter()
            .copied()
            .collect();
        let labelled: std::collections::BTreeSet<&str> = event_types().collect();
        assert_eq!(labelled, schema);
        assert_eq!(labelled.len(), EVENT_TYPES.len(), "one row per type");
    }

    #[test]
    fn labels_are_in_the_page_language_and_unknown_codes_show_as_they_are() {
        assert_eq!(event_type(Lang::Ja, "permission.granted.v1"), "利用の許可");
        assert_eq!(
            event_type(Lang::En, "permission.granted.v1"),
            "Permission granted"
        );
        assert_eq!(event_type(Lang::Ja, "x.new.v1"), "x.new.v1");
        assert_eq!(state(Lang::Ja, "security_request", "open"), "対応待ち");
        assert_eq!(state(Lang::Ja, "modification", "open"), "手続中");
        assert_eq!(missing(Lang::En, "final_decision"), "final decision");
    }

    #[test]
    fn japanese_labels_hold_no_snake_case() {
        for (code, ja, _) in EVENT_TYPES.iter().chain(MISSING) {
            assert!(!ja.contains('_') && !ja.contains('.'), "{code}: {ja}");
        }
        for (w, code, ja, _) in STATES {
            assert!(
                ja.chars().all(|c| !c.is_ascii_alphabetic()),
                "{w}.{code}: {ja}"
            );
        }
    }
}

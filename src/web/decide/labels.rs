//! The words of the decision forms, in Japanese and English: each command kind's title and
//! procedure, each member's label, each fixed value's label. A kind or member without a label
//! shows its code (and the test below keeps every kind and member of the schema labelled).

use crate::web::Lang;

/// Procedures, in the order the index shows them: (code, Japanese, English).
pub const PROCEDURES: &[(&str, &str, &str)] = &[
    (
        "access",
        "情報資産の利用（第5条第2項）",
        "Use of assets (Art. 5(2))",
    ),
    (
        "modification",
        "システム改修（第6条）",
        "Modifications (Art. 6)",
    ),
    ("retirement", "廃止（第7条）", "Retirements (Art. 7)"),
    (
        "meeting",
        "会議と指示（第12条・第13条）",
        "Meetings and directives (Arts. 12, 13)",
    ),
    (
        "security_request",
        "セキュリティ改善要求（第10条）",
        "Security requests (Art. 10)",
    ),
    (
        "operations",
        "運用・障害・緊急連絡体制（第9条・第11条）",
        "Operations, incidents, rosters (Arts. 9, 11)",
    ),
    (
        "organisation",
        "組織と人事（第3条〜第5条・第8条）",
        "Organisation and personnel (Arts. 3–5, 8)",
    ),
    ("regulation", "要綱と別表", "Regulation and annex"),
    ("correction", "訂正", "Corrections"),
];

/// Command kind → (procedure, Japanese, English).
const KINDS: &[(&str, &str, &str, &str)] = &[
    (
        "establish_unit",
        "organisation",
        "課の設置",
        "Establish a unit",
    ),
    (
        "establish_post",
        "organisation",
        "ポストの設置",
        "Establish a post",
    ),
    (
        "register_person",
        "organisation",
        "職員の登録",
        "Register a person",
    ),
    (
        "transfer_person",
        "organisation",
        "職員の異動",
        "Transfer a person",
    ),
    (
        "appoint_to_post",
        "organisation",
        "ポストへの任命",
        "Appoint to a post",
    ),
    (
        "end_appointment",
        "organisation",
        "任命の終了",
        "End an appointment",
    ),
    (
        "designate_operation_staff",
        "organisation",
        "システム運用担当者の選任",
        "Designate system operation staff",
    ),
    (
        "designate_information_management_staff",
        "organisation",
        "情報管理担当者の指定",
        "Designate information management staff",
    ),
    (
        "revoke_designation",
        "organisation",
        "選任・指定の取消し",
        "Revoke a designation",
    ),
    (
        "appoint_usage_officer",
        "organisation",
        "利用責任者の任命",
        "Appoint a usage officer",
    ),
    (
        "end_usage_officer",
        "organisation",
        "利用責任者の任期終了",
        "End a usage officer's term",
    ),
    (
        "register_user",
        "organisation",
        "利用者の登録",
        "Register a user",
    ),
    (
        "deregister_user",
        "organisation",
        "利用者の登録抹消",
        "Deregister a user",
    ),
    (
        "amend_regulation",
        "regulation",
        "要綱の改正",
        "Amend the regulation",
    ),
    ("amend_annex", "regulation", "別表の改正", "Amend the annex"),
    (
        "request_permission",
        "access",
        "利用の申請",
        "Request permission to use",
    ),
    ("grant_permission", "access", "利用の許可", "Grant use"),
    ("refuse_permission", "access", "利用の不許可", "Refuse use"),
    (
        "revoke_permission",
        "access",
        "利用許可の取消し",
        "Revoke use",
    ),
    (
        "propose_modification",
        "modification",
        "改修の提案",
        "Propose a modification",
    ),
    (
        "approve_modification",
        "modification",
        "改修の承認",
        "Approve a modification",
    ),
    (
        "reject_modification",
        "modification",
        "改修の不承認",
        "Reject a modification",
    ),
    (
        "consent_to_modification",
        "modification",
        "改修への同意",
        "Consent to a modification",
    ),
    (
        "refuse_modification_consent",
        "modification",
        "改修への不同意",
        "Refuse consent to a modification",
    ),
    (
        "decide_modification_content",
        "modification",
        "改修内容の決定",
        "Decide a modification's content",
    ),
    (
        "coordinate_modification",
        "modification",
        "改修の調整",
        "Coordinate a modification",
    ),
    (
        "decide_modification",
        "modification",
        "改修の決定",
        "Decide a modification",
    ),
    (
        "withdraw_modification",
        "modification",
        "改修の取下げ",
        "Withdraw a modification",
    ),
    (
        "notice_retirement",
        "retirement",
        "廃止の通知",
        "Give notice of a retirement",
    ),
    (
        "approve_retirement",
        "retirement",
        "廃止の承認",
        "Approve a retirement",
    ),
    (
        "consent_to_retirement",
        "retirement",
        "廃止への同意",
        "Consent to a retirement",
    ),
    (
        "refuse_retirement_consent",
        "retirement",
        "廃止への不同意",
        "Refuse consent to a retirement",
    ),
    (
        "decide_retirement",
        "retirement",
        "廃止の決定",
        "Decide a retirement",
    ),
    (
        "record_retirement_measures",
        "retirement",
        "廃止に伴う措置の記録",
        "Record a retirement's measures",
    ),
    (
        "record_roster",
        "operations",
        "緊急連絡体制の記録",
        "Record an emergency roster",
    ),
    (
        "report_incident",
        "operations",
        "障害の報告",
        "Report an incident",
    ),
    (
        "direct_incident",
        "operations",
        "障害対応の指示",
        "Direct an incident's handling",
    ),
    (
        "coordinate_incident",
        "operations",
        "障害対応の調整",
        "Coordinate an incident",
    ),
    (
        "resolve_incident",
        "operations",
        "障害の解決",
        "Resolve an incident",
    ),
    (
        "record_operation",
        "operations",
        "運用作業の記録",
        "Record an operation",
    ),
    (
        "issue_security_request",
        "security_request",
        "セキュリティ改善要求の発出",
        "Issue a security request",
    ),
    (
        "respond_to_security_request",
        "security_request",
        "改善要求への回答",
        "Answer a security request",
    ),
    (
        "close_security_request",
        "security_request",
        "改善要求の終結",
        "Close a security request",
    ),
    (
        "reopen_security_request",
        "security_request",
        "改善要求の再開",
        "Reopen a security request",
    ),
    (
        "convene_meeting",
        "meeting",
        "会議の招集",
        "Convene a meeting",
    ),
    (
        "record_minutes",
        "meeting",
        "議事録の記録",
        "Record minutes",
    ),
    (
        "sign_circulation",
        "meeting",
        "持回りへの署名",
        "Sign a circulation",
    ),
    (
        "resolve_meeting",
        "meeting",
        "議決の記録",
        "Record a meeting's resolution",
    ),
    (
        "issue_directive",
        "meeting",
        "指示の発出（第13条）",
        "Issue a directive (Art. 13)",
    ),
    (
        "direct_officer",
        "meeting",
        "責任者への指示",
        "Direct an officer",
    ),
    (
        "direct_users",
        "organisation",
        "利用者への指揮監督（第8条第3項）",
        "Direct the division's users (Art. 8(3))",
    ),
    ("correct", "correction", "記録の訂正", "Correct a record"),
];

/// Member → (Japanese, English).
const MEMBERS: &[(&str, &str, &str)] = &[
    ("unit_id", "課", "Unit"),
    ("name", "名称・氏名", "Name"),
    ("parent_id", "上位の課", "Parent unit"),
    ("bureau", "局", "Bureau"),
    ("user_division", "利用課である", "Is a user division"),
    ("post_id", "ポスト", "Post"),
    ("title", "件名・職名", "Title"),
    ("heads_unit", "課の長のポストである", "Heads its unit"),
    ("person_id", "職員", "Person"),
    ("personnel_order", "辞令", "Personnel order"),
    (
        "replace_current",
        "現任者と交代する",
        "Replace the current holder",
    ),
    ("officer_post_id", "情報管理責任者のポスト", "Officer post"),
    (
        "officer_post_ids",
        "情報管理責任者のポスト",
        "Officer posts",
    ),
    ("role", "役割", "Role"),
    ("reason", "理由", "Reason"),
    (
        "reason_not_head",
        "課の長以外を任命する理由",
        "Why not the unit's head",
    ),
    ("in_force_from", "施行日", "In force from"),
    ("provision", "改正内容", "Provision"),
    ("note", "備考", "Note"),
    ("asset_id", "情報資産", "Asset"),
    ("asset_ids", "情報資産", "Assets"),
    (
        "businesses",
        "業務（1行に1つ）",
        "Businesses (one per line)",
    ),
    ("scope", "利用の範囲", "Scope of use"),
    ("until", "期限（日本時間）", "Until (JST)"),
    ("request_id", "申請・要求", "Request"),
    ("description", "内容", "Description"),
    (
        "touches_common_parts",
        "共通部分に関わる",
        "Touches the common parts",
    ),
    ("proposer_post_id", "提案するポスト", "Proposing post"),
    ("modification_id", "改修", "Modification"),
    ("comment", "意見", "Comment"),
    ("content", "内容", "Content"),
    (
        "procedure_documents",
        "手続書類（1行に1つ）",
        "Procedure documents (one per line)",
    ),
    ("summary", "概要", "Summary"),
    (
        "affected_asset_ids",
        "影響を受ける情報資産",
        "Affected assets",
    ),
    ("planned_stop", "停止予定日", "Planned stop"),
    ("retirement_id", "廃止", "Retirement"),
    ("measures", "措置（1行に1つ）", "Measures (one per line)"),
    ("entries", "連絡先", "Entries"),
    ("contact", "連絡先", "Contact"),
    ("can_inform", "情報を提供できる", "Can inform"),
    ("can_decide", "判断できる", "Can decide"),
    ("occurred_at", "発生日時（日本時間）", "Occurred at (JST)"),
    ("incident_id", "障害", "Incident"),
    ("directions", "指示", "Directions"),
    ("actions", "対応", "Actions"),
    ("resolution", "解決・議決の内容", "Resolution"),
    ("addressee", "宛先", "Addressee"),
    ("finding", "指摘事項", "Finding"),
    ("standard", "基準", "Standard"),
    ("due", "期限", "Due"),
    ("response", "回答", "Response"),
    ("meeting_kind", "会議の種類", "Kind of meeting"),
    ("form", "開催の形式", "Form"),
    (
        "urgency_reason",
        "緊急の理由（持回りの場合）",
        "Urgency (for a circulation)",
    ),
    ("members", "構成員", "Members"),
    ("agenda", "議題（1行に1つ）", "Agenda (one per line)"),
    ("held_on", "開催日", "Held on"),
    ("meeting_id", "会議", "Meeting"),
    ("attendees", "出席者", "Attendees"),
    (
        "resolutions",
        "議決事項（1行に1つ）",
        "Resolutions (one per line)",
    ),
    ("position", "署名の区分", "Position"),
    ("body", "本文", "Body"),
    ("matter", "事項", "Matter"),
    ("direction", "指示", "Direction"),
    (
        "users",
        "利用者（空欄は利用課の全員）",
        "Users (none: all of the division's)",
    ),
    ("operation", "作業", "Operation"),
    ("target", "対象", "Target"),
    ("result", "結果", "Result"),
    ("detail", "詳細", "Detail"),
    (
        "ticket",
        "作業指示（改修・障害の番号など）",
        "Work order (modification, incident, ticket)",
    ),
    (
        "corrects_seq",
        "訂正する記録の seq",
        "Seq of the record to correct",
    ),
    (
        "corrects_event_id",
        "訂正する記録の ID",
        "Id of the record to correct",
    ),
];

/// Fixed values → (Japanese, English).
const VALUES: &[(&str, &str, &str)] = &[
    (
        "officer",
        "情報管理責任者",
        "Information management officer",
    ),
    ("usage_officer", "利用責任者", "Usage officer"),
    ("management", "運用管理会議", "Operation management meeting"),
    ("staff", "運用管理担当者会議", "Staff meeting"),
    ("in_person", "開催", "In person"),
    ("circulation", "持回り", "By circulation"),
    ("agree", "賛成", "Agree"),
    ("disagree", "反対", "Disagree"),
    ("comment", "意見", "Comment"),
    ("monitoring", "監視", "Monitoring"),
    ("backup", "バックアップ", "Backup"),
    ("maintenance", "保守", "Maintenance"),
    ("batch", "バッチ処理", "Batch"),
    ("succeeded", "成功", "Succeeded"),
    ("failed", "失敗", "Failed"),
    (
        "system_operation_staff",
        "システム運用担当者",
        "System operation staff",
    ),
    (
        "information_management_staff",
        "情報管理担当者",
        "Information management staff",
    ),
];

fn pick(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    lang.t(ja, en)
}

/// The title of a command kind (its code if it has none).
pub fn kind(lang: Lang, code: &str) -> String {
    KINDS.iter().find(|(c, ..)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, _, ja, en)| pick(lang, ja, en).to_owned(),
    )
}

/// The procedure a command kind belongs to.
pub fn procedure_of(code: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or("correction", |(_, p, ..)| *p)
}

pub fn member(lang: Lang, code: &str) -> String {
    MEMBERS.iter().find(|(c, ..)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, ja, en)| pick(lang, ja, en).to_owned(),
    )
}

pub fn value(lang: Lang, code: &str) -> String {
    VALUES.iter().find(|(c, ..)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, ja, en)| pick(lang, ja, en).to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::fields::{FORMS, Field, Input};

    fn members(fields: &[Field], out: &mut Vec<String>) {
        for f in fields {
            out.push(f.name.clone());
            match &f.input {
                Input::Tagged(vs) => {
                    for (tag, fs) in vs {
                        out.push(format!("value:{tag}"));
                        members(fs, out);
                    }
                }
                Input::Rows(fs) => members(fs, out),
                Input::Choice(cs) => out.extend(cs.iter().map(|c| format!("value:{c}"))),
                _ => {}
            }
        }
    }

    #[test]
    fn every_kind_member_and_value_of_the_schema_has_a_label() {
        let mut missing = Vec::new();
        for form in FORMS.iter() {
            if !KINDS.iter().any(|(c, ..)| *c == form.kind) {
                missing.push(form.kind.clone());
            }
            let mut names = Vec::new();
            members(&form.fields, &mut names);
            for n in names {
                let known = match n.strip_prefix("value:") {
                    Some(v) => VALUES.iter().any(|(c, ..)| *c == v),
                    None => MEMBERS.iter().any(|(c, ..)| *c == n),
                };
                if !known {
                    missing.push(format!("{}.{n}", form.kind));
                }
            }
        }
        assert!(missing.is_empty(), "no label for {missing:?}");
        for (_, p, ..) in KINDS {
            assert!(PROCEDURES.iter().any(|(c, ..)| c == p), "{p}");
        }
    }
}

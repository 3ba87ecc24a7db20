//! The story of the five fiscal years: modifications, retirements, security requests,
//! meetings, a directive, an incident, one year at a time.

use chrono::{NaiveDate, TimeDelta};
use govledger_schema::events::{Addressee, MeetingForm, MeetingKind, SignaturePosition};

use super::builder::{ADMIN, Builder, day, meeting_id};
use super::jst_date;
use super::operations::{consent_refusals, operations};
use crate::rules::Command;

/// Modifications, retirement, security requests, meetings, directive, incident of fiscal
/// year `fy` (0 = FY2021), after that year's personnel changes and users.
pub(super) fn processes(b: &mut Builder, fy: i32) {
    match fy {
        0 => fy2021(b),
        1 => fy2022(b),
        2 => fy2023(b),
        3 => fy2024(b),
        _ => fy2025(b),
    }
}

fn fy2021(b: &mut Builder) {
    // Meeting in person (第12条第1項), FY2021.
    let t = jst_date(2021, 5, 20);
    let sup = b.holder("SUP-HW", t);
    let members: Vec<String> = ["O01", "O03", "O06", "O11"]
        .iter()
        .map(|p| b.holder(p, t))
        .collect();
    let ev = b.step(
        &sup,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Management,
            form: MeetingForm::InPerson,
            urgency_reason: None,
            members: members.clone(),
            agenda: vec!["令和3年度運用方針".into()],
            held_on: NaiveDate::from_ymd_opt(2021, 5, 27).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        let t2 = jst_date(2021, 5, 27);
        b.step(
            &sup,
            t2,
            Command::RecordMinutes {
                meeting_id: id.clone(),
                attendees: members,
                agenda: vec!["令和3年度運用方針".into()],
                resolutions: vec!["運用方針を了承".into()],
            },
        );
        b.step(
            &sup,
            t2,
            Command::ResolveMeeting {
                meeting_id: id,
                resolution: "令和3年度運用方針を決定".into(),
            },
        );
    }

    // MOD-0001: 障害福祉課長 (O06) modifies A04/A05, touching A07 (O06, O08) and A29 (O11, O08,
    // O07): approvals of O07, O08, O11 first (第6条第2項); consent given by the administrator as
    // the supervisor's deputy (第4条第1項).
    let t = jst_date(2021, 9, 1);
    let o6 = b.holder("O06", t);
    let ev = b.step(
        &o6,
        t,
        Command::ProposeModification {
            title: "障害者手帳の様式変更対応".into(),
            description: "手帳様式の変更に伴う画面・帳票の改修".into(),
            asset_ids: vec!["A04".into(), "A05".into(), "A07".into(), "A29".into()],
            touches_common_parts: false,
            proposer_post_id: Some("O06".into()),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("modification_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        for (i, post) in ["O07", "O08", "O11"].iter().enumerate() {
            let at = day(t, 7 + i as i64);
            let h = b.holder(post, at);
            b.step(
                &h,
                at,
                Command::ApproveModification {
                    modification_id: id.clone(),
                    comment: Some("影響確認済".into()),
                },
            );
        }
        b.step(
            ADMIN,
            day(t, 14),
            Command::ConsentToModification {
                modification_id: id.clone(),
            },
        );
        b.step(
            &o6,
            day(t, 20),
            Command::DecideModificationContent {
                modification_id: id.clone(),
                content: "様式変更対応（画面3、帳票5）".into(),
            },
        );
        let sup = b.holder("SUP-HW", day(t, 30));
        b.step(
            &sup,
            day(t, 30),
            Command::DecideModification {
                modification_id: id,
                procedure_documents: vec!["システム導入等事務手続要綱 様式第1号".into()],
                summary: "改修を決定".into(),
            },
        );
    }
}

fn fy2022(b: &mut Builder) {
    fy2022_directive_and_staff_meeting(b);
    fy2022_common_parts_modification(b);
    fy2022_security_request(b);
    fy2022_circulation(b);
}

fn fy2022_directive_and_staff_meeting(b: &mut Builder) {
    // Staff meeting (第12条第4項) and a directive (第13条), FY2022.
    let t = jst_date(2022, 4, 15);
    let sup = b.holder("SUP-HW", t);
    b.step(
        &sup,
        t,
        Command::IssueDirective {
            title: "パスワード管理の徹底".into(),
            body: "利用者のパスワードは90日ごとに変更すること".into(),
            bureau: None,
        },
    );
    let t = jst_date(2022, 5, 12);
    let members: Vec<String> = b
        .ledger
        .state
        .lens(t, None)
        .organisation()
        .persons
        .into_iter()
        .filter(|p| {
            p.roles.iter().any(|r| {
                matches!(
                    r.role,
                    govledger_schema::events::Role::SystemOperationStaff
                        | govledger_schema::events::Role::InformationManagementStaff
                )
            })
        })
        .map(|p| p.person_id)
        .collect();
    let ev = b.step(
        ADMIN,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Staff,
            form: MeetingForm::InPerson,
            urgency_reason: None,
            members: members.clone(),
            agenda: vec!["障害対応手順の確認".into()],
            held_on: NaiveDate::from_ymd_opt(2022, 5, 19).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        b.step(
            ADMIN,
            jst_date(2022, 5, 19),
            Command::RecordMinutes {
                meeting_id: id,
                attendees: members,
                agenda: vec!["障害対応手順の確認".into()],
                resolutions: vec!["手順書を改訂する".into()],
            },
        );
    }
}

fn fy2022_common_parts_modification(b: &mut Builder) {
    // MOD-0002: こども家庭課長 (O12) modifies A15/A25 and the common parts: coordination by the
    // common parts' supervisor (第6条第1項第2号), consent of the Children's Future supervisor.
    let t = jst_date(2022, 6, 1);
    let o12 = b.holder("O12", t);
    let ev = b.step(
        &o12,
        t,
        Command::ProposeModification {
            title: "児童手当の制度改正対応".into(),
            description: "所得上限の導入に伴う共通宛名・判定処理の改修".into(),
            asset_ids: vec!["A15".into(), "A25".into()],
            touches_common_parts: true,
            proposer_post_id: None,
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("modification_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let cf = b.holder("SUP-CF", day(t, 5));
        b.step(
            &cf,
            day(t, 5),
            Command::ConsentToModification {
                modification_id: id.clone(),
            },
        );
        let hw = b.holder("SUP-HW", day(t, 10));
        b.step(
            &hw,
            day(t, 10),
            Command::CoordinateModification {
                modification_id: id.clone(),
                officer_post_ids: vec!["O12".into()],
                content: "共通宛名の世帯判定を改修".into(),
            },
        );
        b.step(
            &o12,
            day(t, 15),
            Command::DecideModificationContent {
                modification_id: id.clone(),
                content: "所得判定の追加".into(),
            },
        );
        b.step(
            &cf,
            day(t, 25),
            Command::DecideModification {
                modification_id: id,
                procedure_documents: vec!["システム導入等事務手続要綱".into()],
                summary: "制度改正対応を決定".into(),
            },
        );
    }
}

fn fy2022_security_request(b: &mut Builder) {
    // Security request answered and closed (第10条第2項), FY2022.
    let t = jst_date(2022, 9, 1);
    let hw = b.holder("SUP-HW", t);
    let ev = b.step(
        &hw,
        t,
        Command::IssueSecurityRequest {
            addressee: Addressee::Officer {
                post_id: "O03".into(),
            },
            finding: "退職者のアカウントが残存".into(),
            standard: "川崎市情報セキュリティ基準".into(),
            due: NaiveDate::from_ymd_opt(2022, 10, 31).unwrap_or_default(),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("request_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let o3 = b.holder("O03", jst_date(2022, 10, 3));
        b.step(
            &o3,
            jst_date(2022, 10, 3),
            Command::RespondToSecurityRequest {
                request_id: id.clone(),
                response: "棚卸しを実施し削除した".into(),
            },
        );
        let hw = b.holder("SUP-HW", jst_date(2022, 10, 10));
        b.step(
            &hw,
            jst_date(2022, 10, 10),
            Command::CloseSecurityRequest {
                request_id: id,
                note: "対応を確認".into(),
            },
        );
    }
}

fn fy2022_circulation(b: &mut Builder) {
    // Circulation (第12条第2項), FY2022: every member signs, then it is resolved.
    let t = jst_date(2023, 2, 6);
    let cf = b.holder("SUP-CF", t);
    let members: Vec<String> = ["O10", "O12", "O15"]
        .iter()
        .map(|p| b.holder(p, t))
        .collect();
    let ev = b.step(
        &cf,
        t,
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Management,
            form: MeetingForm::Circulation,
            urgency_reason: Some("制度改正の施行日が迫るため".into()),
            members: members.clone(),
            agenda: vec!["子育て支援給付の緊急改修".into()],
            held_on: NaiveDate::from_ymd_opt(2023, 2, 6).unwrap_or_default(),
        },
    );
    if let Some(id) = meeting_id(&ev) {
        for (i, m) in members.iter().enumerate() {
            let position = if i == 2 {
                SignaturePosition::Comment
            } else {
                SignaturePosition::Agree
            };
            b.step(
                m,
                day(t, 1 + i as i64),
                Command::SignCirculation {
                    meeting_id: id.clone(),
                    position,
                    comment: None,
                },
            );
        }
        b.step(
            &cf,
            day(t, 5),
            Command::ResolveMeeting {
                meeting_id: id,
                resolution: "緊急改修を了承".into(),
            },
        );
    }
}

fn fy2023(b: &mut Builder) {
    // Incident (第3条第2項第4号, 第11条), FY2023.
    let t = jst_date(2023, 8, 10);
    let ops = b.holder("OPS", t);
    let ev = b.step(
        &ops,
        t,
        Command::ReportIncident {
            summary: "夜間バッチの異常終了".into(),
            asset_ids: vec!["A01".into()],
            occurred_at: t - TimeDelta::hours(3),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("incident_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let hw = b.holder("SUP-HW", t);
        b.step(
            &hw,
            day(t, 0),
            Command::DirectIncident {
                incident_id: id.clone(),
                directions: "再実行と影響調査".into(),
            },
        );
        b.step(
            &ops,
            day(t, 1),
            Command::CoordinateIncident {
                incident_id: id.clone(),
                actions: "ベンダーと再実行".into(),
            },
        );
        b.step(
            &hw,
            day(t, 2),
            Command::ResolveIncident {
                incident_id: id,
                resolution: "再実行で復旧、データ影響なし".into(),
            },
        );
    }
}

fn fy2024(b: &mut Builder) {
    // Retirement (第7条), FY2024: こども家庭課長 (O12) stops A18, affecting A19 (O05).
    let t = jst_date(2024, 7, 1);
    let o12 = b.holder("O12", t);
    let ev = b.step(
        &o12,
        t,
        Command::NoticeRetirement {
            asset_ids: vec!["A18".into()],
            affected_asset_ids: vec!["A19".into()],
            reason: "貸付業務の別システム移行".into(),
            planned_stop: NaiveDate::from_ymd_opt(2024, 9, 30).unwrap_or_default(),
        },
    );
    if let Some(id) = ev
        .first()
        .and_then(|e| e.data.get("retirement_id"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    {
        let o5 = b.holder("O05", day(t, 9));
        b.step(
            &o5,
            day(t, 9),
            Command::ApproveRetirement {
                retirement_id: id.clone(),
                comment: None,
            },
        );
        let cf = b.holder("SUP-CF", day(t, 14));
        b.step(
            &cf,
            day(t, 14),
            Command::ConsentToRetirement {
                retirement_id: id.clone(),
            },
        );
        let o12 = b.holder("O12", day(t, 62));
        b.step(
            &o12,
            day(t, 62),
            // Named by its assets: the rules find the notice given before (第7条第1項第1号).
            Command::DecideRetirement {
                retirement_id: None,
                asset_ids: vec!["A18".into()],
            },
        );
        let cf = b.holder("SUP-CF", day(t, 76));
        b.step(
            &cf,
            day(t, 76),
            Command::RecordRetirementMeasures {
                retirement_id: id,
                measures: vec!["データ移行".into(), "アカウント停止".into()],
            },
        );
    }
}

fn fy2025(b: &mut Builder) {
    // Security request left unanswered: overdue at the demo's end (2026-03-31).
    let t = jst_date(2025, 11, 4);
    let hw = b.holder("SUP-HW", t);
    b.step(
        &hw,
        t,
        Command::IssueSecurityRequest {
            addressee: Addressee::UsageOfficer {
                unit_id: "KW-EH".into(),
            },
            finding: "共有端末でのログアウト漏れ".into(),
            standard: "情報セキュリティ対策マニュアル".into(),
            due: NaiveDate::from_ymd_opt(2026, 1, 30).unwrap_or_default(),
        },
    );
    // The usage officer of the division the request addressed directs all its users at once
    // (第8条第3項). Dated before the steps that follow, so none of them is recorded later
    // than it would have been (the demo's clock only moves forward).
    let t = jst_date(2025, 11, 10);
    let uo = b
        .ledger
        .state
        .lens(t, None)
        .usage_officer("KW-EH")
        .map(|x| x.person_id.clone())
        .unwrap_or_default();
    b.step(
        &uo,
        t,
        Command::DirectUsers {
            unit_id: "KW-EH".into(),
            users: Vec::new(),
            matter: "共有端末のログアウト".into(),
            direction: "共有端末を離れるときは必ずログアウトし、離席時は画面をロックすること"
                .into(),
        },
    );
    consent_refusals(b);
    // The supervisor directs the officer of A01 (第3条第3項, 第5条第3項) on the overdue request.
    let t = jst_date(2026, 2, 2);
    let hw = b.holder("SUP-HW", t);
    b.step(
        &hw,
        t,
        Command::DirectOfficer {
            addressee: Addressee::Officer {
                post_id: "O03".into(),
            },
            matter: "共有端末の利用管理".into(),
            direction: "利用課と連携し、共有端末のログアウト手順を2月末までに周知すること".into(),
        },
    );
    operations(b);
}

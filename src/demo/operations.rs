//! The last acts of the story: 第11条 operation records, and the supervisor's refusals of
//! consent that close a modification and a retirement.

use chrono::{NaiveDate, TimeDelta};

use super::builder::{ADMIN, Builder, day, first_str};
use super::jst_date;
use crate::rules::{Command, Time};

/// 第11条 operation records from January 2026, when the ledger starts keeping them: weekly
/// backups and monthly monitoring by operations support (one backup fails and is rerun the
/// next day, so the audit as of 16 February flags the backup overdue), a maintenance by the
/// administrator and a batch run by system operation staff. Before January the audit flags both
/// periodic operations as never recorded.
pub(super) fn operations(b: &mut Builder) {
    use govledger_schema::events::{OperationKind as K, OperationResult as R, StaffRole};
    let at = |m: u32, d: u32, h: i64| jst_date(2026, m, d) + TimeDelta::hours(h);
    let mut records: Vec<(Time, K, &str, R)> = Vec::new();
    for (m, d) in [
        (1, 5),
        (1, 12),
        (1, 19),
        (1, 26),
        (2, 2),
        (2, 9),
        (2, 16),
        (2, 17),
        (2, 23),
        (3, 2),
        (3, 9),
        (3, 16),
        (3, 23),
        (3, 30),
    ] {
        let result = if (m, d) == (2, 16) {
            R::Failed
        } else {
            R::Succeeded
        };
        records.push((
            at(m, d, 2),
            K::Backup,
            "DBサーバ 週次フルバックアップ",
            result,
        ));
    }
    for (m, d) in [(1, 30), (2, 27), (3, 27)] {
        records.push((
            at(m, d, 9),
            K::Monitoring,
            "全サーバ 月次監視報告",
            R::Succeeded,
        ));
    }
    records.sort_by_key(|r| r.0);
    for (t, kind, target, result) in records {
        let ops = b.holder("OPS", t);
        b.step(
            &ops,
            t,
            Command::RecordOperation {
                operation: kind,
                target: target.into(),
                result,
                detail: (result == R::Failed).then(|| "テープ装置の障害、翌日再実行".into()),
                ticket: None,
            },
        );
    }
    let t = at(3, 14, 20);
    b.step(
        ADMIN,
        t,
        Command::RecordOperation {
            operation: K::Maintenance,
            target: "APサーバ OSセキュリティパッチ適用".into(),
            result: R::Succeeded,
            detail: None,
            ticket: Some("CHG-2026-0314".into()),
        },
    );
    let t = at(3, 31, -3);
    let lens = b.ledger.state.lens(t, None);
    let staff = b
        .ledger
        .state
        .persons()
        .find(|p| {
            lens.designation(&p.id, StaffRole::SystemOperationStaff)
                .is_some()
        })
        .map(|p| p.id.clone());
    if let Some(staff) = staff {
        b.step(
            &staff,
            t,
            Command::RecordOperation {
                operation: K::Batch,
                target: "年度末一括更新バッチ".into(),
                result: R::Succeeded,
                detail: None,
                ticket: None,
            },
        );
    }
}

/// A modification and a retirement whose consent the supervisor refuses (不同意, 第6条第1項第1号,
/// 第7条第1項第1号), FY2025: both close there.
pub(super) fn consent_refusals(b: &mut Builder) {
    let t = jst_date(2025, 12, 1);
    let o3 = b.holder("O03", t);
    let ev = b.step(
        &o3,
        t,
        Command::ProposeModification {
            title: "介護保険帳票の全面刷新".into(),
            description: "全帳票の様式を刷新する".into(),
            asset_ids: vec!["A01".into()],
            touches_common_parts: false,
            proposer_post_id: Some("O03".into()),
        },
    );
    if let Some(id) = first_str(&ev, "modification_id") {
        let hw = b.holder("SUP-HW", day(t, 9));
        b.step(
            &hw,
            day(t, 9),
            Command::RefuseModificationConsent {
                modification_id: id,
                reason: "令和8年度の制度改正後に改めて提案すること".into(),
            },
        );
    }
    let t = jst_date(2026, 1, 15);
    let o1 = b.holder("O01", t);
    let ev = b.step(
        &o1,
        t,
        Command::NoticeRetirement {
            asset_ids: vec!["A03".into()],
            affected_asset_ids: vec![],
            reason: "民生委員管理の別システム化".into(),
            planned_stop: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
        },
    );
    if let Some(id) = first_str(&ev, "retirement_id") {
        let hw = b.holder("SUP-HW", day(t, 11));
        b.step(
            &hw,
            day(t, 11),
            Command::RefuseRetirementConsent {
                retirement_id: id,
                reason: "後継システムが決まっていないため".into(),
            },
        );
    }
}

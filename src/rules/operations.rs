//! Operation records of 第11条 (monitoring, backup, maintenance, batch runs).

use govledger_schema::events::*;

use super::articles::*;
use super::{CommandSpec, Cx, Proposed, Refusal, Text, msg, need_text, one, propose, refuse};

/// 第11条: the operations support post (総務企画局情報管理部システム管理課長) supports server
/// monitoring and backup (第1号), maintenance (第2号) and batch runs (第4号); the system
/// administrator does that work itself (第4条第1項, the work of 第3条第2項第1号・第2号) and
/// system operation staff assist the administrator (第4条第3項). Any of the three records what
/// was done; the basis names their role's article and the item of 第11条. Nobody else may,
/// and is refused citing that item.
pub(super) fn record_operation(
    cx: &Cx<'_>,
    operation: OperationKind,
    target: &str,
    result: OperationResult,
    detail: Option<&str>,
    ticket: Option<&str>,
) -> Result<Vec<Proposed>, Refusal> {
    let item = operation_item(operation);
    need_text("target", target)?;
    if let Some(ticket) = ticket {
        need_text("ticket", ticket)?;
    }
    let ops = cx.l.bound_posts(Role::OperationsSupport);
    let (recorded_as, basis) = if ops.iter().any(|b| cx.l.holds_post(cx.actor, &b.post_id)) {
        (Role::OperationsSupport, item)
    } else if cx.is_admin() {
        (Role::SystemAdministrator, admin_basis(operation))
    } else if cx
        .l
        .designation(cx.actor, StaffRole::SystemOperationStaff)
        .is_some()
    {
        (Role::SystemOperationStaff, staff_basis(operation))
    } else {
        return refuse(
            "operation.not_operator",
            item,
            msg!("{} は第11条の運用支援（システム管理課長）、システム管理者（第4条第1項）、システム運用担当者（第4条第3項）のいずれでもありません", cx.actor; format!(
                "{} is neither the operations support (第11条), the system administrator (第4条第1項) nor system operation staff (第4条第3項)",
                cx.actor
            )),
        );
    };
    one(propose(
        &format!("operation/{}", operation.as_str()),
        OperationRecorded {
            operation,
            target: target.to_owned(),
            result,
            detail: detail.map(str::to_owned),
            recorded_as,
            ticket: ticket.map(str::to_owned),
        },
        basis,
        None,
    ))
}

/// The administrator's basis for an operation: 第4条第1項 and the item of 第11条.
fn admin_basis(operation: OperationKind) -> Article {
    match operation {
        OperationKind::Monitoring | OperationKind::Backup => ART_4_1_AND_11_ITEM_1,
        OperationKind::Maintenance => ART_4_1_AND_11_ITEM_2,
        OperationKind::Batch => ART_4_1_AND_11_ITEM_4,
    }
}

/// System operation staff's basis for an operation: 第4条第3項 and the item of 第11条.
fn staff_basis(operation: OperationKind) -> Article {
    match operation {
        OperationKind::Monitoring | OperationKind::Backup => ART_4_3_AND_11_ITEM_1,
        OperationKind::Maintenance => ART_4_3_AND_11_ITEM_2,
        OperationKind::Batch => ART_4_3_AND_11_ITEM_4,
    }
}

// --- What the act asks (see `super::spec`). ---

pub(super) const RECORD_OPERATION: CommandSpec = CommandSpec {
    // The basis is the operation's item of 第11条, joined with 第4条第1項 (the administrator)
    // or 第4条第3項 (operation staff) by who records it.
    articles: &[
        ART_11_ITEM_1,
        ART_11_ITEM_2,
        ART_11_ITEM_4,
        ART_4_1,
        ART_4_3,
    ],
    who: Text::new(
        "運用支援（第11条、システム管理課長）、システム管理者（第4条第1項）又はシステム運用担当者（第4条第3項）",
        "operations support under 第11条, the system administrator (第4条第1項) or system operation staff (第4条第3項)",
    ),
    preconditions: &[
        Text::new(
            "target（と ticket を指定するならそれも）が空でないこと",
            "target (and ticket, if given) is not blank",
        ),
        Text::new(
            "実行者が運用支援の職にあるか、システム管理者か、システム運用担当者であること（第11条第1号・第2号・第4号）",
            "the actor holds the operations support post, is the administrator, or is system operation staff (第11条第1号・第2号・第4号)",
        ),
    ],
};

//! System modification (第6条): proposal, approvals of the officers concerned (第2項), the supervisor's
//! consent (第1項第1号), the common parts (第1項第2号), the final decision (第1項第3号).

use govledger_projections::{ModificationState, ModificationView, Requirement};
use govledger_schema::events::*;

use super::approval::{Consent, approving_post, none_missing};
use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

pub(super) fn propose_modification(
    cx: &Cx<'_>,
    title: &str,
    description: &str,
    asset_ids: &[String],
    touches_common_parts: &bool,
    proposer_post_id: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("title", title)?;
    for a in asset_ids {
        cx.asset(a)?;
        if cx.l.retired(a).is_some() {
            return refuse(
                "modification.asset_retired",
                ART_7_1,
                msg!("{a} は廃止されています"; format!("{a} is retired")),
            );
        }
    }
    if asset_ids.is_empty() && !touches_common_parts {
        return refuse(
            "modification.touches_nothing",
            ART_6_1,
            msg!("変更する情報資産か共通部分を指定してください"; "name the assets touched or the common parts"),
        );
    }
    // The proposer: an officer of one of the assets (第6条第1項第1号), or the supervisor
    // of the common parts for a common-parts modification (第6条第1項第2号).
    let own: Vec<String> = match proposer_post_id {
        Some(p) => vec![p.clone()],
        None => asset_ids
            .iter()
            .flat_map(|a| cx.officer_posts_held_for(a))
            .collect(),
    };
    // The basis is the item the proposer acts under, so that a refusal of either
    // path cites what the accepted act records.
    let (post, acting_for, basis) = if let Some(p) = own
        .iter()
        .find(|p| cx.l.holds_post(cx.actor, p) && cx.l.is_officer_post(p))
    {
        if !asset_ids.iter().any(|a| {
            cx.l.asset(a)
                .is_some_and(|v| v.officer_post_ids.contains(p))
        }) {
            return refuse(
                "modification.not_own_asset",
                ART_6_1_1,
                msg!("{p} は {asset_ids:?} のいずれも管理していません"; format!("{p} manages none of {asset_ids:?}")),
            );
        }
        (p.clone(), None, ART_6_1_1)
    } else if *touches_common_parts {
        let common = cx.supervisor_of_common_parts()?;
        let (post, acting_for) = cx.as_supervisor(
            &[common],
            Text::new(
                "共通部分の変更の提案",
                "proposing a common-parts modification",
            ),
            ART_6_1_2,
        )?;
        (post, acting_for, ART_6_1_2)
    } else {
        return refuse(
            "modification.not_officer",
            ART_6_1_1,
            msg!("{} は {asset_ids:?} の情報管理責任者ではありません", cx.actor; format!(
                "{} is not an information management officer of {asset_ids:?}",
                cx.actor
            )),
        );
    };
    let id = format!("MOD-{:04}", cx.l.state.counts().modifications + 1);
    one(propose(
        &format!("modification/{id}"),
        ModificationProposed {
            modification_id: id.clone(),
            title: title.to_owned(),
            description: description.to_owned(),
            proposer_post_id: post,
            asset_ids: asset_ids.to_vec(),
            touches_common_parts: *touches_common_parts,
        },
        basis,
        acting_for,
    ))
}

pub(super) fn approve_modification(
    cx: &Cx<'_>,
    modification_id: &str,
    comment: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    let v = modification(cx, modification_id)?;
    let post = approving_post(
        cx,
        &v.approvals_required,
        "modification.approver_not_concerned",
        ART_6_2,
        || {
            msg!(
                "{} は {modification_id} の承認を求められている職（{:?}）のいずれにもありません",
                cx.actor, v.approvals_required;
                format!(
                    "{} holds none of the posts whose approval {modification_id} needs ({:?})",
                    cx.actor, v.approvals_required
                )
            )
        },
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationApproved {
            modification_id: modification_id.to_owned(),
            officer_post_id: post.clone(),
            comment: comment.clone(),
        },
        ART_6_2,
        None,
    ))
}

pub(super) fn reject_modification(
    cx: &Cx<'_>,
    modification_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let v = modification(cx, modification_id)?;
    let post = approving_post(
        cx,
        &v.approvals_required,
        "modification.approver_not_concerned",
        ART_6_2,
        || msg!("{} は {modification_id} の承認を求められていません", cx.actor; format!("{} is not asked to approve {modification_id}", cx.actor)),
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationRejected {
            modification_id: modification_id.to_owned(),
            officer_post_id: post.clone(),
            reason: reason.to_owned(),
        },
        ART_6_2,
        None,
    ))
}

pub(super) fn consent_to_modification(
    cx: &Cx<'_>,
    modification_id: &str,
) -> Result<Vec<Proposed>, Refusal> {
    let v = modification(cx, modification_id)?;
    let (post, acting_for) = consent(&v)?.supervisor(
        cx,
        Text::new("変更への同意", "consent to the modification"),
        false,
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationConsented {
            modification_id: modification_id.to_owned(),
            supervisor_post_id: post,
        },
        ART_6_1_1,
        acting_for,
    ))
}

pub(super) fn refuse_modification_consent(
    cx: &Cx<'_>,
    modification_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let v = modification(cx, modification_id)?;
    let (post, acting_for) = consent(&v)?.supervisor(
        cx,
        Text::new("変更への不同意", "refusing consent to the modification"),
        true,
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationConsentRefused {
            modification_id: modification_id.to_owned(),
            supervisor_post_id: post,
            reason: reason.to_owned(),
        },
        ART_6_1_1,
        acting_for,
    ))
}

pub(super) fn decide_modification_content(
    cx: &Cx<'_>,
    modification_id: &str,
    content: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("content", content)?;
    let v = modification(cx, modification_id)?;
    if !v.content_required || !cx.l.holds_post(cx.actor, &v.proposer_post_id) {
        return refuse(
            "modification.not_proposer",
            ART_6_1_1,
            msg!("{modification_id} の内容は {} の在職者が決定します", v.proposer_post_id; format!(
                "the content of {modification_id} is decided by the holder of {}",
                v.proposer_post_id
            )),
        );
    }
    if v.content.is_some() {
        return refuse(
            "modification.content_already_decided",
            ART_6_1_1,
            msg!("{modification_id} の内容は既に決定されています"; format!("{modification_id} has its content")),
        );
    }
    // 第6条第2項: approvals of the other officers come before the decision.
    none_missing(
        &v.missing,
        Requirement::Approval,
        "modification.approval_missing",
        modification_id,
    )?;
    none_missing(
        &v.missing,
        Requirement::Consent,
        "modification.consent_missing",
        modification_id,
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationContentDecided {
            modification_id: modification_id.to_owned(),
            officer_post_id: v.proposer_post_id.clone(),
            content: content.to_owned(),
        },
        ART_6_1_1,
        None,
    ))
}

pub(super) fn coordinate_modification(
    cx: &Cx<'_>,
    modification_id: &str,
    officer_post_ids: &[String],
    content: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("content", content)?;
    let v = modification(cx, modification_id)?;
    if !v.touches_common_parts {
        return refuse(
            "modification.no_common_parts",
            ART_6_1_2,
            msg!("{modification_id} は共通部分に関わりません"; format!("{modification_id} does not touch the common parts")),
        );
    }
    let common = cx.supervisor_of_common_parts()?;
    let (post, acting_for) = cx.as_supervisor(
        &[common],
        Text::new("共通部分の決定", "deciding the common parts"),
        ART_6_1_2,
    )?;
    let absent: Vec<&String> = v
        .coordination_required_with
        .iter()
        .filter(|p| !officer_post_ids.contains(p))
        .collect();
    if !absent.is_empty() {
        return refuse(
            "modification.coordination_incomplete",
            ART_6_1_2,
            msg!("関係する情報管理責任者 {absent:?} との調整がされていません"; format!("the officers concerned {absent:?} were not coordinated with")),
        );
    }
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationCoordinated {
            modification_id: modification_id.to_owned(),
            supervisor_post_id: post,
            officer_post_ids: officer_post_ids.to_vec(),
            content: content.to_owned(),
        },
        ART_6_1_2,
        acting_for,
    ))
}

pub(super) fn decide_modification(
    cx: &Cx<'_>,
    modification_id: &str,
    procedure_documents: &[String],
    summary: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("summary", summary)?;
    let v = modification(cx, modification_id)?;
    let (post, acting_for) = cx.as_supervisor(
        &v.final_deciders,
        Text::new("変更の総合的な決定", "the overall modification decision"),
        ART_6_1_3,
    )?;
    // A final decision while an approval, the consent or the coordination is missing.
    none_missing(
        &v.missing,
        Requirement::Approval,
        "modification.approval_missing",
        modification_id,
    )?;
    none_missing(
        &v.missing,
        Requirement::Consent,
        "modification.consent_missing",
        modification_id,
    )?;
    none_missing(
        &v.missing,
        Requirement::ContentDecision,
        "modification.content_missing",
        modification_id,
    )?;
    none_missing(
        &v.missing,
        Requirement::Coordination,
        "modification.coordination_missing",
        modification_id,
    )?;
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationFinallyDecided {
            modification_id: modification_id.to_owned(),
            supervisor_post_id: post,
            procedure_documents: procedure_documents.to_vec(),
            summary: summary.to_owned(),
        },
        ART_6_1_3_AND_6_3,
        acting_for,
    ))
}

pub(super) fn withdraw_modification(
    cx: &Cx<'_>,
    modification_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let v = modification(cx, modification_id)?;
    let may = cx.l.holds_post(cx.actor, &v.proposer_post_id)
        || cx.is_admin() && !cx.l.is_officer_post(&v.proposer_post_id);
    if !may {
        return refuse(
            "modification.not_proposer",
            ART_6_1,
            msg!("{modification_id} の取下げは {} の在職者が行います", v.proposer_post_id; format!(
                "{modification_id} is withdrawn by the holder of {}",
                v.proposer_post_id
            )),
        );
    }
    let acting_for =
        (!cx.l.holds_post(cx.actor, &v.proposer_post_id)).then(|| v.proposer_post_id.clone());
    one(propose(
        &format!("modification/{modification_id}"),
        ModificationWithdrawn {
            modification_id: modification_id.to_owned(),
            reason: reason.to_owned(),
        },
        ART_6_1,
        acting_for,
    ))
}

/// 第6条第1項第1号: the supervisor's consent to an officer's decision; a modification whose
/// content the supervisor decides (the common parts) asks for none.
fn consent(v: &ModificationView) -> Result<Consent<'_>, Refusal> {
    if v.consents_required.is_empty() {
        return refuse(
            "modification.no_consent_needed",
            ART_6_1_1,
            msg!("{} は情報管理責任者が決定する変更ではないため、同意を要しません", v.id; format!("{} is not an officer's decision", v.id)),
        );
    }
    Ok(Consent {
        id: &v.id,
        required: &v.consents_required,
        missing: &v.missing,
        article: ART_6_1_1,
        already_consented: "modification.already_consented",
    })
}

/// An open modification known and proposed by the decision's time, as a view.
fn modification(cx: &Cx<'_>, id: &str) -> Result<govledger_projections::ModificationView, Refusal> {
    check_id("modification_id", id)?;
    let Some(m) =
        cx.l.state
            .modification(id)
            .filter(|m| cx.l.happened(&m.proposed))
    else {
        return refuse(
            "modification.unknown",
            ART_6,
            msg!("{} までに提案された変更 {id} はありません", cx.at; format!("no modification {id} proposed by {}", cx.at)),
        );
    };
    let v = cx.l.modification_view(m);
    match v.state {
        ModificationState::Open => Ok(v),
        // 第6条第1項第1号: without the supervisor's consent the officer decides nothing.
        ModificationState::ConsentRefused => refuse(
            "modification.consent_refused",
            ART_6_1_1,
            msg!("{id} は終了しています：システム総括者が同意しませんでした（seq {}）", v.consent_refusal.as_ref().map_or(0, |a| a.seq); format!(
                "{id} is closed: the supervisor refused consent (seq {})",
                v.consent_refusal.as_ref().map_or(0, |a| a.seq)
            )),
        ),
        ModificationState::Decided | ModificationState::Withdrawn => refuse(
            "modification.closed",
            ART_6,
            msg!("{id} は既に終了しています（{}）", v.status; format!("{id} is {}", v.status)),
        ),
    }
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const OPEN: Text = Text::new(
    "変更が効力発生までに提案され、終了していない（決定・取下げ・不同意のいずれでもない）こと",
    "the modification was proposed by the effective time and is open (not decided, withdrawn or refused consent)",
);

pub(super) const PROPOSE_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_1_1, ART_6_1_2],
    who: Text::new(
        "変更する情報資産の情報管理責任者（共通部分のみの変更は共通部分のシステム総括者、又はその代理のシステム管理者）",
        "an information management officer of an asset touched (for the common parts alone, their supervisor, or the system administrator as deputy)",
    ),
    preconditions: &[
        Text::new(
            "各情報資産が別表にあり、廃止されていないこと",
            "each asset is in the annex and not retired",
        ),
        Text::new(
            "情報資産か共通部分の少なくとも一方を指定すること",
            "the assets touched, or the common parts, are named",
        ),
        Text::new(
            "実行者がいずれかの情報資産の情報管理責任者であること（第6条第1項第1号）。そうでなく共通部分に関わるなら、共通部分のシステム総括者（又は代理のシステム管理者）であること（第6条第1項第2号）",
            "the actor is an officer of one of the assets (第6条第1項第1号); otherwise, for the common parts, their supervisor or the administrator as deputy (第6条第1項第2号)",
        ),
    ],
};

const APPROVER: Text = Text::new(
    "承認を求められている他の情報管理責任者",
    "an officer whose approval the modification needs",
);

pub(super) const APPROVE_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_2],
    who: APPROVER,
    preconditions: &[
        OPEN,
        Text::new(
            "実行者が承認を求められている職（他の情報管理責任者）にあること（第6条第2項）",
            "the actor holds a post whose approval is needed (another officer concerned, 第6条第2項)",
        ),
    ],
};

pub(super) const REJECT_MODIFICATION: CommandSpec = APPROVE_MODIFICATION;

const CONSENTING: &[Text] = &[
    OPEN,
    Text::new(
        "情報管理責任者の決定する変更であること（共通部分のみの変更は同意を要しない）",
        "it is an officer's decision (a common-parts modification needs no consent)",
    ),
    Text::new(
        "同意がまだ済んでいないこと",
        "a consent is still outstanding",
    ),
    Text::new(
        "実行者が同意を求められているシステム総括者（又は代理のシステム管理者）であること",
        "the actor is a supervisor whose consent is outstanding, or the administrator as deputy",
    ),
];
const SUPERVISOR: Text = Text::new(
    "所管のシステム総括者（又は代理のシステム管理者、第4条第1項）",
    "the supervisor concerned (or the system administrator as deputy, 第4条第1項)",
);

pub(super) const CONSENT_TO_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_1_1],
    who: SUPERVISOR,
    preconditions: CONSENTING,
};

pub(super) const REFUSE_MODIFICATION_CONSENT: CommandSpec = CommandSpec {
    articles: &[ART_6_1_1],
    who: SUPERVISOR,
    // The authority comes before "every consent is in" here (`Consent::supervisor`).
    preconditions: &[CONSENTING[0], CONSENTING[1], CONSENTING[3], CONSENTING[2]],
};

pub(super) const DECIDE_MODIFICATION_CONTENT: CommandSpec = CommandSpec {
    articles: &[ART_6_1_1],
    who: Text::new(
        "提案した情報管理責任者",
        "the proposing information management officer",
    ),
    preconditions: &[
        OPEN,
        Text::new(
            "情報管理責任者が内容を決定する変更で、実行者が提案した職にあること",
            "the content is the officer's to decide, and the actor holds the proposing post",
        ),
        Text::new(
            "内容がまだ決定されていないこと",
            "the content is not decided yet",
        ),
        Text::new(
            "他の情報管理責任者の承認がすべて済んでいること（第6条第2項）",
            "every approval of the other officers concerned is in (第6条第2項)",
        ),
        Text::new(
            "システム総括者の同意が済んでいること（第6条第1項第1号）",
            "the supervisor's consent is in (第6条第1項第1号)",
        ),
    ],
};

pub(super) const COORDINATE_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_1_2],
    who: Text::new(
        "共通部分のシステム総括者（又は代理のシステム管理者）",
        "the supervisor of the common parts (or the system administrator as deputy)",
    ),
    preconditions: &[
        OPEN,
        Text::new(
            "変更が共通部分に関わること",
            "the modification touches the common parts",
        ),
        Text::new(
            "実行者が共通部分のシステム総括者（又は代理のシステム管理者）であること",
            "the actor is the common parts' supervisor, or the administrator as deputy",
        ),
        Text::new(
            "関係するすべての情報管理責任者と調整したこと（officer_post_ids）",
            "every officer concerned was coordinated with (officer_post_ids)",
        ),
    ],
};

pub(super) const DECIDE_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_1_3_AND_6_3],
    who: SUPERVISOR,
    preconditions: &[
        OPEN,
        Text::new(
            "実行者が総合的な決定をするシステム総括者（又は代理のシステム管理者）であること（第6条第1項第3号）",
            "the actor is the deciding supervisor, or the administrator as deputy (第6条第1項第3号)",
        ),
        Text::new(
            "他の情報管理責任者の承認がすべて済んでいること（第6条第2項）",
            "every approval of the other officers concerned is in (第6条第2項)",
        ),
        Text::new(
            "システム総括者の同意が済んでいること（第6条第1項第1号）",
            "the supervisor's consent is in (第6条第1項第1号)",
        ),
        Text::new(
            "情報管理責任者による内容の決定が済んでいること（第6条第1項第1号）",
            "the officer's content decision is in (第6条第1項第1号)",
        ),
        Text::new(
            "共通部分に関わるなら、その調整が済んでいること（第6条第1項第2号）",
            "for the common parts, their coordination is in (第6条第1項第2号)",
        ),
    ],
};

pub(super) const WITHDRAW_MODIFICATION: CommandSpec = CommandSpec {
    articles: &[ART_6_1],
    who: Text::new(
        "提案した職の在職者（情報管理責任者でない提案ならシステム管理者も）",
        "the holder of the proposing post (and the system administrator for a proposal not made by an officer)",
    ),
    preconditions: &[
        OPEN,
        Text::new(
            "実行者が提案した職にあること（又は情報管理責任者でない提案についてシステム管理者であること）",
            "the actor holds the proposing post (or is the administrator, for a proposal not made by an officer)",
        ),
    ],
};

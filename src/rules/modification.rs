//! System modification (第6条): proposal, approvals of the officers concerned (第2項), the supervisor's
//! consent (第1項第1号), the common parts (第1項第2号), the final decision (第1項第3号).

use govledger_projections::{ModificationState, ModificationView, Requirement};
use govledger_schema::events::*;

use super::approval::{Consent, approving_post, none_missing};
use super::articles::*;
use super::{Cx, Proposed, Refusal, check_id, need_text, one, propose, refuse};

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
                format!("{a} is retired"),
            );
        }
    }
    if asset_ids.is_empty() && !touches_common_parts {
        return refuse(
            "modification.touches_nothing",
            ART_6_1,
            "name the assets touched or the common parts",
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
                format!("{p} manages none of {asset_ids:?}"),
            );
        }
        (p.clone(), None, ART_6_1_1)
    } else if *touches_common_parts {
        let common = cx.supervisor_of_common_parts()?;
        let (post, acting_for) = cx.as_supervisor(
            &[common],
            "proposing a common-parts modification",
            ART_6_1_2,
        )?;
        (post, acting_for, ART_6_1_2)
    } else {
        return refuse(
            "modification.not_officer",
            ART_6_1_1,
            format!(
                "{} is not an information management officer of {asset_ids:?}",
                cx.actor
            ),
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
            format!(
                "{} holds none of the posts whose approval {modification_id} needs ({:?})",
                cx.actor, v.approvals_required
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
        || format!("{} is not asked to approve {modification_id}", cx.actor),
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
    let (post, acting_for) = consent(&v)?.supervisor(cx, "consent to the modification", false)?;
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
    let (post, acting_for) =
        consent(&v)?.supervisor(cx, "refusing consent to the modification", true)?;
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
            format!(
                "the content of {modification_id} is decided by the holder of {}",
                v.proposer_post_id
            ),
        );
    }
    if v.content.is_some() {
        return refuse(
            "modification.content_already_decided",
            ART_6_1_1,
            format!("{modification_id} has its content"),
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
            format!("{modification_id} does not touch the common parts"),
        );
    }
    let common = cx.supervisor_of_common_parts()?;
    let (post, acting_for) = cx.as_supervisor(&[common], "deciding the common parts", ART_6_1_2)?;
    let absent: Vec<&String> = v
        .coordination_required_with
        .iter()
        .filter(|p| !officer_post_ids.contains(p))
        .collect();
    if !absent.is_empty() {
        return refuse(
            "modification.coordination_incomplete",
            ART_6_1_2,
            format!("the officers concerned {absent:?} were not coordinated with"),
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
        "the overall modification decision",
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
            format!(
                "{modification_id} is withdrawn by the holder of {}",
                v.proposer_post_id
            ),
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
            format!("{} is not an officer's decision", v.id),
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
            format!("no modification {id} proposed by {}", cx.at),
        );
    };
    let v = cx.l.modification_view(m);
    match v.state {
        ModificationState::Open => Ok(v),
        // 第6条第1項第1号: without the supervisor's consent the officer decides nothing.
        ModificationState::ConsentRefused => refuse(
            "modification.consent_refused",
            ART_6_1_1,
            format!(
                "{id} is closed: the supervisor refused consent (seq {})",
                v.consent_refusal.as_ref().map_or(0, |a| a.seq)
            ),
        ),
        ModificationState::Decided | ModificationState::Withdrawn => refuse(
            "modification.closed",
            ART_6,
            format!("{id} is {}", v.status),
        ),
    }
}

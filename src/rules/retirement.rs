//! Retirement of the system's use for assets (第7条): notice to the supervisor, approvals (第2項),
//! consent and decision (第1項第1号), measures (第1項第2号).

use chrono::NaiveDate;
use govledger_projections::{Requirement, RetirementState, RetirementView};
use govledger_schema::events::*;

use super::approval::{Consent, approving_post, none_missing};
use super::articles::*;
use super::{Cx, Proposed, Refusal, check_id, need_text, one, propose, refuse};

pub(super) fn notice_retirement(
    cx: &Cx<'_>,
    asset_ids: &[String],
    affected_asset_ids: &[String],
    reason: &str,
    planned_stop: &NaiveDate,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    if asset_ids.is_empty() {
        return refuse(
            "retirement.no_assets",
            ART_7_1_1,
            "name the assets whose use stops",
        );
    }
    for a in asset_ids.iter().chain(affected_asset_ids) {
        cx.asset(a)?;
    }
    for a in asset_ids {
        if cx.l.retired(a).is_some() {
            return refuse(
                "retirement.already_retired",
                ART_7_1,
                format!("{a} is already retired"),
            );
        }
    }
    // One of the actor's officer posts must manage every asset whose use stops.
    let post = cx.officer_posts_held().into_iter().find(|p| {
        asset_ids.iter().all(|a| {
            cx.l.asset(a)
                .is_some_and(|v| v.officer_post_ids.contains(p))
        })
    });
    let Some(post) = post else {
        return refuse(
            "retirement.not_officer",
            ART_7_1_1,
            format!(
                "{} is not the information management officer of all of {asset_ids:?}",
                cx.actor
            ),
        );
    };
    if *planned_stop < cx.at.date_naive() {
        return refuse(
            "retirement.stop_in_past",
            ART_7_1_1,
            "the planned stop must not be before the notice",
        );
    }
    let id = format!("RET-{:04}", cx.l.state.counts().retirements + 1);
    one(propose(
        &format!("retirement/{id}"),
        RetirementNoticed {
            retirement_id: id.clone(),
            officer_post_id: post,
            asset_ids: asset_ids.to_vec(),
            affected_asset_ids: affected_asset_ids.to_vec(),
            reason: reason.to_owned(),
            planned_stop: *planned_stop,
        },
        ART_7_1_1,
        None,
    ))
}

pub(super) fn approve_retirement(
    cx: &Cx<'_>,
    retirement_id: &str,
    comment: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    let v = retirement(cx, retirement_id)?;
    let post = approving_post(
        cx,
        &v.approvals_required,
        "retirement.approver_not_concerned",
        ART_7_2,
        || format!("{} is not asked to approve {retirement_id}", cx.actor),
    )?;
    one(propose(
        &format!("retirement/{retirement_id}"),
        RetirementApproved {
            retirement_id: retirement_id.to_owned(),
            officer_post_id: post.clone(),
            comment: comment.clone(),
        },
        ART_7_2,
        None,
    ))
}

pub(super) fn consent_to_retirement(
    cx: &Cx<'_>,
    retirement_id: &str,
) -> Result<Vec<Proposed>, Refusal> {
    let v = retirement(cx, retirement_id)?;
    let (post, acting_for) = consent(&v).supervisor(cx, "consent to the retirement", true)?;
    one(propose(
        &format!("retirement/{retirement_id}"),
        RetirementConsented {
            retirement_id: retirement_id.to_owned(),
            supervisor_post_id: post,
        },
        ART_7_1_1,
        acting_for,
    ))
}

pub(super) fn refuse_retirement_consent(
    cx: &Cx<'_>,
    retirement_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let v = retirement(cx, retirement_id)?;
    let what = "refusing consent to the retirement";
    if v.state != RetirementState::Noticed {
        cx.as_supervisor(&v.consents_required, what, ART_7_1_1)?;
        return refuse(
            "retirement.already_decided",
            ART_7_1_1,
            format!("{retirement_id} is {}", v.status),
        );
    }
    let (post, acting_for) = consent(&v).supervisor(cx, what, true)?;
    one(propose(
        &format!("retirement/{retirement_id}"),
        RetirementConsentRefused {
            retirement_id: retirement_id.to_owned(),
            supervisor_post_id: post,
            reason: reason.to_owned(),
        },
        ART_7_1_1,
        acting_for,
    ))
}

pub(super) fn decide_retirement(
    cx: &Cx<'_>,
    retirement_id: &Option<String>,
    asset_ids: &[String],
) -> Result<Vec<Proposed>, Refusal> {
    let retirement_id = &match (retirement_id, asset_ids.is_empty()) {
        (Some(id), true) => id.clone(),
        (None, false) => noticed_retirement_of(cx, asset_ids)?,
        _ => {
            return refuse(
                "input.retirement_or_assets",
                RECORDING,
                "name either the retirement_id or the asset_ids",
            );
        }
    };
    check_id("retirement_id", retirement_id)?;
    let r =
        cx.l.state
            .retirement(retirement_id)
            .filter(|r| cx.l.knows(r.noticed.seq));
    let Some(r) = r else {
        return refuse(
            "retirement.unknown",
            ART_7_1_1,
            format!("no retirement {retirement_id}"),
        );
    };
    // 第7条第1項第1号後段: the supervisor is notified before the decision.
    if r.noticed.at >= cx.at {
        return refuse(
            "retirement.notice_missing",
            ART_7_1_1,
            format!(
                "the notice of {retirement_id} takes effect {}, not before this decision ({})",
                r.noticed.at, cx.at
            ),
        );
    }
    let v = cx.l.retirement_view(r);
    refused_consent(&v)?;
    if !cx.l.holds_post(cx.actor, &v.officer_post_id) {
        return refuse(
            "retirement.not_officer",
            ART_7_1_1,
            format!(
                "{retirement_id} is decided by the holder of {}",
                v.officer_post_id
            ),
        );
    }
    if v.decision.is_some() {
        return refuse(
            "retirement.already_decided",
            ART_7_1_1,
            format!("{retirement_id} is decided"),
        );
    }
    // 第7条第2項, 第7条第1項第1号 (the articles the view names for each).
    none_missing(
        &v.missing,
        Requirement::Approval,
        "retirement.approval_missing",
        retirement_id,
    )?;
    none_missing(
        &v.missing,
        Requirement::Consent,
        "retirement.consent_missing",
        retirement_id,
    )?;
    one(propose(
        &format!("retirement/{retirement_id}"),
        RetirementDecided {
            retirement_id: retirement_id.clone(),
            officer_post_id: v.officer_post_id.clone(),
        },
        ART_7_1_1,
        None,
    ))
}

pub(super) fn record_retirement_measures(
    cx: &Cx<'_>,
    retirement_id: &str,
    measures: &[String],
) -> Result<Vec<Proposed>, Refusal> {
    let v = retirement(cx, retirement_id)?;
    let (post, acting_for) =
        cx.as_supervisor(&v.consents_required, "the retirement measures", ART_7_1_2)?;
    if v.decision.is_none() {
        return refuse(
            "retirement.not_decided",
            ART_7_1_2,
            format!("{retirement_id} is not decided yet"),
        );
    }
    if measures.iter().all(|m| m.trim().is_empty()) {
        return refuse("input.missing_text", RECORDING, "name the measures taken");
    }
    one(propose(
        &format!("retirement/{retirement_id}"),
        RetirementMeasuresRecorded {
            retirement_id: retirement_id.to_owned(),
            supervisor_post_id: post,
            measures: measures.to_vec(),
        },
        ART_7_1_2,
        acting_for,
    ))
}

fn retirement(cx: &Cx<'_>, id: &str) -> Result<govledger_projections::RetirementView, Refusal> {
    check_id("retirement_id", id)?;
    let Some(r) =
        cx.l.state
            .retirement(id)
            .filter(|r| cx.l.happened(&r.noticed))
    else {
        return refuse(
            "retirement.notice_missing",
            ART_7_1_1,
            format!("no notice {id} by {}", cx.at),
        );
    };
    let v = cx.l.retirement_view(r);
    refused_consent(&v)?;
    Ok(v)
}

/// The retirement of `asset_ids` that the deciding officer noticed to the supervisor before the
/// decision (第7条第1項第1号後段: 事前にシステム総括者に通知). A decision without such a notice is
/// refused: the notice must come first.
fn noticed_retirement_of(cx: &Cx<'_>, asset_ids: &[String]) -> Result<String, Refusal> {
    const ART: Article = ART_7_1_1;
    for a in asset_ids {
        cx.asset(a)?;
        if cx.l.retired(a).is_some() {
            return refuse(
                "retirement.already_retired",
                ART_7_1,
                format!("{a} is already retired"),
            );
        }
    }
    let officer = cx.officer_posts_held().into_iter().any(|p| {
        asset_ids.iter().all(|a| {
            cx.l.asset(a)
                .is_some_and(|v| v.officer_post_ids.contains(&p))
        })
    });
    if !officer {
        return refuse(
            "retirement.not_officer",
            ART,
            format!(
                "{} is not the information management officer of all of {asset_ids:?}",
                cx.actor
            ),
        );
    }
    // Open notices (known, not decided, not refused) covering every named asset.
    let notices: Vec<&govledger_projections::Retirement> =
        cx.l.state
            .retirements()
            .filter(|r| cx.l.knows(r.noticed.seq))
            .filter(|r| asset_ids.iter().all(|a| r.asset_ids.contains(a)))
            .filter(|r| {
                let v = cx.l.retirement_view(r);
                v.state == RetirementState::Noticed
            })
            .collect();
    let before: Vec<&str> = notices
        .iter()
        .filter(|r| r.noticed.at < cx.at)
        .map(|r| r.id.as_str())
        .collect();
    match before.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => refuse(
            "retirement.notice_missing",
            ART,
            match notices.first() {
                Some(r) => format!(
                    "the notice of {asset_ids:?} ({}) takes effect {}, not before this decision ({})",
                    r.id, r.noticed.at, cx.at
                ),
                None => format!(
                    "no notice of the retirement of {asset_ids:?} was given to the supervisor before this decision ({})",
                    cx.at
                ),
            },
        ),
        several => refuse(
            "retirement.notice_ambiguous",
            ART,
            format!("{asset_ids:?} are in the notices {several:?}: name the retirement_id"),
        ),
    }
}

/// 第7条第1項第1号: a retirement whose consent the supervisor refused is closed.
fn refused_consent(v: &RetirementView) -> Result<(), Refusal> {
    match &v.consent_refusal {
        Some(a) if v.state == RetirementState::ConsentRefused => refuse(
            "retirement.consent_refused",
            ART_7_1_1,
            format!(
                "{} is closed: the supervisor refused consent (seq {})",
                v.id, a.seq
            ),
        ),
        _ => Ok(()),
    }
}

/// 第7条第1項第1号: the consent of the supervisors of the assets concerned.
fn consent(v: &RetirementView) -> Consent<'_> {
    Consent {
        id: &v.id,
        required: &v.consents_required,
        missing: &v.missing,
        article: ART_7_1_1,
        already_consented: "retirement.already_consented",
    }
}

//! Retirement of the system's use for assets (第7条): notice to the supervisor, approvals (第2項),
//! consent and decision (第1項第1号), measures (第1項第2号).

use chrono::NaiveDate;
use govledger_projections::{Requirement, RetirementState, RetirementView};
use govledger_schema::events::*;

use super::approval::{Consent, approving_post, none_missing};
use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

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
            msg!("利用を停止する情報資産を指定してください"; "name the assets whose use stops"),
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
                msg!("{a} は既に廃止されています"; format!("{a} is already retired")),
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
            msg!("{} は {asset_ids:?} のすべてを管理する情報管理責任者ではありません", cx.actor; format!(
                "{} is not the information management officer of all of {asset_ids:?}",
                cx.actor
            )),
        );
    };
    if *planned_stop < cx.at.date_naive() {
        return refuse(
            "retirement.stop_in_past",
            ART_7_1_1,
            msg!("停止予定日を通知の日より前にすることはできません"; "the planned stop must not be before the notice"),
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
        || msg!("{} は {retirement_id} の承認を求められていません", cx.actor; format!("{} is not asked to approve {retirement_id}", cx.actor)),
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
    let (post, acting_for) = consent(&v).supervisor(
        cx,
        Text::new("廃止への同意", "consent to the retirement"),
        true,
    )?;
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
    let what = Text::new("廃止への不同意", "refusing consent to the retirement");
    if v.state != RetirementState::Noticed {
        cx.as_supervisor(&v.consents_required, what, ART_7_1_1)?;
        return refuse(
            "retirement.already_decided",
            ART_7_1_1,
            msg!("{retirement_id} は既に終了しています（{}）", v.status; format!("{retirement_id} is {}", v.status)),
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
                msg!("retirement_id か asset_ids のどちらかを指定してください"; "name either the retirement_id or the asset_ids"),
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
            msg!("廃止 {retirement_id} はありません"; format!("no retirement {retirement_id}")),
        );
    };
    // 第7条第1項第1号後段: the supervisor is notified before the decision.
    if r.noticed.at >= cx.at {
        return refuse(
            "retirement.notice_missing",
            ART_7_1_1,
            msg!("{retirement_id} の通知の効力発生は {} で、この決定（{}）より前ではありません", r.noticed.at, cx.at; format!(
                "the notice of {retirement_id} takes effect {}, not before this decision ({})",
                r.noticed.at, cx.at
            )),
        );
    }
    let v = cx.l.retirement_view(r);
    refused_consent(&v)?;
    if !cx.l.holds_post(cx.actor, &v.officer_post_id) {
        return refuse(
            "retirement.not_officer",
            ART_7_1_1,
            msg!("{retirement_id} は {} の在職者が決定します", v.officer_post_id; format!(
                "{retirement_id} is decided by the holder of {}",
                v.officer_post_id
            )),
        );
    }
    if v.decision.is_some() {
        return refuse(
            "retirement.already_decided",
            ART_7_1_1,
            msg!("{retirement_id} は決定済みです"; format!("{retirement_id} is decided")),
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
    let (post, acting_for) = cx.as_supervisor(
        &v.consents_required,
        Text::new("廃止に伴う措置", "the retirement measures"),
        ART_7_1_2,
    )?;
    if v.decision.is_none() {
        return refuse(
            "retirement.not_decided",
            ART_7_1_2,
            msg!("{retirement_id} はまだ決定されていません"; format!("{retirement_id} is not decided yet")),
        );
    }
    if measures.iter().all(|m| m.trim().is_empty()) {
        return refuse(
            "input.missing_text",
            RECORDING,
            msg!("講じた措置を記載してください"; "name the measures taken"),
        );
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
            msg!("{} までの通知 {id} はありません", cx.at; format!("no notice {id} by {}", cx.at)),
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
                msg!("{a} は既に廃止されています"; format!("{a} is already retired")),
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
            msg!("{} は {asset_ids:?} のすべてを管理する情報管理責任者ではありません", cx.actor; format!(
                "{} is not the information management officer of all of {asset_ids:?}",
                cx.actor
            )),
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
                Some(r) => msg!(
                    "{asset_ids:?} の通知（{}）の効力発生は {} で、この決定（{}）より前ではありません",
                    r.id, r.noticed.at, cx.at;
                    format!(
                        "the notice of {asset_ids:?} ({}) takes effect {}, not before this decision ({})",
                        r.id, r.noticed.at, cx.at
                    )
                ),
                None => msg!(
                    "この決定（{}）より前に {asset_ids:?} の廃止の通知がシステム総括者にされていません",
                    cx.at;
                    format!(
                        "no notice of the retirement of {asset_ids:?} was given to the supervisor before this decision ({})",
                        cx.at
                    )
                ),
            },
        ),
        several => refuse(
            "retirement.notice_ambiguous",
            ART,
            msg!("{asset_ids:?} は複数の通知 {several:?} に含まれています。retirement_id を指定してください"; format!("{asset_ids:?} are in the notices {several:?}: name the retirement_id")),
        ),
    }
}

/// 第7条第1項第1号: a retirement whose consent the supervisor refused is closed.
fn refused_consent(v: &RetirementView) -> Result<(), Refusal> {
    match &v.consent_refusal {
        Some(a) if v.state == RetirementState::ConsentRefused => refuse(
            "retirement.consent_refused",
            ART_7_1_1,
            msg!("{} は終了しています：システム総括者が同意しませんでした（seq {}）", v.id, a.seq; format!(
                "{} is closed: the supervisor refused consent (seq {})",
                v.id, a.seq
            )),
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

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const NOTICED: Text = Text::new(
    "廃止が効力発生までに通知されており、システム総括者が不同意としていないこと",
    "the retirement was noticed by the effective time and the supervisor has not refused consent",
);
const SUPERVISOR: Text = Text::new(
    "情報資産を所管するシステム総括者（又は代理のシステム管理者、第4条第1項）",
    "the supervisor of the assets' bureau (or the system administrator as deputy, 第4条第1項)",
);
const ACTOR_IS_SUPERVISOR: Text = Text::new(
    "実行者が同意を求められているシステム総括者（又は代理のシステム管理者）であること",
    "the actor is a supervisor whose consent is asked, or the administrator as deputy",
);
const CONSENT_OUTSTANDING: Text = Text::new(
    "同意がまだ済んでいないこと",
    "a consent is still outstanding",
);

pub(super) const NOTICE_RETIREMENT: CommandSpec = CommandSpec {
    articles: &[ART_7_1_1],
    who: Text::new(
        "利用を停止するすべての情報資産の情報管理責任者",
        "the information management officer of every asset whose use stops",
    ),
    preconditions: &[
        Text::new(
            "利用を停止する情報資産を指定すること",
            "the assets whose use stops are named",
        ),
        Text::new(
            "各情報資産が別表にあること",
            "each asset (and each affected asset) is in the annex",
        ),
        Text::new(
            "利用を停止する情報資産がまだ廃止されていないこと",
            "none of them is retired yet",
        ),
        Text::new(
            "実行者の一つの職がそのすべての情報資産の情報管理責任者であること",
            "one of the actor's posts is an officer post of every one of them",
        ),
        Text::new(
            "停止予定日が通知の日より前でないこと",
            "the planned stop is not before the notice",
        ),
    ],
};

pub(super) const APPROVE_RETIREMENT: CommandSpec = CommandSpec {
    articles: &[ART_7_2],
    who: Text::new(
        "影響を受ける情報資産の他の情報管理責任者",
        "another officer whose assets are affected",
    ),
    preconditions: &[
        NOTICED,
        Text::new(
            "実行者が承認を求められている職にあること（第7条第2項）",
            "the actor holds a post whose approval is needed (第7条第2項)",
        ),
    ],
};

pub(super) const CONSENT_TO_RETIREMENT: CommandSpec = CommandSpec {
    articles: &[ART_7_1_1],
    who: SUPERVISOR,
    preconditions: &[NOTICED, ACTOR_IS_SUPERVISOR, CONSENT_OUTSTANDING],
};

pub(super) const REFUSE_RETIREMENT_CONSENT: CommandSpec = CommandSpec {
    articles: &[ART_7_1_1],
    who: SUPERVISOR,
    preconditions: &[
        NOTICED,
        ACTOR_IS_SUPERVISOR,
        Text::new(
            "廃止がまだ決定されていないこと",
            "the retirement is not decided yet",
        ),
        CONSENT_OUTSTANDING,
    ],
};

pub(super) const DECIDE_RETIREMENT: CommandSpec = CommandSpec {
    articles: &[ART_7_1_1],
    who: Text::new(
        "通知した情報管理責任者",
        "the information management officer who gave the notice",
    ),
    preconditions: &[
        Text::new(
            "retirement_id か asset_ids のどちらか一方を指定すること（asset_ids なら、それらの廃止の通知がただ一つあること）",
            "either retirement_id or asset_ids is given (asset_ids: exactly one notice of their retirement exists)",
        ),
        Text::new(
            "システム総括者への通知がこの決定より前に効力を生じていること（第7条第1項第1号）",
            "the notice to the supervisor took effect before this decision (第7条第1項第1号)",
        ),
        Text::new(
            "システム総括者が不同意としていないこと",
            "the supervisor has not refused consent",
        ),
        Text::new(
            "実行者が通知した職にあること",
            "the actor holds the noticing post",
        ),
        Text::new("まだ決定されていないこと", "it is not decided yet"),
        Text::new(
            "影響を受ける他の情報管理責任者の承認がすべて済んでいること（第7条第2項）",
            "every approval of the other officers affected is in (第7条第2項)",
        ),
        Text::new(
            "システム総括者の同意が済んでいること（第7条第1項第1号）",
            "the supervisor's consent is in (第7条第1項第1号)",
        ),
    ],
};

pub(super) const RECORD_RETIREMENT_MEASURES: CommandSpec = CommandSpec {
    articles: &[ART_7_1_2],
    who: SUPERVISOR,
    preconditions: &[
        NOTICED,
        Text::new(
            "実行者が所管のシステム総括者（又は代理のシステム管理者）であること",
            "the actor is the supervisor concerned, or the administrator as deputy",
        ),
        Text::new("廃止が決定されていること", "the retirement is decided"),
        Text::new("講じた措置を記載すること", "the measures taken are named"),
    ],
};

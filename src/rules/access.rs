//! Permissions to use an information asset (第5条第2項), requested by the usage officer (第8条第3項).

use super::Time;
use govledger_schema::events::*;

use super::articles::*;
use super::{CommandSpec, Cx, Proposed, Refusal, Text, msg, need_text, one, propose, refuse};

pub(super) fn request_permission(
    cx: &Cx<'_>,
    person_id: &str,
    asset_id: &str,
    scope: &str,
    until: &Option<Time>,
) -> Result<Vec<Proposed>, Refusal> {
    cx.person(person_id)?;
    cx.asset(asset_id)?;
    need_text("scope", scope)?;
    let Some(reg) = cx.l.user_registration(person_id) else {
        return refuse(
            "permission.not_a_user",
            ART_2_ITEM_3,
            msg!("{person_id} は登録された利用者ではありません"; format!("{person_id} is not a registered user")),
        );
    };
    if cx
        .l
        .usage_officer(&reg.unit_id)
        .is_none_or(|t| t.person_id != cx.actor)
    {
        return refuse(
            "permission.request_not_usage_officer",
            ART_8_3,
            msg!("{} の利用者の申請は、その利用責任者が行います", reg.unit_id; format!(
                "requests for users of {} come from its usage officer",
                reg.unit_id
            )),
        );
    }
    not_retired(cx, asset_id)?;
    let request_id = format!("PR-{:05}", cx.l.state.counts().permission_requests + 1);
    one(propose(
        &format!("asset/{asset_id}"),
        PermissionRequested {
            request_id,
            person_id: person_id.to_owned(),
            asset_id: asset_id.to_owned(),
            scope: scope.to_owned(),
            until: *until,
            unit_id: reg.unit_id.clone(),
        },
        ART_8_3_AND_5_2,
        None,
    ))
}

pub(super) fn grant_permission(
    cx: &Cx<'_>,
    person_id: &str,
    asset_id: &str,
    scope: &str,
    until: &Option<Time>,
    request_id: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    cx.asset(asset_id)?;
    cx.person(person_id)?;
    need_text("scope", scope)?;
    // 第7条: a retired asset takes no new grants.
    not_retired(cx, asset_id)?;
    let officer_post_id = deciding_officer(cx, asset_id)?;
    let Some(reg) = cx.l.user_registration(person_id) else {
        return refuse(
            "permission.not_a_user",
            ART_2_ITEM_3,
            msg!("{person_id} は登録された利用者ではありません"; format!("{person_id} is not a registered user")),
        );
    };
    if cx.l.active_grant(asset_id, person_id).is_some() {
        return refuse(
            "permission.already_granted",
            ART_5_2,
            msg!("{person_id} は既に {asset_id} の利用を許可されています"; format!("{person_id} may already use {asset_id}")),
        );
    }
    if until.is_some_and(|u| u <= cx.at) {
        return refuse(
            "permission.until_not_after_effective",
            ART_5_2,
            msg!("利用期限は許可の効力発生より後でなければなりません"; "the end date must be after the grant takes effect"),
        );
    }
    check_request(cx, request_id.as_deref(), person_id, asset_id)?;
    one(propose(
        &format!("asset/{asset_id}"),
        PermissionGranted {
            person_id: person_id.to_owned(),
            asset_id: asset_id.to_owned(),
            unit_id: reg.unit_id.clone(),
            scope: scope.to_owned(),
            until: *until,
            officer_post_id,
            request_id: request_id.clone(),
        },
        ART_5_2_AND_10_1,
        None,
    ))
}

pub(super) fn refuse_permission(
    cx: &Cx<'_>,
    person_id: &str,
    asset_id: &str,
    reason: &str,
    request_id: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    cx.asset(asset_id)?;
    cx.person(person_id)?;
    need_text("reason", reason)?;
    let officer_post_id = deciding_officer(cx, asset_id)?;
    check_request(cx, request_id.as_deref(), person_id, asset_id)?;
    one(propose(
        &format!("asset/{asset_id}"),
        PermissionRefused {
            person_id: person_id.to_owned(),
            asset_id: asset_id.to_owned(),
            officer_post_id,
            reason: reason.to_owned(),
            request_id: request_id.clone(),
        },
        ART_5_2_AND_10_1,
        None,
    ))
}

pub(super) fn revoke_permission(
    cx: &Cx<'_>,
    person_id: &str,
    asset_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    cx.asset(asset_id)?;
    cx.person(person_id)?;
    need_text("reason", reason)?;
    let officer_post_id = deciding_officer(cx, asset_id)?;
    if cx.l.active_grant(asset_id, person_id).is_none() {
        return refuse(
            "permission.not_granted",
            ART_5_2,
            msg!("{person_id} は {} に {asset_id} の利用を許可されていません", cx.at; format!("{person_id} may not use {asset_id} at {}", cx.at)),
        );
    }
    one(propose(
        &format!("asset/{asset_id}"),
        PermissionRevoked {
            person_id: person_id.to_owned(),
            asset_id: asset_id.to_owned(),
            officer_post_id,
            reason: reason.to_owned(),
        },
        ART_5_2_AND_10_1,
        None,
    ))
}

fn not_retired(cx: &Cx<'_>, asset_id: &str) -> Result<(), Refusal> {
    if let Some((s, id)) = cx.l.retired(asset_id) {
        return refuse(
            "permission.asset_retired",
            ART_7_1,
            msg!("{asset_id} は {} から廃止されています（{id}、seq {}）", s.at, s.seq; format!("{asset_id} is retired since {} ({id}, seq {})", s.at, s.seq)),
        );
    }
    Ok(())
}

/// 第5条第2項: only an officer of the asset decides its use.
fn deciding_officer(cx: &Cx<'_>, asset_id: &str) -> Result<String, Refusal> {
    match cx.officer_posts_held_for(asset_id).into_iter().next() {
        Some(p) => Ok(p),
        None => refuse(
            "permission.not_officer",
            ART_5_2,
            msg!("{} は {} に {asset_id} の情報管理責任者の職にありません", cx.actor, cx.at; format!(
                "{} holds no officer post of {asset_id} at {}",
                cx.actor, cx.at
            )),
        ),
    }
}

fn check_request(
    cx: &Cx<'_>,
    request_id: Option<&str>,
    person_id: &str,
    asset_id: &str,
) -> Result<(), Refusal> {
    let Some(id) = request_id else { return Ok(()) };
    let Some(r) =
        cx.l.state
            .permission_request(id)
            .filter(|r| cx.l.happened(&r.requested))
    else {
        return refuse(
            "permission.request_unknown",
            ART_5_2,
            msg!("利用申請 {id} はありません"; format!("no permission request {id}")),
        );
    };
    if r.person_id != person_id || r.asset_id != asset_id {
        return refuse(
            "permission.request_mismatch",
            ART_5_2,
            msg!("申請 {id} は {} の {} に対するものです", r.person_id, r.asset_id; format!("request {id} is for {} on {}", r.person_id, r.asset_id)),
        );
    }
    if r.answered.iter().any(|s| cx.l.happened(s)) {
        return refuse(
            "permission.request_answered",
            ART_5_2,
            msg!("申請 {id} には既に回答されています"; format!("request {id} is already answered")),
        );
    }
    Ok(())
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const OFFICER_OF_ASSET: Text = Text::new(
    "その情報資産の情報管理責任者",
    "an information management officer of the asset",
);
const ASSET_AND_PERSON: Text = Text::new(
    "情報資産が別表にあり、その者が登録されていること",
    "the asset is in the annex and the person is registered",
);
const NOT_RETIRED: Text = Text::new(
    "情報資産が廃止されていないこと（第7条第1項）",
    "the asset is not retired (第7条第1項)",
);
const ACTOR_IS_OFFICER: Text = Text::new(
    "実行者がその情報資産の情報管理責任者の職にあること（第5条第2項）",
    "the actor holds an officer post of the asset (第5条第2項)",
);
const REQUEST_MATCHES: Text = Text::new(
    "request_id を指定するなら、その申請があり、同じ者と情報資産についてのもので、まだ回答されていないこと",
    "request_id, if given, names a request for the same person and asset that is not yet answered",
);

pub(super) const REQUEST_PERMISSION: CommandSpec = CommandSpec {
    articles: &[ART_8_3_AND_5_2],
    who: Text::new(
        "その利用者の利用課の利用責任者",
        "the usage officer of the user's division",
    ),
    preconditions: &[
        ASSET_AND_PERSON,
        Text::new(
            "その者が利用者であること（第2条第3号）",
            "the person is a user (第2条第3号)",
        ),
        Text::new(
            "実行者がその利用者の利用課の利用責任者であること（第8条第3項）",
            "the actor is the usage officer of the user's division (第8条第3項)",
        ),
        NOT_RETIRED,
    ],
};

pub(super) const GRANT_PERMISSION: CommandSpec = CommandSpec {
    articles: &[ART_5_2_AND_10_1],
    who: OFFICER_OF_ASSET,
    preconditions: &[
        ASSET_AND_PERSON,
        NOT_RETIRED,
        ACTOR_IS_OFFICER,
        Text::new(
            "その者が利用者であること（第2条第3号）",
            "the person is a user (第2条第3号)",
        ),
        Text::new(
            "その者がまだその情報資産の利用を許可されていないこと",
            "the person may not use the asset yet",
        ),
        Text::new(
            "利用期限（until）が効力発生より後であること",
            "until, if given, is after the grant takes effect",
        ),
        REQUEST_MATCHES,
    ],
};

pub(super) const REFUSE_PERMISSION: CommandSpec = CommandSpec {
    articles: &[ART_5_2_AND_10_1],
    who: OFFICER_OF_ASSET,
    preconditions: &[ASSET_AND_PERSON, ACTOR_IS_OFFICER, REQUEST_MATCHES],
};

pub(super) const REVOKE_PERMISSION: CommandSpec = CommandSpec {
    articles: &[ART_5_2_AND_10_1],
    who: OFFICER_OF_ASSET,
    preconditions: &[
        ASSET_AND_PERSON,
        ACTOR_IS_OFFICER,
        Text::new(
            "その者がその情報資産の利用を許可されていること",
            "the person may use the asset",
        ),
    ],
};

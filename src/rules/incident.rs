//! Emergency contact rosters (第9条) and incidents (第3条第2項第4号, 第11条第3号).

use super::Time;
use govledger_schema::events::*;

use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

pub(super) fn record_roster(
    cx: &Cx<'_>,
    officer_post_id: &Option<String>,
    entries: &[RosterEntry],
) -> Result<Vec<Proposed>, Refusal> {
    let held = cx.officer_posts_held();
    let post = match officer_post_id {
        Some(p) if held.contains(p) => p.clone(),
        None if held.len() == 1 => held[0].clone(),
        _ => {
            return refuse(
                "roster.not_officer",
                ART_9_1,
                msg!("{} はこの連絡体制表を定める情報管理責任者ではありません", cx.actor; format!(
                    "{} is not the information management officer keeping this roster",
                    cx.actor
                )),
            );
        }
    };
    for e in entries {
        cx.person(&e.person_id)?;
    }
    // 第9条第2項: the roster covers staff who can inform and staff who can decide.
    if !entries.iter().any(|e| e.can_inform) || !entries.iter().any(|e| e.can_decide) {
        return refuse(
            "roster.incomplete",
            ART_9_2,
            msg!("連絡体制表には、情報を提供できる者と判断できる者が必要です"; "the roster needs someone who can inform and someone who can decide"),
        );
    }
    one(propose(
        &format!("roster/{post}"),
        RosterRecorded {
            officer_post_id: post.clone(),
            entries: entries.to_vec(),
        },
        ART_9_1_AND_9_2,
        None,
    ))
}

pub(super) fn report_incident(
    cx: &Cx<'_>,
    summary: &str,
    asset_ids: &[String],
    occurred_at: &Time,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("summary", summary)?;
    for a in asset_ids {
        cx.asset(a)?;
    }
    if cx.l.person_roles(cx.actor).is_empty() {
        return refuse(
            "incident.no_role",
            ART_3_2_4,
            msg!("{} はこの要綱上の役割を持っていません", cx.actor; format!("{} holds no role of the regulation", cx.actor)),
        );
    }
    if *occurred_at > cx.at {
        return refuse(
            "incident.occurs_later",
            ART_3_2_4,
            msg!("障害は発生した後に報告するものです（occurred_at が報告より後です）"; "an incident is reported after it occurs"),
        );
    }
    let id = format!("INC-{:04}", cx.l.state.counts().incidents + 1);
    one(propose(
        &format!("incident/{id}"),
        IncidentReported {
            incident_id: id.clone(),
            summary: summary.to_owned(),
            asset_ids: asset_ids.to_vec(),
            occurred_at: *occurred_at,
        },
        ART_3_2_4_AND_9,
        None,
    ))
}

pub(super) fn direct_incident(
    cx: &Cx<'_>,
    incident_id: &str,
    directions: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("directions", directions)?;
    let i = incident(cx, incident_id)?;
    let sups = incident_supervisors(cx, &i.asset_ids)?;
    let (post, acting_for) = cx.as_supervisor(
        &sups,
        Text::new("障害対応の指揮", "directing the incident response"),
        ART_3_2_4,
    )?;
    one(propose(
        &format!("incident/{incident_id}"),
        IncidentDirected {
            incident_id: incident_id.to_owned(),
            supervisor_post_id: post,
            directions: directions.to_owned(),
        },
        ART_3_2_4,
        acting_for,
    ))
}

pub(super) fn coordinate_incident(
    cx: &Cx<'_>,
    incident_id: &str,
    actions: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("actions", actions)?;
    incident(cx, incident_id)?;
    let ops = cx.l.bound_posts(Role::OperationsSupport);
    if !ops.iter().any(|b| cx.l.holds_post(cx.actor, &b.post_id)) {
        return refuse(
            "incident.not_operations_support",
            ART_11_ITEM_3,
            msg!("障害対応の調整は第11条の運用支援（システム管理課長）が行います"; "incident coordination is operations support's"),
        );
    }
    one(propose(
        &format!("incident/{incident_id}"),
        IncidentCoordinated {
            incident_id: incident_id.to_owned(),
            actions: actions.to_owned(),
        },
        ART_11_ITEM_3,
        None,
    ))
}

pub(super) fn resolve_incident(
    cx: &Cx<'_>,
    incident_id: &str,
    resolution: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("resolution", resolution)?;
    let i = incident(cx, incident_id)?;
    if i.resolutions.iter().any(|a| cx.l.happened(&a.stamp)) {
        return refuse(
            "incident.already_resolved",
            ART_3_2_4,
            msg!("{incident_id} は解決済みです"; format!("{incident_id} is resolved")),
        );
    }
    let sups = incident_supervisors(cx, &i.asset_ids)?;
    let (_, acting_for) = cx.as_supervisor(
        &sups,
        Text::new("障害の解決", "resolving the incident"),
        ART_3_2_4,
    )?;
    one(propose(
        &format!("incident/{incident_id}"),
        IncidentResolved {
            incident_id: incident_id.to_owned(),
            resolution: resolution.to_owned(),
        },
        ART_3_2_4,
        acting_for,
    ))
}

fn incident<'a>(cx: &Cx<'a>, id: &str) -> Result<&'a govledger_projections::Incident, Refusal> {
    check_id("incident_id", id)?;
    cx.l.state
        .incident(id)
        .filter(|i| cx.l.happened(&i.reported))
        .ok_or_else(|| Refusal {
            rule: "incident.unknown",
            article: ART_3_2_4.cite,
            message: msg!("障害 {id} はありません"; format!("no incident {id}")),
        })
}

/// The supervisors answering for an incident: those of the assets' bureaus, or of the common
/// parts when no asset is named.
fn incident_supervisors(cx: &Cx<'_>, asset_ids: &[String]) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::new();
    for a in asset_ids {
        let bureau = cx.asset(a)?.bureau.clone();
        let s = cx.supervisor_of_bureau(&bureau)?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        out.push(cx.supervisor_of_common_parts()?);
    }
    Ok(out)
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const KNOWN: Text = Text::new(
    "障害が効力発生までに報告されていること",
    "the incident was reported by the effective time",
);
const SUPERVISOR: Text = Text::new(
    "障害に係る情報資産を所管するシステム総括者（情報資産の指定がなければ共通部分の。又は代理のシステム管理者）",
    "the supervisor of the assets' bureau (of the common parts if no asset is named), or the system administrator as deputy",
);
const ACTOR_IS_SUPERVISOR: Text = Text::new(
    "実行者がそのシステム総括者（又は代理のシステム管理者）であること（第3条第2項第4号）",
    "the actor is that supervisor, or the administrator as deputy (第3条第2項第4号)",
);

pub(super) const RECORD_ROSTER: CommandSpec = CommandSpec {
    articles: &[ART_9_1_AND_9_2],
    who: Text::new(
        "情報管理責任者（自らの連絡体制表）",
        "an information management officer (their own roster)",
    ),
    preconditions: &[
        Text::new(
            "実行者が情報管理責任者の職にあること（複数の職にあれば officer_post_id でその一つを指定する）",
            "the actor holds an officer post (naming it as officer_post_id when holding several)",
        ),
        Text::new(
            "各連絡先の者が登録されていること",
            "each person on the roster is registered",
        ),
        Text::new(
            "連絡を受けられる者と判断できる者が含まれていること（第9条第2項）",
            "the roster has someone who can inform and someone who can decide (第9条第2項)",
        ),
    ],
};

pub(super) const REPORT_INCIDENT: CommandSpec = CommandSpec {
    articles: &[ART_3_2_4_AND_9],
    who: Text::new(
        "この要綱上の役割を持つ者",
        "anyone holding a role of the regulation",
    ),
    preconditions: &[
        Text::new(
            "各情報資産が別表にあること",
            "each asset named is in the annex",
        ),
        Text::new(
            "実行者がこの要綱上の役割を持つこと",
            "the actor holds a role of the regulation",
        ),
        Text::new(
            "発生日時（occurred_at）が報告より後でないこと",
            "occurred_at is not after the report",
        ),
    ],
};

pub(super) const DIRECT_INCIDENT: CommandSpec = CommandSpec {
    articles: &[ART_3_2_4],
    who: SUPERVISOR,
    preconditions: &[KNOWN, ACTOR_IS_SUPERVISOR],
};

pub(super) const COORDINATE_INCIDENT: CommandSpec = CommandSpec {
    articles: &[ART_11_ITEM_3],
    who: Text::new(
        "運用支援（第11条、総務企画局情報管理部システム管理課長）",
        "operations support under 第11条 (総務企画局情報管理部システム管理課長)",
    ),
    preconditions: &[
        KNOWN,
        Text::new(
            "実行者が運用支援の職にあること（第11条第3号）",
            "the actor holds the operations support post (第11条第3号)",
        ),
    ],
};

pub(super) const RESOLVE_INCIDENT: CommandSpec = CommandSpec {
    articles: &[ART_3_2_4],
    who: SUPERVISOR,
    preconditions: &[
        KNOWN,
        Text::new(
            "障害がまだ解決していないこと",
            "the incident is not resolved yet",
        ),
        ACTOR_IS_SUPERVISOR,
    ],
};

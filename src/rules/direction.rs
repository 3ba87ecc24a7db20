//! The supervisor's directives (第13条) and direction of officers (第3条第3項, 第5条第3項).

use govledger_schema::events::*;

use super::articles::*;
use super::{CommandSpec, Cx, Proposed, Refusal, Text, msg, need_text, one, propose, refuse};

pub(super) fn issue_directive(
    cx: &Cx<'_>,
    title: &str,
    body: &str,
    bureau: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("title", title)?;
    need_text("body", body)?;
    let sup = match bureau {
        Some(b) => cx.supervisor_of_bureau(b)?,
        None => cx.supervisor_of_common_parts()?,
    };
    let (post, acting_for) = cx.as_supervisor(&[sup], Text::new("指示", "a directive"), ART_13)?;
    let id = format!("DIR-{:04}", cx.l.state.counts().directives + 1);
    one(propose(
        &format!("directive/{id}"),
        DirectiveIssued {
            directive_id: id.clone(),
            supervisor_post_id: post,
            title: title.to_owned(),
            body: body.to_owned(),
        },
        ART_13,
        acting_for,
    ))
}

/// 第3条第3項: the supervisor directs (指揮監督) the information management officers and the
/// usage officers; 第5条第3項: an information management officer follows what the supervisor
/// sets. The supervisor in scope is the one of the addressee's bureau; the administrator may
/// direct as deputy (第4条第1項).
pub(super) fn direct_officer(
    cx: &Cx<'_>,
    addressee: &Addressee,
    matter: &str,
    direction: &str,
) -> Result<Vec<Proposed>, Refusal> {
    const ART: Article = ART_3_3;
    need_text("matter", matter)?;
    need_text("direction", direction)?;
    let (bureau, person, basis) = match addressee {
        Addressee::Officer { post_id } => {
            let post = cx.post(post_id)?;
            if !cx.l.is_officer_post(post_id) {
                return refuse(
                    "direction.addressee_not_officer",
                    ART,
                    msg!("{post_id} は情報管理責任者の職ではありません"; format!("{post_id} is no information management officer's post")),
                );
            }
            let Some(holder) = cx.l.holder(post_id) else {
                return refuse(
                    "direction.post_vacant",
                    ART,
                    msg!("{post_id} は {} に在職者がいません", cx.at; format!("{post_id} has no holder at {}", cx.at)),
                );
            };
            let bureau = cx.unit(&post.unit_id)?.bureau.clone();
            (bureau, holder.to_owned(), ART_3_3_AND_5_3)
        }
        Addressee::UsageOfficer { unit_id } => {
            let unit = cx.unit(unit_id)?;
            let Some(term) = cx.l.usage_officer(unit_id) else {
                return refuse(
                    "direction.no_usage_officer",
                    ART,
                    msg!("{unit_id} には {} に利用責任者がいません", cx.at; format!("{unit_id} has no usage officer at {}", cx.at)),
                );
            };
            (unit.bureau.clone(), term.person_id.clone(), ART)
        }
    };
    let sup = cx.supervisor_of_bureau(&bureau)?;
    let (post, acting_for) = cx.as_supervisor(
        &[sup],
        Text::new("情報管理責任者等への指揮監督", "directing an officer"),
        ART,
    )?;
    let id = format!("OD-{:04}", cx.l.state.counts().officer_directions + 1);
    one(propose(
        &format!("officer_direction/{id}"),
        OfficerDirected {
            direction_id: id.clone(),
            supervisor_post_id: post,
            addressee: addressee.clone(),
            person_id: person,
            matter: matter.to_owned(),
            direction: direction.to_owned(),
        },
        basis,
        acting_for,
    ))
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

pub(super) const ISSUE_DIRECTIVE: CommandSpec = CommandSpec {
    articles: &[ART_13],
    who: Text::new(
        "その局（bureau を指定しなければ共通部分）のシステム総括者（又は代理のシステム管理者）",
        "the supervisor of the bureau (of the common parts if none is named), or the system administrator as deputy",
    ),
    preconditions: &[
        Text::new(
            "その局を所管するシステム総括者の職があること",
            "a supervisor post covers the bureau",
        ),
        Text::new(
            "実行者がそのシステム総括者（又は代理のシステム管理者）であること",
            "the actor is that supervisor, or the administrator as deputy",
        ),
    ],
};

pub(super) const DIRECT_OFFICER: CommandSpec = CommandSpec {
    articles: &[ART_3_3_AND_5_3, ART_3_3],
    who: Text::new(
        "宛先の局のシステム総括者（又は代理のシステム管理者）",
        "the supervisor of the addressee's bureau, or the system administrator as deputy",
    ),
    preconditions: &[
        Text::new(
            "宛先が在職者のいる情報管理責任者の職か、利用責任者のいる利用課であること",
            "the addressee is an officer post that has a holder, or a division that has a usage officer",
        ),
        Text::new(
            "実行者が宛先の局のシステム総括者（又は代理のシステム管理者）であること（第3条第3項）",
            "the actor is the supervisor of the addressee's bureau, or the administrator as deputy (第3条第3項)",
        ),
    ],
};

/// 第8条第3項: the usage officer directs (指揮監督) the users of their own division. Only the
/// division's usage officer at the time may (no deputy: the article names no one else), and
/// only while they belong to it (自らが所属する利用課); each user named must be registered in
/// that division then. No `users` addresses them all.
pub(super) fn direct_users(
    cx: &Cx<'_>,
    unit_id: &str,
    users: &[String],
    matter: &str,
    direction: &str,
) -> Result<Vec<Proposed>, Refusal> {
    const ART: Article = ART_8_3;
    need_text("matter", matter)?;
    need_text("direction", direction)?;
    let unit = cx.unit(unit_id)?;
    if !unit.user_division {
        return refuse(
            "user_direction.not_user_division",
            ART_2_ITEM_2,
            msg!("{unit_id} は利用課ではありません"; format!("{unit_id} is not a user division")),
        );
    }
    let Some(officer) =
        cx.l.usage_officer(unit_id)
            .filter(|t| t.person_id == cx.actor)
    else {
        return refuse(
            "user_direction.not_usage_officer",
            ART,
            msg!("{unit_id} の利用者を指揮監督するのはその利用責任者です。{} ではありません", cx.actor; format!(
                "the users of {unit_id} are directed by its usage officer, not {}",
                cx.actor
            )),
        );
    };
    // 自らが所属する利用課: the division the officer belongs to at the time, not one they
    // left while the appointment as its usage officer ran on.
    if cx.l.person_unit(cx.actor) != Some(unit_id) {
        return refuse(
            "user_direction.officer_not_in_division",
            ART,
            msg!("{} は {} に {unit_id} に所属していません（自らが所属する利用課の利用者のみ指揮監督できます）", cx.actor, cx.at; format!(
                "{} does not belong to {unit_id} at {}: a usage officer directs the users of their own division",
                cx.actor, cx.at
            )),
        );
    }
    let registered = cx.l.users_of(unit_id);
    let addressed: Vec<String> = if users.is_empty() {
        registered.iter().map(|u| (*u).to_owned()).collect()
    } else {
        for (i, user) in users.iter().enumerate() {
            if users[..i].contains(user) {
                return refuse(
                    "user_direction.duplicate_user",
                    ART,
                    msg!("{user} が二度挙げられています"; format!("{user} is named twice")),
                );
            }
            if !registered.contains(&user.as_str()) {
                return refuse(
                    "user_direction.not_user_of_division",
                    ART,
                    msg!("{user} は {} に {unit_id} の利用者ではありません", cx.at; format!(
                        "{user} is not a user of {unit_id} at {}",
                        cx.at
                    )),
                );
            }
        }
        users.to_vec()
    };
    if addressed.is_empty() {
        return refuse(
            "user_direction.no_users",
            ART,
            msg!("{unit_id} には {} に利用者がいません", cx.at; format!("{unit_id} has no users at {}", cx.at)),
        );
    }
    let id = format!("UD-{:04}", cx.l.state.counts().user_directions + 1);
    one(propose(
        &format!("user_direction/{id}"),
        UsersDirected {
            direction_id: id.clone(),
            unit_id: unit_id.to_owned(),
            usage_officer_id: officer.person_id.clone(),
            users: addressed,
            matter: matter.to_owned(),
            direction: direction.to_owned(),
        },
        ART,
        None,
    ))
}

pub(super) const DIRECT_USERS: CommandSpec = CommandSpec {
    articles: &[ART_8_3],
    who: Text::new(
        "その利用課の利用責任者",
        "the usage officer of the division",
    ),
    preconditions: &[
        Text::new(
            "件名と指示内容があること",
            "a matter and a direction are given",
        ),
        Text::new("宛先が利用課であること", "the division is a user division"),
        Text::new(
            "実行者がその利用課の利用責任者であること（第8条第3項）",
            "the actor is the division's usage officer (第8条第3項)",
        ),
        Text::new(
            "実行者がその利用課に所属していること（自らが所属する利用課）",
            "the actor belongs to the division (their own division)",
        ),
        Text::new(
            "挙げた利用者が重複せず、いずれもその利用課の利用者であること（挙げなければ利用課の利用者全員）",
            "each user named is named once and is a user of the division (none named: all its users)",
        ),
        Text::new(
            "宛先の利用者が一人以上いること",
            "at least one user is addressed",
        ),
    ],
};

//! Organisation: units, posts, persons and appointments (辞令), staff designations (第4条第3項, 第5条第4項),
//! usage officers (第8条) and users (第2条第3号).

use govledger_schema::events::*;

use super::articles::*;
/// Personnel records are the city's decisions (辞令), recorded by the administrator or a
/// supervisor; the article they touch is the one that gives posts their roles.
const ORG: Article = ORGANISATION;

use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

pub(super) fn establish_unit(
    cx: &Cx<'_>,
    unit_id: &str,
    name: &str,
    parent_id: &Option<String>,
    bureau: &str,
    user_division: &bool,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, ART_2_ITEM_2)?;
    check_id("unit_id", unit_id)?;
    need_text("name", name)?;
    need_text("bureau", bureau)?;
    if cx.l.state.unit(unit_id).is_some() {
        return refuse(
            "unit.exists",
            ORG,
            msg!("組織 {unit_id} は既にあります"; format!("unit {unit_id} exists")),
        );
    }
    if let Some(p) = parent_id {
        cx.unit(p)?;
    }
    one(propose(
        &format!("unit/{unit_id}"),
        UnitEstablished {
            unit_id: unit_id.to_owned(),
            name: name.to_owned(),
            parent_id: parent_id.clone(),
            bureau: bureau.to_owned(),
            user_division: *user_division,
        },
        ART_2_ITEM_2,
        None,
    ))
}

pub(super) fn establish_post(
    cx: &Cx<'_>,
    post_id: &str,
    title: &str,
    unit_id: &str,
    heads_unit: &bool,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, ORG)?;
    check_id("post_id", post_id)?;
    need_text("title", title)?;
    cx.unit(unit_id)?;
    if cx.l.state.post(post_id).is_some() {
        return refuse(
            "post.exists",
            ORG,
            msg!("職 {post_id} は既にあります"; format!("post {post_id} exists")),
        );
    }
    one(propose(
        &format!("post/{post_id}"),
        PostEstablished {
            post_id: post_id.to_owned(),
            title: title.to_owned(),
            unit_id: unit_id.to_owned(),
            heads_unit: *heads_unit,
        },
        ORG,
        None,
    ))
}

pub(super) fn register_person(
    cx: &Cx<'_>,
    person_id: &str,
    name: &str,
    unit_id: &str,
    personnel_order: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, PERSONNEL_ORDER)?;
    check_id("person_id", person_id)?;
    need_text("name", name)?;
    cx.unit(unit_id)?;
    if cx.l.state.person(person_id).is_some() {
        return refuse(
            "person.exists",
            RECORDING,
            msg!("{person_id} は既に登録されています"; format!("person {person_id} exists")),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        PersonRegistered {
            person_id: person_id.to_owned(),
            name: name.to_owned(),
            unit_id: unit_id.to_owned(),
            personnel_order: personnel_order.clone(),
        },
        PERSONNEL_ORDER,
        None,
    ))
}

pub(super) fn transfer_person(
    cx: &Cx<'_>,
    person_id: &str,
    unit_id: &str,
    personnel_order: &str,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, PERSONNEL_ORDER)?;
    cx.person(person_id)?;
    cx.unit(unit_id)?;
    need_text("personnel_order", personnel_order)?;
    let from = cx.l.person_unit(person_id).unwrap_or_default().to_owned();
    if from == *unit_id {
        return refuse(
            "person.already_in_unit",
            RECORDING,
            msg!("{person_id} は既に {unit_id} に所属しています"; format!("{person_id} already belongs to {unit_id}")),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        PersonTransferred {
            person_id: person_id.to_owned(),
            from_unit_id: from,
            to_unit_id: unit_id.to_owned(),
            personnel_order: personnel_order.to_owned(),
        },
        PERSONNEL_ORDER,
        None,
    ))
}

pub(super) fn appoint_to_post(
    cx: &Cx<'_>,
    post_id: &str,
    person_id: &str,
    personnel_order: &str,
    replace_current: &bool,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, PERSONNEL_ORDER)?;
    let post = cx.post(post_id)?;
    cx.person(person_id)?;
    need_text("personnel_order", personnel_order)?;
    let mut out = Vec::new();
    if let Some(current) = cx.l.holder(post_id) {
        if current == person_id {
            return refuse(
                "post.already_held",
                ORG,
                msg!("{person_id} は既に {post_id} の職にあります"; format!("{person_id} already holds {post_id}")),
            );
        }
        if !replace_current {
            // One post, one holder at a time: roles attach to the post.
            return refuse(
                "post.already_held",
                ORG,
                msg!("{post_id} には {current} が在職しています。先にその発令を終了するか replace_current を指定してください"; format!(
                    "{post_id} is held by {current}; end that appointment first or set replace_current"
                )),
            );
        }
        out.push(propose(
            &format!("post/{post_id}"),
            HolderEnded {
                post_id: post_id.to_owned(),
                person_id: current.to_owned(),
                personnel_order: personnel_order.to_owned(),
            },
            PERSONNEL_ORDER,
            None,
        ));
    }
    if post
        .holders
        .iter()
        .any(|h| cx.l.knows(h.span.start.seq) && h.span.start.at > cx.at)
    {
        return refuse(
            "post.later_appointment_exists",
            ORG,
            msg!("{post_id} には {} より後の発令があります", cx.at; format!("{post_id} has an appointment after {}", cx.at)),
        );
    }
    let from = cx.l.person_unit(person_id).unwrap_or_default().to_owned();
    if from != post.unit_id {
        out.push(propose(
            &format!("person/{person_id}"),
            PersonTransferred {
                person_id: person_id.to_owned(),
                from_unit_id: from,
                to_unit_id: post.unit_id.clone(),
                personnel_order: personnel_order.to_owned(),
            },
            PERSONNEL_ORDER,
            None,
        ));
    }
    out.push(propose(
        &format!("post/{post_id}"),
        HolderAppointed {
            post_id: post_id.to_owned(),
            person_id: person_id.to_owned(),
            personnel_order: personnel_order.to_owned(),
        },
        PERSONNEL_ORDER,
        None,
    ));
    Ok(out)
}

pub(super) fn end_appointment(
    cx: &Cx<'_>,
    post_id: &str,
    personnel_order: &str,
) -> Result<Vec<Proposed>, Refusal> {
    personnel_recorder(cx, PERSONNEL_ORDER)?;
    cx.post(post_id)?;
    need_text("personnel_order", personnel_order)?;
    let Some(current) = cx.l.holder(post_id) else {
        return refuse(
            "post.not_held",
            ORG,
            msg!("{post_id} は {} に在職者がいません", cx.at; format!("{post_id} has no holder at {}", cx.at)),
        );
    };
    one(propose(
        &format!("post/{post_id}"),
        HolderEnded {
            post_id: post_id.to_owned(),
            person_id: current.to_owned(),
            personnel_order: personnel_order.to_owned(),
        },
        PERSONNEL_ORDER,
        None,
    ))
}

pub(super) fn designate_operation_staff(
    cx: &Cx<'_>,
    person_id: &str,
) -> Result<Vec<Proposed>, Refusal> {
    // 第4条第3項: the administrator designates, from two named sections only.
    let Some(admin_post) = cx.admin_post() else {
        return refuse(
            "designation.not_administrator",
            ART_4_3,
            msg!("システム運用担当者を選任するのはシステム管理者だけです"; "only the system administrator designates system operation staff"),
        );
    };
    cx.person(person_id)?;
    let unit = cx.l.person_unit(person_id).unwrap_or_default();
    let sections = cx.l.operation_staff_sections();
    if !sections.contains(&unit) {
        return refuse(
            "designation.outside_sections",
            ART_4_3,
            msg!("{person_id} の所属は {unit} で、{sections:?} のいずれでもありません"; format!("{person_id} belongs to {unit}, not to one of {sections:?}")),
        );
    }
    if cx
        .l
        .designation(person_id, StaffRole::SystemOperationStaff)
        .is_some()
    {
        return refuse(
            "designation.already",
            ART_4_3,
            msg!("{person_id} は既に選任されています"; format!("{person_id} is already designated")),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        StaffDesignated {
            person_id: person_id.to_owned(),
            role: StaffRole::SystemOperationStaff,
            designated_by_post_id: admin_post,
        },
        ART_4_3,
        None,
    ))
}

pub(super) fn designate_information_management_staff(
    cx: &Cx<'_>,
    person_id: &str,
    officer_post_id: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    // 第5条第4項: an officer designates, from their own user division only.
    let held = cx.officer_posts_held();
    let post_id = match officer_post_id {
        Some(p) if held.contains(p) => p.clone(),
        None if held.len() == 1 => held[0].clone(),
        None if held.len() > 1 => {
            return refuse(
                "designation.ambiguous_officer_post",
                ART_5_4,
                msg!("officer_post_id に {held:?} のいずれかを指定してください"; format!("name one of {held:?} as officer_post_id")),
            );
        }
        _ => {
            return refuse(
                "designation.not_officer",
                ART_5_4,
                msg!("{} は選任する情報管理責任者ではありません", cx.actor; format!(
                    "{} is not the information management officer designating",
                    cx.actor
                )),
            );
        }
    };
    cx.person(person_id)?;
    let post = cx.post(&post_id)?;
    let unit = cx.l.person_unit(person_id).unwrap_or_default();
    if unit != post.unit_id {
        return refuse(
            "designation.outside_own_division",
            ART_5_4,
            msg!("{person_id} の所属は {unit} で、情報管理責任者の利用課 {} ではありません", post.unit_id; format!(
                "{person_id} belongs to {unit}, not to the officer's division {}",
                post.unit_id
            )),
        );
    }
    if cx
        .l
        .designation(person_id, StaffRole::InformationManagementStaff)
        .is_some()
    {
        return refuse(
            "designation.already",
            ART_5_4,
            msg!("{person_id} は既に選任されています"; format!("{person_id} is already designated")),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        StaffDesignated {
            person_id: person_id.to_owned(),
            role: StaffRole::InformationManagementStaff,
            designated_by_post_id: post_id,
        },
        ART_5_4,
        None,
    ))
}

pub(super) fn revoke_designation(
    cx: &Cx<'_>,
    person_id: &str,
    role: &StaffRole,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    cx.person(person_id)?;
    need_text("reason", reason)?;
    let article = match role {
        StaffRole::SystemOperationStaff => ART_4_3,
        StaffRole::InformationManagementStaff => ART_5_4,
    };
    let Some(d) = cx.l.designation(person_id, *role) else {
        return refuse(
            "designation.not_designated",
            article,
            msg!("{person_id} はその選任を受けていません"; format!("{person_id} holds no such designation")),
        );
    };
    // The designator revokes: the holder of the designating post, or the administrator.
    if !cx.l.holds_post(cx.actor, &d.designated_by_post_id) && !cx.is_admin() {
        return refuse(
            "designation.not_designator",
            article,
            msg!("選任を解くのは {} の在職者だけです", d.designated_by_post_id; format!("only the holder of {} revokes", d.designated_by_post_id)),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        StaffDesignationRevoked {
            person_id: person_id.to_owned(),
            role: *role,
            designated_by_post_id: d.designated_by_post_id.clone(),
            reason: reason.to_owned(),
        },
        article,
        None,
    ))
}

pub(super) fn appoint_usage_officer(
    cx: &Cx<'_>,
    unit_id: &str,
    person_id: &str,
    reason_not_head: &Option<String>,
    replace_current: &bool,
) -> Result<Vec<Proposed>, Refusal> {
    if !cx.is_admin() {
        return refuse(
            "usage_officer.not_administrator",
            ART_8_1,
            msg!("利用責任者はシステム管理者が記録します"; "usage officers are recorded by the system administrator"),
        );
    }
    let unit = cx.unit(unit_id)?;
    cx.person(person_id)?;
    if !unit.user_division {
        return refuse(
            "usage_officer.not_user_division",
            ART_2_ITEM_2,
            msg!("{unit_id} は利用課ではありません"; format!("{unit_id} is not a user division")),
        );
    }
    let mut out = Vec::new();
    if let Some(t) = cx.l.usage_officer(unit_id) {
        if t.person_id == *person_id || !replace_current {
            return refuse(
                "usage_officer.already_appointed",
                ART_8_1,
                msg!("{unit_id} の利用責任者は {} です。利用責任者は利用課ごとに一人です", t.person_id; format!(
                    "{unit_id} has usage officer {}; one per division at a time",
                    t.person_id
                )),
            );
        }
        out.push(propose(
            &format!("unit/{unit_id}"),
            UsageOfficerEnded {
                unit_id: unit_id.to_owned(),
                person_id: t.person_id.to_owned(),
            },
            ART_8_1,
            None,
        ));
    }
    // 第8条第2項: in principle the head of the division; anyone else needs a reason.
    let is_head =
        cx.l.posts_held(person_id)
            .into_iter()
            .filter_map(|p| cx.l.post(p))
            .any(|p| p.heads_unit && p.unit_id == *unit_id);
    let reason = reason_not_head
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if !is_head && reason.is_none() {
        return refuse(
            "usage_officer.reason_required",
            ART_8_2,
            msg!("{person_id} は {unit_id} の長ではありません。その理由を記録してください"; format!("{person_id} is not the head of {unit_id}: record the reason")),
        );
    }
    out.push(propose(
        &format!("unit/{unit_id}"),
        UsageOfficerAppointed {
            unit_id: unit_id.to_owned(),
            person_id: person_id.to_owned(),
            reason_not_head: reason_not_head.clone(),
        },
        if is_head { ART_8_1_AND_8_2 } else { ART_8_2 },
        None,
    ));
    Ok(out)
}

pub(super) fn end_usage_officer(cx: &Cx<'_>, unit_id: &str) -> Result<Vec<Proposed>, Refusal> {
    if !cx.is_admin() {
        return refuse(
            "usage_officer.not_administrator",
            ART_8_1,
            msg!("利用責任者はシステム管理者が記録します"; "usage officers are recorded by the system administrator"),
        );
    }
    cx.unit(unit_id)?;
    let Some(t) = cx.l.usage_officer(unit_id) else {
        return refuse(
            "usage_officer.none",
            ART_8_1,
            msg!("{unit_id} には利用責任者がいません"; format!("{unit_id} has no usage officer")),
        );
    };
    one(propose(
        &format!("unit/{unit_id}"),
        UsageOfficerEnded {
            unit_id: unit_id.to_owned(),
            person_id: t.person_id.clone(),
        },
        ART_8_1,
        None,
    ))
}

pub(super) fn register_user(cx: &Cx<'_>, person_id: &str) -> Result<Vec<Proposed>, Refusal> {
    cx.person(person_id)?;
    let unit_id = cx.l.person_unit(person_id).unwrap_or_default().to_owned();
    let unit = cx.unit(&unit_id)?;
    if !unit.user_division {
        return refuse(
            "user.not_user_division",
            ART_2_ITEM_2,
            msg!("{unit_id} は利用課ではありません"; format!("{unit_id} is not a user division")),
        );
    }
    if cx
        .l
        .usage_officer(&unit_id)
        .is_none_or(|t| t.person_id != cx.actor)
    {
        return refuse(
            "user.not_usage_officer",
            ART_8_3,
            msg!("{unit_id} の利用者はその利用責任者が登録します。{} ではありません", cx.actor; format!(
                "users of {unit_id} are registered by its usage officer, not {}",
                cx.actor
            )),
        );
    }
    if cx.l.user_registration(person_id).is_some() {
        return refuse(
            "user.already_registered",
            ART_2_ITEM_3,
            msg!("{person_id} は既に利用者です"; format!("{person_id} is already a user")),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        UserRegistered {
            person_id: person_id.to_owned(),
            unit_id,
        },
        ART_2_ITEM_3_AND_8_3,
        None,
    ))
}

pub(super) fn deregister_user(
    cx: &Cx<'_>,
    person_id: &str,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    cx.person(person_id)?;
    need_text("reason", reason)?;
    let Some(r) = cx.l.user_registration(person_id) else {
        return refuse(
            "user.not_registered",
            ART_2_ITEM_3,
            msg!("{person_id} は利用者ではありません"; format!("{person_id} is not a user")),
        );
    };
    if cx
        .l
        .usage_officer(&r.unit_id)
        .is_none_or(|t| t.person_id != cx.actor)
        && !cx.is_admin()
    {
        return refuse(
            "user.not_usage_officer",
            ART_8_3,
            msg!("{} の利用者の登録の抹消はその利用責任者が行います", r.unit_id; format!(
                "users of {} are deregistered by its usage officer",
                r.unit_id
            )),
        );
    }
    one(propose(
        &format!("person/{person_id}"),
        UserDeregistered {
            person_id: person_id.to_owned(),
            unit_id: r.unit_id.clone(),
            reason: reason.to_owned(),
        },
        ART_2_ITEM_3_AND_8_3,
        None,
    ))
}

/// Units, posts, persons and appointments are recorded by the administrator or a supervisor.
/// The administrator or a supervisor records personnel acts; a refusal cites `basis`, what the
/// act itself records (the personnel order, or the articles that set up units and posts).
fn personnel_recorder(cx: &Cx<'_>, basis: Article) -> Result<(), Refusal> {
    if cx.is_admin() || !cx.supervisor_posts_held().is_empty() {
        Ok(())
    } else {
        refuse(
            "organisation.not_authorised",
            basis,
            msg!("{} はシステム管理者でもシステム総括者でもありません", cx.actor; format!(
                "{} is neither the system administrator nor a supervisor",
                cx.actor
            )),
        )
    }
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const PERSONNEL_RECORDER: Text = Text::new(
    "システム管理者又はシステム総括者（人事の辞令を記録する）",
    "the system administrator or a system supervisor (recording the personnel order)",
);
const IS_PERSONNEL_RECORDER: Text = Text::new(
    "実行者がシステム管理者又はシステム総括者の職にあること",
    "the actor holds the system administrator's or a supervisor's post",
);
const ADMIN_ONLY: Text = Text::new("システム管理者", "the system administrator");
const IS_ADMIN: Text = Text::new(
    "実行者がシステム管理者の職にあること",
    "the actor holds the system administrator's post",
);

pub(super) const ESTABLISH_UNIT: CommandSpec = CommandSpec {
    articles: &[ART_2_ITEM_2],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new("同じ id の組織がまだないこと", "no unit has the id yet"),
        Text::new(
            "上位の組織（parent_id）を指定するなら、それが既にあること",
            "the parent unit, if named, exists",
        ),
    ],
};

pub(super) const ESTABLISH_POST: CommandSpec = CommandSpec {
    articles: &[ORG],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new("職が置かれる組織があること", "the post's unit exists"),
        Text::new("同じ id の職がまだないこと", "no post has the id yet"),
    ],
};

pub(super) const REGISTER_PERSON: CommandSpec = CommandSpec {
    articles: &[PERSONNEL_ORDER],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new("所属する組織があること", "the person's unit exists"),
        Text::new(
            "同じ id の者がまだ登録されていないこと",
            "no person has the id yet",
        ),
    ],
};

pub(super) const TRANSFER_PERSON: CommandSpec = CommandSpec {
    articles: &[PERSONNEL_ORDER],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new("異動先の組織があること", "the new unit exists"),
        Text::new(
            "その者がまだ異動先に所属していないこと",
            "the person is not already in that unit",
        ),
    ],
};

pub(super) const APPOINT_TO_POST: CommandSpec = CommandSpec {
    articles: &[PERSONNEL_ORDER],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new(
            "職があり、その者が登録されていること",
            "the post exists and the person is registered",
        ),
        Text::new(
            "その者がまだその職になく、職が空席であること（在職者がいれば replace_current でその発令を終了する）",
            "the person does not hold the post yet and the post is vacant (replace_current ends the current holder's appointment)",
        ),
        Text::new(
            "その職に効力発生日より後の発令がないこと",
            "the post has no appointment taking effect later",
        ),
    ],
};

pub(super) const END_APPOINTMENT: CommandSpec = CommandSpec {
    articles: &[PERSONNEL_ORDER],
    who: PERSONNEL_RECORDER,
    preconditions: &[
        IS_PERSONNEL_RECORDER,
        Text::new("職があること", "the post exists"),
        Text::new("その職に在職者がいること", "the post has a holder"),
    ],
};

pub(super) const DESIGNATE_OPERATION_STAFF: CommandSpec = CommandSpec {
    articles: &[ART_4_3],
    who: ADMIN_ONLY,
    preconditions: &[
        IS_ADMIN,
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new(
            "その者が健康福祉局総務部保健福祉システム課又はこども未来局総務部企画課の職員であること（第4条第3項）",
            "the person belongs to 保健福祉システム課 or こども未来局総務部企画課 (第4条第3項)",
        ),
        Text::new(
            "その者がまだシステム運用担当者に選任されていないこと",
            "the person is not yet system operation staff",
        ),
    ],
};

pub(super) const DESIGNATE_INFORMATION_MANAGEMENT_STAFF: CommandSpec = CommandSpec {
    articles: &[ART_5_4],
    who: Text::new("情報管理責任者", "an information management officer"),
    preconditions: &[
        Text::new(
            "実行者が情報管理責任者の職にあること（複数の職にあれば officer_post_id でその一つを指定する）",
            "the actor holds an officer post (naming it as officer_post_id when holding several)",
        ),
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new(
            "その者が情報管理責任者自らの利用課に所属すること（第5条第4項）",
            "the person belongs to the officer's own user division (第5条第4項)",
        ),
        Text::new(
            "その者がまだ情報管理担当者に選任されていないこと",
            "the person is not yet information management staff",
        ),
    ],
};

pub(super) const REVOKE_DESIGNATION: CommandSpec = CommandSpec {
    articles: &[ART_4_3, ART_5_4],
    who: Text::new(
        "選任した職の在職者又はシステム管理者",
        "the holder of the designating post, or the system administrator",
    ),
    preconditions: &[
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new(
            "その者がその選任を受けていること",
            "the person holds that designation",
        ),
        Text::new(
            "実行者が選任した職にあるか、システム管理者であること",
            "the actor holds the designating post or is the system administrator",
        ),
    ],
};

pub(super) const APPOINT_USAGE_OFFICER: CommandSpec = CommandSpec {
    articles: &[ART_8_1_AND_8_2, ART_8_2],
    who: ADMIN_ONLY,
    preconditions: &[
        IS_ADMIN,
        Text::new(
            "組織があり、その者が登録されていること",
            "the unit exists and the person is registered",
        ),
        Text::new(
            "その組織が利用課であること（第2条第2号）",
            "the unit is a user division (第2条第2号)",
        ),
        Text::new(
            "その利用課にまだ利用責任者がいないこと（いれば replace_current で交代する。利用課ごとに一人）",
            "the division has no usage officer yet (replace_current replaces them; one per division)",
        ),
        Text::new(
            "その者が利用課の長でなければ、その理由（reason_not_head）を記録すること（第8条第2項）",
            "a person who is not the division's head needs reason_not_head (第8条第2項)",
        ),
    ],
};

pub(super) const END_USAGE_OFFICER: CommandSpec = CommandSpec {
    articles: &[ART_8_1],
    who: ADMIN_ONLY,
    preconditions: &[
        IS_ADMIN,
        Text::new("組織があること", "the unit exists"),
        Text::new(
            "その利用課に利用責任者がいること",
            "the division has a usage officer",
        ),
    ],
};

pub(super) const REGISTER_USER: CommandSpec = CommandSpec {
    articles: &[ART_2_ITEM_3_AND_8_3],
    who: Text::new(
        "その者の利用課の利用責任者",
        "the usage officer of the person's division",
    ),
    preconditions: &[
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new(
            "その者の所属が利用課であること",
            "the person's unit is a user division",
        ),
        Text::new(
            "実行者がその利用課の利用責任者であること（第8条第3項）",
            "the actor is that division's usage officer (第8条第3項)",
        ),
        Text::new(
            "その者がまだ利用者でないこと",
            "the person is not a user yet",
        ),
    ],
};

pub(super) const DEREGISTER_USER: CommandSpec = CommandSpec {
    articles: &[ART_2_ITEM_3_AND_8_3],
    who: Text::new(
        "その利用者の利用課の利用責任者又はシステム管理者",
        "the usage officer of the user's division, or the system administrator",
    ),
    preconditions: &[
        Text::new("その者が登録されていること", "the person is registered"),
        Text::new("その者が利用者であること", "the person is a user"),
        Text::new(
            "実行者がその利用課の利用責任者か、システム管理者であること",
            "the actor is that division's usage officer or the system administrator",
        ),
    ],
};

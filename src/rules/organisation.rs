//! Organisation: units, posts, persons and appointments (辞令), staff designations (第4条第3項, 第5条第4項),
//! usage officers (第8条) and users (第2条第3号).

use govledger_schema::events::*;

use super::articles::*;
/// Personnel records are the city's decisions (辞令), recorded by the administrator or a
/// supervisor; the article they touch is the one that gives posts their roles.
const ORG: Article = ORGANISATION;

use super::{Cx, Proposed, Refusal, check_id, need_text, one, propose, refuse};

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
        return refuse("unit.exists", ORG, format!("unit {unit_id} exists"));
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
        return refuse("post.exists", ORG, format!("post {post_id} exists"));
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
            format!("person {person_id} exists"),
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
            format!("{person_id} already belongs to {unit_id}"),
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
                format!("{person_id} already holds {post_id}"),
            );
        }
        if !replace_current {
            // One post, one holder at a time: roles attach to the post.
            return refuse(
                "post.already_held",
                ORG,
                format!(
                    "{post_id} is held by {current}; end that appointment first or set replace_current"
                ),
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
        )?);
    }
    if post
        .holders
        .iter()
        .any(|h| cx.l.knows(h.span.start.seq) && h.span.start.at > cx.at)
    {
        return refuse(
            "post.later_appointment_exists",
            ORG,
            format!("{post_id} has an appointment after {}", cx.at),
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
        )?);
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
    )?);
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
            format!("{post_id} has no holder at {}", cx.at),
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
            "only the system administrator designates system operation staff",
        );
    };
    cx.person(person_id)?;
    let unit = cx.l.person_unit(person_id).unwrap_or_default();
    let sections = cx.l.operation_staff_sections();
    if !sections.contains(&unit) {
        return refuse(
            "designation.outside_sections",
            ART_4_3,
            format!("{person_id} belongs to {unit}, not to one of {sections:?}"),
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
            format!("{person_id} is already designated"),
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
                format!("name one of {held:?} as officer_post_id"),
            );
        }
        _ => {
            return refuse(
                "designation.not_officer",
                ART_5_4,
                format!(
                    "{} is not the information management officer designating",
                    cx.actor
                ),
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
            format!(
                "{person_id} belongs to {unit}, not to the officer's division {}",
                post.unit_id
            ),
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
            format!("{person_id} is already designated"),
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
            format!("{person_id} holds no such designation"),
        );
    };
    // The designator revokes: the holder of the designating post, or the administrator.
    if !cx.l.holds_post(cx.actor, &d.designated_by_post_id) && !cx.is_admin() {
        return refuse(
            "designation.not_designator",
            article,
            format!("only the holder of {} revokes", d.designated_by_post_id),
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
            "usage officers are recorded by the system administrator",
        );
    }
    let unit = cx.unit(unit_id)?;
    cx.person(person_id)?;
    if !unit.user_division {
        return refuse(
            "usage_officer.not_user_division",
            ART_2_ITEM_2,
            format!("{unit_id} is not a user division"),
        );
    }
    let mut out = Vec::new();
    if let Some(t) = cx.l.usage_officer(unit_id) {
        if t.person_id == *person_id || !replace_current {
            return refuse(
                "usage_officer.already_appointed",
                ART_8_1,
                format!(
                    "{unit_id} has usage officer {}; one per division at a time",
                    t.person_id
                ),
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
        )?);
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
            format!("{person_id} is not the head of {unit_id}: record the reason"),
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
    )?);
    Ok(out)
}

pub(super) fn end_usage_officer(cx: &Cx<'_>, unit_id: &str) -> Result<Vec<Proposed>, Refusal> {
    if !cx.is_admin() {
        return refuse(
            "usage_officer.not_administrator",
            ART_8_1,
            "usage officers are recorded by the system administrator",
        );
    }
    cx.unit(unit_id)?;
    let Some(t) = cx.l.usage_officer(unit_id) else {
        return refuse(
            "usage_officer.none",
            ART_8_1,
            format!("{unit_id} has no usage officer"),
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
            format!("{unit_id} is not a user division"),
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
            format!(
                "users of {unit_id} are registered by its usage officer, not {}",
                cx.actor
            ),
        );
    }
    if cx.l.user_registration(person_id).is_some() {
        return refuse(
            "user.already_registered",
            ART_2_ITEM_3,
            format!("{person_id} is already a user"),
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
            format!("{person_id} is not a user"),
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
            format!(
                "users of {} are deregistered by its usage officer",
                r.unit_id
            ),
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
            format!(
                "{} is neither the system administrator nor a supervisor",
                cx.actor
            ),
        )
    }
}

//! Organisation, annex, permissions and corrections.

use govledger_schema::events::*;

use super::articles::*;
use super::{Command, Cx, Proposed, Refusal, check_id, need_text, propose, refuse};

/// Personnel records are the city's decisions (辞令), recorded by the administrator or a
/// supervisor; the article they touch is the one that gives posts their roles.
const ORG: Article = ORGANISATION;

pub(super) fn decide(cx: &Cx<'_>, cmd: &Command) -> Result<Vec<Proposed>, Refusal> {
    match cmd {
        Command::EstablishUnit {
            unit_id,
            name,
            parent_id,
            bureau,
            user_division,
        } => {
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
                    unit_id: unit_id.clone(),
                    name: name.clone(),
                    parent_id: parent_id.clone(),
                    bureau: bureau.clone(),
                    user_division: *user_division,
                },
                ART_2_ITEM_2,
                None,
            ))
        }
        Command::EstablishPost {
            post_id,
            title,
            unit_id,
            heads_unit,
        } => {
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
                    post_id: post_id.clone(),
                    title: title.clone(),
                    unit_id: unit_id.clone(),
                    heads_unit: *heads_unit,
                },
                ORG,
                None,
            ))
        }
        Command::RegisterPerson {
            person_id,
            name,
            unit_id,
            personnel_order,
        } => {
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
                    person_id: person_id.clone(),
                    name: name.clone(),
                    unit_id: unit_id.clone(),
                    personnel_order: personnel_order.clone(),
                },
                PERSONNEL_ORDER,
                None,
            ))
        }
        Command::TransferPerson {
            person_id,
            unit_id,
            personnel_order,
        } => {
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
                    person_id: person_id.clone(),
                    from_unit_id: from,
                    to_unit_id: unit_id.clone(),
                    personnel_order: personnel_order.clone(),
                },
                PERSONNEL_ORDER,
                None,
            ))
        }
        Command::AppointToPost {
            post_id,
            person_id,
            personnel_order,
            replace_current,
        } => {
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
                        post_id: post_id.clone(),
                        person_id: current.to_owned(),
                        personnel_order: personnel_order.clone(),
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
                        person_id: person_id.clone(),
                        from_unit_id: from,
                        to_unit_id: post.unit_id.clone(),
                        personnel_order: personnel_order.clone(),
                    },
                    PERSONNEL_ORDER,
                    None,
                )?);
            }
            out.push(propose(
                &format!("post/{post_id}"),
                HolderAppointed {
                    post_id: post_id.clone(),
                    person_id: person_id.clone(),
                    personnel_order: personnel_order.clone(),
                },
                PERSONNEL_ORDER,
                None,
            )?);
            Ok(out)
        }
        Command::EndAppointment {
            post_id,
            personnel_order,
        } => {
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
                    post_id: post_id.clone(),
                    person_id: current.to_owned(),
                    personnel_order: personnel_order.clone(),
                },
                PERSONNEL_ORDER,
                None,
            ))
        }
        Command::DesignateOperationStaff { person_id } => {
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
                    person_id: person_id.clone(),
                    role: StaffRole::SystemOperationStaff,
                    designated_by_post_id: admin_post,
                },
                ART_4_3,
                None,
            ))
        }
        Command::DesignateInformationManagementStaff {
            person_id,
            officer_post_id,
        } => {
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
                    person_id: person_id.clone(),
                    role: StaffRole::InformationManagementStaff,
                    designated_by_post_id: post_id,
                },
                ART_5_4,
                None,
            ))
        }
        Command::RevokeDesignation {
            person_id,
            role,
            reason,
        } => {
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
                    person_id: person_id.clone(),
                    role: *role,
                    designated_by_post_id: d.designated_by_post_id.clone(),
                    reason: reason.clone(),
                },
                article,
                None,
            ))
        }
        Command::AppointUsageOfficer {
            unit_id,
            person_id,
            reason_not_head,
            replace_current,
        } => {
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
                        unit_id: unit_id.clone(),
                        person_id: t.person_id.clone(),
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
                    unit_id: unit_id.clone(),
                    person_id: person_id.clone(),
                    reason_not_head: reason_not_head.clone(),
                },
                if is_head { ART_8_1_AND_8_2 } else { ART_8_2 },
                None,
            )?);
            Ok(out)
        }
        Command::EndUsageOfficer { unit_id } => {
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
                    unit_id: unit_id.clone(),
                    person_id: t.person_id.clone(),
                },
                ART_8_1,
                None,
            ))
        }
        Command::RegisterUser { person_id } => {
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
                    person_id: person_id.clone(),
                    unit_id,
                },
                ART_2_ITEM_3_AND_8_3,
                None,
            ))
        }
        Command::DeregisterUser { person_id, reason } => {
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
                    person_id: person_id.clone(),
                    unit_id: r.unit_id.clone(),
                    reason: reason.clone(),
                },
                ART_2_ITEM_3_AND_8_3,
                None,
            ))
        }
        Command::AmendRegulation {
            in_force_from,
            provision,
            note,
        } => {
            regulation_recorder(cx, SUPPLEMENTARY)?;
            need_text("provision", provision)?;
            one(propose(
                "regulation",
                RegulationAmended {
                    in_force_from: *in_force_from,
                    provision: provision.clone(),
                    note: note.clone(),
                },
                SUPPLEMENTARY,
                None,
            ))
        }
        Command::AmendAnnex {
            asset_id,
            name,
            businesses,
            officer_post_ids,
            bureau,
        } => {
            regulation_recorder(cx, ART_5_1_AND_ANNEX)?;
            check_id("asset_id", asset_id)?;
            need_text("name", name)?;
            if officer_post_ids.is_empty() {
                return refuse(
                    "annex.no_officer",
                    ART_5_1_AND_ANNEX,
                    "an asset needs at least one officer post",
                );
            }
            for p in officer_post_ids {
                cx.post(p)?;
            }
            let stream = format!("asset/{asset_id}");
            if cx.l.state.asset(asset_id).is_some() {
                one(propose(
                    &stream,
                    AssetAnnexAmended {
                        asset_id: asset_id.clone(),
                        name: name.clone(),
                        businesses: businesses.clone(),
                        officer_post_ids: officer_post_ids.clone(),
                        bureau: bureau.clone(),
                    },
                    ART_5_1_AND_ANNEX,
                    None,
                ))
            } else {
                let annex_row = u32::try_from(cx.l.state.assets().count() + 1).unwrap_or(u32::MAX);
                one(propose(
                    &stream,
                    AssetRegistered {
                        asset_id: asset_id.clone(),
                        annex_row,
                        name: name.clone(),
                        businesses: businesses.clone(),
                        officer_post_ids: officer_post_ids.clone(),
                        bureau: bureau.clone(),
                    },
                    ART_5_1_AND_ANNEX,
                    None,
                ))
            }
        }
        Command::RequestPermission {
            person_id,
            asset_id,
            scope,
            until,
        } => {
            cx.person(person_id)?;
            cx.asset(asset_id)?;
            need_text("scope", scope)?;
            let Some(reg) = cx.l.user_registration(person_id) else {
                return refuse(
                    "permission.not_a_user",
                    ART_2_ITEM_3,
                    format!("{person_id} is not a registered user"),
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
                    format!(
                        "requests for users of {} come from its usage officer",
                        reg.unit_id
                    ),
                );
            }
            not_retired(cx, asset_id)?;
            let request_id = format!("PR-{:05}", cx.l.state.counts().permission_requests + 1);
            one(propose(
                &format!("asset/{asset_id}"),
                PermissionRequested {
                    request_id,
                    person_id: person_id.clone(),
                    asset_id: asset_id.clone(),
                    scope: scope.clone(),
                    until: *until,
                    unit_id: reg.unit_id.clone(),
                },
                ART_8_3_AND_5_2,
                None,
            ))
        }
        Command::GrantPermission {
            person_id,
            asset_id,
            scope,
            until,
            request_id,
        } => {
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
                    format!("{person_id} is not a registered user"),
                );
            };
            if cx.l.active_grant(asset_id, person_id).is_some() {
                return refuse(
                    "permission.already_granted",
                    ART_5_2,
                    format!("{person_id} may already use {asset_id}"),
                );
            }
            if until.is_some_and(|u| u <= cx.at) {
                return refuse(
                    "permission.until_not_after_effective",
                    ART_5_2,
                    "the end date must be after the grant takes effect",
                );
            }
            check_request(cx, request_id.as_deref(), person_id, asset_id)?;
            one(propose(
                &format!("asset/{asset_id}"),
                PermissionGranted {
                    person_id: person_id.clone(),
                    asset_id: asset_id.clone(),
                    unit_id: reg.unit_id.clone(),
                    scope: scope.clone(),
                    until: *until,
                    officer_post_id,
                    request_id: request_id.clone(),
                },
                ART_5_2_AND_10_1,
                None,
            ))
        }
        Command::RefusePermission {
            person_id,
            asset_id,
            reason,
            request_id,
        } => {
            cx.asset(asset_id)?;
            cx.person(person_id)?;
            need_text("reason", reason)?;
            let officer_post_id = deciding_officer(cx, asset_id)?;
            check_request(cx, request_id.as_deref(), person_id, asset_id)?;
            one(propose(
                &format!("asset/{asset_id}"),
                PermissionRefused {
                    person_id: person_id.clone(),
                    asset_id: asset_id.clone(),
                    officer_post_id,
                    reason: reason.clone(),
                    request_id: request_id.clone(),
                },
                ART_5_2_AND_10_1,
                None,
            ))
        }
        Command::RevokePermission {
            person_id,
            asset_id,
            reason,
        } => {
            cx.asset(asset_id)?;
            cx.person(person_id)?;
            need_text("reason", reason)?;
            let officer_post_id = deciding_officer(cx, asset_id)?;
            if cx.l.active_grant(asset_id, person_id).is_none() {
                return refuse(
                    "permission.not_granted",
                    ART_5_2,
                    format!("{person_id} may not use {asset_id} at {}", cx.at),
                );
            }
            one(propose(
                &format!("asset/{asset_id}"),
                PermissionRevoked {
                    person_id: person_id.clone(),
                    asset_id: asset_id.clone(),
                    officer_post_id,
                    reason: reason.clone(),
                },
                ART_5_2_AND_10_1,
                None,
            ))
        }
        Command::Correct {
            corrects_seq,
            corrects_event_id,
            reason,
        } => {
            need_text("reason", reason)?;
            let Some(e) = cx.l.state.event(*corrects_seq) else {
                return refuse(
                    "correction.unknown_event",
                    RECORDING,
                    format!("no event at seq {corrects_seq}"),
                );
            };
            if corrects_event_id.is_some_and(|id| id != e.id) {
                return refuse(
                    "correction.id_mismatch",
                    RECORDING,
                    format!("the event at seq {corrects_seq} has id {}", e.id),
                );
            }
            if e.event_type == CorrectionRecorded::EVENT_TYPE {
                return refuse(
                    "correction.of_correction",
                    RECORDING,
                    "a correction is not itself corrected; record a new decision",
                );
            }
            if let Some(by) = cx.l.state.voided_by(*corrects_seq) {
                return refuse(
                    "correction.already_corrected",
                    RECORDING,
                    format!("seq {corrects_seq} was corrected by seq {by}"),
                );
            }
            // The one who recorded it, or the administrator or a supervisor, corrects it.
            if e.actor != cx.actor && !cx.is_admin() && cx.supervisor_posts_held().is_empty() {
                return refuse(
                    "correction.not_authorised",
                    RECORDING,
                    format!("seq {corrects_seq} was recorded by {}", e.actor),
                );
            }
            one(propose(
                &e.stream,
                CorrectionRecorded {
                    corrects_seq: *corrects_seq,
                    corrects_event_id: e.id,
                    reason: reason.clone(),
                },
                RECORDING_CORRECTION,
                None,
            ))
        }
        _ => refuse(
            "command.unroutable",
            RECORDING,
            "internal: command sent to the wrong module",
        ),
    }
}

fn one(p: Result<Proposed, Refusal>) -> Result<Vec<Proposed>, Refusal> {
    p.map(|p| vec![p])
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

/// The regulation and its annex are recorded by the administrator or the supervisor of the
/// common parts.
/// The administrator or the common parts' supervisor records the regulation and its annex; a
/// refusal cites `basis`, what the act itself records.
fn regulation_recorder(cx: &Cx<'_>, basis: Article) -> Result<(), Refusal> {
    let common = cx.l.supervisor_for_common_parts();
    if cx.is_admin() || common.is_some_and(|p| cx.l.holds_post(cx.actor, p)) {
        Ok(())
    } else {
        refuse(
            "regulation.not_authorised",
            basis,
            "the regulation is recorded by the administrator or the supervisor",
        )
    }
}

fn not_retired(cx: &Cx<'_>, asset_id: &str) -> Result<(), Refusal> {
    if let Some((s, id)) = cx.l.retired(asset_id) {
        return refuse(
            "permission.asset_retired",
            ART_7_1,
            format!("{asset_id} is retired since {} ({id}, seq {})", s.at, s.seq),
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
            format!(
                "{} holds no officer post of {asset_id} at {}",
                cx.actor, cx.at
            ),
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
            format!("no permission request {id}"),
        );
    };
    if r.person_id != person_id || r.asset_id != asset_id {
        return refuse(
            "permission.request_mismatch",
            ART_5_2,
            format!("request {id} is for {} on {}", r.person_id, r.asset_id),
        );
    }
    if r.answered.iter().any(|s| cx.l.happened(s)) {
        return refuse(
            "permission.request_answered",
            ART_5_2,
            format!("request {id} is already answered"),
        );
    }
    Ok(())
}

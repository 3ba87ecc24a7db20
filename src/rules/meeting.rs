//! The operation management meeting and its staff meeting (第12条).

use chrono::NaiveDate;
use govledger_schema::events::*;

use super::articles::*;
use super::{Cx, Proposed, Refusal, check_id, need_text, one, propose, refuse};

pub(super) fn convene_meeting(
    cx: &Cx<'_>,
    meeting_kind: &MeetingKind,
    form: &MeetingForm,
    urgency_reason: &Option<String>,
    members: &[String],
    agenda: &[String],
    held_on: &NaiveDate,
) -> Result<Vec<Proposed>, Refusal> {
    if members.is_empty() {
        return refuse("meeting.no_members", ART_12, "a meeting has members");
    }
    for m in members {
        cx.person(m)?;
    }
    let (post, acting_for, basis) = match meeting_kind {
        MeetingKind::Management => {
            let sup = cx.supervisor_posts_held().into_iter().next();
            let (post, acting_for) = match sup {
                Some(p) => (p, None),
                None => cx.as_supervisor(
                    &[cx.supervisor_of_common_parts()?],
                    "convening the operation management meeting",
                    ART_12_1,
                )?,
            };
            // 第12条第1項: the supervisor convenes the officers needed.
            for m in members {
                let roles = cx.l.person_roles(m);
                let ok = roles.iter().any(|r| {
                    matches!(
                        r.role,
                        Role::InformationManagementOfficer
                            | Role::SystemSupervisor
                            | Role::SystemAdministrator
                    )
                });
                if !ok {
                    return refuse(
                        "meeting.member_not_officer",
                        ART_12_1,
                        format!("{m} is not an information management officer at {}", cx.at),
                    );
                }
            }
            if *form == MeetingForm::Circulation
                && urgency_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return refuse(
                    "meeting.circulation_without_urgency",
                    ART_12_2,
                    "a circulation replaces a meeting only when urgent: give the reason",
                );
            }
            (
                post,
                acting_for,
                if *form == MeetingForm::Circulation {
                    ART_12_2
                } else {
                    ART_12_1
                },
            )
        }
        MeetingKind::Staff => {
            // 第12条第4項: the administrator convenes the staff meeting.
            let Some(admin) = cx.admin_post() else {
                return refuse(
                    "meeting.staff_not_administrator",
                    ART_12_4,
                    "the staff meeting is convened by the system administrator",
                );
            };
            if *form == MeetingForm::Circulation {
                return refuse(
                    "meeting.circulation_only_management",
                    ART_12_2,
                    "only the operation management meeting may be held by circulation",
                );
            }
            (admin, None, ART_12_3_AND_12_4)
        }
    };
    let id = format!("MTG-{:04}", cx.l.state.counts().meetings + 1);
    one(propose(
        &format!("meeting/{id}"),
        MeetingConvened {
            meeting_id: id.clone(),
            kind: *meeting_kind,
            form: *form,
            urgency_reason: urgency_reason.clone(),
            convener_post_id: post,
            members: members.to_vec(),
            agenda: agenda.to_vec(),
            held_on: *held_on,
        },
        basis,
        acting_for,
    ))
}

pub(super) fn record_minutes(
    cx: &Cx<'_>,
    meeting_id: &str,
    attendees: &[String],
    agenda: &[String],
    resolutions: &[String],
) -> Result<Vec<Proposed>, Refusal> {
    let m = meeting(cx, meeting_id)?;
    let acting_for = convener(cx, m)?;
    for a in attendees {
        cx.person(a)?;
    }
    one(propose(
        &format!("meeting/{meeting_id}"),
        MeetingMinutesRecorded {
            meeting_id: meeting_id.to_owned(),
            attendees: attendees.to_vec(),
            agenda: agenda.to_vec(),
            resolutions: resolutions.to_vec(),
        },
        ART_12,
        acting_for,
    ))
}

pub(super) fn sign_circulation(
    cx: &Cx<'_>,
    meeting_id: &str,
    position: &SignaturePosition,
    comment: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    let m = meeting(cx, meeting_id)?;
    if m.form != MeetingForm::Circulation {
        return refuse(
            "meeting.not_circulation",
            ART_12_2,
            format!("{meeting_id} is held in person"),
        );
    }
    if !m.members.iter().any(|p| p == cx.actor) {
        return refuse(
            "meeting.not_member",
            ART_12_2,
            format!("{} is not a member of {meeting_id}", cx.actor),
        );
    }
    let v = cx.l.meeting_view(m);
    if v.signatures.iter().any(|s| s.person_id == cx.actor) {
        return refuse(
            "meeting.already_signed",
            ART_12_2,
            format!("{} has signed {meeting_id}", cx.actor),
        );
    }
    if v.resolution.is_some() {
        return refuse(
            "meeting.resolved",
            ART_12_2,
            format!("{meeting_id} is resolved"),
        );
    }
    one(propose(
        &format!("meeting/{meeting_id}"),
        MeetingSigned {
            meeting_id: meeting_id.to_owned(),
            person_id: cx.actor.to_owned(),
            position: *position,
            comment: comment.clone(),
        },
        ART_12_2,
        None,
    ))
}

pub(super) fn resolve_meeting(
    cx: &Cx<'_>,
    meeting_id: &str,
    resolution: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("resolution", resolution)?;
    let m = meeting(cx, meeting_id)?;
    let acting_for = convener(cx, m)?;
    let v = cx.l.meeting_view(m);
    if v.resolution.is_some() {
        return refuse(
            "meeting.resolved",
            ART_12,
            format!("{meeting_id} is resolved"),
        );
    }
    // 第12条第2項: a circulation resolves only when every member has signed.
    if !v.unsigned.is_empty() {
        return refuse(
            "meeting.signature_missing",
            ART_12_2,
            format!("{:?} have not signed {meeting_id}", v.unsigned),
        );
    }
    one(propose(
        &format!("meeting/{meeting_id}"),
        MeetingResolved {
            meeting_id: meeting_id.to_owned(),
            resolution: resolution.to_owned(),
        },
        if m.form == MeetingForm::Circulation {
            ART_12_2
        } else {
            ART_12_1
        },
        acting_for,
    ))
}

fn meeting<'a>(cx: &Cx<'a>, id: &str) -> Result<&'a govledger_projections::Meeting, Refusal> {
    check_id("meeting_id", id)?;
    cx.l.state
        .meeting(id)
        .filter(|m| cx.l.happened(&m.convened))
        .ok_or_else(|| Refusal {
            rule: "meeting.unknown",
            article: ART_12.cite,
            message: format!("no meeting {id}"),
        })
}

/// The convener (holder of the convening post), or the administrator for a supervisor.
fn convener(cx: &Cx<'_>, m: &govledger_projections::Meeting) -> Result<Option<String>, Refusal> {
    if cx.l.holds_post(cx.actor, &m.convener_post_id) {
        return Ok(None);
    }
    let is_sup_post =
        cx.l.bound_posts(Role::SystemSupervisor)
            .iter()
            .any(|b| b.post_id == m.convener_post_id);
    if is_sup_post && cx.is_admin() {
        return Ok(Some(m.convener_post_id.clone()));
    }
    refuse(
        "meeting.not_convener",
        ART_12,
        format!(
            "{} did not convene {} (post {})",
            cx.actor, m.id, m.convener_post_id
        ),
    )
}

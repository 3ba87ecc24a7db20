//! The operation management meeting and its staff meeting (第12条).

use chrono::NaiveDate;
use govledger_schema::events::*;

use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

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
        return refuse(
            "meeting.no_members",
            ART_12,
            msg!("会議には構成員が必要です"; "a meeting has members"),
        );
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
                    Text::new(
                        "運用管理会議の招集",
                        "convening the operation management meeting",
                    ),
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
                        msg!("{m} は {} に情報管理責任者、システム総括者又はシステム管理者のいずれでもありません", cx.at; format!("{m} is not an information management officer at {}", cx.at)),
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
                    msg!("持ち回りによる開催は緊急の場合に限られます。その理由を記載してください"; "a circulation replaces a meeting only when urgent: give the reason"),
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
                    msg!("担当者会議はシステム管理者が招集します"; "the staff meeting is convened by the system administrator"),
                );
            };
            if *form == MeetingForm::Circulation {
                return refuse(
                    "meeting.circulation_only_management",
                    ART_12_2,
                    msg!("持ち回りで開催できるのは運用管理会議だけです"; "only the operation management meeting may be held by circulation"),
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
            msg!("{meeting_id} は会議として開催されています（持ち回りではありません）"; format!("{meeting_id} is held in person")),
        );
    }
    if !m.members.iter().any(|p| p == cx.actor) {
        return refuse(
            "meeting.not_member",
            ART_12_2,
            msg!("{} は {meeting_id} の構成員ではありません", cx.actor; format!("{} is not a member of {meeting_id}", cx.actor)),
        );
    }
    let v = cx.l.meeting_view(m);
    if v.signatures.iter().any(|s| s.person_id == cx.actor) {
        return refuse(
            "meeting.already_signed",
            ART_12_2,
            msg!("{} は既に {meeting_id} に署名しています", cx.actor; format!("{} has signed {meeting_id}", cx.actor)),
        );
    }
    if v.resolution.is_some() {
        return refuse(
            "meeting.resolved",
            ART_12_2,
            msg!("{meeting_id} は議決済みです"; format!("{meeting_id} is resolved")),
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
            msg!("{meeting_id} は議決済みです"; format!("{meeting_id} is resolved")),
        );
    }
    // 第12条第2項: a circulation resolves only when every member has signed.
    if !v.unsigned.is_empty() {
        return refuse(
            "meeting.signature_missing",
            ART_12_2,
            msg!("{:?} の署名がまだありません（{meeting_id}）", v.unsigned; format!("{:?} have not signed {meeting_id}", v.unsigned)),
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
            message: msg!("会議 {id} はありません"; format!("no meeting {id}")),
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
        msg!("{} は {}（職 {}）の招集者ではありません", cx.actor, m.id, m.convener_post_id; format!(
            "{} did not convene {} (post {})",
            cx.actor, m.id, m.convener_post_id
        )),
    )
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const KNOWN: Text = Text::new(
    "会議が効力発生までに招集されていること",
    "the meeting was convened by the effective time",
);
const CONVENER: Text = Text::new(
    "招集した職の在職者（システム総括者の招集ならその代理のシステム管理者も）",
    "the holder of the convening post (for a supervisor's meeting, also the system administrator as deputy)",
);
const ACTOR_IS_CONVENER: Text = Text::new(
    "実行者が招集した職にあること（又はシステム総括者の代理のシステム管理者）",
    "the actor holds the convening post, or is the administrator deputising for its supervisor",
);

pub(super) const CONVENE_MEETING: CommandSpec = CommandSpec {
    articles: &[ART_12_1, ART_12_2, ART_12_3_AND_12_4],
    who: Text::new(
        "運用管理会議はシステム総括者（又は代理のシステム管理者）、担当者会議はシステム管理者",
        "the operation management meeting: a supervisor (or the administrator as deputy); the staff meeting: the system administrator",
    ),
    preconditions: &[
        Text::new(
            "構成員が一人以上で、各人が登録されていること",
            "there are members, each registered",
        ),
        Text::new(
            "運用管理会議：実行者がシステム総括者（又は代理のシステム管理者）で、構成員が情報管理責任者、システム総括者又はシステム管理者であること（第12条第1項）",
            "management meeting: the actor is a supervisor (or the administrator as deputy) and every member an officer, a supervisor or the administrator (第12条第1項)",
        ),
        Text::new(
            "持ち回りは運用管理会議の緊急の場合に限り、その理由（urgency_reason）を記載すること（第12条第2項）",
            "a circulation is for an urgent management meeting only, with urgency_reason (第12条第2項)",
        ),
        Text::new(
            "担当者会議：実行者がシステム管理者であること（第12条第4項）",
            "staff meeting: the actor is the system administrator (第12条第4項)",
        ),
    ],
};

pub(super) const RECORD_MINUTES: CommandSpec = CommandSpec {
    articles: &[ART_12],
    who: CONVENER,
    preconditions: &[
        KNOWN,
        ACTOR_IS_CONVENER,
        Text::new(
            "各出席者が登録されていること",
            "each attendee is registered",
        ),
    ],
};

pub(super) const SIGN_CIRCULATION: CommandSpec = CommandSpec {
    articles: &[ART_12_2],
    who: Text::new("持ち回りの構成員", "a member of the circulation"),
    preconditions: &[
        KNOWN,
        Text::new(
            "持ち回りによる開催であること",
            "the meeting is held by circulation",
        ),
        Text::new(
            "実行者がその構成員であること",
            "the actor is one of its members",
        ),
        Text::new(
            "実行者がまだ署名していないこと",
            "the actor has not signed yet",
        ),
        Text::new("まだ議決されていないこと", "it is not resolved yet"),
    ],
};

pub(super) const RESOLVE_MEETING: CommandSpec = CommandSpec {
    articles: &[ART_12_1, ART_12_2],
    who: CONVENER,
    preconditions: &[
        KNOWN,
        ACTOR_IS_CONVENER,
        Text::new("まだ議決されていないこと", "it is not resolved yet"),
        Text::new(
            "持ち回りなら、すべての構成員が署名していること（第12条第2項）",
            "for a circulation, every member has signed (第12条第2項)",
        ),
    ],
};

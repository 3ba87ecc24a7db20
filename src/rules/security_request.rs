//! Security improvement requests (第10条第2項).

use chrono::NaiveDate;
use govledger_projections::SecurityRequestStatus;
use govledger_schema::events::*;

use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

pub(super) fn issue_security_request(
    cx: &Cx<'_>,
    addressee: &Addressee,
    finding: &str,
    standard: &str,
    due: &NaiveDate,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("finding", finding)?;
    need_text("standard", standard)?;
    let bureau = match addressee {
        Addressee::Officer { post_id } => {
            let post = cx.post(post_id)?;
            if !cx.l.is_officer_post(post_id) {
                return refuse(
                    "security.addressee_not_officer",
                    ART_10_2,
                    msg!("{post_id} は情報管理責任者の職ではありません"; format!("{post_id} is not an officer post")),
                );
            }
            cx.unit(&post.unit_id)?.bureau.clone()
        }
        Addressee::UsageOfficer { unit_id } => {
            let unit = cx.unit(unit_id)?;
            if cx.l.usage_officer(unit_id).is_none() {
                return refuse(
                    "security.no_usage_officer",
                    ART_10_2,
                    msg!("{unit_id} には利用責任者がいません"; format!("{unit_id} has no usage officer")),
                );
            }
            unit.bureau.clone()
        }
    };
    let sup = cx.supervisor_of_bureau(&bureau)?;
    let (post, acting_for) = cx.as_supervisor(
        &[sup],
        Text::new("セキュリティ改善要求", "a security improvement request"),
        ART_10_2,
    )?;
    if *due <= cx.at.date_naive() {
        return refuse(
            "security.due_not_after_issue",
            ART_10_2,
            msg!("期限は要求より後でなければなりません"; "the due date must be after the request"),
        );
    }
    let id = format!("SR-{:04}", cx.l.state.counts().security_requests + 1);
    one(propose(
        &format!("security_request/{id}"),
        SecurityRequestIssued {
            request_id: id.clone(),
            supervisor_post_id: post,
            addressee: addressee.clone(),
            finding: finding.to_owned(),
            standard: standard.to_owned(),
            due: *due,
        },
        ART_10_2,
        acting_for,
    ))
}

pub(super) fn respond_to_security_request(
    cx: &Cx<'_>,
    request_id: &str,
    response: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("response", response)?;
    let r = security_request(cx, request_id)?;
    let is_addressee = match &r.addressee {
        Addressee::Officer { post_id } => cx.l.holds_post(cx.actor, post_id),
        Addressee::UsageOfficer { unit_id } => {
            cx.l.usage_officer(unit_id)
                .is_some_and(|t| t.person_id == cx.actor)
        }
    };
    if !is_addressee {
        return refuse(
            "security.not_addressee",
            ART_10_2,
            msg!("{} は {request_id} の宛先ではありません", cx.actor; format!("{} is not the addressee of {request_id}", cx.actor)),
        );
    }
    if cx.l.security_request_view(r).status == SecurityRequestStatus::Closed {
        return refuse(
            "security.closed",
            ART_10_2,
            msg!("{request_id} は終了しています"; format!("{request_id} is closed")),
        );
    }
    one(propose(
        &format!("security_request/{request_id}"),
        SecurityRequestResponded {
            request_id: request_id.to_owned(),
            response: response.to_owned(),
        },
        ART_10_2,
        None,
    ))
}

pub(super) fn close_security_request(
    cx: &Cx<'_>,
    request_id: &str,
    note: &str,
) -> Result<Vec<Proposed>, Refusal> {
    let r = security_request(cx, request_id)?;
    let (_, acting_for) = cx.as_supervisor(
        std::slice::from_ref(&r.supervisor_post_id),
        Text::new("要求の終了", "closing the request"),
        ART_10_2,
    )?;
    if cx.l.security_request_view(r).status == SecurityRequestStatus::Closed {
        return refuse(
            "security.closed",
            ART_10_2,
            msg!("{request_id} は終了しています"; format!("{request_id} is closed")),
        );
    }
    one(propose(
        &format!("security_request/{request_id}"),
        SecurityRequestClosed {
            request_id: request_id.to_owned(),
            note: note.to_owned(),
        },
        ART_10_2,
        acting_for,
    ))
}

pub(super) fn reopen_security_request(
    cx: &Cx<'_>,
    request_id: &str,
    reason: &str,
    due: &NaiveDate,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let r = security_request(cx, request_id)?;
    let (_, acting_for) = cx.as_supervisor(
        std::slice::from_ref(&r.supervisor_post_id),
        Text::new("要求の再開", "reopening the request"),
        ART_10_2,
    )?;
    if cx.l.security_request_view(r).status == SecurityRequestStatus::Open {
        return refuse(
            "security.open",
            ART_10_2,
            msg!("{request_id} は終了していません（再開できるのは終了した要求です）"; format!("{request_id} is open")),
        );
    }
    if *due <= cx.at.date_naive() {
        return refuse(
            "security.due_not_after_issue",
            ART_10_2,
            msg!("期限は再開より後でなければなりません"; "the due date must be after the reopening"),
        );
    }
    one(propose(
        &format!("security_request/{request_id}"),
        SecurityRequestReopened {
            request_id: request_id.to_owned(),
            reason: reason.to_owned(),
            due: *due,
        },
        ART_10_2,
        acting_for,
    ))
}

fn security_request<'a>(
    cx: &Cx<'a>,
    id: &str,
) -> Result<&'a govledger_projections::SecurityRequest, Refusal> {
    check_id("request_id", id)?;
    cx.l.state
        .security_request(id)
        .filter(|r| cx.l.happened(&r.issued))
        .ok_or_else(|| Refusal {
            rule: "security.unknown",
            article: ART_10_2.cite,
            message: msg!("セキュリティ改善要求 {id} はありません"; format!("no security request {id}")),
        })
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const SUPERVISOR: Text = Text::new(
    "宛先の局を所管するシステム総括者（又は代理のシステム管理者、第4条第1項）",
    "the supervisor of the addressee's bureau (or the system administrator as deputy, 第4条第1項)",
);
const KNOWN: Text = Text::new(
    "要求が効力発生までに出されていること",
    "the request was issued by the effective time",
);
const ACTOR_IS_ITS_SUPERVISOR: Text = Text::new(
    "実行者が要求を出したシステム総括者の職にあること（又は代理のシステム管理者）",
    "the actor holds the requesting supervisor's post, or is the administrator as deputy",
);

pub(super) const ISSUE_SECURITY_REQUEST: CommandSpec = CommandSpec {
    articles: &[ART_10_2],
    who: SUPERVISOR,
    preconditions: &[
        Text::new(
            "宛先が情報管理責任者の職か、利用責任者のいる利用課であること",
            "the addressee is an officer post, or a division that has a usage officer",
        ),
        Text::new(
            "実行者が宛先の局のシステム総括者（又は代理のシステム管理者）であること",
            "the actor is the supervisor of the addressee's bureau, or the administrator as deputy",
        ),
        Text::new(
            "期限が要求の日より後であること",
            "the due date is after the request",
        ),
    ],
};

pub(super) const RESPOND_TO_SECURITY_REQUEST: CommandSpec = CommandSpec {
    articles: &[ART_10_2],
    who: Text::new(
        "要求の宛先（情報管理責任者又は利用責任者）",
        "the request's addressee (the officer or the usage officer)",
    ),
    preconditions: &[
        KNOWN,
        Text::new(
            "実行者が要求の宛先であること",
            "the actor is the request's addressee",
        ),
        Text::new("要求が終了していないこと", "the request is not closed"),
    ],
};

pub(super) const CLOSE_SECURITY_REQUEST: CommandSpec = CommandSpec {
    articles: &[ART_10_2],
    who: SUPERVISOR,
    preconditions: &[
        KNOWN,
        ACTOR_IS_ITS_SUPERVISOR,
        Text::new("要求が終了していないこと", "the request is not closed"),
    ],
};

pub(super) const REOPEN_SECURITY_REQUEST: CommandSpec = CommandSpec {
    articles: &[ART_10_2],
    who: SUPERVISOR,
    preconditions: &[
        KNOWN,
        ACTOR_IS_ITS_SUPERVISOR,
        Text::new("要求が終了していること", "the request is closed"),
        Text::new(
            "新たな期限が再開の日より後であること",
            "the new due date is after the reopening",
        ),
    ],
};

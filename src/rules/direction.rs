//! The supervisor's directives (第13条) and direction of officers (第3条第3項, 第5条第3項).

use govledger_schema::events::*;

use super::articles::*;
use super::{Cx, Proposed, Refusal, need_text, one, propose, refuse};

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
    let (post, acting_for) = cx.as_supervisor(&[sup], "a directive", ART_13)?;
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
                    format!("{post_id} is no information management officer's post"),
                );
            }
            let Some(holder) = cx.l.holder(post_id) else {
                return refuse(
                    "direction.post_vacant",
                    ART,
                    format!("{post_id} has no holder at {}", cx.at),
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
                    format!("{unit_id} has no usage officer at {}", cx.at),
                );
            };
            (unit.bureau.clone(), term.person_id.clone(), ART)
        }
    };
    let sup = cx.supervisor_of_bureau(&bureau)?;
    let (post, acting_for) = cx.as_supervisor(&[sup], "directing an officer", ART)?;
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

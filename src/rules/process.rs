//! Processes: modifications (第6条), retirements (第7条), rosters and incidents (第9条,
//! 第11条), security improvement requests (第10条第2項), meetings (第12条), directives (第13条).

use govledger_projections::{Missing, ModificationState, RetirementState, RetirementView};
use govledger_schema::events::*;

use super::articles::*;
use super::{Command, Cx, Proposed, Refusal, check_id, need_text, propose, refuse};

pub(super) fn decide(cx: &Cx<'_>, cmd: &Command) -> Result<Vec<Proposed>, Refusal> {
    match cmd {
        Command::ProposeModification {
            title,
            description,
            asset_ids,
            touches_common_parts,
            proposer_post_id,
        } => {
            need_text("title", title)?;
            for a in asset_ids {
                cx.asset(a)?;
                if cx.l.retired(a).is_some() {
                    return refuse(
                        "modification.asset_retired",
                        ART_7_1,
                        format!("{a} is retired"),
                    );
                }
            }
            if asset_ids.is_empty() && !touches_common_parts {
                return refuse(
                    "modification.touches_nothing",
                    ART_6_1,
                    "name the assets touched or the common parts",
                );
            }
            // The proposer: an officer of one of the assets (第6条第1項第1号), or the supervisor
            // of the common parts for a common-parts modification (第6条第1項第2号).
            let own: Vec<String> = match proposer_post_id {
                Some(p) => vec![p.clone()],
                None => asset_ids
                    .iter()
                    .flat_map(|a| cx.officer_posts_held_for(a))
                    .collect(),
            };
            // The basis is the item the proposer acts under, so that a refusal of either
            // path cites what the accepted act records.
            let (post, acting_for, basis) = if let Some(p) = own
                .iter()
                .find(|p| cx.l.holds_post(cx.actor, p) && cx.l.is_officer_post(p))
            {
                if !asset_ids.iter().any(|a| {
                    cx.l.asset(a)
                        .is_some_and(|v| v.officer_post_ids.contains(p))
                }) {
                    return refuse(
                        "modification.not_own_asset",
                        ART_6_1_1,
                        format!("{p} manages none of {asset_ids:?}"),
                    );
                }
                (p.clone(), None, ART_6_1_1)
            } else if *touches_common_parts {
                let common = cx.supervisor_of_common_parts()?;
                let (post, acting_for) = cx.as_supervisor(
                    &[common],
                    "proposing a common-parts modification",
                    ART_6_1_2,
                )?;
                (post, acting_for, ART_6_1_2)
            } else {
                return refuse(
                    "modification.not_officer",
                    ART_6_1_1,
                    format!(
                        "{} is not an information management officer of {asset_ids:?}",
                        cx.actor
                    ),
                );
            };
            let id = format!("MOD-{:04}", cx.l.state.counts().modifications + 1);
            one(propose(
                &format!("modification/{id}"),
                ModificationProposed {
                    modification_id: id.clone(),
                    title: title.clone(),
                    description: description.clone(),
                    proposer_post_id: post,
                    asset_ids: asset_ids.clone(),
                    touches_common_parts: *touches_common_parts,
                },
                basis,
                acting_for,
            ))
        }
        Command::ApproveModification {
            modification_id,
            comment,
        } => {
            let v = modification(cx, modification_id)?;
            let Some(post) = v
                .approvals_required
                .iter()
                .find(|p| cx.l.holds_post(cx.actor, p))
            else {
                return refuse(
                    "modification.approver_not_concerned",
                    ART_6_2,
                    format!(
                        "{} holds none of the posts whose approval {modification_id} needs ({:?})",
                        cx.actor, v.approvals_required
                    ),
                );
            };
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationApproved {
                    modification_id: modification_id.clone(),
                    officer_post_id: post.clone(),
                    comment: comment.clone(),
                },
                ART_6_2,
                None,
            ))
        }
        Command::RejectModification {
            modification_id,
            reason,
        } => {
            need_text("reason", reason)?;
            let v = modification(cx, modification_id)?;
            let Some(post) = v
                .approvals_required
                .iter()
                .find(|p| cx.l.holds_post(cx.actor, p))
            else {
                return refuse(
                    "modification.approver_not_concerned",
                    ART_6_2,
                    format!("{} is not asked to approve {modification_id}", cx.actor),
                );
            };
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationRejected {
                    modification_id: modification_id.clone(),
                    officer_post_id: post.clone(),
                    reason: reason.clone(),
                },
                ART_6_2,
                None,
            ))
        }
        Command::ConsentToModification { modification_id } => {
            let v = modification(cx, modification_id)?;
            let pending: Vec<String> = v
                .missing
                .iter()
                .filter(|m| m.what == "consent")
                .filter_map(|m| m.post_id.clone())
                .collect();
            if v.consents_required.is_empty() {
                return refuse(
                    "modification.no_consent_needed",
                    ART_6_1_1,
                    format!("{modification_id} is not an officer's decision"),
                );
            }
            if pending.is_empty() {
                return refuse(
                    "modification.already_consented",
                    ART_6_1_1,
                    format!("{modification_id} has every consent"),
                );
            }
            let (post, acting_for) =
                cx.as_supervisor(&pending, "consent to the modification", ART_6_1_1)?;
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationConsented {
                    modification_id: modification_id.clone(),
                    supervisor_post_id: post,
                },
                ART_6_1_1,
                acting_for,
            ))
        }
        Command::RefuseModificationConsent {
            modification_id,
            reason,
        } => {
            need_text("reason", reason)?;
            let v = modification(cx, modification_id)?;
            let pending: Vec<String> = v
                .missing
                .iter()
                .filter(|m| m.what == "consent")
                .filter_map(|m| m.post_id.clone())
                .collect();
            if v.consents_required.is_empty() {
                return refuse(
                    "modification.no_consent_needed",
                    ART_6_1_1,
                    format!("{modification_id} is not an officer's decision"),
                );
            }
            let what = "refusing consent to the modification";
            if pending.is_empty() {
                supervisor_for(cx, &v.consents_required, what, ART_6_1_1)?;
                return refuse(
                    "modification.already_consented",
                    ART_6_1_1,
                    format!("{modification_id} has every consent"),
                );
            }
            let (post, acting_for) = supervisor_for(cx, &pending, what, ART_6_1_1)?;
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationConsentRefused {
                    modification_id: modification_id.clone(),
                    supervisor_post_id: post,
                    reason: reason.clone(),
                },
                ART_6_1_1,
                acting_for,
            ))
        }
        Command::DecideModificationContent {
            modification_id,
            content,
        } => {
            need_text("content", content)?;
            let v = modification(cx, modification_id)?;
            if !v.content_required || !cx.l.holds_post(cx.actor, &v.proposer_post_id) {
                return refuse(
                    "modification.not_proposer",
                    ART_6_1_1,
                    format!(
                        "the content of {modification_id} is decided by the holder of {}",
                        v.proposer_post_id
                    ),
                );
            }
            if v.content.is_some() {
                return refuse(
                    "modification.content_already_decided",
                    ART_6_1_1,
                    format!("{modification_id} has its content"),
                );
            }
            // 第6条第2項: approvals of the other officers come before the decision.
            missing(
                &v.missing,
                "approval",
                "modification.approval_missing",
                modification_id,
            )?;
            missing(
                &v.missing,
                "consent",
                "modification.consent_missing",
                modification_id,
            )?;
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationContentDecided {
                    modification_id: modification_id.clone(),
                    officer_post_id: v.proposer_post_id.clone(),
                    content: content.clone(),
                },
                ART_6_1_1,
                None,
            ))
        }
        Command::CoordinateModification {
            modification_id,
            officer_post_ids,
            content,
        } => {
            need_text("content", content)?;
            let v = modification(cx, modification_id)?;
            if !v.touches_common_parts {
                return refuse(
                    "modification.no_common_parts",
                    ART_6_1_2,
                    format!("{modification_id} does not touch the common parts"),
                );
            }
            let common = cx.supervisor_of_common_parts()?;
            let (post, acting_for) =
                cx.as_supervisor(&[common], "deciding the common parts", ART_6_1_2)?;
            let absent: Vec<&String> = v
                .coordination_required_with
                .iter()
                .filter(|p| !officer_post_ids.contains(p))
                .collect();
            if !absent.is_empty() {
                return refuse(
                    "modification.coordination_incomplete",
                    ART_6_1_2,
                    format!("the officers concerned {absent:?} were not coordinated with"),
                );
            }
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationCoordinated {
                    modification_id: modification_id.clone(),
                    supervisor_post_id: post,
                    officer_post_ids: officer_post_ids.clone(),
                    content: content.clone(),
                },
                ART_6_1_2,
                acting_for,
            ))
        }
        Command::DecideModification {
            modification_id,
            procedure_documents,
            summary,
        } => {
            need_text("summary", summary)?;
            let v = modification(cx, modification_id)?;
            let (post, acting_for) = cx.as_supervisor(
                &v.final_deciders,
                "the overall modification decision",
                ART_6_1_3,
            )?;
            // A final decision while an approval, the consent or the coordination is missing.
            missing(
                &v.missing,
                "approval",
                "modification.approval_missing",
                modification_id,
            )?;
            missing(
                &v.missing,
                "consent",
                "modification.consent_missing",
                modification_id,
            )?;
            missing(
                &v.missing,
                "content_decision",
                "modification.content_missing",
                modification_id,
            )?;
            missing(
                &v.missing,
                "coordination",
                "modification.coordination_missing",
                modification_id,
            )?;
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationFinallyDecided {
                    modification_id: modification_id.clone(),
                    supervisor_post_id: post,
                    procedure_documents: procedure_documents.clone(),
                    summary: summary.clone(),
                },
                ART_6_1_3_AND_6_3,
                acting_for,
            ))
        }
        Command::WithdrawModification {
            modification_id,
            reason,
        } => {
            need_text("reason", reason)?;
            let v = modification(cx, modification_id)?;
            let may = cx.l.holds_post(cx.actor, &v.proposer_post_id)
                || cx.is_admin() && !cx.l.is_officer_post(&v.proposer_post_id);
            if !may {
                return refuse(
                    "modification.not_proposer",
                    ART_6_1,
                    format!(
                        "{modification_id} is withdrawn by the holder of {}",
                        v.proposer_post_id
                    ),
                );
            }
            let acting_for = (!cx.l.holds_post(cx.actor, &v.proposer_post_id))
                .then(|| v.proposer_post_id.clone());
            one(propose(
                &format!("modification/{modification_id}"),
                ModificationWithdrawn {
                    modification_id: modification_id.clone(),
                    reason: reason.clone(),
                },
                ART_6_1,
                acting_for,
            ))
        }
        Command::NoticeRetirement {
            asset_ids,
            affected_asset_ids,
            reason,
            planned_stop,
        } => {
            need_text("reason", reason)?;
            if asset_ids.is_empty() {
                return refuse(
                    "retirement.no_assets",
                    ART_7_1_1,
                    "name the assets whose use stops",
                );
            }
            for a in asset_ids.iter().chain(affected_asset_ids) {
                cx.asset(a)?;
            }
            for a in asset_ids {
                if cx.l.retired(a).is_some() {
                    return refuse(
                        "retirement.already_retired",
                        ART_7_1,
                        format!("{a} is already retired"),
                    );
                }
            }
            // One of the actor's officer posts must manage every asset whose use stops.
            let post = cx.officer_posts_held().into_iter().find(|p| {
                asset_ids.iter().all(|a| {
                    cx.l.asset(a)
                        .is_some_and(|v| v.officer_post_ids.contains(p))
                })
            });
            let Some(post) = post else {
                return refuse(
                    "retirement.not_officer",
                    ART_7_1_1,
                    format!(
                        "{} is not the information management officer of all of {asset_ids:?}",
                        cx.actor
                    ),
                );
            };
            if *planned_stop < cx.at.date_naive() {
                return refuse(
                    "retirement.stop_in_past",
                    ART_7_1_1,
                    "the planned stop must not be before the notice",
                );
            }
            let id = format!("RET-{:04}", cx.l.state.counts().retirements + 1);
            one(propose(
                &format!("retirement/{id}"),
                RetirementNoticed {
                    retirement_id: id.clone(),
                    officer_post_id: post,
                    asset_ids: asset_ids.clone(),
                    affected_asset_ids: affected_asset_ids.clone(),
                    reason: reason.clone(),
                    planned_stop: *planned_stop,
                },
                ART_7_1_1,
                None,
            ))
        }
        Command::ApproveRetirement {
            retirement_id,
            comment,
        } => {
            let v = retirement(cx, retirement_id)?;
            let Some(post) = v
                .approvals_required
                .iter()
                .find(|p| cx.l.holds_post(cx.actor, p))
            else {
                return refuse(
                    "retirement.approver_not_concerned",
                    ART_7_2,
                    format!("{} is not asked to approve {retirement_id}", cx.actor),
                );
            };
            one(propose(
                &format!("retirement/{retirement_id}"),
                RetirementApproved {
                    retirement_id: retirement_id.clone(),
                    officer_post_id: post.clone(),
                    comment: comment.clone(),
                },
                ART_7_2,
                None,
            ))
        }
        Command::ConsentToRetirement { retirement_id } => {
            let v = retirement(cx, retirement_id)?;
            let pending: Vec<String> = v
                .missing
                .iter()
                .filter(|m| m.what == "consent")
                .filter_map(|m| m.post_id.clone())
                .collect();
            if pending.is_empty() {
                // Either all consents are in, or the actor is out of scope: say which.
                let (_, _) =
                    cx.as_supervisor(&v.consents_required, "consent to the retirement", ART_7_1_1)?;
                return refuse(
                    "retirement.already_consented",
                    ART_7_1_1,
                    format!("{retirement_id} has every consent"),
                );
            }
            let (post, acting_for) =
                cx.as_supervisor(&pending, "consent to the retirement", ART_7_1_1)?;
            one(propose(
                &format!("retirement/{retirement_id}"),
                RetirementConsented {
                    retirement_id: retirement_id.clone(),
                    supervisor_post_id: post,
                },
                ART_7_1_1,
                acting_for,
            ))
        }
        Command::RefuseRetirementConsent {
            retirement_id,
            reason,
        } => {
            need_text("reason", reason)?;
            let v = retirement(cx, retirement_id)?;
            let what = "refusing consent to the retirement";
            if v.state != RetirementState::Noticed {
                supervisor_for(cx, &v.consents_required, what, ART_7_1_1)?;
                return refuse(
                    "retirement.already_decided",
                    ART_7_1_1,
                    format!("{retirement_id} is {}", v.status),
                );
            }
            let pending: Vec<String> = v
                .missing
                .iter()
                .filter(|m| m.what == "consent")
                .filter_map(|m| m.post_id.clone())
                .collect();
            if pending.is_empty() {
                supervisor_for(cx, &v.consents_required, what, ART_7_1_1)?;
                return refuse(
                    "retirement.already_consented",
                    ART_7_1_1,
                    format!("{retirement_id} has every consent"),
                );
            }
            let (post, acting_for) = supervisor_for(cx, &pending, what, ART_7_1_1)?;
            one(propose(
                &format!("retirement/{retirement_id}"),
                RetirementConsentRefused {
                    retirement_id: retirement_id.clone(),
                    supervisor_post_id: post,
                    reason: reason.clone(),
                },
                ART_7_1_1,
                acting_for,
            ))
        }
        Command::DecideRetirement {
            retirement_id,
            asset_ids,
        } => {
            let retirement_id = &match (retirement_id, asset_ids.is_empty()) {
                (Some(id), true) => id.clone(),
                (None, false) => noticed_retirement_of(cx, asset_ids)?,
                _ => {
                    return refuse(
                        "input.retirement_or_assets",
                        RECORDING,
                        "name either the retirement_id or the asset_ids",
                    );
                }
            };
            check_id("retirement_id", retirement_id)?;
            let r =
                cx.l.state
                    .retirement(retirement_id)
                    .filter(|r| cx.l.knows(r.noticed.seq));
            let Some(r) = r else {
                return refuse(
                    "retirement.unknown",
                    ART_7_1_1,
                    format!("no retirement {retirement_id}"),
                );
            };
            // 第7条第1項第1号後段: the supervisor is notified before the decision.
            if r.noticed.at >= cx.at {
                return refuse(
                    "retirement.notice_missing",
                    ART_7_1_1,
                    format!(
                        "the notice of {retirement_id} takes effect {}, not before this decision ({})",
                        r.noticed.at, cx.at
                    ),
                );
            }
            let v = cx.l.retirement_view(r);
            refused_consent(&v)?;
            if !cx.l.holds_post(cx.actor, &v.officer_post_id) {
                return refuse(
                    "retirement.not_officer",
                    ART_7_1_1,
                    format!(
                        "{retirement_id} is decided by the holder of {}",
                        v.officer_post_id
                    ),
                );
            }
            if v.decision.is_some() {
                return refuse(
                    "retirement.already_decided",
                    ART_7_1_1,
                    format!("{retirement_id} is decided"),
                );
            }
            if let Some(m) = v.missing.iter().find(|m| m.what == "approval") {
                return refuse(
                    "retirement.approval_missing",
                    ART_7_2,
                    format!("{retirement_id} lacks the approval of {:?}", m.post_id),
                );
            }
            if let Some(m) = v.missing.iter().find(|m| m.what == "consent") {
                return refuse(
                    "retirement.consent_missing",
                    ART_7_1_1,
                    format!("{retirement_id} lacks the consent of {:?}", m.post_id),
                );
            }
            one(propose(
                &format!("retirement/{retirement_id}"),
                RetirementDecided {
                    retirement_id: retirement_id.clone(),
                    officer_post_id: v.officer_post_id.clone(),
                },
                ART_7_1_1,
                None,
            ))
        }
        Command::RecordRetirementMeasures {
            retirement_id,
            measures,
        } => {
            let v = retirement(cx, retirement_id)?;
            let (post, acting_for) =
                cx.as_supervisor(&v.consents_required, "the retirement measures", ART_7_1_2)?;
            if v.decision.is_none() {
                return refuse(
                    "retirement.not_decided",
                    ART_7_1_2,
                    format!("{retirement_id} is not decided yet"),
                );
            }
            if measures.iter().all(|m| m.trim().is_empty()) {
                return refuse("input.missing_text", RECORDING, "name the measures taken");
            }
            one(propose(
                &format!("retirement/{retirement_id}"),
                RetirementMeasuresRecorded {
                    retirement_id: retirement_id.clone(),
                    supervisor_post_id: post,
                    measures: measures.clone(),
                },
                ART_7_1_2,
                acting_for,
            ))
        }
        Command::RecordRoster {
            officer_post_id,
            entries,
        } => {
            let held = cx.officer_posts_held();
            let post = match officer_post_id {
                Some(p) if held.contains(p) => p.clone(),
                None if held.len() == 1 => held[0].clone(),
                _ => {
                    return refuse(
                        "roster.not_officer",
                        ART_9_1,
                        format!(
                            "{} is not the information management officer keeping this roster",
                            cx.actor
                        ),
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
                    "the roster needs someone who can inform and someone who can decide",
                );
            }
            one(propose(
                &format!("roster/{post}"),
                RosterRecorded {
                    officer_post_id: post.clone(),
                    entries: entries.clone(),
                },
                ART_9_1_AND_9_2,
                None,
            ))
        }
        Command::ReportIncident {
            summary,
            asset_ids,
            occurred_at,
        } => {
            need_text("summary", summary)?;
            for a in asset_ids {
                cx.asset(a)?;
            }
            if cx.l.person_roles(cx.actor).is_empty() {
                return refuse(
                    "incident.no_role",
                    ART_3_2_4,
                    format!("{} holds no role of the regulation", cx.actor),
                );
            }
            if *occurred_at > cx.at {
                return refuse(
                    "incident.occurs_later",
                    ART_3_2_4,
                    "an incident is reported after it occurs",
                );
            }
            let id = format!("INC-{:04}", cx.l.state.counts().incidents + 1);
            one(propose(
                &format!("incident/{id}"),
                IncidentReported {
                    incident_id: id.clone(),
                    summary: summary.clone(),
                    asset_ids: asset_ids.clone(),
                    occurred_at: *occurred_at,
                },
                ART_3_2_4_AND_9,
                None,
            ))
        }
        Command::DirectIncident {
            incident_id,
            directions,
        } => {
            need_text("directions", directions)?;
            let i = incident(cx, incident_id)?;
            let sups = incident_supervisors(cx, &i.asset_ids)?;
            let (post, acting_for) =
                cx.as_supervisor(&sups, "directing the incident response", ART_3_2_4)?;
            one(propose(
                &format!("incident/{incident_id}"),
                IncidentDirected {
                    incident_id: incident_id.clone(),
                    supervisor_post_id: post,
                    directions: directions.clone(),
                },
                ART_3_2_4,
                acting_for,
            ))
        }
        Command::CoordinateIncident {
            incident_id,
            actions,
        } => {
            need_text("actions", actions)?;
            incident(cx, incident_id)?;
            let ops = cx.l.bound_posts(Role::OperationsSupport);
            if !ops.iter().any(|b| cx.l.holds_post(cx.actor, &b.post_id)) {
                return refuse(
                    "incident.not_operations_support",
                    ART_11_ITEM_3,
                    "incident coordination is operations support's",
                );
            }
            one(propose(
                &format!("incident/{incident_id}"),
                IncidentCoordinated {
                    incident_id: incident_id.clone(),
                    actions: actions.clone(),
                },
                ART_11_ITEM_3,
                None,
            ))
        }
        Command::ResolveIncident {
            incident_id,
            resolution,
        } => {
            need_text("resolution", resolution)?;
            let i = incident(cx, incident_id)?;
            if i.resolutions.iter().any(|a| cx.l.happened(&a.stamp)) {
                return refuse(
                    "incident.already_resolved",
                    ART_3_2_4,
                    format!("{incident_id} is resolved"),
                );
            }
            let sups = incident_supervisors(cx, &i.asset_ids)?;
            let (_, acting_for) = cx.as_supervisor(&sups, "resolving the incident", ART_3_2_4)?;
            one(propose(
                &format!("incident/{incident_id}"),
                IncidentResolved {
                    incident_id: incident_id.clone(),
                    resolution: resolution.clone(),
                },
                ART_3_2_4,
                acting_for,
            ))
        }
        Command::IssueSecurityRequest {
            addressee,
            finding,
            standard,
            due,
        } => {
            need_text("finding", finding)?;
            need_text("standard", standard)?;
            let bureau = match addressee {
                Addressee::Officer { post_id } => {
                    let post = cx.post(post_id)?;
                    if !cx.l.is_officer_post(post_id) {
                        return refuse(
                            "security.addressee_not_officer",
                            ART_10_2,
                            format!("{post_id} is not an officer post"),
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
                            format!("{unit_id} has no usage officer"),
                        );
                    }
                    unit.bureau.clone()
                }
            };
            let sup = cx.supervisor_of_bureau(&bureau)?;
            let (post, acting_for) =
                cx.as_supervisor(&[sup], "a security improvement request", ART_10_2)?;
            if *due <= cx.at.date_naive() {
                return refuse(
                    "security.due_not_after_issue",
                    ART_10_2,
                    "the due date must be after the request",
                );
            }
            let id = format!("SR-{:04}", cx.l.state.counts().security_requests + 1);
            one(propose(
                &format!("security_request/{id}"),
                SecurityRequestIssued {
                    request_id: id.clone(),
                    supervisor_post_id: post,
                    addressee: addressee.clone(),
                    finding: finding.clone(),
                    standard: standard.clone(),
                    due: *due,
                },
                ART_10_2,
                acting_for,
            ))
        }
        Command::RespondToSecurityRequest {
            request_id,
            response,
        } => {
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
                    format!("{} is not the addressee of {request_id}", cx.actor),
                );
            }
            if cx.l.security_request_view(r).status == "closed" {
                return refuse(
                    "security.closed",
                    ART_10_2,
                    format!("{request_id} is closed"),
                );
            }
            one(propose(
                &format!("security_request/{request_id}"),
                SecurityRequestResponded {
                    request_id: request_id.clone(),
                    response: response.clone(),
                },
                ART_10_2,
                None,
            ))
        }
        Command::CloseSecurityRequest { request_id, note } => {
            let r = security_request(cx, request_id)?;
            let (_, acting_for) = cx.as_supervisor(
                std::slice::from_ref(&r.supervisor_post_id),
                "closing the request",
                ART_10_2,
            )?;
            if cx.l.security_request_view(r).status == "closed" {
                return refuse(
                    "security.closed",
                    ART_10_2,
                    format!("{request_id} is closed"),
                );
            }
            one(propose(
                &format!("security_request/{request_id}"),
                SecurityRequestClosed {
                    request_id: request_id.clone(),
                    note: note.clone(),
                },
                ART_10_2,
                acting_for,
            ))
        }
        Command::ReopenSecurityRequest {
            request_id,
            reason,
            due,
        } => {
            need_text("reason", reason)?;
            let r = security_request(cx, request_id)?;
            let (_, acting_for) = cx.as_supervisor(
                std::slice::from_ref(&r.supervisor_post_id),
                "reopening the request",
                ART_10_2,
            )?;
            if cx.l.security_request_view(r).status == "open" {
                return refuse("security.open", ART_10_2, format!("{request_id} is open"));
            }
            if *due <= cx.at.date_naive() {
                return refuse(
                    "security.due_not_after_issue",
                    ART_10_2,
                    "the due date must be after the reopening",
                );
            }
            one(propose(
                &format!("security_request/{request_id}"),
                SecurityRequestReopened {
                    request_id: request_id.clone(),
                    reason: reason.clone(),
                    due: *due,
                },
                ART_10_2,
                acting_for,
            ))
        }
        Command::ConveneMeeting {
            meeting_kind,
            form,
            urgency_reason,
            members,
            agenda,
            held_on,
        } => {
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
                                format!(
                                    "{m} is not an information management officer at {}",
                                    cx.at
                                ),
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
                    members: members.clone(),
                    agenda: agenda.clone(),
                    held_on: *held_on,
                },
                basis,
                acting_for,
            ))
        }
        Command::RecordMinutes {
            meeting_id,
            attendees,
            agenda,
            resolutions,
        } => {
            let m = meeting(cx, meeting_id)?;
            let acting_for = convener(cx, m)?;
            for a in attendees {
                cx.person(a)?;
            }
            one(propose(
                &format!("meeting/{meeting_id}"),
                MeetingMinutesRecorded {
                    meeting_id: meeting_id.clone(),
                    attendees: attendees.clone(),
                    agenda: agenda.clone(),
                    resolutions: resolutions.clone(),
                },
                ART_12,
                acting_for,
            ))
        }
        Command::SignCirculation {
            meeting_id,
            position,
            comment,
        } => {
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
                    meeting_id: meeting_id.clone(),
                    person_id: cx.actor.to_owned(),
                    position: *position,
                    comment: comment.clone(),
                },
                ART_12_2,
                None,
            ))
        }
        Command::ResolveMeeting {
            meeting_id,
            resolution,
        } => {
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
                    meeting_id: meeting_id.clone(),
                    resolution: resolution.clone(),
                },
                if m.form == MeetingForm::Circulation {
                    ART_12_2
                } else {
                    ART_12_1
                },
                acting_for,
            ))
        }
        Command::IssueDirective {
            title,
            body,
            bureau,
        } => {
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
                    title: title.clone(),
                    body: body.clone(),
                },
                ART_13,
                acting_for,
            ))
        }
        Command::DirectOfficer {
            addressee,
            matter,
            direction,
        } => direct_officer(cx, addressee, matter, direction),
        Command::RecordOperation {
            operation,
            target,
            result,
            detail,
        } => record_operation(cx, *operation, target, *result, detail.as_deref()),
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

fn missing(missing: &[Missing], what: &str, rule: &'static str, id: &str) -> Result<(), Refusal> {
    match missing.iter().find(|m| m.what == what) {
        // The article is the projection's (what the view says is missing, and why).
        Some(m) => Err(Refusal {
            rule,
            article: m.article,
            message: format!(
                "{id} lacks the {what} of {}",
                m.post_id.as_deref().unwrap_or("?")
            ),
        }),
        None => Ok(()),
    }
}

/// An open modification known and proposed by the decision's time, as a view.
fn modification(cx: &Cx<'_>, id: &str) -> Result<govledger_projections::ModificationView, Refusal> {
    check_id("modification_id", id)?;
    let Some(m) =
        cx.l.state
            .modification(id)
            .filter(|m| cx.l.happened(&m.proposed))
    else {
        return refuse(
            "modification.unknown",
            ART_6,
            format!("no modification {id} proposed by {}", cx.at),
        );
    };
    let v = cx.l.modification_view(m);
    match v.state {
        ModificationState::Open => Ok(v),
        // 第6条第1項第1号: without the supervisor's consent the officer decides nothing.
        ModificationState::ConsentRefused => refuse(
            "modification.consent_refused",
            ART_6_1_1,
            format!(
                "{id} is closed: the supervisor refused consent (seq {})",
                v.consent_refusal.as_ref().map_or(0, |a| a.seq)
            ),
        ),
        ModificationState::Decided | ModificationState::Withdrawn => refuse(
            "modification.closed",
            ART_6,
            format!("{id} is {}", v.status),
        ),
    }
}

fn retirement(cx: &Cx<'_>, id: &str) -> Result<govledger_projections::RetirementView, Refusal> {
    check_id("retirement_id", id)?;
    let Some(r) =
        cx.l.state
            .retirement(id)
            .filter(|r| cx.l.happened(&r.noticed))
    else {
        return refuse(
            "retirement.notice_missing",
            ART_7_1_1,
            format!("no notice {id} by {}", cx.at),
        );
    };
    let v = cx.l.retirement_view(r);
    refused_consent(&v)?;
    Ok(v)
}

/// 第11条: the operations support post (総務企画局情報管理部システム管理課長) supports server
/// monitoring and backup (第1号), maintenance (第2号) and batch runs (第4号); the system
/// administrator does that work itself (第4条第1項, the work of 第3条第2項第1号・第2号) and
/// system operation staff assist the administrator (第4条第3項). Any of the three records what
/// was done; the basis names their role's article and the item of 第11条. Nobody else may,
/// and is refused citing that item.
fn record_operation(
    cx: &Cx<'_>,
    operation: OperationKind,
    target: &str,
    result: OperationResult,
    detail: Option<&str>,
) -> Result<Vec<Proposed>, Refusal> {
    let item = operation_item(operation);
    need_text("target", target)?;
    let ops = cx.l.bound_posts(Role::OperationsSupport);
    let (recorded_as, basis) = if ops.iter().any(|b| cx.l.holds_post(cx.actor, &b.post_id)) {
        (Role::OperationsSupport, item)
    } else if cx.is_admin() {
        (Role::SystemAdministrator, admin_basis(operation))
    } else if cx
        .l
        .designation(cx.actor, StaffRole::SystemOperationStaff)
        .is_some()
    {
        (Role::SystemOperationStaff, staff_basis(operation))
    } else {
        return refuse(
            "operation.not_operator",
            item,
            format!(
                "{} is neither the operations support (第11条), the system administrator (第4条第1項) nor system operation staff (第4条第3項)",
                cx.actor
            ),
        );
    };
    one(propose(
        &format!("operation/{}", operation.as_str()),
        OperationRecorded {
            operation,
            target: target.to_owned(),
            result,
            detail: detail.map(str::to_owned),
            recorded_as,
        },
        basis,
        None,
    ))
}

/// The administrator's basis for an operation: 第4条第1項 and the item of 第11条.
fn admin_basis(operation: OperationKind) -> Article {
    match operation {
        OperationKind::Monitoring | OperationKind::Backup => ART_4_1_AND_11_ITEM_1,
        OperationKind::Maintenance => ART_4_1_AND_11_ITEM_2,
        OperationKind::Batch => ART_4_1_AND_11_ITEM_4,
    }
}

/// System operation staff's basis for an operation: 第4条第3項 and the item of 第11条.
fn staff_basis(operation: OperationKind) -> Article {
    match operation {
        OperationKind::Monitoring | OperationKind::Backup => ART_4_3_AND_11_ITEM_1,
        OperationKind::Maintenance => ART_4_3_AND_11_ITEM_2,
        OperationKind::Batch => ART_4_3_AND_11_ITEM_4,
    }
}

/// 第3条第3項: the supervisor directs (指揮監督) the information management officers and the
/// usage officers; 第5条第3項: an information management officer follows what the supervisor
/// sets. The supervisor in scope is the one of the addressee's bureau; the administrator may
/// direct as deputy (第4条第1項).
fn direct_officer(
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
    let (post, acting_for) = supervisor_for(cx, &[sup], "directing an officer", ART)?;
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

/// The retirement of `asset_ids` that the deciding officer noticed to the supervisor before the
/// decision (第7条第1項第1号後段: 事前にシステム総括者に通知). A decision without such a notice is
/// refused: the notice must come first.
fn noticed_retirement_of(cx: &Cx<'_>, asset_ids: &[String]) -> Result<String, Refusal> {
    const ART: Article = ART_7_1_1;
    for a in asset_ids {
        cx.asset(a)?;
        if cx.l.retired(a).is_some() {
            return refuse(
                "retirement.already_retired",
                ART_7_1,
                format!("{a} is already retired"),
            );
        }
    }
    let officer = cx.officer_posts_held().into_iter().any(|p| {
        asset_ids.iter().all(|a| {
            cx.l.asset(a)
                .is_some_and(|v| v.officer_post_ids.contains(&p))
        })
    });
    if !officer {
        return refuse(
            "retirement.not_officer",
            ART,
            format!(
                "{} is not the information management officer of all of {asset_ids:?}",
                cx.actor
            ),
        );
    }
    // Open notices (known, not decided, not refused) covering every named asset.
    let notices: Vec<&govledger_projections::Retirement> =
        cx.l.state
            .retirements()
            .filter(|r| cx.l.knows(r.noticed.seq))
            .filter(|r| asset_ids.iter().all(|a| r.asset_ids.contains(a)))
            .filter(|r| {
                let v = cx.l.retirement_view(r);
                v.state == RetirementState::Noticed
            })
            .collect();
    let before: Vec<&str> = notices
        .iter()
        .filter(|r| r.noticed.at < cx.at)
        .map(|r| r.id.as_str())
        .collect();
    match before.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => refuse(
            "retirement.notice_missing",
            ART,
            match notices.first() {
                Some(r) => format!(
                    "the notice of {asset_ids:?} ({}) takes effect {}, not before this decision ({})",
                    r.id, r.noticed.at, cx.at
                ),
                None => format!(
                    "no notice of the retirement of {asset_ids:?} was given to the supervisor before this decision ({})",
                    cx.at
                ),
            },
        ),
        several => refuse(
            "retirement.notice_ambiguous",
            ART,
            format!("{asset_ids:?} are in the notices {several:?}: name the retirement_id"),
        ),
    }
}

/// 第7条第1項第1号: a retirement whose consent the supervisor refused is closed.
fn refused_consent(v: &RetirementView) -> Result<(), Refusal> {
    match &v.consent_refusal {
        Some(a) if v.state == RetirementState::ConsentRefused => refuse(
            "retirement.consent_refused",
            ART_7_1_1,
            format!(
                "{} is closed: the supervisor refused consent (seq {})",
                v.id, a.seq
            ),
        ),
        _ => Ok(()),
    }
}

/// [`Cx::as_supervisor`] for an act recorded under `article`: a person who is no supervisor is
/// refused citing the act's own article (the one the accepted act records as its basis).
fn supervisor_for(
    cx: &Cx<'_>,
    candidates: &[String],
    what: &str,
    article: Article,
) -> Result<(String, Option<String>), Refusal> {
    cx.as_supervisor(candidates, what, article)
}

fn incident<'a>(cx: &Cx<'a>, id: &str) -> Result<&'a govledger_projections::Incident, Refusal> {
    check_id("incident_id", id)?;
    cx.l.state
        .incident(id)
        .filter(|i| cx.l.happened(&i.reported))
        .ok_or_else(|| Refusal {
            rule: "incident.unknown",
            article: ART_3_2_4.cite,
            message: format!("no incident {id}"),
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
            message: format!("no security request {id}"),
        })
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

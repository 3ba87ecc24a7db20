//! The fold: one event at a time into the [`State`]. Pure, and never panics: an event that does
//! not fit (unknown type, bad data, a reference to nothing) is recorded and otherwise ignored.

use govledger_schema::Event;
use govledger_schema::events::{Payload, PayloadError, parse_payload};

use crate::model::*;
use crate::{Correction, RoleBinding, Span, Stamp, State};

impl State {
    /// Folds `event` in. Events at or below [`State::applied_seq`] are ignored, so replaying a
    /// tail twice is harmless.
    pub fn apply(&mut self, event: &Event) {
        if event.seq <= self.applied_seq {
            return;
        }
        self.apply_parsed(event, parse_payload(&event.event_type, &event.data));
    }

    /// [`State::apply`] of an event whose payload was parsed already (on another thread, or
    /// straight from the body's text: see `Peek::for_fold`); `event.data` is not read.
    pub fn apply_parsed(&mut self, event: &Event, payload: Result<Payload, PayloadError>) {
        if event.seq <= self.applied_seq {
            return;
        }
        self.applied_seq = event.seq;
        let at = event.effective_at;
        self.genesis_at.get_or_insert(at);
        if self.latest_effective_at.is_none_or(|l| at > l) {
            self.latest_effective_at = Some(at);
        }
        if let Err(why) = self.events.push(event) {
            self.malformed.insert(event.seq, why.to_owned());
        }
        match payload {
            Ok(p) => {
                if let Err(why) = self.fold(event, p) {
                    self.malformed.insert(event.seq, why);
                }
            }
            Err(PayloadError::UnknownType(t)) => {
                self.unknown_types.entry(t).or_default().push(event.seq)
            }
            Err(e) => {
                self.malformed.insert(event.seq, e.to_string());
            }
        }
    }

    fn fold(&mut self, event: &Event, payload: Payload) -> Result<(), String> {
        let stamp = Stamp {
            seq: event.seq,
            at: event.effective_at,
        };
        let actor = event.meta.actor.clone();
        let acting_for = event.meta.acting_for.clone();
        let act = |post_id: &str, text: String| PostAct {
            post_id: post_id.to_owned(),
            actor: actor.clone(),
            acting_for: acting_for.clone(),
            text,
            stamp,
        };
        match payload {
            Payload::RegulationEstablished(p) => self.regulation = Some((p, stamp)),
            Payload::RegulationAmended(p) => self.amendments.push((p, stamp)),
            Payload::RoleBound(p) => self.role_bindings.push(RoleBinding {
                role: p.role,
                post_id: p.post_id,
                scope: p.scope,
                start: stamp,
            }),
            Payload::OperationStaffSectionsSet(p) => {
                self.operation_staff_sections.push((p.unit_ids, stamp))
            }
            Payload::CorrectionRecorded(p) => {
                self.voided.entry(p.corrects_seq).or_insert(event.seq);
                self.corrections.push(Correction {
                    stamp,
                    actor,
                    corrects_seq: p.corrects_seq,
                    corrects_event_id: p.corrects_event_id,
                    reason: p.reason,
                });
            }
            Payload::UnitEstablished(p) => {
                self.units.entry(p.unit_id.clone()).or_insert(Unit {
                    id: p.unit_id,
                    name: p.name,
                    parent_id: p.parent_id,
                    bureau: p.bureau,
                    user_division: p.user_division,
                    established: stamp,
                });
            }
            Payload::PostEstablished(p) => {
                self.posts.entry(p.post_id.clone()).or_insert(Post {
                    id: p.post_id,
                    title: p.title,
                    unit_id: p.unit_id,
                    heads_unit: p.heads_unit,
                    established: stamp,
                    holders: Vec::new(),
                });
            }
            Payload::PersonRegistered(p) => {
                self.persons.entry(p.person_id.clone()).or_insert(Person {
                    id: p.person_id,
                    name: p.name,
                    registered: stamp,
                    units: vec![Membership {
                        unit_id: p.unit_id,
                        personnel_order: p.personnel_order,
                        start: stamp,
                    }],
                    designations: Vec::new(),
                });
            }
            Payload::PersonTransferred(p) => {
                let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
                person.units.push(Membership {
                    unit_id: p.to_unit_id,
                    personnel_order: Some(p.personnel_order),
                    start: stamp,
                });
            }
            Payload::HolderAppointed(p) => {
                let post = self.posts.get_mut(&p.post_id).ok_or("unknown post")?;
                post.holders.push(Holding {
                    person_id: p.person_id,
                    personnel_order: p.personnel_order,
                    span: Span::new(stamp),
                });
            }
            Payload::HolderEnded(p) => {
                let post = self.posts.get_mut(&p.post_id).ok_or("unknown post")?;
                let h = post
                    .holders
                    .iter_mut()
                    .rev()
                    .find(|h| h.person_id == p.person_id)
                    .ok_or("no such appointment")?;
                h.span.ends.push(stamp);
            }
            Payload::StaffDesignated(p) => {
                let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
                person.designations.push(Designation {
                    role: p.role,
                    designated_by_post_id: p.designated_by_post_id,
                    span: Span::new(stamp),
                });
            }
            Payload::StaffDesignationRevoked(p) => {
                let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
                let d = person
                    .designations
                    .iter_mut()
                    .rev()
                    .find(|d| d.role == p.role)
                    .ok_or("no such designation")?;
                d.span.ends.push(stamp);
            }
            Payload::UsageOfficerAppointed(p) => {
                self.usage_officers
                    .entry(p.unit_id.clone())
                    .or_default()
                    .push(UsageOfficerTerm {
                        unit_id: p.unit_id,
                        person_id: p.person_id,
                        reason_not_head: p.reason_not_head,
                        span: Span::new(stamp),
                    });
            }
            Payload::UsageOfficerEnded(p) => {
                let t = self
                    .usage_officers
                    .get_mut(&p.unit_id)
                    .and_then(|ts| ts.iter_mut().rev().find(|t| t.person_id == p.person_id))
                    .ok_or("no such usage officer")?;
                t.span.ends.push(stamp);
            }
            Payload::UserRegistered(p) => {
                self.users
                    .entry(p.person_id.clone())
                    .or_default()
                    .push(UserRegistration {
                        person_id: p.person_id,
                        unit_id: p.unit_id,
                        span: Span::new(stamp),
                    });
            }
            Payload::UserDeregistered(p) => {
                let r = self
                    .users
                    .get_mut(&p.person_id)
                    .and_then(|rs| rs.iter_mut().rev().find(|r| r.unit_id == p.unit_id))
                    .ok_or("no such user registration")?;
                r.span.ends.push(stamp);
            }
            Payload::AssetRegistered(p) => {
                let a = self.assets.entry(p.asset_id.clone()).or_insert(Asset {
                    id: p.asset_id,
                    annex_row: p.annex_row,
                    versions: Vec::new(),
                    retired: Vec::new(),
                });
                a.versions.push(AssetVersion {
                    name: p.name,
                    businesses: p.businesses,
                    officer_post_ids: p.officer_post_ids,
                    bureau: p.bureau,
                    start: stamp,
                });
            }
            Payload::AssetAnnexAmended(p) => {
                let a = self.assets.get_mut(&p.asset_id).ok_or("unknown asset")?;
                a.versions.push(AssetVersion {
                    name: p.name,
                    businesses: p.businesses,
                    officer_post_ids: p.officer_post_ids,
                    bureau: p.bureau,
                    start: stamp,
                });
            }
            Payload::PermissionRequested(p) => {
                self.permission_requests
                    .entry(p.request_id.clone())
                    .or_insert(PermissionRequest {
                        id: p.request_id,
                        person_id: p.person_id,
                        asset_id: p.asset_id,
                        scope: p.scope,
                        until: p.until,
                        unit_id: p.unit_id,
                        requested_by: actor,
                        requested: stamp,
                        answered: Vec::new(),
                    });
            }
            Payload::PermissionGranted(p) => {
                if let Some(r) = p
                    .request_id
                    .as_ref()
                    .and_then(|id| self.permission_requests.get_mut(id))
                {
                    r.answered.push(stamp);
                }
                self.grants
                    .entry(p.asset_id.clone())
                    .or_default()
                    .push(Grant {
                        asset_id: p.asset_id,
                        person_id: p.person_id,
                        unit_id: p.unit_id,
                        scope: p.scope,
                        until: p.until,
                        officer_post_id: p.officer_post_id,
                        decided_by: actor,
                        acting_for,
                        request_id: p.request_id,
                        span: Span::new(stamp),
                    });
            }
            Payload::PermissionRefused(p) => {
                if let Some(r) = p
                    .request_id
                    .as_ref()
                    .and_then(|id| self.permission_requests.get_mut(id))
                {
                    r.answered.push(stamp);
                }
                self.permission_refusals.push(PermissionRefusal {
                    asset_id: p.asset_id,
                    person_id: p.person_id,
                    officer_post_id: p.officer_post_id,
                    reason: p.reason,
                    request_id: p.request_id,
                    decided_by: actor,
                    stamp,
                });
            }
            Payload::PermissionRevoked(p) => {
                let g = self
                    .grants
                    .get_mut(&p.asset_id)
                    .and_then(|gs| gs.iter_mut().rev().find(|g| g.person_id == p.person_id))
                    .ok_or("no such grant")?;
                g.span.ends.push(stamp);
            }
            Payload::ModificationProposed(p) => {
                self.modifications
                    .entry(p.modification_id.clone())
                    .or_insert(Modification {
                        id: p.modification_id,
                        title: p.title,
                        description: p.description,
                        proposer_post_id: p.proposer_post_id,
                        asset_ids: p.asset_ids,
                        touches_common_parts: p.touches_common_parts,
                        proposed_by: actor,
                        proposed: stamp,
                        approvals: Vec::new(),
                        rejections: Vec::new(),
                        consents: Vec::new(),
                        consent_refusals: Vec::new(),
                        contents: Vec::new(),
                        coordinations: Vec::new(),
                        final_decisions: Vec::new(),
                        withdrawals: Vec::new(),
                    });
            }
            Payload::ModificationApproved(p) => {
                let text = p.comment.unwrap_or_default();
                self.modification_mut(&p.modification_id)?
                    .approvals
                    .push(act(&p.officer_post_id, text));
            }
            Payload::ModificationRejected(p) => {
                self.modification_mut(&p.modification_id)?
                    .rejections
                    .push(act(&p.officer_post_id, p.reason));
            }
            Payload::ModificationConsented(p) => {
                self.modification_mut(&p.modification_id)?
                    .consents
                    .push(act(&p.supervisor_post_id, String::new()));
            }
            Payload::ModificationConsentRefused(p) => {
                self.modification_mut(&p.modification_id)?
                    .consent_refusals
                    .push(act(&p.supervisor_post_id, p.reason));
            }
            Payload::ModificationContentDecided(p) => {
                self.modification_mut(&p.modification_id)?
                    .contents
                    .push(act(&p.officer_post_id, p.content));
            }
            Payload::ModificationCoordinated(p) => {
                self.modification_mut(&p.modification_id)?
                    .coordinations
                    .push((act(&p.supervisor_post_id, p.content), p.officer_post_ids));
            }
            Payload::ModificationFinallyDecided(p) => {
                self.modification_mut(&p.modification_id)?
                    .final_decisions
                    .push((act(&p.supervisor_post_id, p.summary), p.procedure_documents));
            }
            Payload::ModificationWithdrawn(p) => {
                let m = self.modification_mut(&p.modification_id)?;
                let post = m.proposer_post_id.clone();
                m.withdrawals.push(act(&post, p.reason));
            }
            Payload::RetirementNoticed(p) => {
                self.retirements
                    .entry(p.retirement_id.clone())
                    .or_insert(Retirement {
                        id: p.retirement_id,
                        officer_post_id: p.officer_post_id,
                        asset_ids: p.asset_ids,
                        affected_asset_ids: p.affected_asset_ids,
                        reason: p.reason,
                        planned_stop: p.planned_stop,
                        noticed_by: actor,
                        noticed: stamp,
                        approvals: Vec::new(),
                        consents: Vec::new(),
                        consent_refusals: Vec::new(),
                        decisions: Vec::new(),
                        measures: Vec::new(),
                    });
            }
            Payload::RetirementApproved(p) => {
                let text = p.comment.unwrap_or_default();
                self.retirement_mut(&p.retirement_id)?
                    .approvals
                    .push(act(&p.officer_post_id, text));
            }
            Payload::RetirementConsented(p) => {
                self.retirement_mut(&p.retirement_id)?
                    .consents
                    .push(act(&p.supervisor_post_id, String::new()));
            }
            Payload::RetirementConsentRefused(p) => {
                self.retirement_mut(&p.retirement_id)?
                    .consent_refusals
                    .push(act(&p.supervisor_post_id, p.reason));
            }
            Payload::RetirementDecided(p) => {
                let r = self.retirement_mut(&p.retirement_id)?;
                r.decisions.push(act(&p.officer_post_id, String::new()));
                let assets = r.asset_ids.clone();
                for a in assets {
                    if let Some(asset) = self.assets.get_mut(&a) {
                        asset.retired.push((stamp, p.retirement_id.clone()));
                    }
                }
            }
            Payload::RetirementMeasuresRecorded(p) => {
                self.retirement_mut(&p.retirement_id)?
                    .measures
                    .push((act(&p.supervisor_post_id, String::new()), p.measures));
            }
            Payload::RosterRecorded(p) => {
                self.rosters
                    .entry(p.officer_post_id.clone())
                    .or_default()
                    .push(RosterVersion {
                        officer_post_id: p.officer_post_id,
                        entries: p.entries,
                        recorded_by: actor,
                        stamp,
                    });
            }
            Payload::IncidentReported(p) => {
                self.incidents
                    .entry(p.incident_id.clone())
                    .or_insert(Incident {
                        id: p.incident_id,
                        summary: p.summary,
                        asset_ids: p.asset_ids,
                        occurred_at: p.occurred_at,
                        reported_by: actor,
                        reported: stamp,
                        directions: Vec::new(),
                        coordinations: Vec::new(),
                        resolutions: Vec::new(),
                    });
            }
            Payload::IncidentDirected(p) => {
                self.incident_mut(&p.incident_id)?
                    .directions
                    .push(act(&p.supervisor_post_id, p.directions));
            }
            Payload::IncidentCoordinated(p) => {
                self.incident_mut(&p.incident_id)?
                    .coordinations
                    .push(act("", p.actions));
            }
            Payload::IncidentResolved(p) => {
                self.incident_mut(&p.incident_id)?
                    .resolutions
                    .push(act("", p.resolution));
            }
            Payload::SecurityRequestIssued(p) => {
                self.security_requests
                    .entry(p.request_id.clone())
                    .or_insert(SecurityRequest {
                        id: p.request_id,
                        supervisor_post_id: p.supervisor_post_id,
                        addressee: p.addressee,
                        finding: p.finding,
                        standard: p.standard,
                        due: p.due,
                        issued_by: actor,
                        acting_for,
                        issued: stamp,
                        steps: Vec::new(),
                    });
            }
            Payload::SecurityRequestResponded(p) => {
                self.request_step(
                    &p.request_id,
                    RequestStepKind::Responded,
                    p.response,
                    None,
                    event,
                    stamp,
                )?;
            }
            Payload::SecurityRequestClosed(p) => {
                self.request_step(
                    &p.request_id,
                    RequestStepKind::Closed,
                    p.note,
                    None,
                    event,
                    stamp,
                )?;
            }
            Payload::SecurityRequestReopened(p) => {
                self.request_step(
                    &p.request_id,
                    RequestStepKind::Reopened,
                    p.reason,
                    Some(p.due),
                    event,
                    stamp,
                )?;
            }
            Payload::MeetingConvened(p) => {
                self.meetings
                    .entry(p.meeting_id.clone())
                    .or_insert(Meeting {
                        id: p.meeting_id,
                        kind: p.kind,
                        form: p.form,
                        urgency_reason: p.urgency_reason,
                        convener_post_id: p.convener_post_id,
                        convened_by: actor,
                        acting_for,
                        members: p.members,
                        agenda: p.agenda,
                        held_on: p.held_on,
                        convened: stamp,
                        minutes: Vec::new(),
                        signatures: Vec::new(),
                        resolutions: Vec::new(),
                    });
            }
            Payload::MeetingMinutesRecorded(p) => {
                self.meeting_mut(&p.meeting_id)?.minutes.push(Minutes {
                    attendees: p.attendees,
                    agenda: p.agenda,
                    resolutions: p.resolutions,
                    recorded_by: actor,
                    stamp,
                });
            }
            Payload::MeetingSigned(p) => {
                self.meeting_mut(&p.meeting_id)?.signatures.push(Signature {
                    person_id: p.person_id,
                    position: p.position,
                    comment: p.comment,
                    stamp,
                });
            }
            Payload::MeetingResolved(p) => {
                let m = self.meeting_mut(&p.meeting_id)?;
                let post = m.convener_post_id.clone();
                m.resolutions.push(act(&post, p.resolution));
            }
            Payload::DirectiveIssued(p) => {
                self.directives
                    .insert(p.directive_id.clone(), (p, stamp, actor));
            }
            Payload::OfficerDirected(p) => {
                self.officer_directions.insert(
                    p.direction_id.clone(),
                    OfficerDirection {
                        id: p.direction_id,
                        supervisor_post_id: p.supervisor_post_id,
                        addressee: p.addressee,
                        person_id: p.person_id,
                        matter: p.matter,
                        direction: p.direction,
                        directed_by: actor,
                        acting_for,
                        basis: event.meta.basis.clone(),
                        stamp,
                    },
                );
            }
            Payload::OperationRecorded(p) => self.operations.push(OperationRecord {
                operation: p.operation,
                target: p.target,
                result: p.result,
                detail: p.detail,
                recorded_as: p.recorded_as,
                ticket: p.ticket,
                actor,
                basis: event.meta.basis.clone(),
                stamp,
            }),
            // Access to the API, not the regulation's organisation: kept in the log only.
            Payload::TokenIssued(_) | Payload::TokenRevoked(_) => {}
        }
        Ok(())
    }

    fn modification_mut(&mut self, id: &str) -> Result<&mut Modification, String> {
        self.modifications
            .get_mut(id)
            .ok_or_else(|| format!("unknown modification {id}"))
    }
    fn retirement_mut(&mut self, id: &str) -> Result<&mut Retirement, String> {
        self.retirements
            .get_mut(id)
            .ok_or_else(|| format!("unknown retirement {id}"))
    }
    fn incident_mut(&mut self, id: &str) -> Result<&mut Incident, String> {
        self.incidents
            .get_mut(id)
            .ok_or_else(|| format!("unknown incident {id}"))
    }
    fn meeting_mut(&mut self, id: &str) -> Result<&mut Meeting, String> {
        self.meetings
            .get_mut(id)
            .ok_or_else(|| format!("unknown meeting {id}"))
    }

    fn request_step(
        &mut self,
        id: &str,
        kind: RequestStepKind,
        text: String,
        due: Option<chrono::NaiveDate>,
        event: &Event,
        stamp: Stamp,
    ) -> Result<(), String> {
        let r = self
            .security_requests
            .get_mut(id)
            .ok_or_else(|| format!("unknown security request {id}"))?;
        r.steps.push(RequestStep {
            kind,
            text,
            due,
            actor: event.meta.actor.clone(),
            acting_for: event.meta.acting_for.clone(),
            stamp,
        });
        Ok(())
    }
}

//! The fold: one event at a time into the [`State`]. Pure, and never panics: an event that does
//! not fit (unknown type, bad data, a reference to nothing) is recorded and otherwise ignored.

use govledger_schema::Event;
use govledger_schema::events::{Payload, PayloadError, parse_payload};

mod access;
mod direction;
mod incident;
mod meeting;
mod modification;
mod operations;
mod organisation;
mod regulation;
mod retirement;
mod security_request;

use crate::model::*;
use crate::{Stamp, State};

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

    /// One step per event type, each in the module of its procedure (named as the rules' and
    /// the views'). Exhaustive on purpose: a new [`Payload`] does not compile until it folds.
    fn fold(&mut self, event: &Event, payload: Payload) -> Result<(), String> {
        let cx = Fold {
            event,
            stamp: Stamp {
                seq: event.seq,
                at: event.effective_at,
            },
        };
        match payload {
            Payload::RegulationEstablished(p) => self.regulation_established(&cx, p),
            Payload::RegulationAmended(p) => self.regulation_amended(&cx, p),
            Payload::RoleBound(p) => self.role_bound(&cx, p),
            Payload::OperationStaffSectionsSet(p) => self.operation_staff_sections_set(&cx, p),
            Payload::CorrectionRecorded(p) => self.correction_recorded(&cx, p),
            Payload::UnitEstablished(p) => self.unit_established(&cx, p),
            Payload::PostEstablished(p) => self.post_established(&cx, p),
            Payload::PersonRegistered(p) => self.person_registered(&cx, p),
            Payload::PersonTransferred(p) => self.person_transferred(&cx, p),
            Payload::HolderAppointed(p) => self.holder_appointed(&cx, p),
            Payload::HolderEnded(p) => self.holder_ended(&cx, p),
            Payload::StaffDesignated(p) => self.staff_designated(&cx, p),
            Payload::StaffDesignationRevoked(p) => self.staff_designation_revoked(&cx, p),
            Payload::UsageOfficerAppointed(p) => self.usage_officer_appointed(&cx, p),
            Payload::UsageOfficerEnded(p) => self.usage_officer_ended(&cx, p),
            Payload::UserRegistered(p) => self.user_registered(&cx, p),
            Payload::UserDeregistered(p) => self.user_deregistered(&cx, p),
            Payload::AssetRegistered(p) => self.asset_registered(&cx, p),
            Payload::AssetAnnexAmended(p) => self.asset_annex_amended(&cx, p),
            Payload::PermissionRequested(p) => self.permission_requested(&cx, p),
            Payload::PermissionGranted(p) => self.permission_granted(&cx, p),
            Payload::PermissionRefused(p) => self.permission_refused(&cx, p),
            Payload::PermissionRevoked(p) => self.permission_revoked(&cx, p),
            Payload::ModificationProposed(p) => self.modification_proposed(&cx, p),
            Payload::ModificationApproved(p) => self.modification_approved(&cx, p),
            Payload::ModificationRejected(p) => self.modification_rejected(&cx, p),
            Payload::ModificationConsented(p) => self.modification_consented(&cx, p),
            Payload::ModificationConsentRefused(p) => self.modification_consent_refused(&cx, p),
            Payload::ModificationContentDecided(p) => self.modification_content_decided(&cx, p),
            Payload::ModificationCoordinated(p) => self.modification_coordinated(&cx, p),
            Payload::ModificationFinallyDecided(p) => self.modification_finally_decided(&cx, p),
            Payload::ModificationWithdrawn(p) => self.modification_withdrawn(&cx, p),
            Payload::RetirementNoticed(p) => self.retirement_noticed(&cx, p),
            Payload::RetirementApproved(p) => self.retirement_approved(&cx, p),
            Payload::RetirementConsented(p) => self.retirement_consented(&cx, p),
            Payload::RetirementConsentRefused(p) => self.retirement_consent_refused(&cx, p),
            Payload::RetirementDecided(p) => self.retirement_decided(&cx, p),
            Payload::RetirementMeasuresRecorded(p) => self.retirement_measures_recorded(&cx, p),
            Payload::RosterRecorded(p) => self.roster_recorded(&cx, p),
            Payload::IncidentReported(p) => self.incident_reported(&cx, p),
            Payload::IncidentDirected(p) => self.incident_directed(&cx, p),
            Payload::IncidentCoordinated(p) => self.incident_coordinated(&cx, p),
            Payload::IncidentResolved(p) => self.incident_resolved(&cx, p),
            Payload::SecurityRequestIssued(p) => self.security_request_issued(&cx, p),
            Payload::SecurityRequestResponded(p) => self.security_request_responded(&cx, p),
            Payload::SecurityRequestClosed(p) => self.security_request_closed(&cx, p),
            Payload::SecurityRequestReopened(p) => self.security_request_reopened(&cx, p),
            Payload::MeetingConvened(p) => self.meeting_convened(&cx, p),
            Payload::MeetingMinutesRecorded(p) => self.meeting_minutes_recorded(&cx, p),
            Payload::MeetingSigned(p) => self.meeting_signed(&cx, p),
            Payload::MeetingResolved(p) => self.meeting_resolved(&cx, p),
            Payload::DirectiveIssued(p) => self.directive_issued(&cx, p),
            Payload::OfficerDirected(p) => self.officer_directed(&cx, p),
            Payload::UsersDirected(p) => self.users_directed(&cx, p),
            Payload::OperationRecorded(p) => self.operation_recorded(&cx, p),
            // Access to the API, not the regulation's organisation: kept in the log only.
            Payload::TokenIssued(_) | Payload::TokenRevoked(_) => Ok(()),
        }
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

/// The event a fold step folds, and its stamp.
#[derive(Debug, Clone, Copy)]
struct Fold<'e> {
    event: &'e Event,
    stamp: Stamp,
}

impl Fold<'_> {
    /// An act of the event's actor as `post_id`.
    fn act(&self, post_id: &str, text: String) -> PostAct {
        PostAct {
            post_id: post_id.to_owned(),
            actor: self.event.meta.actor.clone(),
            acting_for: self.event.meta.acting_for.clone(),
            text,
            stamp: self.stamp,
        }
    }
}

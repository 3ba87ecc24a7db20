//! Meetings (第12条) with minutes and signatures, directives (第13条) and directions of
//! officers (第3条第3項, 第5条第3項).

use chrono::NaiveDate;
use chrono::{DateTime, FixedOffset};
use govledger_schema::events::{Addressee, MeetingForm, MeetingKind, SignaturePosition};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureView {
    pub person_id: String,
    pub position: SignaturePosition,
    pub comment: Option<String>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub kind: MeetingKind,
    pub form: MeetingForm,
    pub urgency_reason: Option<String>,
    pub convener_post_id: String,
    pub convened_by: String,
    pub acting_for: Option<String>,
    pub held_on: NaiveDate,
    pub members: Vec<String>,
    pub agenda: Vec<String>,
    pub minutes: Option<MinutesView>,
    pub signatures: Vec<SignatureView>,
    /// Members of a circulation who have not signed.
    pub unsigned: Vec<String>,
    pub resolution: Option<ActView>,
    pub seqs: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinutesView {
    pub attendees: Vec<String>,
    pub agenda: Vec<String>,
    pub resolutions: Vec<String>,
    pub recorded_by: String,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingsView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub meetings: Vec<MeetingView>,
    pub directives: Vec<DirectiveView>,
    /// The supervisor's directions of officers (第3条第3項, 第5条第3項).
    pub officer_directions: Vec<OfficerDirectionView>,
    /// Usage officers' directions of their divisions' users (第8条第3項).
    pub user_directions: Vec<UserDirectionView>,
}

/// One direction of a division's users by its usage officer (第8条第3項).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDirectionView {
    pub id: String,
    pub unit_id: String,
    pub usage_officer_id: String,
    /// The users addressed (person ids), as registered in the division at the time.
    pub users: Vec<String>,
    pub matter: String,
    pub direction: String,
    pub basis: String,
    pub effective_at: DateTime<FixedOffset>,
    pub seq: u64,
}

/// One direction of an officer by the supervisor (第3条第3項, 第5条第3項).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficerDirectionView {
    pub id: String,
    pub supervisor_post_id: String,
    pub directed_by: String,
    pub acting_for: Option<String>,
    /// `officer` (an information management officer's post) or `usage_officer` (a division's).
    pub addressee_kind: &'static str,
    /// The post (officer) or the unit (usage officer) addressed.
    pub addressee_id: String,
    pub person_id: String,
    pub matter: String,
    pub direction: String,
    pub basis: String,
    pub effective_at: DateTime<FixedOffset>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectiveView {
    pub id: String,
    pub supervisor_post_id: String,
    pub issued_by: String,
    pub title: String,
    pub body: String,
    pub effective_at: DateTime<FixedOffset>,
    pub seq: u64,
}

impl<'a> Lens<'a> {
    pub fn meeting_view(&self, m: &Meeting) -> MeetingView {
        let signatures: Vec<&Signature> = m
            .signatures
            .iter()
            .filter(|s| self.happened(&s.stamp))
            .collect();
        let unsigned = if m.form == MeetingForm::Circulation {
            m.members
                .iter()
                .filter(|p| !signatures.iter().any(|s| s.person_id == **p))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let minutes = self.latest(&m.minutes, |x| &x.stamp);
        let resolution = self.acts(&m.resolutions).next();
        let mut seqs = vec![m.convened.seq];
        seqs.extend(minutes.iter().map(|x| x.stamp.seq));
        seqs.extend(signatures.iter().map(|s| s.stamp.seq));
        seqs.extend(resolution.iter().map(|r| r.stamp.seq));
        seqs.sort_unstable();
        MeetingView {
            id: m.id.clone(),
            kind: m.kind,
            form: m.form,
            urgency_reason: m.urgency_reason.clone(),
            convener_post_id: m.convener_post_id.clone(),
            convened_by: m.convened_by.clone(),
            acting_for: m.acting_for.clone(),
            held_on: m.held_on,
            members: m.members.clone(),
            agenda: m.agenda.clone(),
            minutes: minutes.map(|x| MinutesView {
                attendees: x.attendees.clone(),
                agenda: x.agenda.clone(),
                resolutions: x.resolutions.clone(),
                recorded_by: x.recorded_by.clone(),
                seq: x.stamp.seq,
            }),
            signatures: signatures
                .into_iter()
                .map(|s| SignatureView {
                    person_id: s.person_id.clone(),
                    position: s.position,
                    comment: s.comment.clone(),
                    seq: s.stamp.seq,
                })
                .collect(),
            unsigned,
            resolution: resolution.map(ActView::from),
            seqs,
        }
    }

    /// Meetings (第12条) with minutes and signatures, and directives (第13条).
    pub fn meetings(&self) -> MeetingsView {
        MeetingsView {
            at: self.header(),
            meetings: self
                .state
                .meetings
                .values()
                .filter(|m| self.happened(&m.convened))
                .map(|m| self.meeting_view(m))
                .collect(),
            directives: self
                .state
                .directives
                .values()
                .filter(|(_, s, _)| self.happened(s))
                .map(|(d, s, actor)| DirectiveView {
                    id: d.directive_id.clone(),
                    supervisor_post_id: d.supervisor_post_id.clone(),
                    issued_by: actor.clone(),
                    title: d.title.clone(),
                    body: d.body.clone(),
                    effective_at: s.at,
                    seq: s.seq,
                })
                .collect(),
            officer_directions: self
                .state
                .officer_directions
                .values()
                .filter(|d| self.happened(&d.stamp))
                .map(|d| {
                    let (addressee_kind, addressee_id) = match &d.addressee {
                        Addressee::Officer { post_id } => ("officer", post_id.clone()),
                        Addressee::UsageOfficer { unit_id } => ("usage_officer", unit_id.clone()),
                    };
                    OfficerDirectionView {
                        id: d.id.clone(),
                        supervisor_post_id: d.supervisor_post_id.clone(),
                        directed_by: d.directed_by.clone(),
                        acting_for: d.acting_for.clone(),
                        addressee_kind,
                        addressee_id,
                        person_id: d.person_id.clone(),
                        matter: d.matter.clone(),
                        direction: d.direction.clone(),
                        basis: d.basis.clone(),
                        effective_at: d.stamp.at,
                        seq: d.stamp.seq,
                    }
                })
                .collect(),
            user_directions: self
                .state
                .user_directions
                .values()
                .filter(|d| self.happened(&d.stamp))
                .map(|d| UserDirectionView {
                    id: d.id.clone(),
                    unit_id: d.unit_id.clone(),
                    usage_officer_id: d.usage_officer_id.clone(),
                    users: d.users.clone(),
                    matter: d.matter.clone(),
                    direction: d.direction.clone(),
                    basis: d.basis.clone(),
                    effective_at: d.stamp.at,
                    seq: d.stamp.seq,
                })
                .collect(),
        }
    }
}

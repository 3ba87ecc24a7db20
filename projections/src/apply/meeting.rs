//! The fold of meetings, minutes, signatures and resolutions (第12条).

use govledger_schema::events::{
    MeetingConvened, MeetingMinutesRecorded, MeetingResolved, MeetingSigned,
};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn meeting_convened(
        &mut self,
        cx: &Fold<'_>,
        p: MeetingConvened,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let acting_for = cx.event.meta.acting_for.clone();
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
        Ok(())
    }

    pub(super) fn meeting_minutes_recorded(
        &mut self,
        cx: &Fold<'_>,
        p: MeetingMinutesRecorded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        self.meeting_mut(&p.meeting_id)?.minutes.push(Minutes {
            attendees: p.attendees,
            agenda: p.agenda,
            resolutions: p.resolutions,
            recorded_by: actor,
            stamp,
        });
        Ok(())
    }

    pub(super) fn meeting_signed(&mut self, cx: &Fold<'_>, p: MeetingSigned) -> Result<(), String> {
        let stamp = cx.stamp;
        self.meeting_mut(&p.meeting_id)?.signatures.push(Signature {
            person_id: p.person_id,
            position: p.position,
            comment: p.comment,
            stamp,
        });
        Ok(())
    }

    pub(super) fn meeting_resolved(
        &mut self,
        cx: &Fold<'_>,
        p: MeetingResolved,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        let m = self.meeting_mut(&p.meeting_id)?;
        let post = m.convener_post_id.clone();
        m.resolutions.push(act(&post, p.resolution));
        Ok(())
    }
}

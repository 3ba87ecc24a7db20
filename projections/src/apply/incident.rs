//! The fold of emergency rosters and incidents (第9条).

use govledger_schema::events::{
    IncidentCoordinated, IncidentDirected, IncidentReported, IncidentResolved, RosterRecorded,
};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn roster_recorded(
        &mut self,
        cx: &Fold<'_>,
        p: RosterRecorded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        self.rosters
            .entry(p.officer_post_id.clone())
            .or_default()
            .push(RosterVersion {
                officer_post_id: p.officer_post_id,
                entries: p.entries,
                recorded_by: actor,
                stamp,
            });
        Ok(())
    }

    pub(super) fn incident_reported(
        &mut self,
        cx: &Fold<'_>,
        p: IncidentReported,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
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
        Ok(())
    }

    pub(super) fn incident_directed(
        &mut self,
        cx: &Fold<'_>,
        p: IncidentDirected,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.incident_mut(&p.incident_id)?
            .directions
            .push(act(&p.supervisor_post_id, p.directions));
        Ok(())
    }

    pub(super) fn incident_coordinated(
        &mut self,
        cx: &Fold<'_>,
        p: IncidentCoordinated,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.incident_mut(&p.incident_id)?
            .coordinations
            .push(act("", p.actions));
        Ok(())
    }

    pub(super) fn incident_resolved(
        &mut self,
        cx: &Fold<'_>,
        p: IncidentResolved,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.incident_mut(&p.incident_id)?
            .resolutions
            .push(act("", p.resolution));
        Ok(())
    }
}

//! The fold of permission requests, grants, refusals and revocations (第8条).

use govledger_schema::events::{
    PermissionGranted, PermissionRefused, PermissionRequested, PermissionRevoked,
};

use super::Fold;
use crate::model::*;
use crate::{Span, State};

impl State {
    pub(super) fn permission_requested(
        &mut self,
        cx: &Fold<'_>,
        p: PermissionRequested,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
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
        Ok(())
    }

    pub(super) fn permission_granted(
        &mut self,
        cx: &Fold<'_>,
        p: PermissionGranted,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let acting_for = cx.event.meta.acting_for.clone();
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
        Ok(())
    }

    pub(super) fn permission_refused(
        &mut self,
        cx: &Fold<'_>,
        p: PermissionRefused,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
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
        Ok(())
    }

    pub(super) fn permission_revoked(
        &mut self,
        cx: &Fold<'_>,
        p: PermissionRevoked,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let g = self
            .grants
            .get_mut(&p.asset_id)
            .and_then(|gs| gs.iter_mut().rev().find(|g| g.person_id == p.person_id))
            .ok_or("no such grant")?;
        g.span.ends.push(stamp);
        Ok(())
    }
}

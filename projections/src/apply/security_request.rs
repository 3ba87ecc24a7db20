//! The fold of security improvement requests (第10条第2項).

use govledger_schema::events::{
    SecurityRequestClosed, SecurityRequestIssued, SecurityRequestReopened, SecurityRequestResponded,
};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn security_request_issued(
        &mut self,
        cx: &Fold<'_>,
        p: SecurityRequestIssued,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let acting_for = cx.event.meta.acting_for.clone();
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
        Ok(())
    }

    pub(super) fn security_request_responded(
        &mut self,
        cx: &Fold<'_>,
        p: SecurityRequestResponded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let event = cx.event;
        self.request_step(
            &p.request_id,
            RequestStepKind::Responded,
            p.response,
            None,
            event,
            stamp,
        )?;
        Ok(())
    }

    pub(super) fn security_request_closed(
        &mut self,
        cx: &Fold<'_>,
        p: SecurityRequestClosed,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let event = cx.event;
        self.request_step(
            &p.request_id,
            RequestStepKind::Closed,
            p.note,
            None,
            event,
            stamp,
        )?;
        Ok(())
    }

    pub(super) fn security_request_reopened(
        &mut self,
        cx: &Fold<'_>,
        p: SecurityRequestReopened,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let event = cx.event;
        self.request_step(
            &p.request_id,
            RequestStepKind::Reopened,
            p.reason,
            Some(p.due),
            event,
            stamp,
        )?;
        Ok(())
    }
}

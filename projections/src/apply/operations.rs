//! The fold of operation records (第11条).

use govledger_schema::events::OperationRecorded;

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn operation_recorded(
        &mut self,
        cx: &Fold<'_>,
        p: OperationRecorded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let event = cx.event;
        self.operations.push(OperationRecord {
            operation: p.operation,
            target: p.target,
            result: p.result,
            detail: p.detail,
            recorded_as: p.recorded_as,
            ticket: p.ticket,
            actor,
            basis: event.meta.basis.clone(),
            stamp,
        });
        Ok(())
    }
}

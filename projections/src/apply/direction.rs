//! The fold of directives (第13条), directions of officers (第3条第3項, 第5条第3項) and of
//! users (第8条第3項).

use govledger_schema::events::{DirectiveIssued, OfficerDirected, UsersDirected};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn directive_issued(
        &mut self,
        cx: &Fold<'_>,
        p: DirectiveIssued,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        self.directives
            .insert(p.directive_id.clone(), (p, stamp, actor));
        Ok(())
    }

    pub(super) fn officer_directed(
        &mut self,
        cx: &Fold<'_>,
        p: OfficerDirected,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let acting_for = cx.event.meta.acting_for.clone();
        let event = cx.event;
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
        Ok(())
    }

    pub(super) fn users_directed(&mut self, cx: &Fold<'_>, p: UsersDirected) -> Result<(), String> {
        self.user_directions.insert(
            p.direction_id.clone(),
            UserDirection {
                id: p.direction_id,
                unit_id: p.unit_id,
                usage_officer_id: p.usage_officer_id,
                users: p.users,
                matter: p.matter,
                direction: p.direction,
                basis: cx.event.meta.basis.clone(),
                stamp: cx.stamp,
            },
        );
        Ok(())
    }
}

//! The fold of system modifications (第6条).

use govledger_schema::events::{
    ModificationApproved, ModificationConsentRefused, ModificationConsented,
    ModificationContentDecided, ModificationCoordinated, ModificationFinallyDecided,
    ModificationProposed, ModificationRejected, ModificationWithdrawn,
};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn modification_proposed(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationProposed,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
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
        Ok(())
    }

    pub(super) fn modification_approved(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationApproved,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        let text = p.comment.unwrap_or_default();
        self.modification_mut(&p.modification_id)?
            .approvals
            .push(act(&p.officer_post_id, text));
        Ok(())
    }

    pub(super) fn modification_rejected(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationRejected,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .rejections
            .push(act(&p.officer_post_id, p.reason));
        Ok(())
    }

    pub(super) fn modification_consented(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationConsented,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .consents
            .push(act(&p.supervisor_post_id, String::new()));
        Ok(())
    }

    pub(super) fn modification_consent_refused(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationConsentRefused,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .consent_refusals
            .push(act(&p.supervisor_post_id, p.reason));
        Ok(())
    }

    pub(super) fn modification_content_decided(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationContentDecided,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .contents
            .push(act(&p.officer_post_id, p.content));
        Ok(())
    }

    pub(super) fn modification_coordinated(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationCoordinated,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .coordinations
            .push((act(&p.supervisor_post_id, p.content), p.officer_post_ids));
        Ok(())
    }

    pub(super) fn modification_finally_decided(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationFinallyDecided,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.modification_mut(&p.modification_id)?
            .final_decisions
            .push((act(&p.supervisor_post_id, p.summary), p.procedure_documents));
        Ok(())
    }

    pub(super) fn modification_withdrawn(
        &mut self,
        cx: &Fold<'_>,
        p: ModificationWithdrawn,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        let m = self.modification_mut(&p.modification_id)?;
        let post = m.proposer_post_id.clone();
        m.withdrawals.push(act(&post, p.reason));
        Ok(())
    }
}

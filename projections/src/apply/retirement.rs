//! The fold of retirements of assets (第7条).

use govledger_schema::events::{
    RetirementApproved, RetirementConsentRefused, RetirementConsented, RetirementDecided,
    RetirementMeasuresRecorded, RetirementNoticed,
};

use super::Fold;
use crate::State;
use crate::model::*;

impl State {
    pub(super) fn retirement_noticed(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementNoticed,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
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
        Ok(())
    }

    pub(super) fn retirement_approved(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementApproved,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        let text = p.comment.unwrap_or_default();
        self.retirement_mut(&p.retirement_id)?
            .approvals
            .push(act(&p.officer_post_id, text));
        Ok(())
    }

    pub(super) fn retirement_consented(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementConsented,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.retirement_mut(&p.retirement_id)?
            .consents
            .push(act(&p.supervisor_post_id, String::new()));
        Ok(())
    }

    pub(super) fn retirement_consent_refused(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementConsentRefused,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.retirement_mut(&p.retirement_id)?
            .consent_refusals
            .push(act(&p.supervisor_post_id, p.reason));
        Ok(())
    }

    pub(super) fn retirement_decided(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementDecided,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        let r = self.retirement_mut(&p.retirement_id)?;
        r.decisions.push(act(&p.officer_post_id, String::new()));
        let assets = r.asset_ids.clone();
        for a in assets {
            if let Some(asset) = self.assets.get_mut(&a) {
                asset.retired.push((stamp, p.retirement_id.clone()));
            }
        }
        Ok(())
    }

    pub(super) fn retirement_measures_recorded(
        &mut self,
        cx: &Fold<'_>,
        p: RetirementMeasuresRecorded,
    ) -> Result<(), String> {
        let act = |post_id: &str, text: String| cx.act(post_id, text);
        self.retirement_mut(&p.retirement_id)?
            .measures
            .push((act(&p.supervisor_post_id, String::new()), p.measures));
        Ok(())
    }
}

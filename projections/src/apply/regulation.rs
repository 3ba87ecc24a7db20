//! The fold of the regulation, its role bindings and annex (別表), and the ledger's corrections.

use govledger_schema::events::{
    AssetAnnexAmended, AssetRegistered, CorrectionRecorded, OperationStaffSectionsSet,
    RegulationAmended, RegulationEstablished, RoleBound,
};

use super::Fold;
use crate::model::*;
use crate::{Correction, RoleBinding, State};

impl State {
    pub(super) fn regulation_established(
        &mut self,
        cx: &Fold<'_>,
        p: RegulationEstablished,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.regulation = Some((p, stamp));
        Ok(())
    }

    pub(super) fn regulation_amended(
        &mut self,
        cx: &Fold<'_>,
        p: RegulationAmended,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.amendments.push((p, stamp));
        Ok(())
    }

    pub(super) fn role_bound(&mut self, cx: &Fold<'_>, p: RoleBound) -> Result<(), String> {
        let stamp = cx.stamp;
        self.role_bindings.push(RoleBinding {
            role: p.role,
            post_id: p.post_id,
            scope: p.scope,
            start: stamp,
        });
        Ok(())
    }

    pub(super) fn operation_staff_sections_set(
        &mut self,
        cx: &Fold<'_>,
        p: OperationStaffSectionsSet,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.operation_staff_sections.push((p.unit_ids, stamp));
        Ok(())
    }

    pub(super) fn correction_recorded(
        &mut self,
        cx: &Fold<'_>,
        p: CorrectionRecorded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let actor = cx.event.meta.actor.clone();
        let event = cx.event;
        self.voided.entry(p.corrects_seq).or_insert(event.seq);
        self.corrections.push(Correction {
            stamp,
            actor,
            corrects_seq: p.corrects_seq,
            corrects_event_id: p.corrects_event_id,
            reason: p.reason,
        });
        Ok(())
    }

    pub(super) fn asset_registered(
        &mut self,
        cx: &Fold<'_>,
        p: AssetRegistered,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let a = self.assets.entry(p.asset_id.clone()).or_insert(Asset {
            id: p.asset_id,
            annex_row: p.annex_row,
            versions: Vec::new(),
            retired: Vec::new(),
        });
        a.versions.push(AssetVersion {
            name: p.name,
            businesses: p.businesses,
            officer_post_ids: p.officer_post_ids,
            bureau: p.bureau,
            start: stamp,
        });
        Ok(())
    }

    pub(super) fn asset_annex_amended(
        &mut self,
        cx: &Fold<'_>,
        p: AssetAnnexAmended,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let a = self.assets.get_mut(&p.asset_id).ok_or("unknown asset")?;
        a.versions.push(AssetVersion {
            name: p.name,
            businesses: p.businesses,
            officer_post_ids: p.officer_post_ids,
            bureau: p.bureau,
            start: stamp,
        });
        Ok(())
    }
}

//! The annex's information assets (別表), their officer posts and holders, and retirement.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficerView {
    pub post_id: String,
    pub title: Option<String>,
    pub holder: Option<HolderView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetView {
    pub id: String,
    pub annex_row: u32,
    pub name: String,
    pub businesses: Vec<String>,
    pub bureau: String,
    pub supervisor_post_id: Option<String>,
    pub officers: Vec<OfficerView>,
    pub retired: Option<RetiredView>,
    pub annex_seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetiredView {
    pub retirement_id: String,
    pub since: DateTime<FixedOffset>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetsView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub assets: Vec<AssetView>,
}

impl<'a> Lens<'a> {
    /// Assets of the annex, their officer posts and holders, and retirement.
    pub fn assets(&self) -> AssetsView {
        let assets = self
            .state
            .assets
            .values()
            .filter_map(|a| {
                let v = self.asset(&a.id)?;
                Some(AssetView {
                    id: a.id.clone(),
                    annex_row: a.annex_row,
                    name: v.name.clone(),
                    businesses: v.businesses.clone(),
                    bureau: v.bureau.clone(),
                    supervisor_post_id: self.supervisor_for_bureau(&v.bureau).map(str::to_owned),
                    officers: v
                        .officer_post_ids
                        .iter()
                        .map(|post_id| OfficerView {
                            post_id: post_id.clone(),
                            title: self.post(post_id).map(|p| p.title.clone()),
                            holder: self.holding(post_id).map(|h| self.holder_view(h)),
                        })
                        .collect(),
                    retired: self.retired(&a.id).map(|(s, id)| RetiredView {
                        retirement_id: id.clone(),
                        since: s.at,
                        seq: s.seq,
                    }),
                    annex_seq: v.start.seq,
                })
            })
            .collect();
        AssetsView {
            at: self.header(),
            assets,
        }
    }

    /// The persons holding the officer posts of `asset_id` at `as_of`.
    pub fn officers_of_asset(&self, asset_id: &str) -> Vec<(String, Option<String>)> {
        self.asset(asset_id)
            .map(|v| {
                v.officer_post_ids
                    .iter()
                    .map(|p| (p.clone(), self.holder(p).map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

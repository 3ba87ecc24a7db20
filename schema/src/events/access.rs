//! The annex (別表) and permission decisions (第5条第2項).

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One row of the annex: an information asset, its businesses, its officer posts and bureau.
/// `asset.registered.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetRegistered {
    /// `A01`..`A30` in annex row order.
    pub asset_id: String,
    pub annex_row: u32,
    pub name: String,
    pub businesses: Vec<String>,
    /// 情報管理責任者: the posts named for the asset (one or several).
    pub officer_post_ids: Vec<String>,
    /// 健康福祉局 or こども未来局: decides which supervisor's scope the asset is in.
    pub bureau: String,
}

/// An amendment of an annex row. `asset.annex_amended.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetAnnexAmended {
    pub asset_id: String,
    pub name: String,
    pub businesses: Vec<String>,
    pub officer_post_ids: Vec<String>,
    pub bureau: String,
}

/// A usage officer asks for a user's use of an asset. `permission.requested.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionRequested {
    pub request_id: String,
    pub person_id: String,
    pub asset_id: String,
    pub scope: String,
    pub until: Option<DateTime<FixedOffset>>,
    /// The user division whose usage officer asked.
    pub unit_id: String,
}

/// An officer of the asset grants a user its use (第5条第2項). `permission.granted.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionGranted {
    pub person_id: String,
    pub asset_id: String,
    /// The user's division when granted.
    pub unit_id: String,
    /// What the user may see or do, e.g. 照会 or 照会・更新.
    pub scope: String,
    pub until: Option<DateTime<FixedOffset>>,
    pub officer_post_id: String,
    pub request_id: Option<String>,
}

/// `permission.refused.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionRefused {
    pub person_id: String,
    pub asset_id: String,
    pub officer_post_id: String,
    pub reason: String,
    pub request_id: Option<String>,
}

/// `permission.revoked.v1`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionRevoked {
    pub person_id: String,
    pub asset_id: String,
    pub officer_post_id: String,
    pub reason: String,
}

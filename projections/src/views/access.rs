//! Who may use which asset at `as_of`, since when, on whose decision (第8条).

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

/// Who may use which asset, since when, on whose decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessEntry {
    pub asset_id: String,
    pub person_id: String,
    pub person_name: String,
    pub unit_id: String,
    pub scope: String,
    pub since: DateTime<FixedOffset>,
    pub until: Option<DateTime<FixedOffset>>,
    /// The deciding event.
    pub decided_seq: u64,
    /// The person who decided, the officer post they decided as, and the post acted for.
    pub decided_by: String,
    pub officer_post_id: String,
    pub acting_for: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub grants: Vec<AccessEntry>,
    /// Grants in all, of which `grants` holds the [`Window`] asked for.
    /// Not serialized: the HTTP API's answers carry `page: {offset, limit, total, next_offset}`.
    #[serde(skip)]
    pub total: usize,
}

impl<'a> Lens<'a> {
    pub(super) fn access_entry(&self, g: &Grant) -> AccessEntry {
        AccessEntry {
            asset_id: g.asset_id.clone(),
            person_id: g.person_id.clone(),
            person_name: self.person_name(&g.person_id),
            unit_id: g.unit_id.clone(),
            scope: g.scope.clone(),
            since: g.span.start.at,
            until: g.until,
            decided_seq: g.span.start.seq,
            decided_by: g.decided_by.clone(),
            officer_post_id: g.officer_post_id.clone(),
            acting_for: g.acting_for.clone(),
            request_id: g.request_id.clone(),
        }
    }

    /// Who may use which asset at `as_of`, since when, on whose decision. Filters are optional.
    pub fn access(&self, asset_id: Option<&str>, person_id: Option<&str>) -> AccessView {
        self.access_page(asset_id, person_id, Window::ALL)
    }

    /// [`Lens::access`], one page of it.
    pub fn access_page(
        &self,
        asset_id: Option<&str>,
        person_id: Option<&str>,
        window: Window,
    ) -> AccessView {
        let mut grants = Paging::new(window);
        for g in self
            .active_grants()
            .filter(|g| asset_id.is_none_or(|a| g.asset_id == a))
            .filter(|g| person_id.is_none_or(|p| g.person_id == p))
        {
            grants.push(|| self.access_entry(g));
        }
        AccessView {
            at: self.header(),
            grants: grants.items,
            total: grants.total,
        }
    }
}

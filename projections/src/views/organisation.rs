//! The organisation view: units, posts with their current and past holders, and each person's
//! roles (第3条, 第4条, 第5条).

use chrono::{DateTime, FixedOffset};
use govledger_schema::events::{Role, StaffRole};
use serde::Serialize;
use utoipa::ToSchema;

use super::*;
use crate::model::*;

/// A holder of a post over a span.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    pub person_id: String,
    pub name: String,
    pub since: DateTime<FixedOffset>,
    pub until: Option<DateTime<FixedOffset>>,
    pub personnel_order: String,
    pub appointed_seq: u64,
    pub ended_seq: Option<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub bureau: String,
    pub user_division: bool,
    pub usage_officer: Option<PersonAt>,
    pub established_seq: u64,
}

/// A person in a role since a time, on the event at `seq`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonAt {
    pub person_id: String,
    pub name: String,
    pub since: DateTime<FixedOffset>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostView {
    pub id: String,
    pub title: String,
    pub unit_id: String,
    pub heads_unit: bool,
    /// Roles the regulation attaches to this post.
    pub roles: Vec<Role>,
    /// Assets this post is an officer post of (別表).
    pub officer_of_assets: Vec<String>,
    pub holder: Option<HolderView>,
    /// Holders whose appointment ended by `as_of`, oldest first.
    pub past_holders: Vec<HolderView>,
    pub established_seq: u64,
}

/// One role of a person and how they hold it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRole {
    pub role: Role,
    /// `post:<id>`, `designation:<post id>`, `unit:<id>`.
    pub via: String,
    pub since: DateTime<FixedOffset>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRoles {
    pub person_id: String,
    pub name: String,
    pub unit_id: Option<String>,
    pub roles: Vec<PersonRole>,
}

/// Organisation view: units, posts with current and past holders, each person's roles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationView {
    /// Not serialized: the HTTP API's answers carry their own header (`as_of`, `known_at`,
    /// `head`).
    #[serde(skip)]
    pub at: ViewAt,
    pub units: Vec<UnitView>,
    pub posts: Vec<PostView>,
    /// Persons with at least one role at `as_of`.
    pub persons: Vec<PersonRoles>,
}

impl<'a> Lens<'a> {
    /// The roles a post carries at `as_of`.
    pub fn post_roles(&self, post_id: &str) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .state
            .role_bindings
            .iter()
            .filter(|b| b.post_id == post_id && self.happened(&b.start))
            .map(|b| b.role)
            .collect();
        if self.is_officer_post(post_id) {
            roles.push(Role::InformationManagementOfficer);
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// Every role `person_id` holds at `as_of`, and how.
    pub fn person_roles(&self, person_id: &str) -> Vec<PersonRole> {
        let mut out = Vec::new();
        for post_id in self.posts_held(person_id) {
            let Some(h) = self.holding(post_id) else {
                continue;
            };
            for role in self.post_roles(post_id) {
                out.push(PersonRole {
                    role,
                    via: format!("post:{post_id}"),
                    since: h.span.start.at,
                    seq: h.span.start.seq,
                });
            }
        }
        if let Some(p) = self.person(person_id) {
            for d in p.designations.iter().filter(|d| self.holds(&d.span)) {
                let role = match d.role {
                    StaffRole::SystemOperationStaff => Role::SystemOperationStaff,
                    StaffRole::InformationManagementStaff => Role::InformationManagementStaff,
                };
                out.push(PersonRole {
                    role,
                    via: format!("designation:{}", d.designated_by_post_id),
                    since: d.span.start.at,
                    seq: d.span.start.seq,
                });
            }
        }
        for unit in self.usage_officer_units(person_id) {
            if let Some(t) = self.usage_officer(unit) {
                out.push(PersonRole {
                    role: Role::UsageOfficer,
                    via: format!("unit:{unit}"),
                    since: t.span.start.at,
                    seq: t.span.start.seq,
                });
            }
        }
        if let Some(r) = self.user_registration(person_id) {
            out.push(PersonRole {
                role: Role::User,
                via: format!("unit:{}", r.unit_id),
                since: r.span.start.at,
                seq: r.span.start.seq,
            });
        }
        out
    }

    /// Units, posts (current and past holders) and each person's roles.
    pub fn organisation(&self) -> OrganisationView {
        let units = self
            .state
            .units
            .values()
            .filter(|u| self.happened(&u.established))
            .map(|u| UnitView {
                id: u.id.clone(),
                name: u.name.clone(),
                parent_id: u.parent_id.clone(),
                bureau: u.bureau.clone(),
                user_division: u.user_division,
                usage_officer: self.usage_officer(&u.id).map(|t| PersonAt {
                    person_id: t.person_id.clone(),
                    name: self.person_name(&t.person_id),
                    since: t.span.start.at,
                    seq: t.span.start.seq,
                }),
                established_seq: u.established.seq,
            })
            .collect();
        let posts = self
            .state
            .posts
            .values()
            .filter(|p| self.happened(&p.established))
            .map(|p| self.post_view(p))
            .collect();
        let persons = self
            .state
            .persons
            .values()
            .filter(|p| self.happened(&p.registered))
            .filter_map(|p| {
                let roles = self.person_roles(&p.id);
                (!roles.is_empty()).then(|| PersonRoles {
                    person_id: p.id.clone(),
                    name: p.name.clone(),
                    unit_id: self.person_unit(&p.id).map(str::to_owned),
                    roles,
                })
            })
            .collect();
        OrganisationView {
            at: self.header(),
            units,
            posts,
            persons,
        }
    }

    pub(super) fn post_view(&self, p: &Post) -> PostView {
        let holder = p
            .holders
            .iter()
            .find(|h| self.holds(&h.span))
            .map(|h| self.holder_view(h));
        let mut past: Vec<&Holding> = p
            .holders
            .iter()
            .filter(|h| {
                self.happened(&h.span.start) && h.span.ends.iter().any(|e| self.happened(e))
            })
            .collect();
        past.sort_by_key(|h| (h.span.start.at, h.span.start.seq));
        PostView {
            id: p.id.clone(),
            title: p.title.clone(),
            unit_id: p.unit_id.clone(),
            heads_unit: p.heads_unit,
            roles: self.post_roles(&p.id),
            officer_of_assets: self
                .assets_of_officer_post(&p.id)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            holder,
            past_holders: past.into_iter().map(|h| self.holder_view(h)).collect(),
            established_seq: p.established.seq,
        }
    }
}

//! The valid choices of each reference member at a date: what `GET /v1/commands/{kind}/options`
//! answers and what the web form's selects offer, from the same function, so a client never
//! has to guess an id. "Valid" is what exists at the date (a registered person, an
//! established post or unit, an asset in the annex and not retired) and, for a process, what
//! can still be acted on (an open modification, a retirement not yet completed, a request not
//! yet answered, a meeting not yet resolved, an incident not yet resolved). Whether the actor
//! may do the act is the rules' question, answered by the preview.

use std::collections::BTreeMap;

use govledger_projections::{IncidentStatus, Lens, ModificationState, RetirementState};
use serde::Serialize;
use utoipa::ToSchema;

use super::fields::{Form, Input, RefKind};

/// One valid choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Choice {
    /// The value to send (`P0012`, `HW-DH-WELF`, `MOD-0003`).
    pub id: String,
    /// What a person recognises it by: a name, a title, a summary.
    pub label: String,
}

/// The valid choices of `kind` at the lens's date, in id order.
pub fn choices(l: &Lens<'_>, kind: RefKind) -> Vec<Choice> {
    let st = l.state;
    let c = |id: &str, label: String| Choice {
        id: id.to_owned(),
        label,
    };
    let mut out: Vec<Choice> = match kind {
        RefKind::Person => st
            .persons()
            .filter(|p| l.happened(&p.registered))
            .map(|p| {
                let unit = l
                    .person_unit(&p.id)
                    .and_then(|u| l.unit(u))
                    .map(|u| u.name.as_str())
                    .unwrap_or_default();
                c(&p.id, format!("{} ({unit})", p.name))
            })
            .collect(),
        RefKind::Post | RefKind::OfficerPost => st
            .posts()
            .filter(|p| l.happened(&p.established))
            .filter(|p| kind == RefKind::Post || l.is_officer_post(&p.id))
            .map(|p| {
                let holder = l
                    .holder(&p.id)
                    .and_then(|h| l.person(h))
                    .map(|h| h.name.as_str())
                    .unwrap_or("—");
                c(&p.id, format!("{} ({holder})", p.title))
            })
            .collect(),
        RefKind::Unit => st
            .units()
            .filter(|u| l.happened(&u.established))
            .map(|u| c(&u.id, u.name.clone()))
            .collect(),
        RefKind::Bureau => {
            let mut bureaus: BTreeMap<&str, ()> = BTreeMap::new();
            for u in st.units().filter(|u| l.happened(&u.established)) {
                bureaus.insert(u.bureau.as_str(), ());
            }
            bureaus.keys().map(|b| c(b, (*b).to_owned())).collect()
        }
        RefKind::Asset => st
            .assets()
            .filter(|a| l.retired(&a.id).is_none())
            .filter_map(|a| l.asset(&a.id).map(|v| c(&a.id, v.name.clone())))
            .collect(),
        RefKind::Modification => l
            .changes()
            .modifications
            .into_iter()
            .filter(|m| m.state == ModificationState::Open)
            .map(|m| c(&m.id, m.title))
            .collect(),
        RefKind::Retirement => l
            .changes()
            .retirements
            .into_iter()
            .filter(|r| matches!(r.state, RetirementState::Noticed | RetirementState::Decided))
            .map(|r| c(&r.id, format!("{} ({})", r.asset_ids.join(", "), r.reason)))
            .collect(),
        RefKind::SecurityRequest => l
            .security_requests()
            .requests
            .into_iter()
            .map(|r| {
                let s = r.status.as_str();
                c(&r.id, format!("{} [{s}, {}]", r.finding, r.due))
            })
            .collect(),
        RefKind::PermissionRequest => st
            .permission_requests()
            .filter(|r| l.happened(&r.requested))
            .filter(|r| !r.answered.iter().any(|s| l.happened(s)))
            .map(|r| {
                c(
                    &r.id,
                    format!("{} → {} ({})", r.person_id, r.asset_id, r.scope),
                )
            })
            .collect(),
        RefKind::Meeting => l
            .meetings()
            .meetings
            .into_iter()
            .filter(|m| m.resolution.is_none())
            .map(|m| c(&m.id, format!("{} {}", m.held_on, m.agenda.join(" / "))))
            .collect(),
        RefKind::Incident => l
            .incidents()
            .incidents
            .into_iter()
            .filter(|i| i.status != IncidentStatus::Resolved)
            .map(|i| c(&i.id, i.summary))
            .collect(),
    };
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Every reference kind a form's members use (nested ones included).
pub fn ref_kinds(form: &Form) -> Vec<RefKind> {
    fn walk(input: &Input, out: &mut Vec<RefKind>) {
        match input {
            Input::Ref(k) | Input::Refs(k) => out.push(*k),
            Input::Tagged(variants) => {
                for (_, fields) in variants {
                    for f in fields {
                        walk(&f.input, out);
                    }
                }
            }
            Input::Rows(fields) => {
                for f in fields {
                    walk(&f.input, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for f in &form.fields {
        walk(&f.input, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The choices of every reference kind `form` uses, at the lens's date.
pub fn for_form(l: &Lens<'_>, form: &Form) -> BTreeMap<RefKind, Vec<Choice>> {
    ref_kinds(form)
        .into_iter()
        .map(|k| (k, choices(l, k)))
        .collect()
}

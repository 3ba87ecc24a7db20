//! Each role's to-do list, computed from the projections at a date: what the regulation still
//! expects of the posts a person holds, each item with the decision(s) that resolve it and
//! their members pre-filled. Nothing here is stored: resolving an item (recording the
//! decision) removes it from the next computation.
//!
//! - An information management officer (第5条): permission requests on their assets not yet
//!   answered (第5条第2項), modifications and retirements waiting for their approval (第6条第2項,
//!   第7条第2項), security improvement requests addressed to them and not yet answered
//!   (第10条第2項), and their own emergency roster when it is missing or incomplete (第9条).
//! - A system supervisor (第3条): consents, content decisions and final decisions of
//!   modifications and retirements that wait on their post (第6条, 第7条), and requests they
//!   issued that are overdue or answered and waiting to be closed (第10条第2項).
//! - The system administrator (第4条): periodic operations overdue (第11条), officer posts
//!   without a holder or a valid roster (第5条, 第9条), circulations missing signatures or
//!   waiting for their resolution (第12条).
//! - A usage officer (第8条): security improvement requests addressed to their division.
//! - Everyone: circulations they are asked to sign (第12条).

use govledger_projections::{FindingFacts, Lens, Requirement, SecurityRequestStatus};
use govledger_schema::events::{Addressee, MeetingForm, Role};
use serde::Serialize;

/// One decision that resolves an item, with its members pre-filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// The command kind (`approve_modification`).
    pub kind: &'static str,
    pub prefill: Vec<(&'static str, String)>,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub ja: String,
    pub en: String,
    /// The provision that asks for it.
    pub article: &'static str,
    /// A stable key (`modification:MOD-0003:approval:O06`) for pages and tests.
    pub key: String,
    pub actions: Vec<Action>,
}

/// The items of one role the person holds (through `post_id`, when a post).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct List {
    pub role: Option<Role>,
    pub post_id: Option<String>,
    pub items: Vec<Item>,
}

fn act(kind: &'static str, prefill: &[(&'static str, &str)]) -> Action {
    Action {
        kind,
        prefill: prefill.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
    }
}

/// A code as a view serializes it (a `&str` or an enum in snake_case).
fn code<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The lists of `person_id` at the lens's date: one per role held through a post, then the
/// circulations they are asked to sign. Lists without items are kept (an empty list says
/// "nothing waits on you").
pub fn lists(l: &Lens<'_>, person_id: &str) -> Vec<List> {
    let mut out = Vec::new();
    for post in l.posts_held(person_id) {
        for role in l.post_roles(post) {
            let items = match role {
                Role::InformationManagementOfficer => officer(l, post),
                Role::SystemSupervisor => supervisor(l, post),
                Role::SystemAdministrator => administrator(l),
                _ => continue,
            };
            out.push(List {
                role: Some(role),
                post_id: Some(post.to_owned()),
                items,
            });
        }
    }
    for unit in l.usage_officer_units(person_id) {
        out.push(List {
            role: Some(Role::UsageOfficer),
            post_id: Some(unit.to_owned()),
            items: usage_officer(l, unit),
        });
    }
    out.push(List {
        role: None,
        post_id: None,
        items: signatures(l, person_id),
    });
    out
}

/// A request addressed to `post` (an officer post) or to the usage officer of `unit`.
fn requests_to(l: &Lens<'_>, to: &dyn Fn(&Addressee) -> bool) -> Vec<Item> {
    l.security_requests()
        .requests
        .into_iter()
        .filter(|r| to(&r.addressee) && r.status == SecurityRequestStatus::Open)
        .map(|r| Item {
            ja: format!("セキュリティ改善要求 {}（期限 {}）に回答する", r.id, r.due),
            en: format!("Answer security request {} (due {})", r.id, r.due),
            article: "第10条第2項",
            key: format!("security_request:{}:response", r.id),
            actions: vec![act("respond_to_security_request", &[("request_id", &r.id)])],
        })
        .collect()
}

/// The usage officer of `unit` (第8条): requests addressed to them.
fn usage_officer(l: &Lens<'_>, unit: &str) -> Vec<Item> {
    requests_to(
        l,
        &|a| matches!(a, Addressee::UsageOfficer { unit_id } if unit_id == unit),
    )
}

fn officer(l: &Lens<'_>, post: &str) -> Vec<Item> {
    let mut items = Vec::new();
    for r in l.state.permission_requests() {
        let open = l.happened(&r.requested) && !r.answered.iter().any(|s| l.happened(s));
        let ours = l
            .asset(&r.asset_id)
            .is_some_and(|a| a.officer_post_ids.iter().any(|p| p == post));
        if !(open && ours) {
            continue;
        }
        let who = l.person(&r.person_id).map_or("", |p| p.name.as_str());
        let base = [
            ("person_id", r.person_id.as_str()),
            ("asset_id", r.asset_id.as_str()),
            ("request_id", r.id.as_str()),
        ];
        let mut grant = act("grant_permission", &base);
        grant.prefill.push(("scope", r.scope.clone()));
        items.push(Item {
            ja: format!(
                "{who}（{}）の {} 利用申請 {}（{}）に回答する",
                r.person_id, r.asset_id, r.id, r.scope
            ),
            en: format!(
                "Answer {}'s ({}) request {} to use {} ({})",
                who, r.person_id, r.id, r.asset_id, r.scope
            ),
            article: "第5条第2項",
            key: format!("permission_request:{}", r.id),
            actions: vec![grant, act("refuse_permission", &base)],
        });
    }
    items.extend(owed(l, post, OFFICER_ACTS));
    items.extend(requests_to(
        l,
        &|a| matches!(a, Addressee::Officer { post_id } if post_id == post),
    ));
    let roster_gap = l.audit().findings.into_iter().find(|f| {
        matches!(&f.facts, FindingFacts::OfficerWithoutValidRoster { post_id } if post_id == post)
    });
    if let Some(f) = roster_gap {
        items.push(Item {
            ja: "緊急連絡体制（情報を提供できる者と判断できる者）を記録する".into(),
            en: "Record your emergency roster (someone who informs, someone who decides)".into(),
            article: f.article,
            key: format!("roster:{post}"),
            actions: vec![act("record_roster", &[("officer_post_id", post)])],
        });
    }
    items
}

/// The requirements an officer's post gives (第6条第1項第1号・第2項, 第7条第2項).
const OFFICER_ACTS: &[Requirement] = &[Requirement::Approval, Requirement::ContentDecision];
/// The requirements a supervisor's post gives (第6条第1項, 第7条第1項).
const SUPERVISOR_ACTS: &[Requirement] = &[
    Requirement::Consent,
    Requirement::Coordination,
    Requirement::FinalDecision,
    Requirement::Decision,
    Requirement::Measures,
];

/// The decisions that give `what` in a workflow (`modification` or `retirement`), and how a
/// list says it: (Japanese verb, English verb, command kinds).
fn acts_for(
    workflow: &str,
    what: Requirement,
) -> Option<(&'static str, &'static str, &'static [&'static str])> {
    use Requirement as R;
    Some(match (workflow, what) {
        ("modification", R::Approval) => (
            "承認する",
            "Approve",
            &["approve_modification", "reject_modification"],
        ),
        ("modification", R::Consent) => (
            "同意する",
            "Consent to",
            &["consent_to_modification", "refuse_modification_consent"],
        ),
        ("modification", R::ContentDecision) => (
            "内容を決定する",
            "Decide the content of",
            &["decide_modification_content"],
        ),
        ("modification", R::Coordination) => {
            ("調整する", "Coordinate", &["coordinate_modification"])
        }
        ("modification", R::FinalDecision) => {
            ("決定する", "Take the decision on", &["decide_modification"])
        }
        ("retirement", R::Approval) => ("承認する", "Approve", &["approve_retirement"]),
        ("retirement", R::Consent) => (
            "同意する",
            "Consent to",
            &["consent_to_retirement", "refuse_retirement_consent"],
        ),
        ("retirement", R::Decision) => ("決定する", "Decide", &["decide_retirement"]),
        ("retirement", R::Measures) => (
            "措置を記録する",
            "Record the measures of",
            &["record_retirement_measures"],
        ),
        _ => return None,
    })
}

/// What modifications and retirements still owe `post`, among `wanted`.
fn owed(l: &Lens<'_>, post: &str, wanted: &[Requirement]) -> Vec<Item> {
    let changes = l.changes();
    let modifications = changes.modifications.iter().map(|m| {
        (
            "modification",
            m.id.as_str(),
            format!("改修 {}「{}」", m.id, m.title),
            format!("modification {} \"{}\"", m.id, m.title),
            &m.missing,
        )
    });
    let retirements = changes.retirements.iter().map(|r| {
        (
            "retirement",
            r.id.as_str(),
            format!("廃止 {}（{}）", r.id, r.asset_ids.join("、")),
            format!("retirement {} ({})", r.id, r.asset_ids.join(", ")),
            &r.missing,
        )
    });
    let mut items = Vec::new();
    for (workflow, id, name_ja, name_en, missing) in modifications.chain(retirements) {
        for x in missing
            .iter()
            .filter(|x| x.post_id.as_deref() == Some(post))
        {
            if !wanted.contains(&x.what) {
                continue;
            }
            let Some((ja, en, kinds)) = acts_for(workflow, x.what) else {
                continue;
            };
            let member = if workflow == "modification" {
                "modification_id"
            } else {
                "retirement_id"
            };
            items.push(Item {
                ja: format!("{name_ja}について{ja}"),
                en: format!("{en} {name_en}"),
                article: x.article,
                key: format!("{workflow}:{id}:{}:{post}", x.what.as_str()),
                actions: kinds.iter().map(|k| act(k, &[(member, id)])).collect(),
            });
        }
    }
    items
}

fn supervisor(l: &Lens<'_>, post: &str) -> Vec<Item> {
    let mut items = Vec::new();
    items.extend(owed(l, post, SUPERVISOR_ACTS));
    for r in l.security_requests().requests {
        if r.supervisor_post_id != post {
            continue;
        }
        let id = [("request_id", r.id.as_str())];
        if r.overdue {
            items.push(Item {
                ja: format!("期限（{}）を過ぎたセキュリティ改善要求 {}", r.due, r.id),
                en: format!("Security request {} is overdue (due {})", r.id, r.due),
                article: "第10条第2項",
                key: format!("security_request:{}:overdue", r.id),
                actions: vec![
                    act("reopen_security_request", &id),
                    act("close_security_request", &id),
                ],
            });
        } else if r.status == SecurityRequestStatus::Responded {
            items.push(Item {
                ja: format!("回答のあったセキュリティ改善要求 {} を確認して閉じる", r.id),
                en: format!(
                    "Review the answer to security request {} and close it",
                    r.id
                ),
                article: "第10条第2項",
                key: format!("security_request:{}:responded", r.id),
                actions: vec![
                    act("close_security_request", &id),
                    act("reopen_security_request", &id),
                ],
            });
        }
    }
    items
}

fn administrator(l: &Lens<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    for f in l.audit().findings {
        let (ja, en, key, actions) = match &f.facts {
            FindingFacts::PeriodicOperationOverdue {
                operation, days, ..
            } => {
                let op = code(operation);
                (
                    format!("定期の運用作業（{op}）の記録が {days} 日を超えてありません"),
                    format!("No {op} operation recorded for over {days} days"),
                    format!("operation:{op}"),
                    vec![act("record_operation", &[("operation", &op)])],
                )
            }
            FindingFacts::VacantOfficerPost { post_id } => (
                format!("情報管理責任者のポスト {post_id} が空席です"),
                format!("Officer post {post_id} is vacant"),
                format!("vacant:{post_id}"),
                vec![act("appoint_to_post", &[("post_id", post_id)])],
            ),
            FindingFacts::OfficerWithoutValidRoster { post_id } => (
                format!("{post_id} の緊急連絡体制が記録されていないか要件を満たしません"),
                format!("Officer post {post_id} has no valid emergency roster"),
                format!("roster:{post_id}"),
                vec![act("record_roster", &[("officer_post_id", post_id)])],
            ),
            _ => continue,
        };
        items.push(Item {
            ja,
            en,
            article: f.article,
            key,
            actions,
        });
    }
    for m in l.meetings().meetings {
        if m.form != MeetingForm::Circulation || m.resolution.is_some() {
            continue;
        }
        let id = [("meeting_id", m.id.as_str())];
        if m.unsigned.is_empty() {
            items.push(Item {
                ja: format!("持ち回り会議 {} の署名がそろいました。議決を記録する", m.id),
                en: format!(
                    "Circulation {} has every signature: record its resolution",
                    m.id
                ),
                article: "第12条",
                key: format!("circulation:{}:resolve", m.id),
                actions: vec![act("resolve_meeting", &id)],
            });
        } else {
            items.push(Item {
                ja: format!(
                    "持ち回り会議 {} の署名が足りません（未署名: {}）",
                    m.id,
                    m.unsigned.join("、")
                ),
                en: format!(
                    "Circulation {} is missing signatures (not signed: {})",
                    m.id,
                    m.unsigned.join(", ")
                ),
                article: "第12条",
                key: format!("circulation:{}:unsigned", m.id),
                actions: Vec::new(),
            });
        }
    }
    items
}

fn signatures(l: &Lens<'_>, person_id: &str) -> Vec<Item> {
    l.meetings()
        .meetings
        .into_iter()
        .filter(|m| m.resolution.is_none() && m.unsigned.iter().any(|p| p == person_id))
        .map(|m| Item {
            ja: format!("持ち回り会議 {}（{}）に署名する", m.id, m.agenda.join("、")),
            en: format!("Sign circulation {} ({})", m.id, m.agenda.join(", ")),
            article: "第12条",
            key: format!("circulation:{}:sign:{person_id}", m.id),
            actions: vec![act("sign_circulation", &[("meeting_id", &m.id)])],
        })
        .collect()
}

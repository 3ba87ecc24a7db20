//! The people of each fiscal year: on 1 April officer posts change hands and some users move
//! to another division; then new users are registered and ask for access, which their assets'
//! officers grant or refuse. In the first year a grant recorded on the wrong asset is
//! corrected.

use super::builder::{ADMIN, Builder, WARD_DIVISIONS, day};
use super::jst_date;
use super::organisation::FixedPosts;
use crate::rules::{Command, Time};
use govledger_schema::events::RosterEntry;

/// 1 April of a later year (`fy` > 0): a third of the officer posts and one supervisor change
/// hands; usage officers and rosters follow the new holders.
pub(super) fn personnel_changes(
    b: &mut Builder,
    fy: i32,
    start: Time,
    order: &str,
    fixed_posts: &FixedPosts,
) {
    let mut posts: Vec<&(&str, &str)> = fixed_posts
        .iter()
        .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
        .collect();
    posts.retain(|_| b.rng.below(3) == 0);
    let sup = if fy % 2 == 0 {
        ("SUP-HW", "HW-GA")
    } else {
        ("SUP-CF", "CF-GA")
    };
    let mut changes: Vec<(&str, &str)> = posts.into_iter().copied().collect();
    changes.push(sup);
    if fy == 1 {
        changes.push(("O06", "HW-DH-WELF"));
    }
    changes.sort();
    changes.dedup();
    for (post, unit) in changes {
        let p = b.appoint(post, unit, start, order);
        let heads = crate::rules::POSTS.iter().any(|x| x.0 == post && x.3);
        let lens = b.ledger.state.lens(start, None);
        let is_uo = lens.usage_officer(unit).is_some();
        if heads && is_uo {
            b.step(
                ADMIN,
                start,
                Command::AppointUsageOfficer {
                    unit_id: unit.into(),
                    person_id: p.clone(),
                    reason_not_head: None,
                    replace_current: true,
                },
            );
        }
        if b.ledger.state.lens(start, None).roster(post).is_some() {
            let entries = vec![
                RosterEntry {
                    person_id: p.clone(),
                    contact: "内線 1000".into(),
                    can_inform: false,
                    can_decide: true,
                },
                RosterEntry {
                    person_id: b.holder("ADMIN", start),
                    contact: "内線 2000".into(),
                    can_inform: true,
                    can_decide: false,
                },
            ];
            b.step(
                &p,
                day(start, 3),
                Command::RecordRoster {
                    officer_post_id: Some(post.into()),
                    entries,
                },
            );
        }
    }
}

/// Some users move to another division; most lose their grants, a few keep them (the audit
/// view shows those).
pub(super) fn moves(
    b: &mut Builder,
    users: &mut [(String, String)],
    ward_units: &[String],
    start: Time,
    order: &str,
) {
    let movers: Vec<usize> = (0..users.len()).filter(|_| b.rng.below(12) == 0).collect();
    for (k, i) in movers.into_iter().enumerate() {
        let (person, from) = users[i].clone();
        let Some(to) = b.rng.pick(ward_units).cloned() else {
            continue;
        };
        let registered = b
            .ledger
            .state
            .lens(start, None)
            .user_registration(&person)
            .is_some_and(|r| r.unit_id == from);
        if to == from || !registered {
            continue;
        }
        if k % 4 != 0 {
            let grants: Vec<String> = b
                .ledger
                .state
                .lens(start, None)
                .access(None, Some(&person))
                .grants
                .into_iter()
                .map(|g| g.asset_id)
                .collect();
            for a in grants {
                let officer = b
                    .ledger
                    .state
                    .lens(start, None)
                    .officers_of_asset(&a)
                    .into_iter()
                    .find_map(|(_, h)| h)
                    .unwrap_or_default();
                b.step(
                    &officer,
                    start,
                    Command::RevokePermission {
                        person_id: person.clone(),
                        asset_id: a,
                        reason: "異動のため".into(),
                    },
                );
            }
            let uo = b
                .ledger
                .state
                .lens(start, None)
                .usage_officer(&from)
                .map(|t| t.person_id.clone())
                .unwrap_or_default();
            b.step(
                &uo,
                start,
                Command::DeregisterUser {
                    person_id: person.clone(),
                    reason: "異動のため".into(),
                },
            );
        }
        b.step(
            ADMIN,
            start,
            Command::TransferPerson {
                person_id: person.clone(),
                unit_id: to.clone(),
                personnel_order: order.to_owned(),
            },
        );
        users[i].1 = to;
    }
}

/// New users this year (150 the first, 40 later), registered ten days after 1 April, each
/// asking for one or two assets of their division, granted or (one in fifteen) refused.
pub(super) fn new_users(
    b: &mut Builder,
    users: &mut Vec<(String, String)>,
    ward_units: &[String],
    fy: i32,
    start: Time,
    order: &str,
) {
    let count = if fy == 0 { 150 } else { 40 };
    let t = day(start, 10);
    for _ in 0..count {
        let Some(unit) = b.rng.pick(ward_units).cloned() else {
            continue;
        };
        let p = b.new_person(&unit, t, order);
        let uo = b
            .ledger
            .state
            .lens(t, None)
            .usage_officer(&unit)
            .map(|x| x.person_id.clone())
            .unwrap_or_default();
        b.step(
            &uo,
            t,
            Command::RegisterUser {
                person_id: p.clone(),
            },
        );
        users.push((p.clone(), unit.clone()));
        let assets = WARD_DIVISIONS
            .iter()
            .find(|d| unit.ends_with(d.0))
            .map(|d| d.2)
            .unwrap_or(&[]);
        let n = 1 + b.rng.below(2);
        let first = b.rng.below(assets.len());
        for k in 0..n {
            let Some(asset) = assets.get((first + k) % assets.len().max(1)).copied() else {
                continue;
            };
            let rt = day(t, 1);
            let ev = b.step(
                &uo,
                rt,
                Command::RequestPermission {
                    person_id: p.clone(),
                    asset_id: asset.into(),
                    scope: "照会・更新".into(),
                    until: None,
                },
            );
            let request_id = ev
                .first()
                .and_then(|e| e.data.get("request_id"))
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let gt = day(t, 3);
            let officer = b
                .ledger
                .state
                .lens(gt, None)
                .officers_of_asset(asset)
                .into_iter()
                .find_map(|(_, h)| h)
                .unwrap_or_default();
            if b.rng.below(15) == 0 {
                b.step(
                    &officer,
                    gt,
                    Command::RefusePermission {
                        person_id: p.clone(),
                        asset_id: asset.into(),
                        reason: "業務上の必要が確認できない".into(),
                        request_id,
                    },
                );
            } else {
                b.step(
                    &officer,
                    gt,
                    Command::GrantPermission {
                        person_id: p.clone(),
                        asset_id: asset.into(),
                        scope: "照会・更新".into(),
                        until: None,
                        request_id,
                    },
                );
            }
        }
    }
}

/// A grant recorded on the wrong asset in the first year, corrected (記録の原則).
pub(super) fn wrong_grant_corrected(b: &mut Builder, users: &[(String, String)], start: Time) {
    let t = day(start, 10);
    let (p, unit) = users.first().cloned().unwrap_or_default();
    let uo = b
        .ledger
        .state
        .lens(t, None)
        .usage_officer(&unit)
        .map(|x| x.person_id.clone())
        .unwrap_or_default();
    let _ = uo;
    let officer = b.holder("O09", day(t, 5));
    let ev = b.step(
        &officer,
        day(t, 5),
        Command::GrantPermission {
            person_id: p,
            asset_id: "A08".into(),
            scope: "照会".into(),
            until: None,
            request_id: None,
        },
    );
    // The correction of the wrong grant.
    if let Some(seq) = ev.first().map(|e| e.seq) {
        let t = jst_date(2021, 5, 10);
        let officer = b.holder("O09", t);
        b.step(
            &officer,
            t,
            Command::Correct {
                corrects_seq: seq,
                corrects_event_id: None,
                reason: "対象者の誤りによる誤登録".into(),
            },
        );
    }
}

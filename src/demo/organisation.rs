//! The genesis day (FY2021): the organisation the annex names is staffed, the ward offices
//! and their user divisions established, usage officers appointed, staff designated and the
//! officers' emergency rosters recorded.

use std::collections::BTreeMap;

use govledger_schema::events::RosterEntry;

use super::builder::{ADMIN, Builder, WARD_DIVISIONS, WARDS, day};
use crate::rules::{Command, Time};

/// The posts the annex names (but the administrator's), each with its unit.
pub(super) type FixedPosts = Vec<(&'static str, &'static str)>;

/// Staffs the organisation on the genesis day `g`; returns the annex's posts.
pub(super) fn staff(b: &mut Builder, g: Time) -> FixedPosts {
    let order21 = "令和3年4月1日付人事異動";
    // FY2021: the organisation the annex names is staffed.
    let fixed_posts: Vec<(&str, &str)> = crate::rules::POSTS
        .iter()
        .filter(|p| p.0 != "ADMIN")
        .map(|p| (p.0, p.2))
        .collect();
    for (post, unit) in &fixed_posts {
        b.appoint(post, unit, g, order21);
    }
    establish_wards(b, g, order21);
    appoint_usage_officers(b, g);
    let ims = designate_staff(b, g, order21);
    record_rosters(b, g, &ims);
    fixed_posts
}

/// The user divisions of the ward offices.
pub(super) fn ward_units() -> Vec<String> {
    WARDS
        .iter()
        .flat_map(|(w, _)| {
            WARD_DIVISIONS
                .iter()
                .map(move |(d, _, _)| format!("{w}-{d}"))
        })
        .collect()
}

/// Ward offices: three user divisions each, headed by a division head.
fn establish_wards(b: &mut Builder, g: Time, order21: &str) {
    for (w, ward) in WARDS {
        b.step(
            ADMIN,
            g,
            Command::EstablishUnit {
                unit_id: w.to_string(),
                name: ward.to_string(),
                parent_id: None,
                bureau: ward.to_string(),
                user_division: false,
            },
        );
        for (d, dname, _) in WARD_DIVISIONS {
            let unit = format!("{w}-{d}");
            b.step(
                ADMIN,
                g,
                Command::EstablishUnit {
                    unit_id: unit.clone(),
                    name: format!("{ward}{dname}"),
                    parent_id: Some(w.to_string()),
                    bureau: ward.to_string(),
                    user_division: true,
                },
            );
            b.step(
                ADMIN,
                g,
                Command::EstablishPost {
                    post_id: format!("{unit}-HEAD"),
                    title: format!("{ward}{dname}長"),
                    unit_id: unit.clone(),
                    heads_unit: true,
                },
            );
            b.appoint(&format!("{unit}-HEAD"), &unit, g, order21);
        }
    }
}

/// Usage officers (第8条): the heads of the divisions; 地域包括ケア推進室 has no head post
/// in the ledger, so its 担当課長 is named with a reason (第8条第2項).
fn appoint_usage_officers(b: &mut Builder, g: Time) {
    let ward_units = ward_units();
    for unit in &ward_units {
        let head = b.holder(&format!("{unit}-HEAD"), g);
        b.step(
            ADMIN,
            g,
            Command::AppointUsageOfficer {
                unit_id: unit.clone(),
                person_id: head,
                reason_not_head: None,
                replace_current: false,
            },
        );
    }
    for (post, unit, heads) in crate::rules::POSTS
        .iter()
        .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
        .map(|p| (p.0, p.2, p.3))
    {
        let h = b.holder(post, g);
        if b.ledger.state.lens(g, None).usage_officer(unit).is_some() {
            continue;
        }
        let reason =
            (!heads).then(|| "課長職を置かない室・部のため担当課長を利用責任者とする".to_string());
        b.step(
            ADMIN,
            g,
            Command::AppointUsageOfficer {
                unit_id: unit.into(),
                person_id: h,
                reason_not_head: reason,
                replace_current: false,
            },
        );
    }
}

/// System operation staff (第4条第3項) and information management staff (第5条第4項), a week
/// after the genesis; returns the information management staff by their officer's post.
fn designate_staff(b: &mut Builder, g: Time, order21: &str) -> BTreeMap<String, String> {
    let t = day(g, 7);
    for unit in ["HW-GA-SYS", "HW-GA-SYS", "CF-GA-PLAN"] {
        let p = b.new_person(unit, t, order21);
        b.step(ADMIN, t, Command::DesignateOperationStaff { person_id: p });
    }
    let mut ims: BTreeMap<String, String> = BTreeMap::new();
    for (post, unit) in [
        ("O03", "HW-LS-LTCI"),
        ("O06", "HW-DH-WELF"),
        ("O10", "CF-CS-HW"),
        ("O11", "HW-LS-HOME"),
        ("O12", "CF-CS-FAM"),
        ("O05", "HW-WA"),
    ] {
        let staff = b.new_person(unit, t, order21);
        let officer = b.holder(post, t);
        b.step(
            &officer,
            t,
            Command::DesignateInformationManagementStaff {
                person_id: staff.clone(),
                officer_post_id: Some(post.into()),
            },
        );
        ims.insert(post.to_string(), staff);
    }
    ims
}

/// Emergency rosters (第9条): every officer but O13 and O14 (the audit view shows them).
fn record_rosters(b: &mut Builder, g: Time, ims: &BTreeMap<String, String>) {
    let t = day(g, 14);
    for post in (1..=18)
        .map(|i| format!("O{i:02}"))
        .filter(|p| p != "O13" && p != "O14")
    {
        let officer = b.holder(&post, t);
        let mut entries = vec![RosterEntry {
            person_id: officer.clone(),
            contact: "内線 1000".into(),
            can_inform: false,
            can_decide: true,
        }];
        let informer = ims
            .get(&post)
            .cloned()
            .unwrap_or_else(|| b.holder("ADMIN", t));
        entries.push(RosterEntry {
            person_id: informer,
            contact: "内線 2000".into(),
            can_inform: true,
            can_decide: false,
        });
        b.step(
            &officer,
            t,
            Command::RecordRoster {
                officer_post_id: Some(post),
                entries,
            },
        );
    }
}

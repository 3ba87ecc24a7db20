//! Every rule of RULES.md, accepted once and refused once, named after its article.
//! Data-driven: a small world (genesis + staffing) and a few commands in, then `decide` gives
//! events or a refusal naming the rule.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures

use std::sync::OnceLock;

use chrono::{NaiveDate, TimeDelta};
use govledger::demo::{InMemory, jst_date};
use govledger::rules::{Command, GenesisAdmin, Time, decide};
use govledger_schema::events::{
    Addressee, MeetingForm, MeetingKind, OperationKind, OperationResult, RosterEntry,
    SignaturePosition, StaffRole,
};

const ADMIN: &str = "P0001";
const SUP_HW: &str = "P0002";
const SUP_CF: &str = "P0003";
const OPS: &str = "P0004";
/// Holder of officer post `O{n}` is `P01{n}`.
fn officer(n: u32) -> String {
    format!("P01{n:02}")
}
const USER: &str = "P0201"; // in HW-DH-WELF, registered user
const SYS_STAFF: &str = "P0301"; // in HW-GA-SYS
const WELF_STAFF: &str = "P0302"; // in HW-DH-WELF, not a user
const LTCI_STAFF: &str = "P0303"; // in HW-LS-LTCI

fn d(y: i32, m: u32, day: u32) -> Time {
    jst_date(y, m, day)
}

/// Genesis on 2021-04-01, every regulation post staffed, the usage officer of 障害福祉課 (the
/// head, holder of O06) appointed and one user registered there.
fn world() -> InMemory {
    static W: OnceLock<InMemory> = OnceLock::new();
    W.get_or_init(|| {
        let admin = GenesisAdmin {
            person_id: ADMIN.into(),
            name: "管理 一郎".into(),
            personnel_order: "辞令".into(),
        };
        let g = d(2021, 4, 1);
        let rec = g.to_utc() + TimeDelta::hours(1);
        let mut l = InMemory::with_genesis(&admin, g, rec).unwrap();
        let mut run = |actor: &str, cmd: Command| {
            l.run(actor, g, rec, &cmd)
                .unwrap_or_else(|r| panic!("setup {cmd:?}: {r}"));
        };
        let mut staff = vec![
            ("SUP-HW", "HW-GA", SUP_HW.to_string()),
            ("SUP-CF", "CF-GA", SUP_CF.to_string()),
            ("OPS", "GP-IM-SYS", OPS.to_string()),
        ];
        for (post, _, unit, _) in govledger::rules::POSTS
            .iter()
            .filter(|p| p.0.starts_with('O') && p.0 != "OPS")
            .map(|p| (p.0, p.1, p.2, p.3))
        {
            let n: u32 = post[1..].parse().unwrap();
            staff.push((post, unit, officer(n)));
        }
        for (post, unit, person) in &staff {
            run(
                ADMIN,
                Command::RegisterPerson {
                    person_id: person.clone(),
                    name: format!("{post} 氏"),
                    unit_id: (*unit).into(),
                    personnel_order: None,
                },
            );
            run(
                ADMIN,
                Command::AppointToPost {
                    post_id: (*post).into(),
                    person_id: person.clone(),
                    personnel_order: "辞令".into(),
                    replace_current: false,
                },
            );
        }
        for (p, unit) in [
            (USER, "HW-DH-WELF"),
            (SYS_STAFF, "HW-GA-SYS"),
            (WELF_STAFF, "HW-DH-WELF"),
            (LTCI_STAFF, "HW-LS-LTCI"),
        ] {
            run(
                ADMIN,
                Command::RegisterPerson {
                    person_id: p.into(),
                    name: format!("{p} 氏"),
                    unit_id: unit.into(),
                    personnel_order: None,
                },
            );
        }
        run(
            ADMIN,
            Command::AppointUsageOfficer {
                unit_id: "HW-DH-WELF".into(),
                person_id: officer(6),
                reason_not_head: None,
                replace_current: false,
            },
        );
        run(
            &officer(6),
            Command::RegisterUser {
                person_id: USER.into(),
            },
        );
        l
    })
    .clone()
}

/// What a check expects: the event types proposed, or the refused rule and article.
enum Expect<'a> {
    Accept(&'a [&'a str]),
    Refuse(&'a str, &'a str),
}
use Expect::{Accept, Refuse};

/// A step: who, when, what.
type Step = (&'static str, Time, Command);

/// Runs `setup` (each must be accepted), then decides `cmd` and compares with `expect`.
fn check_in(
    mut l: InMemory,
    setup: Vec<(String, Time, Command)>,
    actor: &str,
    at: Time,
    cmd: Command,
    expect: Expect<'_>,
) -> InMemory {
    for (a, t, c) in setup {
        l.run(&a, t, t.to_utc() + TimeDelta::hours(1), &c)
            .unwrap_or_else(|r| panic!("setup {c:?} by {a}: {r}"));
    }
    let got = decide(&l.state, &cmd, actor, at);
    match (expect, got) {
        (Accept(types), Ok(events)) => {
            let got: Vec<&str> = events.iter().map(|e| e.event_type()).collect();
            assert_eq!(got, types);
            for e in &events {
                assert_quoted(&e.basis);
            }
            l.append(events, actor, at, at.to_utc() + TimeDelta::hours(1));
        }
        (Refuse(rule, article), Err(r)) => {
            assert_eq!((r.rule, r.article), (rule, article), "{r}");
            assert!(r.to_string().contains(article));
            assert_quoted(r.article);
            assert_bilingual(&r);
        }
        (Accept(_), Err(r)) => panic!("expected acceptance, refused: {r}"),
        (Refuse(rule, _), Ok(events)) => panic!("expected refusal {rule}, got {events:?}"),
    }
    l
}

/// A refusal says what stands in the way in Japanese and in English, and quotes its article.
fn assert_bilingual(r: &govledger::rules::Refusal) {
    let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}');
    assert!(
        r.message.ja.chars().any(japanese),
        "not Japanese: {:?}",
        r.message
    );
    assert!(
        !r.message.en.trim().is_empty(),
        "no English: {:?}",
        r.message
    );
    assert_ne!(r.message.ja, r.message.en);
    assert!(
        !r.article_text().trim().is_empty(),
        "{} has no text",
        r.article
    );
}

/// `cite` (a refusal's article, an accepted act's basis) is a constant of `rules::articles`
/// whose provisions all quote their text (the admin workspace shows it).
fn assert_quoted(cite: &str) {
    let provisions = govledger::rules::articles::find(cite)
        .unwrap_or_else(|| panic!("{cite} is not a constant of rules::articles"));
    for p in provisions {
        assert!(!p.text.trim().is_empty(), "{} has no text", p.cite);
    }
}

fn check(
    setup: Vec<(String, Time, Command)>,
    actor: &str,
    at: Time,
    cmd: Command,
    expect: Expect<'_>,
) -> InMemory {
    check_in(world(), setup, actor, at, cmd, expect)
}

fn s(actor: &str, at: Time, cmd: Command) -> (String, Time, Command) {
    (actor.to_owned(), at, cmd)
}

#[allow(dead_code)]
fn _step_type(_: Step) {}

fn grant(person: &str, asset: &str) -> Command {
    Command::GrantPermission {
        person_id: person.into(),
        asset_id: asset.into(),
        scope: "照会".into(),
        until: None,
        request_id: None,
    }
}

fn propose(assets: &[&str], common: bool, post: Option<&str>) -> Command {
    Command::ProposeModification {
        title: "改修".into(),
        description: "内容".into(),
        asset_ids: assets.iter().map(|a| (*a).to_string()).collect(),
        touches_common_parts: common,
        proposer_post_id: post.map(Into::into),
    }
}

fn m(id: &str) -> String {
    id.to_owned()
}

fn final_decision(id: &str) -> Command {
    Command::DecideModification {
        modification_id: m(id),
        procedure_documents: vec!["システム導入等事務手続要綱".into()],
        summary: "決定".into(),
    }
}

// ---------------------------------------------------------------- ledger-level rules

#[test]
fn recording_effective_before_genesis_is_refused() {
    check(
        vec![],
        ADMIN,
        d(2021, 3, 31),
        Command::EndUsageOfficer {
            unit_id: "HW-DH-WELF".into(),
        },
        Refuse("ledger.before_genesis", "記録の原則"),
    );
}

#[test]
fn recording_far_in_the_future_is_refused_and_near_future_accepted() {
    check(
        vec![],
        ADMIN,
        d(2022, 4, 3),
        Command::EndUsageOfficer {
            unit_id: "HW-DH-WELF".into(),
        },
        Refuse("ledger.too_far_in_future", "記録の原則"),
    );
    check(
        vec![],
        ADMIN,
        d(2022, 3, 31),
        Command::EndUsageOfficer {
            unit_id: "HW-DH-WELF".into(),
        },
        Accept(&["usage_officer.ended.v1"]),
    );
}

#[test]
fn recording_by_an_unknown_actor_is_refused() {
    check(
        vec![],
        "P9999",
        d(2021, 5, 1),
        grant(USER, "A04"),
        Refuse("actor.unknown", "記録の原則"),
    );
}

#[test]
fn recording_about_an_unknown_asset_or_person_is_refused() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        grant(USER, "A99"),
        Refuse("asset.unknown", "別表"),
    );
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        grant("P9999", "A04"),
        Refuse("person.unknown", "記録の原則"),
    );
}

// ---------------------------------------------------------------- organisation (第3条〜第5条, 第8条)

#[test]
fn art4_1_personnel_recorded_by_the_administrator_and_refused_from_others() {
    let cmd = || Command::RegisterPerson {
        person_id: "P0500".into(),
        name: "新任".into(),
        unit_id: "HW-LS-LTCI".into(),
        personnel_order: None,
    };
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        cmd(),
        Accept(&["person.registered.v1"]),
    );
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        cmd(),
        Refuse("organisation.not_authorised", "辞令"),
    );
}

#[test]
fn art3_post_with_several_holders_over_time_answers_as_of() {
    let new = "P0500";
    let l = check(
        vec![s(
            ADMIN,
            d(2022, 4, 1),
            Command::RegisterPerson {
                person_id: new.into(),
                name: "後任".into(),
                unit_id: "HW-GA".into(),
                personnel_order: None,
            },
        )],
        ADMIN,
        d(2022, 4, 1),
        Command::AppointToPost {
            post_id: "SUP-HW".into(),
            person_id: new.into(),
            personnel_order: "R4辞令".into(),
            replace_current: true,
        },
        Accept(&["post.holder_ended.v1", "post.holder_appointed.v1"]),
    );
    assert_eq!(
        l.state.lens(d(2022, 3, 31), None).holder("SUP-HW"),
        Some(SUP_HW)
    );
    assert_eq!(
        l.state.lens(d(2022, 4, 1), None).holder("SUP-HW"),
        Some(new)
    );
    // The role moved with the post: the successor consents, the predecessor no longer can.
    let l = check_in(
        l,
        vec![s(
            &officer(3),
            d(2022, 4, 5),
            propose(&["A01"], false, Some("O03")),
        )],
        SUP_HW,
        d(2022, 4, 6),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
        Refuse("supervisor.required", "第6条第1項第1号"),
    );
    check_in(
        l,
        vec![],
        new,
        d(2022, 4, 6),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
        Accept(&["modification.consented.v1"]),
    );
}

#[test]
fn art3_no_overlapping_holders_of_one_post() {
    check(
        vec![s(
            ADMIN,
            d(2021, 5, 1),
            Command::RegisterPerson {
                person_id: "P0500".into(),
                name: "x".into(),
                unit_id: "HW-GA".into(),
                personnel_order: None,
            },
        )],
        ADMIN,
        d(2021, 5, 1),
        Command::AppointToPost {
            post_id: "SUP-HW".into(),
            person_id: "P0500".into(),
            personnel_order: "辞令".into(),
            replace_current: false,
        },
        Refuse("post.already_held", "第3条第1項・第4条第2項・第5条第1項"),
    );
}

#[test]
fn art4_3_designation_of_operation_staff_from_the_allowed_sections_is_accepted() {
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::DesignateOperationStaff {
            person_id: SYS_STAFF.into(),
        },
        Accept(&["staff.designated.v1"]),
    );
}

#[test]
fn art4_3_designation_of_staff_from_outside_the_allowed_sections_is_refused() {
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::DesignateOperationStaff {
            person_id: WELF_STAFF.into(),
        },
        Refuse("designation.outside_sections", "第4条第3項"),
    );
}

#[test]
fn art4_3_designation_by_someone_other_than_the_administrator_is_refused() {
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        Command::DesignateOperationStaff {
            person_id: SYS_STAFF.into(),
        },
        Refuse("designation.not_administrator", "第4条第3項"),
    );
}

#[test]
fn art5_4_officer_designates_staff_of_their_own_division() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        Command::DesignateInformationManagementStaff {
            person_id: WELF_STAFF.into(),
            officer_post_id: None,
        },
        Accept(&["staff.designated.v1"]),
    );
}

#[test]
fn art5_4_designation_of_staff_from_another_division_is_refused() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        Command::DesignateInformationManagementStaff {
            person_id: LTCI_STAFF.into(),
            officer_post_id: None,
        },
        Refuse("designation.outside_own_division", "第5条第4項"),
    );
}

#[test]
fn art5_4_designation_by_a_non_officer_is_refused() {
    check(
        vec![],
        OPS,
        d(2021, 5, 1),
        Command::DesignateInformationManagementStaff {
            person_id: WELF_STAFF.into(),
            officer_post_id: None,
        },
        Refuse("designation.not_officer", "第5条第4項"),
    );
}

#[test]
fn art5_4_revocation_by_the_designator_is_accepted() {
    check(
        vec![s(
            &officer(6),
            d(2021, 5, 1),
            Command::DesignateInformationManagementStaff {
                person_id: WELF_STAFF.into(),
                officer_post_id: None,
            },
        )],
        &officer(6),
        d(2021, 6, 1),
        Command::RevokeDesignation {
            person_id: WELF_STAFF.into(),
            role: StaffRole::InformationManagementStaff,
            reason: "異動".into(),
        },
        Accept(&["staff.designation_revoked.v1"]),
    );
}

#[test]
fn art8_1_one_usage_officer_per_division_at_a_time() {
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::AppointUsageOfficer {
            unit_id: "HW-DH-WELF".into(),
            person_id: WELF_STAFF.into(),
            reason_not_head: Some("代理".into()),
            replace_current: false,
        },
        Refuse("usage_officer.already_appointed", "第8条第1項"),
    );
}

#[test]
fn art8_1_usage_officer_recorded_only_by_the_administrator() {
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        Command::AppointUsageOfficer {
            unit_id: "HW-LS-LTCI".into(),
            person_id: officer(3),
            reason_not_head: None,
            replace_current: false,
        },
        Refuse("usage_officer.not_administrator", "第8条第1項"),
    );
}

#[test]
fn art8_2_the_division_head_is_usage_officer_without_a_reason() {
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::AppointUsageOfficer {
            unit_id: "HW-LS-LTCI".into(),
            person_id: officer(3),
            reason_not_head: None,
            replace_current: false,
        },
        Accept(&["usage_officer.appointed.v1"]),
    );
}

#[test]
fn art8_2_someone_other_than_the_head_without_a_reason_is_refused() {
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::AppointUsageOfficer {
            unit_id: "HW-LS-LTCI".into(),
            person_id: LTCI_STAFF.into(),
            reason_not_head: None,
            replace_current: false,
        },
        Refuse("usage_officer.reason_required", "第8条第2項"),
    );
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        Command::AppointUsageOfficer {
            unit_id: "HW-LS-LTCI".into(),
            person_id: LTCI_STAFF.into(),
            reason_not_head: Some("課長長期不在".into()),
            replace_current: false,
        },
        Accept(&["usage_officer.appointed.v1"]),
    );
}

#[test]
fn art8_3_users_are_registered_by_their_divisions_usage_officer() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        Command::RegisterUser {
            person_id: WELF_STAFF.into(),
        },
        Accept(&["user.registered.v1"]),
    );
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        Command::RegisterUser {
            person_id: WELF_STAFF.into(),
        },
        Refuse("user.not_usage_officer", "第8条第3項"),
    );
}

// ---------------------------------------------------------------- permissions (第5条第2項)

#[test]
fn art5_2_an_officer_of_the_asset_grants_use() {
    let l = check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        grant(USER, "A04"),
        Accept(&["permission.granted.v1"]),
    );
    let v = l.state.lens(d(2021, 5, 2), None).access(Some("A04"), None);
    assert_eq!(v.grants.len(), 1);
    assert_eq!(v.grants[0].decided_by, officer(6));
    assert!(
        l.state
            .lens(d(2021, 4, 30), None)
            .access(Some("A04"), None)
            .grants
            .is_empty()
    );
}

#[test]
fn art5_2_a_grant_by_someone_not_an_officer_of_the_asset_is_refused() {
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        grant(USER, "A04"),
        Refuse("permission.not_officer", "第5条第2項"),
    );
    // Not even the supervisor grants: it is the officer's judgement.
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        grant(USER, "A04"),
        Refuse("permission.not_officer", "第5条第2項"),
    );
}

#[test]
fn art5_2_asset_with_several_officer_posts_any_of_them_grants() {
    // A01 has O01, O02, O03, O04.
    check(
        vec![],
        &officer(2),
        d(2021, 5, 1),
        grant(USER, "A01"),
        Accept(&["permission.granted.v1"]),
    );
    check(
        vec![],
        &officer(4),
        d(2021, 5, 1),
        grant(USER, "A01"),
        Accept(&["permission.granted.v1"]),
    );
    check(
        vec![],
        &officer(5),
        d(2021, 5, 1),
        grant(USER, "A01"),
        Refuse("permission.not_officer", "第5条第2項"),
    );
}

#[test]
fn art2_3_a_grant_to_someone_not_a_user_is_refused() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        grant(WELF_STAFF, "A04"),
        Refuse("permission.not_a_user", "第2条第3号"),
    );
}

#[test]
fn art5_2_revocation_needs_a_grant() {
    let revoke = || Command::RevokePermission {
        person_id: USER.into(),
        asset_id: "A04".into(),
        reason: "異動".into(),
    };
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        revoke(),
        Refuse("permission.not_granted", "第5条第2項"),
    );
    check(
        vec![s(&officer(6), d(2021, 5, 1), grant(USER, "A04"))],
        &officer(6),
        d(2021, 6, 1),
        revoke(),
        Accept(&["permission.revoked.v1"]),
    );
}

#[test]
fn art8_3_permission_request_from_the_usage_officer_then_decision() {
    let req = Command::RequestPermission {
        person_id: USER.into(),
        asset_id: "A02".into(),
        scope: "照会".into(),
        until: None,
    };
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        req.clone(),
        Refuse("permission.request_not_usage_officer", "第8条第3項"),
    );
    let l = check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        req,
        Accept(&["permission.requested.v1"]),
    );
    check_in(
        l,
        vec![],
        &officer(5),
        d(2021, 5, 3),
        Command::RefusePermission {
            person_id: USER.into(),
            asset_id: "A02".into(),
            reason: "不要".into(),
            request_id: Some("PR-00001".into()),
        },
        Accept(&["permission.refused.v1"]),
    );
}

// ---------------------------------------------------------------- modification (第6条)

/// MOD-0001 by O06 over A04 (own) and A07 (O06, O08) and A29 (O11, O08, O07).
fn cross_asset_modification() -> Vec<(String, Time, Command)> {
    vec![s(
        &officer(6),
        d(2021, 5, 1),
        propose(&["A04", "A07", "A29"], false, None),
    )]
}

fn approve(n: u32, at: Time) -> (String, Time, Command) {
    s(
        &officer(n),
        at,
        Command::ApproveModification {
            modification_id: m("MOD-0001"),
            comment: None,
        },
    )
}

#[test]
fn art6_1_1_officer_proposes_for_own_assets_and_others_are_refused() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        propose(&["A04"], false, None),
        Accept(&["modification.proposed.v1"]),
    );
    check(
        vec![],
        OPS,
        d(2021, 5, 1),
        propose(&["A04"], false, None),
        Refuse("modification.not_officer", "第6条第1項第1号"),
    );
}

#[test]
fn art6_2_approval_by_an_officer_concerned_is_accepted_and_by_others_refused() {
    check(
        cross_asset_modification(),
        &officer(8),
        d(2021, 5, 2),
        Command::ApproveModification {
            modification_id: m("MOD-0001"),
            comment: None,
        },
        Accept(&["modification.approved.v1"]),
    );
    check(
        cross_asset_modification(),
        &officer(3),
        d(2021, 5, 2),
        Command::ApproveModification {
            modification_id: m("MOD-0001"),
            comment: None,
        },
        Refuse("modification.approver_not_concerned", "第6条第2項"),
    );
}

#[test]
fn art6_2_content_decision_before_every_approval_is_refused() {
    let mut setup = cross_asset_modification();
    setup.push(approve(8, d(2021, 5, 2)));
    setup.push(approve(11, d(2021, 5, 2)));
    setup.push(s(
        SUP_HW,
        d(2021, 5, 3),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
    ));
    let content = || Command::DecideModificationContent {
        modification_id: m("MOD-0001"),
        content: "改修内容".into(),
    };
    let l = check(
        setup,
        &officer(6),
        d(2021, 5, 4),
        content(),
        Refuse("modification.approval_missing", "第6条第2項"),
    );
    // An approval dated after the decision does not count either ("あらかじめ").
    let l = check_in(
        l,
        vec![approve(7, d(2021, 5, 10))],
        &officer(6),
        d(2021, 5, 4),
        content(),
        Refuse("modification.approval_missing", "第6条第2項"),
    );
    check_in(
        l,
        vec![],
        &officer(6),
        d(2021, 5, 10),
        content(),
        Accept(&["modification.content_decided.v1"]),
    );
}

/// Where the rule knows what is missing, the refusal names it, in both languages.
#[test]
fn a_missing_approval_is_named_in_japanese_and_english() {
    let mut setup = cross_asset_modification();
    setup.push(approve(8, d(2021, 5, 2)));
    setup.push(approve(11, d(2021, 5, 2)));
    let l = check(
        setup,
        &officer(3),
        d(2021, 5, 2),
        Command::ApproveModification {
            modification_id: m("MOD-0001"),
            comment: None,
        },
        Refuse("modification.approver_not_concerned", "第6条第2項"),
    );
    let r = decide(
        &l.state,
        &Command::DecideModificationContent {
            modification_id: m("MOD-0001"),
            content: "改修内容".into(),
        },
        &officer(6),
        d(2021, 5, 4),
    )
    .unwrap_err();
    assert_eq!(r.rule, "modification.approval_missing");
    assert_eq!(r.message.ja, "MOD-0001: O07 の承認がまだありません");
    assert_eq!(
        r.message.en,
        "MOD-0001: the approval of O07 is still missing"
    );
    assert!(
        r.article_text().starts_with("情報管理責任者は"),
        "{}",
        r.article_text()
    );
}

#[test]
fn art6_2_final_decision_without_cross_asset_approval_is_refused() {
    // Two of the three approvals: the final decision is refused, naming 第6条第2項.
    let mut setup = cross_asset_modification();
    setup.push(approve(8, d(2021, 5, 2)));
    setup.push(approve(11, d(2021, 5, 2)));
    setup.push(s(
        SUP_HW,
        d(2021, 5, 3),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
    ));
    check(
        setup,
        SUP_HW,
        d(2021, 6, 1),
        final_decision("MOD-0001"),
        Refuse("modification.approval_missing", "第6条第2項"),
    );
}

#[test]
fn art6_1_1_final_decision_without_consent_is_refused() {
    let mut setup = vec![s(
        &officer(3),
        d(2021, 5, 1),
        propose(&["A01"], false, None),
    )];
    setup.push(s(
        &officer(3),
        d(2021, 5, 1),
        Command::WithdrawModification {
            modification_id: m("MOD-0001"),
            reason: "再検討".into(),
        },
    ));
    setup.push(s(
        &officer(3),
        d(2021, 5, 2),
        propose(&["A01"], false, None),
    ));
    check(
        setup,
        SUP_HW,
        d(2021, 6, 1),
        final_decision("MOD-0002"),
        Refuse("modification.consent_missing", "第6条第1項第1号"),
    );
}

#[test]
fn art6_1_3_final_decision_with_everything_in_place_is_accepted() {
    let mut setup = cross_asset_modification();
    for n in [7, 8, 11] {
        setup.push(approve(n, d(2021, 5, 2)));
    }
    setup.push(s(
        SUP_HW,
        d(2021, 5, 3),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
    ));
    setup.push(s(
        &officer(6),
        d(2021, 5, 4),
        Command::DecideModificationContent {
            modification_id: m("MOD-0001"),
            content: "内容".into(),
        },
    ));
    let l = check(
        setup,
        SUP_HW,
        d(2021, 6, 1),
        final_decision("MOD-0001"),
        Accept(&["modification.finally_decided.v1"]),
    );
    let v = l.state.lens(d(2021, 6, 1), None).changes();
    assert_eq!(v.modifications[0].status, "decided");
    assert!(v.modifications[0].missing.is_empty());
}

#[test]
fn art3_1_supervisor_of_one_bureau_acting_on_the_other_bureaus_asset_is_refused() {
    // A15 is こども未来局's: the Health & Welfare supervisor may not consent.
    let setup = vec![s(
        &officer(12),
        d(2021, 5, 1),
        propose(&["A15"], false, None),
    )];
    check(
        setup.clone(),
        SUP_HW,
        d(2021, 5, 2),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
    check(
        setup,
        SUP_CF,
        d(2021, 5, 2),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
        Accept(&["modification.consented.v1"]),
    );
}

#[test]
fn art4_1_administrator_consents_as_deputy_of_the_supervisor() {
    let setup = vec![s(
        &officer(12),
        d(2021, 5, 1),
        propose(&["A15"], false, None),
    )];
    let l = check(
        setup,
        ADMIN,
        d(2021, 5, 2),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
        Accept(&["modification.consented.v1"]),
    );
    let last = l.events.last().unwrap();
    assert_eq!(last.meta.acting_for.as_deref(), Some("SUP-CF"));
    let audit = l.state.lens(d(2021, 5, 3), None).audit();
    assert!(audit.findings.iter().any(|f| f.kind == "deputy_act"));
}

#[test]
fn art6_1_2_common_parts_final_decision_without_coordination_is_refused() {
    let setup = vec![
        s(&officer(12), d(2021, 5, 1), propose(&["A15"], true, None)),
        s(
            SUP_CF,
            d(2021, 5, 2),
            Command::ConsentToModification {
                modification_id: m("MOD-0001"),
            },
        ),
        s(
            &officer(12),
            d(2021, 5, 3),
            Command::DecideModificationContent {
                modification_id: m("MOD-0001"),
                content: "内容".into(),
            },
        ),
    ];
    let l = check(
        setup,
        SUP_CF,
        d(2021, 6, 1),
        final_decision("MOD-0001"),
        Refuse("modification.coordination_missing", "第6条第1項第2号"),
    );
    let l = check_in(
        l,
        vec![],
        SUP_HW,
        d(2021, 5, 4),
        Command::CoordinateModification {
            modification_id: m("MOD-0001"),
            officer_post_ids: vec![],
            content: "共通部分".into(),
        },
        Refuse("modification.coordination_incomplete", "第6条第1項第2号"),
    );
    let l = check_in(
        l,
        vec![],
        SUP_HW,
        d(2021, 5, 4),
        Command::CoordinateModification {
            modification_id: m("MOD-0001"),
            officer_post_ids: vec!["O12".into()],
            content: "共通部分".into(),
        },
        Accept(&["modification.coordinated.v1"]),
    );
    check_in(
        l,
        vec![],
        SUP_CF,
        d(2021, 6, 1),
        final_decision("MOD-0001"),
        Accept(&["modification.finally_decided.v1"]),
    );
}

#[test]
fn art6_1_2_common_parts_are_coordinated_by_the_common_parts_supervisor_only() {
    let setup = vec![s(
        &officer(12),
        d(2021, 5, 1),
        propose(&["A15"], true, None),
    )];
    check(
        setup,
        SUP_CF,
        d(2021, 5, 4),
        Command::CoordinateModification {
            modification_id: m("MOD-0001"),
            officer_post_ids: vec!["O12".into()],
            content: "x".into(),
        },
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
}

// ---------------------------------------------------------------- retirement (第7条)

fn notice() -> (String, Time, Command) {
    s(
        &officer(12),
        d(2021, 6, 1),
        Command::NoticeRetirement {
            asset_ids: vec!["A18".into()],
            affected_asset_ids: vec!["A19".into()],
            reason: "移行".into(),
            planned_stop: NaiveDate::from_ymd_opt(2021, 9, 30).unwrap(),
        },
    )
}

fn full_retirement_setup() -> Vec<(String, Time, Command)> {
    vec![
        notice(),
        s(
            &officer(5),
            d(2021, 6, 2),
            Command::ApproveRetirement {
                retirement_id: "RET-0001".into(),
                comment: None,
            },
        ),
        s(
            SUP_CF,
            d(2021, 6, 3),
            Command::ConsentToRetirement {
                retirement_id: "RET-0001".into(),
            },
        ),
    ]
}

#[test]
fn art7_1_1_retirement_decided_after_notice_approval_and_consent_is_accepted() {
    check(
        full_retirement_setup(),
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
        Accept(&["retirement.decided.v1"]),
    );
}

#[test]
fn art7_1_1_retirement_decided_before_its_notice_is_refused() {
    check(
        full_retirement_setup(),
        &officer(12),
        d(2021, 5, 20),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
        Refuse("retirement.notice_missing", "第7条第1項第1号"),
    );
}

#[test]
fn art7_1_1_retirement_notice_by_someone_not_the_assets_officer_is_refused() {
    let (_, at, cmd) = notice();
    check(
        vec![],
        &officer(5),
        at,
        cmd,
        Refuse("retirement.not_officer", "第7条第1項第1号"),
    );
}

#[test]
fn art7_2_retirement_without_the_affected_officers_approval_is_refused() {
    let setup = vec![
        notice(),
        s(
            SUP_CF,
            d(2021, 6, 3),
            Command::ConsentToRetirement {
                retirement_id: "RET-0001".into(),
            },
        ),
    ];
    check(
        setup,
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
        Refuse("retirement.approval_missing", "第7条第2項"),
    );
}

#[test]
fn art7_1_1_retirement_without_consent_is_refused() {
    let setup = vec![
        notice(),
        s(
            &officer(5),
            d(2021, 6, 2),
            Command::ApproveRetirement {
                retirement_id: "RET-0001".into(),
                comment: None,
            },
        ),
    ];
    check(
        setup,
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
        Refuse("retirement.consent_missing", "第7条第1項第1号"),
    );
}

#[test]
fn art7_1_2_measures_only_after_the_decision() {
    let measures = || Command::RecordRetirementMeasures {
        retirement_id: "RET-0001".into(),
        measures: vec!["停止".into()],
    };
    check(
        full_retirement_setup(),
        SUP_CF,
        d(2021, 6, 10),
        measures(),
        Refuse("retirement.not_decided", "第7条第1項第2号"),
    );
    let mut setup = full_retirement_setup();
    setup.push(s(
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
    ));
    check(
        setup,
        SUP_CF,
        d(2021, 7, 10),
        measures(),
        Accept(&["retirement.measures_recorded.v1"]),
    );
}

// ------------------------------------- the supervisor's direction of officers (第3条第3項)

fn direct(addressee: Addressee) -> Command {
    Command::DirectOfficer {
        addressee,
        matter: "アカウント棚卸し".into(),
        direction: "月末までに棚卸しを完了すること".into(),
    }
}

fn o3() -> Addressee {
    Addressee::Officer {
        post_id: "O03".into(),
    }
}

#[test]
fn art3_3_supervisor_directs_an_information_management_officer_and_a_usage_officer() {
    let l = check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        direct(o3()),
        Accept(&["officer.directed.v1"]),
    );
    let e = l.events.last().unwrap();
    // 第5条第3項: the officer follows what the supervisor sets.
    assert_eq!(e.meta.basis, "第3条第3項・第5条第3項");
    assert_eq!(e.data["person_id"], officer(3).as_str());
    assert_eq!(e.data["supervisor_post_id"], "SUP-HW");
    let v = l.state.lens(d(2021, 6, 1), None).meetings();
    assert_eq!(v.officer_directions.len(), 1);
    assert_eq!(v.officer_directions[0].id, "OD-0001");
    assert_eq!(v.officer_directions[0].addressee_id, "O03");
    assert!(
        l.state
            .lens(d(2021, 5, 31), None)
            .meetings()
            .officer_directions
            .is_empty()
    );
    // The usage officer of 障害福祉課 (第3条第3項 only).
    let l = check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        direct(Addressee::UsageOfficer {
            unit_id: "HW-DH-WELF".into(),
        }),
        Accept(&["officer.directed.v1"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.meta.basis, "第3条第3項");
    assert_eq!(e.data["person_id"], officer(6).as_str());
    // The administrator directs as the supervisor's deputy (第4条第1項).
    let l = check(
        vec![],
        ADMIN,
        d(2021, 6, 1),
        direct(o3()),
        Accept(&["officer.directed.v1"]),
    );
    assert_eq!(
        l.events.last().unwrap().meta.acting_for.as_deref(),
        Some("SUP-HW")
    );
}

#[test]
fn art3_3_direction_by_anyone_but_the_supervisor_in_scope_is_refused() {
    // An officer, and a person with no role: refused citing the act's own article.
    for actor in [officer(6), LTCI_STAFF.to_owned()] {
        check(
            vec![],
            &actor,
            d(2021, 6, 1),
            direct(o3()),
            Refuse("supervisor.required", "第3条第3項"),
        );
    }
    // O03 is 健康福祉局's: not the Children's Future supervisor's to direct.
    check(
        vec![],
        SUP_CF,
        d(2021, 6, 1),
        direct(o3()),
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
    // Only officers are directed under 第3条第3項.
    check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        direct(Addressee::Officer {
            post_id: "OPS".into(),
        }),
        Refuse("direction.addressee_not_officer", "第3条第3項"),
    );
    check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        direct(Addressee::UsageOfficer {
            unit_id: "HW-LS-LTCI".into(),
        }),
        Refuse("direction.no_usage_officer", "第3条第3項"),
    );
    check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        Command::DirectOfficer {
            addressee: o3(),
            matter: "件名".into(),
            direction: "".into(),
        },
        Refuse("input.missing_text", "記録の原則"),
    );
}

// ---------------------------------------- the usage officer's direction of users (第8条第3項)

fn direct_users(users: &[&str]) -> Command {
    Command::DirectUsers {
        unit_id: "HW-DH-WELF".into(),
        users: users.iter().map(|u| (*u).to_owned()).collect(),
        matter: "個人情報の取扱い".into(),
        direction: "端末を離れるときは必ずログオフすること".into(),
    }
}

#[test]
fn art8_3_the_usage_officer_directs_the_users_of_the_division() {
    // No users named: every user registered in the division then (only USER; WELF_STAFF
    // works there but is not a user).
    let l = check(
        vec![],
        &officer(6),
        d(2021, 6, 1),
        direct_users(&[]),
        Accept(&["users.directed.v1"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.meta.basis, "第8条第3項");
    assert_eq!(e.data["users"], serde_json::json!([USER]));
    assert_eq!(e.data["usage_officer_id"], officer(6).as_str());
    let v = l.state.lens(d(2021, 6, 1), None).meetings();
    assert_eq!(v.user_directions.len(), 1);
    assert_eq!(v.user_directions[0].id, "UD-0001");
    assert_eq!(v.user_directions[0].users, vec![USER.to_owned()]);
    assert!(
        l.state
            .lens(d(2021, 5, 31), None)
            .meetings()
            .user_directions
            .is_empty()
    );
    // Named users, once WELF_STAFF is registered too; the ids count on.
    let l = check_in(
        l,
        vec![s(
            &officer(6),
            d(2021, 6, 2),
            Command::RegisterUser {
                person_id: WELF_STAFF.into(),
            },
        )],
        &officer(6),
        d(2021, 6, 3),
        direct_users(&[WELF_STAFF]),
        Accept(&["users.directed.v1"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.data["direction_id"], "UD-0002");
    assert_eq!(e.data["users"], serde_json::json!([WELF_STAFF]));
}

#[test]
fn art8_3_only_the_divisions_usage_officer_directs_its_users() {
    // The supervisor directs officers (第3条第3項), not the division's users.
    check(
        vec![],
        SUP_HW,
        d(2021, 6, 1),
        direct_users(&[]),
        Refuse("user_direction.not_usage_officer", "第8条第3項"),
    );
    // Nor does the administrator deputise here.
    check(
        vec![],
        ADMIN,
        d(2021, 6, 1),
        direct_users(&[USER]),
        Refuse("user_direction.not_usage_officer", "第8条第3項"),
    );
    // A usage officer transferred out of the division, the appointment not yet ended, no
    // longer directs its users: 自らが所属する利用課.
    check(
        vec![s(
            ADMIN,
            d(2021, 5, 1),
            Command::TransferPerson {
                person_id: officer(6),
                unit_id: "HW-GA".into(),
                personnel_order: "辞令".into(),
            },
        )],
        &officer(6),
        d(2021, 6, 1),
        direct_users(&[]),
        Refuse("user_direction.officer_not_in_division", "第8条第3項"),
    );
    // A department (部) is no user division: there are no users of its own to direct.
    let mut cmd = direct_users(&[]);
    if let Command::DirectUsers { unit_id, .. } = &mut cmd {
        *unit_id = "HW-DH".into();
    }
    check(
        vec![],
        &officer(6),
        d(2021, 6, 1),
        cmd,
        Refuse("user_direction.not_user_division", "第2条第2号"),
    );
}

#[test]
fn art8_3_a_direction_names_only_users_of_the_division_once() {
    // WELF_STAFF works in the division but is not a user; LTCI_STAFF is of another division.
    for who in [WELF_STAFF, LTCI_STAFF, "P9999"] {
        check(
            vec![],
            &officer(6),
            d(2021, 6, 1),
            direct_users(&[USER, who]),
            Refuse("user_direction.not_user_of_division", "第8条第3項"),
        );
    }
    check(
        vec![],
        &officer(6),
        d(2021, 6, 1),
        direct_users(&[USER, USER]),
        Refuse("user_direction.duplicate_user", "第8条第3項"),
    );
    // After the only user is deregistered, a direction to all users has no one to address.
    check(
        vec![s(
            &officer(6),
            d(2021, 5, 1),
            Command::DeregisterUser {
                person_id: USER.into(),
                reason: "異動".into(),
            },
        )],
        &officer(6),
        d(2021, 6, 1),
        direct_users(&[]),
        Refuse("user_direction.no_users", "第8条第3項"),
    );
    let mut blank = direct_users(&[]);
    if let Command::DirectUsers { matter, .. } = &mut blank {
        *matter = " ".into();
    }
    check(
        vec![],
        &officer(6),
        d(2021, 6, 1),
        blank,
        Refuse("input.missing_text", "記録の原則"),
    );
}

// ------------------------------------------------ operation records (第11条第1号・第2号・第4号)

fn operation(kind: OperationKind, result: OperationResult) -> Command {
    Command::RecordOperation {
        operation: kind,
        target: "DBサーバ".into(),
        result,
        detail: None,
        ticket: None,
    }
}

#[test]
fn art11_operations_are_recorded_by_operations_support_the_administrator_and_operation_staff() {
    let l = check(
        vec![],
        OPS,
        d(2021, 4, 5),
        operation(OperationKind::Backup, OperationResult::Succeeded),
        Accept(&["operation.recorded.v2"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.meta.basis, "第11条第1号");
    assert_eq!(e.data["recorded_as"], "operations_support");
    assert_eq!(e.stream, "operation/backup");
    let v = l.state.lens(d(2021, 4, 5), None).incidents();
    assert_eq!(v.operations.len(), 1);
    assert_eq!(v.operations[0].recorded_by, OPS);
    // The administrator does the work of 第3条第2項 itself (第4条第1項).
    let l = check(
        vec![],
        ADMIN,
        d(2021, 4, 5),
        operation(OperationKind::Maintenance, OperationResult::Succeeded),
        Accept(&["operation.recorded.v2"]),
    );
    assert_eq!(
        l.events.last().unwrap().meta.basis,
        "第4条第1項・第11条第2号"
    );
    // System operation staff assist the administrator (第4条第3項).
    let designate = s(
        ADMIN,
        d(2021, 4, 2),
        Command::DesignateOperationStaff {
            person_id: SYS_STAFF.into(),
        },
    );
    let l = check(
        vec![designate],
        SYS_STAFF,
        d(2021, 4, 5),
        operation(OperationKind::Batch, OperationResult::Failed),
        Accept(&["operation.recorded.v2"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.meta.basis, "第4条第3項・第11条第4号");
    assert_eq!(e.data["result"], "failed");
}

#[test]
fn art11_operation_recorded_by_anyone_else_is_refused_citing_its_item() {
    for (actor, kind, article) in [
        (officer(3), OperationKind::Backup, "第11条第1号"),
        (
            LTCI_STAFF.to_owned(),
            OperationKind::Monitoring,
            "第11条第1号",
        ),
        (SUP_HW.to_owned(), OperationKind::Maintenance, "第11条第2号"),
        (SYS_STAFF.to_owned(), OperationKind::Batch, "第11条第4号"),
    ] {
        check(
            vec![],
            &actor,
            d(2021, 4, 5),
            operation(kind, OperationResult::Succeeded),
            Refuse("operation.not_operator", article),
        );
    }
    check(
        vec![],
        OPS,
        d(2021, 4, 5),
        Command::RecordOperation {
            operation: OperationKind::Backup,
            target: " ".into(),
            result: OperationResult::Succeeded,
            detail: None,
            ticket: None,
        },
        Refuse("input.missing_text", "記録の原則"),
    );
    // A ticket, if named, names something.
    check(
        vec![],
        OPS,
        d(2021, 4, 5),
        Command::RecordOperation {
            operation: OperationKind::Maintenance,
            target: "APサーバ".into(),
            result: OperationResult::Succeeded,
            detail: None,
            ticket: Some("  ".into()),
        },
        Refuse("input.missing_text", "記録の原則"),
    );
}

#[test]
fn art11_an_operation_records_the_ticket_it_was_done_under_as_v2() {
    let l = check(
        vec![],
        ADMIN,
        d(2021, 4, 5),
        Command::RecordOperation {
            operation: OperationKind::Maintenance,
            target: "APサーバ OSパッチ適用".into(),
            result: OperationResult::Succeeded,
            detail: None,
            ticket: Some("CHG-0042".into()),
        },
        Accept(&["operation.recorded.v2"]),
    );
    let e = l.events.last().unwrap();
    assert_eq!(e.data["ticket"], "CHG-0042");
    let v = l.state.lens(d(2021, 4, 5), None).incidents();
    assert_eq!(v.operations[0].ticket.as_deref(), Some("CHG-0042"));
}

#[test]
fn art11_1_a_backup_or_monitoring_missing_for_longer_than_its_period_is_an_audit_finding() {
    let overdue = |l: &InMemory, at: Time, what: &str| -> Option<(String, String)> {
        l.state
            .lens(at, None)
            .audit()
            .findings
            .into_iter()
            .find(|f| f.kind == "periodic_operation_overdue" && f.message.contains(what))
            .map(|f| (f.article.to_owned(), f.message))
    };
    let l = world();
    // Backups are due weekly from the genesis (2021-04-01), monitoring monthly.
    assert_eq!(overdue(&l, d(2021, 4, 8), " backup "), None);
    let (article, message) = overdue(&l, d(2021, 4, 9), " backup ").unwrap();
    assert_eq!(article, "第11条第1号");
    assert!(message.contains("since the genesis"), "{message}");
    assert_eq!(overdue(&l, d(2021, 5, 1), " monitoring "), None);
    assert!(overdue(&l, d(2021, 5, 3), " monitoring ").is_some());
    // A successful backup on 8 April covers a week; a failed one on the 15th does not.
    let l = check_in(
        l,
        vec![s(
            OPS,
            d(2021, 4, 8),
            operation(OperationKind::Backup, OperationResult::Succeeded),
        )],
        OPS,
        d(2021, 4, 15),
        operation(OperationKind::Backup, OperationResult::Failed),
        Accept(&["operation.recorded.v2"]),
    );
    assert_eq!(overdue(&l, d(2021, 4, 12), " backup "), None);
    assert_eq!(overdue(&l, d(2021, 4, 15), " backup "), None);
    let (_, message) = overdue(&l, d(2021, 4, 16), " backup ").unwrap();
    assert!(
        message.contains("the last took effect 2021-04-08"),
        "{message}"
    );
    // As known before the backup was recorded, the finding dates from the genesis.
    let recorded = l.events.len() as u64 - 1;
    let before = l.state.lens(d(2021, 4, 12), Some(recorded - 1)).audit();
    assert!(
        before
            .findings
            .iter()
            .any(|f| f.kind == "periodic_operation_overdue" && f.message.contains(" backup "))
    );
}

fn decide_retirement_of(assets: &[&str]) -> Command {
    Command::DecideRetirement {
        retirement_id: None,
        asset_ids: assets.iter().map(|a| (*a).to_string()).collect(),
    }
}

#[test]
fn art7_1_1_retirement_decided_by_naming_its_assets_after_the_notice_is_accepted() {
    let l = check(
        full_retirement_setup(),
        &officer(12),
        d(2021, 7, 1),
        decide_retirement_of(&["A18"]),
        Accept(&["retirement.decided.v1"]),
    );
    let last = l.events.last().unwrap();
    assert_eq!(last.data["retirement_id"], "RET-0001");
    assert_eq!(last.meta.basis, "第7条第1項第1号");
    assert!(l.state.lens(d(2021, 7, 1), None).retired("A18").is_some());
}

#[test]
fn art7_1_1_retirement_decided_without_notice_to_the_supervisor_is_refused() {
    // No notice at all: the officer's decision is refused (事前にシステム総括者に通知).
    check(
        vec![],
        &officer(12),
        d(2021, 7, 1),
        decide_retirement_of(&["A18"]),
        Refuse("retirement.notice_missing", "第7条第1項第1号"),
    );
    // A notice that takes effect only after the decision is no notice before it.
    check(
        vec![notice()],
        &officer(12),
        d(2021, 5, 20),
        decide_retirement_of(&["A18"]),
        Refuse("retirement.notice_missing", "第7条第1項第1号"),
    );
    // A notice closed by the supervisor's refusal of consent is no notice to decide on.
    check(
        vec![
            notice(),
            s(
                SUP_CF,
                d(2021, 6, 3),
                Command::RefuseRetirementConsent {
                    retirement_id: "RET-0001".into(),
                    reason: "不可".into(),
                },
            ),
        ],
        &officer(12),
        d(2021, 7, 1),
        decide_retirement_of(&["A18"]),
        Refuse("retirement.notice_missing", "第7条第1項第1号"),
    );
    // Only the assets' officer decides; a person with no role is refused citing the same item.
    for actor in [officer(5), LTCI_STAFF.to_owned()] {
        check(
            full_retirement_setup(),
            &actor,
            d(2021, 7, 1),
            decide_retirement_of(&["A18"]),
            Refuse("retirement.not_officer", "第7条第1項第1号"),
        );
    }
    // Name the retirement or its assets, not both and not neither.
    for cmd in [
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec!["A18".into()],
        },
        Command::DecideRetirement {
            retirement_id: None,
            asset_ids: vec![],
        },
    ] {
        check(
            full_retirement_setup(),
            &officer(12),
            d(2021, 7, 1),
            cmd,
            Refuse("input.retirement_or_assets", "記録の原則"),
        );
    }
}

// ------------------------------------------- refusal of consent (不同意, 第6条, 第7条)

fn refuse_modification_consent(id: &str) -> Command {
    Command::RefuseModificationConsent {
        modification_id: m(id),
        reason: "制度改正後に再提案のこと".into(),
    }
}

#[test]
fn art6_1_1_supervisor_refuses_consent_and_the_modification_closes_as_refused() {
    let setup = vec![s(
        &officer(3),
        d(2021, 5, 1),
        propose(&["A01"], false, None),
    )];
    let l = check(
        setup,
        SUP_HW,
        d(2021, 5, 2),
        refuse_modification_consent("MOD-0001"),
        Accept(&["modification.consent_refused.v1"]),
    );
    let last = l.events.last().unwrap();
    assert_eq!(last.meta.basis, "第6条第1項第1号");
    assert_eq!(last.data["supervisor_post_id"], "SUP-HW");
    let v = &l.state.lens(d(2021, 5, 3), None).changes().modifications[0];
    assert_eq!(v.status, "consent_refused");
    assert_eq!(
        v.state,
        govledger_projections::ModificationState::ConsentRefused
    );
    assert_eq!(
        v.consent_refusal.as_ref().unwrap().text,
        "制度改正後に再提案のこと"
    );
    // Before the refusal took effect the modification was open.
    let before = &l.state.lens(d(2021, 5, 1), None).changes().modifications[0];
    assert_eq!(before.status, "open");
    // Closed as refused: no consent, content decision or final decision after it.
    for (actor, cmd) in [
        (
            SUP_HW.to_owned(),
            Command::ConsentToModification {
                modification_id: m("MOD-0001"),
            },
        ),
        (
            officer(3),
            Command::DecideModificationContent {
                modification_id: m("MOD-0001"),
                content: "内容".into(),
            },
        ),
        (SUP_HW.to_owned(), final_decision("MOD-0001")),
        (SUP_HW.to_owned(), refuse_modification_consent("MOD-0001")),
    ] {
        check_in(
            l.clone(),
            vec![],
            &actor,
            d(2021, 5, 10),
            cmd,
            Refuse("modification.consent_refused", "第6条第1項第1号"),
        );
    }
}

#[test]
fn art6_1_1_refusal_of_consent_by_anyone_but_the_supervisor_in_scope_is_refused() {
    let setup = || {
        vec![s(
            &officer(3),
            d(2021, 5, 1),
            propose(&["A01"], false, None),
        )]
    };
    // The proposing officer, and a person with no role: the act's own article.
    for actor in [officer(3), LTCI_STAFF.to_owned()] {
        check(
            setup(),
            &actor,
            d(2021, 5, 2),
            refuse_modification_consent("MOD-0001"),
            Refuse("supervisor.required", "第6条第1項第1号"),
        );
    }
    check(
        setup(),
        SUP_CF,
        d(2021, 5, 2),
        refuse_modification_consent("MOD-0001"),
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
    check(
        setup(),
        SUP_HW,
        d(2021, 5, 2),
        Command::RefuseModificationConsent {
            modification_id: m("MOD-0001"),
            reason: " ".into(),
        },
        Refuse("input.missing_text", "記録の原則"),
    );
    // Once consented, the consent cannot be refused.
    let mut consented = setup();
    consented.push(s(
        SUP_HW,
        d(2021, 5, 2),
        Command::ConsentToModification {
            modification_id: m("MOD-0001"),
        },
    ));
    check(
        consented,
        SUP_HW,
        d(2021, 5, 3),
        refuse_modification_consent("MOD-0001"),
        Refuse("modification.already_consented", "第6条第1項第1号"),
    );
    // The administrator refuses as the supervisor's deputy (第4条第1項).
    let l = check(
        setup(),
        ADMIN,
        d(2021, 5, 2),
        refuse_modification_consent("MOD-0001"),
        Accept(&["modification.consent_refused.v1"]),
    );
    assert_eq!(
        l.events.last().unwrap().meta.acting_for.as_deref(),
        Some("SUP-HW")
    );
}

fn refuse_retirement_consent() -> Command {
    Command::RefuseRetirementConsent {
        retirement_id: "RET-0001".into(),
        reason: "後継システムが未定".into(),
    }
}

#[test]
fn art7_1_1_supervisor_refuses_consent_and_the_retirement_closes_as_refused() {
    let l = check(
        vec![notice()],
        SUP_CF,
        d(2021, 6, 3),
        refuse_retirement_consent(),
        Accept(&["retirement.consent_refused.v1"]),
    );
    assert_eq!(l.events.last().unwrap().meta.basis, "第7条第1項第1号");
    let v = &l.state.lens(d(2021, 6, 4), None).changes().retirements[0];
    assert_eq!(v.status, "consent_refused");
    assert_eq!(
        v.state,
        govledger_projections::RetirementState::ConsentRefused
    );
    assert_eq!(v.consent_refusal.as_ref().unwrap().post_id, "SUP-CF");
    // Closed as refused: no approval, consent or decision after it, and the asset stays in use.
    for (actor, cmd) in [
        (
            officer(5),
            Command::ApproveRetirement {
                retirement_id: "RET-0001".into(),
                comment: None,
            },
        ),
        (
            SUP_CF.to_owned(),
            Command::ConsentToRetirement {
                retirement_id: "RET-0001".into(),
            },
        ),
        (
            officer(12),
            Command::DecideRetirement {
                retirement_id: Some("RET-0001".into()),
                asset_ids: vec![],
            },
        ),
    ] {
        check_in(
            l.clone(),
            vec![],
            &actor,
            d(2021, 7, 1),
            cmd,
            Refuse("retirement.consent_refused", "第7条第1項第1号"),
        );
    }
    assert!(l.state.lens(d(2021, 7, 1), None).retired("A18").is_none());
}

#[test]
fn art7_1_1_refusal_of_consent_to_a_retirement_by_anyone_but_its_supervisor_is_refused() {
    for actor in [officer(12), LTCI_STAFF.to_owned()] {
        check(
            vec![notice()],
            &actor,
            d(2021, 6, 3),
            refuse_retirement_consent(),
            Refuse("supervisor.required", "第7条第1項第1号"),
        );
    }
    check(
        vec![notice()],
        SUP_HW,
        d(2021, 6, 3),
        refuse_retirement_consent(),
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
    // A decided retirement's consent can no longer be refused.
    let mut decided = full_retirement_setup();
    decided.push(s(
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
    ));
    check(
        decided,
        SUP_CF,
        d(2021, 7, 2),
        refuse_retirement_consent(),
        Refuse("retirement.already_decided", "第7条第1項第1号"),
    );
}

#[test]
fn art7_a_grant_on_a_retired_asset_is_refused() {
    let mut setup = full_retirement_setup();
    setup.push(s(
        &officer(12),
        d(2021, 7, 1),
        Command::DecideRetirement {
            retirement_id: Some("RET-0001".into()),
            asset_ids: vec![],
        },
    ));
    setup.push(s(
        &officer(6),
        d(2021, 7, 1),
        Command::RegisterUser {
            person_id: WELF_STAFF.into(),
        },
    ));
    let l = check(
        setup,
        &officer(12),
        d(2021, 7, 2),
        grant(USER, "A18"),
        Refuse("permission.asset_retired", "第7条第1項"),
    );
    // Before the retirement took effect the same grant was fine.
    check_in(
        l,
        vec![],
        &officer(12),
        d(2021, 6, 30),
        grant(USER, "A18"),
        Accept(&["permission.granted.v1"]),
    );
}

// ---------------------------------------------------------------- rosters and incidents (第9条, 第11条)

fn entry(p: &str, inform: bool, decide: bool) -> RosterEntry {
    RosterEntry {
        person_id: p.into(),
        contact: "内線".into(),
        can_inform: inform,
        can_decide: decide,
    }
}

#[test]
fn art9_2_roster_with_informer_and_decider_is_accepted() {
    let l = check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        Command::RecordRoster {
            officer_post_id: None,
            entries: vec![
                entry(&officer(6), false, true),
                entry(WELF_STAFF, true, false),
            ],
        },
        Accept(&["roster.recorded.v1"]),
    );
    let audit = l.state.lens(d(2021, 5, 2), None).audit();
    assert!(
        !audit
            .findings
            .iter()
            .any(|f| f.kind == "officer_without_valid_roster" && f.message.contains("O06 "))
    );
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.kind == "officer_without_valid_roster" && f.message.contains("O03 "))
    );
}

#[test]
fn art9_2_roster_without_a_decider_is_refused() {
    check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        Command::RecordRoster {
            officer_post_id: None,
            entries: vec![entry(WELF_STAFF, true, false)],
        },
        Refuse("roster.incomplete", "第9条第2項"),
    );
}

#[test]
fn art9_1_roster_kept_by_someone_not_an_officer_is_refused() {
    check(
        vec![],
        OPS,
        d(2021, 5, 1),
        Command::RecordRoster {
            officer_post_id: None,
            entries: vec![entry(OPS, true, true)],
        },
        Refuse("roster.not_officer", "第9条第1項"),
    );
}

fn incident() -> (String, Time, Command) {
    s(
        OPS,
        d(2021, 5, 1),
        Command::ReportIncident {
            summary: "障害".into(),
            asset_ids: vec!["A15".into()],
            occurred_at: d(2021, 5, 1) - TimeDelta::hours(2),
        },
    )
}

#[test]
fn art3_2_4_incident_directed_by_the_supervisor_of_the_assets_bureau() {
    check(
        vec![incident()],
        SUP_CF,
        d(2021, 5, 1),
        Command::DirectIncident {
            incident_id: "INC-0001".into(),
            directions: "復旧".into(),
        },
        Accept(&["incident.directed.v1"]),
    );
    check(
        vec![incident()],
        SUP_HW,
        d(2021, 5, 1),
        Command::DirectIncident {
            incident_id: "INC-0001".into(),
            directions: "復旧".into(),
        },
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
}

#[test]
fn art11_3_incident_coordinated_by_operations_support_only() {
    check(
        vec![incident()],
        OPS,
        d(2021, 5, 1),
        Command::CoordinateIncident {
            incident_id: "INC-0001".into(),
            actions: "再起動".into(),
        },
        Accept(&["incident.coordinated.v1"]),
    );
    check(
        vec![incident()],
        ADMIN,
        d(2021, 5, 1),
        Command::CoordinateIncident {
            incident_id: "INC-0001".into(),
            actions: "再起動".into(),
        },
        Refuse("incident.not_operations_support", "第11条第3号"),
    );
}

#[test]
fn art3_2_4_incident_reported_by_someone_without_a_role_is_refused() {
    let (_, at, cmd) = incident();
    check(
        vec![],
        LTCI_STAFF,
        at,
        cmd,
        Refuse("incident.no_role", "第3条第2項第4号"),
    );
}

// ---------------------------------------------------------------- security requests (第10条第2項)

fn request(due: (i32, u32, u32)) -> Command {
    Command::IssueSecurityRequest {
        addressee: Addressee::Officer {
            post_id: "O03".into(),
        },
        finding: "アカウント残存".into(),
        standard: "川崎市情報セキュリティ基準".into(),
        due: NaiveDate::from_ymd_opt(due.0, due.1, due.2).unwrap(),
    }
}

#[test]
fn art10_2_supervisor_requests_improvement_and_the_view_shows_it_overdue() {
    let l = check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        request((2021, 6, 30)),
        Accept(&["security_request.issued.v1"]),
    );
    let lens = l.state.lens(d(2021, 7, 1), None);
    let v = lens.security_requests();
    assert!(v.requests[0].overdue);
    assert!(
        lens.audit()
            .findings
            .iter()
            .any(|f| f.kind == "overdue_security_request")
    );
    assert!(
        !l.state
            .lens(d(2021, 6, 30), None)
            .security_requests()
            .requests[0]
            .overdue
    );
}

#[test]
fn art10_2_request_to_another_bureaus_officer_is_refused() {
    check(
        vec![],
        SUP_CF,
        d(2021, 5, 1),
        request((2021, 6, 30)),
        Refuse("supervisor.out_of_scope", "第3条第1項"),
    );
}

#[test]
fn art10_2_only_the_addressee_responds() {
    let setup = vec![s(SUP_HW, d(2021, 5, 1), request((2021, 6, 30)))];
    let respond = || Command::RespondToSecurityRequest {
        request_id: "SR-0001".into(),
        response: "対応済".into(),
    };
    check(
        setup.clone(),
        &officer(6),
        d(2021, 5, 2),
        respond(),
        Refuse("security.not_addressee", "第10条第2項"),
    );
    let l = check(
        setup,
        &officer(3),
        d(2021, 5, 2),
        respond(),
        Accept(&["security_request.responded.v1"]),
    );
    let l = check_in(
        l,
        vec![],
        SUP_HW,
        d(2021, 5, 3),
        Command::CloseSecurityRequest {
            request_id: "SR-0001".into(),
            note: "確認".into(),
        },
        Accept(&["security_request.closed.v1"]),
    );
    check_in(
        l,
        vec![],
        SUP_HW,
        d(2021, 5, 4),
        Command::ReopenSecurityRequest {
            request_id: "SR-0001".into(),
            reason: "再発".into(),
            due: NaiveDate::from_ymd_opt(2021, 7, 31).unwrap(),
        },
        Accept(&["security_request.reopened.v1"]),
    );
}

// ---------------------------------------------------------------- meetings (第12条) and directives (第13条)

fn circulation() -> (String, Time, Command) {
    s(
        SUP_CF,
        d(2021, 5, 1),
        Command::ConveneMeeting {
            meeting_kind: MeetingKind::Management,
            form: MeetingForm::Circulation,
            urgency_reason: Some("施行日が迫る".into()),
            members: vec![officer(10), officer(12)],
            agenda: vec!["緊急改修".into()],
            held_on: NaiveDate::from_ymd_opt(2021, 5, 1).unwrap(),
        },
    )
}

fn sign(n: u32, at: Time) -> (String, Time, Command) {
    s(
        &officer(n),
        at,
        Command::SignCirculation {
            meeting_id: "MTG-0001".into(),
            position: SignaturePosition::Agree,
            comment: None,
        },
    )
}

#[test]
fn art12_2_circulation_with_one_signature_missing_is_not_resolved() {
    let resolve = || Command::ResolveMeeting {
        meeting_id: "MTG-0001".into(),
        resolution: "了承".into(),
    };
    let l = check(
        vec![circulation(), sign(10, d(2021, 5, 2))],
        SUP_CF,
        d(2021, 5, 3),
        resolve(),
        Refuse("meeting.signature_missing", "第12条第2項"),
    );
    let l = check_in(
        l,
        vec![sign(12, d(2021, 5, 3))],
        SUP_CF,
        d(2021, 5, 3),
        resolve(),
        Accept(&["meeting.resolved.v1"]),
    );
    assert!(
        l.state.lens(d(2021, 5, 4), None).meetings().meetings[0]
            .unsigned
            .is_empty()
    );
}

#[test]
fn art12_2_circulation_without_an_urgency_reason_is_refused() {
    let (_, at, mut cmd) = circulation();
    if let Command::ConveneMeeting { urgency_reason, .. } = &mut cmd {
        *urgency_reason = None;
    }
    check(
        vec![],
        SUP_CF,
        at,
        cmd,
        Refuse("meeting.circulation_without_urgency", "第12条第2項"),
    );
}

#[test]
fn art12_2_only_members_sign_a_circulation() {
    check(
        vec![circulation()],
        &officer(3),
        d(2021, 5, 2),
        Command::SignCirculation {
            meeting_id: "MTG-0001".into(),
            position: SignaturePosition::Disagree,
            comment: None,
        },
        Refuse("meeting.not_member", "第12条第2項"),
    );
}

#[test]
fn art12_1_management_meeting_convened_by_the_supervisor_with_officers() {
    let convene = |members: Vec<String>| Command::ConveneMeeting {
        meeting_kind: MeetingKind::Management,
        form: MeetingForm::InPerson,
        urgency_reason: None,
        members,
        agenda: vec!["報告".into()],
        held_on: NaiveDate::from_ymd_opt(2021, 5, 10).unwrap(),
    };
    let l = check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        convene(vec![officer(3), officer(6)]),
        Accept(&["meeting.convened.v1"]),
    );
    check_in(
        l,
        vec![],
        SUP_HW,
        d(2021, 5, 10),
        Command::RecordMinutes {
            meeting_id: "MTG-0001".into(),
            attendees: vec![officer(3)],
            agenda: vec!["報告".into()],
            resolutions: vec!["了承".into()],
        },
        Accept(&["meeting.minutes_recorded.v1"]),
    );
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        convene(vec![LTCI_STAFF.into()]),
        Refuse("meeting.member_not_officer", "第12条第1項"),
    );
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        convene(vec![officer(6)]),
        Refuse("supervisor.required", "第12条第1項"),
    );
}

#[test]
fn art12_4_staff_meeting_convened_by_the_administrator_only() {
    let convene = || Command::ConveneMeeting {
        meeting_kind: MeetingKind::Staff,
        form: MeetingForm::InPerson,
        urgency_reason: None,
        members: vec![SYS_STAFF.into(), WELF_STAFF.into()],
        agenda: vec!["手順".into()],
        held_on: NaiveDate::from_ymd_opt(2021, 5, 10).unwrap(),
    };
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        convene(),
        Accept(&["meeting.convened.v1"]),
    );
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        convene(),
        Refuse("meeting.staff_not_administrator", "第12条第4項"),
    );
}

#[test]
fn art13_directive_by_the_supervisor_only() {
    let directive = || Command::IssueDirective {
        title: "指示".into(),
        body: "本文".into(),
        bureau: None,
    };
    check(
        vec![],
        SUP_HW,
        d(2021, 5, 1),
        directive(),
        Accept(&["directive.issued.v1"]),
    );
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        directive(),
        Refuse("supervisor.required", "第13条"),
    );
}

// ---------------------------------------------------------------- regulation and corrections

#[test]
fn supplementary_provisions_recorded_by_the_administrator() {
    let amend = || Command::AmendRegulation {
        in_force_from: NaiveDate::from_ymd_opt(2023, 4, 1).unwrap(),
        provision: "この要綱は、令和5年4月1日から施行する。".into(),
        note: None,
    };
    check(
        vec![],
        ADMIN,
        d(2021, 5, 1),
        amend(),
        Accept(&["regulation.amended.v1"]),
    );
    check(
        vec![],
        &officer(3),
        d(2021, 5, 1),
        amend(),
        Refuse("regulation.not_authorised", "附則"),
    );
}

#[test]
fn correction_names_the_event_and_voids_it_in_views_but_not_in_history() {
    let l = check(
        vec![],
        &officer(6),
        d(2021, 5, 1),
        grant(USER, "A04"),
        Accept(&["permission.granted.v1"]),
    );
    let seq = l.events.last().unwrap().seq;
    let id = l.events.last().unwrap().id;
    let l = check_in(
        l,
        vec![],
        &officer(6),
        d(2021, 5, 2),
        Command::Correct {
            corrects_seq: seq,
            corrects_event_id: Some(uuid::Uuid::nil()),
            reason: "誤り".into(),
        },
        Refuse("correction.id_mismatch", "記録の原則"),
    );
    let l = check_in(
        l,
        vec![],
        OPS,
        d(2021, 5, 2),
        Command::Correct {
            corrects_seq: seq,
            corrects_event_id: Some(id),
            reason: "誤り".into(),
        },
        Refuse("correction.not_authorised", "記録の原則"),
    );
    let l = check_in(
        l,
        vec![],
        &officer(6),
        d(2021, 5, 2),
        Command::Correct {
            corrects_seq: seq,
            corrects_event_id: Some(id),
            reason: "誤り".into(),
        },
        Accept(&["correction.recorded.v1"]),
    );
    let now = l.state.lens(d(2021, 6, 1), None);
    assert!(now.access(Some("A04"), None).grants.is_empty());
    let then = l.state.lens(d(2021, 6, 1), Some(seq));
    assert_eq!(then.access(Some("A04"), None).grants.len(), 1);
    check_in(
        l,
        vec![],
        &officer(6),
        d(2021, 5, 3),
        Command::Correct {
            corrects_seq: seq,
            corrects_event_id: None,
            reason: "再".into(),
        },
        Refuse("correction.already_corrected", "記録の原則"),
    );
}

// ------------------------------------------------ a refusal cites the act's own article

/// Every decision kind of the command schema (its `kind` tags), so that a kind added later
/// without a case below makes the test fail.
fn every_command_kind() -> std::collections::BTreeSet<String> {
    let schema = serde_json::to_value(schemars::schema_for!(Command)).unwrap();
    let variants = schema["oneOf"].as_array().expect("Command is a oneOf");
    variants
        .iter()
        .map(|v| {
            let kind = &v["properties"]["kind"];
            kind["const"]
                .as_str()
                .or_else(|| kind["enum"][0].as_str())
                .unwrap_or_else(|| panic!("a variant without a kind: {v}"))
                .to_owned()
        })
        .collect()
}

/// A decision checked on the small world: (setup, authorised actor, when, the command).
type Case = (Vec<(String, Time, Command)>, String, Time, Command);

/// Decisions the demo never takes, on the small world.
fn kinds_the_demo_does_not_decide() -> Vec<Case> {
    let at = d(2021, 6, 1);
    let designated = vec![s(
        &officer(6),
        d(2021, 5, 1),
        Command::DesignateInformationManagementStaff {
            person_id: WELF_STAFF.into(),
            officer_post_id: None,
        },
    )];
    let proposed = vec![s(
        &officer(3),
        d(2021, 5, 1),
        propose(&["A01"], false, None),
    )];
    let closed = vec![
        s(SUP_HW, d(2021, 5, 1), request((2021, 6, 30))),
        s(
            &officer(3),
            d(2021, 5, 2),
            Command::RespondToSecurityRequest {
                request_id: "SR-0001".into(),
                response: "対応済".into(),
            },
        ),
        s(
            SUP_HW,
            d(2021, 5, 3),
            Command::CloseSecurityRequest {
                request_id: "SR-0001".into(),
                note: "確認".into(),
            },
        ),
    ];
    vec![
        (
            vec![],
            ADMIN.into(),
            at,
            Command::EstablishUnit {
                unit_id: "HW-GA-NEW".into(),
                name: "新設課".into(),
                parent_id: Some("HW-GA".into()),
                bureau: "健康福祉局".into(),
                user_division: false,
            },
        ),
        (
            vec![],
            ADMIN.into(),
            at,
            Command::EstablishPost {
                post_id: "NEW-POST".into(),
                title: "新設課長".into(),
                unit_id: "HW-GA".into(),
                heads_unit: false,
            },
        ),
        (
            vec![],
            ADMIN.into(),
            at,
            Command::EndAppointment {
                post_id: "OPS".into(),
                personnel_order: "辞令".into(),
            },
        ),
        (
            vec![],
            ADMIN.into(),
            at,
            Command::EndUsageOfficer {
                unit_id: "HW-DH-WELF".into(),
            },
        ),
        (
            vec![],
            ADMIN.into(),
            at,
            Command::AmendRegulation {
                in_force_from: NaiveDate::from_ymd_opt(2023, 4, 1).unwrap(),
                provision: "この要綱は、令和5年4月1日から施行する。".into(),
                note: None,
            },
        ),
        (
            vec![],
            ADMIN.into(),
            at,
            Command::AmendAnnex {
                asset_id: "A01".into(),
                name: "資産".into(),
                businesses: vec!["事業".into()],
                officer_post_ids: vec!["O03".into()],
                bureau: "健康福祉局".into(),
            },
        ),
        (
            designated,
            officer(6),
            at,
            Command::RevokeDesignation {
                person_id: WELF_STAFF.into(),
                role: StaffRole::InformationManagementStaff,
                reason: "異動".into(),
            },
        ),
        (
            cross_asset_modification(),
            officer(8),
            at,
            Command::RejectModification {
                modification_id: m("MOD-0001"),
                reason: "影響が大きい".into(),
            },
        ),
        (
            proposed,
            officer(3),
            at,
            Command::WithdrawModification {
                modification_id: m("MOD-0001"),
                reason: "再検討".into(),
            },
        ),
        (
            closed,
            SUP_HW.into(),
            at,
            Command::ReopenSecurityRequest {
                request_id: "SR-0001".into(),
                reason: "再発".into(),
                due: NaiveDate::from_ymd_opt(2021, 7, 31).unwrap(),
            },
        ),
    ]
}

/// The article a refusal of `cmd` by `nobody` cites, checked against the basis the accepted
/// decision by `actor` records; a mismatch is described in `wrong`.
fn compare_articles(
    state: &govledger_projections::State,
    actor: &str,
    nobody: &str,
    at: Time,
    cmd: &Command,
    wrong: &mut Vec<String>,
) -> String {
    let kind = cmd.kind();
    let accepted =
        decide(state, cmd, actor, at).unwrap_or_else(|r| panic!("{kind} by {actor}: {r}"));
    let basis = accepted[0].basis.clone();
    match decide(state, cmd, nobody, at) {
        Ok(events) => wrong.push(format!(
            "{kind}: accepted from {nobody}, a person with no role: {events:?}"
        )),
        Err(r) if !basis.contains(r.article) => wrong.push(format!(
            "{kind}: refused citing {} ({}), but the act records {basis}",
            r.article, r.rule
        )),
        Err(_) => {}
    }
    basis
}

/// The demo script decides every kind at least once. For the first decision of each kind, the
/// same command by a person with no role at all (registered, holding no post, designation or
/// usage-officer term) is refused, and the article the refusal cites is the article the
/// accepted decision records as its basis (or one of them, for a basis naming several): a
/// refusal names the act's own article, never a generic one.
#[test]
fn every_kind_refused_for_an_unauthorised_actor_cites_the_article_the_act_records() {
    use govledger::demo::{
        build_demo, demo_genesis_admin, demo_genesis_at, demo_genesis_recorded_at,
    };
    let steps = build_demo(7).unwrap().steps;
    let mut l = InMemory::with_genesis(
        &demo_genesis_admin(),
        demo_genesis_at(),
        demo_genesis_recorded_at(),
    )
    .unwrap();
    let actors: std::collections::BTreeSet<&str> = steps.iter().map(|s| s.actor.as_str()).collect();
    // Someone registered who never decides anything in the demo and has no role at `at`.
    let outsider = |l: &InMemory, at: Time| -> Option<String> {
        let lens = l.state.lens(at, None);
        l.state
            .persons()
            .filter(|p| lens.person(&p.id).is_some())
            .find(|p| {
                !actors.contains(p.id.as_str())
                    && p.designations.is_empty()
                    && lens.posts_held(&p.id).is_empty()
                    && lens.usage_officer_units(&p.id).is_empty()
            })
            .map(|p| p.id.clone())
    };
    let mut seen = std::collections::BTreeMap::new();
    let mut wrong = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let kind = step.command.kind();
        // Checked at the first decision of its kind once such a person exists.
        if !seen.contains_key(&kind)
            && let Some(nobody) = outsider(&l, step.effective_at)
        {
            let basis = compare_articles(
                &l.state,
                &step.actor,
                &nobody,
                step.effective_at,
                &step.command,
                &mut wrong,
            );
            seen.insert(kind, basis);
        }
        l.run(
            &step.actor,
            step.effective_at,
            step.recorded_at,
            &step.command,
        )
        .unwrap_or_else(|r| panic!("step {i}: {r}"));
    }
    for (setup, actor, at, cmd) in kinds_the_demo_does_not_decide() {
        let mut l = world();
        for (a, t, c) in setup {
            l.run(&a, t, t.to_utc() + TimeDelta::hours(1), &c)
                .unwrap_or_else(|r| panic!("setup {c:?} by {a}: {r}"));
        }
        let basis = compare_articles(&l.state, &actor, LTCI_STAFF, at, &cmd, &mut wrong);
        seen.entry(cmd.kind()).or_insert(basis);
    }
    let missing: Vec<_> = every_command_kind()
        .into_iter()
        .filter(|k| !seen.contains_key(k))
        .collect();
    assert!(
        missing.is_empty(),
        "kinds the demo never decides, so unchecked here: {missing:?}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ------------------------------------------------ admitting people to the ledger (第4条第1項)

#[test]
fn art4_1_tokens_are_issued_by_whoever_holds_the_administrators_post_then_to_known_persons() {
    use govledger::rules::admission::{Issuer, issue_token, revoke_token};
    use govledger_schema::events::TokenRole::{Admin, Auditor};
    let successor = "P0500";
    let l = check(
        vec![s(
            ADMIN,
            d(2022, 4, 1),
            Command::RegisterPerson {
                person_id: successor.into(),
                name: "後任".into(),
                unit_id: "HW-GA-SYS".into(),
                personnel_order: None,
            },
        )],
        ADMIN,
        d(2022, 4, 1),
        Command::AppointToPost {
            post_id: "ADMIN".into(),
            person_id: successor.into(),
            personnel_order: "R4辞令".into(),
            replace_current: true,
        },
        Accept(&["post.holder_ended.v1", "post.holder_appointed.v1"]),
    );
    let st = &l.state;
    let by = Issuer::Person;
    let rule = |r: Result<&str, govledger::rules::Refusal>| match r {
        Ok(basis) => basis.to_owned(),
        Err(r) => format!("{} {}", r.rule, r.article),
    };
    let (before, after) = (d(2022, 3, 31), d(2022, 4, 2));
    let ok = "第4条第1項";
    // The administrator of the day, and only they; to persons registered by then.
    assert_eq!(rule(issue_token(st, USER, Auditor, by(ADMIN), before)), ok);
    assert_eq!(
        rule(issue_token(st, USER, Auditor, by(ADMIN), after)),
        "token.not_administrator 第4条第1項"
    );
    assert_eq!(rule(issue_token(st, USER, Admin, by(successor), after)), ok);
    assert_eq!(
        rule(issue_token(st, USER, Auditor, by(SUP_HW), before)),
        "token.not_administrator 第4条第1項"
    );
    assert_eq!(
        rule(issue_token(st, USER, Auditor, by("P9999"), before)),
        "actor.unknown 記録の原則"
    );
    assert_eq!(
        rule(issue_token(st, successor, Auditor, by(ADMIN), before)),
        "token.person_unknown 記録の原則",
        "registered only from 2022-04-01"
    );
    assert_eq!(rule(revoke_token(st, successor, after)), ok);
    assert_eq!(
        rule(revoke_token(st, ADMIN, after)),
        "token.not_administrator 第4条第1項"
    );
    // The bootstrap: the first admin token, to the administrator, while none is live.
    let boot = |live| Issuer::Bootstrap {
        live_admin_tokens: live,
    };
    assert_eq!(rule(issue_token(st, successor, Admin, boot(0), after)), ok);
    assert_eq!(
        rule(issue_token(st, successor, Admin, boot(1), after)),
        "token.bootstrap_closed 記録の原則"
    );
    assert_eq!(
        rule(issue_token(st, successor, Auditor, boot(0), after)),
        "token.bootstrap_not_admin 記録の原則"
    );
    assert_eq!(
        rule(issue_token(st, ADMIN, Admin, boot(0), after)),
        "token.bootstrap_not_administrator 第4条第1項"
    );
}

/// The articles (`第N条`) a text mentions, in order.
fn article_numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('第') {
        rest = &rest[i + '第'.len_utf8()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && rest[digits.len()..].starts_with('条') {
            out.push(format!("第{digits}条"));
        }
    }
    out
}

/// A kind's description (the command's doc comment, which the OpenAPI document and the admin
/// workspace's forms show) opens with an article the kind's spec records: a doc comment left
/// above the wrong variant (as once happened when `direct_users` was inserted between
/// `record_operation` and its comment) describes another act.
#[test]
fn every_kinds_description_opens_with_an_article_of_its_own_spec() {
    let schema = serde_json::to_value(schemars::schema_for!(Command)).unwrap();
    let mut wrong = Vec::new();
    for v in schema["oneOf"].as_array().unwrap() {
        let kind = &v["properties"]["kind"];
        let kind = kind["const"]
            .as_str()
            .or_else(|| kind["enum"][0].as_str())
            .unwrap();
        let Some(description) = v["description"].as_str() else {
            continue;
        };
        let Some(first) = article_numbers(description).into_iter().next() else {
            continue;
        };
        let spec_kind = *govledger::rules::CommandKind::ALL
            .iter()
            .find(|k| k.as_str() == kind)
            .unwrap();
        let cited: Vec<String> = govledger::rules::spec(spec_kind)
            .articles
            .iter()
            .flat_map(|a| article_numbers(a.cite))
            .collect();
        if !cited.contains(&first) {
            wrong.push(format!(
                "{kind}: its description opens with {first}, its spec records {cited:?}: {description}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

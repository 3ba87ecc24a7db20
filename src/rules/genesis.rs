//! Genesis: the first events of every ledger, appended by `govledger init`. They record the
//! regulation's identity and amendment dates (附則), the organisation the regulation names
//! (第3条第1項, 第4条第2項・第3項, 第11条), the annex (別表, from `schema/annex.json`) and the
//! bootstrap administrator, who is the actor of all of them ("system" acts never).
//!
//! Identifiers chosen here (documented in `schema::events`): units by bureau and section
//! (`HW-GA-SYS`), the supervisors' posts `SUP-HW` and `SUP-CF`, the administrator's `ADMIN`, the
//! operations support's `OPS`, officer posts `O01`..`O18` in order of first appearance in the
//! annex, assets `A01`..`A30` in annex row order.

use chrono::NaiveDate;
use govledger_schema::events::{
    AssetRegistered, HolderAppointed, OperationStaffSectionsSet, PersonRegistered, PostEstablished,
    RegulationAmended, RegulationEstablished, Role, RoleBound, SupervisorScope, UnitEstablished,
};
use serde::{Deserialize, Serialize};

use super::articles::*;
use super::{Message, Proposed, Refusal, Time, check_id, propose};

/// The annex as transcribed (schema/annex.json).
pub const ANNEX_JSON: &str = include_str!("../../schema/annex.json");

pub const HW: &str = "健康福祉局";
pub const CF: &str = "こども未来局";
const GP: &str = "総務企画局";

/// The person named at `govledger init` as the first system administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenesisAdmin {
    /// e.g. `P0001`
    pub person_id: String,
    pub name: String,
    /// The personnel order appointing them, e.g. 令和3年4月1日付人事異動.
    pub personnel_order: String,
}

#[derive(Debug, Deserialize)]
struct Annex {
    source: String,
    rows: Vec<AnnexRow>,
}

#[derive(Debug, Deserialize)]
struct AnnexRow {
    row: u32,
    businesses: Vec<String>,
    asset: String,
    officer_positions: Vec<String>,
    bureau: String,
}

/// (unit id, name, parent, bureau, user division)
const UNITS: &[(&str, &str, Option<&str>, &str, bool)] = &[
    ("HW", "健康福祉局", None, HW, false),
    ("HW-GA", "健康福祉局総務部", Some("HW"), HW, false),
    (
        "HW-GA-SYS",
        "健康福祉局総務部保健福祉システム課",
        Some("HW-GA"),
        HW,
        true,
    ),
    (
        "HW-GA-CRISIS",
        "健康福祉局総務部危機管理担当",
        Some("HW-GA"),
        HW,
        true,
    ),
    (
        "HW-CC",
        "健康福祉局地域包括ケア推進室",
        Some("HW"),
        HW,
        true,
    ),
    ("HW-LS", "健康福祉局長寿社会部", Some("HW"), HW, false),
    (
        "HW-LS-PROMO",
        "健康福祉局長寿社会部高齢者事業推進課",
        Some("HW-LS"),
        HW,
        true,
    ),
    (
        "HW-LS-LTCI",
        "健康福祉局長寿社会部介護保険課",
        Some("HW-LS"),
        HW,
        true,
    ),
    (
        "HW-LS-HOME",
        "健康福祉局長寿社会部高齢者在宅サービス課",
        Some("HW-LS"),
        HW,
        true,
    ),
    ("HW-HP", "健康福祉局保健医療政策部", Some("HW"), HW, true),
    (
        "HW-WA",
        "健康福祉局生活保護・自立支援室",
        Some("HW"),
        HW,
        true,
    ),
    ("HW-DH", "健康福祉局障害保健福祉部", Some("HW"), HW, false),
    (
        "HW-DH-WELF",
        "健康福祉局障害保健福祉部障害福祉課",
        Some("HW-DH"),
        HW,
        true,
    ),
    (
        "HW-DH-MH",
        "健康福祉局障害保健福祉部精神保健課",
        Some("HW-DH"),
        HW,
        true,
    ),
    (
        "HW-DH-EMP",
        "健康福祉局障害保健福祉部障害者社会参加・就労支援課",
        Some("HW-DH"),
        HW,
        true,
    ),
    ("HW-MI", "健康福祉局医療保険部", Some("HW"), HW, false),
    (
        "HW-MI-PEN",
        "健康福祉局医療保険部国民年金・福祉医療課",
        Some("HW-MI"),
        HW,
        true,
    ),
    ("CF", "こども未来局", None, CF, false),
    ("CF-GA", "こども未来局総務部", Some("CF"), CF, false),
    (
        "CF-GA-PLAN",
        "こども未来局総務部企画課",
        Some("CF-GA"),
        CF,
        true,
    ),
    ("CF-CS", "こども未来局こども支援部", Some("CF"), CF, false),
    (
        "CF-CS-HW",
        "こども未来局こども支援部こども保健福祉課",
        Some("CF-CS"),
        CF,
        true,
    ),
    (
        "CF-CS-FAM",
        "こども未来局こども支援部こども家庭課",
        Some("CF-CS"),
        CF,
        true,
    ),
    ("CF-CR", "こども未来局子育て推進部", Some("CF"), CF, false),
    (
        "CF-CR-DAY",
        "こども未来局子育て推進部保育対策課",
        Some("CF-CR"),
        CF,
        true,
    ),
    (
        "CF-CR-ECE",
        "こども未来局子育て推進部幼児教育担当",
        Some("CF-CR"),
        CF,
        true,
    ),
    ("CF-NS", "こども未来局保育事業部", Some("CF"), CF, false),
    (
        "CF-NS-1",
        "こども未来局保育事業部保育第1課",
        Some("CF-NS"),
        CF,
        true,
    ),
    (
        "CF-NS-2",
        "こども未来局保育事業部保育第2課",
        Some("CF-NS"),
        CF,
        true,
    ),
    ("GP", "総務企画局", None, GP, false),
    ("GP-IM", "総務企画局情報管理部", Some("GP"), GP, false),
    (
        "GP-IM-SYS",
        "総務企画局情報管理部システム管理課",
        Some("GP-IM"),
        GP,
        true,
    ),
];

/// (post id, title, unit, heads the unit)
pub const POSTS: &[(&str, &str, &str, bool)] = &[
    ("SUP-HW", "健康福祉局総務部長", "HW-GA", true),
    ("SUP-CF", "こども未来局総務部長", "CF-GA", true),
    (
        "ADMIN",
        "健康福祉局総務部保健福祉システム課長",
        "HW-GA-SYS",
        true,
    ),
    (
        "OPS",
        "総務企画局情報管理部システム管理課長",
        "GP-IM-SYS",
        true,
    ),
    (
        "CF-PLAN-HEAD",
        "こども未来局総務部企画課長",
        "CF-GA-PLAN",
        true,
    ),
    (
        "O01",
        "健康福祉局地域包括ケア推進室担当課長",
        "HW-CC",
        false,
    ),
    (
        "O02",
        "健康福祉局長寿社会部高齢者事業推進課長",
        "HW-LS-PROMO",
        true,
    ),
    (
        "O03",
        "健康福祉局長寿社会部介護保険課長",
        "HW-LS-LTCI",
        true,
    ),
    (
        "O04",
        "健康福祉局保健医療政策部担当課長［健康増進］",
        "HW-HP",
        false,
    ),
    (
        "O05",
        "健康福祉局生活保護・自立支援室保護指導担当課長",
        "HW-WA",
        false,
    ),
    (
        "O06",
        "健康福祉局障害保健福祉部障害福祉課長",
        "HW-DH-WELF",
        true,
    ),
    (
        "O07",
        "健康福祉局障害保健福祉部精神保健課長",
        "HW-DH-MH",
        true,
    ),
    (
        "O08",
        "健康福祉局障害保健福祉部障害者社会参加・就労支援課長",
        "HW-DH-EMP",
        true,
    ),
    (
        "O09",
        "健康福祉局医療保険部国民年金・福祉医療課長",
        "HW-MI-PEN",
        true,
    ),
    (
        "O10",
        "こども未来局こども支援部こども保健福祉課長",
        "CF-CS-HW",
        true,
    ),
    (
        "O11",
        "健康福祉局長寿社会部高齢者在宅サービス課長",
        "HW-LS-HOME",
        true,
    ),
    (
        "O12",
        "こども未来局こども支援部こども家庭課長",
        "CF-CS-FAM",
        true,
    ),
    (
        "O13",
        "健康福祉局保健医療政策部担当課長〔環境保健〕",
        "HW-HP",
        false,
    ),
    (
        "O14",
        "健康福祉局総務部危機管理担当課長",
        "HW-GA-CRISIS",
        false,
    ),
    (
        "O15",
        "こども未来局子育て推進部保育対策課長",
        "CF-CR-DAY",
        true,
    ),
    (
        "O16",
        "こども未来局子育て推進部担当課長（幼児教育担当）",
        "CF-CR-ECE",
        false,
    ),
    ("O17", "こども未来局保育事業部保育第1課長", "CF-NS-1", true),
    ("O18", "こども未来局保育事業部保育第2課長", "CF-NS-2", true),
];

/// The amendment dates of 附則.
const AMENDMENTS: &[(i32, u32, u32, &str)] = &[
    (2013, 1, 1, "平成25年1月1日"),
    (2014, 4, 1, "平成26年4月1日"),
    (2015, 1, 1, "平成27年1月1日"),
    (2015, 4, 1, "平成27年4月1日"),
    (2016, 4, 1, "平成28年4月1日"),
    (2018, 4, 1, "平成30年4月1日"),
    (2019, 4, 1, "平成31年4月1日"),
    (2020, 4, 1, "令和2年4月1日"),
    (2021, 4, 1, "令和3年4月1日"),
    (2022, 4, 1, "令和4年4月1日"),
];

/// A malformed admin id or annex: a build-time fact, so the English detail is quoted as is.
fn genesis_error(detail: String) -> Refusal {
    Refusal {
        rule: "genesis.invalid",
        article: SUPPLEMENTARY.cite,
        message: Message {
            ja: format!("台帳の開始の記録が不正です: {detail}"),
            en: detail,
        },
    }
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, Refusal> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| genesis_error(format!("bad date {y}-{m}-{d}")))
}

/// The post id of an annex officer position, e.g. `O06` for 健康福祉局障害保健福祉部障害福祉課長.
pub fn officer_post_id(title: &str) -> Option<&'static str> {
    POSTS.iter().find(|p| p.1 == title).map(|p| p.0)
}

/// The events `govledger init` appends first, all effective at `at` and acted by `admin`.
/// Fails only on a malformed admin id or annex (a build-time fact, tested).
pub fn genesis(admin: &GenesisAdmin, at: Time) -> Result<Vec<Proposed>, Refusal> {
    check_id("person_id", &admin.person_id)?;
    // Every genesis event takes effect at `at` (the caller seals them with it): whole seconds.
    if at.timestamp_subsec_nanos() != 0 {
        return Err(genesis_error(
            "the genesis time must be whole seconds".into(),
        ));
    }
    if admin.name.trim().is_empty() || admin.personnel_order.trim().is_empty() {
        return Err(genesis_error(
            "the bootstrap administrator needs a name and a personnel order".into(),
        ));
    }
    let annex: Annex =
        serde_json::from_str(ANNEX_JSON).map_err(|e| genesis_error(format!("annex.json: {e}")))?;
    let mut out = regulation(&annex)?;
    for (id, name, parent, bureau, user_division) in UNITS {
        out.push(propose(
            &format!("unit/{id}"),
            UnitEstablished {
                unit_id: (*id).into(),
                name: (*name).into(),
                parent_id: parent.map(Into::into),
                bureau: (*bureau).into(),
                user_division: *user_division,
            },
            ART_2_ITEM_2,
            None,
        ));
    }
    for (id, title, unit, heads) in POSTS {
        out.push(propose(
            &format!("post/{id}"),
            PostEstablished {
                post_id: (*id).into(),
                title: (*title).into(),
                unit_id: (*unit).into(),
                heads_unit: *heads,
            },
            ORGANISATION_WITH_11,
            None,
        ));
    }
    let bindings = [
        (
            Role::SystemSupervisor,
            "SUP-HW",
            Some(SupervisorScope {
                bureaus: vec![HW.into()],
                common_parts: true,
                other_bureaus: true,
            }),
            ART_3_1,
        ),
        (
            Role::SystemSupervisor,
            "SUP-CF",
            Some(SupervisorScope {
                bureaus: vec![CF.into()],
                common_parts: false,
                other_bureaus: false,
            }),
            ART_3_1,
        ),
        (Role::SystemAdministrator, "ADMIN", None, ART_4_2),
        (Role::OperationsSupport, "OPS", None, ART_11),
    ];
    for (role, post, scope, basis) in bindings {
        out.push(propose(
            &format!("post/{post}"),
            RoleBound {
                role,
                post_id: post.into(),
                scope,
            },
            basis,
            None,
        ));
    }
    out.push(propose(
        "regulation",
        OperationStaffSectionsSet {
            unit_ids: vec!["HW-GA-SYS".into(), "CF-GA-PLAN".into()],
        },
        ART_4_3,
        None,
    ));
    for row in &annex.rows {
        let mut posts = Vec::new();
        for title in &row.officer_positions {
            let id = officer_post_id(title)
                .ok_or_else(|| genesis_error(format!("annex row {}: no post {title}", row.row)))?;
            posts.push(id.to_owned());
        }
        let asset_id = format!("A{:02}", row.row);
        out.push(propose(
            &format!("asset/{asset_id}"),
            AssetRegistered {
                asset_id,
                annex_row: row.row,
                name: row.asset.clone(),
                businesses: row.businesses.clone(),
                officer_post_ids: posts,
                bureau: row.bureau.clone(),
            },
            ART_5_1_AND_ANNEX,
            None,
        ));
    }
    out.push(propose(
        &format!("person/{}", admin.person_id),
        PersonRegistered {
            person_id: admin.person_id.clone(),
            name: admin.name.clone(),
            unit_id: "HW-GA-SYS".into(),
            personnel_order: Some(admin.personnel_order.clone()),
        },
        PERSONNEL_ORDER,
        None,
    ));
    out.push(propose(
        "post/ADMIN",
        HolderAppointed {
            post_id: "ADMIN".into(),
            person_id: admin.person_id.clone(),
            personnel_order: admin.personnel_order.clone(),
        },
        ART_4_2,
        None,
    ));
    Ok(out)
}

/// The regulation's identity and its amendment dates (附則), the first events of a ledger.
fn regulation(annex: &Annex) -> Result<Vec<Proposed>, Refusal> {
    let mut out = Vec::new();
    out.push(propose(
        "regulation",
        RegulationEstablished {
            title: "福祉総合情報システム運用管理要綱".into(),
            number: "24川健企第297号".into(),
            in_force_from: date(2013, 1, 1)?,
            annex_source: annex.source.clone(),
        },
        SUPPLEMENTARY,
        None,
    ));
    for (y, m, d, wareki) in AMENDMENTS {
        out.push(propose(
            "regulation",
            RegulationAmended {
                in_force_from: date(*y, *m, *d)?,
                provision: format!("この要綱は、{wareki}から施行する。"),
                note: None,
            },
            SUPPLEMENTARY,
            None,
        ));
    }
    Ok(out)
}

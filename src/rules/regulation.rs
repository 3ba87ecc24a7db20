//! The regulation (附則), its annex (第5条第1項・別表) and corrections of the ledger's own records.

use chrono::NaiveDate;
use govledger_schema::events::*;
use uuid::Uuid;

use super::articles::*;
use super::{
    CommandSpec, Cx, Proposed, Refusal, Text, check_id, msg, need_text, one, propose, refuse,
};

pub(super) fn amend_regulation(
    cx: &Cx<'_>,
    in_force_from: &NaiveDate,
    provision: &str,
    note: &Option<String>,
) -> Result<Vec<Proposed>, Refusal> {
    regulation_recorder(cx, SUPPLEMENTARY)?;
    need_text("provision", provision)?;
    one(propose(
        "regulation",
        RegulationAmended {
            in_force_from: *in_force_from,
            provision: provision.to_owned(),
            note: note.clone(),
        },
        SUPPLEMENTARY,
        None,
    ))
}

pub(super) fn amend_annex(
    cx: &Cx<'_>,
    asset_id: &str,
    name: &str,
    businesses: &[String],
    officer_post_ids: &[String],
    bureau: &str,
) -> Result<Vec<Proposed>, Refusal> {
    regulation_recorder(cx, ART_5_1_AND_ANNEX)?;
    check_id("asset_id", asset_id)?;
    need_text("name", name)?;
    if officer_post_ids.is_empty() {
        return refuse(
            "annex.no_officer",
            ART_5_1_AND_ANNEX,
            msg!("情報資産には少なくとも一つの情報管理責任者の職が必要です"; "an asset needs at least one officer post"),
        );
    }
    for p in officer_post_ids {
        cx.post(p)?;
    }
    let stream = format!("asset/{asset_id}");
    if cx.l.state.asset(asset_id).is_some() {
        one(propose(
            &stream,
            AssetAnnexAmended {
                asset_id: asset_id.to_owned(),
                name: name.to_owned(),
                businesses: businesses.to_vec(),
                officer_post_ids: officer_post_ids.to_vec(),
                bureau: bureau.to_owned(),
            },
            ART_5_1_AND_ANNEX,
            None,
        ))
    } else {
        let annex_row = u32::try_from(cx.l.state.assets().count() + 1).unwrap_or(u32::MAX);
        one(propose(
            &stream,
            AssetRegistered {
                asset_id: asset_id.to_owned(),
                annex_row,
                name: name.to_owned(),
                businesses: businesses.to_vec(),
                officer_post_ids: officer_post_ids.to_vec(),
                bureau: bureau.to_owned(),
            },
            ART_5_1_AND_ANNEX,
            None,
        ))
    }
}

pub(super) fn correct(
    cx: &Cx<'_>,
    corrects_seq: &u64,
    corrects_event_id: &Option<Uuid>,
    reason: &str,
) -> Result<Vec<Proposed>, Refusal> {
    need_text("reason", reason)?;
    let Some(e) = cx.l.state.event(*corrects_seq) else {
        return refuse(
            "correction.unknown_event",
            RECORDING,
            msg!("seq {corrects_seq} の事象はありません"; format!("no event at seq {corrects_seq}")),
        );
    };
    if corrects_event_id.is_some_and(|id| id != e.id) {
        return refuse(
            "correction.id_mismatch",
            RECORDING,
            msg!("seq {corrects_seq} の事象の id は {} です", e.id; format!("the event at seq {corrects_seq} has id {}", e.id)),
        );
    }
    if e.event_type == CorrectionRecorded::EVENT_TYPE {
        return refuse(
            "correction.of_correction",
            RECORDING,
            msg!("訂正を訂正することはできません。新たな決定を記録してください"; "a correction is not itself corrected; record a new decision"),
        );
    }
    if let Some(by) = cx.l.state.voided_by(*corrects_seq) {
        return refuse(
            "correction.already_corrected",
            RECORDING,
            msg!("seq {corrects_seq} は seq {by} で訂正済みです"; format!("seq {corrects_seq} was corrected by seq {by}")),
        );
    }
    // The one who recorded it, or the administrator or a supervisor, corrects it.
    if e.actor != cx.actor && !cx.is_admin() && cx.supervisor_posts_held().is_empty() {
        return refuse(
            "correction.not_authorised",
            RECORDING,
            msg!("seq {corrects_seq} を記録したのは {} です", e.actor; format!("seq {corrects_seq} was recorded by {}", e.actor)),
        );
    }
    one(propose(
        &e.stream,
        CorrectionRecorded {
            corrects_seq: *corrects_seq,
            corrects_event_id: e.id,
            reason: reason.to_owned(),
        },
        RECORDING_CORRECTION,
        None,
    ))
}

/// The regulation and its annex are recorded by the administrator or the supervisor of the
/// common parts.
/// The administrator or the common parts' supervisor records the regulation and its annex; a
/// refusal cites `basis`, what the act itself records.
fn regulation_recorder(cx: &Cx<'_>, basis: Article) -> Result<(), Refusal> {
    let common = cx.l.supervisor_for_common_parts();
    if cx.is_admin() || common.is_some_and(|p| cx.l.holds_post(cx.actor, p)) {
        Ok(())
    } else {
        refuse(
            "regulation.not_authorised",
            basis,
            msg!("要綱はシステム管理者又はシステム総括者が記録します"; "the regulation is recorded by the administrator or the supervisor"),
        )
    }
}

// --- What each act asks (see `super::spec`), in the order the rules above check it. ---

const REGULATION_RECORDER: Text = Text::new(
    "システム管理者又は共通部分のシステム総括者",
    "the system administrator or the supervisor of the common parts",
);
const IS_REGULATION_RECORDER: Text = Text::new(
    "実行者がシステム管理者又は共通部分のシステム総括者の職にあること",
    "the actor holds the system administrator's post or that of the common parts' supervisor",
);

pub(super) const AMEND_REGULATION: CommandSpec = CommandSpec {
    articles: &[SUPPLEMENTARY],
    who: REGULATION_RECORDER,
    preconditions: &[IS_REGULATION_RECORDER],
};

pub(super) const AMEND_ANNEX: CommandSpec = CommandSpec {
    articles: &[ART_5_1_AND_ANNEX],
    who: REGULATION_RECORDER,
    preconditions: &[
        IS_REGULATION_RECORDER,
        Text::new(
            "情報資産に少なくとも一つの情報管理責任者の職があり、そのいずれの職もあること",
            "the asset has at least one officer post, and each post exists",
        ),
    ],
};

pub(super) const CORRECT: CommandSpec = CommandSpec {
    articles: &[RECORDING_CORRECTION],
    who: Text::new(
        "訂正する事象を記録した者、システム管理者又はシステム総括者",
        "whoever recorded the event, the system administrator or a supervisor",
    ),
    preconditions: &[
        Text::new(
            "corrects_seq の事象があること",
            "an event exists at corrects_seq",
        ),
        Text::new(
            "corrects_event_id を指定するなら、その事象の id と一致すること",
            "corrects_event_id, if given, is that event's id",
        ),
        Text::new(
            "その事象が訂正そのものではないこと",
            "that event is not itself a correction",
        ),
        Text::new(
            "その事象がまだ訂正されていないこと",
            "that event is not corrected yet",
        ),
        Text::new(
            "実行者がその事象を記録した者、システム管理者又はシステム総括者であること",
            "the actor recorded it, or is the system administrator or a supervisor",
        ),
    ],
};

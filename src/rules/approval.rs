//! What modifications (第6条) and retirements (第7条) share: the officer's decision needs the
//! approval of the other officers concerned (第6条第2項, 第7条第2項) and the supervisor's
//! consent (第6条第1項第1号, 第7条第1項第1号), and a decision waits for both. The procedures
//! differ only in their articles and rule names, which the callers pass.

use govledger_projections::{Missing, Requirement};

use super::articles::Article;
use super::{Cx, Message, Refusal, Text, msg, refuse};

/// The post among `required` whose approval the actor gives (or withholds); if none, the
/// refusal `rule` under `article` with `message`.
pub(super) fn approving_post<'v>(
    cx: &Cx<'_>,
    required: &'v [String],
    rule: &'static str,
    article: Article,
    message: impl FnOnce() -> Message,
) -> Result<&'v String, Refusal> {
    match required.iter().find(|p| cx.l.holds_post(cx.actor, p)) {
        Some(post) => Ok(post),
        None => refuse(rule, article, message()),
    }
}

/// The supervisor consent a procedure asks for, or whose refusal it records.
pub(super) struct Consent<'v> {
    /// The modification's or retirement's id.
    pub id: &'v str,
    /// Every supervisor post whose consent the decision needs.
    pub required: &'v [String],
    /// What the view says is still missing.
    pub missing: &'v [Missing],
    /// The consent's article: cited by the act and by its refusals.
    pub article: Article,
    /// The rule refusing a consent when every one is in.
    pub already_consented: &'static str,
}

impl Consent<'_> {
    /// The supervisor post that consents (or refuses consent) and the `acting_for` to record:
    /// one of the posts still to consent, held by the actor or deputised by the administrator.
    /// When every consent is in, `authority_first` checks the actor's authority before saying
    /// so (as every such act does, except a modification's consent, which has always answered
    /// "already consented" first; kept as it was).
    pub(super) fn supervisor(
        &self,
        cx: &Cx<'_>,
        what: Text,
        authority_first: bool,
    ) -> Result<(String, Option<String>), Refusal> {
        let pending = pending(self.missing, Requirement::Consent);
        if pending.is_empty() {
            if authority_first {
                cx.as_supervisor(self.required, what, self.article)?;
            }
            return refuse(
                self.already_consented,
                self.article,
                msg!("{} の同意はすべて済んでいます", self.id; format!("{} has every consent", self.id)),
            );
        }
        cx.as_supervisor(&pending, what, self.article)
    }
}

/// The posts whose `what` (approval, consent, …) is still missing.
fn pending(missing: &[Missing], what: Requirement) -> Vec<String> {
    missing
        .iter()
        .filter(|m| m.what == what)
        .filter_map(|m| m.post_id.clone())
        .collect()
}

/// Refuses with `rule` when the view still lacks a `what`, citing the article the view names.
pub(super) fn none_missing(
    missing: &[Missing],
    what: Requirement,
    rule: &'static str,
    id: &str,
) -> Result<(), Refusal> {
    match missing.iter().find(|m| m.what == what) {
        // The article is the projection's (what the view says is missing, and why).
        Some(m) => Err(Refusal {
            rule,
            article: m.article,
            message: missing_message(missing, what, id),
        }),
        None => Ok(()),
    }
}

/// "MOD-0001: the approval of O06 is still missing", naming every post still owing one.
fn missing_message(missing: &[Missing], what: Requirement, id: &str) -> Message {
    let posts = pending(missing, what).join(", ");
    let what_ja = match what {
        Requirement::Approval => "承認",
        Requirement::Consent => "同意",
        Requirement::ContentDecision => "内容の決定",
        Requirement::Coordination => "調整",
        Requirement::Notice => "通知",
        Requirement::Decision => "決定",
        Requirement::FinalDecision => "総合的な決定",
        Requirement::Measures => "措置",
    };
    let what_en = what.as_str().replace('_', " ");
    if posts.is_empty() {
        msg!("{id}: {what_ja}がまだありません"; format!("{id}: the {what_en} is still missing"))
    } else {
        msg!("{id}: {posts} の{what_ja}がまだありません"; format!("{id}: the {what_en} of {posts} is still missing"))
    }
}

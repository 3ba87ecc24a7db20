//! Modifications and retirements, security requests, meetings.

use govledger_projections::{ChangesView, MeetingsView, OperationView, SecurityRequestsView};
use govledger_schema::events::OperationResult;

use super::*;

fn acts(at: &At, names: &Names, list: &[govledger_projections::ActView]) -> Markup {
    html! { @for a in list { (a.post_id) " " (who(&at.query, names, &a.actor)) " " (seq_link(a.seq)) br; } }
}

/// Modifications and retirements with what is missing; security requests with the overdue
/// highlighted; meetings with minutes and circulation signatures.
pub async fn workflows(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    let at = At::read(&state, &q).await?;
    let (changes, requests, meetings, names) = state.ledger().read(|st| {
        let l = st.lens(at.as_of, Some(at.known_at));
        let (changes, requests, meetings) = (l.changes(), l.security_requests(), l.meetings());
        let persons = changes
            .modifications
            .iter()
            .flat_map(|m| m.approvals.iter().map(|a| a.actor.as_str()))
            .chain(meetings.meetings.iter().flat_map(|m| {
                m.minutes
                    .iter()
                    .map(|x| x.recorded_by.as_str())
                    .chain(m.signatures.iter().map(|s| s.person_id.as_str()))
                    .chain(m.unsigned.iter().map(String::as_str))
            }))
            .chain(
                changes
                    .modifications
                    .iter()
                    .filter_map(|m| m.consent_refusal.as_ref())
                    .chain(
                        changes
                            .retirements
                            .iter()
                            .filter_map(|r| r.consent_refusal.as_ref()),
                    )
                    .map(|r| r.actor.as_str()),
            )
            .chain(
                meetings
                    .officer_directions
                    .iter()
                    .map(|d| d.person_id.as_str()),
            )
            .chain(meetings.user_directions.iter().flat_map(|d| {
                std::iter::once(d.usage_officer_id.as_str())
                    .chain(d.users.iter().map(String::as_str))
            }));
        let names = Names::default().persons(st, persons);
        (changes, requests, meetings, names)
    });
    let (mut operations, op_names) = state.ledger().read(|st| {
        let operations = st.lens(at.as_of, Some(at.known_at)).incidents().operations;
        let names = Names::default().persons(st, operations.iter().map(|o| o.recorded_by.as_str()));
        (operations, names)
    });
    // The latest first: by when each took effect.
    operations.sort_by_key(|o| std::cmp::Reverse((o.effective_at, o.seq)));
    let l = s.lang;
    let title = l.t("手続", "Workflows");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            (at.form(l, "/ui/workflows"))
            (changes_tables(&at, l, &names, &changes))
            (requests_table(l, &requests))
            (meetings_tables(&at, l, &names, &meetings))
            (operations_table(&at, l, &op_names, &operations))
        },
    ))
}

/// What is still missing for a modification or retirement.
fn missing(l: Lang, m: &[govledger_projections::Missing]) -> Markup {
    html! {
        @if m.is_empty() { span.badge.ok { (l.t("不足なし", "complete")) } }
        @for x in m { span.badge.missing { (labels::missing(l, x.what.as_str())) } " " (x.post_id.as_deref().unwrap_or("")) " " span.hint { (x.article) } br; }
    }
}

/// Modifications, retirements, and those closed by a refusal of consent.
fn changes_tables(at: &At, l: Lang, names: &Names, changes: &ChangesView) -> Markup {
    html! {
            h2 { (l.t("システム改修", "Modifications")) " " span.hint { "第6条" } }
            div.scroll { table #modifications {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("件名", "Title")) }
                    th scope="col" { (l.t("状態", "Status")) }
                    th scope="col" { (l.t("承認", "Approvals")) }
                    th scope="col" { (l.t("不足しているもの", "Still missing")) }
                    th scope="col" { (l.t("記録", "Events")) }
                } }
                tbody { @for m in &changes.modifications {
                    tr { td { (m.id) } td { (m.title) } td { (labels::state(l, "modification", m.status)) } td { (acts(at, names, &m.approvals)) } td { (missing(l, &m.missing)) } td { (seqs(&m.seqs)) } }
                } }
            } }
            h2 { (l.t("廃止", "Retirements")) " " span.hint { "第7条" } }
            div.scroll { table #retirements {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("情報資産", "Assets")) }
                    th scope="col" { (l.t("停止予定", "Planned stop")) }
                    th scope="col" { (l.t("状態", "Status")) }
                    th scope="col" { (l.t("不足しているもの", "Still missing")) }
                    th scope="col" { (l.t("記録", "Events")) }
                } }
                tbody { @for r in &changes.retirements {
                    tr { td { (r.id) } td { (r.asset_ids.join(", ")) } td { (day(&r.planned_stop)) } td { (labels::state(l, "retirement", r.status)) } td { (missing(l, &r.missing)) } td { (seqs(&r.seqs)) } }
                } }
            } }
            h3 { (l.t("不同意で終了したもの", "Closed by a refusal of consent")) " " span.hint { "第6条第1項第1号・第7条第1項第1号" } }
            div.scroll { table #consent-refusals {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("総括者", "Supervisor")) }
                    th scope="col" { (l.t("理由", "Reason")) }
                    th scope="col" { (l.t("記録", "Event")) }
                } }
                tbody {
                    @for (id, r) in changes.modifications.iter().filter_map(|m| Some((&m.id, m.consent_refusal.as_ref()?))).chain(changes.retirements.iter().filter_map(|x| Some((&x.id, x.consent_refusal.as_ref()?)))) {
                        tr { td { (id) } td { (r.post_id) " " (who(&at.query, names, &r.actor)) } td { (r.text) } td { (seq_link(r.seq)) } }
                    }
                }
            } }
    }
}

/// Security improvement requests, the overdue highlighted.
fn requests_table(l: Lang, requests: &SecurityRequestsView) -> Markup {
    html! {
            h2 { (l.t("セキュリティ改善要求", "Security improvement requests")) " " span.hint { "第10条第2項" } }
            div.scroll { table #security-requests {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("指摘", "Finding")) }
                    th scope="col" { (l.t("期限", "Due")) }
                    th scope="col" { (l.t("状態", "Status")) }
                    th scope="col" { (l.t("記録", "Events")) }
                } }
                tbody { @for r in &requests.requests {
                    tr id={"sr-" (r.id)} class=[r.overdue.then_some("overdue")] {
                        td { (r.id) }
                        td { (r.finding) }
                        td { (day(&r.due)) }
                        td { (labels::state(l, "security_request", r.status.as_str())) @if r.overdue { " " span.badge.overdue { (l.t("期限超過", "OVERDUE")) } } }
                        td { (seqs(&r.seqs)) }
                    }
                } }
            } }
    }
}

/// Meetings with minutes and signatures, and the directions of officers.
fn meetings_tables(at: &At, l: Lang, names: &Names, meetings: &MeetingsView) -> Markup {
    html! {
            h2 { (l.t("会議", "Meetings")) " " span.hint { "第12条" } }
            div.scroll { table #meetings {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("開催日", "Held on")) }
                    th scope="col" { (l.t("形式", "Form")) }
                    th scope="col" { (l.t("議事録", "Minutes")) }
                    th scope="col" { (l.t("持回り署名", "Circulation signatures")) }
                    th scope="col" { (l.t("記録", "Events")) }
                } }
                tbody { @for m in &meetings.meetings {
                    tr {
                        td { (m.id) }
                        td { (day(&m.held_on)) }
                        td { (labels::meeting_kind(l, m.kind)) " / " (labels::meeting_form(l, m.form)) }
                        td { @match &m.minutes {
                            Some(x) => { (x.resolutions.join("; ")) br; span.hint { (l.t("記録者 ", "recorded by ")) (who(&at.query, names, &x.recorded_by)) " " (seq_link(x.seq)) } }
                            None => { span.badge.missing { (l.t("未作成", "none yet")) } }
                        } }
                        td {
                            @for sig in &m.signatures { (who(&at.query, names, &sig.person_id)) " " (labels::signature(l, sig.position)) " " (seq_link(sig.seq)) br; }
                            @if !m.unsigned.is_empty() {
                                span.badge.missing { (l.t("未署名", "unsigned")) }
                                @for p in &m.unsigned { " " (who(&at.query, names, p)) }
                            }
                        }
                        td { (seqs(&m.seqs)) }
                    }
                } }
            } }
            h2 { (l.t("情報管理責任者等への指揮監督", "Directions of officers")) " " span.hint { "第3条第3項・第5条第3項" } }
            div.scroll { table #officer-directions {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("宛先", "Addressee")) }
                    th scope="col" { (l.t("件名", "Matter")) }
                    th scope="col" { (l.t("指示", "Direction")) }
                    th scope="col" { (l.t("総括者", "Supervisor")) }
                    th scope="col" { (l.t("記録", "Event")) }
                } }
                tbody { @for d in &meetings.officer_directions {
                    tr { td { (d.id) } td { (d.addressee_id) " " (who(&at.query, names, &d.person_id)) } td { (d.matter) } td { (d.direction) } td { (d.supervisor_post_id) " " span.hint { (d.basis) } } td { (seq_link(d.seq)) } }
                } }
            } }
            h2 { (l.t("利用者への指揮監督", "Directions of users")) " " span.hint { "第8条第3項" } }
            div.scroll { table #user-directions {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("利用課", "Division")) }
                    th scope="col" { (l.t("利用責任者", "Usage officer")) }
                    th scope="col" { (l.t("利用者", "Users")) }
                    th scope="col" { (l.t("件名", "Matter")) }
                    th scope="col" { (l.t("指示", "Direction")) }
                    th scope="col" { (l.t("記録", "Event")) }
                } }
                tbody { @for d in &meetings.user_directions {
                    tr {
                        td { (d.id) }
                        td { (d.unit_id) }
                        td { (who(&at.query, names, &d.usage_officer_id)) }
                        td { @for (i, u) in d.users.iter().enumerate() { @if i > 0 { "、" } (who(&at.query, names, u)) } }
                        td { (d.matter) }
                        td { (d.direction) }
                        td { (seq_link(d.seq)) " " span.hint { (d.basis) } }
                    }
                } }
            } }
    }
}

/// The latest operation records (fifty).
fn operations_table(at: &At, l: Lang, names: &Names, operations: &[OperationView]) -> Markup {
    html! {
            h2 { (l.t("運用保守の記録", "Operation records")) " " span.hint { "第11条" } }
            div.scroll { table #operations {
                thead { tr {
                    th scope="col" { (l.t("実施", "Effective")) }
                    th scope="col" { (l.t("業務", "Operation")) }
                    th scope="col" { (l.t("対象", "Target")) }
                    th scope="col" { (l.t("結果", "Result")) }
                    th scope="col" { (l.t("記録者", "Recorded by")) }
                    th scope="col" { (l.t("記録", "Event")) }
                } }
                tbody { @for o in operations.iter().take(50) {
                    tr {
                        td { (date(&o.effective_at)) }
                        td { (labels::operation(l, &o.operation)) }
                        td { (o.target) }
                        td { (match o.result { OperationResult::Succeeded => l.t("正常", "succeeded"), OperationResult::Failed => l.t("異常", "failed") }) }
                        td { (who(&at.query, names, &o.recorded_by)) " " span.hint { (o.basis) } }
                        td { (seq_link(o.seq)) }
                    }
                } }
            } }
    }
}

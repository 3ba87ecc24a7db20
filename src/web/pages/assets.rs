//! The assets: the list, and one asset with its officers, grants and decisions.

use super::*;

/// All assets, linking to each.
pub async fn assets(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    let at = At::read(&state, &q).await?;
    let view = state
        .ledger()
        .read(|st| st.lens(at.as_of, Some(at.known_at)).assets());
    let l = s.lang;
    let title = l.t("情報資産", "Information assets");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            (at.form(l, "/ui/assets"))
            div.scroll { table {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (l.t("名称", "Name")) }
                    th scope="col" { (l.t("局", "Bureau")) }
                    th scope="col" { (labels::role(l, Role::InformationManagementOfficer)) }
                } }
                tbody { @for a in &view.assets {
                    tr {
                        td { a href=(at.link(&format!("/ui/assets/{}", a.id))) { (a.id) } }
                        td { (a.name) @if a.retired.is_some() { " " span.badge.bad { (l.t("廃止", "retired")) } } }
                        td { (a.bureau) }
                        td { @for o in &a.officers { (o.post_id) ": " (holder(&at, l, &o.holder)) br; } }
                    }
                } }
            } }
        },
    ))
}

pub(super) fn grants_table(
    at: &At,
    l: Lang,
    names: &Names,
    grants: &[AccessEntry],
    with_person: bool,
) -> Markup {
    html! {
        div.scroll { table {
            thead { tr {
                @if with_person { th scope="col" { (l.t("利用者", "User")) } } @else { th scope="col" { (l.t("情報資産", "Asset")) } }
                th scope="col" { (l.t("範囲", "Scope")) }
                th scope="col" { (l.t("開始", "Since")) }
                th scope="col" { (l.t("終了", "Until")) }
                th scope="col" { (l.t("決定者", "Decided by")) }
                th scope="col" { (l.t("決定の記録", "Decision")) }
            } }
            tbody { @for g in grants {
                tr {
                    @if with_person { td { (person_link(&at.query, &g.person_id, Some(&g.person_name))) } }
                    @else { td { a href=(at.link(&format!("/ui/assets/{}", g.asset_id))) { (g.asset_id) } } }
                    td { (g.scope) }
                    td { (date(&g.since)) }
                    td { (opt_date(&g.until)) }
                    td {
                        // The decider as of the decision's day: were they entitled then?
                        a href={"/ui/persons/" (g.decided_by) "?as_of=" (era::jst_date(&g.since).format("%Y-%m-%d").to_string())} { (names.person(&g.decided_by).unwrap_or(&g.decided_by)) }
                        " " span.hint { "(" (g.decided_by) ", " (g.officer_post_id) ")" }
                        @if let Some(f) = &g.acting_for { " " span.hint { (l.t("代理: ", "for ")) (f) } }
                    }
                    td { (seq_link(g.decided_seq)) }
                }
            } }
        } }
    }
}

/// One asset: annex entry, officer posts and their holders over time, who may use it now,
/// every decision about it.
pub async fn asset(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    let at = At::read(&state, &q).await?;
    let (d, names) = state.ledger().read(|st| {
        let d = st.lens(at.as_of, Some(at.known_at)).asset_detail(&id);
        let names = d.as_ref().map(|d| {
            Names::default().persons(
                st,
                d.access
                    .iter()
                    .map(|g| g.decided_by.as_str())
                    .chain(d.decisions.iter().map(|e| e.actor.as_str())),
            )
        });
        (d, names.unwrap_or_default())
    });
    let d = d.ok_or_else(|| Error::NotFound(format!("no asset {id} as of that date and seq")))?;
    let l = s.lang;
    let a = &d.asset;
    Ok(page(
        &s,
        &a.name,
        html! {
            h1 { (a.id) " " (a.name) }
            (at.form(l, &format!("/ui/assets/{}", a.id)))
            dl.facts {
                dt { (l.t("別表の行", "Annex row")) } dd { (a.annex_row) " " (seq_link(a.annex_seq)) }
                dt { (l.t("局", "Bureau")) } dd { (a.bureau) }
                dt { (l.t("業務", "Businesses")) } dd { (a.businesses.join("、")) }
                @if let Some(r) = &a.retired {
                    dt { (l.t("廃止", "Retired")) } dd { (r.retirement_id) " " (date(&r.since)) " " (seq_link(r.seq)) }
                }
            }
            h2 { (l.t("情報管理責任者のポストと在職者の推移", "Officer posts and holders over time")) }
            @for p in &d.officer_posts {
                h3 { (p.post_id) " " (p.title.as_deref().unwrap_or("")) }
                div.scroll { table id={"holders-" (p.post_id)} {
                    thead { tr {
                        th scope="col" { (l.t("在職者", "Holder")) }
                        th scope="col" { (l.t("就任", "Since")) }
                        th scope="col" { (l.t("退任", "Until")) }
                        th scope="col" { (l.t("発令", "Personnel order")) }
                        th scope="col" { (l.t("記録", "Events")) }
                    } }
                    tbody { @for h in &p.holders {
                        tr {
                            td { (person_link(&at.query, &h.person_id, Some(&h.name))) }
                            td { (date(&h.since)) }
                            td { (opt_date(&h.until)) }
                            td { (h.personnel_order) }
                            td { (seq_link(h.appointed_seq)) @if let Some(e) = h.ended_seq { " " (seq_link(e)) } }
                        }
                    } }
                } }
            }
            h2 { (l.t("現在利用できる者", "Who may use it (as of the date above)")) }
            (grants_table(&at, l, &names, &d.access, true))
            h2 { (l.t("この情報資産に関する決定", "Decisions on this asset")) }
            div.scroll { table #decisions {
                thead { tr {
                    th scope="col" { "seq" }
                    th scope="col" { (l.t("種別", "Type")) }
                    th scope="col" { (l.t("決定者", "Actor")) }
                    th scope="col" { (l.t("根拠", "Basis")) }
                    th scope="col" { (l.t("効力発生", "Effective")) }
                    th scope="col" { (l.t("取消", "Voided by")) }
                } }
                tbody { @for e in &d.decisions {
                    tr {
                        td { (seq_link(e.seq)) }
                        td title=(e.event_type) { (labels::event_type(l, &e.event_type)) }
                        td { (who(&at.query, &names, &e.actor)) @if let Some(f) = &e.acting_for { " " span.hint { (l.t("代理: ", "for ")) (f) } } }
                        td { (e.basis) }
                        td { (date(&e.effective_at)) }
                        td { @if let Some(v) = e.voided_by { (seq_link(v)) } }
                    }
                } }
            } }
        },
    ))
}

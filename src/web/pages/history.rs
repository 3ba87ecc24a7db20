//! A person's page: posts, roles, designations and grants over time.

use super::assets::grants_table;
use super::*;

/// A person's posts, roles, designations and grants over time.
async fn person_page(
    state: &AppState,
    s: &Session,
    id: &str,
    q: &AtQuery,
) -> Result<Response, Error> {
    let at = At::read(state, q).await?;
    let (h, names) = state.ledger().read(|st| {
        let l = st.lens(at.as_of, Some(at.known_at));
        let h = l.person_view(id);
        let names = Names::default().persons(
            st,
            h.iter()
                .flat_map(|h| h.grants.iter().map(|g| g.decided_by.as_str())),
        );
        (h, names)
    });
    let h = h.ok_or_else(|| Error::NotFound(format!("no person {id} at that seq")))?;
    let l = s.lang;
    let term = |rows: &[govledger_projections::TermView]| {
        html! {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.t("課", "Unit")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { (l.t("終了", "Until")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for t in rows {
                    tr { td { (t.unit_id) } td { (date(&t.since)) } td { (opt_date(&t.until)) } td { (seq_link(t.seq)) } }
                } }
            } }
        }
    };
    Ok(page(
        s,
        &h.name,
        html! {
            h1 { (h.name) " " span.hint { "(" (h.person_id) ")" } }
            (at.form(l, &format!("/ui/persons/{}", h.person_id)))
            h2 { (l.t("基準日時点の役割", "Roles as of the date above")) }
            @if h.roles.is_empty() { p { (l.t("なし", "None")) } }
            div.scroll { table #roles {
                thead { tr {
                    th scope="col" { (l.t("役割", "Role")) }
                    th scope="col" { (l.t("根拠", "Via")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for r in &h.roles {
                    tr { td { (labels::role(l, r.role)) } td { (r.via) } td { (date(&r.since)) } td { (seq_link(r.seq)) } }
                } }
            } }
            h2 { (l.t("ポスト", "Posts")) }
            div.scroll { table #posts {
                thead { tr {
                    th scope="col" { (l.t("ポスト", "Post")) }
                    th scope="col" { (l.t("就任", "Since")) }
                    th scope="col" { (l.t("退任", "Until")) }
                    th scope="col" { (l.t("発令", "Personnel order")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for held in &h.posts {
                    @let p = &held.holder;
                    tr { td { (held.post_id) } td { (date(&p.since)) } td { (opt_date(&p.until)) } td { (p.personnel_order) }
                         td { (seq_link(p.appointed_seq)) @if let Some(e) = p.ended_seq { " " (seq_link(e)) } } }
                } }
            } }
            h2 { (l.t("所属", "Units")) }
            ul { @for m in &h.units { li { (m.unit_id) " " (date(&m.since)) " " (seq_link(m.seq)) } } }
            h2 { (l.t("担当者の指定", "Designations")) }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.t("役割", "Role")) }
                    th scope="col" { (l.t("指定したポスト", "Designated by post")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { (l.t("終了", "Until")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for d in &h.designations {
                    tr { td { (labels::staff_role(l, d.role)) } td { (d.designated_by_post_id) } td { (date(&d.since)) } td { (opt_date(&d.until)) } td { (seq_link(d.seq)) } }
                } }
            } }
            h2 { (labels::role(l, Role::UsageOfficer)) }
            (term(&h.usage_officer_of))
            h2 { (l.t("利用者登録", "User registrations")) }
            (term(&h.user_of))
            h2 { (l.t("利用許可", "Grants")) }
            (grants_table(&at, l, &names, &h.grants, false))
        },
    ))
}

pub async fn person(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    person_page(&state, &s, &id, &q).await
}

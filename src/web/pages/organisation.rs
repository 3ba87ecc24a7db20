//! The organisation page: supervisors, administrator, officers per asset, usage officers, staff.

use super::*;

/// Organisation as of a date: supervisors, administrator, officers per asset, usage officers,
/// staff.
pub async fn organisation(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    let at = At::read(&state, &q).await?;
    let (org, assets) = state.ledger().read(|st| {
        let l = st.lens(at.as_of, Some(at.known_at));
        (l.organisation(), l.assets())
    });
    let l = s.lang;
    let with_role = |r: Role| org.posts.iter().filter(move |p| p.roles.contains(&r));
    let staff: Vec<_> = org
        .persons
        .iter()
        .flat_map(|p| p.roles.iter().map(move |r| (p, r)))
        .filter(|(_, r)| {
            matches!(
                r.role,
                Role::SystemOperationStaff | Role::InformationManagementStaff
            )
        })
        .collect();
    let title = l.t("組織（基準日時点）", "Organisation as of a date");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            (at.form(l, "/ui/organisation"))
            h2 { (labels::role(l, Role::SystemSupervisor)) " " span.hint { "第3条" } }
            (post_table(&at, l, with_role(Role::SystemSupervisor)))
            h2 { (labels::role(l, Role::SystemAdministrator)) " " span.hint { "第4条" } }
            (post_table(&at, l, with_role(Role::SystemAdministrator)))
            h2 { (l.t("情報資産ごとの情報管理責任者", "Information management officers per asset")) " " span.hint { "第5条・別表" } }
            div.scroll { table #officers {
                thead { tr {
                    th scope="col" { (l.t("ポスト", "Post")) }
                    th scope="col" { (l.t("職名", "Title")) }
                    th scope="col" { (l.t("情報資産", "Assets")) }
                    th scope="col" { (l.t("在職者", "Holder")) }
                } }
                tbody { @for p in org.posts.iter().filter(|p| !p.officer_of_assets.is_empty()) {
                    tr id={"post-" (p.id)} {
                        td { (p.id) }
                        td { (p.title) }
                        td { @for a in &p.officer_of_assets {
                            a href=(at.link(&format!("/ui/assets/{a}"))) { (a) } " "
                            span.hint { (assets.assets.iter().find(|x| &x.id == a).map(|x| x.name.as_str()).unwrap_or("")) } br;
                        } }
                        td { (holder(&at, l, &p.holder)) }
                    }
                } }
            } }
            h2 { (labels::role(l, Role::UsageOfficer)) " " span.hint { "第8条" } }
            div.scroll { table #usage-officers {
                thead { tr {
                    th scope="col" { (l.t("課", "Unit")) }
                    th scope="col" { (labels::role(l, Role::UsageOfficer)) }
                } }
                tbody { @for u in org.units.iter().filter(|u| u.user_division) {
                    tr {
                        td { (u.name) " " span.hint { "(" (u.id) ")" } }
                        td { @match &u.usage_officer {
                            Some(p) => { (person_link(&at.query, &p.person_id, Some(&p.name))) " " span.hint { (l.t("就任 ", "since ")) (date(&p.since)) } }
                            None => { span.badge.missing { (l.t("未任命", "none")) } }
                        } }
                    }
                } }
            } }
            h2 { (l.t("担当者", "Staff")) " " span.hint { "第4条第3項・第5条第4項" } }
            div.scroll { table #staff {
                thead { tr {
                    th scope="col" { (l.t("氏名", "Name")) }
                    th scope="col" { (l.t("役割", "Role")) }
                    th scope="col" { (l.t("根拠", "Via")) }
                    th scope="col" { (l.t("開始", "Since")) }
                } }
                tbody { @for (p, r) in &staff {
                    tr {
                        td { (person_link(&at.query, &p.person_id, Some(&p.name))) }
                        td { (labels::role(l, r.role)) }
                        td { (r.via) }
                        td { (date(&r.since)) " " (seq_link(r.seq)) }
                    }
                } }
            } }
        },
    ))
}

fn post_table<'a>(
    at: &At,
    l: Lang,
    posts: impl Iterator<Item = &'a govledger_projections::PostView>,
) -> Markup {
    html! {
        div.scroll { table {
            thead { tr {
                th scope="col" { (l.t("ポスト", "Post")) }
                th scope="col" { (l.t("職名", "Title")) }
                th scope="col" { (l.t("在職者", "Holder")) }
            } }
            tbody { @for p in posts {
                tr id={"post-" (p.id)} { td { (p.id) } td { (p.title) } td { (holder(at, l, &p.holder)) } }
            } }
        } }
    }
}

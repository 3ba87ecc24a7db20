//! The pages. Each reads the projections the way the JSON views do (`lens(as_of, known_at)`
//! at the folded head), or calls the JSON handler itself (events, proofs, verification) and
//! renders its answer, so the page and `/v1` can never disagree.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use govledger_projections::{AccessEntry, FindingFacts, HolderView};
use govledger_schema::events::Role;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::{Lang, Session, layout};
use super::{era, labels};
use crate::http::extract::Query;
use crate::http::{AppState, Error, events, proofs};
use crate::jst;

type Time = chrono::DateTime<chrono::FixedOffset>;

/// `as_of` and `known_at`, as every view page takes them (an empty field means the default).
#[derive(Debug, Default, Deserialize)]
pub struct AtQuery {
    as_of: Option<String>,
    known_at: Option<String>,
    #[allow(dead_code)] // read by the `Lang` extractor; accepted here so it is not refused
    lang: Option<String>,
}

/// The point a page reads the ledger at.
struct At {
    as_of: Time,
    known_at: u64,
    /// Whether `known_at` was chosen (else it follows the head).
    known_at_given: bool,
    head_seq: u64,
    /// The query to carry into links (only what the user chose).
    query: String,
}

impl At {
    async fn read(state: &AppState, q: &AtQuery) -> Result<At, Error> {
        let head = state.folded_head().await?;
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let as_of = match given(&q.as_of) {
            Some(s) => jst::parse(s).map_err(|e| Error::bad_param("as_of", e))?,
            None => jst::now(),
        };
        let known_at = match given(&q.known_at) {
            Some(s) => {
                let k = s
                    .parse::<u64>()
                    .map_err(|_| Error::bad_param("known_at", format!("{s:?} is not a seq")))?;
                if k > head.seq {
                    return Err(Error::bad_param(
                        "known_at",
                        format!("{k} is beyond the head (seq {})", head.seq),
                    ));
                }
                k
            }
            None => head.seq,
        };
        let mut pairs = Vec::new();
        if let Some(a) = given(&q.as_of) {
            pairs.push(("as_of", a));
        }
        if let Some(k) = given(&q.known_at) {
            pairs.push(("known_at", k));
        }
        Ok(At {
            as_of,
            known_at,
            known_at_given: given(&q.known_at).is_some(),
            head_seq: head.seq,
            query: serde_urlencoded::to_string(&pairs).unwrap_or_default(),
        })
    }

    fn link(&self, path: &str) -> String {
        if self.query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", self.query)
        }
    }

    /// The date picker and the "as known at" control.
    fn form(&self, lang: Lang, action: &str) -> Markup {
        html! {
            form.filters method="get" action=(action) {
                label for="as_of" { (lang.t("基準日（時点）", "As of (effective date)"))
                    input #as_of type="date" name="as_of" value=(era::jst_date(&self.as_of).format("%Y-%m-%d").to_string());
                }
                label for="known_at" { (lang.t("記録時点（seq、空欄は最新）", "As known at (seq; empty = head)"))
                    input #known_at type="number" name="known_at" min="0" max=(self.head_seq) placeholder=(self.head_seq) value=[self.known_at_given.then_some(self.known_at)];
                }
                button type="submit" { (lang.t("表示", "Show")) }
            }
            p.hint {
                (lang.t("基準日 ", "As of ")) (date(&self.as_of))
                (lang.t("、記録 seq ", ", as known at seq ")) (self.known_at)
                (lang.t(" 時点（最新 seq ", " (head seq ")) (self.head_seq) ")"
            }
        }
    }
}

/// A time as `YYYY-MM-DD` in JST with the Japanese era beside it.
fn date(t: &Time) -> Markup {
    html! {
        time datetime=(t.with_timezone(&jst::JST).to_rfc3339()) { (era::iso(t)) }
        " " span.era lang="ja" { (era::japanese(era::jst_date(t)).unwrap_or_default()) }
    }
}

/// A moment to the second in JST (`2026-12-02 14:48:55 JST`), with the era of its day.
fn moment(t: &Time) -> Markup {
    let j = t.with_timezone(&jst::JST);
    html! {
        time datetime=(j.to_rfc3339()) { (j.format("%Y-%m-%d %H:%M:%S JST").to_string()) }
        " " span.era lang="ja" { (era::japanese(j.date_naive()).unwrap_or_default()) }
    }
}

fn day(d: &NaiveDate) -> Markup {
    html! {
        time datetime=(d.format("%Y-%m-%d").to_string()) { (d.format("%Y-%m-%d").to_string()) }
        " " span.era lang="ja" { (era::japanese(*d).unwrap_or_default()) }
    }
}

fn opt_date(t: &Option<Time>) -> Markup {
    match t {
        Some(t) => date(t),
        None => html! { "—" },
    }
}

/// A link to a person's page, carrying the page's `as_of`/`known_at` query (`query`).
fn person_link(query: &str, id: &str, name: Option<&str>) -> Markup {
    let href = if query.is_empty() {
        format!("/ui/persons/{id}")
    } else {
        format!("/ui/persons/{id}?{query}")
    };
    html! {
        a href=(href) { (name.unwrap_or(id)) }
        @if name.is_some() { " " span.hint { "(" (id) ")" } }
    }
}

/// A person by name with the id beside it, linking to the person's page; an actor who is not
/// a person of the organisation (a token holder such as `ROOT`) as plain text.
fn who(query: &str, names: &Names, id: &str) -> Markup {
    match names.person(id) {
        Some(name) => person_link(query, id, Some(name)),
        None if is_person_id(id) => person_link(query, id, None),
        None => html! { (id) },
    }
}

/// The names of the persons, units, posts and assets a page shows by id, read in the same
/// read of the state as the page's view.
#[derive(Debug, Default)]
struct Names {
    persons: HashMap<String, String>,
    units: HashMap<String, String>,
    posts: HashMap<String, String>,
    assets: HashMap<String, String>,
}

impl Names {
    fn persons<'a>(
        mut self,
        st: &govledger_projections::State,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Names {
        for id in ids {
            if let Some(p) = st.person(id) {
                self.persons.insert(id.to_owned(), p.name.clone());
            }
        }
        self
    }

    fn units<'a>(
        mut self,
        st: &govledger_projections::State,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Names {
        for id in ids {
            if let Some(u) = st.unit(id) {
                self.units.insert(id.to_owned(), u.name.clone());
            }
        }
        self
    }

    fn posts<'a>(
        mut self,
        st: &govledger_projections::State,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Names {
        for id in ids {
            if let Some(p) = st.post(id) {
                self.posts.insert(id.to_owned(), p.title.clone());
            }
        }
        self
    }

    fn assets<'a>(
        mut self,
        st: &govledger_projections::State,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Names {
        for id in ids {
            if let Some(v) = st.asset(id).and_then(|a| a.versions.last()) {
                self.assets.insert(id.to_owned(), v.name.clone());
            }
        }
        self
    }

    fn person(&self, id: &str) -> Option<&str> {
        self.persons.get(id).map(String::as_str)
    }
}

/// A unit, post or asset by its name with the id beside it (the id alone if unnamed).
fn named(names: &HashMap<String, String>, id: &str) -> Markup {
    html! {
        @match names.get(id) {
            Some(n) => { (n) " " span.hint { "(" (id) ")" } }
            None => { (id) }
        }
    }
}

fn seq_link(seq: u64) -> Markup {
    html! { a href={"/ui/events/" (seq)} { "#" (seq) } }
}

fn seqs(list: &[u64]) -> Markup {
    html! { @for (i, s) in list.iter().enumerate() { @if i > 0 { " " } (seq_link(*s)) } }
}

fn holder(at: &At, lang: Lang, h: &Option<HolderView>) -> Markup {
    match h {
        Some(h) => {
            html! { (person_link(&at.query, &h.person_id, Some(&h.name))) " " span.hint { (lang.t("就任 ", "since ")) (date(&h.since)) } }
        }
        None => html! { span.badge.missing { (lang.t("空席", "vacant")) } },
    }
}

fn page(s: &Session, title: &str, main: Markup) -> Response {
    layout(s.lang, Some(s), title, main).into_response()
}

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

fn grants_table(
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

/// A person's posts, roles, designations and grants over time.
async fn person_page(
    state: &AppState,
    s: &Session,
    id: &str,
    q: &AtQuery,
) -> Result<Response, Error> {
    let at = At::read(state, q).await?;
    let (h, roles, names) = state.ledger().read(|st| {
        let l = st.lens(at.as_of, Some(at.known_at));
        let h = l.person_history(id);
        let names = Names::default().persons(
            st,
            h.iter()
                .flat_map(|h| h.grants.iter().map(|g| g.decided_by.as_str())),
        );
        (h, l.person_roles(id), names)
    });
    let h = h.ok_or_else(|| Error::NotFound(format!("no person {id} at that seq")))?;
    let l = s.lang;
    let term = |rows: &[(String, Time, Option<Time>, u64)]| {
        html! {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.t("課", "Unit")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { (l.t("終了", "Until")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for (unit, since, until, seq) in rows {
                    tr { td { (unit) } td { (date(since)) } td { (opt_date(until)) } td { (seq_link(*seq)) } }
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
            @if roles.is_empty() { p { (l.t("なし", "None")) } }
            div.scroll { table #roles {
                thead { tr {
                    th scope="col" { (l.t("役割", "Role")) }
                    th scope="col" { (l.t("根拠", "Via")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for r in &roles {
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
                tbody { @for (post, p) in &h.posts {
                    tr { td { (post) } td { (date(&p.since)) } td { (opt_date(&p.until)) } td { (p.personnel_order) }
                         td { (seq_link(p.appointed_seq)) @if let Some(e) = p.ended_seq { " " (seq_link(e)) } } }
                } }
            } }
            h2 { (l.t("所属", "Units")) }
            ul { @for (unit, since, seq) in &h.units { li { (unit) " " (date(since)) " " (seq_link(*seq)) } } }
            h2 { (l.t("担当者の指定", "Designations")) }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (l.t("役割", "Role")) }
                    th scope="col" { (l.t("指定したポスト", "Designated by post")) }
                    th scope="col" { (l.t("開始", "Since")) }
                    th scope="col" { (l.t("終了", "Until")) }
                    th scope="col" { "seq" }
                } }
                tbody { @for (role, by, since, until, seq) in &h.designations {
                    tr { td { (labels::staff_role(l, *role)) } td { (by) } td { (date(since)) } td { (opt_date(until)) } td { (seq_link(*seq)) } }
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

/// `P0123`: a person of the organisation (other actors, such as token holders, have no page).
fn is_person_id(s: &str) -> bool {
    s.strip_prefix('P')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Events per timeline page.
const TIMELINE_PAGE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct TimelineQuery {
    #[serde(rename = "type")]
    event_type: Option<String>,
    basis: Option<String>,
    actor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    #[allow(dead_code)] // read by the `Lang` extractor
    lang: Option<String>,
}

/// Reads a JSON handler's answer (a non-2xx answer is passed on as the error it is).
async fn json_of(res: Response) -> Result<Result<Value, Response>, Error> {
    if !res.status().is_success() {
        return Ok(Err(res));
    }
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .map_err(Error::internal)?;
    serde_json::from_slice(&bytes)
        .map(Ok)
        .map_err(Error::internal)
}

/// Events with filters, a page at a time by seq cursor (through `GET /v1/events`).
pub async fn timeline(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<TimelineQuery>,
) -> Result<Response, Error> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
    };
    let filter = events::EventsQuery {
        event_type: nonempty(&q.event_type),
        basis: nonempty(&q.basis),
        actor: nonempty(&q.actor),
        effective_from: nonempty(&q.from),
        effective_to: nonempty(&q.to),
        after: nonempty(&q.after),
        limit: Some(TIMELINE_PAGE.to_string()),
        ..Default::default()
    };
    let res = events::list(State(state.clone()), HeaderMap::new(), Query(filter)).await?;
    let page_json = match json_of(res).await? {
        Ok(v) => v,
        Err(res) => return Ok(res),
    };
    let empty = Vec::new();
    let list = page_json["events"].as_array().unwrap_or(&empty);
    let next = page_json["next"].as_u64();
    let names = state.ledger().read(|st| {
        Names::default().persons(st, list.iter().filter_map(|e| e["meta"]["actor"].as_str()))
    });
    let mut keep: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("type", &q.event_type),
        ("basis", &q.basis),
        ("actor", &q.actor),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = nonempty(v) {
            keep.push((k, v));
        }
    }
    let next_href = next.map(|n| {
        let mut pairs = keep.clone();
        pairs.push(("after", n.to_string()));
        format!(
            "/ui/timeline?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    });
    let l = s.lang;
    let selected = nonempty(&q.event_type).unwrap_or_default();
    let text = |v: &Option<String>| nonempty(v).unwrap_or_default();
    let title = l.t("記録（タイムライン）", "Timeline");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            form.filters method="get" action="/ui/timeline" {
                label for="type" { (l.t("種別", "Type"))
                    select #type name="type" {
                        option value="" { (l.t("すべて", "All")) }
                        @for t in labels::event_types() { option value=(t) selected[t == selected] { (labels::event_type(l, t)) } }
                    }
                }
                label for="basis" { (l.t("根拠条文（前方一致）", "Article (prefix)"))
                    input #basis type="text" name="basis" placeholder="第10条" value=(text(&q.basis));
                }
                label for="actor" { (l.t("決定者", "Actor"))
                    input #actor type="text" name="actor" placeholder="P0001" value=(text(&q.actor));
                }
                label for="from" { (l.t("効力発生（から）", "Effective from"))
                    input #from type="date" name="from" value=(text(&q.from));
                }
                label for="to" { (l.t("効力発生（まで）", "Effective to"))
                    input #to type="date" name="to" value=(text(&q.to));
                }
                button type="submit" { (l.t("絞り込む", "Filter")) }
            }
            div.scroll { table #events {
                thead { tr {
                    th scope="col" { "seq" }
                    th scope="col" { (l.t("効力発生", "Effective")) }
                    th scope="col" { (l.t("種別", "Type")) }
                    th scope="col" { (l.t("決定者", "Actor")) }
                    th scope="col" { (l.t("根拠", "Basis")) }
                    th scope="col" { (l.t("ハッシュ", "Hash")) }
                    th scope="col" { (l.t("包含証明", "Inclusion proof")) }
                } }
                tbody { @for e in list {
                    @let seq = e["seq"].as_u64().unwrap_or(0);
                    @let hash = e["hash"].as_str().unwrap_or("");
                    tr.event data-type=(e["type"].as_str().unwrap_or("")) {
                        td { (seq_link(seq)) }
                        td { @match e["effective_at"].as_str().and_then(|t| jst::parse(t).ok()) { Some(t) => { (date(&t)) } None => {} } }
                        @let event_type = e["type"].as_str().unwrap_or("");
                        td title=(event_type) { (labels::event_type(l, event_type)) }
                        td { (who("", &names, e["meta"]["actor"].as_str().unwrap_or(""))) }
                        td { (e["meta"]["basis"].as_str().unwrap_or("")) }
                        td.hash title=(hash) { (hash.get(..12).unwrap_or(hash)) "…" }
                        td { a href={"/ui/proof/" (seq)} { (l.t("証明", "proof")) } " " a href={"/ui/proof/" (seq) "/json"} { "JSON" } }
                    }
                } }
            } }
            @if list.is_empty() { p { (l.t("この範囲に該当する記録はありません。", "No matching events in this range.")) } }
            @if let Some(h) = next_href { p { a rel="next" href=(h) { (l.t("次のページ →", "Next page →")) } } }
        },
    ))
}

/// One event, as stored, with its hash and links to its proof.
pub async fn event(
    State(state): State<AppState>,
    s: Session,
    Path(seq): Path<u64>,
) -> Result<Response, Error> {
    let res = events::one(
        State(state.clone()),
        HeaderMap::new(),
        Path(seq.to_string()),
    )
    .await?;
    let e = match json_of(res).await? {
        Ok(v) => v,
        Err(res) => return Ok(res),
    };
    let l = s.lang;
    let actor = e["meta"]["actor"].as_str().unwrap_or("");
    let event_type = e["type"].as_str().unwrap_or("");
    let names = state
        .ledger()
        .read(|st| Names::default().persons(st, [actor]));
    let pretty = serde_json::to_string_pretty(&e).map_err(Error::internal)?;
    let title = format!("{} #{seq}", l.t("記録", "Event"));
    Ok(page(
        &s,
        &title,
        html! {
            h1 { (title) " " (labels::event_type(l, event_type)) }
            dl.facts {
                dt { (l.t("種別", "Type")) } dd { (labels::event_type(l, event_type)) " " span.hint { code { (event_type) } } }
                dt { (l.t("決定者", "Actor")) } dd { (who("", &names, actor)) }
                dt { (l.t("根拠", "Basis")) } dd { (e["meta"]["basis"].as_str().unwrap_or("")) }
                dt { (l.t("効力発生", "Effective")) } dd { @match e["effective_at"].as_str().and_then(|t| jst::parse(t).ok()) { Some(t) => { (date(&t)) } None => {} } }
                dt { (l.t("記録日時", "Recorded")) } dd { @match e["recorded_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) { Some(t) => { (moment(&t)) } None => {} } }
                dt { (l.t("ハッシュ", "Hash")) } dd.hash { (e["hash"].as_str().unwrap_or("")) }
                dt { (l.t("直前のハッシュ", "Previous hash")) } dd.hash { (e["prev"].as_str().unwrap_or("")) }
            }
            p { a href={"/ui/proof/" (seq)} { (l.t("包含証明", "Inclusion proof")) } " · " a href={"/ui/proof/" (seq) "/json"} { "JSON" } }
            pre { (pretty) }
        },
    ))
}

async fn inclusion(state: AppState, seq: u64) -> Result<Result<Value, Response>, Error> {
    let q = proofs::InclusionQuery {
        seq: Some(seq.to_string()),
        size: None,
    };
    json_of(proofs::inclusion(State(state), Query(q)).await?).await
}

/// The inclusion proof of one event at the head (`GET /v1/proof/inclusion?seq=N`).
pub async fn proof(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(seq): Path<u64>,
) -> Result<Response, Error> {
    let p = match inclusion(state, seq).await? {
        Ok(v) => v,
        Err(res) => return Ok(res),
    };
    let l = s.lang;
    let pretty = serde_json::to_string_pretty(&p).map_err(Error::internal)?;
    let title = format!("{} #{seq}", l.t("包含証明", "Inclusion proof"));
    Ok(page(
        &s,
        &title,
        html! {
            h1 { (title) }
            p { (l.t(
                "RFC 9162 の包含証明です。このサーバーを信頼せずに確かめるには、保管している署名済みチェックポイントとログの公開鍵（",
                "An RFC 9162 inclusion proof. To check it without trusting this server, use a signed checkpoint you keep and the log's public key (",
            )) code { "govledger public-key" } (l.t("、または ", ", or ")) code { "GET /v1/public-key" }
                (l.t(
                    "）で次のコマンドを実行してください。証明をサーバーから取り直し、本文から葉を計算し直して検証します。",
                    ") and run the command below. It fetches the proof again, recomputes the leaf from the body and checks it.",
                ))
            }
            pre #proof-command { code { "govledger proof inclusion --url " (server_url(&headers)) " --token \"$TOKEN\" --key pub.vkey --checkpoint cp.txt --seq " (seq) } }
            p { (l.t(
                "保存した JSON は、README の「Proof formats」にある手順で、独自の検証器でも確かめられます。",
                "The saved JSON can also be checked by a verifier of your own, following \"Proof formats\" in the README.",
            )) }
            p { a href={"/ui/events/" (seq)} { (l.t("記録を見る", "See the event")) } " · " a href={"/ui/proof/" (seq) "/json"} download={"inclusion-" (seq) ".json"} { (l.t("JSON をダウンロード", "Download JSON")) } }
            pre #proof { (pretty) }
        },
    ))
}

/// This server's base URL as the browser reached it, for commands to copy (`http://SERVER`
/// when the request names no host).
fn server_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("SERVER");
    let scheme = if super::came_over_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The same proof as JSON, for the session's browser (the `/v1` route wants a bearer token).
pub async fn proof_json(
    State(state): State<AppState>,
    _s: Session,
    Path(seq): Path<u64>,
) -> Result<Response, Error> {
    Ok(match inclusion(state, seq).await? {
        Ok(v) => axum::Json(v).into_response(),
        Err(res) => res,
    })
}

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
            );
        let names = Names::default().persons(st, persons);
        (changes, requests, meetings, names)
    });
    use govledger_schema::events::OperationResult;
    let (mut operations, op_names) = state.ledger().read(|st| {
        let operations = st.lens(at.as_of, Some(at.known_at)).incidents().operations;
        let names = Names::default().persons(st, operations.iter().map(|o| o.recorded_by.as_str()));
        (operations, names)
    });
    // The latest first: by when each took effect.
    operations.sort_by_key(|o| std::cmp::Reverse((o.effective_at, o.seq)));
    let l = s.lang;
    let missing = |m: &[govledger_projections::Missing]| {
        html! {
            @if m.is_empty() { span.badge.ok { (l.t("不足なし", "complete")) } }
            @for x in m { span.badge.missing { (labels::missing(l, x.what.as_str())) } " " (x.post_id.as_deref().unwrap_or("")) " " span.hint { (x.article) } br; }
        }
    };
    let title = l.t("手続", "Workflows");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            (at.form(l, "/ui/workflows"))
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
                    tr { td { (m.id) } td { (m.title) } td { (labels::state(l, "modification", m.status)) } td { (acts(&at, &names, &m.approvals)) } td { (missing(&m.missing)) } td { (seqs(&m.seqs)) } }
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
                    tr { td { (r.id) } td { (r.asset_ids.join(", ")) } td { (day(&r.planned_stop)) } td { (labels::state(l, "retirement", r.status)) } td { (missing(&r.missing)) } td { (seqs(&r.seqs)) } }
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
                        tr { td { (id) } td { (r.post_id) " " (who(&at.query, &names, &r.actor)) } td { (r.text) } td { (seq_link(r.seq)) } }
                    }
                }
            } }
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
                            Some(x) => { (x.resolutions.join("; ")) br; span.hint { (l.t("記録者 ", "recorded by ")) (who(&at.query, &names, &x.recorded_by)) " " (seq_link(x.seq)) } }
                            None => { span.badge.missing { (l.t("未作成", "none yet")) } }
                        } }
                        td {
                            @for sig in &m.signatures { (who(&at.query, &names, &sig.person_id)) " " (labels::signature(l, sig.position)) " " (seq_link(sig.seq)) br; }
                            @if !m.unsigned.is_empty() {
                                span.badge.missing { (l.t("未署名", "unsigned")) }
                                @for p in &m.unsigned { " " (who(&at.query, &names, p)) }
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
                    tr { td { (d.id) } td { (d.addressee_id) " " (who(&at.query, &names, &d.person_id)) } td { (d.matter) } td { (d.direction) } td { (d.supervisor_post_id) " " span.hint { (d.basis) } } td { (seq_link(d.seq)) } }
                } }
            } }
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
                        td { (who(&at.query, &op_names, &o.recorded_by)) " " span.hint { (o.basis) } }
                        td { (seq_link(o.seq)) }
                    }
                } }
            } }
        },
    ))
}

/// Audit findings, the chain's verification (cached like `/v1/verify`), the latest checkpoint.
pub async fn audit(
    State(state): State<AppState>,
    s: Session,
    Query(q): Query<AtQuery>,
) -> Result<Response, Error> {
    let at = At::read(&state, &q).await?;
    let (findings, names) = state.ledger().read(|st| {
        // A page is built in memory: the first page here, the rest through `/v1/audit`.
        let findings =
            st.lens(at.as_of, Some(at.known_at))
                .audit_page(govledger_projections::Window {
                    offset: 0,
                    limit: crate::http::views::DEFAULT_VIEW_LIMIT,
                });
        let names = finding_names(st, &findings.findings);
        (findings, names)
    });
    let verify = match json_of(events::verify(State(state.clone())).await?).await? {
        Ok(v) => v,
        Err(res) => return Ok(res),
    };
    let checkpoint = state.store().checkpoint(None).await?;
    let l = s.lang;
    let ok = verify["ok"].as_bool().unwrap_or(false);
    let title = l.t("監査所見と検証", "Audit findings and verification");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            h2 { (l.t("ハッシュチェーンの検証", "Chain verification")) }
            p #chain-status {
                @if ok { span.badge.ok { (l.t("正常", "OK")) } } @else { span.badge.bad { (l.t("破損あり", "BROKEN")) } }
                " " (verify["verified"]) (l.t(" 件を検証（seq ", " events verified (seq ")) "1.." (verify["verified_to"]) ")"
                (l.t("、検証時刻 ", ", at "))
                @match verify["verified_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
                    Some(t) => { (moment(&t)) }
                    None => { "—" }
                }
            }
            @if !ok { pre.error { (verify["first_break"].to_string()) } }
            form #verify-form method="post" action="/ui/verify" {
                input type="hidden" name=(super::csrf::FIELD) value=(super::csrf::token(&s.caller.token_id));
                button type="submit" { (l.t("今すぐ検証", "Verify now")) }
                " " progress #verify-progress hidden aria-label=(l.t("検証中", "Verifying")) {}
            }
            h2 { (l.t("最新のチェックポイント", "Latest checkpoint")) }
            @match &checkpoint {
                Some(cp) => { p { (l.t("木のサイズ ", "Tree size ")) (cp.size) } pre #checkpoint { (cp.note) } }
                None => { p { (l.t("まだ署名されたチェックポイントはありません。", "No checkpoint has been signed yet.")) } }
            }
            h2 { (l.t("監査所見", "Audit findings")) }
            (at.form(l, "/ui/audit"))
            @if findings.total > findings.findings.len() {
                p #findings-more {
                    (l.t("先頭 ", "The first ")) (findings.findings.len()) (l.t(" 件を表示（全 ", " of ")) (findings.total)
                    (l.t(" 件）。残りは /v1/audit の offset と limit で取得できます。", " findings; fetch the rest from /v1/audit with offset and limit."))
                }
            }
            div.scroll { table #findings {
                thead { tr {
                    th scope="col" { (l.t("種類", "Kind")) }
                    th scope="col" { (l.t("条文", "Article")) }
                    th scope="col" { (l.t("内容", "Message")) }
                    th scope="col" { (l.t("記録", "Events")) }
                } }
                tbody { @for f in &findings.findings {
                    tr data-kind=(f.kind) { td { (labels::finding_kind(l, &f.facts)) } td { (f.article) } td { (finding_message(&at, l, &names, &f.facts)) } td { (seqs(&f.seqs)) } }
                } }
            } }
        },
    ))
}

/// The names a page of findings mentions.
fn finding_names(
    st: &govledger_projections::State,
    findings: &[govledger_projections::Finding],
) -> Names {
    let (mut persons, mut units, mut posts, mut assets) = (vec![], vec![], vec![], vec![]);
    for f in findings {
        match &f.facts {
            FindingFacts::GrantHeldByUserWhoLeftDivision {
                person_id,
                asset_id,
                granted_for_unit_id,
                now_unit_id,
            } => {
                persons.push(person_id.as_str());
                assets.push(asset_id.as_str());
                units.push(granted_for_unit_id.as_str());
                units.extend(now_unit_id.as_deref());
            }
            FindingFacts::GrantOnRetiredAsset {
                person_id,
                asset_id,
                ..
            } => {
                persons.push(person_id.as_str());
                assets.push(asset_id.as_str());
            }
            FindingFacts::VacantOfficerPost { post_id }
            | FindingFacts::OfficerWithoutValidRoster { post_id } => posts.push(post_id.as_str()),
            FindingFacts::DeputyAct {
                actor,
                acting_for_post_id,
                ..
            } => {
                persons.push(actor.as_str());
                posts.push(acting_for_post_id.as_str());
            }
            FindingFacts::OverdueSecurityRequest { .. }
            | FindingFacts::DecisionRecordedLate { .. }
            | FindingFacts::PeriodicOperationOverdue { .. } => {}
        }
    }
    Names::default()
        .persons(st, persons)
        .units(st, units)
        .posts(st, posts)
        .assets(st, assets)
}

/// What a finding says, in the page's language, with names beside ids and times in JST.
fn finding_message(at: &At, l: Lang, names: &Names, facts: &FindingFacts) -> Markup {
    let asset = |id: &str| {
        html! { a href=(at.link(&format!("/ui/assets/{id}"))) { (named(&names.assets, id)) } }
    };
    let event = |event_type: &str, seq: u64| {
        let (open, close) = (l.t("（", " ("), l.t("）", ")"));
        html! { (labels::event_type(l, event_type)) (open) (seq_link(seq)) (close) }
    };
    match facts {
        FindingFacts::GrantHeldByUserWhoLeftDivision {
            person_id,
            asset_id,
            granted_for_unit_id,
            now_unit_id,
        } => {
            let now = html! { @match now_unit_id {
                Some(u) => { (named(&names.units, u)) }
                None => { (l.t("どの課にも", "no unit")) }
            } };
            match l {
                Lang::Ja => html! {
                    (who(&at.query, names, person_id)) " は " (named(&names.units, granted_for_unit_id))
                    " の利用者として " (asset(asset_id)) " の利用を許可されたまま、現在は " (now) " に所属しています"
                },
                Lang::En => html! {
                    (who(&at.query, names, person_id)) " still may use " (asset(asset_id)) ", granted for "
                    (named(&names.units, granted_for_unit_id)) ", but belongs to " (now)
                },
            }
        }
        FindingFacts::GrantOnRetiredAsset {
            person_id,
            asset_id,
            retirement_id,
        } => match l {
            Lang::Ja => html! {
                (who(&at.query, names, person_id)) " は、" (retirement_id) " により利用を停止した "
                (asset(asset_id)) " をなお利用できます"
            },
            Lang::En => html! {
                (who(&at.query, names, person_id)) " still may use " (asset(asset_id)) ", retired by " (retirement_id)
            },
        },
        FindingFacts::VacantOfficerPost { post_id } => match l {
            Lang::Ja => {
                html! { "情報管理責任者のポスト " (named(&names.posts, post_id)) " に在職者がいません" }
            }
            Lang::En => html! { "Officer post " (named(&names.posts, post_id)) " has no holder" },
        },
        FindingFacts::OfficerWithoutValidRoster { post_id } => match l {
            Lang::Ja => html! {
                "情報管理責任者のポスト " (named(&names.posts, post_id)) " に有効な緊急連絡体制（第9条第2項）がありません"
            },
            Lang::En => html! {
                "Officer post " (named(&names.posts, post_id)) " has no valid emergency contact roster"
            },
        },
        FindingFacts::PeriodicOperationOverdue {
            operation,
            days,
            last,
            genesis,
        } => {
            let what = labels::operation(l, operation);
            match (l, last) {
                (Lang::Ja, Some((at, seq))) => html! {
                    (what) "（第11条）の成功した記録が " (days) " 日を超えてありません。最後は "
                    (date(at)) "（" (seq_link(*seq)) "）"
                },
                (Lang::Ja, None) => html! {
                    (what) "（第11条）の成功した記録が、" (date(genesis)) " の記録開始から一度もありません（"
                    (days) " 日ごとに必要）"
                },
                (Lang::En, Some((at, seq))) => html! {
                    "No successful " (what) " (Art. 11) recorded for more than " (days) " days: the last took effect "
                    (date(at)) " (" (seq_link(*seq)) ")"
                },
                (Lang::En, None) => html! {
                    "No successful " (what) " (Art. 11) recorded since the ledger began on " (date(genesis))
                    " (required every " (days) " days)"
                },
            }
        }
        FindingFacts::OverdueSecurityRequest { request_id, due } => match l {
            Lang::Ja => html! { "改善要求 " (request_id) " は期限 " (day(due)) " を過ぎています" },
            Lang::En => html! { "Security request " (request_id) " was due " (day(due)) },
        },
        FindingFacts::DecisionRecordedLate {
            event_type,
            seq,
            effective_at,
            recorded_at,
        } => {
            let recorded = recorded_at.fixed_offset();
            match l {
                Lang::Ja => html! {
                    (event(event_type, *seq)) " は " (date(effective_at)) " に効力を生じ、"
                    (moment(&recorded)) " に記録されました"
                },
                Lang::En => html! {
                    (event(event_type, *seq)) " took effect " (date(effective_at)) " and was recorded " (moment(&recorded))
                },
            }
        }
        FindingFacts::DeputyAct {
            actor,
            acting_for_post_id,
            event_type,
            seq,
        } => match l {
            Lang::Ja => html! {
                (who(&at.query, names, actor)) " が " (named(&names.posts, acting_for_post_id)) " を代理して行った "
                (event(event_type, *seq))
            },
            Lang::En => html! {
                (who(&at.query, names, actor)) " acted for " (named(&names.posts, acting_for_post_id)) ": "
                (event(event_type, *seq))
            },
        },
    }
}

/// "Verify now": forgets the cached verification, so the audit page runs it afresh.
pub async fn verify_now(
    State(state): State<AppState>,
    s: Session,
    body: axum::body::Bytes,
) -> Result<Response, Error> {
    super::csrf::require(&s, &body)?;
    state.forget_verification().await;
    Ok(Redirect::to("/ui/audit").into_response())
}

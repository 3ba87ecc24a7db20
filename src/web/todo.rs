//! `GET /ui/todo`: the logged-in person's to-do lists, one per role they hold today
//! ([`crate::workspace::todo`]), each item linking to the form that resolves it, pre-filled.
//! An auditor's session has no to-do list (403, as every page of the workspace).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::decide::{AdminSession, kind_label};
use super::{Lang, labels, layout};
use crate::http::{AppState, Error};
use crate::jst;
use crate::workspace::todo::{self, Action};

fn link(a: &Action) -> String {
    let q = serde_urlencoded::to_string(&a.prefill).unwrap_or_default();
    format!("/ui/decide/{}?{q}", a.kind)
}

fn role_title(l: Lang, list: &todo::List) -> String {
    match list.role {
        Some(r) => format!(
            "{} {}",
            labels::role(l, r),
            list.post_id
                .as_deref()
                .map(|p| format!("({p})"))
                .unwrap_or_default()
        ),
        None => l
            .t("会議の構成員として", "As a member of meetings")
            .to_owned(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    AdminSession(s): AdminSession,
) -> Result<Response, Error> {
    let l = s.lang;
    let person = s.caller.person.clone();
    let now = jst::now();
    let lists = state
        .ledger()
        .read(|st| todo::lists(&st.lens(now, None), &person));
    let title = l.t("やることリスト", "To-do list");
    let total: usize = lists.iter().map(|x| x.items.len()).sum();
    Ok(layout(
        l,
        Some(&s),
        title,
        html! {
            h1 { (title) }
            p.hint {
                (l.t("今日（日本時間）", "Today (JST) ")) " " (now.format("%Y-%m-%d").to_string()) " · "
                (total) (l.t(" 件", " item(s)")) " · "
                a href="/ui/decide" { (l.t("ほかの決定を記録する", "Record another decision")) }
            }
            @for list in &lists {
                section.todo data-role=[list.role.map(|r| format!("{r:?}"))] data-post=[list.post_id.as_deref()] {
                    h2 { (role_title(l, list)) }
                    @if list.items.is_empty() {
                        p.hint { (l.t("いま待っているものはありません。", "Nothing waits on you.")) }
                    } @else {
                        ul.items {
                            @for item in &list.items {
                                li data-key=(item.key) {
                                    (match l { Lang::Ja => &item.ja, Lang::En => &item.en })
                                    " " span.hint { (item.article) }
                                    @for a in &item.actions {
                                        " " a.action href=(link(a)) data-kind=(a.kind) { (kind_label(l, a.kind)) }
                                    }
                                    @if item.actions.is_empty() {
                                        " " a href="/ui/workflows" { (l.t("手続を見る", "See the workflows")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

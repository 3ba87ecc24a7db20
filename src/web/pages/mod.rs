//! The pages, one module per view (the names of `projections/src/views/`). Each reads the
//! projections the way the JSON views do (`lens(as_of, known_at)` at the folded head), or the
//! typed read the `/v1` handler answers from (events, proofs, verification), so the page and
//! `/v1` can never disagree. This module holds what they share: the point a page reads the
//! ledger at (`At`), the names shown beside ids (`Names`), dates, moments and person links.

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
use crate::http::{AppState, Error};
use crate::jst;

mod assets;
mod audit;
mod events;
mod history;
mod organisation;
mod proofs;
mod workflows;

pub use assets::{asset, assets};
pub use audit::{audit, verify_now};
pub use events::{event, timeline};
pub use history::person;
pub use organisation::organisation;
pub use proofs::{proof, proof_json};
pub use workflows::workflows;

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

/// `P0123`: a person of the organisation (other actors, such as token holders, have no page).
fn is_person_id(s: &str) -> bool {
    s.strip_prefix('P')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

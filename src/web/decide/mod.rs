//! The admin workspace: a decision recorded in the browser, without JSON.
//!
//! `GET /ui/decide` lists the kinds of decision by procedure; `GET /ui/decide/{kind}` is a
//! kind's form, generated from the command's JSON Schema ([`crate::workspace::fields`]) with
//! every record chosen by name among those valid at the decision's date
//! ([`crate::workspace::options`]); its query pre-fills members (the to-do list's links).
//! `POST /ui/decide/{kind}` checks the form with the rules and shows either the events that
//! would be recorded (type, basis article with its text, actor, acting for) or the refusal
//! (rule, article, the article's text, what is missing), recording nothing.
//! `POST /ui/decide/{kind}/confirm` records the previewed command through the ledger, exactly
//! as `POST /v1/commands/{kind}` would (same parser, same rules, same event id semantics), then
//! sends the browser to `GET /ui/recorded/{event_id}` (post/redirect/get: a reload shows the
//! result again and records nothing).
//!
//! Every form carries an `event_id` drawn when the form is first shown: a double submit or a
//! resubmitted confirmation is a retry of the same decision, answered with the events first
//! recorded. Every POST carries the session's CSRF token ([`super::csrf`]). Only admin tokens
//! reach these pages: an auditor gets 403, with or without a token.

mod labels;

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Lang, Session, csrf, era, layout};
use crate::http::commands::{self, CommandBody, RecordRef};
use crate::http::tokens::Role as TokenRole;
use crate::http::{AppState, Error};
use crate::jst;
use crate::ledger::{CommandRequest, LedgerError};
use crate::rules::{self, Proposed, Refusal, articles};
use crate::store::Committed;
use crate::workspace::fields::{self, Field, FieldError, Form, Input, RefKind};
use crate::workspace::options::{self, Choice};

pub use labels::kind as kind_label;

/// The member of every form naming the decision's effective date (JST).
const DATE: &str = "effective_date";
/// The member carrying the command, checked, from the preview to the confirmation.
const BODY: &str = "body";

/// A logged-in admin. An auditor's session is refused with 403 (an auditor records nothing).
pub struct AdminSession(pub Session);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let s = Session::from_request_parts(parts, state).await?;
        if s.caller.role != TokenRole::Admin {
            return Err(Error::Forbidden(
                "recording decisions needs an admin token; an auditor's session only reads",
            )
            .into_response());
        }
        Ok(AdminSession(s))
    }
}

fn page(s: &Session, title: &str, main: Markup) -> Response {
    layout(s.lang, Some(s), title, main).into_response()
}

/// Name/value pairs of a query or a form body (a repeated name for several values).
fn pairs_of(bytes: &[u8]) -> Result<Vec<(String, String)>, Error> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| Error::bad_param("form", e.to_string()))
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The form's effective date, today (JST) if none.
fn date_of(pairs: &[(String, String)]) -> Result<NaiveDate, Error> {
    match value_of(pairs, DATE) {
        None => Ok(jst::now().date_naive()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| Error::bad_param(DATE, format!("{d:?} is not a date YYYY-MM-DD"))),
    }
}

/// The moment a decision of `date` takes effect: now if it is today (JST), else 00:00 JST.
fn moment_of(date: NaiveDate) -> chrono::DateTime<chrono::FixedOffset> {
    let now = jst::now();
    if date == now.date_naive() {
        now
    } else {
        jst::start_of(date)
    }
}

fn form_of(kind: &str) -> Result<&'static Form, Error> {
    fields::form(kind).ok_or_else(|| Error::NotFound(format!("no decision kind {kind:?}")))
}

/// `GET /ui/decide`: the kinds of decision, by procedure.
pub async fn index(AdminSession(s): AdminSession) -> Response {
    let l = s.lang;
    let title = l.t("決定を記録する", "Record a decision");
    page(
        &s,
        title,
        html! {
            h1 { (title) }
            p { a href="/ui/todo" { (l.t("自分のやることリストから始める", "Start from my to-do list")) } }
            @for (code, ja, en) in labels::PROCEDURES {
                h2 { (l.t(ja, en)) }
                ul.kinds {
                    @for f in fields::FORMS.iter().filter(|f| labels::procedure_of(&f.kind) == *code) {
                        li { a href={"/ui/decide/" (f.kind)} { (labels::kind(l, &f.kind)) } " " span.hint { (f.kind) } }
                    }
                }
            }
        },
    )
}

/// `GET /ui/decide/{kind}`: the empty form, or pre-filled from the query.
pub async fn show(
    State(state): State<AppState>,
    AdminSession(s): AdminSession,
    Path(kind): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let form = form_of(&kind)?;
    let pairs = pairs_of(query.unwrap_or_default().as_bytes())?;
    let date = date_of(&pairs)?;
    let shown = Shown {
        pairs,
        date,
        event_id: Uuid::new_v4(),
        problem: None,
    };
    Ok(render_form(&state, &s, form, &shown))
}

/// What a form is shown with.
struct Shown {
    pairs: Vec<(String, String)>,
    date: NaiveDate,
    event_id: Uuid,
    problem: Option<Problem>,
}

/// Why the form came back.
enum Problem {
    Refused(Refusal),
    Field(FieldError),
    Other(String),
}

fn event_id_of(pairs: &[(String, String)]) -> Uuid {
    value_of(pairs, "event_id")
        .and_then(|v| Uuid::parse_str(v).ok())
        .unwrap_or_else(Uuid::new_v4)
}

/// `POST /ui/decide/{kind}`: check the form against the rules and show the preview, or the
/// form again with what stands in the way. Records nothing.
pub async fn preview(
    State(state): State<AppState>,
    AdminSession(s): AdminSession,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Error> {
    let form = form_of(&kind)?;
    csrf::require(&s, &body)?;
    let pairs = pairs_of(&body)?;
    let date = date_of(&pairs)?;
    let event_id = event_id_of(&pairs);
    let mut shown = Shown {
        pairs,
        date,
        event_id,
        problem: None,
    };
    // "Change the date": the same form, its choices as of the new date.
    if value_of(&shown.pairs, "step") == Some("refresh") {
        return Ok(render_form(&state, &s, form, &shown));
    }
    let body = match fields::to_json(form, &shown.pairs) {
        Ok(map) => with_meta(map, date, event_id),
        Err(e) => {
            shown.problem = Some(Problem::Field(e));
            return Ok(render_form(&state, &s, form, &shown));
        }
    };
    let parsed = match CommandBody::parse(&kind, Value::Object(body.clone())) {
        Ok(p) => p,
        Err(e) => {
            shown.problem = Some(problem_of(e));
            return Ok(render_form(&state, &s, form, &shown));
        }
    };
    let actor = s.caller.person.clone();
    let decided = state.ledger().read(|st| {
        rules::decide_at(
            st,
            &parsed.command,
            &actor,
            parsed.effective_at,
            Some(jst::now()),
        )
    });
    match decided {
        Ok(events) => Ok(render_preview(&state, &s, form, &body, &parsed, &events)),
        Err(r) => {
            shown.problem = Some(Problem::Refused(r));
            Ok(render_form(&state, &s, form, &shown))
        }
    }
}

/// The command's JSON with the two members the form adds: `event_id`, and `effective_at`
/// unless the decision is dated today (then it takes effect when recorded, as the API's
/// default: a retry of it is the same request).
fn with_meta(mut map: Map<String, Value>, date: NaiveDate, event_id: Uuid) -> Map<String, Value> {
    if date != jst::now().date_naive() {
        map.insert(
            commands::EFFECTIVE_AT.into(),
            Value::from(date.format("%Y-%m-%d").to_string()),
        );
    }
    map.insert(commands::EVENT_ID.into(), Value::from(event_id.to_string()));
    map
}

fn problem_of(e: Error) -> Problem {
    match e {
        Error::InvalidBody { field, detail } => Problem::Field(FieldError {
            field: field.trim_start_matches("body.").to_owned(),
            ja: detail.clone(),
            en: detail,
        }),
        other => Problem::Other(other.to_string()),
    }
}

/// `POST /ui/decide/{kind}/confirm`: record the previewed command.
pub async fn confirm(
    State(state): State<AppState>,
    AdminSession(s): AdminSession,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Error> {
    let form = form_of(&kind)?;
    csrf::require(&s, &body)?;
    let pairs = pairs_of(&body)?;
    let json: Map<String, Value> = value_of(&pairs, BODY)
        .and_then(|b| serde_json::from_str(b).ok())
        .ok_or_else(|| Error::bad_param(BODY, "the previewed decision is missing; start again"))?;
    let back = |problem: Problem| {
        let date = json
            .get(commands::EFFECTIVE_AT)
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or_else(|| jst::now().date_naive());
        let shown = Shown {
            pairs: to_pairs(form, &json),
            date,
            event_id: json
                .get(commands::EVENT_ID)
                .and_then(Value::as_str)
                .and_then(|v| Uuid::parse_str(v).ok())
                .unwrap_or_else(Uuid::new_v4),
            problem: Some(problem),
        };
        render_form(&state, &s, form, &shown)
    };
    let parsed = match CommandBody::parse(&kind, Value::Object(json.clone())) {
        Ok(p) => p,
        Err(e) => return Ok(back(problem_of(e))),
    };
    let executed = state
        .ledger()
        .execute(CommandRequest {
            command: parsed.command,
            actor: s.caller.person.clone(),
            effective_at: parsed.effective_at,
            effective_at_defaulted: parsed.effective_at_defaulted,
            event_id: parsed.event_id,
            request_id: None,
            token: Some(s.caller.token_id.clone()),
        })
        .await;
    match executed {
        Ok(done) => {
            if let Some(last) = done.events.last() {
                state.announce(last.seq);
            }
            let Some(first) = done.events.first() else {
                return Err(Error::Internal("a command recorded no event".into()));
            };
            let to = format!("/ui/recorded/{}?n={}", first.id, done.events.len());
            Ok(Redirect::to(&to).into_response())
        }
        Err(LedgerError::Refused(r)) => Ok(back(Problem::Refused(r))),
        Err(LedgerError::IdReused(_)) => Ok(back(Problem::Other(
            s.lang
                .t(
                    "このフォームの決定は別の内容で記録済みです。フォームを開き直してください。",
                    "This form's decision was already recorded with other content; open the \
                     form again.",
                )
                .to_owned(),
        ))),
        Err(e) => Err(match e {
            LedgerError::TokenRevoked(_) => Error::Unauthorized("the token has been revoked"),
            LedgerError::Interrupted => Error::Unavailable(
                "the decision was not recorded; submit the same form again".into(),
            ),
            LedgerError::Store(e) => e.into(),
            other => Error::internal(other),
        }),
    }
}

/// The form members of a command's JSON (the inverse of [`fields::to_json`]).
fn to_pairs(form: &Form, json: &Map<String, Value>) -> Vec<(String, String)> {
    fn flat(
        fields: &[Field],
        prefix: &str,
        json: &Map<String, Value>,
        out: &mut Vec<(String, String)>,
    ) {
        for f in fields {
            let name = format!("{prefix}{}", f.name);
            let Some(v) = json.get(&f.name) else { continue };
            match (&f.input, v) {
                (Input::Tagged(variants), Value::Object(o)) => {
                    if let Some(tag) = o.get("kind").and_then(Value::as_str) {
                        out.push((format!("{name}.kind"), tag.to_owned()));
                        if let Some((_, fs)) = variants.iter().find(|(t, _)| t == tag) {
                            flat(fs, &format!("{name}."), o, out);
                        }
                    }
                }
                (Input::Rows(fs), Value::Array(rows)) => {
                    for (i, row) in rows.iter().enumerate() {
                        if let Value::Object(o) = row {
                            flat(fs, &format!("{name}.{i}."), o, out);
                        }
                    }
                }
                (Input::Lines, Value::Array(items)) => {
                    let text: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    out.push((name, text.join("\n")));
                }
                (_, Value::Array(items)) => {
                    out.extend(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|s| (name.clone(), s.to_owned())),
                    );
                }
                (Input::DateTime, Value::String(t)) => {
                    let local = chrono::DateTime::parse_from_rfc3339(t)
                        .map(|t| {
                            t.with_timezone(&jst::JST)
                                .format("%Y-%m-%dT%H:%M")
                                .to_string()
                        })
                        .unwrap_or_else(|_| t.clone());
                    out.push((name, local));
                }
                (_, Value::String(t)) => out.push((name, t.clone())),
                (_, Value::Bool(b)) => out.push((name, b.to_string())),
                (_, Value::Number(n)) => out.push((name, n.to_string())),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    flat(&form.fields, "", json, &mut out);
    out
}

/// `GET /ui/recorded/{event_id}?n=`: what a confirmation recorded.
pub async fn recorded(
    State(state): State<AppState>,
    AdminSession(s): AdminSession,
    Path(event_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let id = Uuid::parse_str(&event_id)
        .map_err(|_| Error::bad_param("event_id", format!("{event_id:?} is not a UUID")))?;
    let pairs = pairs_of(query.unwrap_or_default().as_bytes())?;
    let n: u64 = value_of(&pairs, "n")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .clamp(1, 50);
    let Some(first) = state.store().get_by_id(id).await? else {
        return Err(Error::NotFound(format!("no event {id}")));
    };
    let stored = state
        .store()
        .read_range(first.seq, first.seq + n - 1)
        .await?;
    let mut events = Vec::new();
    for e in &stored {
        events.push(e.event().map_err(Error::internal)?);
    }
    let l = s.lang;
    let committed: Vec<Committed> = events
        .iter()
        .zip(&stored)
        .map(|(e, st)| Committed {
            seq: e.seq,
            id: e.id,
            stream: e.stream.clone(),
            version: e.version,
            event_type: e.event_type.clone(),
            hash: st.hash,
        })
        .collect();
    let record = state
        .ledger()
        .read(|st| RecordRef::of(&committed, st))
        .map(|r| (r.kind, r.id.unwrap_or_default()));
    let title = l.t("記録しました", "Recorded");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            @if let Some((kind, rid)) = &record {
                p.recorded #record data-kind=(kind) data-id=(rid) {
                    (l.t("記録: ", "Record: ")) strong { (rid) } " " span.hint { "(" (kind) ")" }
                }
            }
            table #recorded-events {
                thead { tr {
                    th scope="col" { "seq" }
                    th scope="col" { (l.t("種類", "Type")) }
                    th scope="col" { (l.t("根拠", "Basis")) }
                    th scope="col" { (l.t("決定者", "Actor")) }
                    th scope="col" { (l.t("代理", "Acting for")) }
                    th scope="col" { (l.t("効力発生", "Effective")) }
                } }
                tbody { @for e in &events {
                    tr data-seq=(e.seq) {
                        td { a href={"/ui/events/" (e.seq)} { (e.seq) } }
                        td { (super::labels::event_type(l, &e.event_type)) br; span.hint { (e.event_type) } }
                        td { (e.meta.basis) }
                        td { (e.meta.actor) }
                        td { (e.meta.acting_for.as_deref().unwrap_or("—")) }
                        td { (era::iso(&e.effective_at)) " " span.era lang="ja" { (era::japanese(era::jst_date(&e.effective_at)).unwrap_or_default()) } }
                    }
                } }
            }
            p {
                a href="/ui/todo" { (l.t("やることリストへ", "Back to my to-do list")) }
                " · "
                a href="/ui/decide" { (l.t("別の決定を記録する", "Record another decision")) }
                " · "
                a href="/ui/timeline" { (l.t("記録の一覧", "Timeline")) }
            }
        },
    ))
}

// --- rendering -------------------------------------------------------------------------------

fn render_form(state: &AppState, s: &Session, form: &Form, shown: &Shown) -> Response {
    let l = s.lang;
    let at = moment_of(shown.date);
    let choices = state
        .ledger()
        .read(|st| options::for_form(&st.lens(at, None), form));
    let title = labels::kind(l, &form.kind);
    let error_field = match &shown.problem {
        Some(Problem::Field(e)) => Some(e.field.as_str()),
        _ => None,
    };
    let action = format!("/ui/decide/{}", form.kind);
    page(
        s,
        &title,
        html! {
            h1 { (title) " " span.hint { (form.kind) } }
            @if let Some(p) = &shown.problem { (problem_html(l, p)) }
            (spec_html(l, &form.kind))
            form.decision #decision method="post" action=(action) novalidate {
                input type="hidden" name=(csrf::FIELD) value=(s.csrf);
                input type="hidden" name="event_id" value=(shown.event_id);
                div.field {
                    label for="f-effective_date" { (l.t("決定の日付（効力発生日、日本時間）", "Date of the decision (takes effect, JST)")) }
                    input #f-effective_date type="date" name=(DATE) value=(shown.date.format("%Y-%m-%d").to_string()) required;
                    span.era lang="ja" { (era::japanese(shown.date).unwrap_or_default()) }
                    button.secondary type="submit" name="step" value="refresh" formnovalidate {
                        (l.t("この日付の選択肢にする", "Use this date's choices"))
                    }
                    p.hint { (l.t("今日の日付なら記録した時刻に効力を生じます。", "Today's date takes effect when recorded.")) }
                }
                @for f in &form.fields {
                    (field_html(l, f, "", &shown.pairs, &choices, error_field))
                }
                button type="submit" name="step" value="preview" { (l.t("確認する（まだ記録しません）", "Check (nothing is recorded yet)")) }
            }
        },
    )
}

/// What the regulation says of this kind of decision: its articles (quoted), who may take it,
/// and what must hold, in the order the rules check it ([`rules::CommandSpec`]).
fn spec_html(l: Lang, kind: &str) -> Markup {
    let Some(spec) = rules::CommandKind::parse(kind).map(|k| k.spec()) else {
        return html! {};
    };
    let rl: rules::Lang = l.into();
    html! {
        section.spec #spec {
            p { strong { (l.t("決定できる者: ", "Who may decide: ")) } (spec.who.get(rl)) }
            details {
                summary { (l.t("根拠条項と要件", "Articles and preconditions")) }
                @for a in spec.articles {
                    @for p in a.provisions() {
                        @if !p.text.is_empty() { blockquote.article-text lang="ja" { strong { (p.cite) } " " (p.text) } }
                    }
                }
                ol.preconditions {
                    @for c in spec.preconditions { li { (c.get(rl)) } }
                }
            }
        }
    }
}

fn problem_html(l: Lang, p: &Problem) -> Markup {
    match p {
        Problem::Refused(r) => {
            let provisions = articles::find(r.article).unwrap_or_default();
            html! {
                section.refusal #refusal role="alert" data-rule=(r.rule) data-article=(r.article) {
                    h2 { (l.t("記録できません", "This cannot be recorded")) }
                    p.message { (r.message.get(l.into())) }
                    dl {
                        dt { (l.t("妨げている規定", "The provision in the way")) }
                        dd.article { (r.article) }
                        dt { (l.t("規則", "Rule")) }
                        dd.rule { code { (r.rule) } }
                    }
                    @for a in provisions {
                        @if !a.text.is_empty() {
                            blockquote.article-text lang="ja" cite="#" { strong { (a.cite) } " " (a.text) }
                        }
                    }
                    p.hint { (l.t("何も記録されていません。内容を直して、もう一度確認してください。",
                        "Nothing was recorded. Correct the form and check it again.")) }
                }
            }
        }
        Problem::Field(e) => html! {
            section.refusal #refusal role="alert" data-field=(e.field) {
                h2 { (l.t("入力を確認してください", "Please check the form")) }
                p.message { (labels::member(l, e.field.rsplit('.').next().unwrap_or(&e.field))) " (" code { (e.field) } "): " (pick(l, &e.ja, &e.en)) }
            }
        },
        Problem::Other(m) => html! {
            section.refusal #refusal role="alert" { p.message { (m) } }
        },
    }
}

/// [`Lang::t`] for texts made at run time.
fn pick<'a>(l: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match l {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn all_values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn field_html(
    l: Lang,
    f: &Field,
    prefix: &str,
    pairs: &[(String, String)],
    choices: &BTreeMap<RefKind, Vec<Choice>>,
    error_field: Option<&str>,
) -> Markup {
    let name = format!("{prefix}{}", f.name);
    let id = format!("f-{}", name.replace('.', "-"));
    let label = labels::member(l, &f.name);
    let current = value_of(pairs, &name).unwrap_or("");
    let invalid = error_field == Some(name.as_str());
    let required = f.required;
    let mark = html! {
        @if required { " " span.required aria-hidden="true" { "*" } }
    };
    let hint = html! { @if let Some(d) = &f.doc { p.hint { (d) } } };
    match &f.input {
        Input::Bool => html! {
            div.field.check {
                input #(id) type="checkbox" name=(name) value="true" checked[matches!(current, "true" | "on")];
                label for=(id) { (label) }
                (hint)
            }
        },
        Input::LongText => html! {
            div.field {
                label for=(id) { (label) (mark) }
                textarea #(id) name=(name) rows="3" required[required] aria-invalid=[invalid.then_some("true")] { (current) }
                (hint)
            }
        },
        Input::Lines => {
            let text = all_values(pairs, &name).join("\n");
            html! {
                div.field {
                    label for=(id) { (label) (mark) }
                    textarea #(id) name=(name) rows="3" aria-invalid=[invalid.then_some("true")] { (text) }
                    (hint)
                }
            }
        }
        Input::Choice(values) => html! {
            div.field {
                label for=(id) { (label) (mark) }
                select #(id) name=(name) required[required] aria-invalid=[invalid.then_some("true")] {
                    @if !required { option value="" { "—" } }
                    @for v in values {
                        option value=(v) selected[current == v] { (labels::value(l, v)) " (" (v) ")" }
                    }
                }
                (hint)
            }
        },
        Input::Ref(kind) => {
            let list = choices.get(kind).map(Vec::as_slice).unwrap_or_default();
            let known = current.is_empty() || list.iter().any(|c| c.id == current);
            html! {
                div.field {
                    label for=(id) { (label) (mark) }
                    input.filter type="search" data-for=(id) hidden aria-label=(format!("{label}: {}", l.t("絞り込み", "filter")))
                        placeholder=(l.t("名前やIDで絞り込み", "Filter by name or id"));
                    select #(id) name=(name) required[required] aria-invalid=[invalid.then_some("true")] data-ref=(ref_code(*kind)) {
                        option value="" { "—" }
                        @if !known {
                            option value=(current) selected { (current) " " (l.t("（この日付では無効）", "(not valid at this date)")) }
                        }
                        @for c in list {
                            option value=(c.id) selected[c.id == current] { (c.label) " — " (c.id) }
                        }
                    }
                    (hint)
                }
            }
        }
        Input::Refs(kind) => refs_html(
            l, &name, &id, &label, mark, hint, *kind, pairs, choices, invalid,
        ),
        Input::Tagged(variants) => {
            let chosen = value_of(pairs, &format!("{name}.kind")).unwrap_or("");
            html! {
                fieldset.field.tagged #(id) {
                    legend { (label) (mark) }
                    @for (i, (tag, fs)) in variants.iter().enumerate() {
                        @let rid = format!("{id}-kind-{i}");
                        div.variant {
                            input #(rid) type="radio" name={(name) ".kind"} value=(tag) checked[chosen == tag || (chosen.is_empty() && i == 0)];
                            label for=(rid) { (labels::value(l, tag)) }
                            @for sub in fs { (field_html(l, sub, &format!("{name}."), pairs, choices, error_field)) }
                        }
                    }
                }
            }
        }
        Input::Rows(cols) => html! {
            fieldset.field.rows #(id) {
                legend { (label) (mark) }
                @for i in 0..fields::ROWS {
                    div.row {
                        @for c in cols { (field_html(l, c, &format!("{name}.{i}."), pairs, choices, error_field)) }
                    }
                }
            }
        },
        Input::Text | Input::Integer | Input::Date | Input::DateTime | Input::Uuid => {
            let ty = match f.input {
                Input::Integer => "number",
                Input::Date => "date",
                Input::DateTime => "datetime-local",
                _ => "text",
            };
            let era_of = (f.input == Input::Date)
                .then(|| NaiveDate::parse_from_str(current, "%Y-%m-%d").ok())
                .flatten()
                .and_then(era::japanese);
            html! {
                div.field {
                    label for=(id) { (label) (mark) }
                    input #(id) type=(ty) name=(name) value=(current) required[required] aria-invalid=[invalid.then_some("true")] min=[(ty == "number").then_some("0")];
                    @if let Some(e) = era_of { span.era lang="ja" { (e) } }
                    (hint)
                }
            }
        }
    }
}

/// Every string in `v`, for looking names up.
fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(x) if x.len() <= 64 => out.push(x.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Object(m) => m.values().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

/// What an event will record, member by member, ids with their names.
fn content_html(l: Lang, data: &Value, names: &BTreeMap<String, String>) -> Markup {
    fn value(l: Lang, v: &Value, names: &BTreeMap<String, String>) -> Markup {
        match v {
            Value::String(x) => html! {
                (x) @if let Some(n) = names.get(x) { " " span.hint { "(" (n) ")" } }
            },
            Value::Bool(b) => html! { (if *b { l.t("はい", "yes") } else { l.t("いいえ", "no") }) },
            Value::Null => html! { "—" },
            Value::Array(items) => html! {
                ul { @for i in items { li { (value(l, i, names)) } } }
            },
            Value::Object(_) => content_html(l, v, names),
            other => html! { (other.to_string()) },
        }
    }
    let Value::Object(m) = data else {
        return value(l, data, names);
    };
    html! {
        dl.content {
            @for (k, v) in m {
                dt { (labels::member(l, k)) }
                dd { (value(l, v, names)) }
            }
        }
    }
}

/// A list of records (assets, members) as checkboxes by name, with a filter box.
#[allow(clippy::too_many_arguments)]
fn refs_html(
    l: Lang,
    name: &str,
    id: &str,
    label: &str,
    mark: Markup,
    hint: Markup,
    kind: RefKind,
    pairs: &[(String, String)],
    choices: &BTreeMap<RefKind, Vec<Choice>>,
    invalid: bool,
) -> Markup {
    let list = choices.get(&kind).map(Vec::as_slice).unwrap_or_default();
    let chosen = all_values(pairs, name);
    html! {
        fieldset.field.refs #(id) aria-invalid=[invalid.then_some("true")] data-ref=(ref_code(kind)) {
            legend { (label) (mark) }
            input.filter type="search" data-for=(id) hidden aria-label=(format!("{label}: {}", l.t("絞り込み", "filter")))
                placeholder=(l.t("名前やIDで絞り込み", "Filter by name or id"));
            div.choices {
                @for (i, c) in list.iter().enumerate() {
                    @let cid = format!("{id}-{i}");
                    div.choice {
                        input #(cid) type="checkbox" name=(name) value=(c.id) checked[chosen.contains(&c.id.as_str())];
                        label for=(cid) { (c.label) " — " (c.id) }
                    }
                }
                @for v in chosen.iter().filter(|v| !list.iter().any(|c| c.id == **v)) {
                    div.choice {
                        input type="checkbox" name=(name) value=(v) checked aria-label=(v);
                        (v) " " (l.t("（この日付では無効）", "(not valid at this date)"))
                    }
                }
            }
            (hint)
        }
    }
}

fn ref_code(k: RefKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn render_preview(
    state: &AppState,
    s: &Session,
    form: &Form,
    body: &Map<String, Value>,
    parsed: &CommandBody,
    events: &[Proposed],
) -> Response {
    let l = s.lang;
    let actor = s.caller.person.as_str();
    // The events' data as they will be recorded (a payload the rules built always encodes).
    let datas: Vec<Value> = events
        .iter()
        .map(|e| e.payload.to_data().unwrap_or_default())
        .collect();
    let (actor_name, posts, names): (String, BTreeMap<String, String>, BTreeMap<String, String>) =
        state.ledger().read(|st| {
            let lens = st.lens(parsed.effective_at, None);
            let name = lens
                .person(actor)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let posts = events
                .iter()
                .filter_map(|e| e.acting_for.as_deref())
                .filter_map(|p| lens.post(p).map(|x| (p.to_owned(), x.title.clone())))
                .collect();
            // The names of the ids the events hold (persons, posts, units, assets).
            let mut names = BTreeMap::new();
            let mut ids = Vec::new();
            for data in &datas {
                collect_strings(data, &mut ids);
            }
            for id in ids {
                let known = lens
                    .person(&id)
                    .map(|p| p.name.clone())
                    .or_else(|| lens.post(&id).map(|p| p.title.clone()))
                    .or_else(|| lens.unit(&id).map(|u| u.name.clone()))
                    .or_else(|| lens.asset(&id).map(|a| a.name.clone()));
                if let Some(n) = known {
                    names.insert(id, n);
                }
            }
            (name, posts, names)
        });
    let title = format!("{} — {}", labels::kind(l, &form.kind), l.t("確認", "check"));
    let body_json = Value::Object(body.clone()).to_string();
    let edit_link = {
        let mut pairs = to_pairs(form, body);
        pairs.push((
            DATE.into(),
            parsed
                .effective_at
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
        ));
        format!(
            "/ui/decide/{}?{}",
            form.kind,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    page(
        s,
        &title,
        html! {
            h1 { (title) }
            p.ok role="status" { (l.t("規則に照らして記録できます。次の記録が作られます（まだ記録されていません）。",
                "The rules accept this decision. These events will be recorded (nothing is recorded yet).")) }
            table #preview-events {
                thead { tr {
                    th scope="col" { (l.t("種類", "Type")) }
                    th scope="col" { (l.t("内容", "Content")) }
                    th scope="col" { (l.t("根拠条項", "Basis")) }
                    th scope="col" { (l.t("決定者", "Actor")) }
                    th scope="col" { (l.t("代理", "Acting for")) }
                } }
                tbody { @for (e, data) in events.iter().zip(&datas) {
                    tr data-type=(e.event_type()) {
                        td { (super::labels::event_type(l, e.event_type())) br; span.hint { (e.event_type()) } }
                        td { (content_html(l, data, &names)) }
                        td {
                            strong { (e.basis) }
                            @for a in articles::find(&e.basis).unwrap_or_default() {
                                @if !a.text.is_empty() { blockquote.article-text lang="ja" { (a.text) } }
                            }
                        }
                        td { (actor_name) " " span.hint { "(" (actor) ")" } }
                        td { @match e.acting_for.as_deref() {
                            Some(p) => { (posts.get(p).map(String::as_str).unwrap_or(p)) " " span.hint { "(" (p) ")" } },
                            None => "—",
                        } }
                    }
                } }
            }
            p { (l.t("効力発生: ", "Takes effect: ")) (era::iso(&parsed.effective_at)) " "
                span.era lang="ja" { (era::japanese(parsed.effective_at.date_naive()).unwrap_or_default()) }
                @if parsed.effective_at_defaulted { " " span.hint { (l.t("（記録した時刻）", "(when recorded)")) } }
            }
            form #confirm method="post" action={"/ui/decide/" (form.kind) "/confirm"} {
                input type="hidden" name=(csrf::FIELD) value=(s.csrf);
                input type="hidden" name=(BODY) value=(body_json);
                button #confirm-button type="submit" { (l.t("この内容で記録する", "Record this decision")) }
                " "
                a href=(edit_link) { (l.t("戻って直す", "Back to the form")) }
            }
        },
    )
}

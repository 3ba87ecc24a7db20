//! The timeline (events with filters, a page at a time) and one event as stored.

use super::*;
use crate::http::events;

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

/// Events with filters, a page at a time by seq cursor (the events `GET /v1/events` answers).
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
    let read = events::query_events(&state, filter).await?;
    let next = read.next;
    let list = read
        .events
        .iter()
        .map(|stored| Ok((stored.hash.to_hex(), events::decoded(stored)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let names = state
        .ledger()
        .read(|st| Names::default().persons(st, list.iter().map(|(_, e)| e.meta.actor.as_str())));
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
                tbody { @for (hash, e) in &list {
                    @let seq = e.seq;
                    tr.event data-type=(e.event_type) {
                        td { (seq_link(seq)) }
                        td { (date(&e.effective_at)) }
                        td title=(e.event_type) { (labels::event_type(l, &e.event_type)) }
                        td { (who("", &names, &e.meta.actor)) }
                        td { (e.meta.basis) }
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
    let stored = events::event_by_key(&state, &seq.to_string()).await?;
    let e = events::decoded(&stored)?;
    let l = s.lang;
    let actor = e.meta.actor.as_str();
    let event_type = e.event_type.as_str();
    let names = state
        .ledger()
        .read(|st| Names::default().persons(st, [actor]));
    // The event as `GET /v1/events/{seq}` answers it.
    let pretty =
        serde_json::to_string_pretty(&events::EventView::of(&stored)?).map_err(Error::internal)?;
    let title = format!("{} #{seq}", l.t("記録", "Event"));
    Ok(page(
        &s,
        &title,
        html! {
            h1 { (title) " " (labels::event_type(l, event_type)) }
            dl.facts {
                dt { (l.t("種別", "Type")) } dd { (labels::event_type(l, event_type)) " " span.hint { code { (event_type) } } }
                dt { (l.t("決定者", "Actor")) } dd { (who("", &names, actor)) }
                dt { (l.t("根拠", "Basis")) } dd { (e.meta.basis) }
                dt { (l.t("効力発生", "Effective")) } dd { (date(&e.effective_at)) }
                dt { (l.t("記録日時", "Recorded")) } dd { (moment(&e.recorded_at.fixed_offset())) }
                dt { (l.t("ハッシュ", "Hash")) } dd.hash { (stored.hash.to_hex()) }
                dt { (l.t("直前のハッシュ", "Previous hash")) } dd.hash { (e.prev.to_hex()) }
            }
            p { a href={"/ui/proof/" (seq)} { (l.t("包含証明", "Inclusion proof")) } " · " a href={"/ui/proof/" (seq) "/json"} { "JSON" } }
            pre { (pretty) }
        },
    ))
}

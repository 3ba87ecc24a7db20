//! Audit findings, the chain's verification and the latest checkpoint.

use super::*;
use crate::http::events;

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
    let verify = events::verification(&state).await?;
    let checkpoint = state.store().checkpoint(None).await?;
    let l = s.lang;
    let ok = verify.ok;
    let title = l.t("監査所見と検証", "Audit findings and verification");
    Ok(page(
        &s,
        title,
        html! {
            h1 { (title) }
            h2 { (l.t("ハッシュチェーンの検証", "Chain verification")) }
            p #chain-status {
                @if ok { span.badge.ok { (l.t("正常", "OK")) } } @else { span.badge.bad { (l.t("破損あり", "BROKEN")) } }
                " " (verify.verified) (l.t(" 件を検証（seq ", " events verified (seq ")) "1.." (verify.verified_to) ")"
                (l.t("、検証時刻 ", ", at "))
                @match chrono::DateTime::parse_from_rfc3339(&verify.verified_at).ok() {
                    Some(t) => { (moment(&t)) }
                    None => { "—" }
                }
            }
            @if !ok { pre.error { (verify.first_break.as_ref().map_or_else(|| "null".to_owned(), Value::to_string)) } }
            form #verify-form method="post" action="/ui/verify" {
                input type="hidden" name=(crate::web::csrf::FIELD) value=(s.csrf);
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
    crate::web::csrf::require(&s, &body)?;
    state.forget_verification().await;
    Ok(Redirect::to("/ui/audit").into_response())
}

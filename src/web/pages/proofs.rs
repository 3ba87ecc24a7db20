//! One event's inclusion proof at the head, as HTML and as JSON.

use super::*;
use crate::http::proofs;

/// The inclusion proof of one event at the head (`GET /v1/proof/inclusion?seq=N`).
pub async fn proof(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(seq): Path<u64>,
) -> Result<Response, Error> {
    let p = proofs::inclusion_at(&state, seq, None).await?;
    let l = s.lang;
    // Through a JSON value, as the downloaded proof and `/v1` answer it.
    let p = serde_json::to_value(&p).map_err(Error::internal)?;
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
    let scheme = if crate::web::came_over_https(headers) {
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
    Ok(axum::Json(proofs::inclusion_at(&state, seq, None).await?).into_response())
}

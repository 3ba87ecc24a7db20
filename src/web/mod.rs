//! The auditors' web view: server-rendered HTML pages over the same projections as the JSON
//! views, in Japanese and English, read-only, behind the same tokens.
//!
//! Pages are [`maud`] functions (compile-time checked, escaped by default, no template files
//! to keep in step with the structs they show). A session is the cookie `govledger_session`
//! holding the auditor's (or admin's) bearer token, checked with [`tokens::authenticate`] on
//! every request, so a revoked token ends its sessions at once. The cookie is `HttpOnly;
//! SameSite=Strict; Path=/ui`, and `Secure` when the request came through a TLS-terminating
//! proxy that says so (`X-Forwarded-Proto: https`): the server itself speaks plain HTTP and
//! leaves TLS to the reverse proxy, like the rest of the API. `SameSite=Strict` is also what
//! keeps the two POST forms (log out, verify now) from being driven by another site.
//!
//! Tokens never travel in URLs. For a browser that cannot fill a form (headless Chromium in
//! the tests, a link sent to a colleague's machine) a bearer-token holder may ask
//! `POST /ui/login-codes` for a login code: random, single use, valid for 60 seconds,
//! exchanged at `GET /ui/login?code=…` for the session cookie.
//!
//! Every secret presented here — the form's token, a login code, the bearer token of
//! `POST /ui/login-codes`, a session cookie — counts against the API's failed-authentication
//! limiter ([`crate::http::auth::FailedAuthLimiter`]): one allowance per client address, however
//! the secret arrives, and while it is used up the web view answers 429 like the API.

mod csrf;
mod decide;
pub mod era;
mod labels;
mod pages;
mod todo;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

use crate::http::tokens::{self, Caller};
use crate::http::{AppState, Error};

/// The session cookie: the bearer token itself (see the module documentation).
pub const SESSION_COOKIE: &str = "govledger_session";
/// How long a login code may wait to be exchanged.
pub const LOGIN_CODE_TTL: Duration = Duration::from_secs(60);
/// At most this many unexchanged codes are kept; the oldest go first.
const MAX_LOGIN_CODES: usize = 1000;

const STYLE_CSS: &str = include_str!("style.css");
const APP_JS: &str = include_str!("app.js");

/// The web view's routes, merged with the API's by [`crate::server::app`].
pub fn router() -> Router<AppState> {
    Router::new()
        // The URL `demo --serve` prints opens the web view.
        .route("/", get(|| async { Redirect::to("/ui/organisation") }))
        .route("/ui", get(|| async { Redirect::to("/ui/organisation") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/organisation") }))
        .route("/ui/login", get(login_form).post(login))
        .route("/ui/logout", post(logout))
        .route("/ui/login-codes", post(issue_login_code))
        .route("/ui/lang/{lang}", get(set_lang))
        .route(
            "/ui/static/style.css",
            get(|| async { asset(STYLE_CSS, "text/css") }),
        )
        .route(
            "/ui/static/app.js",
            get(|| async { asset(APP_JS, "text/javascript") }),
        )
        .route("/ui/organisation", get(pages::organisation))
        .route("/ui/assets", get(pages::assets))
        .route("/ui/assets/{id}", get(pages::asset))
        .route("/ui/persons/{id}", get(pages::person))
        .route("/ui/timeline", get(pages::timeline))
        .route("/ui/events/{seq}", get(pages::event))
        .route("/ui/proof/{seq}", get(pages::proof))
        .route("/ui/proof/{seq}/json", get(pages::proof_json))
        .route("/ui/workflows", get(pages::workflows))
        .route("/ui/audit", get(pages::audit))
        .route("/ui/verify", post(pages::verify_now))
        .route("/ui/todo", get(todo::page))
        .route("/ui/decide", get(decide::index))
        .route("/ui/decide/{kind}", get(decide::show).post(decide::preview))
        .route("/ui/decide/{kind}/confirm", post(decide::confirm))
        .route("/ui/recorded/{event_id}", get(decide::recorded))
        .layer(Extension(LoginCodes::default()))
        .layer(axum::middleware::from_fn(html_layer))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Security headers on every page, and errors shown as a page rather than problem+json.
async fn html_layer(lang: Lang, req: Request, next: Next) -> Response {
    // Scripts asking for a login code get problem documents like the rest of the API.
    let for_scripts = req.uri().path() == "/ui/login-codes";
    let mut res = next.run(req).await;
    if !for_scripts && let Some(p) = crate::http::error::take_problem(&mut res, lang.into()) {
        let status = res.status();
        let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
        let body = layout(
            lang,
            None,
            &p.title,
            html! {
                h1 { (p.title) }
                p.error role="alert" { (p.detail.clone().unwrap_or_default()) }
                p { a href="/ui/organisation" { (lang.t("組織図へ戻る", "Back to the organisation")) } }
            },
        );
        res = (status, body).into_response();
        if let Some(v) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    let h = res.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The page language: `?lang=` first, then the `lang` cookie, then the browser's
/// `Accept-Language` (Japanese or English), else Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    fn parse(s: &str) -> Option<Lang> {
        match s {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The label in this language.
    pub fn t(self, ja: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    fn of(parts: &Parts) -> Lang {
        let from_query = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Lang::parse(&v))
        });
        from_query
            .or_else(|| cookie(&parts.headers, "lang").and_then(|v| Lang::parse(&v)))
            .unwrap_or_else(|| Lang::accepted(&parts.headers))
    }

    /// The browser's preference (`Accept-Language`), read as the API reads it
    /// ([`crate::http::error::preferred_lang`]: Japanese unless English is preferred).
    fn accepted(headers: &HeaderMap) -> Lang {
        match crate::http::error::preferred_lang(headers) {
            crate::rules::Lang::Ja => Lang::Ja,
            crate::rules::Lang::En => Lang::En,
        }
    }
}

impl From<Lang> for crate::rules::Lang {
    fn from(l: Lang) -> crate::rules::Lang {
        match l {
            Lang::Ja => crate::rules::Lang::Ja,
            Lang::En => crate::rules::Lang::En,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of(parts))
    }
}

/// The client's address, which the failed-authentication limiter keys on.
#[derive(Debug, Clone, Copy)]
pub struct Client(Option<IpAddr>);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(state.client_ip(&parts.headers, &parts.extensions)))
    }
}

/// A logged-in browser: who it is, its language, and the page it asked for.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    /// This session's CSRF token (see `csrf`), for the forms that write.
    pub csrf: String,
    /// The caller's name as the ledger records it now (None for a person it does not know,
    /// such as a token issued before its person was registered).
    pub name: Option<String>,
    pub lang: Lang,
    /// Path and query of this request (for the language switch's way back).
    pub here: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::of(parts);
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        // Back to this page once logged in (only GET pages; a form is not re-sent).
        let to_login = if parts.method == axum::http::Method::GET {
            format!(
                "/ui/login?{}",
                serde_urlencoded::to_string([("next", &here)]).unwrap_or_default()
            )
        } else {
            "/ui/login".to_owned()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to(&to_login).into_response());
        };
        let client = state.client_ip(&parts.headers, &parts.extensions);
        state
            .failed_auth()
            .admit(client)
            .map_err(IntoResponse::into_response)?;
        match tokens::authenticate(state.store(), &token).await {
            Ok(Ok(caller)) => {
                let name = state
                    .ledger()
                    .read(|st| st.person(&caller.person).map(|p| p.name.clone()));
                let csrf = csrf::token(state.csrf_key(), &caller.token_id);
                Ok(Session {
                    caller,
                    csrf,
                    name,
                    lang,
                    here,
                })
            }
            // A revoked or unknown token: back to the login form, forgetting the cookie. It
            // counts as a failed authentication: a cookie is a token presented another way.
            Ok(Err(_)) => Err({
                state.failed_auth().record_failure(client, Instant::now());
                (
                    [(header::SET_COOKIE, clear_session_cookie())],
                    Redirect::to(&to_login),
                )
                    .into_response()
            }),
            Err(e) => Err(Error::from(e).into_response()),
        }
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Session as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// The value of cookie `name`, if the request has it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// True when a proxy in front of us says the browser spoke HTTPS.
fn came_over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/ui{secure}")
}

fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=0")
}

/// Unexchanged login codes: code → (token, issued at).
#[derive(Debug, Clone, Default)]
struct LoginCodes(Arc<Mutex<HashMap<String, (String, Instant)>>>);

impl LoginCodes {
    fn issue(&self, token: &str) -> Result<String, Error> {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).map_err(|e| Error::internal(e.to_string()))?;
        let code = hex::encode(buf);
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, at)| at.elapsed() < LOGIN_CODE_TTL);
        if map.len() >= MAX_LOGIN_CODES
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(code.clone(), (token.to_owned(), Instant::now()));
        Ok(code)
    }

    /// The token behind `code`, once, within [`LOGIN_CODE_TTL`].
    fn redeem(&self, code: &str) -> Option<String> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (token, at) = map.remove(code)?;
        (at.elapsed() < LOGIN_CODE_TTL).then_some(token)
    }
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    code: Option<String>,
    /// The `/ui/` page to show once logged in.
    next: Option<String>,
}

/// The page a browser is sent to when no (good) page is named.
const HOME: &str = "/ui/organisation";

/// Whether `path` names a page of this site's web view, fit to send as a `Location` as it is:
/// it starts with `/ui/`, holds only visible ASCII (no control character, space or raw
/// non-ASCII: a browser sends a page's address percent-encoded), no `//` or `\` (which a
/// browser may read as another host), and no `.`/`..` segment climbing out of `/ui/`.
fn is_ui_page(path: &str) -> bool {
    let before_query = path.split(['?', '#']).next().unwrap_or(path);
    path.starts_with("/ui/")
        && path.bytes().all(|b| b.is_ascii_graphic())
        && !path.contains("//")
        && !path.contains('\\')
        && !before_query.split('/').any(|seg| seg == "." || seg == "..")
}

/// `back` if it is a page of the web view (see [`is_ui_page`]), else the home page.
fn ui_path(back: Option<String>) -> String {
    back.filter(|b| is_ui_page(b))
        .unwrap_or_else(|| HOME.to_owned())
}

async fn login_form(
    State(state): State<AppState>,
    Extension(codes): Extension<LoginCodes>,
    Client(client): Client,
    lang: Lang,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    if let Some(code) = q.code {
        if let Err(e) = state.failed_auth().admit(client) {
            return e.into_response();
        }
        match codes.redeem(&code) {
            Some(token) => {
                if matches!(tokens::authenticate(state.store(), &token).await, Ok(Ok(_))) {
                    return logged_in(&token, &headers, &ui_path(q.next));
                }
            }
            // A code is a secret too: a wrong one is a failed authentication.
            None => state.failed_auth().record_failure(client, Instant::now()),
        }
        return login_page(
            lang,
            StatusCode::UNAUTHORIZED,
            Some(lang.t(
                "ログインコードが無効か期限切れです。",
                "The login code is invalid or has expired.",
            )),
            None,
        );
    }
    login_page(lang, StatusCode::OK, None, q.next.as_deref())
}

fn logged_in(token: &str, headers: &HeaderMap, to: &str) -> Response {
    (
        [(
            header::SET_COOKIE,
            session_cookie(token, came_over_https(headers)),
        )],
        Redirect::to(to),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    token: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    lang: Lang,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (token, next) = serde_urlencoded::from_bytes::<LoginForm>(&body)
        .map(|f| (f.token.trim().to_owned(), f.next))
        .unwrap_or_default();
    let limiter = state.failed_auth();
    // Asked before the token is checked, so a blocked guesser learns nothing, right or wrong.
    if let Err(e) = limiter.admit(client) {
        return e.into_response();
    }
    match tokens::authenticate(state.store(), &token).await {
        Ok(Ok(_)) => logged_in(&token, &headers, &ui_path(next)),
        Ok(Err(_)) => {
            // An empty form is no guess; a presented token that fails is.
            if !token.is_empty() {
                limiter.record_failure(client, Instant::now());
            }
            login_page(
                lang,
                StatusCode::UNAUTHORIZED,
                Some(lang.t(
                    "トークンが正しくないか、失効しています。",
                    "The token is wrong or has been revoked.",
                )),
                next.as_deref(),
            )
        }
        Err(e) => Error::from(e).into_response(),
    }
}

/// Log out: forget the session cookie. The form carries the CSRF token like every form; a
/// browser whose session is already gone is simply sent to the login form.
async fn logout(session: Option<Session>, body: axum::body::Bytes) -> Response {
    if let Some(s) = &session
        && let Err(e) = csrf::require(s, &body)
    {
        return e.into_response();
    }
    (
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/ui/login"),
    )
        .into_response()
}

/// `POST /ui/login-codes` with `Authorization: Bearer …`: a one-time login code for a browser.
async fn issue_login_code(
    State(state): State<AppState>,
    Extension(codes): Extension<LoginCodes>,
    Client(client): Client,
    headers: HeaderMap,
) -> Result<Response, Error> {
    if !headers.contains_key(header::AUTHORIZATION) {
        return Err(Error::Unauthorized("a bearer token is required"));
    }
    let limiter = state.failed_auth();
    limiter.admit(client)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(token) = token else {
        limiter.record_failure(client, Instant::now());
        return Err(Error::Unauthorized(
            "the Authorization header must read `Bearer <token>`",
        ));
    };
    match tokens::authenticate(state.store(), &token).await? {
        Ok(_) => {}
        Err(_) => {
            limiter.record_failure(client, Instant::now());
            return Err(Error::Unauthorized("unknown or revoked token"));
        }
    }
    let code = codes.issue(&token)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "code": code,
            "login_path": format!("/ui/login?code={code}"),
            "expires_in_s": LOGIN_CODE_TTL.as_secs(),
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    back: Option<String>,
}

/// Sets the `lang` cookie and returns to the page (only ever a `/ui/` page of this site; any
/// other `back` is a 400).
async fn set_lang(
    axum::extract::Path(lang): axum::extract::Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, Error> {
    let lang = Lang::parse(&lang).unwrap_or(Lang::Ja);
    let back = match q.back {
        None => HOME.to_owned(),
        Some(b) if is_ui_page(&b) => b,
        Some(_) => {
            return Err(Error::bad_param(
                "back",
                "must be a page of this web view: a path starting with /ui/, in visible ASCII \
                 (percent-encoded), without // or \\ or . or .. segments",
            ));
        }
    };
    Ok((
        [(
            header::SET_COOKIE,
            format!(
                "lang={}; SameSite=Strict; Path=/ui; Max-Age=31536000",
                lang.code()
            ),
        )],
        Redirect::to(&back),
    )
        .into_response())
}

fn login_page(lang: Lang, status: StatusCode, error: Option<&str>, next: Option<&str>) -> Response {
    let body = layout(
        lang,
        None,
        lang.t("ログイン", "Log in"),
        html! {
            h1 { (lang.t("govledger 監査ビュー", "govledger auditor view")) }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form.login method="post" action="/ui/login" {
                label for="token" { (lang.t("監査人（または管理者）トークン", "Auditor (or admin) token")) }
                input #token type="password" name="token" required autocomplete="off" placeholder="glt_…";
                @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                button type="submit" { (lang.t("ログイン", "Log in")) }
            }
            p.hint { (lang.t(
                "トークンはブラウザのクッキー（HttpOnly、このサイトの /ui のみ）に保存されます。",
                "The token is kept in a cookie (HttpOnly, sent only to this site's /ui pages)."
            )) }
        },
    );
    (status, body).into_response()
}

/// The admin workspace's pages, shown to admin sessions only.
const ADMIN_NAV: [(&str, &str, &str); 2] = [
    ("/ui/todo", "やること", "To do"),
    ("/ui/decide", "決定を記録", "Record a decision"),
];

/// The page frame: header with navigation and language switch, then `main`.
pub fn layout(lang: Lang, session: Option<&Session>, title: &str, main: Markup) -> Markup {
    let nav: [(&str, &str, &str); 5] = [
        ("/ui/organisation", "組織", "Organisation"),
        ("/ui/assets", "情報資産", "Assets"),
        ("/ui/timeline", "記録", "Timeline"),
        ("/ui/workflows", "手続", "Workflows"),
        ("/ui/audit", "監査・検証", "Audit & verification"),
    ];
    let here = session.map_or("/ui/login", |s| s.here.as_str());
    let back = serde_urlencoded::to_string([("back", here)]).unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — govledger" }
                link rel="stylesheet" href="/ui/static/style.css";
                script src="/ui/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { (lang.t("本文へ移動", "Skip to content")) }
                header {
                    span.brand { "govledger" }
                    @if session.is_some() {
                        nav aria-label=(lang.t("ページ", "Pages")) {
                            ul {
                                @for (href, ja, en) in nav {
                                    li { a href=(href) aria-current=[here.starts_with(href).then_some("page")] { (lang.t(ja, en)) } }
                                }
                                @if session.is_some_and(|s| s.caller.role == crate::http::tokens::Role::Admin) {
                                    @for (href, ja, en) in ADMIN_NAV {
                                        li.admin { a href=(href) aria-current=[here.starts_with(href).then_some("page")] { (lang.t(ja, en)) } }
                                    }
                                }
                            }
                        }
                    }
                    div.tools {
                        span lang="ja" { a href={"/ui/lang/ja?" (back)} aria-current=[(lang == Lang::Ja).then_some("true")] { "日本語" } }
                        " | "
                        span lang="en" { a href={"/ui/lang/en?" (back)} aria-current=[(lang == Lang::En).then_some("true")] { "English" } }
                        @if let Some(s) = session {
                            span.who #who {
                                @if let Some(name) = &s.name { (name) " " span.hint { (s.caller.person) } } @else { (s.caller.person) }
                                " (" (labels::token_role(lang, s.caller.role)) ")"
                            }
                            form.inline method="post" action="/ui/logout" {
                                input type="hidden" name=(csrf::FIELD) value=(s.csrf);
                                button type="submit" { (lang.t("ログアウト", "Log out")) }
                            }
                        }
                    }
                }
                main #main { (main) }
                footer { (PreEscaped("&nbsp;")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_language_counts_after_the_query_and_the_cookie() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(v));
            Lang::accepted(&h)
        };
        assert_eq!(with("en-US,en;q=0.9"), Lang::En);
        assert_eq!(with("fr, en;q=0.5, ja;q=0.8"), Lang::Ja);
        assert_eq!(with("fr, en;q=0.5"), Lang::En);
        assert_eq!(with("ja-JP"), Lang::Ja);
        // Neither named: Japanese, as without the header.
        assert_eq!(with("fr, de"), Lang::Ja);
        assert_eq!(with("en;q=0, ja;q=0.1"), Lang::Ja);
        assert_eq!(Lang::accepted(&HeaderMap::new()), Lang::Ja);
    }

    #[test]
    fn a_login_code_works_once() {
        let codes = LoginCodes::default();
        let code = codes.issue("glt_x_y").unwrap_or_default();
        assert_eq!(code.len(), 64);
        assert_eq!(codes.redeem(&code).as_deref(), Some("glt_x_y"));
        assert_eq!(codes.redeem(&code), None);
        assert_eq!(codes.redeem("not-a-code"), None);
    }

    #[test]
    fn a_login_code_expires_after_a_minute() {
        let codes = LoginCodes::default();
        let Some(long_ago) = Instant::now().checked_sub(LOGIN_CODE_TTL + Duration::from_secs(1))
        else {
            return; // the clock started less than a minute ago: nothing to age
        };
        codes
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert("old".into(), ("glt_x_y".into(), long_ago));
        assert_eq!(codes.redeem("old"), None);
    }

    #[test]
    fn only_pages_of_the_web_view_are_returned_to() {
        let check = |back: &str, expect: &str| {
            assert_eq!(ui_path(Some(back.to_owned())), expect, "{back}");
        };
        check("/ui/audit?lang=en", "/ui/audit?lang=en");
        check(
            "/ui/timeline?basis=%E7%AC%AC10%E6%9D%A1",
            "/ui/timeline?basis=%E7%AC%AC10%E6%9D%A1",
        );
        check("//evil.example/ui/", "/ui/organisation");
        check("/ui//evil.example", "/ui/organisation");
        check("https://evil.example/ui/", "/ui/organisation");
        check("/ui/\\evil", "/ui/organisation");
        check("/v1/head", "/ui/organisation");
        check("/ui/\r\nSet-Cookie: x=1", "/ui/organisation");
        check("/ui/\u{7f}", "/ui/organisation");
        check("/ui/\t", "/ui/organisation");
        check("/ui/第10条", "/ui/organisation");
        check("/ui/../v1/head", "/ui/organisation");
        check("/ui/./audit", "/ui/organisation");
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_scoped_to_the_view() {
        assert_eq!(
            session_cookie("glt_a_b", false),
            "govledger_session=glt_a_b; HttpOnly; SameSite=Strict; Path=/ui"
        );
        assert!(session_cookie("glt_a_b", true).ends_with("; Secure"));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(came_over_https(&h));
        assert!(!came_over_https(&HeaderMap::new()));
    }
}

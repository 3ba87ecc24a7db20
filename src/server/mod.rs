//! The server: assembles the API's routes (`http`) and the web view's (`web`) under one set
//! of middleware, and serves them (`serve`). The one room that knows both, so neither `http`
//! nor `web` imports the other's router: `web` builds on `http`'s state and handlers, `http`
//! knows nothing of `web`.

pub mod serve;

use axum::Router;

use crate::http::{self, AppState, Options};

pub use serve::{ConnectionLimits, DRAIN_TIMEOUT, ServeConfig, init_logging, serve};

/// The whole service (API and web view) with its middleware, ready to serve or to call with
/// `oneshot`.
pub fn app(state: AppState) -> Router {
    app_with(state, Options::default())
}

/// [`app`] with the deployment's [`Options`].
pub fn app_with(state: AppState, options: Options) -> Router {
    let routes = http::routes(&state, options).merge(crate::web::router());
    http::finish(state, routes)
}

//! Liuhen's web application (网页端): the pages officers, leaders, legal
//! reviewers, archivists, inspectors and administrators use, in
//! Simplified Chinese, served by `liuhen serve` beside the API.
//!
//! Pages are rendered on the server from templates compiled into the
//! binary ([`templates`]); every page works without scripts, and the small
//! hand-written script in `static/app.js` only adds conveniences.
//!
//! **Invariant:** the web application holds no store, ledger or vault. It
//! reads and changes everything through the in-process `/api/v1`
//! ([`api::Api`]) with the browser's own session cookie, so a page can
//! show or do exactly what that person could through the API: the same
//! roles, grants, read audit and ledger entries.
//! **Invariant:** every form that changes state carries the session's CSRF
//! token (`csrf`), which is handed to the API as `X-CSRF-Token`; the API
//! checks it, so no page can forget to.

pub mod api;
pub mod page;
mod routes;
pub mod templates;

use axum::Router;

pub use api::Api;

/// What the page handlers share.
#[derive(Clone)]
pub struct WebState {
    pub api: Api,
}

/// The web application in front of `api` (the complete `/api/v1` router,
/// with its state): pages at `/`, static files at `/static/`, and every
/// `/api/…` and `/healthz` request passed to `api` unchanged.
///
/// The split is by path before any routing, not by a wildcard route: a
/// wildcard would add its own path parameter to the request, and the API's
/// handlers that read `{id}` would then find two.
pub fn app(api: Router) -> Router {
    let state = WebState { api: Api::new(api.clone()) };
    let pages = routes::pages().with_state(state);
    Router::new().fallback_service(tower::service_fn(move |request: axum::extract::Request| {
        let target = if is_api(request.uri().path()) { api.clone() } else { pages.clone() };
        tower::ServiceExt::oneshot(target, request)
    }))
}

/// Whether `path` belongs to the API rather than to the pages.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

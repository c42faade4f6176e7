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
pub fn app(api: Router) -> Router {
    let state = WebState { api: Api::new(api.clone()) };
    routes::pages()
        .route_service("/api", api.clone())
        .route_service("/api/{*rest}", api.clone())
        .route_service("/healthz", api)
        .with_state(state)
}

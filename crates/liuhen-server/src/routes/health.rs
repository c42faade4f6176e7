//! `GET /healthz`: is this process able to serve? For load balancers, so
//! it needs no credentials and says nothing secret.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use liuhen_store::Backend;
use serde_json::json;

use crate::AppState;

/// 200 with the ledger size when the metadata store answers; 503 when it
/// does not, so the load balancer sends traffic elsewhere.
#[utoipa::path(
    get,
    path = "/healthz",
    security(()),
    responses(
        (status = 200, description = "The metadata store answers: `status`, `ledger_size`, `backend`.", body = Object),
        (status = 503, description = "The metadata store does not answer; send traffic elsewhere.", body = Object),
    ),
)]
pub(super) async fn health(State(app): State<AppState>) -> Response {
    let backend = match app.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    match app.store.ledger_size().await {
        Ok(ledger_size) => Json(json!({ "status": "ok", "ledger_size": ledger_size, "backend": backend })).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the metadata store does not answer");
            let body =
                json!({ "status": "unavailable", "backend": backend, "error": "the metadata store does not answer; see the server log" });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

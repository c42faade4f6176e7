//! The collection workstation page (采集站): the offload register (导出台账)
//! and the uploads arriving from workstations now.
//!
//! The register is `GET /api/v1/register/offload` (every row for unit
//! leaders and administrators, his own for an officer; each listing is
//! audited by the API), filtered by the days `from` and `to`, with the
//! same rows as CSV (`/api/v1/register/offload.csv`) for the browser to
//! download directly. Uploads in progress are `GET /api/v1/uploads`; while
//! any is arriving the page reloads itself every ten seconds, without a
//! script, and stops once none is left.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::{encode, Viewer};
use crate::WebState;

/// Seconds between reloads while uploads are arriving.
const REFRESH_SECONDS: u32 = 10;

#[derive(Deserialize, Default)]
pub(super) struct RegisterFilter {
    /// First day (`2026-11-23`, China Standard Time).
    #[serde(default)]
    from: Option<String>,
    /// Last day, taken in whole.
    #[serde(default)]
    to: Option<String>,
}

/// `GET /workstation`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer, Query(filter): Query<RegisterFilter>) -> Response {
    let mut parameters = Vec::new();
    for (name, value) in [("from", &filter.from), ("to", &filter.to)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            parameters.push(format!("{name}={}", encode(value)));
        }
    }
    let query = parameters.join("&");
    let (rows, register_error): (Vec<Value>, Option<String>) =
        match web.api.get::<Vec<Value>>(&viewer.headers, &format!("/api/v1/register/offload?{query}")).await {
            Ok(rows) => (rows.into_iter().map(row).collect(), None),
            // A filter the API cannot read is said on the page, beside the filter.
            Err(refusal) if refusal.status == axum::http::StatusCode::BAD_REQUEST => (Vec::new(), Some(refusal.message)),
            Err(refusal) => return viewer.refused(refusal),
        };
    let uploads: Vec<Value> = match web.api.get::<Vec<Value>>(&viewer.headers, "/api/v1/uploads").await {
        Ok(uploads) => uploads.into_iter().map(progress).collect(),
        Err(refusal) => return viewer.refused(refusal),
    };
    let late = rows.iter().filter(|row| !row["late_by_ms"].is_null()).count();
    let failed = rows.iter().filter(|row| row["playback"]["status"] == "failed").count();
    let csv = if query.is_empty() { "/api/v1/register/offload.csv".to_owned() } else { format!("/api/v1/register/offload.csv?{query}") };
    viewer.render(
        "workstation.html",
        "采集站",
        json!({
            "rows": rows,
            "late": late,
            "failed": failed,
            "register_error": register_error,
            "filter": { "from": filter.from, "to": filter.to },
            "csv": csv,
            "uploads": uploads,
            "refresh": (!uploads.is_empty()).then_some(REFRESH_SECONDS),
            "own_only": !viewer.has_any_role(&["unit_leader", "administrator"]),
        }),
    )
}

/// A register row with its lateness in seconds (the `duration` filter's unit).
fn row(mut row: Value) -> Value {
    if let Some(late) = row["late_by_ms"].as_i64() {
        row["late_seconds"] = Value::from(late as f64 / 1000.0);
    }
    row
}

/// An upload with how much of it has arrived, in whole percent.
fn progress(mut upload: Value) -> Value {
    let received = upload["received"].as_u64().unwrap_or_default();
    let length = upload["length"].as_u64().unwrap_or_default();
    // An empty file has all of its nothing.
    let percent = received.saturating_mul(100).checked_div(length).unwrap_or(100);
    upload["percent"] = Value::from(percent.min(100));
    upload
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_whole_percent_and_an_empty_file_is_complete() {
        assert_eq!(progress(json!({ "received": 1, "length": 3 }))["percent"], 33);
        assert_eq!(progress(json!({ "received": 0, "length": 0 }))["percent"], 100);
        assert_eq!(row(json!({ "late_by_ms": 90_000 }))["late_seconds"], 90.0);
    }
}

//! The device register (设备台账) under supervision: every device with its
//! status and holder, what the agency is short of (厦门 一), and one
//! device's history with the forms to record a check before use, a fault,
//! a loss, a repair, a recovery, an assignment or retirement.

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::{self, Viewer};
use crate::WebState;

/// `GET /supervision/devices`.
pub(super) async fn register(State(web): State<WebState>, viewer: Viewer) -> Response {
    let register: Value = match web.api.get(&viewer.headers, "/api/v1/devices/register").await {
        Ok(register) => register,
        Err(refusal) => return viewer.refused(refusal),
    };
    viewer.render("devices.html", "设备台账", json!({ "register": register }))
}

/// `GET /supervision/devices/{id}`.
pub(super) async fn device(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    render_device(&web, &viewer, &id, None, StatusCode::OK).await
}

async fn render_device(web: &WebState, viewer: &Viewer, id: &str, typed: Option<Value>, status: StatusCode) -> Response {
    let history: Value = match web.api.get(&viewer.headers, &format!("/api/v1/devices/{}/events", id.trim())).await {
        Ok(history) => history,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory = web.api.directory(&viewer.headers).await;
    let officers: Vec<Value> = directory["officers"]
        .as_array()
        .map(|officers| {
            officers
                .iter()
                .map(|officer| json!([officer["badge_no"], format!("{}（{}）", text(&officer["name"]), text(&officer["badge_no"]))]))
                .collect()
        })
        .unwrap_or_default();
    let units: Vec<Value> = super::compliance::options(&directory["units"], "name");
    viewer.render_status(
        status,
        "device.html",
        "设备台账",
        json!({ "history": history, "officers": officers, "units": units, "typed": typed.unwrap_or(Value::Null) }),
    )
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[derive(Deserialize)]
pub(super) struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
    /// Ticked boxes: a check that found a problem.
    #[serde(default)]
    battery_low: Option<String>,
    #[serde(default)]
    storage_full: Option<String>,
    #[serde(default)]
    clock_off: Option<String>,
    #[serde(default)]
    stolen: Option<String>,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    unit: String,
}

/// `POST /supervision/devices/{id}/events`: one event.
pub(super) async fn record(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<EventForm>) -> Response {
    let blank = |text: &str| if text.trim().is_empty() { Value::Null } else { json!(text.trim()) };
    let body = match form.kind.as_str() {
        "checked" => json!({
            "kind": "checked", "note": form.note,
            "battery_ok": form.battery_low.is_none(), "storage_ok": form.storage_full.is_none(), "clock_ok": form.clock_off.is_none(),
        }),
        "lost" => json!({ "kind": "lost", "note": form.note, "stolen": form.stolen.is_some() }),
        "assigned" => json!({ "kind": "assigned", "note": form.note, "officer": blank(&form.officer), "unit": blank(&form.unit) }),
        other => json!({ "kind": other, "note": form.note }),
    };
    let path = format!("/api/v1/devices/{}/events", id.trim());
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, &form.csrf, &body).await {
        Ok(event) => {
            page::done(&format!("/supervision/devices/{}", id.trim()), &format!("{}已记录。", event["label"].as_str().unwrap_or("登记")))
        }
        Err(refusal)
            if refusal.status.is_client_error() && refusal.status != StatusCode::FORBIDDEN && refusal.status != StatusCode::NOT_FOUND =>
        {
            let mut viewer = viewer;
            viewer.flash = Some(page::Flash { kind: "error".into(), text: refusal.message });
            let typed = json!({ "kind": form.kind, "note": form.note });
            render_device(&web, &viewer, &id, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

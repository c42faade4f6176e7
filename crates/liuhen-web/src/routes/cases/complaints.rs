//! Complaints and reports (投诉举报): what came in, and what became of it.
//! Officers and leaders register one; a unit leader decides, once: a case
//! was opened for it, or no case, with the reason and how a named
//! complainant was told (大连 第七条). Who complained is shown only to
//! those the API shows it to.

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use super::{label_of, returned_status, text, Fields};
use crate::page::{self, encode, Viewer};
use crate::WebState;

/// Channels a complaint arrives by, as the API names them.
const CHANNELS: [(&str, &str); 5] =
    [("phone", "电话（含12345）"), ("visit", "来访"), ("online", "网络"), ("letter", "来信"), ("referral", "上级转办")];

/// Cases a "case opened" decision may name: the newest ones.
const CASE_CHOICES: usize = 200;

/// `GET /cases/complaints`.
pub(crate) async fn list(State(web): State<WebState>, viewer: Viewer) -> Response {
    page(&web, &viewer, StatusCode::OK, Value::Null, None).await
}

async fn page(web: &WebState, viewer: &Viewer, status: StatusCode, values: Value, error: Option<String>) -> Response {
    let api = &web.api;
    let complaints: Vec<Value> = match api.get(&viewer.headers, "/api/v1/complaints").await {
        Ok(complaints) => complaints,
        Err(refusal) => return viewer.refused(refusal),
    };
    let cases: Vec<Value> = api.get(&viewer.headers, &format!("/api/v1/cases?order=newest&limit={CASE_CHOICES}")).await.unwrap_or_default();
    let case_options: Vec<Value> = cases
        .iter()
        .map(|view| json!([view["case"]["id"], format!("{} {}", text(&view["case"]["number"]), text(&view["case"]["matter"]))]))
        .collect();
    let number_of = |id: &Value| cases.iter().find(|view| &view["case"]["id"] == id).map(|view| view["case"]["number"].clone());
    let rows: Vec<Value> = complaints
        .iter()
        .rev()
        .map(|entry| {
            let complaint = &entry["complaint"];
            let outcome = &entry["outcome"];
            let decision = &outcome["decision"];
            json!({
                "id": complaint["id"],
                "received_at": complaint["received_at"],
                "channel": label_of(&CHANNELS, text(&complaint["channel"])),
                "complainant": complaint["complainant"],
                "content": complaint["content"],
                "location": complaint["location"],
                "decided": !outcome.is_null(),
                "decided_at": outcome["decided_at"],
                "case_id": decision["case_id"],
                "case_number": number_of(&decision["case_id"]),
                "no_case": decision["kind"] == "no_case",
                "reason": decision["reason"],
                "notice": decision["notice"],
            })
        })
        .collect();
    let context = json!({
        "complaints": rows,
        "channels": CHANNELS.iter().map(|(value, label)| json!([value, label])).collect::<Vec<_>>(),
        "cases": case_options,
        "values": values,
        "error": error,
        "may_register": viewer.has_any_role(&["officer", "unit_leader"]),
        "may_decide": viewer.has_role("unit_leader"),
    });
    viewer.render_status(status, "cases_complaints.html", "投诉举报", context)
}

/// `POST /cases/complaints`: registers a complaint as it arrived.
pub(crate) async fn register(State(web): State<WebState>, viewer: Viewer, Form(form): Form<Fields>) -> Response {
    let name = form.one("name");
    let optional = |field: &str| Some(form.one(field)).filter(|value| !value.is_empty());
    let complainant = (!name.is_empty()).then(|| json!({ "name": name, "phone": optional("phone"), "id_number": null }));
    let body = json!({
        "channel": form.one("channel"),
        "complainant": complainant,
        "content": form.one("content"),
        "location": form.one("location"),
    });
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/complaints", form.one("csrf"), &body).await {
        Ok(_) => page::done("/cases/complaints", "已登记投诉举报"),
        Err(refusal) => page(&web, &viewer, returned_status(&refusal), form.values(), Some(refusal.message)).await,
    }
}

/// `POST /cases/complaints/{id}/decision`: what becomes of it.
pub(crate) async fn decide(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let body = match form.one("kind") {
        "case_opened" => json!({ "kind": "case_opened", "case_id": form.one("case_id") }),
        _ => {
            let method = form.one("notice_method");
            let at = form.one("notified_at");
            let notice = (!method.is_empty() || !at.is_empty()).then(|| json!({ "method": method, "notified_at": china_time(at) }));
            json!({ "kind": "no_case", "reason": form.one("reason"), "notice": notice })
        }
    };
    let path = format!("/api/v1/complaints/{}/decision", encode(&id));
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, form.one("csrf"), &body).await {
        Ok(_) => page::done("/cases/complaints", "已记录处理决定"),
        Err(refusal) => page::failed("/cases/complaints", &refusal),
    }
}

/// `2026-11-24T10:00` from a `datetime-local` field, as China time.
fn china_time(value: &str) -> String {
    if value.len() == 16 && value.as_bytes().get(10) == Some(&b'T') {
        format!("{value}:00+08:00")
    } else {
        value.to_owned()
    }
}

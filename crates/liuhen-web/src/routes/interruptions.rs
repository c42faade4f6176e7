//! Interruption explanations (中断说明, 丰台 第十八条): the gaps waiting
//! for an explanation, the form to give one, and those explained.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::{self, Viewer};
use crate::WebState;

/// `GET /interruptions`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer) -> Response {
    render(&web, &viewer, None, StatusCode::OK).await
}

async fn render(web: &WebState, viewer: &Viewer, typed: Option<Value>, status: StatusCode) -> Response {
    let all: Vec<Value> = match web.api.get(&viewer.headers, "/api/v1/interruptions").await {
        Ok(all) => all,
        Err(refusal) => return viewer.refused(refusal),
    };
    let (explained, waiting): (Vec<Value>, Vec<Value>) = all.into_iter().partition(|gap| !gap["explanation"].is_null());
    // The duty log (执勤日志): an account not tied to an officer has none.
    let log: Vec<Value> = web.api.get(&viewer.headers, "/api/v1/duty-log").await.unwrap_or_default();
    let directory = web.api.directory(&viewer.headers).await;
    let leaders: Vec<Value> = directory["officers"]
        .as_array()
        .map(|officers| {
            officers
                .iter()
                .filter(|officer| officer["role"] == "leader")
                .map(|officer| {
                    json!([
                        officer["badge_no"],
                        format!("{}（{}）", officer["name"].as_str().unwrap_or_default(), officer["badge_no"].as_str().unwrap_or_default())
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    viewer.render_status(
        status,
        "interruptions.html",
        "录像中断说明",
        json!({ "waiting": waiting, "explained": explained, "typed": typed, "log": log, "leaders": leaders }),
    )
}

#[derive(Deserialize)]
pub(super) struct Explain {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    explanation: String,
}

/// `POST /interruptions`: one explanation.
pub(super) async fn explain(State(web): State<WebState>, viewer: Viewer, Form(form): Form<Explain>) -> Response {
    let body = json!({ "before": form.before, "after": form.after, "explanation": form.explanation });
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/interruptions/explanations", &form.csrf, &body).await {
        Ok(_) => page::done("/interruptions", "说明已记录，按原文保存。"),
        Err(refusal) if refusal.status.is_client_error() && refusal.status != StatusCode::FORBIDDEN => {
            // Sent back with what was typed and the reason.
            let mut viewer = viewer;
            viewer.flash = Some(page::Flash { kind: "error".into(), text: refusal.message });
            render(&web, &viewer, Some(body), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

#[derive(Deserialize)]
pub(super) struct DutyEntry {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    reported_to: String,
}

/// `POST /interruptions/duty-log`: a duty log entry (执勤日志, 厦门 六（二）).
pub(super) async fn log_duty(State(web): State<WebState>, viewer: Viewer, Form(form): Form<DutyEntry>) -> Response {
    let blank = |text: &str| if text.trim().is_empty() { Value::Null } else { json!(text.trim()) };
    let body = json!({
        "from": form.from, "to": form.to, "reason": form.reason,
        "case": blank(&form.case), "reported_to": blank(&form.reported_to),
    });
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/duty-log", &form.csrf, &body).await {
        Ok(_) => page::done("/interruptions#duty-log", "执勤日志已记录，按原文保存。"),
        Err(refusal) if refusal.status.is_client_error() && refusal.status != StatusCode::FORBIDDEN => {
            let mut viewer = viewer;
            viewer.flash = Some(page::Flash { kind: "error".into(), text: refusal.message });
            let typed = json!({ "duty": { "from": form.from, "to": form.to, "reason": form.reason, "case": form.case, "reported_to": form.reported_to } });
            render(&web, &viewer, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

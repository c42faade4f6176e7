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
    viewer.render_status(
        status,
        "interruptions.html",
        "录像中断说明",
        json!({ "waiting": waiting, "explained": explained, "typed": typed }),
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

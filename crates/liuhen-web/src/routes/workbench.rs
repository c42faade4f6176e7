//! My workbench (我的工作台): what needs me today.
//!
//! - my open cases (those I lead or handle; for others, every open case I
//!   may read), each with its stage and anything overdue;
//! - approvals waiting for a role I hold;
//! - deadlines in the next 48 hours (offload, link, approval, archive);
//! - interruptions in recordings I may read that nobody has explained yet
//!   (丰台 第十八条), and how many open findings I can see.

use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::cases::row;
use crate::page::Viewer;
use crate::WebState;

/// How many rows each list on the workbench shows.
const ROWS: usize = 20;

pub(super) async fn show(State(web): State<WebState>, viewer: Viewer) -> Response {
    let api = &web.api;
    let me: Value = api.get(&viewer.headers, "/api/v1/me").await.unwrap_or_default();
    let my_officer = me.pointer("/user/officer_id").and_then(Value::as_str).map(str::to_owned);
    let directory = api.directory(&viewer.headers).await;
    let cases: Vec<Value> = match api.get(&viewer.headers, "/api/v1/cases").await {
        Ok(cases) => cases,
        Err(refusal) => return viewer.refused(refusal),
    };
    let open: Vec<&Value> = cases.iter().filter(|view| !view["archived"].as_bool().unwrap_or(false)).collect();
    let mine = |view: &Value| {
        my_officer.as_deref().is_some_and(|officer| {
            view.pointer("/case/lead_officer").and_then(Value::as_str) == Some(officer)
                || view
                    .pointer("/case/handlers")
                    .and_then(Value::as_array)
                    .is_some_and(|handlers| handlers.iter().any(|handler| handler.as_str() == Some(officer)))
        })
    };
    let my_cases: Vec<Value> = if my_officer.is_some() && viewer.has_role("officer") {
        open.iter().filter(|view| mine(view)).take(ROWS).map(|view| row(view, &directory)).collect()
    } else {
        open.iter().take(ROWS).map(|view| row(view, &directory)).collect()
    };
    let approvals: Vec<Value> = open
        .iter()
        .filter_map(|view| {
            let next = ["next_start_approval", "next_decision_approval"]
                .iter()
                .filter_map(|chain| view[*chain].as_str().map(|role| (*chain, role)))
                .find(|(_, role)| approves(&viewer, role, mine(view)))?;
            let mut row = row(view, &directory);
            row["approval_role"] = Value::from(next.1);
            row["chain"] = Value::from(if next.0 == "next_start_approval" { "立案" } else { "决定" });
            Some(row)
        })
        .take(ROWS)
        .collect();

    // Compliance may be off (no pack in force): the page says so.
    let deadlines: Result<Vec<Value>, _> = api.get(&viewer.headers, "/api/v1/compliance/deadlines?within=48h").await;
    let findings: Result<Vec<Value>, _> = api.get(&viewer.headers, "/api/v1/compliance/findings?open=true").await;
    let compliance_on = deadlines.is_ok();
    let findings = findings.unwrap_or_default();
    // Gaps in my recordings (or those I may read) nobody has explained.
    let interruptions: Vec<Value> = api.get(&viewer.headers, "/api/v1/interruptions?explained=false").await.unwrap_or_default();
    // The devices I hold, for the check before use (使用前检查) and faults.
    let register: Value = api.get(&viewer.headers, "/api/v1/devices/register").await.unwrap_or_default();
    let my_devices: Vec<&Value> = register["devices"]
        .as_array()
        .map(|devices| {
            devices.iter().filter(|device| my_officer.is_some() && device["officer_id"].as_str() == my_officer.as_deref()).collect()
        })
        .unwrap_or_default();
    viewer.render(
        "workbench.html",
        "我的工作台",
        json!({
            "my_cases": my_cases,
            "approvals": approvals,
            "deadlines": deadlines.unwrap_or_default().into_iter().take(ROWS).collect::<Vec<_>>(),
            "interruptions": interruptions.into_iter().take(ROWS).collect::<Vec<_>>(),
            "interruption_rows": ROWS,
            "open_findings": findings.len(),
            "compliance_on": compliance_on,
            "my_devices": my_devices,
        }),
    )
}

/// Whether `viewer` gives the opinion of `role` on a case.
fn approves(viewer: &Viewer, role: &str, handles: bool) -> bool {
    match role {
        "handler" => handles,
        "reviewer" | "approver" => viewer.has_role("unit_leader"),
        "legal_review" => viewer.has_role("legal_reviewer"),
        _ => false,
    }
}

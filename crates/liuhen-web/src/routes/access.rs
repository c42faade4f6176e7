//! Access requests (调阅申请): asking to view or copy records, and deciding.
//!
//! - `/access` shows my requests and where each stands, my grants in force
//!   (what, for what, view or copy, until when) with the requisition form
//!   (调用单) to print, and, for unit leaders and administrators, the
//!   requests waiting for their decision, each with an approve and a
//!   refuse form carrying the opinion (审批意见).
//! - `/access/new` is the form to file a request; other pages link to it
//!   as `/access/new?media=ID`, `?case=ID` or `?document=ID` to name what
//!   is asked for.
//!
//! Everything goes through `/api/v1/access-requests`; what may be asked
//! and who may decide is the API's (`liuhen_custody::access`), so a
//! refusal here is the API's sentence, shown beside what was typed.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use liuhen_core::access::{AccessMode, Purpose, MAX_GRANT_DAYS};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::Refusal;
use crate::page::{self, encode, Viewer};
use crate::templates::CST;
use crate::WebState;

/// Roles the API lets decide requests.
const APPROVERS: [&str; 2] = ["unit_leader", "administrator"];

/// What a request may name, with the words the form shows.
const TARGET_KINDS: [(&str, &str); 3] = [("case", "案件"), ("media", "音视频记录"), ("document", "执法文书")];

/// Days a request runs when the form is first shown (the API's default too).
const DEFAULT_DAYS: i64 = 7;

/// `GET /access`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer) -> Response {
    overview(&web, &viewer, StatusCode::OK, None).await
}

/// An opinion sent back with the API's reason, shown at its request.
struct TypedDecision {
    request: String,
    opinion: String,
    message: String,
}

async fn overview(web: &WebState, viewer: &Viewer, status: StatusCode, typed: Option<TypedDecision>) -> Response {
    let all: Vec<Value> = match web.api.get(&viewer.headers, "/api/v1/access-requests").await {
        Ok(all) => all,
        Err(refusal) => return viewer.refused(refusal),
    };
    let me = viewer.user.id.as_str();
    // Newest first: what a person just did is what he looks for.
    let mut mine: Vec<Value> = all.iter().filter(|file| file["request"]["requester"].as_str() == Some(me)).map(view).collect();
    mine.reverse();
    let grants: Vec<Value> = mine.iter().filter(|file| matches!(file["state"].as_str(), Some("granted" | "not_yet"))).cloned().collect();
    let may_decide = viewer.has_any_role(&APPROVERS);
    let waiting: Vec<Value> = if may_decide {
        all.iter()
            .filter(|file| file["state"] == "pending" && file["request"]["requester"].as_str() != Some(me))
            .map(|file| {
                let mut file = view(file);
                if let Some(typed) = typed.as_ref().filter(|typed| file["request"]["id"].as_str() == Some(typed.request.as_str())) {
                    file["typed_opinion"] = Value::from(typed.opinion.clone());
                    file["error"] = Value::from(typed.message.clone());
                }
                file
            })
            .collect()
    } else {
        Vec::new()
    };
    let context = json!({ "mine": mine, "grants": grants, "may_decide": may_decide, "waiting": waiting });
    viewer.render_status(status, "access.html", "调阅申请", context)
}

/// A request as the pages show it: its targets with their words and links,
/// and the end of the period granted (or asked for).
fn view(file: &Value) -> Value {
    let mut file = file.clone();
    let targets: Vec<Value> = file["request"]["targets"]
        .as_array()
        .map(|targets| {
            targets
                .iter()
                .map(|target| {
                    let kind = target["kind"].as_str().unwrap_or_default();
                    let id = target["id"].as_str().unwrap_or_default();
                    let label = TARGET_KINDS.iter().find(|(known, _)| *known == kind).map_or(kind, |(_, label)| label);
                    let href = match kind {
                        "case" => Some(format!("/cases/{}", encode(id))),
                        "media" => Some(format!("/recordings/{}", encode(id))),
                        _ => None,
                    };
                    json!({ "kind": kind, "label": label, "id": id, "href": href })
                })
                .collect()
        })
        .unwrap_or_default();
    file["targets"] = Value::from(targets);
    let until = file["decision"]["granted_until"].as_str().or(file["request"]["until"].as_str()).map(str::to_owned);
    file["until"] = until.map_or(Value::Null, Value::from);
    file
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// `approve` or `refuse`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
}

/// `POST /access/{id}/decision`: approves or refuses one request.
pub(super) async fn decide(
    State(web): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let approved = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            let message = "请选择批准或不予批准。Choose to approve or to refuse.".to_owned();
            let typed = TypedDecision { request: id, opinion: form.opinion, message };
            return overview(&web, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await;
        }
    };
    let path = format!("/api/v1/access-requests/{}/decision", encode(&id));
    let body = json!({ "approved": approved, "reason": form.opinion });
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, &form.csrf, &body).await {
        Ok(_) if approved => page::done("/access", "已批准该调阅申请，申请人可打印调用单。"),
        Ok(_) => page::done("/access", "已不予批准该调阅申请，审批意见已告知申请人。"),
        Err(refusal) if correctable(&refusal) => {
            let typed = TypedDecision { request: id, opinion: form.opinion, message: refusal.message };
            overview(&web, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(typed)).await
        }
        // Decided meanwhile, or not this person's to decide: nothing to retype.
        Err(refusal) => page::failed("/access", &refusal),
    }
}

/// Whether a refusal is about what was typed, so the form comes back
/// with it; refusals of rights (403) and of state (409) are not.
fn correctable(refusal: &Refusal) -> bool {
    matches!(refusal.status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY)
}

/// What the request form holds, as typed (or as a link filled it in).
#[derive(Deserialize, Default)]
pub(super) struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on_behalf_of: String,
    /// The last day of the period asked for (`2026-12-09`), in China Standard Time.
    #[serde(default)]
    until: String,
}

/// Links name the record to ask for: `?media=ID`, `?case=ID`, `?document=ID`.
#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    #[serde(default)]
    media: Option<String>,
    #[serde(default)]
    case: Option<String>,
    #[serde(default)]
    document: Option<String>,
}

/// `GET /access/new`.
pub(super) async fn new_form(viewer: Viewer, Query(query): Query<NewQuery>) -> Response {
    let (target_kind, target_id) = match (query.case, query.media, query.document) {
        (Some(case), _, _) => ("case", case),
        (None, Some(media), _) => ("media", media),
        (None, None, Some(document)) => ("document", document),
        (None, None, None) => ("case", String::new()),
    };
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(CST)).date();
    let until = today.checked_add(jiff::Span::new().days(DEFAULT_DAYS)).map(|day| day.to_string()).unwrap_or_default();
    let form = RequestForm {
        target_kind: target_kind.to_owned(),
        target_id: target_id.trim().to_owned(),
        purpose: Purpose::CaseWork.as_str().to_owned(),
        mode: AccessMode::View.as_str().to_owned(),
        until,
        ..RequestForm::default()
    };
    request_page(&viewer, &form, StatusCode::OK, None)
}

/// `POST /access/new`: files the request.
pub(super) async fn file(State(web): State<WebState>, viewer: Viewer, Form(form): Form<RequestForm>) -> Response {
    let mut body = json!({
        "targets": [{ "kind": form.target_kind.trim(), "id": form.target_id.trim() }],
        "purpose": form.purpose,
        "mode": form.mode,
        "reason": form.reason,
    });
    if !form.on_behalf_of.trim().is_empty() {
        body["on_behalf_of"] = Value::from(form.on_behalf_of.trim());
    }
    if !form.until.trim().is_empty() {
        match end_of_day(form.until.trim()) {
            Some(until) => body["until"] = Value::from(until),
            None => {
                let message = format!(
                    "截止日期“{}”无法识别，请按 2026-12-09 的格式填写。Give the last day as a date such as 2026-12-09.",
                    form.until
                );
                return request_page(&viewer, &form, StatusCode::UNPROCESSABLE_ENTITY, Some(message));
            }
        }
    }
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/access-requests", &form.csrf, &body).await {
        Ok(_) => page::done("/access", "调阅申请已提交，等待单位负责人或系统管理员审批。"),
        Err(refusal) if refusal.status.is_client_error() && refusal.status != StatusCode::UNAUTHORIZED => {
            request_page(&viewer, &form, StatusCode::UNPROCESSABLE_ENTITY, Some(refusal.message))
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

/// The instant a grant asked to run through `day` ends: the next midnight
/// in China Standard Time, as RFC 3339.
fn end_of_day(day: &str) -> Option<String> {
    let day: jiff::civil::Date = day.parse().ok()?;
    let next = day.tomorrow().ok()?;
    let end = CST.to_timestamp(next.to_datetime(jiff::civil::Time::midnight())).ok()?;
    Some(end.to_string())
}

fn request_page(viewer: &Viewer, form: &RequestForm, status: StatusCode, error: Option<String>) -> Response {
    let purposes: Vec<Value> = Purpose::ALL.iter().map(|purpose| json!([purpose.as_str(), purpose.label()])).collect();
    let modes: Vec<Value> = [AccessMode::View, AccessMode::Copy].iter().map(|mode| json!([mode.as_str(), mode.label()])).collect();
    let kinds: Vec<Value> = TARGET_KINDS.iter().map(|(kind, label)| json!([kind, label])).collect();
    let values = json!({
        "target_kind": form.target_kind,
        "target_id": form.target_id,
        "purpose": form.purpose,
        "mode": form.mode,
        "reason": form.reason,
        "on_behalf_of": form.on_behalf_of,
        "until": form.until,
    });
    viewer.render_status(
        status,
        "access_new.html",
        "提出调阅申请",
        json!({
            "values": values,
            "purposes": purposes,
            "modes": modes,
            "kinds": kinds,
            "max_days": MAX_GRANT_DAYS,
            "error": error,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_day_runs_to_midnight_in_china() {
        assert_eq!(end_of_day("2026-12-09").as_deref(), Some("2026-12-09T16:00:00Z"));
        assert_eq!(end_of_day("9 December"), None);
    }
}

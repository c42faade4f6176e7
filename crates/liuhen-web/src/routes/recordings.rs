//! AV records (音视频记录): the register with its filters, and one record's
//! page with its facts, a player, and the forms that link it to a case
//! stage (关联案件) or label it (信息标注).
//!
//! The list is one call to `GET /api/v1/recordings` (filtered and paged
//! there, and audited there as one read) plus the directory for the
//! filter's choices. A record's page asks `GET /api/v1/recordings/{id}`
//! and opens a viewing (`POST /api/v1/media/{id}/viewings`) with the
//! session's CSRF token, so the player's `src` is the viewing's content URL;
//! the browser fetches it from `/api/…` with its own cookie, and the API
//! checks, serves ranges and audits as for any client. Someone the API
//! refuses reads its reason and is pointed to an access request (调阅申请).

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use liuhen_core::case::RecordedItem;
use liuhen_core::id::MediaId;
use serde::Deserialize;
use serde_json::{json, Value};

use super::cases::{name_of, returned_status, stage_options, Fields};
use crate::api::Refusal;
use crate::page::{self, encode, Viewer};
use crate::WebState;

/// Records on one page of the list.
const PAGE_SIZE: usize = 50;

/// The list's filters, as the form and the API name them.
const FILTERS: [&str; 7] = ["device", "officer", "from", "to", "linked", "late", "playback"];

/// Roles the API lets link a record to a case (the case's handlers among
/// officers, or a unit leader): only they are offered the form.
const LINKERS: [&str; 2] = ["officer", "unit_leader"];

#[derive(Deserialize, Default)]
pub(super) struct ListPage {
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    officer: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    linked: Option<String>,
    #[serde(default)]
    late: Option<String>,
    #[serde(default)]
    playback: Option<String>,
    #[serde(default)]
    offset: Option<String>,
}

impl ListPage {
    fn value(&self, name: &str) -> &str {
        let value = match name {
            "device" => &self.device,
            "officer" => &self.officer,
            "from" => &self.from,
            "to" => &self.to,
            "linked" => &self.linked,
            "late" => &self.late,
            "playback" => &self.playback,
            _ => &None,
        };
        value.as_deref().map_or("", str::trim)
    }

    /// The filters given, as a query string (without paging).
    fn filters(&self) -> String {
        FILTERS
            .iter()
            .filter(|name| !self.value(name).is_empty())
            .map(|name| format!("{name}={}", encode(self.value(name))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `GET /recordings`.
pub(super) async fn list(State(web): State<WebState>, viewer: Viewer, Query(query): Query<ListPage>) -> Response {
    let filters = query.filters();
    let offset = query.offset.as_deref().and_then(|text| text.trim().parse::<usize>().ok()).unwrap_or(0);
    let mut path = format!("/api/v1/recordings?limit={PAGE_SIZE}&offset={offset}");
    if !filters.is_empty() {
        path = format!("{path}&{filters}");
    }
    let directory = web.api.directory(&viewer.headers).await;
    let filter = json!(FILTERS.iter().map(|name| (name.to_string(), json!(query.value(name)))).collect::<serde_json::Map<_, _>>());
    let mut context = json!({
        "filter": filter,
        "devices": device_options(&directory),
        "officers": officer_options(&directory),
        "filtered": !filters.is_empty(),
    });
    let status = match web.api.get::<Value>(&viewer.headers, &path).await {
        Ok(answer) => {
            let at = |offset: usize| {
                let mut href = format!("/recordings?offset={offset}");
                if !filters.is_empty() {
                    href = format!("{href}&{filters}");
                }
                href
            };
            context["recordings"] = answer["recordings"].clone();
            context["deadline_hours"] = answer["offload_deadline_hours"].clone();
            context["first"] = json!(offset + 1);
            context["next"] = answer["next_offset"].as_u64().map_or(Value::Null, |next| json!(at(next as usize)));
            context["previous"] = if offset > 0 { json!(at(offset.saturating_sub(PAGE_SIZE))) } else { Value::Null };
            StatusCode::OK
        }
        Err(refusal) if refusal.status == StatusCode::BAD_REQUEST => {
            // A filter the API cannot read: the form again, with its reason.
            context["recordings"] = json!([]);
            context["error"] = json!(refusal.message);
            StatusCode::BAD_REQUEST
        }
        Err(refusal) => return viewer.refused(refusal),
    };
    viewer.render_status(status, "recordings.html", "音视频记录", context)
}

/// `GET /recordings/{id}`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    record_page(&web, &viewer, &id, StatusCode::OK, None).await
}

/// A form sent back: which, what was typed, and why it was refused.
struct Returned {
    form: &'static str,
    values: Value,
    error: String,
}

async fn record_page(web: &WebState, viewer: &Viewer, id: &str, status: StatusCode, returned: Option<Returned>) -> Response {
    let recording: Value = match web.api.get(&viewer.headers, &format!("/api/v1/recordings/{}", url_id(id))).await {
        Ok(recording) => recording,
        Err(refusal) if refusal.status == StatusCode::FORBIDDEN => {
            let context = json!({ "refused": refusal.message, "media_id": url_id(id), "access_href": access_request_href(id) });
            return viewer.render_status(StatusCode::FORBIDDEN, "recording.html", "无权查看音视频记录", context);
        }
        Err(refusal) => return viewer.refused(refusal),
    };
    let player = player(web, viewer, id, &recording).await;
    let (mut link_form, mut label_form) = (json!({}), json!({}));
    let (mut link_error, mut label_error) = (Value::Null, Value::Null);
    if let Some(returned) = returned {
        if returned.form == "link" {
            (link_form, link_error) = (returned.values, json!(returned.error));
        } else {
            (label_form, label_error) = (returned.values, json!(returned.error));
        }
    }
    let title = format!("音视频记录 · {}", recording["file_name"].as_str().unwrap_or(id));
    let context = json!({
        "media_id": url_id(id),
        "r": recording,
        "player": player,
        "access_href": access_request_href(id),
        "stages": stage_options(),
        "items": RecordedItem::ALL.iter().map(|item| json!([name_of(item), item.label_zh()])).collect::<Vec<_>>(),
        "may_link": viewer.has_any_role(&LINKERS),
        "may_label": viewer.has_role("officer"),
        "link_form": link_form,
        "link_error": link_error,
        "label_form": label_form,
        "label_error": label_error,
    });
    viewer.render_status(status, "recording.html", &title, context)
}

/// Opens a viewing for the player, or says why there is none.
async fn player(web: &WebState, viewer: &Viewer, id: &str, recording: &Value) -> Value {
    if !recording["disposed_at"].is_null() {
        return json!({ "error": "该记录的文件已于保存期满后销毁，仅保留登记信息。The file was disposed of at the end of its retention." });
    }
    let path = format!("/api/v1/media/{}/viewings", url_id(id));
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, &viewer.csrf, &json!({})).await {
        Ok(opened) => {
            let element = match recording["kind"].as_str() {
                Some("photo") => "img",
                Some("audio") => "audio",
                _ => "video",
            };
            json!({ "element": element, "src": opened["url"], "content_type": opened["content_type"], "expires_at": opened["expires_at"] })
        }
        Err(refusal) => json!({ "error": refusal.message, "forbidden": refusal.status == StatusCode::FORBIDDEN }),
    }
}

/// A record id for a URL: a media id as it is (hyphens and hex need no
/// escaping), anything else percent-encoded.
fn url_id(id: &str) -> String {
    match id.trim().parse::<MediaId>() {
        Ok(media) => media.to_string(),
        Err(_) => encode(id),
    }
}

/// Where to ask for access to a record (调阅申请).
fn access_request_href(id: &str) -> String {
    format!("/access/new?media={}", url_id(id))
}

/// `POST /recordings/{id}/links`: links the record to a case stage.
pub(super) async fn link(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let case = form.one("case");
    if case.is_empty() {
        let returned =
            Returned {
                form: "link", values: form.values(), error: "请填写案号或案件编号。Give the case number or the case id.".into()
            };
        return record_page(&web, &viewer, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(returned)).await;
    }
    let body = json!({
        "media": id,
        "stage": form.one("stage"),
        "item": form.one("item"),
        "location": form.one("location"),
        "label": form.one("label"),
    });
    let path = format!("/api/v1/cases/{}/links", encode(case));
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, form.one("csrf"), &body).await {
        Ok(_) => page::done(&format!("/recordings/{}#links", url_id(&id)), &format!("已关联到案件 {case}")),
        Err(refusal) => send_back(&web, &viewer, &id, "link", &form, refusal).await,
    }
}

/// `POST /recordings/{id}/labels`: labels a record that belongs to no case.
pub(super) async fn label(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let body = json!({ "item": form.one("item"), "location": form.one("location"), "label": form.one("label") });
    let path = format!("/api/v1/recordings/{}/labels", url_id(&id));
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, form.one("csrf"), &body).await {
        Ok(_) => page::done(&format!("/recordings/{}#labels", url_id(&id)), "已标注"),
        Err(refusal) => send_back(&web, &viewer, &id, "label", &form, refusal).await,
    }
}

/// The record's page again, with what was typed and the API's reason.
async fn send_back(web: &WebState, viewer: &Viewer, id: &str, form_name: &'static str, form: &Fields, refusal: Refusal) -> Response {
    let status = returned_status(&refusal);
    let returned = Returned { form: form_name, values: form.values(), error: refusal.message };
    record_page(web, viewer, id, status, Some(returned)).await
}

/// `[serial, serial]` pairs for the device select: body cameras only.
fn device_options(directory: &Value) -> Vec<Value> {
    directory["devices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|device| device["kind"] != "workstation")
        .map(|device| json!([device["serial"], device["serial"]]))
        .collect()
}

/// `[badge, name（badge）]` pairs for the officer select.
fn officer_options(directory: &Value) -> Vec<Value> {
    directory["officers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|officer| {
            let (name, badge) = (officer["name"].as_str().unwrap_or_default(), officer["badge_no"].as_str().unwrap_or_default());
            json!([badge, format!("{name}（{badge}）")])
        })
        .collect()
}

//! The case page's forms: each posts here, is sent on to the API with the
//! form's CSRF token, and comes back to the case page with a notice. The
//! document and recording forms, where much is typed, come back with the
//! typed values kept and the API's reason (422) instead.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::Form;
use liuhen_core::case::Stage;
use serde_json::{json, Value};

use super::case::{page, Returned};
use super::{returned_status, text, Fields};
use crate::page::{self, encode, Viewer};
use crate::WebState;

/// The case page, at one of its sections.
fn back(id: &str, section: &str) -> String {
    format!("/cases/{}#{section}", encode(id))
}

async fn send(web: &WebState, viewer: &Viewer, path: &str, form: &Fields, body: &Value) -> Result<Value, crate::api::Refusal> {
    web.api.send::<Value>(&viewer.headers, Method::POST, path, form.one("csrf"), body).await
}

fn stage_zh(name: &str) -> &'static str {
    Stage::parse(name).map_or("", Stage::label_zh)
}

/// `POST /cases/{id}/stages`: enters a stage, resumes, or concludes.
pub(crate) async fn stage(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let body = json!({ "stage": form.one("stage"), "note": form.one("note"), "emergency": form.checked("emergency") });
    match send(&web, &viewer, &format!("/api/v1/cases/{}/stages", encode(&id)), &form, &body).await {
        Ok(step) => {
            let stage = stage_zh(text(&step["step"]["stage"]));
            let said =
                if step["step"]["kind"] == "resume" { format!("已恢复办理（{stage}）") } else { format!("已进入{stage}环节") };
            page::done(&back(&id, "stages"), &said)
        }
        Err(refusal) => page::failed(&back(&id, "stages"), &refusal),
    }
}

/// `POST /cases/{id}/approvals`: gives the opinion due in a chain.
pub(crate) async fn approve(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let body = json!({
        "matter": form.one("matter"),
        "role": form.one("role"),
        "opinion": form.one("opinion"),
        "approved": form.one("approved") != "no",
    });
    match send(&web, &viewer, &format!("/api/v1/cases/{}/approvals", encode(&id)), &form, &body).await {
        Ok(approval) => {
            let said = if approval["approved"].as_bool() == Some(false) {
                "已记录不同意意见，审批重新开始"
            } else {
                "已记录审批意见"
            };
            page::done(&back(&id, "approvals"), said)
        }
        Err(refusal) => page::failed(&back(&id, "approvals"), &refusal),
    }
}

/// A time typed into a `datetime-local` field (`2026-11-24T10:00`), read
/// as China Standard Time; anything else is passed on as typed.
fn china_time(value: &str) -> String {
    let has_offset = value.ends_with('Z') || value.get(19..).is_some_and(|tail| tail.contains(['+', '-']));
    match value.len() {
        16 if value.as_bytes().get(10) == Some(&b'T') => format!("{value}:00+08:00"),
        19 if value.as_bytes().get(10) == Some(&b'T') && !has_offset => format!("{value}+08:00"),
        _ => value.to_owned(),
    }
}

/// Reads `name=value` lines (also `name＝value`).
fn extra_fields(lines: &str) -> BTreeMap<String, String> {
    lines
        .lines()
        .filter_map(|line| line.split_once(['=', '＝']))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// `POST /cases/{id}/documents`: makes (or corrects) a document.
pub(crate) async fn make_document(
    State(web): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let mut fields = extra_fields(form.one("extra"));
    for (name, value) in form.prefixed("field.") {
        let value = value.trim();
        if !value.is_empty() {
            let value = if name == "served_at" { china_time(value) } else { value.to_owned() };
            fields.insert(name.to_owned(), value);
        }
    }
    let optional = |name: &str| Some(form.one(name)).filter(|value| !value.is_empty());
    let corrects = optional("corrects");
    let body = json!({
        "kind": form.one("kind"),
        "stage": form.one("stage"),
        "fields": fields,
        "legal_basis": optional("legal_basis"),
        "corrects": corrects,
        "reason": corrects.and(optional("reason")),
        "touches_rights": form.checked("touches_rights"),
    });
    match send(&web, &viewer, &format!("/api/v1/cases/{}/documents", encode(&id)), &form, &body).await {
        Ok(document) => page::done(&back(&id, "documents"), &format!("已制作文书（第{}版）", document["version"])),
        Err(refusal) => {
            let returned = Returned { form: "document", values: form.values(), error: refusal.message.clone() };
            page(&web, &viewer, &id, None, returned_status(&refusal), Some(returned)).await
        }
    }
}

/// `POST /cases/{id}/documents/{document}/signatures`: a signature, or a
/// refusal to sign with its reason and witness.
pub(crate) async fn sign(
    State(web): State<WebState>,
    viewer: Viewer,
    Path((id, document)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let role = form.one("role");
    let signer = match role {
        "officer" => json!({ "role": role, "badge": form.one("badge"), "certificate_shown": form.checked("certificate_shown") }),
        "party" | "witness" => json!({ "role": role, "name": form.one("name") }),
        _ => json!({ "role": role, "badge": form.one("badge") }),
    };
    let (reason, witness) = (form.one("refusal_reason"), form.one("refusal_witness"));
    let refusal =
        (form.checked("refused") || !reason.is_empty() || !witness.is_empty()).then(|| json!({ "reason": reason, "witness": witness }));
    let body = json!({ "signer": signer, "refusal": refusal });
    let path = format!("/api/v1/cases/{}/documents/{}/signatures", encode(&id), encode(&document));
    match send(&web, &viewer, &path, &form, &body).await {
        Ok(signature) => {
            let said = if signature["refusal"].is_null() { "已记录签名" } else { "已记录拒绝签名及见证人" };
            page::done(&back(&id, "documents"), said)
        }
        Err(refusal) => page::failed(&back(&id, "documents"), &refusal),
    }
}

/// `POST /cases/{id}/links`: links an AV record to a stage.
pub(crate) async fn link(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    // A record typed by number wins over one chosen from the list.
    let typed = form.one("media");
    let media = if typed.is_empty() { form.one("pick") } else { typed };
    let body = json!({
        "media": media,
        "stage": form.one("stage"),
        "item": form.one("item"),
        "location": form.one("location"),
        "label": form.one("label"),
    });
    match send(&web, &viewer, &format!("/api/v1/cases/{}/links", encode(&id)), &form, &body).await {
        Ok(_) => page::done(&back(&id, "links"), "已关联音像记录"),
        Err(refusal) => {
            let returned = Returned { form: "link", values: form.values(), error: refusal.message.clone() };
            page(&web, &viewer, &id, None, returned_status(&refusal), Some(returned)).await
        }
    }
}

/// `POST /cases/{id}/archive`: archives the concluded case (归档).
pub(crate) async fn archive(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<Fields>) -> Response {
    let body = json!({ "note": form.one("note") });
    match send(&web, &viewer, &format!("/api/v1/cases/{}/archive", encode(&id)), &form, &body).await {
        Ok(_) => page::done(&back(&id, "stages"), "已归档"),
        Err(refusal) => page::failed(&back(&id, "stages"), &refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_are_china_time_and_lines_become_fields() {
        assert_eq!(china_time("2026-11-24T10:00"), "2026-11-24T10:00:00+08:00");
        assert_eq!(china_time("2026-11-24T10:00:05"), "2026-11-24T10:00:05+08:00");
        assert_eq!(china_time("2026-11-24T10:00:00+08:00"), "2026-11-24T10:00:00+08:00");
        assert_eq!(china_time("上午十点"), "上午十点");
        let fields = extra_fields("recipient = 王五\nno equals sign\n证据＝照片三张\n=orphan\n");
        assert_eq!(fields.len(), 2);
        assert_eq!(fields["recipient"], "王五");
        assert_eq!(fields["证据"], "照片三张");
    }
}

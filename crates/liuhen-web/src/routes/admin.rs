//! Administration (系统管理), for administrators: the agency, its units as
//! a tree, officers, devices and who uses and keeps them, accounts and
//! roles, the policy pack in force, and the state of storage and the
//! ledger (`GET /api/v1/status`); with forms adding a unit, an officer, a
//! device and an account.
//!
//! The API refuses everyone else (`/api/v1/status`, `/api/v1/users`), and
//! this page shows that refusal.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use crate::api::Refusal;
use crate::page::{self, Viewer};
use crate::WebState;

/// Posts an officer may hold, as the API names them.
const OFFICER_ROLES: [(&str, &str); 5] = [
    ("front_line", "一线执法队员"),
    ("leader", "负责人"),
    ("legal_reviewer", "法制审核人员"),
    ("inspector", "督察人员"),
    ("staff", "内勤（档案等）"),
];

const QUALIFICATIONS: [(&str, &str); 2] = [("officer", "执法人员（持执法证）"), ("assistant", "协助执法人员")];

const DEVICE_KINDS: [(&str, &str); 3] = [("body_camera", "执法记录仪"), ("workstation", "数据采集工作站"), ("other", "其他")];

/// Account roles, as the API names them.
const ROLES: [(&str, &str); 6] = [
    ("officer", "执法人员"),
    ("unit_leader", "单位负责人"),
    ("legal_reviewer", "法制审核人员"),
    ("archivist", "档案管理员"),
    ("inspector", "督察人员"),
    ("administrator", "系统管理员"),
];

/// A form sent back: which one, what was typed, and why it was refused.
struct Returned {
    form: &'static str,
    values: HashMap<String, String>,
    error: String,
}

/// `GET /admin`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer) -> Response {
    page(&web, &viewer, StatusCode::OK, None).await
}

async fn page(web: &WebState, viewer: &Viewer, status: StatusCode, returned: Option<Returned>) -> Response {
    let api = &web.api;
    let server: Value = match api.get(&viewer.headers, "/api/v1/status").await {
        Ok(server) => server,
        Err(refusal) => return viewer.refused(refusal),
    };
    let users: Vec<Value> = match api.get(&viewer.headers, "/api/v1/users").await {
        Ok(users) => users,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory: Value = match api.get(&viewer.headers, "/api/v1/directory").await {
        Ok(directory) => directory,
        Err(refusal) => return viewer.refused(refusal),
    };
    let units = directory["units"].as_array().cloned().unwrap_or_default();
    let officers = directory["officers"].as_array().cloned().unwrap_or_default();
    let name_of = |list: &[Value], id: &Value| -> Value {
        list.iter().find(|entry| &entry["id"] == id).map(|entry| entry["name"].clone()).unwrap_or(Value::Null)
    };
    let officer_rows: Vec<Value> = officers
        .iter()
        .map(|officer| {
            let logins: Vec<Value> =
                users.iter().filter(|user| user["officer_id"] == officer["id"]).map(|user| user["login"].clone()).collect();
            json!({
                "name": officer["name"],
                "badge_no": officer["badge_no"],
                "certificate_no": officer["certificate_no"],
                "unit": name_of(&units, &officer["unit_id"]),
                "role": label(&OFFICER_ROLES, &officer["role"]),
                "qualification": label(&QUALIFICATIONS, &officer["qualification"]),
                "logins": logins,
            })
        })
        .collect();
    let device_rows: Vec<Value> = directory["devices"]
        .as_array()
        .map(|devices| {
            devices
                .iter()
                .map(|device| {
                    let holder = officers.iter().find(|officer| officer["id"] == device["assigned_officer"]);
                    json!({
                        "serial": device["serial"],
                        "kind": label(&DEVICE_KINDS, &device["kind"]),
                        "model": device["model"],
                        "holder": holder.map(|officer| format!("{}（{}）", officer["name"].as_str().unwrap_or_default(), officer["badge_no"].as_str().unwrap_or_default())),
                        "unit": name_of(&units, &device["unit_id"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let user_rows: Vec<Value> = users
        .iter()
        .map(|user| {
            json!({
                "login": user["login"],
                "display_name": user["display_name"],
                "roles": user["roles"],
                "officer": name_of(&officers, &user["officer_id"]),
                "disabled": user["disabled"],
            })
        })
        .collect();
    let (form, values, error) = match returned {
        Some(returned) => (returned.form, returned.values, Some(returned.error)),
        None => ("", HashMap::new(), None),
    };
    let pairs = |list: &[(&str, &str)]| list.iter().map(|(value, text)| json!([value, text])).collect::<Vec<_>>();
    let unit_options: Vec<Value> = units
        .iter()
        .map(|unit| {
            json!([unit["id"], format!("{}（{}）", unit["name"].as_str().unwrap_or_default(), unit["code"].as_str().unwrap_or_default())])
        })
        .collect();
    let officer_options: Vec<Value> = officers
        .iter()
        .map(|officer| {
            json!([
                officer["id"],
                format!("{}（{}）", officer["name"].as_str().unwrap_or_default(), officer["badge_no"].as_str().unwrap_or_default())
            ])
        })
        .collect();
    viewer.render_status(
        status,
        "admin.html",
        "系统管理",
        json!({
            "agency": directory["agency"],
            "unit_tree": tree(&units, &Value::Null),
            "officers": officer_rows,
            "devices": device_rows,
            "users": user_rows,
            "server": server,
            "form": form,
            "values": values,
            "error": error,
            "unit_options": unit_options,
            "officer_options": officer_options,
            "officer_roles": pairs(&OFFICER_ROLES),
            "qualifications": pairs(&QUALIFICATIONS),
            "device_kinds": pairs(&DEVICE_KINDS),
            "roles": pairs(&ROLES),
        }),
    )
}

/// The units under `parent` (`null`: the top), each with its own.
fn tree(units: &[Value], parent: &Value) -> Vec<Value> {
    units
        .iter()
        .filter(|unit| &unit["parent_id"] == parent)
        .map(|unit| json!({ "name": unit["name"], "code": unit["code"], "children": tree(units, &unit["id"]) }))
        .collect()
}

fn label(list: &[(&str, &str)], value: &Value) -> Value {
    let text = value.as_str().unwrap_or_default();
    Value::from(list.iter().find(|(known, _)| *known == text).map_or(text, |(_, label)| label))
}

/// A form field, `None` when blank.
fn field(values: &HashMap<String, String>, name: &str) -> Value {
    values.get(name).map(|value| value.trim()).filter(|value| !value.is_empty()).map_or(Value::Null, Value::from)
}

async fn submit(
    web: &WebState,
    viewer: &Viewer,
    form: &'static str,
    mut values: HashMap<String, String>,
    path: &str,
    body: Value,
    done: impl FnOnce(&Value) -> String,
) -> Response {
    let csrf = values.remove("csrf").unwrap_or_default();
    match web.api.send::<Value>(&viewer.headers, Method::POST, path, &csrf, &body).await {
        Ok(made) => page::done(&format!("/admin#{form}s"), &done(&made)),
        Err(refusal) => {
            // A password is never sent back into the page.
            values.remove("password");
            refused(web, viewer, form, values, refusal).await
        }
    }
}

async fn refused(web: &WebState, viewer: &Viewer, form: &'static str, values: HashMap<String, String>, refusal: Refusal) -> Response {
    if refusal.status == StatusCode::FORBIDDEN || refusal.status == StatusCode::UNAUTHORIZED || refusal.status.is_server_error() {
        return viewer.refused(refusal);
    }
    let status = if refusal.status == StatusCode::CONFLICT { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(web, viewer, status, Some(Returned { form, values, error: refusal.message })).await
}

/// `POST /admin/units`.
pub(super) async fn add_unit(State(web): State<WebState>, viewer: Viewer, Form(values): Form<HashMap<String, String>>) -> Response {
    let body = json!({ "name": field(&values, "name").as_str().unwrap_or_default(), "code": field(&values, "code").as_str().unwrap_or_default(), "parent": field(&values, "parent") });
    submit(&web, &viewer, "unit", values, "/api/v1/units", body, |made| {
        format!("已添加单位：{}", made["name"].as_str().unwrap_or_default())
    })
    .await
}

/// `POST /admin/officers`.
pub(super) async fn add_officer(State(web): State<WebState>, viewer: Viewer, Form(values): Form<HashMap<String, String>>) -> Response {
    let body = json!({
        "name": field(&values, "name").as_str().unwrap_or_default(),
        "badge": field(&values, "badge").as_str().unwrap_or_default(),
        "certificate": field(&values, "certificate"),
        "unit": field(&values, "unit").as_str().unwrap_or_default(),
        "role": field(&values, "role"),
        "qualification": field(&values, "qualification"),
    });
    submit(&web, &viewer, "officer", values, "/api/v1/officers", body, |made| {
        format!("已添加人员：{}（{}）", made["name"].as_str().unwrap_or_default(), made["badge_no"].as_str().unwrap_or_default())
    })
    .await
}

/// `POST /admin/devices`.
pub(super) async fn add_device(State(web): State<WebState>, viewer: Viewer, Form(values): Form<HashMap<String, String>>) -> Response {
    let body = json!({
        "serial": field(&values, "serial").as_str().unwrap_or_default(),
        "kind": field(&values, "kind").as_str().unwrap_or("body_camera"),
        "model": field(&values, "model"),
        "officer": field(&values, "officer"),
        "unit": field(&values, "unit"),
    });
    submit(&web, &viewer, "device", values, "/api/v1/devices", body, |made| {
        format!("已登记设备：{}", made["serial"].as_str().unwrap_or_default())
    })
    .await
}

/// `POST /admin/users`: roles come as one checkbox each (`role_officer=on`).
pub(super) async fn add_user(State(web): State<WebState>, viewer: Viewer, Form(values): Form<HashMap<String, String>>) -> Response {
    let roles: Vec<&str> = ROLES.iter().map(|(role, _)| *role).filter(|role| values.contains_key(&format!("role_{role}"))).collect();
    let body = json!({
        "login": field(&values, "login").as_str().unwrap_or_default(),
        "display_name": field(&values, "display_name").as_str().unwrap_or_default(),
        "password": values.get("password").cloned().unwrap_or_default(),
        "roles": roles,
        "officer": field(&values, "officer"),
    });
    submit(&web, &viewer, "user", values, "/api/v1/users", body, |made| {
        format!("已添加账号：{}", made["login"].as_str().unwrap_or_default())
    })
    .await
}

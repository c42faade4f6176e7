//! Compliance (合规检查): the findings of the pack in force and what is
//! done about them.
//!
//! - `/compliance` has four tabs: the findings (问题清单), filtered by status,
//!   unit, officer and rule and grouped by one of them, each with the
//!   article it cites; what falls due within 24 or 48 hours (即将到期); the
//!   misconduct report (执法过错情况报告) of a unit over a period, with its
//!   PDF and XLSX; and the rules of the pack (规范包条款). Unit leaders,
//!   inspectors and administrators can run the check now.
//! - `/compliance/findings/{id}` shows one finding with its evidence and, for
//!   those the API lets, the form accepting an explanation (情况说明).
//!
//! The regulation texts are the agencies' publications and are not part of
//! Liuhen (`liuhen_core::regulation` holds their structure only), so a
//! finding shows the article it cites and the pack's statement of what the
//! article requires, not the article's full wording.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::Refusal;
use crate::page::{self, encode, Viewer};
use crate::WebState;

/// Roles the API lets run a check on demand.
const REFRESHERS: [&str; 3] = ["unit_leader", "inspector", "administrator"];

/// Roles the API shows the misconduct report.
const REPORT_READERS: [&str; 4] = ["unit_leader", "legal_reviewer", "inspector", "administrator"];

/// Evidence names as people read them; others are shown as they come.
const EVIDENCE_LABELS: &[(&str, &str)] = &[
    ("ended_at", "录制结束时间"),
    ("started_at", "开始时间"),
    ("ingested_at", "导出存储时间"),
    ("made_at", "制作时间"),
    ("passed_at", "经过时间"),
    ("measured_at", "测量时间"),
    ("event_at", "发生时间"),
    ("concluded_at", "办结时间"),
    ("due_by", "期限"),
    ("date", "日期"),
    ("from", "起"),
    ("to", "止"),
    ("stage", "环节"),
    ("method", "方式"),
    ("performed", "已执行"),
    ("officer", "执法人员"),
    ("officers", "执法人员"),
    ("unit", "单位"),
    ("seq", "序号"),
    ("rights", "权利告知"),
    ("party", "当事人"),
    ("offset_ms", "时钟偏差（毫秒）"),
    ("difference_ms", "相差（毫秒）"),
    ("gap_ms", "中断时长（毫秒）"),
    ("gaps", "中断"),
    ("mode", "模式"),
    ("item", "事项"),
    ("devices", "设备"),
    ("detail", "说明"),
    ("case_number", "案号"),
    ("agency", "机关"),
    ("spot_check", "抽检"),
    ("review", "检查次序"),
    ("reviewed_by", "检查人"),
    ("reviewed_at", "检查时间"),
];

#[derive(Deserialize, Default)]
pub(super) struct CompliancePage {
    #[serde(default)]
    tab: Option<String>,
    /// Findings: `open` (the default), `resolved` or `all`.
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    officer: Option<String>,
    #[serde(default)]
    rule: Option<String>,
    /// Findings: `rule` (the default), `unit`, `officer` or `none`.
    #[serde(default)]
    group: Option<String>,
    /// Deadlines: `24h` or `48h` (the default).
    #[serde(default)]
    within: Option<String>,
    /// Report: first and last day.
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `GET /compliance`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer, Query(query): Query<CompliancePage>) -> Response {
    let api = &web.api;
    let pack: Value = match api.get(&viewer.headers, "/api/v1/compliance/pack").await {
        Ok(pack) => pack,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory = api.directory(&viewer.headers).await;
    let tab = query.tab.as_deref().filter(|tab| ["deadlines", "report", "rules"].contains(tab)).unwrap_or("findings");
    let mut context = json!({
        "tab": tab,
        "pack": pack_summary(&pack),
        "may_refresh": viewer.has_any_role(&REFRESHERS),
        "may_report": viewer.has_any_role(&REPORT_READERS),
        "units": options(&directory["units"], "name"),
        "officers": officer_options(&directory),
        "rules": pack["rules"].as_array().map(|rules| rules.iter().map(|rule| json!([rule["id"], format!("{}（{}）", rule["id"].as_str().unwrap_or_default(), rule["source"]["short_zh"].as_str().unwrap_or_default())])).collect::<Vec<_>>()),
    });
    let filled = match tab {
        "deadlines" => deadlines(&web, &viewer, &query, &directory).await,
        "report" => report(&web, &viewer, &query, &pack).await,
        "rules" => json!({ "pack_rules": pack["rules"], "misconduct": pack["misconduct"] }),
        _ => findings(&web, &viewer, &query, &directory, &pack).await,
    };
    if let (Some(context), Value::Object(filled)) = (context.as_object_mut(), filled) {
        context.extend(filled);
    }
    viewer.render("compliance.html", "合规检查", context)
}

async fn findings(web: &WebState, viewer: &Viewer, query: &CompliancePage, directory: &Value, pack: &Value) -> Value {
    let status = query.status.as_deref().filter(|status| ["resolved", "all"].contains(status)).unwrap_or("open");
    let group = query.group.as_deref().filter(|group| ["unit", "officer", "none"].contains(group)).unwrap_or("rule");
    let mut parameters = Vec::new();
    match status {
        "open" => parameters.push("open=true".to_owned()),
        "resolved" => parameters.push("open=false".to_owned()),
        _ => {}
    }
    for (name, value) in [("unit", &query.unit), ("officer", &query.officer), ("rule", &query.rule)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            parameters.push(format!("{name}={}", encode(value)));
        }
    }
    let path = format!("/api/v1/compliance/findings?{}", parameters.join("&"));
    let filter = json!({ "status": status, "group": group, "unit": query.unit, "officer": query.officer, "rule": query.rule });
    let found: Vec<Value> = match web.api.get(&viewer.headers, &path).await {
        Ok(found) => found,
        Err(refusal) => return json!({ "filter": filter, "findings_error": refusal.message, "groups": [] }),
    };
    let total = found.len();
    let mut groups: BTreeMap<String, (String, Vec<Value>)> = BTreeMap::new();
    for view in found {
        let view = enrich(view, directory, pack);
        let (key, label) = match group {
            "unit" => {
                (view["unit_name"].as_str().unwrap_or_default().to_owned(), view["unit_name"].as_str().unwrap_or("未归属单位").to_owned())
            }
            "officer" => (
                view["officer_name"].as_str().unwrap_or_default().to_owned(),
                view["officer_name"].as_str().unwrap_or("未指明人员").to_owned(),
            ),
            "none" => (String::new(), String::new()),
            _ => {
                let rule = view["finding"]["rule_id"].as_str().unwrap_or_default();
                (
                    rule.to_owned(),
                    format!(
                        "{rule} · {}（{}）",
                        view["finding"]["description"].as_str().unwrap_or_default(),
                        view["source_zh"].as_str().unwrap_or_default()
                    ),
                )
            }
        };
        let label = if label.is_empty() && group != "none" { "—".to_owned() } else { label };
        groups.entry(key).or_insert_with(|| (label, Vec::new())).1.push(view);
    }
    let groups: Vec<Value> =
        groups.into_values().map(|(label, findings)| json!({ "label": label, "count": findings.len(), "findings": findings })).collect();
    json!({ "filter": filter, "groups": groups, "total": total })
}

/// A finding with the names and the cited article a page shows.
fn enrich(mut view: Value, directory: &Value, pack: &Value) -> Value {
    let officer = view["finding"]["officer_id"].as_str().and_then(|id| find(&directory["officers"], id));
    let unit = view["finding"]["unit_id"].as_str().and_then(|id| find(&directory["units"], id));
    view["officer_name"] = officer.map(|officer| officer["name"].clone()).unwrap_or(Value::Null);
    view["unit_name"] = unit.map(|unit| unit["name"].clone()).unwrap_or(Value::Null);
    view["article"] = article(&view["finding"]["source"]);
    let rule_id = view["finding"]["rule_id"].clone();
    view["rule"] =
        pack["rules"].as_array().and_then(|rules| rules.iter().find(|rule| rule["id"] == rule_id)).cloned().unwrap_or(Value::Null);
    if let Some(items) = view["finding"]["misconduct"].as_array_mut() {
        for item in items {
            item["article"] = article(&item["source"]);
        }
    }
    view
}

/// What a page says about a citation: the document's agency and the article.
fn article(source: &Value) -> Value {
    let file = source["file"].as_str().unwrap_or_default();
    let regulation = liuhen_core::regulation::Regulation::by_file(file);
    json!({
        "file": file,
        "article": source["article"],
        "agency": regulation.map(|regulation| regulation.agency_zh),
        "short": regulation.map_or_else(|| file.to_owned(), |regulation| regulation.short_zh.to_owned()),
    })
}

async fn deadlines(web: &WebState, viewer: &Viewer, query: &CompliancePage, directory: &Value) -> Value {
    let within = match query.within.as_deref() {
        Some("24h") => "24h",
        _ => "48h",
    };
    match web.api.get::<Vec<Value>>(&viewer.headers, &format!("/api/v1/compliance/deadlines?within={within}")).await {
        Ok(upcoming) => {
            let upcoming: Vec<Value> = upcoming
                .into_iter()
                .map(|mut row| {
                    let officer =
                        row["officer_id"].as_str().and_then(|id| find(&directory["officers"], id)).map(|officer| officer["name"].clone());
                    row["officer_name"] = officer.unwrap_or(Value::Null);
                    row
                })
                .collect();
            json!({ "within": within, "upcoming": upcoming })
        }
        Err(refusal) => json!({ "within": within, "upcoming": [], "deadlines_error": refusal.message }),
    }
}

async fn report(web: &WebState, viewer: &Viewer, query: &CompliancePage, pack: &Value) -> Value {
    let mut parameters = Vec::new();
    for (name, value) in [("unit", &query.unit), ("from", &query.from), ("to", &query.to)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            parameters.push(format!("{name}={}", encode(value)));
        }
    }
    let parameters = parameters.join("&");
    let filter = json!({ "unit": query.unit, "from": query.from, "to": query.to });
    match web.api.get::<Value>(&viewer.headers, &format!("/api/v1/compliance/report?{parameters}")).await {
        Ok(mut report) => {
            if let Some(sections) = report["sections"].as_array_mut() {
                for section in sections {
                    let item = section["item_id"].clone();
                    let cited = pack["misconduct"].as_array().and_then(|items| items.iter().find(|known| known["id"] == item));
                    section["source_zh"] = cited.map(|cited| cited["source"]["short_zh"].clone()).unwrap_or(Value::Null);
                }
            }
            json!({ "report": report, "report_filter": filter, "report_query": parameters })
        }
        Err(refusal) => json!({ "report_filter": filter, "report_error": refusal.message }),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /compliance/refresh`: runs the check now.
pub(super) async fn refresh(State(web): State<WebState>, viewer: Viewer, Form(form): Form<CsrfOnly>) -> Response {
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/compliance/refresh", &form.csrf, &json!({})).await {
        Ok(refresh) => {
            let count = |name: &str| refresh[name].as_array().map_or(0, Vec::len);
            let text = format!(
                "合规检查已完成：新发现 {} 项，已整改 {} 项，未整改 {} 项",
                count("raised"),
                count("resolved"),
                refresh["open"].as_u64().unwrap_or_default()
            );
            page::done("/compliance", &text)
        }
        Err(refusal) => page::failed("/compliance", &refusal),
    }
}

/// `GET /compliance/findings/{id}`.
pub(super) async fn finding(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    finding_page(&web, &viewer, &id, StatusCode::OK, None, "").await
}

#[derive(Deserialize)]
pub(super) struct WaiverForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    explanation: String,
}

/// `POST /compliance/findings/{id}/waiver`: accepts an explanation.
pub(super) async fn waive(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Form(form): Form<WaiverForm>) -> Response {
    let path = format!("/api/v1/compliance/findings/{}/waiver", encode(&id));
    let body = json!({ "explanation": form.explanation });
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, &form.csrf, &body).await {
        Ok(waived) => {
            let id = waived["id"].as_str().map_or_else(|| encode(&id), str::to_owned);
            page::done(&format!("/compliance/findings/{id}"), "已认可情况说明，该问题已标记为“已说明”")
        }
        Err(refusal) => {
            let status = if refusal.status == StatusCode::BAD_REQUEST { StatusCode::UNPROCESSABLE_ENTITY } else { refusal.status };
            finding_page(&web, &viewer, &id, status, Some(refusal), &form.explanation).await
        }
    }
}

async fn finding_page(web: &WebState, viewer: &Viewer, id: &str, status: StatusCode, refused: Option<Refusal>, typed: &str) -> Response {
    let api = &web.api;
    let view: Value = match api.get(&viewer.headers, &format!("/api/v1/compliance/findings/{}", encode(id))).await {
        Ok(view) => view,
        Err(refusal) => return viewer.refused(refusal),
    };
    let pack: Value = api.get(&viewer.headers, "/api/v1/compliance/pack").await.unwrap_or_default();
    let directory = api.directory(&viewer.headers).await;
    let mut view = enrich(view, &directory, &pack);
    let evidence: Vec<Value> = view["finding"]["evidence"]
        .as_object()
        .map(|evidence| {
            evidence
                .iter()
                .map(|(name, value)| {
                    let label = EVIDENCE_LABELS.iter().find(|(known, _)| known == name).map_or(name.as_str(), |(_, label)| label);
                    json!({ "name": name, "label": label, "value": value })
                })
                .collect()
        })
        .unwrap_or_default();
    let resolver =
        view["resolution"]["officer_id"].as_str().and_then(|id| find(&directory["officers"], id)).map(|officer| officer["name"].clone());
    view["resolver_name"] = resolver.unwrap_or(Value::Null);
    let title = format!("合规问题 · {}", view["finding"]["rule_id"].as_str().unwrap_or_default());
    viewer.render_status(
        status,
        "finding.html",
        &title,
        json!({
            "view": view,
            "evidence": evidence,
            "error": refused.map(|refusal| refusal.message),
            "explanation": typed,
        }),
    )
}

/// The pack as the tabs' heading shows it.
fn pack_summary(pack: &Value) -> Value {
    json!({
        "id": pack["id"],
        "version": pack["version"],
        "name": pack["name"],
        "sha256": pack["sha256"],
        "rule_count": pack["rules"].as_array().map_or(0, Vec::len),
    })
}

/// The entry of `list` whose `id` is `id`.
pub(super) fn find<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|entry| entry["id"].as_str() == Some(id))
}

/// `[id, label]` pairs for a select.
pub(super) fn options(list: &Value, label: &str) -> Vec<Value> {
    list.as_array().map(|entries| entries.iter().map(|entry| json!([entry["id"], entry[label]])).collect()).unwrap_or_default()
}

fn officer_options(directory: &Value) -> Vec<Value> {
    directory["officers"]
        .as_array()
        .map(|officers| {
            officers
                .iter()
                .map(|officer| {
                    json!([
                        officer["id"],
                        format!("{}（{}）", officer["name"].as_str().unwrap_or_default(), officer["badge_no"].as_str().unwrap_or_default())
                    ])
                })
                .collect()
        })
        .unwrap_or_default()
}

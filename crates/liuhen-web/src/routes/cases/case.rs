//! The case page (案件详情): its facts, where it stands and what is
//! overdue; the timeline (时间轴) putting steps, approvals, documents and
//! their signatures, linked AV records and the open compliance findings on
//! one axis; and the forms that move it on (sent to [`super::forms`]).
//!
//! The findings are the compliance engine's (`GET
//! /api/v1/compliance/findings?case=…&open=true`); the page only places
//! them on the axis, and marks a stage whose recording a finding says is
//! missing. Without a policy pack (503) the timeline has no gaps to show.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use liuhen_core::case::{approval_chain, ApprovalMatter, ApprovalRole, Case, Procedure, Progress, RecordedItem, Stage, StageStep, Step};
use liuhen_core::document::DocumentKind;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{find, label_of, name_of, officer_name, overdue, text, unit_name, PROCEDURES, SOURCES};
use crate::page::{encode, Viewer};
use crate::WebState;

/// Fields that hold more than a line: asked for with a text area.
const LONG_FIELDS: [&str; 20] = [
    "questions_and_answers",
    "findings",
    "facts",
    "evidence",
    "decision",
    "statement",
    "statement_review",
    "proceedings",
    "discussion",
    "conclusion",
    "opinion",
    "summary",
    "outcome",
    "details",
    "request",
    "result",
    "handler_opinion",
    "items",
    "legal_conditions",
    "why_other_methods_failed",
];

/// Who may sign a document, as the API names them.
const SIGNER_ROLES: [(&str, &str); 5] =
    [("officer", "执法人员"), ("party", "当事人"), ("witness", "见证人"), ("legal_reviewer", "法制审核人员"), ("leader", "负责人")];

/// A form sent back to the case page with what was typed and why the API
/// refused it.
pub(crate) struct Returned {
    /// `document` or `link`.
    pub form: &'static str,
    pub values: Value,
    pub error: String,
}

#[derive(Deserialize)]
pub(crate) struct Choice {
    /// The kind of document whose fields the form asks for.
    kind: Option<String>,
}

/// `GET /cases/{id}`.
pub(crate) async fn show(State(web): State<WebState>, viewer: Viewer, Path(id): Path<String>, Query(choice): Query<Choice>) -> Response {
    page(&web, &viewer, &id, choice.kind.filter(|kind| !kind.is_empty()), StatusCode::OK, None).await
}

fn parse<T: DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

fn stage_zh(value: &Value) -> String {
    parse::<Stage>(value).map_or_else(|| text(value).to_owned(), |stage| stage.label_zh().to_owned())
}

/// The case page; `kind` chooses the document form's fields, `returned`
/// is a form sent back.
pub(crate) async fn page(
    web: &WebState,
    viewer: &Viewer,
    id: &str,
    kind: Option<String>,
    status: StatusCode,
    returned: Option<Returned>,
) -> Response {
    let api = &web.api;
    let view: Value = match api.get(&viewer.headers, &format!("/api/v1/cases/{}", encode(id))).await {
        Ok(view) => view,
        Err(refusal) => return viewer.refused(refusal),
    };
    let (Some(case), Some(steps)) = (parse::<Case>(&view["case"]), parse::<Vec<StageStep>>(&view["steps"])) else {
        return viewer.refused(crate::api::Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "系统内部错误：案件数据无法读取。The case does not read as this page expects.".into(),
        });
    };
    let case_id = case.id.to_string();
    let documents: Vec<Value> = match api.get(&viewer.headers, &format!("/api/v1/cases/{case_id}/documents")).await {
        Ok(documents) => documents,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory = api.directory(&viewer.headers).await;
    let me: Value = api.get(&viewer.headers, "/api/v1/me").await.unwrap_or_default();
    let kinds: Vec<Value> = api.get(&viewer.headers, "/api/v1/document-kinds").await.unwrap_or_default();
    // Compliance may be off (503): then there are no findings to show.
    let findings: Option<Vec<Value>> =
        api.get(&viewer.headers, &format!("/api/v1/compliance/findings?case={case_id}&open=true")).await.ok();

    let my_officer = me["user"]["officer_id"].clone();
    let me_as_officer = find(&directory, "officers", &my_officer).cloned();
    let handles = case.handlers.iter().any(|handler| my_officer.as_str() == Some(handler.to_string().as_str()));
    let leader = viewer.has_role("unit_leader");
    let progress = Progress::of(&case, &steps);
    let findings_list = findings.clone().unwrap_or_default();

    let entered: Vec<Stage> = steps.iter().fold(Vec::new(), |mut entered, step| {
        if let Step::Enter { stage } | Step::Resume { stage } = step.step {
            if !entered.contains(&stage) {
                entered.push(stage);
            }
        }
        entered
    });
    let entered_options: Vec<Value> = entered.iter().map(|stage| json!([name_of(stage), stage.label_zh()])).collect();
    let current = progress.current.map(name_of).unwrap_or_default();

    let field_labels = field_labels(&kinds);
    let document_rows: Vec<Value> = documents.iter().map(|view| document_row(view, &directory, &field_labels)).collect();
    let current_documents: Vec<Value> = documents
        .iter()
        .filter(|view| view["superseded_by"].is_null())
        .map(|view| {
            let document = &view["document"];
            json!([document["id"], format!("{}（第{}版）", kind_zh(&document["kind"]), document["version"])])
        })
        .collect();

    let (doc_form, doc_error) = document_form(&kinds, kind, &current, &current_documents, returned.as_ref());
    let may_work = handles || leader;
    let candidates =
        if may_work && !entered.is_empty() && !progress.archived { link_candidates(web, viewer, &case).await } else { Vec::new() };
    let (link_form, link_error) = match returned.as_ref().filter(|returned| returned.form == "link") {
        Some(returned) => (returned.values.clone(), Some(returned.error.clone())),
        None => (json!({ "stage": current }), None),
    };

    let context = json!({
        "id": case_id,
        "case": view["case"],
        "view": view,
        "facts": facts(&case, &view, &directory),
        "overdue": overdue_items(&view, &documents, &findings_list),
        "is_overdue": overdue(&view),
        "timeline": timeline(&steps, &view, &documents, &findings_list, &directory),
        "compliance_on": findings.is_some(),
        "findings": findings_list,
        "documents": document_rows,
        "doc_form": doc_form,
        "doc_error": doc_error,
        "kinds": kinds.iter().map(|kind| json!([kind["kind"], kind["label_zh"]])).collect::<Vec<_>>(),
        "entered": entered_options,
        "current_documents": current_documents,
        "chains": chains(&case, &progress, &view, viewer, handles),
        "approvals": approval_rows(&view, &directory),
        "stage_options": stage_options(&case, &progress, &view),
        "may_emergency": case.procedure == Procedure::General
            && view["remaining_stages"].get(0) == Some(&Value::from("filing"))
            && !view["next_start_approval"].is_null(),
        "link_form": link_form,
        "link_error": link_error,
        "link_candidates": candidates,
        "items": RecordedItem::ALL.iter().map(|item| json!([name_of(item), item.label_zh()])).collect::<Vec<_>>(),
        "links": links(&view),
        "signer_roles": SIGNER_ROLES.iter().map(|(value, label)| json!([value, label])).collect::<Vec<_>>(),
        "signer_officers": super::officer_options(&directory, "badge_no"),
        "me_officer": me_as_officer,
        "handles": handles,
        "may_work": may_work,
        "may_archive": progress.concluded && !progress.archived && viewer.has_any_role(&["archivist", "unit_leader"]),
        "concluded": progress.concluded,
        "archived": progress.archived,
    });
    viewer.render_status(status, "case.html", &case.number, context)
}

/// How far before a case was opened its handlers' recordings are offered
/// for linking: a scene filmed before the case was filed belongs to it.
const CANDIDATES_BEFORE_OPENING: jiff::SignedDuration = jiff::SignedDuration::from_hours(72);

/// The handlers' recordings not yet linked to any case, from a little
/// before the case was opened, newest first: what the link form offers to
/// choose from, so nobody copies a record number from another page. Read
/// through the API like everything else, so it is audited and shows only
/// what the viewer may read; when it cannot be read, the number is typed.
async fn link_candidates(web: &WebState, viewer: &Viewer, case: &Case) -> Vec<Value> {
    let from = case.opened_at.checked_sub(CANDIDATES_BEFORE_OPENING).unwrap_or(case.opened_at);
    let mut candidates = Vec::new();
    for handler in &case.handlers {
        let path = format!("/api/v1/recordings?officer={handler}&linked=no&from={}&limit=20", encode(&from.to_string()));
        let Ok(page) = web.api.get::<Value>(&viewer.headers, &path).await else { continue };
        for recording in page["recordings"].as_array().into_iter().flatten() {
            let start = recording["corrected_start"].as_str().map(crate::templates::china_seconds).unwrap_or_else(|| "时间未知".to_owned());
            let label = format!("{} · {} · {}", start, text(&recording["file_name"]), text(&recording["officer_name"]));
            candidates.push(json!([recording["media_id"], label]));
        }
    }
    candidates
}

fn kind_zh(value: &Value) -> String {
    parse::<DocumentKind>(value).map_or_else(|| text(value).to_owned(), |kind| kind.label_zh().to_owned())
}

fn facts(case: &Case, view: &Value, directory: &Value) -> Value {
    let record = &view["case"];
    let handlers: Vec<Value> = record["handlers"]
        .as_array()
        .map(|handlers| handlers.iter().map(|handler| officer_name(directory, handler)).collect())
        .unwrap_or_default();
    let parties: Vec<Value> = case
        .parties
        .iter()
        .map(|party| {
            let kind = if name_of(party.kind) == "organisation" { "法人或其他组织" } else { "自然人" };
            json!({ "kind": kind, "name": party.name, "id_number": party.id_number })
        })
        .collect();
    json!({
        "number": case.number,
        "act_kind": record["act_kind"],
        "procedure": label_of(&PROCEDURES, &name_of(case.procedure)),
        "source": label_of(&SOURCES, &name_of(case.source)),
        "matter": case.matter,
        "parties": parties,
        "lead": officer_name(directory, &record["lead_officer"]),
        "handlers": handlers,
        "unit": unit_name(directory, &record["unit_id"]),
        "opened_at": record["opened_at"],
    })
}

/// What is past its time: the emergency start's approval, the archiving,
/// re-checks of orders to correct, and deadline findings.
fn overdue_items(view: &Value, documents: &[Value], findings: &[Value]) -> Vec<Value> {
    let mut items = Vec::new();
    if view["start_approval_overdue"].as_bool() == Some(true) {
        items.push(json!({ "text": "紧急立案后的立案审批已逾期", "due": view["start_approval_due"] }));
    }
    if view["archive_overdue"].as_bool() == Some(true) {
        items.push(json!({ "text": "办结后归档已逾期", "due": view["archive_due"] }));
    }
    for late in view["overdue_rechecks"].as_array().into_iter().flatten() {
        let made = documents.iter().find(|document| &document["document"]["id"] == late);
        let due = made.map_or(Value::Null, |made| made["document"]["fields"]["due_by"].clone());
        items.push(json!({ "text": "责令改正期限已过，尚未复查", "due_text": due }));
    }
    for finding in findings.iter().filter(|finding| !finding["due"].is_null()) {
        items.push(json!({ "text": finding["message"], "due": finding["due"], "cite": finding["source_zh"] }));
    }
    items
}

/// One entry of the timeline.
struct Entry {
    at: Timestamp,
    json: Value,
}

fn entry(at: &Value, class: &str, title: String, detail: Value, tags: Vec<Value>, href: Option<String>) -> Option<Entry> {
    let time = at.as_str()?.parse::<Timestamp>().ok()?;
    Some(Entry { at: time, json: json!({ "at": at, "class": class, "title": title, "detail": detail, "tags": tags, "href": href }) })
}

fn tag(class: &str, text: &str) -> Value {
    json!({ "class": class, "text": text })
}

/// The stages an open finding says lack their AV record (by label, as the
/// engine writes them into its evidence).
fn stages_missing_recordings(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .filter(|finding| finding["check"] == "av_required")
        .filter_map(|finding| finding["evidence"]["stage"].as_str().map(str::to_owned))
        .collect()
}

fn timeline(steps: &[StageStep], view: &Value, documents: &[Value], findings: &[Value], directory: &Value) -> Vec<Value> {
    let mut entries: Vec<Entry> = Vec::new();
    let missing = stages_missing_recordings(findings);
    for (step, json) in steps.iter().zip(view["steps"].as_array().into_iter().flatten()) {
        let mut tags = Vec::new();
        if step.emergency {
            tags.push(tag("warn", "紧急先行"));
        }
        let title = match step.step {
            Step::Enter { stage } => {
                if missing.iter().any(|label| label == stage.label_zh()) {
                    tags.push(tag("bad", "缺音像记录"));
                }
                format!("进入{}环节", stage.label_zh())
            }
            Step::Resume { stage } => format!("恢复办理（{}）", stage.label_zh()),
            Step::Archive => "归档".to_owned(),
        };
        entries.extend(entry(&json["at"], "stage", title, json["note"].clone(), tags, None));
    }
    for approval in view["approvals"].as_array().into_iter().flatten() {
        let chain = if approval["matter"] == "start" { "立案审批" } else { "决定审批" };
        let role = parse::<ApprovalRole>(&approval["role"]).map_or("", ApprovalRole::label_zh);
        let who = officer_name(directory, &approval["officer_id"]);
        let verdict = if approval["approved"].as_bool() == Some(false) { tag("bad", "不同意") } else { tag("ok", "同意") };
        let detail = Value::from(format!("{}：{}", text(&who), text(&approval["opinion"])));
        entries.extend(entry(&approval["at"], "approval", format!("{chain}·{role}意见"), detail, vec![verdict], None));
    }
    for view in documents {
        let document = &view["document"];
        let kind = kind_zh(&document["kind"]);
        let pdf = format!("/api/v1/cases/{}/documents/{}/pdf", text(&document["case_id"]), text(&document["id"]));
        let mut tags = Vec::new();
        if !document["supersedes"].is_null() {
            tags.push(tag("warn", "更正"));
        }
        let detail =
            Value::from(format!("{}环节，制作人 {}", stage_zh(&document["stage"]), text(&officer_name(directory, &document["made_by"]))));
        entries.extend(entry(
            &document["made_at"],
            "document",
            format!("制作{kind}（第{}版）", document["version"]),
            detail,
            tags,
            Some(pdf),
        ));
        for signature in view["signatures"].as_array().into_iter().flatten() {
            let who = signer(&signature["signer"], directory);
            let (title, tags) = match signature["refusal"].as_object() {
                Some(refusal) => (
                    format!("{who}拒绝在{kind}上签名"),
                    vec![tag("bad", &format!("拒签：{}（见证人 {}）", text(&refusal["reason"]), text(&refusal["witness"])))],
                ),
                None => (format!("{who}在{kind}上签名"), Vec::new()),
            };
            entries.extend(entry(&signature["at"], "document", title, Value::Null, tags, None));
        }
    }
    for link in view["links"].as_array().into_iter().flatten() {
        let at = if link["recording_end"].is_null() { &link["linked_at"] } else { &link["recording_end"] };
        let item = parse::<RecordedItem>(&link["item"]).map_or("", RecordedItem::label_zh);
        let detail = Value::from(format!("{item}，{}环节，{}", stage_zh(&link["stage"]), text(&link["location"])));
        let href = format!("/recordings/{}", text(&link["media_id"]));
        entries.extend(entry(at, "recording", format!("音像记录：{}", text(&link["label"])), detail, Vec::new(), Some(href)));
    }
    for finding in findings {
        let evidence = &finding["evidence"];
        let at = [&evidence["event_at"], &evidence["passed_at"], &finding["due"], &finding["raised_at"]]
            .into_iter()
            .find(|at| at.as_str().is_some_and(|at| at.parse::<Timestamp>().is_ok()))
            .cloned()
            .unwrap_or(Value::Null);
        let tags = vec![tag("bad", "未整改")];
        let href = Some(format!("/compliance/findings/{}", text(&finding["id"])));
        entries.extend(entry(&at, "gap", text(&finding["message"]).to_owned(), finding["source_zh"].clone(), tags, href));
    }
    entries.sort_by_key(|entry| entry.at);
    entries.into_iter().map(|entry| entry.json).collect()
}

/// Who signed, in words.
fn signer(signer: &Value, directory: &Value) -> String {
    let named = |id: &Value| text(&officer_name(directory, id)).to_owned();
    match text(&signer["role"]) {
        "officer" => {
            let mut about = Vec::new();
            if let Some(number) = signer["certificate_no"].as_str() {
                about.push(format!("证号 {number}"));
            }
            about.push(if signer["certificate_shown"].as_bool() == Some(true) { "已出示执法证" } else { "未出示执法证" }.to_owned());
            format!("执法人员 {}（{}）", named(&signer["officer_id"]), about.join("，"))
        }
        "party" => format!("当事人 {}", text(&signer["name"])),
        "witness" => format!("见证人 {}", text(&signer["name"])),
        "legal_reviewer" => format!("法制审核人员 {}", named(&signer["officer_id"])),
        "leader" => format!("负责人 {}", named(&signer["officer_id"])),
        other => other.to_owned(),
    }
}

/// Every field name the kinds of document know, with its label, in the
/// order the forms ask for them.
fn field_labels(kinds: &[Value]) -> Vec<(String, Value)> {
    let mut labels: Vec<(String, Value)> = Vec::new();
    for kind in kinds {
        for field in kind["fields"].as_array().into_iter().chain(kind["optional_fields"].as_array()).flatten() {
            let name = text(&field["name"]);
            if !labels.iter().any(|(known, _)| known == name) {
                labels.push((name.to_owned(), field["label_zh"].clone()));
            }
        }
    }
    labels
}

fn document_row(view: &Value, directory: &Value, labels: &[(String, Value)]) -> Value {
    let document = &view["document"];
    // Known fields in the form's order, then any others as they came.
    let mut fields: Vec<(usize, Value)> = document["fields"]
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .map(|(name, value)| {
                    let known = labels.iter().position(|(known, _)| known == name);
                    let label = known.map_or_else(|| Value::from(name.clone()), |position| labels[position].1.clone());
                    (known.unwrap_or(usize::MAX), json!({ "label": label, "value": value }))
                })
                .collect()
        })
        .unwrap_or_default();
    fields.sort_by_key(|(position, _)| *position);
    let fields: Vec<Value> = fields.into_iter().map(|(_, field)| field).collect();
    let signatures: Vec<Value> = view["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|signature| json!({ "who": signer(&signature["signer"], directory), "at": signature["at"], "refusal": signature["refusal"] }))
        .collect();
    json!({
        "id": document["id"],
        "kind": kind_zh(&document["kind"]),
        "version": document["version"],
        "stage": document["stage"],
        "made_at": document["made_at"],
        "made_by": officer_name(directory, &document["made_by"]),
        "legal_basis": document["legal_basis"],
        "amendment_reason": document["amendment_reason"],
        "fields": fields,
        "signatures": signatures,
        "superseded": !view["superseded_by"].is_null(),
        "correction_pending": view["correction_pending"],
        "pdf": format!("/api/v1/cases/{}/documents/{}/pdf", text(&document["case_id"]), text(&document["id"])),
    })
}

/// The form to make a document: the chosen kind's fields (or the form
/// sent back, as typed), and the API's reason if it was refused.
fn document_form(
    kinds: &[Value],
    kind: Option<String>,
    current: &str,
    current_documents: &[Value],
    returned: Option<&Returned>,
) -> (Value, Option<String>) {
    let returned = returned.filter(|returned| returned.form == "document");
    let values = returned.map_or(Value::Null, |returned| returned.values.clone());
    let chosen = returned.map(|_| text(&values["kind"]).to_owned()).or(kind).unwrap_or_default();
    let spec = kinds.iter().find(|candidate| candidate["kind"] == chosen.as_str());
    let mut fields = Vec::new();
    if let Some(spec) = spec {
        let required = spec["fields"].as_array().into_iter().flatten().map(|field| (field, true));
        let optional = spec["optional_fields"].as_array().into_iter().flatten().map(|field| (field, false));
        for (field, required) in required.chain(optional) {
            let name = text(&field["name"]);
            let choices: Vec<Value> = match name {
                "document" => current_documents.to_vec(),
                _ => spec["choices"][name]
                    .as_array()
                    .map(|choices| choices.iter().map(|choice| json!([choice, choice])).collect())
                    .unwrap_or_default(),
            };
            let input = if !choices.is_empty() {
                "select"
            } else if name == "served_at" {
                "datetime-local"
            } else if LONG_FIELDS.contains(&name) {
                "textarea"
            } else {
                "text"
            };
            let hint = match name {
                "rights" => spec["rights"]
                    .as_array()
                    .map(|rights| format!("可告知的权利：{}（以顿号分隔）", rights.iter().map(text).collect::<Vec<_>>().join("、"))),
                "served_at" => Some("中国标准时间".to_owned()),
                _ => None,
            };
            fields.push(json!({
                "name": name,
                "label": field["label_zh"],
                "required": required,
                "input": input,
                "choices": choices,
                "hint": hint,
                "value": values[format!("field.{name}")],
            }));
        }
    }
    let methods = spec.and_then(|spec| spec["methods"].as_array()).map(|methods| {
        methods
            .iter()
            .filter(|method| method["needs"].as_array().is_some_and(|needs| !needs.is_empty()))
            .map(|method| {
                format!(
                    "{}：{}",
                    text(&method["method"]),
                    method["needs"].as_array().into_iter().flatten().map(text).collect::<Vec<_>>().join("、")
                )
            })
            .collect::<Vec<_>>()
            .join("；")
    });
    let form = json!({
        "kind": chosen,
        "kind_label": spec.map(|spec| spec["label_zh"].clone()),
        "article": spec.map(|spec| spec["article"].clone()),
        "methods": methods,
        "fields": fields,
        "stage": if returned.is_some() { values["stage"].clone() } else { Value::from(current) },
        "legal_basis": values["legal_basis"],
        "extra": values["extra"],
        "corrects": values["corrects"],
        "reason": values["reason"],
        "touches_rights": values["touches_rights"],
    });
    (form, returned.map(|returned| returned.error.clone()))
}

/// Each approval chain still open, with the role whose opinion is due and
/// whether the viewer gives it.
fn chains(case: &Case, progress: &Progress, view: &Value, viewer: &Viewer, handles: bool) -> Vec<Value> {
    if progress.concluded {
        return Vec::new();
    }
    let gives = |role: ApprovalRole| match role {
        ApprovalRole::Handler => handles,
        ApprovalRole::Reviewer | ApprovalRole::Approver => viewer.has_role("unit_leader"),
        ApprovalRole::LegalReview => viewer.has_role("legal_reviewer"),
    };
    let mut chains = Vec::new();
    let open = [
        (ApprovalMatter::Start, "立案审批", "next_start_approval", case.act_kind.general_stages().contains(&Stage::Filing)),
        (ApprovalMatter::Decision, "决定审批", "next_decision_approval", progress.general == Some(Stage::ReviewDecision)),
    ];
    for (matter, label, field, relevant) in open {
        let Some(next) = parse::<ApprovalRole>(&view[field]) else { continue };
        if !relevant {
            continue;
        }
        let roles: Vec<Value> = approval_chain(case, matter).iter().map(|role| json!([name_of(role), role.label_zh()])).collect();
        chains.push(json!({
            "matter": name_of(matter),
            "label": label,
            "next": name_of(next),
            "next_zh": next.label_zh(),
            "roles": roles,
            "mine": gives(next),
        }));
    }
    chains
}

fn approval_rows(view: &Value, directory: &Value) -> Vec<Value> {
    view["approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|approval| {
            json!({
                "chain": if approval["matter"] == "start" { "立案审批" } else { "决定审批" },
                "role": approval["role"],
                "officer": officer_name(directory, &approval["officer_id"]),
                "opinion": approval["opinion"],
                "approved": approval["approved"],
                "at": approval["at"],
            })
        })
        .collect()
}

/// The steps the case may take next: the next general stage (any later
/// one in simple procedure), its special stages, or, while suspended,
/// only resuming where it stopped.
fn stage_options(case: &Case, progress: &Progress, view: &Value) -> Vec<Value> {
    if progress.concluded {
        return Vec::new();
    }
    if let Some(stage) = progress.suspended_in {
        return vec![json!([name_of(stage), format!("恢复办理：{}", stage.label_zh())])];
    }
    let remaining: Vec<Stage> = parse(&view["remaining_stages"]).unwrap_or_default();
    let general = if case.procedure == Procedure::General { &remaining[..remaining.len().min(1)] } else { &remaining[..] };
    let mut options: Vec<Value> = general
        .iter()
        .map(|stage| {
            let label = if *stage == Stage::Conclusion {
                format!("办结：{}", stage.label_zh())
            } else {
                format!("下一环节：{}", stage.label_zh())
            };
            json!([name_of(stage), label])
        })
        .collect();
    if progress.general.is_some() {
        for stage in case.act_kind.special_stages() {
            let label =
                if *stage == Stage::Suspension { "中止办理".to_owned() } else { format!("特别程序：{}", stage.label_zh()) };
            options.push(json!([name_of(stage), label]));
        }
    }
    options
}

fn links(view: &Value) -> Vec<Value> {
    view["links"].as_array().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_show_as_gaps_at_their_time_and_mark_the_stage_without_recordings() {
        let case = "01a236dd-2e94-7544-bdc8-816de6bb7664";
        let step = |sequence: u32, stage: &str, at: &str| json!({ "case_id": case, "sequence": sequence, "step": { "kind": "enter", "stage": stage }, "at": at, "by": "user:x", "note": "" });
        let view = json!({
            "steps": [step(0, "intake", "2026-12-01T01:00:00Z"), step(1, "investigation", "2026-12-01T03:00:00Z")],
            "approvals": [],
            "links": [],
        });
        let steps: Vec<StageStep> = parse(&view["steps"]).unwrap();
        let findings = vec![json!({
            "id": "f1",
            "check": "av_required",
            "message": "案件 X 的询问没有关联音像记录（调查取证环节）",
            "source_zh": "厦门 二（三）",
            "evidence": { "stage": "调查取证", "event_at": "2026-12-01T02:00:00.5Z" },
            "due": "2026-12-03T02:00:00Z",
            "raised_at": "2026-12-03T02:01:00Z",
        })];
        let items = timeline(&steps, &view, &[], &findings, &json!({}));
        let titles: Vec<&str> = items.iter().map(|item| text(&item["title"])).collect();
        assert_eq!(titles, ["进入受案环节", "案件 X 的询问没有关联音像记录（调查取证环节）", "进入调查取证环节"], "in time order");
        assert_eq!(items[1]["class"], "gap");
        assert_eq!(items[1]["href"], "/compliance/findings/f1");
        assert_eq!(items[2]["tags"][0]["text"], "缺音像记录", "the stage the finding names is marked");
        assert!(items[0]["tags"].as_array().unwrap().is_empty());
    }
}

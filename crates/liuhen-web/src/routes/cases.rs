//! Cases (案件): the list with its search, the form that opens a case, the
//! case page with its timeline and forms ([`case`], [`forms`]), and the
//! complaints (线索/投诉, [`complaints`]).
//!
//! Filtering and paging are the API's (`GET /api/v1/cases?…`): this page
//! makes one call for the page of cases and one for the directory, and
//! never one per row.

mod case;
mod complaints;
mod forms;

pub(super) use case::show;
pub(super) use complaints::{decide as decide_complaint, list as complaints, register as register_complaint};
pub(super) use forms::{approve, archive, link, make_document, sign, stage};

use axum::extract::{Query, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use liuhen_core::case::{ActKind, Stage};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::{self, encode, Viewer};
use crate::WebState;

/// Cases on one page of the list.
const PAGE_SIZE: usize = 50;

/// The list's filters, as the search form names them (and the API too).
const FILTERS: [&str; 9] = ["q", "unit", "officer", "act_kind", "stage", "from", "to", "party", "matter"];

/// Where a case comes from (案件来源), as the API names it.
pub(crate) const SOURCES: [(&str, &str); 6] = [
    ("patrol", "巡查发现"),
    ("complaint", "投诉举报"),
    ("transfer", "移送"),
    ("assignment", "上级交办"),
    ("application", "依申请"),
    ("other", "其他"),
];

/// General (一般程序) or simple procedure (简易程序).
pub(crate) const PROCEDURES: [(&str, &str); 2] = [("general", "一般程序"), ("simple", "简易程序")];

const PARTY_KINDS: [(&str, &str); 2] = [("person", "自然人"), ("organisation", "法人或其他组织")];

/// How many party rows the form to open a case offers.
const PARTY_ROWS: usize = 3;

/// The label of `value` in a `(value, label)` table, or the value itself.
pub(crate) fn label_of(table: &[(&str, &str)], value: &str) -> String {
    table.iter().find(|(known, _)| *known == value).map_or(value, |(_, label)| label).to_owned()
}

/// A serde enum's snake_case name.
pub(crate) fn name_of<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|json| json.as_str().map(str::to_owned)).unwrap_or_default()
}

/// `[value, label]` pairs for a select.
fn options(table: &[(&str, &str)]) -> Vec<Value> {
    table.iter().map(|(value, label)| json!([value, label])).collect()
}

fn act_kind_options() -> Vec<Value> {
    ActKind::ALL.iter().map(|kind| json!([name_of(kind), kind.label_zh()])).collect()
}

/// Every stage some kind of act passes through, general stages first.
pub(crate) fn stage_options() -> Vec<Value> {
    let mut stages: Vec<Stage> = Vec::new();
    for kind in ActKind::ALL {
        for stage in kind.general_stages().iter().chain(kind.special_stages()) {
            if !stages.contains(stage) {
                stages.push(*stage);
            }
        }
    }
    stages.iter().map(|stage| json!([name_of(stage), stage.label_zh()])).collect()
}

/// A posted form, every field in order: repeated names (checkboxes) stay.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; empty when absent.
    pub(crate) fn one(&self, name: &str) -> &str {
        self.0.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.trim())
    }

    /// Every non-empty value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(key, value)| key == name && !value.trim().is_empty()).map(|(_, value)| value.trim()).collect()
    }

    pub(crate) fn checked(&self, name: &str) -> bool {
        !self.one(name).is_empty()
    }

    /// The fields whose names start with `prefix`, without it.
    pub(crate) fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(key, value)| key.strip_prefix(prefix).map(|name| (name, value.as_str())))
    }

    /// Every field as an object (the first value of each name), to fill a
    /// form sent back.
    pub(crate) fn values(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (key, value) in &self.0 {
            map.entry(key.clone()).or_insert_with(|| Value::from(value.clone()));
        }
        Value::Object(map)
    }
}

/// The status a form sent back answers: 422, or the server's own error.
pub(crate) fn returned_status(refusal: &crate::api::Refusal) -> StatusCode {
    if refusal.status.is_server_error() {
        refusal.status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// An officer's name from the directory, or the id when unknown.
pub(crate) fn officer_name(directory: &Value, id: &Value) -> Value {
    find(directory, "officers", id).map_or_else(|| id.clone(), |officer| officer["name"].clone())
}

pub(crate) fn unit_name(directory: &Value, id: &Value) -> Value {
    find(directory, "units", id).map_or_else(|| id.clone(), |unit| unit["name"].clone())
}

pub(crate) fn find<'a>(directory: &'a Value, list: &str, id: &Value) -> Option<&'a Value> {
    directory[list].as_array()?.iter().find(|entry| &entry["id"] == id)
}

/// `[id, "name（badge）"]` pairs of every officer, for a select.
fn officer_options(directory: &Value, key: &str) -> Vec<Value> {
    directory["officers"]
        .as_array()
        .map(|officers| {
            officers
                .iter()
                .map(|officer| {
                    let assistant = if officer["qualification"] == "assistant" { "，协助执法" } else { "" };
                    json!([officer[key], format!("{}（{}{}）", text(&officer["name"]), text(&officer["badge_no"]), assistant)])
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// `GET /cases`: the list, filtered and paged by the API.
pub(super) async fn list(State(web): State<WebState>, viewer: Viewer, RawQuery(raw): RawQuery) -> Response {
    let query: Vec<(String, String)> = Query::try_from_uri(&format!("/?{}", raw.unwrap_or_default()).parse().unwrap_or_default())
        .map(|Query(pairs)| pairs)
        .unwrap_or_default();
    let given =
        |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, value)| value.trim().to_owned()).filter(|value| !value.is_empty());
    let filters: Vec<(&str, String)> = FILTERS.iter().filter_map(|name| given(name).map(|value| (*name, value))).collect();
    let page_number = given("page").and_then(|page| page.parse::<usize>().ok()).filter(|page| *page >= 1).unwrap_or(1);
    let search: String = filters.iter().map(|(name, value)| format!("{name}={}&", encode(value))).collect();

    let api = &web.api;
    let directory = api.directory(&viewer.headers).await;
    // The API is asked with the officer as it knows them; the form keeps what was typed.
    let asked: Result<String, String> = filters
        .iter()
        .map(|(name, value)| match *name {
            "officer" => officer_filter(&directory, value).map(|officer| format!("officer={}&", encode(&officer))),
            _ => Ok(format!("{name}={}&", encode(value))),
        })
        .collect();
    let asked = match asked {
        Ok(asked) => asked,
        Err(ambiguous) => {
            let listing = Listing { error: Some(ambiguous), ..Listing::default() };
            let context = list_context(&viewer, &filters, &search, &directory, listing);
            return viewer.render_status(StatusCode::BAD_REQUEST, "cases.html", "案件", context);
        }
    };
    let path = format!("/api/v1/cases?{asked}order=newest&limit={PAGE_SIZE}&offset={}", (page_number - 1) * PAGE_SIZE);
    let answer = api.call(&viewer.headers, Method::GET, &path, None, None).await;
    let total = answer
        .headers
        .get("x-total-count")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or_default();
    let (status, cases, error) = match answer.decode::<Vec<Value>>(&path) {
        Ok(cases) => (StatusCode::OK, cases, None),
        // A bad filter: the form comes back with the API's reason.
        Err(refusal) if refusal.status == StatusCode::BAD_REQUEST => (StatusCode::BAD_REQUEST, Vec::new(), Some(refusal.message)),
        Err(refusal) => return viewer.refused(refusal),
    };
    let rows: Vec<Value> = cases.iter().map(|view| row(view, &directory)).collect();
    let context = list_context(&viewer, &filters, &search, &directory, Listing { rows, total, page: page_number, error });
    viewer.render_status(status, "cases.html", "案件", context)
}

/// One page of the list as the API answered it.
#[derive(Default)]
struct Listing {
    rows: Vec<Value>,
    /// How many cases match in all.
    total: usize,
    /// The page shown, from 1.
    page: usize,
    /// Why nothing is listed: a filter the API or the page refused.
    error: Option<String>,
}

/// What the list page shows: the filters as typed (`search`, as a query
/// string), the rows and the links to other pages.
fn list_context(viewer: &Viewer, filters: &[(&str, String)], search: &str, directory: &Value, listing: Listing) -> Value {
    let Listing { rows, total, page: page_number, error } = listing;
    let page_number = page_number.max(1);
    let link_to = |page_number: usize| format!("/cases?{search}page={page_number}");
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    json!({
        "cases": rows,
        "filters": filters.iter().map(|(name, value)| (name.to_string(), Value::from(value.clone()))).collect::<serde_json::Map<_, _>>(),
        "error": error,
        "total": total,
        "page": page_number,
        "pages": pages,
        "previous": (page_number > 1).then(|| link_to(page_number - 1)),
        "next": (page_number < pages).then(|| link_to(page_number + 1)),
        "units": directory["units"].as_array().map(|units| units.iter().map(|unit| json!([unit["id"], unit["name"]])).collect::<Vec<_>>()),
        "act_kinds": act_kind_options(),
        "stages": stage_options(),
        "may_open": viewer.has_any_role(&["officer", "unit_leader"]),
    })
}

/// The list's officer filter as the API takes it. A large agency has
/// thousands of officers, too many for a select, so the field takes what
/// a person knows: a badge number (or an officer id, from an older link)
/// goes to the API as it is, and a name is looked up. Two officers of one
/// name are named back with their badge numbers to choose from; a name
/// nobody has goes to the API, which says so.
fn officer_filter(directory: &Value, typed: &str) -> Result<String, String> {
    let officers = directory["officers"].as_array().map(Vec::as_slice).unwrap_or_default();
    if officers.iter().any(|officer| text(&officer["badge_no"]) == typed || text(&officer["id"]) == typed) {
        return Ok(typed.to_owned());
    }
    let named: Vec<&Value> = officers.iter().filter(|officer| text(&officer["name"]) == typed).collect();
    match named.as_slice() {
        [] => Ok(typed.to_owned()),
        [officer] => Ok(text(&officer["badge_no"]).to_owned()),
        several => {
            let badges: Vec<String> =
                several.iter().map(|officer| format!("{}（{}）", text(&officer["name"]), text(&officer["badge_no"]))).collect();
            Err(format!("有 {} 名执法人员名为“{typed}”：{}。请输入执法证号。", several.len(), badges.join("、")))
        }
    }
}

/// A case as one row of a list (the case list, the workbench).
pub(crate) fn row(view: &Value, directory: &Value) -> Value {
    let case = &view["case"];
    let parties: Vec<&str> =
        case["parties"].as_array().map(|parties| parties.iter().map(|party| text(&party["name"])).collect()).unwrap_or_default();
    json!({
        "id": case["id"],
        "number": case["number"],
        "act_kind": case["act_kind"],
        "matter": case["matter"],
        "parties": parties.join("、"),
        "lead": officer_name(directory, &case["lead_officer"]),
        "unit": unit_name(directory, &case["unit_id"]),
        "stage": view["current_stage"],
        "suspended": !view["suspended_in"].is_null(),
        "concluded": view["concluded"],
        "archived": view["archived"],
        "held": view["held"],
        "opened_at": case["opened_at"],
        "overdue": overdue(view),
    })
}

/// Whether anything about the case is past its time.
pub(crate) fn overdue(view: &Value) -> bool {
    view["start_approval_overdue"].as_bool().unwrap_or(false)
        || view["archive_overdue"].as_bool().unwrap_or(false)
        || view["overdue_rechecks"].as_array().is_some_and(|late| !late.is_empty())
}

/// `GET /cases/new`: the form to open a case (立案).
pub(super) async fn new_form(State(web): State<WebState>, viewer: Viewer) -> Response {
    new_page(&web, &viewer, StatusCode::OK, json!({ "procedure": "general" }), None).await
}

async fn new_page(web: &WebState, viewer: &Viewer, status: StatusCode, values: Value, error: Option<String>) -> Response {
    let api = &web.api;
    let directory: Value = match api.get(&viewer.headers, "/api/v1/directory").await {
        Ok(directory) => directory,
        Err(refusal) => return viewer.refused(refusal),
    };
    // An officer opens a case they handle: their badge is the default lead.
    let me: Value = api.get(&viewer.headers, "/api/v1/me").await.unwrap_or_default();
    let my_badge = find(&directory, "officers", &me["user"]["officer_id"]).map(|officer| officer["badge_no"].clone());
    let mut values = values;
    if values.get("lead").is_none() {
        values["lead"] = my_badge.unwrap_or(Value::Null);
    }
    let handlers: Vec<Value> = values.get("handlers").and_then(Value::as_array).cloned().unwrap_or_default();
    let officers: Vec<Value> = directory["officers"]
        .as_array()
        .map(|officers| {
            officers
                .iter()
                .map(|officer| {
                    let mut officer = officer.clone();
                    officer["checked"] = Value::from(handlers.contains(&officer["badge_no"]));
                    officer
                })
                .collect()
        })
        .unwrap_or_default();
    let context = json!({
        "values": values,
        "error": error,
        "act_kinds": act_kind_options(),
        "procedures": options(&PROCEDURES),
        "sources": options(&SOURCES),
        "party_kinds": options(&PARTY_KINDS),
        "party_rows": (0..PARTY_ROWS).collect::<Vec<_>>(),
        "leads": officer_options(&directory, "badge_no"),
        "officers": officers,
        "units": directory["units"].as_array().map(|units| units.iter().map(|unit| json!([unit["code"], unit["name"]])).collect::<Vec<_>>()),
    });
    viewer.render_status(status, "case_new.html", "立案", context)
}

/// `POST /cases/new`: opens the case through the API, then shows it.
pub(super) async fn open(State(web): State<WebState>, viewer: Viewer, Form(form): Form<Fields>) -> Response {
    let mut parties = Vec::new();
    for row in 0..PARTY_ROWS {
        let name = form.one(&format!("party_name_{row}"));
        if name.is_empty() {
            continue;
        }
        let id_number = form.one(&format!("party_id_{row}"));
        let kind = match form.one(&format!("party_kind_{row}")) {
            "" => "person",
            kind => kind,
        };
        parties.push(json!({ "kind": kind, "name": name, "id_number": (!id_number.is_empty()).then_some(id_number) }));
    }
    let lead = form.one("lead");
    let handlers: Vec<&str> = form.all("handlers").into_iter().filter(|badge| *badge != lead).collect();
    let optional = |name: &str| Some(form.one(name)).filter(|value| !value.is_empty());
    let body = json!({
        "act_kind": form.one("act_kind"),
        "procedure": form.one("procedure"),
        "source": form.one("source"),
        "matter": form.one("matter"),
        "number": optional("number"),
        "unit_code": optional("unit_code"),
        "lead": lead,
        "handlers": handlers,
        "parties": parties,
    });
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/cases", form.one("csrf"), &body).await {
        Ok(case) => page::done(&format!("/cases/{}", text(&case["id"])), &format!("已立案：{}", text(&case["number"]))),
        Err(refusal) => {
            let mut values = form.values();
            values["handlers"] = json!(form.all("handlers"));
            new_page(&web, &viewer, returned_status(&refusal), values, Some(refusal.message)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::officer_filter;

    #[test]
    fn the_officer_filter_takes_a_badge_number_or_a_name() {
        let directory = json!({"officers": [
            {"id": "o1", "name": "张伟", "badge_no": "0203001"},
            {"id": "o2", "name": "李娜", "badge_no": "0203002"},
            {"id": "o3", "name": "李娜", "badge_no": "0203017"},
        ]});
        assert_eq!(officer_filter(&directory, "0203001").unwrap(), "0203001");
        assert_eq!(officer_filter(&directory, "o2").unwrap(), "o2", "an officer id from an older link");
        assert_eq!(officer_filter(&directory, "张伟").unwrap(), "0203001");
        assert_eq!(officer_filter(&directory, "王五").unwrap(), "王五", "the API says nobody has that name");
        let ambiguous = officer_filter(&directory, "李娜").unwrap_err();
        assert!(ambiguous.contains("有 2 名") && ambiguous.contains("李娜（0203002）、李娜（0203017）"), "{ambiguous}");
    }
}

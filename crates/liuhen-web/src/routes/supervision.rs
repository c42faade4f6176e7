//! Supervision (督察): spot checks (抽检). The list of checks with the form
//! to draw one, and one check with its items, their latest reviews and the
//! rubric form to review each (叶县 第二十二条; 厦门 六（四）).

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::{self, Viewer};
use crate::WebState;

/// `GET /supervision`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer) -> Response {
    render_list(&web, &viewer, None, StatusCode::OK).await
}

async fn render_list(web: &WebState, viewer: &Viewer, typed: Option<Value>, status: StatusCode) -> Response {
    let checks: Vec<Value> = match web.api.get(&viewer.headers, "/api/v1/spot-checks").await {
        Ok(checks) => checks,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory = web.api.directory(&viewer.headers).await;
    let units: Vec<Value> = super::compliance::options(&directory["units"], "name");
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(crate::templates::CST)).date();
    let typed = typed.unwrap_or_else(|| {
        json!({
            "population": "recordings",
            "from": today.first_of_month().to_string(),
            "to": today.to_string(),
            "stratify": "none",
            "per_stratum": 5,
        })
    });
    viewer.render_status(status, "supervision.html", "督察", json!({ "checks": checks, "units": units, "typed": typed }))
}

#[derive(Deserialize)]
pub(super) struct Draw {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    population: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    stratify: String,
    #[serde(default)]
    per_stratum: String,
    #[serde(default)]
    seed: String,
}

/// `POST /supervision/spot-checks`: draws a sample.
pub(super) async fn draw(State(web): State<WebState>, viewer: Viewer, Form(form): Form<Draw>) -> Response {
    let blank = |text: &str| if text.trim().is_empty() { Value::Null } else { json!(text.trim()) };
    let typed = json!({
        "population": form.population, "unit": form.unit, "officer": form.officer, "from": form.from, "to": form.to,
        "stratify": form.stratify, "per_stratum": form.per_stratum, "seed": form.seed,
    });
    let refuse = |viewer: Viewer, text: String| {
        let web = web.clone();
        let typed = typed.clone();
        async move {
            let mut viewer = viewer;
            viewer.flash = Some(page::Flash { kind: "error".into(), text });
            render_list(&web, &viewer, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let Ok(per_stratum) = form.per_stratum.trim().parse::<u32>() else {
        return refuse(viewer, "每层抽取数量应为正整数。Give how many to draw from each stratum as a whole number.".into()).await;
    };
    let body = json!({
        "population": form.population, "unit": blank(&form.unit), "officer": blank(&form.officer),
        "from": form.from.trim(), "to": form.to.trim(), "stratify": blank(&form.stratify),
        "per_stratum": per_stratum, "seed": blank(&form.seed),
    });
    match web.api.send::<Value>(&viewer.headers, Method::POST, "/api/v1/spot-checks", &form.csrf, &body).await {
        Ok(check) => {
            let id = check["id"].as_str().unwrap_or_default();
            page::done(
                &format!("/supervision/spot-checks/{id}"),
                &format!("已抽取 {} 条，种子已记入审计日志。", check["items"].as_array().map_or(0, Vec::len)),
            )
        }
        Err(refusal) if refusal.status.is_client_error() && refusal.status != StatusCode::FORBIDDEN => {
            refuse(viewer, refusal.message).await
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

#[derive(Deserialize)]
pub(super) struct CheckQuery {
    /// `1`: draw the check again from its kept population and say whether it matches.
    #[serde(default)]
    verify: Option<String>,
}

/// `GET /supervision/spot-checks/{id}`.
pub(super) async fn check(
    State(web): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<CheckQuery>,
) -> Response {
    render_check(&web, &viewer, &id, query.verify.is_some(), None, StatusCode::OK).await
}

async fn render_check(web: &WebState, viewer: &Viewer, id: &str, verify: bool, typed: Option<Value>, status: StatusCode) -> Response {
    let id = id.trim();
    let check: Value = match web.api.get(&viewer.headers, &format!("/api/v1/spot-checks/{id}")).await {
        Ok(check) => check,
        Err(refusal) => return viewer.refused(refusal),
    };
    let redraw: Value = if verify {
        match web.api.get(&viewer.headers, &format!("/api/v1/spot-checks/{id}/redraw")).await {
            Ok(redraw) => redraw,
            Err(refusal) => return viewer.refused(refusal),
        }
    } else {
        Value::Null
    };
    viewer.render_status(status, "spot_check.html", "抽检", json!({ "check": check, "redraw": redraw, "typed": typed }))
}

/// `POST /supervision/spot-checks/{id}/reviews`: one item's review. The
/// form sends `item`, `comment` and `mark-<criterion>` for each criterion.
pub(super) async fn review(
    State(web): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default();
    let csrf = field("csrf");
    let item = field("item");
    let marks: serde_json::Map<String, Value> =
        fields.iter().filter_map(|(key, value)| key.strip_prefix("mark-").map(|criterion| (criterion.to_owned(), json!(value)))).collect();
    let typed = json!({ "item": item, "marks": marks, "comment": field("comment") });
    let back = |viewer: &Viewer, text: String| {
        let mut viewer = viewer.clone();
        viewer.flash = Some(page::Flash { kind: "error".into(), text });
        viewer
    };
    let Ok(number) = item.trim().parse::<u32>() else {
        let viewer = back(&viewer, "请选择要检查的条目。Say which item this review is for.".into());
        return render_check(&web, &viewer, &id, false, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let body = json!({ "item": number, "marks": marks, "comment": field("comment") });
    let path = format!("/api/v1/spot-checks/{}/reviews", id.trim());
    match web.api.send::<Value>(&viewer.headers, Method::POST, &path, &csrf, &body).await {
        Ok(_) => page::done(&format!("/supervision/spot-checks/{}#item-{number}", id.trim()), &format!("第 {number} 条的检查结果已记录。")),
        Err(refusal)
            if refusal.status.is_client_error() && refusal.status != StatusCode::FORBIDDEN && refusal.status != StatusCode::NOT_FOUND =>
        {
            let viewer = back(&viewer, refusal.message);
            render_check(&web, &viewer, &id, false, Some(typed), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(refusal) => viewer.refused(refusal),
    }
}

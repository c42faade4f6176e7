//! Statistics and the periodic report (统计通报) under supervision: the
//! figures of a unit or the agency over a period, its charts (SVG drawn by
//! the server) and the PDF and XLSX to hand out.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::page::Viewer;
use crate::WebState;

#[derive(Deserialize, Default)]
pub(super) struct PeriodPage {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `GET /supervision/statistics`.
pub(super) async fn show(State(web): State<WebState>, viewer: Viewer, Query(query): Query<PeriodPage>) -> Response {
    let mut parameters = Vec::new();
    for (name, value) in [("unit", &query.unit), ("from", &query.from), ("to", &query.to)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            parameters.push(format!("{name}={}", percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)));
        }
    }
    let query_string = parameters.join("&");
    let report: Value = match web.api.get(&viewer.headers, &format!("/api/v1/reports/periodic?{query_string}")).await {
        Ok(report) => report,
        Err(refusal) => return viewer.refused(refusal),
    };
    let directory = web.api.directory(&viewer.headers).await;
    let units: Vec<Value> = super::compliance::options(&directory["units"], "name");
    let local_day = |at: &Value, back_one: bool| -> String {
        let Some(at) = at.as_str().and_then(|text| text.parse::<jiff::Timestamp>().ok()) else { return String::new() };
        let at = if back_one { at - jiff::SignedDuration::from_secs(1) } else { at };
        at.to_zoned(jiff::tz::TimeZone::fixed(crate::templates::CST)).date().to_string()
    };
    let from = local_day(&report["from"], false);
    let to = local_day(&report["to"], true);
    viewer.render(
        "statistics.html",
        "统计通报",
        json!({
            "report": report,
            "units": units,
            "unit": query.unit.unwrap_or_default(),
            "from": from,
            "to": to,
            "query": query_string,
            "charts": [["recordings", "音像记录数量"], ["delays", "逾期与中断"], ["findings", "合规问题（按规则）"]],
        }),
    )
}

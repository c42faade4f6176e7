//! The periodic report (执法全过程记录工作通报, 叶县 第二十三条; 丰台 第三十条):
//! `GET /api/v1/reports/periodic` (JSON), `….pdf`, `….xlsx`, and its charts
//! `GET /api/v1/reports/periodic/charts/{chart}` (SVG). Unit leaders, legal
//! reviewers, inspectors and administrators read it, as they read the
//! misconduct report; it counts facts and names officers, and opens no
//! record, so reading it is not a read of evidence.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::Timestamp;
use liuhen_core::statistics::PeriodicReport;

use super::compliance::{has_any, person, settings};
use super::printouts::{download, render, ReportQuery, REPORT_READERS, XLSX};
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

async fn report_of(app: &AppState, actor: &CurrentActor, query: &ReportQuery) -> Result<PeriodicReport, ApiError> {
    let compliance = settings(app)?;
    let signed_in = person(actor)?;
    if !has_any(signed_in, &REPORT_READERS) {
        return Err(ApiError::Forbidden(
            "只有单位负责人、法制审核人员、督察人员或系统管理员可以查看统计通报。Only unit leaders, legal reviewers, inspectors and administrators read the periodic report.".into(),
        ));
    }
    let (unit, from, to) = query.period(app, compliance.offset).await?;
    Ok(liuhen_compliance::statistics::periodic_report(app.store.as_ref(), &compliance.pack, unit, from, to, compliance.offset).await?)
}

fn names(app: &AppState, report: &PeriodicReport) -> (String, String) {
    let zone = settings(app).map(|compliance| compliance.offset.to_time_zone()).unwrap_or(jiff::tz::TimeZone::UTC);
    let day = |at: Timestamp| at.to_zoned(zone.clone()).date().to_string();
    let last = day(report.to.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(report.to));
    (
        format!("periodic-report-{}-{last}", day(report.from)),
        format!("执法全过程记录工作通报-{}-{}至{last}", report.scope, day(report.from)),
    )
}

/// `GET /api/v1/reports/periodic`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/periodic",
    params(ReportQuery),
    responses(
        (status = 200, description = "The periodic report (a liuhen-core `PeriodicReport`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn periodic(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Json<PeriodicReport>, ApiError> {
    Ok(Json(report_of(&app, &actor, &query).await?))
}

/// `GET /api/v1/reports/periodic.pdf`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/periodic.pdf",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report printed, with its charts.", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn periodic_pdf(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&app, &actor, &query).await?;
    let agency = app.store.agencies().await?.first().map(|agency| agency.name.clone()).unwrap_or_default();
    let printer = super::cases::printer()?;
    let (ascii, name) = names(&app, &report);
    let bytes = render(move || printer.periodic_report_pdf(&agency, &report)).await?;
    Ok(download(bytes, "application/pdf", "inline", &format!("{ascii}.pdf"), &format!("{name}.pdf")))
}

/// `GET /api/v1/reports/periodic.xlsx`.
#[utoipa::path(
    get,
    path = "/api/v1/reports/periodic.xlsx",
    params(ReportQuery),
    responses(
        (status = 200, description = "The report as a workbook (attachment).", body = [u8], content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn periodic_xlsx(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&app, &actor, &query).await?;
    let zone = settings(&app)?.offset.to_time_zone();
    let (ascii, name) = names(&app, &report);
    let bytes = render(move || liuhen_print::periodic_report_xlsx(&report, &zone)).await?;
    Ok(download(bytes, XLSX, "attachment", &format!("{ascii}.xlsx"), &format!("{name}.xlsx")))
}

/// `GET /api/v1/reports/periodic/charts/{chart}`: `recordings`, `delays`
/// or `findings`, as SVG.
#[utoipa::path(
    get,
    path = "/api/v1/reports/periodic/charts/{chart}",
    params(("chart" = String, Path, description = "recordings, delays or findings."), ReportQuery),
    responses(
        (status = 200, description = "The chart.", body = String, content_type = "image/svg+xml"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn chart(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(chart): ApiPath<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    if !liuhen_print::charts::CHARTS.contains(&chart.as_str()) {
        return Err(ApiError::NotFound(format!("there is no chart `{chart}`; the charts are {}", liuhen_print::charts::CHARTS.join(", "))));
    }
    let report = report_of(&app, &actor, &query).await?;
    let svg = liuhen_print::charts::chart_svg(&report, &chart, liuhen_print::charts::WEB_FONT)
        .expect("a known chart")
        .map_err(ApiError::internal)?;
    let mut response = svg.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    Ok(response)
}

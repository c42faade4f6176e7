//! The compliance printouts: the AV record checklist of a case
//! (行政执法音像记录事项清单, 厦门 附件2) and the misconduct findings report
//! (执法过错情况报告), each as JSON, XLSX and PDF.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/cases/{id}/av-checklist`, `.xlsx`, `.pdf` | the case's readers |
//! | GET | `/api/v1/compliance/report`, `report.pdf`, `report.xlsx` | leaders, legal reviewers, inspectors, administrators |
//!
//! Files are laid out off the async threads and served with a
//! `Content-Disposition` that names them in ASCII and in UTF-8.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::civil::Date;
use jiff::Timestamp;
use liuhen_core::compliance::report::{AvChecklist, MisconductReport};
use liuhen_core::entity::Role;
use liuhen_core::id::{CaseId, UnitId};
use liuhen_print::PrintError;
use serde::Deserialize;

use super::cases::{printer, readable_case};
use super::compliance::{has_any, parse_unit, person, settings};
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// Roles that read the misconduct report.
pub(super) const REPORT_READERS: [Role; 4] = [Role::UnitLeader, Role::LegalReviewer, Role::Inspector, Role::Administrator];

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn checklist_of(app: &AppState, actor: &CurrentActor, id: &str) -> Result<(AvChecklist, CaseId), ApiError> {
    let compliance = settings(app)?;
    let signed_in = super::cases::person(actor)?;
    let case = readable_case(app, signed_in, id).await?;
    let case_id = case.id;
    let checklist = liuhen_compliance::av_checklist(app.store.as_ref(), &compliance.pack, case, compliance.offset).await?;
    // The checklist shows the case's AV records: a read of the case file.
    super::cases::audit_case_read(app, actor, case_id, &[], liuhen_core::access::ReadKind::Metadata, None).await?;
    Ok((checklist, case_id))
}

/// `GET /api/v1/cases/{id}/av-checklist`: the AV record checklist
/// (音像记录事项清单, 厦门 附件2) of a case.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/av-checklist",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "The checklist (a liuhen-core `AvChecklist`); the read is audited.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn av_checklist(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AvChecklist>, ApiError> {
    Ok(Json(checklist_of(&app, &actor, &id).await?.0))
}

/// `GET /api/v1/cases/{id}/av-checklist.xlsx`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/av-checklist.xlsx",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "The checklist as a spreadsheet (attachment).", body = [u8], content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn av_checklist_xlsx(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (checklist, case_id) = checklist_of(&app, &actor, &id).await?;
    let name = format!("音像记录事项清单-{}", checklist.case_number);
    let bytes = render(move || liuhen_print::av_checklist_xlsx(&checklist)).await?;
    Ok(download(bytes, XLSX, "attachment", &format!("av-checklist-{case_id}.xlsx"), &format!("{name}.xlsx")))
}

/// `GET /api/v1/cases/{id}/av-checklist.pdf`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/av-checklist.pdf",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "The checklist printed.", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn av_checklist_pdf(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (checklist, case_id) = checklist_of(&app, &actor, &id).await?;
    let printer = printer()?;
    let name = format!("音像记录事项清单-{}", checklist.case_number);
    let bytes = render(move || printer.av_checklist_pdf(&checklist)).await?;
    Ok(download(bytes, "application/pdf", "inline", &format!("av-checklist-{case_id}.pdf"), &format!("{name}.pdf")))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ReportQuery {
    /// A unit id: that unit and the units under it; absent: the agency.
    #[serde(default)]
    unit: Option<String>,
    /// First day, `YYYY-MM-DD` (local); default the first of `to`'s month.
    #[serde(default)]
    from: Option<String>,
    /// Last day, inclusive; default today.
    #[serde(default)]
    to: Option<String>,
}

impl ReportQuery {
    /// The unit (checked to exist) and the first and last day asked for:
    /// by default the month so far.
    pub(super) async fn period(&self, app: &AppState, offset: jiff::tz::Offset) -> Result<(Option<UnitId>, Date, Date), ApiError> {
        let given = |value: &Option<String>| value.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
        let unit = match given(&self.unit) {
            Some(text) => {
                let unit = parse_unit(&text)?;
                if !app.store.units().await?.iter().any(|known| known.id == unit) {
                    return Err(ApiError::NotFound(format!("there is no unit {unit}; `liuhen unit list` shows the units")));
                }
                Some(unit)
            }
            None => None,
        };
        let to = match given(&self.to) {
            Some(text) => parse_date("to", &text)?,
            None => Timestamp::now().to_zoned(offset.to_time_zone()).date(),
        };
        let from = match given(&self.from) {
            Some(text) => parse_date("from", &text)?,
            None => to.first_of_month(),
        };
        Ok((unit, from, to))
    }
}

async fn report_of(app: &AppState, actor: &CurrentActor, query: &ReportQuery) -> Result<MisconductReport, ApiError> {
    let compliance = settings(app)?;
    let signed_in = person(actor)?;
    if !has_any(signed_in, &REPORT_READERS) {
        return Err(ApiError::Forbidden(
            "只有单位负责人、法制审核人员、督察人员或系统管理员可以查看执法过错情况报告。Only unit leaders, legal reviewers, inspectors and administrators read the misconduct report.".into(),
        ));
    }
    let (unit, from, to) = query.period(app, compliance.offset).await?;
    Ok(liuhen_compliance::misconduct_report(app.store.as_ref(), &compliance.pack, unit, from, to, compliance.offset).await?)
}

pub(super) fn parse_date(name: &str, text: &str) -> Result<jiff::civil::Date, ApiError> {
    let text = text.trim();
    let refuse = || ApiError::BadRequest(format!("`{name}` must be a date written YYYY-MM-DD, such as 2026-11-01, not `{text}`"));
    // Only the plain form: jiff would also read a date out of a date and time.
    if text.len() != 10 || !text.is_ascii() {
        return Err(refuse());
    }
    text.parse().map_err(|_| refuse())
}

/// `GET /api/v1/compliance/report`: the misconduct findings report
/// (执法过错情况报告) of a unit, or of the agency, over a period.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/report",
    params(
        ReportQuery,
    ),
    responses(
        (status = 200, description = "The report (a liuhen-core `MisconductReport`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn report(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Json<MisconductReport>, ApiError> {
    Ok(Json(report_of(&app, &actor, &query).await?))
}

/// `GET /api/v1/compliance/report.xlsx`.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/report.xlsx",
    params(
        ReportQuery,
    ),
    responses(
        (status = 200, description = "The report as a spreadsheet (attachment).", body = [u8], content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn report_xlsx(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&app, &actor, &query).await?;
    let (ascii, name) = report_names(&report);
    let bytes = render(move || liuhen_print::misconduct_report_xlsx(&report)).await?;
    Ok(download(bytes, XLSX, "attachment", &format!("{ascii}.xlsx"), &format!("{name}.xlsx")))
}

/// `GET /api/v1/compliance/report.pdf`.
#[utoipa::path(
    get,
    path = "/api/v1/compliance/report.pdf",
    params(
        ReportQuery,
    ),
    responses(
        (status = 200, description = "The report printed.", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn report_pdf(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let report = report_of(&app, &actor, &query).await?;
    let printer = printer()?;
    let (ascii, name) = report_names(&report);
    let bytes = render(move || printer.misconduct_report_pdf(&report)).await?;
    Ok(download(bytes, "application/pdf", "inline", &format!("{ascii}.pdf"), &format!("{name}.pdf")))
}

/// The report's file name: ASCII, and as people read it.
fn report_names(report: &MisconductReport) -> (String, String) {
    (format!("misconduct-report-{}-{}", report.from, report.to), format!("执法过错情况报告-{}-{}至{}", report.unit, report.from, report.to))
}

/// Lays out a spreadsheet or a PDF off the async threads: typst takes a
/// while for a long checklist.
pub(super) async fn render(work: impl FnOnce() -> Result<Vec<u8>, PrintError> + Send + 'static) -> Result<Vec<u8>, ApiError> {
    match tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)? {
        Ok(bytes) => Ok(bytes),
        Err(error @ PrintError::NoCjkFont { .. }) => Err(ApiError::Unavailable(error.to_string())),
        Err(error) => Err(ApiError::internal(error)),
    }
}

/// A file response with `Content-Disposition` naming it twice: an ASCII
/// name for old clients and the real name in UTF-8 (RFC 6266, RFC 8187).
pub(super) fn download(bytes: Vec<u8>, content_type: &'static str, disposition: &str, ascii: &str, name: &str) -> Response {
    let ascii: String = ascii.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let value = format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}", percent_encode(&safe_file_name(name)));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Every byte of `value` is visible ASCII by construction.
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Characters no file system takes become `_`.
fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() { '_' } else { c })
        .collect()
}

/// RFC 8187 `value-chars`: `attr-char`s as they are, every other byte as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_plain_calendar_dates() {
        assert_eq!(parse_date("from", "2026-11-01").unwrap(), jiff::civil::date(2026, 11, 1));
        for bad in ["2026-13-01", "2026-02-30", "2026-11-01T00:00", "20261101", "明天", ""] {
            assert!(parse_date("from", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_keep_an_ascii_fallback_and_the_real_name() {
        let response = download(Vec::new(), XLSX, "attachment", "av-checklist-1.xlsx", "清单-思城管罚〔2026〕7号/x.xlsx");
        let value = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
        assert!(value.starts_with("attachment; filename=\"av-checklist-1.xlsx\"; filename*=UTF-8''%E6%B8%85"), "{value}");
        assert!(value.contains("_x.xlsx"), "a slash does not reach the file name: {value}");
    }
}

//! The offload register (导出台账): `GET /api/v1/register/offload` and
//! `GET /api/v1/register/offload.csv`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/register/offload?from=&to=` | unit leaders and administrators: every row; an officer: the rows of his own recordings |
//! | GET | `/api/v1/register/offload.csv?from=&to=`, or `…/offload?format=csv` | as above, as CSV with its header row |
//!
//! The rows are [`liuhen_collect::offload_register`]'s, the very rows
//! `liuhen register offload` prints. `from` and `to` are days
//! (`2026-11-23`, in the cameras' zone; `to` takes in the whole day) or
//! RFC 3339 instants, and select on when a recording started. Each row
//! is a read of one record's metadata, so a listing is preceded by one
//! `record.read` entry (kind `offload_register`) naming every record it
//! shows, as `GET /api/v1/media` does; a listing that shows nothing writes
//! none. Device tokens are refused: a workstation checks its uploads
//! through `GET /api/v1/media`.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liuhen_collect::offload_register::{offload_rows, parse_bound, write_csv, RegisterSettings};
use liuhen_core::entity::Role;
use liuhen_core::id::{MediaId, OfficerId};
use liuhen_store::RecordingQuery;
use serde::Deserialize;

use super::media::audit_list;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::AppState;

/// The zone dates are read in when neither the pack nor uploads say: China's.
const CHINA: jiff::tz::Offset = jiff::tz::offset(8);

/// The roles that read the whole register.
const READ_ALL: [Role; 2] = [Role::UnitLeader, Role::Administrator];

/// Parameters are read as text so that a bad one gets a message naming it.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RegisterQuery {
    /// The first day (`2026-11-23`, the cameras' zone) or an RFC 3339 instant; recordings started from then.
    from: Option<String>,
    /// The last day (taken in whole) or an RFC 3339 instant.
    to: Option<String>,
    /// `json` (the default) or `csv`.
    format: Option<String>,
}

/// Whose rows a person reads.
enum Scope {
    Everyone,
    /// An officer's own; `None` for an officer's account not linked to an
    /// officer of the directory, which has no rows.
    Officer(Option<OfficerId>),
}

/// `GET /api/v1/register/offload`: the rows as JSON, or CSV with `format=csv`.
#[utoipa::path(
    get,
    path = "/api/v1/register/offload",
    params(
        RegisterQuery,
    ),
    responses(
        (status = 200, description = "The rows (liuhen-collect `OffloadRow`s) as JSON, or CSV with `format=csv`.", content(([Object] = "application/json"), (String = "text/csv; charset=utf-8"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn offload(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<RegisterQuery>,
) -> Result<Response, ApiError> {
    let csv = match query.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::BadRequest(format!("format `{other}` is not offered; ask for `json` or `csv`"))),
    };
    answer(&app, &actor, &query, csv).await
}

/// `GET /api/v1/register/offload.csv`.
#[utoipa::path(
    get,
    path = "/api/v1/register/offload.csv",
    params(
        RegisterQuery,
    ),
    responses(
        (status = 200, description = "The rows as CSV with a header row.", body = String, content_type = "text/csv; charset=utf-8"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn offload_csv(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<RegisterQuery>,
) -> Result<Response, ApiError> {
    answer(&app, &actor, &query, true).await
}

async fn answer(app: &AppState, actor: &CurrentActor, query: &RegisterQuery, csv: bool) -> Result<Response, ApiError> {
    let scope = scope(actor)?;
    let settings = settings(app);
    let bound = |text: &Option<String>, upper: bool| {
        text.as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(|text| parse_bound(text, settings.offset, upper))
            .transpose()
            .map_err(|error| ApiError::BadRequest(format!("日期无法识别。{error}")))
    };
    let mut recordings = RecordingQuery { from: bound(&query.from, false)?, to: bound(&query.to, true)?, ..RecordingQuery::default() };
    let rows = match scope {
        Scope::Everyone => offload_rows(app.store.as_ref(), &recordings, settings).await?,
        Scope::Officer(None) => Vec::new(),
        Scope::Officer(Some(officer)) => {
            recordings.officer = Some(officer);
            offload_rows(app.store.as_ref(), &recordings, settings).await?
        }
    };
    let listed: Vec<MediaId> = rows.iter().map(|row| row.media_id).collect();
    audit_list(app, actor, "offload_register", &listed, &[]).await?;
    if !csv {
        return Ok(Json(rows).into_response());
    }
    let mut bytes = Vec::new();
    write_csv(&rows, settings.offset, &mut bytes).map_err(ApiError::internal)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"offload-register.csv\""));
    Ok(response)
}

fn scope(actor: &CurrentActor) -> Result<Scope, ApiError> {
    let signed_in = actor.person(
        "设备令牌不能查看导出台账。A device token cannot read the offload register; sign in as a person (a workstation lists its uploads with GET /api/v1/media).",
    )?;
    let user = &signed_in.user;
    if READ_ALL.iter().any(|role| user.has_role(*role)) {
        Ok(Scope::Everyone)
    } else if user.has_role(Role::Officer) {
        Ok(Scope::Officer(user.officer_id))
    } else {
        Err(ApiError::Forbidden(
            "只有执法人员、单位负责人和系统管理员可以查看导出台账。Only officers (their own files), unit leaders and administrators read the offload register.".into(),
        ))
    }
}

/// The zone and deadline of the register: the pack's where it has them
/// (the stricter deadline wins, as for `liuhen register offload`).
fn settings(app: &AppState) -> RegisterSettings {
    let offset = match (&app.settings.compliance, &app.settings.uploads) {
        (Some(compliance), _) => compliance.offset,
        (None, Some(uploads)) => uploads.collect.camera_offset,
        (None, None) => CHINA,
    };
    RegisterSettings { offset, offload_deadline: super::recordings::collection_limits(app).offload_deadline }
}

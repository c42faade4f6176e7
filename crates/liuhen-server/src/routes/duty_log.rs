//! The duty log (执勤日志, 厦门 六（二）): `GET, POST /api/v1/duty-log`.
//!
//! When bad weather or a device fault makes recording impossible, the
//! officer writes it in the duty log and reports it to a leader. An entry
//! answers, within its time, a missing AV record of a case the officer
//! handles and an interruption of his recording (the compliance engine
//! reads it). An officer writes and reads his own log; unit leaders,
//! inspectors, legal reviewers and administrators read every log, and a
//! unit leader may write an entry for an officer who reported by phone.

use axum::extract::State;
use axum::Json;
use jiff::Timestamp;
use liuhen_core::entity::Role;
use liuhen_core::recording::DutyLogEntry;
use serde::{Deserialize, Serialize};

use super::compliance::{has_any, person, settings};
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::AppState;

/// Who reads every officer's log.
const LOG_READERS: [Role; 4] = [Role::UnitLeader, Role::Inspector, Role::LegalReviewer, Role::Administrator];

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct LogQuery {
    /// One officer's log, by badge number; absent: every log the caller may read.
    #[serde(default)]
    officer: Option<String>,
}

/// An entry as the log shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct EntryView {
    #[schema(value_type = Object)]
    entry: DutyLogEntry,
    officer_name: Option<String>,
    reported_to_name: Option<String>,
    case_number: Option<String>,
}

/// `GET /api/v1/duty-log`: entries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/duty-log",
    params(LogQuery),
    responses(
        (status = 200, description = "Duty log entries, newest first.", body = Vec<EntryView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn list(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Json<Vec<EntryView>>, ApiError> {
    let signed_in = person(&actor)?;
    let officers = app.store.officers().await?;
    let asked = match query.officer.as_deref().map(str::trim).filter(|badge| !badge.is_empty()) {
        Some(badge) => Some(
            officers
                .iter()
                .find(|officer| officer.badge_no == badge)
                .ok_or_else(|| ApiError::NotFound(format!("there is no officer with badge number {badge}")))?
                .id,
        ),
        None => None,
    };
    let mine = signed_in.user.officer_id;
    let officer = if has_any(signed_in, &LOG_READERS) {
        asked
    } else {
        let Some(mine) = mine else {
            return Err(ApiError::Forbidden(
                "您的账号未关联执法人员，没有执勤日志。Your account is not an officer's; there is no duty log of yours.".into(),
            ));
        };
        if asked.is_some_and(|asked| asked != mine) {
            return Err(ApiError::Forbidden("您只能查看自己的执勤日志。You may read your own duty log only.".into()));
        }
        Some(mine)
    };
    let mut entries = app.store.duty_log(officer).await?;
    entries.sort_by(|a, b| b.from.cmp(&a.from).then_with(|| b.recorded_at.cmp(&a.recorded_at)));
    let name = |id| officers.iter().find(|officer| officer.id == id).map(|officer| format!("{}（{}）", officer.name, officer.badge_no));
    let mut views = Vec::with_capacity(entries.len());
    for entry in entries {
        let case_number = match entry.case_id {
            Some(case) => app.store.case(case).await?.map(|case| case.number),
            None => None,
        };
        views.push(EntryView {
            officer_name: name(entry.officer_id),
            reported_to_name: entry.reported_to.and_then(name),
            case_number,
            entry,
        });
    }
    Ok(Json(views))
}

/// An entry to write.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewEntry {
    /// Start and end: RFC 3339, or local `YYYY-MM-DDTHH:MM` (as a form's date-time field sends it).
    from: String,
    to: String,
    /// Why recording was impossible, e.g. 暴雨，执法记录仪进水无法使用.
    reason: String,
    /// The case it concerns: its number or id.
    #[serde(default)]
    case: Option<String>,
    /// The leader it was reported to (badge number).
    #[serde(default)]
    reported_to: Option<String>,
    /// Whose log (badge number): the caller's own unless a unit leader writes for an officer.
    #[serde(default)]
    officer: Option<String>,
}

fn time(name: &str, text: &str, offset: jiff::tz::Offset) -> Result<Timestamp, ApiError> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let refuse = || {
        ApiError::BadRequest(format!("`{name}` must be a time such as 2026-11-20T09:30 (local) or 2026-11-20T09:30:00+08:00, not `{text}`"))
    };
    if !text.contains('T') && !text.contains(' ') {
        return Err(refuse());
    }
    let civil: jiff::civil::DateTime = text.replacen(' ', "T", 1).parse().map_err(|_| refuse())?;
    offset.to_timestamp(civil).map_err(|_| refuse())
}

/// `POST /api/v1/duty-log`: writes an entry (recorded as `duty.logged`).
#[utoipa::path(
    post,
    path = "/api/v1/duty-log",
    request_body = NewEntry,
    responses(
        (status = 200, description = "The entry as recorded.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn write(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<NewEntry>,
) -> Result<Json<DutyLogEntry>, ApiError> {
    let offset = settings(&app)?.offset;
    let signed_in = person(&actor)?;
    let officers = app.store.officers().await?;
    let mine = signed_in.user.officer_id.and_then(|id| officers.iter().find(|officer| officer.id == id));
    let officer = match request.officer.as_deref().map(str::trim).filter(|badge| !badge.is_empty()) {
        Some(badge) if mine.is_some_and(|mine| mine.badge_no == badge) => badge.to_owned(),
        Some(badge) if has_any(signed_in, &[Role::UnitLeader]) => badge.to_owned(),
        Some(_) => {
            return Err(ApiError::Forbidden(
                "只有单位负责人可以代为登记他人的执勤日志。Only a unit leader writes an entry into another officer's log.".into(),
            ))
        }
        None => mine.map(|officer| officer.badge_no.clone()).ok_or_else(|| {
            ApiError::Forbidden("您的账号未关联执法人员。Your account is not an officer's; say whose log this is.".into())
        })?,
    };
    let case = match request.case.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(reference) => Some(
            liuhen_cases::find_case(app.store.as_ref(), reference)
                .await
                .map_err(|_| ApiError::NotFound(format!("there is no case {reference}; give its number (案号)")))?
                .id,
        ),
        None => None,
    };
    let new = liuhen_compliance::NewDutyLog {
        officer,
        from: time("from", &request.from, offset)?,
        to: time("to", &request.to, offset)?,
        reason: request.reason,
        case,
        reported_to: request.reported_to.filter(|badge| !badge.trim().is_empty()),
    };
    let entry = liuhen_compliance::log_duty(&app.ledger, new, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok(Json(entry))
}

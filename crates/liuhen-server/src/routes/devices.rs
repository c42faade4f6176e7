//! The device register (设备台账): `GET /api/v1/devices/register`, `GET,
//! POST /api/v1/devices/{id}/events`.
//!
//! | What | Who |
//! |---|---|
//! | the register and coverage (厦门 一) | inspectors, unit leaders, legal reviewers, administrators: every device; an officer: the devices he holds |
//! | a device's history | the same, and its holder |
//! | a check before use, a fault, a loss | the device's holder, a unit leader or an administrator |
//! | an assignment, a repair, a recovery, retirement | unit leaders and administrators |
//!
//! What may happen to a device in which order (no check of a faulty
//! camera, no repair of a working one, nothing after retirement) is
//! decided by `liuhen_core::device::check_event`.

use axum::extract::State;
use axum::Json;
use jiff::Timestamp;
use liuhen_compliance::devices::{self, DeviceRequest};
use liuhen_core::device::{state, DeviceEvent, DeviceEventKind, DeviceState};
use liuhen_core::entity::{Device, Role};
use serde::{Deserialize, Serialize};

use super::compliance::{has_any, person};
use super::names::Names;
use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

/// Who reads every device of the register.
const REGISTER_READERS: [Role; 4] = [Role::Inspector, Role::UnitLeader, Role::LegalReviewer, Role::Administrator];
/// Who hands devices out and takes them back, and records repairs.
const KEEPERS: [Role; 2] = [Role::UnitLeader, Role::Administrator];

/// A device as the register shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DeviceLine {
    id: String,
    serial: String,
    /// `body_camera`, `workstation` or `other`.
    kind: String,
    model: Option<String>,
    /// `in_service`, `faulty`, `lost` or `retired`.
    status: String,
    status_label: String,
    officer_id: Option<String>,
    officer_name: Option<String>,
    unit_id: Option<String>,
    unit_name: Option<String>,
    /// The last check before use (RFC 3339) and whether all was in order.
    last_check_at: Option<String>,
    last_check_ok: Option<bool>,
    events: u32,
}

/// What the agency is short of (厦门 一).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CoverageView {
    /// Front-line officers with no body camera in service, as name and badge.
    officers_without_camera: Vec<String>,
    /// Units with front-line officers and no collection workstation in service.
    units_without_workstation: Vec<String>,
    cameras_in_service: u32,
    workstations_in_service: u32,
    out_of_service: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RegisterView {
    devices: Vec<DeviceLine>,
    coverage: CoverageView,
}

fn line(device: &Device, state: &DeviceState, events: u32, names: &Names) -> DeviceLine {
    let text = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    DeviceLine {
        id: device.id.to_string(),
        serial: device.serial.clone(),
        kind: text(serde_json::to_value(device.kind).unwrap_or_default()),
        model: device.model.clone(),
        status: text(serde_json::to_value(state.status).unwrap_or_default()),
        status_label: state.status.label_zh().into(),
        officer_id: state.officer_id.map(|id| id.to_string()),
        officer_name: state.officer_id.and_then(|id| names.officer(id)),
        unit_id: state.unit_id.map(|id| id.to_string()),
        unit_name: state.unit_id.and_then(|id| names.unit(id)),
        last_check_at: state.last_check.map(|(at, _)| at.to_string()),
        last_check_ok: state.last_check.map(|(_, ok)| ok),
        events,
    }
}

fn reads_all(signed_in: &SignedInUser) -> bool {
    has_any(signed_in, &REGISTER_READERS)
}

/// `GET /api/v1/devices/register`: every device with its status, holder
/// and last check, and coverage; an officer sees the devices he holds.
#[utoipa::path(
    get,
    path = "/api/v1/devices/register",
    responses(
        (status = 200, description = "The device register.", body = RegisterView),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn register(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<RegisterView>, ApiError> {
    let signed_in = person(&actor)?;
    let all = reads_all(signed_in);
    let (lines, coverage) = devices::register(app.store.as_ref()).await?;
    let names = Names::read(&app).await?;
    let mine = signed_in.user.officer_id;
    let shown = lines
        .iter()
        .filter(|line| all || (mine.is_some() && line.state.officer_id == mine))
        .map(|register| line(&register.device, &register.state, register.events, &names))
        .collect();
    let coverage = if all {
        CoverageView {
            officers_without_camera: coverage.officers_without_camera.iter().filter_map(|id| names.officer(*id)).collect(),
            units_without_workstation: coverage.units_without_workstation.iter().filter_map(|id| names.unit(*id)).collect(),
            cameras_in_service: coverage.cameras_in_service,
            workstations_in_service: coverage.workstations_in_service,
            out_of_service: coverage.out_of_service.len() as u32,
        }
    } else {
        CoverageView {
            officers_without_camera: vec![],
            units_without_workstation: vec![],
            cameras_in_service: 0,
            workstations_in_service: 0,
            out_of_service: 0,
        }
    };
    Ok(Json(RegisterView { devices: shown, coverage }))
}

/// One event as the history shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct EventView {
    number: u32,
    label: String,
    #[schema(value_type = Object)]
    event: DeviceEvent,
    officer_name: Option<String>,
    /// For an assignment: to whom and which unit.
    assigned_to: Option<String>,
    assigned_unit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct HistoryView {
    device: DeviceLine,
    events: Vec<EventView>,
    /// Whether the caller may hand it out, take it back, record a repair or retire it.
    may_keep: bool,
    /// Whether the caller may record a check, a fault or a loss.
    may_report: bool,
}

fn event_view(names: &Names, event: DeviceEvent) -> EventView {
    let (assigned_to, assigned_unit) = match &event.kind {
        DeviceEventKind::Assigned { officer_id, unit_id } => {
            (officer_id.and_then(|id| names.officer(id)), unit_id.and_then(|id| names.unit(id)))
        }
        _ => (None, None),
    };
    EventView {
        number: event.sequence + 1,
        label: event.kind.label_zh().into(),
        officer_name: event.officer_id.and_then(|id| names.officer(id)),
        event,
        assigned_to,
        assigned_unit,
    }
}

async fn device_and_history(app: &AppState, id: &str) -> Result<(Device, Vec<DeviceEvent>), ApiError> {
    let device = devices::find_device(app.store.as_ref(), id).await?;
    let events = app.store.device_events(Some(device.id)).await?;
    Ok((device, events))
}

fn rights(signed_in: &SignedInUser, state: &DeviceState) -> (bool, bool, bool) {
    let keeper = has_any(signed_in, &KEEPERS);
    let holder = signed_in.user.officer_id.is_some() && signed_in.user.officer_id == state.officer_id;
    (reads_all(signed_in) || holder, keeper, keeper || holder)
}

/// `GET /api/v1/devices/{id}/events`: a device and its history.
#[utoipa::path(
    get,
    path = "/api/v1/devices/{id}/events",
    params(("id" = String, Path, description = "The device id or serial number.")),
    responses(
        (status = 200, description = "The device and its history.", body = HistoryView),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn history(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HistoryView>, ApiError> {
    let signed_in = person(&actor)?;
    let (device, events) = device_and_history(&app, &id).await?;
    let now = state(&device, &events);
    let (may_read, may_keep, may_report) = rights(signed_in, &now);
    if !may_read {
        return Err(ApiError::Forbidden("您只能查看自己使用的设备。You may read the register of the devices you hold only.".into()));
    }
    let names = Names::read(&app).await?;
    let views = events.iter().map(|event| event_view(&names, event.clone())).collect();
    Ok(Json(HistoryView { device: line(&device, &now, events.len() as u32, &names), events: views, may_keep, may_report }))
}

/// Something that happened to a device.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EventRequest {
    /// `checked`, `fault`, `lost`, `assigned`, `repaired`, `recovered` or `retired`.
    kind: String,
    /// When it happened (RFC 3339); default now.
    #[serde(default)]
    at: Option<String>,
    /// What was found, what is wrong, where it was lost.
    #[serde(default)]
    note: String,
    /// `assigned`: the officer's badge number; absent: back into the unit's store.
    #[serde(default)]
    officer: Option<String>,
    /// `assigned`: the unit (code or id); default the officer's.
    #[serde(default)]
    unit: Option<String>,
    /// `checked`: each true unless the check found otherwise.
    #[serde(default)]
    battery_ok: Option<bool>,
    #[serde(default)]
    storage_ok: Option<bool>,
    #[serde(default)]
    clock_ok: Option<bool>,
    /// `lost`: stolen rather than lost.
    #[serde(default)]
    stolen: Option<bool>,
}

/// `POST /api/v1/devices/{id}/events`: records one event.
#[utoipa::path(
    post,
    path = "/api/v1/devices/{id}/events",
    params(("id" = String, Path, description = "The device id or serial number.")),
    request_body = EventRequest,
    responses(
        (status = 200, description = "The event as recorded, as the history shows it.", body = EventView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn record(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<EventRequest>,
) -> Result<Json<EventView>, ApiError> {
    let signed_in = person(&actor)?;
    let (device, events) = device_and_history(&app, &id).await?;
    let (_, may_keep, may_report) = rights(signed_in, &state(&device, &events));
    let (wanted, keeping) = match request.kind.trim() {
        "checked" => (
            DeviceRequest::Check {
                battery_ok: request.battery_ok.unwrap_or(true),
                storage_ok: request.storage_ok.unwrap_or(true),
                clock_ok: request.clock_ok.unwrap_or(true),
            },
            false,
        ),
        "fault" => (DeviceRequest::Fault, false),
        "lost" => (DeviceRequest::Lost { stolen: request.stolen.unwrap_or(false) }, false),
        "assigned" => (DeviceRequest::Assign { officer: request.officer.clone(), unit: request.unit.clone() }, true),
        "repaired" => (DeviceRequest::Repaired, true),
        "recovered" => (DeviceRequest::Recovered, true),
        "retired" => (DeviceRequest::Retire, true),
        other => {
            return Err(ApiError::BadRequest(format!(
                "`{other}` is not something that happens to a device: checked, fault, lost, assigned, repaired, recovered or retired"
            )))
        }
    };
    if keeping && !may_keep {
        return Err(ApiError::Forbidden(
            "只有单位负责人或系统管理员可以配发、收回、登记维修、找回或报废设备。Only unit leaders and administrators hand out, take back, repair, recover or retire devices.".into(),
        ));
    }
    if !keeping && !may_report {
        return Err(ApiError::Forbidden(
            "只有设备使用人、单位负责人或系统管理员可以登记检查、故障或丢失。Only the device's holder, a unit leader or an administrator records its checks, faults and losses.".into(),
        ));
    }
    let at = match request.at.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => Some(
            text.parse::<Timestamp>()
                .map_err(|_| ApiError::BadRequest(format!("`at` must be a time such as 2026-11-20T09:30:00+08:00, not `{text}`")))?,
        ),
        None => None,
    };
    let event =
        devices::record_device_event(&app.ledger, device.id, wanted, at, &request.note, signed_in.user.officer_id, &actor.ledger_actor())
            .await?;
    Ok(Json(event_view(&Names::read(&app).await?, event)))
}

//! The agency's directory (机构、单位、人员、设备), as people need it to read
//! names instead of ids: `GET /api/v1/directory` for anyone signed in,
//! `GET /api/v1/users` (accounts and roles) for administrators; and the
//! administrators' additions to it.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/directory` | people |
//! | GET | `/api/v1/users` | administrators |
//! | POST | `/api/v1/units`, `/api/v1/officers`, `/api/v1/devices`, `/api/v1/users` | administrators |
//!
//! Nothing here is evidence: names, units, certificate numbers and device
//! assignments are printed on every enforcement document, so reading them
//! is not audited. Password hashes never leave the store. Additions are
//! checked and recorded by [`crate::directory`], the service the CLI's
//! `liuhen unit|officer|device|user add` uses too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use liuhen_core::entity::{Agency, Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::id::{OfficerId, UserId};
use serde::{Deserialize, Serialize};

use crate::actor::CurrentActor;
use crate::directory::{self as service, DirectoryError};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::AppState;

const ONLY_ADMINISTRATORS: &str =
    "只有系统管理员可以维护单位、人员、设备和账号。Only administrators add units, officers, devices and accounts.";

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Directory {
    // Entities of liuhen-core: generic objects in the OpenAPI document, so
    // the pure core does not depend on utoipa.
    #[schema(value_type = Option<Object>)]
    agency: Option<Agency>,
    #[schema(value_type = Vec<Object>)]
    units: Vec<Unit>,
    #[schema(value_type = Vec<Object>)]
    officers: Vec<Officer>,
    #[schema(value_type = Vec<Object>)]
    devices: Vec<Device>,
}

/// `GET /api/v1/directory`.
#[utoipa::path(
    get,
    path = "/api/v1/directory",
    responses(
        (status = 200, description = "The agency, its units, officers and devices.", body = Directory),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn directory(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Directory>, ApiError> {
    actor.person("设备令牌不能读取人员名录。A device token cannot read the directory; sign in as a person.")?;
    Ok(Json(Directory {
        agency: app.store.agencies().await?.into_iter().next(),
        units: app.store.units().await?,
        officers: app.store.officers().await?,
        devices: app.store.devices().await?,
    }))
}

/// An account as administrators see it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Account {
    #[schema(value_type = String)]
    id: UserId,
    login: String,
    display_name: String,
    /// `administrator`, `officer`, `unit_leader`, `legal_reviewer`, `archivist`, ….
    #[schema(value_type = Vec<String>)]
    roles: Vec<Role>,
    #[schema(value_type = Option<String>)]
    officer_id: Option<OfficerId>,
    disabled: bool,
}

/// `GET /api/v1/users`: administrators only.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    responses(
        (status = 200, description = "Every account, without password hashes.", body = Vec<Account>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn users(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<Account>>, ApiError> {
    let signed_in = actor.person("设备令牌不能读取账号。A device token cannot read accounts.")?;
    if !signed_in.user.has_role(Role::Administrator) {
        return Err(ApiError::Forbidden("只有系统管理员可以查看账号。Only administrators may list accounts.".into()));
    }
    let accounts = app.store.users().await?.into_iter().map(Account::from).collect();
    Ok(Json(accounts))
}

impl From<User> for Account {
    fn from(user: User) -> Self {
        Account {
            id: user.id,
            login: user.login,
            display_name: user.display_name,
            roles: user.roles,
            officer_id: user.officer_id,
            disabled: user.disabled,
        }
    }
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::Invalid(message) => ApiError::BadRequest(message),
            DirectoryError::NotFound(message) => ApiError::NotFound(message),
            DirectoryError::Conflict(message) => ApiError::Conflict(message),
            DirectoryError::Store(error) => error.into(),
            DirectoryError::Ledger(error) => error.into(),
        }
    }
}

/// The signed-in administrator's ledger actor, or the refusal.
fn administrator(actor: &CurrentActor) -> Result<String, ApiError> {
    let signed_in = actor.person(ONLY_ADMINISTRATORS)?;
    if !signed_in.user.has_role(Role::Administrator) {
        return Err(ApiError::Forbidden(ONLY_ADMINISTRATORS.into()));
    }
    Ok(actor.ledger_actor())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UnitRequest {
    name: String,
    code: String,
    /// The unit above, by id or code.
    #[serde(default)]
    parent: Option<String>,
}

/// `POST /api/v1/units`.
#[utoipa::path(
    post,
    path = "/api/v1/units",
    request_body = UnitRequest,
    responses(
        (status = 201, description = "The unit added (a liuhen-core `Unit`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn add_unit(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<UnitRequest>,
) -> Result<(StatusCode, Json<Unit>), ApiError> {
    let by = administrator(&actor)?;
    let new = service::NewUnit { name: request.name, code: request.code, parent: request.parent };
    Ok((StatusCode::CREATED, Json(service::add_unit(&app.ledger, new, &by).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OfficerRequest {
    name: String,
    badge: String,
    #[serde(default)]
    certificate: Option<String>,
    /// By id or code.
    unit: String,
    /// `front_line` (the default), `leader`, `legal_reviewer`, `inspector`, `staff`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    role: Option<OfficerRole>,
    /// `officer` (the default) or `assistant` (协助执法人员).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    qualification: Option<Qualification>,
}

/// `POST /api/v1/officers`.
#[utoipa::path(
    post,
    path = "/api/v1/officers",
    request_body = OfficerRequest,
    responses(
        (status = 201, description = "The officer added (a liuhen-core `Officer`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn add_officer(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<OfficerRequest>,
) -> Result<(StatusCode, Json<Officer>), ApiError> {
    let by = administrator(&actor)?;
    let new = service::NewOfficer {
        name: request.name,
        badge: request.badge,
        certificate: request.certificate,
        unit: request.unit,
        role: request.role.unwrap_or(OfficerRole::FrontLine),
        qualification: request.qualification.unwrap_or(Qualification::Officer),
    };
    let officer = service::add_officer(&app.ledger, new, &by).await?;
    // Who may lead, film and sign is what the compliance engine reads.
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(officer)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeviceRequest {
    serial: String,
    /// `body_camera`, `workstation` or `other`.
    #[schema(value_type = String)]
    kind: DeviceKind,
    #[serde(default)]
    model: Option<String>,
    /// The officer who uses and keeps it (谁使用、谁保管), by id or badge.
    #[serde(default)]
    officer: Option<String>,
    /// The unit that keeps it, by id or code; default the officer's.
    #[serde(default)]
    unit: Option<String>,
}

/// `POST /api/v1/devices`.
#[utoipa::path(
    post,
    path = "/api/v1/devices",
    request_body = DeviceRequest,
    responses(
        (status = 201, description = "The device added (a liuhen-core `Device`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn add_device(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<DeviceRequest>,
) -> Result<(StatusCode, Json<Device>), ApiError> {
    let by = administrator(&actor)?;
    let new = service::NewDevice {
        serial: request.serial,
        kind: request.kind,
        model: request.model,
        officer: request.officer,
        unit: request.unit,
    };
    let device = service::add_device(&app.ledger, new, &by).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(device)))
}

/// No `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserRequest {
    login: String,
    display_name: String,
    /// The initial password, at least eight characters.
    password: String,
    #[schema(value_type = Vec<String>)]
    roles: Vec<Role>,
    /// The officer the account belongs to, by id or badge.
    #[serde(default)]
    officer: Option<String>,
}

/// `POST /api/v1/users`: an account, answered without its password hash.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    request_body = UserRequest,
    responses(
        (status = 201, description = "The account added, without its password hash.", body = Account),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn add_user(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<UserRequest>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let by = administrator(&actor)?;
    let new = service::NewUser {
        login: request.login,
        display_name: request.display_name,
        password: request.password,
        roles: request.roles,
        officer: request.officer,
    };
    let user = service::add_user(&app.ledger, new, &by).await?;
    Ok((StatusCode::CREATED, Json(Account::from(user))))
}

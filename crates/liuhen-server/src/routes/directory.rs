//! The agency's directory (机构、单位、人员、设备), as people need it to read
//! names instead of ids: `GET /api/v1/directory` for anyone signed in,
//! `GET /api/v1/users` (accounts and roles) for administrators.
//!
//! Nothing here is evidence: names, units, certificate numbers and device
//! assignments are printed on every enforcement document, so reading them
//! is not audited. Password hashes never leave the store.

use axum::extract::State;
use axum::Json;
use liuhen_core::entity::{Agency, Device, Officer, Role, Unit};
use liuhen_core::id::{OfficerId, UserId};
use serde::Serialize;

use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::AppState;

#[derive(Serialize)]
pub(super) struct Directory {
    agency: Option<Agency>,
    units: Vec<Unit>,
    officers: Vec<Officer>,
    devices: Vec<Device>,
}

/// `GET /api/v1/directory`.
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
#[derive(Serialize)]
pub(super) struct Account {
    id: UserId,
    login: String,
    display_name: String,
    roles: Vec<Role>,
    officer_id: Option<OfficerId>,
    disabled: bool,
}

/// `GET /api/v1/users`: administrators only.
pub(super) async fn users(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<Account>>, ApiError> {
    let signed_in = actor.person("设备令牌不能读取账号。A device token cannot read accounts.")?;
    if !signed_in.user.has_role(Role::Administrator) {
        return Err(ApiError::Forbidden("只有系统管理员可以查看账号。Only administrators may list accounts.".into()));
    }
    let accounts = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|user| Account {
            id: user.id,
            login: user.login,
            display_name: user.display_name,
            roles: user.roles,
            officer_id: user.officer_id,
            disabled: user.disabled,
        })
        .collect();
    Ok(Json(accounts))
}

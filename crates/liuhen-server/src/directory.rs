//! The agency's directory as a service (机构名录): adding units, officers,
//! devices and accounts. One service behind `liuhen unit|officer|device|user
//! add` and the administrators' `POST /api/v1/units|officers|devices|users`.
//!
//! Each addition is checked against what is already there (unit codes,
//! badge and certificate numbers, device serials and logins are unique) and
//! recorded as a ledger entry together with the change. Who may ask is the
//! caller's concern: the API lets administrators only; the console is
//! trusted.

use liuhen_core::entity::{Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, DeviceId, OfficerId, UnitId, UserId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{MetaStore, StoreError};

/// Longest name, number, code or login accepted, in characters.
pub const MAX_NAME: usize = 200;
/// Shortest password accepted for a new account, in characters.
pub const MIN_PASSWORD: usize = 8;

/// Why an addition was not made. Nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The request itself is wrong (an empty name, a short password).
    #[error("{0}")]
    Invalid(String),
    /// Something it names does not exist (a unit, an officer).
    #[error("{0}")]
    NotFound(String),
    /// It would repeat something unique (a badge number, a login).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub type Result<T, E = DirectoryError> = std::result::Result<T, E>;

/// A unit to add (单位).
#[derive(Clone, Debug)]
pub struct NewUnit {
    pub name: String,
    /// The unit code body cameras store (单位编号).
    pub code: String,
    /// The unit above it, by id or code; `None` for a top-level unit.
    pub parent: Option<String>,
}

/// An officer or assistant to add (执法人员、协助执法人员).
#[derive(Clone, Debug)]
pub struct NewOfficer {
    pub name: String,
    pub badge: String,
    /// The enforcement certificate number; a full officer needs one.
    pub certificate: Option<String>,
    /// The unit, by id or code.
    pub unit: String,
    pub role: OfficerRole,
    pub qualification: Qualification,
}

/// A device to register, with whom it is assigned to (谁使用、谁保管).
#[derive(Clone, Debug)]
pub struct NewDevice {
    pub serial: String,
    pub kind: DeviceKind,
    pub model: Option<String>,
    /// The officer who uses and keeps it, by id or badge number.
    pub officer: Option<String>,
    /// The unit that keeps it, by id or code; defaults to the officer's.
    pub unit: Option<String>,
}

/// An account to create. No `Debug`: it holds a password.
#[derive(Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    /// The officer the account belongs to, by id or badge number.
    pub officer: Option<String>,
}

/// The agency this instance serves (the first; `liuhen init` makes one).
pub async fn the_agency(store: &dyn MetaStore) -> Result<AgencyId> {
    store
        .agencies()
        .await?
        .into_iter()
        .next()
        .map(|agency| agency.id)
        .ok_or_else(|| DirectoryError::NotFound("this instance has no agency; was `liuhen init` completed?".into()))
}

/// Checks and records a new unit.
pub async fn add_unit(ledger: &Ledger, new: NewUnit, actor: &str) -> Result<Unit> {
    let store = ledger.store().as_ref();
    let agency_id = the_agency(store).await?;
    let name = required("单位名称 unit name", &new.name)?;
    let code = required("单位编号 unit code", &new.code)?;
    let units = store.units().await?;
    if let Some(known) = units.iter().find(|unit| unit.code == code) {
        return Err(DirectoryError::Conflict(format!(
            "单位编号 {code} 已被“{}”使用。The unit code {code} is already used by {}; choose another code.",
            known.name, known.name
        )));
    }
    let parent_id = match optional(new.parent.as_deref()) {
        Some(parent) => Some(find_unit(&units, parent)?.id),
        None => None,
    };
    let unit = Unit { id: UnitId::new(), agency_id, parent_id, name, code };
    record_unit(ledger, actor, &unit).await?;
    Ok(unit)
}

/// Checks and records a new officer.
pub async fn add_officer(ledger: &Ledger, new: NewOfficer, actor: &str) -> Result<Officer> {
    let store = ledger.store().as_ref();
    let agency_id = the_agency(store).await?;
    let name = required("姓名 name", &new.name)?;
    let badge = required("执法编号 badge number", &new.badge)?;
    let certificate = optional(new.certificate.as_deref()).map(str::to_owned);
    if let Some(certificate) = &certificate {
        check_length("执法证号 certificate number", certificate)?;
    }
    if new.qualification == Qualification::Officer && certificate.is_none() {
        return Err(DirectoryError::Invalid(
            "执法人员须填写执法证号；协助执法人员可不填。A full officer needs an enforcement certificate number; an assistant (协助执法人员) may have none.".into(),
        ));
    }
    let unit_id = find_unit(&store.units().await?, &new.unit)?.id;
    let officers = store.officers().await?;
    if let Some(known) = officers.iter().find(|officer| officer.badge_no == badge) {
        return Err(DirectoryError::Conflict(format!(
            "执法编号 {badge} 已属于{}。The badge number {badge} already belongs to {}; check the number.",
            known.name, known.name
        )));
    }
    if let Some(known) = officers.iter().find(|officer| certificate.is_some() && officer.certificate_no == certificate) {
        return Err(DirectoryError::Conflict(format!(
            "执法证号已属于{}。That certificate number already belongs to {}; check the number.",
            known.name, known.name
        )));
    }
    let officer = Officer {
        id: OfficerId::new(),
        agency_id,
        unit_id,
        name,
        certificate_no: certificate,
        badge_no: badge,
        role: new.role,
        qualification: new.qualification,
    };
    record_officer(ledger, actor, &officer).await?;
    Ok(officer)
}

/// Checks and records a new device and its assignment.
pub async fn add_device(ledger: &Ledger, new: NewDevice, actor: &str) -> Result<Device> {
    let store = ledger.store().as_ref();
    let agency_id = the_agency(store).await?;
    let serial = required("产品序号 serial number", &new.serial)?;
    let model = optional(new.model.as_deref()).map(str::to_owned);
    if let Some(model) = &model {
        check_length("型号 model", model)?;
    }
    if store.device_by_serial(&serial).await?.is_some() {
        return Err(DirectoryError::Conflict(format!(
            "序号为 {serial} 的设备已登记。A device with the serial {serial} is registered already."
        )));
    }
    let officer = match optional(new.officer.as_deref()) {
        Some(officer) => Some(find_officer(&store.officers().await?, officer)?.clone()),
        None => None,
    };
    let unit_id = match optional(new.unit.as_deref()) {
        Some(unit) => Some(find_unit(&store.units().await?, unit)?.id),
        None => officer.as_ref().map(|officer| officer.unit_id),
    };
    let device = Device {
        id: DeviceId::new(),
        agency_id,
        serial,
        kind: new.kind,
        model,
        assigned_officer: officer.map(|officer| officer.id),
        unit_id,
    };
    record_device(ledger, actor, &device).await?;
    Ok(device)
}

/// Checks and records a new account; its password is stored hashed only.
pub async fn add_user(ledger: &Ledger, new: NewUser, actor: &str) -> Result<User> {
    let store = ledger.store().as_ref();
    let login = required("登录名 login", &new.login)?;
    if !login.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Err(DirectoryError::Invalid(format!(
            "登录名只能由英文字母、数字和 . _ - 组成。A login is written with letters, digits, dots, dashes and underscores only, not `{login}`."
        )));
    }
    let display_name = required("姓名 display name", &new.display_name)?;
    if new.password.chars().count() < MIN_PASSWORD {
        return Err(DirectoryError::Invalid(format!(
            "初始密码至少 {MIN_PASSWORD} 个字符。The initial password must have at least {MIN_PASSWORD} characters."
        )));
    }
    if new.roles.is_empty() {
        return Err(DirectoryError::Invalid("请至少选择一个角色。Give the account at least one role.".into()));
    }
    if store.user_by_login(&login).await?.is_some() {
        return Err(DirectoryError::Conflict(format!("登录名 {login} 已被使用。The login {login} is taken; choose another.")));
    }
    let officer_id = match optional(new.officer.as_deref()) {
        Some(officer) => Some(find_officer(&store.officers().await?, officer)?.id),
        None => None,
    };
    let mut roles = new.roles;
    roles.sort();
    roles.dedup();
    let user = User {
        id: UserId::new(),
        login,
        display_name,
        password_hash: crate::auth::hash_password(&new.password),
        roles,
        officer_id,
        disabled: false,
    };
    record_user(ledger, actor, &user).await?;
    Ok(user)
}

/// Records `unit` as created by `actor`, without checks (the demo and
/// `liuhen init` build units they know to be new).
pub async fn record_unit(ledger: &Ledger, actor: &str, unit: &Unit) -> Result<(), LedgerError> {
    ledger
        .record(
            EntryDraft::new(actor, action::UNIT_CREATED)
                .subject(unit.id.subject())
                .payload(serde_json::json!({"name": unit.name, "code": unit.code, "parent": unit.parent_id})),
            vec![Mutation::CreateUnit(unit.clone())],
        )
        .await?;
    Ok(())
}

/// Records `officer` as created by `actor`, without checks.
pub async fn record_officer(ledger: &Ledger, actor: &str, officer: &Officer) -> Result<(), LedgerError> {
    ledger
        .record(
            EntryDraft::new(actor, action::OFFICER_CREATED).subject(officer.id.subject()).payload(serde_json::json!({
                "name": officer.name, "badge_no": officer.badge_no, "certificate_no": officer.certificate_no,
                "unit": officer.unit_id, "role": officer.role, "qualification": officer.qualification,
            })),
            vec![Mutation::CreateOfficer(officer.clone())],
        )
        .await?;
    Ok(())
}

/// Records `device` as registered by `actor`, without checks.
pub async fn record_device(ledger: &Ledger, actor: &str, device: &Device) -> Result<(), LedgerError> {
    ledger
        .record(
            EntryDraft::new(actor, action::DEVICE_CREATED).subject(device.id.subject()).payload(serde_json::json!({
                "serial": device.serial, "kind": device.kind, "model": device.model,
                "assigned_officer": device.assigned_officer, "unit": device.unit_id,
            })),
            vec![Mutation::CreateDevice(device.clone())],
        )
        .await?;
    Ok(())
}

/// Records `user` as created by `actor`, without checks. The entry names
/// the login, name, roles and officer, never the password hash.
pub async fn record_user(ledger: &Ledger, actor: &str, user: &User) -> Result<(), LedgerError> {
    let roles: Vec<_> = user.roles.iter().map(|role| role.as_str()).collect();
    ledger
        .record(
            EntryDraft::new(actor, action::USER_CREATED).subject(user.id.subject()).payload(
                serde_json::json!({"login": user.login, "display_name": user.display_name, "roles": roles, "officer": user.officer_id}),
            ),
            vec![Mutation::CreateUser(user.clone())],
        )
        .await?;
    Ok(())
}

/// The unit whose id or code is `reference`.
pub fn find_unit<'a>(units: &'a [Unit], reference: &str) -> Result<&'a Unit> {
    let reference = reference.trim();
    units.iter().find(|unit| unit.code == reference || unit.id.to_string() == reference).ok_or_else(|| {
        DirectoryError::NotFound(format!(
            "没有编号为 {reference} 的单位。There is no unit with the code or id `{reference}`; `liuhen unit list` shows the units."
        ))
    })
}

/// The officer whose id or badge number is `reference`.
pub fn find_officer<'a>(officers: &'a [Officer], reference: &str) -> Result<&'a Officer> {
    let reference = reference.trim();
    officers.iter().find(|officer| officer.badge_no == reference || officer.id.to_string() == reference).ok_or_else(|| {
        DirectoryError::NotFound(format!(
            "没有执法编号为 {reference} 的人员。There is no officer with the badge number or id `{reference}`; `liuhen officer list` shows the officers."
        ))
    })
}

/// `text` trimmed, refused when empty or too long.
fn required(what: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DirectoryError::Invalid(format!("请填写{what}。The {what} is missing; fill it in.")));
    }
    check_length(what, text)?;
    Ok(text.to_owned())
}

fn check_length(what: &str, text: &str) -> Result<()> {
    if text.chars().count() > MAX_NAME || text.chars().any(char::is_control) {
        return Err(DirectoryError::Invalid(format!(
            "{what}不能超过 {MAX_NAME} 个字符，也不能含换行等控制字符。The {what} must be one line of at most {MAX_NAME} characters."
        )));
    }
    Ok(())
}

/// `text` trimmed, `None` when absent or blank.
fn optional(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_overlong_text_is_refused_with_what_is_missing() {
        assert!(matches!(required("姓名 name", "  "), Err(DirectoryError::Invalid(message)) if message.contains("姓名")));
        assert!(required("姓名 name", &"名".repeat(MAX_NAME + 1)).is_err());
        assert!(required("姓名 name", "张\n伟").is_err());
        assert_eq!(required("姓名 name", " 张伟 ").unwrap(), "张伟");
        assert_eq!(optional(Some("  ")), None);
    }
}

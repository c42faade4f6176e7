//! The entities Liuhen keeps in its metadata store.
//!
//! Agencies own units (a tree), officers, devices and user accounts; media
//! records describe files in the vault. Cases arrive in a later layer and
//! point at these by id. Times are `jiff::Timestamp` (UTC instants); stores
//! keep them as microseconds since the Unix epoch.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::digest::{Sha256Digest, Sm3Digest};
use crate::id::{AgencyId, DeviceId, MediaId, OfficerId, SessionId, TokenId, UnitId, UserId};

/// An enforcement agency (执法部门), e.g. 厦门市城市管理行政执法局.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    /// Full official name (全称).
    pub name: String,
    /// Short code used in file names and origins, e.g. `xiamen-cgj`.
    pub code: String,
}

/// A unit inside an agency (大队 / 中队 / 科室). Units form a tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub agency_id: AgencyId,
    /// The parent unit; `None` for a top-level unit.
    pub parent_id: Option<UnitId>,
    pub name: String,
    /// The unit code a body camera stores (单位编号), unique in the agency.
    pub code: String,
}

/// What an officer may do with the law: a full officer holds an enforcement
/// certificate; an assistant (协助执法人员) may only assist (叶县 第七、八条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    /// 执法人员: holds an enforcement certificate.
    Officer,
    /// 协助执法人员: assists, never leads.
    Assistant,
}

/// The post an officer holds in the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficerRole {
    /// 一线执法队员.
    FrontLine,
    /// 负责人: leads a unit or the agency and approves.
    Leader,
    /// 法制审核人员.
    LegalReviewer,
    /// 督察 / 执法监督.
    Inspector,
    /// 档案管理 and other back-office posts.
    Staff,
}

/// An officer (执法人员) or assistant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub id: OfficerId,
    pub agency_id: AgencyId,
    pub unit_id: UnitId,
    pub name: String,
    /// Enforcement certificate number (执法证号); assistants may have none.
    pub certificate_no: Option<String>,
    /// Officer number as stored on body cameras (警号/执法编号).
    pub badge_no: String,
    pub role: OfficerRole,
    pub qualification: Qualification,
}

/// What kind of device this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// 执法记录仪.
    BodyCamera,
    /// 数据采集工作站.
    Workstation,
    Other,
}

/// A device the agency owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: DeviceId,
    pub agency_id: AgencyId,
    /// Product serial number (产品序号), unique in the agency.
    pub serial: String,
    pub kind: DeviceKind,
    pub model: Option<String>,
    /// The officer the device is assigned to (谁使用、谁保管), if any.
    pub assigned_officer: Option<OfficerId>,
    /// The unit that keeps the device (workstations sit in a unit).
    pub unit_id: Option<UnitId>,
}

/// A role a person's account holds; rights follow from roles (and, from a
/// later layer, from access grants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 执法人员.
    Officer,
    /// 单位负责人.
    UnitLeader,
    /// 法制审核人员.
    LegalReviewer,
    /// 档案管理员.
    Archivist,
    /// 督察人员.
    Inspector,
    /// 系统管理员.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Officer, Role::UnitLeader, Role::LegalReviewer, Role::Archivist, Role::Inspector, Role::Administrator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::UnitLeader => "unit_leader",
            Role::LegalReviewer => "legal_reviewer",
            Role::Archivist => "archivist",
            Role::Inspector => "inspector",
            Role::Administrator => "administrator",
        }
    }

    /// The Chinese name shown to people.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Officer => "执法人员",
            Role::UnitLeader => "单位负责人",
            Role::LegalReviewer => "法制审核人员",
            Role::Archivist => "档案管理员",
            Role::Inspector => "督察人员",
            Role::Administrator => "系统管理员",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(text: &str) -> Result<Self, UnknownRole> {
        Role::ALL.into_iter().find(|role| role.as_str() == text.trim()).ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// A role name that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a role; the roles are officer, unit_leader, legal_reviewer, archivist, inspector and administrator")]
pub struct UnknownRole(pub String);

/// A person's login account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    /// Argon2id hash in PHC string form; never the password itself.
    pub password_hash: String,
    pub roles: Vec<Role>,
    /// The officer this account belongs to, if the person is an officer.
    pub officer_id: Option<OfficerId>,
    pub disabled: bool,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl fmt::Debug for User {
    // The password hash stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("roles", &self.roles)
            .field("officer_id", &self.officer_id)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// One stored file in the evidence vault. Its content is named by SHA-256
/// and never changes; a media record is created once per distinct content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub id: MediaId,
    pub sha256: Sha256Digest,
    pub sm3: Sm3Digest,
    pub size: u64,
    /// The file name it arrived with (may be absent for API uploads).
    pub original_name: Option<String>,
    /// When the vault published it.
    pub stored_at: Timestamp,
    /// The ledger actor who stored it, e.g. `user:…` or `device:…`.
    pub stored_by: String,
    /// The device the file came from, if known.
    pub source_device: Option<DeviceId>,
}

/// A person's login session. Only a hash of the session secret is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub secret_sha256: Sha256Digest,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A machine's API token (e.g. for one collection workstation). Only a
/// hash of the token is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub device_id: DeviceId,
    pub secret_sha256: Sha256Digest,
    pub created_at: Timestamp,
    pub revoked: bool,
}

//! Who may do what: permissions checked against a [`CurrentActor`], and
//! the read check of AV records.
//!
//! Two kinds of right live here. Role rights ([`Permission`]) follow from
//! a person's roles: placing classification marks and legal holds, reading
//! retention. Reading a record is not a role right at all: records are
//! internal (丰台 第二十六条), and whether a person may read one is decided
//! per record by [`liuhen_custody::access::authorize`] — his own recording
//! or case, or a grant (an approved access request) covering it, in its
//! period, for view or copy. No role reads every record. [`may_read_metadata`]
//! adds the one machine rule: a collection workstation reads the metadata
//! of the records it stored itself, to check its uploads.
//!
//! A read allowed here is not yet a read: the handler writes its audit
//! entry (`record.read`) before it answers.

use jiff::Timestamp;
use liuhen_core::access::{AccessMode, ReadBasis, Target};
use liuhen_core::entity::{MediaRecord, Role};

use crate::actor::{AuthenticatedDevice, CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::AppState;

/// Something an actor may or may not be allowed to do, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read ledger entries, checkpoints and proofs.
    ReadLedger,
    /// Place and lift classification marks (国家秘密, 商业秘密, 个人隐私).
    MarkRecords,
    /// List, place and release legal holds (冻结, 叶县 第十三条).
    HoldRecords,
    /// Read when each record may be disposed of (保存期限).
    ReadRetention,
}

/// The roles that may place and lift classification marks.
const MARKERS: [Role; 3] = [Role::Administrator, Role::LegalReviewer, Role::UnitLeader];

/// The roles that may place and release legal holds.
const HOLD_KEEPERS: [Role; 4] = [Role::Archivist, Role::LegalReviewer, Role::UnitLeader, Role::Administrator];

/// The roles that read retention.
const RETENTION_READERS: [Role; 3] = [Role::Archivist, Role::Administrator, Role::UnitLeader];

impl Permission {
    /// Whether `actor` holds this permission.
    pub fn allows(self, actor: &CurrentActor) -> bool {
        let roles: &[Role] = match self {
            // The ledger is the instance's public account of itself; anyone
            // who can sign in may check it.
            Permission::ReadLedger => return true,
            Permission::MarkRecords => &MARKERS,
            Permission::HoldRecords => &HOLD_KEEPERS,
            Permission::ReadRetention => &RETENTION_READERS,
        };
        match actor {
            CurrentActor::User(signed_in) => roles.iter().any(|role| signed_in.user.has_role(*role)),
            // Custody is decided by people; a device token never holds these.
            CurrentActor::Device(_) => false,
        }
    }

    /// The refusal a person reads when lacking this permission.
    fn refusal(self) -> String {
        match self {
            Permission::ReadLedger => "您无权查看审计日志。You are not allowed to read the ledger; ask an administrator.".to_owned(),
            Permission::MarkRecords => "只有系统管理员、法制审核人员或单位负责人可以设置或解除密级标记。\
                 Only administrators, legal reviewers and unit leaders place or lift classification marks."
                .to_owned(),
            Permission::HoldRecords => "只有档案管理员、法制审核人员、单位负责人或系统管理员可以冻结或解除冻结。\
                 Only archivists, legal reviewers, unit leaders and administrators place, list or release legal holds."
                .to_owned(),
            Permission::ReadRetention => "只有档案管理员、系统管理员或单位负责人可以查看保存期限。\
                 Only archivists, administrators and unit leaders read retention."
                .to_owned(),
        }
    }
}

impl CurrentActor {
    /// Succeeds if this actor holds `permission`, else a 403 that says why.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if permission.allows(self) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(permission.refusal()))
        }
    }

    /// The person behind this request, or a 403 saying `refusal` for a
    /// device token.
    pub(crate) fn person(&self, refusal: &str) -> Result<&SignedInUser, ApiError> {
        match self {
            CurrentActor::User(signed_in) => Ok(signed_in),
            CurrentActor::Device(_) => Err(ApiError::Forbidden(refusal.to_owned())),
        }
    }
}

/// Why an actor may read a record's metadata now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadRight {
    /// A person, on the basis the custody rules found (own work or a grant).
    Person(ReadBasis),
    /// The workstation that stored the record, checking its upload.
    Uploader,
}

impl ReadRight {
    /// The basis to write into the audit entry; `None` for a workstation.
    pub fn basis(&self) -> Option<&ReadBasis> {
        match self {
            ReadRight::Person(basis) => Some(basis),
            ReadRight::Uploader => None,
        }
    }
}

/// Whether the workstation behind `device` stored `record`: the upload
/// was registered under its token (`stored_by` is its ledger actor), or
/// the record names it as the device the file came from.
pub fn uploaded_by(record: &MediaRecord, device: &AuthenticatedDevice) -> bool {
    record.stored_by == device.token.device_id.subject() || record.source_device == Some(device.token.device_id)
}

/// Decides whether `actor` may read the metadata of `record` now. People
/// go through [`liuhen_custody::access::authorize`] (view); a workstation
/// reads only what it stored. The refusal is a 403 with a sentence.
pub async fn may_read_metadata(app: &AppState, actor: &CurrentActor, record: &MediaRecord) -> Result<ReadRight, ApiError> {
    match actor {
        CurrentActor::User(signed_in) => {
            let basis = liuhen_custody::access::authorize(
                app.store.as_ref(),
                &signed_in.user,
                Target::Media(record.id),
                AccessMode::View,
                Timestamp::now(),
            )
            .await?;
            Ok(ReadRight::Person(basis))
        }
        CurrentActor::Device(device) if uploaded_by(record, device) => Ok(ReadRight::Uploader),
        CurrentActor::Device(_) => Err(ApiError::Forbidden(format!(
            "此采集站未上传记录 {}。This workstation did not store record {}; a workstation reads only the records it uploaded.",
            record.id, record.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use liuhen_core::digest::{sha256, ContentDigests};
    use liuhen_core::entity::{ApiToken, Session, User};
    use liuhen_core::id::{DeviceId, MediaId, SessionId, TokenId, UserId};

    use super::*;

    fn person(roles: &[Role]) -> CurrentActor {
        let user = User {
            id: UserId::new(),
            login: "li.na".to_owned(),
            display_name: "李娜".to_owned(),
            password_hash: String::new(),
            roles: roles.to_vec(),
            officer_id: None,
            disabled: false,
        };
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            secret_sha256: sha256(b"secret"),
            created_at: Timestamp::UNIX_EPOCH,
            expires_at: Timestamp::MAX,
        };
        CurrentActor::User(SignedInUser { user, session, csrf_token: String::new() })
    }

    fn device(device_id: DeviceId) -> AuthenticatedDevice {
        AuthenticatedDevice {
            token: ApiToken {
                id: TokenId::new(),
                device_id,
                secret_sha256: sha256(b"token"),
                created_at: Timestamp::UNIX_EPOCH,
                revoked: false,
            },
        }
    }

    fn record(stored_by: String, source_device: Option<DeviceId>) -> MediaRecord {
        let digests = ContentDigests::of_bytes(b"clip");
        MediaRecord {
            id: MediaId::new(),
            sha256: digests.sha256,
            sm3: digests.sm3,
            size: digests.size,
            original_name: None,
            stored_at: Timestamp::UNIX_EPOCH,
            stored_by,
            source_device,
        }
    }

    #[test]
    fn custody_permissions_follow_roles_and_devices_hold_none() {
        for (permission, roles) in [
            (Permission::MarkRecords, &MARKERS[..]),
            (Permission::HoldRecords, &HOLD_KEEPERS[..]),
            (Permission::ReadRetention, &RETENTION_READERS[..]),
        ] {
            for role in Role::ALL {
                assert_eq!(permission.allows(&person(&[role])), roles.contains(&role), "{permission:?} {role}");
            }
            assert!(permission.allows(&person(&[Role::Officer, roles[0]])), "{permission:?}: an officer with the role");
            assert!(!permission.allows(&CurrentActor::Device(device(DeviceId::new()))), "{permission:?}: devices");
            let refusal = person(&[Role::Officer]).require(permission).unwrap_err();
            assert_eq!(refusal.status(), axum::http::StatusCode::FORBIDDEN);
        }
        assert!(Permission::ReadLedger.allows(&person(&[Role::Officer])));
        assert!(Permission::ReadLedger.allows(&CurrentActor::Device(device(DeviceId::new()))));
    }

    #[test]
    fn a_workstation_reads_only_what_it_stored() {
        let workstation = DeviceId::new();
        let token = device(workstation);
        assert!(uploaded_by(&record(workstation.subject(), Some(DeviceId::new())), &token), "uploaded under its token");
        assert!(uploaded_by(&record("cli:root".into(), Some(workstation)), &token), "named as the source device");
        assert!(!uploaded_by(&record("cli:root".into(), Some(DeviceId::new())), &token));
        assert!(!uploaded_by(&record(DeviceId::new().subject(), None), &token));
    }

    #[test]
    fn device_tokens_are_not_people() {
        let refusal = CurrentActor::Device(device(DeviceId::new())).person("people only").unwrap_err();
        assert_eq!(refusal.status(), axum::http::StatusCode::FORBIDDEN);
        assert!(person(&[Role::Officer]).person("people only").is_ok());
    }
}

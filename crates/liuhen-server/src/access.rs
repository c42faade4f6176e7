//! Who may do what: permissions checked against a [`CurrentActor`].
//!
//! Rights follow from roles for people and from being a registered device
//! for machines. Per-record grants (an officer reading the recordings of
//! his own case) arrive in a later layer; until then, officers without a
//! back-office role cannot read media records at all.

use liuhen_core::entity::Role;

use crate::actor::CurrentActor;
use crate::error::ApiError;

/// Something an actor may or may not be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// List and read media records (not the files themselves).
    ReadMediaRecords,
    /// Read ledger entries, checkpoints and proofs.
    ReadLedger,
}

/// The roles that may read every media record.
const MEDIA_READERS: [Role; 5] = [Role::Administrator, Role::Archivist, Role::LegalReviewer, Role::Inspector, Role::UnitLeader];

impl Permission {
    /// Whether `actor` holds this permission.
    pub fn allows(self, actor: &CurrentActor) -> bool {
        match (self, actor) {
            (Permission::ReadMediaRecords, CurrentActor::User(signed_in)) => {
                MEDIA_READERS.iter().any(|role| signed_in.user.has_role(*role))
            }
            // Device tokens are issued to collection workstations, which
            // check what they uploaded against the server's records.
            (Permission::ReadMediaRecords, CurrentActor::Device(_)) => true,
            // The ledger is the instance's public account of itself; anyone
            // who can sign in may check it.
            (Permission::ReadLedger, _) => true,
        }
    }

    /// The refusal a person reads when lacking this permission.
    fn refusal(self) -> String {
        match self {
            Permission::ReadMediaRecords => "您的角色无权查看媒体记录；如需查看，请联系系统管理员授予档案管理员、法制审核人员、督察人员或单位负责人角色。\
                 Your roles do not allow reading media records; ask an administrator for the archivist, legal_reviewer, inspector or unit_leader role."
                .to_owned(),
            Permission::ReadLedger => "您无权查看审计日志。You are not allowed to read the ledger; ask an administrator.".to_owned(),
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
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use liuhen_core::digest::sha256;
    use liuhen_core::entity::{ApiToken, Session, User};
    use liuhen_core::id::{DeviceId, SessionId, TokenId, UserId};

    use super::*;
    use crate::actor::{AuthenticatedDevice, SignedInUser};

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

    #[test]
    fn back_office_roles_read_media_records_and_plain_officers_do_not() {
        for role in MEDIA_READERS {
            assert!(Permission::ReadMediaRecords.allows(&person(&[role])), "{role}");
        }
        assert!(Permission::ReadMediaRecords.allows(&person(&[Role::Officer, Role::Archivist])));
        let officer = person(&[Role::Officer]);
        assert!(!Permission::ReadMediaRecords.allows(&officer));
        let refusal = officer.require(Permission::ReadMediaRecords).unwrap_err();
        assert_eq!(refusal.status(), axum::http::StatusCode::FORBIDDEN);
        assert!(Permission::ReadLedger.allows(&officer));
    }

    #[test]
    fn workstations_read_media_records() {
        let device = CurrentActor::Device(AuthenticatedDevice {
            token: ApiToken {
                id: TokenId::new(),
                device_id: DeviceId::new(),
                secret_sha256: sha256(b"token"),
                created_at: Timestamp::UNIX_EPOCH,
                revoked: false,
            },
        });
        assert!(Permission::ReadMediaRecords.allows(&device));
    }
}

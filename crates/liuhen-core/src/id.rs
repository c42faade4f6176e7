//! Typed, time-ordered identifiers (UUIDv7) for every entity.
//!
//! Each entity gets its own newtype so a `MediaId` can never be passed where
//! an `OfficerId` is expected. UUIDv7 sorts by creation time, which keeps
//! database indexes append-friendly and lists naturally ordered.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The prefix used when this id names a ledger subject, e.g. `media:…`.
            pub const SUBJECT_PREFIX: &'static str = $prefix;

            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The ledger subject string for this id, e.g. `media:0190…`.
            pub fn subject(&self) -> String {
                format!("{}:{}", $prefix, self.0)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| IdError { kind: stringify!($name), text: text.to_owned() })
            }
        }
    };
}

/// A string that is not a valid identifier of the expected kind.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a valid {kind}: expected a UUID such as 0192f3a4-5b6c-7d8e-9f00-112233445566")]
pub struct IdError {
    kind: &'static str,
    text: String,
}

define_id!(
    /// A compliance finding (合规问题): one breach of one rule by one subject.
    FindingId, "finding"
);
define_id!(
    /// An enforcement agency (执法部门).
    AgencyId, "agency"
);
define_id!(
    /// A unit inside an agency (大队 / 中队 / 科室).
    UnitId, "unit"
);
define_id!(
    /// An officer (执法人员) or assistant (协助执法人员).
    OfficerId, "officer"
);
define_id!(
    /// A device: body camera (执法记录仪), collection workstation (采集站) or other.
    DeviceId, "device"
);
define_id!(
    /// A login account of a person.
    UserId, "user"
);
define_id!(
    /// A media record: one stored file in the evidence vault.
    MediaId, "media"
);
define_id!(
    /// A case (案件).
    CaseId, "case"
);
define_id!(
    /// One version of an enforcement document (执法文书).
    DocumentId, "document"
);
define_id!(
    /// A complaint or report (投诉举报).
    ComplaintId, "complaint"
);
define_id!(
    /// A login session of a person.
    SessionId, "session"
);
define_id!(
    /// An API token of a machine (e.g. one collection workstation).
    TokenId, "token"
);

define_id!(
    /// An access request (调阅申请) and, once decided, its grant.
    AccessRequestId, "access"
);
define_id!(
    /// A legal hold (冻结) on a record or case.
    HoldId, "hold"
);
define_id!(
    /// A disposal list (销毁清单): expired records proposed for deletion.
    DisposalId, "disposal"
);
define_id!(
    /// A package handed over to a court or review body (移交).
    ExportId, "export"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_round_trip() {
        let first = MediaId::new();
        let second = MediaId::new();
        assert!(first < second);
        let parsed: MediaId = first.to_string().parse().unwrap();
        assert_eq!(parsed, first);
        assert!(first.subject().starts_with("media:"));
    }

    #[test]
    fn a_bad_id_reads_as_a_sentence() {
        let error = "not-a-uuid".parse::<OfficerId>().unwrap_err();
        assert!(error.to_string().contains("not a valid OfficerId"));
    }
}
define_id!(
    /// A spot check (抽检): one drawn sample and the reviews of its items.
    SpotCheckId, "spot_check"
);

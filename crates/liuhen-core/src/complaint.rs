//! Complaints and reports (投诉举报, 大连 第七条): the intake record and its
//! outcome, no IO.
//!
//! A complaint is recorded when it arrives. Its outcome is recorded once:
//! either a case is opened for it, or no case is opened, and then a named
//! complainant must be told, and the telling recorded. Who complained is
//! protected data: only some roles see it (the API decides who).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::case::StageRefused;
use crate::id::{AgencyId, CaseId, ComplaintId};

/// How a complaint arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 电话 (including 12345).
    Phone,
    /// 来访.
    Visit,
    /// 网络.
    Online,
    /// 来信.
    Letter,
    /// 上级转办.
    Referral,
}

/// Who complained (protected).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// A complaint or report as received (投诉举报登记).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: ComplaintId,
    pub agency_id: AgencyId,
    pub received_at: Timestamp,
    pub channel: Channel,
    /// `None`: anonymous.
    pub complainant: Option<Complainant>,
    pub content: String,
    pub location: String,
    pub recorded_by: String,
}

impl Complaint {
    /// The complaint without who made it, for readers not allowed to know.
    pub fn redacted(&self) -> Complaint {
        Complaint {
            complainant: self.complainant.as_ref().map(|_| Complainant {
                name: "（受保护 protected）".into(),
                phone: None,
                id_number: None,
            }),
            ..self.clone()
        }
    }
}

/// What became of a complaint; recorded once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintOutcome {
    pub complaint_id: ComplaintId,
    pub decision: ComplaintDecision,
    pub decided_at: Timestamp,
    pub decided_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ComplaintDecision {
    /// A case was opened for it.
    CaseOpened { case_id: CaseId },
    /// No case: why, and how the complainant was told (大连 第七条).
    NoCase { reason: String, notice: Option<Notice> },
}

/// How and when the complainant was told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub method: String,
    pub notified_at: Timestamp,
}

/// Checks an outcome: no case for a named complainant needs its reason and
/// the notice to the complainant (大连 第七条).
pub fn check_outcome(complaint: &Complaint, decision: &ComplaintDecision) -> Result<(), StageRefused> {
    if let ComplaintDecision::NoCase { reason, notice } = decision {
        if reason.trim().is_empty() {
            return Err(StageRefused { message: "say why no case is opened".into(), article: "大连 第七条" });
        }
        if complaint.complainant.is_some() && notice.as_ref().is_none_or(|notice| notice.method.trim().is_empty()) {
            return Err(StageRefused {
                message: "the complainant is named, so record how and when they were told that no case is opened".into(),
                article: "大连 第七条",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complaint(named: bool) -> Complaint {
        Complaint {
            id: ComplaintId::new(),
            agency_id: AgencyId::new(),
            received_at: Timestamp::UNIX_EPOCH,
            channel: Channel::Phone,
            complainant: named.then(|| Complainant { name: "赵六".into(), phone: Some("13800000000".into()), id_number: None }),
            content: "人行道上摆摊".into(),
            location: "中山路".into(),
            recorded_by: "console:test".into(),
        }
    }

    #[test]
    fn declining_a_named_complaint_needs_the_notice_dalian_7() {
        let no_notice = ComplaintDecision::NoCase { reason: "不属于本机关职责".into(), notice: None };
        assert_eq!(check_outcome(&complaint(true), &no_notice).unwrap_err().article, "大连 第七条");
        check_outcome(&complaint(false), &no_notice).unwrap();
        let told = ComplaintDecision::NoCase {
            reason: "不属于本机关职责".into(),
            notice: Some(Notice { method: "电话告知".into(), notified_at: Timestamp::UNIX_EPOCH }),
        };
        check_outcome(&complaint(true), &told).unwrap();
        assert!(check_outcome(&complaint(false), &ComplaintDecision::NoCase { reason: " ".into(), notice: None }).is_err());
        let redacted = complaint(true).redacted();
        assert_ne!(redacted.complainant.as_ref().unwrap().name, "赵六");
        assert_eq!(redacted.complainant.as_ref().unwrap().phone, None);
    }
}

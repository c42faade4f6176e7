//! Access to records (调阅): requests, approvals, grants, classification
//! marks, and the one rule that decides whether a person may read a record.
//!
//! Records are internal (丰台 第二十六条): nobody views or copies them
//! without approval (叶县 第十六条; 丰台 第二十七条; 厦门 六（三）). An officer
//! sees the records of his own cases and his own recordings; everything
//! else needs a grant — an approved [`AccessRequest`] that is bound to its
//! purpose, its records, view or copy, and a period. A classification mark
//! (国家秘密 / 商业秘密 / 个人隐私, 丰台 第二十六条; 大连 第二十五条) narrows
//! who may be granted access at all.
//!
//! Pure: the caller gathers the facts (who the reader is, which cases a
//! record belongs to, the grants on file) and passes the time in.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;
use crate::entity::{Role, User};
use crate::id::{AccessRequestId, CaseId, DocumentId, ExportId, MediaId, OfficerId, SpotCheckId, UserId};

/// Why someone asks to see records (调阅用途).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 行政复议
    Reconsideration,
    /// 行政诉讼
    Litigation,
    /// 行政赔偿
    Compensation,
    /// 调解
    Mediation,
    /// 信访
    Petition,
    /// 宣传
    Publicity,
    /// 培训
    Training,
    /// 监察调阅
    Supervision,
    /// 司法调阅
    Judicial,
    /// 审计调阅
    Audit,
    /// 当事人查阅
    PartyInspection,
    /// 案件办理 (an officer of another unit working a related case)
    CaseWork,
}

impl Purpose {
    pub const ALL: [Purpose; 12] = [
        Purpose::Reconsideration,
        Purpose::Litigation,
        Purpose::Compensation,
        Purpose::Mediation,
        Purpose::Petition,
        Purpose::Publicity,
        Purpose::Training,
        Purpose::Supervision,
        Purpose::Judicial,
        Purpose::Audit,
        Purpose::PartyInspection,
        Purpose::CaseWork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reconsideration => "reconsideration",
            Purpose::Litigation => "litigation",
            Purpose::Compensation => "compensation",
            Purpose::Mediation => "mediation",
            Purpose::Petition => "petition",
            Purpose::Publicity => "publicity",
            Purpose::Training => "training",
            Purpose::Supervision => "supervision",
            Purpose::Judicial => "judicial",
            Purpose::Audit => "audit",
            Purpose::PartyInspection => "party_inspection",
            Purpose::CaseWork => "case_work",
        }
    }

    /// The Chinese name printed on forms.
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Reconsideration => "行政复议",
            Purpose::Litigation => "行政诉讼",
            Purpose::Compensation => "行政赔偿",
            Purpose::Mediation => "调解",
            Purpose::Petition => "信访",
            Purpose::Publicity => "宣传",
            Purpose::Training => "培训",
            Purpose::Supervision => "监察调阅",
            Purpose::Judicial => "司法调阅",
            Purpose::Audit => "审计调阅",
            Purpose::PartyInspection => "当事人查阅",
            Purpose::CaseWork => "案件办理",
        }
    }

    /// Purposes that take records outside the agency (publicity, training):
    /// records carrying any classification mark are never granted for them.
    pub fn is_outward(self) -> bool {
        matches!(self, Purpose::Publicity | Purpose::Training)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = UnknownWord;
    fn from_str(text: &str) -> Result<Self, UnknownWord> {
        let text = text.trim();
        Purpose::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == text || purpose.label() == text)
            .ok_or_else(|| UnknownWord::new("purpose", text, Purpose::ALL.iter().map(|p| p.as_str())))
    }
}

/// A word that is not one of the accepted ones, with the list of those.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{word}` is not a {what}; use one of: {accepted}")]
pub struct UnknownWord {
    pub what: &'static str,
    pub word: String,
    pub accepted: String,
}

impl UnknownWord {
    fn new<'a>(what: &'static str, word: &str, accepted: impl Iterator<Item = &'a str>) -> UnknownWord {
        UnknownWord { what, word: word.to_owned(), accepted: accepted.collect::<Vec<_>>().join(", ") }
    }
}

/// View only (查阅) or also take a copy (复制).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessMode {
    View,
    Copy,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::View => "view",
            AccessMode::Copy => "copy",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AccessMode::View => "查阅",
            AccessMode::Copy => "复制",
        }
    }
}

impl FromStr for AccessMode {
    type Err = UnknownWord;
    fn from_str(text: &str) -> Result<Self, UnknownWord> {
        match text.trim() {
            "view" | "查阅" => Ok(AccessMode::View),
            "copy" | "复制" => Ok(AccessMode::Copy),
            other => Err(UnknownWord::new("access mode", other, ["view", "copy"].into_iter())),
        }
    }
}

/// What a request or a mark is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Target {
    /// A whole case: its documents and every AV record linked to it.
    Case(CaseId),
    /// One AV record (or any stored file).
    Media(MediaId),
    /// One document version.
    Document(DocumentId),
}

impl Target {
    /// The ledger subject, e.g. `media:0190…`: what entries about it name.
    pub fn subject(&self) -> String {
        match self {
            Target::Case(id) => id.subject(),
            Target::Media(id) => id.subject(),
            Target::Document(id) => id.subject(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Case(id) => write!(f, "{id}"),
            Target::Media(id) => write!(f, "{id}"),
            Target::Document(id) => write!(f, "{id}"),
        }
    }
}

/// A classification mark (密级/保护标记).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 国家秘密
    StateSecret,
    /// 商业秘密
    TradeSecret,
    /// 个人隐私
    Privacy,
}

impl Classification {
    pub const ALL: [Classification; 3] = [Classification::StateSecret, Classification::TradeSecret, Classification::Privacy];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::StateSecret => "state_secret",
            Classification::TradeSecret => "trade_secret",
            Classification::Privacy => "privacy",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Classification::StateSecret => "国家秘密",
            Classification::TradeSecret => "商业秘密",
            Classification::Privacy => "个人隐私",
        }
    }

    /// The purposes for which a record with this mark may still be granted.
    pub fn allows(self, purpose: Purpose) -> bool {
        match self {
            // State secrets leave the agency only to the bodies entitled
            // to them by law.
            Classification::StateSecret => matches!(
                purpose,
                Purpose::Reconsideration | Purpose::Litigation | Purpose::Supervision | Purpose::Judicial | Purpose::Audit
            ),
            // Trade secrets and privacy: not for publicity or training, and
            // a party sees them only through a redacted copy.
            Classification::TradeSecret | Classification::Privacy => !purpose.is_outward() && purpose != Purpose::PartyInspection,
        }
    }

    /// Roles that may approve access to a record with this mark.
    pub fn approvers(self) -> &'static [Role] {
        match self {
            Classification::StateSecret => &[Role::Administrator],
            Classification::TradeSecret | Classification::Privacy => &[Role::UnitLeader, Role::Administrator],
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Classification {
    type Err = UnknownWord;
    fn from_str(text: &str) -> Result<Self, UnknownWord> {
        let text = text.trim();
        Classification::ALL
            .into_iter()
            .find(|mark| mark.as_str() == text || mark.label() == text)
            .ok_or_else(|| UnknownWord::new("classification", text, Classification::ALL.iter().map(|c| c.as_str())))
    }
}

/// A mark placed on a record or case. Marks are only added; a mark is
/// lifted by a later entry with `lifted: true`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationMark {
    pub target: Target,
    pub mark: Classification,
    pub lifted: bool,
    pub note: String,
    pub at: Timestamp,
    /// The ledger actor who marked it.
    pub by: String,
}

/// The marks in force on one target, from its marks in the order made.
pub fn marks_in_force<'a>(marks: impl IntoIterator<Item = &'a ClassificationMark>, target: Target) -> Vec<Classification> {
    let mut in_force: Vec<Classification> = Vec::new();
    for mark in marks.into_iter().filter(|mark| mark.target == target) {
        if mark.lifted {
            in_force.retain(|m| *m != mark.mark);
        } else if !in_force.contains(&mark.mark) {
            in_force.push(mark.mark);
        }
    }
    in_force.sort();
    in_force
}

/// An access request (调阅申请): who asks to see or copy what, for what, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: AccessRequestId,
    pub requester: UserId,
    /// The requester's name as it stood (printed on the 调用单).
    pub requester_name: String,
    /// Who outside the agency the records are for, if anyone (法院, 复议机关, …).
    pub on_behalf_of: Option<String>,
    pub targets: Vec<Target>,
    pub purpose: Purpose,
    pub mode: AccessMode,
    /// The requester's reason in his own words (调阅事由).
    pub reason: String,
    /// The period asked for.
    pub from: Timestamp,
    pub until: Timestamp,
    pub requested_at: Timestamp,
}

/// The decision on a request: approved (with the period granted) or refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDecision {
    pub request: AccessRequestId,
    pub approved: bool,
    pub approver: UserId,
    pub approver_name: String,
    /// The approver's opinion (审批意见); required for a refusal.
    pub reason: String,
    /// The period granted (may be shorter than asked); `None` when refused.
    pub granted_until: Option<Timestamp>,
    pub at: Timestamp,
}

/// A request with its decision, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessFile {
    pub request: AccessRequest,
    pub decision: Option<AccessDecision>,
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Refused,
    /// Approved and in its period.
    Granted,
    /// Approved, period not yet begun.
    NotYet,
    Expired,
}

impl RequestState {
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Pending => "待审批",
            RequestState::Refused => "未批准",
            RequestState::Granted => "已批准",
            RequestState::NotYet => "已批准（未到期间）",
            RequestState::Expired => "已过期",
        }
    }
}

impl AccessFile {
    pub fn state(&self, now: Timestamp) -> RequestState {
        match &self.decision {
            None => RequestState::Pending,
            Some(decision) if !decision.approved => RequestState::Refused,
            Some(decision) => {
                let until = decision.granted_until.unwrap_or(self.request.until);
                if now < self.request.from {
                    RequestState::NotYet
                } else if now >= until {
                    RequestState::Expired
                } else {
                    RequestState::Granted
                }
            }
        }
    }
}

/// Refusals of a request or of a decision on one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefused {
    #[error("an access request must name at least one case, record or document")]
    NothingRequested,
    #[error("the reason (调阅事由) must not be empty")]
    NoReason,
    #[error("the period must end after it begins ({from} is not before {until})")]
    EmptyPeriod { from: Timestamp, until: Timestamp },
    #[error("a grant lasts at most {max_days} days; ask again for a later period")]
    TooLong { max_days: i64 },
    #[error("this request was already decided on {at}")]
    AlreadyDecided { at: Timestamp },
    #[error("a request cannot be approved by the person who made it")]
    OwnRequest,
    #[error("approving needs the role {needed} (审批人); you hold {held}")]
    NotAnApprover { needed: String, held: String },
    #[error("a refusal must give its reason (审批意见)")]
    RefusalWithoutReason,
    #[error("a refusal must say why in at least {min} characters (审批意见), e.g. 涉及个人隐私，不宜用于宣传")]
    RefusalTooShort { min: usize },
    #[error("the period granted must end within the period asked for (by {until})")]
    GrantBeyondRequest { until: Timestamp },
    #[error("{target} is marked {mark} ({label}); it cannot be granted for {purpose} ({purpose_label}) (丰台 第二十六条)")]
    ClassifiedForPurpose { target: Target, mark: Classification, label: &'static str, purpose: Purpose, purpose_label: &'static str },
}

/// The longest grant, in days.
pub const MAX_GRANT_DAYS: i64 = 90;

/// The shortest opinion a refusal may give: "不同意" alone does not tell
/// the requester what to change, and he is owed a reason.
pub const MIN_REFUSAL_CHARS: usize = 4;

/// Checks a new request before it is filed.
pub fn check_request(request: &AccessRequest) -> Result<(), AccessRefused> {
    if request.targets.is_empty() {
        return Err(AccessRefused::NothingRequested);
    }
    if request.reason.trim().is_empty() {
        return Err(AccessRefused::NoReason);
    }
    if request.until <= request.from {
        return Err(AccessRefused::EmptyPeriod { from: request.from, until: request.until });
    }
    if request.until.duration_since(request.from).as_secs() > MAX_GRANT_DAYS * 86_400 {
        return Err(AccessRefused::TooLong { max_days: MAX_GRANT_DAYS });
    }
    Ok(())
}

/// Checks a decision: the approver holds a role that may approve every
/// target's marks, is not the requester, and a refusal says why. `marks`
/// gives the marks in force on each target of the request.
pub fn check_decision(
    file: &AccessFile,
    decision: &AccessDecision,
    approver: &User,
    marks: &[(Target, Vec<Classification>)],
) -> Result<(), AccessRefused> {
    if let Some(earlier) = &file.decision {
        return Err(AccessRefused::AlreadyDecided { at: earlier.at });
    }
    if decision.approver == file.request.requester {
        return Err(AccessRefused::OwnRequest);
    }
    let mut needed: &[Role] = &[Role::UnitLeader, Role::Administrator];
    for (_, target_marks) in marks {
        for mark in target_marks {
            if mark.approvers().len() < needed.len() {
                needed = mark.approvers();
            }
        }
    }
    if !needed.iter().any(|role| approver.has_role(*role)) {
        return Err(AccessRefused::NotAnApprover {
            needed: needed.iter().map(|r| format!("{r} ({})", r.label_zh())).collect::<Vec<_>>().join(" or "),
            held: approver.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        });
    }
    if !decision.approved {
        let reason = decision.reason.trim();
        if reason.is_empty() {
            return Err(AccessRefused::RefusalWithoutReason);
        }
        if reason.chars().count() < MIN_REFUSAL_CHARS {
            return Err(AccessRefused::RefusalTooShort { min: MIN_REFUSAL_CHARS });
        }
        return Ok(());
    }
    if let Some(until) = decision.granted_until {
        if until > file.request.until || until <= file.request.from {
            return Err(AccessRefused::GrantBeyondRequest { until: file.request.until });
        }
    }
    for (target, target_marks) in marks {
        for mark in target_marks {
            if !mark.allows(file.request.purpose) {
                return Err(AccessRefused::ClassifiedForPurpose {
                    target: *target,
                    mark: *mark,
                    label: mark.label(),
                    purpose: file.request.purpose,
                    purpose_label: file.request.purpose.label(),
                });
            }
        }
    }
    Ok(())
}

/// The person reading, as far as access rules care.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    pub user: &'a User,
}

/// What a record to be read is: itself, and the cases it belongs to with
/// their officers.
#[derive(Clone, Debug, Default)]
pub struct RecordFacts {
    /// The record itself (a media record or a document), or the case.
    pub target: Option<Target>,
    /// The cases the record belongs to (for a case: itself).
    pub cases: Vec<CaseId>,
    /// The officers who made the record (the recording officer) or who
    /// handle one of its cases.
    pub own_officers: Vec<OfficerId>,
    /// Marks in force on the record and on each of its cases.
    pub marks: Vec<Classification>,
}

/// Why a read is allowed: the reader's own work, or a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum ReadBasis {
    /// The officer's own recording or case (本人案件/记录).
    Own,
    /// An approved request in its period.
    Grant { request: AccessRequestId, purpose: Purpose, mode: AccessMode },
    /// An inspector plays back a record a spot check drew (回放检查,
    /// 叶县 第二十二条): view only.
    SpotCheck { check: SpotCheckId },
}

impl ReadBasis {
    pub fn purpose(&self) -> Option<Purpose> {
        match self {
            ReadBasis::Own | ReadBasis::SpotCheck { .. } => None,
            ReadBasis::Grant { purpose, .. } => Some(*purpose),
        }
    }
}

/// The roles that draw and review spot checks, and so play back what
/// they drew.
pub const SPOT_CHECKERS: [Role; 3] = [Role::Inspector, Role::LegalReviewer, Role::UnitLeader];

/// Whether `reader` may view `record` because a spot check drew it, or
/// drew a case it belongs to (`drawn_in`, the checks that did): inspectors,
/// legal reviewers and unit leaders play back what is spot-checked
/// (叶县 第二十二条: 定期……进行回放检查). View only; nothing marked a state
/// secret. The read is audited like any other, naming the check.
pub fn may_inspect(reader: &Reader<'_>, record: &RecordFacts, mode: AccessMode, drawn_in: &[SpotCheckId]) -> Option<ReadBasis> {
    let allowed = !reader.user.disabled
        && mode == AccessMode::View
        && SPOT_CHECKERS.iter().any(|role| reader.user.has_role(*role))
        && record.marks.iter().all(|mark| *mark != Classification::StateSecret);
    allowed.then(|| drawn_in.first().map(|check| ReadBasis::SpotCheck { check: *check })).flatten()
}

/// Why a read is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadRefused {
    #[error(
        "这份记录不是您本人的案件或记录，且没有有效的调阅批准；请先提交调阅申请。\
         This record is not from your own case or recording and you hold no approved access request for it: file an access request (丰台 第二十七条)"
    )]
    NoGrant,
    #[error(
        "您的调阅批准只允许查阅，不允许复制或下载。Your grant allows viewing only; copying or downloading needs a request for copy (复制)"
    )]
    ViewOnly,
    #[error("the account is disabled")]
    Disabled,
}

/// Decides whether `reader` may read a record, and on what basis. A copy
/// (download, export) needs `mode == Copy`; streaming and viewing metadata
/// need `View`. Officers read their own work without a grant (but copying
/// still needs one); everyone else needs a grant covering the record or one
/// of its cases, in its period. Marks were checked when the grant was
/// approved; a mark placed later withdraws grants it does not allow.
pub fn may_read(
    reader: &Reader<'_>,
    record: &RecordFacts,
    mode: AccessMode,
    grants: &[AccessFile],
    now: Timestamp,
) -> Result<ReadBasis, ReadRefused> {
    if reader.user.disabled {
        return Err(ReadRefused::Disabled);
    }
    if mode == AccessMode::View {
        if let Some(officer) = reader.user.officer_id {
            if record.own_officers.contains(&officer) && record.marks.iter().all(|m| *m != Classification::StateSecret) {
                return Ok(ReadBasis::Own);
            }
        }
    }
    let mut view_only = false;
    for file in grants.iter().filter(|file| file.request.requester == reader.user.id) {
        if file.state(now) != RequestState::Granted {
            continue;
        }
        let covers = file
            .request
            .targets
            .iter()
            .any(|target| Some(*target) == record.target || matches!(target, Target::Case(case) if record.cases.contains(case)));
        if !covers {
            continue;
        }
        if record.marks.iter().any(|mark| !mark.allows(file.request.purpose)) {
            continue;
        }
        if mode == AccessMode::Copy && file.request.mode == AccessMode::View {
            view_only = true;
            continue;
        }
        return Ok(ReadBasis::Grant { request: file.request.id, purpose: file.request.purpose, mode: file.request.mode });
    }
    Err(if view_only { ReadRefused::ViewOnly } else { ReadRefused::NoGrant })
}

/// How a record was read, for the audit entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadKind {
    /// Metadata viewed (a record's page, a document's fields).
    Metadata,
    /// AV content streamed for playback (one viewing session).
    Stream,
    /// A file downloaded whole.
    Download,
    /// Put into an export package.
    Export,
}

impl ReadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadKind::Metadata => "metadata",
            ReadKind::Stream => "stream",
            ReadKind::Download => "download",
            ReadKind::Export => "export",
        }
    }
}

/// The payload of a read's ledger entry (`record.read`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAudit {
    pub target: Target,
    pub kind: ReadKind,
    /// The grant the read relied on; `None` for an officer's own records
    /// and for administrators' storage checks.
    pub grant: Option<AccessRequestId>,
    pub purpose: Option<Purpose>,
    /// Bytes served: the file size for downloads and exports, the bytes
    /// of the range requests for a stream (recorded when it ends).
    pub bytes: Option<u64>,
    /// The viewing session a stream belongs to.
    pub viewing: Option<String>,
    /// The spot check an inspector's playback relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_check: Option<SpotCheckId>,
}

/// What was handed over (复制留存, 叶县 第十五条): one export package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub id: ExportId,
    pub case: Option<CaseId>,
    pub media: Vec<MediaId>,
    pub documents: Vec<DocumentId>,
    pub purpose: Purpose,
    /// The grant it was made under; `None` when an archivist exported on
    /// the agency's own account (e.g. a backup to disc).
    pub grant: Option<AccessRequestId>,
    /// Who receives it (法院, 复议机关, …).
    pub recipient: Option<String>,
    /// The SHA-256 of the package's `tagmanifest-sha256.txt`, which names
    /// every other file's hash: one digest identifies the whole package.
    pub tagmanifest_sha256: Sha256Digest,
    pub payload_files: u64,
    pub payload_bytes: u64,
    /// The checkpoint the package's proofs are against.
    pub checkpoint_size: u64,
    pub at: Timestamp,
    pub by: String,
}

#[cfg(test)]
mod tests;

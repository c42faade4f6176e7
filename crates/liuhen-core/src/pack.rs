//! Policy packs (执法规范包): one agency's regulation, as data.
//!
//! A pack is a TOML file (`packs/<id>.toml`) stating what the agency's own
//! text requires: the checks the compliance engine runs on recorded facts
//! (`[[rule]]`, each naming one engine `check` with its parameters), the
//! retention classes and when their clocks start (`[[retention]]`), what
//! calls for long-term preservation (`[[long_term]]`), how AV files are named
//! (`[naming]`), what officers say when recording starts
//! (`[[opening_statement]]`), and the misconduct catalogue
//! (`[[misconduct]]`) with the rules whose findings fall under each item.
//! Every entry cites its source as `FILE ARTICLE` and carries a short
//! Chinese description shown to users.
//!
//! [`PolicyPack::parse`] (in `load`) validates everything — syntax, unknown fields,
//! citations against [`crate::regulation`], durations, names of stages,
//! documents and roles, parameters a check does not take — and points at
//! the line of the first problem. `docs/policy-packs.md` documents the
//! format.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use jiff::{SignedDuration, SpanFieldwise};
use serde::{Deserialize, Serialize};

use crate::case::{ActKind, ApprovalRole, Procedure, RecordedItem, Stage};
use crate::document::DocumentKind;
use crate::regulation::Citation;

mod load;

/// The packs that ship with Liuhen, as (id, TOML text).
pub const BUILTIN: [(&str, &str); 5] = [
    ("wenshang-cgj", include_str!("../../../packs/wenshang-cgj.toml")),
    ("yexian-jtys", include_str!("../../../packs/yexian-jtys.toml")),
    ("fengtai-jd", include_str!("../../../packs/fengtai-jd.toml")),
    ("dalian-gxq-cgj", include_str!("../../../packs/dalian-gxq-cgj.toml")),
    ("xiamen-cgj", include_str!("../../../packs/xiamen-cgj.toml")),
];

/// A validated policy pack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyPack {
    pub id: String,
    /// The pack's own version; a finding records the version it came from.
    pub version: String,
    pub name: String,
    pub agency: String,
    /// SHA-256 of the pack's text (hex): exactly which text was in force.
    pub sha256: String,
    pub rules: Vec<Rule>,
    pub retention: Vec<RetentionClass>,
    pub long_term: Vec<LongTermTrigger>,
    pub naming: Option<NamingRule>,
    pub opening_statements: Vec<OpeningStatement>,
    pub misconduct: Vec<MisconductItem>,
    /// The spot-check rubric (抽检评分标准), in the order a review form lists it.
    pub rubric: Vec<RubricCriterion>,
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 提示: worth a look.
    Low,
    /// 一般.
    Medium,
    /// 严重.
    High,
}

impl Severity {
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Low => "提示",
            Severity::Medium => "一般",
            Severity::High => "严重",
        }
    }
}

/// One rule: a check the engine runs, where it comes from, how it reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Unique in the pack, e.g. `offload-24h`.
    pub id: String,
    pub check: Check,
    pub source: Citation,
    /// Short Chinese description shown with every finding.
    pub description: String,
    pub severity: Severity,
}

/// What the compliance engine checks, with the rule's parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// Every recording offloaded within `within` of its end.
    OffloadDeadline { within: SignedDuration },
    /// Every recording linked to a case or labelled within `within` of its end.
    LinkDeadline { within: SignedDuration },
    /// Every gap shorter than `window` between two recordings of one device
    /// (one activity) has an explanation.
    InterruptionExplained { window: SignedDuration },
    /// No device clock or file time off by more than `threshold`.
    ClockDrift { threshold: SignedDuration },
    /// Every stored recording plays back.
    Playback,
    /// No recording made by an assistant without a qualified officer
    /// recording at the same time.
    AssistantAlone,
    /// An AV record linked at the stage of each triggering event, within
    /// `within` of the event.
    AvRequired { trigger: AvTrigger, within: SignedDuration, continuous: bool },
    /// At least `min` devices recorded each of these stages.
    MinDevices { stages: Vec<Stage>, min: u32, within: SignedDuration },
    /// A decision document is made only after the chain is complete.
    ApprovalBeforeDecision { documents: Vec<DocumentKind>, chain: Vec<ApprovalRole> },
    /// An emergency start is approved within `within`.
    EmergencyApproval { within: SignedDuration },
    /// A concluded case is archived within `within`.
    ArchiveDeadline { within: SignedDuration },
    /// These documents carry the party's signature or a recorded refusal,
    /// and at least `officers` officers' signatures.
    Signatures { documents: Vec<DocumentKind>, party: bool, officers: u32 },
    /// Officers signing these documents showed their certificates.
    CertificateShown { documents: Vec<DocumentKind> },
    /// A case that has gone past `stage` has these documents (each entry:
    /// any one of the kinds listed).
    RequiredDocuments { act_kinds: Vec<ActKind>, procedure: Option<Procedure>, stage: Stage, documents: Vec<Vec<DocumentKind>> },
    /// Orders to correct are re-checked by their due date.
    RecheckOverdue,
    /// Corrections are reviewed and served (or approved) as required.
    CorrectionPending { within: SignedDuration },
    /// The latest spot-check review of an AV record or case scores at
    /// least `min` out of 100 (叶县 第二十二条).
    SpotCheck { min: u32 },
}

impl Check {
    /// The check's name as written in a pack.
    pub fn name(&self) -> &'static str {
        match self {
            Check::OffloadDeadline { .. } => "offload_deadline",
            Check::LinkDeadline { .. } => "link_deadline",
            Check::InterruptionExplained { .. } => "interruption_explained",
            Check::ClockDrift { .. } => "clock_drift",
            Check::Playback => "playback",
            Check::AssistantAlone => "assistant_alone",
            Check::AvRequired { .. } => "av_required",
            Check::MinDevices { .. } => "min_devices",
            Check::ApprovalBeforeDecision { .. } => "approval_before_decision",
            Check::EmergencyApproval { .. } => "emergency_approval",
            Check::ArchiveDeadline { .. } => "archive_deadline",
            Check::Signatures { .. } => "signatures",
            Check::CertificateShown { .. } => "certificate_shown",
            Check::RequiredDocuments { .. } => "required_documents",
            Check::RecheckOverdue => "recheck_overdue",
            Check::CorrectionPending { .. } => "correction_pending",
            Check::SpotCheck { .. } => "spot_check",
        }
    }
}

/// What calls for an AV record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AvTrigger {
    /// The case enters one of these stages.
    pub stages: Vec<Stage>,
    /// A document of one of these kinds is made.
    pub documents: Vec<DocumentKind>,
    /// A service receipt records one of these methods (直接送达, 留置送达, …).
    pub service_methods: Vec<String>,
    /// A coercive execution decision's mode mentions one of these (排除妨碍, …).
    pub modes: Vec<String>,
    /// Only links with one of these recorded items count; empty: any.
    pub items: Vec<RecordedItem>,
}

/// A retention class (保存期限).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetentionClass {
    pub class: RetentionKind,
    pub keep: Keep,
    pub starts: ClockStart,
    pub source: Citation,
    pub description: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionKind {
    /// 日常巡查 and other AV records not used as evidence.
    Patrol,
    /// Used as evidence in a case.
    Evidence,
    /// 特别重要 / marked important.
    Important,
    /// 长期保存.
    LongTerm,
}

/// How long a class is kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// At least this long.
    AtLeast(#[serde(serialize_with = "span_text")] SpanFieldwise),
    /// As long as the case file (与案卷保存期限相同).
    AsCaseFile,
    /// Indefinitely (长期).
    Indefinitely,
}

fn span_text<S: serde::Serializer>(span: &SpanFieldwise, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("{:#}", span.0))
}

/// When a retention clock starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    RecordingEnd,
    /// 自最终行政决定有效送达后 (丰台 第二十四条).
    FinalDecisionServed,
    CaseArchived,
}

/// What calls for long-term preservation (叶县 第十三条).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LongTermTrigger {
    pub trigger: LongTermKind,
    pub source: Citation,
    pub description: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LongTermKind {
    /// 当事人有异议或者投诉、上访.
    Dispute,
    /// 逃避、拒绝、阻碍执行公务, 谩骂、侮辱、殴打.
    Obstruction,
    /// 群体性事件、突发事件.
    MassIncident,
    /// 其他需要长期保存的重要情况.
    Other,
}

/// How AV files are named (厦门 五: 单位名称+行政执法相对人+检查日期+检查内容).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamingRule {
    pub template: String,
    pub source: Citation,
    pub description: String,
}

/// Placeholders a naming template may use.
pub const NAMING_PLACEHOLDERS: [&str; 8] = ["seq", "unit", "party", "date", "item", "case_number", "agency", "officer"];
/// Placeholders an opening statement may use.
pub const STATEMENT_PLACEHOLDERS: [&str; 10] =
    ["date", "period", "hour", "officers", "certificates", "party", "place", "agency", "document", "decision"];

/// What officers say when they start recording (口述内容, 厦门 附件1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpeningStatement {
    pub item: RecordedItem,
    pub title: String,
    pub script: String,
    pub source: Citation,
}

/// One item of the misconduct catalogue (执法过错) and the rules whose
/// findings fall under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MisconductItem {
    pub id: String,
    pub source: Citation,
    pub description: String,
    pub rules: Vec<String>,
}

/// What a rubric criterion is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RubricScope {
    /// AV records (the footage shows it).
    Recordings,
    /// Case files.
    Cases,
    /// Both.
    Both,
}

/// One criterion of the spot-check rubric (抽检评分标准): what an inspector
/// judges, what it is worth, and where the duty comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RubricCriterion {
    /// Unique in the pack, e.g. `told-party`.
    pub id: String,
    /// What is judged, in Chinese, as the review form shows it.
    pub description: String,
    /// What meeting it is worth.
    pub points: u32,
    pub scope: RubricScope,
    pub source: Citation,
}

impl RubricCriterion {
    /// Whether it is judged on items of this kind.
    pub fn applies_to(&self, scope: RubricScope) -> bool {
        self.scope == RubricScope::Both || self.scope == scope
    }
}

impl PolicyPack {
    /// A built-in pack by id.
    pub fn builtin(id: &str) -> Option<Result<PolicyPack, PackError>> {
        BUILTIN.iter().find(|(name, _)| *name == id).map(|(name, text)| PolicyPack::parse(text, &format!("packs/{name}.toml")))
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The misconduct items a rule's findings fall under.
    pub fn misconduct_of(&self, rule_id: &str) -> Vec<&MisconductItem> {
        self.misconduct.iter().filter(|item| item.rules.iter().any(|rule| rule == rule_id)).collect()
    }
    /// Reads and validates a pack. `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<PolicyPack, PackError> {
        load::parse(text, origin)
    }
}

/// A pack that does not load, with where the problem is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PackError {
    pub origin: String,
    /// 1-based line and column of the problem.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The line as written.
    pub line_text: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.origin, self.line, self.column, self.message)?;
        if !self.line_text.trim().is_empty() {
            write!(f, "\n  {} | {}", self.line, self.line_text)?;
        }
        Ok(())
    }
}

impl PackError {
    fn at(origin: &str, text: &str, span: Range<usize>, message: String) -> PackError {
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |position| position + 1);
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..].lines().next().unwrap_or("").to_owned();
        PackError { origin: origin.to_owned(), line, column, message, line_text }
    }
}

/// Fills a template's `{placeholders}` from `values`; unknown ones stay as written.
pub fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.get(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

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
//! [`PolicyPack::parse`] validates everything — syntax, unknown fields,
//! citations against [`crate::regulation`], durations, names of stages,
//! documents and roles, parameters a check does not take — and points at
//! the line of the first problem. `docs/policy-packs.md` documents the
//! format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use jiff::{SignedDuration, Span, SpanFieldwise, SpanRelativeTo};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::case::{ActKind, ApprovalRole, Procedure, RecordedItem, Stage};
use crate::document::DocumentKind;
use crate::regulation::{parse_citation, Citation};

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
        let raw: RawPack = toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            PackError::at(origin, text, span, error.message().trim().to_owned())
        })?;
        let context = Context { origin, text };
        let header = &raw.pack;
        let id = context.nonempty(&header.id, "the pack id")?;
        if !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(context.error(header.id.span(), "a pack id is lowercase letters, digits and dashes, e.g. xiamen-cgj"));
        }
        let version = context.nonempty(&header.version, "the pack version")?;
        let name = context.nonempty(&header.name, "the pack name")?;
        let agency = context.nonempty(&header.agency, "the agency")?;

        let mut rules = Vec::new();
        let mut ids = BTreeSet::new();
        for raw_rule in &raw.rule {
            let rule = context.rule(raw_rule)?;
            if !ids.insert(rule.id.clone()) {
                return Err(context.error(raw_rule.get_ref().id.span(), &format!("rule id `{}` is used twice", rule.id)));
            }
            rules.push(rule);
        }
        let retention = raw.retention.iter().map(|raw| context.retention(raw)).collect::<Result<Vec<_>, _>>()?;
        let long_term = raw
            .long_term
            .iter()
            .map(|raw| {
                Ok(LongTermTrigger {
                    trigger: context.named(&raw.trigger, "a long-term trigger", &["dispute", "obstruction", "mass_incident", "other"])?,
                    source: context.citation(&raw.source)?,
                    description: context.nonempty(&raw.description, "the description")?,
                })
            })
            .collect::<Result<Vec<_>, PackError>>()?;
        let naming = match &raw.naming {
            None => None,
            Some(naming) => {
                context.placeholders(&naming.template, &NAMING_PLACEHOLDERS)?;
                Some(NamingRule {
                    template: context.nonempty(&naming.template, "the naming template")?,
                    source: context.citation(&naming.source)?,
                    description: context.nonempty(&naming.description, "the description")?,
                })
            }
        };
        let opening_statements = raw
            .opening_statement
            .iter()
            .map(|raw| {
                context.placeholders(&raw.script, &STATEMENT_PLACEHOLDERS)?;
                Ok(OpeningStatement {
                    item: context.parsed(&raw.item, "a recorded item (现场检查, 询问, 送达, 行政强制, …)", RecordedItem::parse)?,
                    title: context.nonempty(&raw.title, "the title")?,
                    script: context.nonempty(&raw.script, "the script")?,
                    source: context.citation(&raw.source)?,
                })
            })
            .collect::<Result<Vec<_>, PackError>>()?;
        let mut misconduct = Vec::new();
        let mut misconduct_ids = BTreeSet::new();
        for raw in &raw.misconduct {
            let item_id = context.nonempty(&raw.id, "the item id")?;
            if !misconduct_ids.insert(item_id.clone()) {
                return Err(context.error(raw.id.span(), &format!("misconduct item `{item_id}` is listed twice")));
            }
            for rule in raw.rules.get_ref() {
                if !ids.contains(rule) {
                    return Err(context.error(
                        raw.rules.span(),
                        &format!("misconduct item `{item_id}` names rule `{rule}`, which this pack does not have"),
                    ));
                }
            }
            misconduct.push(MisconductItem {
                id: item_id,
                source: context.citation(&raw.source)?,
                description: context.nonempty(&raw.description, "the description")?,
                rules: raw.rules.get_ref().clone(),
            });
        }
        Ok(PolicyPack {
            id,
            version,
            name,
            agency,
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
            rules,
            retention,
            long_term,
            naming,
            opening_statements,
            misconduct,
        })
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

// ----------------------------------------------------------------------------
// The file as written, before validation.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    pack: RawHeader,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    retention: Vec<RawRetention>,
    #[serde(default)]
    long_term: Vec<RawLongTerm>,
    #[serde(default)]
    naming: Option<RawNaming>,
    #[serde(default)]
    opening_statement: Vec<RawStatement>,
    #[serde(default)]
    misconduct: Vec<RawMisconduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    version: Spanned<String>,
    name: Spanned<String>,
    agency: Spanned<String>,
}

/// Every parameter any check takes; [`Context::rule`] says which apply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    check: Spanned<String>,
    source: Spanned<String>,
    description: Spanned<String>,
    severity: Option<Spanned<String>>,
    within: Option<Spanned<String>>,
    window: Option<Spanned<String>>,
    threshold: Option<Spanned<String>>,
    stages: Option<Spanned<Vec<String>>>,
    stage: Option<Spanned<String>>,
    documents: Option<Spanned<Vec<OneOrMany>>>,
    service_methods: Option<Spanned<Vec<String>>>,
    modes: Option<Spanned<Vec<String>>>,
    items: Option<Spanned<Vec<String>>>,
    act_kinds: Option<Spanned<Vec<String>>>,
    procedure: Option<Spanned<String>>,
    chain: Option<Spanned<Vec<String>>>,
    min: Option<Spanned<u32>>,
    party: Option<Spanned<bool>>,
    officers: Option<Spanned<u32>>,
    continuous: Option<Spanned<bool>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    class: Spanned<String>,
    keep: Spanned<String>,
    starts: Spanned<String>,
    source: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLongTerm {
    trigger: Spanned<String>,
    source: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNaming {
    template: Spanned<String>,
    source: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatement {
    item: Spanned<String>,
    title: Spanned<String>,
    script: Spanned<String>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMisconduct {
    id: Spanned<String>,
    source: Spanned<String>,
    description: Spanned<String>,
    rules: Spanned<Vec<String>>,
}

// ----------------------------------------------------------------------------
// Validation.

struct Context<'a> {
    origin: &'a str,
    text: &'a str,
}

/// Longest description accepted, in characters.
const MAX_DESCRIPTION: usize = 500;

impl Context<'_> {
    fn error(&self, span: Range<usize>, message: &str) -> PackError {
        PackError::at(self.origin, self.text, span, message.to_owned())
    }

    fn nonempty(&self, value: &Spanned<String>, what: &str) -> Result<String, PackError> {
        let text = value.get_ref().trim();
        if text.is_empty() {
            return Err(self.error(value.span(), &format!("{what} is empty")));
        }
        if text.chars().count() > MAX_DESCRIPTION {
            return Err(self.error(value.span(), &format!("{what} is longer than {MAX_DESCRIPTION} characters")));
        }
        Ok(text.to_owned())
    }

    fn citation(&self, value: &Spanned<String>) -> Result<Citation, PackError> {
        parse_citation(value.get_ref()).map_err(|error| self.error(value.span(), &error.to_string()))
    }

    fn parsed<T>(&self, value: &Spanned<String>, what: &str, parse: fn(&str) -> Option<T>) -> Result<T, PackError> {
        parse(value.get_ref()).ok_or_else(|| self.error(value.span(), &format!("`{}` is not {what}", value.get_ref())))
    }

    fn parsed_list<T>(&self, value: &Spanned<Vec<String>>, what: &str, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, PackError> {
        value.get_ref().iter().map(|text| parse(text).ok_or_else(|| self.error(value.span(), &format!("`{text}` is not {what}")))).collect()
    }

    fn named<T: serde::de::DeserializeOwned>(&self, value: &Spanned<String>, what: &str, names: &[&str]) -> Result<T, PackError> {
        serde_json::from_value(serde_json::Value::String(value.get_ref().trim().to_owned()))
            .map_err(|_| self.error(value.span(), &format!("`{}` is not {what}: use one of {}", value.get_ref(), names.join(", "))))
    }

    /// A deadline: a positive length of time in hours, days or smaller units.
    fn deadline(&self, value: &Spanned<String>) -> Result<SignedDuration, PackError> {
        let span = self.span(value)?;
        if span.get_years() != 0 || span.get_months() != 0 {
            return Err(self.error(value.span(), "a deadline is given in days, hours or minutes (months vary in length)"));
        }
        span.to_duration(SpanRelativeTo::days_are_24_hours())
            .map_err(|error| self.error(value.span(), &format!("`{}` is not a length of time: {error}", value.get_ref())))
    }

    /// A positive length of time such as `24h`, `48 hours`, `30 days`, `6 months`.
    fn span(&self, value: &Spanned<String>) -> Result<Span, PackError> {
        let text = value.get_ref().trim();
        let span: Span = text.parse().map_err(|_| {
            self.error(value.span(), &format!("`{text}` is not a length of time; write it like `24h`, `48 hours`, `30 days` or `6 months`"))
        })?;
        if span.is_negative() || span.is_zero() {
            return Err(self.error(value.span(), &format!("`{text}` is not a positive length of time")));
        }
        Ok(span)
    }

    fn placeholders(&self, value: &Spanned<String>, allowed: &[&str]) -> Result<(), PackError> {
        let mut rest = value.get_ref().as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(self.error(value.span(), "a `{` is not closed by `}`"));
            };
            let name = &after[..close];
            if !allowed.contains(&name) {
                return Err(self.error(value.span(), &format!("`{{{name}}}` is not a placeholder here; use {}", allowed.join(", "))));
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(self.error(value.span(), "a `}` has no matching `{`"));
        }
        Ok(())
    }

    fn retention(&self, raw: &RawRetention) -> Result<RetentionClass, PackError> {
        let keep = match raw.keep.get_ref().trim() {
            "case" | "案卷" => Keep::AsCaseFile,
            "indefinitely" | "长期" => Keep::Indefinitely,
            _ => Keep::AtLeast(self.span(&raw.keep)?.fieldwise()),
        };
        Ok(RetentionClass {
            class: self.named(&raw.class, "a retention class", &["patrol", "evidence", "important", "long_term"])?,
            keep,
            starts: self.named(&raw.starts, "a clock start", &["recording_end", "final_decision_served", "case_archived"])?,
            source: self.citation(&raw.source)?,
            description: self.nonempty(&raw.description, "the description")?,
        })
    }

    fn rule(&self, spanned: &Spanned<RawRule>) -> Result<Rule, PackError> {
        let raw = spanned.get_ref();
        let id = self.nonempty(&raw.id, "the rule id")?;
        let source = self.citation(&raw.source)?;
        let description = self.nonempty(&raw.description, "the description")?;
        let severity = match &raw.severity {
            None => Severity::Medium,
            Some(value) => match value.get_ref().trim() {
                "low" | "提示" => Severity::Low,
                "medium" | "一般" => Severity::Medium,
                "high" | "严重" => Severity::High,
                other => return Err(self.error(value.span(), &format!("`{other}` is not a severity: use low, medium or high"))),
            },
        };
        let check_name = raw.check.get_ref().trim();
        // Which parameters the check takes: anything else given is a mistake.
        let takes: &[&str] = match check_name {
            "offload_deadline" | "link_deadline" | "emergency_approval" | "archive_deadline" => &["within"],
            "correction_pending" => &["within"],
            "interruption_explained" => &["window"],
            "clock_drift" => &["threshold"],
            "playback" | "assistant_alone" | "recheck_overdue" => &[],
            "av_required" => &["stages", "documents", "service_methods", "modes", "items", "within", "continuous"],
            "min_devices" => &["stages", "min", "within"],
            "approval_before_decision" => &["documents", "chain"],
            "signatures" => &["documents", "party", "officers"],
            "certificate_shown" => &["documents"],
            "required_documents" => &["act_kinds", "procedure", "stage", "documents"],
            other => {
                return Err(self.error(
                    raw.check.span(),
                    &format!(
                        "`{other}` is not a check; the checks are offload_deadline, link_deadline, interruption_explained, clock_drift, playback, assistant_alone, av_required, min_devices, approval_before_decision, emergency_approval, archive_deadline, signatures, certificate_shown, required_documents, recheck_overdue, correction_pending"
                    ),
                ))
            }
        };
        for (name, span) in raw.given() {
            if !takes.contains(&name) {
                let takes = if takes.is_empty() { "no parameters".to_owned() } else { takes.join(", ") };
                return Err(self.error(span, &format!("`{name}` does not apply to a {check_name} rule; it takes {takes}")));
            }
        }
        let need = |name: &str| self.error(spanned.span(), &format!("a {check_name} rule needs `{name}`"));
        let within = |default: Option<SignedDuration>| -> Result<SignedDuration, PackError> {
            match (&raw.within, default) {
                (Some(value), _) => self.deadline(value),
                (None, Some(default)) => Ok(default),
                (None, None) => Err(need("within")),
            }
        };
        let documents_flat = |required: bool| -> Result<Vec<DocumentKind>, PackError> {
            match &raw.documents {
                None if required => Err(need("documents")),
                None => Ok(Vec::new()),
                Some(value) => value
                    .get_ref()
                    .iter()
                    .map(|entry| match entry {
                        OneOrMany::One(text) => DocumentKind::parse(text).ok_or_else(|| {
                            self.error(value.span(), &format!("`{text}` is not a document kind (立案审批表, 询问笔录, 送达回证, …)"))
                        }),
                        OneOrMany::Many(_) => Err(self.error(value.span(), "list the document kinds one by one here")),
                    })
                    .collect(),
            }
        };
        let stages = |required: bool| -> Result<Vec<Stage>, PackError> {
            match &raw.stages {
                None if required => Err(need("stages")),
                None => Ok(Vec::new()),
                Some(value) => self.parsed_list(value, "a stage (受案, 立案, 调查取证, 扣押, …)", Stage::parse),
            }
        };
        let two_days = SignedDuration::from_hours(48);
        let check = match check_name {
            "offload_deadline" => Check::OffloadDeadline { within: within(None)? },
            "link_deadline" => Check::LinkDeadline { within: within(None)? },
            "emergency_approval" => Check::EmergencyApproval { within: within(None)? },
            "archive_deadline" => Check::ArchiveDeadline { within: within(None)? },
            "correction_pending" => Check::CorrectionPending { within: within(Some(SignedDuration::from_hours(30 * 24)))? },
            "interruption_explained" => {
                Check::InterruptionExplained { window: self.deadline(raw.window.as_ref().ok_or_else(|| need("window"))?)? }
            }
            "clock_drift" => Check::ClockDrift { threshold: self.deadline(raw.threshold.as_ref().ok_or_else(|| need("threshold"))?)? },
            "playback" => Check::Playback,
            "assistant_alone" => Check::AssistantAlone,
            "recheck_overdue" => Check::RecheckOverdue,
            "av_required" => {
                let trigger = AvTrigger {
                    stages: stages(false)?,
                    documents: documents_flat(false)?,
                    service_methods: raw.service_methods.as_ref().map(|value| value.get_ref().clone()).unwrap_or_default(),
                    modes: raw.modes.as_ref().map(|value| value.get_ref().clone()).unwrap_or_default(),
                    items: match &raw.items {
                        None => Vec::new(),
                        Some(value) => {
                            self.parsed_list(value, "a recorded item (现场检查, 询问, 送达, 行政强制, …)", RecordedItem::parse)?
                        }
                    },
                };
                if let Some(value) = &raw.service_methods {
                    for method in value.get_ref() {
                        if crate::document::service_method(method).is_none() {
                            return Err(self.error(
                                value.span(),
                                &format!(
                                    "`{method}` is not a way of serving: 直接送达, 留置送达, 委托送达, 转交送达, 邮寄送达 or 公告送达"
                                ),
                            ));
                        }
                    }
                }
                if trigger.stages.is_empty()
                    && trigger.documents.is_empty()
                    && trigger.service_methods.is_empty()
                    && trigger.modes.is_empty()
                {
                    return Err(self.error(
                        spanned.span(),
                        "an av_required rule says what calls for the record: stages, documents, service_methods or modes",
                    ));
                }
                Check::AvRequired {
                    trigger,
                    within: within(Some(two_days))?,
                    continuous: raw.continuous.as_ref().is_some_and(|value| *value.get_ref()),
                }
            }
            "min_devices" => {
                let min = raw.min.as_ref().ok_or_else(|| need("min"))?;
                if *min.get_ref() < 2 {
                    return Err(self.error(min.span(), "min_devices asks for at least 2 devices"));
                }
                Check::MinDevices { stages: stages(true)?, min: *min.get_ref(), within: within(Some(two_days))? }
            }
            "approval_before_decision" => {
                let chain = raw.chain.as_ref().ok_or_else(|| need("chain"))?;
                let roles =
                    self.parsed_list(chain, "a role in the approval chain (handler, reviewer, legal_review, approver)", parse_role)?;
                if roles.is_empty() {
                    return Err(self.error(chain.span(), "the chain names at least one role"));
                }
                Check::ApprovalBeforeDecision { documents: documents_flat(true)?, chain: roles }
            }
            "signatures" => {
                let officers = raw.officers.as_ref().map_or(0, |value| *value.get_ref());
                let party = raw.party.as_ref().is_some_and(|value| *value.get_ref());
                if officers == 0 && !party {
                    return Err(self.error(
                        spanned.span(),
                        "a signatures rule asks for the party's signature (party = true), officers' (officers = N), or both",
                    ));
                }
                Check::Signatures { documents: documents_flat(true)?, party, officers }
            }
            "certificate_shown" => Check::CertificateShown { documents: documents_flat(true)? },
            "required_documents" => {
                let stage = raw.stage.as_ref().ok_or_else(|| need("stage"))?;
                let act_kinds = raw.act_kinds.as_ref().ok_or_else(|| need("act_kinds"))?;
                let documents = raw.documents.as_ref().ok_or_else(|| need("documents"))?;
                let kind_of = |text: &String| {
                    DocumentKind::parse(text).ok_or_else(|| {
                        self.error(documents.span(), &format!("`{text}` is not a document kind (立案审批表, 询问笔录, 送达回证, …)"))
                    })
                };
                let documents = documents
                    .get_ref()
                    .iter()
                    .map(|entry| match entry {
                        OneOrMany::One(text) => Ok(vec![kind_of(text)?]),
                        OneOrMany::Many(texts) => texts.iter().map(kind_of).collect(),
                    })
                    .collect::<Result<Vec<_>, PackError>>()?;
                let act_kinds = self.parsed_list(act_kinds, "an act kind (行政处罚, 行政强制, 行政检查, …)", ActKind::parse)?;
                let stage_value = self.parsed(stage, "a stage (受案, 立案, 调查取证, …)", Stage::parse)?;
                for kind in &act_kinds {
                    if !kind.general_stages().contains(&stage_value) && !kind.special_stages().contains(&stage_value) {
                        return Err(
                            self.error(stage.span(), &format!("a {} case has no stage {}", kind.label_zh(), stage_value.label_zh()))
                        );
                    }
                }
                let procedure = match &raw.procedure {
                    None => None,
                    Some(value) => Some(match value.get_ref().trim() {
                        "general" | "一般程序" => Procedure::General,
                        "simple" | "简易程序" => Procedure::Simple,
                        other => return Err(self.error(value.span(), &format!("`{other}` is not a procedure: general or simple"))),
                    }),
                };
                Check::RequiredDocuments { act_kinds, procedure, stage: stage_value, documents }
            }
            _ => unreachable!("every check name was matched above"),
        };
        Ok(Rule { id, check, source, description, severity })
    }
}

impl RawRule {
    /// The optional parameters given, with where.
    fn given(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut given = Vec::new();
        macro_rules! note {
            ($($field:ident),*) => {
                $(if let Some(value) = &self.$field { given.push((stringify!($field), value.span())); })*
            };
        }
        note!(
            within,
            window,
            threshold,
            stages,
            stage,
            documents,
            service_methods,
            modes,
            items,
            act_kinds,
            procedure,
            chain,
            min,
            party,
            officers,
            continuous
        );
        given
    }
}

fn parse_role(text: &str) -> Option<ApprovalRole> {
    match text.trim() {
        "handler" | "承办人" => Some(ApprovalRole::Handler),
        "reviewer" | "审核人" => Some(ApprovalRole::Reviewer),
        "legal_review" | "法制审核" => Some(ApprovalRole::LegalReview),
        "approver" | "批准人" => Some(ApprovalRole::Approver),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[pack]
id = "test-pack"
version = "1"
name = "测试"
agency = "测试局"

[[rule]]
id = "offload"
check = "offload_deadline"
within = "24h"
source = "004_78d39a83e0fe43df.txt 五"
description = "24小时内导出"
"#;

    fn error_of(text: &str) -> PackError {
        PolicyPack::parse(text, "bad.toml").unwrap_err()
    }

    #[test]
    fn a_good_pack_loads() {
        let pack = PolicyPack::parse(GOOD, "good.toml").unwrap();
        assert_eq!(pack.rules[0].check, Check::OffloadDeadline { within: SignedDuration::from_hours(24) });
        assert_eq!(pack.rules[0].severity, Severity::Medium);
        assert_eq!(pack.sha256.len(), 64);
    }

    #[test]
    fn a_syntax_error_points_at_its_line() {
        let error = error_of(&GOOD.replace("within = \"24h\"", "within = \"24h"));
        assert_eq!((error.origin.as_str(), error.line), ("bad.toml", 11), "{error}");
        assert!(error.to_string().starts_with("bad.toml:11:"), "{error}");
    }

    #[test]
    fn an_unknown_field_is_refused_at_its_line() {
        let error = error_of(&GOOD.replace("within = \"24h\"", "within = \"24h\"\nwithn = \"48h\""));
        assert_eq!(error.line, 12, "{error}");
        assert!(error.message.contains("withn"), "{error}");
        let error = error_of(&GOOD.replace("[pack]", "[pack]\ncolour = \"red\""));
        assert_eq!(error.line, 3, "{error}");
    }

    #[test]
    fn a_rule_citing_an_article_its_document_lacks_is_refused() {
        let error = error_of(&GOOD.replace("004_78d39a83e0fe43df.txt 五", "002_628f6a77322dc41d.txt 第三十三条"));
        assert_eq!(error.line, 12, "{error}");
        assert!(error.message.contains("has no article `第三十三条`"), "{error}");
        let error = error_of(&GOOD.replace("004_78d39a83e0fe43df.txt 五", "005_nonexistent.txt 第一条"));
        assert!(error.message.contains("not one of the source documents"), "{error}");
    }

    #[test]
    fn a_negative_deadline_is_refused() {
        let error = error_of(&GOOD.replace("\"24h\"", "\"-3 hours\""));
        assert_eq!(error.line, 11, "{error}");
        assert!(error.message.contains("not a positive length of time"), "{error}");
        for bad in ["\"0h\"", "\"soon\"", "\"1 month\""] {
            let error = error_of(&GOOD.replace("\"24h\"", bad));
            assert_eq!(error.line, 11, "{bad}: {error}");
        }
    }

    #[test]
    fn parameters_a_check_does_not_take_are_refused() {
        let error = error_of(&GOOD.replace("within = \"24h\"", "within = \"24h\"\nmin = 2"));
        assert_eq!(error.line, 12, "{error}");
        assert!(error.message.contains("`min` does not apply to a offload_deadline rule"), "{error}");
        let error = error_of(&GOOD.replace("offload_deadline", "offload_deadlines"));
        assert!(error.message.contains("is not a check"), "{error}");
        let error = error_of(&GOOD.replace("within = \"24h\"\n", ""));
        assert!(error.message.contains("needs `within`"), "{error}");
    }

    #[test]
    fn names_of_stages_documents_and_placeholders_are_checked() {
        let av = GOOD.replace("check = \"offload_deadline\"\nwithin = \"24h\"", "check = \"av_required\"\nstages = [\"扣押\", \"拍照\"]");
        assert!(error_of(&av).message.contains("`拍照` is not a stage"));
        let naming = format!(
            "{GOOD}\n[naming]\ntemplate = \"{{unit}}{{weather}}\"\nsource = \"004_78d39a83e0fe43df.txt 五\"\ndescription = \"命名\"\n"
        );
        let error = error_of(&naming);
        assert!(error.message.contains("`{weather}` is not a placeholder"), "{error}");
        let misconduct = format!("{GOOD}\n[[misconduct]]\nid = \"1\"\nsource = \"004_78d39a83e0fe43df.txt 六（五）1\"\ndescription = \"未记录\"\nrules = [\"nope\"]\n");
        assert!(error_of(&misconduct).message.contains("names rule `nope`"));
        let twice = format!("{GOOD}{}", &GOOD[GOOD.find("[[rule]]").unwrap()..]);
        assert!(error_of(&twice).message.contains("used twice"));
    }

    #[test]
    fn filling_a_template_leaves_unknown_placeholders_visible() {
        let values = BTreeMap::from([("unit", "思明大队".to_owned())]);
        assert_eq!(fill("{unit}-{party}", &values), "思明大队-{party}");
    }

    /// The article catalogue matches the regulations' own text, where the
    /// texts are at hand (`../shared/regulations` beside the repository, as
    /// CI lays it out, or `LIUHEN_REGULATIONS`).
    #[test]
    fn the_article_catalogue_matches_the_regulation_texts() {
        let dir = std::env::var_os("LIUHEN_REGULATIONS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/regulations"));
        if !dir.is_dir() {
            assert!(std::env::var_os("CI").is_none(), "CI lays out shared/regulations beside the repository; {} is missing", dir.display());
            eprintln!("note: {} not found; the catalogue is not compared with the texts", dir.display());
            return;
        }
        for regulation in crate::regulation::REGULATIONS {
            let text = std::fs::read_to_string(dir.join(regulation.file)).unwrap();
            // 丰台 writes one article as 第6条.
            let text = text.replace("第6条", "第六条").replace("[bookmark: _GoBack]", "");
            let lines: Vec<&str> = text.lines().map(str::trim_start).collect();
            for heading in regulation.headings() {
                assert!(lines.iter().any(|line| line.starts_with(&heading)), "{}: no line starts with {heading}", regulation.file);
            }
            let next = regulation.headings().len() + 1;
            let beyond = match regulation.file {
                "004_78d39a83e0fe43df.txt" => format!("{}、", crate::regulation::chinese_number(next as u32)),
                _ => format!("第{}条", crate::regulation::chinese_number(next as u32)),
            };
            assert!(!lines.iter().any(|line| line.starts_with(&beyond)), "{}: has {beyond} too", regulation.file);
        }
    }
}

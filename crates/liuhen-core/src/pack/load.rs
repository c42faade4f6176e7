//! Reading a pack file: the TOML as written (with spans, so every error
//! names its line), then validation into a [`PolicyPack`].

use std::collections::BTreeSet;

use jiff::{Span, SpanRelativeTo};
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::*;
use crate::regulation::parse_citation;

pub(super) fn parse(text: &str, origin: &str) -> Result<PolicyPack, PackError> {
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
                return Err(context
                    .error(raw.rules.span(), &format!("misconduct item `{item_id}` names rule `{rule}`, which this pack does not have")));
            }
        }
        misconduct.push(MisconductItem {
            id: item_id,
            source: context.citation(&raw.source)?,
            description: context.nonempty(&raw.description, "the description")?,
            rules: raw.rules.get_ref().clone(),
        });
    }
    let mut rubric = Vec::new();
    for raw in &raw.rubric {
        let criterion_id = context.nonempty(&raw.id, "the criterion id")?;
        if rubric.iter().any(|known: &RubricCriterion| known.id == criterion_id) {
            return Err(context.error(raw.id.span(), &format!("rubric criterion `{criterion_id}` is listed twice")));
        }
        let points = *raw.points.get_ref();
        if points == 0 || points > 100 {
            return Err(context.error(raw.points.span(), "a criterion is worth between 1 and 100 points"));
        }
        rubric.push(RubricCriterion {
            id: criterion_id,
            description: context.nonempty(&raw.description, "the description")?,
            points,
            scope: context.named(&raw.applies, "what the criterion applies to", &["recordings", "cases", "both"])?,
            source: context.citation(&raw.source)?,
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
        rubric,
    })
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
    #[serde(default)]
    rubric: Vec<RawCriterion>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    description: Spanned<String>,
    points: Spanned<u32>,
    applies: Spanned<String>,
    source: Spanned<String>,
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
            "spot_check" => &["min"],
            "required_documents" => &["act_kinds", "procedure", "stage", "documents"],
            other => {
                return Err(self.error(
                    raw.check.span(),
                    &format!(
                        "`{other}` is not a check; the checks are offload_deadline, link_deadline, interruption_explained, clock_drift, playback, assistant_alone, av_required, min_devices, approval_before_decision, emergency_approval, archive_deadline, signatures, certificate_shown, required_documents, recheck_overdue, correction_pending, spot_check"
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
            "spot_check" => {
                let min = raw.min.as_ref().map_or(100, |value| *value.get_ref());
                if let Some(value) = raw.min.as_ref().filter(|_| min == 0 || min > 100) {
                    return Err(self.error(value.span(), "a spot_check rule's `min` is a score between 1 and 100"));
                }
                Check::SpotCheck { min }
            }
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

    #[test]
    fn rubric_criteria_are_checked_like_rules() {
        let criterion = |id: &str, points: u32, applies: &str| {
            format!("\n[[rubric]]\nid = \"{id}\"\ndescription = \"告知当事人\"\npoints = {points}\napplies = \"{applies}\"\nsource = \"001_7a70bf4a2140f7df.txt 第十九条\"\n")
        };
        let pack = PolicyPack::parse(&format!("{GOOD}{}{}", criterion("told", 20, "recordings"), criterion("file", 80, "both")), "ok.toml")
            .unwrap();
        assert_eq!(
            pack.rubric.iter().map(|criterion| (criterion.id.as_str(), criterion.points)).collect::<Vec<_>>(),
            [("told", 20), ("file", 80)]
        );
        assert_eq!(pack.rubric[1].scope, RubricScope::Both);
        let twice = error_of(&format!("{GOOD}{}{}", criterion("told", 20, "recordings"), criterion("told", 30, "cases")));
        assert!(twice.message.contains("listed twice"), "{twice}");
        assert!(error_of(&format!("{GOOD}{}", criterion("told", 0, "recordings"))).message.contains("between 1 and 100"));
        assert!(error_of(&format!("{GOOD}{}", criterion("told", 10, "phones"))).message.contains("recordings, cases, both"));
        let spot = |min: &str| {
            format!("{GOOD}\n[[rule]]\nid = \"spot\"\ncheck = \"spot_check\"\n{min}source = \"001_7a70bf4a2140f7df.txt 第二十二条\"\ndescription = \"抽检\"\n")
        };
        let parsed = PolicyPack::parse(&spot(""), "ok.toml").unwrap();
        assert_eq!(parsed.rule("spot").unwrap().check, Check::SpotCheck { min: 100 });
        assert_eq!(PolicyPack::parse(&spot("min = 60\n"), "ok.toml").unwrap().rule("spot").unwrap().check, Check::SpotCheck { min: 60 });
        assert!(error_of(&spot("min = 0\n")).message.contains("between 1 and 100"));
        assert!(error_of(&spot("within = \"1h\"\n")).message.contains("it takes min"));
    }
}

//! Cases (案件) and their stages (程序环节): the rules, no IO.
//!
//! Every kind of enforcement act runs through the general stages
//! (一般程序环节) that 丰台 第四条 lists for it, in that order, and may pass
//! through its special stages (特别程序环节) where they belong. The rules here
//! say which step may come next; the store records each step as a ledger
//! event, so a case's history is its list of steps.
//!
//! Citations name `002_628f6a77322dc41d.txt` (丰台街道) as 丰台,
//! `001_7a70bf4a2140f7df.txt` (叶县) as 叶县, `003_2ac90c2d08cca6b0.txt`
//! (大连高新区) as 大连 and `004_78d39a83e0fe43df.txt` (厦门) as 厦门.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::entity::{Officer, Qualification};
use crate::id::{AgencyId, CaseId, OfficerId, UnitId};

mod approval;
pub use approval::*;

/// The kind of enforcement act (执法行为种类).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActKind {
    /// 行政处罚.
    Penalty,
    /// 行政强制.
    Coercion,
    /// 行政检查.
    Inspection,
    /// 行政许可.
    Licensing,
    /// 行政确认.
    Confirmation,
    /// 行政征收征用 (丰台 第四条: 实物征收征用).
    Expropriation,
    /// 行政给付.
    Benefit,
    /// 行政奖励.
    Reward,
    /// 行政裁决.
    Adjudication,
    /// 规费征收.
    FeeCollection,
}

impl ActKind {
    pub const ALL: [ActKind; 10] = [
        ActKind::Penalty,
        ActKind::Coercion,
        ActKind::Inspection,
        ActKind::Licensing,
        ActKind::Confirmation,
        ActKind::Expropriation,
        ActKind::Benefit,
        ActKind::Reward,
        ActKind::Adjudication,
        ActKind::FeeCollection,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            ActKind::Penalty => "行政处罚",
            ActKind::Coercion => "行政强制",
            ActKind::Inspection => "行政检查",
            ActKind::Licensing => "行政许可",
            ActKind::Confirmation => "行政确认",
            ActKind::Expropriation => "行政征收征用",
            ActKind::Benefit => "行政给付",
            ActKind::Reward => "行政奖励",
            ActKind::Adjudication => "行政裁决",
            ActKind::FeeCollection => "规费征收",
        }
    }

    /// Reads the Chinese name or the snake_case name.
    pub fn parse(text: &str) -> Option<ActKind> {
        find_named(ActKind::ALL, ActKind::label_zh, text)
    }

    /// The general stages, in order (丰台 第四条).
    pub fn general_stages(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            ActKind::Licensing
            | ActKind::Confirmation
            | ActKind::FeeCollection
            | ActKind::Benefit
            | ActKind::Reward
            | ActKind::Adjudication => &[Receipt, Acceptance, ReviewDecision, Service],
            ActKind::Inspection => &[OnSiteCheck, Service, ReCheck],
            ActKind::Expropriation => &[Deliberation, Consultation, ReviewDecision, Service, Implementation, Compensation, Conclusion],
            ActKind::Penalty => &[Intake, Filing, Investigation, ReviewDecision, Service, Conclusion],
            ActKind::Coercion => &[Intake, Filing, Investigation, ReviewDecision, Service, Execution, Conclusion],
        }
    }

    /// The special stages this kind may pass through (丰台 第四条).
    pub fn special_stages(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            ActKind::Licensing
            | ActKind::Confirmation
            | ActKind::FeeCollection
            | ActKind::Benefit
            | ActKind::Reward
            | ActKind::Adjudication => &[Correction, Survey, Suspension, Extension, Hearing],
            ActKind::Inspection => &[Questioning, Survey, Sampling, ExpertAppraisal, OrderToCorrect],
            ActKind::Expropriation => &[Suspension, Extension],
            ActKind::Penalty => &[RegistrationPreservation, Seizure, Hearing, Suspension, Extension],
            ActKind::Coercion => &[Sealing, Seizure, Suspension, Extension, CourtEnforcement],
        }
    }
}

impl fmt::Display for ActKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// A procedure stage (程序环节), general or special.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 接收 (材料).
    Receipt,
    /// 受理.
    Acceptance,
    /// 审查决定.
    ReviewDecision,
    /// 送达.
    Service,
    /// 现场核查.
    OnSiteCheck,
    /// 复查.
    ReCheck,
    /// 论证.
    Deliberation,
    /// 征求意见.
    Consultation,
    /// 实施.
    Implementation,
    /// 补偿.
    Compensation,
    /// 终结.
    Conclusion,
    /// 受案.
    Intake,
    /// 立案.
    Filing,
    /// 调查取证.
    Investigation,
    /// 执行.
    Execution,
    /// 补正.
    Correction,
    /// 勘验.
    Survey,
    /// 中止.
    Suspension,
    /// 延期.
    Extension,
    /// 听证.
    Hearing,
    /// 询问.
    Questioning,
    /// 抽样.
    Sampling,
    /// 鉴定.
    ExpertAppraisal,
    /// 责令改正.
    OrderToCorrect,
    /// 先行登记保存.
    RegistrationPreservation,
    /// 扣押.
    Seizure,
    /// 查封.
    Sealing,
    /// 申请法院强制执行.
    CourtEnforcement,
}

impl Stage {
    pub fn label_zh(self) -> &'static str {
        use Stage::*;
        match self {
            Receipt => "接收",
            Acceptance => "受理",
            ReviewDecision => "审查决定",
            Service => "送达",
            OnSiteCheck => "现场核查",
            ReCheck => "复查",
            Deliberation => "论证",
            Consultation => "征求意见",
            Implementation => "实施",
            Compensation => "补偿",
            Conclusion => "终结",
            Intake => "受案",
            Filing => "立案",
            Investigation => "调查取证",
            Execution => "执行",
            Correction => "补正",
            Survey => "勘验",
            Suspension => "中止",
            Extension => "延期",
            Hearing => "听证",
            Questioning => "询问",
            Sampling => "抽样",
            ExpertAppraisal => "鉴定",
            OrderToCorrect => "责令改正",
            RegistrationPreservation => "先行登记保存",
            Seizure => "扣押",
            Sealing => "查封",
            CourtEnforcement => "申请法院强制执行",
        }
    }

    /// Reads a stage by its snake_case name or its Chinese name.
    pub fn parse(text: &str) -> Option<Stage> {
        find_named(ALL_STAGES, Stage::label_zh, text)
    }
}

/// The member of `all` whose Chinese label or snake_case (serde) name is
/// `text`: how the command line reads stages, items and document kinds.
pub(crate) fn find_named<T: Serialize + Copy>(all: impl IntoIterator<Item = T>, label: fn(T) -> &'static str, text: &str) -> Option<T> {
    let text = text.trim();
    all.into_iter()
        .find(|candidate| label(*candidate) == text || serde_json::to_value(candidate).ok().is_some_and(|name| name.as_str() == Some(text)))
}

const ALL_STAGES: [Stage; 28] = {
    use Stage::*;
    [
        Receipt,
        Acceptance,
        ReviewDecision,
        Service,
        OnSiteCheck,
        ReCheck,
        Deliberation,
        Consultation,
        Implementation,
        Compensation,
        Conclusion,
        Intake,
        Filing,
        Investigation,
        Execution,
        Correction,
        Survey,
        Suspension,
        Extension,
        Hearing,
        Questioning,
        Sampling,
        ExpertAppraisal,
        OrderToCorrect,
        RegistrationPreservation,
        Seizure,
        Sealing,
        CourtEnforcement,
    ]
};

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// General procedure (一般程序) or simple procedure (简易程序, 大连 第十六条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    General,
    Simple,
}

/// Where the case came from (案件来源).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// 巡查发现.
    Patrol,
    /// 投诉举报.
    Complaint,
    /// 移送.
    Transfer,
    /// 上级交办.
    Assignment,
    /// 依申请 (licensing and the like).
    Application,
    /// 其他.
    Other,
}

/// A person or organisation the case is about (当事人). Their ID numbers are
/// personal data: later layers restrict who may read them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    pub name: String,
    /// 身份证号 or 统一社会信用代码.
    pub id_number: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Person,
    Organisation,
}

/// A case (案件).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub agency_id: AgencyId,
    pub unit_id: UnitId,
    /// The agency's case number (案号), unique in the agency.
    pub number: String,
    pub act_kind: ActKind,
    pub procedure: Procedure,
    pub source: CaseSource,
    /// The matter (事项), from the agency's list of powers.
    pub matter: String,
    pub parties: Vec<Party>,
    /// The officer who leads the case (主办), a full officer.
    pub lead_officer: OfficerId,
    /// Every handling officer (承办人员), the lead first.
    pub handlers: Vec<OfficerId>,
    pub opened_at: Timestamp,
}

/// One step of a case's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageStep {
    pub case_id: CaseId,
    /// 0 for the first step, then 1, 2, …
    pub sequence: u32,
    pub step: Step,
    pub at: Timestamp,
    /// The ledger actor who recorded it.
    pub by: String,
    pub note: String,
    /// Started before its approval, as 大连 第六条 allows in an emergency.
    #[serde(default)]
    pub emergency: bool,
}

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// The case enters a stage.
    Enter { stage: Stage },
    /// The case resumes after a suspension (中止), in the stage it left.
    Resume { stage: Stage },
    /// The concluded case's records are gathered and archived (归档,
    /// 大连 第二十二条).
    Archive,
}

/// Where a case stands, from its steps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The furthest general stage entered.
    pub general: Option<Stage>,
    /// The stage last entered (general or special).
    pub current: Option<Stage>,
    /// The general stage a suspension interrupted, while suspended.
    pub suspended_in: Option<Stage>,
    pub concluded: bool,
    /// When the case was concluded (its last general stage entered).
    pub concluded_at: Option<Timestamp>,
    pub archived: bool,
}

/// A step the rules refuse, with the article that refuses it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({article})")]
pub struct StageRefused {
    pub message: String,
    /// The rule broken, e.g. `丰台 第四条`.
    pub article: &'static str,
}

const FENGTAI_4: &str = "丰台 第四条";

fn refuse(article: &'static str, message: String) -> StageRefused {
    StageRefused { message, article }
}

impl Progress {
    /// Replays a case's steps (assumed valid: each was checked when made).
    pub fn of(case: &Case, steps: &[StageStep]) -> Progress {
        let mut progress = Progress::default();
        for step in steps {
            let was_concluded = progress.concluded;
            progress.apply(case.act_kind, step.step);
            if progress.concluded && !was_concluded {
                progress.concluded_at = Some(step.at);
            }
        }
        progress
    }

    fn apply(&mut self, kind: ActKind, step: Step) {
        match step {
            Step::Enter { stage: Stage::Suspension } => {
                self.suspended_in = self.general;
                self.current = Some(Stage::Suspension);
            }
            Step::Enter { stage } => {
                if kind.general_stages().contains(&stage) {
                    self.general = Some(stage);
                }
                if stage == Stage::Conclusion
                    || (kind.general_stages().last() == Some(&stage) && !kind.general_stages().contains(&Stage::Conclusion))
                {
                    self.concluded = true;
                }
                self.current = Some(stage);
            }
            Step::Resume { stage } => {
                self.suspended_in = None;
                self.current = Some(stage);
            }
            Step::Archive => self.archived = true,
        }
    }

    /// Checks that the case may be archived: concluded, and not yet archived.
    pub fn check_archive(&self, case: &Case) -> Result<Step, StageRefused> {
        if !self.concluded {
            return Err(refuse("大连 第二十二条", format!("case {} is archived after it is concluded", case.number)));
        }
        if self.archived {
            return Err(refuse("大连 第二十二条", format!("case {} is archived already", case.number)));
        }
        Ok(Step::Archive)
    }

    /// The archiving deadline: 30 days after the conclusion (大连 第二十二条),
    /// while the case is not archived.
    pub fn archive_due(&self) -> Option<Timestamp> {
        if self.archived {
            return None;
        }
        self.concluded_at?.checked_add(jiff::SignedDuration::from_hours(30 * 24)).ok()
    }

    /// Checks a step against 丰台 第四条 and returns it, ready to record.
    ///
    /// General stages come in their order, none skipped (a simple-procedure
    /// case may skip stages but never go back). Special stages belong to the
    /// act kind and come where they make sense: preservation, seizure and
    /// sealing while evidence is gathered; a hearing before the decision is
    /// served; corrections of an application before the decision; an
    /// inspection's questioning, sampling and appraisal during the on-site
    /// check. A suspended case only resumes; a concluded case takes nothing.
    pub fn check(&self, case: &Case, stage: Stage) -> Result<Step, StageRefused> {
        let kind = case.act_kind;
        let general = kind.general_stages();
        if self.concluded {
            return Err(refuse(FENGTAI_4, format!("the case is concluded; it cannot enter {}", stage.label_zh())));
        }
        if let Some(suspended_in) = self.suspended_in {
            if stage == suspended_in {
                return Ok(Step::Resume { stage });
            }
            return Err(refuse(
                FENGTAI_4,
                format!("the case is suspended (中止) in {}; it must resume there before {}", suspended_in.label_zh(), stage.label_zh()),
            ));
        }
        let position = |stage: Stage| general.iter().position(|candidate| *candidate == stage);
        if let Some(target) = position(stage) {
            let reached = self.general.and_then(position);
            let next = reached.map_or(0, |reached| reached + 1);
            if Some(target) == reached {
                return Err(refuse(FENGTAI_4, format!("the case is already in {}", stage.label_zh())));
            }
            if target < next {
                return Err(refuse(
                    FENGTAI_4,
                    format!(
                        "{} comes before {}, where the case already is; stages do not go back",
                        stage.label_zh(),
                        self.general.map_or("", Stage::label_zh)
                    ),
                ));
            }
            if target > next && case.procedure == Procedure::General {
                return Err(refuse(
                    FENGTAI_4,
                    format!(
                        "{} cannot come before {}: a {} case passes {} in order",
                        stage.label_zh(),
                        general[next].label_zh(),
                        kind.label_zh(),
                        list(general)
                    ),
                ));
            }
            return Ok(Step::Enter { stage });
        }
        if !kind.special_stages().contains(&stage) {
            return Err(refuse(
                FENGTAI_4,
                format!(
                    "{} is not a stage of a {} case; its stages are {} and, when needed, {}",
                    stage.label_zh(),
                    kind.label_zh(),
                    list(general),
                    list(kind.special_stages())
                ),
            ));
        }
        let Some(reached) = self.general else {
            return Err(refuse(
                FENGTAI_4,
                format!("{} needs the case started: its first stage is {}", stage.label_zh(), general[0].label_zh()),
            ));
        };
        let between = |from: Stage, before: Stage| -> Result<Step, StageRefused> {
            let (Some(now), Some(low), Some(high)) = (position(reached), position(from), position(before)) else {
                return Ok(Step::Enter { stage });
            };
            if now >= low && now < high {
                Ok(Step::Enter { stage })
            } else {
                Err(refuse(
                    FENGTAI_4,
                    format!(
                        "{} belongs between {} and {}; the case is in {}",
                        stage.label_zh(),
                        from.label_zh(),
                        before.label_zh(),
                        reached.label_zh()
                    ),
                ))
            }
        };
        use Stage::*;
        match stage {
            RegistrationPreservation | Sealing => between(Investigation, ReviewDecision),
            Seizure => between(Investigation, ReviewDecision).or_else(|error| {
                if kind == ActKind::Coercion {
                    between(Execution, Conclusion)
                } else {
                    Err(error)
                }
            }),
            Hearing if kind == ActKind::Penalty => between(Investigation, Service),
            Hearing => between(Acceptance, Service),
            Correction => between(Receipt, ReviewDecision),
            Survey if kind == ActKind::Inspection => between(OnSiteCheck, Service),
            Survey => between(Acceptance, Service),
            Questioning | Sampling | ExpertAppraisal => between(OnSiteCheck, Service),
            OrderToCorrect => between(OnSiteCheck, ReCheck),
            CourtEnforcement => between(Service, Conclusion),
            _ => Ok(Step::Enter { stage }),
        }
    }
}

fn list(stages: &[Stage]) -> String {
    stages.iter().map(|stage| stage.label_zh()).collect::<Vec<_>>().join("、")
}

/// What a linked AV record shows (音像记录事项, 厦门 附件2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedItem {
    /// 现场检查.
    OnSiteInspection,
    /// 调查取证.
    EvidenceGathering,
    /// 证据保全.
    EvidencePreservation,
    /// 询问.
    Questioning,
    /// 听证.
    Hearing,
    /// 送达.
    Service,
    /// 行政强制.
    Coercion,
    /// 其他.
    Other,
}

impl RecordedItem {
    pub const ALL: [RecordedItem; 8] = [
        RecordedItem::OnSiteInspection,
        RecordedItem::EvidenceGathering,
        RecordedItem::EvidencePreservation,
        RecordedItem::Questioning,
        RecordedItem::Hearing,
        RecordedItem::Service,
        RecordedItem::Coercion,
        RecordedItem::Other,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            RecordedItem::OnSiteInspection => "现场检查",
            RecordedItem::EvidenceGathering => "调查取证",
            RecordedItem::EvidencePreservation => "证据保全",
            RecordedItem::Questioning => "询问",
            RecordedItem::Hearing => "听证",
            RecordedItem::Service => "送达",
            RecordedItem::Coercion => "行政强制",
            RecordedItem::Other => "其他",
        }
    }

    /// Reads the Chinese name or the snake_case name.
    pub fn parse(text: &str) -> Option<RecordedItem> {
        find_named(RecordedItem::ALL, RecordedItem::label_zh, text)
    }
}

/// An AV record linked to a case (音像记录关联): which stage it belongs to,
/// what it shows, where, and a label. Links are never edited; a wrong link
/// is answered by a new one, and both stay in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingLink {
    pub case_id: CaseId,
    pub media_id: crate::id::MediaId,
    /// The stage it belongs to; the case must have entered it.
    pub stage: Stage,
    pub item: RecordedItem,
    pub location: String,
    pub label: String,
    /// When the recording ended (workstation clock), if known: with
    /// `linked_at`, the time it took to link (厦门 五: within 48 h).
    pub recording_end: Option<Timestamp>,
    pub linked_at: Timestamp,
    pub linked_by: String,
}

impl RecordingLink {
    /// How long after the recording ended it was linked, in milliseconds.
    pub fn delay_ms(&self) -> Option<i64> {
        Some(crate::recording::millis_between(self.recording_end?, self.linked_at))
    }
}

/// Checks that a recording may be linked to a case at `stage`: the case must
/// have been in that stage (a link to a stage not yet reached says nothing
/// true).
pub fn check_link(case: &Case, steps: &[StageStep], stage: Stage) -> Result<(), StageRefused> {
    let entered =
        steps.iter().any(|step| matches!(step.step, Step::Enter { stage: entered } | Step::Resume { stage: entered } if entered == stage));
    if entered {
        Ok(())
    } else {
        Err(refuse(
            "丰台 第十二条",
            format!("case {} has not been in {}; link the recording to a stage the case has reached", case.number, stage.label_zh()),
        ))
    }
}

/// Why a new case is refused.
pub fn check_new_case(case: &Case, handlers: &[Officer]) -> Result<(), StageRefused> {
    let lead = handlers.iter().find(|officer| officer.id == case.lead_officer);
    let Some(lead) = lead else {
        return Err(refuse("叶县 第七条", "the lead officer must be one of the handling officers".into()));
    };
    if lead.qualification != Qualification::Officer {
        return Err(refuse(
            "叶县 第七、八条",
            format!("{} is an assistant (协助执法人员) and may assist but not lead a case; choose a qualified officer as lead", lead.name),
        ));
    }
    let qualified = handlers.iter().filter(|officer| officer.qualification == Qualification::Officer).count();
    if case.procedure == Procedure::General && qualified < 2 {
        return Err(refuse(
            "厦门 四（一）",
            format!("a general-procedure case needs at least two qualified officers handling it; it has {qualified}"),
        ));
    }
    if case.matter.trim().is_empty() {
        return Err(refuse("大连 第六条", "say what the case is about (事项)".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

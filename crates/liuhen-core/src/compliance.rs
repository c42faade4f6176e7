//! The compliance engine (合规检查): recorded facts × a policy pack →
//! findings that cite their article.
//!
//! [`evaluate`] is a pure function of the facts, the pack and the time
//! passed in: the same input gives the same findings in the same order.
//! A finding has a stable [`Finding::key`] (rule and subject), so a caller
//! that stores findings can tell a new one from one already raised, and see
//! when a finding is no longer produced because new facts answer it. Things
//! not yet late come back as [`Upcoming`] deadlines instead.
//!
//! Each check is a function in [`checks`]; which ones run, with which
//! parameters, is the pack's decision.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::case::{Approval, Case, RecordingLink, StageStep};
use crate::document::{Document, Signature};
use crate::entity::{Device, Officer};
use crate::id::{CaseId, DeviceId, DocumentId, FindingId, MediaId, OfficerId, UnitId};
use crate::pack::{PolicyPack, Rule, Severity};
use crate::recording::{DutyLogEntry, InterruptionNote, Recording, RecordingLabel};
use crate::regulation::Citation;

mod checks;
pub mod report;

/// Everything recorded about one case.
#[derive(Clone, Debug)]
pub struct CaseFacts {
    pub case: Case,
    pub steps: Vec<StageStep>,
    pub approvals: Vec<Approval>,
    /// Every version, in the order made.
    pub documents: Vec<Document>,
    /// Signatures of every version.
    pub signatures: Vec<Signature>,
    pub links: Vec<RecordingLink>,
}

/// The facts the engine reads.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// The time the evaluation is for: what is due before it is late.
    pub now: Timestamp,
    pub officers: &'a [Officer],
    pub devices: &'a [Device],
    pub recordings: &'a [Recording],
    pub interruption_notes: &'a [InterruptionNote],
    pub labels: &'a [RecordingLabel],
    /// Duty log entries (执勤日志): times an officer recorded that recording
    /// was impossible, which answer missing records and interruptions then.
    pub duty_log: &'a [DutyLogEntry],
    pub cases: &'a [CaseFacts],
    /// Spot-check reviews (抽检): the latest review of each item counts.
    pub spot_check_reviews: &'a [crate::supervision::SpotCheckReview],
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Case {
        case_id: CaseId,
    },
    /// A stage of a case, or one event in it (`event` names which).
    CaseEvent {
        case_id: CaseId,
        event: String,
    },
    Document {
        document_id: DocumentId,
    },
    Recording {
        media_id: MediaId,
    },
    Device {
        device_id: DeviceId,
        day: String,
    },
    Interruption {
        device_id: DeviceId,
        before: MediaId,
        after: MediaId,
    },
}

impl Subject {
    /// The part of a finding's key that names the subject.
    pub fn key(&self) -> String {
        match self {
            Subject::Case { case_id } => case_id.subject(),
            Subject::CaseEvent { case_id, event } => format!("{}/{event}", case_id.subject()),
            Subject::Document { document_id } => document_id.subject(),
            Subject::Recording { media_id } => media_id.subject(),
            Subject::Device { device_id, day } => format!("{}/{day}", device_id.subject()),
            Subject::Interruption { before, after, .. } => format!("interruption:{before}/{after}"),
        }
    }
}

/// An item of the misconduct catalogue a finding falls under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MisconductRef {
    pub id: String,
    pub source: Citation,
    pub description: String,
}

/// One breach of one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `rule id` + `/` + subject: the same breach keeps its key.
    pub key: String,
    pub rule_id: String,
    /// The engine check that found it (`offload_deadline`, …).
    pub check: String,
    pub source: Citation,
    /// The rule's description (zh).
    pub description: String,
    pub severity: Severity,
    pub pack_id: String,
    pub pack_version: String,
    pub subject: Subject,
    pub case_id: Option<CaseId>,
    pub unit_id: Option<UnitId>,
    pub officer_id: Option<OfficerId>,
    /// What was found, in Chinese, naming the facts.
    pub message: String,
    /// The facts it rests on: name → value (ids, times, counts).
    pub evidence: BTreeMap<String, String>,
    /// The deadline that was missed, for deadline rules.
    pub due: Option<Timestamp>,
    pub misconduct: Vec<MisconductRef>,
}

/// A deadline not yet passed: what must be done, by whom, by when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    pub key: String,
    pub rule_id: String,
    pub source: Citation,
    pub description: String,
    pub subject: Subject,
    pub case_id: Option<CaseId>,
    pub unit_id: Option<UnitId>,
    pub officer_id: Option<OfficerId>,
    pub due: Timestamp,
    /// What to do, in Chinese.
    pub message: String,
}

/// The result of one evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Sorted by key.
    pub findings: Vec<Finding>,
    /// Sorted by due time, then key.
    pub upcoming: Vec<Upcoming>,
}

/// Runs every rule of `pack` over `facts`.
pub fn evaluate(pack: &PolicyPack, facts: &Facts<'_>) -> Evaluation {
    let index = Index::new(facts);
    let mut out = Out::default();
    for rule in &pack.rules {
        let mut sink = Sink { pack, rule, out: &mut out };
        checks::run(rule, facts, &index, &mut sink);
    }
    out.findings.sort_by(|a, b| a.key.cmp(&b.key));
    out.findings.dedup_by(|a, b| a.key == b.key);
    out.upcoming.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
    out.upcoming.dedup_by(|a, b| a.key == b.key);
    Evaluation { findings: out.findings, upcoming: out.upcoming }
}

/// Lookups shared by the checks.
pub(crate) struct Index<'a> {
    pub recordings: HashMap<MediaId, &'a Recording>,
    pub officers: HashMap<OfficerId, &'a Officer>,
    pub devices: HashMap<DeviceId, &'a Device>,
    /// Links of each recording, over all cases.
    pub links: HashMap<MediaId, Vec<&'a RecordingLink>>,
    pub labels: HashMap<MediaId, Vec<&'a RecordingLabel>>,
    /// The devices of the interruption notes about each gap (before, after).
    pub notes: HashMap<(MediaId, MediaId), Vec<DeviceId>>,
    /// Each officer's duty log entries.
    pub duty_log: HashMap<OfficerId, Vec<&'a DutyLogEntry>>,
}

impl<'a> Index<'a> {
    fn new(facts: &Facts<'a>) -> Self {
        let mut links: HashMap<MediaId, Vec<&RecordingLink>> = HashMap::new();
        for case in facts.cases {
            for link in &case.links {
                links.entry(link.media_id).or_default().push(link);
            }
        }
        let mut labels: HashMap<MediaId, Vec<&RecordingLabel>> = HashMap::new();
        for label in facts.labels {
            labels.entry(label.media_id).or_default().push(label);
        }
        let mut notes: HashMap<(MediaId, MediaId), Vec<DeviceId>> = HashMap::new();
        for note in facts.interruption_notes {
            notes.entry((note.before, note.after)).or_default().push(note.device_id);
        }
        let mut duty_log: HashMap<OfficerId, Vec<&DutyLogEntry>> = HashMap::new();
        for entry in facts.duty_log {
            duty_log.entry(entry.officer_id).or_default().push(entry);
        }
        Index {
            recordings: facts.recordings.iter().map(|recording| (recording.media_id, recording)).collect(),
            officers: facts.officers.iter().map(|officer| (officer.id, officer)).collect(),
            devices: facts.devices.iter().map(|device| (device.id, device)).collect(),
            links,
            labels,
            notes,
            duty_log,
        }
    }

    /// Whether an interruption note explains the gap between `before` and
    /// `after` (on `device`, when given).
    pub fn explained(&self, before: MediaId, after: MediaId, device: Option<DeviceId>) -> bool {
        self.notes.get(&(before, after)).is_some_and(|devices| device.is_none_or(|device| devices.contains(&device)))
    }

    /// Whether `officer`'s duty log covers `from..=to`.
    pub fn logged(&self, officer: OfficerId, from: Timestamp, to: Timestamp) -> bool {
        self.duty_log.get(&officer).is_some_and(|entries| entries.iter().any(|entry| entry.covers(officer, from, to)))
    }

    /// How a recording is named in messages: its file on the device.
    pub fn recording_name(&self, media: MediaId) -> String {
        self.recordings.get(&media).map_or_else(|| media.to_string(), |recording| recording.path_on_device.clone())
    }

    pub fn officer_name(&self, officer: Option<OfficerId>) -> String {
        officer.and_then(|id| self.officers.get(&id)).map_or_else(|| "未知人员".to_owned(), |officer| officer.name.clone())
    }

    pub fn device_serial(&self, device: DeviceId) -> String {
        self.devices.get(&device).map_or_else(|| device.to_string(), |device| device.serial.clone())
    }
}

#[derive(Default)]
struct Out {
    findings: Vec<Finding>,
    upcoming: Vec<Upcoming>,
}

/// Where a check reports; fills in what every finding of the rule shares.
pub(crate) struct Sink<'a> {
    pack: &'a PolicyPack,
    rule: &'a Rule,
    out: &'a mut Out,
}

/// Who and what a finding or deadline concerns, besides its subject.
#[derive(Clone, Debug, Default)]
pub(crate) struct About {
    pub case_id: Option<CaseId>,
    pub unit_id: Option<UnitId>,
    pub officer_id: Option<OfficerId>,
}

impl About {
    pub fn case(case: &Case) -> About {
        About { case_id: Some(case.id), unit_id: Some(case.unit_id), officer_id: Some(case.lead_officer) }
    }

    pub fn recording(recording: &Recording) -> About {
        About { case_id: None, unit_id: recording.unit_id, officer_id: recording.officer_id }
    }
}

impl Sink<'_> {
    pub fn finding(&mut self, subject: Subject, about: About, message: String, evidence: Vec<(&str, String)>, due: Option<Timestamp>) {
        let rule = self.rule;
        let misconduct = self
            .pack
            .misconduct_of(&rule.id)
            .into_iter()
            .map(|item| MisconductRef { id: item.id.clone(), source: item.source.clone(), description: item.description.clone() })
            .collect();
        self.out.findings.push(Finding {
            key: format!("{}/{}", rule.id, subject.key()),
            rule_id: rule.id.clone(),
            check: rule.check.name().to_owned(),
            source: rule.source.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            pack_id: self.pack.id.clone(),
            pack_version: self.pack.version.clone(),
            subject,
            case_id: about.case_id,
            unit_id: about.unit_id,
            officer_id: about.officer_id,
            message,
            evidence: evidence.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
            due,
            misconduct,
        });
    }

    pub fn upcoming(&mut self, subject: Subject, about: About, message: String, due: Timestamp) {
        let rule = self.rule;
        self.out.upcoming.push(Upcoming {
            key: format!("{}/{}", rule.id, subject.key()),
            rule_id: rule.id.clone(),
            source: rule.source.clone(),
            description: rule.description.clone(),
            subject,
            case_id: about.case_id,
            unit_id: about.unit_id,
            officer_id: about.officer_id,
            due,
            message,
        });
    }

    /// A deadline at `due`: met at `done`, or not yet done as of `now`.
    /// Late work is a finding; work still in time is upcoming.
    #[allow(clippy::too_many_arguments)]
    pub fn deadline(
        &mut self,
        now: Timestamp,
        subject: Subject,
        about: About,
        due: Timestamp,
        done: Option<Timestamp>,
        late_message: impl FnOnce(Option<SignedDuration>) -> String,
        todo_message: impl FnOnce() -> String,
        mut evidence: Vec<(&str, String)>,
    ) {
        match done {
            Some(done) if done > due => {
                evidence.push(("done_at", done.to_string()));
                self.finding(subject, about, late_message(Some(done.duration_since(due))), evidence, Some(due));
            }
            Some(_) => {}
            None if now > due => self.finding(subject, about, late_message(None), evidence, Some(due)),
            None => self.upcoming(subject, about, todo_message(), due),
        }
    }
}

/// A length of time as people say it: `25 小时`, `3 天 2 小时`, `45 秒`.
pub fn duration_zh(duration: SignedDuration) -> String {
    let seconds = duration.as_secs().unsigned_abs();
    let (mut days, mut hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    // Deadlines are stated in hours up to a few days (24 小时, 48 小时).
    if days < 3 {
        hours += days * 24;
        days = 0;
    }
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} 秒"),
        (0, 0, minutes) => format!("{minutes} 分钟"),
        (0, hours, 0) => format!("{hours} 小时"),
        (0, hours, minutes) => format!("{hours} 小时 {minutes} 分钟"),
        (days, 0, _) => format!("{days} 天"),
        (days, hours, _) => format!("{days} 天 {hours} 小时"),
    }
}

#[cfg(test)]
pub(crate) mod tests;

/// A finding as kept by the store: raised once, resolved at most once.
/// A breach that comes back after it was resolved is raised again as a new
/// finding with the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub id: FindingId,
    /// 0 for the first finding with its key, 1 if the breach came back
    /// after the first was resolved, …: (key, generation) is unique, so two
    /// refreshes racing cannot both raise the same breach.
    pub generation: u32,
    pub finding: Finding,
    pub raised_at: Timestamp,
    /// The ledger actor whose refresh raised it.
    pub raised_by: String,
    pub resolution: Option<FindingResolution>,
}

/// How a finding ended. Findings are never deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingResolution {
    pub finding_id: FindingId,
    pub kind: ResolutionKind,
    /// For a waiver: the explanation (说明) accepted; for facts: what changed.
    pub note: String,
    /// Who accepted the explanation (a leader, legal reviewer or inspector).
    pub officer_id: Option<OfficerId>,
    pub at: Timestamp,
    pub by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    /// New facts answer it: the engine no longer finds it.
    Facts,
    /// An authorised person accepted a recorded explanation (情况说明).
    Waiver,
}

impl ResolutionKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ResolutionKind::Facts => "已整改",
            ResolutionKind::Waiver => "已说明",
        }
    }
}

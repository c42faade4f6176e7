//! Scenarios per agency, each built from its own text: a world in which
//! two cases (a penalty with a seizure, a coercive demolition) were handled
//! by the book produces no finding under any of the five packs; each breach
//! then produces exactly the finding of the rule it breaks, with its article.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::case::{ActKind, Approval, ApprovalMatter, ApprovalRole, CaseSource, Party, PartyKind, Procedure, RecordedItem, Stage, Step};
use crate::document::{Document, DocumentKind, Refusal, Signature, Signer};
use crate::entity::{Device, DeviceKind, Officer, OfficerRole, Qualification};
use crate::id::{AgencyId, CaseId, DeviceId, DocumentId, MediaId, OfficerId, UnitId};
use crate::pack::PolicyPack;
use crate::recording::{
    ClockOffset, InterruptionNote, MediaKind, MediaProbe, OffsetMethod, Playback, Recording, RecordingLabel, StartSource,
};

/// 2026-11-20 01:00 UTC (09:00 in Xiamen).
fn t0() -> Timestamp {
    "2026-11-20T01:00:00Z".parse().unwrap()
}

pub(crate) fn at(minutes: i64) -> Timestamp {
    t0() + SignedDuration::from_mins(minutes)
}

const HOUR: i64 = 60;
pub(crate) const DAY: i64 = 24 * 60;

pub(crate) struct World {
    pub(crate) agency: AgencyId,
    pub(crate) unit: UnitId,
    pub(crate) officers: Vec<Officer>,
    pub(crate) devices: Vec<Device>,
    pub(crate) recordings: Vec<Recording>,
    pub(crate) notes: Vec<InterruptionNote>,
    pub(crate) labels: Vec<RecordingLabel>,
    pub(crate) duty_log: Vec<DutyLogEntry>,
    pub(crate) cases: Vec<CaseFacts>,
    pub(crate) spot_check_reviews: Vec<crate::supervision::SpotCheckReview>,
    pub(crate) now: Timestamp,
}

/// Names of the people and things in the world.
pub(crate) struct Cast {
    pub(crate) zhang: OfficerId,
    pub(crate) li: OfficerId,
    pub(crate) assistant: OfficerId,
    pub(crate) camera_zhang: DeviceId,
    pub(crate) camera_li: DeviceId,
    pub(crate) camera_assistant: DeviceId,
}

impl World {
    fn officer(&mut self, name: &str, badge: &str, role: OfficerRole, qualification: Qualification) -> OfficerId {
        let officer = Officer {
            id: OfficerId::new(),
            agency_id: self.agency,
            unit_id: self.unit,
            name: name.into(),
            certificate_no: (qualification == Qualification::Officer).then(|| format!("闽A{badge}")),
            badge_no: badge.into(),
            role,
            qualification,
        };
        self.officers.push(officer.clone());
        officer.id
    }

    fn device(&mut self, serial: &str, officer: OfficerId) -> DeviceId {
        let device = Device {
            id: DeviceId::new(),
            agency_id: self.agency,
            serial: serial.into(),
            kind: DeviceKind::BodyCamera,
            model: None,
            assigned_officer: Some(officer),
            unit_id: Some(self.unit),
        };
        self.devices.push(device.clone());
        device.id
    }

    /// A video recorded from `start` to `end` (minutes after t0), offloaded
    /// eight hours after it ended.
    fn record(&mut self, device: DeviceId, officer: OfficerId, start: i64, end: i64) -> MediaId {
        let media_id = MediaId::new();
        self.recordings.push(Recording {
            media_id,
            device_id: device,
            officer_id: Some(officer),
            unit_id: Some(self.unit),
            path_on_device: format!("DCIM/DSJ_{start}.MP4"),
            kind: MediaKind::Video,
            important: false,
            probe: MediaProbe { duration_ms: Some(((end - start) * 60_000) as u64), ..MediaProbe::default() },
            named_start: Some(at(start)),
            raw_start: Some(at(start)),
            start_source: Some(StartSource::FileName),
            clock_offset: Some(ClockOffset { millis: 2_000, method: OffsetMethod::ReportedClock }),
            corrected_start: Some(at(start)),
            corrected_end: Some(at(end)),
            playback: Playback::Ok,
            workstation: "采集站-1".into(),
            ingested_at: at(end + 8 * HOUR),
            ingested_by: "console:test".into(),
        });
        media_id
    }

    pub(crate) fn recording_mut(&mut self, media: MediaId) -> &mut Recording {
        self.recordings.iter_mut().find(|recording| recording.media_id == media).unwrap()
    }

    fn case_mut(&mut self, number: &str) -> &mut CaseFacts {
        self.cases.iter_mut().find(|case| case.case.number == number).unwrap()
    }

    pub(crate) fn evaluate(&self, pack: &str) -> Evaluation {
        let pack = PolicyPack::builtin(pack).unwrap().unwrap();
        let facts = Facts {
            now: self.now,
            officers: &self.officers,
            devices: &self.devices,
            recordings: &self.recordings,
            interruption_notes: &self.notes,
            labels: &self.labels,
            duty_log: &self.duty_log,
            cases: &self.cases,
            spot_check_reviews: &self.spot_check_reviews,
        };
        evaluate(&pack, &facts)
    }
}

/// Builds one case step by step.
struct CaseBuilder<'a> {
    world: &'a mut World,
    facts: CaseFacts,
}

impl CaseBuilder<'_> {
    fn enter(&mut self, stage: Stage, minute: i64) -> &mut Self {
        self.step(Step::Enter { stage }, minute, false)
    }

    fn step(&mut self, step: Step, minute: i64, emergency: bool) -> &mut Self {
        let sequence = self.facts.steps.len() as u32;
        self.facts.steps.push(StageStep {
            case_id: self.facts.case.id,
            sequence,
            step,
            at: at(minute),
            by: "console:test".into(),
            note: String::new(),
            emergency,
        });
        self
    }

    fn approve(&mut self, matter: ApprovalMatter, roles: &[ApprovalRole], minute: i64) -> &mut Self {
        for (offset, role) in roles.iter().enumerate() {
            let sequence = self.facts.approvals.len() as u32;
            self.facts.approvals.push(Approval {
                case_id: self.facts.case.id,
                sequence,
                matter,
                role: *role,
                officer_id: None,
                opinion: "同意".into(),
                approved: true,
                at: at(minute + offset as i64),
                by: "console:test".into(),
            });
        }
        self
    }

    fn document(&mut self, kind: DocumentKind, stage: Stage, minute: i64, fields: &[(&str, &str)]) -> DocumentId {
        let document = Document {
            id: DocumentId::new(),
            case_id: self.facts.case.id,
            kind,
            stage,
            version: 1,
            supersedes: None,
            amendment_reason: None,
            touches_rights: false,
            fields: fields.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
            legal_basis: "《行政处罚法》".into(),
            made_by: self.facts.case.lead_officer,
            made_at: at(minute),
            recorded_by: "console:test".into(),
        };
        self.facts.documents.push(document.clone());
        document.id
    }

    fn sign(&mut self, document: DocumentId, signer: Signer, minute: i64) -> &mut Self {
        let sequence = self.facts.signatures.iter().filter(|signature| signature.document_id == document).count() as u32;
        self.facts.signatures.push(Signature {
            document_id: document,
            sequence,
            signer,
            at: at(minute),
            refusal: None,
            recorded_by: "console:test".into(),
        });
        self
    }

    /// Signed by both handling officers (certificates shown) and the party.
    fn signed_record(&mut self, kind: DocumentKind, stage: Stage, minute: i64) -> DocumentId {
        let document = self.document(kind, stage, minute, &[]);
        for officer in self.facts.case.handlers.clone() {
            let certificate_no =
                self.world.officers.iter().find(|candidate| candidate.id == officer).and_then(|officer| officer.certificate_no.clone());
            self.sign(document, Signer::Officer { officer_id: officer, certificate_no, certificate_shown: true }, minute + 1);
        }
        self.sign(document, Signer::Party { name: "王五".into() }, minute + 2);
        document
    }

    fn link(&mut self, media: MediaId, stage: Stage, item: RecordedItem, minute: i64) -> &mut Self {
        let recording_end =
            self.world.recordings.iter().find(|recording| recording.media_id == media).and_then(|recording| recording.corrected_end);
        self.facts.links.push(RecordingLink {
            case_id: self.facts.case.id,
            media_id: media,
            stage,
            item,
            location: "中山路12号".into(),
            label: "人行道摆摊".into(),
            recording_end,
            linked_at: at(minute),
            linked_by: "console:test".into(),
        });
        self
    }

    fn done(self) {
        self.world.cases.push(self.facts);
    }
}

impl World {
    fn case(&mut self, number: &str, kind: ActKind, lead: OfficerId, other: OfficerId) -> CaseBuilder<'_> {
        let case = Case {
            id: CaseId::new(),
            agency_id: self.agency,
            unit_id: self.unit,
            number: number.into(),
            act_kind: kind,
            procedure: Procedure::General,
            source: CaseSource::Complaint,
            matter: "占道经营".into(),
            parties: vec![Party { kind: PartyKind::Person, name: "王五".into(), id_number: None }],
            lead_officer: lead,
            handlers: vec![lead, other],
            opened_at: at(0),
        };
        CaseBuilder {
            world: self,
            facts: CaseFacts { case, steps: vec![], approvals: vec![], documents: vec![], signatures: vec![], links: vec![] },
        }
    }
}

const PENALTY: &str = "思城管罚〔2026〕1号";
const DEMOLITION: &str = "思城管强〔2026〕2号";

/// Everything done as the five regulations ask.
pub(crate) fn by_the_book() -> (World, Cast) {
    use ApprovalRole::*;
    use Stage::*;
    let mut world = World {
        agency: AgencyId::new(),
        unit: UnitId::new(),
        officers: vec![],
        devices: vec![],
        recordings: vec![],
        notes: vec![],
        labels: vec![],
        duty_log: vec![],
        cases: vec![],
        spot_check_reviews: vec![],
        now: at(20 * DAY),
    };
    let zhang = world.officer("张伟", "001", OfficerRole::FrontLine, Qualification::Officer);
    let li = world.officer("李娜", "002", OfficerRole::FrontLine, Qualification::Officer);
    let assistant = world.officer("赵协", "901", OfficerRole::FrontLine, Qualification::Assistant);
    let camera_zhang = world.device("DSJ-001", zhang);
    let camera_li = world.device("DSJ-002", li);
    let camera_assistant = world.device("DSJ-901", assistant);

    // The penalty case: questioning and an inspection on day one, a seizure,
    // the decision on day two, served directly the same day.
    let inquiry = world.record(camera_zhang, zhang, 30, 60);
    let inspection = world.record(camera_li, li, 30, 55);
    let seizure = world.record(camera_zhang, zhang, 2 * HOUR, 2 * HOUR + 20);
    let seizure_second = world.record(camera_li, li, 2 * HOUR, 2 * HOUR + 20);
    let service = world.record(camera_zhang, zhang, DAY + 3 * HOUR, DAY + 3 * HOUR + 10);
    let mut case = world.case(PENALTY, ActKind::Penalty, zhang, li);
    case.enter(Intake, 0).approve(ApprovalMatter::Start, &[Handler, Reviewer, Approver], 5);
    case.document(DocumentKind::FilingApproval, Intake, 4, &[]);
    case.enter(Filing, 10);
    case.enter(Investigation, 20);
    case.signed_record(DocumentKind::InquiryRecord, Investigation, 61);
    case.signed_record(DocumentKind::InspectionRecord, Investigation, 56);
    case.enter(Seizure, 2 * HOUR);
    case.enter(ReviewDecision, DAY);
    case.document(DocumentKind::RightsNotice, ReviewDecision, DAY + 5, &[("rights", "陈述、申辩、听证"), ("method", "书面")]);
    case.document(DocumentKind::LegalReviewOpinion, ReviewDecision, DAY + 10, &[]);
    case.approve(ApprovalMatter::Decision, &[Handler, Reviewer, LegalReview, Approver], DAY + 20);
    case.document(DocumentKind::PenaltyDecision, ReviewDecision, DAY + HOUR, &[]);
    case.enter(Service, DAY + 2 * HOUR);
    let receipt = case.document(DocumentKind::ServiceReceipt, Service, DAY + 3 * HOUR + 11, &[("method", "直接送达")]);
    case.sign(receipt, Signer::Party { name: "王五".into() }, DAY + 3 * HOUR + 12);
    case.document(DocumentKind::PerformanceRecord, Service, 3 * DAY, &[("performed", "已缴纳罚款")]);
    case.enter(Conclusion, 3 * DAY + HOUR);
    case.step(Step::Archive, 5 * DAY, false);
    case.link(inquiry, Investigation, RecordedItem::Questioning, 10 * HOUR)
        .link(inspection, Investigation, RecordedItem::OnSiteInspection, 10 * HOUR)
        .link(seizure, Seizure, RecordedItem::EvidencePreservation, 10 * HOUR)
        .link(seizure_second, Seizure, RecordedItem::EvidencePreservation, 10 * HOUR)
        .link(service, Service, RecordedItem::Service, DAY + 12 * HOUR);
    case.done();

    // The coercive demolition (排除妨碍), started as an emergency, approved
    // within the day, executed on day six under two cameras.
    let demolition_inquiry = world.record(camera_li, li, 3 * DAY, 3 * DAY + 20);
    let demolition_service = world.record(camera_li, li, 4 * DAY, 4 * DAY + 10);
    let execution = world.record(camera_zhang, zhang, 6 * DAY, 6 * DAY + 90);
    let execution_second = world.record(camera_li, li, 6 * DAY, 6 * DAY + 90);
    let mut case = world.case(DEMOLITION, ActKind::Coercion, li, zhang);
    case.enter(Intake, 3 * DAY - 60);
    case.document(DocumentKind::FilingApproval, Intake, 3 * DAY - 50, &[]);
    case.step(Step::Enter { stage: Filing }, 3 * DAY - 40, true);
    case.approve(ApprovalMatter::Start, &[Handler, Reviewer, Approver], 3 * DAY + 5 * HOUR);
    case.enter(Investigation, 3 * DAY);
    case.signed_record(DocumentKind::InquiryRecord, Investigation, 3 * DAY + 21);
    case.enter(ReviewDecision, 3 * DAY + 2 * HOUR);
    case.document(DocumentKind::LegalReviewOpinion, ReviewDecision, 3 * DAY + 3 * HOUR, &[]);
    case.approve(ApprovalMatter::Decision, &[Handler, Reviewer, LegalReview, Approver], 3 * DAY + 4 * HOUR);
    case.document(DocumentKind::CoercionDecision, ReviewDecision, 3 * DAY + 5 * HOUR, &[("mode", "排除妨碍、恢复原状")]);
    case.enter(Service, 4 * DAY - HOUR);
    let receipt = case.document(DocumentKind::ServiceReceipt, Service, 4 * DAY + 11, &[("method", "直接送达")]);
    case.sign(receipt, Signer::Party { name: "王五".into() }, 4 * DAY + 12);
    case.enter(Execution, 6 * DAY);
    case.document(DocumentKind::PerformanceRecord, Execution, 6 * DAY + 2 * HOUR, &[("performed", "已拆除")]);
    case.enter(Conclusion, 7 * DAY);
    case.step(Step::Archive, 8 * DAY, false);
    case.link(demolition_inquiry, Investigation, RecordedItem::Questioning, 3 * DAY + 10 * HOUR)
        .link(demolition_service, Service, RecordedItem::Service, 4 * DAY + 10 * HOUR)
        .link(execution, Execution, RecordedItem::Coercion, 6 * DAY + 10 * HOUR)
        .link(execution_second, Execution, RecordedItem::Coercion, 6 * DAY + 10 * HOUR);
    case.done();

    (world, Cast { zhang, li, assistant, camera_zhang, camera_li, camera_assistant })
}

const PACKS: [&str; 5] = ["wenshang-cgj", "yexian-jtys", "fengtai-jd", "dalian-gxq-cgj", "xiamen-cgj"];

/// The rule ids and articles found, in key order.
fn found(evaluation: &Evaluation) -> Vec<(String, String)> {
    evaluation.findings.iter().map(|finding| (finding.rule_id.clone(), finding.source.article.clone())).collect()
}

fn only(world: &World, pack: &str, rule: &str, article: &str) -> Finding {
    let evaluation = world.evaluate(pack);
    assert_eq!(found(&evaluation), vec![(rule.to_owned(), article.to_owned())], "{pack}: {:#?}", evaluation.findings);
    evaluation.findings.into_iter().next().unwrap()
}

#[test]
fn every_builtin_pack_loads_and_cites_only_its_own_document() {
    for (id, _) in crate::pack::BUILTIN {
        let pack = PolicyPack::builtin(id).unwrap().unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(pack.id, id);
        let files: std::collections::BTreeSet<_> = pack
            .rules
            .iter()
            .map(|rule| rule.source.file.clone())
            .chain(pack.rubric.iter().map(|criterion| criterion.source.file.clone()))
            .collect();
        assert_eq!(files.len(), 1, "{id} cites {files:?}");
        assert!(!pack.rules.is_empty() && !pack.misconduct.is_empty(), "{id}");
        for scope in [crate::pack::RubricScope::Recordings, crate::pack::RubricScope::Cases] {
            assert!(pack.rubric.iter().any(|criterion| criterion.applies_to(scope)), "{id} has a rubric for {scope:?}");
        }
    }
}

#[test]
fn compliant_cases_produce_no_finding_under_any_pack() {
    let (world, _) = by_the_book();
    for pack in PACKS {
        let evaluation = world.evaluate(pack);
        assert!(evaluation.findings.is_empty(), "{pack}: {:#?}", evaluation.findings);
        assert!(evaluation.upcoming.is_empty(), "{pack}: {:#?}", evaluation.upcoming);
    }
}

#[test]
fn evaluation_is_deterministic() {
    let (mut world, cast) = by_the_book();
    world.now = at(3 * DAY);
    world.record(cast.camera_assistant, cast.assistant, 2 * DAY, 2 * DAY + 5);
    for pack in PACKS {
        assert_eq!(world.evaluate(pack), world.evaluate(pack), "{pack}");
    }
}

fn label(media: MediaId, when: Timestamp) -> RecordingLabel {
    RecordingLabel {
        media_id: media,
        sequence: 0,
        item: RecordedItem::Other,
        location: "中山路".into(),
        label: "日常巡查".into(),
        officer_id: None,
        labeled_at: when,
        labeled_by: "console:test".into(),
    }
}

impl CaseFacts {
    fn facts_link(&mut self, media: MediaId, stage: Stage, item: RecordedItem, when: Timestamp) {
        self.links.push(RecordingLink {
            case_id: self.case.id,
            media_id: media,
            stage,
            item,
            location: "中山路".into(),
            label: String::new(),
            recording_end: None,
            linked_at: when,
            linked_by: "console:test".into(),
        });
    }
}

mod dalian;
mod fengtai;
mod wenshang;
mod xiamen;
mod yexian;

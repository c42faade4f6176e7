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

// ----- 汶上 (000_07fb3968c050b6cb.txt) -------------------------------------

#[test]
fn wenshang_art5_1_seizure_must_be_recorded() {
    let (mut world, _) = by_the_book();
    world.case_mut(PENALTY).links.retain(|link| link.stage != Stage::Seizure);
    let seized: Vec<MediaId> =
        world.recordings.iter().filter(|recording| recording.corrected_start == Some(at(2 * HOUR))).map(|r| r.media_id).collect();
    world.recordings.retain(|recording| !seized.contains(&recording.media_id));
    let finding = only(&world, "wenshang-cgj", "av-preservation-seizure", "第五条（一）");
    assert_eq!(finding.severity, Severity::High);
    assert!(finding.message.contains("扣押"), "{}", finding.message);
    assert_eq!(finding.misconduct.iter().map(|item| item.source.article.as_str()).collect::<Vec<_>>(), ["第九条（一）"]);
    assert_eq!(finding.pack_version, "2017.11-1");
}

#[test]
fn wenshang_art6_8_major_operations_need_two_devices() {
    let (mut world, _) = by_the_book();
    let second = world.case_mut(DEMOLITION).links.pop().unwrap();
    world.recordings.retain(|recording| recording.media_id != second.media_id);
    let finding = only(&world, "wenshang-cgj", "two-devices-major-operations", "第六条（八）");
    assert!(finding.message.contains("只有 1 部设备"), "{}", finding.message);
}

#[test]
fn wenshang_art6_1_device_clock_must_be_calibrated() {
    let (mut world, cast) = by_the_book();
    let late_clock = world.record(cast.camera_zhang, cast.zhang, 10 * DAY, 10 * DAY + 5);
    world.recording_mut(late_clock).clock_offset = Some(ClockOffset { millis: -95_000, method: OffsetMethod::ReportedClock });
    world.labels.push(label(late_clock, at(10 * DAY + HOUR)));
    let finding = only(&world, "wenshang-cgj", "clock-calibrated", "第六条（一）");
    assert!(finding.message.contains("慢 1 分钟"), "{}", finding.message);
    assert!(matches!(finding.subject, Subject::Device { device_id, .. } if device_id == cast.camera_zhang));
}

#[test]
fn wenshang_art6_3_recording_must_not_stop_midway() {
    let (mut world, cast) = by_the_book();
    let before = world.record(cast.camera_li, cast.li, 10 * DAY, 10 * DAY + 30);
    let after = world.record(cast.camera_li, cast.li, 10 * DAY + 33, 10 * DAY + 60);
    world.labels.extend([label(before, at(10 * DAY + 2 * HOUR)), label(after, at(10 * DAY + 2 * HOUR))]);
    let finding = only(&world, "wenshang-cgj", "no-stopping-midway", "第六条（三）");
    assert!(finding.message.contains("3 分钟"), "{}", finding.message);
    world.notes.push(InterruptionNote {
        device_id: cast.camera_li,
        before,
        after,
        explanation: "电池耗尽，更换电池后继续录像".into(),
        officer_id: Some(cast.li),
        noted_by: "console:test".into(),
        noted_at: at(10 * DAY + 3 * HOUR),
    });
    assert!(world.evaluate("wenshang-cgj").findings.is_empty(), "an explanation answers it");
}

#[test]
fn wenshang_art7_3_footage_is_offloaded_after_duty() {
    let (mut world, cast) = by_the_book();
    let late = world.record(cast.camera_zhang, cast.zhang, 10 * DAY, 10 * DAY + 5);
    world.recording_mut(late).ingested_at = at(11 * DAY + 5 + 2 * HOUR);
    world.labels.push(label(late, at(11 * DAY + 6 * HOUR)));
    let finding = only(&world, "wenshang-cgj", "offload-daily", "第七条（三）");
    assert!(finding.message.contains("26 小时"), "{}", finding.message);
    assert_eq!(finding.subject, Subject::Recording { media_id: late });
    assert_eq!(finding.officer_id, Some(cast.zhang));
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

// ----- 叶县 (001_7a70bf4a2140f7df.txt) -------------------------------------

#[test]
fn yexian_art8_assistants_only_assist_with_recording() {
    let (mut world, cast) = by_the_book();
    let alone = world.record(cast.camera_assistant, cast.assistant, 10 * DAY, 10 * DAY + 15);
    world.labels.push(label(alone, at(10 * DAY + HOUR)));
    let finding = only(&world, "yexian-jtys", "assistant-only-assists", "第八条");
    assert!(finding.message.contains("赵协"), "{}", finding.message);
    // With a qualified officer filming at the same time, the assistant assists.
    let together = world.record(cast.camera_li, cast.li, 10 * DAY + 5, 10 * DAY + 40);
    world.labels.push(label(together, at(10 * DAY + HOUR)));
    assert!(world.evaluate("yexian-jtys").findings.is_empty());
}

#[test]
fn yexian_art18_cases_are_handled_on_camera() {
    let (mut world, _) = by_the_book();
    let unlinked: Vec<MediaId> =
        world.case_mut(DEMOLITION).links.iter().filter(|link| link.stage == Stage::Investigation).map(|link| link.media_id).collect();
    world.case_mut(DEMOLITION).links.retain(|link| link.stage != Stage::Investigation);
    world.recordings.retain(|recording| !unlinked.contains(&recording.media_id));
    let finding = only(&world, "yexian-jtys", "av-investigation", "第十八条");
    assert!(finding.message.contains(DEMOLITION), "{}", finding.message);
    assert_eq!(finding.misconduct[0].source.article, "第二十四条（一）");
}

#[test]
fn yexian_art22_recordings_that_do_not_play_back_are_found() {
    let (mut world, _) = by_the_book();
    let media = world.recordings[0].media_id;
    world.recording_mut(media).playback = Playback::Failed { detail: "moov atom not found".into() };
    let finding = only(&world, "yexian-jtys", "playback-check", "第二十二条");
    assert_eq!(finding.evidence.get("detail").map(String::as_str), Some("moov atom not found"));
}

#[test]
fn yexian_art22_a_spot_check_review_below_the_bar_is_a_finding_until_a_later_review_passes() {
    use crate::supervision::{mark, Outcome, Population, Sampled, SpotCheckReview};
    let (mut world, _) = by_the_book();
    let media = world.recordings[0].media_id;
    let pack = PolicyPack::builtin("yexian-jtys").unwrap().unwrap();
    let review = |sequence: u32, told: Outcome, minute: i64| {
        let judged: Vec<(String, Outcome)> = pack
            .rubric
            .iter()
            .filter(|criterion| criterion.applies_to(crate::pack::RubricScope::Recordings))
            .map(|criterion| (criterion.id.clone(), if criterion.id == "told-party" { told } else { Outcome::Met }))
            .collect();
        SpotCheckReview {
            check_id: crate::id::SpotCheckId::new(),
            position: 0,
            subject: Sampled::Recording(media),
            sequence,
            marks: mark(&pack.rubric, Population::Recordings, &judged).unwrap(),
            comment: "未事先告知当事人".into(),
            pack_id: pack.id.clone(),
            pack_version: pack.version.clone(),
            reviewed_at: at(minute),
            reviewed_by: "user:督察".into(),
            reviewer: None,
        }
    };
    world.spot_check_reviews.push(review(0, Outcome::NotMet, 3 * DAY));
    let finding = only(&world, "yexian-jtys", "spot-check", "第二十二条");
    assert!(finding.message.contains("抽检得分 80（80/100 分）"), "{}", finding.message);
    assert!(finding.message.contains("事先告知对方使用执法记录设备记录"), "{}", finding.message);
    assert_eq!(finding.officer_id, world.recordings[0].officer_id);

    // Not applicable is not counted against the officer.
    world.spot_check_reviews[0] = review(0, Outcome::NotApplicable, 3 * DAY);
    assert!(world.evaluate("yexian-jtys").findings.is_empty());

    world.spot_check_reviews[0] = review(0, Outcome::NotMet, 3 * DAY);
    world.spot_check_reviews.push(review(1, Outcome::Met, 4 * DAY));
    assert!(world.evaluate("yexian-jtys").findings.is_empty(), "the latest review counts");
}

// ----- 丰台 (002_628f6a77322dc41d.txt) -------------------------------------

#[test]
fn fengtai_art18_interruption_must_be_explained() {
    let (mut world, cast) = by_the_book();
    let before = world.record(cast.camera_zhang, cast.zhang, 10 * DAY, 10 * DAY + 30);
    let after = world.record(cast.camera_zhang, cast.zhang, 10 * DAY + 38, 10 * DAY + 50);
    world.labels.extend([label(before, at(10 * DAY + HOUR)), label(after, at(10 * DAY + HOUR))]);
    let finding = only(&world, "fengtai-jd", "interruption-explained", "第十八条");
    assert_eq!(finding.subject, Subject::Interruption { device_id: cast.camera_zhang, before, after });
}

#[test]
fn fengtai_art20_3_questioning_is_filmed_without_interruption() {
    let (mut world, cast) = by_the_book();
    // A second clip of the questioning, after an unexplained break of an hour.
    let more = world.record(cast.camera_zhang, cast.zhang, 90, 100);
    world.case_mut(PENALTY).facts_link(more, Stage::Investigation, RecordedItem::Questioning, at(10 * HOUR));
    let finding = only(&world, "fengtai-jd", "av-questioning", "第二十条（三）");
    assert!(finding.message.contains("不连续"), "{}", finding.message);
    // No record of it at all.
    let (mut world, _) = by_the_book();
    world.case_mut(DEMOLITION).links.retain(|link| link.item != RecordedItem::Questioning);
    world.recordings.retain(|recording| recording.corrected_start != Some(at(3 * DAY)));
    let finding = only(&world, "fengtai-jd", "av-questioning", "第二十条（三）");
    assert!(finding.message.contains("没有关联音像记录"), "{}", finding.message);
}

#[test]
fn fengtai_art11_party_signs_or_the_refusal_is_recorded() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(PENALTY);
    let inquiry = case.documents.iter().find(|document| document.kind == DocumentKind::InquiryRecord).unwrap().id;
    case.signatures.retain(|signature| !(signature.document_id == inquiry && matches!(signature.signer, Signer::Party { .. })));
    let finding = only(&world, "fengtai-jd", "signatures-recorded", "第十一条（七）、第十一条（八）");
    assert!(finding.message.contains("当事人签字"), "{}", finding.message);
    // A refusal with its reason and witness is a record too (大连 第十条).
    world.case_mut(PENALTY).signatures.push(Signature {
        document_id: inquiry,
        sequence: 9,
        signer: Signer::Party { name: "王五".into() },
        at: at(70),
        refusal: Some(Refusal { reason: "不认可".into(), witness: "孙某".into() }),
        recorded_by: "console:test".into(),
    });
    assert!(world.evaluate("fengtai-jd").findings.is_empty());
}

#[test]
fn fengtai_art29_a_correction_touching_rights_is_reviewed_and_served_again() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(PENALTY);
    let decision = case.documents.iter().find(|document| document.kind == DocumentKind::PenaltyDecision).unwrap().clone();
    let corrected = Document {
        id: DocumentId::new(),
        version: 2,
        supersedes: Some(decision.id),
        amendment_reason: Some("罚款金额笔误".into()),
        touches_rights: true,
        made_at: at(2 * DAY),
        ..decision
    };
    case.documents.push(corrected.clone());
    // Still in time: a deadline, not a finding.
    world.now = at(2 * DAY + HOUR);
    let evaluation = world.evaluate("fengtai-jd");
    assert!(evaluation.findings.is_empty(), "{:#?}", evaluation.findings);
    assert_eq!(evaluation.upcoming.iter().map(|upcoming| upcoming.rule_id.as_str()).collect::<Vec<_>>(), ["correction-completed"]);
    world.now = at(40 * DAY);
    let finding = only(&world, "fengtai-jd", "correction-completed", "第二十九条");
    assert!(finding.message.contains("法制审核"), "{}", finding.message);
    assert_eq!(finding.subject, Subject::Document { document_id: corrected.id });
}

#[test]
fn fengtai_art23_footage_is_exported_within_24_hours() {
    let (mut world, _) = by_the_book();
    let media = world.recordings[1].media_id;
    let end = world.recordings[1].corrected_end.unwrap();
    world.recording_mut(media).ingested_at = end + SignedDuration::from_hours(30);
    let finding = only(&world, "fengtai-jd", "offload-24h", "第二十三条");
    assert_eq!(finding.misconduct[0].id, "31-6");
}

// ----- 大连 (003_2ac90c2d08cca6b0.txt) -------------------------------------

#[test]
fn dalian_art6_emergency_start_is_approved_within_24_hours() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(DEMOLITION);
    for approval in case.approvals.iter_mut().filter(|approval| approval.matter == ApprovalMatter::Start) {
        approval.at += SignedDuration::from_hours(30);
    }
    let finding = only(&world, "dalian-gxq-cgj", "emergency-start-approved", "第六条");
    assert!(finding.message.contains("超过时限"), "{}", finding.message);
    // Not approved at all, and the 24 h not yet over: due, not found.
    let (mut world, _) = by_the_book();
    world.case_mut(DEMOLITION).approvals.retain(|approval| approval.matter != ApprovalMatter::Start);
    world.now = at(3 * DAY);
    let evaluation = world.evaluate("dalian-gxq-cgj");
    let upcoming: Vec<_> = evaluation.upcoming.iter().filter(|upcoming| upcoming.rule_id == "emergency-start-approved").collect();
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].due, at(4 * DAY - 40));
}

#[test]
fn dalian_art17_leave_at_premises_service_is_filmed() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(PENALTY);
    let receipt = case.documents.iter_mut().find(|document| document.kind == DocumentKind::ServiceReceipt).unwrap();
    receipt.fields = BTreeMap::from([("method".to_owned(), "留置送达".to_owned())]);
    case.links.retain(|link| link.item != RecordedItem::Service);
    world.recordings.retain(|recording| recording.corrected_start != Some(at(DAY + 3 * HOUR)));
    let finding = only(&world, "dalian-gxq-cgj", "av-contested-service", "第十七条");
    assert!(finding.message.contains("留置送达"), "{}", finding.message);
}

#[test]
fn dalian_art11_on_site_inspection_is_filmed() {
    let (mut world, _) = by_the_book();
    world.case_mut(PENALTY).links.retain(|link| link.item != RecordedItem::OnSiteInspection);
    let evaluation = world.evaluate("dalian-gxq-cgj");
    // The questioning recording at the same stage counts: the rule asks for
    // an AV record of the stage, not of each document.
    assert!(evaluation.findings.is_empty(), "{:#?}", evaluation.findings);
    world.case_mut(PENALTY).links.retain(|link| link.stage != Stage::Investigation);
    let finding = only(&world, "dalian-gxq-cgj", "av-inspection-sampling-hearing", "第十一条");
    assert!(finding.message.contains("现场检查(勘验)笔录"), "{}", finding.message);
}

#[test]
fn dalian_art28_decision_only_after_the_approval_chain() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(PENALTY);
    for approval in
        case.approvals.iter_mut().filter(|approval| approval.matter == ApprovalMatter::Decision && approval.role == ApprovalRole::Approver)
    {
        approval.at = at(DAY + 2 * HOUR);
    }
    let finding = only(&world, "dalian-gxq-cgj", "decision-after-approval", "第十四条、第十五条、第二十八条");
    assert!(finding.message.contains("批准人"), "{}", finding.message);
}

#[test]
fn dalian_art22_archive_within_30_days_of_the_end() {
    let (mut world, _) = by_the_book();
    world.case_mut(PENALTY).steps.retain(|step| step.step != Step::Archive);
    world.now = at(3 * DAY + HOUR + 29 * DAY);
    let evaluation = world.evaluate("dalian-gxq-cgj");
    assert!(evaluation.findings.is_empty());
    assert_eq!(evaluation.upcoming.len(), 1);
    world.now = at(3 * DAY + HOUR + 31 * DAY);
    let finding = only(&world, "dalian-gxq-cgj", "archive-30-days", "第二十二条");
    assert_eq!(finding.due, Some(at(3 * DAY + HOUR + 30 * DAY)));
}

#[test]
fn dalian_art8_certificates_shown_and_art9_rights_notified() {
    let (mut world, _) = by_the_book();
    let case = world.case_mut(PENALTY);
    for signature in &mut case.signatures {
        if let Signer::Officer { certificate_shown, .. } = &mut signature.signer {
            *certificate_shown = false;
        }
    }
    let evaluation = world.evaluate("dalian-gxq-cgj");
    assert_eq!(found(&evaluation), vec![("certificates-shown".to_owned(), "第八条".to_owned()); 2], "inquiry and inspection records");
    let (mut world, _) = by_the_book();
    world.case_mut(PENALTY).documents.retain(|document| document.kind != DocumentKind::RightsNotice);
    only(&world, "dalian-gxq-cgj", "rights-notified", "第九条");
}

// ----- 厦门 (004_78d39a83e0fe43df.txt) -------------------------------------

#[test]
fn xiamen_5_link_or_label_within_48_hours() {
    let (mut world, cast) = by_the_book();
    let patrol = world.record(cast.camera_zhang, cast.zhang, 10 * DAY, 10 * DAY + 20);
    world.now = at(10 * DAY + 20 + 47 * HOUR);
    let evaluation = world.evaluate("xiamen-cgj");
    assert!(evaluation.findings.is_empty());
    assert_eq!(evaluation.upcoming[0].due, at(10 * DAY + 20 + 48 * HOUR));
    assert_eq!(evaluation.upcoming[0].officer_id, Some(cast.zhang));
    world.now = at(10 * DAY + 20 + 49 * HOUR);
    let finding = only(&world, "xiamen-cgj", "link-48h", "五");
    assert!(finding.message.contains("仍未关联"), "{}", finding.message);
    // Labelled late: still a finding, now saying by how much.
    world.labels.push(label(patrol, at(10 * DAY + 20 + 50 * HOUR)));
    let finding = only(&world, "xiamen-cgj", "link-48h", "五");
    assert!(finding.message.contains("超过时限 2 小时"), "{}", finding.message);
}

#[test]
fn xiamen_2_4_every_service_is_filmed() {
    let (mut world, _) = by_the_book();
    world.case_mut(DEMOLITION).links.retain(|link| link.item != RecordedItem::Service);
    world.recordings.retain(|recording| recording.corrected_start != Some(at(4 * DAY)));
    let finding = only(&world, "xiamen-cgj", "av-service", "二（四）");
    assert_eq!(finding.case_id, Some(world.cases[1].case.id));
    assert_eq!(finding.misconduct[0].source.short_zh(), "厦门 六（五）1");
}

#[test]
fn xiamen_annex_2_checklist_numbers_and_names_records_in_case_order() {
    let (world, _) = by_the_book();
    let pack = PolicyPack::builtin("xiamen-cgj").unwrap().unwrap();
    let units =
        [crate::entity::Unit {
            id: world.unit, agency_id: world.agency, parent_id: None, name: "思明大队".into(), code: "350203".into()
        }];
    let checklist = report::av_checklist(
        &pack,
        &world.cases[0],
        &report::ChecklistContext {
            agency: "厦门市城市管理行政执法局",
            units: &units,
            officers: &world.officers,
            recordings: &world.recordings,
            sha256: &BTreeMap::new(),
            offset: jiff::tz::Offset::constant(8),
        },
    );
    let rows: Vec<_> = checklist.rows.iter().map(|row| (row.seq, row.item.as_str(), row.start.as_str(), row.file_name.as_str())).collect();
    assert_eq!(
        rows,
        [
            (1, "询问", "2026-11-20 09:30", "01-思明大队王五20261120询问.mp4"),
            (2, "现场检查", "2026-11-20 09:30", "02-思明大队王五20261120现场检查.mp4"),
            (3, "证据保全", "2026-11-20 11:00", "03-思明大队王五20261120证据保全.mp4"),
            (4, "证据保全", "2026-11-20 11:00", "04-思明大队王五20261120证据保全.mp4"),
            (5, "送达", "2026-11-21 12:00", "05-思明大队王五20261121送达.mp4"),
        ]
    );
    assert_eq!(checklist.rows[0].recorder, "张伟");
    assert_eq!(checklist.rows[0].preservation, "完整");
    assert_eq!(checklist.naming_source.unwrap().short_zh(), "厦门 五");
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

#[test]
fn xiamen_6_2_a_duty_log_entry_answers_footage_that_could_not_be_made() {
    let (mut world, cast) = by_the_book();
    world.case_mut(DEMOLITION).links.retain(|link| link.item != RecordedItem::Service);
    world.recordings.retain(|recording| recording.corrected_start != Some(at(4 * DAY)));
    only(&world, "xiamen-cgj", "av-service", "二（四）");
    let demolition = world.case_mut(DEMOLITION).case.id;
    let entry = |officer, case_id| DutyLogEntry {
        officer_id: officer,
        sequence: 0,
        from: at(4 * DAY - 30),
        to: at(4 * DAY + 60),
        reason: "暴雨，执法记录仪进水无法使用，已报告中队长".into(),
        case_id,
        reported_to: None,
        recorded_at: at(4 * DAY + 2 * HOUR),
        recorded_by: "console:test".into(),
    };
    // Someone else's entry, or one about another case, answers nothing.
    world.duty_log.push(entry(cast.assistant, None));
    world.duty_log.push(entry(cast.li, Some(CaseId::new())));
    only(&world, "xiamen-cgj", "av-service", "二（四）");
    world.duty_log.push(entry(cast.li, Some(demolition)));
    assert!(world.evaluate("xiamen-cgj").findings.is_empty());
}

#[test]
fn fengtai_art18_a_duty_log_entry_over_the_gap_explains_the_interruption() {
    let (mut world, cast) = by_the_book();
    let before = world.record(cast.camera_zhang, cast.zhang, 10 * DAY, 10 * DAY + 30);
    let after = world.record(cast.camera_zhang, cast.zhang, 10 * DAY + 38, 10 * DAY + 50);
    world.labels.extend([label(before, at(10 * DAY + HOUR)), label(after, at(10 * DAY + HOUR))]);
    only(&world, "fengtai-jd", "interruption-explained", "第十八条");
    world.duty_log.push(DutyLogEntry {
        officer_id: cast.zhang,
        sequence: 0,
        from: at(10 * DAY + 29),
        to: at(10 * DAY + 40),
        reason: "设备故障，重启".into(),
        case_id: None,
        reported_to: None,
        recorded_at: at(10 * DAY + HOUR),
        recorded_by: "console:test".into(),
    });
    assert!(world.evaluate("fengtai-jd").findings.is_empty());
}

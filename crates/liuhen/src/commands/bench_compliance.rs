//! `liuhen bench compliance`: how long the engine takes over a large
//! agency's facts, built in memory (no database), under each built-in pack.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use liuhen_core::case::{ActKind, Case, CaseSource, Party, PartyKind, Procedure, RecordedItem, RecordingLink, Stage, StageStep, Step};
use liuhen_core::compliance::{evaluate, CaseFacts, Facts};
use liuhen_core::document::{Document, DocumentKind, Signature, Signer};
use liuhen_core::entity::{Device, DeviceKind, Officer, OfficerRole, Qualification};
use liuhen_core::id::{AgencyId, CaseId, DeviceId, DocumentId, MediaId, OfficerId, UnitId};
use liuhen_core::pack::{PolicyPack, BUILTIN};
use liuhen_core::recording::{MediaKind, MediaProbe, Playback, Recording};

pub fn run(recordings: usize, cases: usize) -> anyhow::Result<ExitCode> {
    let built = Instant::now();
    let world = World::new(recordings, cases);
    println!(
        "facts: {} officers, {} devices, {} recordings, {} cases ({} documents, {} links), built in {:.2} s",
        world.officers.len(),
        world.devices.len(),
        world.recordings.len(),
        world.cases.len(),
        world.cases.iter().map(|case| case.documents.len()).sum::<usize>(),
        world.cases.iter().map(|case| case.links.len()).sum::<usize>(),
        built.elapsed().as_secs_f64()
    );
    let facts = Facts {
        now: world.now,
        officers: &world.officers,
        devices: &world.devices,
        recordings: &world.recordings,
        interruption_notes: &[],
        labels: &[],
        duty_log: &[],
        spot_check_reviews: &[],
        cases: &world.cases,
    };
    for (id, _) in BUILTIN {
        let pack = PolicyPack::builtin(id).expect("listed")?;
        // One warm-up run, then the best of three.
        evaluate(&pack, &facts);
        let mut best = f64::MAX;
        let mut found = (0, 0);
        for _ in 0..3 {
            let start = Instant::now();
            let evaluation = evaluate(&pack, &facts);
            best = best.min(start.elapsed().as_secs_f64());
            found = (evaluation.findings.len(), evaluation.upcoming.len());
        }
        println!("{id:<16} {:>8.1} ms  ({} findings, {} upcoming)", best * 1000.0, found.0, found.1);
    }
    Ok(ExitCode::SUCCESS)
}

struct World {
    now: Timestamp,
    officers: Vec<Officer>,
    devices: Vec<Device>,
    recordings: Vec<Recording>,
    cases: Vec<CaseFacts>,
}

impl World {
    /// An agency with one camera per officer (one in ten an assistant),
    /// each camera recording ten-minute clips through the day over 30 days,
    /// and cases walked to their conclusion with documents and links.
    fn new(recording_count: usize, case_count: usize) -> World {
        let agency = AgencyId::new();
        let unit = UnitId::new();
        let start: Timestamp = "2026-10-01T00:00:00Z".parse().expect("a valid time");
        let officer_count = (recording_count / 300).clamp(10, 2_000);
        let officers: Vec<Officer> = (0..officer_count)
            .map(|n| Officer {
                id: OfficerId::new(),
                agency_id: agency,
                unit_id: unit,
                name: format!("队员{n}"),
                certificate_no: Some(format!("闽执{n:06}")),
                badge_no: format!("{n:06}"),
                role: OfficerRole::FrontLine,
                qualification: if n % 10 == 9 { Qualification::Assistant } else { Qualification::Officer },
            })
            .collect();
        let devices: Vec<Device> = officers
            .iter()
            .map(|officer| Device {
                id: DeviceId::new(),
                agency_id: agency,
                serial: format!("DSJ-{}", officer.badge_no),
                kind: DeviceKind::BodyCamera,
                model: None,
                assigned_officer: Some(officer.id),
                unit_id: Some(unit),
            })
            .collect();
        let per_device = recording_count.div_ceil(devices.len());
        let mut recordings = Vec::with_capacity(recording_count);
        'outer: for (device, officer) in devices.iter().zip(&officers) {
            for n in 0..per_device {
                if recordings.len() == recording_count {
                    break 'outer;
                }
                // Ten clips a day, twenty minutes apart (some gaps shorter).
                let day = (n / 10) as i64 % 30;
                let minute = 8 * 60 + (n % 10) as i64 * if n % 7 == 0 { 13 } else { 20 };
                let begin = start + SignedDuration::from_mins(day * 24 * 60 + minute);
                let end = begin + SignedDuration::from_mins(10);
                recordings.push(Recording {
                    media_id: MediaId::new(),
                    device_id: device.id,
                    officer_id: Some(officer.id),
                    unit_id: Some(unit),
                    path_on_device: format!("DCIM/{n}.MP4"),
                    kind: MediaKind::Video,
                    important: false,
                    probe: MediaProbe::default(),
                    named_start: Some(begin),
                    raw_start: Some(begin),
                    start_source: None,
                    clock_offset: None,
                    corrected_start: Some(begin),
                    corrected_end: Some(end),
                    playback: if n % 997 == 0 { Playback::Failed { detail: "truncated".into() } } else { Playback::Ok },
                    workstation: "采集站".into(),
                    ingested_at: end + SignedDuration::from_hours(if n % 50 == 0 { 30 } else { 6 }),
                    ingested_by: "bench".into(),
                });
            }
        }
        let stages = ActKind::Penalty.general_stages();
        let cases = (0..case_count)
            .map(|n| {
                let lead = &officers[(n * 2) % officers.len()];
                let other = &officers[(n * 2 + 1) % officers.len()];
                let case = Case {
                    id: CaseId::new(),
                    agency_id: agency,
                    unit_id: unit,
                    number: format!("罚〔2026〕{n}号"),
                    act_kind: ActKind::Penalty,
                    procedure: Procedure::General,
                    source: CaseSource::Patrol,
                    matter: "占道经营".into(),
                    parties: vec![Party { kind: PartyKind::Person, name: "当事人".into(), id_number: None }],
                    lead_officer: lead.id,
                    handlers: vec![lead.id, other.id],
                    opened_at: start,
                };
                let opened = start + SignedDuration::from_hours((n % 600) as i64);
                let steps: Vec<StageStep> = stages
                    .iter()
                    .enumerate()
                    .map(|(sequence, stage)| StageStep {
                        case_id: case.id,
                        sequence: sequence as u32,
                        step: Step::Enter { stage: *stage },
                        at: opened + SignedDuration::from_hours(sequence as i64 * 24),
                        by: "bench".into(),
                        note: String::new(),
                        emergency: false,
                    })
                    .collect();
                let document = |kind: DocumentKind, stage: Stage, hours: i64| Document {
                    id: DocumentId::new(),
                    case_id: case.id,
                    kind,
                    stage,
                    version: 1,
                    supersedes: None,
                    amendment_reason: None,
                    touches_rights: false,
                    fields: BTreeMap::from([("method".to_owned(), "直接送达".to_owned())]),
                    legal_basis: "《行政处罚法》".into(),
                    made_by: lead.id,
                    made_at: opened + SignedDuration::from_hours(hours),
                    recorded_by: "bench".into(),
                };
                let documents = vec![
                    document(DocumentKind::FilingApproval, Stage::Filing, 24),
                    document(DocumentKind::InquiryRecord, Stage::Investigation, 49),
                    document(DocumentKind::PenaltyDecision, Stage::ReviewDecision, 73),
                    document(DocumentKind::ServiceReceipt, Stage::Service, 97),
                ];
                let signatures = documents
                    .iter()
                    .flat_map(|document| {
                        [
                            Signature {
                                document_id: document.id,
                                sequence: 0,
                                signer: Signer::Officer {
                                    officer_id: lead.id,
                                    certificate_no: lead.certificate_no.clone(),
                                    certificate_shown: true,
                                },
                                at: document.made_at,
                                refusal: None,
                                recorded_by: "bench".into(),
                            },
                            Signature {
                                document_id: document.id,
                                sequence: 1,
                                signer: Signer::Party { name: "当事人".into() },
                                at: document.made_at,
                                refusal: None,
                                recorded_by: "bench".into(),
                            },
                        ]
                    })
                    .collect();
                let links = [(Stage::Investigation, RecordedItem::Questioning), (Stage::Service, RecordedItem::Service)]
                    .iter()
                    .enumerate()
                    .map(|(k, (stage, item))| {
                        let recording = &recordings[(n * 3 + k) % recordings.len()];
                        RecordingLink {
                            case_id: case.id,
                            media_id: recording.media_id,
                            stage: *stage,
                            item: *item,
                            location: "中山路".into(),
                            label: String::new(),
                            recording_end: recording.corrected_end,
                            linked_at: recording.ingested_at,
                            linked_by: "bench".into(),
                        }
                    })
                    .collect();
                CaseFacts { case, steps, approvals: Vec::new(), documents, signatures, links }
            })
            .collect();
        World { now: start + SignedDuration::from_hours(40 * 24), officers, devices, recordings, cases }
    }
}

//! One function per engine check. Each reads the facts and reports
//! findings and upcoming deadlines through the [`Sink`].

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use crate::case::{chain_completed_at, chain_next, ApprovalMatter, ApprovalRole, Procedure, Progress, Stage, StageStep, Step};
use crate::compliance::{duration_zh, About, CaseFacts, Facts, Index, Sink, Subject};
use crate::document::{correction_pending, overdue_rechecks, service_method, Document, DocumentKind, Signer};
use crate::entity::Qualification;
use crate::pack::{AvTrigger, Check, Rule};
use crate::recording::{interruptions, Drift, Playback, Recording};

/// Time allowed to sign a document after it is made before missing
/// signatures count: signing follows making, often minutes later.
const SIGNING_GRACE: SignedDuration = SignedDuration::from_hours(24);

/// Recordings of one device linked at one stage less than this apart are
/// one sitting, whose record should be continuous (`continuous = true`).
const ONE_SITTING: SignedDuration = SignedDuration::from_hours(2);

pub(crate) fn run(rule: &Rule, facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    match &rule.check {
        Check::OffloadDeadline { within } => offload_deadline(*within, facts, sink),
        Check::LinkDeadline { within } => link_deadline(*within, facts, index, sink),
        Check::InterruptionExplained { window } => interruption_explained(*window, facts, index, sink),
        Check::ClockDrift { threshold } => clock_drift(*threshold, facts, index, sink),
        Check::Playback => playback(facts, sink),
        Check::AssistantAlone => assistant_alone(facts, index, sink),
        Check::AvRequired { trigger, within, continuous } => {
            for case in facts.cases {
                av_required(trigger, *within, *continuous, case, facts, index, sink);
            }
        }
        Check::MinDevices { stages, min, within } => {
            for case in facts.cases {
                min_devices(stages, *min, *within, case, facts, index, sink);
            }
        }
        Check::ApprovalBeforeDecision { documents, chain } => {
            for case in facts.cases {
                approval_before_decision(documents, chain, case, sink);
            }
        }
        Check::EmergencyApproval { within } => {
            for case in facts.cases {
                emergency_approval(*within, case, facts.now, sink);
            }
        }
        Check::ArchiveDeadline { within } => {
            for case in facts.cases {
                archive_deadline(*within, case, facts.now, sink);
            }
        }
        Check::Signatures { documents, party, officers } => {
            for case in facts.cases {
                signatures(documents, *party, *officers, case, facts.now, sink);
            }
        }
        Check::CertificateShown { documents } => {
            for case in facts.cases {
                certificate_shown(documents, case, index, sink);
            }
        }
        Check::RequiredDocuments { act_kinds, procedure, stage, documents } => {
            for case in facts.cases.iter().filter(|case| act_kinds.contains(&case.case.act_kind)) {
                if procedure.is_none_or(|procedure| procedure == case.case.procedure) {
                    required_documents(*stage, documents, case, sink);
                }
            }
        }
        Check::RecheckOverdue => {
            for case in facts.cases {
                recheck_overdue(case, facts.now, sink);
            }
        }
        Check::CorrectionPending { within } => {
            for case in facts.cases {
                correction(*within, case, facts.now, sink);
            }
        }
        Check::SpotCheck { min } => spot_check(*min, facts, index, sink),
    }
}

/// The latest review of each spot-checked record or case scores at least
/// `min` (叶县 第二十二条): a lower score is a finding naming the criteria
/// not met; a later, passing review answers it.
fn spot_check(min: u32, facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    for (subject, review) in crate::supervision::latest_reviews(facts.spot_check_reviews) {
        let score = review.score();
        if score.percent() >= min {
            continue;
        }
        let failed: Vec<&str> = review.failed().map(|mark| mark.description.as_str()).collect();
        let (subject, about, name) = match subject {
            crate::supervision::Sampled::Recording(media_id) => {
                let recording = index.recordings.get(&media_id);
                let about =
                    recording.map_or(About { case_id: None, unit_id: None, officer_id: None }, |recording| About::recording(recording));
                let name = recording.map_or_else(|| media_id.to_string(), |recording| recording.path_on_device.clone());
                (Subject::Recording { media_id }, about, name)
            }
            crate::supervision::Sampled::Case(case_id) => {
                let case = facts.cases.iter().find(|case| case.case.id == case_id);
                let about = case.map_or(About { case_id: Some(case_id), unit_id: None, officer_id: None }, |case| About::case(&case.case));
                let name = case.map_or_else(|| case_id.to_string(), |case| case.case.number.clone());
                (Subject::Case { case_id }, about, name)
            }
        };
        let mut message = format!("{name} 抽检得分 {}（{}/{} 分），低于 {min} 分", score.percent(), score.earned, score.possible);
        if !failed.is_empty() {
            message.push_str(&format!("；不符合：{}", failed.join("；")));
        }
        sink.finding(
            subject,
            about,
            message,
            vec![
                ("spot_check", review.check_id.to_string()),
                ("review", review.sequence.to_string()),
                ("reviewed_by", review.reviewed_by.clone()),
                ("reviewed_at", review.reviewed_at.to_string()),
            ],
            None,
        );
    }
}

fn recording_end(recording: &Recording) -> Option<Timestamp> {
    recording.corrected_end.or(recording.corrected_start)
}

/// Time spans, sorted by start, answering "does any overlap this one?" in
/// O(log n): a recording checked against every other was quadratic, hours
/// at a million recordings.
struct Spans {
    starts: Vec<Timestamp>,
    /// The latest end among the spans up to and including each position.
    latest_end: Vec<Timestamp>,
}

impl Spans {
    fn new(spans: impl Iterator<Item = (Timestamp, Timestamp)>) -> Self {
        let mut spans: Vec<(Timestamp, Timestamp)> = spans.collect();
        spans.sort_unstable();
        let starts = spans.iter().map(|(start, _)| *start).collect();
        let latest_end = spans
            .iter()
            .scan(None, |latest: &mut Option<Timestamp>, (_, end)| {
                let now = latest.map_or(*end, |latest| latest.max(*end));
                *latest = Some(now);
                Some(now)
            })
            .collect();
        Spans { starts, latest_end }
    }

    /// Whether a span meets `[start, end]` (touching counts).
    fn any_overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        // The spans that start by `end`; one of them must end at `start` or later.
        let begun = self.starts.partition_point(|other_start| *other_start <= end);
        begun > 0 && self.latest_end[begun - 1] >= start
    }
}

fn offload_deadline(within: SignedDuration, facts: &Facts<'_>, sink: &mut Sink<'_>) {
    for recording in facts.recordings {
        let Some(end) = recording_end(recording) else { continue };
        if let Some(waited) = recording.offload_delay(within) {
            sink.finding(
                Subject::Recording { media_id: recording.media_id },
                About::recording(recording),
                format!("{} 结束后 {} 才导出存储，超过 {} 的时限", recording.path_on_device, duration_zh(waited), duration_zh(within)),
                vec![("ended_at", end.to_string()), ("ingested_at", recording.ingested_at.to_string())],
                end.checked_add(within).ok(),
            );
        }
    }
}

fn link_deadline(within: SignedDuration, facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    for recording in facts.recordings {
        // Without a recorded time, the clock starts when it was offloaded.
        let end = recording_end(recording).unwrap_or(recording.ingested_at);
        let Ok(due) = end.checked_add(within) else { continue };
        let linked = index.links.get(&recording.media_id).into_iter().flatten().map(|link| link.linked_at);
        let labeled = index.labels.get(&recording.media_id).into_iter().flatten().map(|label| label.labeled_at);
        let first = linked.chain(labeled).min();
        let name = &recording.path_on_device;
        sink.deadline(
            facts.now,
            Subject::Recording { media_id: recording.media_id },
            About::recording(recording),
            due,
            first,
            |late| match late {
                Some(late) => format!("{name} 结束 {} 后才关联或标注，超过时限 {}", duration_zh(within + late), duration_zh(late)),
                None => format!("{name} 结束已超过 {}，仍未关联案件或标注", duration_zh(within)),
            },
            || format!("关联或标注 {name}"),
            vec![("ended_at", end.to_string())],
        );
    }
}

fn interruption_explained(window: SignedDuration, facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    for gap in interruptions(facts.recordings, window) {
        let explained = index.explained(gap.before, gap.after, Some(gap.device_id));
        let before = index.recordings.get(&gap.before);
        let logged = before.and_then(|recording| recording.officer_id).is_some_and(|officer| index.logged(officer, gap.from, gap.to));
        if explained || logged {
            continue;
        }
        let about = before.map(|recording| About::recording(recording)).unwrap_or_default();
        sink.finding(
            Subject::Interruption { device_id: gap.device_id, before: gap.before, after: gap.after },
            about,
            format!(
                "设备 {} 在 {} 与 {} 之间中断 {}，未说明中断原因",
                index.device_serial(gap.device_id),
                index.recording_name(gap.before),
                index.recording_name(gap.after),
                duration_zh(SignedDuration::from_millis(gap.gap_ms))
            ),
            vec![("from", gap.from.to_string()), ("to", gap.to.to_string()), ("gap_ms", gap.gap_ms.to_string())],
            None,
        );
    }
}

fn clock_drift(threshold: SignedDuration, facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    // A camera's clock is measured once per offload, so its drift is one
    // finding per device and day, not one per file.
    let mut device_days = BTreeSet::new();
    for recording in facts.recordings {
        for drift in recording.drift(threshold) {
            match drift {
                Drift::DeviceClock { millis } => {
                    let day = recording.ingested_at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
                    if !device_days.insert((recording.device_id, day.clone())) {
                        continue;
                    }
                    sink.finding(
                        Subject::Device { device_id: recording.device_id, day },
                        About::recording(recording),
                        format!(
                            "设备 {} 导出时时钟{} {}，超过 {}，未校准时间",
                            index.device_serial(recording.device_id),
                            if millis > 0 { "快" } else { "慢" },
                            duration_zh(SignedDuration::from_millis(millis)),
                            duration_zh(threshold)
                        ),
                        vec![("offset_ms", millis.to_string()), ("measured_at", recording.ingested_at.to_string())],
                        None,
                    );
                }
                Drift::FileTimes { millis } => sink.finding(
                    Subject::Recording { media_id: recording.media_id },
                    About::recording(recording),
                    format!(
                        "{} 的文件名时间与文件内记录时间相差 {}，超过 {}",
                        recording.path_on_device,
                        duration_zh(SignedDuration::from_millis(millis)),
                        duration_zh(threshold)
                    ),
                    vec![("difference_ms", millis.to_string())],
                    None,
                ),
            }
        }
    }
}

fn playback(facts: &Facts<'_>, sink: &mut Sink<'_>) {
    for recording in facts.recordings {
        if let Playback::Failed { detail } = &recording.playback {
            sink.finding(
                Subject::Recording { media_id: recording.media_id },
                About::recording(recording),
                format!("{} 无法正常回放（已保留原件）", recording.path_on_device),
                vec![("detail", detail.clone())],
                None,
            );
        }
    }
}

fn assistant_alone(facts: &Facts<'_>, index: &Index<'_>, sink: &mut Sink<'_>) {
    let qualified = |recording: &Recording| {
        recording.officer_id.and_then(|id| index.officers.get(&id)).is_some_and(|officer| officer.qualification == Qualification::Officer)
    };
    let qualified_spans = Spans::new(
        facts
            .recordings
            .iter()
            .filter(|recording| qualified(recording))
            .filter_map(|recording| recording.corrected_start.zip(recording_end(recording))),
    );
    let cases: std::collections::HashMap<_, &CaseFacts> = facts.cases.iter().map(|case| (case.case.id, case)).collect();
    for recording in facts.recordings {
        let Some(officer) = recording.officer_id.and_then(|id| index.officers.get(&id)) else { continue };
        if officer.qualification != Qualification::Assistant {
            continue;
        }
        // A qualified officer recorded alongside: at overlapping times, or
        // linked to the same stage of the same case. (An assistant's own
        // recording is never among the qualified ones.)
        let overlapping =
            recording.corrected_start.zip(recording_end(recording)).is_some_and(|(start, end)| qualified_spans.any_overlaps(start, end));
        let links = index.links.get(&recording.media_id).map(Vec::as_slice).unwrap_or_default();
        let same_stage = links.iter().any(|link| {
            cases.get(&link.case_id).into_iter().flat_map(|case| &case.links).any(|other| {
                other.media_id != recording.media_id
                    && other.stage == link.stage
                    && index.recordings.get(&other.media_id).is_some_and(|other| qualified(other))
            })
        });
        if overlapping || same_stage {
            continue;
        }
        sink.finding(
            Subject::Recording { media_id: recording.media_id },
            About::recording(recording),
            format!("{} 由协助执法人员 {} 单独记录，同一时段没有执法人员记录", recording.path_on_device, officer.name),
            vec![("officer", officer.badge_no.clone())],
            None,
        );
    }
}

/// One event that calls for an AV record at a stage.
struct Occasion {
    event: String,
    stage: Stage,
    at: Timestamp,
    what: String,
}

fn entered(steps: &[StageStep], stage: Stage) -> impl Iterator<Item = &StageStep> {
    steps.iter().filter(move |step| matches!(step.step, Step::Enter { stage: entered } if entered == stage))
}

/// The current (not corrected) versions of a case's documents.
fn current(case: &CaseFacts) -> impl Iterator<Item = &Document> {
    case.documents.iter().filter(|document| !case.documents.iter().any(|other| other.supersedes == Some(document.id)))
}

/// The first version of each document: when the event it records happened.
fn originals(case: &CaseFacts) -> impl Iterator<Item = &Document> {
    case.documents.iter().filter(|document| document.supersedes.is_none())
}

fn occasions(trigger: &AvTrigger, case: &CaseFacts) -> Vec<Occasion> {
    let mut found = Vec::new();
    for stage in &trigger.stages {
        if let Some(step) = entered(&case.steps, *stage).next() {
            found.push(Occasion {
                event: format!("stage:{}", stage.label_zh()),
                stage: *stage,
                at: step.at,
                what: stage.label_zh().to_owned(),
            });
        }
    }
    for document in originals(case) {
        if trigger.documents.contains(&document.kind) {
            found.push(Occasion {
                event: document.id.subject(),
                stage: document.stage,
                at: document.made_at,
                what: document.kind.label_zh().to_owned(),
            });
        }
        if document.kind == DocumentKind::ServiceReceipt {
            let method = document.fields.get("method").and_then(|method| service_method(method));
            let wanted = trigger.service_methods.iter().any(|wanted| service_method(wanted) == method && method.is_some());
            if wanted {
                found.push(Occasion {
                    event: document.id.subject(),
                    stage: document.stage,
                    at: document.made_at,
                    what: format!("{}（{}）", document.kind.label_zh(), document.fields.get("method").map_or("", |m| m.as_str())),
                });
            }
        }
        if document.kind == DocumentKind::CoercionDecision && !trigger.modes.is_empty() {
            let mode = document.fields.get("mode").map_or("", String::as_str);
            if let Some(matched) = trigger.modes.iter().find(|wanted| mode.contains(wanted.as_str())) {
                // The record is of the execution itself, once it happens.
                if let Some(step) = entered(&case.steps, Stage::Execution).next() {
                    found.push(Occasion {
                        event: format!("{}/execution", document.id.subject()),
                        stage: Stage::Execution,
                        at: step.at,
                        what: format!("{matched}强制执行"),
                    });
                }
            }
        }
    }
    found
}

#[allow(clippy::too_many_arguments)]
fn av_required(
    trigger: &AvTrigger,
    within: SignedDuration,
    continuous: bool,
    case: &CaseFacts,
    facts: &Facts<'_>,
    index: &Index<'_>,
    sink: &mut Sink<'_>,
) {
    let number = &case.case.number;
    for occasion in occasions(trigger, case) {
        let links: Vec<_> = case
            .links
            .iter()
            .filter(|link| link.stage == occasion.stage && (trigger.items.is_empty() || trigger.items.contains(&link.item)))
            .collect();
        let Ok(due) = occasion.at.checked_add(within) else { continue };
        if links.is_empty() && logged_by_handler(case, index, occasion.at) {
            continue;
        }
        let subject = Subject::CaseEvent { case_id: case.case.id, event: occasion.event.clone() };
        let what = occasion.what.clone();
        let stage = occasion.stage.label_zh();
        sink.deadline(
            facts.now,
            subject.clone(),
            About::case(&case.case),
            due,
            links.iter().map(|link| link.linked_at).min(),
            |late| match late {
                Some(late) => format!("案件 {number} 的{what}的音像记录晚于时限 {} 才关联", duration_zh(late)),
                None => format!("案件 {number} 的{what}没有关联音像记录（{stage}环节）"),
            },
            || format!("为案件 {number} 的{what}关联音像记录（{stage}环节）"),
            vec![("stage", stage.to_owned()), ("event_at", occasion.at.to_string())],
        );
        if continuous && links.len() > 1 {
            let recordings: Vec<Recording> =
                links.iter().filter_map(|link| index.recordings.get(&link.media_id).map(|recording| (*recording).clone())).collect();
            // A gap between the linked recordings of one device is a break
            // in what should be one uninterrupted record; recordings hours
            // apart are separate sittings (a second questioning), not a break.
            let gaps = interruptions(&recordings, ONE_SITTING);
            let unexplained: Vec<_> = gaps.iter().filter(|gap| !index.explained(gap.before, gap.after, None)).collect();
            if let Some(gap) = unexplained.first() {
                sink.finding(
                    Subject::CaseEvent { case_id: case.case.id, event: format!("{}/continuity", occasion.event) },
                    About::case(&case.case),
                    format!(
                        "案件 {number} 的{what}的音像记录不连续：{} 与 {} 之间中断 {}，未说明原因",
                        index.recording_name(gap.before),
                        index.recording_name(gap.after),
                        duration_zh(SignedDuration::from_millis(gap.gap_ms))
                    ),
                    vec![("gaps", unexplained.len().to_string())],
                    None,
                );
            }
        }
    }
}

/// A handling officer's duty log says recording was impossible at `at`
/// (for this case, or for no case in particular): 厦门 六（二）.
fn logged_by_handler(case: &CaseFacts, index: &Index<'_>, at: Timestamp) -> bool {
    case.case.handlers.iter().any(|officer| {
        index.duty_log.get(officer).is_some_and(|entries| {
            entries.iter().any(|entry| entry.covers(*officer, at, at) && entry.case_id.is_none_or(|id| id == case.case.id))
        })
    })
}

fn min_devices(
    stages: &[Stage],
    min: u32,
    within: SignedDuration,
    case: &CaseFacts,
    facts: &Facts<'_>,
    index: &Index<'_>,
    sink: &mut Sink<'_>,
) {
    for stage in stages {
        let Some(step) = entered(&case.steps, *stage).next() else { continue };
        let devices: BTreeSet<_> = case
            .links
            .iter()
            .filter(|link| link.stage == *stage)
            .filter_map(|link| index.recordings.get(&link.media_id).map(|recording| recording.device_id))
            .collect();
        if devices.len() >= min as usize || logged_by_handler(case, index, step.at) {
            continue;
        }
        let Ok(due) = step.at.checked_add(within) else { continue };
        let subject = Subject::CaseEvent { case_id: case.case.id, event: format!("devices:{}", stage.label_zh()) };
        let message = format!(
            "案件 {} 的{}环节只有 {} 部设备的音像记录，应至少 {} 部从不同角度同时录像",
            case.case.number,
            stage.label_zh(),
            devices.len(),
            min
        );
        if facts.now > due {
            sink.finding(subject, About::case(&case.case), message, vec![("devices", devices.len().to_string())], Some(due));
        } else {
            sink.upcoming(subject, About::case(&case.case), message, due);
        }
    }
}

fn approval_before_decision(documents: &[DocumentKind], chain: &[ApprovalRole], case: &CaseFacts, sink: &mut Sink<'_>) {
    // Simple-procedure decisions have their own short chain (大连 第十六条).
    if case.case.procedure != Procedure::General {
        return;
    }
    for document in originals(case).filter(|document| documents.contains(&document.kind)) {
        let completed = chain_completed_at(chain, ApprovalMatter::Decision, &case.approvals);
        if completed.is_some_and(|completed| completed <= document.made_at) {
            continue;
        }
        let before: Vec<_> = case.approvals.iter().filter(|approval| approval.at <= document.made_at).cloned().collect();
        let missing = crate::case::chain_next_in(chain, ApprovalMatter::Decision, &before).map_or("审批", ApprovalRole::label_zh);
        sink.finding(
            Subject::Document { document_id: document.id },
            About::case(&case.case),
            format!(
                "案件 {} 的{}作出时审批尚未完成（缺少{}意见），应按{}顺序审批后再作出决定",
                case.case.number,
                document.kind.label_zh(),
                missing,
                chain.iter().map(|role| role.label_zh()).collect::<Vec<_>>().join("→")
            ),
            vec![("made_at", document.made_at.to_string())],
            None,
        );
    }
}

fn emergency_approval(within: SignedDuration, case: &CaseFacts, now: Timestamp, sink: &mut Sink<'_>) {
    let Some(started) = case.steps.iter().find(|step| step.emergency) else { return };
    let Ok(due) = started.at.checked_add(within) else { return };
    let chain = crate::case::approval_chain(&case.case, ApprovalMatter::Start);
    let approved = chain_completed_at(chain, ApprovalMatter::Start, &case.approvals);
    let number = &case.case.number;
    let next = chain_next(&case.case, ApprovalMatter::Start, &case.approvals).map_or("", ApprovalRole::label_zh);
    sink.deadline(
        now,
        Subject::CaseEvent { case_id: case.case.id, event: "emergency-start".into() },
        About::case(&case.case),
        due,
        approved,
        |late| match late {
            Some(late) => format!("案件 {number} 紧急启动后，立案审批超过时限 {} 才完成", duration_zh(late)),
            None => format!("案件 {number} 紧急启动已超过 {}，仍未补报批准（待{next}意见）", duration_zh(within)),
        },
        || format!("补报案件 {number} 的立案审批（待{next}意见）"),
        vec![("started_at", started.at.to_string())],
    );
}

fn archive_deadline(within: SignedDuration, case: &CaseFacts, now: Timestamp, sink: &mut Sink<'_>) {
    let progress = Progress::of(&case.case, &case.steps);
    let Some(concluded) = progress.concluded_at else { return };
    let Ok(due) = concluded.checked_add(within) else { return };
    let archived = case.steps.iter().find(|step| step.step == Step::Archive).map(|step| step.at);
    let number = &case.case.number;
    sink.deadline(
        now,
        Subject::CaseEvent { case_id: case.case.id, event: "archive".into() },
        About::case(&case.case),
        due,
        archived,
        |late| match late {
            Some(late) => format!("案件 {number} 终结后超过时限 {} 才归档", duration_zh(late)),
            None => format!("案件 {number} 终结已超过 {}，尚未归档", duration_zh(within)),
        },
        || format!("归档案件 {number}"),
        vec![("concluded_at", concluded.to_string())],
    );
}

fn signatures(documents: &[DocumentKind], party: bool, officers: u32, case: &CaseFacts, now: Timestamp, sink: &mut Sink<'_>) {
    for document in current(case).filter(|document| documents.contains(&document.kind)) {
        let signed: Vec<_> = case.signatures.iter().filter(|signature| signature.document_id == document.id).collect();
        let party_recorded = signed.iter().any(|signature| matches!(signature.signer, Signer::Party { .. }));
        let officer_count = signed
            .iter()
            .filter(|signature| signature.refusal.is_none())
            .filter_map(|signature| match &signature.signer {
                Signer::Officer { officer_id, .. } => Some(*officer_id),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .len();
        let mut missing = Vec::new();
        if party && !party_recorded {
            missing.push("当事人签字（或拒签记录）".to_owned());
        }
        if (officer_count as u32) < officers {
            missing.push(format!("执法人员签字（{officer_count}/{officers}）"));
        }
        if missing.is_empty() {
            continue;
        }
        let Ok(due) = document.made_at.checked_add(SIGNING_GRACE) else { continue };
        let subject = Subject::Document { document_id: document.id };
        let message =
            format!("案件 {} 的{}（第{}版）缺少{}", case.case.number, document.kind.label_zh(), document.version, missing.join("、"));
        if now > due {
            sink.finding(subject, About::case(&case.case), message, vec![("made_at", document.made_at.to_string())], None);
        } else {
            sink.upcoming(subject, About::case(&case.case), message, due);
        }
    }
}

fn certificate_shown(documents: &[DocumentKind], case: &CaseFacts, index: &Index<'_>, sink: &mut Sink<'_>) {
    for document in current(case).filter(|document| documents.contains(&document.kind)) {
        let not_shown: Vec<String> = case
            .signatures
            .iter()
            .filter(|signature| signature.document_id == document.id)
            .filter_map(|signature| match &signature.signer {
                Signer::Officer { officer_id, certificate_shown: false, .. } => Some(index.officer_name(Some(*officer_id))),
                _ => None,
            })
            .collect();
        if not_shown.is_empty() {
            continue;
        }
        sink.finding(
            Subject::Document { document_id: document.id },
            About::case(&case.case),
            format!("案件 {} 的{}中，执法人员 {} 未记录出示执法证件", case.case.number, document.kind.label_zh(), not_shown.join("、")),
            vec![("officers", not_shown.join(","))],
            None,
        );
    }
}

fn required_documents(stage: Stage, documents: &[Vec<DocumentKind>], case: &CaseFacts, sink: &mut Sink<'_>) {
    let general = case.case.act_kind.general_stages();
    // The case has gone past `stage` once it entered a later general stage.
    let Some(position) = case.steps.iter().position(|step| matches!(step.step, Step::Enter { stage: entered } if entered == stage)) else {
        return;
    };
    let order = |stage: Stage| general.iter().position(|candidate| *candidate == stage);
    let passed = case.steps[position + 1..].iter().find(|step| match step.step {
        Step::Enter { stage: later } => match (order(later), order(stage)) {
            (Some(later), Some(this)) => later > this,
            (Some(_), None) => true,
            _ => false,
        },
        _ => false,
    });
    let Some(passed) = passed else { return };
    for group in documents {
        if case.documents.iter().any(|document| group.contains(&document.kind)) {
            continue;
        }
        let names = group.iter().map(|kind| kind.label_zh()).collect::<Vec<_>>().join("或");
        sink.finding(
            Subject::CaseEvent { case_id: case.case.id, event: format!("documents:{}:{}", stage.label_zh(), names) },
            About::case(&case.case),
            format!("案件 {} 已过{}环节，缺少{}", case.case.number, stage.label_zh(), names),
            vec![("stage", stage.label_zh().to_owned()), ("passed_at", passed.at.to_string())],
            None,
        );
    }
}

fn recheck_overdue(case: &CaseFacts, now: Timestamp, sink: &mut Sink<'_>) {
    for document_id in overdue_rechecks(&case.documents, &case.steps, now) {
        let due =
            case.documents.iter().find(|document| document.id == document_id).and_then(|document| document.fields.get("due_by")).cloned();
        sink.finding(
            Subject::Document { document_id },
            About::case(&case.case),
            format!("案件 {} 的责令改正已过期限（{}），尚未记录复查", case.case.number, due.as_deref().unwrap_or("")),
            vec![("due_by", due.unwrap_or_default())],
            None,
        );
    }
}

fn correction(within: SignedDuration, case: &CaseFacts, now: Timestamp, sink: &mut Sink<'_>) {
    for version in current(case).filter(|document| document.supersedes.is_some()) {
        let signed: Vec<_> = case.signatures.iter().filter(|signature| signature.document_id == version.id).cloned().collect();
        let Some(pending) = correction_pending(version, &signed, &case.documents) else { continue };
        let Ok(due) = version.made_at.checked_add(within) else { continue };
        let subject = Subject::Document { document_id: version.id };
        let message = format!("案件 {} 的{}更正为第{}版后，尚缺{}", case.case.number, version.kind.label_zh(), version.version, pending);
        if now > due {
            sink.finding(subject, About::case(&case.case), message, vec![("made_at", version.made_at.to_string())], Some(due));
        } else {
            sink.upcoming(subject, About::case(&case.case), message, due);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_find_overlaps_whatever_their_order() {
        let at = |minute: i64| Timestamp::UNIX_EPOCH + SignedDuration::from_mins(minute);
        // A long span early, short ones later, given out of order.
        let spans = Spans::new([(at(50), at(55)), (at(0), at(40)), (at(60), at(61))].into_iter());
        assert!(spans.any_overlaps(at(30), at(45)), "inside the long one, which a later short one does not hide");
        assert!(spans.any_overlaps(at(40), at(41)), "touching counts");
        assert!(spans.any_overlaps(at(45), at(50)));
        assert!(!spans.any_overlaps(at(41), at(49)), "between spans");
        assert!(!spans.any_overlaps(at(56), at(59)));
        assert!(!spans.any_overlaps(at(62), at(90)), "after every span");
        assert!(!spans.any_overlaps(at(-10), at(-1)), "before every span");
        assert!(!Spans::new(std::iter::empty()).any_overlaps(at(0), at(1)));
    }
}

//! Labels on AV records that belong to no case, findings raised against
//! the policy pack in force, and the one resolution each finding may
//! have. Nothing here is updated or deleted: a breach that comes back
//! after it was resolved is raised again as the next generation.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::case::{Case, RecordedItem};
use liuhen_core::compliance::{Finding, FindingResolution, MisconductRef, ResolutionKind, StoredFinding, Subject};
use liuhen_core::id::{DeviceId, FindingId, MediaId, OfficerId, UnitId};
use liuhen_core::mutation::Mutation;
use liuhen_core::pack::Severity;
use liuhen_core::recording::{DutyLogEntry, RecordingLabel};
use liuhen_core::regulation::Citation;
use liuhen_store::{FindingQuery, MetaStore, StoreError};

use crate::support::{event, media, sorted_by, Directory, Event, Writer};

on_every_backend!(
    labels_round_trip_in_order(store),
    duty_log_round_trips_per_officer_in_order(store),
    findings_round_trip_whole_with_their_resolutions(store),
    findings_filter_by_openness_case_unit_and_time(store),
    a_duplicate_generation_is_a_conflict_and_keeps_nothing(store),
    a_finding_is_resolved_once(store),
    a_breach_that_comes_back_after_resolution_is_the_next_generation(store),
);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + seconds).unwrap()
}

fn label(media_id: MediaId, sequence: u32, officer_id: Option<OfficerId>, seconds: i64) -> RecordingLabel {
    RecordingLabel {
        media_id,
        sequence,
        item: if sequence == 0 { RecordedItem::OnSiteInspection } else { RecordedItem::Other },
        location: "思明区中山路 12 号𠮷".into(),
        label: format!("巡查：人行道摆摊（第{sequence}次标注）"),
        officer_id,
        labeled_at: at(seconds),
        labeled_by: "console:test".into(),
    }
}

/// Who and what a finding is about, besides its subject.
#[derive(Clone, Copy, Default)]
struct About {
    case: Option<liuhen_core::id::CaseId>,
    unit: Option<UnitId>,
    officer: Option<OfficerId>,
}

impl About {
    fn case(case: &Case) -> About {
        About { case: Some(case.id), unit: Some(case.unit_id), officer: Some(case.lead_officer) }
    }
}

/// A finding as the engine makes it, every field filled in.
fn finding(rule_id: &str, subject: Subject, about: About) -> Finding {
    Finding {
        key: format!("{rule_id}/{}", subject.key()),
        rule_id: rule_id.into(),
        check: "link_deadline".into(),
        source: Citation { file: "004_78d39a83e0fe43df.txt".into(), article: "五".into() },
        description: "音像记录应在规定时限内关联案件或标注".into(),
        severity: Severity::High,
        pack_id: "xiamen-cgj".into(),
        pack_version: "2026.1".into(),
        subject,
        case_id: about.case,
        unit_id: about.unit,
        officer_id: about.officer,
        message: "录像 DCIM/100MEDIA/录像 01.MP4 结束后 3 天 2 小时仍未关联或标注".into(),
        evidence: [("recording_end", "2026-11-18T08:00:00Z"), ("limit", "72h")]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .into(),
        due: Some(at(-3_600)),
        misconduct: vec![MisconductRef {
            id: "no-link".into(),
            source: Citation { file: "002_628f6a77322dc41d.txt".into(), article: "第十八条".into() },
            description: "未按规定关联音像记录".into(),
        }],
    }
}

fn raised(finding: Finding, generation: u32, seconds: i64) -> StoredFinding {
    StoredFinding {
        id: FindingId::new(),
        generation,
        finding,
        raised_at: at(seconds),
        raised_by: "system:compliance".into(),
        resolution: None,
    }
}

fn resolution(stored: &StoredFinding, kind: ResolutionKind, officer_id: Option<OfficerId>, seconds: i64) -> FindingResolution {
    FindingResolution {
        finding_id: stored.id,
        kind,
        note: match kind {
            ResolutionKind::Facts => "已补充关联至案件".into(),
            ResolutionKind::Waiver => "情况说明：设备故障，已核实".into(),
        },
        officer_id,
        at: at(seconds),
        by: "console:leader".into(),
    }
}

/// `stored` as the store returns it once `resolution` is recorded.
fn resolved(stored: &StoredFinding, resolution: &FindingResolution) -> StoredFinding {
    StoredFinding { resolution: Some(resolution.clone()), ..stored.clone() }
}

fn raise(stored: &StoredFinding) -> Mutation {
    Mutation::RaiseFinding(Box::new(stored.clone()))
}

fn resolve(resolution: &FindingResolution) -> Mutation {
    Mutation::ResolveFinding(Box::new(resolution.clone()))
}

fn a_recording(media_id: MediaId) -> Subject {
    Subject::Recording { media_id }
}

async fn duty_log_round_trips_per_officer_in_order(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let entry = |officer: OfficerId, sequence: u32, reason: &str| DutyLogEntry {
        officer_id: officer,
        sequence,
        from: at(100),
        to: at(200 + i64::from(sequence)),
        reason: reason.into(),
        case_id: None,
        reported_to: Some(directory.assistant.id),
        recorded_at: at(300),
        recorded_by: "console:test".into(),
    };
    let first = entry(directory.officer.id, 0, "暴雨，执法记录仪无法使用");
    let second = entry(directory.officer.id, 1, "设备故障 𠮷");
    let other = entry(directory.assistant.id, 0, "电量耗尽");
    let of = |entry: &DutyLogEntry| Mutation::RecordDutyLog(Box::new(entry.clone()));
    writer.record_mutations([of(&second), of(&other)]).await;
    writer.record_mutations([of(&first)]).await;
    assert_eq!(store.duty_log(Some(directory.officer.id)).await.unwrap(), [first.clone(), second.clone()]);
    let every = sorted_by(&[first.clone(), second.clone(), other.clone()], |entry| (entry.officer_id, entry.sequence));
    assert_eq!(store.duty_log(None).await.unwrap(), every);
    match writer.commit(&[event(of(&entry(directory.officer.id, 1, "again")))]).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("duty log entry number 1"), "{message}"),
        other => panic!("a second entry number 1 gave {other:?}"),
    }
    assert_eq!(store.duty_log(None).await.unwrap(), every, "nothing half-written");
}

async fn labels_round_trip_in_order(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let patrol = media(b"patrol footage", Some(directory.camera.id));
    let other = media(b"other footage", Some(directory.camera.id));
    writer.record_mutations([Mutation::CreateMedia(patrol.clone()), Mutation::CreateMedia(other.clone())]).await;
    let patrol_labels = [
        label(patrol.id, 0, Some(directory.officer.id), 10),
        label(patrol.id, 1, None, 20),
        label(patrol.id, 2, Some(directory.assistant.id), 30),
    ];
    let other_label = label(other.id, 0, Some(directory.officer.id), 15);
    // Written across batches and recordings, not in the order read.
    let label_of = |label: &RecordingLabel| Mutation::LabelRecording(Box::new(label.clone()));
    writer.record_mutations([label_of(&other_label), label_of(&patrol_labels[0])]).await;
    writer.record_mutations([label_of(&patrol_labels[1]), label_of(&patrol_labels[2])]).await;

    assert_eq!(store.recording_labels(Some(patrol.id)).await.unwrap(), patrol_labels);
    assert_eq!(store.recording_labels(Some(other.id)).await.unwrap(), std::slice::from_ref(&other_label));
    assert_eq!(store.recording_labels(Some(MediaId::new())).await.unwrap(), []);
    let mut every = patrol_labels.to_vec();
    every.push(other_label.clone());
    let every = sorted_by(&every, |label| (label.media_id, label.sequence));
    assert_eq!(store.recording_labels(None).await.unwrap(), every, "ordered by recording, then sequence");

    let twice = writer.commit(&[event(label_of(&label(patrol.id, 1, None, 40)))]).await;
    match twice {
        Err(StoreError::Conflict(message)) => assert!(message.contains("already has label number 1"), "{message}"),
        other => panic!("a second label number 1 gave {other:?}"),
    }
    let nowhere = writer.commit(&[event(label_of(&label(MediaId::new(), 0, None, 40)))]).await;
    match nowhere {
        Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{message}"),
        other => panic!("a label on media that does not exist gave {other:?}"),
    }
    assert_eq!(store.recording_labels(None).await.unwrap(), every);
}

async fn findings_round_trip_whole_with_their_resolutions(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let case = super::cases::case(&directory, "思城管罚〔2026〕7号", 0);
    writer.record_mutations([Mutation::CreateCase(Box::new(case.clone()))]).await;
    let clip = MediaId::new();
    let of_case = raised(finding("case-link", Subject::Case { case_id: case.id }, About::case(&case)), 0, 300);
    let about_officer = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
    let of_recording = raised(finding("link-72h", a_recording(clip), about_officer), 0, 100);
    let device = Subject::Device { device_id: DeviceId::new(), day: "2026-11-18".into() };
    // About nobody in particular, and raised at the same moment as the
    // one before it: ties are broken by id.
    let of_device = raised(finding("daily-offload", device, About::default()), 3, 100);
    writer.record_mutations([raise(&of_case), raise(&of_recording), raise(&of_device)]).await;

    let waived = resolution(&of_recording, ResolutionKind::Waiver, Some(directory.officer.id), 400);
    let answered = resolution(&of_case, ResolutionKind::Facts, None, 500);
    writer.record_mutations([resolve(&waived), resolve(&answered)]).await;

    let of_recording = resolved(&of_recording, &waived);
    let of_case = resolved(&of_case, &answered);
    let expected = sorted_by(&[of_case.clone(), of_recording.clone(), of_device.clone()], |stored| (stored.raised_at, stored.id));
    assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), expected);
    for stored in &expected {
        assert_eq!(store.finding(stored.id).await.unwrap().as_ref(), Some(stored));
    }
    assert_eq!(store.finding(FindingId::new()).await.unwrap(), None);
}

async fn findings_filter_by_openness_case_unit_and_time(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let (first_case, second_case) = (super::cases::case(&directory, "罚-合规-1", 0), super::cases::case(&directory, "罚-合规-2", 1));
    writer
        .record_mutations([Mutation::CreateCase(Box::new(first_case.clone())), Mutation::CreateCase(Box::new(second_case.clone()))])
        .await;
    let in_brigade = About { unit: Some(directory.brigade.id), ..About::default() };
    let first = raised(finding("case-link", Subject::Case { case_id: first_case.id }, About::case(&first_case)), 0, 100);
    let second = raised(finding("case-link", Subject::Case { case_id: second_case.id }, About::case(&second_case)), 0, 200);
    let brigade = raised(finding("link-72h", a_recording(MediaId::new()), in_brigade), 0, 300);
    let resolved_early = raised(finding("link-72h", a_recording(MediaId::new()), About::case(&first_case)), 0, 50);
    writer.record_mutations([raise(&first), raise(&second), raise(&brigade), raise(&resolved_early)]).await;
    let answered = resolution(&resolved_early, ResolutionKind::Facts, None, 60);
    writer.record_mutations([resolve(&answered)]).await;
    let resolved_early = resolved(&resolved_early, &answered);

    let find = |query: FindingQuery| {
        let store = store.clone();
        async move { store.findings(&query).await.unwrap() }
    };
    assert_eq!(find(FindingQuery::default()).await, [resolved_early.clone(), first.clone(), second.clone(), brigade.clone()]);
    let open = FindingQuery { open_only: true, ..FindingQuery::default() };
    assert_eq!(find(open.clone()).await, [first.clone(), second.clone(), brigade.clone()]);
    let of_first_case = FindingQuery { case: Some(first_case.id), ..FindingQuery::default() };
    assert_eq!(find(of_first_case.clone()).await, [resolved_early.clone(), first.clone()]);
    assert_eq!(find(FindingQuery { open_only: true, ..of_first_case }).await, std::slice::from_ref(&first));
    let of_squad = FindingQuery { unit: Some(directory.squad.id), ..FindingQuery::default() };
    assert_eq!(find(of_squad).await, [resolved_early.clone(), first.clone(), second.clone()], "the squad's own, not the brigade's");
    let of_brigade = FindingQuery { unit: Some(directory.brigade.id), ..FindingQuery::default() };
    assert_eq!(find(of_brigade).await, std::slice::from_ref(&brigade), "a unit's own findings, not those of the units under it");
    assert_eq!(find(FindingQuery { case: Some(liuhen_core::id::CaseId::new()), ..FindingQuery::default() }).await, []);

    // `raised_from` is inclusive, `raised_to` exclusive.
    let window = FindingQuery { raised_from: Some(first.raised_at), raised_to: Some(brigade.raised_at), ..FindingQuery::default() };
    assert_eq!(find(window.clone()).await, [first.clone(), second.clone()]);
    assert_eq!(find(FindingQuery { raised_from: None, ..window.clone() }).await, [resolved_early.clone(), first.clone(), second.clone()]);
    assert_eq!(find(FindingQuery { raised_to: None, ..window }).await, [first.clone(), second.clone(), brigade.clone()]);
    let everything = FindingQuery {
        open_only: true,
        case: Some(second_case.id),
        unit: Some(directory.squad.id),
        raised_from: Some(second.raised_at),
        raised_to: Some(at(201)),
    };
    assert_eq!(find(everything).await, std::slice::from_ref(&second), "every condition holds at once");
}

/// What must still be true after a refused batch: the ledger is as the
/// writer last committed it, and none of the batch's labels or findings
/// were kept.
async fn assert_nothing_kept(writer: &Writer, refused: &[Event], findings: &[StoredFinding]) {
    let store = writer.store.as_ref();
    crate::support::assert_ledger_is(store, &writer.committed).await;
    let would_be = writer.prepare(refused);
    let node_ids: Vec<_> = would_be.batch.nodes.iter().map(|(id, _)| *id).collect();
    assert!(store.ledger_nodes(&node_ids).await.unwrap().iter().all(Option::is_none), "a refused batch left tree nodes behind");
    assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), findings);
    assert_eq!(store.recording_labels(None).await.unwrap(), []);
}

async fn a_duplicate_generation_is_a_conflict_and_keeps_nothing(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let clip = media(b"footage never linked", Some(directory.camera.id));
    writer.record_mutations([Mutation::CreateMedia(clip.clone())]).await;
    let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
    let first = raised(finding("link-72h", a_recording(clip.id), about), 0, 100);
    writer.record_mutations([raise(&first)]).await;

    // Another refresh raised the same breach meanwhile: its batch,
    // with a label and a finding that is new, goes nowhere.
    let racing = raised(finding("link-72h", a_recording(clip.id), about), 0, 110);
    let new_elsewhere = raised(finding("offload-24h", a_recording(clip.id), about), 0, 110);
    let events =
        [event(Mutation::LabelRecording(Box::new(label(clip.id, 0, None, 105)))), event(raise(&new_elsewhere)), event(raise(&racing))];
    match writer.commit(&events).await {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains(&first.finding.key) && message.contains("already been raised"), "{message}");
            assert!(message.contains("nothing was changed"), "{message}");
        }
        other => panic!("a second generation 0 of {} gave {other:?}", first.finding.key),
    }
    assert_nothing_kept(&writer, &events, std::slice::from_ref(&first)).await;
    assert_eq!(store.finding(racing.id).await.unwrap(), None);

    // A finding that comes already resolved is refused the same way.
    let mut born_resolved = raised(finding("offload-24h", a_recording(clip.id), about), 0, 120);
    born_resolved.resolution = Some(resolution(&born_resolved, ResolutionKind::Waiver, None, 120));
    let events = [event(raise(&new_elsewhere)), event(raise(&born_resolved))];
    match writer.commit(&events).await {
        Err(StoreError::Conflict(message)) => assert!(message.contains("resolved by an event of its own"), "{message}"),
        other => panic!("a finding raised with its resolution gave {other:?}"),
    }
    assert_nothing_kept(&writer, &events, std::slice::from_ref(&first)).await;

    // Without the duplicate, the same batch goes in whole.
    writer.record(&events[..1]).await;
    assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), [first, new_elsewhere]);
}

async fn a_finding_is_resolved_once(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
    let open = raised(finding("link-72h", a_recording(MediaId::new()), about), 0, 100);
    writer.record_mutations([raise(&open)]).await;
    assert_eq!(store.finding(open.id).await.unwrap().and_then(|stored| stored.resolution), None);

    let waived = resolution(&open, ResolutionKind::Waiver, Some(directory.officer.id), 200);
    writer.record_mutations([resolve(&waived)]).await;
    let expected = resolved(&open, &waived);
    assert_eq!(store.finding(open.id).await.unwrap().as_ref(), Some(&expected));

    let again = writer.commit(&[event(resolve(&resolution(&open, ResolutionKind::Facts, None, 300)))]).await;
    match again {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains(&open.id.to_string()) && message.contains("already been resolved"), "{message}")
        }
        other => panic!("a second resolution gave {other:?}"),
    }
    let of_nothing = raised(finding("link-72h", a_recording(MediaId::new()), about), 0, 100);
    let unknown = writer.commit(&[event(resolve(&resolution(&of_nothing, ResolutionKind::Facts, None, 300)))]).await;
    match unknown {
        Err(StoreError::Conflict(message)) => assert!(message.contains("does not exist"), "{message}"),
        other => panic!("resolving a finding never raised gave {other:?}"),
    }
    assert_eq!(store.finding(open.id).await.unwrap().as_ref(), Some(&expected), "the first resolution stands");
    assert_eq!(store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await.unwrap(), []);
}

async fn a_breach_that_comes_back_after_resolution_is_the_next_generation(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let about = About { case: None, unit: Some(directory.squad.id), officer: Some(directory.officer.id) };
    let subject = a_recording(MediaId::new());
    let first = raised(finding("link-72h", subject.clone(), about), 0, 100);
    writer.record_mutations([raise(&first)]).await;
    let answered = resolution(&first, ResolutionKind::Facts, None, 200);
    writer.record_mutations([resolve(&answered)]).await;

    let back = raised(finding("link-72h", subject, about), 1, 300);
    assert_eq!(back.finding.key, first.finding.key);
    writer.record_mutations([raise(&back)]).await;
    let first = resolved(&first, &answered);
    assert_eq!(store.findings(&FindingQuery::default()).await.unwrap(), [first.clone(), back.clone()]);
    assert_eq!(store.findings(&FindingQuery { open_only: true, ..FindingQuery::default() }).await.unwrap(), std::slice::from_ref(&back));
    assert_eq!(store.finding(first.id).await.unwrap(), Some(first));
}

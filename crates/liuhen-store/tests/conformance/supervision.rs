//! Spot checks (抽检): what a plan may draw from, the drawn check with
//! its population, and reviews that are only added.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::case::{ActKind, RecordedItem, RecordingLink, Stage};
use liuhen_core::id::SpotCheckId;
use liuhen_core::mutation::Mutation;
use liuhen_core::recording::RecordingLabel;
use liuhen_core::supervision::{
    draw, members, population_digest, Candidate, Mark, Outcome, Population, SamplePlan, Sampled, SpotCheck, SpotCheckReview, Stratify,
};
use liuhen_store::{CandidateQuery, MetaStore, StoreError};

use crate::support::{event, media, Directory, Writer};

on_every_backend!(
    candidates_follow_the_plan(store),
    spot_checks_keep_their_population_and_reviews_are_only_added(store),
    device_events_are_numbered_and_an_assignment_moves_the_device(store),
);

async fn device_events_are_numbered_and_an_assignment_moves_the_device(store: Arc<dyn MetaStore>) {
    use liuhen_core::device::{DeviceEvent, DeviceEventKind};
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let device_event = |sequence: u32, kind: DeviceEventKind| DeviceEvent {
        device_id: directory.camera.id,
        sequence,
        kind,
        at: at(100 + i64::from(sequence)),
        note: "电量 20%，已充电".into(),
        officer_id: Some(directory.officer.id),
        recorded_at: at(200),
        recorded_by: "user:张伟".into(),
    };
    let checked = device_event(0, DeviceEventKind::Checked { battery_ok: false, storage_ok: true, clock_ok: true });
    let handed =
        device_event(1, DeviceEventKind::Assigned { officer_id: Some(directory.assistant.id), unit_id: Some(directory.brigade.id) });
    writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(checked.clone()))]).await;
    writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(handed.clone()))]).await;
    assert_eq!(store.device_events(Some(directory.camera.id)).await.unwrap(), [checked.clone(), handed.clone()]);
    assert!(store.device_events(Some(directory.spare_camera.id)).await.unwrap().is_empty());
    let camera = store.devices().await.unwrap().into_iter().find(|device| device.id == directory.camera.id).unwrap();
    assert_eq!((camera.assigned_officer, camera.unit_id), (Some(directory.assistant.id), Some(directory.brigade.id)));

    let again = writer.commit(&[event(Mutation::RecordDeviceEvent(Box::new(device_event(0, DeviceEventKind::Fault))))]).await;
    assert!(matches!(&again, Err(StoreError::Conflict(message)) if message.contains("already has event number 0")), "{again:?}");
    let back = device_event(2, DeviceEventKind::Assigned { officer_id: None, unit_id: Some(directory.squad.id) });
    writer.record_mutations([Mutation::RecordDeviceEvent(Box::new(back))]).await;
    let camera = store.devices().await.unwrap().into_iter().find(|device| device.id == directory.camera.id).unwrap();
    assert_eq!((camera.assigned_officer, camera.unit_id), (None, Some(directory.squad.id)), "back in the squad's store");
    assert_eq!(store.device_events(None).await.unwrap().len(), 3);
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + seconds).unwrap()
}

async fn candidates_follow_the_plan(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let files: Vec<_> = (0..4u8).map(|number| media(format!("spot {number}").as_bytes(), Some(directory.camera.id))).collect();
    writer.record_mutations(files.iter().cloned().map(Mutation::CreateMedia)).await;
    // Corrected starts at 104, 204, 304; the last has no known start.
    let mut recordings: Vec<_> = [Some(100), Some(200), Some(300), None]
        .into_iter()
        .zip(&files)
        .map(|(start, file)| super::recordings::recording(file.id, directory.camera.id, start, 1000))
        .collect();
    recordings[0].officer_id = Some(directory.officer.id);
    recordings[1].officer_id = Some(directory.assistant.id);
    recordings[2].device_id = directory.spare_camera.id;
    recordings[2].ingested_at = at(5000);
    writer.record_mutations(recordings.iter().cloned().map(|recording| Mutation::CreateRecording(Box::new(recording)))).await;
    let case = super::cases::case(&directory, "思城管罚〔2026〕9号", 150);
    let link = RecordingLink {
        case_id: case.id,
        media_id: files[0].id,
        stage: Stage::Intake,
        item: RecordedItem::Questioning,
        location: "中山路".into(),
        label: "询问当事人".into(),
        recording_end: None,
        linked_at: at(400),
        linked_by: "console:test".into(),
    };
    let label = RecordingLabel {
        media_id: files[1].id,
        sequence: 0,
        item: RecordedItem::Service,
        location: "中山路".into(),
        label: "送达".into(),
        officer_id: None,
        labeled_at: at(400),
        labeled_by: "console:test".into(),
    };
    writer
        .record_mutations([
            Mutation::CreateCase(Box::new(case.clone())),
            Mutation::LinkRecording(Box::new(link)),
            Mutation::LabelRecording(Box::new(label)),
        ])
        .await;

    let query = |population| CandidateQuery { population, from: at(0), until: at(1000), units: None, officer: None, recorded_by: None };
    let mut every = store.sample_candidates(&query(Population::Recordings)).await.unwrap();
    every.sort_by_key(|candidate| candidate.subject);
    let expected = vec![
        Candidate { subject: Sampled::Recording(files[0].id), act_kind: Some(ActKind::Penalty), item: Some(RecordedItem::Questioning) },
        Candidate { subject: Sampled::Recording(files[1].id), act_kind: None, item: Some(RecordedItem::Service) },
        Candidate { subject: Sampled::Recording(files[2].id), act_kind: None, item: None },
    ];
    assert_eq!(every, expected, "records without a known start are left out");
    let ids = |candidates: Vec<Candidate>| {
        let mut ids: Vec<Sampled> = candidates.into_iter().map(|candidate| candidate.subject).collect();
        ids.sort();
        ids
    };
    let period = CandidateQuery { from: at(104), until: at(304), ..query(Population::Recordings) };
    assert_eq!(ids(store.sample_candidates(&period).await.unwrap()), [Sampled::Recording(files[0].id), Sampled::Recording(files[1].id)]);
    let officer = CandidateQuery { officer: Some(directory.assistant.id), ..query(Population::Recordings) };
    assert_eq!(ids(store.sample_candidates(&officer).await.unwrap()), [Sampled::Recording(files[1].id)]);
    let squad = CandidateQuery { units: Some(vec![directory.squad.id]), ..query(Population::Recordings) };
    assert_eq!(ids(store.sample_candidates(&squad).await.unwrap()).len(), 2, "the officers' unit");
    let no_unit = CandidateQuery { units: Some(vec![]), ..query(Population::Recordings) };
    assert!(store.sample_candidates(&no_unit).await.unwrap().is_empty());
    let before = CandidateQuery { recorded_by: Some(at(4000)), ..query(Population::Recordings) };
    assert_eq!(store.sample_candidates(&before).await.unwrap().len(), 2, "not what was offloaded later");

    let cases = store.sample_candidates(&query(Population::Cases)).await.unwrap();
    assert_eq!(cases, [Candidate { subject: Sampled::Case(case.id), act_kind: Some(ActKind::Penalty), item: None }]);
    let other_unit = CandidateQuery { units: Some(vec![directory.brigade.id]), ..query(Population::Cases) };
    assert!(store.sample_candidates(&other_unit).await.unwrap().is_empty());
    let handled = CandidateQuery { officer: Some(directory.assistant.id), ..query(Population::Cases) };
    assert_eq!(store.sample_candidates(&handled).await.unwrap().len(), 1, "a case the assistant handles");
    let later = CandidateQuery { from: at(151), ..query(Population::Cases) };
    assert!(store.sample_candidates(&later).await.unwrap().is_empty());
}

async fn spot_checks_keep_their_population_and_reviews_are_only_added(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let seed = "ab".repeat(32);
    let candidates: Vec<Candidate> = (0..1200)
        .map(|number| Candidate {
            subject: Sampled::Recording(liuhen_core::id::MediaId::new()),
            act_kind: None,
            item: if number % 3 == 0 { Some(RecordedItem::Service) } else { None },
        })
        .collect();
    let population = members(&candidates, Stratify::RecordedItem);
    let check = SpotCheck {
        id: SpotCheckId::new(),
        plan: SamplePlan {
            population: Population::Recordings,
            unit_id: Some(directory.squad.id),
            officer_id: None,
            from: at(0),
            to: at(86_400),
            stratify: Stratify::RecordedItem,
            per_stratum: 4,
            seed: seed.clone(),
        },
        population_size: population.len() as u32,
        population_sha256: population_digest(&population),
        items: draw(&seed, 4, &population),
        drawn_at: at(90_000),
        drawn_by: "user:督察".into(),
        inspector: Some(directory.officer.id),
    };
    assert_eq!(check.items.len(), 8);
    writer.record_mutations([Mutation::DrawSpotCheck(Box::new(check.clone()), population.clone())]).await;
    assert_eq!(store.spot_check(check.id).await.unwrap().as_ref(), Some(&check));
    assert_eq!(store.spot_check(SpotCheckId::new()).await.unwrap(), None);
    let mut later = check.clone();
    later.id = SpotCheckId::new();
    later.drawn_at = at(95_000);
    later.items.truncate(1);
    writer.record_mutations([Mutation::DrawSpotCheck(Box::new(later.clone()), population[..10].to_vec())]).await;
    assert_eq!(store.spot_checks().await.unwrap(), [later.clone(), check.clone()], "newest first");

    let stored = store.spot_check_population(check.id).await.unwrap();
    assert_eq!(stored.len(), 1200, "every member, past the 500 of one statement");
    assert_eq!(population_digest(&stored), check.population_sha256);
    assert_eq!(draw(&seed, 4, &stored), check.items, "the sample is drawn again from what was kept");
    assert_eq!(store.spot_check_population(later.id).await.unwrap().len(), 10);
    let first = check.items[0].subject.id_text();
    assert_eq!(store.spot_checks_drawing(std::slice::from_ref(&first)).await.unwrap(), [later.id, check.id], "newest first");
    let second = check.items[1].subject.id_text();
    assert_eq!(store.spot_checks_drawing(&[second, "nothing".into()]).await.unwrap(), [check.id]);
    assert!(store.spot_checks_drawing(&[]).await.unwrap().is_empty());

    let review = |sequence: u32, outcome: Outcome| SpotCheckReview {
        check_id: check.id,
        position: 2,
        subject: check.items[2].subject,
        sequence,
        marks: vec![Mark { criterion: "told".into(), description: "告知当事人".into(), points: 10, outcome }],
        comment: "未告知当事人正在录像 'quoted'".into(),
        pack_id: "yexian-jtys".into(),
        pack_version: "1".into(),
        reviewed_at: at(100_000 + i64::from(sequence)),
        reviewed_by: "user:督察".into(),
        reviewer: Some(directory.officer.id),
    };
    writer.record_mutations([Mutation::ReviewSpotCheck(Box::new(review(0, Outcome::NotMet)))]).await;
    writer.record_mutations([Mutation::ReviewSpotCheck(Box::new(review(1, Outcome::Met)))]).await;
    let again = writer.commit(&[event(Mutation::ReviewSpotCheck(Box::new(review(1, Outcome::NotMet))))]).await;
    assert!(matches!(&again, Err(StoreError::Conflict(message)) if message.contains("already has review number 1")), "{again:?}");
    assert_eq!(store.spot_check_reviews(Some(check.id)).await.unwrap(), [review(0, Outcome::NotMet), review(1, Outcome::Met)]);
    assert!(store.spot_check_reviews(Some(later.id)).await.unwrap().is_empty());
    assert_eq!(store.spot_check_reviews(None).await.unwrap().len(), 2);
}

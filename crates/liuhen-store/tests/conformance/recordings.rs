//! Files offloaded from a device and officers' explanations of gaps.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::id::{DeviceId, MediaId};
use liuhen_core::mutation::Mutation;
use liuhen_core::recording::{ClockOffset, InterruptionNote, MediaKind, MediaProbe, OffsetMethod, Playback, Recording, StartSource};
use liuhen_store::{MetaStore, RecordingQuery, StoreError};

use crate::support::{event, media, Directory, Writer};

on_every_backend!(recordings_round_trip_and_filter(store), one_explanation_per_gap(store));

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + seconds).unwrap()
}

pub(super) fn recording(media_id: MediaId, device_id: DeviceId, start: Option<i64>, ingested: i64) -> Recording {
    Recording {
        media_id,
        device_id,
        officer_id: None,
        unit_id: None,
        path_on_device: "DCIM/100MEDIA/录像 01.MP4".into(),
        kind: MediaKind::Video,
        important: true,
        probe: MediaProbe {
            container: Some("mov,mp4,m4a,3gp,3g2,mj2".into()),
            video_codec: Some("hevc".into()),
            audio_codec: Some("aac".into()),
            width: Some(1920),
            height: Some(1080),
            duration_ms: Some(6 * 3600 * 1000),
            embedded_start: start.map(|start| at(start + 2)),
            error: None,
        },
        named_start: start.map(at),
        raw_start: start.map(at),
        start_source: start.map(|_| StartSource::FileName),
        clock_offset: Some(ClockOffset { millis: -4_000, method: OffsetMethod::ReportedClock }),
        corrected_start: start.map(|start| at(start + 4)),
        corrected_end: start.map(|start| at(start + 64)),
        playback: if start.is_some() { Playback::Ok } else { Playback::Failed { detail: "moov atom not found".into() } },
        workstation: "cjz-01".into(),
        ingested_at: at(ingested),
        ingested_by: "console:root@cjz-01".into(),
    }
}

async fn recordings_round_trip_and_filter(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let files: Vec<_> = (0..4u8).map(|number| media(format!("recording {number}").as_bytes(), Some(directory.camera.id))).collect();
    let mut on_camera = recording(files[0].id, directory.camera.id, Some(1_000), 90_000);
    on_camera.officer_id = Some(directory.officer.id);
    on_camera.unit_id = Some(directory.squad.id);
    let earlier = recording(files[1].id, directory.camera.id, Some(100), 90_001);
    let unknown_start = recording(files[2].id, directory.camera.id, None, 500);
    let on_spare = recording(files[3].id, directory.spare_camera.id, Some(2_000), 90_002);
    let mut mutations: Vec<_> = files.iter().cloned().map(Mutation::CreateMedia).collect();
    mutations
        .extend([&on_camera, &earlier, &unknown_start, &on_spare].map(|recording| Mutation::CreateRecording(Box::new(recording.clone()))));
    writer.record_mutations(mutations).await;

    assert_eq!(store.recording(files[0].id).await.unwrap().as_ref(), Some(&on_camera));
    assert_eq!(store.recording(files[2].id).await.unwrap().as_ref(), Some(&unknown_start));
    assert_eq!(store.recording(MediaId::new()).await.unwrap(), None);

    let all = store.recordings(&RecordingQuery::default()).await.unwrap();
    assert_eq!(all, [earlier.clone(), unknown_start.clone(), on_camera.clone(), on_spare.clone()], "ordered by start, else ingest time");
    let camera_only = RecordingQuery { device: Some(directory.camera.id), ..Default::default() };
    assert_eq!(store.recordings(&camera_only).await.unwrap(), [earlier.clone(), unknown_start.clone(), on_camera.clone()]);
    let window = RecordingQuery { from: Some(at(104)), to: Some(at(1_004)), ..Default::default() };
    assert_eq!(store.recordings(&window).await.unwrap(), [earlier.clone(), unknown_start.clone()], "from is inclusive, to is not");
    let officers = RecordingQuery { officer: Some(directory.officer.id), ..Default::default() };
    assert_eq!(store.recordings(&officers).await.unwrap(), [on_camera.clone()], "only recordings naming the officer");
    let nobody = RecordingQuery { officer: Some(directory.assistant.id), ..Default::default() };
    assert_eq!(store.recordings(&nobody).await.unwrap(), [], "an officer who recorded nothing has no recordings");
    let both = RecordingQuery { device: Some(directory.spare_camera.id), officer: Some(directory.officer.id), ..Default::default() };
    assert_eq!(store.recordings(&both).await.unwrap(), [], "every condition given must hold");

    // A second registration of the same file is refused, whole.
    let again = recording(files[0].id, directory.camera.id, Some(7), 7);
    let refused = writer.commit(&[event(Mutation::CreateRecording(Box::new(again)))]).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.recording(files[0].id).await.unwrap().as_ref(), Some(&on_camera));
}

async fn one_explanation_per_gap(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let files: Vec<_> = (0..3u8).map(|number| media(format!("clip {number}").as_bytes(), None)).collect();
    writer.record_mutations(files.iter().cloned().map(Mutation::CreateMedia)).await;
    let note = |before: usize, after: usize, device: DeviceId, text: &str, seconds: i64| InterruptionNote {
        device_id: device,
        before: files[before].id,
        after: files[after].id,
        explanation: text.into(),
        officer_id: Some(directory.officer.id),
        noted_by: "console:test".into(),
        noted_at: at(seconds),
    };
    let first = note(0, 1, directory.camera.id, "电池耗尽，更换电池后继续录像", 20);
    let second = note(1, 2, directory.spare_camera.id, "当事人要求暂停；已口头告知", 10);
    writer.record_mutations([Mutation::NoteInterruption(first.clone()), Mutation::NoteInterruption(second.clone())]).await;
    assert_eq!(store.interruption_notes(None).await.unwrap(), [second.clone(), first.clone()]);
    assert_eq!(store.interruption_notes(Some(directory.camera.id)).await.unwrap(), std::slice::from_ref(&first));
    let twice = writer.commit(&[event(Mutation::NoteInterruption(note(0, 1, directory.camera.id, "改口", 30)))]).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert_eq!(store.interruption_notes(Some(directory.camera.id)).await.unwrap(), [first]);
}

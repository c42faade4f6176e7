//! Findings under the 汶上 pack (000_07fb3968c050b6cb.txt): each breach of a
//! world run by the book raises exactly the finding of its rule.

use super::*;

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

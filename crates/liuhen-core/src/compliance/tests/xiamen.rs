//! Findings under the 厦门 pack (004_78d39a83e0fe43df.txt): each breach of a
//! world run by the book raises exactly the finding of its rule.

use super::*;

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

//! Findings under the 丰台 pack (002_628f6a77322dc41d.txt): each breach of a
//! world run by the book raises exactly the finding of its rule.

use super::*;

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

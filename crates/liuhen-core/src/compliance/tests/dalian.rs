//! Findings under the 大连 pack (003_2ac90c2d08cca6b0.txt): each breach of a
//! world run by the book raises exactly the finding of its rule.

use super::*;

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

use super::*;
use crate::entity::OfficerRole;

fn officer(qualification: Qualification) -> Officer {
    Officer {
        id: OfficerId::new(),
        agency_id: AgencyId::new(),
        unit_id: UnitId::new(),
        name: "张伟".into(),
        certificate_no: Some("闽Z1".into()),
        badge_no: "1".into(),
        role: OfficerRole::FrontLine,
        qualification,
    }
}

fn case(kind: ActKind, procedure: Procedure, lead: OfficerId, handlers: Vec<OfficerId>) -> Case {
    Case {
        id: CaseId::new(),
        agency_id: AgencyId::new(),
        unit_id: UnitId::new(),
        number: "思城管罚〔2026〕1号".into(),
        act_kind: kind,
        procedure,
        source: CaseSource::Patrol,
        matter: "占道经营".into(),
        parties: vec![],
        lead_officer: lead,
        handlers,
        opened_at: Timestamp::UNIX_EPOCH,
    }
}

/// Walks `stages`, recording each accepted step; returns the first refusal.
fn walk(case: &Case, stages: &[Stage]) -> Result<Progress, StageRefused> {
    let mut progress = Progress::default();
    for stage in stages {
        let step = progress.check(case, *stage)?;
        progress.apply(case.act_kind, step);
    }
    Ok(progress)
}

#[test]
fn every_kind_walks_its_general_stages_in_order() {
    for kind in ActKind::ALL {
        let lead = officer(Qualification::Officer);
        let case = case(kind, Procedure::General, lead.id, vec![lead.id]);
        let progress = walk(&case, kind.general_stages()).unwrap_or_else(|error| panic!("{kind}: {error}"));
        assert!(progress.concluded, "{kind}");
        assert!(progress.check(&case, kind.general_stages()[0]).is_err(), "{kind}: nothing after the end");
    }
}

#[test]
fn no_decision_before_investigation_fengtai_4() {
    use Stage::*;
    let lead = officer(Qualification::Officer);
    let penalty = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id]);
    let refused = walk(&penalty, &[Intake, Filing, ReviewDecision]).unwrap_err();
    assert_eq!(refused.article, "丰台 第四条");
    assert!(refused.message.contains("调查取证"), "{refused}");
    assert!(walk(&penalty, &[Intake, Filing, Investigation, Filing]).is_err(), "no going back");
    assert!(walk(&penalty, &[Intake, Execution]).is_err(), "执行 is not a penalty stage");
    let simple = case(ActKind::Penalty, Procedure::Simple, lead.id, vec![lead.id]);
    assert!(walk(&simple, &[Intake, ReviewDecision, Service, Conclusion]).unwrap().concluded, "simple procedure may skip, forward only");
}

#[test]
fn special_stages_come_where_they_belong() {
    use Stage::*;
    let lead = officer(Qualification::Officer);
    let penalty = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id]);
    walk(&penalty, &[Intake, Filing, Investigation, RegistrationPreservation, Seizure, ReviewDecision, Hearing, Service, Conclusion])
        .unwrap();
    assert!(walk(&penalty, &[Intake, Filing, Investigation, ReviewDecision, Seizure]).is_err(), "no seizure after the decision");
    assert!(walk(&penalty, &[Intake, Filing, Investigation, ReviewDecision, Service, Hearing]).is_err(), "no hearing after service");
    assert!(walk(&penalty, &[Hearing]).is_err(), "nothing before the case starts");
    let inspection = case(ActKind::Inspection, Procedure::General, lead.id, vec![lead.id]);
    walk(&inspection, &[OnSiteCheck, Questioning, Sampling, OrderToCorrect, Service, ReCheck]).unwrap();
    assert!(walk(&inspection, &[OnSiteCheck, Service, ReCheck, OrderToCorrect]).is_err());
    let coercion = case(ActKind::Coercion, Procedure::General, lead.id, vec![lead.id]);
    walk(&coercion, &[Intake, Filing, Investigation, Sealing, ReviewDecision, Service, CourtEnforcement, Execution, Seizure, Conclusion])
        .unwrap();
    let licence = case(ActKind::Licensing, Procedure::General, lead.id, vec![lead.id]);
    walk(&licence, &[Receipt, Correction, Acceptance, Survey, ReviewDecision, Hearing, Service]).unwrap();
    assert!(walk(&licence, &[Receipt, Acceptance, ReviewDecision, Correction]).is_err());
}

#[test]
fn a_suspended_case_only_resumes_where_it_stopped() {
    use Stage::*;
    let lead = officer(Qualification::Officer);
    let penalty = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id]);
    let mut progress = walk(&penalty, &[Intake, Filing, Investigation, Suspension]).unwrap();
    assert_eq!(progress.suspended_in, Some(Investigation));
    let refused = progress.check(&penalty, ReviewDecision).unwrap_err();
    assert!(refused.message.contains("suspended"), "{refused}");
    let step = progress.check(&penalty, Investigation).unwrap();
    assert_eq!(step, Step::Resume { stage: Investigation });
    progress.apply(penalty.act_kind, step);
    assert_eq!(progress.suspended_in, None);
    assert_eq!(progress.check(&penalty, ReviewDecision).unwrap(), Step::Enter { stage: ReviewDecision });
}

#[test]
fn an_assistant_cannot_lead_and_general_cases_need_two_officers() {
    let lead = officer(Qualification::Officer);
    let second = officer(Qualification::Officer);
    let assistant = officer(Qualification::Assistant);
    let good = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id, second.id]);
    check_new_case(&good, &[lead.clone(), second.clone()]).unwrap();
    let led_by_assistant = case(ActKind::Penalty, Procedure::General, assistant.id, vec![assistant.id, lead.id, second.id]);
    let refused = check_new_case(&led_by_assistant, &[assistant.clone(), lead.clone(), second.clone()]).unwrap_err();
    assert_eq!(refused.article, "叶县 第七、八条");
    let alone = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id, assistant.id]);
    assert_eq!(check_new_case(&alone, &[lead.clone(), assistant.clone()]).unwrap_err().article, "厦门 四（一）");
    let simple = case(ActKind::Penalty, Procedure::Simple, lead.id, vec![lead.id]);
    check_new_case(&simple, &[lead]).unwrap();
}

#[test]
fn recordings_link_only_to_stages_the_case_reached() {
    let lead = officer(Qualification::Officer);
    let penalty = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id]);
    let steps: Vec<StageStep> = [Stage::Intake, Stage::Filing]
        .into_iter()
        .enumerate()
        .map(|(sequence, stage)| StageStep {
            case_id: penalty.id,
            sequence: sequence as u32,
            step: Step::Enter { stage },
            at: Timestamp::UNIX_EPOCH,
            by: "console:test".into(),
            note: String::new(),
            emergency: false,
        })
        .collect();
    check_link(&penalty, &steps, Stage::Filing).unwrap();
    assert_eq!(check_link(&penalty, &steps, Stage::Investigation).unwrap_err().article, "丰台 第十二条");
    assert_eq!(RecordedItem::parse("现场检查"), Some(RecordedItem::OnSiteInspection));
    assert_eq!(RecordedItem::parse("service"), Some(RecordedItem::Service));
}

fn opinion(case: &Case, sequence: u32, matter: ApprovalMatter, role: ApprovalRole, approved: bool) -> Approval {
    Approval {
        case_id: case.id,
        sequence,
        matter,
        role,
        officer_id: None,
        opinion: "同意".into(),
        approved,
        at: Timestamp::UNIX_EPOCH,
        by: "console:test".into(),
    }
}

#[test]
fn filing_needs_the_start_approved_dalian_6_and_service_the_decision_dalian_28() {
    use ApprovalMatter::*;
    use ApprovalRole::*;
    let lead = officer(Qualification::Officer);
    let penalty = case(ActKind::Penalty, Procedure::General, lead.id, vec![lead.id]);
    assert_eq!(check_gates(&penalty, Stage::Filing, &[], false).unwrap_err().article, "大连 第六条");
    check_gates(&penalty, Stage::Filing, &[], true).unwrap();
    assert!(check_gates(&penalty, Stage::Investigation, &[], true).is_err(), "only filing starts as an emergency");

    let mut approvals = vec![opinion(&penalty, 0, Start, Handler, true)];
    let progress = walk(&penalty, &[Stage::Intake]).unwrap();
    let refused = check_approval(&penalty, &progress, &approvals, Start, Approver).unwrap_err();
    assert_eq!(refused.article, "大连 第二十八条");
    assert!(refused.message.contains("审核人"), "{refused}");
    check_approval(&penalty, &progress, &approvals, Start, Reviewer).unwrap();
    approvals.push(opinion(&penalty, 1, Start, Reviewer, true));
    approvals.push(opinion(&penalty, 2, Start, Approver, false));
    assert_eq!(chain_next(&penalty, Start, &approvals), Some(Handler), "a refusal starts the chain again");
    approvals.extend([
        opinion(&penalty, 3, Start, Handler, true),
        opinion(&penalty, 4, Start, Reviewer, true),
        opinion(&penalty, 5, Start, Approver, true),
    ]);
    assert_eq!(chain_next(&penalty, Start, &approvals), None);
    check_gates(&penalty, Stage::Filing, &approvals, false).unwrap();

    assert_eq!(check_gates(&penalty, Stage::Service, &approvals, false).unwrap_err().article, "大连 第二十八条");
    let at_intake = walk(&penalty, &[Stage::Intake]).unwrap();
    assert!(check_approval(&penalty, &at_intake, &approvals, Decision, Handler).is_err(), "the decision is approved in 审查决定");
    for (sequence, role) in [(6, Handler), (7, Reviewer), (8, LegalReview), (9, Approver)] {
        approvals.push(opinion(&penalty, sequence, Decision, role, true));
    }
    check_gates(&penalty, Stage::Service, &approvals, false).unwrap();
    let simple = case(ActKind::Penalty, Procedure::Simple, lead.id, vec![lead.id]);
    assert_eq!(approval_chain(&simple, Decision), [Handler, Approver]);
    check_gates(&simple, Stage::Filing, &[], false).unwrap();
}

#[test]
fn stages_are_read_in_either_language() {
    assert_eq!(Stage::parse("调查取证"), Some(Stage::Investigation));
    assert_eq!(Stage::parse("review_decision"), Some(Stage::ReviewDecision));
    assert_eq!(Stage::parse("decide"), None);
}

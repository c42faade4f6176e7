use jiff::{SignedDuration, Timestamp};

use super::*;

fn user(roles: &[Role], officer: Option<OfficerId>) -> User {
    User {
        id: UserId::new(),
        login: "u".to_owned(),
        display_name: "张三".to_owned(),
        password_hash: String::new(),
        roles: roles.to_vec(),
        officer_id: officer,
        disabled: false,
    }
}

fn now() -> Timestamp {
    "2026-06-01T08:00:00Z".parse().unwrap()
}

fn request(requester: &User, targets: Vec<Target>, purpose: Purpose, mode: AccessMode) -> AccessRequest {
    AccessRequest {
        id: AccessRequestId::new(),
        requester: requester.id,
        requester_name: requester.display_name.clone(),
        on_behalf_of: Some("某区人民法院".to_owned()),
        targets,
        purpose,
        mode,
        reason: "行政诉讼举证".to_owned(),
        from: now() - SignedDuration::from_hours(1),
        until: now() + SignedDuration::from_hours(24 * 7),
        requested_at: now() - SignedDuration::from_hours(2),
    }
}

fn approve(file: &mut AccessFile, approver: &User) {
    file.decision = Some(AccessDecision {
        request: file.request.id,
        approved: true,
        approver: approver.id,
        approver_name: approver.display_name.clone(),
        reason: "同意".to_owned(),
        granted_until: None,
        at: now() - SignedDuration::from_mins(30),
    });
}

#[test]
fn officers_view_their_own_work_but_copying_needs_a_grant() {
    let officer = OfficerId::new();
    let reader = user(&[Role::Officer], Some(officer));
    let media = MediaId::new();
    let record = RecordFacts { target: Some(Target::Media(media)), cases: vec![], own_officers: vec![officer], marks: vec![] };
    assert_eq!(may_read(&Reader { user: &reader }, &record, AccessMode::View, &[], now()), Ok(ReadBasis::Own));
    assert_eq!(may_read(&Reader { user: &reader }, &record, AccessMode::Copy, &[], now()), Err(ReadRefused::NoGrant));
    let someone_else = user(&[Role::Officer], Some(OfficerId::new()));
    assert_eq!(may_read(&Reader { user: &someone_else }, &record, AccessMode::View, &[], now()), Err(ReadRefused::NoGrant));
}

#[test]
fn back_office_roles_need_a_grant_too() {
    for role in Role::ALL {
        let reader = user(&[role], None);
        let record = RecordFacts { target: Some(Target::Media(MediaId::new())), ..RecordFacts::default() };
        assert_eq!(may_read(&Reader { user: &reader }, &record, AccessMode::View, &[], now()), Err(ReadRefused::NoGrant), "{role}");
    }
}

#[test]
fn inspectors_play_back_what_a_spot_check_drew_and_nothing_else() {
    let check = crate::id::SpotCheckId::new();
    let record = RecordFacts { target: Some(Target::Media(MediaId::new())), ..RecordFacts::default() };
    for role in Role::ALL {
        let reader = user(&[role], None);
        let basis = may_inspect(&Reader { user: &reader }, &record, AccessMode::View, &[check]);
        let expected = SPOT_CHECKERS.contains(&role).then_some(ReadBasis::SpotCheck { check });
        assert_eq!(basis, expected, "{role}");
    }
    let inspector = user(&[Role::Inspector], None);
    let reader = Reader { user: &inspector };
    assert_eq!(may_inspect(&reader, &record, AccessMode::View, &[]), None, "not drawn");
    assert_eq!(may_inspect(&reader, &record, AccessMode::Copy, &[check]), None, "view only");
    let secret = RecordFacts { marks: vec![Classification::StateSecret], ..record.clone() };
    assert_eq!(may_inspect(&reader, &secret, AccessMode::View, &[check]), None, "not a state secret");
    let mut disabled = user(&[Role::Inspector], None);
    disabled.disabled = true;
    assert_eq!(may_inspect(&Reader { user: &disabled }, &record, AccessMode::View, &[check]), None);
}

#[test]
fn a_grant_covers_its_targets_its_mode_and_its_period_only() {
    let reviewer = user(&[Role::LegalReviewer], None);
    let leader = user(&[Role::UnitLeader], None);
    let case = CaseId::new();
    let media = MediaId::new();
    let mut file =
        AccessFile { request: request(&reviewer, vec![Target::Case(case)], Purpose::Litigation, AccessMode::View), decision: None };
    let in_case = RecordFacts { target: Some(Target::Media(media)), cases: vec![case], own_officers: vec![], marks: vec![] };
    let reader = Reader { user: &reviewer };
    // Pending: nothing yet.
    assert_eq!(may_read(&reader, &in_case, AccessMode::View, std::slice::from_ref(&file), now()), Err(ReadRefused::NoGrant));
    approve(&mut file, &leader);
    let grants = std::slice::from_ref(&file);
    assert_eq!(
        may_read(&reader, &in_case, AccessMode::View, grants, now()),
        Ok(ReadBasis::Grant { request: file.request.id, purpose: Purpose::Litigation, mode: AccessMode::View })
    );
    assert_eq!(may_read(&reader, &in_case, AccessMode::Copy, grants, now()), Err(ReadRefused::ViewOnly));
    let elsewhere = RecordFacts { target: Some(Target::Media(MediaId::new())), cases: vec![CaseId::new()], ..RecordFacts::default() };
    assert_eq!(may_read(&reader, &elsewhere, AccessMode::View, grants, now()), Err(ReadRefused::NoGrant));
    // Expired a week later.
    let later = now() + SignedDuration::from_hours(24 * 8);
    assert_eq!(file.state(later), RequestState::Expired);
    assert_eq!(may_read(&reader, &in_case, AccessMode::View, grants, later), Err(ReadRefused::NoGrant));
    // Somebody else's grant is not mine.
    let other = user(&[Role::LegalReviewer], None);
    assert_eq!(may_read(&Reader { user: &other }, &in_case, AccessMode::View, grants, now()), Err(ReadRefused::NoGrant));
}

#[test]
fn a_mark_placed_after_approval_withdraws_a_grant_it_does_not_allow() {
    let trainer = user(&[Role::Inspector], None);
    let leader = user(&[Role::UnitLeader], None);
    let media = MediaId::new();
    let mut file =
        AccessFile { request: request(&trainer, vec![Target::Media(media)], Purpose::Training, AccessMode::Copy), decision: None };
    approve(&mut file, &leader);
    let mut record = RecordFacts { target: Some(Target::Media(media)), ..RecordFacts::default() };
    let reader = Reader { user: &trainer };
    assert!(may_read(&reader, &record, AccessMode::Copy, std::slice::from_ref(&file), now()).is_ok());
    record.marks = vec![Classification::Privacy];
    assert_eq!(may_read(&reader, &record, AccessMode::Copy, std::slice::from_ref(&file), now()), Err(ReadRefused::NoGrant));
}

#[test]
fn decisions_are_checked() {
    let reviewer = user(&[Role::LegalReviewer], None);
    let leader = user(&[Role::UnitLeader], None);
    let admin = user(&[Role::Administrator], None);
    let media = MediaId::new();
    let file = AccessFile { request: request(&reviewer, vec![Target::Media(media)], Purpose::Publicity, AccessMode::Copy), decision: None };
    let decision = |by: &User, approved: bool, reason: &str| AccessDecision {
        request: file.request.id,
        approved,
        approver: by.id,
        approver_name: by.display_name.clone(),
        reason: reason.to_owned(),
        granted_until: None,
        at: now(),
    };
    let unmarked = [(Target::Media(media), vec![])];
    assert_eq!(check_decision(&file, &decision(&leader, true, ""), &leader, &unmarked), Ok(()));
    assert_eq!(check_decision(&file, &decision(&reviewer, true, ""), &reviewer, &unmarked), Err(AccessRefused::OwnRequest));
    let officer = user(&[Role::Officer], None);
    assert!(matches!(check_decision(&file, &decision(&officer, true, ""), &officer, &unmarked), Err(AccessRefused::NotAnApprover { .. })));
    assert_eq!(check_decision(&file, &decision(&leader, false, " "), &leader, &unmarked), Err(AccessRefused::RefusalWithoutReason));
    assert_eq!(
        check_decision(&file, &decision(&leader, false, " 不行 "), &leader, &unmarked),
        Err(AccessRefused::RefusalTooShort { min: MIN_REFUSAL_CHARS }),
        "a refusal says why, not just no"
    );
    assert_eq!(check_decision(&file, &decision(&leader, false, "涉及隐私，不宜宣传"), &leader, &unmarked), Ok(()));
    // Privacy: not for publicity.
    let private = [(Target::Media(media), vec![Classification::Privacy])];
    assert!(matches!(
        check_decision(&file, &decision(&leader, true, ""), &leader, &private),
        Err(AccessRefused::ClassifiedForPurpose { mark: Classification::Privacy, .. })
    ));
    // A state secret needs the administrator to approve.
    let court = AccessFile { request: request(&reviewer, vec![Target::Media(media)], Purpose::Judicial, AccessMode::Copy), decision: None };
    let secret = [(Target::Media(media), vec![Classification::StateSecret])];
    assert!(matches!(check_decision(&court, &decision(&leader, true, ""), &leader, &secret), Err(AccessRefused::NotAnApprover { .. })));
    assert_eq!(check_decision(&court, &decision(&admin, true, ""), &admin, &secret), Ok(()));
    // Once decided, decided.
    let mut decided = court.clone();
    decided.decision = Some(decision(&admin, true, ""));
    assert!(matches!(check_decision(&decided, &decision(&admin, true, ""), &admin, &secret), Err(AccessRefused::AlreadyDecided { .. })));
}

#[test]
fn requests_are_checked() {
    let reviewer = user(&[Role::LegalReviewer], None);
    let mut asked = request(&reviewer, vec![], Purpose::Audit, AccessMode::View);
    assert_eq!(check_request(&asked), Err(AccessRefused::NothingRequested));
    asked.targets = vec![Target::Case(CaseId::new())];
    assert_eq!(check_request(&asked), Ok(()));
    asked.until = asked.from;
    assert!(matches!(check_request(&asked), Err(AccessRefused::EmptyPeriod { .. })));
    asked.until = asked.from + SignedDuration::from_hours(24 * 91);
    assert_eq!(check_request(&asked), Err(AccessRefused::TooLong { max_days: MAX_GRANT_DAYS }));
}

#[test]
fn marks_are_added_and_lifted_in_order() {
    let target = Target::Media(MediaId::new());
    let mark = |mark, lifted| ClassificationMark { target, mark, lifted, note: String::new(), at: now(), by: "user:x".to_owned() };
    let marks = [mark(Classification::Privacy, false), mark(Classification::TradeSecret, false), mark(Classification::Privacy, true)];
    assert_eq!(marks_in_force(&marks, target), vec![Classification::TradeSecret]);
    assert_eq!(marks_in_force(&marks, Target::Media(MediaId::new())), vec![]);
}

#[test]
fn words_parse_in_english_and_chinese() {
    assert_eq!("行政诉讼".parse::<Purpose>(), Ok(Purpose::Litigation));
    assert_eq!("party_inspection".parse::<Purpose>(), Ok(Purpose::PartyInspection));
    assert!("lunch".parse::<Purpose>().unwrap_err().to_string().contains("litigation"));
    assert_eq!("复制".parse::<AccessMode>(), Ok(AccessMode::Copy));
    assert_eq!("个人隐私".parse::<Classification>(), Ok(Classification::Privacy));
}

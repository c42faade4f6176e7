//! Custody (调阅、保存与销毁): access requests and the one decision each
//! may have, classification marks in the order they were made, legal
//! holds and their one release, disposal lists and their one approval,
//! the tombstones of records disposed of from an approved list, and the
//! packages handed over. Nothing here is updated or deleted: a second
//! decision, release, approval or disposal is refused, and the batch
//! that carried it is not kept.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::access::{
    marks_in_force, AccessDecision, AccessFile, AccessMode, AccessRequest, Classification, ClassificationMark, ExportRecord, Purpose,
    RequestState, Target,
};
use liuhen_core::case::{Case, RecordedItem, RecordingLink, Stage};
use liuhen_core::document::{Document, DocumentKind};
use liuhen_core::entity::{MediaRecord, User};
use liuhen_core::id::{AccessRequestId, CaseId, DisposalId, DocumentId, ExportId, HoldId, MediaId};
use liuhen_core::mutation::Mutation;
use liuhen_core::pack::RetentionKind;
use liuhen_core::retention::{BlobLock, DisposalApproval, DisposalList, HoldReason, HoldRelease, LegalHold, Tombstone};
use liuhen_store::{MetaStore, StoreError};

use crate::support::{assert_ledger_is, digest_of, event, media, user, Directory, Event, Writer};

on_every_backend!(
    access_requests_round_trip_with_their_decisions(store),
    a_request_is_decided_once(store),
    classification_marks_keep_the_order_they_were_made_in(store),
    legal_holds_round_trip_with_their_release(store),
    a_hold_is_released_once(store),
    a_hold_that_comes_released_is_refused(store),
    disposal_lists_round_trip_with_their_one_approval(store),
    a_record_is_disposed_of_only_from_an_approved_list_and_once(store),
    a_held_record_is_not_disposed_of(store),
    blob_locks_keep_the_latest_and_never_shorten_a_date(store),
    exports_round_trip_in_time_order(store),
    party_copies_keep_their_one_lineage(store),
);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + seconds).unwrap()
}

/// The sentence of a refused commit, which must contain `phrase` and
/// say that nothing was changed.
fn refusal<T: std::fmt::Debug>(result: Result<T, StoreError>, phrase: &str) -> String {
    match result {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains(phrase), "expected `{phrase}` in: {message}");
            assert!(message.to_lowercase().contains("nothing was changed"), "{message}");
            message
        }
        other => panic!("expected a refusal saying `{phrase}`, got {other:?}"),
    }
}

/// A squad's directory, a case, three stored clips from the squad's
/// camera, and a clerk of the district court who asks for records.
struct Scene {
    directory: Directory,
    writer: Writer,
    case: Case,
    clips: [MediaRecord; 3],
    clerk: User,
}

async fn scene(store: &Arc<dyn MetaStore>) -> Scene {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let case = super::cases::case(&directory, "思城管罚〔2026〕12号", 0);
    let camera = Some(directory.camera.id);
    let clips = [
        media(b"2026-03-02 shizhan road stall, clip 1", camera),
        media(b"2026-03-02 shizhan road stall, clip 2", camera),
        media(b"2026-03-05 night patrol, no case", camera),
    ];
    let clerk = User { display_name: "李明（思明区人民法院）".into(), ..user("siming-court-liming") };
    let mut mutations = vec![Mutation::CreateCase(Box::new(case.clone())), Mutation::CreateUser(clerk.clone())];
    mutations.extend(clips.iter().cloned().map(Mutation::CreateMedia));
    writer.record_mutations(mutations).await;
    Scene { directory, writer, case, clips, clerk }
}

fn request(requester: &User, targets: Vec<Target>, purpose: Purpose, mode: AccessMode, seconds: i64) -> AccessRequest {
    AccessRequest {
        id: AccessRequestId::new(),
        requester: requester.id,
        requester_name: requester.display_name.clone(),
        on_behalf_of: (purpose == Purpose::Litigation).then(|| "厦门市思明区人民法院".to_owned()),
        targets,
        purpose,
        mode,
        reason: match purpose {
            Purpose::Litigation => "王五诉思明区城市管理行政执法局行政处罚一案，调取现场执法记录".into(),
            Purpose::Training => "新入职执法人员规范执法培训".into(),
            _ => "关联案件办理，核对现场情况".into(),
        },
        from: at(seconds),
        until: at(seconds + 30 * 86_400),
        requested_at: at(seconds),
    }
}

fn decision(request: &AccessRequest, approver: &User, approved: bool, seconds: i64) -> AccessDecision {
    AccessDecision {
        request: request.id,
        approved,
        approver: approver.id,
        approver_name: approver.display_name.clone(),
        reason: if approved {
            "同意调阅，限七日内查阅".into()
        } else {
            "个人隐私记录不得用于培训，不予批准".into()
        },
        granted_until: approved.then(|| at(seconds + 7 * 86_400)),
        at: at(seconds),
    }
}

fn file(request: &AccessRequest) -> Mutation {
    Mutation::FileAccessRequest(Box::new(request.clone()))
}

fn decide(decision: &AccessDecision) -> Mutation {
    Mutation::DecideAccess(Box::new(decision.clone()))
}

async fn access_requests_round_trip_with_their_decisions(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, case, clips, clerk } = scene(&store).await;
    let officer = &directory.officer_user;
    let leader = &directory.administrator;
    // Filed in this order, but the court's request was made first.
    let colleague = request(officer, vec![Target::Case(case.id)], Purpose::CaseWork, AccessMode::Copy, 200);
    let court = request(&clerk, vec![Target::Media(clips[0].id)], Purpose::Litigation, AccessMode::View, 100);
    let training = request(&clerk, vec![Target::Case(case.id), Target::Media(clips[2].id)], Purpose::Training, AccessMode::View, 300);
    let (approved, refused) = (decision(&court, leader, true, 150), decision(&training, leader, false, 350));
    writer.record_mutations([file(&colleague), file(&court), file(&training), decide(&approved), decide(&refused)]).await;

    let court_file = AccessFile { request: court.clone(), decision: Some(approved) };
    let colleague_file = AccessFile { request: colleague.clone(), decision: None };
    let training_file = AccessFile { request: training.clone(), decision: Some(refused) };
    assert_eq!(
        store.access_files(None).await.unwrap(),
        [court_file.clone(), colleague_file.clone(), training_file.clone()],
        "oldest first"
    );
    assert_eq!(store.access_files(Some(clerk.id)).await.unwrap(), [court_file.clone(), training_file]);
    assert_eq!(store.access_files(Some(officer.id)).await.unwrap(), std::slice::from_ref(&colleague_file));
    assert_eq!(store.access_files(Some(leader.id)).await.unwrap(), []);
    assert_eq!(store.access_file(court.id).await.unwrap().as_ref(), Some(&court_file));
    assert_eq!(store.access_file(colleague.id).await.unwrap().as_ref(), Some(&colleague_file));
    assert_eq!(store.access_file(AccessRequestId::new()).await.unwrap(), None);
    assert_eq!(court_file.state(at(200)), RequestState::Granted);
    assert_eq!(colleague_file.state(at(200)), RequestState::Pending);
}

async fn a_request_is_decided_once(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, clips, clerk, .. } = scene(&store).await;
    let leader = &directory.administrator;
    let court = request(&clerk, vec![Target::Media(clips[0].id)], Purpose::Litigation, AccessMode::View, 100);
    let approved = decision(&court, leader, true, 150);
    writer.record_mutations([file(&court), decide(&approved)]).await;
    let decided = AccessFile { request: court.clone(), decision: Some(approved) };

    // A second decision, carried with a request that is new: the batch
    // goes nowhere.
    let later = request(&clerk, vec![Target::Media(clips[1].id)], Purpose::Litigation, AccessMode::Copy, 400);
    let events = [event(file(&later)), event(decide(&decision(&court, leader, false, 500)))];
    let message = refusal(writer.commit(&events).await, "was already decided");
    assert!(message.contains(&court.id.to_string()) && message.contains("approved"), "{message}");
    assert_ledger_is(store.as_ref(), &writer.committed).await;
    assert_eq!(store.access_files(None).await.unwrap(), std::slice::from_ref(&decided), "the first decision stands");

    let never_filed = request(&clerk, vec![Target::Media(clips[1].id)], Purpose::Litigation, AccessMode::View, 600);
    refusal(writer.commit(&[event(decide(&decision(&never_filed, leader, true, 650)))]).await, "was never filed");
    refusal(writer.commit(&[event(file(&court))]).await, "has already been filed");
    assert_eq!(store.access_files(None).await.unwrap(), [decided]);
}

fn document(case: &Case, directory: &Directory) -> Document {
    Document {
        id: DocumentId::new(),
        case_id: case.id,
        kind: DocumentKind::InquiryRecord,
        stage: Stage::Investigation,
        version: 1,
        supersedes: None,
        amendment_reason: None,
        touches_rights: false,
        fields: [("place", "思明区中山路 12 号"), ("questions_and_answers", "问：你的身份证号码？\n答：350203199001011234")]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .into(),
        legal_basis: "《中华人民共和国行政处罚法》第五十五条".into(),
        made_by: directory.officer.id,
        made_at: at(30),
        recorded_by: "console:test".into(),
    }
}

fn mark(target: Target, mark: Classification, lifted: bool, seconds: i64) -> ClassificationMark {
    ClassificationMark {
        target,
        mark,
        lifted,
        note: if lifted { "当事人同意公开，解除标记".into() } else { "含当事人身份证号及住址".into() },
        at: at(seconds),
        by: "user:法制科".into(),
    }
}

fn marking(mark: &ClassificationMark) -> Mutation {
    Mutation::MarkClassification(Box::new(mark.clone()))
}

async fn classification_marks_keep_the_order_they_were_made_in(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, case, clips, .. } = scene(&store).await;
    let inquiry = document(&case, &directory);
    writer.record_mutations([Mutation::CreateDocument(Box::new(inquiry.clone()))]).await;
    let (of_case, of_clip, of_document) = (Target::Case(case.id), Target::Media(clips[0].id), Target::Document(inquiry.id));

    let case_private = mark(of_case, Classification::Privacy, false, 100);
    let clip_trade = mark(of_clip, Classification::TradeSecret, false, 50);
    let document_secret = mark(of_document, Classification::StateSecret, false, 60);
    writer.record_mutations([marking(&case_private), marking(&clip_trade), marking(&document_secret)]).await;
    // The lift was made after the mark although its clock says earlier;
    // and one entry records two marks, kept in the order it lists them.
    let case_lifted = mark(of_case, Classification::Privacy, true, 90);
    let case_trade = mark(of_case, Classification::TradeSecret, false, 10);
    let clip_lifted = mark(of_clip, Classification::TradeSecret, true, 10);
    writer.record_mutations([marking(&case_lifted)]).await;
    let two_at_once = liuhen_core::entry::EntryDraft::new("user:法制科", liuhen_core::mutation::action::CLASSIFICATION_MARKED)
        .subject(case.id.subject())
        .payload(serde_json::json!({"备注": "重新核定密级"}));
    writer.record(&[Event { draft: two_at_once, mutations: vec![marking(&case_trade), marking(&clip_lifted)] }]).await;

    let every =
        [case_private.clone(), clip_trade.clone(), document_secret.clone(), case_lifted.clone(), case_trade.clone(), clip_lifted.clone()];
    let stored = store.classification_marks(None).await.unwrap();
    assert_eq!(stored, every, "in the order made, whatever the clocks said");
    assert_eq!(store.classification_marks(Some(of_case)).await.unwrap(), [case_private, case_lifted, case_trade]);
    assert_eq!(store.classification_marks(Some(of_clip)).await.unwrap(), [clip_trade, clip_lifted]);
    assert_eq!(store.classification_marks(Some(of_document)).await.unwrap(), std::slice::from_ref(&document_secret));
    assert_eq!(store.classification_marks(Some(Target::Media(clips[1].id))).await.unwrap(), []);
    assert_eq!(marks_in_force(&stored, of_case), [Classification::TradeSecret]);
    assert_eq!(marks_in_force(&stored, of_clip), []);
    assert_eq!(marks_in_force(&stored, of_document), [Classification::StateSecret]);

    let nowhere = mark(Target::Case(CaseId::new()), Classification::Privacy, false, 200);
    refusal(writer.commit(&[event(marking(&nowhere))]).await, "there is no case");
    assert_eq!(store.classification_marks(None).await.unwrap(), every);
}

fn hold(target: Target, reason: HoldReason, seconds: i64) -> LegalHold {
    LegalHold {
        id: HoldId::new(),
        target,
        reason,
        note: match reason {
            HoldReason::Litigation => "王五已提起行政诉讼，案件全部音像记录冻结".into(),
            _ => "当事人投诉执法人员态度粗暴，相关记录冻结待查".into(),
        },
        placed_at: at(seconds),
        placed_by: "user:法制科".into(),
        released: None,
    }
}

fn release(hold: &LegalHold, seconds: i64) -> HoldRelease {
    HoldRelease { hold: hold.id, note: "判决已生效，解除冻结".into(), at: at(seconds), by: "user:法制科".into() }
}

fn place(hold: &LegalHold) -> Mutation {
    Mutation::PlaceHold(Box::new(hold.clone()))
}

fn lift(release: &HoldRelease) -> Mutation {
    Mutation::ReleaseHold(Box::new(release.clone()))
}

async fn legal_holds_round_trip_with_their_release(store: Arc<dyn MetaStore>) {
    let Scene { mut writer, case, clips, .. } = scene(&store).await;
    let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 100);
    let on_clip = hold(Target::Media(clips[2].id), HoldReason::Complaint, 50);
    let ended = release(&on_case, 200);
    writer.record_mutations([place(&on_case), place(&on_clip), lift(&ended)]).await;

    let released = LegalHold { released: Some(ended), ..on_case.clone() };
    assert_eq!(store.legal_holds().await.unwrap(), [on_clip.clone(), released.clone()], "oldest first");
    assert_eq!(store.legal_hold(on_case.id).await.unwrap().as_ref(), Some(&released));
    assert_eq!(store.legal_hold(on_clip.id).await.unwrap().as_ref(), Some(&on_clip));
    assert!(!released.in_force() && on_clip.in_force());
    assert_eq!(store.legal_hold(HoldId::new()).await.unwrap(), None);

    let on_nothing = hold(Target::Media(MediaId::new()), HoldReason::Dispute, 300);
    refusal(writer.commit(&[event(place(&on_nothing))]).await, "there is no media record");
    refusal(writer.commit(&[event(place(&on_clip))]).await, "has already been placed");
    assert_eq!(store.legal_holds().await.unwrap(), [on_clip, released]);
}

async fn a_hold_is_released_once(store: Arc<dyn MetaStore>) {
    let Scene { mut writer, case, .. } = scene(&store).await;
    let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 100);
    let ended = release(&on_case, 200);
    writer.record_mutations([place(&on_case), lift(&ended)]).await;
    let released = LegalHold { released: Some(ended), ..on_case.clone() };

    let message = refusal(writer.commit(&[event(lift(&release(&on_case, 300)))]).await, "was already released");
    assert!(message.contains(&on_case.id.to_string()), "{message}");
    assert_ledger_is(store.as_ref(), &writer.committed).await;
    let never_placed = hold(Target::Case(case.id), HoldReason::Dispute, 100);
    refusal(writer.commit(&[event(lift(&release(&never_placed, 300)))]).await, "there is no legal hold");
    assert_eq!(store.legal_holds().await.unwrap(), [released], "the first release stands");
}

async fn a_hold_that_comes_released_is_refused(store: Arc<dyn MetaStore>) {
    let Scene { mut writer, case, clips, .. } = scene(&store).await;
    let in_force = hold(Target::Media(clips[0].id), HoldReason::Obstruction, 100);
    let mut born_released = hold(Target::Case(case.id), HoldReason::Litigation, 100);
    born_released.released = Some(release(&born_released, 100));
    let events = [event(place(&in_force)), event(place(&born_released))];
    refusal(writer.commit(&events).await, "came to be placed already released");
    assert_ledger_is(store.as_ref(), &writer.committed).await;
    assert_eq!(store.legal_holds().await.unwrap(), [], "nothing of the batch was kept");

    writer.record(&events[..1]).await;
    assert_eq!(store.legal_holds().await.unwrap(), [in_force]);
}

fn list(media: &[&MediaRecord], proposer: &User, seconds: i64) -> DisposalList {
    DisposalList {
        id: DisposalId::new(),
        media: media.iter().map(|record| record.id).collect(),
        proposed_at: at(seconds),
        proposed_by: proposer.id.subject(),
        approval: None,
    }
}

fn approval(list: &DisposalList, approver: &User, seconds: i64) -> DisposalApproval {
    DisposalApproval {
        list: list.id,
        approver: approver.id,
        approver_name: approver.display_name.clone(),
        note: "经核对，清单所列记录均已超过保存期限且未冻结，同意销毁".into(),
        at: at(seconds),
    }
}

fn tombstone(record: &MediaRecord, list: &DisposalList, approver: &User, seconds: i64) -> Tombstone {
    Tombstone {
        media: record.clone(),
        list: list.id,
        approver: approver.id,
        class: Some(RetentionKind::Patrol),
        expired_at: at(seconds - 86_400),
        disposed_at: at(seconds),
        disposed_by: "system:retention".into(),
    }
}

fn propose(list: &DisposalList) -> Mutation {
    Mutation::ProposeDisposal(Box::new(list.clone()))
}

fn approve(approval: &DisposalApproval) -> Mutation {
    Mutation::ApproveDisposal(Box::new(approval.clone()))
}

fn dispose(tombstone: &Tombstone) -> Mutation {
    Mutation::DisposeMedia(Box::new(tombstone.clone()))
}

async fn disposal_lists_round_trip_with_their_one_approval(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, clips, .. } = scene(&store).await;
    let (officer, leader) = (&directory.officer_user, &directory.administrator);
    let patrols = list(&[&clips[2], &clips[1]], officer, 100);
    let earlier = list(&[&clips[0]], officer, 50);
    let approved = approval(&patrols, leader, 200);
    writer.record_mutations([propose(&patrols), propose(&earlier), approve(&approved)]).await;

    let patrols_approved = DisposalList { approval: Some(approved), ..patrols.clone() };
    assert_eq!(store.disposal_lists().await.unwrap(), [earlier.clone(), patrols_approved.clone()], "oldest first");
    assert_eq!(store.disposal_list(patrols.id).await.unwrap().as_ref(), Some(&patrols_approved));
    assert_eq!(store.disposal_list(earlier.id).await.unwrap().as_ref(), Some(&earlier));
    assert_eq!(store.disposal_list(DisposalId::new()).await.unwrap(), None);

    let message = refusal(writer.commit(&[event(approve(&approval(&patrols, leader, 300)))]).await, "was already approved");
    assert!(message.contains(&patrols.id.to_string()), "{message}");
    refusal(writer.commit(&[event(approve(&approval(&earlier, officer, 300)))]).await, "cannot also approve it");
    refusal(writer.commit(&[event(approve(&approval(&list(&[], officer, 0), leader, 300)))]).await, "there is no disposal list");
    let born_approved = DisposalList { approval: Some(approval(&earlier, leader, 400)), ..list(&[&clips[0]], officer, 400) };
    refusal(writer.commit(&[event(propose(&born_approved))]).await, "came to be proposed already approved");
    let unknown = MediaRecord { id: MediaId::new(), ..clips[0].clone() };
    refusal(writer.commit(&[event(propose(&list(&[&clips[0], &unknown], officer, 400)))]).await, "which does not exist");
    refusal(writer.commit(&[event(propose(&list(&[&clips[0], &clips[0]], officer, 400)))]).await, "twice");
    assert_ledger_is(store.as_ref(), &writer.committed).await;
    assert_eq!(store.disposal_lists().await.unwrap(), [earlier, patrols_approved]);
}

async fn a_record_is_disposed_of_only_from_an_approved_list_and_once(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, clips, .. } = scene(&store).await;
    let (officer, leader) = (&directory.officer_user, &directory.administrator);
    let patrols = list(&[&clips[0], &clips[1]], officer, 100);
    writer.record_mutations([propose(&patrols)]).await;

    let first = tombstone(&clips[0], &patrols, leader, 300);
    refusal(writer.commit(&[event(dispose(&first))]).await, "has not been approved");
    writer.record_mutations([approve(&approval(&patrols, leader, 200))]).await;
    let not_listed = tombstone(&clips[2], &patrols, leader, 300);
    refusal(writer.commit(&[event(dispose(&not_listed))]).await, "is not on disposal list");
    let wrong_approver = tombstone(&clips[0], &patrols, officer, 300);
    refusal(writer.commit(&[event(dispose(&wrong_approver))]).await, "was approved by user");
    let misdescribed = Tombstone { media: MediaRecord { sha256: digest_of("another file"), ..clips[0].clone() }, ..first.clone() };
    refusal(writer.commit(&[event(dispose(&misdescribed))]).await, "does not describe it");
    let unknown = Tombstone { media: MediaRecord { id: MediaId::new(), ..clips[0].clone() }, ..first.clone() };
    refusal(writer.commit(&[event(dispose(&unknown))]).await, "there is no media record");
    assert_eq!(store.tombstones().await.unwrap(), []);

    writer.record_mutations([dispose(&first)]).await;
    assert_eq!(store.tombstone(clips[0].id).await.unwrap().as_ref(), Some(&first));
    assert_eq!(store.tombstone(clips[1].id).await.unwrap(), None);
    assert_eq!(store.media(clips[0].id).await.unwrap().as_ref(), Some(&clips[0]), "the media record stays");

    // Twice, carried with a disposal that is fine: the batch goes nowhere.
    let second = tombstone(&clips[1], &patrols, leader, 250);
    let events = [event(dispose(&second)), event(dispose(&tombstone(&clips[0], &patrols, leader, 400)))];
    let message = refusal(writer.commit(&events).await, "was already disposed of");
    assert!(message.contains(&clips[0].id.to_string()), "{message}");
    assert_ledger_is(store.as_ref(), &writer.committed).await;
    assert_eq!(store.tombstones().await.unwrap(), std::slice::from_ref(&first));

    writer.record(&events[..1]).await;
    assert_eq!(store.tombstones().await.unwrap(), [second, first], "by when disposed of");
}

fn lock(record: &MediaRecord, until: Option<i64>, legal_hold: bool, seconds: i64) -> Mutation {
    Mutation::SetBlobLock(Box::new(BlobLock {
        media: record.id,
        retain_until: until.map(at),
        legal_hold,
        at: at(seconds),
        by: "system:retention".into(),
    }))
}

async fn blob_locks_keep_the_latest_and_never_shorten_a_date(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, clips, .. } = scene(&store).await;
    assert_eq!(store.blob_locks().await.unwrap(), []);
    // Two in one entry and one later; the record's latest row is its lock.
    writer.record_mutations([lock(&clips[1], Some(1_000), false, 10)]).await;
    let both = vec![lock(&clips[0], None, true, 20), lock(&clips[1], Some(2_000), true, 20)];
    writer.record(&[Event { mutations: both, ..event(lock(&clips[0], None, true, 20)) }]).await;
    let locks = store.blob_locks().await.unwrap();
    let of = |record: &MediaRecord| locks.iter().find(|lock| lock.media == record.id).cloned();
    assert_eq!(locks.len(), 2, "{locks:?}");
    assert_eq!(of(&clips[0]).map(|l| (l.retain_until, l.legal_hold)), Some((None, true)));
    assert_eq!(of(&clips[1]).map(|l| (l.retain_until, l.legal_hold)), Some((Some(at(2_000)), true)));
    assert_eq!(of(&clips[2]), None);

    // A bucket in compliance mode never shortens a date: neither may the record.
    let message = refusal(writer.commit(&[event(lock(&clips[1], Some(1_500), false, 30))]).await, "never shortens");
    assert!(message.contains(&clips[1].id.to_string()), "{message}");
    refusal(writer.commit(&[event(lock(&clips[1], None, false, 30))]).await, "never shortens");
    let unknown = MediaRecord { id: MediaId::new(), ..clips[2].clone() };
    refusal(writer.commit(&[event(lock(&unknown, None, true, 30))]).await, "there is no media record");

    // Disposed of, a record has no blob to lock.
    let (officer, leader) = (&directory.officer_user, &directory.administrator);
    let expired = list(&[&clips[2]], officer, 100);
    let gone = tombstone(&clips[2], &expired, leader, 300);
    writer.record_mutations([propose(&expired), approve(&approval(&expired, leader, 200)), dispose(&gone)]).await;
    refusal(writer.commit(&[event(lock(&clips[2], Some(5_000), false, 400))]).await, "was disposed of");
    // The hold released, the date kept.
    writer.record_mutations([lock(&clips[1], Some(2_000), false, 500)]).await;
    let locks = store.blob_locks().await.unwrap();
    assert_eq!(locks.len(), 2, "{locks:?}");
    assert!(locks.iter().any(|l| l.media == clips[1].id && l.retain_until == Some(at(2_000)) && !l.legal_hold), "{locks:?}");
}

async fn a_held_record_is_not_disposed_of(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, case, clips, .. } = scene(&store).await;
    let (officer, leader) = (&directory.officer_user, &directory.administrator);
    let linked = &clips[0];
    let recording = super::recordings::recording(linked.id, directory.camera.id, Some(0), 60);
    let link = RecordingLink {
        case_id: case.id,
        media_id: linked.id,
        stage: Stage::Investigation,
        item: RecordedItem::OnSiteInspection,
        location: "思明区中山路 12 号".into(),
        label: "现场检查：人行道摆摊".into(),
        recording_end: Some(at(64)),
        linked_at: at(90),
        linked_by: "console:test".into(),
    };
    let expired = list(&[linked, &clips[1]], officer, 100);
    writer
        .record_mutations([
            Mutation::CreateRecording(Box::new(recording)),
            Mutation::LinkRecording(Box::new(link)),
            propose(&expired),
            approve(&approval(&expired, leader, 200)),
        ])
        .await;
    // Holds placed after the list was approved: one on the case the
    // first clip is linked to, one on the second clip itself.
    let on_case = hold(Target::Case(case.id), HoldReason::Litigation, 250);
    let on_clip = hold(Target::Media(clips[1].id), HoldReason::Complaint, 260);
    writer.record_mutations([place(&on_case), place(&on_clip)]).await;

    let through_case = tombstone(linked, &expired, leader, 300);
    let message = refusal(writer.commit(&[event(dispose(&through_case))]).await, "is under legal hold");
    assert!(message.contains(&on_case.id.to_string()) && message.contains("复议、诉讼"), "{message}");
    let itself = tombstone(&clips[1], &expired, leader, 300);
    let message = refusal(writer.commit(&[event(dispose(&itself))]).await, "is under legal hold");
    assert!(message.contains(&on_clip.id.to_string()), "{message}");
    assert_eq!(store.tombstones().await.unwrap(), []);

    // Released, the hold keeps nothing.
    writer.record_mutations([lift(&release(&on_case, 400))]).await;
    let through_case = tombstone(linked, &expired, leader, 500);
    writer.record_mutations([dispose(&through_case)]).await;
    assert_eq!(store.tombstones().await.unwrap(), [through_case]);
    refusal(writer.commit(&[event(dispose(&itself))]).await, "is under legal hold");
}

fn export(case: Option<&Case>, grant: Option<&AccessRequest>, media: &[&MediaRecord], seconds: i64) -> ExportRecord {
    ExportRecord {
        id: ExportId::new(),
        case: case.map(|case| case.id),
        media: media.iter().map(|record| record.id).collect(),
        documents: Vec::new(),
        purpose: grant.map_or(Purpose::Audit, |grant| grant.purpose),
        grant: grant.map(|grant| grant.id),
        recipient: grant.and(Some("厦门市思明区人民法院".to_owned())),
        tagmanifest_sha256: digest_of(&format!("tagmanifest-sha256.txt of package {seconds}")),
        payload_files: media.len() as u64 + 2,
        payload_bytes: media.iter().map(|record| record.size).sum(),
        checkpoint_size: 42,
        at: at(seconds),
        by: "user:档案管理员".into(),
    }
}

async fn exports_round_trip_in_time_order(store: Arc<dyn MetaStore>) {
    let Scene { directory, mut writer, case, clips, clerk } = scene(&store).await;
    let court = request(&clerk, vec![Target::Case(case.id)], Purpose::Litigation, AccessMode::Copy, 100);
    writer.record_mutations([file(&court), decide(&decision(&court, &directory.administrator, true, 150))]).await;
    let to_court = export(Some(&case), Some(&court), &[&clips[0], &clips[1]], 200);
    let backup = export(None, None, &[&clips[2]], 180);
    writer.record_mutations([Mutation::RecordExport(Box::new(to_court.clone())), Mutation::RecordExport(Box::new(backup.clone()))]).await;
    assert_eq!(store.exports().await.unwrap(), [backup.clone(), to_court.clone()], "by when exported");

    let unknown_grant = request(&clerk, vec![Target::Case(case.id)], Purpose::Litigation, AccessMode::Copy, 300);
    let without_grant = export(Some(&case), Some(&unknown_grant), &[&clips[0]], 300);
    refusal(writer.commit(&[event(Mutation::RecordExport(Box::new(without_grant)))]).await, "does not exist");
    refusal(writer.commit(&[event(Mutation::RecordExport(Box::new(backup.clone())))]).await, "has already been recorded");
    assert_eq!(store.exports().await.unwrap(), [backup, to_court]);
}

fn lineage(derived: &MediaRecord, source: Target, seconds: i64) -> liuhen_core::redaction::Redaction {
    liuhen_core::redaction::Redaction {
        derived: derived.id,
        source,
        source_sha256: digest_of("the original"),
        operations: vec![liuhen_core::redaction::RedactOp::Mute { from_ms: 1000, to_ms: 2500 }],
        reason: "声音可识别举报人".into(),
        reviewer: liuhen_core::id::UserId::new(),
        reviewer_name: "刘芳".into(),
        request: None,
        at: at(seconds),
        by: "user:法制审核".into(),
    }
}

async fn party_copies_keep_their_one_lineage(store: Arc<dyn MetaStore>) {
    let Scene { mut writer, clips, .. } = scene(&store).await;
    let copy = media("静音副本".as_bytes(), None);
    let made = lineage(&copy, Target::Media(clips[0].id), 100);
    writer.record_mutations([Mutation::CreateMedia(copy.clone()), Mutation::MakeRedaction(Box::new(made.clone()))]).await;
    assert_eq!(store.redaction(copy.id).await.unwrap(), Some(made.clone()));
    assert_eq!(store.redaction(clips[0].id).await.unwrap(), None, "the original is not a copy");
    assert_eq!(store.redactions(Some(Target::Media(clips[0].id))).await.unwrap(), std::slice::from_ref(&made));
    assert_eq!(store.redactions(Some(Target::Media(clips[1].id))).await.unwrap(), []);
    // One lineage per copy; a source that does not exist is refused.
    refusal(
        writer.commit(&[event(Mutation::MakeRedaction(Box::new(lineage(&copy, Target::Media(clips[1].id), 200))))]).await,
        "already has a lineage",
    );
    let orphan = media("另一个副本".as_bytes(), None);
    let missing = lineage(&orphan, Target::Media(MediaId::new()), 300);
    refusal(
        writer.commit(&[event(Mutation::CreateMedia(orphan)), event(Mutation::MakeRedaction(Box::new(missing)))]).await,
        "does not exist",
    );
    assert_eq!(store.redactions(None).await.unwrap(), [made]);
}

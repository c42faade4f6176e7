//! Cases and the numbered steps of their procedure.

use std::sync::Arc;

use jiff::Timestamp;
use liuhen_core::case::{
    ActKind, Approval, ApprovalMatter, ApprovalRole, Case, CaseSource, Party, PartyKind, Procedure, RecordedItem, RecordingLink, Stage,
    StageStep, Step,
};
use liuhen_core::id::CaseId;
use liuhen_core::mutation::Mutation;
use liuhen_store::{MetaStore, StoreError};

use crate::support::{event, media, Directory, Writer};

on_every_backend!(
    cases_and_steps_round_trip_and_steps_never_collide(store),
    recordings_link_to_cases_once_per_stage(store),
    document_versions_form_a_line_and_signatures_never_collide(store),
    complaints_have_one_outcome(store),
    cases_are_searched_and_paged(store),
    case_files_are_read_for_many_cases_at_once(store),
    cases_recorded_before_the_search_columns_are_indexed_when_opened(database),
);

/// Three cases: `first` (the officer and the assistant, stands at
/// filing), `second` (the officer alone, suspended then resumed in
/// intake, party 李四 and a number with `%` in it) and `third` (an
/// inspection of the brigade, no steps yet).
async fn three_cases(writer: &mut Writer, directory: &Directory) -> [Case; 3] {
    writer.record_mutations(directory.mutations()).await;
    let first = case(directory, "思城管罚〔2026〕1号", 10);
    let mut second = case(directory, "思城管罚〔2026〕2号 100%_X", 20);
    second.parties = vec![Party { kind: PartyKind::Organisation, name: "厦门某某餐饮有限公司 Li Si".into(), id_number: None }];
    second.matter = "违法建设".into();
    second.handlers = vec![directory.officer.id];
    let mut third = case(directory, "思城管检〔2026〕3号", 30);
    third.act_kind = ActKind::Inspection;
    third.unit_id = directory.brigade.id;
    writer
        .record_mutations([
            Mutation::CreateCase(Box::new(third.clone())),
            Mutation::CreateCase(Box::new(first.clone())),
            Mutation::CreateCase(Box::new(second.clone())),
            Mutation::RecordStageStep(step(&first, 0, Stage::Intake)),
            Mutation::RecordStageStep(step(&first, 1, Stage::Filing)),
            Mutation::RecordStageStep(step(&second, 0, Stage::Intake)),
            Mutation::RecordStageStep(step(&second, 1, Stage::Suspension)),
            Mutation::RecordStageStep(StageStep { step: Step::Resume { stage: Stage::Intake }, ..step(&second, 2, Stage::Intake) }),
        ])
        .await;
    [first, second, third]
}

async fn cases_are_searched_and_paged(store: Arc<dyn MetaStore>) {
    use liuhen_store::CaseSearch;
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    let [first, second, third] = three_cases(&mut writer, &directory).await;
    let found = |search: CaseSearch| {
        let store = store.clone();
        async move {
            let page = store.case_page(&search).await.unwrap();
            (page.total, page.cases.into_iter().map(|case| case.number).collect::<Vec<_>>())
        }
    };
    let numbers = |cases: &[&Case]| cases.iter().map(|case| case.number.clone()).collect::<Vec<_>>();
    let all = numbers(&[&first, &second, &third]);
    assert_eq!(found(CaseSearch::default()).await, (3, all.clone()), "every case, oldest first");
    // A batch refused as a whole (a case created twice) counts nothing.
    let mut fourth = first.clone();
    fourth.id = CaseId::new();
    fourth.number = "思城管罚〔2026〕4号".into();
    let twice = [event(Mutation::CreateCase(Box::new(fourth))), event(Mutation::CreateCase(Box::new(first.clone())))];
    assert!(matches!(writer.commit(&twice).await, Err(StoreError::Conflict(_))), "the second case repeats an id");
    assert_eq!(found(CaseSearch::default()).await.0, 3, "the total is the cases stored");
    let everything = CaseSearch { from: Some(Timestamp::UNIX_EPOCH), ..Default::default() };
    assert_eq!(found(everything).await.0, 3, "counted and kept totals agree");
    assert_eq!(store.case_page(&CaseSearch::default()).await.unwrap().cases, [first.clone(), second.clone(), third.clone()]);
    let newest = CaseSearch { newest_first: true, ..Default::default() };
    assert_eq!(found(newest).await, (3, numbers(&[&third, &second, &first])));
    let page = CaseSearch { limit: Some(1), offset: 1, ..Default::default() };
    assert_eq!(found(page).await, (3, numbers(&[&second])), "a page counts every match");
    let past_the_end = CaseSearch { limit: Some(10), offset: 5, ..Default::default() };
    assert_eq!(found(past_the_end).await, (3, vec![]));

    let at = |stage| CaseSearch { stage: Some(stage), ..Default::default() };
    assert_eq!(found(at(Stage::Filing)).await, (1, numbers(&[&first])), "the stage it stands at now, not one it passed");
    assert_eq!(found(at(Stage::Intake)).await, (1, numbers(&[&second])), "resumed in intake");
    assert_eq!(found(at(Stage::Suspension)).await, (0, vec![]));
    let inspections = CaseSearch { act_kind: Some(ActKind::Inspection), ..Default::default() };
    assert_eq!(found(inspections).await, (1, numbers(&[&third])));
    let brigade = CaseSearch { units: Some(vec![directory.brigade.id]), ..Default::default() };
    assert_eq!(found(brigade).await, (1, numbers(&[&third])));
    let both_units = CaseSearch { units: Some(vec![directory.brigade.id, directory.squad.id]), ..Default::default() };
    assert_eq!(found(both_units).await, (3, all.clone()));
    let no_unit = CaseSearch { units: Some(vec![]), ..Default::default() };
    assert_eq!(found(no_unit).await, (0, vec![]));

    let assisted = CaseSearch { officer: Some(directory.assistant.id), ..Default::default() };
    assert_eq!(found(assisted).await, (2, numbers(&[&first, &third])), "cases the assistant handles");
    let readable = CaseSearch { handled_by: Some(directory.assistant.id), newest_first: true, ..Default::default() };
    assert_eq!(found(readable).await, (2, numbers(&[&third, &first])));
    let both = CaseSearch { officer: Some(directory.officer.id), handled_by: Some(directory.assistant.id), ..Default::default() };
    assert_eq!(found(both).await, (2, numbers(&[&first, &third])), "a filter and the reader's limit both hold");

    let text = |party: Option<&str>, matter: Option<&str>, any: Option<&str>| CaseSearch {
        party: party.map(Into::into),
        matter: matter.map(Into::into),
        text: any.map(Into::into),
        ..Default::default()
    };
    assert_eq!(found(text(Some("li si"), None, None)).await, (1, numbers(&[&second])), "a party's name, any case");
    assert_eq!(found(text(Some("王"), None, None)).await, (2, numbers(&[&first, &third])));
    assert_eq!(found(text(None, Some("𠮷"), None)).await, (2, numbers(&[&first, &third])), "the matter, beyond the BMP");
    assert_eq!(found(text(None, None, Some("建设"))).await, (1, numbers(&[&second])), "q: the matter");
    assert_eq!(found(text(None, None, Some("〔2026〕3"))).await, (1, numbers(&[&third])), "q: the number");
    assert_eq!(found(text(None, None, Some("某某餐饮"))).await, (1, numbers(&[&second])), "q: a party");
    assert_eq!(found(text(None, None, Some("100%_x"))).await, (1, numbers(&[&second])), "wildcards are taken as they are");
    assert_eq!(found(text(None, None, Some("1%"))).await, (0, vec![]), "`%` matches only itself");
    assert_eq!(found(text(None, None, Some("罚_"))).await, (0, vec![]), "`_` matches only itself");
    assert_eq!(found(text(None, None, Some("\\"))).await, (0, vec![]));

    let from = Timestamp::from_second(1_795_000_020).unwrap();
    let until = Timestamp::from_second(1_795_000_030).unwrap();
    let period = CaseSearch { from: Some(from), until: Some(until), ..Default::default() };
    assert_eq!(found(period).await, (1, numbers(&[&second])), "from inclusive, until not");
}

async fn case_files_are_read_for_many_cases_at_once(store: Arc<dyn MetaStore>) {
    use liuhen_core::document::{Document, DocumentKind, Signature, Signer};
    use liuhen_core::id::DocumentId;
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    let [first, second, third] = three_cases(&mut writer, &directory).await;
    let clip = media(b"a clip for two cases", Some(directory.camera.id));
    let recording = super::recordings::recording(clip.id, directory.camera.id, Some(0), 100);
    let document = Document {
        id: DocumentId::new(),
        case_id: first.id,
        kind: DocumentKind::FilingApproval,
        stage: Stage::Filing,
        version: 1,
        supersedes: None,
        amendment_reason: None,
        touches_rights: false,
        fields: Default::default(),
        legal_basis: "《中华人民共和国行政处罚法》第五十四条".into(),
        made_by: directory.officer.id,
        made_at: Timestamp::from_second(1_795_000_300).unwrap(),
        recorded_by: "console:test".into(),
    };
    let link = |case: &Case, stage| RecordingLink {
        case_id: case.id,
        media_id: clip.id,
        stage,
        item: RecordedItem::OnSiteInspection,
        location: "中山路".into(),
        label: "现场".into(),
        recording_end: None,
        linked_at: Timestamp::from_second(1_795_000_400).unwrap(),
        linked_by: "console:test".into(),
    };
    let approval = Approval {
        case_id: first.id,
        sequence: 0,
        matter: ApprovalMatter::Start,
        role: ApprovalRole::Handler,
        officer_id: Some(directory.officer.id),
        opinion: "建议立案".into(),
        approved: true,
        at: Timestamp::from_second(1_795_000_250).unwrap(),
        by: "console:test".into(),
    };
    writer
        .record_mutations([
            Mutation::CreateMedia(clip.clone()),
            Mutation::CreateRecording(Box::new(recording)),
            Mutation::LinkRecording(Box::new(link(&first, Stage::Filing))),
            Mutation::LinkRecording(Box::new(link(&first, Stage::Intake))),
            Mutation::LinkRecording(Box::new(link(&second, Stage::Intake))),
            Mutation::CreateDocument(Box::new(document.clone())),
            Mutation::RecordSignature(Box::new(Signature {
                document_id: document.id,
                sequence: 0,
                signer: Signer::Party { name: "王五".into() },
                at: document.made_at,
                refusal: None,
                recorded_by: "console:test".into(),
            })),
            Mutation::RecordApproval(Box::new(approval)),
        ])
        .await;
    let unknown = CaseId::new();
    let files = store.case_files(&[third.id, first.id, second.id, unknown]).await.unwrap();
    assert_eq!(files.len(), 4, "one file per case asked for, an unknown one empty");
    for case in [&first, &second, &third] {
        let file = &files[&case.id];
        assert_eq!(file.steps, store.case_steps(case.id).await.unwrap(), "{}", case.number);
        assert_eq!(file.approvals, store.case_approvals(case.id).await.unwrap(), "{}", case.number);
        assert_eq!(file.links, store.case_links(case.id).await.unwrap(), "{}", case.number);
        assert_eq!(file.documents, store.documents(case.id).await.unwrap(), "{}", case.number);
        let mut signatures = Vec::new();
        for document in &file.documents {
            signatures.extend(store.signatures(document.id).await.unwrap());
        }
        assert_eq!(file.signatures, signatures, "{}", case.number);
    }
    assert_eq!(files[&first.id].signatures.len(), 1);
    assert_eq!((files[&first.id].steps.len(), files[&first.id].links.len(), files[&first.id].documents.len()), (2, 2, 1));
    assert_eq!(files[&second.id].steps.len(), 3);
    assert_eq!(files[&unknown], liuhen_store::CaseFile::default());
    assert!(store.case_files(&[]).await.unwrap().is_empty());
}

async fn cases_recorded_before_the_search_columns_are_indexed_when_opened(database: &crate::support::Database) {
    use liuhen_store::CaseSearch;
    let directory = Directory::new();
    let [first, second, _third] = three_cases(&mut Writer::new(database.store.clone()), &directory).await;
    // As a database migrated from before the search columns holds them.
    database.execute("UPDATE cases SET stage = NULL, search_number = '', search_matter = '', search_parties = '', indexed = FALSE").await;
    database.execute("DELETE FROM case_officers").await;
    let reopened = database.open_again().await;
    let at_filing = CaseSearch { stage: Some(Stage::Filing), ..Default::default() };
    assert_eq!(reopened.case_page(&at_filing).await.unwrap().cases, std::slice::from_ref(&first));
    let by_party = CaseSearch { party: Some("li si".into()), officer: Some(directory.officer.id), ..Default::default() };
    assert_eq!(reopened.case_page(&by_party).await.unwrap().cases, [second]);
    let assisted = CaseSearch { handled_by: Some(directory.assistant.id), ..Default::default() };
    assert_eq!(reopened.case_page(&assisted).await.unwrap().total, 2);
}

async fn complaints_have_one_outcome(store: Arc<dyn MetaStore>) {
    use liuhen_core::complaint::{Channel, Complainant, Complaint, ComplaintDecision, ComplaintOutcome, Notice};
    use liuhen_core::id::ComplaintId;
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let opened = case(&directory, "罚-投诉", 5);
    let complaint = |seconds: i64, named: bool| Complaint {
        id: ComplaintId::new(),
        agency_id: directory.agency.id,
        received_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
        channel: Channel::Phone,
        complainant: named.then(|| Complainant { name: "赵六".into(), phone: Some("13800000000".into()), id_number: None }),
        content: "夜间施工噪音".into(),
        location: "中山路".into(),
        recorded_by: "console:test".into(),
    };
    let (later, first) = (complaint(20, true), complaint(10, false));
    let outcome = ComplaintOutcome {
        complaint_id: later.id,
        decision: ComplaintDecision::NoCase {
            reason: "不属于本机关职责".into(),
            notice: Some(Notice { method: "电话告知".into(), notified_at: Timestamp::from_second(1_795_000_100).unwrap() }),
        },
        decided_at: Timestamp::from_second(1_795_000_100).unwrap(),
        decided_by: "console:test".into(),
    };
    writer
        .record_mutations([
            Mutation::CreateCase(Box::new(opened.clone())),
            Mutation::CreateComplaint(Box::new(later.clone())),
            Mutation::CreateComplaint(Box::new(first.clone())),
            Mutation::RecordComplaintOutcome(Box::new(outcome.clone())),
        ])
        .await;
    assert_eq!(store.complaints().await.unwrap(), [(first.clone(), None), (later.clone(), Some(outcome))]);
    let again = ComplaintOutcome {
        complaint_id: later.id,
        decision: ComplaintDecision::CaseOpened { case_id: opened.id },
        decided_at: Timestamp::from_second(1_795_000_200).unwrap(),
        decided_by: "console:test".into(),
    };
    let twice = writer.commit(&[event(Mutation::RecordComplaintOutcome(Box::new(again)))]).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "one outcome per complaint: {twice:?}");
}

pub(super) fn case(directory: &Directory, number: &str, seconds: i64) -> Case {
    Case {
        id: CaseId::new(),
        agency_id: directory.agency.id,
        unit_id: directory.squad.id,
        number: number.into(),
        act_kind: ActKind::Penalty,
        procedure: Procedure::General,
        source: CaseSource::Complaint,
        matter: "占道经营 𠮷".into(),
        parties: vec![Party { kind: PartyKind::Person, name: "王五".into(), id_number: Some("350203199001011234".into()) }],
        lead_officer: directory.officer.id,
        handlers: vec![directory.officer.id, directory.assistant.id],
        opened_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
    }
}

fn step(case: &Case, sequence: u32, stage: Stage) -> StageStep {
    StageStep {
        case_id: case.id,
        sequence,
        step: Step::Enter { stage },
        at: Timestamp::from_second(1_795_000_100 + i64::from(sequence)).unwrap(),
        by: "console:test".into(),
        note: format!("第{sequence}步"),
        emergency: false,
    }
}

async fn cases_and_steps_round_trip_and_steps_never_collide(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let later = case(&directory, "思城管罚〔2026〕2号", 50);
    let first = case(&directory, "思城管罚〔2026〕1号", 10);
    writer.record_mutations([Mutation::CreateCase(Box::new(later.clone())), Mutation::CreateCase(Box::new(first.clone()))]).await;
    assert_eq!(store.case(first.id).await.unwrap().as_ref(), Some(&first));
    assert_eq!(store.case_by_number("思城管罚〔2026〕2号").await.unwrap().as_ref(), Some(&later));
    assert_eq!(store.case_by_number("不存在").await.unwrap(), None);
    assert_eq!(store.cases().await.unwrap(), [first.clone(), later.clone()], "oldest first");

    let steps = [step(&first, 0, Stage::Intake), step(&first, 1, Stage::Filing)];
    writer.record_mutations(steps.iter().cloned().map(Mutation::RecordStageStep)).await;
    assert_eq!(store.case_steps(first.id).await.unwrap(), steps);
    assert_eq!(store.case_steps(later.id).await.unwrap(), []);

    // Two writers that both saw two steps: only one third step is kept.
    let refused = writer.commit(&[event(Mutation::RecordStageStep(step(&first, 1, Stage::Investigation)))]).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    let approval = |sequence: u32, role: ApprovalRole| Approval {
        case_id: first.id,
        sequence,
        matter: ApprovalMatter::Start,
        role,
        officer_id: Some(directory.officer.id),
        opinion: "同意立案".into(),
        approved: true,
        at: Timestamp::from_second(1_795_000_200 + i64::from(sequence)).unwrap(),
        by: "console:test".into(),
    };
    let opinions = [approval(0, ApprovalRole::Handler), approval(1, ApprovalRole::Reviewer)];
    writer.record_mutations(opinions.iter().cloned().map(|opinion| Mutation::RecordApproval(Box::new(opinion)))).await;
    assert_eq!(store.case_approvals(first.id).await.unwrap(), opinions);
    assert_eq!(store.case_approvals(later.id).await.unwrap(), []);
    let twice = writer.commit(&[event(Mutation::RecordApproval(Box::new(approval(1, ApprovalRole::Approver))))]).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let duplicate_number = writer.commit(&[event(Mutation::CreateCase(Box::new(case(&directory, "思城管罚〔2026〕1号", 90))))]).await;
    assert!(matches!(duplicate_number, Err(StoreError::Conflict(_))), "{duplicate_number:?}");
    assert_eq!(store.case_steps(first.id).await.unwrap(), steps);
}

async fn document_versions_form_a_line_and_signatures_never_collide(store: Arc<dyn MetaStore>) {
    use liuhen_core::document::{Document, DocumentKind, Refusal, Signature, Signer};
    use liuhen_core::id::DocumentId;
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let owner = case(&directory, "罚-文书", 10);
    writer.record_mutations([Mutation::CreateCase(Box::new(owner.clone()))]).await;
    let version = |number: u32, supersedes: Option<DocumentId>, seconds: i64| Document {
        id: DocumentId::new(),
        case_id: owner.id,
        kind: DocumentKind::InquiryRecord,
        stage: Stage::Investigation,
        version: number,
        supersedes,
        amendment_reason: supersedes.map(|_| "笔误：地址门牌号".to_owned()),
        touches_rights: false,
        fields: [("place", "中山路 12 号"), ("questions_and_answers", "问：……\n答：……")].map(|(k, v)| (k.to_owned(), v.to_owned())).into(),
        legal_basis: "《中华人民共和国行政处罚法》第五十五条".into(),
        made_by: directory.officer.id,
        made_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
        recorded_by: "console:test".into(),
    };
    let first = version(1, None, 0);
    let second = version(2, Some(first.id), 60);
    let signature = |document: &Document, sequence: u32, refusal: Option<Refusal>| Signature {
        document_id: document.id,
        sequence,
        signer: Signer::Party { name: "王五".into() },
        at: document.made_at,
        refusal,
        recorded_by: "console:test".into(),
    };
    let refused = signature(&first, 0, Some(Refusal { reason: "不认可违法事实".into(), witness: "社区干部赵六".into() }));
    writer
        .record_mutations([
            Mutation::CreateDocument(Box::new(first.clone())),
            Mutation::RecordSignature(Box::new(refused.clone())),
            Mutation::CreateDocument(Box::new(second.clone())),
        ])
        .await;
    assert_eq!(store.documents(owner.id).await.unwrap(), [first.clone(), second.clone()]);
    assert_eq!(store.document(second.id).await.unwrap().as_ref(), Some(&second));
    assert_eq!(store.document(DocumentId::new()).await.unwrap(), None);
    assert_eq!(store.signatures(first.id).await.unwrap(), std::slice::from_ref(&refused));
    assert_eq!(store.signatures(second.id).await.unwrap(), []);

    let fork = version(2, Some(first.id), 90);
    let forked = writer.commit(&[event(Mutation::CreateDocument(Box::new(fork)))]).await;
    assert!(matches!(forked, Err(StoreError::Conflict(_))), "a version is corrected once: {forked:?}");
    let twice = writer.commit(&[event(Mutation::RecordSignature(Box::new(signature(&first, 0, None))))]).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert_eq!(store.signatures(first.id).await.unwrap(), [refused]);
}

async fn recordings_link_to_cases_once_per_stage(store: Arc<dyn MetaStore>) {
    let directory = Directory::new();
    let mut writer = Writer::new(store.clone());
    writer.record_mutations(directory.mutations()).await;
    let first = case(&directory, "罚-1", 10);
    let second = case(&directory, "罚-2", 20);
    let clip = media(b"clip linked twice", Some(directory.camera.id));
    let unregistered = media(b"stored but not registered", None);
    let recording = super::recordings::recording(clip.id, directory.camera.id, Some(0), 100);
    writer
        .record_mutations([
            Mutation::CreateCase(Box::new(first.clone())),
            Mutation::CreateCase(Box::new(second.clone())),
            Mutation::CreateMedia(clip.clone()),
            Mutation::CreateMedia(unregistered.clone()),
            Mutation::CreateRecording(Box::new(recording)),
        ])
        .await;
    let link = |case: &Case, media_id, stage, seconds: i64| RecordingLink {
        case_id: case.id,
        media_id,
        stage,
        item: RecordedItem::OnSiteInspection,
        location: "思明区中山路 12 号".into(),
        label: "现场检查：人行道摆摊".into(),
        recording_end: Some(Timestamp::from_second(1_795_000_000).unwrap()),
        linked_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
        linked_by: "console:test".into(),
    };
    let links = [
        link(&first, clip.id, Stage::Investigation, 60),
        link(&second, clip.id, Stage::Intake, 30),
        link(&first, clip.id, Stage::Hearing, 90),
    ];
    writer.record_mutations(links.iter().cloned().map(|link| Mutation::LinkRecording(Box::new(link)))).await;
    assert_eq!(store.case_links(first.id).await.unwrap(), [links[0].clone(), links[2].clone()]);
    assert_eq!(
        store.recording_links(clip.id).await.unwrap(),
        [links[1].clone(), links[0].clone(), links[2].clone()],
        "in the order linked"
    );
    assert_eq!(links[0].delay_ms(), Some(60_000));

    let again = writer.commit(&[event(Mutation::LinkRecording(Box::new(link(&first, clip.id, Stage::Investigation, 99))))]).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "one link per recording, case and stage: {again:?}");
    let not_a_recording =
        writer.commit(&[event(Mutation::LinkRecording(Box::new(link(&first, unregistered.id, Stage::Intake, 99))))]).await;
    assert!(matches!(not_a_recording, Err(StoreError::Conflict(_))), "only registered recordings link: {not_a_recording:?}");
    assert_eq!(store.recording_links(unregistered.id).await.unwrap(), []);
}

//! Case work (案件办理): the one service behind `liuhen case …` and the
//! `/api/v1/cases` endpoints.
//!
//! It checks requests against the rules in `liuhen_core::case` and records
//! every change as a ledger entry together with its state change. Who may ask
//! is the caller's concern (the API checks roles; the console is trusted);
//! what may be done is decided here, the same way for both.

use jiff::Timestamp;
use liuhen_core::case::{
    check_approval, check_gates, check_link, check_new_case, emergency_approval_due, ActKind, Approval, ApprovalMatter, ApprovalRole, Case,
    CaseSource, Party, Procedure, Progress, RecordedItem, RecordingLink, Stage, StageRefused, StageStep,
};
use std::collections::BTreeMap;

use liuhen_core::complaint::{
    check_outcome as check_complaint_outcome, Channel, Complainant, Complaint, ComplaintDecision, ComplaintOutcome,
};
use liuhen_core::digest::Sha256Digest;
use liuhen_core::document::{check_document, check_service_date, check_signature, Document, DocumentKind, Refusal, Signature, Signer};
use liuhen_core::entity::Officer;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, CaseId, ComplaintId, DocumentId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{MetaStore, StoreError};
use serde::{Deserialize, Serialize};

/// Longest free text accepted in a field (a matter, a note), in characters.
pub const MAX_TEXT: usize = 2000;
/// Longest name or number, in characters.
pub const MAX_NAME: usize = 200;

/// Why a request about a case was not carried out. Nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// A rule of the regulations refuses it; the error names the article.
    #[error(transparent)]
    Refused(#[from] StageRefused),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// The printed form could not be made (no CJK font, say).
    #[error("{0}")]
    Print(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(LedgerError),
}

pub type Result<T, E = CaseError> = std::result::Result<T, E>;

/// What opening a case needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub act_kind: ActKind,
    #[serde(default = "general")]
    pub procedure: Procedure,
    pub source: CaseSource,
    pub matter: String,
    /// Generated when absent.
    #[serde(default)]
    pub number: Option<String>,
    /// Default: the lead officer's unit.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// Badge number of the lead officer.
    pub lead: String,
    /// Badge numbers of the other handling officers.
    #[serde(default)]
    pub handlers: Vec<String>,
    #[serde(default)]
    pub parties: Vec<Party>,
}

fn general() -> Procedure {
    Procedure::General
}

/// A case as it stands: its record, its steps and its links.
#[derive(Clone, Debug, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub steps: Vec<StageStep>,
    pub approvals: Vec<Approval>,
    /// The role whose opinion comes next in each chain (none: complete).
    pub next_start_approval: Option<ApprovalRole>,
    pub next_decision_approval: Option<ApprovalRole>,
    /// An emergency start's approval is due by then (大连 第六条: 24 h).
    pub start_approval_due: Option<Timestamp>,
    /// …and that time has passed.
    pub start_approval_overdue: bool,
    pub archived: bool,
    /// A concluded case is archived by then (大连 第二十二条: 30 days).
    pub archive_due: Option<Timestamp>,
    pub archive_overdue: bool,
    /// Orders to correct past their due date with no re-check recorded.
    pub overdue_rechecks: Vec<DocumentId>,
    pub links: Vec<RecordingLink>,
    pub current_stage: Option<Stage>,
    pub suspended_in: Option<Stage>,
    pub concluded: bool,
    /// The general stages not yet reached, in order.
    pub remaining_stages: Vec<Stage>,
}

/// A linking request.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// A media id or a SHA-256.
    pub media: String,
    pub stage: Stage,
    pub item: RecordedItem,
    pub location: String,
    pub label: String,
}

/// Trims a text field and refuses what no one should store in it. Line
/// breaks as browsers send them from a text area (CR LF) are kept as LF.
pub fn check_text(what: &str, text: &str, limit: usize) -> Result<String> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() > limit {
        return Err(CaseError::Invalid(format!("{what} is longer than {limit} characters; shorten it (attach long texts as documents)")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CaseError::Invalid(format!("{what} contains control characters; remove them")));
    }
    Ok(text.to_owned())
}

fn ledger_error(error: LedgerError, conflict: impl FnOnce() -> String) -> CaseError {
    match error {
        LedgerError::Store(StoreError::Conflict(_)) => CaseError::Conflict(conflict()),
        other => CaseError::Ledger(other),
    }
}

/// Opens a case, recorded as `case.opened`.
pub async fn open_case(ledger: &Ledger, request: NewCase, actor: &str, agency: AgencyId, year: i16) -> Result<Case> {
    let store = ledger.store();
    let officers = store.officers().await?;
    let find = |badge: &str| -> Result<Officer> {
        officers.iter().find(|officer| officer.badge_no == badge.trim()).cloned().ok_or_else(|| {
            CaseError::NotFound(format!("there is no officer with badge number {badge}; `liuhen officer list` shows the officers"))
        })
    };
    let lead = find(&request.lead)?;
    let mut handlers = vec![lead.clone()];
    for badge in &request.handlers {
        let officer = find(badge)?;
        if !handlers.iter().any(|known| known.id == officer.id) {
            handlers.push(officer);
        }
    }
    let unit_id = match &request.unit_code {
        Some(code) => {
            store
                .units()
                .await?
                .into_iter()
                .find(|unit| &unit.code == code)
                .ok_or_else(|| CaseError::NotFound(format!("there is no unit with code {code}")))?
                .id
        }
        None => lead.unit_id,
    };
    let mut parties = Vec::with_capacity(request.parties.len());
    for party in request.parties {
        let name = check_text("a party's name", &party.name, MAX_NAME)?;
        if name.is_empty() {
            return Err(CaseError::Invalid("a party has no name".into()));
        }
        let id_number = match party.id_number.as_deref().map(str::trim).filter(|number| !number.is_empty()) {
            Some(number) => Some(check_text("a party's ID number", number, 64)?),
            None => None,
        };
        parties.push(Party { kind: party.kind, name, id_number });
    }
    let matter = check_text("the matter", &request.matter, MAX_TEXT)?;
    let number = match &request.number {
        Some(number) => check_text("the case number", number, MAX_NAME)?,
        None => {
            let count = store.case_page(&liuhen_store::CaseSearch { limit: Some(0), ..Default::default() }).await?.total;
            format!("{}-{year}-{:04}", request.act_kind.label_zh(), count + 1)
        }
    };
    if number.is_empty() {
        return Err(CaseError::Invalid("the case number is empty".into()));
    }
    let case = Case {
        id: CaseId::new(),
        agency_id: agency,
        unit_id,
        number,
        act_kind: request.act_kind,
        procedure: request.procedure,
        source: request.source,
        matter,
        parties,
        lead_officer: lead.id,
        handlers: handlers.iter().map(|officer| officer.id).collect(),
        opened_at: Timestamp::now(),
    };
    check_new_case(&case, &handlers)?;
    let draft = EntryDraft::new(actor, action::CASE_OPENED).subject(case.id.subject()).payload(serde_json::json!({
        "number": case.number, "act_kind": case.act_kind, "procedure": case.procedure, "source": case.source,
        "matter": case.matter, "lead_officer": case.lead_officer, "handlers": case.handlers, "parties": case.parties.len(),
    }));
    ledger
        .record(draft, vec![Mutation::CreateCase(Box::new(case.clone()))])
        .await
        .map_err(|error| ledger_error(error, || format!("a case numbered {} exists already; choose another number", case.number)))?;
    Ok(case)
}

/// Finds a case by id or by number.
pub async fn find_case(store: &dyn MetaStore, reference: &str) -> Result<Case> {
    if let Ok(id) = reference.parse::<CaseId>() {
        if let Some(case) = store.case(id).await? {
            return Ok(case);
        }
    }
    store
        .case_by_number(reference)
        .await?
        .ok_or_else(|| CaseError::NotFound(format!("there is no case {reference}; `liuhen case list` shows the cases")))
}

/// Moves a case to a stage (or resumes it there), recorded as `case.stage`.
/// `emergency` starts filing before its approval (大连 第六条).
pub async fn enter_stage(ledger: &Ledger, case: &Case, stage: Stage, note: &str, emergency: bool, actor: &str) -> Result<StageStep> {
    let note = check_text("the note", note, MAX_TEXT)?;
    let steps = ledger.store().case_steps(case.id).await?;
    let step = Progress::of(case, &steps).check(case, stage)?;
    if matches!(step, liuhen_core::case::Step::Enter { .. }) {
        let approvals = ledger.store().case_approvals(case.id).await?;
        check_gates(case, stage, &approvals, emergency)?;
        let documents = ledger.store().documents(case.id).await?;
        liuhen_core::document::check_execution(case, stage, &documents)?;
        liuhen_core::document::check_simple_procedure(case, stage, &documents)?;
    }
    append_step(ledger, case, steps.len(), step, note, emergency, actor, |recorded| {
        serde_json::json!({
            "sequence": recorded.sequence, "step": recorded.step, "note": recorded.note, "emergency": recorded.emergency,
        })
    })
    .await
}

/// Archives a concluded case, recorded as `case.stage` with an archive step.
pub async fn archive_case(ledger: &Ledger, case: &Case, note: &str, actor: &str) -> Result<StageStep> {
    let note = check_text("the note", note, MAX_TEXT)?;
    let steps = ledger.store().case_steps(case.id).await?;
    let step = Progress::of(case, &steps).check_archive(case)?;
    append_step(
        ledger,
        case,
        steps.len(),
        step,
        note,
        false,
        actor,
        |recorded| serde_json::json!({ "sequence": recorded.sequence, "step": recorded.step, "note": recorded.note }),
    )
    .await
}

/// Records a checked step as the case's next one (`case.stage`); a writer
/// that recorded step N a moment earlier wins, and this one is told to retry.
#[allow(clippy::too_many_arguments)]
async fn append_step(
    ledger: &Ledger,
    case: &Case,
    steps_so_far: usize,
    step: liuhen_core::case::Step,
    note: String,
    emergency: bool,
    actor: &str,
    payload: impl FnOnce(&StageStep) -> serde_json::Value,
) -> Result<StageStep> {
    let recorded = StageStep {
        case_id: case.id,
        sequence: u32::try_from(steps_so_far).map_err(|_| CaseError::Invalid("a case has too many steps".into()))?,
        step,
        at: Timestamp::now(),
        by: actor.to_owned(),
        note,
        emergency,
    };
    let draft = EntryDraft::new(actor, action::CASE_STAGE).subject(case.id.subject()).payload(payload(&recorded));
    ledger.record(draft, vec![Mutation::RecordStageStep(recorded.clone())]).await.map_err(|error| {
        ledger_error(error, || format!("someone recorded a step of case {} at the same moment; look at it again and retry", case.number))
    })?;
    Ok(recorded)
}

/// An opinion in an approval chain.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApproval {
    pub matter: ApprovalMatter,
    pub role: ApprovalRole,
    /// Badge number of the officer giving it, if an officer.
    #[serde(default)]
    pub officer: Option<String>,
    pub opinion: String,
    /// `false` disagrees; the chain then starts again from the handler.
    #[serde(default = "yes")]
    pub approved: bool,
}

fn yes() -> bool {
    true
}

/// Records an opinion in an approval chain, in its order (大连 第二十八条),
/// recorded as `case.approval`.
pub async fn approve(ledger: &Ledger, case: &Case, request: NewApproval, actor: &str) -> Result<Approval> {
    let store = ledger.store();
    let opinion = check_text("the opinion", &request.opinion, MAX_TEXT)?;
    if opinion.is_empty() {
        return Err(CaseError::Invalid("an approval needs its opinion in words (e.g. 同意立案, 建议罚款二百元)".into()));
    }
    let officer_id = match &request.officer {
        Some(badge) => Some(
            store
                .officers()
                .await?
                .into_iter()
                .find(|officer| officer.badge_no == badge.trim())
                .ok_or_else(|| CaseError::NotFound(format!("there is no officer with badge number {badge}")))?
                .id,
        ),
        None => None,
    };
    if request.role == ApprovalRole::Handler && !officer_id.is_some_and(|id| case.handlers.contains(&id)) {
        return Err(CaseError::Refused(StageRefused {
            message: format!("the handler's opinion comes from an officer handling case {}", case.number),
            article: "大连 第二十八条",
        }));
    }
    let steps = store.case_steps(case.id).await?;
    let approvals = store.case_approvals(case.id).await?;
    check_approval(case, &Progress::of(case, &steps), &approvals, request.matter, request.role)?;
    let approval = Approval {
        case_id: case.id,
        sequence: u32::try_from(approvals.len()).map_err(|_| CaseError::Invalid("a case has too many approvals".into()))?,
        matter: request.matter,
        role: request.role,
        officer_id,
        opinion,
        approved: request.approved,
        at: Timestamp::now(),
        by: actor.to_owned(),
    };
    let draft = EntryDraft::new(actor, action::CASE_APPROVAL).subject(case.id.subject()).payload(serde_json::json!({
        "sequence": approval.sequence, "matter": approval.matter, "role": approval.role, "officer": approval.officer_id,
        "opinion": approval.opinion, "approved": approval.approved,
    }));
    ledger.record(draft, vec![Mutation::RecordApproval(Box::new(approval.clone()))]).await.map_err(|error| {
        ledger_error(error, || format!("someone recorded an approval of case {} at the same moment; look again and retry", case.number))
    })?;
    Ok(approval)
}

/// Links a registered AV record to a case at a stage it reached, recorded as
/// `recording.linked`.
pub async fn link_recording(ledger: &Ledger, case: &Case, request: NewLink, actor: &str) -> Result<RecordingLink> {
    let store = ledger.store();
    let location = check_text("the location", &request.location, MAX_NAME)?;
    let label = check_text("the label", &request.label, MAX_NAME)?;
    if location.is_empty() || label.is_empty() {
        return Err(CaseError::Invalid("say where it was recorded (location) and label it (label)".into()));
    }
    let media = match request.media.trim().parse::<MediaId>() {
        Ok(id) => store.media(id).await?,
        Err(_) => match request.media.trim().parse::<Sha256Digest>() {
            Ok(sha256) => store.media_by_sha256(&sha256).await?,
            Err(_) => return Err(CaseError::Invalid(format!("`{}` is neither a media id nor a SHA-256", request.media))),
        },
    };
    let media = media.ok_or_else(|| CaseError::NotFound(format!("no stored file is {}", request.media)))?;
    let recording = store.recording(media.id).await?.ok_or_else(|| {
        CaseError::Invalid(format!("{} is stored but was not offloaded from a device, so it is not an AV record to link", request.media))
    })?;
    let steps = store.case_steps(case.id).await?;
    check_link(case, &steps, request.stage)?;
    let link = RecordingLink {
        case_id: case.id,
        media_id: recording.media_id,
        stage: request.stage,
        item: request.item,
        location,
        label,
        recording_end: recording.corrected_end.or(recording.corrected_start),
        linked_at: Timestamp::now(),
        linked_by: actor.to_owned(),
    };
    let draft = EntryDraft::new(actor, action::RECORDING_LINKED).subject(case.id.subject()).subject(link.media_id.subject()).payload(
        serde_json::json!({
            "stage": link.stage, "item": link.item, "location": link.location, "label": link.label, "delay_ms": link.delay_ms(),
        }),
    );
    ledger.record(draft, vec![Mutation::LinkRecording(Box::new(link.clone()))]).await.map_err(|error| {
        ledger_error(error, || format!("this recording is already linked to case {} at {}", case.number, link.stage.label_zh()))
    })?;
    Ok(link)
}

/// A case with its steps, links and where it stands.
pub async fn view(store: &dyn MetaStore, case: Case) -> Result<CaseView> {
    let mut file = store.case_files(&[case.id]).await?;
    Ok(view_of(file.remove(&case.id).unwrap_or_default(), case, Timestamp::now()))
}

/// The views of several cases, read together (the case list's page): the
/// same as [`view`] of each, in the order given, with four reads in all.
pub async fn views(store: &dyn MetaStore, cases: Vec<Case>) -> Result<Vec<CaseView>> {
    let ids: Vec<CaseId> = cases.iter().map(|case| case.id).collect();
    let mut files = store.case_files(&ids).await?;
    let now = Timestamp::now();
    Ok(cases
        .into_iter()
        .map(|case| {
            let file = files.remove(&case.id).unwrap_or_default();
            view_of(file, case, now)
        })
        .collect())
}

/// Where a case stands, from its file, at `now`.
fn view_of(file: liuhen_store::CaseFile, case: Case, now: Timestamp) -> CaseView {
    let liuhen_store::CaseFile { steps, approvals, links, documents, .. } = file;
    let progress = Progress::of(&case, &steps);
    let general = case.act_kind.general_stages();
    let reached = progress.general.and_then(|stage| general.iter().position(|candidate| *candidate == stage));
    let remaining_stages = general[reached.map_or(0, |reached| reached + 1)..].to_vec();
    let start_approval_due = emergency_approval_due(&case, &steps, &approvals);
    CaseView {
        current_stage: progress.current,
        suspended_in: progress.suspended_in,
        concluded: progress.concluded,
        remaining_stages,
        next_start_approval: case
            .act_kind
            .general_stages()
            .contains(&Stage::Filing)
            .then(|| liuhen_core::case::chain_next(&case, ApprovalMatter::Start, &approvals))
            .flatten(),
        next_decision_approval: liuhen_core::case::chain_next(&case, ApprovalMatter::Decision, &approvals),
        start_approval_overdue: start_approval_due.is_some_and(|due| due < now),
        archived: progress.archived,
        archive_due: progress.archive_due(),
        archive_overdue: progress.archive_due().is_some_and(|due| due < now),
        overdue_rechecks: liuhen_core::document::overdue_rechecks(&documents, &steps, now),
        start_approval_due,
        approvals,
        case,
        steps,
        links,
    }
}

/// What making a document needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub stage: Stage,
    /// The structured content; a correction starts from the old version's
    /// fields and replaces those given here.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Default for a correction: the old version's.
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// Badge number of the maker.
    pub made_by: String,
    /// For a correction: it touches the party's rights (丰台 第二十九条).
    #[serde(default)]
    pub touches_rights: bool,
}

/// Makes a document version, recorded as `document.made`. With
/// `correcting`, the new version supersedes that one and needs `reason`.
pub async fn make_document(
    ledger: &Ledger,
    case: &Case,
    request: NewDocument,
    correcting: Option<(DocumentId, String)>,
    actor: &str,
) -> Result<Document> {
    let store = ledger.store();
    let maker = store
        .officers()
        .await?
        .into_iter()
        .find(|officer| officer.badge_no == request.made_by.trim())
        .ok_or_else(|| CaseError::NotFound(format!("there is no officer with badge number {}", request.made_by)))?;
    let previous = match &correcting {
        Some((id, _)) => {
            let old = store.document(*id).await?.ok_or_else(|| CaseError::NotFound(format!("there is no document {id}")))?;
            if old.case_id != case.id {
                return Err(CaseError::NotFound(format!("document {id} does not belong to case {}", case.number)));
            }
            Some(old)
        }
        None => None,
    };
    let mut fields = previous.as_ref().map(|old| old.fields.clone()).unwrap_or_default();
    for (name, value) in request.fields {
        let name = check_text("a field name", &name, 64)?;
        let value = check_text(&format!("the field {name}"), &value, MAX_TEXT * 10)?;
        fields.insert(name, value);
    }
    let legal_basis = match (&request.legal_basis, &previous) {
        (Some(basis), _) => check_text("the legal basis", basis, MAX_TEXT)?,
        (None, Some(old)) => old.legal_basis.clone(),
        (None, None) => String::new(),
    };
    let document = Document {
        id: DocumentId::new(),
        case_id: case.id,
        kind: request.kind,
        stage: request.stage,
        version: previous.as_ref().map_or(1, |old| old.version + 1),
        supersedes: previous.as_ref().map(|old| old.id),
        amendment_reason: match &correcting {
            Some((_, reason)) => Some(check_text("the reason for the correction", reason, MAX_TEXT)?),
            None => None,
        },
        touches_rights: request.touches_rights,
        fields,
        legal_basis,
        made_by: maker.id,
        made_at: Timestamp::now(),
        recorded_by: actor.to_owned(),
    };
    let steps = store.case_steps(case.id).await?;
    check_document(case, &steps, &document, previous.as_ref())?;
    if document.kind == DocumentKind::ServiceReceipt {
        let served = document.fields.get("document").and_then(|id| id.trim().parse::<DocumentId>().ok());
        let served = match served {
            Some(id) => store.document(id).await?,
            None => None,
        };
        let served = served
            .ok_or_else(|| CaseError::Invalid("a service receipt names the document served (its id) in the field `document`".into()))?;
        check_service_date(&document, &served)?;
    }
    let draft = EntryDraft::new(actor, action::DOCUMENT_MADE).subject(case.id.subject()).subject(document.id.subject()).payload(
        serde_json::json!({
            "kind": document.kind, "stage": document.stage, "version": document.version, "supersedes": document.supersedes,
            "amendment_reason": document.amendment_reason, "fields": document.fields, "legal_basis": document.legal_basis,
            "made_by": document.made_by,
        }),
    );
    ledger
        .record(draft, vec![Mutation::CreateDocument(Box::new(document.clone()))])
        .await
        .map_err(|error| ledger_error(error, || "this version was corrected already; correct the latest version".to_owned()))?;
    Ok(document)
}

/// A signature request: who, and whether they refused.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSignature {
    pub signer: SignerRequest,
    #[serde(default)]
    pub refusal: Option<Refusal>,
}

/// Who signs, as a request names them.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignerRequest {
    Officer { badge: String, certificate_shown: bool },
    Party { name: String },
    Witness { name: String },
    LegalReviewer { badge: String },
    Leader { badge: String },
}

/// Records a signature or a refusal to sign, recorded as `document.signed`.
pub async fn sign_document(ledger: &Ledger, document_id: DocumentId, request: NewSignature, actor: &str) -> Result<Signature> {
    let store = ledger.store();
    let document = store.document(document_id).await?.ok_or_else(|| CaseError::NotFound(format!("there is no document {document_id}")))?;
    let officers = store.officers().await?;
    let officer = |badge: &str| {
        officers
            .iter()
            .find(|officer| officer.badge_no == badge.trim())
            .cloned()
            .ok_or_else(|| CaseError::NotFound(format!("there is no officer with badge number {badge}")))
    };
    let signer = match request.signer {
        SignerRequest::Officer { badge, certificate_shown } => {
            let officer = officer(&badge)?;
            Signer::Officer { officer_id: officer.id, certificate_no: officer.certificate_no, certificate_shown }
        }
        SignerRequest::Party { name } => Signer::Party { name: check_text("the party's name", &name, MAX_NAME)? },
        SignerRequest::Witness { name } => Signer::Witness { name: check_text("the witness's name", &name, MAX_NAME)? },
        SignerRequest::LegalReviewer { badge } => Signer::LegalReviewer { officer_id: officer(&badge)?.id },
        SignerRequest::Leader { badge } => Signer::Leader { officer_id: officer(&badge)?.id },
    };
    let refusal = match request.refusal {
        Some(refusal) => Some(Refusal {
            reason: check_text("the reason for refusing", &refusal.reason, MAX_TEXT)?,
            witness: check_text("the witness of the refusal", &refusal.witness, MAX_NAME)?,
        }),
        None => None,
    };
    let superseded = store.documents(document.case_id).await?.iter().any(|other| other.supersedes == Some(document.id));
    let existing = store.signatures(document.id).await?;
    let signature = Signature {
        document_id: document.id,
        sequence: u32::try_from(existing.len()).map_err(|_| CaseError::Invalid("a document has too many signatures".into()))?,
        signer,
        at: Timestamp::now(),
        refusal,
        recorded_by: actor.to_owned(),
    };
    check_signature(&signature, superseded)?;
    let draft = EntryDraft::new(actor, action::DOCUMENT_SIGNED)
        .subject(document.case_id.subject())
        .subject(document.id.subject())
        .payload(serde_json::json!({ "sequence": signature.sequence, "signer": signature.signer, "refusal": signature.refusal }));
    ledger.record(draft, vec![Mutation::RecordSignature(Box::new(signature.clone()))]).await.map_err(|error| {
        ledger_error(error, || "someone recorded a signature on this document at the same moment; look again and retry".to_owned())
    })?;
    Ok(signature)
}

/// A document version with its signatures and whether it was corrected.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentView {
    pub document: Document,
    pub signatures: Vec<Signature>,
    /// The version that corrects this one, if any.
    pub superseded_by: Option<DocumentId>,
    /// What this correction still needs (丰台 第二十九条), if anything.
    pub correction_pending: Option<&'static str>,
}

/// Every document version of a case, oldest first.
pub async fn documents(store: &dyn MetaStore, case: &Case) -> Result<Vec<DocumentView>> {
    let documents = store.documents(case.id).await?;
    let mut views = Vec::with_capacity(documents.len());
    for document in &documents {
        let superseded_by = documents.iter().find(|other| other.supersedes == Some(document.id)).map(|other| other.id);
        let signatures = store.signatures(document.id).await?;
        let correction_pending = liuhen_core::document::correction_pending(document, &signatures, &documents);
        views.push(DocumentView { signatures, document: document.clone(), superseded_by, correction_pending });
    }
    Ok(views)
}

/// A complaint as received.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub channel: Channel,
    /// `None`: anonymous.
    #[serde(default)]
    pub complainant: Option<Complainant>,
    pub content: String,
    pub location: String,
}

/// Registers a complaint, recorded as `complaint.received`. The ledger
/// payload leaves the complainant out: the ledger is readable by everyone
/// who may sign in, and who complained is protected (大连 第七条).
pub async fn receive_complaint(ledger: &Ledger, agency: AgencyId, request: NewComplaint, actor: &str) -> Result<Complaint> {
    let content = check_text("the complaint", &request.content, MAX_TEXT)?;
    if content.is_empty() {
        return Err(CaseError::Invalid("say what the complaint is about".into()));
    }
    let complainant = match request.complainant {
        Some(person) => {
            let name = check_text("the complainant's name", &person.name, MAX_NAME)?;
            if name.is_empty() {
                return Err(CaseError::Invalid("a named complainant has a name; leave complainant out for an anonymous one".into()));
            }
            let optional = |what: &str, text: Option<String>| -> Result<Option<String>> {
                text.map(|text| check_text(what, &text, 64)).transpose().map(|text| text.filter(|text| !text.is_empty()))
            };
            Some(Complainant {
                name,
                phone: optional("the complainant's phone", person.phone)?,
                id_number: optional("the complainant's ID number", person.id_number)?,
            })
        }
        None => None,
    };
    let complaint = Complaint {
        id: ComplaintId::new(),
        agency_id: agency,
        received_at: Timestamp::now(),
        channel: request.channel,
        complainant,
        content,
        location: check_text("the location", &request.location, MAX_NAME)?,
        recorded_by: actor.to_owned(),
    };
    let draft = EntryDraft::new(actor, action::COMPLAINT_RECEIVED).subject(complaint.id.subject()).payload(serde_json::json!({
        "channel": complaint.channel, "named": complaint.complainant.is_some(),
        "content_sha256": liuhen_core::digest::sha256(complaint.content.as_bytes()),
    }));
    ledger.record(draft, vec![Mutation::CreateComplaint(Box::new(complaint.clone()))]).await.map_err(CaseError::Ledger)?;
    Ok(complaint)
}

/// Records what became of a complaint, once, recorded as `complaint.decided`.
pub async fn decide_complaint(
    ledger: &Ledger,
    complaint: ComplaintId,
    decision: ComplaintDecision,
    actor: &str,
) -> Result<ComplaintOutcome> {
    let store = ledger.store();
    let (found, outcome) = store
        .complaints()
        .await?
        .into_iter()
        .find(|(found, _)| found.id == complaint)
        .ok_or_else(|| CaseError::NotFound(format!("there is no complaint {complaint}")))?;
    if outcome.is_some() {
        return Err(CaseError::Conflict(format!("complaint {complaint} is decided already; its outcome is not changed")));
    }
    if let ComplaintDecision::CaseOpened { case_id } = &decision {
        store.case(*case_id).await?.ok_or_else(|| CaseError::NotFound(format!("there is no case {case_id}")))?;
    }
    check_complaint_outcome(&found, &decision)?;
    let outcome = ComplaintOutcome { complaint_id: complaint, decision, decided_at: Timestamp::now(), decided_by: actor.to_owned() };
    let draft = EntryDraft::new(actor, action::COMPLAINT_DECIDED)
        .subject(complaint.subject())
        .payload(serde_json::json!({ "decision": outcome.decision }));
    ledger
        .record(draft, vec![Mutation::RecordComplaintOutcome(Box::new(outcome.clone()))])
        .await
        .map_err(|error| ledger_error(error, || format!("complaint {complaint} was decided a moment ago")))?;
    Ok(outcome)
}

/// Names for printed forms: the agency and every officer.
pub async fn print_directory(store: &dyn MetaStore) -> Result<liuhen_print::Directory> {
    let agency = store.agencies().await?.into_iter().next().map(|agency| agency.name).unwrap_or_default();
    let officers = store.officers().await?.into_iter().map(|officer| (officer.id, (officer.name, officer.certificate_no))).collect();
    Ok(liuhen_print::Directory { agency, officers })
}

/// The printed form of one document version.
pub async fn document_pdf(store: &dyn MetaStore, printer: &liuhen_print::Printer, case: &Case, document: DocumentId) -> Result<Vec<u8>> {
    let document = store
        .document(document)
        .await?
        .filter(|found| found.case_id == case.id)
        .ok_or_else(|| CaseError::NotFound(format!("case {} has no document {document}", case.number)))?;
    let signatures = store.signatures(document.id).await?;
    let directory = print_directory(store).await?;
    printer.document(&directory, case, &document, &signatures).map_err(|error| CaseError::Print(error.to_string()))
}

/// The printed case file index (案卷目录).
pub async fn case_index_pdf(store: &dyn MetaStore, printer: &liuhen_print::Printer, case: &Case) -> Result<Vec<u8>> {
    let steps = store.case_steps(case.id).await?;
    let approvals = store.case_approvals(case.id).await?;
    let links = store.case_links(case.id).await?;
    let mut documents = Vec::new();
    for document in store.documents(case.id).await? {
        let signatures = store.signatures(document.id).await?;
        documents.push((document, signatures));
    }
    let directory = print_directory(store).await?;
    printer.case_index(&directory, case, &steps, &approvals, &documents, &links).map_err(|error| CaseError::Print(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_line_breaks_however_they_are_sent_and_refuses_other_controls() {
        assert_eq!(check_text("the note", "  问：是谁的？\r\n答：是我的。\n", 100).unwrap(), "问：是谁的？\n答：是我的。");
        assert!(check_text("the note", "a\rb", 100).is_err(), "a lone CR is not a line break");
        assert!(check_text("the note", "a\u{7}b", 100).is_err());
        assert!(check_text("the note", "一二三", 2).is_err());
    }
}

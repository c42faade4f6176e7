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
use liuhen_core::digest::Sha256Digest;
use liuhen_core::entity::Officer;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, CaseId, DocumentId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{MetaStore, StoreError};
use serde::{Deserialize, Serialize};

mod complaints;
mod documents;
pub use complaints::*;
pub use documents::*;

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

//! Access requests, decisions, marks, the read check and the read audit.

use jiff::{SignedDuration, Timestamp};
use liuhen_core::access::{
    check_decision, check_request, marks_in_force, may_read, AccessDecision, AccessFile, AccessMode, AccessRefused, AccessRequest,
    Classification, ClassificationMark, Purpose, ReadAudit, ReadBasis, ReadKind, Reader, RecordFacts, Target,
};
use liuhen_core::entity::{Role, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AccessRequestId, CaseId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::{Ledger, Receipt};
use liuhen_store::MetaStore;
use serde_json::json;

use crate::{check_text, CustodyError, Result};

/// What a person asks for.
#[derive(Clone, Debug)]
pub struct NewAccessRequest {
    pub targets: Vec<Target>,
    pub purpose: Purpose,
    pub mode: AccessMode,
    pub reason: String,
    pub on_behalf_of: Option<String>,
    /// Start of the period asked for; now if not given.
    pub from: Option<Timestamp>,
    /// End of the period asked for; seven days after its start if not given.
    pub until: Option<Timestamp>,
}

/// The ledger actor of a person.
pub fn user_actor(user: &User) -> String {
    user.id.subject()
}

/// Checks that each target exists, so a request never names nothing.
async fn check_targets(store: &dyn MetaStore, targets: &[Target]) -> Result<()> {
    for target in targets {
        let exists = match target {
            Target::Case(id) => store.case(*id).await?.is_some(),
            Target::Media(id) => store.media(*id).await?.is_some(),
            Target::Document(id) => store.document(*id).await?.is_some(),
        };
        if !exists {
            return Err(CustodyError::NotFound(format!("{target} does not exist; check the id")));
        }
    }
    Ok(())
}

/// Files an access request for `requester`.
pub async fn file_request(ledger: &Ledger, requester: &User, request: NewAccessRequest, now: Timestamp) -> Result<AccessRequest> {
    let store = ledger.store().as_ref();
    let mut targets = request.targets;
    targets.sort();
    targets.dedup();
    check_targets(store, &targets).await?;
    let from = request.from.unwrap_or(now);
    let until = request.until.unwrap_or(from + SignedDuration::from_hours(24 * 7));
    let on_behalf_of = match request.on_behalf_of {
        Some(text) => Some(check_text("the body the records are for", &text, false)?),
        None => None,
    };
    let filed = AccessRequest {
        id: AccessRequestId::new(),
        requester: requester.id,
        requester_name: requester.display_name.clone(),
        on_behalf_of,
        targets,
        purpose: request.purpose,
        mode: request.mode,
        reason: check_text("the reason (调阅事由)", &request.reason, false)?,
        from,
        until,
        requested_at: now,
    };
    check_request(&filed).map_err(|refused| CustodyError::Invalid(refused.to_string()))?;
    let mut draft = EntryDraft::new(user_actor(requester), action::ACCESS_REQUESTED).subject(filed.id.subject()).payload(json!({
        "purpose": filed.purpose, "mode": filed.mode, "reason": filed.reason, "on_behalf_of": filed.on_behalf_of,
        "from": filed.from, "until": filed.until, "targets": filed.targets,
    }));
    for target in &filed.targets {
        draft = draft.subject(target.subject());
    }
    ledger.record(draft, vec![Mutation::FileAccessRequest(Box::new(filed.clone()))]).await?;
    Ok(filed)
}

/// One request, or a clear error.
pub async fn request(store: &dyn MetaStore, id: AccessRequestId) -> Result<AccessFile> {
    store.access_file(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no access request {id}")))
}

/// The marks in force on each target of a request, including those on the
/// cases a record belongs to.
pub async fn target_marks(store: &dyn MetaStore, targets: &[Target]) -> Result<Vec<(Target, Vec<Classification>)>> {
    let marks = store.classification_marks(None).await?;
    let mut out = Vec::new();
    for target in targets {
        let facts = record_facts_with(store, *target, &marks).await?;
        out.push((*target, facts.marks));
    }
    Ok(out)
}

/// What a person decides on a request.
#[derive(Clone, Debug)]
pub struct Decision {
    pub approved: bool,
    pub reason: String,
    /// The end of the grant, if shorter than asked.
    pub granted_until: Option<Timestamp>,
}

/// Approves or refuses a request.
pub async fn decide(ledger: &Ledger, approver: &User, id: AccessRequestId, decision: Decision, now: Timestamp) -> Result<AccessFile> {
    let store = ledger.store().as_ref();
    let mut file = request(store, id).await?;
    let marks = target_marks(store, &file.request.targets).await?;
    let made = AccessDecision {
        request: id,
        approved: decision.approved,
        approver: approver.id,
        approver_name: approver.display_name.clone(),
        reason: check_text("the opinion (审批意见)", &decision.reason, decision.approved)?,
        granted_until: if decision.approved { decision.granted_until } else { None },
        at: now,
    };
    check_decision(&file, &made, approver, &marks).map_err(|refused| match refused {
        // A refusal that does not say why is a form filled in wrong, not a
        // matter of rights: the approver writes more and sends it again.
        AccessRefused::RefusalWithoutReason | AccessRefused::RefusalTooShort { .. } => CustodyError::Invalid(refused.to_string()),
        refused => CustodyError::Refused(refused.to_string()),
    })?;
    let name = if made.approved { action::ACCESS_APPROVED } else { action::ACCESS_REFUSED };
    let draft = EntryDraft::new(user_actor(approver), name)
        .subject(id.subject())
        .subject(file.request.requester.subject())
        .payload(json!({ "approved": made.approved, "reason": made.reason, "granted_until": made.granted_until }));
    ledger.record(draft, vec![Mutation::DecideAccess(Box::new(made.clone()))]).await?;
    file.decision = Some(made);
    Ok(file)
}

/// Places (or, with `lifted`, lifts) a classification mark.
pub async fn mark(
    ledger: &Ledger,
    target: Target,
    mark: Classification,
    lifted: bool,
    note: &str,
    actor: &str,
    now: Timestamp,
) -> Result<ClassificationMark> {
    let store = ledger.store().as_ref();
    check_targets(store, &[target]).await?;
    let in_force = marks_in_force(&store.classification_marks(Some(target)).await?, target);
    if lifted != in_force.contains(&mark) {
        return Err(CustodyError::Invalid(if lifted {
            format!("{target} is not marked {mark} ({}); there is nothing to lift", mark.label())
        } else {
            format!("{target} is already marked {mark} ({})", mark.label())
        }));
    }
    let placed = ClassificationMark { target, mark, lifted, note: check_text("the note", note, true)?, at: now, by: actor.to_owned() };
    let draft = EntryDraft::new(actor, action::CLASSIFICATION_MARKED)
        .subject(target.subject())
        .payload(json!({ "mark": mark, "lifted": lifted, "note": placed.note }));
    ledger.record(draft, vec![Mutation::MarkClassification(Box::new(placed.clone()))]).await?;
    Ok(placed)
}

/// Gathers what the read check needs to know about a target.
pub async fn record_facts(store: &dyn MetaStore, target: Target) -> Result<RecordFacts> {
    let marks = store.classification_marks(None).await?;
    record_facts_with(store, target, &marks).await
}

async fn record_facts_with(store: &dyn MetaStore, target: Target, marks: &[ClassificationMark]) -> Result<RecordFacts> {
    let mut facts = RecordFacts { target: Some(target), ..RecordFacts::default() };
    let mut cases: Vec<CaseId> = Vec::new();
    match target {
        Target::Case(case) => cases.push(case),
        Target::Media(media) => match store.redaction(media).await? {
            // A party copy belongs where its source belongs; the marks on
            // the source are what the copy withholds, so they do not carry
            // over (marks placed on the copy itself do).
            Some(redaction) => {
                let source = Box::pin(record_facts_with(store, redaction.source, &[])).await?;
                facts.own_officers = source.own_officers;
                cases = source.cases;
                let mut in_force = marks_in_force(marks, target);
                in_force.sort();
                facts.marks = in_force;
                facts.cases = cases;
                return Ok(facts);
            }
            None => {
                if let Some(recording) = store.recording(media).await? {
                    facts.own_officers.extend(recording.officer_id);
                }
                cases.extend(store.recording_links(media).await?.into_iter().map(|link| link.case_id));
            }
        },
        Target::Document(document) => {
            if let Some(document) = store.document(document).await? {
                facts.own_officers.push(document.made_by);
                cases.push(document.case_id);
            }
        }
    }
    cases.sort();
    cases.dedup();
    let mut in_force = marks_in_force(marks, target);
    for case_id in &cases {
        if let Some(case) = store.case(*case_id).await? {
            facts.own_officers.extend(case.handlers.iter().copied());
        }
        in_force.extend(marks_in_force(marks, Target::Case(*case_id)));
    }
    in_force.sort();
    in_force.dedup();
    facts.marks = in_force;
    facts.cases = cases;
    facts.own_officers.sort();
    facts.own_officers.dedup();
    Ok(facts)
}

/// Decides whether `user` may read `target` now; the refusal is a sentence
/// for the person.
pub async fn authorize(store: &dyn MetaStore, user: &User, target: Target, mode: AccessMode, now: Timestamp) -> Result<ReadBasis> {
    let facts = record_facts(store, target).await?;
    let grants = store.access_files(Some(user.id)).await?;
    match may_read(&Reader { user }, &facts, mode, &grants, now) {
        Ok(basis) => Ok(basis),
        Err(refused) => {
            // An inspector plays back what a spot check drew.
            if mode == AccessMode::View && liuhen_core::access::SPOT_CHECKERS.iter().any(|role| user.has_role(*role)) {
                let drawn_in = drawn_in(store, &facts).await?;
                if let Some(basis) = liuhen_core::access::may_inspect(&Reader { user }, &facts, mode, &drawn_in) {
                    return Ok(basis);
                }
            }
            Err(CustodyError::Refused(refused.to_string()))
        }
    }
}

/// The spot checks that drew a record, or a case it belongs to, newest first.
async fn drawn_in(store: &dyn MetaStore, facts: &RecordFacts) -> Result<Vec<liuhen_core::id::SpotCheckId>> {
    let mut subjects: Vec<String> = facts.cases.iter().map(|case| case.to_string()).collect();
    if let Some(Target::Media(media)) = facts.target {
        subjects.push(media.to_string());
    }
    Ok(store.spot_checks_drawing(&subjects).await?)
}

/// Writes the audit entry of one read. Call it before the first byte is
/// served: a read that cannot be audited does not happen.
pub async fn audit_read(
    ledger: &Ledger,
    actor: &str,
    target: Target,
    kind: ReadKind,
    basis: Option<&ReadBasis>,
    bytes: Option<u64>,
    viewing: Option<String>,
) -> Result<Receipt> {
    let (grant, purpose) = match basis {
        Some(ReadBasis::Grant { request, purpose, .. }) => (Some(*request), Some(*purpose)),
        _ => (None, None),
    };
    let spot_check = match basis {
        Some(ReadBasis::SpotCheck { check }) => Some(*check),
        _ => None,
    };
    let audit = ReadAudit { target, kind, grant, purpose, bytes, viewing, spot_check };
    let mut draft = EntryDraft::new(actor, action::RECORD_READ).subject(target.subject());
    if let Some(grant) = grant {
        draft = draft.subject(grant.subject());
    }
    if let Some(check) = spot_check {
        draft = draft.subject(check.subject());
    }
    let draft = draft.payload(serde_json::to_value(&audit).expect("a read audit serialises"));
    Ok(ledger.record(draft, Vec::new()).await?)
}

/// Writes the closing entry of a viewing session with the bytes it served.
pub async fn audit_stream_end(ledger: &Ledger, actor: &str, target: Target, viewing: &str, bytes: u64, ranges: u64) -> Result<Receipt> {
    let draft = EntryDraft::new(actor, action::STREAM_ENDED)
        .subject(target.subject())
        .payload(json!({ "viewing": viewing, "bytes": bytes, "ranges": ranges }));
    Ok(ledger.record(draft, Vec::new()).await?)
}

/// Whether `user` may decide access requests at all (the approver roles).
pub fn is_approver(user: &User) -> bool {
    [Role::UnitLeader, Role::Administrator].iter().any(|role| user.has_role(*role))
}

/// The requests a person sees: his own, or all of them for approvers,
/// archivists and inspectors.
pub async fn visible_requests(store: &dyn MetaStore, user: &User) -> Result<Vec<AccessFile>> {
    let sees_all = [Role::UnitLeader, Role::Administrator, Role::Archivist, Role::Inspector].iter().any(|role| user.has_role(*role));
    Ok(store.access_files(if sees_all { None } else { Some(user.id) }).await?)
}

/// The requisition form (调用单) of a request, as PDF: what was asked, and
/// the decision if made.
pub async fn requisition_pdf(store: &dyn MetaStore, printer: &liuhen_print::Printer, file: &AccessFile) -> Result<Vec<u8>> {
    use liuhen_print::{Requisition, RequisitionDecision, RequisitionItem};
    let agency = store.agencies().await?.into_iter().next().map(|a| a.name).unwrap_or_default();
    let marks = store.classification_marks(None).await?;
    let mut items = Vec::new();
    for target in &file.request.targets {
        let (kind, description) = match target {
            Target::Case(id) => match store.case(*id).await? {
                Some(case) => ("案件", format!("{} {}", case.number, case.matter)),
                None => ("案件", id.to_string()),
            },
            Target::Media(id) => match store.media(*id).await? {
                Some(media) => {
                    let recording = store.recording(*id).await?;
                    let when = recording
                        .and_then(|r| r.corrected_start)
                        .map(|at| at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).strftime(" %Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    ("音像记录", format!("{}{when}", media.original_name.unwrap_or_else(|| media.sha256.to_hex())))
                }
                None => ("音像记录", id.to_string()),
            },
            Target::Document(id) => match store.document(*id).await? {
                Some(document) => ("文书", format!("{}（第{}版）", document.kind.label_zh(), document.version)),
                None => ("文书", id.to_string()),
            },
        };
        let facts = record_facts_with(store, *target, &marks).await?;
        items.push(RequisitionItem {
            kind: kind.to_owned(),
            description,
            marks: facts.marks.iter().map(|mark| mark.label().to_owned()).collect(),
        });
    }
    let requester = store.user(file.request.requester).await?;
    let requester_unit = match requester.and_then(|user| user.officer_id) {
        Some(officer) => {
            let officers = store.officers().await?;
            let units = store.units().await?;
            officers.iter().find(|o| o.id == officer).and_then(|o| units.iter().find(|u| u.id == o.unit_id)).map(|u| u.name.clone())
        }
        None => None,
    };
    let requisition = Requisition {
        agency,
        request_number: file.request.id.to_string(),
        requester: file.request.requester_name.clone(),
        requester_unit,
        on_behalf_of: file.request.on_behalf_of.clone(),
        purpose: file.request.purpose.label().to_owned(),
        mode: file.request.mode.label().to_owned(),
        reason: file.request.reason.clone(),
        period_from: file.request.from,
        period_until: file.request.until,
        requested_at: file.request.requested_at,
        items,
        decision: file.decision.as_ref().map(|decision| RequisitionDecision {
            approved: decision.approved,
            approver: decision.approver_name.clone(),
            opinion: decision.reason.clone(),
            granted_until: decision.granted_until,
            at: decision.at,
        }),
    };
    printer.requisition_pdf(&requisition).map_err(|source| CustodyError::Print { what: "the requisition form".into(), source })
}

//! Complaints (投诉举报) about enforcement: received, then decided once
//! with an outcome the rules accept.

use jiff::Timestamp;
use liuhen_core::complaint::{
    check_outcome as check_complaint_outcome, Channel, Complainant, Complaint, ComplaintDecision, ComplaintOutcome,
};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AgencyId, ComplaintId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::Ledger;
use serde::Deserialize;

use crate::{check_text, ledger_error, CaseError, Result, MAX_NAME, MAX_TEXT};

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

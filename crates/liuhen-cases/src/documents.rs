//! Enforcement documents (执法文书) of a case: made and corrected as new
//! versions, signed by officers, parties and witnesses, listed, and printed
//! (one document, or the case file index 案卷目录).

use jiff::Timestamp;
use std::collections::BTreeMap;

use liuhen_core::case::{Case, Stage};
use liuhen_core::document::{check_document, check_service_date, check_signature, Document, DocumentKind, Refusal, Signature, Signer};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::DocumentId;
use liuhen_core::mutation::{action, Mutation};
use liuhen_ledger::Ledger;
use liuhen_store::MetaStore;
use serde::{Deserialize, Serialize};

use crate::{check_text, ledger_error, CaseError, Result, MAX_NAME, MAX_TEXT};

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

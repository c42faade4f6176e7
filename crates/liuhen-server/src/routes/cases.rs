//! Cases (案件): `/api/v1/cases`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/cases` | the cases the person may read, filtered and paged (see [`list`]) |
//! | POST | `/api/v1/cases` | an officer who handles it, or a unit leader |
//! | GET | `/api/v1/cases/{id}` | its handlers; leaders, reviewers, inspectors, archivists, administrators |
//! | POST | `/api/v1/cases/{id}/stages` | its handlers, or a unit leader |
//! | POST | `/api/v1/cases/{id}/links` | its handlers, or a unit leader |
//! | POST | `/api/v1/cases/{id}/approvals` | by role: handler, unit leader (reviewer, approver), legal reviewer |
//! | GET, POST | `/api/v1/cases/{id}/documents` | readers list; its handlers make and correct (`corrects`, `reason`) |
//! | POST | `/api/v1/cases/{id}/documents/{document}/signatures` | its handlers, or a unit leader |
//! | POST | `/api/v1/cases/{id}/archive` | an archivist or a unit leader |
//! | GET | `/api/v1/cases/{id}/documents/{document}/pdf`, `/api/v1/cases/{id}/index.pdf` | its readers (printed forms) |
//! | GET | `/api/v1/document-kinds` | anyone signed in: each kind of document and the fields it needs |
//! | GET, POST | `/api/v1/complaints` | people list (complainants only for leaders, legal reviewers, administrators); officers and leaders register |
//! | POST | `/api/v1/complaints/{id}/decision` | a unit leader |
//!
//! What may be done is decided by `liuhen_cases`, the same service the CLI
//! uses; a refusal by a rule answers 422 and names the article.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use liuhen_cases::{CaseError, CaseView, NewApproval, NewCase, NewLink};
use liuhen_core::case::{Approval, ApprovalRole, Case, RecordingLink, Stage, StageStep};
use liuhen_core::entity::Role;
use serde::{Deserialize, Serialize};

use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;
use liuhen_core::access::{ReadKind, Target};

pub(super) mod list;

pub(super) use list::list;
pub(super) use list::period;

/// Roles that may read every case.
const CASE_READERS: [Role; 5] = [Role::UnitLeader, Role::LegalReviewer, Role::Inspector, Role::Archivist, Role::Administrator];

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Refused(refused) => ApiError::Unprocessable(refused.to_string()),
            CaseError::NotFound(message) => ApiError::NotFound(message),
            CaseError::Invalid(message) => ApiError::BadRequest(message),
            CaseError::Conflict(message) => ApiError::Conflict(message),
            CaseError::Print(message) => ApiError::Unavailable(message),
            CaseError::Store(error) => error.into(),
            CaseError::Ledger(error) => error.into(),
        }
    }
}

pub(super) fn person(actor: &CurrentActor) -> Result<&SignedInUser, ApiError> {
    match actor {
        CurrentActor::User(signed_in) => Ok(signed_in),
        CurrentActor::Device(_) => Err(ApiError::Forbidden("案件由人员办理。Cases are handled by people, not devices.".into())),
    }
}

fn handles(signed_in: &SignedInUser, case: &Case) -> bool {
    signed_in.user.officer_id.is_some_and(|officer| case.handlers.contains(&officer))
}

fn may_read(signed_in: &SignedInUser, case: &Case) -> bool {
    handles(signed_in, case) || CASE_READERS.iter().any(|role| signed_in.user.has_role(*role))
}

fn may_work_on(signed_in: &SignedInUser, case: &Case) -> Result<(), ApiError> {
    if handles(signed_in, case) || signed_in.user.has_role(Role::UnitLeader) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "只有承办人员或单位负责人可以办理此案件。Only the officers handling case {} or a unit leader may work on it.",
            case.number
        )))
    }
}

pub(super) async fn readable_case(app: &AppState, signed_in: &SignedInUser, id: &str) -> Result<Case, ApiError> {
    let case = liuhen_cases::find_case(app.store.as_ref(), id).await?;
    if !may_read(signed_in, &case) {
        // Not 403: whether a case exists is itself not for everyone.
        return Err(ApiError::NotFound(format!("there is no case {id}")));
    }
    Ok(case)
}

/// A case as the list and the case page show it: where it stands, and
/// whether a legal hold (冻结) is in force on it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ListedCase {
    /// A liuhen-cases `CaseView`: the case, its steps and where it stands
    /// (a generic object here, so liuhen-cases does not depend on utoipa).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    view: CaseView,
    /// Whether a legal hold (冻结) is in force on it.
    held: bool,
}

async fn listed(app: &AppState, case: Case, held: &std::collections::HashSet<liuhen_core::id::CaseId>) -> Result<ListedCase, ApiError> {
    let held = held.contains(&case.id);
    Ok(ListedCase { view: liuhen_cases::view(app.store.as_ref(), case).await?, held })
}

/// `POST /api/v1/cases`.
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    request_body(content = Object, description = "A liuhen-cases `NewCase`: act kind, matter, lead and handlers by badge, unit, parties."),
    responses(
        (status = 201, description = "The case opened (a liuhen-core `Case`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn open(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    let signed_in = person(&actor)?;
    let leader = signed_in.user.has_role(Role::UnitLeader);
    if !leader {
        let officers = app.store.officers().await?;
        let own_badge = signed_in
            .user
            .officer_id
            .and_then(|id| officers.iter().find(|officer| officer.id == id))
            .map(|officer| officer.badge_no.as_str());
        let named =
            own_badge.is_some_and(|badge| request.lead.trim() == badge || request.handlers.iter().any(|handler| handler.trim() == badge));
        if !signed_in.user.has_role(Role::Officer) || !named {
            return Err(ApiError::Forbidden(
                "只有承办该案件的执法人员或单位负责人可以立案。Only an officer who handles the case (as lead or handler) or a unit leader may open it.".into(),
            ));
        }
    }
    let agency = app.store.agencies().await?.into_iter().next().ok_or_else(|| ApiError::internal("this instance has no agency"))?;
    let offset = app.settings.uploads.as_ref().map_or(jiff::tz::offset(8), |uploads| uploads.collect.camera_offset);
    let year = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(offset)).year();
    let case = liuhen_cases::open_case(&app.ledger, request, &actor.ledger_actor(), agency.id, year).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(case)))
}

/// `GET /api/v1/cases/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "The case and where it stands; the read is audited.", body = ListedCase),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn show(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ListedCase>, ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    let held = list::held_cases(&app).await?;
    let view = listed(&app, case, &held).await?;
    audit_case_read(&app, &actor, view.view.case.id, &[], ReadKind::Metadata, None).await?;
    Ok(Json(view))
}

/// Records that a case's file was read by someone its workflow lets read
/// it (a handler, an approver, a reviewer): one `record.read` entry naming
/// the case and every document shown, written before the answer is sent.
pub(super) async fn audit_case_read(
    app: &AppState,
    actor: &CurrentActor,
    case: liuhen_core::id::CaseId,
    documents: &[liuhen_core::id::DocumentId],
    kind: ReadKind,
    bytes: Option<u64>,
) -> Result<(), ApiError> {
    use liuhen_core::entry::EntryDraft;
    let target = match documents {
        [one] => Target::Document(*one),
        _ => Target::Case(case),
    };
    let mut draft = EntryDraft::new(actor.ledger_actor(), liuhen_core::mutation::action::RECORD_READ).subject(case.subject());
    for document in documents {
        draft = draft.subject(document.subject());
    }
    let audit = liuhen_core::access::ReadAudit { target, kind, grant: None, purpose: None, bytes, viewing: None, spot_check: None };
    let mut payload = serde_json::to_value(&audit).expect("a read audit serialises");
    payload["basis"] = "case_role".into();
    payload["documents"] = documents.len().into();
    app.ledger.record(draft.payload(payload), Vec::new()).await?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StageRequest {
    /// The stage entered, by name (`investigation`, `调查取证`, …).
    #[schema(value_type = String)]
    stage: Stage,
    #[serde(default)]
    note: String,
    /// Start filing before its approval (大连 第六条); approve within 24 h.
    #[serde(default)]
    emergency: bool,
}

/// `POST /api/v1/cases/{id}/stages`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/stages",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    request_body = StageRequest,
    responses(
        (status = 201, description = "The step recorded (a liuhen-core `StageStep`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn stage(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<StageRequest>,
) -> Result<(StatusCode, Json<StageStep>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    may_work_on(signed_in, &case)?;
    let step =
        liuhen_cases::enter_stage(&app.ledger, &case, request.stage, &request.note, request.emergency, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(step)))
}

/// `POST /api/v1/cases/{id}/approvals`: the handler's opinion comes from an
/// officer handling the case, the reviewer's and approver's from a unit
/// leader, legal review from a legal reviewer. The opinion is recorded as
/// given by the signed-in person's officer, whatever the body says.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/approvals",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    request_body(content = Object, description = "A liuhen-cases `NewApproval`: the role (`handler`, `reviewer`, `approver`, `legal_review`), what is approved and the opinion."),
    responses(
        (status = 201, description = "The opinion recorded (a liuhen-core `Approval`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn approve(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut request): ApiJson<NewApproval>,
) -> Result<(StatusCode, Json<Approval>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    let allowed = match request.role {
        ApprovalRole::Handler => handles(signed_in, &case),
        ApprovalRole::Reviewer | ApprovalRole::Approver => signed_in.user.has_role(Role::UnitLeader),
        ApprovalRole::LegalReview => signed_in.user.has_role(Role::LegalReviewer),
    };
    if !allowed {
        return Err(ApiError::Forbidden(format!(
            "您不能以{}身份审批此案件。You may not give the {} opinion on case {}.",
            request.role.label_zh(),
            request.role.label_zh(),
            case.number
        )));
    }
    let officers = app.store.officers().await?;
    request.officer =
        signed_in.user.officer_id.and_then(|id| officers.iter().find(|officer| officer.id == id)).map(|officer| officer.badge_no.clone());
    let approval = liuhen_cases::approve(&app.ledger, &case, request, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(approval)))
}

/// `POST /api/v1/cases/{id}/links`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/links",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    request_body(content = Object, description = "A liuhen-cases `NewLink`: the AV record and what it shows."),
    responses(
        (status = 201, description = "The link recorded (a liuhen-core `RecordingLink`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn link(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<NewLink>,
) -> Result<(StatusCode, Json<RecordingLink>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    may_work_on(signed_in, &case)?;
    let link = liuhen_cases::link_recording(&app.ledger, &case, request, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(link)))
}

/// `POST /api/v1/cases/{id}/archive`: a unit leader or an archivist
/// archives a concluded case.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/archive",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    request_body = ArchiveRequest,
    responses(
        (status = 201, description = "The archiving step (a liuhen-core `StageStep`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn archive(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ArchiveRequest>,
) -> Result<(StatusCode, Json<StageStep>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    if !(signed_in.user.has_role(Role::Archivist) || signed_in.user.has_role(Role::UnitLeader)) {
        return Err(ApiError::Forbidden("只有档案管理员或单位负责人可以归档。Only an archivist or a unit leader archives a case.".into()));
    }
    let step = liuhen_cases::archive_case(&app.ledger, &case, &request.note, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(step)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ArchiveRequest {
    #[serde(default)]
    note: String,
}

/// `GET /api/v1/cases/{id}/documents`: every version with its signatures.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/documents",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "Every version of every document with its signatures (liuhen-cases `DocumentView`s); the read is audited.", body = [Object]),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn documents(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<liuhen_cases::DocumentView>>, ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    let documents = liuhen_cases::documents(app.store.as_ref(), &case).await?;
    let ids: Vec<liuhen_core::id::DocumentId> = documents.iter().map(|view| view.document.id).collect();
    audit_case_read(&app, &actor, case.id, &ids, ReadKind::Metadata, None).await?;
    Ok(Json(documents))
}

/// A document request; `corrects` and `reason` make it a correction.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DocumentRequest {
    /// The kind of document (see `GET /api/v1/document-kinds`).
    #[schema(value_type = String)]
    kind: liuhen_core::document::DocumentKind,
    /// The stage it belongs to.
    #[schema(value_type = String)]
    stage: Stage,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    legal_basis: Option<String>,
    /// The id of the version this one corrects.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    corrects: Option<liuhen_core::id::DocumentId>,
    /// For a correction: it touches the party's rights.
    #[serde(default)]
    touches_rights: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /api/v1/cases/{id}/documents`: its handlers make (or correct) a
/// document; the maker is the signed-in officer.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/documents",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    request_body = DocumentRequest,
    responses(
        (status = 201, description = "The document made (a liuhen-core `Document`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn make_document(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<DocumentRequest>,
) -> Result<(StatusCode, Json<liuhen_core::document::Document>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    if !handles(signed_in, &case) {
        return Err(ApiError::Forbidden(format!(
            "只有承办人员可以制作文书。Only the officers handling case {} make its documents.",
            case.number
        )));
    }
    let officers = app.store.officers().await?;
    let made_by = signed_in
        .user
        .officer_id
        .and_then(|id| officers.iter().find(|officer| officer.id == id))
        .map(|officer| officer.badge_no.clone())
        .unwrap_or_default();
    let document = liuhen_cases::NewDocument {
        kind: request.kind,
        stage: request.stage,
        fields: request.fields,
        legal_basis: request.legal_basis,
        made_by,
        touches_rights: request.touches_rights,
    };
    let correcting = match (request.corrects, request.reason) {
        (Some(old), reason) => Some((old, reason.unwrap_or_default())),
        (None, Some(_)) => return Err(ApiError::BadRequest("`reason` goes with `corrects`, the id of the version corrected".into())),
        (None, None) => None,
    };
    let document = liuhen_cases::make_document(&app.ledger, &case, document, correcting, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(document)))
}

/// `POST /api/v1/cases/{id}/documents/{document}/signatures`: its handlers
/// record signatures and refusals as they happen.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/documents/{document}/signatures",
    params(
        ("id" = String, Path, description = "The case id or number."),
        ("document" = String, Path, description = "The document (version) id."),
    ),
    request_body(content = Object, description = "A liuhen-cases `NewSignature`: who signs (officer, party, witness, …) or refuses, and when."),
    responses(
        (status = 201, description = "The signature or refusal recorded (a liuhen-core `Signature`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn sign_document(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath((id, document)): ApiPath<(String, liuhen_core::id::DocumentId)>,
    ApiJson(request): ApiJson<liuhen_cases::NewSignature>,
) -> Result<(StatusCode, Json<liuhen_core::document::Signature>), ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    may_work_on(signed_in, &case)?;
    let belongs = app.store.document(document).await?.is_some_and(|found| found.case_id == case.id);
    if !belongs {
        return Err(ApiError::NotFound(format!("case {} has no document {document}", case.number)));
    }
    let signature = liuhen_cases::sign_document(&app.ledger, document, request, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(signature)))
}

/// The ways of serving (大连 第十七条) and what each needs on the receipt
/// besides the fields every receipt carries, as `check_service_method`
/// in `liuhen_core::document` asks for them.
const SERVICE_METHODS: [(&str, &[&str]); 6] = [
    ("直接送达", &[]),
    ("留置送达", &["refusal_reason", "witness", "av_record"]),
    ("委托送达", &["reason"]),
    ("转交送达", &["reason"]),
    ("邮寄送达", &["mail_receipt_no"]),
    ("公告送达", &["why_other_methods_failed", "published_where", "av_record"]),
];

/// `GET /api/v1/document-kinds`: every kind of document (文书种类) with the
/// fields it must carry and the article asking for them, so a form can ask
/// for exactly those; a service receipt also lists its ways of serving and
/// the fields each way adds, a rights notice the rights.
#[utoipa::path(
    get,
    path = "/api/v1/document-kinds",
    responses(
        (status = 200, description = "Each kind of document: `kind`, `label_zh`, `article`, `fields` (and for some `optional_fields`, `choices`, `methods`, `rights`).", body = [Object]),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn document_kinds(actor: CurrentActor) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    use liuhen_core::document::{field_label_zh, DocumentKind};
    person(&actor)?;
    let field = |name: &str| serde_json::json!({ "name": name, "label_zh": field_label_zh(name) });
    let kinds = DocumentKind::ALL
        .iter()
        .map(|kind| {
            let (required, article) = kind.required_fields();
            let mut entry = serde_json::json!({
                "kind": kind,
                "label_zh": kind.label_zh(),
                "article": article,
                "fields": required.iter().map(|name| field(name)).collect::<Vec<_>>(),
            });
            match kind {
                DocumentKind::ServiceReceipt => {
                    let mut optional: Vec<&str> = Vec::new();
                    for (_, needs) in SERVICE_METHODS {
                        for name in needs {
                            if !optional.contains(name) {
                                optional.push(name);
                            }
                        }
                    }
                    entry["optional_fields"] = optional.iter().map(|name| field(name)).collect();
                    entry["choices"] =
                        serde_json::json!({ "method": SERVICE_METHODS.iter().map(|(method, _)| *method).collect::<Vec<_>>() });
                    entry["methods"] =
                        SERVICE_METHODS.iter().map(|(method, needs)| serde_json::json!({ "method": method, "needs": needs })).collect();
                }
                DocumentKind::RightsNotice => {
                    entry["rights"] = serde_json::json!(liuhen_core::document::RIGHTS);
                }
                _ => {}
            }
            entry
        })
        .collect();
    Ok(Json(kinds))
}

/// Roles that see who complained (大连 第七条: the complainant is protected).
const COMPLAINANT_READERS: [Role; 3] = [Role::UnitLeader, Role::LegalReviewer, Role::Administrator];

/// `GET /api/v1/complaints`: every complaint and its outcome; who complained
/// only for leaders, legal reviewers and administrators.
#[utoipa::path(
    get,
    path = "/api/v1/complaints",
    responses(
        (status = 200, description = "Every complaint (`complaint`, `outcome`); who complained only for leaders, legal reviewers and administrators.", body = [Object]),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn complaints(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let signed_in = person(&actor)?;
    let sees_identity = COMPLAINANT_READERS.iter().any(|role| signed_in.user.has_role(*role));
    let listed = app
        .store
        .complaints()
        .await?
        .into_iter()
        .map(|(complaint, outcome)| {
            let complaint = if sees_identity { complaint } else { complaint.redacted() };
            serde_json::json!({ "complaint": complaint, "outcome": outcome })
        })
        .collect();
    Ok(Json(listed))
}

/// `POST /api/v1/complaints`: officers and leaders register what arrives.
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    request_body(content = Object, description = "A liuhen-cases `NewComplaint`: channel, content, the complainant if named, the case or officer concerned."),
    responses(
        (status = 201, description = "The complaint registered (a liuhen-core `Complaint`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn receive_complaint(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<liuhen_cases::NewComplaint>,
) -> Result<(StatusCode, Json<liuhen_core::complaint::Complaint>), ApiError> {
    let signed_in = person(&actor)?;
    if !(signed_in.user.has_role(Role::Officer) || signed_in.user.has_role(Role::UnitLeader)) {
        return Err(ApiError::Forbidden("只有执法人员或单位负责人可以登记投诉举报。Officers and unit leaders register complaints.".into()));
    }
    let agency = app.store.agencies().await?.into_iter().next().ok_or_else(|| ApiError::internal("this instance has no agency"))?;
    let complaint = liuhen_cases::receive_complaint(&app.ledger, agency.id, request, &actor.ledger_actor()).await?;
    Ok((StatusCode::CREATED, Json(complaint)))
}

/// `POST /api/v1/complaints/{id}/decision`: a unit leader decides, once.
#[utoipa::path(
    post,
    path = "/api/v1/complaints/{id}/decision",
    params(
        ("id" = String, Path, description = "The complaint id."),
    ),
    request_body(content = Object, description = "A liuhen-core `ComplaintDecision`."),
    responses(
        (status = 201, description = "The outcome recorded (a liuhen-core `ComplaintOutcome`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn decide_complaint(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<liuhen_core::id::ComplaintId>,
    ApiJson(decision): ApiJson<liuhen_core::complaint::ComplaintDecision>,
) -> Result<(StatusCode, Json<liuhen_core::complaint::ComplaintOutcome>), ApiError> {
    let signed_in = person(&actor)?;
    if !signed_in.user.has_role(Role::UnitLeader) {
        return Err(ApiError::Forbidden("只有单位负责人可以决定投诉举报的处理。A unit leader decides what becomes of a complaint.".into()));
    }
    let outcome = liuhen_cases::decide_complaint(&app.ledger, id, decision, &actor.ledger_actor()).await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

/// The printer, made on first use (it reads the fonts once).
pub(super) fn printer() -> Result<&'static liuhen_print::Printer, ApiError> {
    static PRINTER: std::sync::OnceLock<Result<liuhen_print::Printer, String>> = std::sync::OnceLock::new();
    PRINTER
        .get_or_init(|| liuhen_print::Printer::new(&[], jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|message| ApiError::Unavailable(message.clone()))
}

pub(super) fn pdf(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("inline; filename=\"{name}.pdf\"");
    ([(axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// `GET /api/v1/cases/{id}/documents/{document}/pdf`: the printed form.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/documents/{document}/pdf",
    params(
        ("id" = String, Path, description = "The case id or number."),
        ("document" = String, Path, description = "The document (version) id."),
    ),
    responses(
        (status = 200, description = "The printed form; the read is audited.", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn document_pdf(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath((id, document)): ApiPath<(String, liuhen_core::id::DocumentId)>,
) -> Result<axum::response::Response, ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    let printer = printer()?;
    let bytes = liuhen_cases::document_pdf(app.store.as_ref(), printer, &case, document).await?;
    audit_case_read(&app, &actor, case.id, &[document], ReadKind::Download, Some(bytes.len() as u64)).await?;
    Ok(pdf(bytes, &document.to_string()))
}

/// `GET /api/v1/cases/{id}/index.pdf`: the case file index (案卷目录).
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/index.pdf",
    params(
        ("id" = String, Path, description = "The case id or number."),
    ),
    responses(
        (status = 200, description = "The case file index (案卷目录); the read is audited.", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn index_pdf(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::response::Response, ApiError> {
    let signed_in = person(&actor)?;
    let case = readable_case(&app, signed_in, &id).await?;
    let printer = printer()?;
    let bytes = liuhen_cases::case_index_pdf(app.store.as_ref(), printer, &case).await?;
    audit_case_read(&app, &actor, case.id, &[], ReadKind::Download, Some(bytes.len() as u64)).await?;
    Ok(pdf(bytes, &case.id.to_string()))
}

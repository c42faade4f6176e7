//! Access requests (调阅申请) and classification marks (密级标记):
//! `/api/v1/access-requests`, `/api/v1/marks`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | POST | `/api/v1/access-requests` | any signed-in person, for himself |
//! | GET | `/api/v1/access-requests` | people: their own; unit leaders, administrators, archivists, inspectors: all |
//! | GET | `/api/v1/access-requests/{id}` | its requester, or someone who sees all |
//! | POST | `/api/v1/access-requests/{id}/decision` | an approver (unit leader, administrator) other than the requester |
//! | GET | `/api/v1/access-requests/{id}/form.pdf` | as `GET …/{id}`: the requisition form (调用单) |
//! | POST | `/api/v1/marks` | administrators, legal reviewers, unit leaders |
//!
//! What may be asked and decided is `liuhen_custody::access`'s, the same
//! service the CLI uses (`liuhen access …`, `liuhen mark`): a request names
//! its records, purpose, view or copy, and a period of at most 90 days; an
//! approval needs the role every mark on the records allows, never the
//! requester's own. A refusal by those rules answers 403, a request that
//! does not make sense 400. Device tokens are refused on all of these.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use jiff::Timestamp;
use liuhen_core::access::{AccessFile, AccessMode, Classification, ClassificationMark, Purpose, RequestState, Target};
use liuhen_core::id::AccessRequestId;
use liuhen_custody::access::{self, Decision, NewAccessRequest};
use serde::{Deserialize, Serialize};

use super::cases::{pdf, printer};
use crate::access::Permission;
use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

const PEOPLE_ONLY: &str =
    "调阅申请与密级标记由人员办理。Access requests, their approval and classification marks are for people; a device token may not use them.";

/// A request as the API shows it: as filed, its decision, and where it stands now.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RequestView {
    /// A liuhen-core `AccessFile`: the request as filed and its decision.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    file: AccessFile,
    /// `pending`, `refused`, `granted`, `not_yet` or `expired`.
    #[schema(value_type = String)]
    state: RequestState,
    state_zh: &'static str,
}

impl RequestView {
    fn of(file: AccessFile, now: Timestamp) -> Self {
        let state = file.state(now);
        RequestView { file, state, state_zh: state.label() }
    }
}

/// What a person asks for. `purpose` and `mode` take the English word or
/// the Chinese one (`litigation` or `行政诉讼`; `view`/`查阅`, `copy`/`复制`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRequest {
    /// `[{"kind": "case" | "media" | "document", "id": "…"}]`.
    #[schema(value_type = Vec<super::openapi::TargetRef>)]
    targets: Vec<Target>,
    /// `litigation`, `reconsideration`, … or the Chinese name (行政诉讼, …).
    purpose: String,
    /// `view` (查阅) or `copy` (复制).
    mode: String,
    /// 调阅事由.
    reason: String,
    /// Who outside the agency the records are for (法院, 复议机关, …).
    #[serde(default)]
    on_behalf_of: Option<String>,
    /// RFC 3339; now if absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    from: Option<Timestamp>,
    /// RFC 3339; seven days after `from` if absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    until: Option<Timestamp>,
}

/// `POST /api/v1/access-requests`: files a request for the signed-in person.
#[utoipa::path(
    post,
    path = "/api/v1/access-requests",
    request_body = FileRequest,
    responses(
        (status = 201, description = "The request filed.", body = RequestView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn file(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<FileRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let purpose: Purpose = request.purpose.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let mode: AccessMode = request.mode.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let new = NewAccessRequest {
        targets: request.targets,
        purpose,
        mode,
        reason: request.reason,
        on_behalf_of: request.on_behalf_of,
        from: request.from,
        until: request.until,
    };
    let now = Timestamp::now();
    let filed = access::file_request(&app.ledger, &signed_in.user, new, now).await?;
    Ok((StatusCode::CREATED, Json(RequestView::of(AccessFile { request: filed, decision: None }, now))))
}

/// `GET /api/v1/access-requests`: the requests the person may see, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/access-requests",
    responses(
        (status = 200, description = "The requests the person may see, oldest first.", body = Vec<RequestView>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<RequestView>>, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let now = Timestamp::now();
    let files = access::visible_requests(app.store.as_ref(), &signed_in.user).await?;
    Ok(Json(files.into_iter().map(|file| RequestView::of(file, now)).collect()))
}

fn parse_request_id(text: &str) -> Result<AccessRequestId, ApiError> {
    text.parse().map_err(|_| ApiError::BadRequest(format!("`{text}` is not an access request id; GET /api/v1/access-requests lists them")))
}

/// The request `id`, if the person may see it: his own, or one of those
/// [`access::visible_requests`] shows him.
async fn visible(app: &AppState, signed_in: &SignedInUser, id: &str) -> Result<AccessFile, ApiError> {
    let id = parse_request_id(id)?;
    let file = access::request(app.store.as_ref(), id).await?;
    if file.request.requester == signed_in.user.id
        || access::visible_requests(app.store.as_ref(), &signed_in.user).await?.iter().any(|visible| visible.request.id == id)
    {
        return Ok(file);
    }
    Err(ApiError::Forbidden(format!(
        "调阅申请 {id} 不是您提出的。Access request {id} is not yours; only its requester, unit leaders, administrators, archivists and inspectors see it."
    )))
}

/// `GET /api/v1/access-requests/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/access-requests/{id}",
    params(
        ("id" = String, Path, description = "The access request id."),
    ),
    responses(
        (status = 200, description = "The request and where it stands.", body = RequestView),
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
) -> Result<Json<RequestView>, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let file = visible(&app, signed_in, &id).await?;
    Ok(Json(RequestView::of(file, Timestamp::now())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DecisionRequest {
    approved: bool,
    /// The opinion (审批意见); required for a refusal.
    #[serde(default)]
    reason: String,
    /// RFC 3339: end the grant before the period asked for ends.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    granted_until: Option<Timestamp>,
}

/// `POST /api/v1/access-requests/{id}/decision`: approves or refuses, once.
#[utoipa::path(
    post,
    path = "/api/v1/access-requests/{id}/decision",
    params(
        ("id" = String, Path, description = "The access request id."),
    ),
    request_body = DecisionRequest,
    responses(
        (status = 201, description = "The request with its decision.", body = RequestView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn decide(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<DecisionRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let id = parse_request_id(&id)?;
    if !access::is_approver(&signed_in.user) {
        return Err(ApiError::Forbidden(
            "调阅申请须由单位负责人或系统管理员审批。Access requests are decided by unit leaders and administrators (审批人).".into(),
        ));
    }
    let now = Timestamp::now();
    let decision = Decision { approved: request.approved, reason: request.reason, granted_until: request.granted_until };
    let file = access::decide(&app.ledger, &signed_in.user, id, decision, now).await?;
    Ok((StatusCode::CREATED, Json(RequestView::of(file, now))))
}

/// `GET /api/v1/access-requests/{id}/form.pdf`: the requisition form
/// (调用单) with what was asked and, once made, the decision.
#[utoipa::path(
    get,
    path = "/api/v1/access-requests/{id}/form.pdf",
    params(
        ("id" = String, Path, description = "The access request id."),
    ),
    responses(
        (status = 200, description = "The requisition form (调用单).", body = [u8], content_type = "application/pdf"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn form_pdf(State(app): State<AppState>, actor: CurrentActor, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let file = visible(&app, signed_in, &id).await?;
    let printer = printer()?;
    let bytes = access::requisition_pdf(app.store.as_ref(), printer, &file).await?;
    Ok(pdf(bytes, &format!("requisition-{}", file.request.id)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MarkRequest {
    #[schema(value_type = super::openapi::TargetRef)]
    target: Target,
    /// `state_secret`, `trade_secret`, `privacy` or the Chinese name.
    mark: String,
    /// Lift a mark in force instead of placing one.
    #[serde(default)]
    lifted: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/marks`: places (or lifts) a classification mark.
#[utoipa::path(
    post,
    path = "/api/v1/marks",
    request_body = MarkRequest,
    responses(
        (status = 201, description = "The mark placed or lifted (a liuhen-core `ClassificationMark`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn mark(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<MarkRequest>,
) -> Result<(StatusCode, Json<ClassificationMark>), ApiError> {
    actor.person(PEOPLE_ONLY)?;
    actor.require(Permission::MarkRecords)?;
    let mark: Classification = request.mark.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let placed =
        access::mark(&app.ledger, request.target, mark, request.lifted, &request.note, &actor.ledger_actor(), Timestamp::now()).await?;
    Ok((StatusCode::CREATED, Json(placed)))
}

//! Legal holds (冻结) and retention (保存期限): `/api/v1/holds`,
//! `/api/v1/retention`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET, POST | `/api/v1/holds` | archivists, legal reviewers, unit leaders, administrators |
//! | POST | `/api/v1/holds/{id}/release` | as above |
//! | GET | `/api/v1/retention[?expired=true]` | archivists, administrators, unit leaders; needs a pack in force |
//!
//! The rules are `liuhen_custody::retention`'s, the same service behind
//! `liuhen hold …` and `liuhen retention list`: a hold keeps a case or a
//! record (叶县 第十三条) however old it is, until released; a record's
//! expiry follows from the pack in force. Listing retention shows each
//! record's metadata, so it is audited like any list of records (one
//! `record.read` entry naming them).
//!
//! Deletion is deliberately not offered here. Disposal goes through a
//! proposed list, its approval by someone else and the checks again at the
//! moment of deletion, and is carried out only by `liuhen retention run`
//! on the server itself (`liuhen_custody::retention::dispose`, the only
//! code that deletes a blob); no request to this API removes a file.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiff::Timestamp;
use liuhen_core::access::Target;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::HoldId;
use liuhen_core::mutation::action;
use liuhen_core::retention::{HoldReason, LegalHold};
use liuhen_custody::retention::{self, RecordRetention};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::Permission;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

const PEOPLE_ONLY: &str = "冻结与保存期限由人员办理。Legal holds and retention are for people; a device token may not use them.";

const NO_PACK: &str = "未启用执法规范包，无法计算保存期限。No policy pack is in force, so no retention periods are known; \
     choose one with `liuhen pack use NAME` and restart the server.";

/// A hold as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct HoldView {
    /// A liuhen-core `LegalHold`: what is held, why, by whom, and its release.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    hold: LegalHold,
    /// Not yet released.
    in_force: bool,
}

impl From<LegalHold> for HoldView {
    fn from(hold: LegalHold) -> Self {
        HoldView { in_force: hold.in_force(), hold }
    }
}

/// `GET /api/v1/holds`: every hold, released ones too, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/holds",
    responses(
        (status = 200, description = "Every hold, released ones too, oldest first.", body = Vec<HoldView>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<HoldView>>, ApiError> {
    actor.person(PEOPLE_ONLY)?;
    actor.require(Permission::HoldRecords)?;
    Ok(Json(app.store.legal_holds().await?.into_iter().map(HoldView::from).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlaceRequest {
    /// A case or an AV record: `{"kind": "case" | "media", "id": "…"}`.
    #[schema(value_type = super::openapi::TargetRef)]
    target: Target,
    /// `dispute`, `complaint`, `obstruction`, `mass_incident`,
    /// `litigation`, `other`, or the Chinese name.
    reason: String,
    /// 冻结原因, in words.
    note: String,
}

/// `POST /api/v1/holds`: places a hold.
#[utoipa::path(
    post,
    path = "/api/v1/holds",
    request_body = PlaceRequest,
    responses(
        (status = 201, description = "The hold placed.", body = HoldView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn place(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<PlaceRequest>,
) -> Result<(StatusCode, Json<HoldView>), ApiError> {
    actor.person(PEOPLE_ONLY)?;
    actor.require(Permission::HoldRecords)?;
    let reason: HoldReason = request.reason.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let hold = retention::place_hold(&app.ledger, request.target, reason, &request.note, &actor.ledger_actor(), Timestamp::now()).await?;
    // The blobs it holds get a legal hold in the bucket too (Object Lock).
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(hold.into())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReleaseRequest {
    /// 解除原因: the dispute settled, the judgment final.
    note: String,
}

/// `POST /api/v1/holds/{id}/release`: releases a hold in force.
#[utoipa::path(
    post,
    path = "/api/v1/holds/{id}/release",
    params(
        ("id" = String, Path, description = "The hold id."),
    ),
    request_body = ReleaseRequest,
    responses(
        (status = 200, description = "The hold, released.", body = HoldView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
    ),
)]
pub(super) async fn release(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ReleaseRequest>,
) -> Result<Json<HoldView>, ApiError> {
    actor.person(PEOPLE_ONLY)?;
    actor.require(Permission::HoldRecords)?;
    let id: HoldId = id.parse().map_err(|_| ApiError::BadRequest(format!("`{id}` is not a hold id; GET /api/v1/holds lists them")))?;
    let hold = retention::release_hold(&app.ledger, id, &request.note, &actor.ledger_actor(), Timestamp::now()).await?;
    app.facts_changed();
    Ok(Json(hold.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct RetentionQuery {
    /// `true`: only records expired now, not yet disposed of and on no
    /// disposal list still to be carried out.
    #[serde(default)]
    expired: Option<bool>,
}

/// `GET /api/v1/retention[?expired=true]`: every record with its class,
/// expiry and holds under the pack in force, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/retention",
    params(
        RetentionQuery,
    ),
    responses(
        (status = 200, description = "Every record with its class, expiry and holds (liuhen-custody `RecordRetention`s); the listing is audited.", body = [Object]),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn list_retention(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<RetentionQuery>,
) -> Result<Json<Vec<RecordRetention>>, ApiError> {
    actor.person(PEOPLE_ONLY)?;
    actor.require(Permission::ReadRetention)?;
    let compliance = app.settings.compliance.as_ref().ok_or_else(|| ApiError::Unavailable(NO_PACK.into()))?;
    let expired_only = query.expired == Some(true);
    let records = if expired_only {
        retention::expired(app.store.as_ref(), &compliance.pack, Timestamp::now()).await?
    } else {
        retention::retention_of_all(app.store.as_ref(), &compliance.pack).await?
    };
    if !records.is_empty() {
        let mut draft = EntryDraft::new(actor.ledger_actor(), action::RECORD_READ);
        for record in &records {
            draft = draft.subject(record.media.id.subject());
        }
        let draft = draft.payload(json!({ "kind": "retention", "count": records.len(), "expired_only": expired_only }));
        app.ledger.record(draft, Vec::new()).await?;
    }
    Ok(Json(records))
}

//! Media records (媒体记录): `GET /api/v1/media` and `GET /api/v1/media/{id}`.
//!
//! These are the records of what the vault holds (digests, size, where it
//! came from), not the files (those are in [`super::content`]). Viewing a
//! record's metadata is a read like any other: a person needs a basis
//! ([`may_read_metadata`]: his own recording or case, or a grant for
//! view), a workstation reads only what it stored, and every answer is
//! preceded by its `record.read` entry in the ledger — one per record
//! viewed, one per page listed (naming every record on it).

use axum::extract::State;
use axum::Json;
use liuhen_core::access::{ReadBasis, ReadKind, Target};
use liuhen_core::digest::{Sha256Digest, Sm3Digest};
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::{format_time, EntryDraft};
use liuhen_core::id::{AccessRequestId, DeviceId, MediaId};
use liuhen_core::mutation::action;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::may_read_metadata;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// The page size when none is asked for.
const DEFAULT_LIMIT: u32 = 100;
/// The largest page size.
const MAX_LIMIT: u32 = 500;

/// A media record as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MediaView {
    #[schema(value_type = String)]
    id: MediaId,
    /// Hex SHA-256 of the file.
    #[schema(value_type = String)]
    sha256: Sha256Digest,
    /// Hex SM3 of the file.
    #[schema(value_type = String)]
    sm3: Sm3Digest,
    size: u64,
    original_name: Option<String>,
    /// RFC 3339, UTC, microseconds.
    stored_at: String,
    stored_by: String,
    #[schema(value_type = Option<String>)]
    source_device: Option<DeviceId>,
    /// When the file was disposed of at the end of its retention (RFC
    /// 3339); the record stays, the file is gone.
    disposed_at: Option<String>,
}

impl MediaView {
    async fn of(app: &AppState, record: MediaRecord) -> Result<Self, ApiError> {
        let disposed_at = app.store.tombstone(record.id).await?.map(|tombstone| format_time(tombstone.disposed_at));
        Ok(Self {
            id: record.id,
            sha256: record.sha256,
            sm3: record.sm3,
            size: record.size,
            original_name: record.original_name,
            stored_at: format_time(record.stored_at),
            stored_by: record.stored_by,
            source_device: record.source_device,
            disposed_at,
        })
    }
}

/// Parameters are read as text so that a bad one gets a message naming it.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageQuery {
    /// A media id: list the records after it (`next_after` of the page before).
    after: Option<String>,
    /// How many records to look at, 1 to 500; 100 if absent.
    limit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Page {
    media: Vec<MediaView>,
    /// Pass as `after` to get the next page; `null` on the last page. A
    /// page lists only the records the caller may read, so it may hold
    /// fewer than `limit` records (even none) and still have a next one.
    #[schema(value_type = Option<String>)]
    next_after: Option<MediaId>,
}

/// `GET /api/v1/media?after=ID&limit=N`: the records the caller may read,
/// in id (arrival) order, among `limit` records after `after`. One
/// `record.read` entry (payload `{"kind": "list", "count": N, "grants":
/// […]}`) names every record listed and every grant relied on; a page that
/// lists nothing reads nothing and writes none.
#[utoipa::path(
    get,
    path = "/api/v1/media",
    params(
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of the records the caller may read.", body = Page),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn page(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page>, ApiError> {
    let after = query.after.as_deref().filter(|text| !text.is_empty()).map(parse_media_id).transpose()?;
    let limit = match query.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or_else(|| ApiError::BadRequest(format!("limit `{text}` is not allowed: give a whole number from 1 to {MAX_LIMIT}")))?,
    };
    let records = app.store.media_page(after, limit).await?;
    let next_after = (records.len() == limit as usize).then(|| records.last().map(|record| record.id)).flatten();
    // Checked one by one: the rules need each record's cases and marks.
    let mut readable = Vec::new();
    let mut grants: Vec<AccessRequestId> = Vec::new();
    for record in records {
        match may_read_metadata(&app, &actor, &record).await {
            Ok(right) => {
                if let Some(ReadBasis::Grant { request, .. }) = right.basis() {
                    if !grants.contains(request) {
                        grants.push(*request);
                    }
                }
                readable.push(record);
            }
            Err(ApiError::Forbidden(_)) => {}
            Err(error) => return Err(error),
        }
    }
    let listed: Vec<MediaId> = readable.iter().map(|record| record.id).collect();
    audit_list(&app, &actor, "list", &listed, &grants).await?;
    let mut media = Vec::with_capacity(readable.len());
    for record in readable {
        media.push(MediaView::of(&app, record).await?);
    }
    Ok(Json(Page { media, next_after }))
}

/// The one entry of a listing (`kind`: `list` for a page of records,
/// `offload_register`, …): every record listed as a subject, and every
/// grant relied on, so each record's history shows the listing. A listing
/// that shows nothing reads nothing and writes no entry.
pub(super) async fn audit_list(
    app: &AppState,
    actor: &CurrentActor,
    kind: &str,
    records: &[MediaId],
    grants: &[AccessRequestId],
) -> Result<(), ApiError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut draft = EntryDraft::new(actor.ledger_actor(), action::RECORD_READ);
    for record in records {
        draft = draft.subject(record.subject());
    }
    for grant in grants {
        draft = draft.subject(grant.subject());
    }
    let draft = draft.payload(json!({ "kind": kind, "count": records.len(), "grants": grants }));
    app.ledger.record(draft, Vec::new()).await?;
    Ok(())
}

/// `GET /api/v1/media/{id}`: one record, for a caller who may read it;
/// each view is audited (`record.read`, kind `metadata`, with the grant
/// and purpose it relied on) before the answer.
#[utoipa::path(
    get,
    path = "/api/v1/media/{id}",
    params(
        ("id" = String, Path, description = "The media id."),
    ),
    responses(
        (status = 200, description = "The record, after its read is audited.", body = MediaView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn one(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MediaView>, ApiError> {
    let id = parse_media_id(&id)?;
    let record = app.store.media(id).await?.ok_or_else(|| ApiError::NotFound(format!("there is no media record {id}; check the id")))?;
    read_metadata(&app, &actor, &record).await?;
    Ok(Json(MediaView::of(&app, record).await?))
}

/// Refuses a caller who may not read `record`, and otherwise records the
/// read of its metadata (`record.read`, kind `metadata`, with the grant and
/// purpose relied on) before anything of it is shown.
pub(crate) async fn read_metadata(app: &AppState, actor: &CurrentActor, record: &MediaRecord) -> Result<(), ApiError> {
    let right = may_read_metadata(app, actor, record).await?;
    liuhen_custody::access::audit_read(
        &app.ledger,
        &actor.ledger_actor(),
        Target::Media(record.id),
        ReadKind::Metadata,
        right.basis(),
        None,
        None,
    )
    .await?;
    Ok(())
}

pub(super) fn parse_media_id(text: &str) -> Result<MediaId, ApiError> {
    text.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))
}

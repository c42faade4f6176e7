//! Media records (媒体记录): `GET /api/v1/media` and `GET /api/v1/media/{id}`.
//!
//! These are the records of what the vault holds (digests, size, where it
//! came from), not the files. Reading them needs
//! [`Permission::ReadMediaRecords`].

use axum::extract::State;
use axum::Json;
use liuhen_core::digest::{Sha256Digest, Sm3Digest};
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::format_time;
use liuhen_core::id::{DeviceId, MediaId};
use serde::{Deserialize, Serialize};

use crate::access::Permission;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;

/// The page size when none is asked for.
const DEFAULT_LIMIT: u32 = 100;
/// The largest page size.
const MAX_LIMIT: u32 = 500;

/// A media record as the API shows it.
#[derive(Serialize)]
pub(super) struct MediaView {
    id: MediaId,
    sha256: Sha256Digest,
    sm3: Sm3Digest,
    size: u64,
    original_name: Option<String>,
    /// RFC 3339, UTC, microseconds.
    stored_at: String,
    stored_by: String,
    source_device: Option<DeviceId>,
}

impl From<MediaRecord> for MediaView {
    fn from(record: MediaRecord) -> Self {
        Self {
            id: record.id,
            sha256: record.sha256,
            sm3: record.sm3,
            size: record.size,
            original_name: record.original_name,
            stored_at: format_time(record.stored_at),
            stored_by: record.stored_by,
            source_device: record.source_device,
        }
    }
}

/// Parameters are read as text so that a bad one gets a message naming it.
#[derive(Deserialize)]
pub(super) struct PageQuery {
    after: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Page {
    media: Vec<MediaView>,
    /// Pass as `after` to get the next page; `null` on the last page.
    next_after: Option<MediaId>,
}

/// `GET /api/v1/media?after=ID&limit=N`: records in id (arrival) order.
pub(super) async fn page(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Page>, ApiError> {
    actor.require(Permission::ReadMediaRecords)?;
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
    Ok(Json(Page { media: records.into_iter().map(MediaView::from).collect(), next_after }))
}

/// `GET /api/v1/media/{id}`.
pub(super) async fn one(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MediaView>, ApiError> {
    actor.require(Permission::ReadMediaRecords)?;
    let id = parse_media_id(&id)?;
    match app.store.media(id).await? {
        Some(record) => Ok(Json(record.into())),
        None => Err(ApiError::NotFound(format!("there is no media record {id}; check the id"))),
    }
}

fn parse_media_id(text: &str) -> Result<MediaId, ApiError> {
    text.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))
}

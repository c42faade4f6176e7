//! Clearing a camera from a workstation: what the workstation asks just
//! before it deletes a file from a device, and what it reports after.
//!
//! A workstation deletes a camera's file only once the server's copy is
//! durable, registered in the ledger and hashes, read back now, to what was
//! registered (the same rule local ingest follows). `recheck` answers the
//! last question: registration's hashes were computed as the bytes arrived,
//! and for a file the server already had they describe the upload, not the
//! stored copy, which could have been damaged since. `cleared` then records
//! the deletion.

use axum::extract::State;
use axum::Json;
use liuhen_core::entity::{Device, MediaRecord};
use liuhen_core::id::MediaId;
use liuhen_core::recording::Recording;
use liuhen_vault::VaultError;
use serde::{Deserialize, Serialize};

use super::uploads::workstation;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

/// Which camera file a workstation asks about.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecheckRequest {
    device_serial: String,
}

/// The stored copy's hashes, read back from the vault just now; they
/// equal the registered ones (otherwise the answer is 422).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RecheckResponse {
    sha256: String,
    sm3: String,
    size: u64,
}

/// `POST /api/v1/media/{id}/recheck`: reads the stored copy of a recording
/// this workstation offloaded and hashes it again, so that the workstation
/// may delete the camera's file.
#[utoipa::path(
    post,
    path = "/api/v1/media/{id}/recheck",
    params(
        ("id" = String, Path, description = "The media id."),
    ),
    request_body = RecheckRequest,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The stored copy hashes to what was registered.", body = RecheckResponse),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(crate) async fn recheck(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<RecheckRequest>,
) -> Result<Json<RecheckResponse>, ApiError> {
    let workstation = workstation(&app, &actor).await?;
    let (_, media) = offloaded_here(&app, &workstation, &id, &request.device_serial).await?;
    let media_id = media.id;
    // Hashing a recording takes seconds of CPU: not on the runtime's workers.
    let vault = app.vault.clone();
    let runtime = tokio::runtime::Handle::current();
    let sha256 = media.sha256;
    let again = tokio::task::spawn_blocking(move || runtime.block_on(vault.rehash(&sha256))).await.map_err(ApiError::internal)?;
    let keep = "请勿删除记录仪上的文件，并请管理员运行 liuhen verify。Keep the file on the device, and ask an administrator to run `liuhen verify`.";
    let again = match again {
        Ok(again) => again,
        Err(VaultError::MissingBlob { .. }) => {
            return Err(ApiError::Unprocessable(format!(
                "服务器上的存储副本缺失。The stored copy of {media_id} is missing from the vault. {keep}"
            )))
        }
        Err(error) => return Err(ApiError::internal(error)),
    };
    if again.sha256 != media.sha256 || again.sm3 != media.sm3 || again.size != media.size {
        tracing::error!(%media_id, registered = %media.sha256, read = %again.sha256, "a stored copy no longer hashes to its registration");
        return Err(ApiError::Unprocessable(format!(
            "服务器上的存储副本与登记的哈希不符。The stored copy of {media_id} now hashes to SHA-256 {}, not the registered {}. {keep}",
            again.sha256, media.sha256
        )));
    }
    Ok(Json(RecheckResponse { sha256: again.sha256.to_hex(), sm3: again.sm3.to_hex(), size: again.size }))
}

/// What a workstation reports after deleting a file from a device.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClearedRequest {
    device_serial: String,
    path_on_device: String,
}

/// `POST /api/v1/media/{id}/cleared`: records in the ledger that the
/// workstation deleted the file from the device after the server confirmed
/// its copy.
#[utoipa::path(
    post,
    path = "/api/v1/media/{id}/cleared",
    params(
        ("id" = String, Path, description = "The media id."),
    ),
    request_body = ClearedRequest,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Recorded: `ledger_index`.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(crate) async fn cleared(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ClearedRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let workstation = workstation(&app, &actor).await?;
    let (recording, media) = offloaded_here(&app, &workstation, &id, &request.device_serial).await?;
    let media_id = media.id;
    let draft = liuhen_core::entry::EntryDraft::new(actor.ledger_actor(), liuhen_core::mutation::action::RECORDING_CLEARED_FROM_DEVICE)
        .subject(media_id.subject())
        .subject(recording.device_id.subject())
        .payload(serde_json::json!({
            "sha256": media.sha256, "path_on_device": request.path_on_device, "device_serial": request.device_serial,
            "workstation": workstation.serial,
        }));
    let receipt = app.ledger.record(draft, Vec::new()).await?;
    Ok(Json(serde_json::json!({ "ledger_index": receipt.index })))
}

/// The recording `id` and its media record, if this workstation offloaded
/// it from the device `device_serial`; only that workstation may ask about
/// clearing it.
async fn offloaded_here(app: &AppState, workstation: &Device, id: &str, device_serial: &str) -> Result<(Recording, MediaRecord), ApiError> {
    let media_id: MediaId = id.parse().map_err(|_| ApiError::NotFound(format!("there is no media {id}")))?;
    let recording =
        app.store.recording(media_id).await?.ok_or_else(|| ApiError::NotFound(format!("there is no registered recording {media_id}")))?;
    let device = app.store.device_by_serial(device_serial).await?;
    if device.map(|device| device.id) != Some(recording.device_id) || recording.workstation != workstation.serial {
        return Err(ApiError::Forbidden(format!(
            "recording {media_id} was not offloaded by this workstation from device {device_serial}; only that workstation may clear it"
        )));
    }
    let media = app.store.media(media_id).await?.ok_or_else(|| ApiError::NotFound(format!("there is no media {media_id}")))?;
    Ok((recording, media))
}

//! `POST /api/v1/uploads/{id}/register`: a complete upload is stored in
//! the vault and registered, if the hashes the server computed agree with
//! the workstation's. The answer is kept, so that a workstation that asks
//! again (its connection broke before the answer came) gets the same one.

use axum::extract::State;
use axum::Json;
use jiff::Timestamp;
use liuhen_core::digest::{ContentDigests, Sha256Digest, Sm3Digest};
use liuhen_core::id::{DeviceId, MediaId};
use liuhen_core::recording::{ClockOffset, MediaKind, Playback, Recording};
use serde::{Deserialize, Serialize};

use super::{arrived, check_id, data_path, done_path, read_state, remove_upload, take_hasher, uploads_off, workstation, write_state, Busy};
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

/// A registration's answer, kept so that asking again gives it again.
#[derive(Serialize, Deserialize)]
struct Done {
    device_id: DeviceId,
    response: RegisterResponse,
}

/// What a workstation says about a completed upload.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    /// The SHA-256 the workstation computed while reading the device's
    /// file, and its SM3 if it computed that too.
    sha256: String,
    sm3: Option<String>,
    /// The device the file came from.
    device_serial: String,
    /// Officer number from the file name or the device's identity.
    badge_no: Option<String>,
    path_on_device: String,
    original_name: Option<String>,
    /// Modification time on the device's disk.
    #[schema(value_type = Option<String>, format = DateTime)]
    modified: Option<Timestamp>,
    /// The camera's clock against the workstation's (a liuhen-core `ClockOffset`).
    #[schema(value_type = Option<Object>)]
    clock_offset: Option<ClockOffset>,
    /// What the file's extension promises: `video`, `photo` or `audio`.
    #[schema(value_type = String)]
    extension_kind: MediaKind,
    /// When the workstation took the file off the device, if it kept a copy
    /// that waited for the server (its spool). The offload time recorded
    /// (and held to the deadline) is this, never later than now.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    offloaded_at: Option<Timestamp>,
}

/// The server's answer: its own hashes and the registration.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterResponse {
    /// `stored` or `duplicate`.
    pub status: String,
    pub sha256: String,
    pub sm3: String,
    pub size: u64,
    #[schema(value_type = String)]
    pub media_id: MediaId,
    pub ledger_index: Option<u64>,
    /// The playback check of the stored copy (a liuhen-core `Playback`).
    #[schema(value_type = Object)]
    pub playback: Playback,
    pub note: Option<String>,
    /// The officer the recording was registered to, by name.
    pub officer_name: Option<String>,
    /// The recording registered (a liuhen-core `Recording`).
    #[schema(value_type = Object)]
    pub recording: Recording,
}

/// `POST /api/v1/uploads/{id}/register`: stores a complete upload in the
/// vault and registers it, if the hashes agree. Asking again after success
/// gives the same answer.
#[utoipa::path(
    post,
    path = "/api/v1/uploads/{id}/register",
    params(
        ("id" = String, Path, description = "The upload id (from `Location`)."),
    ),
    request_body = RegisterRequest,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The server's own hashes and the registration; the same answer if asked again.", body = RegisterResponse),
        (status = 400, response = super::super::openapi::BadRequest),
        (status = 401, response = super::super::openapi::Unauthenticated),
        (status = 403, response = super::super::openapi::Forbidden),
        (status = 404, response = super::super::openapi::NotFound),
        (status = 409, response = super::super::openapi::Conflict),
        (status = 422, response = super::super::openapi::Unprocessable),
        (status = 503, response = super::super::openapi::Unavailable),
        (status = 507, response = super::super::openapi::StorageFull),
    ),
)]
pub(crate) async fn register(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<Json<RegisterResponse>, ApiError> {
    let uploads = app.settings.uploads.as_ref().ok_or_else(uploads_off)?;
    let workstation = workstation(&app, &actor).await?;
    check_id(&id)?;
    if let Ok(done) = tokio::fs::read(done_path(uploads, &id)).await {
        let done: Done = serde_json::from_slice(&done).map_err(ApiError::internal)?;
        if done.device_id != workstation.id {
            return Err(ApiError::NotFound(format!("there is no upload {id} of this workstation")));
        }
        return Ok(Json(done.response));
    }
    let declared_sha256: Sha256Digest = request.sha256.parse().map_err(|_| ApiError::BadRequest("sha256 must be 64 hex digits".into()))?;
    let declared_sm3: Option<Sm3Digest> =
        request.sm3.as_deref().map(str::parse).transpose().map_err(|_| ApiError::BadRequest("sm3 must be 64 hex digits".into()))?;
    let mut state = read_state(uploads, &id, &workstation).await?;
    let _writing = Busy::claim(uploads, &id)?;
    let device = app
        .store
        .device_by_serial(&request.device_serial)
        .await?
        .ok_or_else(|| ApiError::Unprocessable(format!("设备 {0} 未在服务器登记。The device {0} is not registered on the server; an administrator must register it first (`liuhen device add`).", request.device_serial)))?;
    let mismatch = |digests: &ContentDigests| digests.sha256 != declared_sha256 || declared_sm3.is_some_and(|sm3| sm3 != digests.sm3);
    // Names the digest that differs: with the SHA-256 agreeing, naming it
    // would read "hashes to X, not the X".
    let refuse = |digests: &ContentDigests| {
        let (name, arrived, read) = match declared_sm3 {
            Some(sm3) if digests.sha256 == declared_sha256 => ("SM3", digests.sm3.to_hex(), sm3.to_hex()),
            _ => ("SHA-256", digests.sha256.to_hex(), declared_sha256.to_hex()),
        };
        ApiError::Unprocessable(format!(
            "上传内容与声明的哈希不符，请重新上传。What arrived hashes to {name} {arrived}, not the {read} the workstation read; it was discarded, upload the file again."
        ))
    };
    let part = data_path(uploads, &id);
    let digests = match state.adopted {
        // A registration cut short after the data was moved: it is in the vault.
        Some(known) if !tokio::fs::try_exists(&part).await.unwrap_or(false) => {
            if !app.vault.contains(&known.sha256).await.map_err(ApiError::internal)? {
                return Err(ApiError::internal(format!("upload {id} was moved into the vault but its blob {} is not there", known.sha256)));
            }
            known
        }
        adopted => {
            let offset = arrived(uploads, &id).await?;
            if offset != state.length {
                return Err(ApiError::Conflict(format!("only {offset} of {} bytes have arrived; send the rest first", state.length)));
            }
            // Hashed as it arrived: checked, then moved into the vault.
            // Otherwise read, hashed and copied now.
            let known = match adopted {
                Some(known) => Some(known),
                None => match take_hasher(uploads, &id).filter(|hasher| hasher.size() == state.length) {
                    Some(hasher) => Some(tokio::task::spawn_blocking(move || hasher.finish()).await.map_err(ApiError::internal)?),
                    None => None,
                },
            };
            if let Some(known) = known {
                if mismatch(&known) {
                    remove_upload(uploads, &id).await;
                    return Err(refuse(&known));
                }
                state.adopted = Some(known);
                write_state(uploads, &id, &state).await?;
            }
            let moved = match known {
                Some(known) => app.vault.adopt_file(&part, known).await?,
                None => None,
            };
            match moved {
                Some(outcome) => outcome.digests,
                None => app.vault.put_file(&part).await?.digests,
            }
        }
    };
    if mismatch(&digests) {
        remove_upload(uploads, &id).await;
        return Err(refuse(&digests));
    }
    let officers = app.store.officers().await?;
    let assigned = device.assigned_officer.and_then(|id| officers.iter().find(|officer| officer.id == id));
    let (officer, unregistered) = liuhen_collect::attribute(request.badge_no.as_deref(), &officers, assigned);
    let officer = officer.cloned();
    let officer_name = officer.as_ref().map(|officer| officer.name.clone());
    let arrival = liuhen_collect::Arrival {
        digests,
        device,
        officer,
        path_on_device: request.path_on_device,
        original_name: request.original_name,
        extension_kind: request.extension_kind,
        modified: request.modified,
        clock_offset: request.clock_offset,
        offloaded_at: request.offloaded_at,
        workstation: workstation.serial.clone(),
        actor: actor.ledger_actor(),
    };
    let registered = liuhen_collect::register(&app.ledger, &app.vault, &uploads.collect, arrival).await?;
    if registered.new {
        app.facts_changed();
    }
    let response = RegisterResponse {
        status: if registered.new { "stored" } else { "duplicate" }.into(),
        sha256: digests.sha256.to_hex(),
        sm3: digests.sm3.to_hex(),
        size: digests.size,
        media_id: registered.recording.media_id,
        ledger_index: registered.ledger_index,
        playback: registered.recording.playback.clone(),
        note: match (registered.note, unregistered.filter(|_| registered.new)) {
            (Some(note), Some(unregistered)) => Some(format!("{note}; {unregistered}")),
            (note, unregistered) => note.or(unregistered),
        },
        officer_name,
        recording: registered.recording,
    };
    let done = Done { device_id: workstation.id, response };
    // The answer kept for a workstation that asks again. The recording is
    // registered whatever happens to it: if it cannot be written (a full
    // disk), the upload stays, and asking again registers it again as a
    // duplicate, which gives the same recording.
    match tokio::fs::write(done_path(uploads, &id), serde_json::to_vec(&done).map_err(ApiError::internal)?).await {
        Ok(()) => remove_upload(uploads, &id).await,
        Err(error) => tracing::warn!(upload = %id, %error, "registered, but the answer could not be kept for a repeated request"),
    }
    Ok(Json(done.response))
}

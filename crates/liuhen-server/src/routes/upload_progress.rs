//! Uploads in progress (上传进度): `GET /api/v1/uploads`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/uploads` | officers, unit leaders, administrators |
//!
//! Lists the tus uploads ([`super::uploads`]) that workstations have begun
//! and not yet registered or abandoned: which workstation, the file and
//! camera its `Upload-Metadata` names (`filename`, `device`), how many
//! bytes have arrived of how many, when it began and when bytes last
//! arrived. Bytes of an upload in progress are not records (nothing of
//! them is in the ledger yet), so listing them reads no record and is not
//! audited; it answers from the upload folder alone. A server that takes
//! no uploads has none in progress.

use std::collections::HashMap;
use std::io::ErrorKind;

use axum::extract::State;
use axum::Json;
use base64::Engine;
use jiff::Timestamp;
use liuhen_core::entity::Role;
use liuhen_core::entry::format_time;
use liuhen_core::id::DeviceId;
use serde::Serialize;

use super::uploads::{data_path, UploadState};
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::AppState;

/// The roles that watch uploads arrive (those of the workstation page).
const WATCHERS: [Role; 3] = [Role::Officer, Role::UnitLeader, Role::Administrator];

/// One upload in progress.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UploadProgress {
    /// The tus upload's id.
    id: String,
    #[schema(value_type = String)]
    workstation_id: DeviceId,
    /// The workstation's serial number, when it is in the directory.
    workstation: Option<String>,
    /// The file's name, as the workstation sent it in `Upload-Metadata`.
    file_name: Option<String>,
    /// The camera's serial number, likewise.
    camera: Option<String>,
    received: u64,
    length: u64,
    /// RFC 3339.
    started_at: String,
    /// When bytes last arrived (RFC 3339); the start if none has.
    last_activity: String,
    /// Whether a request is writing bytes of it right now.
    receiving: bool,
    /// Every byte has arrived; the workstation has still to register it.
    complete: bool,
}

/// `GET /api/v1/uploads`: uploads in progress, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/uploads",
    responses(
        (status = 200, description = "Uploads in progress, oldest first.", body = Vec<UploadProgress>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<UploadProgress>>, ApiError> {
    let signed_in =
        actor.person("设备令牌不能查看上传进度。A device token cannot list uploads in progress; ask with HEAD for your own.")?;
    if !WATCHERS.iter().any(|role| signed_in.user.has_role(*role)) {
        return Err(ApiError::Forbidden(
            "只有执法人员、单位负责人和系统管理员可以查看上传进度。Only officers, unit leaders and administrators watch uploads arrive."
                .into(),
        ));
    }
    let Some(uploads) = &app.settings.uploads else { return Ok(Json(Vec::new())) };
    let mut entries = match tokio::fs::read_dir(&uploads.dir).await {
        Ok(entries) => entries,
        // The folder is made with the first upload.
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Json(Vec::new())),
        Err(error) => return Err(ApiError::internal(error)),
    };
    let workstations: HashMap<DeviceId, String> = app.store.devices().await?.into_iter().map(|device| (device.id, device.serial)).collect();
    let busy = uploads.busy.lock().expect("the upload set is never poisoned").clone();
    let mut found = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(ApiError::internal)? {
        let file_name = entry.file_name();
        let Some(id) = file_name.to_str().and_then(|name| name.strip_suffix(".json")) else { continue };
        if uuid::Uuid::parse_str(id).is_err() {
            continue;
        }
        // An upload finished or abandoned between listing and reading is gone: skip it.
        let bytes = match tokio::fs::read(entry.path()).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(ApiError::internal(error)),
        };
        let state: UploadState = match serde_json::from_slice(&bytes) {
            Ok(state) => state,
            Err(error) => {
                tracing::warn!(%error, upload = id, "an upload's state file does not read; it is left out of the list");
                continue;
            }
        };
        let (received, last_arrival) = match tokio::fs::metadata(data_path(uploads, id)).await {
            Ok(metadata) => (metadata.len(), metadata.modified().ok().and_then(|time| Timestamp::try_from(time).ok())),
            // Moved into the vault, being registered.
            Err(error) if error.kind() == ErrorKind::NotFound && state.adopted.is_some() => (state.length, None),
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(ApiError::internal(error)),
        };
        let metadata = read_metadata(state.metadata.as_deref().unwrap_or_default());
        let started_at = state.created_at;
        found.push((
            started_at,
            UploadProgress {
                id: id.to_owned(),
                workstation_id: state.device_id,
                workstation: workstations.get(&state.device_id).cloned(),
                file_name: metadata.get("filename").or_else(|| metadata.get("name")).cloned(),
                camera: metadata.get("device").cloned(),
                received,
                length: state.length,
                started_at: format_time(started_at),
                last_activity: format_time(last_arrival.map_or(started_at, |arrival| arrival.max(started_at))),
                receiving: busy.contains(id),
                complete: received >= state.length,
            },
        ));
    }
    found.sort_by(|(one, one_view), (other, other_view)| one.cmp(other).then_with(|| one_view.id.cmp(&other_view.id)));
    Ok(Json(found.into_iter().map(|(_, view)| view).collect()))
}

/// The tus `Upload-Metadata` header: `key base64,key base64`. A value that
/// is not base64 or not UTF-8 is shown as far as it reads, never refused:
/// it is only a label.
fn read_metadata(header: &str) -> HashMap<String, String> {
    header
        .split(',')
        .filter_map(|pair| {
            let pair = pair.trim();
            let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
            let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
            Some((key.to_owned(), String::from_utf8_lossy(&decoded).into_owned()))
        })
        .filter(|(key, value)| !key.is_empty() && !value.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_metadata_reads_as_tus_writes_it() {
        let metadata = read_metadata("filename RFNKXzAwMDFfMzUwMjAwMTEuTVA0,device RFNKLUE4LTAwMDE=,empty ,broken !!");
        assert_eq!(metadata.get("filename").map(String::as_str), Some("DSJ_0001_35020011.MP4"));
        assert_eq!(metadata.get("device").map(String::as_str), Some("DSJ-A8-0001"));
        assert!(!metadata.contains_key("empty") && !metadata.contains_key("broken"));
        assert!(read_metadata("").is_empty());
    }
}

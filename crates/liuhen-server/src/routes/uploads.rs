//! Resumable uploads from collection workstations (tus 1.0 core protocol
//! with the creation and termination extensions), and their registration.
//!
//! A workstation creates an upload (`POST /api/v1/uploads`, `Upload-Length`),
//! sends bytes with `PATCH` at the offset the server reports (`HEAD`), and
//! resumes from there after any failure. When every byte has arrived it asks
//! the server to register the upload (`POST /api/v1/uploads/{id}/register`)
//! with the hashes it computed while reading the camera's file: the server
//! stores the upload in the vault, hashing it itself, and registers it only
//! if both hashes agree. The answer carries the server's hashes, which the
//! workstation compares before it may clear the camera.
//!
//! Bytes of an upload in progress are not records: they live in the upload
//! folder and change nothing in the ledger until they are registered.
//! Only workstation devices (API tokens of devices of kind workstation) may
//! upload; each may touch only its own uploads.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use jiff::Timestamp;
use liuhen_core::digest::ContentDigests;
use liuhen_core::entity::{Device, DeviceKind};
use liuhen_core::id::DeviceId;
use serde::{Deserialize, Serialize};

use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::{AppState, UploadSettings};

pub mod registration;
pub mod sweep;

pub use registration::RegisterResponse;

pub(crate) const TUS_VERSION: &str = "1.0.0";

/// What the server keeps about an upload beside its bytes.
#[derive(Serialize, Deserialize)]
pub(super) struct UploadState {
    pub(super) device_id: DeviceId,
    pub(super) length: u64,
    pub(super) created_at: Timestamp,
    /// The tus `Upload-Metadata` header as sent (base64 values), for logs
    /// and the list of uploads in progress.
    pub(super) metadata: Option<String>,
    /// Set, before the data is moved into the vault, when the upload is
    /// complete and its digests are known: a registration cut short after
    /// the move finishes from the vault.
    #[serde(default)]
    pub(super) adopted: Option<ContentDigests>,
}

/// `OPTIONS /api/v1/uploads`: what this server speaks.
#[utoipa::path(
    options,
    path = "/api/v1/uploads",
    security(()),
    responses(
        (status = 204, description = "What this server speaks.", headers(("tus-version" = String), ("tus-extension" = String, description = "`creation,termination`."), ("tus-max-size" = u64, description = "The largest upload accepted, when uploads are on."))),
    ),
)]
pub(crate) async fn options(State(app): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    headers.insert("tus-extension", HeaderValue::from_static("creation,termination"));
    if let Some(uploads) = &app.settings.uploads {
        headers.insert("tus-max-size", HeaderValue::from(uploads.max_size));
    }
    response
}

/// `POST /api/v1/uploads`: starts an upload of `Upload-Length` bytes.
#[utoipa::path(
    post,
    path = "/api/v1/uploads",
    params(
        ("tus-resumable" = String, Header, description = "The tus version the client speaks: `1.0.0`."),
        ("upload-length" = u64, Header, description = "How many bytes will be uploaded."),
        ("upload-metadata" = Option<String>, Header, description = "tus metadata: `filename`, `device` and others, base64 values."),
    ),
    security(("device_token" = [])),
    responses(
        (status = 201, description = "The upload created; `Location` names it.", headers(("location" = String), ("upload-offset" = u64))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 412, description = "The client does not speak tus 1.0.0.", body = super::openapi::ErrorBody),
        (status = 413, description = "More bytes than the server accepts per file.", body = super::openapi::ErrorBody),
        (status = 503, response = super::openapi::Unavailable),
        (status = 507, response = super::openapi::StorageFull),
    ),
)]
pub(crate) async fn create(State(app): State<AppState>, actor: CurrentActor, headers: HeaderMap) -> Result<Response, ApiError> {
    let (uploads, workstation) = upload_context(&app, &actor, &headers).await?;
    let length = header_number(&headers, "upload-length")?
        .ok_or_else(|| ApiError::BadRequest("Upload-Length 缺失。Say how many bytes will be uploaded in Upload-Length.".into()))?;
    if length > uploads.max_size {
        return Err(ApiError::TooLarge(format!(
            "this upload is {length} bytes; the server accepts at most {} bytes per file",
            uploads.max_size
        )));
    }
    tokio::fs::create_dir_all(&uploads.dir).await.map_err(ApiError::io)?;
    let id = uuid::Uuid::now_v7().to_string();
    let state = UploadState {
        device_id: workstation.id,
        length,
        created_at: Timestamp::now(),
        metadata: headers.get("upload-metadata").and_then(|value| value.to_str().ok()).map(str::to_owned),
        adopted: None,
    };
    tokio::fs::File::create(data_path(uploads, &id)).await.map_err(ApiError::io)?;
    write_state(uploads, &id, &state).await?;
    let mut response = StatusCode::CREATED.into_response();
    let location = HeaderValue::from_str(&format!("/api/v1/uploads/{id}")).map_err(ApiError::internal)?;
    response.headers_mut().insert(header::LOCATION, location);
    response.headers_mut().insert("upload-offset", HeaderValue::from(0u64));
    Ok(response)
}

/// `HEAD /api/v1/uploads/{id}`: how much has arrived.
#[utoipa::path(
    head,
    path = "/api/v1/uploads/{id}",
    params(
        ("id" = String, Path, description = "The upload id (from `Location`)."),
        ("tus-resumable" = String, Header, description = "The tus version the client speaks: `1.0.0`."),
    ),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "How much has arrived.", headers(("upload-offset" = u64), ("upload-length" = u64))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 412, description = "The client does not speak tus 1.0.0.", body = super::openapi::ErrorBody),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(crate) async fn status(
    State(app): State<AppState>,
    actor: CurrentActor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (uploads, workstation) = upload_context(&app, &actor, &headers).await?;
    let state = read_state(uploads, &id, &workstation).await?;
    let offset = if state.adopted.is_some() { state.length } else { arrived(uploads, &id).await? };
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert("upload-offset", HeaderValue::from(offset));
    response.headers_mut().insert("upload-length", HeaderValue::from(state.length));
    Ok(response)
}

/// `PATCH /api/v1/uploads/{id}`: appends bytes at `Upload-Offset`. Bytes
/// that arrive before the connection breaks are kept; `HEAD` says how many.
#[utoipa::path(
    patch,
    path = "/api/v1/uploads/{id}",
    params(
        ("id" = String, Path, description = "The upload id (from `Location`)."),
        ("tus-resumable" = String, Header, description = "The tus version the client speaks: `1.0.0`."),
        ("upload-offset" = u64, Header, description = "Where these bytes go: the offset `HEAD` answered."),
    ),
    request_body(content = [u8], content_type = "application/offset+octet-stream", description = "The next bytes of the file."),
    security(("device_token" = [])),
    responses(
        (status = 204, description = "The bytes are appended.", headers(("upload-offset" = u64))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 412, description = "The client does not speak tus 1.0.0.", body = super::openapi::ErrorBody),
        (status = 413, description = "More bytes than the upload's length.", body = super::openapi::ErrorBody),
        (status = 415, description = "The body is not `application/offset+octet-stream`.", body = super::openapi::ErrorBody),
        (status = 503, response = super::openapi::Unavailable),
        (status = 507, response = super::openapi::StorageFull),
    ),
)]
pub(crate) async fn append(
    State(app): State<AppState>,
    actor: CurrentActor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let (uploads, workstation) = upload_context(&app, &actor, &headers).await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    if content_type != "application/offset+octet-stream" {
        return Err(ApiError::UnsupportedMediaType(
            "PATCH 的 Content-Type 必须是 application/offset+octet-stream。Send upload bytes as application/offset+octet-stream.".into(),
        ));
    }
    let state = read_state(uploads, &id, &workstation).await?;
    let _writing = Busy::claim(uploads, &id)?;
    if state.adopted.is_some() {
        return Err(ApiError::Conflict("this upload is complete and being registered; register it again to get the answer".into()));
    }
    let offset = arrived(uploads, &id).await?;
    let claimed = header_number(&headers, "upload-offset")?
        .ok_or_else(|| ApiError::BadRequest("Upload-Offset 缺失。Say where these bytes go in Upload-Offset (HEAD tells).".into()))?;
    if claimed != offset {
        return Err(ApiError::Conflict(format!(
            "the server has {offset} bytes of this upload, not {claimed}; ask with HEAD and send from there"
        )));
    }
    let file = tokio::fs::OpenOptions::new().append(true).open(data_path(uploads, &id)).await.map_err(ApiError::internal)?;
    let mut writer =
        Writer { file: Some(file.into_std().await), hasher: take_hasher(uploads, &id).filter(|hasher| hasher.size() == offset) };
    // The running digests go on only if they cover every byte before this one.
    if offset == 0 {
        writer.hasher = Some(liuhen_vault::hashing::DualHasher::new());
    }
    let mut stream = body.into_data_stream();
    let mut offset = offset;
    let mut too_long = false;
    // Sized once per batch: a buffer grown chunk by chunk is copied each
    // time it doubles (the profile of a 2 GiB upload showed it).
    let mut batch = bytes::BytesMut::with_capacity(WRITE_BATCH);
    while let Some(chunk) = stream.next().await {
        // A broken connection ends the request; what arrived is kept.
        let Ok(chunk) = chunk else { break };
        let room = state.length - offset - batch.len() as u64;
        let take = usize::try_from(room).unwrap_or(usize::MAX).min(chunk.len());
        if !batch.is_empty() && batch.len() + take > batch.capacity() {
            let full = std::mem::replace(&mut batch, bytes::BytesMut::with_capacity(WRITE_BATCH));
            offset += writer.write(full.freeze()).await?;
        }
        batch.extend_from_slice(&chunk[..take]);
        if take < chunk.len() {
            too_long = true;
            break;
        }
    }
    offset += writer.write(batch.freeze()).await?;
    let Writer { file, hasher } = writer;
    // Not fsync'd before answering: an offset lost to a crash is only
    // re-sent (HEAD tells the workstation), and the vault makes the whole
    // file durable before it is published. Flushing in the background lets
    // the disk work while the next bytes arrive, so little is left for then.
    if let Some(file) = file {
        tokio::task::spawn_blocking(move || {
            if let Err(error) = file.sync_data() {
                tracing::warn!(%error, "could not flush part of an upload to disk; it is flushed again when registered");
            }
        });
    }
    if let Some(hasher) = hasher {
        uploads.hashers.lock().expect("the hasher map is never poisoned").insert(id.clone(), hasher);
    }
    if too_long {
        return Err(ApiError::TooLarge(format!("this upload was declared {} bytes long; bytes beyond that were refused", state.length)));
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert("upload-offset", HeaderValue::from(offset));
    Ok(response)
}

/// Bytes gathered from the request before one write and one hand-over to
/// the hashing threads.
const WRITE_BATCH: usize = 4 << 20;

/// Appends to an upload's file and feeds its running digests, off the
/// async threads.
struct Writer {
    file: Option<std::fs::File>,
    hasher: Option<liuhen_vault::hashing::DualHasher>,
}

impl Writer {
    /// Writes a batch; returns its length.
    async fn write(&mut self, batch: bytes::Bytes) -> Result<u64, ApiError> {
        if batch.is_empty() {
            return Ok(0);
        }
        let mut file = self.file.take().expect("the file is put back after each write");
        let mut hasher = self.hasher.take();
        let (file, hasher, written) = tokio::task::spawn_blocking(move || {
            let written = std::io::Write::write_all(&mut file, &batch);
            if written.is_ok() {
                if let Some(hasher) = hasher.as_mut() {
                    hasher.update(batch.clone());
                }
            } else {
                // The digests no longer match the file; registering reads it again.
                hasher = None;
            }
            (file, hasher, written.map(|()| batch.len() as u64))
        })
        .await
        .map_err(ApiError::internal)?;
        self.file = Some(file);
        self.hasher = hasher;
        written.map_err(ApiError::io)
    }
}

/// `DELETE /api/v1/uploads/{id}`: abandons an upload.
#[utoipa::path(
    delete,
    path = "/api/v1/uploads/{id}",
    params(
        ("id" = String, Path, description = "The upload id (from `Location`)."),
        ("tus-resumable" = String, Header, description = "The tus version the client speaks: `1.0.0`."),
    ),
    security(("device_token" = [])),
    responses(
        (status = 204, description = "The upload is abandoned and its bytes removed."),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 412, description = "The client does not speak tus 1.0.0.", body = super::openapi::ErrorBody),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(crate) async fn terminate(
    State(app): State<AppState>,
    actor: CurrentActor,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (uploads, workstation) = upload_context(&app, &actor, &headers).await?;
    read_state(uploads, &id, &workstation).await?;
    let _writing = Busy::claim(uploads, &id)?;
    remove_upload(uploads, &id).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn uploads_off() -> ApiError {
    ApiError::Unavailable("此服务器未开放上传。This server does not accept uploads.".into())
}

/// The upload settings and the workstation asking, after the tus version check.
async fn upload_context<'a>(
    app: &'a AppState,
    actor: &CurrentActor,
    headers: &HeaderMap,
) -> Result<(&'a UploadSettings, Device), ApiError> {
    let uploads = app.settings.uploads.as_ref().ok_or_else(uploads_off)?;
    let version = headers.get("tus-resumable").and_then(|value| value.to_str().ok());
    if version != Some(TUS_VERSION) {
        return Err(ApiError::PreconditionFailed(format!("this server speaks tus {TUS_VERSION}; send Tus-Resumable: {TUS_VERSION}")));
    }
    Ok((uploads, workstation(app, actor).await?))
}

/// The workstation behind a device token; people and other devices may not upload.
pub(super) async fn workstation(app: &AppState, actor: &CurrentActor) -> Result<Device, ApiError> {
    let CurrentActor::Device(authenticated) = actor else {
        return Err(ApiError::Forbidden("只有采集站可以上传。Only collection workstations upload, with their device token.".into()));
    };
    let device = app.store.devices().await?.into_iter().find(|device| device.id == authenticated.token.device_id);
    match device {
        Some(device) if device.kind == DeviceKind::Workstation => Ok(device),
        _ => Err(ApiError::Forbidden("此令牌不属于采集站。This token does not belong to a collection workstation.".into())),
    }
}

fn check_id(id: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| ApiError::NotFound(format!("there is no upload {id}")))
}

pub(super) fn data_path(uploads: &UploadSettings, id: &str) -> PathBuf {
    uploads.dir.join(format!("{id}.part"))
}

fn state_path(uploads: &UploadSettings, id: &str) -> PathBuf {
    uploads.dir.join(format!("{id}.json"))
}

fn done_path(uploads: &UploadSettings, id: &str) -> PathBuf {
    uploads.dir.join(format!("{id}.done"))
}

async fn write_state(uploads: &UploadSettings, id: &str, state: &UploadState) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(state).map_err(ApiError::internal)?;
    tokio::fs::write(state_path(uploads, id), bytes).await.map_err(ApiError::io)
}

async fn read_state(uploads: &UploadSettings, id: &str, workstation: &Device) -> Result<UploadState, ApiError> {
    check_id(id)?;
    let bytes = match tokio::fs::read(state_path(uploads, id)).await {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::NotFound(format!("there is no upload {id}; it was finished, abandoned, or never started")))
        }
        Err(error) => return Err(ApiError::internal(error)),
    };
    let state: UploadState = serde_json::from_slice(&bytes).map_err(ApiError::internal)?;
    if state.device_id != workstation.id {
        return Err(ApiError::NotFound(format!("there is no upload {id} of this workstation")));
    }
    Ok(state)
}

async fn arrived(uploads: &UploadSettings, id: &str) -> Result<u64, ApiError> {
    tokio::fs::metadata(data_path(uploads, id)).await.map(|metadata| metadata.len()).map_err(ApiError::internal)
}

fn take_hasher(uploads: &UploadSettings, id: &str) -> Option<liuhen_vault::hashing::DualHasher> {
    uploads.hashers.lock().expect("the hasher map is never poisoned").remove(id)
}

async fn remove_upload(uploads: &UploadSettings, id: &str) {
    take_hasher(uploads, id);
    for path in [data_path(uploads, id), state_path(uploads, id)] {
        if let Err(error) = tokio::fs::remove_file(&path).await {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(%error, path = %path.display(), "could not remove an upload file");
            }
        }
    }
}

/// One request at a time writes an upload.
struct Busy {
    busy: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    id: String,
}

impl Busy {
    fn claim(uploads: &UploadSettings, id: &str) -> Result<Self, ApiError> {
        let mut busy = uploads.busy.lock().expect("the upload set is never poisoned");
        if !busy.insert(id.to_owned()) {
            return Err(ApiError::Conflict("another request is writing this upload right now; wait for it, then ask with HEAD".into()));
        }
        Ok(Self { busy: uploads.busy.clone(), id: id.to_owned() })
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.busy.lock().expect("the upload set is never poisoned").remove(&self.id);
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| ApiError::BadRequest(format!("{name} must be a whole number of bytes"))),
    }
}

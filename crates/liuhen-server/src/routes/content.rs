//! The files themselves (音像资料): viewing sessions with range requests,
//! and downloads.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | POST | `/api/v1/media/{id}/viewings` | a person who may view the record (own recording or case, or a grant) |
//! | GET, HEAD | `/api/v1/viewings/{id}/content` | the person who opened the viewing |
//! | DELETE | `/api/v1/viewings/{id}` | the person who opened the viewing |
//! | GET | `/api/v1/media/{id}/download` | a person holding a grant for copy (复制) |
//!
//! A player seeks by asking for byte ranges, many per playback; auditing
//! each would bury the ledger. So playback is a *viewing*: opening one is
//! the read (`record.read`, kind `stream`, with the grant and purpose) and
//! is written before any byte is served; its range requests are counted in
//! memory; ending it (`DELETE`, 30 minutes without a request, or the
//! server stopping) writes `record.stream_ended` with the bytes and ranges
//! served. The grant is checked again on every range, so a grant that
//! runs out ends the viewing. Viewings live in the server's memory: a
//! restart forgets open ones after ending them, and each `liuhen serve`
//! process keeps its own.
//!
//! A download is a copy: it needs a grant for copy (an officer's own
//! recording is enough to view it, not to take it away), and is audited
//! with the file's size before the first byte. Files are read from the
//! vault in pieces ([`liuhen_vault::Vault::read_range`]); one range
//! response carries at most [`serving::MAX_RANGE`] bytes, from the first byte asked
//! for, which players accept and continue from. Workstations neither view
//! nor download. A record disposed of at the end of its retention answers
//! 410 Gone.

mod serving;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::access::{AccessMode, ReadBasis, ReadKind, Target};
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::format_time;
use liuhen_core::id::{MediaId, UserId};
use liuhen_ledger::{Ledger, Receipt};
use serde::Serialize;
use serde_json::json;

use self::serving::{attachment, content_type, file_body, wanted_range, Unsatisfiable, Wanted};
use super::media::parse_media_id;
use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::AppState;

/// A viewing with no request for this long is ended.
pub(crate) const IDLE: Duration = Duration::from_secs(30 * 60);

/// How often idle viewings are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

const PEOPLE_ONLY: &str =
    "音像资料只向人员提供。Recordings are played and downloaded by people; a device token may not read their content.";

/// The viewings open now, by id.
#[derive(Default)]
pub(crate) struct Viewings {
    open: Mutex<HashMap<String, Viewing>>,
}

/// One open viewing: who opened it, of what, on which basis, and what it
/// has served so far.
#[derive(Clone)]
struct Viewing {
    user: UserId,
    /// The viewer's ledger actor, who every entry of the viewing names.
    actor: String,
    media: MediaRecord,
    basis: ReadBasis,
    last_used: Instant,
    /// Added to by response bodies as their pieces go out.
    bytes: Arc<AtomicU64>,
    ranges: Arc<AtomicU64>,
}

/// Why a viewing cannot be used.
enum Unusable {
    Unknown,
    SomeoneElses,
    /// Idle too long: taken out, to be ended by the caller.
    Idle(Box<Viewing>),
}

impl Viewings {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Viewing>> {
        self.open.lock().expect("the viewing map is never poisoned")
    }

    fn insert(&self, id: String, viewing: Viewing) {
        self.lock().insert(id, viewing);
    }

    /// The viewing `id` for `user`, marked as used at `now`.
    fn touch(&self, id: &str, user: UserId, now: Instant) -> Result<Viewing, Unusable> {
        let mut open = self.lock();
        let viewing = open.get_mut(id).ok_or(Unusable::Unknown)?;
        if viewing.user != user {
            return Err(Unusable::SomeoneElses);
        }
        if now.saturating_duration_since(viewing.last_used) >= IDLE {
            let idle = open.remove(id).expect("just found");
            return Err(Unusable::Idle(Box::new(idle)));
        }
        viewing.last_used = now;
        Ok(viewing.clone())
    }

    /// Takes the viewing `id` of `user` out, to end it.
    fn take(&self, id: &str, user: UserId) -> Result<Viewing, Unusable> {
        let mut open = self.lock();
        match open.get(id) {
            None => Err(Unusable::Unknown),
            Some(viewing) if viewing.user != user => Err(Unusable::SomeoneElses),
            Some(_) => Ok(open.remove(id).expect("just found")),
        }
    }

    /// Takes out every viewing idle at `now`.
    fn take_idle(&self, now: Instant) -> Vec<(String, Viewing)> {
        let mut open = self.lock();
        let idle: Vec<String> =
            open.iter().filter(|(_, viewing)| now.saturating_duration_since(viewing.last_used) >= IDLE).map(|(id, _)| id.clone()).collect();
        idle.into_iter().filter_map(|id| open.remove(&id).map(|viewing| (id, viewing))).collect()
    }

    fn take_all(&self) -> Vec<(String, Viewing)> {
        self.lock().drain().collect()
    }
}

/// Writes the closing entry of a viewing with what it served.
async fn end(ledger: &Ledger, id: &str, viewing: &Viewing) -> Result<Receipt, ApiError> {
    let bytes = viewing.bytes.load(Ordering::Relaxed);
    let ranges = viewing.ranges.load(Ordering::Relaxed);
    Ok(liuhen_custody::access::audit_stream_end(ledger, &viewing.actor, Target::Media(viewing.media.id), id, bytes, ranges).await?)
}

/// Ends, every minute, the viewings idle for [`IDLE`]. One whose end
/// cannot be written stays open and is tried again at the next sweep.
/// Runs until aborted; [`crate::serve_until`] starts and stops it.
pub(crate) fn spawn_viewing_sweeper(ledger: Arc<Ledger>, viewings: Arc<Viewings>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(SWEEP_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            for (id, viewing) in viewings.take_idle(Instant::now()) {
                if let Err(error) = end(&ledger, &id, &viewing).await {
                    tracing::error!(%error, viewing = %id, "could not record the end of an idle viewing; trying again at the next sweep");
                    viewings.insert(id, viewing);
                }
            }
        }
    })
}

/// Ends every open viewing, when the server stops.
pub(crate) async fn end_all(ledger: &Ledger, viewings: &Viewings) {
    for (id, viewing) in viewings.take_all() {
        if let Err(error) = end(ledger, &id, &viewing).await {
            tracing::error!(%error, viewing = %id, media = %viewing.media.id, "could not record the end of a viewing at shutdown");
        }
    }
}

/// What opening a viewing answers.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Opened {
    viewing: String,
    /// Where the player reads the content, with range requests.
    url: String,
    /// When the viewing ends if no range is asked for meanwhile (each
    /// request moves it on by 30 minutes); RFC 3339.
    expires_at: String,
    /// The media id.
    #[schema(value_type = String)]
    media: MediaId,
    size: u64,
    content_type: &'static str,
    /// What the read rests on (own work, or a grant and its purpose): a liuhen-core `ReadBasis`.
    #[schema(value_type = Object)]
    basis: ReadBasis,
}

/// The record `id` as a person asks for it: it exists, the person may
/// read it in `mode`, and it has not been disposed of.
async fn readable_record(
    app: &AppState,
    signed_in: &SignedInUser,
    id: &str,
    mode: AccessMode,
) -> Result<(MediaRecord, ReadBasis), ApiError> {
    let id = parse_media_id(id)?;
    let record = app.store.media(id).await?.ok_or_else(|| ApiError::NotFound(format!("there is no media record {id}; check the id")))?;
    let basis = liuhen_custody::access::authorize(app.store.as_ref(), &signed_in.user, Target::Media(id), mode, Timestamp::now()).await?;
    check_not_disposed(app, id).await?;
    Ok((record, basis))
}

async fn check_not_disposed(app: &AppState, id: MediaId) -> Result<(), ApiError> {
    match app.store.tombstone(id).await? {
        Some(tombstone) => Err(ApiError::Gone(format!(
            "记录 {id} 已于保存期满后销毁，仅保留其登记信息。Record {id} was disposed of at the end of its retention on {}; its file no longer exists, only its record and tombstone remain.",
            format_time(tombstone.disposed_at)
        ))),
        None => Ok(()),
    }
}

/// `POST /api/v1/media/{id}/viewings`: opens a viewing, audited now.
#[utoipa::path(
    post,
    path = "/api/v1/media/{id}/viewings",
    params(
        ("id" = String, Path, description = "The media id."),
    ),
    responses(
        (status = 201, description = "The viewing opened; its read is audited.", body = Opened),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 410, response = super::openapi::Gone),
    ),
)]
pub(super) async fn open(
    State(app): State<AppState>,
    State(viewings): State<Arc<Viewings>>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<Opened>), ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let (record, basis) = readable_record(&app, signed_in, &id, AccessMode::View).await?;
    let viewing_id = hex::encode(rand::random::<[u8; 16]>());
    liuhen_custody::access::audit_read(
        &app.ledger,
        &actor.ledger_actor(),
        Target::Media(record.id),
        ReadKind::Stream,
        Some(&basis),
        None,
        Some(viewing_id.clone()),
    )
    .await?;
    let opened = Opened {
        url: format!("/api/v1/viewings/{viewing_id}/content"),
        viewing: viewing_id.clone(),
        expires_at: format_time(Timestamp::now() + SignedDuration::try_from(IDLE).expect("thirty minutes fit")),
        media: record.id,
        size: record.size,
        content_type: content_type(record.original_name.as_deref()),
        basis: basis.clone(),
    };
    viewings.insert(
        viewing_id,
        Viewing {
            user: signed_in.user.id,
            actor: actor.ledger_actor(),
            media: record,
            basis,
            last_used: Instant::now(),
            bytes: Arc::default(),
            ranges: Arc::default(),
        },
    );
    Ok((StatusCode::CREATED, Json(opened)))
}

/// The refusal for a viewing that cannot be used; an idle one is ended
/// here (or, if its end cannot be written, left for the sweep).
async fn unusable(app: &AppState, viewings: &Viewings, id: &str, why: Unusable) -> ApiError {
    match why {
        Unusable::Unknown => ApiError::NotFound(format!(
            "there is no open viewing {id}; it has ended, or the server restarted: open a new one with POST /api/v1/media/{{id}}/viewings"
        )),
        Unusable::SomeoneElses => ApiError::Forbidden(format!(
            "观看会话 {id} 不是您开启的。Viewing {id} was opened by someone else; open your own with POST /api/v1/media/{{id}}/viewings."
        )),
        Unusable::Idle(viewing) => {
            if let Err(error) = end(&app.ledger, id, &viewing).await {
                viewings.insert(id.to_owned(), *viewing);
                return error;
            }
            ApiError::NotFound(format!(
                "viewing {id} ended after {} minutes without a request; open a new one with POST /api/v1/media/{}/viewings",
                IDLE.as_secs() / 60,
                viewing.media.id
            ))
        }
    }
}

/// `GET /api/v1/viewings/{id}/content`: the file, or the range asked for
/// in `Range: bytes=…` (206), counted towards the viewing.
#[utoipa::path(
    get,
    path = "/api/v1/viewings/{id}/content",
    params(
        ("id" = String, Path, description = "The viewing id `POST /api/v1/media/{id}/viewings` answered."),
        ("range" = Option<String>, Header, description = "`bytes=START-END`, `bytes=START-` or `bytes=-SUFFIX`: one range."),
    ),
    responses(
        (status = 200, description = "The whole file; the type follows its name.", content(("video/mp4"), ("image/jpeg"), ("audio/wav"), ("audio/mpeg"), ("application/octet-stream"))),
        (status = 206, description = "The range asked for, with `Content-Range`.", content(("video/mp4"), ("image/jpeg"), ("audio/wav"), ("audio/mpeg"), ("application/octet-stream"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 410, response = super::openapi::Gone),
        (status = 416, description = "No byte of the range exists; `Content-Range: bytes */SIZE` names the size.", body = super::openapi::ErrorBody),
    ),
)]
pub(super) async fn content(
    State(app): State<AppState>,
    State(viewings): State<Arc<Viewings>>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let viewing = match viewings.touch(&id, signed_in.user.id, Instant::now()) {
        Ok(viewing) => viewing,
        Err(why) => return Err(unusable(&app, &viewings, &id, why).await),
    };
    let media = &viewing.media;
    // The grant may have run out, a mark withdrawn it, or the record been
    // disposed of since the viewing opened: then the viewing ends here.
    if let Err(error) = still_readable(&app, signed_in, media.id).await {
        if matches!(error, ApiError::Forbidden(_) | ApiError::Gone(_)) {
            if let Ok(viewing) = viewings.take(&id, signed_in.user.id) {
                end(&app.ledger, &id, &viewing).await?;
            }
        }
        return Err(error);
    }
    let range = headers.get(header::RANGE).and_then(|value| value.to_str().ok());
    let wanted = match wanted_range(range, media.size) {
        Ok(wanted) => wanted,
        Err(Unsatisfiable) => {
            return Err(ApiError::RangeNotSatisfiable {
                message: format!(
                    "the range `{}` asks for no byte of this file, which has {} bytes; ask within bytes=0-{}",
                    range.unwrap_or_default(),
                    media.size,
                    media.size.saturating_sub(1)
                ),
                size: media.size,
            })
        }
    };
    viewing.ranges.fetch_add(1, Ordering::Relaxed);
    let (status, bytes) = match &wanted {
        Wanted::Whole => (StatusCode::OK, 0..media.size),
        Wanted::Part(range) => (StatusCode::PARTIAL_CONTENT, range.clone()),
    };
    let body = file_body(&app.vault, media, bytes.clone(), Some(viewing.bytes.clone())).await?;
    let mut response = (status, body).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(media.original_name.as_deref())));
    response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.end - bytes.start));
    response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Wanted::Part(range) = wanted {
        let value = format!("bytes {}-{}/{}", range.start, range.end - 1, media.size);
        response_headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).map_err(ApiError::internal)?);
    }
    Ok(response)
}

async fn still_readable(app: &AppState, signed_in: &SignedInUser, media: MediaId) -> Result<(), ApiError> {
    liuhen_custody::access::authorize(app.store.as_ref(), &signed_in.user, Target::Media(media), AccessMode::View, Timestamp::now())
        .await?;
    check_not_disposed(app, media).await
}

/// `DELETE /api/v1/viewings/{id}`: ends a viewing and records what it served.
#[utoipa::path(
    delete,
    path = "/api/v1/viewings/{id}",
    params(
        ("id" = String, Path, description = "The viewing id `POST /api/v1/media/{id}/viewings` answered."),
    ),
    responses(
        (status = 200, description = "The viewing ended, with the bytes it served.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn close(
    State(app): State<AppState>,
    State(viewings): State<Arc<Viewings>>,
    actor: CurrentActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let viewing = match viewings.take(&id, signed_in.user.id) {
        Ok(viewing) => viewing,
        Err(why) => return Err(unusable(&app, &viewings, &id, why).await),
    };
    let receipt = match end(&app.ledger, &id, &viewing).await {
        Ok(receipt) => receipt,
        Err(error) => {
            // Not ended after all: the sweep tries again.
            viewings.insert(id, viewing);
            return Err(error);
        }
    };
    Ok(Json(json!({
        "viewing": id,
        "media": viewing.media.id,
        "basis": viewing.basis,
        "bytes": viewing.bytes.load(Ordering::Relaxed),
        "ranges": viewing.ranges.load(Ordering::Relaxed),
        "ledger_index": receipt.index,
    })))
}

/// `GET /api/v1/media/{id}/download`: the whole file, as an attachment,
/// under a grant for copy; audited with its size first.
#[utoipa::path(
    get,
    path = "/api/v1/media/{id}/download",
    params(
        ("id" = String, Path, description = "The media id."),
    ),
    responses(
        (status = 200, description = "The whole file as an attachment, under a grant for copy; audited with its size first.", content(("video/mp4"), ("image/jpeg"), ("audio/wav"), ("audio/mpeg"), ("application/octet-stream"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 410, response = super::openapi::Gone),
    ),
)]
pub(super) async fn download(State(app): State<AppState>, actor: CurrentActor, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    let signed_in = actor.person(PEOPLE_ONLY)?;
    let (record, basis) = readable_record(&app, signed_in, &id, AccessMode::Copy).await?;
    liuhen_custody::access::audit_read(
        &app.ledger,
        &actor.ledger_actor(),
        Target::Media(record.id),
        ReadKind::Download,
        Some(&basis),
        Some(record.size),
        None,
    )
    .await?;
    let body = file_body(&app.vault, &record, 0..record.size, None).await?;
    let name = record.original_name.clone().unwrap_or_else(|| record.id.to_string());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(record.original_name.as_deref())));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(record.size));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&attachment(&name)).map_err(ApiError::internal)?);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use liuhen_core::digest::ContentDigests;

    use super::*;

    fn viewing(user: UserId, last_used: Instant) -> Viewing {
        let digests = ContentDigests::of_bytes(b"clip");
        Viewing {
            user,
            actor: user.subject(),
            media: MediaRecord {
                id: MediaId::new(),
                sha256: digests.sha256,
                sm3: digests.sm3,
                size: digests.size,
                original_name: None,
                stored_at: Timestamp::UNIX_EPOCH,
                stored_by: "cli:test".into(),
                source_device: None,
            },
            basis: ReadBasis::Own,
            last_used,
            bytes: Arc::default(),
            ranges: Arc::default(),
        }
    }

    #[test]
    fn viewings_belong_to_their_viewer_and_end_when_idle() {
        let viewings = Viewings::default();
        let (viewer, other) = (UserId::new(), UserId::new());
        let start = Instant::now();
        viewings.insert("a".into(), viewing(viewer, start));
        viewings.insert("b".into(), viewing(viewer, start));
        assert!(matches!(viewings.touch("a", other, start), Err(Unusable::SomeoneElses)));
        assert!(matches!(viewings.take("a", other), Err(Unusable::SomeoneElses)));
        assert!(matches!(viewings.touch("nope", viewer, start), Err(Unusable::Unknown)));

        // "a" is used after 20 minutes, "b" is not: at 40 only "b" is idle.
        assert!(viewings.touch("a", viewer, start + Duration::from_secs(20 * 60)).is_ok());
        let idle = viewings.take_idle(start + Duration::from_secs(40 * 60));
        assert_eq!(idle.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(matches!(viewings.touch("b", viewer, start), Err(Unusable::Unknown)), "ended viewings are gone");

        // Touched when already idle: taken out for the caller to end.
        assert!(matches!(viewings.touch("a", viewer, start + Duration::from_secs(51 * 60)), Err(Unusable::Idle(_))));
        assert!(viewings.take_all().is_empty());
    }
}

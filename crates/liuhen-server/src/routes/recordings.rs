//! AV records (音视频记录): the register ([`list`]: `GET /api/v1/recordings`
//! and `GET /api/v1/recordings/{media}`), the limits collection is judged
//! by ([`collection_limits`]), and labels of AV records that belong to no
//! case (信息标注, 厦门 五): `/api/v1/recordings/{media}/labels`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/api/v1/recordings`, `/api/v1/recordings/{media}` | whoever may read each record (own, a grant; a workstation: what it stored), audited; see [`list`] |
//! | POST | `/api/v1/recordings/{media}/labels` | an officer (the label is recorded as that officer's) |
//! | GET | `/api/v1/recordings/{media}/labels` | officers; leaders, legal reviewers, inspectors, archivists, administrators |
//!
//! `{media}` is a media id or a SHA-256. A label is a fact like a link to
//! a case: it is recorded (`recording.labeled`) whether or not a policy
//! pack is in force, and the compliance engine reads it when one is.
//! Labels are compliance facts about a record, not the record: reading
//! them is a matter of role, like findings, and is not audited as a read.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use liuhen_compliance::NewLabel;
use liuhen_core::case::RecordedItem;
use liuhen_core::digest::Sha256Digest;
use liuhen_core::entity::Role;
use liuhen_core::id::MediaId;
use liuhen_core::recording::RecordingLabel;
use serde::Deserialize;

use crate::actor::{CurrentActor, SignedInUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

pub(super) mod list;

pub(super) use list::{list, one};

/// The limits collection is judged by: the pack's in force where it states
/// them, else `liuhen ingest`'s defaults. The server is not told the
/// instance's `[ingest]` settings, so a pack is the way to change them here.
pub(crate) fn collection_limits(app: &AppState) -> liuhen_core::recording::CollectionLimits {
    let defaults = liuhen_core::recording::CollectionLimits::DEFAULT;
    match &app.settings.compliance {
        Some(compliance) => defaults.under(&compliance.pack),
        None => defaults,
    }
}

/// The roles besides officers that read labels: those who supervise
/// collection and compliance.
const LABEL_READERS: [Role; 5] = [Role::UnitLeader, Role::LegalReviewer, Role::Inspector, Role::Archivist, Role::Administrator];

/// Longest media reference read from a path: a SHA-256 is 64 characters.
const MAX_REFERENCE: usize = 100;

fn person(actor: &CurrentActor) -> Result<&SignedInUser, ApiError> {
    match actor {
        CurrentActor::User(signed_in) => Ok(signed_in),
        CurrentActor::Device(_) => {
            Err(ApiError::Forbidden("音像记录由执法人员标注。AV records are labelled by officers, not devices.".into()))
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LabelRequest {
    /// What the record shows: 现场检查, 询问, 送达, 其他, … or `other`, ….
    item: String,
    /// Where it was recorded.
    #[serde(default)]
    location: String,
    /// What it shows, in words.
    label: String,
}

/// `POST /api/v1/recordings/{media}/labels`.
#[utoipa::path(
    post,
    path = "/api/v1/recordings/{media}/labels",
    params(
        ("media" = String, Path, description = "The media id or SHA-256 of the recording."),
    ),
    request_body = LabelRequest,
    responses(
        (status = 201, description = "The label given (a liuhen-core `RecordingLabel`).", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn label(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(media): ApiPath<String>,
    ApiJson(request): ApiJson<LabelRequest>,
) -> Result<(StatusCode, Json<RecordingLabel>), ApiError> {
    let signed_in = person(&actor)?;
    let officers = app.store.officers().await?;
    let badge = signed_in
        .user
        .officer_id
        .filter(|_| signed_in.user.has_role(Role::Officer))
        .and_then(|id| officers.iter().find(|officer| officer.id == id))
        .map(|officer| officer.badge_no.clone())
        .ok_or_else(|| {
            ApiError::Forbidden(
                "只有执法人员可以标注音像记录。Only officers label AV records; ask an administrator to link your account to your officer."
                    .into(),
            )
        })?;
    let item = RecordedItem::parse(&request.item).ok_or_else(|| {
        let known: Vec<String> =
            RecordedItem::ALL.iter().map(|item| format!("{} ({})", item.label_zh(), serde_plain_name(*item))).collect();
        ApiError::BadRequest(format!("`{}` is not a recorded item; say one of {}", request.item, known.join(", ")))
    })?;
    check_reference(&media)?;
    let new = NewLabel { media, item, location: request.location, label: request.label, officer: Some(badge) };
    let label = liuhen_compliance::label_recording(&app.ledger, new, &actor.ledger_actor()).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(label)))
}

/// `GET /api/v1/recordings/{media}/labels`: every label, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/recordings/{media}/labels",
    params(
        ("media" = String, Path, description = "The media id or SHA-256 of the recording."),
    ),
    responses(
        (status = 200, description = "Every label, oldest first (liuhen-core `RecordingLabel`s).", body = [Object]),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
    ),
)]
pub(super) async fn labels(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(media): ApiPath<String>,
) -> Result<Json<Vec<RecordingLabel>>, ApiError> {
    let signed_in = person(&actor)?;
    if !(signed_in.user.has_role(Role::Officer) || LABEL_READERS.iter().any(|role| signed_in.user.has_role(*role))) {
        return Err(ApiError::Forbidden(
            "您的角色无权查看音像记录标注。Your roles do not allow reading labels of AV records; officers, leaders, legal reviewers, inspectors, archivists and administrators may."
                .into(),
        ));
    }
    check_reference(&media)?;
    let reference = media.trim();
    let found = match reference.parse::<MediaId>() {
        Ok(id) => app.store.media(id).await?,
        Err(_) => match reference.parse::<Sha256Digest>() {
            Ok(sha256) => app.store.media_by_sha256(&sha256).await?,
            Err(_) => return Err(ApiError::BadRequest(format!("`{reference}` is neither a media id nor a SHA-256"))),
        },
    };
    let media = found.ok_or_else(|| ApiError::NotFound(format!("there is no stored file {reference}; give its media id or SHA-256")))?;
    Ok(Json(app.store.recording_labels(Some(media.id)).await?))
}

fn check_reference(media: &str) -> Result<(), ApiError> {
    if media.chars().count() > MAX_REFERENCE {
        return Err(ApiError::BadRequest("the recording is named by its media id or SHA-256, which are shorter than this".into()));
    }
    Ok(())
}

/// The snake_case name serde gives an item (`other`, `on_site_inspection`).
fn serde_plain_name(item: RecordedItem) -> String {
    serde_json::to_value(item).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

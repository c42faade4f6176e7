//! Interruptions (录像中断) and their explanations (中断说明, 丰台 第十八条):
//! `GET /api/v1/interruptions` and `POST /api/v1/interruptions/explanations`.
//!
//! An interruption is a gap between two recordings of one device inside
//! one activity ([`liuhen_core::recording::interruptions`]); the activity
//! window is the pack's `interruption_explained` window when the pack in
//! force has that rule, and `liuhen ingest`'s default otherwise (see
//! [`super::recordings::collection_limits`]). A person sees the interruptions between
//! recordings they may read (own work or a grant); the listing is one
//! `record.read` entry naming every record shown, as for `GET /api/v1/media`.
//! An explanation is given once, by the officer who held the camera or by a
//! unit leader, and kept as written.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::access::ReadBasis;
use liuhen_core::entity::Role;
use liuhen_core::entry::{format_time, EntryDraft};
use liuhen_core::id::{AccessRequestId, DeviceId, MediaId, OfficerId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{interruptions, InterruptionNote, Recording};
use liuhen_store::RecordingQuery;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::may_read_metadata;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::AppState;

/// The longest explanation accepted.
const MAX_EXPLANATION_CHARS: usize = 2000;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct InterruptionsQuery {
    /// `false`: only those still waiting for an explanation; `true`: only
    /// explained ones; absent: all.
    #[serde(default)]
    explained: Option<bool>,
}

/// One interruption as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct InterruptionView {
    #[schema(value_type = String)]
    device_id: DeviceId,
    device_serial: Option<String>,
    #[schema(value_type = Option<String>)]
    officer_id: Option<OfficerId>,
    officer_name: Option<String>,
    /// The media id of the recording before the gap.
    #[schema(value_type = String)]
    before: MediaId,
    /// The media id of the recording after it.
    #[schema(value_type = String)]
    after: MediaId,
    before_file: Option<String>,
    after_file: Option<String>,
    /// End of the recording before and start of the one after (RFC 3339).
    from: String,
    to: String,
    gap_seconds: f64,
    explanation: Option<ExplanationView>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ExplanationView {
    text: String,
    #[schema(value_type = Option<String>)]
    officer_id: Option<OfficerId>,
    noted_at: String,
}

fn same_activity(app: &AppState) -> SignedDuration {
    super::recordings::collection_limits(app).same_activity
}

/// `GET /api/v1/interruptions?explained=false`.
#[utoipa::path(
    get,
    path = "/api/v1/interruptions",
    params(
        InterruptionsQuery,
    ),
    responses(
        (status = 200, description = "Interruptions between records the caller may read.", body = Vec<InterruptionView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<InterruptionsQuery>,
) -> Result<Json<Vec<InterruptionView>>, ApiError> {
    actor.person("设备令牌不能查看中断。A device token cannot list interruptions; sign in as a person.")?;
    let recordings = app.store.recordings(&RecordingQuery::default()).await?;
    let notes = app.store.interruption_notes(None).await?;
    let officers = app.store.officers().await?;
    let devices = app.store.devices().await?;
    let by_media = |id: MediaId| recordings.iter().find(|recording| recording.media_id == id);
    let mut shown = Vec::new();
    let mut read: Vec<MediaId> = Vec::new();
    let mut grants: Vec<AccessRequestId> = Vec::new();
    for gap in interruptions(&recordings, same_activity(&app)) {
        let note = notes.iter().find(|note| note.before == gap.before && note.after == gap.after);
        if query.explained.is_some_and(|explained| explained != note.is_some()) {
            continue;
        }
        // Both recordings must be readable for the gap to be shown.
        let mut readable = true;
        for media in [gap.before, gap.after] {
            let Some(record) = app.store.media(media).await? else {
                readable = false;
                break;
            };
            match may_read_metadata(&app, &actor, &record).await {
                Ok(right) => {
                    if let Some(ReadBasis::Grant { request, .. }) = right.basis() {
                        if !grants.contains(request) {
                            grants.push(*request);
                        }
                    }
                }
                Err(ApiError::Forbidden(_)) => {
                    readable = false;
                    break;
                }
                Err(error) => return Err(error),
            }
        }
        if !readable {
            continue;
        }
        read.extend([gap.before, gap.after]);
        let holder = by_media(gap.before).and_then(|recording: &Recording| recording.officer_id);
        shown.push(InterruptionView {
            device_id: gap.device_id,
            device_serial: devices.iter().find(|device| device.id == gap.device_id).map(|device| device.serial.clone()),
            officer_id: holder,
            officer_name: holder.and_then(|id| officers.iter().find(|officer| officer.id == id)).map(|officer| officer.name.clone()),
            before: gap.before,
            after: gap.after,
            before_file: by_media(gap.before).map(|recording| recording.path_on_device.clone()),
            after_file: by_media(gap.after).map(|recording| recording.path_on_device.clone()),
            from: format_time(gap.from),
            to: format_time(gap.to),
            gap_seconds: gap.gap_ms as f64 / 1000.0,
            explanation: note.map(|note| ExplanationView {
                text: note.explanation.clone(),
                officer_id: note.officer_id,
                noted_at: format_time(note.noted_at),
            }),
        });
    }
    read.dedup();
    super::media::audit_list(&app, &actor, "interruptions", &read, &grants).await?;
    Ok(Json(shown))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Explanation {
    /// The media id of the recording before the gap.
    before: String,
    /// The media id of the recording after it.
    after: String,
    /// Why recording stopped, at most 2000 characters.
    explanation: String,
}

/// `POST /api/v1/interruptions/explanations`: the officer who held the
/// camera, or a unit leader, says why recording stopped.
#[utoipa::path(
    post,
    path = "/api/v1/interruptions/explanations",
    request_body = Explanation,
    responses(
        (status = 201, description = "The explanation recorded.", body = Object),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
    ),
)]
pub(super) async fn explain(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<Explanation>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let signed_in = actor.person("设备令牌不能填写中断说明。A device token cannot explain an interruption; sign in as a person.")?;
    let parse = |text: &str| {
        text.trim()
            .parse::<MediaId>()
            .map_err(|_| ApiError::BadRequest(format!("`{text}` is not a media id; copy it from the interruption list")))
    };
    let (before, after) = (parse(&request.before)?, parse(&request.after)?);
    // A browser's text area sends its line breaks as CR LF.
    let text = request.explanation.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() < 4 {
        return Err(ApiError::BadRequest(
            "说明过短。Write what happened, for example 电池耗尽，更换电池后继续录像 (at least 4 characters).".into(),
        ));
    }
    if text.chars().count() > MAX_EXPLANATION_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::BadRequest(format!(
            "说明过长或含有控制字符。An explanation has at most {MAX_EXPLANATION_CHARS} characters of plain text."
        )));
    }
    let recording =
        app.store.recording(before).await?.ok_or_else(|| ApiError::NotFound(format!("no registered recording has media id {before}")))?;
    let recordings = app.store.recordings(&RecordingQuery { device: Some(recording.device_id), ..Default::default() }).await?;
    let Some(gap) = interruptions(&recordings, same_activity(&app)).into_iter().find(|gap| gap.before == before && gap.after == after)
    else {
        return Err(ApiError::NotFound(format!("there is no interruption between {before} and {after}; the interruption list names them")));
    };
    let holder = signed_in.user.officer_id.is_some() && signed_in.user.officer_id == recording.officer_id;
    if !holder && !signed_in.user.has_role(Role::UnitLeader) {
        return Err(ApiError::Forbidden(
            "只有持该记录仪的执法人员或单位负责人可以填写中断说明。Only the officer who held the camera, or a unit leader, may explain this interruption.".into(),
        ));
    }
    if app.store.interruption_notes(Some(gap.device_id)).await?.iter().any(|note| note.before == before && note.after == after) {
        return Err(ApiError::Conflict(
            "该中断已有说明，说明按原文保存，不能替换。This interruption is already explained; explanations are kept as written.".into(),
        ));
    }
    let note = InterruptionNote {
        device_id: gap.device_id,
        before,
        after,
        explanation: text.to_owned(),
        officer_id: signed_in.user.officer_id,
        noted_by: actor.ledger_actor(),
        noted_at: Timestamp::now(),
    };
    let mut draft = EntryDraft::new(note.noted_by.clone(), action::INTERRUPTION_EXPLAINED)
        .subject(before.subject())
        .subject(after.subject())
        .payload(json!({ "explanation": note.explanation, "gap_ms": gap.gap_ms, "device": gap.device_id }));
    if let Some(officer) = note.officer_id {
        draft = draft.subject(officer.subject());
    }
    let receipt = app.ledger.record(draft, vec![Mutation::NoteInterruption(note)]).await?;
    app.facts_changed();
    Ok((StatusCode::CREATED, Json(json!({ "ledger_index": receipt.index }))))
}

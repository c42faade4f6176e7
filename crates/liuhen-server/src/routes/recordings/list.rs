//! The register of AV records (音视频记录): `GET /api/v1/recordings` and
//! `GET /api/v1/recordings/{media}`.
//!
//! A recording is shown with what a person needs to find and judge it: who
//! recorded it on which device, its times as the camera stated them and as
//! corrected to the workstation's clock, whether it plays, whether it was
//! offloaded late under the limits in force ([`super::collection_limits`]),
//! the case stages it is linked to and its labels. Lateness is derived here
//! from the facts, never stored, so a later pack judges the same facts by
//! its own limits.
//!
//! Reading follows the rule of `GET /api/v1/media` ([`may_read_metadata`]):
//! an officer sees his own recordings, anyone else those a grant covers, a
//! workstation what it stored. A listed page is one `record.read` entry
//! naming every record on it (the entry `GET /api/v1/media` writes); one
//! record shown is one `record.read` of kind `metadata`, before the answer.
//!
//! | Parameter | Meaning |
//! |---|---|
//! | `device` | a device's serial (or id) |
//! | `officer` | an officer's badge number (or id) |
//! | `from`, `to` | starts on or after / on or before a day (`2026-12-01`, China time) or an instant (RFC 3339); the ingest time stands in for an unknown start |
//! | `linked` | `yes`: linked to a case; `no`: linked to none |
//! | `late` | `yes`: offloaded later than the deadline in force; `no`: in time |
//! | `playback` | `failed`, `ok` or `not_applicable` |
//! | `limit`, `offset` | a page: at most `limit` (1–500, default 50) records after skipping `offset` readable ones |
//!
//! The newest recording comes first. Empty values count as absent, so a
//! search form can send its blank fields; a bad value answers 400 with a
//! sentence naming it.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use liuhen_core::access::ReadBasis;
use liuhen_core::case::{RecordedItem, RecordingLink, Stage};
use liuhen_core::digest::{Sha256Digest, Sm3Digest};
use liuhen_core::entity::{Device, MediaRecord, Officer};
use liuhen_core::entry::format_time;
use liuhen_core::id::{AccessRequestId, CaseId, DeviceId, MediaId, OfficerId, UnitId};
use liuhen_core::recording::{CollectionLimits, MediaKind, MediaProbe, OffsetMethod, Playback, Recording, RecordingLabel, StartSource};
use liuhen_store::RecordingQuery;
use serde::{Deserialize, Serialize};

use crate::access::may_read_metadata;
use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::cases::period;
use crate::routes::media::{audit_list, parse_media_id, read_metadata};
use crate::AppState;

/// The page size when none is asked for.
const DEFAULT_LIMIT: usize = 50;
/// The largest page size.
const MAX_LIMIT: usize = 500;

/// The query string as sent: text, read by [`ListQuery::parse`] so that a
/// bad value gets a sentence naming it rather than a parser's message.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// A device's serial (or id).
    device: Option<String>,
    /// An officer's badge number (or id).
    officer: Option<String>,
    /// Starts on or after this day (`2026-12-01`, China time) or instant (RFC 3339).
    from: Option<String>,
    /// Starts on or before this day or instant.
    to: Option<String>,
    /// `yes`: linked to a case; `no`: linked to none.
    linked: Option<String>,
    /// `yes`: offloaded later than the deadline in force; `no`: in time.
    late: Option<String>,
    /// `failed`, `ok` or `not_applicable`.
    playback: Option<String>,
    /// At most this many records, 1 to 500; 50 if absent.
    limit: Option<String>,
    /// Skip this many readable records first.
    offset: Option<String>,
}

/// One page of the register.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RecordingPage {
    recordings: Vec<RecordingView>,
    offset: usize,
    limit: usize,
    /// Pass as `offset` for the next page; `null` on the last one.
    next_offset: Option<usize>,
    /// The offload deadline in force, in hours, that `late` is judged by.
    offload_deadline_hours: f64,
}

/// One recording with the names, links and findings a person reads.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RecordingView {
    #[schema(value_type = String)]
    media_id: MediaId,
    /// `video`, `photo` or `audio`.
    #[schema(value_type = String)]
    kind: MediaKind,
    /// Where it was on the device, and the last part of that: the file name.
    path_on_device: String,
    file_name: String,
    #[schema(value_type = String)]
    device_id: DeviceId,
    device_serial: Option<String>,
    #[schema(value_type = Option<String>)]
    officer_id: Option<OfficerId>,
    officer_name: Option<String>,
    officer_badge: Option<String>,
    #[schema(value_type = Option<String>)]
    unit_id: Option<UnitId>,
    /// Marked important on the camera (重要).
    important: bool,
    /// Times as the camera stated them (RFC 3339, UTC): the file name's
    /// start, the start taken as the camera's, and that start plus the
    /// duration.
    named_start: Option<String>,
    raw_start: Option<String>,
    raw_end: Option<String>,
    #[schema(value_type = Option<String>)]
    start_source: Option<StartSource>,
    /// Camera clock minus workstation clock when offloaded, in milliseconds.
    clock_offset_ms: Option<i64>,
    #[schema(value_type = Option<String>)]
    clock_offset_method: Option<OffsetMethod>,
    /// Start and end on the workstation's clock.
    corrected_start: Option<String>,
    corrected_end: Option<String>,
    duration_seconds: Option<f64>,
    /// What ffprobe found (a liuhen-core `MediaProbe`).
    #[schema(value_type = Object)]
    probe: MediaProbe,
    /// The playback check (a liuhen-core `Playback`: `status` and its detail).
    #[schema(value_type = Object)]
    playback: Playback,
    workstation: String,
    ingested_at: String,
    /// Offloaded later after its end than the deadline in force allows.
    late: bool,
    /// How long after its end it was offloaded, when that was late.
    offload_delay_seconds: Option<f64>,
    size: u64,
    #[schema(value_type = String)]
    sha256: Sha256Digest,
    #[schema(value_type = String)]
    sm3: Sm3Digest,
    original_name: Option<String>,
    /// When the file was disposed of at the end of its retention.
    disposed_at: Option<String>,
    links: Vec<LinkView>,
    labels: Vec<LabelView>,
}

/// A case stage the recording is linked to.
#[derive(Serialize, utoipa::ToSchema)]
struct LinkView {
    #[schema(value_type = String)]
    case_id: CaseId,
    case_number: Option<String>,
    #[schema(value_type = String)]
    stage: Stage,
    #[schema(value_type = String)]
    item: RecordedItem,
    location: String,
    label: String,
    linked_at: String,
}

/// A label given to a recording that belongs to no case (信息标注).
#[derive(Serialize, utoipa::ToSchema)]
struct LabelView {
    #[schema(value_type = String)]
    item: RecordedItem,
    location: String,
    label: String,
    #[schema(value_type = Option<String>)]
    officer_id: Option<OfficerId>,
    officer_name: Option<String>,
    labeled_at: String,
}

/// `GET /api/v1/recordings`: a page of the recordings the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/recordings",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "A page of the recordings the caller may read, newest first; the listing is audited.", body = RecordingPage),
        (status = 400, response = crate::routes::openapi::BadRequest),
        (status = 401, response = crate::routes::openapi::Unauthenticated),
        (status = 403, response = crate::routes::openapi::Forbidden),
    ),
)]
pub(crate) async fn list(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<RecordingPage>, ApiError> {
    let mut lookups = Lookups::load(&app).await?;
    let filter = query.parse(&app, &lookups)?;
    let limits = lookups.limits;
    let mut page: Vec<(Recording, MediaRecord, Vec<RecordingLink>)> = Vec::new();
    let mut grants: Vec<AccessRequestId> = Vec::new();
    let (mut skipped, mut more) = (0, false);
    // Cheap conditions first: the read check costs several queries a record.
    for recording in app.store.recordings(&filter.query).await?.into_iter().rev() {
        if filter.late.is_some_and(|late| late != recording.offload_delay(limits.offload_deadline).is_some()) {
            continue;
        }
        if filter.playback.is_some_and(|wanted| !wanted.admits(&recording.playback)) {
            continue;
        }
        let links = app.store.recording_links(recording.media_id).await?;
        if filter.linked.is_some_and(|linked| linked == links.is_empty()) {
            continue;
        }
        let Some(record) = app.store.media(recording.media_id).await? else {
            continue;
        };
        let basis = match may_read_metadata(&app, &actor, &record).await {
            Ok(right) => right.basis().cloned(),
            Err(ApiError::Forbidden(_)) => continue,
            Err(error) => return Err(error),
        };
        if skipped < filter.offset {
            skipped += 1;
            continue;
        }
        if page.len() == filter.limit {
            more = true;
            break;
        }
        if let Some(ReadBasis::Grant { request, .. }) = basis {
            if !grants.contains(&request) {
                grants.push(request);
            }
        }
        page.push((recording, record, links));
    }
    // The entry `GET /api/v1/media` writes for a page: kind `list`, every
    // record shown and every grant relied on; an empty page writes none.
    let shown: Vec<MediaId> = page.iter().map(|(recording, _, _)| recording.media_id).collect();
    audit_list(&app, &actor, "list", &shown, &grants).await?;
    let mut recordings = Vec::with_capacity(page.len());
    for (recording, record, links) in page {
        // The page's labels only: every label of the agency is a million rows at scale.
        let labels = app.store.recording_labels(Some(recording.media_id)).await?;
        recordings.push(lookups.view(&app, recording, record, links, labels).await?);
    }
    let next_offset = more.then_some(filter.offset + recordings.len());
    Ok(Json(RecordingPage {
        recordings,
        offset: filter.offset,
        limit: filter.limit,
        next_offset,
        offload_deadline_hours: limits.offload_deadline.as_secs_f64() / 3600.0,
    }))
}

/// `GET /api/v1/recordings/{media}`: one recording, for a caller who may
/// read it, audited (`record.read`, kind `metadata`) before the answer.
#[utoipa::path(
    get,
    path = "/api/v1/recordings/{media}",
    params(
        ("media" = String, Path, description = "The media id."),
    ),
    responses(
        (status = 200, description = "The recording with names, links, labels and lateness; the read is audited.", body = RecordingView),
        (status = 400, response = crate::routes::openapi::BadRequest),
        (status = 401, response = crate::routes::openapi::Unauthenticated),
        (status = 403, response = crate::routes::openapi::Forbidden),
        (status = 404, response = crate::routes::openapi::NotFound),
    ),
)]
pub(crate) async fn one(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiPath(media): ApiPath<String>,
) -> Result<Json<RecordingView>, ApiError> {
    let id = parse_media_id(media.trim())?;
    let record = app.store.media(id).await?.ok_or_else(|| ApiError::NotFound(format!("there is no media record {id}; check the id")))?;
    let recording = app.store.recording(id).await?.ok_or_else(|| {
        ApiError::NotFound(format!("{id} is a stored file but not an AV record offloaded from a device; see /api/v1/media/{id}"))
    })?;
    read_metadata(&app, &actor, &record).await?;
    let links = app.store.recording_links(id).await?;
    let labels = app.store.recording_labels(Some(id)).await?;
    let view = Lookups::load(&app).await?.view(&app, recording, record, links, labels).await?;
    Ok(Json(view))
}

/// What the list is narrowed to, checked.
struct Filter {
    query: RecordingQuery,
    linked: Option<bool>,
    late: Option<bool>,
    playback: Option<PlaybackWanted>,
    limit: usize,
    offset: usize,
}

#[derive(Clone, Copy)]
enum PlaybackWanted {
    Ok,
    Failed,
    NotApplicable,
}

impl PlaybackWanted {
    fn admits(self, playback: &Playback) -> bool {
        matches!(
            (self, playback),
            (PlaybackWanted::Ok, Playback::Ok)
                | (PlaybackWanted::Failed, Playback::Failed { .. })
                | (PlaybackWanted::NotApplicable, Playback::NotApplicable)
        )
    }
}

/// A parameter as given, trimmed; empty counts as absent.
fn given(value: Option<String>) -> Option<String> {
    value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

fn yes_or_no(name: &str, text: &str) -> Result<bool, ApiError> {
    match text {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(ApiError::BadRequest(format!("“{text}”无效，应为 yes 或 no。`{name}` is yes or no, not `{text}`."))),
    }
}

impl ListQuery {
    fn parse(self, app: &AppState, lookups: &Lookups) -> Result<Filter, ApiError> {
        let mut query = RecordingQuery::default();
        if let Some(device) = given(self.device) {
            let found = lookups.devices.iter().find(|known| known.serial.eq_ignore_ascii_case(&device) || known.id.to_string() == device);
            query.device = Some(found.map(|known| known.id).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "没有编号为“{device}”的记录仪。No device has the serial `{device}`; give the serial on the camera's label, such as DSJ-A8-0001."
                ))
            })?);
        }
        if let Some(officer) = given(self.officer) {
            let found = lookups.officers.iter().find(|known| known.badge_no == officer || known.id.to_string() == officer);
            query.officer = Some(found.map(|known| known.id).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "没有执法编号为“{officer}”的执法人员。No officer has the badge number `{officer}`; give a badge number or an officer id."
                ))
            })?);
        }
        (query.from, query.to) = period(app, given(self.from).as_deref(), given(self.to).as_deref())?;
        let linked = given(self.linked).map(|text| yes_or_no("linked", &text)).transpose()?;
        let late = given(self.late).map(|text| yes_or_no("late", &text)).transpose()?;
        let playback = given(self.playback)
            .map(|text| match text.as_str() {
                "ok" => Ok(PlaybackWanted::Ok),
                "failed" => Ok(PlaybackWanted::Failed),
                "not_applicable" => Ok(PlaybackWanted::NotApplicable),
                _ => Err(ApiError::BadRequest(format!(
                    "“{text}”不是播放检查结果。`playback` is failed, ok or not_applicable, not `{text}`."
                ))),
            })
            .transpose()?;
        let limit = match given(self.limit) {
            None => DEFAULT_LIMIT,
            Some(text) => text.parse::<usize>().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "每页条数应为 1 至 {MAX_LIMIT}。`limit` is a whole number from 1 to {MAX_LIMIT}, not `{text}`."
                ))
            })?,
        };
        let offset = match given(self.offset) {
            None => 0,
            Some(text) => text.parse::<usize>().map_err(|_| {
                ApiError::BadRequest(format!("“{text}”不是有效的起始位置。`offset` is a whole number (0 or more), not `{text}`."))
            })?,
        };
        Ok(Filter { query, linked, late, playback, limit, offset })
    }
}

/// What every view is joined with, read once per request: the directory,
/// the limits in force, and case numbers as they are first needed.
struct Lookups {
    officers: Vec<Officer>,
    devices: Vec<Device>,
    limits: CollectionLimits,
    case_numbers: HashMap<CaseId, Option<String>>,
}

impl Lookups {
    async fn load(app: &AppState) -> Result<Self, ApiError> {
        Ok(Self {
            officers: app.store.officers().await?,
            devices: app.store.devices().await?,
            limits: super::collection_limits(app),
            case_numbers: HashMap::new(),
        })
    }

    fn officer(&self, id: Option<OfficerId>) -> Option<&Officer> {
        id.and_then(|id| self.officers.iter().find(|officer| officer.id == id))
    }

    async fn case_number(&mut self, app: &AppState, id: CaseId) -> Result<Option<String>, ApiError> {
        if let Some(number) = self.case_numbers.get(&id) {
            return Ok(number.clone());
        }
        let number = app.store.case(id).await?.map(|case| case.number);
        self.case_numbers.insert(id, number.clone());
        Ok(number)
    }

    /// `recording` as the API shows it, joined with its names and findings.
    async fn view(
        &mut self,
        app: &AppState,
        recording: Recording,
        record: MediaRecord,
        links: Vec<RecordingLink>,
        labels: Vec<RecordingLabel>,
    ) -> Result<RecordingView, ApiError> {
        let disposed_at = app.store.tombstone(record.id).await?.map(|tombstone| format_time(tombstone.disposed_at));
        let officer = self.officer(recording.officer_id);
        let (officer_name, officer_badge) = (officer.map(|officer| officer.name.clone()), officer.map(|officer| officer.badge_no.clone()));
        let duration = recording
            .probe
            .duration_ms
            .map(|ms| jiff::SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX)))
            .or_else(|| Some(recording.corrected_end?.duration_since(recording.corrected_start?)));
        let raw_end = match (recording.raw_start, duration) {
            (Some(start), Some(duration)) => start.checked_add(duration).ok(),
            _ => None,
        };
        let delay = recording.offload_delay(self.limits.offload_deadline);
        let mut link_views = Vec::with_capacity(links.len());
        for link in links {
            link_views.push(LinkView {
                case_number: self.case_number(app, link.case_id).await?,
                case_id: link.case_id,
                stage: link.stage,
                item: link.item,
                location: link.location,
                label: link.label,
                linked_at: format_time(link.linked_at),
            });
        }
        let labels = labels
            .into_iter()
            .map(|label| LabelView {
                officer_name: self.officer(label.officer_id).map(|officer| officer.name.clone()),
                item: label.item,
                location: label.location,
                label: label.label,
                officer_id: label.officer_id,
                labeled_at: format_time(label.labeled_at),
            })
            .collect();
        Ok(RecordingView {
            media_id: recording.media_id,
            kind: recording.kind,
            file_name: recording.path_on_device.rsplit(['/', '\\']).next().unwrap_or_default().to_owned(),
            path_on_device: recording.path_on_device,
            device_id: recording.device_id,
            device_serial: self.devices.iter().find(|device| device.id == recording.device_id).map(|device| device.serial.clone()),
            officer_id: recording.officer_id,
            officer_name,
            officer_badge,
            unit_id: recording.unit_id,
            important: recording.important,
            named_start: recording.named_start.map(format_time),
            raw_start: recording.raw_start.map(format_time),
            raw_end: raw_end.map(format_time),
            start_source: recording.start_source,
            clock_offset_ms: recording.clock_offset.map(|offset| offset.millis),
            clock_offset_method: recording.clock_offset.map(|offset| offset.method),
            corrected_start: recording.corrected_start.map(format_time),
            corrected_end: recording.corrected_end.map(format_time),
            duration_seconds: duration.map(|duration| duration.as_secs_f64()),
            probe: recording.probe,
            playback: recording.playback,
            workstation: recording.workstation,
            ingested_at: format_time(recording.ingested_at),
            late: delay.is_some(),
            offload_delay_seconds: delay.map(|delay| delay.as_secs_f64()),
            size: record.size,
            sha256: record.sha256,
            sm3: record.sm3,
            original_name: record.original_name,
            disposed_at,
            links: link_views,
            labels,
        })
    }
}

//! Court and reconsideration packages (移交证据包): `/api/v1/exports`.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | POST | `/api/v1/exports` | the holder of an approved copy grant for the case, or an archivist acting on one |
//! | GET | `/api/v1/exports` | archivists, inspectors, unit leaders, administrators: all; others: those made under their own grants |
//! | GET | `/api/v1/exports/{id}/package.iso` | as for the list; an ISO 9660 image of the package, ready to burn |
//!
//! The package is made by `liuhen_custody::package::export` (the same as
//! `liuhen export`) into the server's exports directory, checked at once
//! with `verify_package`, and recorded (`package.exported`); every record
//! put in it is audited as read for export under the grant. Downloading the
//! image is another copy of the records, so it is audited too.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use jiff::Timestamp;
use liuhen_core::access::{ExportRecord, Purpose, ReadKind, Target};
use liuhen_core::entity::Role;
use liuhen_core::id::{AccessRequestId, CaseId, ExportId, MediaId};
use liuhen_custody::package::{self, ExportSpec, Exporter};
use serde::{Deserialize, Serialize};

use crate::actor::CurrentActor;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;

const PEOPLE_ONLY: &str = "证据包由人员办理。Packages are made by people; a device token may not make or read them.";
const NO_EXPORTS: &str = "本服务器未配置证据包目录。This server makes no packages (no exports directory, or no policy pack in force); use `liuhen export` on the server.";

/// The roles that see every package and may make one on another's grant.
const OVERSEERS: [Role; 4] = [Role::Archivist, Role::Inspector, Role::UnitLeader, Role::Administrator];

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExportRequest {
    /// The case id.
    #[schema(value_type = String)]
    case: CaseId,
    /// Only these AV records (or party copies of them); all the case's linked records if absent.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    records: Vec<MediaId>,
    /// `litigation`, `reconsideration`, … or the Chinese name.
    purpose: String,
    /// The approved copy grant (an access request id).
    #[schema(value_type = String)]
    grant: AccessRequestId,
    /// Who receives it (法院, 复议机关, …).
    recipient: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ExportView {
    /// A liuhen-core `ExportRecord`: what was handed over, to whom, under which grant.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    record: ExportRecord,
    /// Where the package is on the server.
    path: String,
    /// Where to download it as an ISO image.
    iso_url: String,
}

fn view(record: ExportRecord, dir: &std::path::Path) -> ExportView {
    let iso_url = format!("/api/v1/exports/{}/package.iso", record.id);
    ExportView { path: dir.join(record.id.to_string()).display().to_string(), iso_url, record }
}

fn exports_dir(app: &AppState) -> Result<PathBuf, ApiError> {
    app.settings.exports.clone().ok_or_else(|| ApiError::Unavailable(NO_EXPORTS.into()))
}

/// `POST /api/v1/exports`: makes a package under a copy grant.
#[utoipa::path(
    post,
    path = "/api/v1/exports",
    request_body = ExportRequest,
    responses(
        (status = 201, description = "The package made.", body = ExportView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 422, response = super::openapi::Unprocessable),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn create(
    State(app): State<AppState>,
    actor: CurrentActor,
    ApiJson(request): ApiJson<ExportRequest>,
) -> Result<(StatusCode, Json<ExportView>), ApiError> {
    let person = actor.person(PEOPLE_ONLY)?;
    let dir = exports_dir(&app)?;
    let compliance = app.settings.compliance.as_ref().ok_or_else(|| ApiError::Unavailable(NO_EXPORTS.into()))?;
    let purpose: Purpose = request.purpose.parse().map_err(|error| ApiError::BadRequest(format!("{error}")))?;
    let file = liuhen_custody::access::request(app.store.as_ref(), request.grant).await?;
    let overseer = OVERSEERS.iter().any(|role| person.user.has_role(*role));
    if file.request.requester != person.user.id && !overseer {
        return Err(ApiError::Forbidden(
            "这份调阅批准不是您的。This grant was made to someone else; its holder or an archivist makes the package".into(),
        ));
    }
    let printer = super::cases::printer()?;
    let exporter = Exporter {
        ledger: &app.ledger,
        vault: &app.vault,
        printer,
        pack: &compliance.pack,
        zone: jiff::tz::TimeZone::fixed(compliance.offset),
    };
    let id = ExportId::new();
    let out = dir.join(format!("making-{id}"));
    let spec = ExportSpec {
        case: request.case,
        records: request.records,
        purpose,
        grant: Some(request.grant),
        recipient: request.recipient,
        out: out.clone(),
    };
    let made = package::export(&exporter, spec, &actor.ledger_actor(), Timestamp::now()).await;
    let summary = match made {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&out);
            return Err(error.into());
        }
    };
    let final_dir = dir.join(summary.record.id.to_string());
    std::fs::rename(&out, &final_dir).map_err(|error| ApiError::internal(format!("cannot move the package into place: {error}")))?;
    let check = package::verify_package(&final_dir, &app.ledger.verifier_keys())?;
    if !check.ok() {
        return Err(ApiError::internal(format!("the package just made does not verify: {}", check.problems.join("; "))));
    }
    Ok((StatusCode::CREATED, Json(view(summary.record, &dir))))
}

/// Whether `person` may see this export: overseers see all; others those
/// made under their own grants.
async fn may_see(app: &AppState, actor: &CurrentActor, record: &ExportRecord) -> Result<bool, ApiError> {
    let person = actor.person(PEOPLE_ONLY)?;
    if OVERSEERS.iter().any(|role| person.user.has_role(*role)) {
        return Ok(true);
    }
    let Some(grant) = record.grant else { return Ok(false) };
    Ok(app.store.access_file(grant).await?.is_some_and(|file| file.request.requester == person.user.id))
}

/// `GET /api/v1/exports`: the packages handed over (复制留存).
#[utoipa::path(
    get,
    path = "/api/v1/exports",
    responses(
        (status = 200, description = "The packages the person may see.", body = Vec<ExportView>),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn list(State(app): State<AppState>, actor: CurrentActor) -> Result<Json<Vec<ExportView>>, ApiError> {
    actor.person(PEOPLE_ONLY)?;
    let dir = app.settings.exports.clone().unwrap_or_default();
    let mut out = Vec::new();
    for record in app.store.exports().await? {
        if may_see(&app, &actor, &record).await? {
            out.push(view(record, &dir));
        }
    }
    Ok(Json(out))
}

/// `GET /api/v1/exports/{id}/package.iso`: the package as an ISO 9660
/// image (Joliet and Rock Ridge, so Chinese names survive), made by xorriso.
#[utoipa::path(
    get,
    path = "/api/v1/exports/{id}/package.iso",
    params(
        ("id" = String, Path, description = "The export id."),
    ),
    responses(
        (status = 200, description = "The package as an ISO 9660 image.", body = [u8], content_type = "application/x-iso9660-image"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
pub(super) async fn iso(State(app): State<AppState>, actor: CurrentActor, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    actor.person(PEOPLE_ONLY)?;
    let dir = exports_dir(&app)?;
    let id: ExportId = id.parse().map_err(|_| ApiError::BadRequest(format!("`{id}` is not an export id")))?;
    let record = app
        .store
        .exports()
        .await?
        .into_iter()
        .find(|record| record.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("there is no package {id}")))?;
    if !may_see(&app, &actor, &record).await? {
        return Err(ApiError::Forbidden("这份证据包不是按您的调阅批准制作的。This package was not made under your grant".into()));
    }
    let package = dir.join(id.to_string());
    if !package.join("bagit.txt").is_file() {
        return Err(ApiError::NotFound(format!("package {id} is on record but its files are no longer on this server")));
    }
    let image = dir.join(format!("{id}.iso"));
    if !image.is_file() {
        let partial = dir.join(format!("{id}.iso.part"));
        let (source, target, volume) = (package.clone(), partial.clone(), id.to_string());
        tokio::task::spawn_blocking(move || package::write_iso(&source, &target, &volume)).await.map_err(ApiError::internal)??;
        std::fs::rename(&partial, &image).map_err(|error| ApiError::internal(format!("cannot keep the image: {error}")))?;
    }
    let size = std::fs::metadata(&image).map_err(|error| ApiError::internal(error.to_string()))?.len();
    // Another copy of what the package holds: audited before it is sent.
    let basis = record.grant.map(|request| liuhen_core::access::ReadBasis::Grant {
        request,
        purpose: record.purpose,
        mode: liuhen_core::access::AccessMode::Copy,
    });
    if let Some(case) = record.case {
        liuhen_custody::access::audit_read(
            &app.ledger,
            &actor.ledger_actor(),
            Target::Case(case),
            ReadKind::Export,
            basis.as_ref(),
            Some(size),
            None,
        )
        .await?;
    }
    let file = tokio::fs::File::open(&image).await.map_err(|error| ApiError::internal(error.to_string()))?;
    let pieces = futures::stream::try_unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buffer = vec![0u8; 1 << 20];
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buffer.truncate(read);
        Ok(Some((bytes::Bytes::from(buffer), file)))
    });
    let body = Body::from_stream(pieces);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-iso9660-image")
        .header(header::CONTENT_LENGTH, size)
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.iso\""))
        .body(body)
        .map_err(|error| ApiError::internal(error.to_string()))
}

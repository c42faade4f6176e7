//! The API's routes, one module per area.
//!
//! | Method | Path | Who |
//! |---|---|---|
//! | GET | `/healthz` | anyone (load balancers) |
//! | POST, DELETE | `/api/v1/session` | anyone (sign in); a signed-in person (sign out) |
//! | GET | `/api/v1/me` | any authenticated actor |
//! | GET | `/api/v1/openapi.json` | anyone: the OpenAPI document of every route here; see [`openapi`] |
//! | GET | `/api/v1/directory`, `/api/v1/users` | people; accounts: administrators. See [`directory`] |
//! | POST | `/api/v1/units`, `/api/v1/officers`, `/api/v1/devices`, `/api/v1/users` | administrators; see [`directory`] |
//! | GET | `/api/v1/devices/register`; GET, POST `/api/v1/devices/{id}/events` | the device register (设备台账); see [`devices`] |
//! | GET | `/api/v1/status` | administrators: storage, ledger and pack; see [`admin`] |
//! | GET | `/api/v1/media`, `/api/v1/media/{id}` | people: the records they may read (own, or a grant), each read audited; a workstation: what it stored. See [`media`] |
//! | POST | `/api/v1/media/{id}/viewings` | a person who may view the record; see [`content`] |
//! | GET, HEAD, DELETE | `/api/v1/viewings/{id}/content`, `/api/v1/viewings/{id}` | the person who opened the viewing |
//! | GET | `/api/v1/media/{id}/download` | a person with a grant for copy |
//! | GET, POST | `/api/v1/access-requests`, `…/{id}`, `…/{id}/decision`, `…/{id}/form.pdf` | people; see [`access`] |
//! | POST | `/api/v1/marks` | administrators, legal reviewers, unit leaders |
//! | GET, POST | `/api/v1/holds`, `/api/v1/holds/{id}/release` | archivists, legal reviewers, unit leaders, administrators; see [`retention`] |
//! | GET | `/api/v1/retention` | archivists, administrators, unit leaders (needs a pack in force) |
//! | GET, POST | `/api/v1/exports`, GET `/api/v1/exports/{id}/package.iso` | see [`exports`] |
//! | GET | `/api/v1/ledger/checkpoint`, `entries/{index}`, `proof`, `consistency` | any authenticated actor |
//! | GET | `/api/v1/ledger/public-key` | anyone |
//! | GET, POST | `/api/v1/cases`, `/api/v1/cases/{id}`, `…/stages`, `…/links` | see [`cases`] |
//! | GET | `/api/v1/document-kinds` | people: the fields each kind of document needs; see [`cases`] |
//! | OPTIONS, POST | `/api/v1/uploads` | a collection workstation's token (tus 1.0 creation) |
//! | GET | `/api/v1/uploads` | officers, unit leaders, administrators: uploads in progress; see [`upload_progress`] |
//! | GET | `/api/v1/register/offload[.csv]` | unit leaders, administrators: every row; officers: their own. See [`register`] |
//! | HEAD, PATCH, DELETE | `/api/v1/uploads/{id}` | the workstation that created it |
//! | POST | `/api/v1/uploads/{id}/register` | the workstation that created it |
//! | POST | `/api/v1/media/{id}/recheck` | a collection workstation (rehashes the stored copy before it clears the device) |
//! | POST | `/api/v1/media/{id}/cleared` | a collection workstation (records that it cleared the device) |
//! | GET, POST | `/api/v1/compliance/…` | see [`compliance`] |
//! | GET | `/api/v1/cases/{id}/av-checklist[.xlsx\|.pdf]`, `/api/v1/compliance/report[.xlsx\|.pdf]` | see [`printouts`] |
//! | GET | `/api/v1/reports/periodic[.pdf\|.xlsx]`, `…/periodic/charts/{chart}` | unit leaders, legal reviewers, inspectors, administrators: the periodic report (通报); see [`reports`] |
//! | GET | `/api/v1/recordings`, `/api/v1/recordings/{media}` | people: the AV records they may read, with names, links, labels and lateness, each page audited; see [`recordings`] |
//! | GET, POST | `/api/v1/recordings/{media}/labels` | see [`recordings`] |
//! | GET, POST | `/api/v1/spot-checks`, `…/{id}`, `…/{id}/reviews`, `…/{id}/redraw`, `…/{id}/population` | inspectors, legal reviewers, unit leaders; see [`spot_checks`] |
//! | GET, POST | `/api/v1/duty-log` | officers: their own duty log (执勤日志); unit leaders, inspectors, legal reviewers, administrators read all; see [`duty_log`] |
//! | GET, POST | `/api/v1/interruptions`, `…/explanations` | people: gaps between records they may read; explained by the holder or a unit leader. See [`interruptions`] |
//!
//! [`media`], [`content`], [`register`] and `GET /api/v1/retention` hand out a record's
//! metadata or bytes only on a basis and after its `record.read` entry is
//! committed. The case routes ([`cases`], [`printouts`]) still decide by
//! role and do not audit their reads of documents and linked records. No
//! route deletes a file (see [`retention`]).

mod access;
mod admin;
mod cases;
mod clearing;
pub(crate) mod compliance;
pub(crate) mod content;
mod devices;
mod directory;
mod duty_log;
mod exports;
mod health;
mod interruptions;
mod ledger;
mod media;
mod names;
mod openapi;
mod printouts;
mod recordings;
mod register;
mod reports;
mod retention;
mod session;
mod spot_checks;
mod upload_progress;
pub mod uploads;

use axum::http::HeaderValue;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::{delete, get, head, options, post};
use axum::Router;

use crate::error::ApiError;
use crate::ServerState;

pub(crate) fn api() -> Router<ServerState> {
    let uploads = Router::new()
        .route("/api/v1/uploads", options(uploads::options).post(uploads::create).get(upload_progress::list))
        .route("/api/v1/uploads/{id}", head(uploads::status).patch(uploads::append).delete(uploads::terminate))
        .route("/api/v1/uploads/{id}/register", post(uploads::registration::register))
        .route("/api/v1/media/{id}/recheck", post(clearing::recheck))
        .route("/api/v1/media/{id}/cleared", post(clearing::cleared))
        .layer(axum::middleware::map_response(tus_resumable));
    Router::new()
        .merge(uploads)
        .route("/healthz", get(health::health))
        .route("/api/v1/session", post(session::start).delete(session::end))
        .route("/api/v1/me", get(session::me))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/directory", get(directory::directory))
        .route("/api/v1/users", get(directory::users).post(directory::add_user))
        .route("/api/v1/units", post(directory::add_unit))
        .route("/api/v1/officers", post(directory::add_officer))
        .route("/api/v1/devices", post(directory::add_device))
        .route("/api/v1/devices/register", get(devices::register))
        .route("/api/v1/devices/{id}/events", get(devices::history).post(devices::record))
        .route("/api/v1/status", get(admin::status))
        .route("/api/v1/cases", get(cases::list).post(cases::open))
        .route("/api/v1/cases/{id}", get(cases::show))
        .route("/api/v1/cases/{id}/stages", post(cases::stage))
        .route("/api/v1/cases/{id}/links", post(cases::link))
        .route("/api/v1/cases/{id}/approvals", post(cases::approve))
        .route("/api/v1/cases/{id}/archive", post(cases::archive))
        .route("/api/v1/complaints", get(cases::complaints).post(cases::receive_complaint))
        .route("/api/v1/complaints/{id}/decision", post(cases::decide_complaint))
        .route("/api/v1/cases/{id}/documents", get(cases::documents).post(cases::make_document))
        .route("/api/v1/cases/{id}/documents/{document}/signatures", post(cases::sign_document))
        .route("/api/v1/cases/{id}/documents/{document}/pdf", get(cases::document_pdf))
        .route("/api/v1/cases/{id}/index.pdf", get(cases::index_pdf))
        .route("/api/v1/document-kinds", get(cases::document_kinds))
        .route("/api/v1/cases/{id}/av-checklist", get(printouts::av_checklist))
        .route("/api/v1/cases/{id}/av-checklist.xlsx", get(printouts::av_checklist_xlsx))
        .route("/api/v1/cases/{id}/av-checklist.pdf", get(printouts::av_checklist_pdf))
        .route("/api/v1/compliance/pack", get(compliance::pack))
        .route("/api/v1/compliance/findings", get(compliance::findings))
        .route("/api/v1/compliance/findings/{id}", get(compliance::finding))
        .route("/api/v1/compliance/findings/{id}/waiver", post(compliance::waive))
        .route("/api/v1/compliance/refresh", post(compliance::refresh))
        .route("/api/v1/compliance/deadlines", get(compliance::deadlines))
        .route("/api/v1/compliance/report", get(printouts::report))
        .route("/api/v1/compliance/report.pdf", get(printouts::report_pdf))
        .route("/api/v1/compliance/report.xlsx", get(printouts::report_xlsx))
        .route("/api/v1/reports/periodic", get(reports::periodic))
        .route("/api/v1/reports/periodic.pdf", get(reports::periodic_pdf))
        .route("/api/v1/reports/periodic.xlsx", get(reports::periodic_xlsx))
        .route("/api/v1/reports/periodic/charts/{chart}", get(reports::chart))
        .route("/api/v1/interruptions", get(interruptions::list))
        .route("/api/v1/duty-log", get(duty_log::list).post(duty_log::write))
        .route("/api/v1/register/offload", get(register::offload))
        .route("/api/v1/register/offload.csv", get(register::offload_csv))
        .route("/api/v1/interruptions/explanations", post(interruptions::explain))
        .route("/api/v1/recordings", get(recordings::list))
        .route("/api/v1/recordings/{media}", get(recordings::one))
        .route("/api/v1/recordings/{media}/labels", get(recordings::labels).post(recordings::label))
        .route("/api/v1/media", get(media::page))
        .route("/api/v1/media/{id}", get(media::one))
        .route("/api/v1/media/{id}/viewings", post(content::open))
        .route("/api/v1/media/{id}/download", get(content::download))
        .route("/api/v1/viewings/{id}", delete(content::close))
        .route("/api/v1/viewings/{id}/content", get(content::content))
        .route("/api/v1/access-requests", get(access::list).post(access::file))
        .route("/api/v1/access-requests/{id}", get(access::show))
        .route("/api/v1/access-requests/{id}/decision", post(access::decide))
        .route("/api/v1/access-requests/{id}/form.pdf", get(access::form_pdf))
        .route("/api/v1/marks", post(access::mark))
        .route("/api/v1/spot-checks", get(spot_checks::list).post(spot_checks::draw))
        .route("/api/v1/spot-checks/{id}", get(spot_checks::show))
        .route("/api/v1/spot-checks/{id}/reviews", post(spot_checks::review))
        .route("/api/v1/spot-checks/{id}/redraw", get(spot_checks::redraw))
        .route("/api/v1/spot-checks/{id}/population", get(spot_checks::population))
        .route("/api/v1/holds", get(retention::list).post(retention::place))
        .route("/api/v1/holds/{id}/release", post(retention::release))
        .route("/api/v1/retention", get(retention::list_retention))
        .route("/api/v1/exports", get(exports::list).post(exports::create))
        .route("/api/v1/exports/{id}/package.iso", get(exports::iso))
        .route("/api/v1/ledger/checkpoint", get(ledger::checkpoint))
        .route("/api/v1/ledger/entries/{index}", get(ledger::entry))
        .route("/api/v1/ledger/proof", get(ledger::inclusion_proof))
        .route("/api/v1/ledger/consistency", get(ledger::consistency_proof))
        .route("/api/v1/ledger/public-key", get(ledger::public_key))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Every tus response says which protocol version it speaks.
async fn tus_resumable(mut response: Response) -> Response {
    response.headers_mut().insert("tus-resumable", HeaderValue::from_static(uploads::TUS_VERSION));
    response
}

async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("there is no endpoint {method} {}; the API lives under /api/v1 (see the Liuhen documentation)", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}; check the method the documentation gives", uri.path()))
}

//! The pages, one module per area.
//!
//! | Path | Page |
//! |---|---|
//! | `/login`, `/logout` | sign in (登录), sign out |
//! | `/` | my workbench (我的工作台) |
//! | `/cases`, `/cases/new` | cases (案件): the list with its search and filters; opening a case (立案) |
//! | `/cases/{id}`, `/cases/{id}/…` | one case: facts, timeline (时间轴), documents, approvals, stages, linked AV records, archiving |
//! | `/cases/complaints` | complaints and reports (投诉举报) and what became of them |
//! | `/recordings`, `/recordings/{id}` | AV records (音视频记录): the register with its filters; one record with its facts, player, links and labels |
//! | `/interruptions` | interruptions waiting for an explanation (中断说明); the duty log (执勤日志) and the form to write in it |
//! | `/compliance`, `/compliance/findings/{id}` | compliance (合规检查): findings, deadlines, the misconduct report, the pack's rules; one finding and its explanation |
//! | `/access`, `/access/new`, `/access/{id}/decision` | access requests (调阅申请): mine, my grants and their requisition forms, those waiting for my decision; filing one |
//! | `/workstation` | the collection workstation (采集站): the offload register (导出台账) with its CSV, uploads in progress |
//! | `/admin` | administration (系统管理): directory, accounts, pack, storage and ledger; adding units, officers, devices, accounts |
//! | `/supervision/statistics` | statistics and the periodic report (统计通报) of a unit or the agency over a period: tables, charts, PDF and XLSX |
//! | `/supervision/devices`, `/supervision/devices/{id}` | the device register (设备台账) and coverage; one device's history and the forms to record what happened to it (its holder reaches it from the workbench) |
//! | `/supervision`, `/supervision/spot-checks/{id}` | supervision (督察): spot checks (抽检) drawn, the form to draw one; one check with its items, the rubric form and the redraw check |
//! | `/static/…` | the stylesheet and the script |

mod access;
mod admin;
mod cases;
mod compliance;
mod devices;
mod interruptions;
mod recordings;
mod session;
mod statics;
mod statistics;
mod supervision;
mod workbench;
mod workstation;

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::page;
use crate::WebState;

pub(crate) fn pages() -> Router<WebState> {
    Router::new()
        .route("/login", get(session::form).post(session::sign_in))
        .route("/logout", axum::routing::post(session::sign_out))
        .route("/", get(workbench::show))
        .route("/cases", get(cases::list))
        .route("/cases/new", get(cases::new_form).post(cases::open))
        .route("/cases/complaints", get(cases::complaints).post(cases::register_complaint))
        .route("/cases/complaints/{id}/decision", axum::routing::post(cases::decide_complaint))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/stages", axum::routing::post(cases::stage))
        .route("/cases/{id}/approvals", axum::routing::post(cases::approve))
        .route("/cases/{id}/documents", axum::routing::post(cases::make_document))
        .route("/cases/{id}/documents/{document}/signatures", axum::routing::post(cases::sign))
        .route("/cases/{id}/links", axum::routing::post(cases::link))
        .route("/cases/{id}/archive", axum::routing::post(cases::archive))
        .route("/recordings", get(recordings::list))
        .route("/recordings/{id}", get(recordings::show))
        .route("/recordings/{id}/links", axum::routing::post(recordings::link))
        .route("/recordings/{id}/labels", axum::routing::post(recordings::label))
        .route("/interruptions", get(interruptions::show).post(interruptions::explain))
        .route("/interruptions/duty-log", axum::routing::post(interruptions::log_duty))
        .route("/compliance", get(compliance::show))
        .route("/compliance/refresh", axum::routing::post(compliance::refresh))
        .route("/compliance/findings/{id}", get(compliance::finding))
        .route("/compliance/findings/{id}/waiver", axum::routing::post(compliance::waive))
        .route("/access", get(access::show))
        .route("/access/new", get(access::new_form).post(access::file))
        .route("/access/{id}/decision", axum::routing::post(access::decide))
        .route("/workstation", get(workstation::show))
        .route("/admin", get(admin::show))
        .route("/admin/units", axum::routing::post(admin::add_unit))
        .route("/admin/officers", axum::routing::post(admin::add_officer))
        .route("/admin/devices", axum::routing::post(admin::add_device))
        .route("/admin/users", axum::routing::post(admin::add_user))
        .route("/supervision", get(supervision::show))
        .route("/supervision/statistics", get(statistics::show))
        .route("/supervision/devices", get(devices::register))
        .route("/supervision/devices/{id}", get(devices::device))
        .route("/supervision/devices/{id}/events", axum::routing::post(devices::record))
        .route("/supervision/spot-checks", axum::routing::post(supervision::draw))
        .route("/supervision/spot-checks/{id}", get(supervision::check))
        .route("/supervision/spot-checks/{id}/reviews", axum::routing::post(supervision::review))
        .route("/static/{file}", get(statics::file))
        .fallback(not_found)
}

async fn not_found(uri: Uri) -> Response {
    page::bare_error(StatusCode::NOT_FOUND, &format!("没有这个页面：{}。请从工作台进入。There is no page at this address.", uri.path()))
}

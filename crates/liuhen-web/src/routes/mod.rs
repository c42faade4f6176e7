//! The pages, one module per area.
//!
//! | Path | Page |
//! |---|---|
//! | `/login`, `/logout` | sign in (登录), sign out |
//! | `/` | my workbench (我的工作台) |
//! | `/interruptions` | interruptions waiting for an explanation (中断说明) |
//! | `/compliance`, `/compliance/findings/{id}` | compliance (合规检查): findings, deadlines, the misconduct report, the pack's rules; one finding and its explanation |
//! | `/admin` | administration (系统管理): directory, accounts, pack, storage and ledger; adding units, officers, devices, accounts |
//! | `/supervision` | supervision (督察), filled by the supervision work |
//! | `/static/…` | the stylesheet and the script |

mod admin;
mod compliance;
mod interruptions;
mod session;
mod statics;
mod workbench;

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::page::{self, Viewer};
use crate::WebState;

pub(crate) fn pages() -> Router<WebState> {
    Router::new()
        .route("/login", get(session::form).post(session::sign_in))
        .route("/logout", axum::routing::post(session::sign_out))
        .route("/", get(workbench::show))
        .route("/interruptions", get(interruptions::show).post(interruptions::explain))
        .route("/compliance", get(compliance::show))
        .route("/compliance/refresh", axum::routing::post(compliance::refresh))
        .route("/compliance/findings/{id}", get(compliance::finding))
        .route("/compliance/findings/{id}/waiver", axum::routing::post(compliance::waive))
        .route("/admin", get(admin::show))
        .route("/admin/units", axum::routing::post(admin::add_unit))
        .route("/admin/officers", axum::routing::post(admin::add_officer))
        .route("/admin/devices", axum::routing::post(admin::add_device))
        .route("/admin/users", axum::routing::post(admin::add_user))
        .route("/supervision", get(supervision))
        .route("/static/{file}", get(statics::file))
        .fallback(not_found)
}

/// The supervision slot (督察): spot checks, devices and reports come with
/// the supervision work; until then the page says what it will hold.
async fn supervision(viewer: Viewer) -> Response {
    viewer.render("placeholder.html", "督察", serde_json::json!({
        "heading": "督察",
        "text": "抽检、执法记录仪管理、统计与通报将在此处提供。",
    }))
}

async fn not_found(uri: Uri) -> Response {
    page::bare_error(StatusCode::NOT_FOUND, &format!("没有这个页面：{}。请从工作台进入。There is no page at this address.", uri.path()))
}

//! The pages, one module per area.
//!
//! | Path | Page |
//! |---|---|
//! | `/login`, `/logout` | sign in (登录), sign out |
//! | `/` | my workbench (我的工作台) |
//! | `/supervision` | supervision (督察), filled by the supervision work |
//! | `/static/…` | the stylesheet and the script |

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

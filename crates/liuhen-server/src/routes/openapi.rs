//! The OpenAPI 3.1 document of the API, served at `GET /api/v1/openapi.json`.
//!
//! Each handler carries its own `#[utoipa::path]` (method, path,
//! parameters, body, the statuses it can answer); [`ApiDoc`] gathers them,
//! adds the error body every refusal shares and the two ways to
//! authenticate, and names every operation after its method and path. The
//! tests (`openapi/tests.rs`) hold the document to the router: a route
//! added to [`super::api`] without its annotation, or one documented but
//! not routed, fails them.
//!
//! Bodies of types owned by other crates (`liuhen-core`, `liuhen-cases`,
//! `liuhen-custody`, …) are described as generic JSON objects: deriving
//! `ToSchema` there would make the pure core depend on a documentation
//! library. The server's own views are described field by field.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::auth::SESSION_COOKIE;

/// The whole document. `paths(...)` is the list the drift test compares
/// with the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Liuhen API",
        description = "The /api/v1 API of Liuhen (留痕), the record of administrative law enforcement: \
                       AV records, their custody, cases, compliance and the ledger that proves nothing changed. \
                       Every refusal is `{\"error\": \"…\"}` with a sentence saying what to do next.",
    ),
    paths(
        super::health::health,
        document,
        super::session::start,
        super::session::end,
        super::session::me,
        super::directory::directory,
        super::directory::users,
        super::directory::add_user,
        super::directory::add_unit,
        super::directory::add_officer,
        super::directory::add_device,
        super::devices::register,
        super::devices::history,
        super::devices::record,
        super::admin::status,
        super::cases::list::list,
        super::cases::open,
        super::cases::show,
        super::cases::stage,
        super::cases::link,
        super::cases::approve,
        super::cases::archive,
        super::cases::complaints,
        super::cases::receive_complaint,
        super::cases::decide_complaint,
        super::cases::documents,
        super::cases::make_document,
        super::cases::sign_document,
        super::cases::document_pdf,
        super::cases::index_pdf,
        super::cases::document_kinds,
        super::printouts::av_checklist,
        super::printouts::av_checklist_xlsx,
        super::printouts::av_checklist_pdf,
        super::printouts::report,
        super::printouts::report_pdf,
        super::printouts::report_xlsx,
        super::reports::periodic,
        super::reports::periodic_pdf,
        super::reports::periodic_xlsx,
        super::reports::chart,
        super::compliance::pack,
        super::compliance::findings,
        super::compliance::finding,
        super::compliance::waive,
        super::compliance::refresh,
        super::compliance::deadlines,
        super::interruptions::list,
        super::duty_log::list,
        super::duty_log::write,
        super::interruptions::explain,
        super::register::offload,
        super::register::offload_csv,
        super::recordings::list::list,
        super::recordings::list::one,
        super::recordings::labels,
        super::recordings::label,
        super::media::page,
        super::media::one,
        super::content::open,
        super::content::download,
        super::content::close,
        super::content::content,
        super::access::list,
        super::access::file,
        super::access::show,
        super::access::decide,
        super::access::form_pdf,
        super::access::mark,
        super::spot_checks::list,
        super::spot_checks::draw,
        super::spot_checks::show,
        super::spot_checks::review,
        super::spot_checks::redraw,
        super::spot_checks::population,
        super::retention::list,
        super::retention::place,
        super::retention::release,
        super::retention::list_retention,
        super::exports::list,
        super::exports::create,
        super::exports::iso,
        super::ledger::checkpoint,
        super::ledger::entry,
        super::ledger::inclusion_proof,
        super::ledger::consistency_proof,
        super::ledger::public_key,
        super::uploads::options,
        super::uploads::create,
        super::uploads::status,
        super::uploads::append,
        super::uploads::terminate,
        super::uploads::registration::register,
        super::clearing::recheck,
        super::clearing::cleared,
        super::upload_progress::list,
    ),
    components(
        schemas(ErrorBody),
        responses(BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, Gone, Unprocessable, Unavailable, StorageFull)
    ),
    modifiers(&Conventions),
    security(("session" = []), ("device_token" = [])),
)]
pub(crate) struct ApiDoc;

/// `GET /api/v1/openapi.json`: this document. Anyone may read it; it
/// describes the API, not the data.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", body = Object)),
)]
pub(super) async fn document() -> Response {
    // The document is the same for the life of the process; build it once.
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serializes"));
    ([(header::CONTENT_TYPE, "application/json")], json.as_str()).into_response()
}

/// The body of every refusal, as `crate::error::ApiError` writes it.
#[derive(ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(crate) struct ErrorBody {
    /// What went wrong and what to do next, as a sentence; sign-in and
    /// permission refusals come in Chinese and English. A server error
    /// names a reference to give the administrator instead.
    error: String,
}

/// A case, an AV record or a document named in a request body, as
/// liuhen-core's `Target` reads it: `{"kind": "case", "id": "…"}`.
#[derive(ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(crate) struct TargetRef {
    #[schema(pattern = "^(case|media|document)$")]
    kind: String,
    /// The id of the case, media record or document.
    id: String,
}

/// Declares a reusable error response: one status's meaning, with
/// [`ErrorBody`] as JSON.
macro_rules! error_response {
    ($(#[$doc:meta])* $name:ident, $description:literal) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl<'s> utoipa::ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<utoipa::openapi::Response>) {
                let content = Content::new(Some(Ref::from_schema_name("ErrorBody")));
                (stringify!($name), ResponseBuilder::new().description($description).content("application/json", content).build().into())
            }
        }
    };
}

error_response!(
    /// 400.
    BadRequest,
    "The request itself is wrong: a malformed body, path or query parameter, or a value out of range."
);
error_response!(
    /// 401.
    Unauthenticated,
    "No credentials, or credentials that are not (or no longer) valid: sign in again."
);
error_response!(
    /// 403.
    Forbidden,
    "The caller is known but may not do this (role, grant, or a missing CSRF token on a cookie-authenticated change)."
);
error_response!(
    /// 404.
    NotFound,
    "The thing asked for does not exist, or the caller may not know that it does."
);
error_response!(
    /// 409.
    Conflict,
    "The request conflicts with the state of the thing (already decided, already exists, not complete)."
);
error_response!(
    /// 410.
    Gone,
    "The record was disposed of at the end of its retention; only its tombstone remains."
);
error_response!(
    /// 422.
    Unprocessable,
    "Understood, but the content is refused by the rules (a stage out of order, a hash that does not match)."
);
error_response!(
    /// 503.
    Unavailable,
    "This server does not offer the feature now (no policy pack in force, uploads or exports turned off, a tool missing)."
);
error_response!(
    /// 507.
    StorageFull,
    "The server's storage is full and nothing more could be stored; an administrator must free space or add storage. What arrived before is kept: ask with HEAD and resume."
);

/// What every operation shares: the security schemes, an operation id and
/// a tag derived from the path, so each is unique without being spelled
/// out 80 times.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie `POST /api/v1/session` sets for a person. A request carrying it that may change \
                 state (any method but GET, HEAD and OPTIONS) must also send the session's CSRF token (from the sign-in \
                 answer or `GET /api/v1/me`) in the `X-CSRF-Token` header.",
            ))),
        );
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A collection workstation's API token (`liuhen directory token`), in `Authorization: Bearer`."))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let tag = tag_of(path);
            for (method, operation) in operations_mut(item) {
                operation.operation_id = Some(operation_id(method, path));
                operation.tags = Some(vec![tag.clone()]);
            }
        }
    }
}

/// `get_api_v1_cases_id_documents` for `GET /api/v1/cases/{id}/documents`.
fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_owned).collect();
    format!("{method}_{}", words.join("_"))
}

/// The area of the API: `cases` for `/api/v1/cases/{id}`, `health` for `/healthz`.
fn tag_of(path: &str) -> String {
    match path.strip_prefix("/api/v1/") {
        Some(rest) => rest.split(['/', '.']).next().unwrap_or(rest).to_owned(),
        None => "health".to_owned(),
    }
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}

#[cfg(test)]
mod tests;

//! API errors and how they become responses.
//!
//! Every error a client can cause becomes JSON `{"error": "…"}` with a
//! sentence that says what to do next; messages a person on duty is likely
//! to read (sign-in, permissions) come in Chinese and English. Anything
//! else is an internal error: the client gets a generic sentence and a
//! reference, and the full error chain goes to the log under that
//! reference.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liuhen_collect::CollectError;
use liuhen_custody::CustodyError;
use liuhen_ledger::LedgerError;
use liuhen_store::StoreError;
use liuhen_vault::{is_storage_full, VaultError};

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credentials, or credentials that are not (or no longer) valid.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: the request conflicts with the state of the thing (an upload
    /// offset that does not match, an upload not yet complete).
    #[error("{0}")]
    Conflict(String),
    /// 410: the thing existed and is gone for good (a record disposed of
    /// at the end of its retention).
    #[error("{0}")]
    Gone(String),
    /// 412: a protocol precondition is not met (tus version).
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: more than may be sent.
    #[error("{0}")]
    TooLarge(String),
    /// 415: the body is not of the type this endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 416: no byte of the range asked for exists; `size` is the length of
    /// the whole file, sent back in `Content-Range: bytes */size`.
    #[error("{message}")]
    RangeNotSatisfiable { message: String, size: u64 },
    /// 422: understood, but the content is wrong (a hash that does not match).
    #[error("{0}")]
    Unprocessable(String),
    /// 503: this server does not offer the feature now.
    #[error("{0}")]
    Unavailable(String),
    /// 429: too many attempts; try again after `retry_after`.
    #[error("{message}")]
    TooManyAttempts { message: String, retry_after: Duration },
    /// 507: the server's storage is full. Which disk and which path is
    /// logged, never sent; the client is told an administrator must act.
    #[error("storage full: {0}")]
    StorageFull(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// 500: our fault. The source is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(error.into())
    }

    /// A file the server could not write: 507 when its disk (or quota) is
    /// full, otherwise internal.
    pub fn io(error: std::io::Error) -> Self {
        if is_storage_full(&error) {
            ApiError::StorageFull(error.into())
        } else {
            ApiError::internal(error)
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(error) => {
                let reference = uuid::Uuid::now_v7();
                tracing::error!(%reference, error = %error_chain(error.as_ref()), "request failed");
                format!(
                    "服务器内部错误，请稍后重试；如果问题持续，请把参考号 {reference} 告诉系统管理员。\
                     Something went wrong on the server; try again, and if it keeps happening give your administrator the reference {reference}."
                )
            }
            ApiError::StorageFull(error) => {
                tracing::error!(error = %error_chain(error.as_ref()), "the server's storage is full");
                "服务器存储空间已满，未能保存；请通知系统管理员清理或扩充存储后再试。\
                 The server's storage is full and nothing more could be stored: an administrator must free space or add storage, then try again."
                    .to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(serde_json::json!({ "error": message }))).into_response();
        match self {
            ApiError::Unauthenticated(_) => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"liuhen\""));
            }
            ApiError::TooManyAttempts { retry_after, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
            }
            ApiError::RangeNotSatisfiable { size, .. } => {
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, value);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            full @ StoreError::StorageFull(_) => ApiError::StorageFull(full.into()),
            other => ApiError::internal(other),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::NoSuchEntry { .. } => ApiError::NotFound(error.to_string()),
            LedgerError::BadOldSize { .. } => ApiError::BadRequest(error.to_string()),
            LedgerError::Store(store) => store.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<VaultError> for ApiError {
    fn from(error: VaultError) -> Self {
        match error {
            full @ VaultError::StorageFull { .. } => ApiError::StorageFull(full.into()),
            other => ApiError::internal(other),
        }
    }
}

/// Registering a recording: a full disk under the vault, the database or
/// the scratch folder is 507; the rest is ours.
impl From<CollectError> for ApiError {
    fn from(error: CollectError) -> Self {
        match error {
            CollectError::Vault(error) => error.into(),
            CollectError::Store(error) => error.into(),
            CollectError::Ledger(error) => error.into(),
            CollectError::Scratch { ref source, .. } if is_storage_full(source) => ApiError::StorageFull(error.into()),
            other => ApiError::internal(other),
        }
    }
}

/// The custody service's refusals keep their sentence; what went wrong
/// underneath (the vault, a file, the printer) is ours and stays in the log.
impl From<CustodyError> for ApiError {
    fn from(error: CustodyError) -> Self {
        match error {
            CustodyError::NotFound(message) => ApiError::NotFound(message),
            CustodyError::Invalid(message) => ApiError::BadRequest(message),
            CustodyError::Refused(message) => ApiError::Forbidden(message),
            CustodyError::ToolMissing(message) => ApiError::Unavailable(message),
            CustodyError::Store(error) => error.into(),
            CustodyError::Ledger(error) => error.into(),
            CustodyError::Vault(error) => error.into(),
            other @ (CustodyError::Io { .. } | CustodyError::Print { .. }) => ApiError::internal(other),
        }
    }
}

/// An error and its sources, joined by ": ", for one log line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // thiserror's `transparent` and `#[from]` wrappers often repeat
        // their source's message; say each thing once.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_detail() {
        let response = ApiError::internal("password authentication failed for user \"postgres\"").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_text(response);
        assert!(!body.contains("postgres"), "{body}");
        assert!(body.contains("reference"), "{body}");
    }

    #[test]
    fn custody_refusals_keep_their_status_and_sentence() {
        assert_eq!(ApiError::from(CustodyError::Refused("no grant".into())).status(), StatusCode::FORBIDDEN);
        assert_eq!(ApiError::from(CustodyError::Invalid("empty reason".into())).status(), StatusCode::BAD_REQUEST);
        assert_eq!(ApiError::from(CustodyError::NotFound("no request".into())).status(), StatusCode::NOT_FOUND);
        let io = CustodyError::Io { what: "cannot read /srv/secret".into(), source: std::io::Error::other("disk") };
        let response = ApiError::from(io).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body_text(response).contains("/srv/secret"));
    }

    #[test]
    fn an_unsatisfiable_range_names_the_size() {
        let response = ApiError::RangeNotSatisfiable { message: "past the end".into(), size: 1234 }.into_response();
        assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(response.headers()[header::CONTENT_RANGE], "bytes */1234");
    }

    #[test]
    fn a_missing_ledger_entry_is_not_found() {
        let error = ApiError::from(LedgerError::NoSuchEntry { index: 9, size: 3 });
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
        assert!(error.to_string().contains("entry 9 does not exist"));
    }

    #[test]
    fn a_full_disk_is_507_and_keeps_its_paths_to_the_log() {
        let full = std::io::Error::from_raw_os_error(28);
        let response = ApiError::io(full).into_response();
        assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(body_text(response).contains("administrator must free space"));
        let vault = VaultError::StorageFull { path: "/srv/liuhen/uploads/x".into(), location: "the file system at /srv/liuhen".into() };
        let response = ApiError::from(vault).into_response();
        assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(!body_text(response).contains("/srv/liuhen"));
        let database = StoreError::StorageFull(sqlx::Error::Io(std::io::Error::from_raw_os_error(28)));
        assert_eq!(ApiError::from(LedgerError::Store(database)).status(), StatusCode::INSUFFICIENT_STORAGE);
        let collect = CollectError::Store(StoreError::StorageFull(sqlx::Error::Io(std::io::Error::from_raw_os_error(28))));
        assert_eq!(ApiError::from(collect).status(), StatusCode::INSUFFICIENT_STORAGE);
        let scratch = CollectError::Scratch { path: "/srv/liuhen/scratch".into(), source: std::io::Error::from_raw_os_error(122) };
        assert_eq!(ApiError::from(scratch).status(), StatusCode::INSUFFICIENT_STORAGE);
        let scratch = CollectError::Scratch { path: "/srv/liuhen/scratch".into(), source: std::io::Error::from_raw_os_error(13) };
        assert_eq!(ApiError::from(scratch).status(), StatusCode::INTERNAL_SERVER_ERROR);
        // Any other failure to write stays internal.
        assert_eq!(ApiError::io(std::io::Error::from_raw_os_error(5)).status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    fn body_text(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = runtime.block_on(axum::body::to_bytes(response.into_body(), 1 << 16)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
